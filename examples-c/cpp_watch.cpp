// zkclient watches in C++: std::function callbacks, and callbacks that call the client.
//
// 1. A one-shot watch (exists_watch) whose std::function fires once, for the creation.
// 2. A watcher that calls back into the client from its callback, blocking calls included:
//    it re-reads the node and sets the next watch itself, without deadlock.
// 3. An async completion that calls the client (a blocking get_children) from its callback.
// 4. A persistent recursive watch owned by a zk::Watch: destroying the object removes it.
// 5. DataWatch (a lambda returning void: keeps watching) and ChildrenWatch (returns false
//    to stop).
// 6. An exception thrown by a watcher is caught before it reaches C and handed to the
//    handler set with zk::set_callback_exception_handler(); the client goes on.
//
// Every std::function handed to the library captures a Token: its destructor counts, so the
// program checks that each function is destroyed once its registration ends (a second
// destruction would be a double free, which the sanitizer build reports).
//
// Callbacks run on a zkclient dispatcher thread, one at a time, in the order the server sent
// the events; they record what they see in a log, and the main thread waits on a condition
// variable for each entry it expects (30 s at most): no sleeps.
// Usage: cpp_watch [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
#include <zkclient.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unistd.h>

#define EXPECT(condition)                                                                                              \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition);                              \
            std::exit(1);                                                                                              \
        }                                                                                                              \
    } while (0)

using namespace std::chrono_literals;

// What the callbacks saw, and the main thread's bounded waits for it.
class EventLog {
public:
    // Called by the callbacks (on the dispatcher thread).
    void record(const std::string& entry) {
        std::lock_guard<std::mutex> guard(mutex_);
        std::printf("  [callback] %s\n", entry.c_str());
        std::fflush(stdout);
        entries_.push_back(entry);
        changed_.notify_all();
    }
    // The main thread: the next entry must be `expected`.
    void expect(const std::string& expected) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed_.wait_for(lock, 30s, [this] { return !entries_.empty(); })) {
            std::fprintf(stderr, "no \"%s\" within 30 s\n", expected.c_str());
            std::exit(1);
        }
        if (entries_.front() != expected) {
            std::fprintf(stderr, "expected the callback entry \"%s\", got \"%s\"\n", expected.c_str(),
                         entries_.front().c_str());
            std::exit(1);
        }
        entries_.pop_front();
    }
    // The main thread: every Token made so far has been destroyed.
    void expect_all_destroyed() {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed_.wait_for(lock, 30s, [this] { return destroyed_ == made_; })) {
            std::fprintf(stderr, "%d callbacks handed to the library, %d destroyed after 30 s\n", made_, destroyed_);
            std::exit(1);
        }
    }
    bool empty() {
        std::lock_guard<std::mutex> guard(mutex_);
        return entries_.empty();
    }
    int made() {
        std::lock_guard<std::mutex> guard(mutex_);
        return made_;
    }
    int destroyed() {
        std::lock_guard<std::mutex> guard(mutex_);
        return destroyed_;
    }

    // Captured by every callback: counts the destruction of the function that holds it.
    class Token {
    public:
        explicit Token(EventLog* log) : log_(log) {
            std::lock_guard<std::mutex> guard(log_->mutex_);
            log_->made_++;
        }
        Token(const Token&) = delete;
        Token& operator=(const Token&) = delete;
        ~Token() {
            std::lock_guard<std::mutex> guard(log_->mutex_);
            log_->destroyed_++;
            log_->changed_.notify_all();
        }

    private:
        EventLog* log_;
    };
    std::shared_ptr<Token> token() { return std::make_shared<Token>(this); }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> entries_;
    int made_ = 0;
    int destroyed_ = 0;
};

static EventLog events;

// The exception handler: a plain function (it must not throw), on the callback's thread.
static void on_callback_exception(std::exception_ptr error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        events.record(std::string("handler caught: ") + e.what());
    } catch (...) {
        events.record("handler caught: something else");
    }
}

