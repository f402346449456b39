//! kazoo's barrier recipe (in progress).
