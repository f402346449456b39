package zk

// #include "bridge.h"
import "C"

import (
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Stat is a node's metadata (ZooKeeper's Stat).
type Stat struct {
	Czxid          int64 // zxid of the change that created the node
	Mzxid          int64 // zxid of the last change of its data
	Ctime          int64 // creation time, milliseconds since the epoch
	Mtime          int64 // last modification time, milliseconds since the epoch
	Version        int32 // number of changes to the data
	Cversion       int32 // number of changes to the children
	Aversion       int32 // number of changes to the ACL
	EphemeralOwner int64 // session id of an ephemeral node's owner; 0 otherwise
	DataLength     int32 // length of the data in bytes
	NumChildren    int32 // number of children
	Pzxid          int64 // zxid of the last change of the children
}

// Created is Ctime as a time.Time.
func (s *Stat) Created() time.Time { return time.UnixMilli(s.Ctime) }

// Modified is Mtime as a time.Time.
func (s *Stat) Modified() time.Time { return time.UnixMilli(s.Mtime) }

func statFromC(s *C.zk_stat) *Stat {
	if s == nil {
		return nil
	}
	return &Stat{
		Czxid:          int64(s.czxid),
		Mzxid:          int64(s.mzxid),
		Ctime:          int64(s.ctime),
		Mtime:          int64(s.mtime),
		Version:        int32(s.version),
		Cversion:       int32(s.cversion),
		Aversion:       int32(s.aversion),
		EphemeralOwner: int64(s.ephemeral_owner),
		DataLength:     int32(s.data_length),
		NumChildren:    int32(s.num_children),
		Pzxid:          int64(s.pzxid),
	}
}

// AnyVersion, as the version of Set or Delete, skips the version check.
const AnyVersion int32 = -1

// State is the connection state, as kazoo names it.
type State int32

const (
	// StateLost: no session (not started, closed, expired, or authentication failed).
	// Ephemeral nodes of the old session are gone, or go once the server expires it; locks
	// and leadership are lost. The client goes on with a new session unless closed.
	StateLost State = 0
	// StateSuspended: the connection was lost; the session may still be alive and the
	// client is reconnecting. Treat locks and leadership as uncertain.
	StateSuspended State = 1
	// StateConnected: connected with a live session.
	StateConnected State = 2
)

func (s State) String() string { return C.GoString(C.zk_state_str(C.int32_t(s))) }

// KeeperState is ZooKeeper's raw session state, with ZooKeeper's numbers.
type KeeperState int32

const (
	KeeperDisconnected      KeeperState = 0
	KeeperSyncConnected     KeeperState = 3
	KeeperAuthFailed        KeeperState = 4
	KeeperConnectedReadOnly KeeperState = 5
	KeeperSASLAuthenticated KeeperState = 6
	KeeperExpired           KeeperState = -112
	KeeperClosed            KeeperState = 7
)

func (s KeeperState) String() string { return C.GoString(C.zk_keeper_state_str(C.int32_t(s))) }

// EventType says what happened to a watched node.
type EventType int32

