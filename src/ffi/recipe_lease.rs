//! NonBlockingLease from C (to come).
