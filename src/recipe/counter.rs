//! kazoo's counter recipe (in progress).
