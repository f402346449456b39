package zk_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	zk "zkclient/bindings/go/zk"
)

// The tests run against the real server named by ZK_TEST_HOSTS (make test exports it; or
// HOSTS=$(scripts/zk-server.sh start DIR)). Without it, or without a server, they fail.
var hosts string

func TestMain(m *testing.M) {
	hosts = os.Getenv("ZK_TEST_HOSTS")
	if hosts == "" {
		fmt.Fprintln(os.Stderr, "FAIL: ZK_TEST_HOSTS is not set: these tests need a ZooKeeper server "+
			"(e.g. ZK_TEST_HOSTS=$(scripts/zk-server.sh start /tmp/zk-go))")
		os.Exit(1)
	}
	c, err := zk.Connect(hosts, zk.WithConnectTimeout(15*time.Second))
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: no ZooKeeper server at ZK_TEST_HOSTS=%s: %v\n", hosts, err)
		os.Exit(1)
	}
	c.Close()
	os.Exit(m.Run())
}

const wait = 10 * time.Second

func connect(t *testing.T, opts ...zk.Option) *zk.Client {
	t.Helper()
	c, err := zk.Connect(hosts, opts...)
	if err != nil {
		t.Fatalf("Connect(%s): %v", hosts, err)
	}
	t.Cleanup(c.Close)
	return c
}

// prefix is a unique path for one test, deleted (recursively) when it ends.
func prefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	p := "/go-test-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		c, err := zk.Connect(hosts)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer c.Close()
		if err := c.Delete(p, zk.AnyVersion, zk.Recursive); err != nil && !errors.Is(err, zk.ErrNoNode) {
			t.Errorf("cleanup: delete %s: %v", p, err)
		}
	})
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func event(t *testing.T, ch <-chan zk.Event) zk.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed without an event")
		}
		return ev
	case <-time.After(wait):
		t.Fatal("no watch event within", wait)
	}
	return zk.Event{}
}

func TestQuickStart(t *testing.T) {
	c := connect(t, zk.WithSessionTimeout(10*time.Second))
	root := prefix(t)
	fav := root + "/my/favorite"

	must(t, c.EnsurePath(fav))
	must(t, c.EnsurePath(fav)) // again: nil
	created, err := c.Create(fav+"/node", []byte("a value"))
	must(t, err)
	if created != fav+"/node" {
		t.Fatalf("Create returned %q", created)
	}
	worker, err := c.Create(root+"/workers/worker-", nil, zk.EphemeralSequential, zk.MakePath)
	must(t, err)
	if !strings.HasPrefix(worker, root+"/workers/worker-") || len(worker) != len(root+"/workers/worker-")+10 {
		t.Fatalf("sequential node %q", worker)
	}

	ok, stat, err := c.Exists(fav)
	must(t, err)
	if !ok || stat == nil || stat.NumChildren != 1 {
		t.Fatalf("Exists(%s) = %v, %+v", fav, ok, stat)
	}
	ok, stat, err = c.Exists(worker)
	must(t, err)
	sessionID, _, _, err := c.Session()
	must(t, err)
	if !ok || stat.EphemeralOwner != sessionID {
		t.Fatalf("ephemeral owner %x, session %x", stat.EphemeralOwner, sessionID)
	}

	data, stat, err := c.Get(fav + "/node")
	must(t, err)
	if string(data) != "a value" || stat.Version != 0 || stat.DataLength != 7 {
		t.Fatalf("Get = %q, version %d, length %d", data, stat.Version, stat.DataLength)
	}
	if stat.Created().Before(time.Now().Add(-time.Hour)) {
		t.Fatalf("ctime %v", stat.Created())
	}

	_, err = c.Create(fav+"/second", []byte{0, 1, 0})
	must(t, err)
	children, _, err := c.Children(fav)
	must(t, err)
	sort.Strings(children)
	if strings.Join(children, ",") != "node,second" {
		t.Fatalf("Children = %v", children)
	}
	data, _, err = c.Get(fav + "/second")
	must(t, err)
	if len(data) != 3 || data[0] != 0 || data[1] != 1 || data[2] != 0 {
		t.Fatalf("binary data came back as %v", data)
	}

	stat, err = c.Set(fav+"/node", []byte("some data"), stat.Version)
	must(t, err)
	if stat.Version != 1 {
		t.Fatalf("version after Set: %d", stat.Version)
	}
	if _, err := c.Set(fav+"/node", []byte("stale"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("Set with a stale version: %v", err)
	}
	data, _, err = c.Get(fav + "/node")
	must(t, err)
	if string(data) != "some data" {
		t.Fatalf("data after Set: %q", data)
	}

	if err := c.Delete(fav, zk.AnyVersion); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("Delete of a node with children: %v", err)
	}
	must(t, c.Delete(fav, zk.AnyVersion, zk.Recursive))
	ok, stat, err = c.Exists(fav)
	must(t, err)
	if ok || stat != nil {
		t.Fatalf("%s still exists", fav)
	}
}

