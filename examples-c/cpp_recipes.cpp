// zkclient in C++: a tour of the recipes and the rest of zkclient.hpp.
//
// kazoo's recipes (Counter, Semaphore, Barrier, DoubleBarrier, Party, ShallowParty, Queue,
// LockingQueue, Election, SetPartitioner, TreeCache, NonBlockingLease and
// MultiNonBlockingLease), transactions and read batches, the pipelined async calls,
// resuming a session, ACLs, administration, statistics, the log callback, and an event loop
// running the callbacks itself (dispatch_fd). Each step checks what it prints.
// Usage: cpp_recipes [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
#include <zkclient.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <mutex>
#include <poll.h>
#include <string>
#include <thread>
#include <unistd.h>

#define EXPECT(condition)                                                                                              \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition);                              \
            std::exit(1);                                                                                              \
        }                                                                                                              \
    } while (0)

using namespace std::chrono_literals;

static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) {
        out += (out.empty() ? "" : " ") + name;
    }
    return "[" + out + "]";
}

// Waits for a future, 30 s at most (a callback that never comes fails the program).
template <class T>
static T await(std::future<T> future, const char* what) {
    if (future.wait_for(30s) != std::future_status::ready) {
        std::fprintf(stderr, "no %s within 30 s\n", what);
        std::exit(1);
    }
    return future.get();
}

// Counts down the completions of several async calls.
class Latch {
public:
    explicit Latch(int count) : count_(count) {}
    void count_down() {
        std::lock_guard<std::mutex> guard(mutex_);
        if (--count_ == 0) {
            done_.notify_all();
        }
    }
    void wait(const char* what) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!done_.wait_for(lock, 30s, [this] { return count_ == 0; })) {
            std::fprintf(stderr, "%s: %d completions missing after 30 s\n", what, count_);
            std::exit(1);
        }
    }

private:
    std::mutex mutex_;
    std::condition_variable done_;
    int count_;
};

