//! kazoo's queue recipe (in progress).