func TestErrors(t *testing.T) {
	c := connect(t)
	root := prefix(t)
	_, _, err := c.Get(root + "/missing")
	if !errors.Is(err, zk.ErrNoNode) || errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("Get of a missing node: %v", err)
	}
	var zerr *zk.Error
	if !errors.As(err, &zerr) || zerr.Code != zk.CodeNoNode || zerr.Code.String() != "ZK_ENONODE" {
		t.Fatalf("errors.As: %#v", err)
	}
	if !strings.Contains(zerr.Message, root+"/missing") || !strings.Contains(err.Error(), root+"/missing") {
		t.Fatalf("the message does not name the path: %q", err.Error())
	}
	t.Logf("ErrNoNode reads: %v", err)

	wrapped := fmt.Errorf("loading config: %w", err)
	if !errors.Is(wrapped, zk.ErrNoNode) {
		t.Fatal("errors.Is does not see through wrapping")
	}

	_, err = c.Create(root, nil)
	must(t, err)
	if _, err := c.Create(root, nil); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("second Create: %v", err)
	}
	if _, err := c.Create(root+"/a/b", nil); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("Create without a parent: %v", err)
	}
	if err := c.Delete(root, 5); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("Delete with a wrong version: %v", err)
	}
	eph, err := c.Create(root+"/eph", nil, zk.Ephemeral)
	must(t, err)
	if _, err := c.Create(eph+"/child", nil); !errors.Is(err, zk.ErrNoChildrenForEphemerals) {
		t.Fatalf("child of an ephemeral: %v", err)
	}
	if _, err := c.Set(root, make([]byte, 2<<20), zk.AnyVersion); !errors.Is(err, zk.ErrTooLarge) {
		t.Fatalf("2 MiB Set: %v", err)
	}
	if zk.ErrClosed.Error() == "" || zk.CodeNoNode.Description() != "node does not exist" {
		t.Fatal("sentinel texts")
	}
}

func TestBadInput(t *testing.T) {
	var nilClient *zk.Client
	if _, _, err := nilClient.Get("/"); !errors.Is(err, zk.ErrBadArguments) || !errors.Is(err, zk.ErrInvalid) {
		t.Fatalf("Get on a nil client: %v", err)
	}
	if _, err := nilClient.NewLock("/l", "x"); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("NewLock on a nil client: %v", err)
	}
	nilClient.Close() // no panic
	var zero zk.Client
	if _, err := zero.Create("/x", nil); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("Create on a zero Client: %v", err)
	}
	var nilLock *zk.Lock
	if err := nilLock.Lock(context.Background()); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("Lock on a nil lock: %v", err)
	}
	if nilLock.Held() {
		t.Fatal("a nil lock is held")
	}
	var nilElection *zk.Election
	if err := nilElection.Run(context.Background(), func(context.Context) error { return nil }); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("Run on a nil election: %v", err)
	}

	if _, err := zk.Connect(""); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("Connect(\"\"): %v", err)
	}
	if _, err := zk.Connect(hosts, zk.WithConnectTimeout(-time.Second)); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("negative connect timeout: %v", err)
	}
	if _, err := zk.Connect(hosts, zk.WithSession(1, []byte("short"))); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("a 5-byte session password: %v", err)
	}

	c := connect(t)
	for _, path := range []string{"no-slash", "/a/", "", "/a//b", "/a/./b", "/a\x00b"} {
		_, _, err := c.Get(path)
		if !errors.Is(err, zk.ErrBadPath) || !errors.Is(err, zk.ErrBadArguments) {
			t.Errorf("Get(%q): %v", path, err)
		}
		if _, err := c.Create(path, nil); !errors.Is(err, zk.ErrBadPath) {
			t.Errorf("Create(%q): %v", path, err)
		}
		if _, _, _, err := c.GetW(path); !errors.Is(err, zk.ErrBadPath) {
			t.Errorf("GetW(%q): %v", path, err)
		}
	}
	_, _, err := c.Get("no-slash")
	t.Logf("a bad path reads: %v", err)
	if _, err := c.Create("/x", nil, zk.CreateMode(42)); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("an unknown create mode: %v", err)
	}
	if _, err := c.DataWatch("/x", nil); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("DataWatch without a function: %v", err)
	}
	if err := c.GetAsync("/x", nil); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("GetAsync without a completion: %v", err)
	}
	if _, err := c.NewLock("/locks/x", "a\x00b"); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("an identifier with a NUL byte: %v", err)
	}
	lock, err := c.NewLock(prefix(t)+"/lock", "me")
	must(t, err)
	if err := lock.Lock(nil); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("Lock(nil): %v", err)
	}

	// A closed client: every call is ErrClosed, Close again is fine, handles are closed too.
	c.Close()
	c.Close()
	if _, _, err := c.Get("/"); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
	if _, err := c.Create("/x", nil); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("Create after Close: %v", err)
	}
	if err := c.SetAsync("/x", nil, -1, func(*zk.Stat, error) {}); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("SetAsync after Close: %v", err)
	}
	if err := lock.Lock(context.Background()); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("Lock after the client's Close: %v", err)
	}
	if c.State() != zk.StateLost {
		t.Fatalf("state after Close: %v", c.State())
	}
	lock.Close()
}

