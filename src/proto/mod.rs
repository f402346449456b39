//! The wire format: jute encoding, the records ZooKeeper exchanges, framing ([`split_frame`]),
//! opcodes, error codes and the small enums (create modes, event types, keeper states) that
//! travel inside records.
//!
//! Pure code with no I/O: encoding writes into a `Vec<u8>`, decoding reads from a byte slice
//! and returns a [`DecodeError`] on malformed input, never panicking and never allocating more
//! than the input can justify (`fuzz/` checks that with a coverage-guided fuzzer).
//!
//! Inside, `codec` (jute values) depends on nothing; `records` on `codec`; `frame` on both.

/// Defines a `#[repr(i32)]` enum of wire values with `from_i32` and `as_i32`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant = $value, )*
        }

        impl $name {
            /// The variant with wire value `value`, if there is one.
            pub fn from_i32(value: i32) -> Option<Self> {
                match value {
                    $( $value => Some(Self::$variant), )*
                    _ => None,
                }
            }

            /// The wire value.
            pub fn as_i32(self) -> i32 {
                self as i32
            }
        }
    };
}

mod codec;
mod error_code;
mod frame;
mod opcode;
mod records;
mod types;

pub use codec::*;
pub use error_code::*;
pub use frame::*;
pub use opcode::*;
pub use records::*;
pub use types::*;
