# frozen_string_literal: true

require "test_helper"
require "open3"
require "tmpdir"

# Host lists (hosts, update_hosts, follow_ensemble_config:), the ensemble's configuration
# and who_am_i against the shared server; reconfig against an ensemble of its own
# (scripts/zk-server.sh --reconfig, three servers, removed at the end).
class EnsembleTest < Minitest::Test
  include ZkTest

  ZK_SERVER = File.expand_path("../../../scripts/zk-server.sh", __dir__)

  def servers(connect)
    connect.split("/").first.split(",").sort
  end

  def test_hosts_and_update_hosts_keep_the_session_and_the_chroot
    zk = connect_to(HOSTS + @prefix)
    assert_equal servers(HOSTS), servers(zk.hosts)
    refute_includes zk.hosts, "/", "no chroot in it"
    session = zk.session_id
    assert_nil zk.update_hosts(HOSTS)            # the same server: nothing moves
    zk.update_hosts(HOSTS.split(","))            # an Array works too
    zk.update_hosts(HOSTS + @prefix)             # the client's own chroot is accepted
    zk.create("/after-update", "x")
    assert_equal session, zk.session_id
    assert zk.connected?
    assert_equal "x", @zk.get(path("after-update")).first, "the node went under the chroot"
  end

  def test_update_hosts_refuses_bad_connect_strings
    before = @zk.hosts
    ["", ",", "127.0.0.1:99999", "#{HOSTS}/another-chroot"].each do |bad|
      error = assert_raises(ZkClient::InvalidArgumentError, bad.inspect) { @zk.update_hosts(bad) }
      refute_empty error.message
    end
    assert_raises(ArgumentError) { @zk.update_hosts("h:1\0") }
    [nil, 2181, [], [1]].each { |bad| assert_raises(TypeError, bad.inspect) { @zk.update_hosts(bad) } }
    assert_equal before, @zk.hosts
    assert @zk.connected?
  end

  def test_follow_and_resolution_delay_options
    zk = connect(follow_ensemble_config: true, host_resolution_delay: 1.5)
    # A standalone server has no configuration to follow: the given list stays.
    assert_equal servers(HOSTS), servers(zk.hosts)
    assert_raises(TypeError) { ZkClient.new(HOSTS, follow_ensemble_config: "yes") }
    assert_raises(ArgumentError) { ZkClient.new(HOSTS, host_resolution_delay: -1) }
    assert_raises(TypeError) { ZkClient.new(HOSTS, host_resolution_delay: "1") }
    assert_raises(ArgumentError) { ZkClient.new(HOSTS, host_resolution_delay: 2**40) }
  end

  def test_config_of_a_standalone_server
    config = @zk.config
    assert_equal [0, [], "", ""], [config.version, config.members, config.data, config.connect_string]
    assert_nil config.member(1)
    assert_kind_of ZkClient::Stat, config.stat
    events = Queue.new
    assert_empty @zk.config { |event| events << event }.members # the watch variant
    assert_raises(TypeError) { @zk.config(watch: "not callable") }
    assert_raises(ArgumentError) { @zk.config(watch: ->(_) {}) { nil } }
    assert events.empty?
  end

  def test_who_am_i
    assert_equal ["ip"], @zk.who_am_i.map(&:scheme)
    user = "user-#{SecureRandom.hex(4)}"
    zk = connect(auth: [["digest", "#{user}:secret"]])
    identities = zk.who_am_i
    assert_includes identities, ZkClient::Identity.new("digest", user)
    assert(identities.any? { |identity| identity.scheme == "ip" })
    refute(identities.any? { |identity| identity.id.include?("secret") })
    zk.add_auth("digest", "second:pw")
    scheme, id = zk.who_am_i.find { |identity| identity.id == "second" }.to_a
    assert_equal %w[digest second], [scheme, id]
  end

  def test_reconfig_bad_input
    assert_raises(ZkClient::InvalidArgumentError) { @zk.reconfig }           # nothing sent
    assert_raises(ZkClient::InvalidArgumentError) { @zk.reconfig(joining: "bogus") }
    assert_raises(ZkClient::InvalidArgumentError) { @zk.reconfig(joining: ["server.4=127.0.0.1:2888:3888:participant"]) }
    assert_raises(ZkClient::InvalidArgumentError) { @zk.reconfig(members: []) }
    assert_raises(ArgumentError) { @zk.reconfig(leaving: "three") }
    assert_raises(ArgumentError) { @zk.reconfig(leaving: -1) }
    assert_raises(TypeError) { @zk.reconfig(leaving: 2.5) }
    assert_raises(TypeError) { @zk.reconfig(joining: 4) }
    assert_raises(TypeError) { @zk.reconfig(joining: [nil]) }
    assert_raises(ArgumentError) { @zk.reconfig(members: "server.1=h:1:2;h:3", leaving: 2) }
    assert_raises(TypeError) { @zk.reconfig(leaving: 1, from_version: "0") }
    assert_raises(ArgumentError) { @zk.reconfig(leaving: 1, from_version: -2) }
    # A server without reconfigEnabled refuses it.
    assert_raises(ZkClient::ReconfigDisabledError, ZkClient::UnimplementedError) { @zk.reconfig(leaving: 3) }
  end

  def test_closed_client
    zk = ZkClient.new(HOSTS)
    zk.close
    assert_raises(ZkClient::ClosedError) { zk.hosts }
    assert_raises(ZkClient::ClosedError) { zk.update_hosts(HOSTS) }
    assert_raises(ZkClient::ClosedError) { zk.config }
    assert_raises(ZkClient::ClosedError) { zk.who_am_i }
    assert_raises(ZkClient::ClosedError) { zk.reconfig(leaving: 1) }
  end

  # Server 3 leaves and comes back (server 2 when 3 leads: removing the leader would end
  # every connection with an election). The superuser's client is on the leader, which stays.
  def test_reconfig_remove_and_add_back
    dir = Dir.mktmpdir("zk-ruby-reconfig-", ENV.fetch("ZK_TEST_STATE_DIR", Dir.tmpdir))
    clients = []
    begin
      ensemble = zk_server("start", dir, "--servers", "3", "--reconfig")
      leader = Integer(zk_server("leader", dir))
      victim = leader == 3 ? 2 : 3
      spec = zk_server("server-spec", dir, victim, "participant")
      clients << (anonymous = ZkClient.open(ensemble, start_timeout: WAIT))
      clients << (admin = ZkClient.open("127.0.0.1:#{zk_server('port', dir, leader)}", start_timeout: WAIT,
                                        auth: [%w[digest super:supersecret]]))
      clients << (follower = ZkClient.open(ensemble, start_timeout: WAIT, follow_ensemble_config: true))
      session = follower.session_id

      config = anonymous.config
      assert_equal [1, 2, 3], config.ids
      assert_operator config.version, :>, 0
      assert_equal servers(ensemble), servers(config.connect_string)
      member = config.member(victim)
      assert_equal spec, member.spec
      assert member.participant?
      assert_equal ["127.0.0.1", "127.0.0.1", Integer(zk_server("port", dir, victim))],
                   [member.client_host, member.connect_host, member.client_port]
      assert_includes config.data, "server.#{victim}="
      assert_equal config.data.bytesize, config.stat.data_length

      assert_raises(ZkClient::NoAuthError) { anonymous.reconfig(leaving: victim, from_version: config.version) }
      admin.sync("/")
      assert_equal [config.version, config.data], [admin.config.version, admin.config.data], "unchanged"

      events = Queue.new
      admin.config { |event| events << event }
      removed = admin.reconfig(leaving: [victim], from_version: config.version)
      assert_equal [1, 2, 3] - [victim], removed.ids
      assert_operator removed.version, :>, config.version
      event = pop(events)
      assert_equal [:changed, "/zookeeper/config"], [event.type, event.path]
      wait_for("the follower takes the 2-member host list") { servers(follower.hosts) == servers(removed.connect_string) }

      assert_raises(ZkClient::BadVersionError) { admin.reconfig(joining: spec, from_version: config.version) }
      back = admin.reconfig(joining: [spec], from_version: removed.version)
      assert_equal [1, 2, 3], back.ids.sort
      assert_equal spec, back.member(victim).spec
      assert_operator back.version, :>, removed.version
      wait_for("the follower takes the 3-member host list again") { servers(follower.hosts) == servers(ensemble) }
      # It may be moving to the added server (:suspended, then :connected): same session.
      wait_for("the follower is connected") { follower.connected? }
      assert_equal session, follower.session_id
    ensure
      clients.each(&:close)
      Open3.capture2e(ZK_SERVER, "cleanup", dir)
    end
  end

  private

  def connect_to(hosts)
    client = ZkClient.open(hosts, start_timeout: WAIT, timeout: 10)
    @clients << client
    client
  end

  # Runs scripts/zk-server.sh and returns the last line of its output.
  def zk_server(*args)
    out, err, status = Open3.capture3(ZK_SERVER, *args.map(&:to_s))
    assert status.success?, "zk-server.sh #{args.join(' ')}: #{err}"
    out.strip.lines.last.to_s.strip
  end

  def wait_for(what, seconds = 30)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    until yield
      flunk "not within #{seconds} s: #{what}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      sleep 0.05
    end
  end
end