func TestStates(t *testing.T) {
	var mu sync.Mutex
	var heard []zk.KeeperState
	c, err := zk.Connect(hosts, zk.WithStateListener(func(s zk.State, k zk.KeeperState) {
		mu.Lock()
		heard = append(heard, k)
		mu.Unlock()
	}))
	must(t, err)
	select {
	case s := <-c.States():
		if s != zk.StateConnected {
			t.Fatalf("first state %v", s)
		}
	case <-time.After(wait):
		t.Fatal("no CONNECTED on States()")
	}
	if c.State() != zk.StateConnected {
		t.Fatalf("State() = %v", c.State())
	}
	server, err := c.Server()
	must(t, err)
	if server == "" {
		t.Fatal("no server")
	}
	c.Close()
	var last zk.State = -1
	for s := range c.States() { // closed after Close
		last = s
	}
	if last != zk.StateLost {
		t.Fatalf("last state %v, want LOST", last)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(heard) < 2 || heard[0] != zk.KeeperSyncConnected || heard[len(heard)-1] != zk.KeeperClosed {
		t.Fatalf("the listener heard %v", heard)
	}
}

func TestWatches(t *testing.T) {
	c := connect(t)
	other := connect(t)
	root := prefix(t)
	node := root + "/node"

	ok, _, created, err := c.ExistsW(node)
	must(t, err)
	if ok {
		t.Fatal("exists before creation")
	}
	_, err = other.Create(node, []byte("v1"), zk.MakePath)
	must(t, err)
	if ev := event(t, created); ev.Type != zk.EventNodeCreated || ev.Path != node || ev.Err != nil {
		t.Fatalf("ExistsW event %+v", ev)
	}
	if _, open := <-created; open {
		t.Fatal("the one-shot channel stays open after its event")
	}

	data, _, changed, err := c.GetW(node)
	must(t, err)
	if string(data) != "v1" {
		t.Fatalf("GetW data %q", data)
	}
	_, err = other.Set(node, []byte("v2"), zk.AnyVersion)
	must(t, err)
	if ev := event(t, changed); ev.Type != zk.EventNodeDataChanged || ev.Path != node {
		t.Fatalf("GetW event %+v", ev)
	}

	_, _, kids, err := c.ChildrenW(root)
	must(t, err)
	_, err = other.Create(root+"/second", nil)
	must(t, err)
	if ev := event(t, kids); ev.Type != zk.EventNodeChildrenChanged || ev.Path != root {
		t.Fatalf("ChildrenW event %+v", ev)
	}

	_, _, deleted, err := c.GetW(node)
	must(t, err)
	must(t, other.Delete(node, zk.AnyVersion))
	if ev := event(t, deleted); ev.Type != zk.EventNodeDeleted || ev.Path != node {
		t.Fatalf("deletion event %+v", ev)
	}

	if _, _, _, err := c.GetW(node); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("GetW of a missing node: %v", err)
	}

	// A watch pending when the client closes gets a session event, then the channel closes.
	_, _, pending, err := c.ExistsW(node)
	must(t, err)
	c.Close()
	ev := event(t, pending)
	if ev.Type != zk.EventSession || !errors.Is(ev.Err, zk.ErrClosed) {
		t.Fatalf("pending watch at Close: %+v", ev)
	}
}