static void recipes(zk::Client& zk, zk::Client& other) {
    // Counter: two handles, two sessions, no update lost.
    zk::Counter hits(zk, "/counter");
    zk::Counter same(other, "/counter");
    hits.add(5);
    same.add(-2);
    std::printf("counter: %lld\n", static_cast<long long>(hits.value()));
    EXPECT(hits.value() == 3 && same.value() == 3);
    zk::Counter curator(zk, "/counter-int32", 7, zk::CounterFormat::int32);
    EXPECT(curator.add(1) == 8 && zk.get("/counter-int32").data == std::string("\0\0\0\x08", 4));

    // Semaphore: two leases; a lock_guard takes one.
    zk::Semaphore first(zk, "/pool", "first", 2);
    zk::Semaphore second(other, "/pool", "second", 2);
    zk::Semaphore third(other, "/pool", "third", 2);
    {
        std::lock_guard<zk::Semaphore> lease(first);
        EXPECT(second.try_lock());
        EXPECT(!third.try_lock());
        std::vector<std::string> holders = first.lease_holders();
        std::printf("semaphore: %zu holders, the third's try_lock failed\n", holders.size());
        EXPECT(holders.size() == 2);
        second.unlock();
    }
    EXPECT(third.acquire(5s));
    third.release();

    // ReadLock / WriteLock: readers share the lock, a writer waits for them.
    zk::ReadLock reader1(zk, "/table", "reader-1");
    zk::ReadLock reader2(other, "/table", "reader-2");
    zk::WriteLock writer(other, "/table", "writer-1");
    {
        std::lock_guard<zk::ReadLock> reading(reader1);
        EXPECT(reader2.try_lock());
        EXPECT(!writer.try_lock());
        std::printf("read/write lock: two readers hold it together, the writer's try_lock failed\n");
        reader2.unlock();
    }
    EXPECT(writer.try_lock());
    EXPECT(!reader1.try_lock());
    writer.unlock();

    // Barrier: a waiter on another thread passes once the barrier is removed.
    zk::Barrier barrier(zk, "/barrier");
    barrier.create();
    EXPECT(!barrier.wait(100ms));
    zk::Barrier waiting_side(other, "/barrier");
    std::future<bool> passed = std::async(std::launch::async, [&] { return waiting_side.wait(20s); });
    EXPECT(barrier.remove());
    EXPECT(await(std::move(passed), "barrier pass"));
    std::printf("barrier: the waiter passed once it was removed\n");

    // DoubleBarrier: two participants enter together and leave together.
    zk::DoubleBarrier one(zk, "/stage", 2, "one");
    zk::DoubleBarrier two(other, "/stage", 2, "two");
    std::future<bool> two_entered = std::async(std::launch::async, [&] { return two.enter(20s); });
    EXPECT(one.enter(20s));
    EXPECT(await(std::move(two_entered), "double barrier enter"));
    std::future<bool> two_left = std::async(std::launch::async, [&] { return two.leave(20s); });
    EXPECT(one.leave(20s));
    EXPECT(await(std::move(two_left), "double barrier leave"));
    std::printf("double barrier: both entered, both left\n");

    // Party and ShallowParty.
    zk::Party worker(zk, "/party", "worker-1");
    zk::Party other_worker(other, "/party", "worker-2");
    worker.join();
    other_worker.join();
    std::vector<std::string> members = worker.members();
    std::sort(members.begin(), members.end());
    std::printf("party: %s\n", join(members).c_str());
    EXPECT(members == (std::vector<std::string>{"worker-1", "worker-2"}) && worker.size() == 2);
    EXPECT(other_worker.leave() && worker.size() == 1);
    zk::ShallowParty web(zk, "/web", "web-1");
    web.join();
    EXPECT(web.members() == std::vector<std::string>{"web-1"});

    // Queue: lower priority numbers first, FIFO within one; get() does not wait by default.
    zk::Queue queue(zk, "/queue");
    queue.put_all({"backup", "report"}, 50);
    queue.put("alert", 10);
    EXPECT(queue.size() == 3);
    std::string order;
    while (std::optional<std::string> job = queue.get()) {
        order += (order.empty() ? "" : " ") + *job;
    }
    std::printf("queue order: %s\n", order.c_str());
    EXPECT(order == "alert backup report");
    std::future<std::optional<zk::Bytes>> late =
        std::async(std::launch::async, [&] { return zk::Queue(other, "/queue").get<zk::Bytes>(20s); });
    queue.put(std::vector<std::byte>{std::byte{0}, std::byte{1}});
    std::optional<zk::Bytes> late_job = await(std::move(late), "queue entry");
    EXPECT(late_job && late_job->size() == 2 && (*late_job)[1] == std::byte{1});

    // LockingQueue: an entry is claimed, then consumed.
    zk::LockingQueue tasks(zk, "/tasks");
    tasks.put("task-1");
    std::optional<std::string> task = tasks.get(5s);
    EXPECT(task && *task == "task-1" && tasks.holds_lock());
    EXPECT(tasks.consume() && tasks.size() == 0);
    std::printf("locking queue: claimed and consumed %s\n", task->c_str());

    // Election: the leader function runs while this contender leads; a cancelled run throws
    // Errc::closed.
    zk::Election alice(zk, "/election", "alice");
    zk::Election bob(other, "/election", "bob");
    std::vector<std::string> seen;
    alice.run([&] {
        EXPECT(alice.is_leader());
        seen = bob.contenders();
    });
    std::printf("election: alice led, contenders then %s\n", join(seen).c_str());
    EXPECT(seen == std::vector<std::string>{"alice"} && !alice.is_leader());
    bob.cancel(); // no run waits: the next one stops at once
    try {
        bob.run([] { EXPECT(!"bob was elected after a cancel"); });
        EXPECT(!"a cancelled run returned");
    } catch (const zk::Error& e) {
        std::printf("election: bob's run was cancelled: %s\n", to_string(e.errc()));
        EXPECT(e.code() == zk::Errc::closed);
    }

    // SetPartitioner: one member, a custom partition function taking every item but "c".
    std::mutex states_mutex;
    std::vector<zk::PartitionState> states;
    zk::Partitioner partitioner(zk, "/partition", {"a", "b", "c"},
                                zk::PartitionerOptions()
                                    .identifier("member-1")
                                    .time_boundary(0ms)
                                    .partition_func([](const std::string&, const std::vector<std::string>&,
                                                       const std::vector<std::string>& items) {
                                        std::vector<std::string> mine;
                                        for (const std::string& item : items) {
                                            if (item != "c") {
                                                mine.push_back(item);
                                            }
                                        }
                                        return mine;
                                    }),
                                [&](zk::PartitionState state) {
                                    std::lock_guard<std::mutex> guard(states_mutex);
                                    states.push_back(state);
                                });
    EXPECT(partitioner.wait_for_acquire(20s));
    std::vector<std::string> mine = partitioner.partitions();
    std::printf("partitioner: %s holds %s\n", zk::to_string(partitioner.state()), join(mine).c_str());
    EXPECT(mine == (std::vector<std::string>{"a", "b"}));
    partitioner.finish();
    EXPECT(partitioner.state() == zk::PartitionState::failure);
    {
        std::lock_guard<std::mutex> guard(states_mutex);
        EXPECT(!states.empty() && states.back() == zk::PartitionState::failure);
    }

    // Leases: one holder at a time; the same identifier renews.
    EXPECT(zk::obtain_lease(zk, "/lease", 60s, "host-1"));
    EXPECT(!zk::obtain_lease(other, "/lease", 60s, "host-2"));
    EXPECT(zk::obtain_lease(zk, "/lease", 60s, "host-1"));
    std::optional<std::uint32_t> slot1 = zk::obtain_multi_lease(zk, "/leases", 2, 60s, "host-1");
    std::optional<std::uint32_t> slot2 = zk::obtain_multi_lease(other, "/leases", 2, 60s, "host-2");
    std::optional<std::uint32_t> slot3 = zk::obtain_multi_lease(other, "/leases", 2, 60s, "host-3");
    std::printf("leases: host-1 holds /lease; multi-lease slots %u and %u, none for a third\n", *slot1, *slot2);
    EXPECT(slot1 == 0u && slot2 == 1u && !slot3);
}

