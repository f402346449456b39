package zk

// #include "bridge.h"
import "C"

import (
	"context"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// LockKind is which of kazoo's locks NewLock makes.
type LockKind int32

const (
	// ExclusiveLock is kazoo's Lock (the default): one holder at a time.
	ExclusiveLock LockKind = 0
	// ReadLock is kazoo's ReadLock: readers hold it together and wait only for writers.
	ReadLock LockKind = 1
	// WriteLock is kazoo's WriteLock: waits for every earlier reader and writer.
	WriteLock LockKind = 2
)

// LockOption changes how NewLock contends: a LockKind, WithExtraLockPatterns,
// WithLockStateListener.
type LockOption interface{ applyLock(*lockConfig) }

type lockConfig struct {
	kind     LockKind
	patterns []string
	onState  func(State)
}

func (k LockKind) applyLock(c *lockConfig) { c.kind = k }

type lockPatterns []string

func (p lockPatterns) applyLock(c *lockConfig) { c.patterns = append(c.patterns, p...) }

// WithExtraLockPatterns makes children named "...<marker><10 digits>" contenders too
// (kazoo's extra_lock_patterns, as literal text): "-lock-" makes Curator's and
// go-zookeeper's lock nodes exclude ours.
func WithExtraLockPatterns(markers ...string) LockOption {
	return lockPatterns(append([]string(nil), markers...))
}

type lockListener func(State)

func (f lockListener) applyLock(c *lockConfig) { c.onState = f }

// WithLockStateListener calls fn with each connection-state change while the lock is held:
// on StateSuspended the holder can no longer be sure it holds the lock (stop touching the
// guarded resource until StateConnected); after StateLost it does not. fn runs on the
// client's dispatcher thread and may call the client, but not block waiting on this lock
// nor Close it.
func WithLockStateListener(fn func(State)) LockOption { return lockListener(fn) }

// stateFunc receives the state changes of a lock or election (zk_lock_state_fn).
type stateFunc interface{ stateChanged(State) }

type lockStateSink struct{ fn func(State) }

func (s *lockStateSink) stateChanged(st State) { s.fn(st) }

// Lock is the library's lock recipe (kazoo's Lock, ReadLock or WriteLock, interoperable
// with them): contenders are ephemeral sequential nodes under the lock's path, the first
// holds it. One Lock is one holder: use a Lock per goroutine that contends (Lock on a
// handle that already holds the lock returns nil at once, as kazoo's acquire does). Safe
// for concurrent use; Close it when done (the client's Close does too).
type Lock struct {
	c    *Client
	ptr  *C.zk_lock
	gate *gate
	once sync.Once

	acquireMu  sync.Mutex // one acquire at a time
	maybeStale bool       // a cancel may have come after an acquire returned (acquireMu)
}

// NewLock makes a lock on path for this client, identified by identifier (the contender
// node's data, listed by Contenders; no NUL byte). Nothing is sent before the first Lock.
func (c *Client) NewLock(path, identifier string, opts ...LockOption) (*Lock, error) {
	cfg := lockConfig{}
	for _, opt := range opts {
		if opt != nil {
			opt.applyLock(&cfg)
		}
	}
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
	var o C.zk_lock_options
	if err := call(func() C.zk_error { return C.zk_lock_options_init(&o, C.ZK_LOCK_OPTIONS_VERSION) }); err != nil {
		return nil, err
	}
	o.kind = C.int32_t(cfg.kind)
	if len(cfg.patterns) > 0 {
		array := (**C.char)(C.calloc(C.size_t(len(cfg.patterns)), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
		defer C.free(unsafe.Pointer(array))
		items := unsafe.Slice(array, len(cfg.patterns))
		for i, pattern := range cfg.patterns {
			cp, err := cText("a lock pattern", pattern)
			if err != nil {
				return nil, err
			}
			defer freeC(cp)
			items[i] = cp
		}
		o.extra_patterns = array
		o.extra_pattern_count = C.size_t(len(cfg.patterns))
	}
	id := []byte(identifier)
	d, n := bytesArg(id)
	var onState C.zk_lock_state_fn
	var ud unsafe.Pointer
	var release C.zk_free_fn
	if cfg.onState != nil {
		onState = C.zk_lock_state_fn(C.zkgo_lock_state)
		ud = C.zkgo_handle(C.uintptr_t(cgo.NewHandle(&lockStateSink{fn: cfg.onState})))
		release = cRelease
	}
	var ptr *C.zk_lock
	if err := call(func() C.zk_error {
		return C.zk_lock_new_with_options(p, cpath, d, n, &o, onState, ud, release, &ptr)
	}); err != nil {
		return nil, err // the destructor released the handle
	}
	l := &Lock{c: c, ptr: ptr, gate: newGate()}
	c.addChild(l)
	return l, nil
}

func (l *Lock) enter() error {
	if l == nil || l.gate == nil {
		return invalid("nil *zk.Lock (make one with Client.NewLock)")
	}
	if !l.gate.enter() {
		return errClosed("the lock")
	}
	return nil
}

// acquire runs one zk_lock_acquire, cancelled through zk_lock_cancel when ctx is done.
func (l *Lock) acquire(ctx context.Context, timeoutMs int64) (bool, error) {
	stop, done := make(chan struct{}), make(chan struct{})
	cancelled := false
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			cancelled = true
			C.zk_lock_cancel(l.ptr)
		case <-stop:
		}
	}()
	var acquired C.bool
	err := call(func() C.zk_error { return C.zk_lock_acquire(l.ptr, C.int64_t(timeoutMs), &acquired) })
	close(stop)
	<-done
	if cancelled {
		// The cancel may have come after the acquire returned: the library keeps it for the
		// next acquire of this handle, which then returns at once (see TryLock, Lock).
		l.maybeStale = true
	}
	if err == nil && !bool(acquired) && !cancelled {
		l.maybeStale = false // an acquire that returns false consumes a pending cancel
	}
	return bool(acquired), err
}

// Lock waits until the lock is held, ctx is done, or ctx's deadline passes: nil once held,
// ctx.Err() (context.DeadlineExceeded or context.Canceled) otherwise, and then no
// contender node of this handle is left. Connection losses and session expiry are
// retried meanwhile. It blocks the calling goroutine (and an OS thread); it may be called
// from a callback of the client.
func (l *Lock) Lock(ctx context.Context) error {
	if ctx == nil {
		return invalid("Lock needs a context (context.Background() waits as long as it takes)")
	}
	if err := l.enter(); err != nil {
		return err
	}
	defer l.gate.leave()
	l.acquireMu.Lock()
	defer l.acquireMu.Unlock()
	retried := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		timeout := int64(-1)
		deadline, hasDeadline := ctx.Deadline()
		if hasDeadline {
			remaining := time.Until(deadline)
			if remaining <= 0 {
				return context.DeadlineExceeded
			}
			timeout = int64((remaining + time.Millisecond - 1) / time.Millisecond)
		}
		acquired, err := l.acquire(ctx, timeout)
		if err != nil {
			return err
		}
		if acquired {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if hasDeadline && !time.Now().Before(deadline) {
			return context.DeadlineExceeded
		}
		if l.gate.isClosed() || l.c.gate.isClosed() {
			return errClosed("the lock")
		}
		// Neither cancelled nor timed out: a cancel of an earlier call arrived after its
		// acquire had returned, and this acquire consumed it. Once is all that can happen.
		if retried {
			return &Error{Code: CodeTimeout, Message: "lock acquisition returned without the lock"}
		}
		retried = true
	}
}

// TryLock takes the lock only if that needs no wait (kazoo's acquire(blocking=False)) and
// reports whether it is held now.
func (l *Lock) TryLock() (bool, error) {
	if err := l.enter(); err != nil {
		return false, err
	}
	defer l.gate.leave()
	l.acquireMu.Lock()
	defer l.acquireMu.Unlock()
	stale := l.maybeStale
	acquired, err := l.acquire(context.Background(), 0)
	if err == nil && !acquired && stale {
		acquired, err = l.acquire(context.Background(), 0)
	}
	return acquired, err
}

// Unlock releases the lock: it deletes the contender node, retrying connection losses
// through reconnects for up to twice the session timeout, and returns nil once the node is
// gone (also when the lock was not held). Otherwise (ErrConnectionLoss, ErrSessionExpired,
// ErrClosed) the node may remain until the server expires its session, keeping others out
// until then; the lock is no longer held either way.
func (l *Lock) Unlock() error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.gate.leave()
	return call(func() C.zk_error { return C.zk_lock_release(l.ptr) })
}