func TestPersistentWatch(t *testing.T) {
	c := connect(t)
	root := prefix(t)
	must(t, c.EnsurePath(root))
	events := make(chan zk.Event, 16)
	w, err := c.AddWatch(root, true, func(ev zk.Event) { events <- ev })
	must(t, err)
	_, err = c.Create(root+"/a", nil)
	must(t, err)
	_, err = c.Set(root+"/a", []byte("x"), zk.AnyVersion)
	must(t, err)
	if ev := event(t, events); ev.Type != zk.EventNodeCreated || ev.Path != root+"/a" {
		t.Fatalf("first event %+v", ev)
	}
	if ev := event(t, events); ev.Type != zk.EventNodeDataChanged || ev.Path != root+"/a" {
		t.Fatalf("second event %+v", ev)
	}
	must(t, w.Remove())
	if err := w.Remove(); !errors.Is(err, zk.ErrNoWatcher) {
		t.Fatalf("second Remove: %v", err)
	}
}

func TestDataWatch(t *testing.T) {
	c := connect(t)
	other := connect(t)
	node := prefix(t) + "/config"

	type call struct {
		data   string
		exists bool
		ev     *zk.Event
	}
	calls := make(chan call, 16)
	w, err := c.DataWatch(node, func(data []byte, stat *zk.Stat, ev *zk.Event) bool {
		calls <- call{string(data), stat != nil, ev}
		return string(data) != "stop"
	})
	must(t, err)
	next := func() call {
		t.Helper()
		select {
		case c := <-calls:
			return c
		case <-time.After(wait):
			t.Fatal("no DataWatch call within", wait)
		}
		return call{}
	}
	if first := next(); first.exists || first.ev != nil {
		t.Fatalf("first call %+v (the node does not exist yet)", first)
	}
	_, err = other.Create(node, []byte("one"), zk.MakePath)
	must(t, err)
	if got := next(); !got.exists || got.data != "one" || got.ev == nil || got.ev.Type != zk.EventNodeCreated {
		t.Fatalf("after create %+v", got)
	}
	_, err = other.Set(node, []byte("two"), zk.AnyVersion)
	must(t, err)
	if got := next(); got.data != "two" || got.ev.Type != zk.EventNodeDataChanged {
		t.Fatalf("after set %+v", got)
	}
	must(t, other.Delete(node, zk.AnyVersion))
	if got := next(); got.exists {
		t.Fatalf("after delete %+v", got)
	}
	_, err = other.Create(node, []byte("stop"), zk.MakePath)
	must(t, err)
	if got := next(); got.data != "stop" {
		t.Fatalf("after re-create %+v", got)
	}
	_, err = other.Set(node, []byte("ignored"), zk.AnyVersion)
	must(t, err)
	// The function returned false: no more calls. A write after that, then a read with
	// the watching client, proves any event would have been dispatched by now.
	_, _, err = c.Get(node)
	must(t, err)
	select {
	case got := <-calls:
		t.Fatalf("called after returning false: %+v", got)
	case <-time.After(300 * time.Millisecond):
	}
	w.Stop()
	w.Stop()

	// Stop from another goroutine ends a watch that still returns true.
	var n int32
	w2, err := c.DataWatch(node, func([]byte, *zk.Stat, *zk.Event) bool { atomic.AddInt32(&n, 1); return true })
	must(t, err)
	w2.Stop()
	_, err = other.Set(node, []byte("after stop"), zk.AnyVersion)
	must(t, err)
	_, _, err = c.Get(node)
	must(t, err)
	time.Sleep(200 * time.Millisecond) // give a (wrong) late callback a chance to show
	if got := atomic.LoadInt32(&n); got != 1 {
		t.Fatalf("called %d times, want once (the first call only)", got)
	}
}

