# frozen_string_literal: true

class ZkClient
  # A recipe handle (internal base): a native handle used under the client's, freed by
  # #close, by the client's #close at the latest, or when garbage-collected.
  class Recipe
    attr_reader :path, :client

    def initialize(client, path, what)
      @client = client
      @path = path
      out = FFI::MemoryPointer.new(:pointer)
      client.native { |c| Native.check(yield(c, out)) }
      # The free function must not hold on to self, or the handle would never be collected.
      free = self.class.method(:free_native).to_proc
      @guard = client.adopt(Guard.new(out.read_pointer, "#{what} on #{path}", &free))
      ObjectSpace.define_finalizer(self, Recipe.finalizer(client, @guard))
    end

    # Releases the handle (a held lock is released first). Safe twice.
    def close
      @client.release_child(@guard)
      nil
    end

    def closed?
      @guard.closed?
    end

    # Freeing may wait on the network (a lock's release): do it on a thread of its own, never
    # inside the garbage collector's finalizer call.
    def self.finalizer(client, guard)
      proc do
        Thread.new { client.release_child(guard) }
      rescue ThreadError
        nil # the process is exiting; the client's close frees it
      end
    end

    private

    # Yields the native handle (and keeps the client's alive meanwhile).
    def use(&block)
      @client.native { @guard.use(&block) }
    end

    # Runs a blocking wait on a thread of its own, so that the caller stays interruptible
    # (Timeout, Thread#raise, Ctrl-C): if the caller is interrupted, +cancel+ stops the wait
    # and +undo+ is given what it returned.
    def interruptible(cancel, undo = nil)
      worker = Thread.new do
        Thread.current.report_on_exception = false
        Thread.current.name = "zkclient-wait"
        yield
      end
      finished = false
      begin
        result = worker.value
        finished = true
        result
      ensure
        # Not finished: the caller was interrupted (by an exception, or by a throw, which
        # is how Timeout interrupts), and the wait goes on in the worker: stop it.
        stop_wait(worker, cancel, undo) unless finished || !worker.alive?
      end
    end

    def stop_wait(worker, cancel, undo)
      cancel.call
      result = worker.value
      undo&.call(result)
    rescue Exception # rubocop:disable Lint/RescueException
      nil
    end
  end

  # kazoo's Lock (ReadLock, WriteLock): see ZkClient#lock.
  #
  #   lock = zk.lock("/locks/report", "worker-1")
  #   lock.synchronize { ... }                # waits as long as it takes
  #   lock.acquire(timeout: 5)                # true or false
  #   lock.acquire(blocking: false)           # only if free now
  #   lock.release
  class Lock < Recipe
    def initialize(client, path, identifier, constructor)
      id_bytes, id_len = Native.bytes_pointer(identifier)
      super(client, path, "the lock") { |c, out| Native.public_send(constructor, c, path, id_bytes, id_len, out) }
    end

    # Takes the lock: waits up to +timeout+ seconds (nil: as long as it takes), or not at all
    # with blocking: false. True once held (at once if held already), false otherwise.
    # Connection losses and session expiry are retried until the timeout.
    def acquire(timeout: nil, blocking: true)
      Args.boolean(blocking, "blocking")
      return try_acquire unless blocking

      ms = Args.wait_millis(timeout)
      interruptible(-> { use { |l| Native.zk_lock_cancel(l) } }, ->(got) { release if got }) do
        use do |l|
          out = FFI::MemoryPointer.new(:bool)
          Native.check(Native.zk_lock_acquire(l, ms, out))
          out.read(:bool)
        end
      end
    end

    # Holds the lock for the block (TimeoutError when not acquired within +timeout+), and
    # releases it when the block ends, exceptions included. Returns the block's value.
    def synchronize(timeout: nil)
      raise ArgumentError, "synchronize needs a block" unless block_given?
      raise ZkClient::TimeoutError, "lock #{path} not acquired within #{timeout} s" unless acquire(timeout: timeout)

      begin
        yield
      ensure
        if $!
          begin
            release
          rescue Error
            nil # keep the block's exception
          end
        else
          release
        end
      end
    end

    # Releases the lock: returns once its node is gone from the server (ConnectionLossError
    # when that could not be done in twice the session timeout; the lock is no longer held
    # either way). Fine when not held.
    def release
      use { |l| Native.check(Native.zk_lock_release(l)) }
      nil
    end

    # Makes a waiting #acquire (on another thread) return false.
    def cancel
      use { |l| Native.check(Native.zk_lock_cancel(l)) }
      nil
    end

    def acquired?
      use { |l| Native.zk_lock_is_acquired(l) }
    rescue ClosedError
      false
    end

    # The holder's fencing token (an Integer strictly increasing with every grant of the
    # lock): hand it to the guarded resource. InvalidArgumentError when not held.
    def fencing_token
      out = FFI::MemoryPointer.new(:int64)
      use { |l| Native.check(Native.zk_lock_fencing_token(l, out)) }
      out.read_int64
    end

    # The identifiers of every contender, in lock order.
    def contenders
      list = Native::StringList.new
      use { |l| Native.check(Native.zk_lock_contenders(l, list)) }
      Native.take_strings(list)
    end

    private

    def try_acquire
      out = FFI::MemoryPointer.new(:bool)
      use { |l| Native.check(Native.zk_lock_try_acquire(l, out)) }
      out.read(:bool)
    end

    def self.free_native(pointer)
      Native.zk_lock_free(pointer)
    end
  end

  # kazoo's Election: see ZkClient#election.
  #
  #   election = zk.election("/elections/scheduler", "host-a")
  #   election.run { lead }   # blocks until elected, runs the block as leader, steps down
  #   election.cancel         # from another thread: run returns nil without leading
  class Election < Recipe
    CLOSED = -1006 # ZK_ECLOSED: the wait was cancelled

    def initialize(client, path, identifier)
      id_bytes, id_len = Native.bytes_pointer(identifier)
      super(client, path, "the election") { |c, out| Native.zk_election_new(c, path, id_bytes, id_len, out) }
    end

    # Joins the election, waits until elected, runs the block on the calling thread while
    # this contender leads and gives leadership up when it ends (exceptions included).
    # Returns the block's value, or nil when #cancel stopped the wait first. While the block
    # runs, #leader? turns false if the session is lost (another contender may lead then).
    def run
      raise ArgumentError, "run needs a block" unless block_given?

      elected = Thread::Queue.new
      resign = Thread::Queue.new
      # The library calls this on the waiting thread below once elected; leadership lasts
      # until it returns, i.e. until the caller's block has finished.
      leader = FFI::Function.new(:int32, [:pointer]) do |_|
        elected << :elected
        resign.pop
        0
      end
      worker = Thread.new do
        Thread.current.report_on_exception = false
        Thread.current.name = "zkclient-election"
        use do |e|
          rc = Native.zk_election_run(e, leader, nil)
          [rc, rc.zero? ? nil : Native.zk_last_error_message.dup]
        end
      ensure
        elected << :finished
      end
      outcome = nil
      value = nil
      begin
        outcome = elected.pop
        value = yield if outcome == :elected
      ensure
        cancel_quietly if outcome.nil? # interrupted while waiting
        resign.close
        rc, message = worker.value
      end
      return value if outcome == :elected
      return nil if rc == CLOSED

      raise Error.for_code(rc).new(message, code: rc) unless rc.zero?

      nil
    end

    # Stops a #run waiting to be elected (it returns nil); a running leader block is not
    # interrupted. Any thread.
    def cancel
      use { |e| Native.check(Native.zk_election_cancel(e)) }
      nil
    end

    def leader?
      use { |e| Native.zk_election_is_leader(e) }
    rescue ClosedError
      false
    end

    # Every contender's identifier, the leader first.
    def contenders
      list = Native::StringList.new
      use { |e| Native.check(Native.zk_election_contenders(e, list)) }
      Native.take_strings(list)
    end

    private

    def cancel_quietly
      cancel
    rescue Error
      nil
    end

    def self.free_native(pointer)
      Native.zk_election_free(pointer)
    end
  end

  # kazoo's Counter: see ZkClient#counter. Updates are compare-and-set on the node's
  # version: none is lost, none is applied twice.
  class Counter < Recipe
    CONSTRUCTORS = { decimal: :zk_counter_new, int32: :zk_counter_new_int32,
                     int64: :zk_counter_new_int64 }.freeze

    def initialize(client, path, default, format)
      constructor = CONSTRUCTORS.fetch(format) do
        raise ArgumentError, "format must be one of #{CONSTRUCTORS.keys.inspect}, not #{format.inspect}"
      end
      super(client, path, "the counter") { |c, out| Native.public_send(constructor, c, path, default, out) }
    end

    # The current value (the node is created with the default when missing).
    def value
      out = FFI::MemoryPointer.new(:int64)
      use { |c| Native.check(Native.zk_counter_value(c, out)) }
      out.read_int64
    end

    # Adds +delta+ (negative subtracts) and returns the new value.
    def add(delta)
      delta = Args.integer(delta, "delta", Args::INT64)
      out = FFI::MemoryPointer.new(:int64)
      use { |c| Native.check(Native.zk_counter_add(c, delta, out)) }
      out.read_int64
    end

    def increment(by = 1)
      add(by)
    end

    def decrement(by = 1)
      add(-Args.integer(by, "by", Args::INT64))
    end

    private

    def self.free_native(pointer)
      Native.zk_counter_free(pointer)
    end
  end
end
