# frozen_string_literal: true

class ZkClient
  # A re-arming watch on a node's data or children (ZkClient#data_watch,
  # ZkClient#children_watch). Its block runs on the client's callback thread: first with the
  # current value (shortly after the watch is made), then after every change, until the
  # block returns false or #cancel is called.
  class RecipeWatch
    attr_reader :path

    def initialize(client, path, block)
      @client = client
      @path = path
      @block = block
      @mutex = Mutex.new
      @stopped = false
      @guard = nil
      @id = client.register_callback { |*args| deliver(args) }
      out = FFI::MemoryPointer.new(:pointer)
      begin
        client.native { |c| Native.check(create_native(c, Callbacks.user_data(@id), out)) }
      rescue Exception # rubocop:disable Lint/RescueException
        Callbacks.unregister(@id)
        raise
      end
      guard = client.adopt(Guard.new(out.read_pointer, "the watch on #{path}") { |p| free_native(p) })
      stop_now = @mutex.synchronize do
        @guard = guard
        @stopped
      end
      release if stop_now
    end

    # Stops the watch: its block is not called again. Safe from its own block, and twice.
    def cancel
      @mutex.synchronize { @stopped = true }
      Callbacks.unregister(@id)
      release
      nil
    end
    alias close cancel

    def cancelled?
      @stopped
    end

    private

    def deliver(args)
      return if @stopped

      cancel if Args.call_with(@block, *args) == false
    end

    def release
      guard = @mutex.synchronize { @guard }
      @client.release_child(guard) if guard
    end
  end

  # kazoo's DataWatch: the block gets (data, stat, event); see ZkClient#data_watch.
  class DataWatch < RecipeWatch
    private

    def create_native(client, user_data, out)
      Native.zk_data_watch_new(client, path, Callbacks::DATA_WATCH, user_data, nil, out)
    end

    def free_native(pointer)
      Native.zk_data_watch_free(pointer)
    end
  end

  # kazoo's ChildrenWatch: the block gets (children, stat, event); see
  # ZkClient#children_watch.
  class ChildrenWatch < RecipeWatch
    private

    def create_native(client, user_data, out)
      Native.zk_children_watch_new(client, path, Callbacks::CHILDREN_WATCH, user_data, nil, out)
    end

    def free_native(pointer)
      Native.zk_children_watch_free(pointer)
    end
  end

  # A persistent (optionally recursive) watch: see ZkClient#add_watch.
  class PersistentWatch
    attr_reader :path

    def initialize(client, path, recursive, block)
      @client = client
      @path = path
      @removed = false
      @id = client.register_callback do |event|
        Callbacks.unregister(@id) if event.session? # the session ended: the watch is gone
        Args.call_with(block, event) unless @removed
      end
      out = FFI::MemoryPointer.new(:uint64)
      mode = recursive ? 1 : 0 # zk_add_watch_mode
      begin
        client.native do |c|
          Native.check(Native.zk_add_watch(c, path, mode, Callbacks::WATCHER, Callbacks.user_data(@id), nil, out))
        end
      rescue Exception # rubocop:disable Lint/RescueException
        Callbacks.unregister(@id)
        raise
      end
      @watch_id = out.read_uint64
    end

    # Removes the watch (on the server too); its block is not called again.
    def remove
      return nil if @removed

      @removed = true
      Callbacks.unregister(@id)
      @client.native { |c| Native.zk_remove_watch(c, @watch_id) }
      nil
    rescue ClosedError
      nil
    end
  end
end
