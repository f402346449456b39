//! kazoo's election recipe (in progress).
