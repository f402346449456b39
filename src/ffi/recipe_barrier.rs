//! The barrier recipe from C (in progress).
