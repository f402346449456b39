package zk

// #include "bridge.h"
import "C"

import (
	"runtime"
	"strconv"
)

// Code is a zkclient error code (the C API's zk_error): ZooKeeper's own numbers for server
// errors (CodeNoNode is -101, as in every ZooKeeper client), -1000 and below for errors the
// library raises itself. The values never change.
type Code int32

// The codes of the zk_error enum.
const (
	CodeOK                       Code = 0
	CodeSystemError              Code = -1
	CodeRuntimeInconsistency     Code = -2
	CodeDataInconsistency        Code = -3
	CodeConnectionLoss           Code = -4
	CodeMarshallingError         Code = -5
	CodeUnimplemented            Code = -6
	CodeOperationTimeout         Code = -7
	CodeBadArguments             Code = -8
	CodeUnknownSession           Code = -12
	CodeNewConfigNoQuorum        Code = -13
	CodeReconfigInProgress       Code = -14
	CodeAPIError                 Code = -100
	CodeNoNode                   Code = -101
	CodeNoAuth                   Code = -102
	CodeBadVersion               Code = -103
	CodeNoChildrenForEphemerals  Code = -108
	CodeNodeExists               Code = -110
	CodeNotEmpty                 Code = -111
	CodeSessionExpired           Code = -112
	CodeInvalidCallback          Code = -113
	CodeInvalidACL               Code = -114
	CodeAuthFailed               Code = -115
	CodeClosing                  Code = -116
	CodeNothing                  Code = -117
	CodeSessionMoved             Code = -118
	CodeNotReadOnly              Code = -119
	CodeEphemeralOnLocalSession  Code = -120
	CodeNoWatcher                Code = -121
	CodeRequestTimeout           Code = -122
	CodeReconfigDisabled         Code = -123
	CodeSessionClosedRequireSASL Code = -124
	CodeQuotaExceeded            Code = -125
	CodeThrottled                Code = -127
	CodeInvalid                  Code = -1001
	CodeBadPath                  Code = -1002
	CodeTooLarge                 Code = -1003
	CodeReplyTooLarge            Code = -1004
	CodeTimeout                  Code = -1005
	CodeClosed                   Code = -1006
	CodePanic                    Code = -1007
	CodeForceRetry               Code = -1008
	CodeForked                   Code = -1009
	CodeRuntime                  Code = -1010
	CodeTLS                      Code = -1011
	CodeTLSUnknownCA             Code = -1012
	CodeTLSHostname              Code = -1013
	CodeTLSExpired               Code = -1014
	CodeTLSClientCert            Code = -1015
	CodeNotTLS                   Code = -1016
)

