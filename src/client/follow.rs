//! Following the ensemble's own configuration (Curator's `EnsembleTracker`): with
//! [`ClientOptions::follow_ensemble_config`](super::ClientOptions::follow_ensemble_config) the
//! client watches `/zookeeper/config` and, whenever a newer configuration is committed,
//! replaces its host list with the members' client addresses ([`Client::update_hosts`]'s
//! rebalancing included), so that sessions spread over servers that joined and leave servers
//! that were removed.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Weak};

use super::{Client, EnsembleConfig, Inner, WatchedEvent};
use crate::proto::{EventType, KeeperState};

const LOG: &str = "zkclient::client";

/// What the follower of one client knows.
#[derive(Default)]
pub(super) struct Follower {
    /// The version of the last configuration applied (0: none yet).
    applied: AtomicI64,
    /// A watch on the configuration node is set (or being set).
    armed: AtomicBool,
}

impl Follower {
    /// The connection state changed: on every (re)connection the configuration is read again
    /// (a change may have been missed while disconnected), with a watch unless one is set.
    pub(super) fn state_changed(self: &Arc<Self>, client: &Weak<Inner>, state: KeeperState) {
        match state {
            KeeperState::SyncConnected | KeeperState::ConnectedReadOnly => {
                self.refresh(client.clone());
            }
            // A new session has no watches.
            KeeperState::Expired | KeeperState::Closed | KeeperState::AuthFailed => {
                self.armed.store(false, Ordering::SeqCst);
            }
            _ => {}
        }
    }

    /// Reads the configuration on the runtime (never blocking the calling callback thread)
    /// and applies it.
    fn refresh(self: &Arc<Self>, client: Weak<Inner>) {
        let Some(inner) = client.upgrade() else {
            return;
        };
        let client_handle = Client { inner };
        let arm = !self.armed.swap(true, Ordering::SeqCst);
        let follower = self.clone();
        let Ok(runtime) = crate::runtime::try_handle() else {
            return;
        };
        runtime.spawn(async move {
            let read = if arm {
                let watcher = {
                    let follower = follower.clone();
                    move |event: WatchedEvent| follower.watch_fired(&client, &event)
                };
                client_handle
                    .get_config_watch(watcher)
                    .await
                    .map(|(config, _)| config)
            } else {
                client_handle.get_config().await
            };
            match read {
                Ok(config) => follower.apply(&client_handle, &config),
                Err(error) => {
                    if arm {
                        follower.armed.store(false, Ordering::SeqCst);
                    }
                    // The next connection reads it again.
                    log::debug!(target: LOG, "reading the ensemble configuration failed: {error}");
                }
            }
        });
    }

    fn watch_fired(self: &Arc<Self>, client: &Weak<Inner>, event: &WatchedEvent) {
        self.armed.store(false, Ordering::SeqCst);
        if event.event_type != EventType::None {
            self.refresh(client.clone());
        }
    }

    /// Takes `config` as the host list when it is newer than the last one applied and names
    /// at least one client address.
    fn apply(&self, client: &Client, config: &EnsembleConfig) {
        let hosts = config.client_hosts();
        if hosts.is_empty() {
            return;
        }
        let previous = self.applied.fetch_max(config.version, Ordering::SeqCst);
        if previous >= config.version {
            return;
        }
        let mut current = client.hosts();
        let mut next = hosts.clone();
        current.sort_by_key(ToString::to_string);
        next.sort_by_key(ToString::to_string);
        if current == next {
            return;
        }
        log::info!(
            target: LOG,
            "following the ensemble configuration {:#x}: {} server(s) ({})",
            config.version,
            hosts.len(),
            config.connect_string()
        );
        let _ = client.replace_hosts(hosts);
    }
}