// Held reports whether the lock is held now (false once released, or once the session it
// was taken in is lost).
func (l *Lock) Held() bool {
	if l.enter() != nil {
		return false
	}
	defer l.gate.leave()
	return bool(C.zk_lock_is_acquired(l.ptr))
}

// FencingToken is a token for the held lock: the czxid of its contender node, strictly
// larger for every later grant of the same lock path. Hand it to the guarded resource,
// which refuses any token smaller than the largest it has seen. ErrInvalid when the lock is
// not held.
func (l *Lock) FencingToken() (int64, error) {
	if err := l.enter(); err != nil {
		return 0, err
	}
	defer l.gate.leave()
	var token C.int64_t
	if err := call(func() C.zk_error { return C.zk_lock_fencing_token(l.ptr, &token) }); err != nil {
		return 0, err
	}
	return int64(token), nil
}

// Contenders lists the identifiers of every contender, in lock order (the holder first).
func (l *Lock) Contenders() ([]string, error) {
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.gate.leave()
	var list C.zk_string_list
	if err := call(func() C.zk_error { return C.zk_lock_contenders(l.ptr, &list) }); err != nil {
		return nil, err
	}
	names := stringsFromC(&list)
	C.zk_string_list_free(&list)
	return names, nil
}

// Close releases the lock if held (best effort; a waiting Lock returns) and frees the
// handle. Later calls return ErrClosed. Not from the lock's own state listener.
func (l *Lock) Close() {
	if l == nil || l.gate == nil {
		return
	}
	l.close()
}

func (l *Lock) cancel() {
	if l.gate.enter() {
		C.zk_lock_cancel(l.ptr)
		l.gate.leave()
	}
}

func (l *Lock) close() {
	l.once.Do(func() {
		l.gate.close()
		C.zk_lock_cancel(l.ptr)
		l.gate.wait()
		C.zk_lock_free(l.ptr)
		l.ptr = nil
		l.c.removeChild(l)
	})
}