// Proves that no other callback is pending: ZooKeeper sends a session its watch events in
// the order of the changes, and the callbacks run in that order. So when a watch set now on
// a fresh marker node fires for the writer's creation of it, an event of any earlier change
// would have come first.
static void expect_quiet(zk::Client& zk, zk::Client& writer, const std::string& marker) {
    zk::WatchedExists watched = zk.exists_watch(marker, [t = events.token()](const zk::WatchEvent& event) {
        events.record("marker: " + std::string(zk::to_string(event.type)) + " " + event.path);
    });
    EXPECT(!watched.stat);
    writer.create(marker);
    events.expect("marker: CREATED " + marker);
}

static void run(const std::string& connect_string) {
    zk::Client zk(connect_string);     // sets the watches
    zk::Client writer(connect_string); // another session: makes the changes
    zk.start();
    writer.start();
    writer.ensure_path("/"); // the chroot node itself
    std::printf("connected two clients to %s\n", connect_string.c_str());

    // 1. A one-shot watch: fires once, for the next change only.
    std::printf("\n1. one-shot watch (exists_watch)\n");
    {
        auto [stat, watch] = zk.exists_watch("/node", [t = events.token()](const zk::WatchEvent& event) {
            events.record("exists watch: " + std::string(zk::to_string(event.type)) + " " + event.path);
        });
        EXPECT(!stat);
        std::printf("writer creates /node = \"v1\"\n");
        writer.create("/node", "v1");
        events.expect("exists watch: CREATED /node");
        EXPECT(!watch.remove()); // it fired: nothing left to remove
    }
    events.expect_all_destroyed();

    // 2. A watcher that calls the client: it re-reads the node (a blocking get, inside the
    //    callback) and sets its next watch from there. No deadlock: replies to blocking calls
    //    do not queue behind callbacks.
    std::printf("\n2. a watcher that calls back into the client\n");
    std::atomic<bool> keep_rearming{true};
    zk::Watcher rereader;
    rereader = [&zk, &rereader, &keep_rearming, t = events.token()](const zk::WatchEvent& event) {
        if (event.type != zk::EventType::changed) {
            events.record(std::string("rereader: ") + zk::to_string(event.type));
            return;
        }
        if (keep_rearming) {
            // The next watch: detached, so that it outlives this call; it ends when it fires.
            zk::WatchedNode<> next = zk.get_watch(event.path, rereader);
            next.watch.detach();
            events.record("rereader: " + event.path + " is now \"" + next.data + "\", watch set again");
        } else {
            events.record("rereader: " + event.path + " is now \"" + zk.get(event.path).data + "\", done");
        }
    };
    zk.get_watch("/node", rereader).watch.detach();
    writer.set("/node", "v2");
    events.expect("rereader: /node is now \"v2\", watch set again");
    keep_rearming = false; // read by the callback, on the dispatcher thread
    writer.set("/node", "v3");
    events.expect("rereader: /node is now \"v3\", done");
    rereader = nullptr; // our copy; the library's copies are gone once their watches fired
    expect_quiet(zk, writer, "/marker-1");
    events.expect_all_destroyed();

    // 3. An async completion that calls the client: completions run on the dispatcher thread
    //    too, and may block on the client.
    std::printf("\n3. an async completion that calls back into the client\n");
    zk.get_async("/node", [&zk, t = events.token()](std::error_code ec, std::string_view data, const zk::Stat& stat) {
        EXPECT(!ec);
        std::vector<std::string> children = zk.get_children("/"); // blocking, inside the completion
        events.record("completion: /node = \"" + std::string(data) + "\" version " + std::to_string(stat.version) +
                      ", then " + std::to_string(children.size()) + " children of / read inside it");
    });
    events.expect("completion: /node = \"v3\" version 2, then 2 children of / read inside it");
    events.expect_all_destroyed();

    // 4. A persistent recursive watch, owned by a zk::Watch object: every change under
    //    /tree, until the object goes.
    std::printf("\n4. a persistent recursive watch owned by a zk::Watch\n");
    writer.create("/tree");
    {
        zk::Watch tree = zk.add_watch(
            "/tree", zk::WatchMode::persistent_recursive, [t = events.token()](const zk::WatchEvent& event) {
                events.record("tree: " + std::string(zk::to_string(event.type)) + " " + event.path);
            });
        writer.create("/tree/a", "1");
        events.expect("tree: CREATED /tree/a");
        writer.set("/tree/a", "2");
        events.expect("tree: CHANGED /tree/a");
    } // ~Watch: removed
    events.expect_all_destroyed();
    writer.create("/tree/b");
    expect_quiet(zk, writer, "/marker-2");
    std::printf("no event for /tree/b: the zk::Watch was destroyed, which removed the watch\n");

    // 5. DataWatch and ChildrenWatch.
    std::printf("\n5. DataWatch and ChildrenWatch\n");
    {
        zk::DataWatch config(zk, "/node",
                             [t = events.token()](std::string_view data, const std::optional<zk::Stat>& stat,
                                                  const std::optional<zk::WatchEvent>& event) {
                                 // returns void: keeps watching until cancelled
                                 events.record("data watch: " + (stat ? "\"" + std::string(data) + "\"" : "no node") +
                                               " after " + (event ? zk::to_string(event->type) : "start"));
                             });
        events.expect("data watch: \"v3\" after start");
        writer.set("/node", "v4");
        events.expect("data watch: \"v4\" after CHANGED");
        writer.remove("/node");
        events.expect("data watch: no node after DELETED");
        zk::ChildrenWatch children(zk, "/tree",
                                   [t = events.token()](const std::vector<std::string>& names,
                                                        const std::optional<zk::Stat>&,
                                                        const std::optional<zk::WatchEvent>&) {
                                       std::string list;
                                       for (const std::string& name : names) {
                                           list += (list.empty() ? "" : " ") + name;
                                       }
                                       bool stop = names.size() >= 3;
                                       events.record("children watch: [" + list + "]" + (stop ? ", stopping" : ""));
                                       return !stop; // false: no more calls
                                   });
        events.expect("children watch: [a b]");
        writer.create("/tree/c");
        events.expect("children watch: [a b c], stopping");
        writer.create("/tree/d");
        expect_quiet(zk, writer, "/marker-3");
    } // ~DataWatch cancels, ~ChildrenWatch releases
    events.expect_all_destroyed();

    // 6. An exception leaving a callback never reaches C: the handler gets it.
    std::printf("\n6. an exception thrown by a watcher\n");
    zk::set_callback_exception_handler(&on_callback_exception);
    zk.exists_watch("/boom", [t = events.token()](const zk::WatchEvent&) {
          throw std::runtime_error("a watcher failed");
      }).watch.detach();
    writer.create("/boom");
    events.expect("handler caught: a watcher failed");
    zk::set_callback_exception_handler(nullptr); // back to the default (prints to stderr)
    EXPECT(zk.exists("/boom"));                  // the client goes on
    events.expect_all_destroyed();

    writer.remove_recursive("/");
    writer.stop();
    zk.stop();
}

int main(int argc, char** argv) {
    const char* env = std::getenv("ZK_HOSTS");
    std::string hosts = argc > 1 ? argv[1] : (env != nullptr && env[0] != '\0' ? env : "127.0.0.1:2181");
    std::string connect_string =
        hosts + "/zkclient-cpp-watch-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(getpid());
    try {
        run(connect_string);
    } catch (const zk::Error& e) {
        std::fprintf(stderr, "cpp_watch: %s\n", e.what());
        return 1;
    }
    // The clients are gone: every callback was destroyed exactly once, and nothing was
    // recorded that the main thread did not expect.
    events.expect_all_destroyed();
    EXPECT(events.empty());
    std::printf("\ncallbacks handed to the library: %d, destroyed: %d\n", events.made(), events.destroyed());
    std::printf("cpp_watch: all steps passed\n");
    return 0;
}