static void tree_cache(zk::Client& zk, zk::Client& writer) {
    writer.create("/config/db", "postgres", zk::CreateOptions().makepath(true));
    zk::TreeCache cache(zk, "/config");
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<zk::TreeEvent> events;
    cache.listen([&](const zk::TreeEvent& event) {
        std::lock_guard<std::mutex> guard(mutex);
        events.push_back(event);
        changed.notify_all();
    });
    auto wait_for = [&](zk::TreeEventType type, const char* what) {
        std::unique_lock<std::mutex> lock(mutex);
        if (!changed.wait_for(lock, 30s, [&] {
                return std::any_of(events.begin(), events.end(),
                                   [&](const zk::TreeEvent& e) { return e.type == type; });
            })) {
            std::fprintf(stderr, "no %s within 30 s\n", what);
            std::exit(1);
        }
    };
    cache.start();
    wait_for(zk::TreeEventType::initialized, "initialized event");
    EXPECT(cache.is_initialized() && cache.size() == 2);
    std::optional<zk::Node> db = cache.get_data("/config/db");
    EXPECT(db && db->data == "postgres");
    EXPECT(cache.get_children("/config") == std::vector<std::string>{"db"});
    EXPECT(!cache.get_data("/config/missing"));
    writer.set("/config/db", "mysql");
    wait_for(zk::TreeEventType::node_updated, "updated event");
    std::printf("tree cache: initialized with 2 nodes, then /config/db updated to %s\n",
                cache.get_data("/config/db")->data.c_str());
    EXPECT(cache.get_data("/config/db")->data == "mysql");
    cache.close();
}

