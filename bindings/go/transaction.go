package zk

// #include "bridge.h"
import "C"

import (
	"strconv"
	"unsafe"
)

// OpType says what one operation of a committed transaction did.
type OpType int32

const (
	OpCreate      OpType = 1
	OpDelete      OpType = 2
	OpSet         OpType = 5
	OpCheck       OpType = 13
	OpGet         OpType = 4
	OpGetChildren OpType = 8
	OpError       OpType = -1 // the operation failed (OpResult.Err)
)

// OpResult is the result of one operation, in the order they were added. In a refused
// write transaction every result is OpError (nothing was applied): Err is the reason of the
// failing operation, nil for those before it (they would have succeeded) and
// ErrRuntimeInconsistency for those after it.
type OpResult struct {
	Type     OpType
	Err      error
	Path     string   // Create: the created path
	Stat     *Stat    // Set, Get, Children: the node's Stat (Create: when the server reports one)
	Data     []byte   // Get: the data
	Children []string // Children: the names
}

type txnOp struct {
	kind    OpType
	path    string
	data    []byte
	version int32
	create  []CreateOption
}

// Transaction collects operations for Commit (kazoo's client.transaction()). Writes
// (Create, Delete, Set, Check) are applied atomically, all or none; reads (Get, Children)
// form a read batch answered together (ZooKeeper 3.6+). One transaction holds writes or
// reads, not both. Building one sends nothing; it is not safe for concurrent use.
type Transaction struct {
	c   *Client
	ops []txnOp
}

// Transaction starts an empty transaction on the client.
func (c *Client) Transaction() *Transaction { return &Transaction{c: c} }

// Create adds a create of path (data is copied; options as for Client.Create, but MakePath
// is refused).
func (t *Transaction) Create(path string, data []byte, opts ...CreateOption) *Transaction {
	t.ops = append(t.ops, txnOp{kind: OpCreate, path: path, data: append([]byte{}, data...),
		create: append([]CreateOption(nil), opts...)})
	return t
}

// Delete adds a delete of path if its version is version (AnyVersion: any).
func (t *Transaction) Delete(path string, version int32) *Transaction {
	t.ops = append(t.ops, txnOp{kind: OpDelete, path: path, version: version})
	return t
}

// Set adds a write of data (copied) to path if its version is version (AnyVersion: any).
func (t *Transaction) Set(path string, data []byte, version int32) *Transaction {
	t.ops = append(t.ops, txnOp{kind: OpSet, path: path, data: append([]byte{}, data...), version: version})
	return t
}

// Check adds a check that path's version is version.
func (t *Transaction) Check(path string, version int32) *Transaction {
	t.ops = append(t.ops, txnOp{kind: OpCheck, path: path, version: version})
	return t
}

// Get adds a read of path's data (a read batch).
func (t *Transaction) Get(path string) *Transaction {
	t.ops = append(t.ops, txnOp{kind: OpGet, path: path})
	return t
}

// Children adds a listing of path's children (a read batch).
func (t *Transaction) Children(path string) *Transaction {
	t.ops = append(t.ops, txnOp{kind: OpGetChildren, path: path})
	return t
}

// Commit sends the operations and waits for the answer. It returns nil when every
// operation succeeded. When the server refused a write transaction (nothing was applied),
// or a read of a batch failed, the error is the failing operation's and the results still
// say, operation by operation, what happened. On other errors (ErrConnectionLoss: applied
// or not, as a whole) there are no results. An operation the library refuses before
// sending (ErrBadPath, ...) names its index in the error's message.
func (t *Transaction) Commit() ([]OpResult, error) {
	if t == nil {
		return nil, invalid("nil *zk.Transaction")
	}
	p, err := t.c.enter()
	if err != nil {
		return nil, err
	}
	defer t.c.gate.leave()
	var txn *C.zk_transaction
	if err := call(func() C.zk_error { return C.zk_transaction_new(p, &txn) }); err != nil {
		return nil, err
	}
	defer C.zk_transaction_free(txn)
	for i, op := range t.ops {
		if err := addOp(txn, op); err != nil {
			if e, ok := err.(*Error); ok {
				return nil, &Error{Code: e.Code, Message: "operation " + strconv.Itoa(i) + ": " + e.Message}
			}
			return nil, err
		}
	}
	var results C.zk_op_results
	results.items, results.count = nil, 0
	err = call(func() C.zk_error { return C.zk_transaction_commit(txn, &results) })
	if results.count == 0 && results.items == nil && err != nil {
		return nil, err
	}
	defer C.zk_op_results_free(&results)
	items := unsafe.Slice(results.items, int(results.count))
	out := make([]OpResult, 0, len(items))
	for i := range items {
		r := &items[i]
		res := OpResult{Type: OpType(r.op_type)}
		if r.rc != 0 {
			res.Err = &Error{Code: Code(r.rc)}
		}
		if r.path != nil {
			res.Path = C.GoString(r.path)
		}
		switch res.Type {
		case OpSet, OpGet, OpGetChildren, OpCreate:
			if res.Err == nil {
				res.Stat = statFromC(&r.stat)
			}
		}
		if res.Type == OpGet && res.Err == nil {
			res.Data = bytesFromC(r.data.data, r.data.len)
		}
		if res.Type == OpGetChildren && res.Err == nil {
			res.Children = stringsFromC(&r.children)
		}
		out = append(out, res)
	}
	return out, err
}

func addOp(txn *C.zk_transaction, op txnOp) error {
	cpath, err := cPath(op.path)
	if err != nil {
		return err
	}
	defer freeC(cpath)
	switch op.kind {
	case OpCreate:
		var o C.zk_create_options
		free, err := cCreateOptions(&o, op.create)
		if err != nil {
			return err
		}
		defer free()
		d, n := bytesArg(op.data)
		return call(func() C.zk_error { return C.zk_transaction_create(txn, cpath, d, n, &o) })
	case OpDelete:
		return call(func() C.zk_error { return C.zk_transaction_delete(txn, cpath, C.int32_t(op.version)) })
	case OpSet:
		d, n := bytesArg(op.data)
		return call(func() C.zk_error { return C.zk_transaction_set(txn, cpath, d, n, C.int32_t(op.version)) })
	case OpCheck:
		return call(func() C.zk_error { return C.zk_transaction_check(txn, cpath, C.int32_t(op.version)) })
	case OpGet:
		return call(func() C.zk_error { return C.zk_transaction_get(txn, cpath) })
	default:
		return call(func() C.zk_error { return C.zk_transaction_get_children(txn, cpath) })
	}
}
