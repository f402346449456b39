//! Versioned option structs (libgit2's scheme): how the library reads a struct the caller
//! filled, whichever header the caller was built against.
//!
//! Every option struct starts with `uint32_t version`. The header names the current version
//! (`ZK_CREATE_OPTIONS_VERSION`, ...), and `zk_..._init(options, version)` writes the defaults
//! of exactly that version, never more bytes than that version's struct has. A function that
//! takes such a struct refuses version 0 (never initialised) and versions newer than the
//! library (`ZK_EINVAL`, naming the struct and both versions), and reads only the fields that
//! the caller's version has: later fields keep their defaults.
//!
//! Adding fields to a struct, say `zk_create_options`:
//! 1. append them at the end of the `#[repr(C)]` struct (never reorder, resize or remove);
//! 2. append `end_of!(zk_create_options, last_new_field)` to its [`Versioned::SIZES`]
//!    (the entry of each older version stays as it is: the end of that version's last field);
//! 3. bump `ZK_CREATE_OPTIONS_VERSION` to the new length of `SIZES`, give the new fields
//!    defaults in [`Versioned::defaults`], and document in the field's comment which version
//!    added it.
//!
//! Nothing else changes: [`read_options`] and [`init_options`] follow the table.

use crate::error::{Error, Result};

/// The number of bytes from the start of `$type` to the end of its field `$field`: the size
/// of the struct as a caller of the version whose last field that is knows it, without the
/// tail padding (a later version may put a field there).
macro_rules! end_of {
    ($type:ty, $field:ident) => {{
        const fn size_of_target<T, F>(_: fn(&T) -> &F) -> usize {
            ::std::mem::size_of::<F>()
        }
        ::std::mem::offset_of!($type, $field) + size_of_target(|value: &$type| &value.$field)
    }};
}
pub(crate) use end_of;

/// An option struct with a leading `u32` version and a size per version.
///
/// # Safety
/// The implementing type is `#[repr(C)]`, its first field is the `u32` version, every entry of
/// `SIZES` is at most `size_of::<Self>()` and covers the version field, each entry is at
/// least the one before, and every bit pattern a C caller can put in the fields of a version
/// is a valid value of those fields (plain integers, floats, `bool`s set from C `bool`,
/// pointers, nullable function pointers).
pub(crate) unsafe trait Versioned: Copy {
    /// The C name of the struct, for error messages.
    const NAME: &'static str;
    /// How a C caller sets the version, for the error of version 0 (`call
    /// zk_create_options_init() with the header's version`).
    const SET_VERSION: &'static str;
    /// `SIZES[v - 1]` is the size of version `v`: the bytes up to the end of its last field
    /// (see `end_of!`). The current version is `SIZES.len()`.
    const SIZES: &'static [usize];
    /// The defaults of the current version, with `version` set to it.
    fn defaults() -> Self;
}

/// The current version of `T` (the length of its size table).
pub(crate) const fn current_version<T: Versioned>() -> u32 {
    T::SIZES.len() as u32
}

/// The size of version `version` of `T`, or `ZK_EINVAL` naming the struct and both versions.
fn version_size<T: Versioned>(version: u32) -> Result<usize> {
    let known = current_version::<T>();
    match version {
        0 => Err(Error::InvalidArgument(format!(
            "{} has version 0: not initialised ({}; this library knows versions 1 to {known})",
            T::NAME,
            T::SET_VERSION
        ))),
        v if v > known => Err(Error::InvalidArgument(format!(
            "{} has version {v}, newer than this library knows (versions 1 to {known}): the \
             program was built against a newer zkclient.h than the library it runs with",
            T::NAME
        ))),
        v => Ok(T::SIZES[v as usize - 1]),
    }
}

