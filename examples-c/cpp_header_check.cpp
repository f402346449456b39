// zkclient.hpp compiles alone and twice, with strict warnings, with and without exceptions
// (this file is built both ways). It checks what needs no server: every owner is movable and
// not copyable; zk::Lock and zk::Semaphore meet the standard Lockable and TimedLockable
// requirements; zk::Errc is a std::error_code enum; the header's and library's versions
// agree; bad input comes back as an error code with a message, never a crash; and a
// std::function handed to a registration that fails is destroyed at once, exactly once.
#include <zkclient.hpp>
#include <zkclient.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#define EXPECT(condition)                                                                                              \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition);                              \
            std::exit(1);                                                                                              \
        }                                                                                                              \
    } while (0)

// Every owner of a C handle: movable (without throwing), not copyable.
template <class T>
constexpr bool is_owner_v =
    !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> && std::is_nothrow_move_constructible_v<T> &&
    std::is_nothrow_move_assignable_v<T> && std::is_nothrow_destructible_v<T>;
static_assert(is_owner_v<zk::Client> && is_owner_v<zk::Watch> && is_owner_v<zk::Options> &&
                  is_owner_v<zk::TlsOptions> && is_owner_v<zk::SaslOptions> && is_owner_v<zk::Transaction> &&
                  is_owner_v<zk::Lock> && is_owner_v<zk::ReadLock> && is_owner_v<zk::WriteLock> &&
                  is_owner_v<zk::Semaphore> && is_owner_v<zk::Counter> && is_owner_v<zk::Barrier> &&
                  is_owner_v<zk::DoubleBarrier> && is_owner_v<zk::Party> && is_owner_v<zk::ShallowParty> &&
                  is_owner_v<zk::Queue> && is_owner_v<zk::LockingQueue> && is_owner_v<zk::Election> &&
                  is_owner_v<zk::Partitioner> && is_owner_v<zk::TreeCache> && is_owner_v<zk::DataWatch> &&
                  is_owner_v<zk::ChildrenWatch> && is_owner_v<zk::EnsembleConfig>,
              "every owner of a C handle is movable and not copyable");
static_assert(std::is_nothrow_default_constructible_v<zk::Client> &&
                  std::is_nothrow_default_constructible_v<zk::Lock> &&
                  std::is_nothrow_default_constructible_v<zk::EnsembleConfig>,
              "an empty owner costs nothing");

// Lockable: lock(), try_lock() -> bool, unlock() that never throws; TimedLockable:
// try_lock_for(duration) and try_lock_until(time_point).
template <class L, class = void>
struct is_timed_lockable : std::false_type {};
template <class L>
struct is_timed_lockable<
    L, std::void_t<decltype(std::declval<L&>().lock()), decltype(std::declval<L&>().unlock()),
                   decltype(bool(std::declval<L&>().try_lock())),
                   decltype(bool(std::declval<L&>().try_lock_for(std::chrono::milliseconds(1)))),
                   decltype(bool(std::declval<L&>().try_lock_until(std::chrono::steady_clock::now())))>>
    : std::bool_constant<noexcept(std::declval<L&>().unlock())> {};
static_assert(is_timed_lockable<zk::Lock>::value && is_timed_lockable<zk::Semaphore>::value,
              "zk::Lock and zk::Semaphore are TimedLockable");
// Every member of the standard guards compiles with them.
template class std::lock_guard<zk::Lock>;
template class std::unique_lock<zk::Lock>;
template class std::unique_lock<zk::ReadLock>;
template class std::unique_lock<zk::Semaphore>;

static_assert(std::is_error_code_enum_v<zk::Errc>, "zk::Errc converts to std::error_code");
static_assert(std::is_base_of_v<std::system_error, zk::Error> && std::is_base_of_v<std::runtime_error, zk::Error> &&
                  std::is_base_of_v<zk::Error, zk::TransactionError>,
              "zk::Error is a std::system_error");
static_assert(static_cast<int>(zk::Errc::no_node) == ZK_ENONODE && static_cast<int>(zk::Errc::not_tls) == ZK_ENOTTLS &&
                  static_cast<int>(zk::Errc::invalid_argument) == ZK_EINVAL,
              "zk::Errc keeps the C API's numbers");
static_assert(std::is_same_v<zk::Stat, zk_stat>, "zk::Stat is the C struct");

