//! The counter recipe from C (in progress).
