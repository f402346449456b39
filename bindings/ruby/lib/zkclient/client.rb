# frozen_string_literal: true

require "set"

# A ZooKeeper client: one session, reconnected across the servers of its connect string.
#
#   ZkClient.open("127.0.0.1:2181") do |zk|
#     zk.ensure_path("/my/favorite")
#     zk.create("/my/favorite/node", "a value")
#     data, stat = zk.get("/my/favorite/node")
#   end
#
# Thread-safe: any Ruby thread may call any method at once. Blocks given to the client
# (watches, data watches, state listeners) run on the client's own callback thread, one at a
# time, in the order of the events; they may call the client. See README.md, "Ruby".
class ZkClient
  DEFAULT_SESSION_TIMEOUT = 10.0
  DEFAULT_START_TIMEOUT = 15.0

  # Clients not closed yet, closed at exit (their ephemeral nodes go at once).
  @open_clients = Set.new
  @open_mutex = Mutex.new
  @at_exit = false

  class << self
    # Creates and starts a client. With a block, yields it and closes it when the block ends
    # (exceptions included); without one, returns the started client.
    def open(hosts, start_timeout: DEFAULT_START_TIMEOUT, **options)
      client = new(hosts, **options)
      begin
        client.start(start_timeout)
      rescue Exception # rubocop:disable Lint/RescueException
        client.close
        raise
      end
      return client unless block_given?

      begin
        yield client
      ensure
        client.close
      end
    end

    # The library's version, "MAJOR.MINOR.PATCH".
    def library_version
      Native.zk_version
    end

    # @api private
    def track(client)
      @open_mutex.synchronize do
        @open_clients << client
        unless @at_exit
          @at_exit = true
          at_exit { ZkClient.close_all }
        end
      end
    end

    # @api private
    def untrack(client)
      @open_mutex.synchronize { @open_clients.delete(client) }
    end

    # @api private
    def close_all
      clients = @open_mutex.synchronize { @open_clients.to_a }
      clients.each do |client|
        client.close
      rescue StandardError
        nil
      end
    end
  end

  # A client for +hosts+ ("host1:2181,host2:2181/optional/chroot"). Nothing connects until
  # #start.
  #
  # timeout:: the session timeout to ask for, in seconds (default 10)
  # read_only:: accept a read-only server (one cut off from its quorum)
  # randomize_hosts:: shuffle the servers before trying them (default true)
  # auth:: credentials sent on every connection before CONNECTED, as [scheme, credential]
  #        pairs: [["digest", "user:password"]]
  # on_callback_error:: called with whatever a callback block raises (default: a warning)
  # follow_ensemble_config:: follow the ensemble's own configuration: after every reconfig
  #                          the members' client addresses become the host list (the session
  #                          is kept; not with TLS)
  # host_resolution_delay:: seconds a host name's resolved addresses are reused (default 0:
  #                         resolved again before each connection attempt)
  def initialize(hosts, timeout: DEFAULT_SESSION_TIMEOUT, read_only: false, randomize_hosts: true,
                 auth: [], on_callback_error: nil, follow_ensemble_config: false,
                 host_resolution_delay: nil)
    @hosts = hosts_arg(hosts)
    Args.boolean(follow_ensemble_config, "follow_ensemble_config")
    resolution_ms = host_resolution_delay.nil? ? nil : Args.millis(host_resolution_delay, "host_resolution_delay")
    session_ms = Args.millis(timeout, "timeout", min: 1)
    Args.boolean(read_only, "read_only")
    Args.boolean(randomize_hosts, "randomize_hosts")
    credentials = auth_pairs(auth)
    if on_callback_error && !on_callback_error.respond_to?(:call)
      raise TypeError, "on_callback_error must respond to #call"
    end

    @on_callback_error = on_callback_error || method(:default_callback_error)
    @children = Set.new
    @children_mutex = Mutex.new
    @close_mutex = Mutex.new
    @closing = false

    pointer = new_native(session_ms, read_only, randomize_hosts, credentials) do |options|
      Native.check(Native.zk_options_set_follow_ensemble_config(options, follow_ensemble_config))
      Native.check(Native.zk_options_set_host_resolution_delay(options, resolution_ms)) if resolution_ms
    end
    @guard = Guard.new(pointer, "the client") { |p| release_native(p) }
    begin
      setup_dispatch(pointer)
    rescue Exception # rubocop:disable Lint/RescueException
      @guard.close
      raise
    end
    ZkClient.track(self)
  end

  # Connects and waits up to +timeout+ seconds for a session (TimeoutError when none came;
  # the client can be started again). With a block, yields the client and stops it when the
  # block ends (it can be started again; #close releases it).
  def start(timeout = DEFAULT_START_TIMEOUT)
    ms = Args.millis(timeout, "timeout")
    native { |c| Native.check(Native.zk_client_start(c, ms)) }
    return self unless block_given?

    begin
      yield self
    ensure
      stop
    end
  end

  # Closes the session: the server deletes its ephemeral nodes at once; the state listeners
  # have seen :lost when it returns (unless called from a callback). Calls made afterwards
  # raise ClosedError until the next #start.
  def stop
    return self if closed?

    native { |c| Native.check(Native.zk_client_stop(c)) }
    @dispatcher.flush
    self
  rescue ClosedError
    self
  end

  # Stops the client and releases it (its callback thread, locks, counters and watches).
  # Safe to call twice, and from a callback; later calls raise ClosedError.
  def close
    @close_mutex.synchronize do
      return nil if @closing

      @closing = true
    end
    begin
      native { |c| Native.zk_client_stop(c) }
    rescue ClosedError
      nil
    end
    @dispatcher.flush
    @dispatcher.shutdown
    @guard.close
    ZkClient.untrack(self)
    nil
  end

  def closed?
    @closing || @guard.closed?
  end

  # kazoo's connection state: :connected, :suspended or :lost.
  def state
    out = FFI::MemoryPointer.new(:int32)
    native { |c| Native.check(Native.zk_client_state(c, out, nil)) }
    STATES.fetch(out.read_int32, out.read_int32)
  end

  # ZooKeeper's raw keeper state (:sync_connected, :connected_read_only, :expired, ...).
  def keeper_state
    out = FFI::MemoryPointer.new(:int32)
    native { |c| Native.check(Native.zk_client_state(c, nil, out)) }
    KEEPER_STATES.fetch(out.read_int32, out.read_int32)
  end

  def connected?
    !closed? && state == :connected
  end

  # The session id (0 before the first session).
  def session_id
    out = FFI::MemoryPointer.new(:int64)
    native { |c| Native.check(Native.zk_client_session(c, out, nil, nil)) }
    out.read_int64
  end

  # The negotiated session timeout, in seconds.
  def session_timeout
    out = FFI::MemoryPointer.new(:uint32)
    native { |c| Native.check(Native.zk_client_session(c, nil, nil, out)) }
    out.read_uint32 / 1000.0
  end

  # The server in use, "host:port" (ConnectionLossError while not connected).
  def server
    out = FFI::MemoryPointer.new(:pointer)
    native { |c| Native.check(Native.zk_client_server(c, out)) }
    Native.take_string(out)
  end

  # The servers the client connects to now, a connect string without the chroot
  # ("h1:2181,h2:2181"): those given, or to the last #update_hosts, or the ensemble's
  # members when it follows the configuration (follow_ensemble_config: true).
  def hosts
    out = FFI::MemoryPointer.new(:pointer)
    native { |c| Native.check(Native.zk_client_hosts(c, out)) }
    Native.take_string(out).to_s
  end

  # Replaces the servers the client connects to (a connect string, or an Array of
  # "host:port"), which may end with the client's own chroot (another one raises
  # InvalidArgumentError: the chroot never changes). The session is kept; so is the
  # connection, unless its server left the list or the client is picked to move to an added
  # server (:suspended, then :connected). Does not wait.
  def update_hosts(hosts)
    hosts = hosts_arg(hosts)
    native { |c| Native.check(Native.zk_client_update_hosts(c, hosts)) }
    nil
  end

  # The ensemble's configuration (/zookeeper/config, whatever the chroot), an
  # EnsembleConfig; a standalone server has none (version 0, no members). It is what the
  # server connected to has seen (#sync("/") first for the leader's latest). A watch
  # (watch: callable, or a block) is called once with a WatchEvent (:changed,
  # "/zookeeper/config") when a reconfig is committed, or a :session event.
  def config(watch: nil, &block)
    watcher = Args.watcher(watch, block)
    out = FFI::MemoryPointer.new(:pointer)
    native do |c|
      with_watch(watcher) do |fn, user_data|
        fn ? Native.zk_get_config_watch(c, fn, user_data, nil, out, nil) : Native.zk_get_config(c, out)
      end
    end
    EnsembleConfig.take(out.read_pointer)
  end

  # Changes the ensemble's membership (ZooKeeper 3.5+ with reconfigEnabled, as the superuser
  # or with WRITE on /zookeeper/config) and returns the new EnsembleConfig. Incremental:
  # joining: server specs to add ("server.4=10.0.0.4:2888:3888:participant;10.0.0.4:2181",
  # an Array or comma-separated; Member#spec gives one), leaving: ids to remove (an Integer
  # or an Array). Bulk: members: the specs of the whole new membership. Only if the
  # configuration's version is from_version: (-1: any; EnsembleConfig#version). Raises
  # BadVersionError, NewConfigNoQuorumError, ReconfigInProgressError, NoAuthError,
  # ReconfigDisabledError, BadArgumentsError, UnimplementedError (standalone server), and
  # InvalidArgumentError (nothing to change, a malformed spec: nothing was sent).
  def reconfig(joining: nil, leaving: nil, members: nil, from_version: -1)
    from_version = Args.integer(from_version, "from_version", -1..Args::INT64.max)
    out = FFI::MemoryPointer.new(:pointer)
    if members.nil?
      specs = specs_arg(joining, "joining")
      ids = ids_arg(leaving)
      array = string_array(specs)
      id_array = FFI::MemoryPointer.new(:uint64, [ids.size, 1].max).write_array_of_uint64(ids)
      native do |c|
        Native.check(Native.zk_reconfig_incremental(c, array, specs.size, id_array, ids.size, from_version, out))
      end
    else
      raise ArgumentError, "members: replaces the whole membership: give it without joining: or leaving:" if joining || leaving

      specs = specs_arg(members, "members")
      array = string_array(specs)
      native { |c| Native.check(Native.zk_reconfig_bulk(c, array, specs.size, from_version, out)) }
    end
    EnsembleConfig.take(out.read_pointer)
  end

  # The identities the server knows this session by (ZooKeeper 3.7+ whoAmI), Identity
  # structs: ["ip", "127.0.0.1"] for every session, and one per credential added
  # (["digest", "user"], ...).
  def who_am_i
    list = Native::IdentityList.new
    native { |c| Native.check(Native.zk_who_am_i(c, list)) }
    begin
      Array.new(list[:count]) do |i|
        entry = Native::Identity.new(list[:items] + i * Native::Identity.size)
        Identity.new(Native.read_text(entry[:scheme]).to_s, Native.read_text(entry[:id]).to_s).freeze
      end
    ensure
      Native.zk_identity_list_free(list)
    end
  end

  # Calls the block with (state, keeper_state) on every connection change from now on, on
  # the callback thread: state is :connected, :suspended or :lost, keeper_state ZooKeeper's
  # raw state (KEEPER_STATES). Returns a Listener (#remove).
  def on_state_change(&block)
    raise ArgumentError, "on_state_change needs a block" unless block

    id = register_callback do |state, keeper_state|
      Args.call_with(block, state, keeper_state) if Callbacks.registered?(id)
    end
    out = FFI::MemoryPointer.new(:uint64)
    begin
      native do |c|
        Native.check(Native.zk_client_add_listener(c, Callbacks::STATE_LISTENER, Callbacks.user_data(id), nil, out))
      end
    rescue Exception # rubocop:disable Lint/RescueException
      Callbacks.unregister(id)
      raise
    end
    Listener.new(self, id, out.read_uint64)
  end
  alias add_listener on_state_change

  # Removes a listener: its block is not called again.
  def remove_listener(listener)
    raise TypeError, "not a ZkClient::Listener: #{Args.describe(listener)}" unless listener.is_a?(Listener)
    return nil unless Callbacks.registered?(listener.callback_id)

    Callbacks.unregister(listener.callback_id)
    native { |c| Native.zk_client_remove_listener(c, listener.native_id) }
    nil
  rescue ClosedError
    nil
  end

  # A state listener's registration.
  Listener = Struct.new(:client, :callback_id, :native_id) do
    def remove
      client.remove_listener(self)
    end
  end

  # Adds a credential now and on every later connection (kazoo's add_auth).
  def add_auth(scheme, credential)
    scheme = Args.text(scheme, "scheme")
    bytes, len = Native.bytes_pointer(Args.bytes(credential, "credential"))
    native { |c| Native.check(Native.zk_add_auth(c, scheme, bytes, len)) }
    nil
  end

  # --- nodes ------------------------------------------------------------------------------

  # Creates +path+ holding +data+ (a String, taken as bytes) and returns the path created
  # (with its sequence number for sequence: true). makepath: creates missing parents.
  def create(path, data = "", ephemeral: false, sequence: false, makepath: false)
    path = Args.path(path)
    bytes, len = Native.bytes_pointer(Args.bytes(data))
    options = create_options(ephemeral, sequence, makepath)
    out = FFI::MemoryPointer.new(:pointer)
    native { |c| Native.check(Native.zk_create(c, path, bytes, len, options, out, nil)) }
    Native.take_string(out)
  end

  # Creates +path+ and any missing parents (empty, persistent); fine if it exists.
  def ensure_path(path)
    path = Args.path(path)
    native { |c| Native.check(Native.zk_ensure_path(c, path)) }
    path
  end

  # [data, stat]: the node's bytes (a binary String) and its Stat. NoNodeError when missing.
  # A watch (watch: callable, or a block) is called once with a WatchEvent when the data
  # changes or the node is deleted (or with a :session event if the session ends first).
  def get(path, watch: nil, &block)
    path = Args.path(path)
    watcher = Args.watcher(watch, block)
    buffer = Native::Buffer.new
    stat = Native::Stat.new
    native do |c|
      with_watch(watcher) do |fn, user_data|
        if fn
          Native.zk_get_watch(c, path, fn, user_data, nil, buffer, stat, nil)
        else
          Native.zk_get(c, path, buffer, stat)
        end
      end
    end
    [Native.take_bytes(buffer), Stat.from_native(stat)]
  end

  # The node's Stat, or nil when it does not exist. A watch is called once when the node is
  # created (if missing), or changed or deleted (if it exists).
  def exists(path, watch: nil, &block)
    path = Args.path(path)
    watcher = Args.watcher(watch, block)
    found = FFI::MemoryPointer.new(:bool)
    stat = Native::Stat.new
    native do |c|
      with_watch(watcher) do |fn, user_data|
        if fn
          Native.zk_exists_watch(c, path, fn, user_data, nil, found, stat, nil)
        else
          Native.zk_exists(c, path, found, stat)
        end
      end
    end
    found.read(:bool) ? Stat.from_native(stat) : nil
  end

  # Whether the node exists (watch: as #exists).
  def exists?(path, watch: nil, &block)
    !exists(path, watch: watch, &block).nil?
  end

  # The names of the node's children. A watch is called once when they change or the node is
  # deleted.
  def children(path, watch: nil, &block)
    path = Args.path(path)
    watcher = Args.watcher(watch, block)
    list = Native::StringList.new
    native do |c|
      with_watch(watcher) do |fn, user_data|
        if fn
          Native.zk_get_children_watch(c, path, fn, user_data, nil, list, nil, nil)
        else
          Native.zk_get_children(c, path, list, nil)
        end
      end
    end
    Native.take_strings(list)
  end

  # Replaces the node's data if its version is +version+ (-1: any); returns the new Stat.
  # BadVersionError when someone changed it meanwhile.
  def set(path, data, version: -1)
    path = Args.path(path)
    bytes, len = Native.bytes_pointer(Args.bytes(data))
    version = Args.version(version)
    stat = Native::Stat.new
    native { |c| Native.check(Native.zk_set(c, path, bytes, len, version, stat)) }
    Stat.from_native(stat)
  end

  # Deletes the node if its version is +version+ (-1: any); recursive: its subtree too.
  def delete(path, version: -1, recursive: false)
    path = Args.path(path)
    version = Args.version(version)
    Args.boolean(recursive, "recursive")
    native { |c| Native.check(Native.zk_delete(c, path, version, recursive)) }
    nil
  end

  # Waits until the server has caught up with the leader on +path+.
  def sync(path)
    path = Args.path(path)
    native { |c| Native.check(Native.zk_sync(c, path)) }
    nil
  end

  # --- watches and recipes ----------------------------------------------------------------

  # kazoo's DataWatch: calls the block with (data, stat, event) at once and after every
  # change, re-arming itself; data and stat are nil while the node does not exist (the watch
  # follows it through deletion and re-creation). The block returning false (exactly false)
  # stops it, as does DataWatch#cancel.
  def data_watch(path, &block)
    raise ArgumentError, "data_watch needs a block" unless block

    DataWatch.new(self, Args.path(path), block)
  end

  # kazoo's ChildrenWatch: calls the block with (children, stat, event) at once and after
  # every change of the children (nil while the node does not exist).
  def children_watch(path, &block)
    raise ArgumentError, "children_watch needs a block" unless block

    ChildrenWatch.new(self, Args.path(path), block)
  end

  # A persistent watch (ZooKeeper 3.6+): the block gets every WatchEvent on the node
  # (recursive: and on its whole subtree) until PersistentWatch#remove.
  def add_watch(path, recursive: false, &block)
    raise ArgumentError, "add_watch needs a block" unless block

    PersistentWatch.new(self, Args.path(path), Args.boolean(recursive, "recursive"), block)
  end

  # kazoo's Lock on +path+ (interoperable with kazoo's). With a block: held for the block,
  # then released and closed.
  def lock(path, identifier = nil, timeout: nil, &block)
    make_lock(:zk_lock_new, path, identifier, timeout, block)
  end

  # The read side of a shared lock (kazoo's ReadLock).
  def read_lock(path, identifier = nil, timeout: nil, &block)
    make_lock(:zk_read_lock_new, path, identifier, timeout, block)
  end

  # The write side of a shared lock (kazoo's WriteLock).
  def write_lock(path, identifier = nil, timeout: nil, &block)
    make_lock(:zk_write_lock_new, path, identifier, timeout, block)
  end

  # kazoo's Election at +path+: Election#run { ... } runs the block while leader.
  def election(path, identifier = nil)
    Election.new(self, Args.path(path), Args.identifier(identifier))
  end

  # kazoo's Counter at +path+: format :decimal (kazoo's ASCII), :int32 (Curator's
  # SharedCount) or :int64 (Curator's DistributedAtomicLong).
  def counter(path, default: 0, format: :decimal)
    Counter.new(self, Args.path(path), Args.integer(default, "default", Args::INT64), format)
  end

  def inspect
    status = closed? ? "closed" : (state rescue "?") # rubocop:disable Style/RescueModifier
    "#<ZkClient #{@hosts} #{status}>"
  end

  # --- internal ---------------------------------------------------------------------------

  # @api private Yields the native client; ClosedError once closed.
  def native(&block)
    @guard.use(&block)
  end

  # @api private The callback thread.
  attr_reader :dispatcher

  # @api private A recipe or watch handle freed with the client at the latest.
  def adopt(guard)
    @children_mutex.synchronize { @children << guard }
    guard
  end

  # @api private Frees a child handle now (or with the client, when it is closing).
  def release_child(guard)
    native { guard.close }
    @children_mutex.synchronize { @children.delete(guard) }
    nil
  rescue ClosedError
    nil # the client frees it
  end

  # @api private Registers a block for the callback thread; its id is the C user_data.
  def register_callback(once: false, &handler)
    Callbacks.register(@dispatcher, once: once, &handler)
  end

  private

  def hosts_arg(hosts)
    if hosts.is_a?(Array)
      raise TypeError, "hosts must be a String or a non-empty Array of \"host:port\" Strings" if hosts.empty? || !hosts.all?(String)

      hosts = hosts.join(",")
    end
    Args.text(hosts, "hosts")
  end

  def specs_arg(specs, name)
    case specs
    when nil then []
    when String then specs.split(",").map(&:strip).reject(&:empty?).map { |spec| Args.text(spec, name) }
    when Array then specs.map { |spec| Args.text(spec, name).strip }
    else raise TypeError, "#{name} must be a String or an Array of server specs, not #{Args.describe(specs)}"
    end
  end

  def ids_arg(ids)
    ids = ids.split(",").map { |id| Integer(id.strip, 10) } if ids.is_a?(String)
    case ids
    when nil then []
    when Integer then [Args.integer(ids, "leaving", 0..2**64 - 1)]
    when Array then ids.map { |id| Args.integer(id, "leaving", 0..2**64 - 1) }
    else raise TypeError, "leaving must be a server id or an Array of ids, not #{Args.describe(ids)}"
    end
  rescue ArgumentError => e
    raise ArgumentError, "leaving must list server ids: #{e.message}"
  end

  # A native char*[] of +strings+ (kept alive by the returned pointer's @strings); NULL when empty.
  def string_array(strings)
    return nil if strings.empty?

    pointers = strings.map { |s| FFI::MemoryPointer.from_string(s) }
    array = FFI::MemoryPointer.new(:pointer, strings.size).write_array_of_pointer(pointers)
    array.instance_variable_set(:@strings, pointers)
    array
  end

  def auth_pairs(auth)
    raise TypeError, "auth must be an Array of [scheme, credential] pairs" unless auth.is_a?(Array) || auth.is_a?(Hash)

    auth.map do |pair|
      unless pair.is_a?(Array) && pair.size == 2
        raise ArgumentError, "each auth entry must be a [scheme, credential] pair"
      end

      [Args.text(pair[0], "auth scheme"), Args.bytes(pair[1], "auth credential")]
    end
  end

  def new_native(session_ms, read_only, randomize_hosts, credentials)
    options = Native.zk_options_new
    raise Error, "zk_options_new failed: #{Native.zk_last_error_message}" if options.null?

    begin
      Native.check(Native.zk_options_set_session_timeout(options, session_ms))
      Native.check(Native.zk_options_set_read_only(options, read_only))
      Native.check(Native.zk_options_set_randomize_hosts(options, randomize_hosts))
      credentials.each do |scheme, credential|
        bytes, len = Native.bytes_pointer(credential)
        Native.check(Native.zk_options_add_auth(options, scheme, bytes, len))
      end
      yield options
      out = FFI::MemoryPointer.new(:pointer)
      Native.check(Native.zk_client_new(@hosts, options, out))
      out.read_pointer
    ensure
      Native.zk_options_free(options)
    end
  end

  # Manual dispatch: the library queues callbacks and signals a descriptor, which the
  # callback thread waits on (see Callbacks).
  def setup_dispatch(pointer)
    fd_out = FFI::MemoryPointer.new(:int32)
    Native.check(Native.zk_client_dispatch_fd(pointer, fd_out))
    @dispatcher = Dispatcher.new(fd_out.read_int32, @on_callback_error)
    ran = FFI::MemoryPointer.new(:size_t)
    dispatch = lambda do
      rc = Native.zk_client_dispatch(pointer, ran)
      if rc.zero?
        ran.read(:size_t)
      else
        @dispatcher.send(:report, Error.for_code(rc).new(Native.zk_last_error_message.dup, code: rc))
        nil
      end
    end
    @guard.enter # the callback thread uses the client until it ends
    @dispatcher.start(dispatch, lambda {
      Callbacks.unregister_all(@dispatcher)
      @guard.leave
    })
  end

  # Frees the recipe and watch handles first, then the client (the C API's order).
  def release_native(pointer)
    children = @children_mutex.synchronize do
      taken = @children.to_a
      @children.clear
      taken
    end
    children.each(&:close)
    Native.zk_client_free(pointer)
  end

  # Runs the C call (with a watch when +watcher+ is given) and raises its error; a watch
  # that was not set (the call failed) is forgotten.
  def with_watch(watcher)
    return Native.check(yield(nil, nil)) unless watcher

    id = register_callback(once: true) { |event| Args.call_with(watcher, event) }
    rc = yield(Callbacks::WATCHER, Callbacks.user_data(id))
    return if rc.zero?

    message = Native.zk_last_error_message.dup
    Callbacks.unregister(id)
    raise Error.for_code(rc).new(message, code: rc)
  end

  def create_options(ephemeral, sequence, makepath)
    Args.boolean(ephemeral, "ephemeral")
    Args.boolean(sequence, "sequence")
    Args.boolean(makepath, "makepath")
    options = Native::CreateOptions.new
    Native.check(Native.zk_create_options_init(options, Native::CREATE_OPTIONS_VERSION))
    options[:mode] = (ephemeral ? 1 : 0) + (sequence ? 2 : 0) # zk_create_mode
    options[:makepath] = makepath
    options
  end

  def make_lock(constructor, path, identifier, timeout, block)
    lock = Lock.new(self, Args.path(path), Args.identifier(identifier), constructor)
    return lock unless block

    begin
      lock.synchronize(timeout: timeout, &block)
    ensure
      lock.close
    end
  end

  def default_callback_error(error)
    warn "zkclient: a callback raised #{error.class}: #{error.message}\n  #{Array(error.backtrace).first(3).join("\n  ")}"
  end
end
