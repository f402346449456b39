//! kazoo's SetPartitioner (to come).
