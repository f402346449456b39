"""Checks of Python arguments before they reach C: the wrong type is a TypeError, a value C
cannot take (a NUL in a path, a number out of range) a ValueError, never a crash or a
silently truncated value."""
from __future__ import annotations

import math

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def path(value, what="path"):
    """A ZooKeeper path as NUL-terminated UTF-8 (the library checks ZooKeeper's rules)."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise ValueError("%s must not contain a NUL character: %r" % (what, value))
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("%s is not valid Unicode: %s" % (what, error)) from None


def text(value, what):
    """A string argument (a scheme, a host list, a password) as NUL-terminated UTF-8. Errors
    never repeat the value: it may be a secret."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise ValueError("%s must not contain a NUL character" % what)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("%s is not valid Unicode" % what) from None


def data(value, what="value"):
    """Node data: bytes-like, passed with its length (zeros allowed)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        raise TypeError("%s must be bytes, not str (encode it, e.g. value.encode())" % what)
    raise TypeError("%s must be bytes, not %s" % (what, type(value).__name__))


def identifier(value, what="identifier"):
    """A recipe identifier: str (UTF-8) or bytes, without a NUL; None is empty."""
    if value is None:
        return b""
    if isinstance(value, str):
        value = path(value, what)
    else:
        value = data(value, what)
    if b"\0" in value:
        raise ValueError("%s must not contain a NUL byte" % what)
    return value


def integer(value, what, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (what, type(value).__name__))
    if not low <= value <= high:
        raise ValueError("%s must be between %d and %d, not %d" % (what, low, high, value))
    return value


def version(value, what="version"):
    return integer(value, what, -1, INT32_MAX)


def boolean(value, what):
    if not isinstance(value, (bool, int)):
        raise TypeError("%s must be a bool, not %s" % (what, type(value).__name__))
    return bool(value)


def seconds_to_ms(value, what, maximum, allow_none=False):
    """Seconds (int or float, >= 0) as whole milliseconds, at most `maximum`; None gives
    -1 when allowed (no limit)."""
    if value is None and allow_none:
        return -1
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number of seconds, not %s" % (what, type(value).__name__))
    if math.isnan(value) or value < 0:
        raise ValueError("%s must be >= 0, not %r" % (what, value))
    ms = math.ceil(value * 1000)
    if ms > maximum:
        raise ValueError("%s is too large: %r s" % (what, value))
    return ms


def callback(value, what):
    if not callable(value):
        raise TypeError("%s must be callable, not %s" % (what, type(value).__name__))
    return value
