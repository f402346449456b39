//! kazoo's TreeCache (to come).
