package zk

// The Go side of every C callback. Each is reached through a trampoline of bridge.c and
// finds its Go state through the cgo.Handle that user_data carries (C never holds a Go
// pointer). They run on the library's threads (dispatcher threads, or the thread of the
// blocking call that triggers them); cgo attaches those threads to the runtime for the call.
// None of them blocks on a channel: one-shot watches have a channel with room for their one
// event, the state channel drops its oldest entry when full, and everything else is the
// user's function.

// #include "bridge.h"
import "C"

import "runtime/cgo"

type releaser interface{ release() }

type eventSink interface{ event(*Event) }

//export zkgoRelease
func zkgoRelease(h C.uintptr_t) {
	handle := cgo.Handle(h)
	if r, ok := handle.Value().(releaser); ok {
		r.release()
	}
	handle.Delete()
}

//export zkgoStateListener
func zkgoStateListener(state C.zk_state, keeper C.zk_keeper_state, h C.uintptr_t) {
	cgo.Handle(h).Value().(*stateSink).deliver(State(state), KeeperState(keeper))
}

//export zkgoWatcher
func zkgoWatcher(ev *C.zk_watch_event, h C.uintptr_t) {
	if event := eventFromC(ev); event != nil {
		cgo.Handle(h).Value().(eventSink).event(event)
	}
}

//export zkgoDataWatch
func zkgoDataWatch(data *C.uint8_t, n C.size_t, st *C.zk_stat, ev *C.zk_watch_event, h C.uintptr_t) C.int {
	sink := cgo.Handle(h).Value().(*dataWatchSink)
	var value []byte
	if st != nil {
		value = bytesFromC(data, n)
	}
	if sink.fn(value, statFromC(st), eventFromC(ev)) {
		return 1
	}
	return 0
}

//export zkgoChildrenWatch
func zkgoChildrenWatch(list *C.zk_string_list, st *C.zk_stat, ev *C.zk_watch_event, h C.uintptr_t) C.int {
	sink := cgo.Handle(h).Value().(*childrenWatchSink)
	var names []string
	if list != nil {
		names = stringsFromC(list)
	}
	if sink.fn(names, statFromC(st), eventFromC(ev)) {
		return 1
	}
	return 0
}

//export zkgoLockState
func zkgoLockState(state C.zk_state, h C.uintptr_t) {
	cgo.Handle(h).Value().(stateFunc).stateChanged(State(state))
}

//export zkgoLeader
func zkgoLeader(h C.uintptr_t) C.int32_t {
	return C.int32_t(cgo.Handle(h).Value().(*leaderCall).lead())
}

// take returns the value of a one-shot completion's handle and deletes the handle: the
// library calls a completion exactly once.
func take(h C.uintptr_t) interface{} {
	handle := cgo.Handle(h)
	v := handle.Value()
	handle.Delete()
	return v
}

//export zkgoCreateDone
func zkgoCreateDone(rc C.zk_error, path *C.char, st *C.zk_stat, h C.uintptr_t) {
	fn := take(h).(func(string, *Stat, error))
	if rc != 0 {
		fn("", nil, lastError(rc))
		return
	}
	fn(C.GoString(path), statFromC(st), nil)
}

//export zkgoStatDone
func zkgoStatDone(rc C.zk_error, st *C.zk_stat, h C.uintptr_t) {
	take(h).(func(*Stat, error))(statFromC(st), lastError(rc))
}

//export zkgoDataDone
func zkgoDataDone(rc C.zk_error, data *C.uint8_t, n C.size_t, st *C.zk_stat, h C.uintptr_t) {
	fn := take(h).(func([]byte, *Stat, error))
	if rc != 0 {
		fn(nil, nil, lastError(rc))
		return
	}
	fn(bytesFromC(data, n), statFromC(st), nil)
}

//export zkgoChildrenDone
func zkgoChildrenDone(rc C.zk_error, list *C.zk_string_list, st *C.zk_stat, h C.uintptr_t) {
	fn := take(h).(func([]string, *Stat, error))
	if rc != 0 {
		fn(nil, nil, lastError(rc))
		return
	}
	fn(stringsFromC(list), statFromC(st), nil)
}

//export zkgoVoidDone
func zkgoVoidDone(rc C.zk_error, h C.uintptr_t) {
	take(h).(func(error))(lastError(rc))
}
