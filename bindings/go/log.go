package zk

// #include "bridge.h"
import "C"

import "runtime/cgo"

// LogLevel is the level of the library's log lines, most severe first.
type LogLevel int32

const (
	LogOff   LogLevel = 0
	LogError LogLevel = 1 // the session ends on its own (a refused credential, ...)
	LogWarn  LogLevel = 2 // a connection or session lost, a lock lost, ...
	LogInfo  LogLevel = 3 // connecting, connected, state changes, recipe decisions
	LogDebug LogLevel = 4 // handshake details, backoff, re-armed watches, retries
	LogTrace LogLevel = 5 // every request and reply, every watch event
)

type logSink struct {
	fn func(LogLevel, string, string)
}

//export zkgoLog
func zkgoLog(level C.zk_log_level, target, message *C.char, h C.uintptr_t) {
	cgo.Handle(h).Value().(*logSink).fn(LogLevel(level), C.GoString(target), C.GoString(message))
}

// SetLogger sends the library's log lines up to level to fn (LogOff or a nil fn: none, the
// default), for every client of the process, replacing any earlier logger. target names the
// layer ("zkclient::session", "zkclient::recipe::lock", ...). No line holds a password, a
// credential, a key or node data; lines do hold server addresses, session ids and paths.
//
// fn may be called from any thread, the library's network thread included, and from
// several at once: it must be safe for concurrent use and return quickly (a slow logger
// slows every session of the process), e.g. log.Printf or a slog handler.
func SetLogger(level LogLevel, fn func(level LogLevel, target, message string)) error {
	if level < LogOff || level > LogTrace {
		return invalid("unknown log level")
	}
	if fn == nil || level == LogOff {
		return call(func() C.zk_error { return C.zk_set_log_callback(C.ZK_LOG_OFF, nil, nil, nil) })
	}
	h := C.uintptr_t(cgo.NewHandle(&logSink{fn: fn}))
	// The previous logger's handle is released by the library once its last call returned;
	// on failure this one is released at once.
	return call(func() C.zk_error {
		return C.zk_set_log_callback(C.int32_t(level), C.zk_log_fn(C.zkgo_log), C.zkgo_handle(h), cRelease)
	})
}
