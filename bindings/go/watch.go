package zk

// #include "bridge.h"
import "C"

import (
	"runtime/cgo"
	"sync"
)

// watchSink receives the one event of a one-shot watch. The library calls the watcher at
// most once and then its destructor, so a channel of capacity 1 never blocks the
// dispatcher thread; the destructor closes the channel.
type watchSink struct{ ch chan Event }

func (s *watchSink) event(ev *Event) {
	select {
	case s.ch <- *ev:
	default: // cannot happen (one event, room for one); never block the dispatcher
	}
}

func (s *watchSink) release() { close(s.ch) }

func newWatch() (*watchSink, C.uintptr_t) {
	s := &watchSink{ch: make(chan Event, 1)}
	return s, C.uintptr_t(cgo.NewHandle(s))
}

var (
	cWatcher = C.zk_watcher(C.zkgo_watcher)
	cRelease = C.zk_free_fn(C.zkgo_release)
)

// GetW is Get, and sets a one-shot watch on the node's data change or deletion. The channel
// receives one Event (EventNodeDataChanged or EventNodeDeleted for path, or EventSession
// with Err set if the session ends first) and is then closed. On ErrNoNode no watch is set
// (use ExistsW to wait for a creation).
func (c *Client) GetW(path string) ([]byte, *Stat, <-chan Event, error) {
	p, err := c.enter()
	if err != nil {
		return nil, nil, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer freeC(cpath)
	sink, h := newWatch()
	var buf C.zk_buffer
	var st C.zk_stat
	if err := call(func() C.zk_error {
		return C.zk_get_watch(p, cpath, cWatcher, C.zkgo_handle(h), cRelease, &buf, &st, nil)
	}); err != nil {
		return nil, nil, nil, err // the destructor released the handle
	}
	data := bytesFromC(buf.data, buf.len)
	C.zk_buffer_free(&buf)
	return data, statFromC(&st), sink.ch, nil
}

// ChildrenW is Children, and sets a one-shot watch on a change of the children
// (EventNodeChildrenChanged) or the node's deletion; the channel as for GetW.
func (c *Client) ChildrenW(path string) ([]string, *Stat, <-chan Event, error) {
	p, err := c.enter()
	if err != nil {
		return nil, nil, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer freeC(cpath)
	sink, h := newWatch()
	var list C.zk_string_list
	var st C.zk_stat
	if err := call(func() C.zk_error {
		return C.zk_get_children_watch(p, cpath, cWatcher, C.zkgo_handle(h), cRelease, &list, &st, nil)
	}); err != nil {
		return nil, nil, nil, err
	}
	names := stringsFromC(&list)
	C.zk_string_list_free(&list)
	return names, statFromC(&st), sink.ch, nil
}

// ExistsW is Exists, and sets a one-shot watch: on the node's deletion or data change when
// it exists, on its creation (EventNodeCreated) when it does not; the channel as for GetW.
func (c *Client) ExistsW(path string) (bool, *Stat, <-chan Event, error) {
	p, err := c.enter()
	if err != nil {
		return false, nil, nil, err
	}
	defer c.gate.leave()
	cpath, err := cPath(path)
	if err != nil {
		return false, nil, nil, err
	}
	defer freeC(cpath)
	sink, h := newWatch()
	var exists C.bool
	var st C.zk_stat
	if err := call(func() C.zk_error {
		return C.zk_exists_watch(p, cpath, cWatcher, C.zkgo_handle(h), cRelease, &exists, &st, nil)
	}); err != nil {
		return false, nil, nil, err
	}
	if !exists {
		return false, nil, sink.ch, nil
	}
	return true, statFromC(&st), sink.ch, nil
}

// funcWatch calls a function for every event of a persistent watch.
type funcWatch struct{ fn func(Event) }

func (w *funcWatch) event(ev *Event) { w.fn(*ev) }

// PersistentWatch is a watch made by AddWatch; Remove ends it.
type PersistentWatch struct {
	c  *Client
	id C.uint64_t
}

// AddWatch sets a persistent watch on path (ZooKeeper 3.6+): fn is called for every change
// of the node (EventNodeCreated, EventNodeDeleted, EventNodeDataChanged,
// EventNodeChildrenChanged), or with recursive for creations, deletions and data changes of
// the node and every node below it, until Remove, the session's end (a last EventSession
// event), or Close. It survives reconnects, but changes made while disconnected are not
// replayed. fn runs on the client's dispatcher thread, one callback of the client at a time,
// in the order of the changes; it may call the client, and while it runs the client's later
// callbacks wait.
func (c *Client) AddWatch(path string, recursive bool, fn func(Event)) (*PersistentWatch, error) {
	if fn == nil {
		return nil, invalid("AddWatch needs a function")
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
	mode := C.int32_t(C.ZK_WATCH_PERSISTENT)
	if recursive {
		mode = C.ZK_WATCH_PERSISTENT_RECURSIVE
	}
	h := C.uintptr_t(cgo.NewHandle(&funcWatch{fn: fn}))
	var id C.uint64_t
	if err := call(func() C.zk_error {
		return C.zk_add_watch(p, cpath, mode, cWatcher, C.zkgo_handle(h), cRelease, &id)
	}); err != nil {
		return nil, err
	}
	return &PersistentWatch{c: c, id: id}, nil
}

// Remove ends the watch: no call of fn starts after Remove has returned (it may be called
// from fn itself). ErrNoWatcher when the watch had ended already.
func (w *PersistentWatch) Remove() error {
	if w == nil {
		return invalid("nil *zk.PersistentWatch")
	}
	p, err := w.c.enter()
	if err != nil {
		return err
	}
	defer w.c.gate.leave()
	return call(func() C.zk_error { return C.zk_remove_watch(p, w.id) })
}

// dataWatchSink holds a DataWatch's function.
type dataWatchSink struct {
	fn func(data []byte, stat *Stat, ev *Event) bool
}

// DataWatch is kazoo's DataWatch: a function called with a node's data at once, then after
// every change, until it returns false or Stop is called. See Client.DataWatch.
type DataWatch struct {
	c    *Client
	ptr  *C.zk_data_watch
	gate *gate
	once sync.Once
}

// DataWatch calls fn with the data and Stat of path at once (on the calling goroutine),
// then after every change (on the client's dispatcher thread), until fn returns false or
// Stop is called. It follows the node through deletion and re-creation: while the node does
// not exist, data and stat are nil (an existing node with no data has a non-nil empty data
// and a Stat). ev is the change that caused the call, nil for the first call and for
// re-reads after a reconnect or a new session (which call fn only if something changed).
// fn may call the client (blocking calls included); while it runs, the client's later
// callbacks wait.
func (c *Client) DataWatch(path string, fn func(data []byte, stat *Stat, ev *Event) bool) (*DataWatch, error) {
	if fn == nil {
		return nil, invalid("DataWatch needs a function")
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
	h := C.uintptr_t(cgo.NewHandle(&dataWatchSink{fn: fn}))
	w := &DataWatch{c: c, gate: newGate()}
	var ptr *C.zk_data_watch
	if err := call(func() C.zk_error {
		return C.zk_data_watch_new(p, cpath, C.zk_data_watch_fn(C.zkgo_data_watch), C.zkgo_handle(h), cRelease, &ptr)
	}); err != nil {
		return nil, err
	}
	w.ptr = ptr
	c.addChild(w)
	return w, nil
}

func (w *DataWatch) cancel() {
	if w.gate.enter() {
		C.zk_data_watch_cancel(w.ptr)
		w.gate.leave()
	}
}

func (w *DataWatch) close() {
	w.once.Do(func() {
		w.gate.close()
		C.zk_data_watch_cancel(w.ptr)
		w.gate.wait()
		C.zk_data_watch_free(w.ptr)
		w.ptr = nil
		w.c.removeChild(w)
	})
}

// Stop ends the watch: fn is not called again once Stop has returned (apart from a call
// already under way, when Stop is called from another goroutine). It may be called from
// fn itself, and more than once.
func (w *DataWatch) Stop() {
	if w == nil || w.gate == nil {
		return
	}
	w.cancel()
	// The handle is freed on another goroutine: the library forbids freeing a watch from
	// inside its own callback, and Stop may be called there.
	go w.close()
}

// childrenWatchSink holds a ChildrenWatch's function.
type childrenWatchSink struct {
	fn func(children []string, stat *Stat, ev *Event) bool
}

// ChildrenWatch is kazoo's ChildrenWatch: see Client.ChildrenWatch.
type ChildrenWatch struct {
	c    *Client
	ptr  *C.zk_children_watch
	gate *gate
	once sync.Once
}

// ChildrenWatch calls fn with the children of path (sorted) and its Stat at once, then
// after every change of them, until fn returns false or Stop is called; both are nil while
// the node does not exist (it resumes when the node is created). ev and threads as for
// DataWatch.
func (c *Client) ChildrenWatch(path string, fn func(children []string, stat *Stat, ev *Event) bool) (*ChildrenWatch, error) {
	if fn == nil {
		return nil, invalid("ChildrenWatch needs a function")
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
	h := C.uintptr_t(cgo.NewHandle(&childrenWatchSink{fn: fn}))
	w := &ChildrenWatch{c: c, gate: newGate()}
	var ptr *C.zk_children_watch
	if err := call(func() C.zk_error {
		return C.zk_children_watch_new(p, cpath, C.zk_children_watch_fn(C.zkgo_children_watch), C.zkgo_handle(h), cRelease, &ptr)
	}); err != nil {
		return nil, err
	}
	w.ptr = ptr
	c.addChild(w)
	return w, nil
}

func (w *ChildrenWatch) cancel() {
	if w.gate.enter() {
		C.zk_children_watch_cancel(w.ptr)
		w.gate.leave()
	}
}

func (w *ChildrenWatch) close() {
	w.once.Do(func() {
		w.gate.close()
		C.zk_children_watch_cancel(w.ptr)
		w.gate.wait()
		C.zk_children_watch_free(w.ptr)
		w.ptr = nil
		w.c.removeChild(w)
	})
}

// Stop ends the watch, as DataWatch.Stop.
func (w *ChildrenWatch) Stop() {
	if w == nil || w.gate == nil {
		return
	}
	w.cancel()
	go w.close()
}
