//! The election recipe from C (in progress).
