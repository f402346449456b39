//! The pipelined API: each operation sent without waiting, its result handed to a callback.
//!
//! Rules for every `*_then` method: when it returns an error (an invalid argument, a request
//! over the size limit, a closed client), nothing was sent and `done` is never called; when
//! it returns `Ok`, `done` is called exactly once with the result (a stop of the client makes
//! it connection-loss or closed). `done` runs on the client's dispatcher thread (or the
//! application's, see [`Client::enable_manual_dispatch`]), one callback at a time, in the order
//! the server answered, interleaved in that same order with watch events and listeners.

use super::{Client, CreateOptions, Created};
use crate::error::Result;
use crate::proto::Stat;

impl Client {
    /// Submits [`Client::create`]. With `options.makepath`, missing parents are created first
    /// and `done` runs when the node itself has been answered; the path and TTL are still
    /// checked before this returns (a request over the size limit fails through `done`).
    pub fn create_then(
        &self,
        path: &str,
        data: &[u8],
        options: &CreateOptions,
        done: impl FnOnce(Result<Created>) + Send + 'static,
    ) -> Result<()> {
        self.check_process()?;
        let prepared = self.prepare_create(path, data, options)?;
        if !options.makepath {
            return self.submit(prepared, done);
        }
        let (client, path, data, options) = (
            self.clone(),
            path.to_string(),
            data.to_vec(),
            options.clone(),
        );
        self.spawn_then(
            async move { client.create(&path, &data, &options).await },
            done,
        );
        Ok(())
    }

    /// Submits [`Client::exists`]: `done` gets the node's Stat, or `None` when it does not
    /// exist.
    pub fn exists_then(
        &self,
        path: &str,
        done: impl FnOnce(Result<Option<Stat>>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_exists(path)?, done)
    }

    /// Submits [`Client::get`]: `done` gets the node's data and Stat.
    pub fn get_then(
        &self,
        path: &str,
        done: impl FnOnce(Result<(Vec<u8>, Stat)>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_get(path)?, done)
    }

    /// [`Client::get_then`] with the data as a view of the reply buffer instead of a copy:
    /// for the C completion, which only lends it out for the call.
    pub(crate) fn get_shared_then(
        &self,
        path: &str,
        done: impl FnOnce(Result<(bytes::Bytes, Stat)>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_get_shared(path)?, done)
    }

    /// Submits [`Client::get_children`]: `done` gets the children (unsorted) and the node's
    /// Stat.
    pub fn get_children_then(
        &self,
        path: &str,
        done: impl FnOnce(Result<(Vec<String>, Stat)>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_get_children(path)?, done)
    }

    /// [`Client::get_children_then`] with the names left in the reply ([`super::ChildNames`]).
    pub(crate) fn get_children_shared_then(
        &self,
        path: &str,
        done: impl FnOnce(Result<(super::ChildNames, Stat)>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_get_children_shared(path)?, done)
    }

    /// Submits [`Client::set`]: `done` gets the new Stat.
    pub fn set_then(
        &self,
        path: &str,
        data: &[u8],
        version: i32,
        done: impl FnOnce(Result<Stat>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_set(path, data, version)?, done)
    }

    /// Submits [`Client::delete`].
    pub fn delete_then(
        &self,
        path: &str,
        version: i32,
        done: impl FnOnce(Result<()>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_delete(path, version)?, done)
    }

    /// Submits [`Client::sync`].
    pub fn sync_then(
        &self,
        path: &str,
        done: impl FnOnce(Result<()>) + Send + 'static,
    ) -> Result<()> {
        self.submit(self.prepare_sync(path)?, done)
    }
}
