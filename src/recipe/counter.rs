//! kazoo's Counter: a shared integer in one node, changed by compare-and-set on the node's
//! version.
//!
//! The value is ASCII decimal (kazoo's `repr(value)`), or with [`CounterFormat::Int32Be`] a
//! big-endian 4-byte integer (kazoo's `support_curator=True`, Curator's `SharedCount`), or
//! with [`CounterFormat::Int64Be`] 8 bytes (Curator's `DistributedAtomicLong`). Empty data
//! reads as the default, as kazoo does. Integers only: data that is not an integer in the
//! chosen format is an error naming the node and its bytes.

use crate::client::{Client, CreateOptions};
use crate::error::{Error, Result};
use crate::proto::ErrorCode;
use crate::runtime::Wait;

use super::common::is_retryable;

/// How a counter's value is stored in its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CounterFormat {
    /// ASCII decimal, kazoo's default (`b"42"`).
    #[default]
    Ascii,
    /// Big-endian signed 32-bit, as Curator's `SharedCount` and kazoo's `support_curator`.
    Int32Be,
    /// Big-endian signed 64-bit, as Curator's `DistributedAtomicLong`.
    Int64Be,
}

/// A shared counter at one path. Cheap to clone; safe to use from many threads.
#[derive(Clone)]
pub struct Counter {
    client: Client,
    path: String,
    default: i64,
    format: CounterFormat,
}

impl Counter {
    /// A counter at `path` (kazoo's `zk.Counter(path, default)`), stored as ASCII decimal.
    /// Nothing is sent until the first read or change.
    pub fn new(client: &Client, path: &str, default: i64) -> Counter {
        Counter {
            client: client.clone(),
            path: path.to_string(),
            default,
            format: CounterFormat::Ascii,
        }
    }

    /// A counter stored in `format`. `InvalidArgument` for a default that `format` cannot
    /// hold (outside 32 bits for [`CounterFormat::Int32Be`]); a result of a change that does
    /// not fit is reported by that change.
    pub fn with_format(
        client: &Client,
        path: &str,
        default: i64,
        format: CounterFormat,
    ) -> Result<Counter> {
        if format == CounterFormat::Int32Be && i32::try_from(default).is_err() {
            return Err(Error::InvalidArgument(format!(
                "the default {default} does not fit the 32-bit counter format"
            )));
        }
        Ok(Counter {
            client: client.clone(),
            path: path.to_string(),
            default,
            format,
        })
    }

    /// The node's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The storage format.
    pub fn format(&self) -> CounterFormat {
        self.format
    }

    /// The current value; the node is created with the default when missing.
    pub fn value(&self) -> Result<i64> {
        self.client.retry(|| self.read().map(|(value, _)| value))
    }

    /// Adds `delta` (negative to subtract) and returns the new value. Concurrent changes are
    /// detected by the node's version and the change is applied again on the fresh value, so
    /// no update is lost. A result outside the format's range is an error and changes nothing.
    ///
    /// Never applied twice (kazoo and Curator retry blindly, and can): when the connection
    /// is lost while the write is in flight, the node is read again once the client is back;
    /// an unchanged version proves the write did not happen and it is retried, a changed one
    /// means it may have, and `CONNECTION_LOSS` tells the caller so.
    pub fn add(&self, delta: i64) -> Result<i64> {
        // The version our last write was conditioned on, when its outcome is unknown.
        let mut in_doubt: Option<i32> = None;
        let outcome = self.client.retry(|| loop {
            let (old, version) = self.read()?;
            if let Some(written_over) = in_doubt.take() {
                if version != written_over {
                    return Ok(Err(Error::connection_loss()));
                }
            }
            let new = old.checked_add(delta).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "counter {}: {old} + {delta} overflows a 64-bit integer",
                    self.path
                ))
            })?;
            let data = self.encode(new)?;
            match self.client.set(&self.path, &data, version).wait() {
                Ok(_) => return Ok(Ok(new)),
                Err(error) if error.is(ErrorCode::BAD_VERSION) || error.is(ErrorCode::NO_NODE) => {
                    continue
                }
                Err(error) => {
                    if is_retryable(&error) {
                        in_doubt = Some(version);
                    }
                    return Err(error);
                }
            }
        });
        outcome?
    }

    /// The value and the node's version, creating the node with the default when missing.
    fn read(&self) -> Result<(i64, i32)> {
        loop {
            match self.client.get(&self.path).wait() {
                Ok((data, stat)) => return Ok((self.decode(&data)?, stat.version)),
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                Err(error) => return Err(error),
            }
            let options = CreateOptions {
                makepath: true,
                ..CreateOptions::default()
            };
            let data = self.encode(self.default)?;
            match self.client.create(&self.path, &data, &options).wait() {
                Ok(created) => return Ok((self.default, created.stat.version)),
                Err(error) if error.is(ErrorCode::NODE_EXISTS) => continue,
                Err(error) => return Err(error),
            }
        }
    }

    fn encode(&self, value: i64) -> Result<Vec<u8>> {
        match self.format {
            CounterFormat::Ascii => Ok(value.to_string().into_bytes()),
            CounterFormat::Int32Be => i32::try_from(value)
                .map(|value| value.to_be_bytes().to_vec())
                .map_err(|_| {
                    Error::InvalidArgument(format!(
                        "counter {}: {value} does not fit the 32-bit format",
                        self.path
                    ))
                }),
            CounterFormat::Int64Be => Ok(value.to_be_bytes().to_vec()),
        }
    }

    fn decode(&self, data: &[u8]) -> Result<i64> {
        decode(self.format, data, self.default).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "counter {} holds {:?}, not an integer in the {:?} format",
                self.path,
                String::from_utf8_lossy(data),
                self.format
            ))
        })
    }
}

/// The value `data` holds in `format`; empty data is `default` (as kazoo reads it).
fn decode(format: CounterFormat, data: &[u8], default: i64) -> Option<i64> {
    if data.is_empty() {
        return Some(default);
    }
    match format {
        CounterFormat::Ascii => std::str::from_utf8(data).ok()?.trim().parse().ok(),
        CounterFormat::Int32Be => Some(i32::from_be_bytes(data.try_into().ok()?).into()),
        CounterFormat::Int64Be => Some(i64::from_be_bytes(data.try_into().ok()?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_format() {
        assert_eq!(decode(CounterFormat::Ascii, b"-42", 0), Some(-42));
        assert_eq!(decode(CounterFormat::Ascii, b"", 7), Some(7));
        assert_eq!(decode(CounterFormat::Ascii, b"1.5", 0), None);
        assert_eq!(decode(CounterFormat::Ascii, b"abc", 0), None);
        assert_eq!(decode(CounterFormat::Int32Be, &[0, 0, 1, 0], 0), Some(256));
        assert_eq!(decode(CounterFormat::Int32Be, &[0xff; 4], 0), Some(-1));
        assert_eq!(decode(CounterFormat::Int32Be, b"12", 0), None);
        assert_eq!(
            decode(CounterFormat::Int64Be, &[0, 0, 0, 0, 0, 0, 0, 9], 0),
            Some(9)
        );
    }
}
