//! zkclient: a ZooKeeper client with kazoo's features, written in Rust and shipped as a C
//! library (`libzkclient`, `include/zkclient.h`).
//!
//! Layers (see ARCHITECTURE.md): [`proto`] (the wire format), `session` (the task that owns
//! the socket, crate-private: [`SessionInfo`] is what it shows), [`client`] (the Rust API),
//! [`recipe`] (kazoo's recipes on that API) and [`ffi`] (the C API over both).
//!
//! ```no_run
//! use std::time::Duration;
//! use zkclient::{Client, ClientOptions, CreateOptions, Wait};
//!
//! let client = Client::new("127.0.0.1:2181/app", ClientOptions::default())?;
//! client.start(Duration::from_secs(15))?;
//! client.ensure_path("/my/favorite", None).wait()?;
//! client.create("/my/favorite/node", b"a value", &CreateOptions::default()).wait()?;
//! let (data, stat) = client.get("/my/favorite/node").wait()?;
//! println!("version {} data {:?}", stat.version, data);
//! client.stop()?;
//! # Ok::<(), zkclient::Error>(())
//! ```

// `cbindgen:ignore`: the header is generated from `ffi` alone, so that no constant of the
// other modules becomes a macro of zkclient.h (see cbindgen.toml).
/// cbindgen:ignore
pub mod client;
/// cbindgen:ignore
mod error;
pub mod ffi;
/// cbindgen:ignore
pub mod proto;
/// cbindgen:ignore
pub mod recipe;
/// cbindgen:ignore
mod retry;
/// cbindgen:ignore
pub mod runtime;
/// cbindgen:ignore
pub mod secret;
/// cbindgen:ignore
pub(crate) mod session;

pub use client::{
    four_letter_word, Client, ClientOptions, ClientStats, CreateOptions, Created, EnsembleConfig,
    EnsembleMember, GssapiOptions, HostAddr, HostResolver, ListenerId, MemberRole, Pem,
    RetryPolicy, SaslOptions, SessionInfo, State, TlsOptions, WatchId, WatchedEvent,
};
pub use error::{Error, Result, TlsFailure};
pub use proto::{Acl, ClientInfo, CreateMode, ErrorCode, Id, KeeperState, Stat};
pub use runtime::Wait;