/// Reads a caller's options: `None` for NULL, else the fields of the caller's version over the
/// current defaults (fields of later versions keep their defaults). `ZK_EINVAL` for version 0
/// or a version newer than the library.
///
/// # Safety
/// `options` is NULL, or points to a `u32` version followed by the fields of that version (at
/// least the version's size from `T::SIZES` is readable when the version is known).
pub(crate) unsafe fn read_options<T: Versioned>(options: *const T) -> Result<Option<T>> {
    if options.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and starts with the version, per the contract.
    let version = unsafe { options.cast::<u32>().read() };
    let size = version_size::<T>(version)?;
    let mut value = T::defaults();
    // SAFETY: `size` bytes are readable from `options` per the contract, and writable in
    // `value` (size <= size_of::<T>() per the trait); the bytes of the caller's fields are
    // valid values of those fields per the trait's contract. The copy keeps the caller's
    // version in `value.version`.
    unsafe {
        std::ptr::copy_nonoverlapping(
            options.cast::<u8>(),
            (&mut value as *mut T).cast::<u8>(),
            size,
        );
    }
    Ok(Some(value))
}

/// Writes the defaults of version `version` into `options` (the argument called `name`): the
/// version's size in bytes and no more (a caller built against an older header has a smaller
/// struct). `ZK_EINVAL` for a NULL `options`, version 0, or a version newer than the library;
/// nothing is written then.
///
/// # Safety
/// `options` is NULL or writable for the size of `version` (when the version is known).
pub(crate) unsafe fn init_options<T: Versioned>(
    options: *mut T,
    version: u32,
    name: &str,
) -> Result<()> {
    if options.is_null() {
        return Err(super::null_argument(name));
    }
    let size = version_size::<T>(version)?;
    let defaults = T::defaults();
    // SAFETY: `size` bytes are writable at `options` per the contract and readable from
    // `defaults`; the version field is covered by `size` and 4-aligned at the start.
    unsafe {
        std::ptr::copy_nonoverlapping(
            (&defaults as *const T).cast::<u8>(),
            options.cast::<u8>(),
            size,
        );
        options.cast::<u32>().write(version);
    }
    Ok(())
}

