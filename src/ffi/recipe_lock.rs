//! The lock recipe from C (in progress).
