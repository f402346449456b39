//! kazoo's party recipe (in progress).