static void transactions_and_async(zk::Client& zk) {
    // A read batch: answered together.
    zk.create("/batch", "b");
    zk.create("/batch/child");
    std::vector<zk::OpResult> reads = zk::Transaction(zk).get("/batch").get_children("/batch").commit();
    EXPECT(reads.size() == 2 && reads[0].type == zk::OpType::get && reads[0].data == "b" &&
           reads[1].children == std::vector<std::string>{"child"});

    // The pipelined calls: completions run later, on the dispatcher thread.
    Latch latch(7);
    std::atomic<int> failures{0};
    std::atomic<int> next{0}; // completions run one at a time, in the order the server answered
    auto check = [&](int index, std::error_code ec) {
        if (ec) {
            std::fprintf(stderr, "async: %s (%s)\n", ec.message().c_str(), zk::last_error_message().c_str());
            failures++;
        }
        if (next++ != index) {
            std::fprintf(stderr, "async: completion %d came out of order\n", index);
            failures++;
        }
        latch.count_down();
    };
    zk.create_async("/async", "1", zk::CreateMode::persistent,
                    [&](std::error_code ec, std::string_view path, const zk::Stat&) {
                        EXPECT(ec || path == "/async");
                        check(0, ec);
                    });
    zk.set_async("/async", "2", [&](std::error_code ec, const zk::Stat& stat) {
        EXPECT(ec || stat.version == 1);
        check(1, ec);
    });
    zk.exists_async("/async", [&](std::error_code ec, const std::optional<zk::Stat>& stat) {
        EXPECT(ec || stat);
        check(2, ec);
    });
    zk.get_async("/async", [&](std::error_code ec, std::string_view data, const zk::Stat&) {
        EXPECT(ec || data == "2");
        check(3, ec);
    });
    zk.get_children_async("/batch", [&](std::error_code ec, const std::vector<std::string>& children, const zk::Stat&) {
        EXPECT(ec || children.size() == 1);
        check(4, ec);
    });
    zk.sync_async("/async", [&](std::error_code ec) { check(5, ec); });
    zk::Transaction(zk)
        .set("/async", "3")
        .commit_async([&](std::error_code ec, const std::vector<zk::OpResult>& results) {
            EXPECT(ec || (results.size() == 1 && results[0].stat.version == 2));
            check(6, ec);
        });
    latch.wait("async");
    EXPECT(failures == 0);
    std::printf("async: 7 completions, in order, none failed\n");
}

static void session_and_admin(const std::string& connect_string) {
    // Resume a session from another client (both are destroyed at the end of the block,
    // which closes the session they share).
    {
        zk::Client owner(connect_string);
        owner.start();
        zk::SessionInfo session = owner.session();
        zk::Client resumed(connect_string, zk::Options().session(session));
        resumed.start();
        EXPECT(session.id != 0 && resumed.session().id == session.id);
        std::printf("session resumed by a second client\n");
    }

    zk::Client fresh(connect_string, zk::Options()
                                         .session_timeout(8s)
                                         .command_retry(zk::RetryPolicy().max_tries(3))
                                         .add_auth("digest", "alice:secret"));
    fresh.start();

    // ACLs: only alice may read.
    std::string alice = zk::digest_acl_id("alice", "secret");
    fresh.create("/alice-only", "private", zk::CreateOptions().acl({zk::Acl{zk::Perm::all, "digest", alice}}));
    zk::NodeAcl acl = fresh.get_acl("/alice-only");
    EXPECT(acl.acl.size() == 1 && acl.acl[0].scheme == "digest" && acl.acl[0].perms == zk::Perm::all);
    zk::Client anonymous(connect_string);
    anonymous.start();
    std::error_code ec;
    anonymous.get("/alice-only", ec);
    std::printf("acl: alice reads /alice-only, anonymous gets %s\n", ec.message().c_str());
    EXPECT(ec == zk::Errc::no_auth && fresh.get("/alice-only").data == "private");
    zk::Stat changed = fresh.set_acl("/alice-only", zk::open_acl_unsafe(), acl.stat.aversion);
    EXPECT(changed.aversion == acl.stat.aversion + 1 && anonymous.get("/alice-only").data == "private");

    // Administration.
    fresh.create("/mine", "", zk::CreateMode::ephemeral);
    EXPECT(fresh.get_ephemerals("/") == std::vector<std::string>{"/mine"});
    EXPECT(fresh.get_all_children_number("/") >= 2);
    EXPECT(fresh.four_letter_word("ruok") == "imok");
    zk::ServerVersion version = fresh.server_version();
    std::printf("server %s runs ZooKeeper %u.%u.%u\n", fresh.server().c_str(), version.major_version,
                version.minor_version, version.patch_version);
    EXPECT(version.major_version == 3);
    EXPECT(fresh.state() == zk::State::connected && fresh.keeper_state() == zk::KeeperState::sync_connected);

    // Watches, checked and removed on the server.
    zk::Watch watch = fresh.get_watch("/alice-only", [](const zk::WatchEvent&) {}).watch;
    EXPECT(fresh.check_watches("/alice-only", zk::WatcherType::data));
    EXPECT(fresh.remove_watches("/alice-only", zk::WatcherType::data));
    EXPECT(!fresh.remove_watches("/alice-only", zk::WatcherType::data));
    EXPECT(!watch.remove()); // already gone
    fresh.remove("/alice-only");

    // Statistics.
    zk::ClientStats stats = fresh.stats();
    std::printf("stats: %llu requests sent, %llu replies\n", static_cast<unsigned long long>(stats.requests_sent),
                static_cast<unsigned long long>(stats.replies_received));
    EXPECT(stats.requests_sent > 10 && stats.connections == 1);
}

