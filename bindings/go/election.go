package zk

// #include "bridge.h"
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync"
)

// Election is the library's election recipe (kazoo's Election, interoperable with it): a
// lock at the path whose holder leads. Safe for concurrent use; one Run at a time per
// handle. Close it when done (the client's Close does too).
type Election struct {
	c    *Client
	ptr  *C.zk_election
	gate *gate
	once sync.Once

	runMu sync.Mutex // one Run at a time

	mu           sync.Mutex
	run          *leaderCall // the Run under way, if any
	leaderCancel context.CancelFunc
}

// electionStateSink cancels the leader's context when the session is lost.
type electionStateSink struct{ e *Election }

func (s *electionStateSink) stateChanged(st State) {
	if st != StateLost {
		return
	}
	s.e.mu.Lock()
	if s.e.leaderCancel != nil {
		s.e.leaderCancel()
	}
	s.e.mu.Unlock()
}

// NewElection makes an election on path for this client; identifier (no NUL byte) names
// this contender in Contenders. Nothing is sent before Run.
func (c *Client) NewElection(path, identifier string) (*Election, error) {
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
	e := &Election{c: c, gate: newGate()}
	d, n := bytesArg([]byte(identifier))
	h := C.uintptr_t(cgo.NewHandle(&electionStateSink{e: e}))
	var ptr *C.zk_election
	if err := call(func() C.zk_error {
		return C.zk_election_new_with_listener(p, cpath, d, n, C.zk_lock_state_fn(C.zkgo_lock_state),
			C.zkgo_handle(h), cRelease, &ptr)
	}); err != nil {
		return nil, err
	}
	e.ptr = ptr
	c.addChild(e)
	return e, nil
}

// leaderCall is one Run: the user's function and what became of it.
type leaderCall struct {
	e      *Election
	ctx    context.Context
	fn     func(context.Context) error
	called bool
	err    error
	panic  interface{}
}

// lead runs on the thread of zk_election_run once elected. A panic is carried back to Run
// (unwinding through C frames would kill the process), after leadership is given up.
func (lc *leaderCall) lead() (rc int32) {
	e := lc.e
	ctx, cancel := context.WithCancel(lc.ctx)
	e.mu.Lock()
	lc.called = true
	e.leaderCancel = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.leaderCancel = nil
		e.mu.Unlock()
		cancel()
		if p := recover(); p != nil {
			lc.panic = p
		}
	}()
	lc.err = lc.fn(ctx)
	return 0
}

// Run joins the election, waits until this contender is elected, then calls lead with a
// context that is cancelled when ctx is, when the session is lost (another contender may
// lead then: lead should stop), or on Close. Leadership is given up when lead returns, and
// Run returns lead's error. If ctx is done before the election, Run returns ctx.Err()
// without calling lead. lead runs on the calling goroutine.
func (e *Election) Run(ctx context.Context, lead func(ctx context.Context) error) error {
	if ctx == nil || lead == nil {
		return invalid("Run needs a context and a leader function")
	}
	if e == nil || e.gate == nil {
		return invalid("nil *zk.Election (make one with Client.NewElection)")
	}
	if !e.gate.enter() {
		return errClosed("the election")
	}
	defer e.gate.leave()
	e.runMu.Lock()
	defer e.runMu.Unlock()
	retried := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.gate.isClosed() {
			return errClosed("the election")
		}
		lc := &leaderCall{e: e, ctx: ctx, fn: lead}
		h := cgo.NewHandle(lc)
		e.mu.Lock()
		e.run = lc
		e.mu.Unlock()
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			select {
			case <-ctx.Done():
				e.mu.Lock()
				if !lc.called { // still waiting to be elected; a leader sees its ctx done
					C.zk_election_cancel(e.ptr)
				}
				e.mu.Unlock()
			case <-stop:
			}
		}()
		err := call(func() C.zk_error {
			return C.zk_election_run(e.ptr, C.zk_leader_fn(C.zkgo_leader), C.zkgo_handle(C.uintptr_t(h)))
		})
		close(stop)
		<-done
		h.Delete()
		e.mu.Lock()
		e.run = nil
		e.mu.Unlock()
		if lc.panic != nil {
			panic(fmt.Sprintf("zk: leader function panicked: %v", lc.panic))
		}
		if lc.called {
			return lc.err
		}
		if !errorIs(err, CodeClosed) {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.gate.isClosed() || e.c.gate.isClosed() {
			return err
		}
		// Cancelled without our asking: a cancel of an earlier Run that came just after its
		// election, which the library kept for this one. Once is all that can happen.
		if retried {
			return err
		}
		retried = true
	}
}

func errorIs(err error, code Code) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}

// IsLeader reports whether this contender leads now: true while its leader function runs,
// false once its session is lost.
func (e *Election) IsLeader() bool {
	if e == nil || e.gate == nil || !e.gate.enter() {
		return false
	}
	defer e.gate.leave()
	return bool(C.zk_election_is_leader(e.ptr))
}

// Contenders lists the identifiers of every contender, the leader first.
func (e *Election) Contenders() ([]string, error) {
	if e == nil || e.gate == nil {
		return nil, invalid("nil *zk.Election (make one with Client.NewElection)")
	}
	if !e.gate.enter() {
		return nil, errClosed("the election")
	}
	defer e.gate.leave()
	var list C.zk_string_list
	if err := call(func() C.zk_error { return C.zk_election_contenders(e.ptr, &list) }); err != nil {
		return nil, err
	}
	names := stringsFromC(&list)
	C.zk_string_list_free(&list)
	return names, nil
}

// Close stops a Run waiting to be elected, cancels a running leader's context and waits
// for it to return, then frees the handle. Not from inside the leader function.
func (e *Election) Close() {
	if e == nil || e.gate == nil {
		return
	}
	e.close()
}

func (e *Election) stopRun() {
	e.mu.Lock()
	if e.run != nil && !e.run.called {
		C.zk_election_cancel(e.ptr)
	}
	if e.leaderCancel != nil {
		e.leaderCancel()
	}
	e.mu.Unlock()
}

func (e *Election) cancel() {
	if e.gate.enter() {
		e.stopRun()
		e.gate.leave()
	}
}

func (e *Election) close() {
	e.once.Do(func() {
		e.gate.close()
		e.stopRun()
		e.gate.wait()
		C.zk_election_free(e.ptr)
		e.ptr = nil
		e.c.removeChild(e)
	})
}
