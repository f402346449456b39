package zk

import "sync"

// gate guards a C handle against being freed while calls use it: every call enters (and
// fails once the gate is closed), the closer waits until the calls under way have left, then
// frees. Unlike a sync.RWMutex, a call entering from inside a callback never waits for a
// pending close (it fails with ErrClosed instead), so callbacks cannot deadlock on it.
type gate struct {
	mu     sync.Mutex
	idle   *sync.Cond
	calls  int
	closed bool
}

func newGate() *gate {
	g := &gate{}
	g.idle = sync.NewCond(&g.mu)
	return g
}

// enter admits a call; false once closed.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.calls++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	g.calls--
	if g.calls == 0 {
		g.idle.Broadcast()
	}
	g.mu.Unlock()
}

// close refuses later calls; false if it was closed already.
func (g *gate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	return true
}

func (g *gate) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// wait returns once no call is under way.
func (g *gate) wait() {
	g.mu.Lock()
	for g.calls > 0 {
		g.idle.Wait()
	}
	g.mu.Unlock()
}
