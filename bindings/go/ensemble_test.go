package zk_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	zk "zkclient/bindings/go/zk"
)

func sameServers(a, b []string) bool {
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return reflect.DeepEqual(x, y)
}

func hostList(connect string) []string {
	return strings.Split(strings.SplitN(connect, "/", 2)[0], ",")
}

func TestHostsAndUpdateHostsKeepTheSessionAndChroot(t *testing.T) {
	root := prefix(t)
	plain := connect(t)
	must(t, plain.EnsurePath(root))
	c, err := zk.Connect(hosts + root)
	must(t, err)
	defer c.Close()
	if got := c.Hosts(); !sameServers(got, hostList(hosts)) {
		t.Fatalf("Hosts() = %v, want %v (no chroot)", got, hostList(hosts))
	}
	id, _, _, err := c.Session()
	must(t, err)
	must(t, c.UpdateHosts(hosts))      // the same server: nothing moves
	must(t, c.UpdateHosts(hosts+root)) // its own chroot is accepted
	if _, err := c.Create("/after-update", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if data, _, err := plain.Get(root + "/after-update"); err != nil || string(data) != "x" {
		t.Fatalf("the node is not under the chroot: %q, %v", data, err)
	}
	if id2, _, _, _ := c.Session(); id2 != id || c.State() != zk.StateConnected {
		t.Fatalf("session %x -> %x, state %v", id, id2, c.State())
	}
	for _, bad := range []string{"", ",", "127.0.0.1:99999", hosts + "/another-chroot", "h:1\x00"} {
		if err := c.UpdateHosts(bad); !errors.Is(err, zk.ErrInvalid) || !errors.Is(err, zk.ErrBadArguments) {
			t.Errorf("UpdateHosts(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if got := c.Hosts(); !sameServers(got, hostList(hosts)) {
		t.Fatalf("after refused updates Hosts() = %v", got)
	}
	c.Close()
	if got := c.Hosts(); got != nil {
		t.Fatalf("Hosts() of a closed client = %v", got)
	}
	if err := c.UpdateHosts(hosts); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("UpdateHosts on a closed client = %v", err)
	}
	var nilClient *zk.Client
	if err := nilClient.UpdateHosts(hosts); !errors.Is(err, zk.ErrBadArguments) || nilClient.Hosts() != nil {
		t.Fatalf("nil client: %v, %v", err, nilClient.Hosts())
	}
}

func TestFollowEnsembleConfigAndResolutionDelayOptions(t *testing.T) {
	c := connect(t, zk.WithFollowEnsembleConfig(), zk.WithHostResolutionDelay(1500*time.Millisecond))
	// A standalone server has no configuration to follow: the given list stays.
	if got := c.Hosts(); !sameServers(got, hostList(hosts)) {
		t.Fatalf("Hosts() = %v", got)
	}
	if _, err := zk.Connect(hosts, zk.WithHostResolutionDelay(-time.Second)); !errors.Is(err, zk.ErrInvalid) {
		t.Fatalf("a negative delay: %v", err)
	}
}

func TestConfigOfAStandaloneServer(t *testing.T) {
	c := connect(t)
	cfg, err := c.Config()
	must(t, err)
	if cfg.Version != 0 || len(cfg.Members) != 0 || len(cfg.Data) != 0 || cfg.ConnectString != "" || cfg.Stat == nil {
		t.Fatalf("Config() = %+v", cfg)
	}
	if _, ok := cfg.Member(1); ok {
		t.Fatal("a member in an empty configuration")
	}
	cfg, ch, err := c.ConfigW()
	must(t, err)
	if len(cfg.Members) != 0 || ch == nil {
		t.Fatalf("ConfigW() = %+v, %v", cfg, ch)
	}
	select {
	case ev := <-ch:
		t.Fatalf("an event without a reconfig: %+v", ev)
	default:
	}
}

func TestWhoAmI(t *testing.T) {
	user := "user-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	anonymous := connect(t)
	ids, err := anonymous.WhoAmI()
	must(t, err)
	if len(ids) != 1 || ids[0].Scheme != "ip" {
		t.Fatalf("anonymous WhoAmI() = %+v", ids)
	}
	c := connect(t, zk.WithDigestAuth(user, "secret"))
	ids, err = c.WhoAmI()
	must(t, err)
	found := false
	for _, id := range ids {
		found = found || id == zk.Identity{Scheme: "digest", ID: user}
		if strings.Contains(id.ID, "secret") {
			t.Fatalf("the password in an identity: %+v", id)
		}
	}
	if !found {
		t.Fatalf("WhoAmI() = %+v, want digest %s", ids, user)
	}
	c.Close()
	if _, err := c.WhoAmI(); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("WhoAmI on a closed client: %v", err)
	}
}

func TestReconfigBadInput(t *testing.T) {
	c := connect(t)
	for name, err := range map[string]error{
		"nothing":      second(c.IncrementalReconfig(nil, nil, -1)),
		"not a spec":   second(c.IncrementalReconfig([]string{"bogus"}, nil, -1)),
		"no client":    second(c.IncrementalReconfig([]string{"server.4=127.0.0.1:2888:3888:participant"}, nil, -1)),
		"NUL":          second(c.IncrementalReconfig([]string{"server.4=h:1:2;h:3\x00"}, nil, -1)),
		"bad version":  second(c.IncrementalReconfig(nil, []uint64{3}, -2)),
		"empty bulk":   second(c.Reconfig(nil, -1)),
		"bad bulk":     second(c.Reconfig([]string{"bogus"}, -1)),
		"bulk version": second(c.Reconfig([]string{"server.1=127.0.0.1:2888:3888;2181"}, -5)),
	} {
		if !errors.Is(err, zk.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// A server without reconfigEnabled refuses it.
	if _, err := c.IncrementalReconfig(nil, []uint64{3}, -1); !errors.Is(err, zk.ErrReconfigDisabled) && !errors.Is(err, zk.ErrUnimplemented) {
		t.Fatalf("reconfig of the standalone server: %v", err)
	}
	c.Close()
	if _, err := c.Config(); !errors.Is(err, zk.ErrClosed) {
		t.Fatalf("Config on a closed client: %v", err)
	}
}

func second(_ *zk.Config, err error) error { return err }

// zkServer runs scripts/zk-server.sh and returns its last line of output.
func zkServer(t *testing.T, args ...string) string {
	t.Helper()
	script, err := filepath.Abs("../../scripts/zk-server.sh")
	must(t, err)
	out, err := exec.Command(script, args...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("zk-server.sh %v: %v\n%s", args, err, exit.Stderr)
		}
		t.Fatalf("zk-server.sh %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30 s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An ensemble of this test's own (three servers, reconfigEnabled): server 3 leaves and
// comes back (server 2 when 3 leads: removing the leader would end every connection with
// an election). The superuser's client is on the leader, which stays.
func TestReconfigRemoveAndAddBack(t *testing.T) {
	dir, err := os.MkdirTemp(os.Getenv("ZK_TEST_STATE_DIR"), "zk-go-reconfig-")
	must(t, err)
	// Registered first, so run last: after the clients' Close.
	t.Cleanup(func() {
		script, _ := filepath.Abs("../../scripts/zk-server.sh")
		if out, err := exec.Command(script, "cleanup", dir).CombinedOutput(); err != nil {
			t.Errorf("zk-server.sh cleanup %s: %v\n%s", dir, err, out)
		}
	})
	ensemble := zkServer(t, "start", dir, "--servers", "3", "--reconfig")
	leader, err := strconv.Atoi(zkServer(t, "leader", dir))
	must(t, err)
	victim := uint64(3)
	if leader == 3 {
		victim = 2
	}
	spec := zkServer(t, "server-spec", dir, strconv.FormatUint(victim, 10), "participant")
	victimPort, err := strconv.Atoi(zkServer(t, "port", dir, strconv.FormatUint(victim, 10)))
	must(t, err)

	dial := func(connect string, opts ...zk.Option) *zk.Client {
		c, err := zk.Connect(connect, opts...)
		if err != nil {
			t.Fatalf("Connect(%s): %v", connect, err)
		}
		t.Cleanup(c.Close)
		return c
	}
	anonymous := dial(ensemble)
	admin := dial("127.0.0.1:"+zkServer(t, "port", dir, strconv.Itoa(leader)), zk.WithDigestAuth("super", "supersecret"))
	follower := dial(ensemble, zk.WithFollowEnsembleConfig())
	session, _, _, err := follower.Session()
	must(t, err)

	cfg, err := anonymous.Config()
	must(t, err)
	if !reflect.DeepEqual(cfg.IDs(), []uint64{1, 2, 3}) || cfg.Version <= 0 || !sameServers(hostList(cfg.ConnectString), hostList(ensemble)) {
		t.Fatalf("Config() = %+v", cfg)
	}
	m, ok := cfg.Member(victim)
	if !ok || m.Spec != spec || m.Role != zk.RoleParticipant || m.ClientPort != victimPort || m.ClientHost != "127.0.0.1" || m.ConnectHost != "127.0.0.1" || m.QuorumPort == 0 || m.ElectionPort == 0 {
		t.Fatalf("member %d = %+v, spec %q", victim, m, spec)
	}
	if !strings.Contains(string(cfg.Data), "server."+strconv.FormatUint(victim, 10)+"=") || int(cfg.Stat.DataLength) != len(cfg.Data) {
		t.Fatalf("Data %q, Stat %+v", cfg.Data, cfg.Stat)
	}

	if _, err := anonymous.IncrementalReconfig(nil, []uint64{victim}, cfg.Version); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("reconfig without the superuser: %v, want ErrNoAuth", err)
	}
	must(t, admin.Sync("/"))
	_, watch, err := admin.ConfigW()
	must(t, err)
	removed, err := admin.IncrementalReconfig(nil, []uint64{victim}, cfg.Version)
	must(t, err)
	if _, still := removed.Member(victim); still || len(removed.Members) != 2 || removed.Version <= cfg.Version {
		t.Fatalf("after removing %d: %+v", victim, removed)
	}
	if ev := event(t, watch); ev.Type != zk.EventNodeDataChanged || ev.Path != "/zookeeper/config" {
		t.Fatalf("config watch: %+v", ev)
	}
	waitFor(t, "the follower takes the 2-member host list", func() bool {
		return sameServers(follower.Hosts(), hostList(removed.ConnectString))
	})

	if _, err := admin.IncrementalReconfig([]string{spec}, nil, cfg.Version); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("reconfig from a stale version: %v, want ErrBadVersion", err)
	}
	back, err := admin.IncrementalReconfig([]string{spec}, nil, removed.Version)
	must(t, err)
	if m, ok := back.Member(victim); !ok || m.Spec != spec || len(back.Members) != 3 || back.Version <= removed.Version {
		t.Fatalf("after adding %d back: %+v", victim, back)
	}
	waitFor(t, "the follower takes the 3-member host list again", func() bool {
		return sameServers(follower.Hosts(), hostList(ensemble))
	})
	// It may be moving to the added server (suspended, then connected): same session.
	waitFor(t, "the follower is connected", func() bool { return follower.State() == zk.StateConnected })
	if id, _, _, _ := follower.Session(); id != session {
		t.Fatalf("the follower's session changed: %x -> %x", session, id)
	}
}
