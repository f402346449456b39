//! kazoo's recipes, written against the public API of [`crate::client`]. One exception:
//! TreeCache reads through the crate's ordered completion path (`submit_get_watch` and
//! friends), whose answers arrive in server order with watch events, which the public async
//! functions cannot promise.

pub mod barrier;
mod common;
pub mod counter;
pub mod election;
mod ephemeral;
pub mod lease;
pub mod lock;
pub mod partitioner;
pub mod party;
pub mod queue;
pub mod semaphore;
pub mod tree_cache;
mod watchers;

pub use watchers::{ChildrenWatch, DataWatch, NodeWatch};
