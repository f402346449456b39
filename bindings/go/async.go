package zk

// #include "bridge.h"
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// The pipelined API. Each *Async call sends its request and returns at once; done is
// called later, exactly once, on the client's dispatcher thread, in the order the server
// answered (interleaved in that order with watch events). Thousands may be in flight
// without a goroutine or an OS thread each, unlike blocking calls (cgo gives every blocking
// call its own thread). done may call the client, blocking calls included; while it runs,
// the client's later callbacks wait. If the call itself returns an error, done is never
// called. Requests still in flight when the client closes complete with ErrConnectionLoss
// or ErrClosed.

// submit hands fn to the library as a one-shot completion: the completion deletes the
// handle, or submit does when the call fails (then no completion comes).
func (c *Client) submit(path string, fn interface{}, f func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error) error {
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
	h := cgo.NewHandle(fn)
	if err := call(func() C.zk_error { return f(p, cpath, C.zkgo_handle(C.uintptr_t(h))) }); err != nil {
		h.Delete()
		return err
	}
	return nil
}

// GetAsync reads path's data and Stat; done receives them or the error.
func (c *Client) GetAsync(path string, done func(data []byte, stat *Stat, err error)) error {
	if done == nil {
		return invalid("GetAsync needs a completion function")
	}
	fn := func(data []byte, stat *Stat, err error) { done(data, stat, err) }
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_get_async(p, cpath, C.zk_data_completion(C.zkgo_data_done), ud)
	})
}

// ExistsAsync checks whether path exists; done receives the answer (stat nil when not).
func (c *Client) ExistsAsync(path string, done func(exists bool, stat *Stat, err error)) error {
	if done == nil {
		return invalid("ExistsAsync needs a completion function")
	}
	fn := func(stat *Stat, err error) { done(err == nil && stat != nil, stat, err) }
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_exists_async(p, cpath, C.zk_stat_completion(C.zkgo_stat_done), ud)
	})
}

// ChildrenAsync lists path's children; done receives them and path's Stat.
func (c *Client) ChildrenAsync(path string, done func(children []string, stat *Stat, err error)) error {
	if done == nil {
		return invalid("ChildrenAsync needs a completion function")
	}
	fn := func(children []string, stat *Stat, err error) { done(children, stat, err) }
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_get_children_async(p, cpath, C.zk_children_completion(C.zkgo_children_done), ud)
	})
}

// SetAsync writes data to path if its version is version (AnyVersion: any); done receives
// the new Stat. data is copied before SetAsync returns.
func (c *Client) SetAsync(path string, data []byte, version int32, done func(stat *Stat, err error)) error {
	if done == nil {
		return invalid("SetAsync needs a completion function")
	}
	fn := func(stat *Stat, err error) { done(stat, err) }
	d, n := bytesArg(data)
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_set_async(p, cpath, d, n, C.int32_t(version), C.zk_stat_completion(C.zkgo_stat_done), ud)
	})
}

// CreateAsync creates path as Create does (same options); done receives the created path.
// data and the options are copied before CreateAsync returns.
func (c *Client) CreateAsync(path string, data []byte, done func(created string, err error), opts ...CreateOption) error {
	if done == nil {
		return invalid("CreateAsync needs a completion function")
	}
	var o C.zk_create_options
	free, err := cCreateOptions(&o, opts)
	if err != nil {
		return err
	}
	defer free()
	fn := func(created string, _ *Stat, err error) { done(created, err) }
	d, n := bytesArg(data)
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_create_async(p, cpath, d, n, &o, C.zk_create_completion(C.zkgo_create_done), ud)
	})
}

// DeleteAsync deletes path if its version is version (AnyVersion: any).
func (c *Client) DeleteAsync(path string, version int32, done func(err error)) error {
	if done == nil {
		return invalid("DeleteAsync needs a completion function")
	}
	fn := func(err error) { done(err) }
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_delete_async(p, cpath, C.int32_t(version), C.zk_void_completion(C.zkgo_void_done), ud)
	})
}

// SyncAsync is Sync without waiting.
func (c *Client) SyncAsync(path string, done func(err error)) error {
	if done == nil {
		return invalid("SyncAsync needs a completion function")
	}
	fn := func(err error) { done(err) }
	return c.submit(path, fn, func(p *C.zk_client, cpath *C.char, ud unsafe.Pointer) C.zk_error {
		return C.zk_sync_async(p, cpath, C.zk_void_completion(C.zkgo_void_done), ud)
	})
}