var descriptions = map[Code]string{
	CodeOK:                       "ok",
	CodeSystemError:              "server system error",
	CodeRuntimeInconsistency:     "an earlier operation of the transaction failed",
	CodeDataInconsistency:        "server data inconsistency",
	CodeConnectionLoss:           "connection lost (the request may or may not have been applied)",
	CodeMarshallingError:         "marshalling error",
	CodeUnimplemented:            "not implemented by the server",
	CodeOperationTimeout:         "operation timed out on the server",
	CodeBadArguments:             "bad arguments",
	CodeUnknownSession:           "unknown session",
	CodeNewConfigNoQuorum:        "the new configuration would leave no quorum",
	CodeReconfigInProgress:       "another reconfiguration is in progress",
	CodeAPIError:                 "api error",
	CodeNoNode:                   "node does not exist",
	CodeNoAuth:                   "not authorized",
	CodeBadVersion:               "bad version",
	CodeNoChildrenForEphemerals:  "ephemeral nodes cannot have children",
	CodeNodeExists:               "node already exists",
	CodeNotEmpty:                 "node has children",
	CodeSessionExpired:           "session expired",
	CodeInvalidCallback:          "invalid callback",
	CodeInvalidACL:               "invalid ACL",
	CodeAuthFailed:               "authentication failed",
	CodeClosing:                  "client is closing",
	CodeNothing:                  "nothing to process",
	CodeSessionMoved:             "session moved to another server",
	CodeNotReadOnly:              "write sent to a read-only server",
	CodeEphemeralOnLocalSession:  "ephemeral nodes cannot be created by a local session",
	CodeNoWatcher:                "no such watch",
	CodeRequestTimeout:           "request timed out",
	CodeReconfigDisabled:         "reconfiguration is disabled",
	CodeSessionClosedRequireSASL: "session closed: SASL authentication is required",
	CodeQuotaExceeded:            "quota exceeded",
	CodeThrottled:                "server is throttling requests",
	CodeInvalid:                  "invalid argument",
	CodeBadPath:                  "invalid path",
	CodeTooLarge:                 "request too large",
	CodeReplyTooLarge:            "reply too large (the request was applied)",
	CodeTimeout:                  "timed out",
	CodeClosed:                   "client is closed",
	CodePanic:                    "internal error in zkclient",
	CodeForceRetry:               "retry requested",
	CodeForked:                   "client belongs to the parent process (fork)",
	CodeRuntime:                  "zkclient's network threads could not be started",
	CodeTLS:                      "TLS failure",
	CodeTLSUnknownCA:             "TLS: server certificate from an unknown CA",
	CodeTLSHostname:              "TLS: server certificate not valid for the server name",
	CodeTLSExpired:               "TLS: server certificate expired",
	CodeTLSClientCert:            "TLS: client certificate missing or refused",
	CodeNotTLS:                   "TLS: the server does not speak TLS on this port",
}

// String names the code as the C API does ("ZK_ENONODE"), or "ZK_UNKNOWN(n)".
func (c Code) String() string {
	name := C.GoString(C.zk_error_str(C.int32_t(c)))
	if name == "ZK_UNKNOWN" {
		return "ZK_UNKNOWN(" + strconv.Itoa(int(c)) + ")"
	}
	return name
}

// Description is a short lower-case text for the code ("node does not exist").
func (c Code) Description() string {
	if d, ok := descriptions[c]; ok {
		return d
	}
	return "unknown error " + strconv.Itoa(int(c))
}

// Error is every error this package returns for a failed operation: the library's code and
// its message (zk_last_error_message: why it failed and, for server errors, the path).
//
// errors.Is(err, ErrNoNode) matches an *Error by its code; errors.As(err, &zkErr) gives the
// code and message. ErrBadArguments also matches the library's own argument errors
// (ErrInvalid, ErrBadPath), so one test covers every "bad input" failure; ErrTLS matches
// every TLS code.
type Error struct {
	Code    Code
	Message string // the library's explanation; may be empty
}

// Error returns "zk: " and the library's message (which names the path of server errors),
// or the code's description when there is no message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "zk: " + e.Code.Description()
	}
	return "zk: " + e.Message
}

// Is reports whether target is an *Error (usually a sentinel such as ErrNoNode) of the same
// code, or one of the umbrella sentinels ErrBadArguments and ErrTLS covering e's code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil {
		return false
	}
	if t.Code == e.Code {
		return true
	}
	switch t.Code {
	case CodeBadArguments:
		return e.Code == CodeInvalid || e.Code == CodeBadPath
	case CodeTLS:
		return e.Code <= CodeTLS && e.Code >= CodeNotTLS
	}
	return false
}

func sentinel(c Code) *Error { return &Error{Code: c} }

