"""The ensemble's configuration (`/zookeeper/config`, parsed): `EnsembleConfig` and its
`Member`s, as `Client.get_config()` and `Client.reconfig()` return them."""
from __future__ import annotations

import ctypes
from typing import NamedTuple, Optional, Tuple

from ._native import Stat, check, lib
from .states import ZnodeStat


class MemberRole:
    """A member's role in the ensemble (its `server.N=` line)."""
    PARTICIPANT = "participant"
    OBSERVER = "observer"


_ROLES = {0: MemberRole.PARTICIPANT, 1: MemberRole.OBSERVER}


class Member(NamedTuple):
    """One server of the configuration: its id (`myid`), role (`"participant"` or
    `"observer"`), quorum and election addresses, client address (`client_host` None and
    `client_port` 0 when it has none; `connect_host` is the host to connect to, the quorum
    host when the client host is a wildcard such as `0.0.0.0`), and `spec`, its line as `Client.reconfig(joining=)`
    takes it (keep it to add a removed server back)."""
    id: int
    role: str
    quorum_host: str
    quorum_port: int
    election_port: int
    client_host: Optional[str]
    client_port: int
    connect_host: Optional[str]
    spec: str

    @property
    def client_address(self) -> Optional[Tuple[str, int]]:
        """`(host, port)` to connect to the member's client port, or None."""
        return (self.connect_host, self.client_port) if self.connect_host else None

    @property
    def quorum_address(self) -> Tuple[str, int]:
        return self.quorum_host, self.quorum_port

    @property
    def election_address(self) -> Tuple[str, int]:
        return self.quorum_host, self.election_port


class EnsembleConfig(NamedTuple):
    """The ensemble's configuration: `version` (the zxid of the reconfig that made it, for
    `reconfig(from_config=)`; 0 for a standalone server), `members` (a tuple of `Member`, in
    the order of the text; empty for a standalone server), `data` (the node's bytes as the
    server sent them, what kazoo's `get("/zookeeper/config")` gives), `stat` (its
    ZnodeStat) and `connect_string` (the members' client addresses, `"h1:p1,h2:p2"`)."""
    version: int
    members: Tuple[Member, ...]
    data: bytes
    stat: ZnodeStat
    connect_string: str

    def member(self, server_id: int) -> Optional[Member]:
        """The member whose id is `server_id`, or None."""
        for member in self.members:
            if member.id == server_id:
                return member
        return None

    @property
    def ids(self) -> Tuple[int, ...]:
        return tuple(member.id for member in self.members)


def _text(value) -> Optional[str]:
    return value.decode("utf-8", "replace") if value is not None else None


def take_config(pointer) -> EnsembleConfig:
    """An EnsembleConfig from a `zk_ensemble_config *` the caller owns, which is freed."""
    native = lib()
    config = pointer.value if isinstance(pointer, ctypes.c_void_p) else pointer
    try:
        members = []
        for index in range(native.zk_ensemble_config_member_count(config)):
            m = native.zk_ensemble_config_member(config, index)
            role = native.zk_ensemble_member_role(m)
            members.append(Member(
                id=native.zk_ensemble_member_id(m),
                role=_ROLES.get(role, str(role)),
                quorum_host=_text(native.zk_ensemble_member_quorum_host(m)),
                quorum_port=native.zk_ensemble_member_quorum_port(m),
                election_port=native.zk_ensemble_member_election_port(m),
                client_host=_text(native.zk_ensemble_member_client_host(m)),
                client_port=native.zk_ensemble_member_client_port(m),
                connect_host=_text(native.zk_ensemble_member_connect_host(m)),
                spec=_text(native.zk_ensemble_member_spec(m))))
        length = ctypes.c_size_t()
        data = native.zk_ensemble_config_data(config, ctypes.byref(length))
        stat = Stat()
        check(native.zk_ensemble_config_stat(config, ctypes.byref(stat)))
        return EnsembleConfig(
            version=native.zk_ensemble_config_version(config),
            members=tuple(members),
            data=ctypes.string_at(data, length.value) if data and length.value else b"",
            stat=ZnodeStat.from_c(stat),
            connect_string=_text(native.zk_ensemble_config_connect_string(config)) or "")
    finally:
        native.zk_ensemble_config_free(config)
