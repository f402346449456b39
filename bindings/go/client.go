package zk

// #include "bridge.h"
import "C"

import (
	"runtime/cgo"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Client is one ZooKeeper session, reconnected across the servers of its connect string.
// It is safe for concurrent use by any number of goroutines, including from inside its own
// callbacks (watch handlers, DataWatch functions, async completions, state listeners),
// which run on the library's dispatcher threads and may call the client, blocking calls
// included, without deadlock.
//
// Close it when done: Close ends the session (its ephemeral nodes go at once) and frees the
// locks, elections and watches made from it.
type Client struct {
	ptr    *C.zk_client
	gate   *gate
	states chan State

	childMu  sync.Mutex
	children map[child]struct{}

	closeOnce sync.Once
}

// child is a handle made from a client (lock, election, DataWatch, ChildrenWatch) that the
// client's Close must cancel and free before the client itself.
type child interface {
	cancel()
	close()
}

type config struct {
	sessionTimeout time.Duration
	connectTimeout time.Duration
	randomize      *bool
	readOnly       bool
	maxReplySize   int
	sessionID      int64
	sessionPasswd  []byte
	resume         bool
	auth           []authEntry
	defaultACL     []ACL
	listener       func(State, KeeperState)
	stateBuffer    int
	errs           []string

	followEnsemble     bool
	resolutionDelay    time.Duration
	resolutionDelaySet bool
}

type authEntry struct {
	scheme     string
	credential []byte
}

// Option configures Connect.
type Option func(*config)

// WithSessionTimeout sets the session timeout to ask for (default 10 s; the server clamps
// it to between 2 and 20 times its tickTime).
func WithSessionTimeout(d time.Duration) Option {
	return func(c *config) { c.sessionTimeout = d }
}

// WithConnectTimeout bounds how long Connect waits for the first session (default 15 s).
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) { c.connectTimeout = d }
}

// WithAuth adds a credential sent on every connection before the session counts as
// connected (kazoo's auth_data): scheme ("digest", ...) and its bytes. A credential the
// server refuses makes Connect fail with ErrAuthFailed.
func WithAuth(scheme string, credential []byte) Option {
	return func(c *config) {
		c.auth = append(c.auth, authEntry{scheme, append([]byte(nil), credential...)})
	}
}

// WithDigestAuth is WithAuth("digest", "user:password").
func WithDigestAuth(user, password string) Option {
	return WithAuth("digest", []byte(user+":"+password))
}

// WithReadOnly allows connecting to a read-only server (one cut off from its quorum): reads
// work, writes fail with ErrNotReadOnly, and the client moves back to a read-write server
// as soon as one answers. Default false.
func WithReadOnly(allowed bool) Option {
	return func(c *config) { c.readOnly = allowed }
}

// WithRandomizeHosts says whether the servers of the connect string are shuffled before
// they are tried (default true).
func WithRandomizeHosts(randomize bool) Option {
	return func(c *config) { c.randomize = &randomize }
}

// WithSession resumes an existing session (from Client.Session of another client) instead
// of creating one. Connect fails with ErrSessionExpired when the server no longer has it.
func WithSession(id int64, password []byte) Option {
	return func(c *config) {
		c.resume, c.sessionID, c.sessionPasswd = true, id, append([]byte(nil), password...)
	}
}

// WithMaxReplySize sets the largest reply accepted, in bytes (default 16 MiB, at least
// 1 KiB). A larger reply fails its request with ErrReplyTooLarge.
func WithMaxReplySize(bytes int) Option {
	return func(c *config) { c.maxReplySize = bytes }
}

// WithDefaultACL sets the ACL of nodes created without one (default: WorldACL(PermAll)).
func WithDefaultACL(acl []ACL) Option {
	return func(c *config) { c.defaultACL = append([]ACL(nil), acl...) }
}

// WithStateListener calls fn on every change of the connection state, with kazoo's state
// and ZooKeeper's raw keeper state (so a State may repeat: EXPIRED then CLOSED are both
// StateLost). fn runs on the client's dispatcher thread, one callback of the client at a
// time, in order; it may call the client; while it runs, the client's later callbacks wait.
func WithStateListener(fn func(State, KeeperState)) Option {
	return func(c *config) { c.listener = fn }
}