func TestChildrenWatch(t *testing.T) {
	c := connect(t)
	root := prefix(t)
	must(t, c.EnsurePath(root))
	lists := make(chan []string, 16)
	w, err := c.ChildrenWatch(root, func(children []string, _ *zk.Stat, _ *zk.Event) bool {
		lists <- children
		return true
	})
	must(t, err)
	defer w.Stop()
	first := <-lists
	if len(first) != 0 {
		t.Fatalf("first children %v", first)
	}
	_, err = c.Create(root+"/a", nil)
	must(t, err)
	select {
	case got := <-lists:
		if strings.Join(got, ",") != "a" {
			t.Fatalf("children %v", got)
		}
	case <-time.After(wait):
		t.Fatal("no ChildrenWatch call")
	}
}

// Callbacks run on the library's dispatcher threads and may call the same client, blocking
// calls included, without deadlock.
func TestCallbacksCallTheClient(t *testing.T) {
	c := connect(t)
	root := prefix(t)
	node := root + "/node"
	_, err := c.Create(node, []byte("payload"), zk.MakePath)
	must(t, err)

	// A DataWatch function reading through the same client on the dispatcher thread.
	reads := make(chan string, 8)
	w, err := c.DataWatch(node, func(data []byte, stat *zk.Stat, ev *zk.Event) bool {
		if ev == nil {
			return true
		}
		again, _, err := c.Get(node)
		if err != nil {
			reads <- "error: " + err.Error()
			return false
		}
		reads <- string(again)
		return true
	})
	must(t, err)
	defer w.Stop()
	_, err = c.Set(node, []byte("changed"), zk.AnyVersion)
	must(t, err)
	select {
	case got := <-reads:
		if got != "changed" {
			t.Fatalf("the callback read %q", got)
		}
	case <-time.After(wait):
		t.Fatal("the DataWatch callback's Get never returned (deadlock?)")
	}

	// An async completion making a blocking call, and a second async call, on the client.
	done := make(chan string, 1)
	must(t, c.GetAsync(node, func(data []byte, _ *zk.Stat, err error) {
		if err != nil {
			done <- "error: " + err.Error()
			return
		}
		if _, err := c.Set(node, append(data, '!'), zk.AnyVersion); err != nil {
			done <- "error: " + err.Error()
			return
		}
		if err := c.GetAsync(node, func(data []byte, _ *zk.Stat, err error) {
			if err != nil {
				done <- "error: " + err.Error()
				return
			}
			done <- string(data)
		}); err != nil {
			done <- "error: " + err.Error()
		}
	}))
	select {
	case got := <-done:
		if got != "changed!" {
			t.Fatalf("the completion chain gave %q", got)
		}
	case <-time.After(wait):
		t.Fatal("the completion's calls never returned (deadlock?)")
	}

	// A persistent watch handler that takes a lock of the same client.
	lockPath := root + "/lock"
	lock, err := c.NewLock(lockPath, "in-callback")
	must(t, err)
	locked := make(chan error, 1)
	pw, err := c.AddWatch(root+"/trigger", false, func(ev zk.Event) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		locked <- lock.Lock(ctx)
	})
	must(t, err)
	defer pw.Remove()
	_, err = c.Create(root+"/trigger", nil)
	must(t, err)
	select {
	case err := <-locked:
		must(t, err)
	case <-time.After(2 * wait):
		t.Fatal("Lock inside a watch handler never returned")
	}
	if !lock.Held() {
		t.Fatal("not held")
	}
	must(t, lock.Unlock())
}

func TestAsyncPipeline(t *testing.T) {
	c := connect(t)
	node := prefix(t)
	_, err := c.Create(node, nil)
	must(t, err)
	const n = 500
	var wg sync.WaitGroup
	var failures int32
	var last int32
	wg.Add(n)
	for i := 0; i < n; i++ {
		err := c.SetAsync(node, []byte(fmt.Sprint(i)), zk.AnyVersion, func(stat *zk.Stat, err error) {
			defer wg.Done()
			if err != nil {
				atomic.AddInt32(&failures, 1)
				return
			}
			atomic.StoreInt32(&last, stat.Version) // completions run in order, one at a time
		})
		must(t, err)
	}
	wg.Wait()
	if failures != 0 || last != n {
		t.Fatalf("%d failures, last version %d", failures, last)
	}
	created := make(chan string, 1)
	must(t, c.CreateAsync(node+"/seq-", []byte("x"), func(p string, err error) {
		if err != nil {
			created <- err.Error()
			return
		}
		created <- p
	}, zk.PersistentSequential))
	if p := <-created; !strings.HasPrefix(p, node+"/seq-") {
		t.Fatalf("CreateAsync: %s", p)
	}
	exists := make(chan bool, 1)
	must(t, c.ExistsAsync(node+"/missing", func(ok bool, stat *zk.Stat, err error) { exists <- ok || err != nil }))
	if <-exists {
		t.Fatal("ExistsAsync of a missing node")
	}
	deleted := make(chan error, 1)
	must(t, c.DeleteAsync(node+"/missing", zk.AnyVersion, func(err error) { deleted <- err }))
	if err := <-deleted; !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("DeleteAsync of a missing node: %v", err)
	}
}

