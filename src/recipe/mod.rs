//! kazoo's recipes, written only against the public API of [`crate::client`].

pub mod barrier;
mod common;
pub mod counter;
pub mod election;
pub mod lease;
pub mod lock;
pub mod partitioner;
pub mod party;
pub mod queue;
pub mod semaphore;
pub mod tree_cache;
mod watchers;

pub use watchers::{ChildrenWatch, DataWatch, NodeWatch};
