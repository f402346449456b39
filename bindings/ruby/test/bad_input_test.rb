# frozen_string_literal: true

require "test_helper"

# Bad input gets Ruby's TypeError / ArgumentError or a ZkClient error, never a crash.
class BadInputTest < Minitest::Test
  include ZkTest

  def test_paths_of_the_wrong_type
    error = assert_raises(TypeError) { @zk.get(nil) }
    assert_equal "path must be a String, not nil", error.message
    assert_raises(TypeError) { @zk.get(42) }
    assert_raises(TypeError) { @zk.create(:symbol) }
    assert_raises(TypeError) { @zk.children([]) }
    assert_raises(TypeError) { @zk.lock(1234) }
    assert_raises(TypeError) { @zk.counter(nil) }
    assert_raises(TypeError) { @zk.data_watch(nil) { nil } }
  end

  def test_paths_that_break_zookeepers_rules
    ["relative", "#{@prefix}/trailing/", "#{@prefix}//double", "", "#{@prefix}/a\0b",
     "#{@prefix}/.", "\xFF\xFE".b].each do |bad|
      error = assert_raises(ZkClient::BadPathError, bad.inspect) { @zk.create(bad) }
      assert_equal(-1002, error.code)
      refute_empty error.message
    end
    assert_raises(ZkClient::BadPathError) { @zk.exists?("no-slash") }
    assert_raises(ZkClient::BadPathError) { @zk.delete("#{@prefix}/x/") }
  end

  def test_data_versions_and_flags_of_the_wrong_type
    @zk.create(path("node"))
    assert_raises(TypeError) { @zk.create(path("other"), 12) }
    assert_raises(TypeError) { @zk.set(path("node"), nil) }
    assert_raises(TypeError) { @zk.set(path("node"), "x", version: "1") }
    assert_raises(ArgumentError) { @zk.set(path("node"), "x", version: 2**40) }
    assert_raises(TypeError) { @zk.create(path("other"), "x", ephemeral: "yes") }
    assert_raises(TypeError) { @zk.delete(path("node"), recursive: nil) }
    assert_raises(ZkClient::TooLargeError) { @zk.set(path("node"), "x" * (2 * 1024 * 1024)) }
    assert_raises(TypeError) { @zk.lock(path("l"), 99) }
    assert_raises(TypeError) { @zk.counter(path("c")).add("1") }
    assert_raises(ArgumentError) { @zk.counter(path("c"), format: :float) }
    assert_raises(TypeError) { @zk.lock(path("l")).acquire(timeout: "soon") }
    assert_raises(ArgumentError) { @zk.lock(path("l")).acquire(timeout: -1) }
    assert_raises(ArgumentError) { @zk.lock(path("l")).acquire(timeout: Float::NAN) }
    assert_raises(ArgumentError) { @zk.start(Float::INFINITY) }
    assert_raises(ZkClient::InvalidArgumentError) { @zk.lock(path("l"), "nul\0byte") }
    assert_equal [""], [@zk.get(path("node")).first], "nothing was written"
  end

  def test_watches_of_the_wrong_kind
    @zk.create(path("node"))
    assert_raises(TypeError) { @zk.get(path("node"), watch: "not callable") }
    assert_raises(ArgumentError) { @zk.get(path("node"), watch: ->(_) {}) { |_| nil } }
    assert_raises(ArgumentError) { @zk.data_watch(path("node")) }
    assert_raises(ArgumentError) { @zk.on_state_change }
    # A watch that could not be set is forgotten: no leak, no later call.
    assert_raises(ZkClient::NoNodeError) { @zk.get(path("missing")) { flunk "called" } }
  end

  def test_a_closed_or_stopped_client
    client = connect
    client.stop
    error = assert_raises(ZkClient::ClosedError) { client.get(@prefix) }
    assert_equal(-1006, error.code)
    refute_empty error.message

    client.close
    assert_raises(ZkClient::ClosedError) { client.get(@prefix) }
    assert_raises(ZkClient::ClosedError) { client.create(path("x")) }
    assert_raises(ZkClient::ClosedError) { client.start }
    assert_raises(ZkClient::ClosedError) { client.lock(path("l")) }
    assert_raises(ZkClient::ClosedError) { client.data_watch(@prefix) { nil } }
    assert_raises(ZkClient::ClosedError) { client.state }
    refute client.connected?
    assert_match(/closed/, client.inspect)
    client.stop  # harmless
    client.close # harmless
  end

  def test_bad_client_arguments
    assert_raises(TypeError) { ZkClient.new(nil) }
    assert_raises(TypeError) { ZkClient.new(2181) }
    assert_raises(ArgumentError) { ZkClient.new("127.0.0.1:2181\0") }
    assert_raises(ArgumentError) { ZkClient.new(HOSTS, timeout: -5) }
    assert_raises(TypeError) { ZkClient.new(HOSTS, timeout: "10") }
    assert_raises(TypeError) { ZkClient.new(HOSTS, read_only: 1) }
    assert_raises(ArgumentError) { ZkClient.new(HOSTS, auth: [["digest"]]) }
    assert_raises(TypeError) { ZkClient.new(HOSTS, on_callback_error: 5) }
    assert_raises(ZkClient::Error) { ZkClient.new("") }
  end

  def test_no_server_answers_within_the_start_timeout
    client = ZkClient.new("127.0.0.1:1")
    @clients << client
    error = assert_raises(ZkClient::TimeoutError) { client.start(0.3) }
    assert_equal(-1005, error.code)
    assert_includes error.message, "127.0.0.1:1"
    assert_raises(ZkClient::ClosedError) { client.get("/") }
  end
end
