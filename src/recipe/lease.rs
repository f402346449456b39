//! kazoo's NonBlockingLease (to come).
