//! ZooKeeper's path rules (the server's `PathUtils.validatePath`), checked before anything is
//! sent, and the chroot prefix added to and stripped from paths.

use std::borrow::Cow;

use crate::error::{Error, Result};

fn invalid(path: &str, reason: &'static str) -> Error {
    Error::InvalidPath {
        path: path.to_string(),
        reason,
    }
}

/// True for the code points the server refuses in a path. It checks UTF-16 units, so every
/// character outside the Basic Multilingual Plane (which needs a surrogate pair) is refused.
fn forbidden_char(c: char) -> bool {
    let c = c as u32;
    c <= 0x1f
        || (0x7f..=0x9f).contains(&c)
        || (0xd800..=0xf8ff).contains(&c)
        || (0xfff0..=0xffff).contains(&c)
        || c > 0xffff
}

/// Which of the server's rules `path` breaks, if any. One pass over the bytes (every request
/// checks its path); characters are decoded only for a path that is not all ASCII.
fn broken_rule(path: &str) -> Option<&'static str> {
    let bytes = path.as_bytes();
    match bytes {
        [] => return Some("path must not be empty"),
        [b'/'] => return None,
        [first, ..] if *first != b'/' => return Some("path must start with '/'"),
        [.., b'/'] => return Some("path must not end with '/'"),
        _ => {}
    }
    let mut ascii_forbidden = false;
    let mut start = 1;
    for (at, &byte) in bytes.iter().enumerate().skip(1) {
        if byte == b'/' {
            if let Some(rule) = component_rule(&bytes[start..at]) {
                return Some(rule);
            }
            start = at + 1;
        } else if byte < 0x20 || byte == 0x7f {
            ascii_forbidden = true;
        }
    }
    if let Some(rule) = component_rule(&bytes[start..]) {
        return Some(rule);
    }
    if ascii_forbidden || (!path.is_ascii() && path.chars().any(forbidden_char)) {
        return Some("forbidden character (control, surrogate, private-use, or outside the BMP)");
    }
    None
}

fn component_rule(component: &[u8]) -> Option<&'static str> {
    match component {
        b"" => Some("empty path component ('//')"),
        b"." | b".." => Some("relative path component ('.' or '..')"),
        _ => None,
    }
}

/// Checks `path` against the server's rules: absolute, no empty, `.` or `..` component, no
/// trailing slash (except `/` itself), no forbidden character. A `sequential` path is checked
/// as the server does, with a digit appended (so `/queue/` is a valid sequential path).
pub fn validate_path(path: &str, sequential: bool) -> Result<()> {
    let rule = if sequential {
        broken_rule(&format!("{path}1"))
    } else {
        broken_rule(path)
    };
    match rule {
        Some(reason) => Err(invalid(path, reason)),
        None => Ok(()),
    }
}

/// Checks a chroot given in a connect string and normalises `/` to none.
pub fn validate_chroot(chroot: &str) -> Result<Option<String>> {
    validate_path(chroot, false)?;
    Ok(if chroot == "/" {
        None
    } else {
        Some(chroot.to_string())
    })
}

/// The server-side form of a client path: the chroot prefixed.
pub fn prepend_chroot<'a>(chroot: Option<&str>, path: &'a str) -> Cow<'a, str> {
    match chroot {
        None => Cow::Borrowed(path),
        Some(root) if path == "/" => Cow::Owned(root.to_string()),
        Some(root) => Cow::Owned(format!("{root}{path}")),
    }
}

/// The client-side form of a server path: the chroot removed (paths outside it are returned
/// unchanged).
pub fn strip_chroot(chroot: Option<&str>, path: &str) -> String {
    let Some(root) = chroot else {
        return path.to_string();
    };
    match path.strip_prefix(root) {
        Some("") => "/".to_string(),
        Some(rest) if rest.starts_with('/') => rest.to_string(),
        _ => path.to_string(),
    }
}

/// The parent of an absolute path (`/` for top-level nodes and for `/` itself).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `parent` + `/` + `child`.
pub fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_server_accepts() {
        for ok in [
            "/",
            "/a",
            "/a/b",
            "/.x",
            "/..x",
            "/...",
            "/a.b/c..",
            "/zoo/é/中",
            "/a b",
        ] {
            validate_path(ok, false).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
        for ok in ["/", "/p/", "/p/x-", "/lock-"] {
            validate_path(ok, true).unwrap_or_else(|e| panic!("{ok:?} sequential: {e}"));
        }
    }

    #[test]
    fn rejects_what_the_server_rejects() {
        for bad in [
            "",
            "a",
            "a/b",
            "/a/",
            "//",
            "/a//b",
            "/.",
            "/..",
            "/a/./b",
            "/a/../b",
            "/a\0b",
            "/a\u{1}",
            "/a\u{7f}",
            "/a\u{85}",
            "/a\u{e000}",
            "/a\u{fff5}",
            "/a\u{1F600}",
        ] {
            assert!(validate_path(bad, false).is_err(), "{bad:?} was accepted");
        }
        for bad in ["", "p/", "//", "/a//", "/./"] {
            assert!(
                validate_path(bad, true).is_err(),
                "{bad:?} sequential was accepted"
            );
        }
    }

    #[test]
    fn chroot_round_trip() {
        let root = Some("/app");
        assert_eq!(prepend_chroot(root, "/"), "/app");
        assert_eq!(prepend_chroot(root, "/x/y"), "/app/x/y");
        assert_eq!(strip_chroot(root, "/app"), "/");
        assert_eq!(strip_chroot(root, "/app/x"), "/x");
        assert_eq!(strip_chroot(root, "/apple"), "/apple");
        assert_eq!(prepend_chroot(None, "/x"), "/x");
        assert_eq!(validate_chroot("/").unwrap(), None);
        assert!(validate_chroot("/a/").is_err());
    }

    #[test]
    fn parent_and_join() {
        assert_eq!(parent("/a/b/c"), "/a/b");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }
}
