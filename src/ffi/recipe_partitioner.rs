//! SetPartitioner from C (to come).
