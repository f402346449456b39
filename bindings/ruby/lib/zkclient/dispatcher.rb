# frozen_string_literal: true

class ZkClient
  # How callbacks reach Ruby code (internal).
  #
  # Every client is switched to the library's manual dispatch (zk_client_dispatch_fd) before
  # it starts, so the library never runs a callback on a thread of its own. One Ruby thread
  # per client (Dispatcher, named "zkclient-callbacks") waits with IO.select on that
  # descriptor and calls zk_client_dispatch. The C callbacks it runs are the trampolines
  # below: they copy what they were given (data, stat, path: borrowed for the call) into Ruby
  # objects and queue it, nothing more. The user's blocks run afterwards, on the same
  # thread, one at a time and in the library's order, outside any C frame: a block may call
  # the client (blocking calls included), raise (the error goes to the client's
  # on_callback_error handler), `return` or `break`, without unwinding through the library.
  module Callbacks
    Entry = Struct.new(:dispatcher, :handler, :once)

    @mutex = Mutex.new
    @entries = {}
    @next_id = 0

    class << self
      # Registers +handler+ (called on +dispatcher+'s thread with the copied arguments) and
      # returns its id, which travels through C as the user_data pointer. A +once+ entry is
      # forgotten when it fires (one-shot watches).
      def register(dispatcher, once: false, &handler)
        @mutex.synchronize do
          @next_id += 1
          @entries[@next_id] = Entry.new(dispatcher, handler, once)
          @next_id
        end
      end

      def unregister(id)
        @mutex.synchronize { @entries.delete(id) }
        nil
      end

      # Forgets every entry of a dispatcher (its client is closed).
      def unregister_all(dispatcher)
        @mutex.synchronize { @entries.delete_if { |_, entry| entry.dispatcher.equal?(dispatcher) } }
        nil
      end

      def registered?(id)
        @mutex.synchronize { @entries.key?(id) }
      end

      def user_data(id)
        FFI::Pointer.new(id)
      end

      # Called by the trampolines, on whatever thread the library calls them: queues the
      # arguments for the entry's handler. False when the entry is gone (cancelled).
      def fire(user_data, *args)
        id = user_data.address
        entry = @mutex.synchronize { @entries[id]&.once ? @entries.delete(id) : @entries[id] }
        return false unless entry

        entry.dispatcher.post(entry.handler, args)
      end

      # A trampoline must never raise into C: report instead (nothing here should fail).
      def guarded
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException
        warn "zkclient: internal error in a callback trampoline: #{e.class}: #{e.message}"
        false
      end

      def read_stat(pointer)
        Stat.from_native(pointer)
      end
    end

    # zk_state_listener
    STATE_LISTENER = FFI::Function.new(:void, %i[int32 int32 pointer]) do |state, keeper_state, user_data|
      guarded { fire(user_data, STATES.fetch(state, state), KEEPER_STATES.fetch(keeper_state, keeper_state)) }
      nil
    end

    # zk_watcher: one-shot and persistent watches.
    WATCHER = FFI::Function.new(:void, %i[pointer pointer]) do |event, user_data|
      guarded { fire(user_data, WatchEvent.from_native(event)) }
      nil
    end

    # zk_data_watch_fn: true keeps the C watch while the Ruby one is registered.
    DATA_WATCH = FFI::Function.new(:bool, %i[pointer size_t pointer pointer pointer]) do |data, len, stat, event, user_data|
      guarded do
        ruby_stat = read_stat(stat)
        bytes = if ruby_stat.nil? then nil
                elsif len.zero? || data.null? then String.new(encoding: Encoding::BINARY)
                else data.read_bytes(len)
                end
        fire(user_data, bytes, ruby_stat, WatchEvent.from_native(event)) ? true : false
      end
    end

    # zk_children_watch_fn
    CHILDREN_WATCH = FFI::Function.new(:bool, %i[pointer pointer pointer pointer]) do |children, stat, event, user_data|
      guarded do
        names = children.null? ? nil : Native.read_strings(Native::StringList.new(children))
        fire(user_data, names, read_stat(stat), WatchEvent.from_native(event)) ? true : false
      end
    end
  end

  # The Ruby thread that runs one client's callbacks (internal; see Callbacks).
  class Dispatcher
    def initialize(fd, on_error)
      @io = IO.for_fd(fd, autoclose: false)
      @wake_r, @wake_w = IO.pipe
      @mutex = Mutex.new
      @events = []
      @finished = false
      @shutdown = false
      @on_error = on_error
      @thread = nil
    end

    attr_reader :thread

    # Starts the thread: +dispatch+ runs the library's waiting callbacks, +on_exit+ runs
    # when the thread ends.
    def start(dispatch, on_exit)
      @thread = Thread.new do
        Thread.current.name = "zkclient-callbacks"
        run(dispatch)
      ensure
        on_exit.call
      end
      self
    end

    def current?
      Thread.current.equal?(@thread)
    end

    # Queues handler.call(*args) for the callback thread; false once the thread has ended.
    def post(handler, args)
      @mutex.synchronize do
        return false if @finished

        @events << [handler, args]
      end
      wake unless current?
      true
    end

    # Waits until everything queued so far has run; at once on the callback thread itself
    # (it cannot wait for itself) or once the thread has ended.
    def flush
      return if current?

      done = Thread::Queue.new
      done.pop if post(-> { done << true }, [])
      nil
    end

    # Ends the thread once it has run what is queued; waits for it unless called on it.
    def shutdown
      @shutdown = true
      wake
      @thread.join if @thread && !current?
      nil
    end

    private

    def wake
      @wake_w.write_nonblock("!", exception: false)
    rescue IOError
      nil # the thread has ended and closed its pipe
    end

    def run(dispatch)
      until @shutdown
        run_events
        break if @shutdown

        ready, = IO.select([@io, @wake_r])
        @wake_r.read_nonblock(4096, exception: false) if ready.include?(@wake_r)
        next unless ready.include?(@io)

        # nil: dispatching failed (reported); 0 ran: another thread is running this client's
        # callbacks right now (a stop does): let it finish instead of spinning.
        ran = dispatch.call
        break if ran.nil?

        Thread.pass if ran.zero?
      end
      dispatch.call
      @mutex.synchronize { @finished = true }
      run_events
    ensure
      @mutex.synchronize { @finished = true }
      @wake_w.close
      @wake_r.close
    end

    def run_events
      loop do
        batch = @mutex.synchronize do
          taken = @events
          @events = []
          taken
        end
        break if batch.empty?

        batch.each { |handler, args| invoke(handler, args) }
      end
    end

    # The user's block: whatever it raises goes to the client's handler, and the thread
    # goes on with the next callback; `exit` in a block is passed on to the main thread.
    def invoke(handler, args)
      handler.call(*args)
    rescue SystemExit => e
      Thread.main.raise(e)
    rescue Exception => e # rubocop:disable Lint/RescueException
      report(e)
    end

    def report(error)
      @on_error.call(error)
    rescue Exception => e # rubocop:disable Lint/RescueException
      warn "zkclient: on_callback_error raised #{e.class}: #{e.message} " \
           "(handling #{error.class}: #{error.message})"
    end
  end
end
