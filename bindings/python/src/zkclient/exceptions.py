"""Exceptions, with kazoo's names (`kazoo.exceptions`).

Every error the library reports is a `ZookeeperError` (itself a `KazooException`) carrying
the library's `code` (a `zk_error` number: ZooKeeper's own for server errors, -1000 and below
for the library's), its `name` (`"ZK_ENONODE"`) and the library's `message`
(`zk_last_error_message()`: what failed and on which path). Each code has its own class;
kazoo's spellings are kept where kazoo has one (`NoNodeError`, `BadVersionError`, ...), and
the errors that mean a bad argument are also `ValueError`s, a timeout also a `TimeoutError`.

Arguments of the wrong Python type raise `TypeError`, and bad values caught before the
library is called (a NUL character in a path, a version out of range) raise `ValueError`,
as Python's own functions do.
"""
from __future__ import annotations

import builtins


class KazooException(Exception):
    """The base of every exception of this package."""


class ZookeeperError(KazooException):
    """An error code from the library (or the server through it)."""

    #: The code this class stands for (instances carry the code they were raised with).
    CODE = None

    def __init__(self, message="", code=None, name=None):
        if code is None:
            code = self.CODE
        self.code = code
        self.name = name or _name(code)
        self.message = message
        super().__init__("%s: %s" % (self.name, message) if message else self.name)


def _name(code):
    if code is None:
        return "ZK_UNKNOWN"
    try:
        from ._native import lib
        return lib().zk_error_str(code).decode()
    except Exception:  # the library cannot be loaded: still a readable exception
        return "zk_error %d" % code


# Server errors, ZooKeeper's numbers.
class SystemZookeeperError(ZookeeperError): CODE = -1
class RuntimeInconsistency(ZookeeperError): CODE = -2
class DataInconsistency(ZookeeperError): CODE = -3
class ConnectionLoss(ZookeeperError):
    """The connection was lost before the reply came: the request MAY OR MAY NOT have been
    applied."""
    CODE = -4
class MarshallingError(ZookeeperError): CODE = -5
class UnimplementedError(ZookeeperError): CODE = -6
class OperationTimeoutError(ZookeeperError): CODE = -7
class BadArgumentsError(ZookeeperError): CODE = -8
class UnknownSessionError(ZookeeperError): CODE = -12
class NewConfigNoQuorumError(ZookeeperError): CODE = -13
class ReconfigInProcessError(ZookeeperError): CODE = -14
class APIError(ZookeeperError): CODE = -100
class NoNodeError(ZookeeperError): CODE = -101
class NoAuthError(ZookeeperError): CODE = -102
class BadVersionError(ZookeeperError): CODE = -103
class NoChildrenForEphemeralsError(ZookeeperError): CODE = -108
class NodeExistsError(ZookeeperError): CODE = -110
class NotEmptyError(ZookeeperError): CODE = -111
class SessionExpiredError(ZookeeperError): CODE = -112
class InvalidCallbackError(ZookeeperError): CODE = -113
class InvalidACLError(ZookeeperError): CODE = -114
class AuthFailedError(ZookeeperError): CODE = -115
class ClosingError(ZookeeperError): CODE = -116
class NothingError(ZookeeperError): CODE = -117
class SessionMovedError(ZookeeperError): CODE = -118
class NotReadOnlyCallError(ZookeeperError): CODE = -119
class EphemeralOnLocalSessionError(ZookeeperError): CODE = -120
class NoWatcherError(ZookeeperError): CODE = -121
class RequestTimeoutError(ZookeeperError): CODE = -122
class ReconfigDisabledError(ZookeeperError): CODE = -123
class SessionClosedRequireSaslAuthError(ZookeeperError): CODE = -124
class QuotaExceededError(ZookeeperError): CODE = -125
class ThrottledError(ZookeeperError): CODE = -127


# The library's own errors (-1000 and below).
class InvalidArgumentError(ZookeeperError, ValueError):
    """An argument is invalid; nothing was sent."""
    CODE = -1001
class BadPathError(ZookeeperError, ValueError):
    """The path breaks ZooKeeper's path rules; nothing was sent."""
    CODE = -1002
class RequestTooLargeError(ZookeeperError, ValueError):
    """The request is larger than the server accepts (1 MiB); nothing was sent."""
    CODE = -1003
class ReplyTooLargeError(ZookeeperError):
    """The reply was larger than the client's limit; the request WAS applied."""
    CODE = -1004
class ZkTimeoutError(ZookeeperError, builtins.TimeoutError):
    """A wait ran out of time (for example `Client.start`)."""
    CODE = -1005
class ConnectionClosedError(SessionExpiredError):
    """The client is stopped, never started, or closed (kazoo's name, and like kazoo's a
    `SessionExpiredError`)."""
    CODE = -1006
class InternalError(ZookeeperError):
    """A bug inside the library, caught at its boundary; the process is intact."""
    CODE = -1007
class ForceRetryError(ZookeeperError):
    """Raise it in a function run by `Client.retry` to ask for another attempt."""
    CODE = -1008
class ForkedError(ZookeeperError):
    """The client was created before `fork()`: a child process must create its own."""
    CODE = -1009
class RuntimeStartError(ZookeeperError):
    """The library's network threads could not be started; a later call may succeed."""
    CODE = -1010
class TLSError(ZookeeperError):
    """A TLS connection failed; the message says why."""
    CODE = -1011
class TLSUnknownCAError(TLSError): CODE = -1012
class TLSHostnameError(TLSError): CODE = -1013
class TLSExpiredError(TLSError): CODE = -1014
class TLSClientCertError(TLSError): CODE = -1015
class NotTLSError(TLSError): CODE = -1016


KazooTimeoutError = ZkTimeoutError
# kazoo's aliases
NoNodeException = NoNodeError
NodeExistsException = NodeExistsError
NotEmptyException = NotEmptyError
BadVersionException = BadVersionError
NoAuthException = NoAuthError


class RolledBackError(RuntimeInconsistency):
    """In the results of a refused transaction: an operation that was not applied because
    another one failed."""


class CancelledError(KazooException):
    """A wait was cancelled."""


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


_BY_CODE = {cls.CODE: cls for cls in _subclasses(ZookeeperError) if "CODE" in vars(cls)}


def error_for_code(code, message=""):
    """The exception for a `zk_error` code (a plain `ZookeeperError` for an unknown one)."""
    return _BY_CODE.get(code, ZookeeperError)(message, code)


__all__ = [name for name, value in list(globals().items())
           if isinstance(value, type) and issubclass(value, KazooException)] + [
    "error_for_code"]
