# frozen_string_literal: true

# Shared by the tests: they run against the real ZooKeeper server named by ZK_TEST_HOSTS and
# fail when it is unset or unreachable. Each test works under a path prefix of its own and
# removes it at the end.
require "minitest/autorun"
require "securerandom"
require "timeout"
require "zkclient"

HOSTS = ENV.fetch("ZK_TEST_HOSTS", "")
if HOSTS.empty?
  warn "ZK_TEST_HOSTS is not set: these tests need a ZooKeeper server " \
       "(HOSTS=$(scripts/zk-server.sh start DIR), then ZK_TEST_HOSTS=$HOSTS)"
  exit 1
end
begin
  ZkClient.open(HOSTS, start_timeout: 15, &:state)
rescue ZkClient::Error => e
  warn "the ZooKeeper server of ZK_TEST_HOSTS=#{HOSTS} is unreachable: #{e.class}: #{e.message}"
  exit 1
end

module ZkTest
  # Long enough for a loaded machine; only reached when something is broken.
  WAIT = 15

  def setup
    @prefix = "/ruby-test-#{SecureRandom.hex(6)}"
    @clients = []
    @zk = connect
    @zk.ensure_path(@prefix)
  end

  def teardown
    cleaner = @zk && !@zk.closed? ? @zk : connect
    cleaner.delete(@prefix, recursive: true)
  ensure
    @clients.each(&:close)
  end

  # A started client, closed by teardown.
  def connect(**options)
    client = ZkClient.open(HOSTS, start_timeout: WAIT, timeout: 10, **options)
    @clients << client
    client
  end

  def path(name)
    "#{@prefix}/#{name}"
  end

  # The next item of +queue+, failing the test if none comes within +seconds+.
  def pop(queue, seconds = WAIT)
    Timeout.timeout(seconds) { queue.pop }
  rescue Timeout::Error
    flunk "nothing arrived within #{seconds} s"
  end
end