// WithStateBuffer sets the capacity of the States channel (default 16, at least 1).
func WithStateBuffer(n int) Option {
	return func(c *config) { c.stateBuffer = n }
}

func durationMillis(d time.Duration) uint32 {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<31 {
		ms = 1 << 31
	}
	return uint32(ms)
}

// Connect makes a client for hosts ("host1:2181,host2:2181/optional/chroot"; the port
// defaults to 2181; a chroot after the last host roots every path of the client there) and
// waits until it is connected (WithConnectTimeout, default 15 s). It fails with ErrTimeout
// when no server gave a session in time, ErrAuthFailed when a credential was refused,
// ErrSessionExpired when the session to resume is gone, ErrBadArguments for bad settings.
func Connect(hosts string, opts ...Option) (*Client, error) {
	cfg := config{connectTimeout: 15 * time.Second, stateBuffer: 16}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	switch {
	case strings.TrimSpace(hosts) == "":
		return nil, invalid("the connect string is empty")
	case cfg.connectTimeout <= 0:
		return nil, invalid("the connect timeout must be positive")
	case cfg.sessionTimeout < 0:
		return nil, invalid("the session timeout must be positive")
	case cfg.maxReplySize < 0:
		return nil, invalid("the maximum reply size must be positive")
	case cfg.stateBuffer < 1:
		return nil, invalid("the state buffer must hold at least one state")
	}
	chosts, err := cText("the connect string", hosts)
	if err != nil {
		return nil, err
	}
	defer freeC(chosts)

	options := C.zk_options_new()
	if options == nil {
		return nil, &Error{Code: CodePanic, Message: "zk_options_new failed"}
	}
	defer C.zk_options_free(options)
	if err := applyOptions(options, &cfg); err != nil {
		return nil, err
	}

	var ptr *C.zk_client
	if err := call(func() C.zk_error { return C.zk_client_new(chosts, options, &ptr) }); err != nil {
		return nil, err
	}
	c := &Client{
		ptr:      ptr,
		gate:     newGate(),
		states:   make(chan State, cfg.stateBuffer),
		children: map[child]struct{}{},
	}
	sink := &stateSink{ch: c.states, fn: cfg.listener}
	h := cgo.NewHandle(sink)
	if err := call(func() C.zk_error {
		return C.zk_client_add_listener(ptr, C.zk_state_listener(C.zkgo_state_listener),
			C.zkgo_handle(C.uintptr_t(h)), C.zk_free_fn(C.zkgo_release), nil)
	}); err != nil {
		C.zk_client_free(ptr) // the destructor has released the handle already
		return nil, err
	}
	if err := call(func() C.zk_error {
		return C.zk_client_start(ptr, C.uint32_t(durationMillis(cfg.connectTimeout)))
	}); err != nil {
		C.zk_client_free(ptr) // closes c.states through the listener's destructor
		return nil, err
	}
	return c, nil
}

func applyOptions(o *C.zk_options, cfg *config) error {
	if cfg.sessionTimeout > 0 {
		if err := call(func() C.zk_error {
			return C.zk_options_set_session_timeout(o, C.uint32_t(durationMillis(cfg.sessionTimeout)))
		}); err != nil {
			return err
		}
	}
	if cfg.randomize != nil {
		if err := call(func() C.zk_error { return C.zk_options_set_randomize_hosts(o, C.bool(*cfg.randomize)) }); err != nil {
			return err
		}
	}
	if cfg.readOnly {
		if err := call(func() C.zk_error { return C.zk_options_set_read_only(o, true) }); err != nil {
			return err
		}
	}
	if cfg.maxReplySize > 0 {
		if err := call(func() C.zk_error { return C.zk_options_set_max_reply_size(o, C.size_t(cfg.maxReplySize)) }); err != nil {
			return err
		}
	}
	if cfg.resume {
		data, n := bytesArg(cfg.sessionPasswd)
		if err := call(func() C.zk_error {
			return C.zk_options_set_session(o, C.int64_t(cfg.sessionID), data, n)
		}); err != nil {
			return err
		}
	}
	for _, a := range cfg.auth {
		scheme, err := cText("the auth scheme", a.scheme)
		if err != nil {
			return err
		}
		data, n := bytesArg(a.credential)
		err = call(func() C.zk_error { return C.zk_options_add_auth(o, scheme, data, n) })
		freeC(scheme)
		if err != nil {
			return err
		}
	}
	if err := applyEnsembleOptions(o, cfg); err != nil {
		return err
	}
	if cfg.defaultACL != nil {
		acl, err := newCACL(cfg.defaultACL)
		if err != nil {
			return err
		}
		err = call(func() C.zk_error { return C.zk_options_set_default_acl(o, acl.items, acl.count) })
		acl.free()
		if err != nil {
			return err
		}
	}
	return nil
}

