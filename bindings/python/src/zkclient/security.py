"""ACLs, with kazoo's names (`kazoo.security`)."""
from __future__ import annotations

import ctypes
from typing import NamedTuple

from . import _args
from ._native import Acl, check, lib, take_string


class Permissions:
    READ = 1
    WRITE = 2
    CREATE = 4
    DELETE = 8
    ADMIN = 16
    ALL = 31


class Id(NamedTuple):
    """Who: a scheme (`"world"`, `"auth"`, `"digest"`, `"ip"`, `"sasl"`, `"x509"`) and an id
    within it."""
    scheme: str
    id: str


class ACL(NamedTuple):
    """One ACL entry: `perms` (a mask of `Permissions`) for `id` (an `Id`)."""
    perms: int
    id: Id

    @property
    def acl_list(self):
        names = [name for name in ("READ", "WRITE", "CREATE", "DELETE", "ADMIN")
                 if self.perms & getattr(Permissions, name)]
        return ["ALL"] if self.perms == Permissions.ALL else names


ANYONE_ID_UNSAFE = Id("world", "anyone")
AUTH_IDS = Id("auth", "")
OPEN_ACL_UNSAFE = [ACL(Permissions.ALL, ANYONE_ID_UNSAFE)]
CREATOR_ALL_ACL = [ACL(Permissions.ALL, AUTH_IDS)]
READ_ACL_UNSAFE = [ACL(Permissions.READ, ANYONE_ID_UNSAFE)]


def make_acl(scheme, credential, read=False, write=False, create=False, delete=False,
             admin=False, all=False):
    """An ACL entry for `scheme:credential` with the permissions named."""
    if all:
        perms = Permissions.ALL
    else:
        perms = ((Permissions.READ if read else 0) | (Permissions.WRITE if write else 0) |
                 (Permissions.CREATE if create else 0) | (Permissions.DELETE if delete else 0) |
                 (Permissions.ADMIN if admin else 0))
    return ACL(perms, Id(scheme, credential))


def make_digest_acl_credential(username, password):
    """The `"digest"` scheme's id for a user and password: `user:base64(sha1(user:password))`
    (computed by the library, as the server does)."""
    out = ctypes.c_void_p()
    check(lib().zk_digest_acl_id(_args.text(username, "username"),
                                 _args.text(password, "password"), ctypes.byref(out)))
    return take_string(out)


def make_digest_acl(username, password, read=False, write=False, create=False, delete=False,
                    admin=False, all=False):
    """An ACL entry granting the permissions named to the digest user `username`."""
    return make_acl("digest", make_digest_acl_credential(username, password), read=read,
                    write=write, create=create, delete=delete, admin=admin, all=all)


def to_c(acl, what="acl"):
    """A ctypes array of `zk_acl` for a list of ACL entries (the array keeps the strings)."""
    if isinstance(acl, ACL) or not isinstance(acl, (list, tuple)):
        raise TypeError("%s must be a list of ACL entries, not %s" % (what, type(acl).__name__))
    array = (Acl * len(acl))()
    for i, entry in enumerate(acl):
        try:
            perms, ident = entry
            scheme, name = ident
        except (TypeError, ValueError):
            raise TypeError("%s[%d] must be an ACL(perms, Id(scheme, id)), not %r"
                            % (what, i, entry)) from None
        array[i].perms = _args.integer(perms, "%s[%d].perms" % (what, i), 0, Permissions.ALL)
        array[i].scheme = _args.text(scheme, "%s[%d].id.scheme" % (what, i))
        array[i].id = _args.text(name, "%s[%d].id.id" % (what, i))
    return array


def from_c(acl_list):
    return [ACL(acl_list.items[i].perms,
                Id(acl_list.items[i].scheme.decode("utf-8", "replace"),
                   acl_list.items[i].id.decode("utf-8", "replace")))
            for i in range(acl_list.count)]