/// Writes `value` into a struct the caller gave for the library to fill, as the version the
/// caller set in it: that version's bytes and no more (a caller built against an older header
/// has a smaller struct); the caller's version stays. `ZK_EINVAL` for version 0 or a version
/// newer than the library; nothing is written then.
///
/// # Safety
/// `out` is not NULL, and points to a `u32` version followed by room for that version's fields
/// (the version's size from `T::SIZES`, when the version is known).
pub(crate) unsafe fn write_versioned<T: Versioned>(out: *mut T, value: &T) -> Result<()> {
    // SAFETY: `out` starts with the version, per the contract.
    let version = unsafe { out.cast::<u32>().read() };
    let size = version_size::<T>(version)?;
    // SAFETY: `size` bytes are writable at `out` per the contract and readable from `value`
    // (size <= size_of::<T>() per the trait). The version field is written with the same
    // value it held when `value` carries it (callers build `value` with `version` set to it).
    unsafe {
        std::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), out.cast::<u8>(), size);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a caller built against the "version 1" header has.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    struct mock_options_v1 {
        version: u32,
        count: i32,
        flag: bool,
    }

    /// The same struct after a "version 2" appended a field (it lands in v1's tail padding,
    /// which is why the sizes stop at the end of the last field, not at `size_of`).
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    struct mock_options {
        version: u32,
        count: i32,
        flag: bool,
        /// Version 2.
        extra: u8,
        /// Version 2.
        limit: i64,
    }

    // SAFETY: repr(C), version first, sizes increasing and within the struct, plain fields.
    unsafe impl Versioned for mock_options {
        const NAME: &'static str = "mock_options";
        const SET_VERSION: &'static str = "call mock_options_init() with the header's version";
        const SIZES: &'static [usize] = &[
            end_of!(mock_options, flag),  // version 1
            end_of!(mock_options, limit), // version 2
        ];
        fn defaults() -> Self {
            mock_options {
                version: current_version::<Self>(),
                count: 7,
                flag: true,
                extra: 3,
                limit: 1000,
            }
        }
    }

    #[test]
    fn end_of_stops_at_the_last_field() {
        assert_eq!(end_of!(mock_options_v1, flag), 9);
        assert_eq!(std::mem::size_of::<mock_options_v1>(), 12);
        assert_eq!(end_of!(mock_options, flag), 9);
        assert_eq!(std::mem::offset_of!(mock_options, extra), 9);
        assert_eq!(end_of!(mock_options, limit), 24);
        assert_eq!(current_version::<mock_options>(), 2);
    }

    #[test]
    fn a_version_1_struct_is_read_with_later_fields_defaulted() {
        let old = mock_options_v1 {
            version: 1,
            count: -5,
            flag: false,
        };
        // SAFETY: `old` is a version 1 struct, all the contract asks for version 1.
        let read = unsafe { read_options(std::ptr::from_ref(&old).cast::<mock_options>()) }
            .unwrap()
            .unwrap();
        assert_eq!((read.version, read.count, read.flag), (1, -5, false));
        assert_eq!(
            (read.extra, read.limit),
            (3, 1000),
            "version 2 fields keep defaults"
        );
    }

    #[test]
    fn a_current_struct_is_read_whole() {
        let given = mock_options {
            version: 2,
            count: 1,
            flag: false,
            extra: 9,
            limit: -1,
        };
        // SAFETY: a whole current struct.
        let read = unsafe { read_options(&given) }.unwrap().unwrap();
        assert_eq!((read.count, read.extra, read.limit), (1, 9, -1));
        // SAFETY: NULL is allowed.
        assert!(unsafe { read_options::<mock_options>(std::ptr::null()) }
            .unwrap()
            .is_none());
    }

    #[test]
    fn version_0_and_unknown_versions_are_refused() {
        for (version, expect) in [
            (0, "mock_options has version 0"),
            (3, "mock_options has version 3, newer"),
            (99, "versions 1 to 2"),
        ] {
            let given = mock_options {
                version,
                ..mock_options::defaults()
            };
            // SAFETY: a whole struct.
            let error = unsafe { read_options(&given) }.unwrap_err();
            assert!(matches!(error, Error::InvalidArgument(_)), "{error}");
            assert!(error.to_string().contains(expect), "{error}");
            let mut target = mock_options::defaults();
            target.count = 42;
            // SAFETY: a whole struct.
            assert!(unsafe { init_options(&mut target, version, "options") }.is_err());
            assert_eq!(target.count, 42, "nothing written for version {version}");
        }
    }

    #[test]
    fn init_writes_no_more_than_the_version_has() {
        // A version 1 struct followed by bytes the library must not touch.
        #[repr(C)]
        struct guarded {
            options: mock_options_v1,
            after: [u8; 16],
        }
        let mut memory = guarded {
            options: mock_options_v1 {
                version: 0,
                count: 0,
                flag: false,
            },
            after: [0xAA; 16],
        };
        // SAFETY: the version 1 struct is writable for version 1's size.
        unsafe {
            init_options(
                std::ptr::from_mut(&mut memory.options).cast::<mock_options>(),
                1,
                "options",
            )
        }
        .unwrap();
        assert_eq!(memory.options.version, 1);
        assert_eq!(memory.options.count, 7);
        assert!(memory.options.flag);
        assert_eq!(memory.after, [0xAA; 16]);

        let mut current = mock_options {
            version: 0,
            count: 0,
            flag: false,
            extra: 0,
            limit: 0,
        };
        // SAFETY: a whole struct.
        unsafe { init_options(&mut current, 2, "options") }.unwrap();
        assert_eq!(
            (current.version, current.extra, current.limit),
            (2, 3, 1000)
        );
        // SAFETY: NULL is refused, nothing is written.
        assert!(
            unsafe { init_options::<mock_options>(std::ptr::null_mut(), 1, "options") }.is_err()
        );
    }
}