// stateSink receives the client's state changes on the dispatcher thread.
type stateSink struct {
	ch chan State
	fn func(State, KeeperState)
}

// deliver never blocks the dispatcher thread: when the channel is full (nobody reads it),
// the oldest state is dropped, so the channel always ends with the latest states. Only the
// dispatcher sends, one callback at a time, so the second send always finds room.
func (s *stateSink) deliver(state State, keeper KeeperState) {
	if s.fn != nil {
		s.fn(state, keeper)
	}
	select {
	case s.ch <- state:
		return
	default:
	}
	select {
	case <-s.ch:
	default:
	}
	select {
	case s.ch <- state:
	default:
	}
}

// release runs once the listener is removed, after its last call (zk_client_free).
func (s *stateSink) release() { close(s.ch) }

// enter admits a call on the client: ErrBadArguments for a nil or zero client, ErrClosed
// once Close has begun. Every successful enter is paired with c.gate.leave().
func (c *Client) enter() (*C.zk_client, error) {
	if c == nil || c.gate == nil {
		return nil, invalid("nil *zk.Client (make one with zk.Connect)")
	}
	if !c.gate.enter() {
		return nil, errClosed("the client")
	}
	return c.ptr, nil
}

func (c *Client) addChild(ch child) {
	c.childMu.Lock()
	c.children[ch] = struct{}{}
	c.childMu.Unlock()
}

func (c *Client) removeChild(ch child) {
	c.childMu.Lock()
	delete(c.children, ch)
	c.childMu.Unlock()
}

func (c *Client) childList() []child {
	c.childMu.Lock()
	defer c.childMu.Unlock()
	list := make([]child, 0, len(c.children))
	for ch := range c.children {
		list = append(list, ch)
	}
	return list
}

// States delivers every change of the connection state (StateConnected, StateSuspended,
// StateLost), in order, and is closed after Close. The channel is buffered
// (WithStateBuffer, default 16) and the library's thread never waits for a reader: when
// it is full the oldest state is dropped, so a slow reader still sees the latest states.
// The first state is the StateConnected of Connect (it may arrive just after Connect has
// returned: listeners run on the dispatcher thread).
func (c *Client) States() <-chan State {
	if c == nil {
		return nil
	}
	return c.states
}

// State is the connection state now (StateLost once closed).
func (c *Client) State() State {
	p, err := c.enter()
	if err != nil {
		return StateLost
	}
	defer c.gate.leave()
	var s C.zk_state
	if C.zk_client_state(p, &s, nil) != 0 {
		return StateLost
	}
	return State(s)
}

// Session returns the session's id, its 16-byte password and the timeout the server
// granted; WithSession resumes it from another client or process.
func (c *Client) Session() (id int64, password []byte, timeout time.Duration, err error) {
	p, err := c.enter()
	if err != nil {
		return 0, nil, 0, err
	}
	defer c.gate.leave()
	var sid C.int64_t
	var passwd [16]C.uint8_t
	var ms C.uint32_t
	if err := call(func() C.zk_error { return C.zk_client_session(p, &sid, &passwd[0], &ms) }); err != nil {
		return 0, nil, 0, err
	}
	password = C.GoBytes(unsafe.Pointer(&passwd[0]), 16)
	return int64(sid), password, time.Duration(ms) * time.Millisecond, nil
}

