//! The queue recipe from C (in progress).
