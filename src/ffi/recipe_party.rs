//! The party recipe from C (in progress).
