//! Connection-state listeners, and the bridge from session events to the dispatcher.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::dispatch::Dispatcher;
use crate::proto::KeeperState;
use crate::session::SessionEvents;

/// The connection state as kazoo names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not connected and no session: never started, stopped, session expired, or auth failed.
    Lost,
    /// The connection was lost; the session may still be alive on the server.
    Suspended,
    /// Connected with a live session (read-write or read-only).
    Connected,
}

impl State {
    /// The kazoo state a keeper state means.
    pub fn from_keeper(state: KeeperState) -> State {
        match state {
            KeeperState::SyncConnected
            | KeeperState::ConnectedReadOnly
            | KeeperState::SaslAuthenticated => State::Connected,
            KeeperState::Disconnected => State::Suspended,
            KeeperState::Expired | KeeperState::AuthFailed | KeeperState::Closed => State::Lost,
        }
    }
}

/// A state listener: called with the kazoo state and the raw keeper state.
pub type Listener = Arc<dyn Fn(State, KeeperState) + Send + Sync + 'static>;

/// Identifies a listener for removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(pub u64);

struct Registered {
    id: ListenerId,
    active: AtomicBool,
    listener: Listener,
}

/// The client's side of session events: listeners and the dispatcher they run on.
pub struct Notifier {
    pub(super) dispatcher: Dispatcher,
    listeners: Mutex<Vec<Arc<Registered>>>,
    next_id: AtomicU64,
    /// The client's own listener (the configuration follower), called after the
    /// application's; never removed by `clear`.
    internal: OnceLock<Listener>,
}

impl Notifier {
    /// `inline`: callbacks run on the network thread (see `ClientOptions::inline_callbacks`).
    pub(super) fn new(inline: bool) -> Notifier {
        Notifier {
            dispatcher: if inline {
                Dispatcher::inline()
            } else {
                Dispatcher::default()
            },
            listeners: Mutex::default(),
            next_id: AtomicU64::new(1),
            internal: OnceLock::new(),
        }
    }

    /// Sets the client's own listener (once).
    pub(super) fn set_internal(&self, listener: Listener) {
        let _ = self.internal.set(listener);
    }

    fn registered(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Registered>>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn add(&self, listener: Listener) -> ListenerId {
        let id = ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.registered().push(Arc::new(Registered {
            id,
            active: AtomicBool::new(true),
            listener,
        }));
        id
    }

    pub(super) fn remove(&self, id: ListenerId) -> bool {
        let mut listeners = self.registered();
        let Some(index) = listeners.iter().position(|each| each.id == id) else {
            return false;
        };
        let removed = listeners.remove(index);
        drop(listeners);
        removed.active.store(false, Ordering::SeqCst);
        true
    }

    pub(super) fn clear(&self) {
        let removed = std::mem::take(&mut *self.registered());
        for each in &removed {
            each.active.store(false, Ordering::SeqCst);
        }
    }
}

impl SessionEvents for Notifier {
    fn state_changed(&self, keeper_state: KeeperState) {
        // The listeners registered when the change happened; one removed before its turn
        // comes is skipped.
        let listeners: Vec<Arc<Registered>> = self.registered().clone();
        let internal = self.internal.get().cloned();
        self.dispatcher.push(Box::new(move || {
            let state = State::from_keeper(keeper_state);
            for each in listeners {
                if each.active.load(Ordering::SeqCst) {
                    (each.listener)(state, keeper_state);
                }
            }
            if let Some(internal) = internal {
                internal(state, keeper_state);
            }
        }));
    }

    fn dispatch(&self, job: Box<dyn crate::session::Job>) {
        self.dispatcher.push(job);
    }

    fn begin_batch(&self) {
        self.dispatcher.hold();
    }

    fn end_batch(&self) {
        self.dispatcher.release();
    }
}