// Server is the server the client is connected to now ("host:port"); ErrConnectionLoss
// while disconnected.
func (c *Client) Server() (string, error) {
	p, err := c.enter()
	if err != nil {
		return "", err
	}
	defer c.gate.leave()
	var s *C.char
	if err := call(func() C.zk_error { return C.zk_client_server(p, &s) }); err != nil {
		return "", err
	}
	defer C.zk_string_free(s)
	return C.GoString(s), nil
}

// Close ends the session (the server deletes its ephemeral nodes at once), cancels and
// frees the client's locks, elections and watches (waiting Lock calls return, leader
// functions see their context cancelled, pending watch channels get an EventSession and
// are closed), waits for the calls under way, and closes the States channel after the last
// state (StateLost). Later calls return ErrClosed. Calling it again does nothing.
//
// Close waits for the client's callbacks and leader functions to return: do not call it
// from inside one of them (call `go client.Close()` there).
func (c *Client) Close() {
	if c == nil || c.gate == nil {
		return
	}
	c.closeOnce.Do(func() {
		c.gate.close()
		for _, ch := range c.childList() {
			ch.cancel()
		}
		C.zk_client_stop(c.ptr) // calls in flight fail fast; listeners see LOST
		c.gate.wait()           // no call under way, so no child is being made
		for _, ch := range c.childList() {
			ch.close()
		}
		C.zk_client_free(c.ptr) // runs every user-data destructor: channels close
		c.ptr = nil
	})
}

// CreateMode is how a node is created.
type CreateMode int32

const (
	// Persistent: a node that lives until deleted (the default).
	Persistent CreateMode = 0
	// Ephemeral: deleted when the session that made it ends.
	Ephemeral CreateMode = 1
	// PersistentSequential: persistent, with a 10-digit sequence number appended.
	PersistentSequential CreateMode = 2
	// EphemeralSequential: ephemeral, with a sequence number appended.
	EphemeralSequential CreateMode = 3
	// Container: deleted by the server some time after its last child goes.
	Container CreateMode = 4
	// PersistentWithTTL: persistent, deleted once it had no children and no change for
	// its TTL (WithTTL; the server needs zookeeper.extendedTypesEnabled=true).
	PersistentWithTTL CreateMode = 5
	// PersistentSequentialWithTTL: PersistentWithTTL with a sequence number appended.
	PersistentSequentialWithTTL CreateMode = 6
)

// CreateOption changes how Create makes a node: a CreateMode, MakePath, WithACL, WithTTL.
type CreateOption interface{ applyCreate(*createConfig) }

type createConfig struct {
	mode     CreateMode
	makepath bool
	acl      []ACL
	ttl      time.Duration
}

func (m CreateMode) applyCreate(c *createConfig) { c.mode = m }

type makePathOption struct{}

func (makePathOption) applyCreate(c *createConfig) { c.makepath = true }

// MakePath makes Create create missing parent nodes too (persistent, same ACL), like
// kazoo's makepath=True.
var MakePath CreateOption = makePathOption{}

type aclOption []ACL

func (a aclOption) applyCreate(c *createConfig) { c.acl = a }

// WithACL gives the new node acl instead of the client's default ACL.
func WithACL(acl []ACL) CreateOption { return aclOption(append([]ACL(nil), acl...)) }

type ttlOption time.Duration

func (t ttlOption) applyCreate(c *createConfig) { c.ttl = time.Duration(t) }

// WithTTL sets the TTL of the PersistentWithTTL modes.
func WithTTL(ttl time.Duration) CreateOption { return ttlOption(ttl) }

// cCreateOptions fills o from opts; the returned function frees what it allocated.
func cCreateOptions(o *C.zk_create_options, opts []CreateOption) (func(), error) {
	cfg := createConfig{}
	for _, opt := range opts {
		if opt != nil {
			opt.applyCreate(&cfg)
		}
	}
	if cfg.ttl < 0 {
		return nil, invalid("the TTL must not be negative")
	}
	if err := call(func() C.zk_error { return C.zk_create_options_init(o, C.ZK_CREATE_OPTIONS_VERSION) }); err != nil {
		return nil, err
	}
	o.mode = C.int32_t(cfg.mode)
	o.makepath = C.bool(cfg.makepath)
	o.ttl_ms = C.int64_t(cfg.ttl / time.Millisecond)
	acl, err := newCACL(cfg.acl)
	if err != nil {
		return nil, err
	}
	o.acl, o.acl_count = acl.items, acl.count
	return acl.free, nil
}

