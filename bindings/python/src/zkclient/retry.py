"""Retry policies (kazoo's `KazooRetry`), for `Client(command_retry=...,
connection_retry=...)`: the library runs the waits."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Optional

from . import _args
from ._native import RETRY_POLICY_VERSION, RetryPolicy as _CPolicy, check, lib


@dataclass(frozen=True)
class RetryPolicy:
    """How to retry: `max_tries` attempts in all (-1: no limit), pauses from `delay` seconds
    multiplied by `backoff` after each failure, up to `max_delay`, each by a random factor in
    [1 - max_jitter, 1 + max_jitter]; give up once an attempt would start more than `deadline`
    seconds after the first (None: no deadline). `retry_session_expired` retries
    SessionExpiredError too (kazoo's `ignore_expire`). The defaults are the library's command
    retry policy."""
    max_tries: int = 5
    delay: float = 0.1
    backoff: float = 2.0
    max_jitter: float = 0.2
    max_delay: float = 60.0
    deadline: Optional[float] = None
    retry_session_expired: bool = True

    def to_c(self) -> _CPolicy:
        policy = _CPolicy()
        check(lib().zk_retry_policy_init(ctypes.byref(policy), RETRY_POLICY_VERSION))
        if self.max_tries != -1:
            _args.integer(self.max_tries, "max_tries", 1, _args.INT32_MAX)
        policy.max_tries = self.max_tries
        policy.delay_ms = _args.seconds_to_ms(self.delay, "delay", 2**32 - 1)
        for name in ("backoff", "max_jitter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
        policy.backoff = float(self.backoff)
        policy.max_jitter = float(self.max_jitter)
        policy.max_delay_ms = _args.seconds_to_ms(self.max_delay, "max_delay", 2**32 - 1)
        policy.deadline_ms = _args.seconds_to_ms(self.deadline, "deadline", _args.INT64_MAX,
                                                 allow_none=True)
        policy.retry_session_expired = bool(self.retry_session_expired)
        return policy


KazooRetry = RetryPolicy