// Sentinels, one per code: compare with errors.Is(err, zk.ErrNoNode).
var (
	ErrSystemError              = sentinel(CodeSystemError)
	ErrRuntimeInconsistency     = sentinel(CodeRuntimeInconsistency)
	ErrDataInconsistency        = sentinel(CodeDataInconsistency)
	ErrConnectionLoss           = sentinel(CodeConnectionLoss)
	ErrMarshallingError         = sentinel(CodeMarshallingError)
	ErrUnimplemented            = sentinel(CodeUnimplemented)
	ErrOperationTimeout         = sentinel(CodeOperationTimeout)
	ErrBadArguments             = sentinel(CodeBadArguments) // also matches ErrInvalid and ErrBadPath
	ErrUnknownSession           = sentinel(CodeUnknownSession)
	ErrNewConfigNoQuorum        = sentinel(CodeNewConfigNoQuorum)
	ErrReconfigInProgress       = sentinel(CodeReconfigInProgress)
	ErrAPIError                 = sentinel(CodeAPIError)
	ErrNoNode                   = sentinel(CodeNoNode)
	ErrNoAuth                   = sentinel(CodeNoAuth)
	ErrBadVersion               = sentinel(CodeBadVersion)
	ErrNoChildrenForEphemerals  = sentinel(CodeNoChildrenForEphemerals)
	ErrNodeExists               = sentinel(CodeNodeExists)
	ErrNotEmpty                 = sentinel(CodeNotEmpty)
	ErrSessionExpired           = sentinel(CodeSessionExpired)
	ErrInvalidCallback          = sentinel(CodeInvalidCallback)
	ErrInvalidACL               = sentinel(CodeInvalidACL)
	ErrAuthFailed               = sentinel(CodeAuthFailed)
	ErrClosing                  = sentinel(CodeClosing)
	ErrNothing                  = sentinel(CodeNothing)
	ErrSessionMoved             = sentinel(CodeSessionMoved)
	ErrNotReadOnly              = sentinel(CodeNotReadOnly)
	ErrEphemeralOnLocalSession  = sentinel(CodeEphemeralOnLocalSession)
	ErrNoWatcher                = sentinel(CodeNoWatcher)
	ErrRequestTimeout           = sentinel(CodeRequestTimeout)
	ErrReconfigDisabled         = sentinel(CodeReconfigDisabled)
	ErrSessionClosedRequireSASL = sentinel(CodeSessionClosedRequireSASL)
	ErrQuotaExceeded            = sentinel(CodeQuotaExceeded)
	ErrThrottled                = sentinel(CodeThrottled)
	ErrInvalid                  = sentinel(CodeInvalid) // a bad argument caught locally; nothing was sent
	ErrBadPath                  = sentinel(CodeBadPath) // a path breaking ZooKeeper's rules; nothing was sent
	ErrTooLarge                 = sentinel(CodeTooLarge)
	ErrReplyTooLarge            = sentinel(CodeReplyTooLarge)
	ErrTimeout                  = sentinel(CodeTimeout)
	ErrClosed                   = sentinel(CodeClosed)
	ErrPanic                    = sentinel(CodePanic)
	ErrForceRetry               = sentinel(CodeForceRetry)
	ErrForked                   = sentinel(CodeForked)
	ErrRuntime                  = sentinel(CodeRuntime)
	ErrTLS                      = sentinel(CodeTLS) // also matches every other TLS code
	ErrTLSUnknownCA             = sentinel(CodeTLSUnknownCA)
	ErrTLSHostname              = sentinel(CodeTLSHostname)
	ErrTLSExpired               = sentinel(CodeTLSExpired)
	ErrTLSClientCert            = sentinel(CodeTLSClientCert)
	ErrNotTLS                   = sentinel(CodeNotTLS)
)

// lastError is the *Error of rc with the calling thread's zk_last_error_message. Only
// meaningful on the OS thread of the failing C call: inside call(), or inside a callback
// (which runs locked to the C thread that calls it).
func lastError(rc C.zk_error) error {
	if rc == 0 {
		return nil
	}
	return &Error{Code: Code(rc), Message: C.GoString(C.zk_last_error_message())}
}

// call runs one C call and returns its error with its message. The message is per OS
// thread, and a goroutine may move between threads between two cgo calls, so the call and
// the read of the message happen with the goroutine locked to its thread.
func call(f func() C.zk_error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return lastError(f())
}

// invalid is a local argument error (nothing reached the library).
func invalid(message string) error { return &Error{Code: CodeInvalid, Message: message} }

// errClosed is the error of a call on a closed client or handle.
func errClosed(what string) error { return &Error{Code: CodeClosed, Message: what + " is closed"} }
