//! kazoo's recipes, written only against the public API of [`crate::client`].

mod watchers;

pub use watchers::{ChildrenWatch, DataWatch, NodeWatch};