const (
	// EventSession: not a node event; the session ended (expired, or the client was closed)
	// before the watch fired, and the watch is gone. Event.Err says which.
	EventSession                EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

func (t EventType) String() string { return C.GoString(C.zk_event_type_str(C.int32_t(t))) }

// Event is a watch notification.
type Event struct {
	Type  EventType
	State KeeperState // the session's state when it happened
	Path  string      // the watched node, without the chroot
	// Err is set for EventSession: ErrSessionExpired or ErrClosed.
	Err error
}

func eventFromC(e *C.zk_watch_event) *Event {
	if e == nil {
		return nil
	}
	ev := &Event{
		Type:  EventType(e.event_type),
		State: KeeperState(e.keeper_state),
	}
	if e.path != nil {
		ev.Path = C.GoString(e.path)
	}
	if ev.Type == EventSession {
		if ev.State == KeeperExpired {
			ev.Err = &Error{Code: CodeSessionExpired, Message: "session expired before the watch fired"}
		} else {
			ev.Err = &Error{Code: CodeClosed, Message: "session ended before the watch fired"}
		}
	}
	return ev
}

// Perm is a mask of ACL permissions.
type Perm int32

const (
	PermRead   Perm = 1
	PermWrite  Perm = 2
	PermCreate Perm = 4
	PermDelete Perm = 8
	PermAdmin  Perm = 16
	PermAll    Perm = 31
)

// ACL is one ACL entry: who (Scheme:ID) may do what (Perms).
type ACL struct {
	Perms  Perm
	Scheme string // "world", "auth", "digest", "ip", "x509", "sasl", ...
	ID     string // "anyone", "user:base64hash", "10.0.0.0/8", ...
}

// WorldACL is the ACL open to everyone with perms (ZooKeeper's world:anyone).
func WorldACL(perms Perm) []ACL { return []ACL{{Perms: perms, Scheme: "world", ID: "anyone"}} }

// AuthACL gives perms to whoever created the node (every identity the session holds).
func AuthACL(perms Perm) []ACL { return []ACL{{Perms: perms, Scheme: "auth", ID: ""}} }

// DigestACL gives perms to the digest user (the id is "user:base64(sha1(user:password))",
// computed by the library). Authenticate with WithDigestAuth or Client.AddAuth.
func DigestACL(perms Perm, user, password string) ([]ACL, error) {
	if strings.IndexByte(user, 0) >= 0 || strings.IndexByte(password, 0) >= 0 {
		return nil, invalid("a digest user or password contains a NUL byte")
	}
	cu, cp := C.CString(user), C.CString(password)
	defer C.free(unsafe.Pointer(cu))
	defer C.free(unsafe.Pointer(cp))
	var id *C.char
	if err := call(func() C.zk_error { return C.zk_digest_acl_id(cu, cp, &id) }); err != nil {
		return nil, err
	}
	defer C.zk_string_free(id)
	return []ACL{{Perms: perms, Scheme: "digest", ID: C.GoString(id)}}, nil
}

// cACL is an ACL in C memory, for one call.
type cACL struct {
	items *C.zk_acl
	count C.size_t
	strs  []*C.char
}

func newCACL(acl []ACL) (*cACL, error) {
	if len(acl) == 0 {
		return &cACL{}, nil
	}
	for _, a := range acl {
		if strings.IndexByte(a.Scheme, 0) >= 0 || strings.IndexByte(a.ID, 0) >= 0 {
			return nil, invalid("an ACL scheme or id contains a NUL byte")
		}
	}
	size := C.size_t(unsafe.Sizeof(C.zk_acl{})) * C.size_t(len(acl))
	items := (*C.zk_acl)(C.calloc(1, size))
	entries := unsafe.Slice(items, len(acl))
	c := &cACL{items: items, count: C.size_t(len(acl))}
	for i, a := range acl {
		scheme, id := C.CString(a.Scheme), C.CString(a.ID)
		c.strs = append(c.strs, scheme, id)
		entries[i] = C.zk_acl{perms: C.int32_t(a.Perms), scheme: scheme, id: id}
	}
	return c, nil
}

func (c *cACL) free() {
	for _, s := range c.strs {
		C.free(unsafe.Pointer(s))
	}
	if c.items != nil {
		C.free(unsafe.Pointer(c.items))
	}
}

func aclFromC(list *C.zk_acl_list) []ACL {
	entries := unsafe.Slice(list.items, int(list.count))
	acl := make([]ACL, 0, len(entries))
	for _, e := range entries {
		acl = append(acl, ACL{Perms: Perm(e.perms), Scheme: C.GoString(e.scheme), ID: C.GoString(e.id)})
	}
	return acl
}

func stringsFromC(list *C.zk_string_list) []string {
	if list == nil {
		return nil
	}
	items := unsafe.Slice(list.items, int(list.count))
	out := make([]string, 0, len(items))
	for _, s := range items {
		out = append(out, C.GoString(s))
	}
	return out
}

func bytesFromC(data *C.uint8_t, n C.size_t) []byte {
	if n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(data), C.int(n))
}

// bytesArg is data as the (pointer, length) pair the library borrows for one call: Go
// memory without Go pointers may be passed to C for the duration of a call.
func bytesArg(data []byte) (*C.uint8_t, C.size_t) {
	if len(data) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data))
}

// cPath is path in C memory (free with freeC), refused with ErrBadPath when it holds a NUL byte
// (C would silently cut it there).
func cPath(path string) (*C.char, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, &Error{Code: CodeBadPath, Message: "path " + strconv.Quote(path) + " contains a NUL byte"}
	}
	return C.CString(path), nil
}

// cText is s in C memory (free with freeC), refused with ErrInvalid naming what when it
// holds a NUL byte.
func cText(what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalid(what + " contains a NUL byte")
	}
	return C.CString(s), nil
}

func freeC(p *C.char) { C.free(unsafe.Pointer(p)) }
