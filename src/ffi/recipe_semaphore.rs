//! The semaphore recipe from C (in progress).
