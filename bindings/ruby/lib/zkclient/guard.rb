# frozen_string_literal: true

class ZkClient
  # A native handle shared by Ruby threads: any number of calls may use it at once, and it is
  # freed exactly once, after #close, when the last call using it has returned (the C API
  # forbids freeing a handle another thread is still calling). A call on a closed handle
  # raises ClosedError instead of touching freed memory. Internal.
  class Guard
    def initialize(pointer, what, &free)
      @pointer = pointer
      @what = what
      @free = free
      @mutex = Mutex.new
      @users = 0
      @closed = false
      @freed = false
    end

    attr_reader :what

    def closed?
      @closed
    end

    # Yields the pointer; the handle is not freed before the block returns.
    def use
      enter
      begin
        yield @pointer
      ensure
        leave
      end
    end

    # The two halves of #use, for a user that spans more than one block (the callback thread).
    def enter
      @mutex.synchronize do
        raise ClosedError, "#{@what} is closed" if @closed

        @users += 1
      end
    end

    def leave
      free_now = @mutex.synchronize do
        @users -= 1
        @closed && @users.zero? && !@freed && (@freed = true)
      end
      release if free_now
    end

    # No new call may start; the handle is freed now, or by the last call still running.
    # Returns true the first time.
    def close
      free_now = @mutex.synchronize do
        return false if @closed

        @closed = true
        @users.zero? && (@freed = true)
      end
      release if free_now
      true
    end

    private

    def release
      @free.call(@pointer)
    end
  end
end