// Create makes the node path holding data and returns its path (with the sequence number
// for the sequential modes, without the chroot). Options: a CreateMode (default
// Persistent), MakePath, WithACL, WithTTL. Errors: ErrNodeExists, ErrNoNode (no parent,
// without MakePath), ErrNoChildrenForEphemerals, ErrBadPath, ErrTooLarge (data over 1 MiB),
// and the connection errors (after ErrConnectionLoss the node may or may not exist).
func (c *Client) Create(path string, data []byte, opts ...CreateOption) (string, error) {
	p, err := c.enter()
	if err != nil {
		return "", err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return "", err
	}
	defer freeC(cpath)
	var o C.zk_create_options
	free, err := cCreateOptions(&o, opts)
	if err != nil {
		return "", err
	}
	defer free()
	d, n := bytesArg(data)
	var out *C.char
	if err := call(func() C.zk_error { return C.zk_create(p, cpath, d, n, &o, &out, nil) }); err != nil {
		return "", err
	}
	defer C.zk_string_free(out)
	return C.GoString(out), nil
}

// EnsurePath creates path and its missing parents as empty persistent nodes (kazoo's
// ensure_path); nil if it exists already.
func (c *Client) EnsurePath(path string) error {
	return c.pathCall(path, func(p *C.zk_client, cpath *C.char) C.zk_error { return C.zk_ensure_path(p, cpath) })
}

// Sync waits until the server the client is connected to has caught up with the leader on
// path, so that a following read sees every write committed before the call.
func (c *Client) Sync(path string) error {
	return c.pathCall(path, func(p *C.zk_client, cpath *C.char) C.zk_error { return C.zk_sync(p, cpath) })
}

func (c *Client) pathCall(path string, f func(*C.zk_client, *C.char) C.zk_error) error {
	p, err := c.enter()
	if err != nil {
		return err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return err
	}
	defer freeC(cpath)
	return call(func() C.zk_error { return f(p, cpath) })
}

// Exists reports whether path exists, with its Stat when it does (nil otherwise). A missing
// node is not an error.
func (c *Client) Exists(path string) (bool, *Stat, error) {
	p, err := c.enter()
	if err != nil {
		return false, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return false, nil, err
	}
	defer freeC(cpath)
	var exists C.bool
	var st C.zk_stat
	if err := call(func() C.zk_error { return C.zk_exists(p, cpath, &exists, &st) }); err != nil {
		return false, nil, err
	}
	if !exists {
		return false, nil, nil
	}
	return true, statFromC(&st), nil
}

// Get returns the data of path (a copy: the slice is the caller's) and its Stat.
// ErrNoNode when it does not exist.
func (c *Client) Get(path string) ([]byte, *Stat, error) {
	p, err := c.enter()
	if err != nil {
		return nil, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, nil, err
	}
	defer freeC(cpath)
	var buf C.zk_buffer
	var st C.zk_stat
	if err := call(func() C.zk_error { return C.zk_get(p, cpath, &buf, &st) }); err != nil {
		return nil, nil, err
	}
	data := bytesFromC(buf.data, buf.len)
	C.zk_buffer_free(&buf)
	return data, statFromC(&st), nil
}

// Set replaces the data of path if its version is version (AnyVersion: whatever it is) and
// returns the new Stat. Errors: ErrNoNode, ErrBadVersion, ErrTooLarge, and the connection
// errors (after ErrConnectionLoss the write may or may not have happened).
func (c *Client) Set(path string, data []byte, version int32) (*Stat, error) {
	p, err := c.enter()
	if err != nil {
		return nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, err
	}
	defer freeC(cpath)
	d, n := bytesArg(data)
	var st C.zk_stat
	if err := call(func() C.zk_error { return C.zk_set(p, cpath, d, n, C.int32_t(version), &st) }); err != nil {
		return nil, err
	}
	return statFromC(&st), nil
}

