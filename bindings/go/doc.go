// Package zk is a ZooKeeper client for Go over libzkclient, zkclient's C library (cgo, the
// standard library only): kazoo's features and recipes, one network thread for every
// session of the process, and callbacks that may call the client back without deadlock.
//
//	c, err := zk.Connect("127.0.0.1:2181/optional/chroot", zk.WithSessionTimeout(10*time.Second))
//	if err != nil { ... }
//	defer c.Close()
//	_, err = c.Create("/my/favorite/node", []byte("a value"), zk.MakePath)
//	data, stat, err := c.Get("/my/favorite/node")
//	_, err = c.Set("/my/favorite/node", []byte("some data"), stat.Version)
//	if errors.Is(err, zk.ErrBadVersion) { /* someone changed it meanwhile */ }
//
// # Errors
//
// Every failure is an *Error carrying the library's Code and its message (which names the
// path of server errors). Match it with errors.Is against the sentinel of its code
// (ErrNoNode, ErrNodeExists, ErrBadVersion, ErrNotEmpty, ErrNoAuth, ErrConnectionLoss,
// ErrSessionExpired, ErrClosed, ...), or take it apart with errors.As. Bad input (a nil or
// closed client, a path breaking ZooKeeper's rules, a NUL byte in a string) is an error,
// never a panic: ErrBadArguments matches every such argument error, ErrBadPath and
// ErrInvalid say which kind, and ErrClosed is the error of a closed client or handle.
//
// # Threads and callbacks
//
// A Client is safe for concurrent use. Functions given to the package (DataWatch,
// ChildrenWatch and AddWatch functions, async completions, WithStateListener,
// WithLockStateListener) run on the library's dispatcher threads, one callback of a client
// at a time, in the order the server produced the events; cgo attaches those threads to the
// Go runtime for each call. They may call the client, blocking calls included (a Get, a
// Lock), without deadlock: replies never wait behind callbacks. While one runs, that
// client's later callbacks wait, so hand long work to a goroutine. Do not call Close from
// inside one (use `go c.Close()`): Close waits for them.
//
// The library's threads never block on a Go channel: a one-shot watch channel (GetW,
// ChildrenW, ExistsW) has room for its one event, and the States channel, when nobody reads
// it, drops its oldest state for the newest. C never holds a Go pointer: every callback's
// user data is a runtime/cgo Handle, deleted when the library releases the registration.
//
// Every blocking call holds an OS thread while it waits (cgo's rule); the *Async calls
// pipeline thousands of requests without one.
//
// # Building
//
// Inside the zkclient repository the package builds as it is: cgo takes the header from
// include/ and links target/release/libzkclient.so (built by `make build`) with an rpath
// to it. Against an installed library (`make install`), build with -tags
// zkclient_pkgconfig, which takes the flags from pkg-config's zkclient.pc
// (PKG_CONFIG_PATH for a non-standard prefix). CGO_CFLAGS and CGO_LDFLAGS from the
// environment come before either.
package zk
