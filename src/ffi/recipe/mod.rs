//! The C API of the recipes, one module per recipe of [`crate::recipe`] that has one, with
//! the same name.

pub mod barrier;
pub mod counter;
pub mod election;
pub mod lease;
pub mod lock;
pub mod partitioner;
pub mod party;
pub mod queue;
pub mod semaphore;
pub mod tree_cache;
pub mod watchers;
