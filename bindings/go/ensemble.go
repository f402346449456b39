package zk

// #include "bridge.h"
import "C"

import (
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Ensembles that change: the host list of a live client (UpdateHosts, Hosts,
// WithFollowEnsembleConfig), the ensemble's configuration (Config, ConfigW), dynamic
// reconfiguration (IncrementalReconfig, Reconfig) and the session's identities (WhoAmI).

// WithFollowEnsembleConfig makes the client follow the ensemble's own configuration
// (Curator's EnsembleTracker): whenever a reconfig is committed, the members' client
// addresses become its host list, as UpdateHosts does (the session is kept, and sessions
// spread over servers that joined). It names plain client ports only: with TLS, Connect
// fails with ErrInvalid.
func WithFollowEnsembleConfig() Option {
	return func(c *config) { c.followEnsemble = true }
}

// WithHostResolutionDelay sets how long a host name's resolved addresses are reused
// (default 0: resolved again before each connection attempt, so that a name whose address
// changed reaches the new one). IP addresses are never resolved.
func WithHostResolutionDelay(d time.Duration) Option {
	return func(c *config) {
		c.resolutionDelay = d
		c.resolutionDelaySet = true
	}
}

func applyEnsembleOptions(o *C.zk_options, cfg *config) error {
	if cfg.followEnsemble {
		if err := call(func() C.zk_error { return C.zk_options_set_follow_ensemble_config(o, true) }); err != nil {
			return err
		}
	}
	if cfg.resolutionDelaySet {
		if cfg.resolutionDelay < 0 {
			return invalid("the host resolution delay must not be negative")
		}
		ms := (cfg.resolutionDelay + time.Millisecond - 1) / time.Millisecond
		if ms > 1<<32-1 {
			return invalid("the host resolution delay is too long")
		}
		if err := call(func() C.zk_error { return C.zk_options_set_host_resolution_delay(o, C.uint32_t(ms)) }); err != nil {
			return err
		}
	}
	return nil
}

// UpdateHosts replaces the servers the client connects to (the C client's
// zoo_set_servers): "host1:2181,host2:2181", optionally ending with the client's own chroot
// (a different chroot is ErrInvalid: a client's chroot never changes). The session is
// kept; so is the connection, unless its server left the list or the client is chosen to
// move to an added server (StateSuspended, then StateConnected). Does not block.
func (c *Client) UpdateHosts(hosts string) error {
	p, err := c.enter()
	if err != nil {
		return err
	}
	defer c.gate.leave()
	chosts, err := cText("the connect string", hosts)
	if err != nil {
		return err
	}
	defer freeC(chosts)
	return call(func() C.zk_error { return C.zk_client_update_hosts(p, chosts) })
}

// Hosts is the servers the client connects to now ("host:port" each, without the chroot):
// those given to Connect or the last UpdateHosts, or the ensemble's members when the client
// follows the configuration. Nil for a closed client.
func (c *Client) Hosts() []string {
	p, err := c.enter()
	if err != nil {
		return nil
	}
	defer c.gate.leave()
	var s *C.char
	if call(func() C.zk_error { return C.zk_client_hosts(p, &s) }) != nil {
		return nil
	}
	defer C.zk_string_free(s)
	text := C.GoString(s)
	if text == "" {
		return []string{}
	}
	return strings.Split(text, ",")
}

// MemberRole is a member's role in the ensemble.
type MemberRole int32

const (
	RoleParticipant MemberRole = 0 // a voting member
	RoleObserver    MemberRole = 1 // a non-voting member that serves clients
)

func (r MemberRole) String() string {
	switch r {
	case RoleParticipant:
		return "participant"
	case RoleObserver:
		return "observer"
	}
	return "MemberRole(" + strconv.Itoa(int(r)) + ")"
}

// Member is one server of the ensemble's configuration (a server.N= line). ClientHost is
// "" and ClientPort 0 when it has no client address; ConnectHost is the host to connect to
// (the quorum host when ClientHost is a wildcard such as 0.0.0.0). Spec is the line as the reconfig
// calls take it: keep it to add a removed member back.
type Member struct {
	ID           uint64
	Role         MemberRole
	QuorumHost   string
	QuorumPort   int
	ElectionPort int
	ClientHost   string
	ClientPort   int
	ConnectHost  string
	Spec         string
}

// Config is the ensemble's configuration, the data of /zookeeper/config parsed. Version is
// the zxid of the reconfig that made it (the fromVersion guard of the reconfig calls); a
// standalone server has none: Version 0, no Members. Data is the node's bytes as sent,
// Stat its Stat, ConnectString the members' client addresses ("h1:p1,h2:p2").
type Config struct {
	Version       int64
	Members       []Member
	Data          []byte
	Stat          *Stat
	ConnectString string
}

// Member returns the member whose id is id.
func (cfg *Config) Member(id uint64) (Member, bool) {
	if cfg != nil {
		for _, m := range cfg.Members {
			if m.ID == id {
				return m, true
			}
		}
	}
	return Member{}, false
}

// IDs lists the members' ids in the order of the configuration.
func (cfg *Config) IDs() []uint64 {
	if cfg == nil {
		return nil
	}
	ids := make([]uint64, len(cfg.Members))
	for i, m := range cfg.Members {
		ids[i] = m.ID
	}
	return ids
}

func goText(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// takeConfig copies a configuration the caller owns, and frees it.
func takeConfig(p *C.zk_ensemble_config) *Config {
	defer C.zk_ensemble_config_free(p)
	n := int(C.zk_ensemble_config_member_count(p))
	cfg := &Config{
		Version:       int64(C.zk_ensemble_config_version(p)),
		Members:       make([]Member, 0, n),
		ConnectString: goText(C.zk_ensemble_config_connect_string(p)),
	}
	for i := 0; i < n; i++ {
		m := C.zk_ensemble_config_member(p, C.size_t(i))
		cfg.Members = append(cfg.Members, Member{
			ID:           uint64(C.zk_ensemble_member_id(m)),
			Role:         MemberRole(C.zk_ensemble_member_role(m)),
			QuorumHost:   goText(C.zk_ensemble_member_quorum_host(m)),
			QuorumPort:   int(C.zk_ensemble_member_quorum_port(m)),
			ElectionPort: int(C.zk_ensemble_member_election_port(m)),
			ClientHost:   goText(C.zk_ensemble_member_client_host(m)),
			ClientPort:   int(C.zk_ensemble_member_client_port(m)),
			ConnectHost:  goText(C.zk_ensemble_member_connect_host(m)),
			Spec:         goText(C.zk_ensemble_member_spec(m)),
		})
	}
	var n2 C.size_t
	data := C.zk_ensemble_config_data(p, &n2)
	cfg.Data = bytesFromC(data, n2)
	var st C.zk_stat
	if C.zk_ensemble_config_stat(p, &st) == 0 {
		cfg.Stat = statFromC(&st)
	}
	return cfg
}

// Config reads the ensemble's configuration (/zookeeper/config, whatever the chroot; ZooKeeper
// 3.5+) as the server connected to has seen it (Sync("/") first for the leader's latest).
func (c *Client) Config() (*Config, error) {
	p, err := c.enter()
	if err != nil {
		return nil, err
	}
	defer c.gate.leave()
	var out *C.zk_ensemble_config
	if err := call(func() C.zk_error { return C.zk_get_config(p, &out) }); err != nil {
		return nil, err
	}
	return takeConfig(out), nil
}

// ConfigW is Config, and sets a one-shot watch on the configuration: the channel receives
// one Event (EventNodeDataChanged for "/zookeeper/config" when a reconfig is committed, or
// EventSession if the session ends first) and is then closed.
func (c *Client) ConfigW() (*Config, <-chan Event, error) {
	p, err := c.enter()
	if err != nil {
		return nil, nil, err
	}
	defer c.gate.leave()
	sink, h := newWatch()
	var out *C.zk_ensemble_config
	if err := call(func() C.zk_error {
		return C.zk_get_config_watch(p, cWatcher, C.zkgo_handle(h), cRelease, &out, nil)
	}); err != nil {
		return nil, nil, err // the destructor released the handle
	}
	return takeConfig(out), sink.ch, nil
}

// cSpecs copies specs into a C array of C strings; the function returned frees it.
func cSpecs(what string, specs []string) (**C.char, func(), error) {
	if len(specs) == 0 {
		return nil, func() {}, nil
	}
	array := (**C.char)(C.malloc(C.size_t(len(specs)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	items := unsafe.Slice(array, len(specs))
	made := 0
	free := func() {
		for _, s := range items[:made] {
			freeC(s)
		}
		C.free(unsafe.Pointer(array))
	}
	for i, spec := range specs {
		s, err := cText(what+" "+strconv.Quote(spec), spec)
		if err != nil {
			free()
			return nil, nil, err
		}
		items[i] = s
		made++
	}
	return array, free, nil
}

func checkFromVersion(v int64) error {
	if v < -1 {
		return invalid("the configuration version must be -1 (any) or a version from Config")
	}
	return nil
}

// IncrementalReconfig changes the ensemble's membership (ZooKeeper 3.5+ with
// reconfigEnabled, as the superuser or with WRITE on /zookeeper/config; go-zookeeper's
// name): it adds or changes the joining servers, each a spec
// ("server.4=10.0.0.4:2888:3888:participant;10.0.0.4:2181", the client port required;
// Member.Spec gives one), and removes the leaving ids, if the configuration's version is
// fromVersion (-1: any; Config.Version). It returns the new configuration. Refusals:
// ErrBadVersion (the configuration changed), ErrNewConfigNoQuorum, ErrReconfigInProgress,
// ErrNoAuth, ErrReconfigDisabled, ErrBadArguments (a spec the server refused; ErrInvalid
// when nothing was sent: nothing to change, a malformed spec), ErrUnimplemented (a
// standalone server). After ErrConnectionLoss the change may or may not have happened.
func (c *Client) IncrementalReconfig(joining []string, leaving []uint64, fromVersion int64) (*Config, error) {
	if err := checkFromVersion(fromVersion); err != nil {
		return nil, err
	}
	p, err := c.enter()
	if err != nil {
		return nil, err
	}
	defer c.gate.leave()
	cjoining, free, err := cSpecs("the joining server", joining)
	if err != nil {
		return nil, err
	}
	defer free()
	var cleaving *C.uint64_t
	if len(leaving) > 0 {
		cleaving = (*C.uint64_t)(C.malloc(C.size_t(len(leaving)) * 8))
		defer C.free(unsafe.Pointer(cleaving))
		ids := unsafe.Slice(cleaving, len(leaving))
		for i, id := range leaving {
			ids[i] = C.uint64_t(id)
		}
	}
	var out *C.zk_ensemble_config
	if err := call(func() C.zk_error {
		return C.zk_reconfig_incremental(p, cjoining, C.size_t(len(joining)), cleaving,
			C.size_t(len(leaving)), C.int64_t(fromVersion), &out)
	}); err != nil {
		return nil, err
	}
	return takeConfig(out), nil
}

// Reconfig replaces the ensemble's whole membership with members (specs as for
// IncrementalReconfig) if the configuration's version is fromVersion (-1: any), and returns
// the new configuration; errors as IncrementalReconfig (an empty list is ErrInvalid).
func (c *Client) Reconfig(members []string, fromVersion int64) (*Config, error) {
	if err := checkFromVersion(fromVersion); err != nil {
		return nil, err
	}
	p, err := c.enter()
	if err != nil {
		return nil, err
	}
	defer c.gate.leave()
	cmembers, free, err := cSpecs("the member", members)
	if err != nil {
		return nil, err
	}
	defer free()
	var out *C.zk_ensemble_config
	if err := call(func() C.zk_error {
		return C.zk_reconfig_bulk(p, cmembers, C.size_t(len(members)), C.int64_t(fromVersion), &out)
	}); err != nil {
		return nil, err
	}
	return takeConfig(out), nil
}

// Identity is one identity the server knows a session by: a scheme ("ip", "digest",
// "x509", "sasl", "super") and the id within it ("127.0.0.1", the digest user name, ...).
type Identity struct {
	Scheme string
	ID     string
}

// WhoAmI returns the identities the server knows this session by (ZooKeeper 3.7+): the
// "ip" identity of every session, and one per credential added.
func (c *Client) WhoAmI() ([]Identity, error) {
	p, err := c.enter()
	if err != nil {
		return nil, err
	}
	defer c.gate.leave()
	var list C.zk_identity_list
	if err := call(func() C.zk_error { return C.zk_who_am_i(p, &list) }); err != nil {
		return nil, err
	}
	defer C.zk_identity_list_free(&list)
	out := make([]Identity, 0, int(list.count))
	if list.count > 0 {
		for _, id := range unsafe.Slice(list.items, int(list.count)) {
			out = append(out, Identity{Scheme: goText(id.scheme), ID: goText(id.id)})
		}
	}
	return out, nil
}
