# frozen_string_literal: true

require "test_helper"

class WatchTest < Minitest::Test
  include ZkTest

  def test_get_watch_block_fires_once_on_change
    events = Queue.new
    @zk.create(path("node"), "one")
    data, = @zk.get(path("node")) { |event| events << [event, Thread.current] }
    assert_equal "one", data

    @zk.set(path("node"), "two")
    event, thread = pop(events)
    assert_equal :changed, event.type
    assert_equal path("node"), event.path
    assert_equal :sync_connected, event.keeper_state
    assert_equal "zkclient-callbacks", thread.name, "blocks run on the client's callback thread"

    # One-shot: a second change is not reported, the next watch sees its own event only.
    @zk.set(path("node"), "three")
    @zk.get(path("node"), watch: ->(e) { events << [e, nil] })
    @zk.delete(path("node"))
    event, = pop(events)
    assert_equal :deleted, event.type
    assert events.empty?
  end

  def test_exists_watch_fires_on_creation_and_children_watch_on_a_new_child
    events = Queue.new
    refute @zk.exists?(path("later"), watch: ->(event) { events << event })
    assert_equal [], @zk.children(@prefix) { |event| events << event }

    @zk.create(path("later"))
    got = [pop(events), pop(events)].map { |e| [e.type, e.path] }.sort
    assert_equal [[:child, @prefix], [:created, path("later")]].sort, got
  end

  def test_a_callback_calls_back_into_the_client
    @zk.create(path("node"), "v1")
    results = Queue.new
    @zk.get(path("node")) do |_event|
      # Blocking calls on the same client from inside its own callback: no deadlock.
      data, stat = @zk.get(path("node"))
      created = @zk.create(path("from-callback"), "made in a watch")
      lock = @zk.lock(path("lock"))
      held = lock.acquire(timeout: ZkTest::WAIT)
      lock.release
      lock.close
      results << [data, stat.version, created, held]
    end
    @zk.set(path("node"), "v2")
    assert_equal ["v2", 1, path("from-callback"), true], pop(results)
    assert_equal "made in a watch", @zk.get(path("from-callback")).first
  end

  def test_data_watch_rearms_until_its_block_returns_false
    calls = Queue.new
    watch = @zk.data_watch(path("config")) do |data, stat, event|
      calls << [data, stat&.version, event&.type]
      data != "stop" # false stops the watch
    end
    assert_equal [nil, nil, nil], pop(calls), "first call at once: no node yet"

    @zk.create(path("config"), "a")
    assert_equal ["a", 0], pop(calls).first(2)
    @zk.set(path("config"), "b")
    assert_equal ["b", 1, :changed], pop(calls)
    @zk.set(path("config"), "stop")
    assert_equal ["stop", 2, :changed], pop(calls)
    assert watch.cancelled?

    # Stopped: a change made now reaches a one-shot watch set after it, not the data watch.
    seen = Queue.new
    @zk.get(path("config")) { |event| seen << event }
    @zk.set(path("config"), "after")
    assert_equal :changed, pop(seen).type
    assert_equal "after", @zk.get(path("config")).first
    assert calls.empty?, "a stopped data watch was called: #{calls.size} more call(s)"
  end

  def test_data_watch_cancel_and_children_watch
    calls = Queue.new
    watch = @zk.children_watch(@prefix) { |children, _stat, _event| calls << children.sort }
    assert_equal [], pop(calls)
    @zk.create(path("a"))
    assert_equal ["a"], pop(calls)
    @zk.create(path("b"))
    assert_equal %w[a b], pop(calls)
    watch.cancel
    watch.cancel # twice is fine
    assert watch.cancelled?
  end

  def test_state_listener_sees_lost_before_close_returns
    other = connect
    states = Queue.new
    other.on_state_change { |state, keeper_state| states << [state, keeper_state] }
    other.close
    got = []
    got << states.pop until states.empty?
    assert_includes got, %i[lost closed], "close returns after the listeners have seen :lost"
    assert other.closed?
    other.close # twice is fine
  end

  def test_a_listener_added_before_start_sees_connected
    client = ZkClient.new(HOSTS)
    @clients << client
    states = Queue.new
    client.on_state_change { |state, keeper_state| states << [state, keeper_state, Thread.current.name] }
    client.start(ZkTest::WAIT)
    assert_equal [:connected, :sync_connected, "zkclient-callbacks"], pop(states)
  end

  # Also: a listener added after start returned never sees the change that made it return.
  def test_listener_removed_is_not_called
    other = connect
    states = Queue.new
    listener = other.on_state_change { |state, _| states << state }
    listener.remove
    other.stop
    assert states.empty?
  end

  def test_a_raising_callback_goes_to_the_handler_and_later_callbacks_still_run
    errors = Queue.new
    zk = connect(on_callback_error: ->(error) { errors << error })
    zk.create(path("node"))
    events = Queue.new
    zk.get(path("node")) { |_| raise ArgumentError, "from a watch" }
    zk.exists(path("node")) { |event| events << event }
    zk.set(path("node"), "x")
    error = pop(errors)
    assert_instance_of ArgumentError, error
    assert_equal "from a watch", error.message
    assert_equal :changed, pop(events).type
  end

  def test_break_and_return_in_a_block_do_not_unwind_through_the_library
    errors = Queue.new
    zk = connect(on_callback_error: ->(error) { errors << error })
    zk.create(path("node"))
    zk.get(path("node")) { |_| break }
    events = Queue.new
    zk.get(path("node")) { |event| events << event }
    zk.set(path("node"), "x")
    assert_equal :changed, pop(events).type
    assert_kind_of LocalJumpError, pop(errors)
  end

  def test_a_persistent_recursive_watch_sees_the_subtree
    events = Queue.new
    watch = @zk.add_watch(@prefix, recursive: true) { |event| events << [event.type, event.path] }
    @zk.create(path("x"))
    @zk.create(path("x/y"), "deep")
    @zk.set(path("x/y"), "deeper")
    assert_equal [[:created, path("x")], [:created, path("x/y")], [:changed, path("x/y")]],
                 [pop(events), pop(events), pop(events)]
    watch.remove
  end

  def test_close_from_inside_a_callback
    other = connect
    other.create(path("node"))
    done = Queue.new
    other.get(path("node")) do |_|
      other.close
      done << other.closed?
    end
    @zk.set(path("node"), "x")
    assert_equal true, pop(done)
    assert_raises(ZkClient::ClosedError) { other.get(path("node")) }
  end
end
