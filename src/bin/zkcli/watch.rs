//! `watch`: a one-shot, persistent or persistent recursive watch, its events printed one per
//! line until its count is reached, a signal comes, or the session ends.

use std::sync::mpsc;

use zkclient::proto::{AddWatchMode, EventType};
use zkclient::{Client, State, Wait, WatchedEvent};

use crate::args::WatchMode;
use crate::commands::Out;
use crate::failure::{Failure, EXIT_OK};
use crate::json;
use crate::signals;

enum Message {
    Event(WatchedEvent),
    State(State),
    Signal,
}

fn event_name(event_type: EventType) -> String {
    format!("{event_type:?}")
}

pub fn watch(
    client: &Client,
    out: &Out,
    json_out: bool,
    path: &str,
    mode: WatchMode,
    count: Option<u64>,
) -> Result<i32, Failure> {
    let (tx, rx) = mpsc::channel();
    {
        let tx = tx.clone();
        signals::set_hook(move |_| {
            let _ = tx.send(Message::Signal);
        });
    }
    {
        let tx = tx.clone();
        client.add_listener(move |state, _| {
            let _ = tx.send(Message::State(state));
        });
    }
    let event = move |event| {
        let _ = tx.send(Message::Event(event));
    };
    let armed = match mode {
        WatchMode::Exists => client.exists_watch(path, event).wait().map(drop),
        WatchMode::Children => client.get_children_watch(path, event).wait().map(drop),
        WatchMode::Persistent | WatchMode::Recursive => {
            let watch_mode = if mode == WatchMode::Recursive {
                AddWatchMode::PersistentRecursive
            } else {
                AddWatchMode::Persistent
            };
            client.add_watch(path, watch_mode, event).wait().map(drop)
        }
    };
    armed.map_err(Failure::zk("watch", path))?;
    eprintln!("watching {path}");
    let limit = match mode {
        WatchMode::Exists | WatchMode::Children => 1,
        WatchMode::Persistent | WatchMode::Recursive => count.unwrap_or(u64::MAX),
    };
    let mut seen = 0;
    let mut suspended = false;
    // The senders live in the signal hook, so the channel never closes.
    while let Ok(message) = rx.recv() {
        match message {
            Message::Event(event) if event.event_type == EventType::None => {
                return Err(Failure::NoSession(format!(
                    "watch {path}: the session ended ({:?}); the watch is gone",
                    event.keeper_state
                )));
            }
            Message::Event(event) => {
                let kind = event_name(event.event_type);
                if json_out {
                    out.line(&json::object(&[
                        ("type", json::string(&kind)),
                        ("path", json::string(&event.path)),
                    ]))?;
                } else {
                    out.line(&format!("{kind} {}", event.path))?;
                }
                seen += 1;
                if seen >= limit {
                    break;
                }
            }
            Message::Signal => break,
            Message::State(State::Suspended) => {
                suspended = true;
                eprintln!(
                    "zkcli: watch {path}: connection lost, reconnecting (changes made meanwhile \
                     are not replayed to a persistent watch)"
                );
            }
            Message::State(State::Connected) if suspended => {
                suspended = false;
                eprintln!("zkcli: watch {path}: reconnected");
            }
            Message::State(State::Lost) => {
                return Err(Failure::NoSession(format!(
                    "watch {path}: the session was lost; the watch is gone"
                )));
            }
            Message::State(State::Connected) => {}
        }
    }
    Ok(EXIT_OK)
}
