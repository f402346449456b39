//! kazoo's lock recipe (in progress).