// waitContenders waits until the lock's contenders are want (comma-separated).
func waitContenders(t *testing.T, l *zk.Lock, want string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		contenders, err := l.Contenders()
		must(t, err)
		if strings.Join(contenders, ",") == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("contenders %v, want %s", contenders, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLockExcludes(t *testing.T) {
	a := connect(t)
	b := connect(t)
	path := prefix(t) + "/lock"
	la, err := a.NewLock(path, "holder-a")
	must(t, err)
	lb, err := b.NewLock(path, "holder-b")
	must(t, err)

	must(t, la.Lock(context.Background()))
	if !la.Held() {
		t.Fatal("a does not hold the lock it acquired")
	}
	tokenA, err := la.FencingToken()
	must(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	start := time.Now()
	err = lb.Lock(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("b's Lock while a holds it: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 250*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("b's Lock gave up after %v", elapsed)
	}
	if ok, err := lb.TryLock(); err != nil || ok {
		t.Fatalf("b's TryLock while a holds it: %v, %v", ok, err)
	}

	// Cancellation: b waits with no deadline and gives up when its context is cancelled.
	ctx, cancel = context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- lb.Lock(ctx) }()
	waitContenders(t, la, "holder-a,holder-b") // b waits
	select {
	case err := <-result:
		t.Fatalf("b's Lock returned before the cancel: %v", err)
	default:
	}
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("b's cancelled Lock: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("b's Lock ignored the cancellation")
	}
	contenders, err := la.Contenders()
	must(t, err)
	if strings.Join(contenders, ",") != "holder-a" {
		t.Fatalf("contenders %v (b's node must be gone)", contenders)
	}

	// b waits; a's Unlock hands the lock over.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		result <- lb.Lock(ctx)
	}()
	waitContenders(t, la, "holder-a,holder-b")
	must(t, la.Unlock())
	select {
	case err := <-result:
		must(t, err)
	case <-time.After(wait):
		t.Fatal("b never got the lock after a's Unlock")
	}
	if la.Held() || !lb.Held() {
		t.Fatalf("held: a %v, b %v", la.Held(), lb.Held())
	}
	tokenB, err := lb.FencingToken()
	must(t, err)
	if tokenB <= tokenA {
		t.Fatalf("fencing tokens %d then %d", tokenA, tokenB)
	}
	if _, err := la.FencingToken(); !errors.Is(err, zk.ErrInvalid) {
		t.Fatalf("FencingToken of a released lock: %v", err)
	}
	must(t, lb.Unlock())
	if ok, err := la.TryLock(); err != nil || !ok {
		t.Fatalf("a's TryLock on a free lock: %v, %v", ok, err)
	}
	must(t, la.Unlock())

	// A cancelled context before the call: at once, with nothing left behind.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := lb.Lock(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a cancelled context: %v", err)
	}
	la.Close()
	if err := la.Lock(context.Background()); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("Lock after Close: %v", err)
	}
}

