# frozen_string_literal: true

require "test_helper"

class CrudTest < Minitest::Test
  include ZkTest

  # kazoo's "Basic Usage", as README.md's quick start.
  def test_quick_start
    favorite = path("my/favorite")
    assert_equal favorite, @zk.ensure_path(favorite)
    assert_equal "#{favorite}/node", @zk.create("#{favorite}/node", "a value")

    stat = @zk.exists(favorite)
    assert_instance_of ZkClient::Stat, stat
    assert_equal 1, stat.num_children
    assert @zk.exists?("#{favorite}/node")

    data, stat = @zk.get("#{favorite}/node")
    assert_equal "a value", data
    assert_equal Encoding::BINARY, data.encoding
    assert_equal 0, stat.version
    assert_equal 7, stat.data_length
    assert_equal ["node"], @zk.children(favorite)

    new_stat = @zk.set("#{favorite}/node", "some data", version: stat.version)
    assert_equal 1, new_stat.version
    assert_equal ["some data", 1], @zk.get("#{favorite}/node").then { |d, s| [d, s.version] }
    error = assert_raises(ZkClient::BadVersionError) { @zk.set("#{favorite}/node", "stale", version: stat.version) }
    assert_equal(-103, error.code)

    assert_raises(ZkClient::NotEmptyError) { @zk.delete(favorite) }
    @zk.delete(favorite, recursive: true)
    refute @zk.exists?(favorite)
    assert_nil @zk.exists(favorite)
  end

  def test_data_is_bytes_with_a_length
    bytes = "\x00zero\x00\xFF\xFEend\x00".b
    @zk.create(path("binary"), bytes)
    data, stat = @zk.get(path("binary"))
    assert_equal bytes, data
    assert_equal bytes.bytesize, stat.data_length

    @zk.create(path("empty"))
    data, = @zk.get(path("empty"))
    assert_equal "", data
    assert_equal Encoding::BINARY, data.encoding

    text = "héllo wörld"
    @zk.set(path("empty"), text)
    data, = @zk.get(path("empty"))
    assert_equal text.b, data
    assert_equal text, data.dup.force_encoding(Encoding::UTF_8)
  end

  def test_ephemeral_sequential_nodes_go_with_their_session
    other = connect
    created = other.create(path("workers/worker-"), "w", ephemeral: true, sequence: true, makepath: true)
    assert_match(%r{\A#{Regexp.escape(path("workers/worker-"))}\d{10}\z}, created)
    stat = @zk.exists(created)
    assert stat.ephemeral?
    assert_equal other.session_id, stat.ephemeral_owner

    second = other.create(path("workers/worker-"), sequence: true)
    assert_operator second, :>, created
    other.close
    refute @zk.exists?(created), "an ephemeral node outlived its session"
    assert @zk.exists?(second), "a persistent sequential node went with the session"
  end

  def test_error_codes_map_to_exception_classes
    error = assert_raises(ZkClient::NoNodeError) { @zk.get(path("missing")) }
    assert_kind_of ZkClient::Error, error
    assert_kind_of StandardError, error
    assert_equal(-101, error.code)
    assert_equal "ZK_ENONODE", error.name
    assert_includes error.message, path("missing"), "the library's message names the path"

    @zk.create(path("twice"))
    error = assert_raises(ZkClient::NodeExistsError) { @zk.create(path("twice")) }
    assert_equal(-110, error.code)
    assert_raises(ZkClient::NoNodeError) { @zk.create(path("no/parent")) }
    assert_raises(ZkClient::NoNodeError) { @zk.delete(path("missing")) }
    assert_raises(ZkClient::NoNodeError) { @zk.children(path("missing")) }

    assert_equal ZkClient::NoNodeError, ZkClient::Error.for_code(-101)
    assert_equal ZkClient::SessionExpiredError, ZkClient::Error.for_code(-112)
    assert_equal ZkClient::ConnectionLossError, ZkClient::Error.for_code(-4)
    assert_equal ZkClient::ClosedError, ZkClient::Error.for_code(-1006)
    assert_operator ZkClient::TLSUnknownCAError, :<, ZkClient::TLSError
    assert_equal ZkClient::Error, ZkClient::Error.for_code(-424_242)
  end

  # One class per code of the C API's zk_error enum (ZK_OK aside), as the header lists them.
  def test_every_code_of_the_header_has_its_class
    header = File.read(File.expand_path("../../../include/zkclient.h", __dir__))
    enum = header[/enum zk_error\b.*?\};/m]
    codes = enum.scan(/^\s*(ZK_E\w+) = (-\d+),/).map { |name, code| [name, Integer(code)] }
    assert_operator codes.size, :>=, 49
    codes.each do |name, code|
      klass = ZkClient::Error.for_code(code)
      refute_equal ZkClient::Error, klass, "no class for #{name} (#{code})"
      assert_equal name, klass.new.name
      assert_equal code, klass.new.code
    end
    assert_equal codes.size, ZkClient::Error.classes.size
  end

  def test_session_and_state
    assert_equal :connected, @zk.state
    assert @zk.connected?
    assert_operator @zk.session_id, :!=, 0
    assert_operator @zk.session_timeout, :>, 0
    assert_match(/\A127\.0\.0\.1:\d+\z/, @zk.server)
    @zk.sync(@prefix)
    assert_match(/connected/, @zk.inspect)
  end

  def test_start_with_a_block_stops_and_open_with_a_block_closes
    client = ZkClient.new(HOSTS)
    @clients << client
    client.start(ZkTest::WAIT) { |zk| zk.create(path("from-block"), "x", ephemeral: true) }
    assert_equal :lost, client.state
    assert_raises(ZkClient::ClosedError) { client.get(path("from-block")) }
    refute @zk.exists?(path("from-block"))
    client.start(ZkTest::WAIT) # a stopped client starts again, with a new session
    assert_equal :connected, client.state

    outside = nil
    assert_raises(RuntimeError) do
      ZkClient.open(HOSTS) do |zk|
        outside = zk
        raise "boom"
      end
    end
    assert outside.closed?, "the block form closes the client on an exception too"
  end
end