// Children lists the names of path's children (in the server's order) and returns path's
// Stat. ErrNoNode when it does not exist.
func (c *Client) Children(path string) ([]string, *Stat, error) {
	p, err := c.enter()
	if err != nil {
		return nil, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, nil, err
	}
	defer freeC(cpath)
	var list C.zk_string_list
	var st C.zk_stat
	if err := call(func() C.zk_error { return C.zk_get_children(p, cpath, &list, &st) }); err != nil {
		return nil, nil, err
	}
	names := stringsFromC(&list)
	C.zk_string_list_free(&list)
	return names, statFromC(&st), nil
}

// DeleteOption changes how Delete works: Recursive.
type DeleteOption interface{ applyDelete(*bool) }

type recursiveOption struct{}

func (recursiveOption) applyDelete(r *bool) { *r = true }

// Recursive makes Delete remove everything under the node first (deepest first); the
// version applies to the node itself.
var Recursive DeleteOption = recursiveOption{}

// Delete deletes path if its version is version (AnyVersion: whatever it is). Errors:
// ErrNoNode, ErrBadVersion, ErrNotEmpty (children, without Recursive), and the connection
// errors.
func (c *Client) Delete(path string, version int32, opts ...DeleteOption) error {
	recursive := false
	for _, opt := range opts {
		if opt != nil {
			opt.applyDelete(&recursive)
		}
	}
	return c.pathCall(path, func(p *C.zk_client, cpath *C.char) C.zk_error {
		return C.zk_delete(p, cpath, C.int32_t(version), C.bool(recursive))
	})
}

// AddAuth adds a credential to the session now (kazoo's add_auth) and to every later
// connection. A refused credential ends the session for good: ErrAuthFailed, then and for
// every later call.
func (c *Client) AddAuth(scheme string, credential []byte) error {
	p, err := c.enter()
	if err != nil {
		return err
	}
	defer c.gate.leave()
	cscheme, err := cText("the auth scheme", scheme)
	if err != nil {
		return err
	}
	defer freeC(cscheme)
	d, n := bytesArg(credential)
	return call(func() C.zk_error { return C.zk_add_auth(p, cscheme, d, n) })
}

// ACL returns the ACL of path and its Stat (whose Aversion is the ACL's version).
func (c *Client) ACL(path string) ([]ACL, *Stat, error) {
	p, err := c.enter()
	if err != nil {
		return nil, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, nil, err
	}
	defer freeC(cpath)
	var list C.zk_acl_list
	var st C.zk_stat
	if err := call(func() C.zk_error { return C.zk_get_acl(p, cpath, &list, &st) }); err != nil {
		return nil, nil, err
	}
	acl := aclFromC(&list)
	C.zk_acl_list_free(&list)
	return acl, statFromC(&st), nil
}

// SetACL replaces the ACL of path if the ACL's version is version (AnyVersion: any).
func (c *Client) SetACL(path string, acl []ACL, version int32) (*Stat, error) {
	p, err := c.enter()
	if err != nil {
		return nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, err
	}
	defer freeC(cpath)
	cacl, err := newCACL(acl)
	if err != nil {
		return nil, err
	}
	defer cacl.free()
	var st C.zk_stat
	if err := call(func() C.zk_error {
		return C.zk_set_acl(p, cpath, cacl.items, cacl.count, C.int32_t(version), &st)
	}); err != nil {
		return nil, err
	}
	return statFromC(&st), nil
}

// Version is the library's version ("0.1.0").
func Version() string { return C.GoString(C.zk_version()) }

// SetIOThreads sets how many threads run the network side of every session of the process
// (1, the default, to 64). Call it before the first Connect; afterwards it fails with
// ErrInvalid.
func SetIOThreads(n int) error {
	if n < 1 || n > 64 {
		return invalid("the number of I/O threads must be 1 to 64")
	}
	return call(func() C.zk_error { return C.zk_set_io_threads(C.size_t(n)) })
}
