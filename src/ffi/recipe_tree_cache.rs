//! TreeCache from C (to come).