// A lock whose Lock is waiting when its client closes: Lock returns ErrClosed.
func TestLockWaitingAtClose(t *testing.T) {
	a := connect(t)
	b, err := zk.Connect(hosts)
	must(t, err)
	path := prefix(t) + "/lock"
	la, err := a.NewLock(path, "a")
	must(t, err)
	must(t, la.Lock(context.Background()))
	lb, err := b.NewLock(path, "b")
	must(t, err)
	result := make(chan error, 1)
	go func() { result <- lb.Lock(context.Background()) }()
	waitContenders(t, la, "a,b")
	b.Close()
	select {
	case err := <-result:
		if !errors.Is(err, zk.ErrClosed) {
			t.Fatalf("waiting Lock at Close: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Close did not end the waiting Lock")
	}
}

func TestElection(t *testing.T) {
	a := connect(t)
	b := connect(t)
	path := prefix(t) + "/election"
	ea, err := a.NewElection(path, "host-a")
	must(t, err)
	eb, err := b.NewElection(path, "host-b")
	must(t, err)

	leading := make(chan string, 2)
	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	resultA := make(chan error, 1)
	go func() {
		resultA <- ea.Run(ctxA, func(ctx context.Context) error {
			leading <- "host-a"
			<-ctx.Done() // lead until cancelled
			return errors.New("a stepped down")
		})
	}()
	select {
	case who := <-leading:
		if who != "host-a" {
			t.Fatalf("%s leads", who)
		}
	case <-time.After(wait):
		t.Fatal("a was never elected")
	}
	if !ea.IsLeader() {
		t.Fatal("a leads but IsLeader is false")
	}

	resultB := make(chan error, 1)
	go func() {
		resultB <- eb.Run(context.Background(), func(ctx context.Context) error {
			leading <- "host-b"
			return nil
		})
	}()
	deadline := time.Now().Add(wait)
	for {
		contenders, err := ea.Contenders()
		must(t, err)
		if strings.Join(contenders, ",") == "host-a,host-b" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("contenders %v", contenders)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case who := <-leading:
		t.Fatalf("%s leads while a does", who)
	default:
	}

	cancelA()
	if err := <-resultA; err == nil || err.Error() != "a stepped down" {
		t.Fatalf("a's Run returned %v, want the leader function's error", err)
	}
	select {
	case who := <-leading:
		if who != "host-b" {
			t.Fatalf("%s leads after a", who)
		}
	case <-time.After(wait):
		t.Fatal("b was not elected after a stepped down")
	}
	must(t, <-resultB)
	if ea.IsLeader() || eb.IsLeader() {
		t.Fatal("still leading after Run returned")
	}

	// Cancelled while waiting to be elected: ctx.Err(), the leader function never runs.
	holder := make(chan struct{})
	release := make(chan struct{})
	go func() {
		_ = ea.Run(context.Background(), func(ctx context.Context) error {
			close(holder)
			<-release
			return nil
		})
	}()
	<-holder
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := eb.Run(ctx, func(context.Context) error { t.Error("b led while a did"); return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("b's Run with a deadline: %v", err)
	}
	close(release)

	// Close of a leader cancels its context.
	ctx2 := make(chan error, 1)
	elected := make(chan struct{})
	go func() {
		ctx2 <- eb.Run(context.Background(), func(ctx context.Context) error {
			close(elected)
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	select {
	case <-elected:
	case <-time.After(wait):
		t.Fatal("b was not elected once a left")
	}
	eb.Close()
	if err := <-ctx2; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader at Close: %v", err)
	}
}

func TestACLAndAuth(t *testing.T) {
	root := prefix(t)
	alice := connect(t, zk.WithDigestAuth("alice", "secret"))
	acl, err := zk.DigestACL(zk.PermAll, "alice", "secret")
	must(t, err)
	must(t, alice.EnsurePath(root))
	_, err = alice.Create(root+"/private", []byte("hidden"), zk.WithACL(acl))
	must(t, err)

	anon := connect(t)
	if _, _, err := anon.Get(root + "/private"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("Get without the credential: %v", err)
	}
	got, _, err := alice.ACL(root + "/private")
	must(t, err)
	if len(got) != 1 || got[0].Scheme != "digest" || !strings.HasPrefix(got[0].ID, "alice:") || got[0].Perms != zk.PermAll {
		t.Fatalf("ACL %+v", got)
	}
	must(t, anon.AddAuth("digest", []byte("alice:secret")))
	data, _, err := anon.Get(root + "/private")
	must(t, err)
	if string(data) != "hidden" {
		t.Fatalf("data %q", data)
	}
	_, err = alice.SetACL(root+"/private", zk.WorldACL(zk.PermRead), zk.AnyVersion)
	must(t, err)
	other := connect(t)
	if _, err := other.Set(root+"/private", nil, zk.AnyVersion); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("Set on a read-only ACL: %v", err)
	}
	// The password never appears in an error.
	bad, err := zk.Connect(hosts, zk.WithAuth("digest", []byte("nocolon-topsecret")), zk.WithConnectTimeout(5*time.Second))
	if err == nil {
		bad.Close()
	} else if strings.Contains(err.Error(), "topsecret") {
		t.Fatalf("the credential leaked into %q", err)
	}
}

func TestChroot(t *testing.T) {
	root := prefix(t)
	c := connect(t)
	must(t, c.EnsurePath(root))
	inside, err := zk.Connect(hosts + root)
	must(t, err)
	defer inside.Close()
	p, err := inside.Create("/inside", []byte("x"))
	must(t, err)
	if p != "/inside" {
		t.Fatalf("created %q under the chroot", p)
	}
	ok, _, err := c.Exists(root + "/inside")
	must(t, err)
	if !ok {
		t.Fatal("the chrooted node is not under the chroot")
	}
}

func TestTransaction(t *testing.T) {
	c := connect(t)
	root := prefix(t)
	must(t, c.EnsurePath(root))
	results, err := c.Transaction().
		Create(root+"/a", []byte("1")).
		Create(root+"/b", []byte("2"), zk.PersistentSequential).
		Check(root, 0).
		Commit()
	must(t, err)
	if len(results) != 3 || results[0].Path != root+"/a" || !strings.HasPrefix(results[1].Path, root+"/b") {
		t.Fatalf("results %+v", results)
	}

	// Refused as a whole: the failing operation carries the reason, nothing was applied.
	results, err = c.Transaction().
		Set(root+"/a", []byte("changed"), zk.AnyVersion).
		Delete(root+"/missing", zk.AnyVersion).
		Commit()
	if !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("commit with a missing node: %v", err)
	}
	if len(results) != 2 || results[0].Type != zk.OpError || results[0].Err != nil ||
		results[1].Type != zk.OpError || !errors.Is(results[1].Err, zk.ErrNoNode) {
		t.Fatalf("results %+v", results)
	}
	data, _, err := c.Get(root + "/a")
	must(t, err)
	if string(data) != "1" {
		t.Fatalf("a refused transaction changed the data: %q", data)
	}

	// A read batch.
	results, err = c.Transaction().Get(root + "/a").Children(root).Commit()
	must(t, err)
	if string(results[0].Data) != "1" || len(results[1].Children) != 2 {
		t.Fatalf("read batch %+v", results)
	}

	// A bad path is refused before anything is sent, naming the operation.
	_, err = c.Transaction().Check(root, 0).Delete("bad", 0).Commit()
	if !errors.Is(err, zk.ErrBadPath) || !strings.Contains(err.Error(), "operation 1") {
		t.Fatalf("bad path in a transaction: %v", err)
	}
}

func TestLogger(t *testing.T) {
	lines := make(chan string, 256)
	must(t, zk.SetLogger(zk.LogInfo, func(level zk.LogLevel, target, message string) {
		select {
		case lines <- target + ": " + message:
		default: // never block the library's thread
		}
	}))
	defer func() { must(t, zk.SetLogger(zk.LogOff, nil)) }()
	c := connect(t, zk.WithDigestAuth("logger", "do-not-log-me"))
	c.Close()
	seen := false
	for len(lines) > 0 {
		line := <-lines
		if strings.Contains(line, "do-not-log-me") {
			t.Fatalf("a password in the log: %s", line)
		}
		if strings.HasPrefix(line, "zkclient::") {
			seen = true
		}
	}
	if !seen {
		t.Fatal("no zkclient:: line at info level through a connect and close")
	}
	if err := zk.SetLogger(zk.LogLevel(9), func(zk.LogLevel, string, string) {}); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("level 9: %v", err)
	}
}

// Contexts that end while an acquire is returning: a cancel the library receives after
// the acquire returned must not make a later Lock or TryLock fail.
func TestLockCancelRace(t *testing.T) {
	c := connect(t)
	lock, err := c.NewLock(prefix(t)+"/lock", "racer")
	must(t, err)
	acquired := 0
	for i := 0; i < 200; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i*37%1500)*time.Microsecond)
		err := lock.Lock(ctx)
		cancel()
		switch {
		case err == nil:
			acquired++
			must(t, lock.Unlock())
		case errors.Is(err, context.DeadlineExceeded):
		default:
			t.Fatalf("iteration %d: %v", i, err)
		}
		ok, err := lock.TryLock()
		if err != nil || !ok {
			t.Fatalf("iteration %d: TryLock on a free lock: %v, %v", i, ok, err)
		}
		must(t, lock.Unlock())
	}
	t.Logf("%d of 200 short-deadline Locks acquired", acquired)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	must(t, lock.Lock(ctx))
}