// An event loop runs the callbacks itself: the descriptor is readable while some wait.
static void event_loop(const std::string& connect_string, zk::Client& writer) {
    std::string seen; // declared before the client: its callbacks may run until it is gone
    std::thread::id callback_thread;
    zk::Client looped(connect_string);
    int fd = looped.dispatch_fd();
    looped.start();
    looped
        .exists_watch("/looped",
                      [&](const zk::WatchEvent& event) {
                          seen = event.path;
                          callback_thread = std::this_thread::get_id();
                      })
        .watch.detach();
    writer.create("/looped");
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (seen.empty()) {
        EXPECT(std::chrono::steady_clock::now() < deadline);
        pollfd ready{fd, POLLIN, 0};
        if (poll(&ready, 1, 1000) > 0) {
            looped.dispatch();
        }
    }
    std::printf("event loop: the watch for %s ran on the loop's own thread\n", seen.c_str());
    EXPECT(callback_thread == std::this_thread::get_id());
}

int main(int argc, char** argv) {
    const char* env = std::getenv("ZK_HOSTS");
    std::string hosts = argc > 1 ? argv[1] : (env != nullptr && env[0] != '\0' ? env : "127.0.0.1:2181");
    std::string connect_string =
        hosts + "/zkclient-cpp-recipes-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(getpid());
    // The log callback: every line at INFO and above, from any thread.
    std::atomic<int> log_lines{0};
    std::atomic<bool> saw_connected{false};
    zk::set_log_callback(zk::LogLevel::info, [&](zk::LogLevel, std::string_view target, std::string_view message) {
        log_lines++;
        if (target == "zkclient::session" && message.find("connected") != std::string_view::npos) {
            saw_connected = true;
        }
    });
    try {
        zk::Client zk(connect_string);
        zk::Client other(connect_string);
        zk.start();
        other.start();
        zk.ensure_path("/");
        recipes(zk, other);
        tree_cache(zk, other);
        transactions_and_async(zk);
        session_and_admin(connect_string);
        event_loop(connect_string, other);
        zk.remove_recursive("/");
    } catch (const zk::Error& e) {
        std::fprintf(stderr, "cpp_recipes: %s\n", e.what());
        return 1;
    }
    zk::set_log_callback(zk::LogLevel::off, nullptr);
    std::printf("log callback: %d lines, a connection among them: %s\n", log_lines.load(),
                saw_connected ? "yes" : "no");
    EXPECT(log_lines > 0 && saw_connected);
    std::printf("cpp_recipes: all steps passed\n");
    return 0;
}
