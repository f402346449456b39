// zkclient errors in C++: exceptions, and the non-throwing overloads.
//
// Every operation comes twice. The plain one throws zk::Error, a std::system_error (so a
// std::runtime_error) whose code() is a std::error_code of zk::category(): compare it with
// zk::Errc. The other takes a trailing std::error_code& and throws nothing of its own
// (std::filesystem's scheme); zk::last_error_message() then says why, as what() does.
// Usage: cpp_errors [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
#include <zkclient.hpp>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
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

static bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

static void run(const std::string& connect_string) {
    zk::Client zk(connect_string);
    zk.start();
    zk.ensure_path("/");

    // 1. An exception: zk::Error with the code ZK_ENONODE, caught by its own type...
    try {
        zk.get("/missing");
        EXPECT(!"a missing node was read");
    } catch (const zk::Error& e) {
        std::printf("get /missing: %s\n", e.what());
        EXPECT(e.code() == zk::Errc::no_node);        // a std::error_code, compared with zk::Errc
        EXPECT(e.errc() == zk::Errc::no_node);        // or the zk::Errc itself
        EXPECT(e.code().value() == ZK_ENONODE);       // the C API's number
        EXPECT(contains(e.detail(), "\"/missing\"")); // zk_last_error_message(): names the path
    }
    // ... or as what it derives from.
    try {
        zk.remove("/missing");
    } catch (const std::system_error& e) {
        EXPECT(e.code().category() == zk::category());
        std::printf("remove /missing, caught as std::system_error: category %s, code %s\n", e.code().category().name(),
                    e.code().message().c_str());
    }
    try {
        zk.set("/missing", "x");
    } catch (const std::runtime_error& e) {
        std::printf("set /missing, caught as std::runtime_error: %s\n", e.what());
    }

    // 2. The non-throwing overloads: the code in a std::error_code, the reason right after.
    std::error_code ec;
    zk::Node node;
    {
        zk::Client other(connect_string);
        other.start();
        zk::Watch watch = other.exists_watch("/elsewhere", [](const zk::WatchEvent&) {}).watch;
        other.stop(); // the session's end removes the watch: removing it again will fail

        node = zk.get("/missing", ec);
        std::printf("non-throwing get /missing: %s (%s)\n", ec.message().c_str(), zk::last_error_message().c_str());
        EXPECT(ec == zk::Errc::no_node);
        EXPECT(node.data.empty());
    } // ~Watch (its removal fails quietly) and ~Client: the reason read above stays
    EXPECT(contains(zk::last_error_message(), "\"/missing\""));
    zk.create("/present", "here", ec); // success clears it
    EXPECT(!ec);
    node = zk.get("/present", ec);
    EXPECT(!ec && node.data == "here");
    std::optional<zk::Stat> stat = zk.exists("/missing", ec); // not an error: empty
    EXPECT(!ec && !stat);

    // 3. Bad input the header refuses itself: a NUL byte inside a path would cut it short in
    //    C, so it is Errc::bad_path, with a message of its own. Nothing is sent.
    std::string with_nul("/present\0/other", 15);
    zk.get(with_nul, ec);
    std::printf("get of a path with a NUL byte: %s (%s)\n", ec.message().c_str(), zk::last_error_message().c_str());
    EXPECT(ec == zk::Errc::bad_path);
    try {
        zk.create(with_nul, "x");
        EXPECT(!"a path with a NUL byte was accepted");
    } catch (const zk::Error& e) {
        EXPECT(e.code() == zk::Errc::bad_path && contains(e.what(), "NUL"));
    }
    zk.get("no/slash", ec); // and the C API's own path rules
    EXPECT(ec == zk::Errc::bad_path);

    // 4. A moved-from handle is empty, not dangling: the C API refuses its NULL handle.
    zk::Lock lock(zk, "/lock", "me");
    zk::Lock moved = std::move(lock);
    lock.try_acquire(ec);
    std::printf("try_acquire on a moved-from lock: %s (%s)\n", ec.message().c_str(), zk::last_error_message().c_str());
    EXPECT(ec == zk::Errc::invalid_argument);
    EXPECT(moved.try_acquire(ec) && !ec);
    moved.release();

    // 5. A refused transaction: zk::TransactionError carries every operation's result.
    zk::Stat present = zk.exists("/present").value();
    try {
        zk::Transaction(zk).check("/present", present.version + 1).create("/never", "x").commit();
        EXPECT(!"a transaction with a stale check was applied");
    } catch (const zk::TransactionError& e) {
        std::printf("refused transaction: %s; results: %s, %s\n", e.what(), e.results()[0].error.message().c_str(),
                    e.results()[1].error.message().c_str());
        EXPECT(e.code() == zk::Errc::bad_version);
        EXPECT(e.results().size() == 2 && e.results()[0].error == zk::Errc::bad_version &&
               e.results()[1].error == zk::Errc::runtime_inconsistency);
    }
    std::vector<zk::OpResult> results =
        zk::Transaction(zk).check("/present", present.version).set("/present", "there", present.version).commit(ec);
    EXPECT(!ec && results.size() == 2 && results[1].stat.version == present.version + 1);

    // 6. retry(): a zk::Error with a retried code (here zk::force_retry()) tries again; a
    //    code that is not retried ends it at once, as it was thrown; so does any other
    //    exception.
    int attempts = 0;
    std::string value = zk.retry(zk::RetryPolicy().max_tries(5).delay(std::chrono::milliseconds(1)), [&] {
        if (++attempts < 3) {
            zk::force_retry();
        }
        return zk.get("/present").data;
    });
    std::printf("retry: \"%s\" after %d attempts\n", value.c_str(), attempts);
    EXPECT(value == "there" && attempts == 3);
    attempts = 0;
    try {
        zk.retry([&] {
            attempts++;
            return zk.get("/missing");
        });
        EXPECT(!"retry returned a missing node");
    } catch (const zk::Error& e) {
        std::printf("retry of get /missing: %s, after %d attempt\n", e.what(), attempts);
        EXPECT(e.code() == zk::Errc::no_node && attempts == 1);
    }
    try {
        zk.retry([] { throw std::logic_error("not a ZooKeeper error"); });
    } catch (const std::logic_error& e) {
        std::printf("retry of a function that throws std::logic_error: propagated (%s)\n", e.what());
    }
    // Without exceptions: the function returns a std::error_code.
    attempts = 0;
    zk.retry(
        zk::RetryPolicy().max_tries(3).delay(std::chrono::milliseconds(1)),
        [&]() -> std::error_code {
            attempts++;
            return make_error_code(zk::Errc::connection_loss);
        },
        ec);
    std::printf("non-throwing retry, always connection loss: %s after %d attempts (%s)\n", ec.message().c_str(),
                attempts, zk::last_error_message().c_str());
    EXPECT(ec == zk::Errc::connection_loss && attempts == 3);

    // 7. An async operation's error comes to its completion (never thrown); inside it,
    //    zk::last_error_message() explains it.
    std::promise<std::string> failed;
    zk.remove_async("/missing", [&failed](std::error_code error) {
        failed.set_value(error.message() + " (" + zk::last_error_message() + ")");
    });
    std::string completion = failed.get_future().get();
    std::printf("remove_async /missing: %s\n", completion.c_str());
    EXPECT(contains(completion, "ZK_ENONODE"));

    // 8. A stopped client: Errc::closed, for every call.
    zk.remove_recursive("/");
    zk.stop();
    zk.exists("/present", ec);
    std::printf("exists on a stopped client: %s\n", ec.message().c_str());
    EXPECT(ec == zk::Errc::closed);
}

int main(int argc, char** argv) {
    const char* env = std::getenv("ZK_HOSTS");
    std::string hosts = argc > 1 ? argv[1] : (env != nullptr && env[0] != '\0' ? env : "127.0.0.1:2181");
    std::string connect_string =
        hosts + "/zkclient-cpp-errors-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(getpid());
    try {
        run(connect_string);
    } catch (const zk::Error& e) {
        std::fprintf(stderr, "cpp_errors: %s\n", e.what());
        return 1;
    }
    std::printf("cpp_errors: all steps passed\n");
    return 0;
}