// The templates, instantiated for both kinds of buffer.
template zk::BasicNode<zk::Bytes> zk::Client::get<zk::Bytes>(zk::CStr);
template zk::BasicNode<std::string> zk::Client::get<std::string>(zk::CStr, std::error_code&);
template zk::WatchedNode<zk::Bytes> zk::Client::get_watch<zk::Bytes>(zk::CStr, zk::Watcher);
template std::optional<zk::Bytes> zk::Queue::get<zk::Bytes>(std::chrono::milliseconds);
template std::optional<std::vector<char>> zk::LockingQueue::get<std::vector<char>>(std::chrono::milliseconds);
template std::optional<zk::BasicNode<zk::Bytes>> zk::TreeCache::get_data<zk::Bytes>(zk::CStr);

// Checks that `ec` is `code` and prints the message that explains it.
static void expect_code(const char* what, const std::error_code& ec, zk::Errc code) {
    std::string message = zk::last_error_message();
    std::printf("%s: %s (%s)\n", what, ec.message().c_str(), message.c_str());
    if (ec != code || message.empty()) {
        std::fprintf(stderr, "%s: expected %s with a message\n", what, zk::to_string(code));
        std::exit(1);
    }
}

int main() {
    // Versions.
    EXPECT(std::strcmp(ZKCLIENT_VERSION, zk::version()) == 0);
    std::printf("header and library agree: zkclient %s\n", zk::version());
    std::printf(ZKCLIENT_HPP_EXCEPTIONS ? "built with exceptions\n" : "built without exceptions\n");

    // Error codes.
    std::error_code ec = zk::Errc::timeout;
    EXPECT(ec.value() == ZK_ETIMEOUT && ec.category() == zk::category());
    EXPECT(std::string(zk::category().name()) == "zkclient" && ec.message() == "ZK_ETIMEOUT");
    EXPECT(make_error_code(zk::Errc::no_node) == zk::Errc::no_node && ec != zk::Errc::no_node);
    zk::Error error(zk::Errc::no_node, "no node (path \"/a\")");
    EXPECT(std::string(error.what()) == "ZK_ENONODE: no node (path \"/a\")" && error.errc() == zk::Errc::no_node);

    // Bytes: zeros are data, and every container views the same way.
    std::vector<std::byte> bytes{std::byte{0}, std::byte{'a'}};
    zk::BytesView view(bytes);
    EXPECT(view.size() == 2 && view.data() != nullptr && view.view() == std::string_view("\0a", 2));
    EXPECT(zk::BytesView("abc").size() == 3 && zk::BytesView(std::string("\0b", 2)).size() == 2);
    EXPECT(zk::BytesView().data() == nullptr && zk::BytesView(std::string()).empty());

    // An empty client: every call is refused, never a crash.
    zk::Client empty;
    empty.exists("/x", ec);
    expect_code("exists on an empty client", ec, zk::Errc::invalid_argument);

    // A client that never starts (nothing listens on port 1): calls fail with codes.
    zk::Client offline("127.0.0.1:1", ec);
    EXPECT(!ec && offline);
    offline.exists("/x", ec);
    expect_code("exists before start", ec, zk::Errc::closed);
    offline.get(std::string("/a\0b", 4), ec);
    expect_code("get of a path with a NUL byte", ec, zk::Errc::bad_path);
    offline.get("relative", ec);
    expect_code("get of a relative path", ec, zk::Errc::bad_path);
    offline.start(std::chrono::milliseconds(-5), ec);
    expect_code("start with a negative timeout", ec, zk::Errc::invalid_argument);

    // A registration that fails destroys its std::function at once (the C API's free
    // function, called exactly once); a refused async call never calls its completion.
    auto token = std::make_shared<int>(0);
    std::weak_ptr<int> alive = token;
    zk::WatchedExists watched = offline.exists_watch(
        "/x", [token](const zk::WatchEvent&) {}, ec);
    token.reset();
    expect_code("exists_watch before start", ec, zk::Errc::closed);
    EXPECT(alive.expired() && !watched.watch);
    bool called = false;
    token = std::make_shared<int>(0);
    alive = token;
    offline.get_async(
        "/x", [token, &called](std::error_code, std::string_view, const zk::Stat&) { called = true; }, ec);
    token.reset();
    expect_code("get_async before start", ec, zk::Errc::closed);
    EXPECT(alive.expired() && !called);
    token = std::make_shared<int>(0);
    alive = token;
    zk::set_log_callback(
        static_cast<zk::LogLevel>(9), [token](zk::LogLevel, std::string_view, std::string_view) {}, ec);
    token.reset();
    expect_code("set_log_callback with level 9", ec, zk::Errc::invalid_argument);
    EXPECT(alive.expired());
    // A listener is kept until its client goes.
    token = std::make_shared<int>(0);
    alive = token;
    {
        zk::Client short_lived("127.0.0.1:1");
        short_lived.add_listener([token](zk::State, zk::KeeperState) {});
        token.reset();
        EXPECT(!alive.expired());
    }
    EXPECT(alive.expired());

    // Options and recipes refuse bad arguments.
    zk::Options options;
    options.session_timeout(std::chrono::milliseconds(0), ec);
    expect_code("session_timeout(0)", ec, zk::Errc::invalid_argument);
    options.session_timeout(std::chrono::milliseconds(-1), ec);
    expect_code("session_timeout(-1)", ec, zk::Errc::invalid_argument);
    zk::Options moved = std::move(options);
    zk::Client from_moved("127.0.0.1:1", options, ec);
    expect_code("a client from moved-from options", ec, zk::Errc::invalid_argument);
    EXPECT(!from_moved);
    zk::Lock lock(offline, "/lock", std::string("a\0b", 3), ec);
    expect_code("a lock identifier with a NUL byte", ec, zk::Errc::invalid_argument);
    EXPECT(!lock);
    zk::Lock offline_lock(offline, "/lock", "me", ec);
    EXPECT(!ec && offline_lock);
    EXPECT(!offline_lock.try_acquire(ec));
    expect_code("try_acquire before start", ec, zk::Errc::closed);
    zk::Semaphore semaphore(offline, "/pool", "me", 0, ec);
    expect_code("a semaphore of 0 leases", ec, zk::Errc::invalid_argument);
    zk::TreeCache cache(offline, "/tree", -2, ec);
    expect_code("a tree cache of depth -2", ec, zk::Errc::invalid_argument);
    zk::Partitioner partitioner(offline, "/set", {"a", "b/c"}, ec);
    expect_code("a partition item with a slash", ec, zk::Errc::invalid_argument);
    zk::SaslOptions sasl = zk::SaslOptions::digest("", "password", ec);
    expect_code("SASL digest without a user name", ec, zk::Errc::invalid_argument);
    zk::TlsOptions tls;
    tls.ca_file(std::string("/etc/ca\0.pem", 11), ec);
    expect_code("a CA file name with a NUL byte", ec, zk::Errc::invalid_argument);
    zk::set_io_threads(0, ec);
    expect_code("set_io_threads(0)", ec, zk::Errc::invalid_argument);
    // The ensemble's configuration, whoAmI and host lists: refused before start, an empty
    // configuration is a valid object.
    zk::EnsembleConfig no_config = offline.get_config(ec);
    expect_code("get_config before start", ec, zk::Errc::closed);
    EXPECT(no_config.empty() && no_config.version() == 0 && no_config.data().empty() &&
           no_config.connect_string().empty() && !no_config.member(1) && no_config.stat().version == 0);
    EXPECT(std::string(zk::to_string(zk::MemberRole::observer)) == "observer");
    offline.who_am_i(ec);
    expect_code("who_am_i before start", ec, zk::Errc::closed);
    offline.reconfig_incremental({std::string("server.4=a\0b", 12)}, {}, zk::any_config_version, ec);
    expect_code("a reconfig spec with a NUL byte", ec, zk::Errc::invalid_argument);
    offline.update_hosts("127.0.0.1:2", ec);
    EXPECT(!ec && offline.hosts() == "127.0.0.1:2");
    empty.hosts(ec);
    expect_code("hosts of an empty client", ec, zk::Errc::invalid_argument);
    moved.host_resolution_delay(std::chrono::milliseconds(-1), ec);
    expect_code("host_resolution_delay(-1)", ec, zk::Errc::invalid_argument);
    std::string id = zk::digest_acl_id("alice", "secret", ec);
    EXPECT(!ec && id.rfind("alice:", 0) == 0);
    std::printf("digest ACL id of alice: %s\n", id.c_str());

#if ZKCLIENT_HPP_EXCEPTIONS
    // The throwing forms throw zk::Error with the same codes; so do the standard guards.
    try {
        empty.exists("/x");
        EXPECT(!"an empty client answered");
    } catch (const zk::Error& e) {
        std::printf("exists on an empty client throws: %s\n", e.what());
        EXPECT(e.code() == zk::Errc::invalid_argument);
    }
    try {
        std::unique_lock<zk::Lock> guard(offline_lock, std::try_to_lock);
        EXPECT(!"a lock was taken before start");
    } catch (const std::system_error& e) {
        std::printf("std::unique_lock(try_to_lock) before start throws: %s\n", e.what());
        EXPECT(e.code() == zk::Errc::closed);
    }
#endif
    std::printf("cpp_header_check: all steps passed\n");
    return 0;
}
