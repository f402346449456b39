# frozen_string_literal: true

require "test_helper"

class RecipesTest < Minitest::Test
  include ZkTest

  def test_a_lock_excludes_a_second_holder
    other = connect
    mine = @zk.lock(path("lock"), "holder-1")
    theirs = other.lock(path("lock"), "holder-2")

    assert mine.acquire(timeout: ZkTest::WAIT)
    assert mine.acquired?
    token = mine.fencing_token
    refute theirs.acquire(blocking: false), "a second client took a held lock"
    refute theirs.acquire(timeout: 0.3), "a timed acquire succeeded while the lock was held"
    refute theirs.acquired?
    assert_equal ["holder-1"], mine.contenders, "a failed acquire leaves no contender behind"

    mine.release
    refute mine.acquired?
    assert theirs.acquire(timeout: ZkTest::WAIT)
    assert_operator theirs.fencing_token, :>, token
    refute mine.acquire(blocking: false)
    theirs.release
  end

  def test_a_waiting_acquire_gets_the_lock_when_it_is_released
    other = connect
    mine = @zk.lock(path("lock"))
    theirs = other.lock(path("lock"))
    assert mine.acquire
    waiting = Thread.new { theirs.acquire(timeout: ZkTest::WAIT) }
    Timeout.timeout(ZkTest::WAIT) { Thread.pass until theirs.contenders.size == 2 }
    assert waiting.alive?, "the second acquire returned while the lock was held"
    mine.release
    assert_equal true, waiting.value
    assert theirs.acquired?
  end

  def test_synchronize_holds_the_lock_for_the_block_and_releases_on_exceptions
    other = connect
    lock = @zk.lock(path("lock"))
    rival = other.lock(path("lock"))
    value = lock.synchronize do
      assert lock.acquired?
      refute rival.acquire(blocking: false)
      :done
    end
    assert_equal :done, value
    refute lock.acquired?

    assert_raises(RuntimeError) { lock.synchronize { raise "inside" } }
    refute lock.acquired?, "an exception in the block left the lock held"

    assert rival.acquire(blocking: false)
    error = assert_raises(ZkClient::TimeoutError) { lock.synchronize(timeout: 0.2) { flunk "ran without the lock" } }
    assert_match(/not acquired/, error.message)
    rival.release

    assert_equal 42, @zk.lock(path("lock"), timeout: ZkTest::WAIT) { 42 }, "the block form of ZkClient#lock"
  end

  def test_an_acquire_waiting_forever_can_be_interrupted
    other = connect
    mine = @zk.lock(path("lock"))
    theirs = other.lock(path("lock"))
    assert mine.acquire
    assert_raises(Timeout::Error) { Timeout.timeout(0.3) { theirs.acquire } }
    refute theirs.acquired?
    assert_equal 1, mine.contenders.size, "the interrupted acquire left its node"
    mine.release
    assert theirs.acquire(timeout: ZkTest::WAIT), "the lock works after an interrupted acquire"
  end

  def test_an_election_runs_one_leader_at_a_time
    other = connect
    first = @zk.election(path("election"), "host-a")
    second = other.election(path("election"), "host-b")
    events = Queue.new
    step_down = Queue.new

    leader_a = Thread.new do
      first.run do
        events << [:leading, "host-a", first.leader?]
        step_down.pop
        :a_done
      end
    end
    assert_equal [:leading, "host-a", true], pop(events)

    leader_b = Thread.new { second.run { events << [:leading, "host-b", second.leader?]; :b_done } }
    Timeout.timeout(ZkTest::WAIT) { Thread.pass until first.contenders.size == 2 }
    assert_equal %w[host-a host-b], first.contenders, "the leader first"
    refute second.leader?
    assert events.empty?, "two leaders at once"

    step_down << :go
    assert_equal :a_done, leader_a.value
    assert_equal [:leading, "host-b", true], pop(events)
    assert_equal :b_done, leader_b.value
    refute first.leader?
  end

  def test_cancel_stops_a_waiting_run_and_errors_in_the_block_give_up_leadership
    other = connect
    holder = @zk.election(path("election"), "holder")
    waiter = other.election(path("election"), "waiter")
    elected = Queue.new
    release = Queue.new
    leading = Thread.new { holder.run { elected << true; release.pop } }
    pop(elected)
    waiting = Thread.new { waiter.run { :never } }
    Timeout.timeout(ZkTest::WAIT) { Thread.pass until holder.contenders.size == 2 }
    waiter.cancel
    assert_nil waiting.value, "a cancelled run returns nil"
    assert_raises(Timeout::Error) { Timeout.timeout(0.3) { waiter.run { flunk "led while another led" } } }
    assert_equal ["holder"], holder.contenders, "an interrupted run left its contender node"
    release << :go
    leading.join

    assert_raises(KeyError) { waiter.run { raise KeyError, "inside the leader block" } }
    refute waiter.leader?
    assert_equal [], waiter.contenders, "leadership was not given up after the exception"
  end

  def test_a_counter_counts_across_clients
    other = connect
    counter = @zk.counter(path("hits"))
    assert_equal 0, counter.value
    assert_equal 1, counter.increment
    assert_equal 6, counter.increment(5)
    assert_equal 4, counter.decrement(2)
    assert_equal(-6, counter.add(-10))
    assert_equal "-6", @zk.get(path("hits")).first, "kazoo's ASCII decimal format"

    theirs = other.counter(path("hits"))
    threads = 4.times.map { Thread.new { 5.times { theirs.increment } } }
    threads.each(&:join)
    assert_equal 14, counter.value, "an update was lost"

    curator = @zk.counter(path("int32"), default: 7, format: :int32)
    assert_equal 8, curator.increment
    assert_equal [0, 0, 0, 8].pack("C*"), @zk.get(path("int32")).first
    assert_raises(ZkClient::InvalidArgumentError) { curator.add(2**40) }
    counter.close
    assert_raises(ZkClient::ClosedError) { counter.value }
  end

  def test_closing_the_client_closes_its_recipes
    other = connect
    lock = other.lock(path("lock"))
    counter = other.counter(path("count"))
    assert lock.acquire
    other.close
    assert_raises(ZkClient::ClosedError) { lock.acquire }
    assert_raises(ZkClient::ClosedError) { counter.value }
    refute lock.acquired?
    assert @zk.lock(path("lock")).acquire(blocking: false), "the closed client's lock node remained"
  end
end
