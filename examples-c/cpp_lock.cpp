// zkclient lock in C++: kazoo's Lock recipe as a standard Lockable.
//
// zk::Lock has lock(), unlock() and try_lock() (and try_lock_for/until), so the standard
// guards work with it: std::lock_guard, std::unique_lock, std::scoped_lock. Two clients (two
// sessions) contend: while alice's std::lock_guard holds the lock, bob's try_lock fails; once
// the guard is gone, bob's succeeds, with a larger fencing token. Then a timed wait on
// another thread, a cancelled wait, and two locks taken together by std::scoped_lock.
// Usage: cpp_lock [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
#include <zkclient.hpp>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <memory>
#include <mutex>
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

static void run(const std::string& connect_string, std::weak_ptr<int>& listener_alive) {
    zk::Client alice_zk(connect_string);
    zk::Client bob_zk(connect_string);
    alice_zk.start();
    bob_zk.start();

    // Alice's lock is made with options: a state listener, which would tell her if her
    // connection were suspended (she could no longer be sure she holds the lock) or her
    // session lost; and kazoo's extra contender pattern "-lock-", so that Curator's and
    // go-zk's lock nodes on the same path count too. The listener (a std::function) belongs
    // to the library from here on: `alive` proves it is destroyed once the lock is gone.
    std::atomic<int> state_changes{0};
    auto alive = std::make_shared<int>(0);
    listener_alive = alive;
    zk::Lock alice(alice_zk, "/resource", "alice", zk::LockOptions().extra_patterns({"-lock-"}),
                   [&state_changes, alive](zk::State state) {
                       state_changes++;
                       std::fprintf(stderr, "alice: connection %s while holding the lock\n", zk::to_string(state));
                   });
    alive.reset();
    zk::Lock bob(bob_zk, "/resource", "bob");

    // 1. std::lock_guard: lock() waits as long as it takes; the guard's end unlocks.
    std::int64_t alice_token = 0;
    {
        std::lock_guard<zk::Lock> guard(alice);
        EXPECT(alice.is_acquired());
        alice_token = alice.fencing_token();
        std::printf("alice holds the lock (std::lock_guard), fencing token %" PRId64 "\n", alice_token);

        // 2. Bob cannot have it: try_lock returns at once, a timed try gives up.
        EXPECT(!bob.try_lock());
        std::printf("bob: try_lock failed while alice's lock_guard holds it\n");
        EXPECT(!bob.try_lock_for(200ms));
        std::printf("bob: try_lock_for(200 ms) gave up\n");
        {
            std::unique_lock<zk::Lock> attempt(bob, std::try_to_lock);
            EXPECT(!attempt.owns_lock());
            std::printf("bob: std::unique_lock(try_to_lock) does not own it\n");
        }
        std::vector<std::string> contenders = bob.contenders();
        std::printf("contenders: %s\n", join(contenders).c_str());
        EXPECT(contenders == std::vector<std::string>{"alice"});
    } // ~lock_guard: alice.unlock()
    EXPECT(!alice.is_acquired());

    // 3. The guard is gone: bob's try_lock succeeds, with a larger token.
    EXPECT(bob.try_lock());
    std::unique_lock<zk::Lock> bob_holds(bob, std::adopt_lock);
    std::int64_t bob_token = bob.fencing_token();
    std::printf("bob: try_lock succeeded after the lock_guard released it (fencing token %" PRId64 ")\n", bob_token);
    EXPECT(bob_token > alice_token);

    // 4. TimedLockable on another thread: alice waits up to 20 s (std::unique_lock with a
    //    duration calls try_lock_for) while bob still holds the lock; bob releases it.
    std::promise<std::int64_t> alice_got;
    std::thread waiter([&] {
        std::unique_lock<zk::Lock> timed(alice, 20s);
        alice_got.set_value(timed.owns_lock() ? alice.fencing_token() : -1);
    });
    bob_holds.unlock();
    std::int64_t waited_token = alice_got.get_future().get();
    waiter.join();
    std::printf("alice's timed wait got the lock once bob unlocked it (fencing token %" PRId64 ")\n", waited_token);
    EXPECT(waited_token > bob_token);
    EXPECT(!alice.is_acquired()); // the waiter's unique_lock released it

    // 5. A wait that is cancelled: lock() cannot return false, so it throws Errc::closed.
    EXPECT(bob.try_lock());
    std::promise<std::error_code> cancelled;
    std::thread blocked([&] {
        try {
            std::lock_guard<zk::Lock> never(alice);
            cancelled.set_value(std::error_code());
        } catch (const zk::Error& e) {
            cancelled.set_value(e.code());
        }
    });
    alice.cancel(); // from any thread; if alice is not waiting yet, her next wait stops at once
    std::error_code why = cancelled.get_future().get();
    blocked.join();
    std::printf("alice's lock() was cancelled: %s\n", why.message().c_str());
    EXPECT(why == zk::Errc::closed);
    bob.unlock();

    // 6. Two locks at once with std::scoped_lock (std::lock's deadlock avoidance).
    zk::Lock alice_a(alice_zk, "/resource-a", "alice");
    zk::Lock alice_b(alice_zk, "/resource-b", "alice");
    zk::Lock bob_b(bob_zk, "/resource-b", "bob");
    {
        std::scoped_lock both(alice_a, alice_b);
        EXPECT(alice_a.is_acquired() && alice_b.is_acquired());
        EXPECT(!bob_b.try_lock());
        std::printf("alice holds /resource-a and /resource-b (std::scoped_lock); bob cannot take /resource-b\n");
    }
    EXPECT(bob_b.try_lock());
    bob_b.unlock();

    // 7. The locks are destroyed before their clients (a held lock is released then).
    alice = zk::Lock(); // destroys alice's lock: her listener goes with it (at the latest with her client)
    alice_zk.remove_recursive("/");
    alice_zk.stop();
    bob_zk.stop();
    // The connection never wavered: no state change was reported.
    EXPECT(state_changes == 0);
} // the clients are destroyed here (after the locks made from them)

int main(int argc, char** argv) {
    const char* env = std::getenv("ZK_HOSTS");
    std::string hosts = argc > 1 ? argv[1] : (env != nullptr && env[0] != '\0' ? env : "127.0.0.1:2181");
    // A chroot of our own, so that the example never touches anybody else's nodes.
    std::string connect_string =
        hosts + "/zkclient-cpp-lock-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(getpid());
    std::weak_ptr<int> listener_alive;
    try {
        run(connect_string, listener_alive);
    } catch (const zk::Error& e) {
        std::fprintf(stderr, "cpp_lock: %s\n", e.what());
        return 1;
    }
    // zk_client_free() returned only after every user-data destructor ran: alice's listener
    // (its std::function and what it captured) is gone.
    EXPECT(listener_alive.expired());
    std::printf("alice's state listener was destroyed with her lock and client\n");
    std::printf("cpp_lock: all steps passed\n");
    return 0;
}
