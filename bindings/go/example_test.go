package zk_test

// Examples, compiled by go vet and go test (they have no Output comment, so they are not
// run: they would need a server at 127.0.0.1:2181). README.md's Go section shows them.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	zk "zkclient/bindings/go/zk"
)

// The quick start (kazoo's "Basic Usage").
func Example() {
	c, err := zk.Connect("127.0.0.1:2181", zk.WithSessionTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// Create
	if err := c.EnsurePath("/my/favorite"); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Create("/my/favorite/node", []byte("a value")); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		log.Fatal(err)
	}
	worker, err := c.Create("/workers/worker-", nil, zk.EphemeralSequential, zk.MakePath)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("registered as", worker) // "/workers/worker-0000000000"

	// Read
	data, stat, err := c.Get("/my/favorite/node")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("version %d: %s\n", stat.Version, data)
	children, _, err := c.Children("/my/favorite")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(children)

	// Update, with the version read: ErrBadVersion if someone changed it meanwhile
	if _, err := c.Set("/my/favorite/node", []byte("some data"), stat.Version); errors.Is(err, zk.ErrBadVersion) {
		fmt.Println("changed by someone else")
	}

	// Delete (Recursive removes the subtree)
	if err := c.Delete("/my/favorite", zk.AnyVersion, zk.Recursive); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_GetW() {
	c, err := zk.Connect("127.0.0.1:2181")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	data, _, changed, err := c.GetW("/config")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("config: %s\n", data)
	ev := <-changed // one event, then the channel is closed
	if ev.Err != nil {
		log.Fatal(ev.Err) // the session ended first (EventSession)
	}
	fmt.Println(ev.Type, ev.Path) // CHANGED /config (or DELETED)
}

func ExampleClient_DataWatch() {
	c, err := zk.Connect("127.0.0.1:2181")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	w, err := c.DataWatch("/config", func(data []byte, stat *zk.Stat, ev *zk.Event) bool {
		if stat == nil {
			fmt.Println("no node")
		} else {
			fmt.Printf("version %d: %s\n", stat.Version, data)
		}
		return true // false stops the watch
	})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Stop()
	time.Sleep(time.Minute)
}

func ExampleLock() {
	c, err := zk.Connect("127.0.0.1:2181")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	lock, err := c.NewLock("/locks/report", "worker-1")
	if err != nil {
		log.Fatal(err)
	}
	defer lock.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lock.Lock(ctx); errors.Is(err, context.DeadlineExceeded) {
		fmt.Println("someone else holds it")
		return
	} else if err != nil {
		log.Fatal(err)
	}
	defer lock.Unlock()
	token, _ := lock.FencingToken() // hand it to the guarded resource
	fmt.Println("holding the lock, token", token)
}

func ExampleElection() {
	c, err := zk.Connect("127.0.0.1:2181")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	election, err := c.NewElection("/elections/scheduler", "host-a")
	if err != nil {
		log.Fatal(err)
	}
	defer election.Close()
	err = election.Run(context.Background(), func(ctx context.Context) error {
		// Leading until ctx is done (the session is lost, or Close) or this returns.
		<-ctx.Done()
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
