//! kazoo's semaphore recipe (in progress).
