/**
 * \file zkclient.hpp
 * zkclient for C++17: RAII owners, std::function callbacks and exceptions over the C API of
 * zkclient.h. Header-only; link libzkclient as for C. See README.md, "C++".
 *
 * - Every handle of the C API has one owner here (zk::Client, zk::Lock, zk::Watch, ...):
 *   movable, not copyable, releasing its handle exactly once with its own C free function.
 * - Every operation that can fail comes twice: one throws zk::Error (a std::system_error
 *   whose code() is in zk::category(), compare it with zk::Errc), and one takes a trailing
 *   std::error_code& and throws nothing of its own (std::filesystem's scheme); after it
 *   failed, zk::last_error_message() explains why.
 * - Callbacks are std::function, carried through the C API's user data and destroyed exactly
 *   once when the registration ends. An exception leaving a callback is caught before it
 *   reaches C and handed to zk::set_callback_exception_handler()'s handler.
 * - Node data is bytes: zk::BytesView in (std::string, std::string_view, string literals,
 *   std::vector<std::byte>, ...), std::string or std::vector<std::byte> out, never C strings.
 * - Built without exceptions (-fno-exceptions), the std::error_code overloads work as usual
 *   and the throwing ones print the error and abort.
 */

#ifndef ZKCLIENT_HPP
#define ZKCLIENT_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "zkclient.hpp needs C++17 or later (zkclient.h is the C API)"
#endif

#include "zkclient.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
/** 1 when the program is built with exceptions, 0 with -fno-exceptions. */
#define ZKCLIENT_HPP_EXCEPTIONS 1
#else
/** 1 when the program is built with exceptions, 0 with -fno-exceptions. */
#define ZKCLIENT_HPP_EXCEPTIONS 0
#endif

/** zkclient's C++ API. */
namespace zk {

// ----------------------------------------------------------------------------------------
// Enumerations (the C API's numbers)
// ----------------------------------------------------------------------------------------

/** The connection state, as kazoo names it (`zk_state`). */
enum class State : std::int32_t {
    lost = ZK_STATE_LOST,           ///< No session: not started, stopped, expired or refused.
    suspended = ZK_STATE_SUSPENDED, ///< Connection lost; the session may live; reconnecting.
    connected = ZK_STATE_CONNECTED, ///< Connected with a live session.
};

/** The raw ZooKeeper keeper state (`zk_keeper_state`). */
enum class KeeperState : std::int32_t {
    disconnected = ZK_KEEPER_DISCONNECTED,               ///< Reconnecting (SUSPENDED).
    sync_connected = ZK_KEEPER_SYNC_CONNECTED,           ///< Connected read-write (CONNECTED).
    auth_failed = ZK_KEEPER_AUTH_FAILED,                 ///< Authentication failed (LOST).
    connected_read_only = ZK_KEEPER_CONNECTED_READ_ONLY, ///< Connected read-only (CONNECTED).
    sasl_authenticated = ZK_KEEPER_SASL_AUTHENTICATED,   ///< SASL accepted (CONNECTED).
    expired = ZK_KEEPER_EXPIRED,                         ///< The session expired (LOST).
    closed = ZK_KEEPER_CLOSED,                           ///< Stopped or not started (LOST).
};

/** What happened to a watched node (`zk_event_type`). */
enum class EventType : std::int32_t {
    session = ZK_EVENT_SESSION,                         ///< The session ended (expired or stopped): the watch is gone.
    created = ZK_EVENT_CREATED,                         ///< The node was created.
    deleted = ZK_EVENT_DELETED,                         ///< The node was deleted.
    changed = ZK_EVENT_CHANGED,                         ///< The node's data changed.
    child = ZK_EVENT_CHILD,                             ///< The node's children changed.
    data_watch_removed = ZK_EVENT_DATA_WATCH_REMOVED,   ///< Server notice.
    child_watch_removed = ZK_EVENT_CHILD_WATCH_REMOVED, ///< Server notice.
    persistent_watch_removed = ZK_EVENT_PERSISTENT_WATCH_REMOVED, ///< Server notice.
};

/** How a node is created (`zk_create_mode`). */
enum class CreateMode : std::int32_t {
    persistent = ZK_PERSISTENT,                                         ///< Lives until deleted.
    ephemeral = ZK_EPHEMERAL,                                           ///< Deleted when its session ends.
    persistent_sequential = ZK_PERSISTENT_SEQUENTIAL,                   ///< Persistent, with a sequence number.
    ephemeral_sequential = ZK_EPHEMERAL_SEQUENTIAL,                     ///< Ephemeral, with a sequence number.
    container = ZK_CONTAINER,                                           ///< Deleted some time after its last child.
    persistent_with_ttl = ZK_PERSISTENT_WITH_TTL,                       ///< Deleted after its TTL without change.
    persistent_sequential_with_ttl = ZK_PERSISTENT_SEQUENTIAL_WITH_TTL, ///< Both of the above.
};

/** ACL permission bits (`zk_perm`); combine them with `|`. */
enum class Perm : std::int32_t {
    none = 0,                ///< No permission.
    read = ZK_PERM_READ,     ///< Read the data, list the children.
    write = ZK_PERM_WRITE,   ///< Set the data.
    create = ZK_PERM_CREATE, ///< Create children.
    remove = ZK_PERM_DELETE, ///< Delete children (ZooKeeper's DELETE).
    admin = ZK_PERM_ADMIN,   ///< Set the ACL.
    all = ZK_PERM_ALL,       ///< All of the above.
};

/** The union of two permission sets. */
constexpr Perm operator|(Perm a, Perm b) noexcept {
    return static_cast<Perm>(static_cast<std::int32_t>(a) | static_cast<std::int32_t>(b));
}
/** The intersection of two permission sets. */
constexpr Perm operator&(Perm a, Perm b) noexcept {
    return static_cast<Perm>(static_cast<std::int32_t>(a) & static_cast<std::int32_t>(b));
}

/** Which of kazoo's locks a zk::Lock is (`zk_lock_kind`). */
enum class LockKind : std::int32_t {
    exclusive = ZK_LOCK_EXCLUSIVE, ///< kazoo's Lock.
    read = ZK_LOCK_READ,           ///< kazoo's ReadLock: shared among readers.
    write = ZK_LOCK_WRITE,         ///< kazoo's WriteLock: waits for every earlier contender.
};

/** Which watches Client::add_watch() sets (`zk_add_watch_mode`, ZooKeeper 3.6+). */
enum class WatchMode : std::int32_t {
    persistent = ZK_WATCH_PERSISTENT,                     ///< Every change of the node itself.
    persistent_recursive = ZK_WATCH_PERSISTENT_RECURSIVE, ///< The node and every node below.
};

/** Which watches Client::remove_watches() and Client::check_watches() mean. */
enum class WatcherType : std::int32_t {
    children = ZK_WATCHER_CHILDREN,                         ///< Child watches.
    data = ZK_WATCHER_DATA,                                 ///< Data (and exists) watches.
    any = ZK_WATCHER_ANY,                                   ///< Data and child watches.
    persistent = ZK_WATCHER_PERSISTENT,                     ///< Persistent watches.
    persistent_recursive = ZK_WATCHER_PERSISTENT_RECURSIVE, ///< Persistent recursive watches.
};

/** The levels of the library's log lines (`zk_log_level`), most severe first. */
enum class LogLevel : std::int32_t {
    off = ZK_LOG_OFF,     ///< No lines.
    error = ZK_LOG_ERROR, ///< A session ends on its own.
    warn = ZK_LOG_WARN,   ///< Connection lost, session expired, lock lost, ...
    info = ZK_LOG_INFO,   ///< Connections, state changes, recipe decisions.
    debug = ZK_LOG_DEBUG, ///< Handshakes, backoff, re-armed watches, retries.
    trace = ZK_LOG_TRACE, ///< Every request and reply.
};

/** A partitioner's state (`zk_partition_state`, kazoo's PartitionState). */
enum class PartitionState : std::int32_t {
    allocating = ZK_PARTITION_ALLOCATING, ///< Dividing the set, taking the item locks.
    acquired = ZK_PARTITION_ACQUIRED,     ///< This member's items are locked: use them.
    release = ZK_PARTITION_RELEASE,       ///< Stop using them, then Partitioner::release_set().
    failure = ZK_PARTITION_FAILURE,       ///< Terminal: make a new partitioner to take part.
};

/** What a TreeEvent reports (`zk_tree_event_type`). */
enum class TreeEventType : std::int32_t {
    node_added = ZK_TREE_NODE_ADDED,                         ///< A node appeared in the cache.
    node_updated = ZK_TREE_NODE_UPDATED,                     ///< A cached node's data changed.
    node_removed = ZK_TREE_NODE_REMOVED,                     ///< A cached node was deleted.
    connection_suspended = ZK_TREE_CONNECTION_SUSPENDED,     ///< The connection was lost.
    connection_reconnected = ZK_TREE_CONNECTION_RECONNECTED, ///< Connected again.
    connection_lost = ZK_TREE_CONNECTION_LOST,               ///< The session ended.
    initialized = ZK_TREE_INITIALIZED,                       ///< Every node has been read.
    node_failed = ZK_TREE_NODE_FAILED,                       ///< A node could not be read.
};

/** What one operation of a committed transaction did (`zk_op_type`). */
enum class OpType : std::int32_t {
    create = ZK_OP_CREATE,             ///< Transaction::create().
    remove = ZK_OP_DELETE,             ///< Transaction::remove().
    set = ZK_OP_SET,                   ///< Transaction::set().
    check = ZK_OP_CHECK,               ///< Transaction::check().
    get = ZK_OP_GET,                   ///< Transaction::get().
    get_children = ZK_OP_GET_CHILDREN, ///< Transaction::get_children().
    error = ZK_OP_ERROR,               ///< The operation failed (see OpResult::error).
};

/** How a member takes part in the ensemble (`zk_member_role`). */
enum class MemberRole : std::int32_t {
    none = ZK_MEMBER_ROLE_NONE,          ///< No role (an empty EnsembleMember).
    participant = ZK_MEMBER_PARTICIPANT, ///< A voting member (elections and every write's quorum).
    observer = ZK_MEMBER_OBSERVER,       ///< Follows the leader and serves clients, without a vote.
};

/** How a zk::Counter stores its value. */
enum class CounterFormat {
    decimal, ///< ASCII decimal, kazoo's Counter.
    int32,   ///< Big-endian int32: Curator's SharedCount, kazoo's support_curator=True.
    int64,   ///< Big-endian int64: Curator's DistributedAtomicLong.
};

/** The name of a state (`"CONNECTED"`, ...); static. */
inline const char* to_string(State state) noexcept { return zk_state_str(static_cast<std::int32_t>(state)); }
/** The name of a keeper state (`"SYNC_CONNECTED"`, ...); static. */
inline const char* to_string(KeeperState state) noexcept {
    return zk_keeper_state_str(static_cast<std::int32_t>(state));
}
/** The name of an event type (`"CREATED"`, ...); static. */
inline const char* to_string(EventType type) noexcept { return zk_event_type_str(static_cast<std::int32_t>(type)); }
/** The name of a partition state (`"ACQUIRED"`, ...); static. */
inline const char* to_string(PartitionState state) noexcept {
    return zk_partition_state_str(static_cast<std::int32_t>(state));
}

/** The word of the configuration text: `"participant"`, `"observer"` (`"none"`); static. */
inline const char* to_string(MemberRole role) noexcept {
    switch (role) {
    case MemberRole::participant:
        return "participant";
    case MemberRole::observer:
        return "observer";
    case MemberRole::none:
        break;
    }
    return "none";
}

/** Wait without a time limit (the C API's -1), for every timeout parameter that allows it. */
inline constexpr std::chrono::milliseconds forever{-1};
/** Any version of a node (the C API's -1), for the version parameters. */
inline constexpr std::int32_t any_version = -1;
/** Any version of the ensemble configuration (the C API's -1), for the reconfig functions. */
inline constexpr std::int64_t any_config_version = -1;

// ----------------------------------------------------------------------------------------
// Errors
// ----------------------------------------------------------------------------------------

/**
 * The C API's error codes (`zk_error`), as a std::error_code enum of zk::category():
 * `ec == zk::Errc::no_node`. Server errors keep ZooKeeper's numbers; the library's own are
 * -1000 and below. The values never change.
 */
enum class Errc : std::int32_t {
    ok = ZK_OK,                                                          ///< Success.
    system_error = ZK_ESYSTEMERROR,                                      ///< A server-side system error.
    runtime_inconsistency = ZK_ERUNTIMEINCONSISTENCY,                    ///< Rolled back (transactions).
    data_inconsistency = ZK_EDATAINCONSISTENCY,                          ///< Server data inconsistent.
    connection_loss = ZK_ECONNECTIONLOSS,                                ///< MAY OR MAY NOT have happened.
    marshalling_error = ZK_EMARSHALLINGERROR,                            ///< Encoding or decoding failed.
    unimplemented = ZK_EUNIMPLEMENTED,                                   ///< Not implemented.
    operation_timeout = ZK_EOPERATIONTIMEOUT,                            ///< Timed out on the server.
    bad_arguments = ZK_EBADARGUMENTS,                                    ///< The server refused an argument.
    unknown_session = ZK_EUNKNOWNSESSION,                                ///< Unknown session.
    new_config_no_quorum = ZK_ENEWCONFIGNOQUORUM,                        ///< Reconfiguration without quorum.
    reconfig_in_progress = ZK_ERECONFIGINPROGRESS,                       ///< Reconfiguration in progress.
    api_error = ZK_EAPIERROR,                                            ///< A generic API error.
    no_node = ZK_ENONODE,                                                ///< The node does not exist.
    no_auth = ZK_ENOAUTH,                                                ///< Not authorized by the ACL.
    bad_version = ZK_EBADVERSION,                                        ///< Another version of the node.
    no_children_for_ephemerals = ZK_ENOCHILDRENFOREPHEMERALS,            ///< Ephemerals have no children.
    node_exists = ZK_ENODEEXISTS,                                        ///< The node already exists.
    not_empty = ZK_ENOTEMPTY,                                            ///< The node has children.
    session_expired = ZK_ESESSIONEXPIRED,                                ///< The session expired.
    invalid_callback = ZK_EINVALIDCALLBACK,                              ///< Invalid callback.
    invalid_acl = ZK_EINVALIDACL,                                        ///< Invalid ACL.
    auth_failed = ZK_EAUTHFAILED,                                        ///< Authentication failed.
    closing = ZK_ECLOSING,                                               ///< The client is closing.
    nothing = ZK_ENOTHING,                                               ///< Nothing to process.
    session_moved = ZK_ESESSIONMOVED,                                    ///< Session moved to another server.
    not_read_only = ZK_ENOTREADONLY,                                     ///< A write to a read-only server.
    ephemeral_on_local_session = ZK_EEPHEMERALONLOCALSESSION,            ///< Ephemeral on a local session.
    no_watcher = ZK_ENOWATCHER,                                          ///< No such watch.
    request_timeout = ZK_EREQUESTTIMEOUT,                                ///< Request timed out.
    reconfig_disabled = ZK_ERECONFIGDISABLED,                            ///< Reconfiguration disabled.
    session_closed_require_sasl_auth = ZK_ESESSIONCLOSEDREQUIRESASLAUTH, ///< SASL required.
    quota_exceeded = ZK_EQUOTAEXCEEDED,                                  ///< A quota was exceeded.
    throttled = ZK_ETHROTTLED,                                           ///< The server is throttling.
    invalid_argument = ZK_EINVAL,                                        ///< Bad argument; nothing was sent.
    bad_path = ZK_EBADPATH,                                              ///< Bad path; nothing was sent.
    too_large = ZK_ETOOLARGE,                                            ///< Over 1 MiB; nothing was sent.
    reply_too_large = ZK_EREPLYTOOLARGE,                                 ///< Reply over the limit (applied).
    timeout = ZK_ETIMEOUT,                                               ///< A wait ran out of time.
    closed = ZK_ECLOSED,                                                 ///< Stopped, or cancelled.
    panic = ZK_EPANIC,                                                   ///< A bug in zkclient.
    force_retry = ZK_EFORCERETRY,                                        ///< Asks Client::retry() to retry.
    forked = ZK_EFORKED,                                                 ///< A client of the parent process.
    runtime = ZK_ERUNTIME,                                               ///< Network threads not started.
    tls = ZK_ETLS,                                                       ///< Another TLS failure.
    tls_unknown_ca = ZK_ETLSUNKNOWNCA,                                   ///< Server certificate: unknown CA.
    tls_hostname = ZK_ETLSHOSTNAME,                                      ///< Server certificate: wrong name.
    tls_expired = ZK_ETLSEXPIRED,                                        ///< Server certificate expired.
    tls_client_cert = ZK_ETLSCLIENTCERT,                                 ///< Client certificate missing/refused.
    not_tls = ZK_ENOTTLS,                                                ///< The port does not speak TLS.
};

} // namespace zk

namespace std {
/** zk::Errc is a std::error_code enum: `ec == zk::Errc::no_node`. */
template <>
struct is_error_code_enum<zk::Errc> : true_type {};
} // namespace std

namespace zk {

/** The error category of zkclient's codes: name() is `"zkclient"`, message() the code's name. */
class ErrorCategory final : public std::error_category {
public:
    /** `"zkclient"`. */
    const char* name() const noexcept override { return "zkclient"; }
    /** The code's name (`"ZK_ENONODE"`), or `"ZK_UNKNOWN"`. */
    std::string message(int code) const override { return zk_error_str(code); }
};

/** The one instance of ErrorCategory. */
inline const std::error_category& category() noexcept {
    static const ErrorCategory instance;
    return instance;
}

/** Makes `ec = zk::Errc::no_node` and `ec == zk::Errc::no_node` work. */
inline std::error_code make_error_code(Errc code) noexcept {
    return std::error_code(static_cast<int>(code), category());
}

/** The name of a code (`"ZK_ENONODE"`); static. */
inline const char* to_string(Errc code) noexcept { return zk_error_str(static_cast<std::int32_t>(code)); }

namespace detail {
// A failure found by this header before any C call (a NUL byte in a path, ...): its message
// stands in for zk_last_error_message() until the next failure.
struct LocalError {
    bool active = false;
    std::string message;
};
inline LocalError& local_error() noexcept {
    static thread_local LocalError error;
    return error;
}
} // namespace detail

/**
 * Why the last failing call on this thread failed (a copy): the C API's
 * zk_last_error_message() (`no node (path "/a/b")`), or this header's own message for an
 * argument it refused before calling C. Empty before any failure. Read it right after the
 * failing call (a std::error_code overload, or inside an async completion with an error).
 */
inline std::string last_error_message() {
    const detail::LocalError& local = detail::local_error();
    if (local.active) {
        return local.message;
    }
    const char* message = zk_last_error_message();
    return message != nullptr ? std::string(message) : std::string();
}

/**
 * What the throwing functions throw: a std::system_error (so a std::runtime_error) whose
 * code() is in zk::category(). `what()` is `"ZK_ENONODE: no node (path \"/a\")"`: the code's
 * name and the C API's message.
 */
class Error : public std::system_error {
public:
    /** An error with `code` and the detail message `detail` (zk::last_error_message()). */
    Error(std::error_code code, const std::string& detail)
        : std::system_error(code, detail),
          what_(std::make_shared<const std::string>(detail.empty() ? code.message() : code.message() + ": " + detail)),
          detail_(std::make_shared<const std::string>(detail)) {}
    /** An error with `code` and the detail message `detail`. */
    Error(Errc code, const std::string& detail) : Error(make_error_code(code), detail) {}

    /** The code as a zk::Errc (Errc::api_error if the code is of another category). */
    Errc errc() const noexcept {
        return code().category() == category() ? static_cast<Errc>(code().value()) : Errc::api_error;
    }
    /** The detail message alone (`no node (path "/a")`). */
    const std::string& detail() const noexcept { return *detail_; }
    /** The code's name and the detail message. */
    const char* what() const noexcept override { return what_->c_str(); }

private:
    std::shared_ptr<const std::string> what_;
    std::shared_ptr<const std::string> detail_;
};

/**
 * Handles an exception that left a callback (a listener, watcher, completion, log or recipe
 * callback): the exception cannot travel through C, so it is caught there and given to this
 * handler, on the callback's thread. It must not throw.
 */
using CallbackExceptionHandler = void (*)(std::exception_ptr error) noexcept;

/** The default handler: writes `zkclient: a callback threw: <what()>` to stderr. */
inline void print_callback_exception(std::exception_ptr error) noexcept {
#if ZKCLIENT_HPP_EXCEPTIONS
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "zkclient: a callback threw: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "zkclient: a callback threw an exception that is no std::exception\n");
    }
#else
    (void)error;
#endif
}

namespace detail {
inline std::atomic<CallbackExceptionHandler>& exception_handler() noexcept {
    static std::atomic<CallbackExceptionHandler> handler{&print_callback_exception};
    return handler;
}
} // namespace detail

/**
 * Sets the handler of exceptions that leave callbacks (nullptr: the default,
 * print_callback_exception()); returns the previous one. Process-wide; any thread.
 */
inline CallbackExceptionHandler set_callback_exception_handler(CallbackExceptionHandler handler) noexcept {
    return detail::exception_handler().exchange(handler != nullptr ? handler : &print_callback_exception);
}

namespace detail {

// Runs a user callback at the C boundary: an exception goes to the handler, never into C.
template <class F>
void guarded(F&& body) noexcept {
#if ZKCLIENT_HPP_EXCEPTIONS
    try {
        body();
    } catch (...) {
        exception_handler().load()(std::current_exception());
    }
#else
    body();
#endif
}

inline std::error_code code_of(zk_error rc) noexcept { return std::error_code(static_cast<int>(rc), category()); }

// True when `rc` is a failure, which then goes to `ec`; zk_last_error_message() explains it.
inline bool failed(zk_error rc, std::error_code& ec) noexcept {
    if (rc == ZK_OK) {
        return false;
    }
    local_error().active = false;
    ec = code_of(rc);
    return true;
}

// A failure the C API explained without a code (a constructor returned NULL).
inline void failed_without_code(Errc code, std::error_code& ec) noexcept {
    local_error().active = false;
    ec = make_error_code(code);
}

// A failure this header found itself, before any C call.
inline void fail_here(std::error_code& ec, Errc code, const char* message) {
    LocalError& local = local_error();
    local.message = message;
    local.active = true;
    ec = make_error_code(code);
}

[[noreturn]] inline void throw_error(const std::error_code& ec) {
#if ZKCLIENT_HPP_EXCEPTIONS
    throw Error(ec, last_error_message());
#else
    std::fprintf(stderr, "zkclient: %s: %s\n", ec.message().c_str(), last_error_message().c_str());
    std::abort();
#endif
}

inline void throw_if(const std::error_code& ec) {
    if (ec) {
        throw_error(ec);
    }
}

} // namespace detail

// ----------------------------------------------------------------------------------------
// Arguments: strings for C, bytes, timeouts
// ----------------------------------------------------------------------------------------

/**
 * A string argument the C API reads as a NUL-terminated string (paths, schemes, file names,
 * ...): a `const char *` or a `std::string` is passed as it is, a `std::string_view` is
 * copied. One with a NUL byte inside is refused (Errc::bad_path for paths,
 * Errc::invalid_argument otherwise), never cut short.
 */
class CStr {
public:
    /** A NUL-terminated string (nullptr: the C API reports the missing argument). */
    CStr(const char* text) noexcept : text_(text) {}
    /** A std::string, borrowed. */
    CStr(const std::string& text) : text_(text.c_str()), has_nul_(text.find('\0') != std::string::npos) {}
    /** A std::string_view, copied to add the NUL. */
    CStr(std::string_view text) : owned_(text), owns_(true), has_nul_(text.find('\0') != std::string_view::npos) {}

    /** The NUL-terminated string. */
    const char* c_str() const noexcept { return owns_ ? owned_.c_str() : text_; }
    /** Whether the string has a NUL byte before its end (then it is refused). */
    bool has_nul() const noexcept { return has_nul_; }

private:
    const char* text_ = nullptr;
    std::string owned_;
    bool owns_ = false;
    bool has_nul_ = false;
};

/**
 * Bytes borrowed for a call (node data, identifiers, credentials): from a std::string, a
 * std::string_view, a string literal (without its NUL), a std::vector of std::byte,
 * std::uint8_t or char, or a pointer and a length. Zeros are data like any other byte.
 */
class BytesView {
public:
    /** No bytes. */
    constexpr BytesView() noexcept = default;
    /** `size` bytes at `data`. */
    BytesView(const void* data, std::size_t size) noexcept
        : data_(static_cast<const std::uint8_t*>(data)), size_(data != nullptr ? size : 0) {}
    /** The bytes of a string view. */
    BytesView(std::string_view text) noexcept : BytesView(text.data(), text.size()) {}
    /** The bytes of a string. */
    BytesView(const std::string& text) noexcept : BytesView(text.data(), text.size()) {}
    /** The bytes of a NUL-terminated string, without the NUL (nullptr: none). */
    BytesView(const char* text) noexcept : BytesView(text, text != nullptr ? std::strlen(text) : 0) {}
    /** The bytes of a vector of std::byte. */
    BytesView(const std::vector<std::byte>& bytes) noexcept : BytesView(bytes.data(), bytes.size()) {}
    /** The bytes of a vector of std::uint8_t. */
    BytesView(const std::vector<std::uint8_t>& bytes) noexcept : BytesView(bytes.data(), bytes.size()) {}
    /** The bytes of a vector of char. */
    BytesView(const std::vector<char>& bytes) noexcept : BytesView(bytes.data(), bytes.size()) {}

    /** The first byte (nullptr when empty). */
    const std::uint8_t* data() const noexcept { return size_ > 0 ? data_ : nullptr; }
    /** How many bytes. */
    std::size_t size() const noexcept { return size_; }
    /** Whether there are no bytes. */
    bool empty() const noexcept { return size_ == 0; }
    /** The bytes as a std::string_view. */
    std::string_view view() const noexcept {
        return size_ > 0 ? std::string_view(reinterpret_cast<const char*>(data_), size_) : std::string_view();
    }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

/** Node data as bytes, the alternative to std::string wherever data comes back. */
using Bytes = std::vector<std::byte>;

/** A node's metadata, ZooKeeper's Stat (the C struct: czxid, mzxid, version, ...). */
using Stat = ::zk_stat;
/** A client's counters (the C struct zk_stats; Client::stats() fills it). */
using ClientStats = ::zk_stats;

namespace detail {

template <class Buffer>
constexpr bool is_byte_buffer_v =
    sizeof(typename Buffer::value_type) == 1 && std::is_trivially_copyable_v<typename Buffer::value_type>;

// `len` bytes into a std::string or a std::vector of a byte type.
template <class Buffer>
Buffer make_buffer(const std::uint8_t* data, std::size_t len) {
    static_assert(is_byte_buffer_v<Buffer>,
                  "data comes back as std::string or a std::vector of a 1-byte type (zk::Bytes)");
    Buffer out;
    if (data != nullptr && len > 0) {
        out.resize(len);
        std::memcpy(out.data(), data, len);
    }
    return out;
}

inline bool bad_path(const CStr& path, std::error_code& ec) {
    if (!path.has_nul()) {
        return false;
    }
    fail_here(ec, Errc::bad_path, "the path has a NUL byte inside");
    return true;
}

inline bool bad_text(const CStr& text, const char* message, std::error_code& ec) {
    if (!text.has_nul()) {
        return false;
    }
    fail_here(ec, Errc::invalid_argument, message);
    return true;
}

// A timeout for the C API's int64_t milliseconds (-1: forever).
inline std::int64_t timeout_ms(std::chrono::milliseconds timeout) noexcept {
    return static_cast<std::int64_t>(timeout.count());
}

// Milliseconds for the C API's uint32_t parameters: out of range is refused here.
inline bool to_u32_ms(std::chrono::milliseconds value, std::uint32_t& out, const char* message, std::error_code& ec) {
    if (value.count() < 0 || value.count() > static_cast<std::chrono::milliseconds::rep>(UINT32_MAX)) {
        fail_here(ec, Errc::invalid_argument, message);
        return false;
    }
    out = static_cast<std::uint32_t>(value.count());
    return true;
}

// Releases what the C API returned, also when copying it out throws.
struct BufferGuard {
    zk_buffer value{nullptr, 0};
    BufferGuard() = default;
    BufferGuard(const BufferGuard&) = delete;
    BufferGuard& operator=(const BufferGuard&) = delete;
    ~BufferGuard() { zk_buffer_free(&value); }
};
struct StringListGuard {
    zk_string_list value{nullptr, 0};
    StringListGuard() = default;
    StringListGuard(const StringListGuard&) = delete;
    StringListGuard& operator=(const StringListGuard&) = delete;
    ~StringListGuard() { zk_string_list_free(&value); }
};
struct StringGuard {
    char* value = nullptr;
    StringGuard() = default;
    StringGuard(const StringGuard&) = delete;
    StringGuard& operator=(const StringGuard&) = delete;
    ~StringGuard() { zk_string_free(value); }
    std::string str() const { return value != nullptr ? std::string(value) : std::string(); }
};

inline std::vector<std::string> to_strings(const zk_string_list* list) {
    std::vector<std::string> out;
    if (list != nullptr && list->items != nullptr) {
        out.reserve(list->count);
        for (std::size_t i = 0; i < list->count; i++) {
            out.emplace_back(list->items[i] != nullptr ? list->items[i] : "");
        }
    }
    return out;
}

// What zkclient's thread-local message said before a cleanup call that may fail on its own
// (a destructor, unlock()); restored afterwards, so the caller's last error stays readable.
class PreserveLastError {
public:
    PreserveLastError() : saved_{true, last_error_message()} {}
    PreserveLastError(const PreserveLastError&) = delete;
    PreserveLastError& operator=(const PreserveLastError&) = delete;
    ~PreserveLastError() { local_error() = std::move(saved_); }

private:
    LocalError saved_;
};

// Owns one C handle (and keeps its client alive, for recipe handles): the handle is freed
// exactly once, before the client reference goes.
template <class T, void (*Free)(T*)>
class Owner {
public:
    Owner() noexcept = default;
    Owner(std::shared_ptr<zk_client> client, T* handle) noexcept : client_(std::move(client)), handle_(handle) {}
    Owner(Owner&& other) noexcept : client_(std::move(other.client_)), handle_(std::exchange(other.handle_, nullptr)) {}
    Owner& operator=(Owner&& other) noexcept {
        if (this != &other) {
            reset();
            client_ = std::move(other.client_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Owner(const Owner&) = delete;
    Owner& operator=(const Owner&) = delete;
    ~Owner() { reset(); }

    void reset() noexcept {
        if (handle_ != nullptr) {
            PreserveLastError keep; // freeing may release (a lock, a lease) and fail quietly
            Free(std::exchange(handle_, nullptr));
        }
        client_.reset();
    }
    T* get() const noexcept { return handle_; }

private:
    std::shared_ptr<zk_client> client_;
    T* handle_ = nullptr;
};

template <class Fn>
void delete_function(void* user_data) noexcept {
    delete static_cast<Fn*>(user_data);
}

// A callback handed to the C API: nullptr for an empty std::function.
template <class Fn>
Fn* new_function(Fn&& fn) {
    return fn ? new Fn(std::move(fn)) : nullptr;
}

} // namespace detail

// ----------------------------------------------------------------------------------------
// Values: ACLs, create options, retry policies, events, results
// ----------------------------------------------------------------------------------------

/** One ACL entry: who (`scheme`:`id`) may do what (`perms`). */
struct Acl {
    Perm perms = Perm::all; ///< What the identity may do.
    std::string scheme;     ///< `"world"`, `"auth"`, `"digest"`, `"ip"`, `"x509"`, `"sasl"`, ...
    std::string id;         ///< The identity within the scheme (`"anyone"`, `"user:hash"`, ...).
};

/** kazoo's OPEN_ACL_UNSAFE: everyone may do everything (`world:anyone`, all permissions). */
inline std::vector<Acl> open_acl_unsafe() { return {Acl{Perm::all, "world", "anyone"}}; }
/** kazoo's READ_ACL_UNSAFE: everyone may read. */
inline std::vector<Acl> read_acl_unsafe() { return {Acl{Perm::read, "world", "anyone"}}; }
/** kazoo's CREATOR_ALL_ACL: the session's authenticated identities may do everything. */
inline std::vector<Acl> creator_all_acl() { return {Acl{Perm::all, "auth", ""}}; }

/** The ACL of a node and its stat (Client::get_acl()); `stat.aversion` is the ACL's version. */
struct NodeAcl {
    std::vector<Acl> acl; ///< The entries.
    Stat stat{};          ///< The node's stat.
};

namespace detail {
// The C view of an ACL: entries pointing into `acl`'s strings (which must outlive it).
inline bool to_c_acl(const std::vector<Acl>& acl, std::vector<zk_acl>& out, std::error_code& ec) {
    out.clear();
    out.reserve(acl.size());
    for (const Acl& entry : acl) {
        if (entry.scheme.find('\0') != std::string::npos || entry.id.find('\0') != std::string::npos) {
            fail_here(ec, Errc::invalid_argument, "an ACL entry's scheme or id has a NUL byte inside");
            return false;
        }
        out.push_back(zk_acl{static_cast<std::int32_t>(entry.perms), entry.scheme.c_str(), entry.id.c_str()});
    }
    return true;
}
} // namespace detail

/**
 * How a node is created: mode, parents, TTL and ACL. A zk::CreateMode converts to it, so
 * `client.create(path, data, zk::CreateMode::ephemeral)` works.
 */
class CreateOptions {
public:
    /** A persistent node with the client's default ACL, no parents created. */
    CreateOptions() = default;
    /** A node of `mode`, otherwise the defaults. */
    CreateOptions(CreateMode mode) : mode_(mode) {}

    /** Sets the create mode. */
    CreateOptions& mode(CreateMode mode) noexcept {
        mode_ = mode;
        return *this;
    }
    /** Creates missing parents (persistent, same ACL), like kazoo's makepath. */
    CreateOptions& makepath(bool makepath) noexcept {
        makepath_ = makepath;
        return *this;
    }
    /** For the TTL modes: how long the node may live without children or changes. */
    CreateOptions& ttl(std::chrono::milliseconds ttl) noexcept {
        ttl_ = ttl;
        return *this;
    }
    /** The node's ACL (empty: the client's default ACL). */
    CreateOptions& acl(std::vector<Acl> acl) {
        acl_ = std::move(acl);
        return *this;
    }
    /** The create mode. */
    CreateMode mode() const noexcept { return mode_; }
    /** Whether missing parents are created. */
    bool makepath() const noexcept { return makepath_; }
    /** The TTL (0 outside the TTL modes). */
    std::chrono::milliseconds ttl() const noexcept { return ttl_; }
    /** The ACL (empty: the default). */
    const std::vector<Acl>& acl() const noexcept { return acl_; }

private:
    CreateMode mode_ = CreateMode::persistent;
    bool makepath_ = false;
    std::chrono::milliseconds ttl_{0};
    std::vector<Acl> acl_;
};

namespace detail {
// A zk_create_options for one call (not copyable: it points into itself).
struct CCreateOptions {
    zk_create_options raw{};
    std::vector<zk_acl> acl;
    CCreateOptions() = default;
    CCreateOptions(const CCreateOptions&) = delete;
    CCreateOptions& operator=(const CCreateOptions&) = delete;

    bool fill(const CreateOptions& options, std::error_code& ec) {
        if (failed(zk_create_options_init(&raw, ZK_CREATE_OPTIONS_VERSION), ec)) {
            return false;
        }
        raw.mode = static_cast<std::int32_t>(options.mode());
        raw.makepath = options.makepath();
        raw.ttl_ms = static_cast<std::int64_t>(options.ttl().count());
        if (!options.acl().empty()) {
            if (!to_c_acl(options.acl(), acl, ec)) {
                return false;
            }
            raw.acl = acl.data();
            raw.acl_count = acl.size();
        }
        return true;
    }
};
} // namespace detail

/**
 * How to retry (kazoo's KazooRetry), for Client::retry() and Options::command_retry() /
 * Options::connection_retry(). Starts as the default command policy: 5 tries, 100 ms
 * doubling up to 60 s, ±20 % jitter, no deadline, session expiry retried. Plain data.
 */
class RetryPolicy {
public:
    /** The default command retry policy. */
    RetryPolicy() noexcept { zk_retry_policy_init(&raw_, ZK_RETRY_POLICY_VERSION); }

    /** Total attempts, the first included; -1: unlimited (0 is refused where it is used). */
    RetryPolicy& max_tries(std::int32_t tries) noexcept {
        raw_.max_tries = tries;
        return *this;
    }
    /** The pause after the first failure (clamped to 0 .. UINT32_MAX ms). */
    RetryPolicy& delay(std::chrono::milliseconds delay) noexcept {
        raw_.delay_ms = clamp(delay);
        return *this;
    }
    /** Each later pause is the previous one times this (at least 1.0). */
    RetryPolicy& backoff(double factor) noexcept {
        raw_.backoff = factor;
        return *this;
    }
    /** Each pause is multiplied by a random factor in [1 - jitter, 1 + jitter] (0.0 .. 1.0). */
    RetryPolicy& max_jitter(double jitter) noexcept {
        raw_.max_jitter = jitter;
        return *this;
    }
    /** No pause is longer than this (clamped to 0 .. UINT32_MAX ms). */
    RetryPolicy& max_delay(std::chrono::milliseconds delay) noexcept {
        raw_.max_delay_ms = clamp(delay);
        return *this;
    }
    /** Give up when the next attempt would start later than this after the first (zk::forever: never). */
    RetryPolicy& deadline(std::chrono::milliseconds deadline) noexcept {
        raw_.deadline_ms = static_cast<std::int64_t>(deadline.count());
        return *this;
    }
    /** Whether Errc::session_expired is retried (kazoo's ignore_expire). */
    RetryPolicy& retry_session_expired(bool retry) noexcept {
        raw_.retry_session_expired = retry;
        return *this;
    }
    /** The C struct, for the C API. */
    const zk_retry_policy& raw() const noexcept { return raw_; }

private:
    static std::uint32_t clamp(std::chrono::milliseconds value) noexcept {
        if (value.count() <= 0) {
            return 0;
        }
        if (value.count() >= static_cast<std::chrono::milliseconds::rep>(UINT32_MAX)) {
            return UINT32_MAX;
        }
        return static_cast<std::uint32_t>(value.count());
    }
    zk_retry_policy raw_{};
};

/** A watch event, given to a Watcher (and to DataWatch / ChildrenWatch callbacks). */
struct WatchEvent {
    EventType type = EventType::session;                  ///< What happened.
    KeeperState keeper_state = KeeperState::disconnected; ///< The connection's state then.
    std::string path;                                     ///< The watched node (without the chroot).
};

/** One event of a TreeCache. */
struct TreeEvent {
    TreeEventType type = TreeEventType::initialized; ///< What happened.
    std::string path;                                ///< The node, for node events and failures; empty otherwise.
    std::string data;                                ///< The node's data, for node events.
    std::optional<Stat> stat;                        ///< The node's stat, for node events.
    std::error_code error;                           ///< Why, for TreeEventType::node_failed.
};

/** What one operation of a committed transaction did. */
struct OpResult {
    OpType type = OpType::error;       ///< The operation, or OpType::error.
    std::error_code error;             ///< Its error (Errc::runtime_inconsistency: rolled back).
    std::string path;                  ///< Create: the created path.
    Stat stat{};                       ///< Set, get, create: the node's stat (or zeros).
    std::string data;                  ///< Get: the data.
    std::vector<std::string> children; ///< Get children: the names.
};

/**
 * Thrown by a transaction the server refused (Transaction::commit()): the failing
 * operation's code, and every operation's result.
 */
class TransactionError : public Error {
public:
    /** An error with `code`, `detail` and the operations' `results`. */
    TransactionError(std::error_code code, const std::string& detail, std::vector<OpResult> results)
        : Error(code, detail), results_(std::make_shared<const std::vector<OpResult>>(std::move(results))) {}
    /** One result per operation, in the order they were added. */
    const std::vector<OpResult>& results() const noexcept { return *results_; }

private:
    std::shared_ptr<const std::vector<OpResult>> results_;
};

namespace detail {
inline std::vector<OpResult> to_results(const zk_op_results* results) {
    std::vector<OpResult> out;
    if (results == nullptr || results->items == nullptr) {
        return out;
    }
    out.reserve(results->count);
    for (std::size_t i = 0; i < results->count; i++) {
        const zk_op_result& item = results->items[i];
        OpResult result;
        result.type = static_cast<OpType>(item.op_type);
        if (item.rc != ZK_OK) {
            result.error = code_of(item.rc);
        }
        result.path = item.path != nullptr ? std::string(item.path) : std::string();
        result.stat = item.stat;
        result.data = make_buffer<std::string>(item.data.data, item.data.len);
        result.children = to_strings(&item.children);
        out.push_back(std::move(result));
    }
    return out;
}
struct OpResultsGuard {
    zk_op_results value{nullptr, 0};
    OpResultsGuard() = default;
    OpResultsGuard(const OpResultsGuard&) = delete;
    OpResultsGuard& operator=(const OpResultsGuard&) = delete;
    ~OpResultsGuard() { zk_op_results_free(&value); }
};
} // namespace detail

/** A node's data and stat (Client::get()); `Buffer` is std::string or zk::Bytes. */
template <class Buffer = std::string>
struct BasicNode {
    Buffer data; ///< The data.
    Stat stat{}; ///< The stat.
};
/** A node's data as a std::string, and its stat. */
using Node = BasicNode<std::string>;

/** A session, to resume it elsewhere (Options::session()). The password is a secret. */
struct SessionInfo {
    std::int64_t id = 0;                     ///< The session id (0 before the first session).
    std::array<std::uint8_t, 16> password{}; ///< The session password.
    std::chrono::milliseconds timeout{0};    ///< The timeout the server granted.
};

/** A server's version (Client::server_version()). */
struct ServerVersion {
    std::uint32_t major_version = 0; ///< 3 for 3.8.0.
    std::uint32_t minor_version = 0; ///< 8 for 3.8.0.
    std::uint32_t patch_version = 0; ///< 0 for 3.8.0.
};

/** One identity of a session (Client::who_am_i()): `"ip"` and `"127.0.0.1"`, `"digest"` and `"alice"`. */
struct Identity {
    std::string scheme; ///< The authentication scheme.
    std::string id;     ///< The identity within the scheme.
};

/**
 * One server of an ensemble configuration (a `server.N=` line), copied out of its
 * EnsembleConfig: a plain value, valid on its own.
 */
struct EnsembleMember {
    std::uint64_t id = 0;               ///< The server's id (`myid`).
    MemberRole role = MemberRole::none; ///< Participant or observer.
    std::string quorum_host;            ///< The host of its quorum address (IPv6 without brackets).
    std::uint16_t quorum_port = 0;      ///< Its quorum port (followers to the leader).
    std::uint16_t election_port = 0;    ///< Its leader-election port, on the quorum host.
    std::string client_host;            ///< Its client host as written (`0.0.0.0`: every interface); empty: none.
    std::uint16_t client_port = 0;      ///< Its client port; 0 when it has no client address.
    /** Where a client connects: the client host, or the quorum host for a wildcard; empty: none. */
    std::string connect_host;
    /**
     * The member as a spec (`"server.3=127.0.0.1:2890:3890:participant;127.0.0.1:2183"`), the
     * form Client::reconfig_incremental() and Client::reconfig_bulk() take.
     */
    std::string spec;

    /** Whether the configuration gives the member a client address. */
    bool has_client_address() const noexcept { return client_port != 0; }
};

namespace detail {
inline std::string c_string(const char* text) { return text != nullptr ? std::string(text) : std::string(); }

inline EnsembleMember to_member(const zk_ensemble_member* member) {
    EnsembleMember out;
    if (member == nullptr) {
        return out;
    }
    out.id = zk_ensemble_member_id(member);
    out.role = static_cast<MemberRole>(zk_ensemble_member_role(member));
    out.quorum_host = c_string(zk_ensemble_member_quorum_host(member));
    out.quorum_port = zk_ensemble_member_quorum_port(member);
    out.election_port = zk_ensemble_member_election_port(member);
    out.client_host = c_string(zk_ensemble_member_client_host(member));
    out.client_port = zk_ensemble_member_client_port(member);
    out.connect_host = c_string(zk_ensemble_member_connect_host(member));
    out.spec = c_string(zk_ensemble_member_spec(member));
    return out;
}

struct IdentityListGuard {
    zk_identity_list value{nullptr, 0};
    IdentityListGuard() = default;
    IdentityListGuard(const IdentityListGuard&) = delete;
    IdentityListGuard& operator=(const IdentityListGuard&) = delete;
    ~IdentityListGuard() { zk_identity_list_free(&value); }
};
} // namespace detail

/**
 * The ensemble's configuration (zk_ensemble_config: the data of `/zookeeper/config`, parsed),
 * from Client::get_config(), Client::get_config_watch() and the reconfig functions. Owns its
 * handle and frees it once; its members are copied out when it is made (members()), so they
 * outlive it. A standalone server's configuration is empty: no members, version 0. Movable,
 * not copyable; immutable, so any thread may read it.
 */
class EnsembleConfig {
public:
    /** No configuration (empty, version 0). */
    EnsembleConfig() noexcept = default;
    /** Takes ownership of `config` (returned by the C API; nullptr: empty). */
    explicit EnsembleConfig(zk_ensemble_config* config) : handle_(nullptr, config) {
        std::size_t count = zk_ensemble_config_member_count(config);
        members_.reserve(count);
        for (std::size_t i = 0; i < count; i++) {
            members_.push_back(detail::to_member(zk_ensemble_config_member(config, i)));
        }
    }

    /** The version: the zxid of the reconfig that made it (hexadecimal in the text); 0 when none. */
    std::int64_t version() const noexcept { return zk_ensemble_config_version(handle()); }
    /** The servers, in the order of the text (empty for a standalone server). */
    const std::vector<EnsembleMember>& members() const noexcept { return members_; }
    /** Whether the configuration lists no server (a standalone server's). */
    bool empty() const noexcept { return members_.empty(); }
    /** The server whose id is `id`, or nothing. */
    std::optional<EnsembleMember> member(std::uint64_t id) const {
        for (const EnsembleMember& m : members_) {
            if (m.id == id) {
                return m;
            }
        }
        return std::nullopt;
    }
    /** The node's data as the server sent it (borrowed from this object; empty for none). */
    std::string_view data() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* bytes = zk_ensemble_config_data(handle(), &len);
        return BytesView(bytes, len).view();
    }
    /** The configuration node's stat (zeros for an empty object). */
    Stat stat() const noexcept {
        Stat out{};
        if (handle() != nullptr) {
            zk_ensemble_config_stat(handle(), &out);
        }
        return out;
    }
    /**
     * The members' client addresses as a connect string (`"h1:2181,h2:2181"`, a wildcard host
     * replaced by the quorum host), for Client::update_hosts(); empty when none has one.
     */
    std::string connect_string() const { return detail::c_string(zk_ensemble_config_connect_string(handle())); }
    /** The C handle (owned by this object; nullptr when empty). */
    zk_ensemble_config* handle() const noexcept { return handle_.get(); }

private:
    using Handle = detail::Owner<zk_ensemble_config, &zk_ensemble_config_free>;
    Handle handle_;
    std::vector<EnsembleMember> members_;
};

// ----------------------------------------------------------------------------------------
// Option builders: TLS, SASL, client options
// ----------------------------------------------------------------------------------------

/**
 * How a client speaks TLS (zk_tls_options): CAs, a client certificate, hostname checks.
 * Give it to Options::tls(), which copies it. Frees (and wipes) its handle once.
 */
class TlsOptions {
public:
    /** The system's CAs, no client certificate, hostname verification on. */
    TlsOptions() {
        std::error_code ec;
        *this = TlsOptions(ec);
        detail::throw_if(ec);
    }
    /** As TlsOptions(), reporting a failure (an internal error) in `ec`. */
    explicit TlsOptions(std::error_code& ec) {
        ec.clear();
        handle_ = Handle(nullptr, zk_tls_options_new());
        if (handle_.get() == nullptr) {
            detail::failed_without_code(Errc::panic, ec);
        }
    }

    /** Trusts the CAs of a PEM file (read by Options::tls()). */
    TlsOptions& ca_file(CStr path) {
        std::error_code ec;
        ca_file(std::move(path), ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As ca_file(CStr). */
    TlsOptions& ca_file(CStr path, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(path, "the CA file name has a NUL byte inside", ec)) {
            detail::failed(zk_tls_options_set_ca_file(handle(), path.c_str()), ec);
        }
        return *this;
    }
    /** Trusts the CAs of PEM text (copied). */
    TlsOptions& ca_pem(BytesView pem) {
        std::error_code ec;
        ca_pem(pem, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As ca_pem(BytesView). */
    TlsOptions& ca_pem(BytesView pem, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_tls_options_set_ca_pem(handle(), pem.data(), pem.size()), ec);
        return *this;
    }
    /** Presents a client certificate: a PEM chain file and a PEM key file (mutual TLS). */
    TlsOptions& client_cert_file(CStr cert_path, CStr key_path) {
        std::error_code ec;
        client_cert_file(std::move(cert_path), std::move(key_path), ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As client_cert_file(CStr, CStr). */
    TlsOptions& client_cert_file(CStr cert_path, CStr key_path, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(cert_path, "the certificate file name has a NUL byte inside", ec) &&
            !detail::bad_text(key_path, "the key file name has a NUL byte inside", ec)) {
            detail::failed(zk_tls_options_set_client_cert_file(handle(), cert_path.c_str(), key_path.c_str()), ec);
        }
        return *this;
    }
    /** Presents a client certificate from memory (both copied; the key's copy is wiped). */
    TlsOptions& client_cert_pem(BytesView cert, BytesView key) {
        std::error_code ec;
        client_cert_pem(cert, key, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As client_cert_pem(BytesView, BytesView). */
    TlsOptions& client_cert_pem(BytesView cert, BytesView key, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_tls_options_set_client_cert_pem(handle(), cert.data(), cert.size(), key.data(), key.size()),
                       ec);
        return *this;
    }
    /** Whether each server's certificate must be valid for its name (default true). */
    TlsOptions& verify_hostname(bool verify) {
        std::error_code ec;
        verify_hostname(verify, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As verify_hostname(bool). */
    TlsOptions& verify_hostname(bool verify, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_tls_options_set_verify_hostname(handle(), verify), ec);
        return *this;
    }
    /** Checks every server's certificate against `name` instead of its connect-string host. */
    TlsOptions& server_name(CStr name) {
        std::error_code ec;
        server_name(std::move(name), ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As server_name(CStr). */
    TlsOptions& server_name(CStr name, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(name, "the server name has a NUL byte inside", ec)) {
            detail::failed(zk_tls_options_set_server_name(handle(), name.c_str()), ec);
        }
        return *this;
    }
    /** Goes back to checking the connect-string hosts. */
    TlsOptions& clear_server_name() {
        std::error_code ec;
        detail::failed(zk_tls_options_set_server_name(handle(), nullptr), ec);
        detail::throw_if(ec);
        return *this;
    }
    /** The C handle (owned by this object). */
    zk_tls_options* handle() const noexcept { return handle_.get(); }

private:
    using Handle = detail::Owner<zk_tls_options, &zk_tls_options_free>;
    Handle handle_;
};

/**
 * SASL credentials (zk_sasl_options): DIGEST-MD5 or Kerberos (GSSAPI). Give them to
 * Options::sasl(), which copies them. Frees (and wipes) its handle once.
 */
class SaslOptions {
public:
    /** No handle (moved-from state); Options::sasl() of it turns SASL off. */
    SaslOptions() noexcept = default;

    /** DIGEST-MD5 credentials: `username` and `password` (copied; the copy is wiped). */
    static SaslOptions digest(CStr username, BytesView password) {
        std::error_code ec;
        SaslOptions options = digest(std::move(username), password, ec);
        detail::throw_if(ec);
        return options;
    }
    /** As digest(CStr, BytesView). */
    static SaslOptions digest(CStr username, BytesView password, std::error_code& ec) {
        ec.clear();
        SaslOptions options;
        if (detail::bad_text(username, "the user name has a NUL byte inside", ec)) {
            return options;
        }
        options.handle_ =
            Handle(nullptr, zk_sasl_options_new_digest(username.c_str(), password.data(), password.size()));
        if (options.handle() == nullptr) {
            detail::failed_without_code(Errc::invalid_argument, ec);
        }
        return options;
    }
    /** Kerberos: service `zookeeper` on each connect-string host, the default cache. */
    static SaslOptions gssapi() {
        std::error_code ec;
        SaslOptions options = gssapi(ec);
        detail::throw_if(ec);
        return options;
    }
    /** As gssapi(). */
    static SaslOptions gssapi(std::error_code& ec) {
        ec.clear();
        SaslOptions options;
        options.handle_ = Handle(nullptr, zk_sasl_options_new_gssapi());
        if (options.handle() == nullptr) {
            detail::failed_without_code(Errc::panic, ec);
        }
        return options;
    }
    /** GSSAPI: the service part of the servers' principal (default `zookeeper`). */
    SaslOptions& service(CStr service) { return set(&zk_sasl_options_set_service, std::move(service)); }
    /** GSSAPI: the host part of the servers' principal, for every server. */
    SaslOptions& service_host(CStr host) { return set(&zk_sasl_options_set_service_host, std::move(host)); }
    /** GSSAPI: the client's principal (default: the keytab's or the cache's). */
    SaslOptions& principal(CStr principal) { return set(&zk_sasl_options_set_principal, std::move(principal)); }
    /** GSSAPI: a client keytab. */
    SaslOptions& keytab(CStr path) { return set(&zk_sasl_options_set_keytab, std::move(path)); }
    /** GSSAPI: the credential cache (`FILE:/tmp/krb5cc_app`). */
    SaslOptions& credential_cache(CStr cache) { return set(&zk_sasl_options_set_credential_cache, std::move(cache)); }
    /** As service(CStr). */
    SaslOptions& service(CStr service, std::error_code& ec) {
        return set(&zk_sasl_options_set_service, std::move(service), ec);
    }
    /** As service_host(CStr). */
    SaslOptions& service_host(CStr host, std::error_code& ec) {
        return set(&zk_sasl_options_set_service_host, std::move(host), ec);
    }
    /** As principal(CStr). */
    SaslOptions& principal(CStr principal, std::error_code& ec) {
        return set(&zk_sasl_options_set_principal, std::move(principal), ec);
    }
    /** As keytab(CStr). */
    SaslOptions& keytab(CStr path, std::error_code& ec) {
        return set(&zk_sasl_options_set_keytab, std::move(path), ec);
    }
    /** As credential_cache(CStr). */
    SaslOptions& credential_cache(CStr cache, std::error_code& ec) {
        return set(&zk_sasl_options_set_credential_cache, std::move(cache), ec);
    }
    /** The C handle (owned by this object; nullptr when empty). */
    zk_sasl_options* handle() const noexcept { return handle_.get(); }

private:
    using Handle = detail::Owner<zk_sasl_options, &zk_sasl_options_free>;
    using Setter = zk_error (*)(zk_sasl_options*, const char*);
    SaslOptions& set(Setter setter, CStr value, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(value, "the GSSAPI setting has a NUL byte inside", ec)) {
            detail::failed(setter(handle(), value.c_str()), ec);
        }
        return *this;
    }
    SaslOptions& set(Setter setter, CStr value) {
        std::error_code ec;
        set(setter, std::move(value), ec);
        detail::throw_if(ec);
        return *this;
    }
    Handle handle_;
};

/**
 * Settings for a new client (zk_options): session timeout, credentials, TLS, SASL, retry
 * policies, ... Client's constructor copies them. Frees its handle once.
 */
class Options {
public:
    /** The defaults: 10 s session timeout, hosts shuffled, a new session, read-write only. */
    Options() {
        std::error_code ec;
        *this = Options(ec);
        detail::throw_if(ec);
    }
    /** As Options(), reporting a failure (an internal error) in `ec`. */
    explicit Options(std::error_code& ec) {
        ec.clear();
        handle_ = Handle(nullptr, zk_options_new());
        if (handle_.get() == nullptr) {
            detail::failed_without_code(Errc::panic, ec);
        }
    }

    /** The session timeout to ask for (the server clamps it). */
    Options& session_timeout(std::chrono::milliseconds timeout) {
        std::error_code ec;
        session_timeout(timeout, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As session_timeout(std::chrono::milliseconds). */
    Options& session_timeout(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        std::uint32_t ms = 0;
        if (detail::to_u32_ms(timeout, ms, "the session timeout is out of range", ec)) {
            detail::failed(zk_options_set_session_timeout(handle(), ms), ec);
        }
        return *this;
    }
    /** Whether to shuffle the servers before trying them (default true). */
    Options& randomize_hosts(bool randomize) {
        std::error_code ec;
        randomize_hosts(randomize, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As randomize_hosts(bool). */
    Options& randomize_hosts(bool randomize, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_randomize_hosts(handle(), randomize), ec);
        return *this;
    }
    /** Resumes a session (from Client::session() of another client) instead of a new one. */
    Options& session(const SessionInfo& session) {
        std::error_code ec;
        this->session(session, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As session(const SessionInfo&). */
    Options& session(const SessionInfo& session, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_session(handle(), session.id, session.password.data(), session.password.size()),
                       ec);
        return *this;
    }
    /** Whether a read-only server is acceptable (default false). */
    Options& read_only(bool allow) {
        std::error_code ec;
        read_only(allow, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As read_only(bool). */
    Options& read_only(bool allow, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_read_only(handle(), allow), ec);
        return *this;
    }
    /** Run this client's callbacks on the network thread (zk_options_set_inline_callbacks():
     *  no hand-off; callbacks must be short and must not block: a blocking call inside one
     *  fails with Errc::api_error). */
    Options& inline_callbacks(bool enable) {
        std::error_code ec;
        inline_callbacks(enable, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As inline_callbacks(bool). */
    Options& inline_callbacks(bool enable, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_inline_callbacks(handle(), enable), ec);
        return *this;
    }
    /** The largest reply accepted, in bytes (default 16 MiB; at least 1 KiB). */
    Options& max_reply_size(std::size_t bytes) {
        std::error_code ec;
        max_reply_size(bytes, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As max_reply_size(std::size_t). */
    Options& max_reply_size(std::size_t bytes, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_max_reply_size(handle(), bytes), ec);
        return *this;
    }
    /** A credential sent on every connection before CONNECTED (`"digest"`, `"user:password"`). */
    Options& add_auth(CStr scheme, BytesView credential) {
        std::error_code ec;
        add_auth(std::move(scheme), credential, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As add_auth(CStr, BytesView). */
    Options& add_auth(CStr scheme, BytesView credential, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(scheme, "the auth scheme has a NUL byte inside", ec)) {
            detail::failed(zk_options_add_auth(handle(), scheme.c_str(), credential.data(), credential.size()), ec);
        }
        return *this;
    }
    /** The ACL of nodes created without one (not empty). */
    Options& default_acl(const std::vector<Acl>& acl) {
        std::error_code ec;
        default_acl(acl, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As default_acl(const std::vector<Acl>&). */
    Options& default_acl(const std::vector<Acl>& acl, std::error_code& ec) {
        ec.clear();
        std::vector<zk_acl> entries;
        if (detail::to_c_acl(acl, entries, ec)) {
            detail::failed(zk_options_set_default_acl(handle(), entries.data(), entries.size()), ec);
        }
        return *this;
    }
    /** The policy of Client::retry() without one (kazoo's command_retry). */
    Options& command_retry(const RetryPolicy& policy) {
        std::error_code ec;
        command_retry(policy, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As command_retry(const RetryPolicy&). */
    Options& command_retry(const RetryPolicy& policy, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_command_retry(handle(), &policy.raw()), ec);
        return *this;
    }
    /** How reconnection backs off, and whether it ever gives up (kazoo's connection_retry). */
    Options& connection_retry(const RetryPolicy& policy) {
        std::error_code ec;
        connection_retry(policy, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As connection_retry(const RetryPolicy&). */
    Options& connection_retry(const RetryPolicy& policy, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_connection_retry(handle(), &policy.raw()), ec);
        return *this;
    }
    /** Speaks TLS to every server (copied; the PEM files it names are read now). */
    Options& tls(const TlsOptions& tls) {
        std::error_code ec;
        this->tls(tls, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As tls(const TlsOptions&). */
    Options& tls(const TlsOptions& tls, std::error_code& ec) {
        ec.clear();
        if (tls.handle() == nullptr) {
            detail::fail_here(ec, Errc::invalid_argument, "the TLS options are empty (moved from)");
        } else {
            detail::failed(zk_options_set_tls(handle(), tls.handle()), ec);
        }
        return *this;
    }
    /** Authenticates with SASL on every connection (copied; empty SaslOptions: off). */
    Options& sasl(const SaslOptions& sasl) {
        std::error_code ec;
        this->sasl(sasl, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As sasl(const SaslOptions&). */
    Options& sasl(const SaslOptions& sasl, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_sasl(handle(), sasl.handle()), ec);
        return *this;
    }
    /**
     * Whether the client follows the ensemble's own configuration (default false): it watches
     * `/zookeeper/config` and takes the members' client addresses as its host list after every
     * reconfig, as Client::update_hosts() does. Refused with TLS by Client's constructor.
     */
    Options& follow_ensemble_config(bool follow) {
        std::error_code ec;
        follow_ensemble_config(follow, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As follow_ensemble_config(bool). */
    Options& follow_ensemble_config(bool follow, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_options_set_follow_ensemble_config(handle(), follow), ec);
        return *this;
    }
    /**
     * How long a host name's addresses are reused once resolved (default 0: resolved again
     * before each connection attempt). IP addresses are never resolved.
     */
    Options& host_resolution_delay(std::chrono::milliseconds delay) {
        std::error_code ec;
        host_resolution_delay(delay, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As host_resolution_delay(std::chrono::milliseconds). */
    Options& host_resolution_delay(std::chrono::milliseconds delay, std::error_code& ec) {
        ec.clear();
        std::uint32_t ms = 0;
        if (detail::to_u32_ms(delay, ms, "the host resolution delay is out of range", ec)) {
            detail::failed(zk_options_set_host_resolution_delay(handle(), ms), ec);
        }
        return *this;
    }
    /** The C handle (owned by this object). */
    zk_options* handle() const noexcept { return handle_.get(); }

private:
    using Handle = detail::Owner<zk_options, &zk_options_free>;
    Handle handle_;
};

// ----------------------------------------------------------------------------------------
// Callbacks
// ----------------------------------------------------------------------------------------

/**
 * A connection-state listener (Client::add_listener()): kazoo's state and the raw keeper
 * state. Runs on the client's dispatcher thread, one callback of the client at a time, in
 * order; it may call the client, blocking calls included.
 */
using StateListener = std::function<void(State state, KeeperState keeper_state)>;
/**
 * A watcher (Client::exists_watch(), get_watch(), get_children_watch(), add_watch()): one-shot
 * ones run at most once (with the node event, or EventType::session if the session ends
 * first), persistent ones for every event. Same thread rules as StateListener.
 */
using Watcher = std::function<void(const WatchEvent& event)>;
/** Completion of Client::create_async(): the created path, the new node's stat. */
using CreateCompletion = std::function<void(std::error_code ec, std::string_view path, const Stat& stat)>;
/** Completion of Client::exists_async(): the stat, empty when the node does not exist. */
using ExistsCompletion = std::function<void(std::error_code ec, const std::optional<Stat>& stat)>;
/** Completion of Client::get_async(): the data (borrowed for the call) and the stat. */
using DataCompletion = std::function<void(std::error_code ec, std::string_view data, const Stat& stat)>;
/** Completion of Client::get_children_async(): the children and the parent's stat. */
using ChildrenCompletion =
    std::function<void(std::error_code ec, const std::vector<std::string>& children, const Stat& stat)>;
/** Completion of Client::set_async(): the new stat. */
using StatCompletion = std::function<void(std::error_code ec, const Stat& stat)>;
/** Completion of Client::remove_async() and Client::sync_async(). */
using VoidCompletion = std::function<void(std::error_code ec)>;
/** Completion of Transaction::commit_async(): the results (empty if not answered). */
using TransactionCompletion = std::function<void(std::error_code ec, const std::vector<OpResult>& results)>;

/** Identifies a listener for Client::remove_listener() (or TreeCache::unlisten()). */
enum class ListenerId : std::uint64_t {};

namespace detail {

inline std::error_code result_code(zk_error rc) noexcept { return rc == ZK_OK ? std::error_code() : code_of(rc); }

inline WatchEvent to_event(const zk_watch_event* event) {
    WatchEvent out;
    if (event != nullptr) {
        out.type = static_cast<EventType>(event->event_type);
        out.keeper_state = static_cast<KeeperState>(event->keeper_state);
        if (event->path != nullptr) {
            out.path = event->path;
        }
    }
    return out;
}

inline void state_listener_trampoline(zk_state state, zk_keeper_state keeper_state, void* user_data) noexcept {
    guarded([&] {
        (*static_cast<StateListener*>(user_data))(static_cast<State>(state), static_cast<KeeperState>(keeper_state));
    });
}

inline void watcher_trampoline(const zk_watch_event* event, void* user_data) noexcept {
    guarded([&] { (*static_cast<Watcher*>(user_data))(to_event(event)); });
}

inline void create_trampoline(zk_error rc, const char* path, const zk_stat* stat, void* user_data) noexcept {
    std::unique_ptr<CreateCompletion> fn(static_cast<CreateCompletion*>(user_data));
    guarded([&] {
        (*fn)(result_code(rc), path != nullptr ? std::string_view(path) : std::string_view(),
              stat != nullptr ? *stat : Stat{});
    });
}

inline void exists_trampoline(zk_error rc, const zk_stat* stat, void* user_data) noexcept {
    std::unique_ptr<ExistsCompletion> fn(static_cast<ExistsCompletion*>(user_data));
    guarded([&] { (*fn)(result_code(rc), stat != nullptr ? std::optional<Stat>(*stat) : std::optional<Stat>()); });
}

inline void stat_trampoline(zk_error rc, const zk_stat* stat, void* user_data) noexcept {
    std::unique_ptr<StatCompletion> fn(static_cast<StatCompletion*>(user_data));
    guarded([&] { (*fn)(result_code(rc), stat != nullptr ? *stat : Stat{}); });
}

inline void data_trampoline(zk_error rc, const std::uint8_t* data, std::size_t len, const zk_stat* stat,
                            void* user_data) noexcept {
    std::unique_ptr<DataCompletion> fn(static_cast<DataCompletion*>(user_data));
    guarded([&] { (*fn)(result_code(rc), BytesView(data, len).view(), stat != nullptr ? *stat : Stat{}); });
}

inline void children_trampoline(zk_error rc, const zk_string_list* children, const zk_stat* stat,
                                void* user_data) noexcept {
    std::unique_ptr<ChildrenCompletion> fn(static_cast<ChildrenCompletion*>(user_data));
    guarded([&] { (*fn)(result_code(rc), to_strings(children), stat != nullptr ? *stat : Stat{}); });
}

inline void void_trampoline(zk_error rc, void* user_data) noexcept {
    std::unique_ptr<VoidCompletion> fn(static_cast<VoidCompletion*>(user_data));
    guarded([&] { (*fn)(result_code(rc)); });
}

inline void transaction_trampoline(zk_error rc, const zk_op_results* results, void* user_data) noexcept {
    std::unique_ptr<TransactionCompletion> fn(static_cast<TransactionCompletion*>(user_data));
    guarded([&] { (*fn)(result_code(rc), to_results(results)); });
}

// Submits an async operation: `submit(trampoline, user_data)` returns the C result; the
// completion is owned by the C API from a successful submission on (it is called exactly
// once then), and deleted here otherwise.
template <class Completion, class Trampoline, class Submit>
void submit_async(Completion&& completion, Trampoline trampoline, Submit&& submit, std::error_code& ec) {
    if (!completion) {
        failed(submit(static_cast<Trampoline>(nullptr), nullptr), ec); // the C API names it
        return;
    }
    auto fn = std::make_unique<std::decay_t<Completion>>(std::move(completion));
    if (!failed(submit(trampoline, static_cast<void*>(fn.get())), ec)) {
        fn.release(); // the completion deletes it (possibly already has, on another thread)
    }
}

} // namespace detail

// ----------------------------------------------------------------------------------------
// Watch: the owner of a watch registration
// ----------------------------------------------------------------------------------------

/**
 * A watch registration (the id the C API returns for exists/get/get_children watches and
 * persistent watches). Destroying it removes the watch (zk_remove_watch()), unless it was
 * detach()ed: then it lives until it fires (one-shot), is removed, or the session ends, and
 * its Watcher is destroyed then. Movable, not copyable; keeps its client's handle alive.
 */
class Watch {
public:
    /** No registration. */
    Watch() noexcept = default;
    /** Takes `other`'s registration. */
    Watch(Watch&& other) noexcept : client_(std::move(other.client_)), id_(std::exchange(other.id_, 0)) {}
    /** Removes this watch, then takes `other`'s. */
    Watch& operator=(Watch&& other) noexcept {
        if (this != &other) {
            remove();
            client_ = std::move(other.client_);
            id_ = std::exchange(other.id_, 0);
        }
        return *this;
    }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    /** Removes the watch (unless detached). */
    ~Watch() { remove(); }

    /** The C API's watch id (0 when empty). */
    std::uint64_t id() const noexcept { return id_; }
    /** Whether this object holds a registration (not empty, moved from or detached). */
    explicit operator bool() const noexcept { return client_ != nullptr; }
    /**
     * Removes the watch now: true when it was still registered (a one-shot watch that fired,
     * or whose session ended, is not). Its Watcher is destroyed once no call of it runs.
     */
    bool remove() noexcept {
        if (client_ == nullptr) {
            return false;
        }
        detail::PreserveLastError keep;
        zk_error rc = zk_remove_watch(client_.get(), id_);
        client_.reset();
        id_ = 0;
        return rc == ZK_OK;
    }
    /** Lets the watch live on without this object (one-shot watches: until they fire). */
    void detach() noexcept {
        client_.reset();
        id_ = 0;
    }

private:
    friend class Client;
    Watch(std::shared_ptr<zk_client> client, std::uint64_t id) noexcept : client_(std::move(client)), id_(id) {}
    std::shared_ptr<zk_client> client_;
    std::uint64_t id_ = 0;
};

/** What Client::exists_watch() returns: the stat (empty: no node) and the watch. */
struct WatchedExists {
    std::optional<Stat> stat; ///< The node's stat, or empty when it does not exist.
    Watch watch;              ///< The watch: destroying it removes it (see Watch::detach()).
};
/** What Client::get_watch() returns: the data, the stat and the watch. */
template <class Buffer = std::string>
struct WatchedNode {
    Buffer data; ///< The data.
    Stat stat{}; ///< The stat.
    Watch watch; ///< The watch: destroying it removes it (see Watch::detach()).
};
/** What Client::get_children_watch() returns: the children, the stat and the watch. */
struct WatchedChildren {
    std::vector<std::string> children; ///< The names.
    Stat stat{};                       ///< The parent's stat.
    Watch watch;                       ///< The watch: destroying it removes it (see Watch::detach()).
};
/** What Client::get_config_watch() returns: the configuration and the watch. */
struct WatchedConfig {
    EnsembleConfig config; ///< The configuration.
    Watch watch;           ///< The watch: destroying it removes it (see Watch::detach()).
};

/** Makes Client::retry() try again (throws zk::Error with Errc::force_retry). */
[[noreturn]] inline void force_retry() {
    std::error_code ec = make_error_code(Errc::force_retry);
    detail::fail_here(ec, Errc::force_retry, "the function asked for another attempt");
    detail::throw_error(ec);
}

// ----------------------------------------------------------------------------------------
// Client
// ----------------------------------------------------------------------------------------

namespace detail {
struct ClientAccess;
} // namespace detail

/**
 * A ZooKeeper client: one session, reconnected across the servers of its connect string
 * (zk_client). Thread-safe: any thread may call it at once, callbacks included. Movable,
 * not copyable. Destroying it stops the session; the C handle is freed (zk_client_free())
 * once the last object made from it (Lock, Watch, TreeCache, ...) is gone too, so that none
 * of them ever uses a freed client (they get Errc::closed instead).
 */
class Client {
public:
    /** No client (every call fails with Errc::invalid_argument). */
    Client() noexcept = default;
    /**
     * A client for `connect_string` (`"host1:2181,host2:2181/optional/chroot"`) with the
     * default options; nothing connects until start().
     */
    explicit Client(CStr connect_string) {
        std::error_code ec;
        init(connect_string, nullptr, ec);
        detail::throw_if(ec);
    }
    /** A client with `options` (copied). */
    Client(CStr connect_string, const Options& options) {
        std::error_code ec;
        init(connect_string, &options, ec);
        detail::throw_if(ec);
    }
    /** As Client(CStr), reporting failures in `ec` (then the client is empty). */
    Client(CStr connect_string, std::error_code& ec) { init(connect_string, nullptr, ec); }
    /** As Client(CStr, const Options&), reporting failures in `ec`. */
    Client(CStr connect_string, const Options& options, std::error_code& ec) { init(connect_string, &options, ec); }

    /** Takes `other`'s session. */
    Client(Client&& other) noexcept = default;
    /** Stops this client's session, then takes `other`'s. */
    Client& operator=(Client&& other) noexcept {
        if (this != &other) {
            close();
            handle_ = std::move(other.handle_);
        }
        return *this;
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    /** Stops the session (listeners see LOST), and releases this object's share of the handle. */
    ~Client() { close(); }

    /** The C handle, to call the C API directly (owned by this object). */
    zk_client* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a client. */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // -- session ------------------------------------------------------------------------

    /** Starts the session and waits up to `timeout` for CONNECTED (Errc::timeout). */
    void start(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        std::error_code ec;
        start(timeout, ec);
        detail::throw_if(ec);
    }
    /** As start(std::chrono::milliseconds). */
    void start(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        std::uint32_t ms = 0;
        if (detail::to_u32_ms(timeout, ms, "the start timeout is out of range", ec)) {
            detail::failed(zk_client_start(handle(), ms), ec);
        }
    }
    /** Closes the session (ephemeral nodes go at once; listeners have seen LOST on return). */
    void stop() {
        std::error_code ec;
        stop(ec);
        detail::throw_if(ec);
    }
    /** As stop(). */
    void stop(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_client_stop(handle()), ec);
    }
    /** The connection state now. */
    State state() const {
        std::error_code ec;
        State out = state(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As state(). */
    State state(std::error_code& ec) const {
        ec.clear();
        zk_state out = ZK_STATE_LOST;
        detail::failed(zk_client_state(handle(), &out, nullptr), ec);
        return static_cast<State>(out);
    }
    /** The raw keeper state now. */
    KeeperState keeper_state() const {
        std::error_code ec;
        KeeperState out = keeper_state(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As keeper_state(). */
    KeeperState keeper_state(std::error_code& ec) const {
        ec.clear();
        zk_keeper_state out = ZK_KEEPER_CLOSED;
        detail::failed(zk_client_state(handle(), nullptr, &out), ec);
        return static_cast<KeeperState>(out);
    }
    /** The current session (id, password, granted timeout), to resume it elsewhere. */
    SessionInfo session() const {
        std::error_code ec;
        SessionInfo out = session(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As session(). */
    SessionInfo session(std::error_code& ec) const {
        ec.clear();
        SessionInfo out;
        std::uint32_t timeout = 0;
        if (!detail::failed(zk_client_session(handle(), &out.id, out.password.data(), &timeout), ec)) {
            out.timeout = std::chrono::milliseconds(timeout);
        }
        return out;
    }
    /** The server connected to now (`"host:port"`); Errc::connection_loss while not connected. */
    std::string server() const {
        std::error_code ec;
        std::string out = server(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As server(). */
    std::string server(std::error_code& ec) const {
        ec.clear();
        detail::StringGuard text;
        detail::failed(zk_client_server(handle(), &text.value), ec);
        return text.str();
    }
    /** A snapshot of the client's counters (zk_stats). */
    ClientStats stats() const {
        std::error_code ec;
        ClientStats out = stats(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As stats(). */
    ClientStats stats(std::error_code& ec) const {
        ec.clear();
        ClientStats out{};
        out.version = ZK_STATS_VERSION;
        detail::failed(zk_client_stats(handle(), &out), ec);
        return out;
    }
    /**
     * Adds a connection-state listener (see StateListener), kept until remove_listener() or
     * the client's end; the function is destroyed exactly once then.
     */
    ListenerId add_listener(StateListener listener) {
        std::error_code ec;
        ListenerId id = add_listener(std::move(listener), ec);
        detail::throw_if(ec);
        return id;
    }
    /** As add_listener(StateListener). */
    ListenerId add_listener(StateListener listener, std::error_code& ec) {
        ec.clear();
        StateListener* fn = detail::new_function(std::move(listener));
        std::uint64_t id = 0;
        detail::failed(zk_client_add_listener(handle(), fn != nullptr ? &detail::state_listener_trampoline : nullptr,
                                              fn, &detail::delete_function<StateListener>, &id),
                       ec);
        return static_cast<ListenerId>(id);
    }
    /** Removes a listener (a call under way finishes; none starts afterwards). */
    void remove_listener(ListenerId id) {
        std::error_code ec;
        remove_listener(id, ec);
        detail::throw_if(ec);
    }
    /** As remove_listener(ListenerId). */
    void remove_listener(ListenerId id, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_client_remove_listener(handle(), static_cast<std::uint64_t>(id)), ec);
    }
    /**
     * Hands the callbacks to the application's event loop: the descriptor is readable while
     * callbacks wait; dispatch() runs them. Call before start().
     */
    int dispatch_fd() {
        std::error_code ec;
        int fd = dispatch_fd(ec);
        detail::throw_if(ec);
        return fd;
    }
    /** As dispatch_fd(). */
    int dispatch_fd(std::error_code& ec) {
        ec.clear();
        std::int32_t fd = -1;
        detail::failed(zk_client_dispatch_fd(handle(), &fd), ec);
        return fd;
    }
    /** Runs the waiting callbacks on this thread (dispatch_fd() mode); returns how many ran. */
    std::size_t dispatch() {
        std::error_code ec;
        std::size_t ran = dispatch(ec);
        detail::throw_if(ec);
        return ran;
    }
    /** As dispatch(). */
    std::size_t dispatch(std::error_code& ec) {
        ec.clear();
        std::size_t ran = 0;
        detail::failed(zk_client_dispatch(handle(), &ran), ec);
        return ran;
    }
    /** Adds a credential now and on every later connection (kazoo's add_auth). */
    void add_auth(CStr scheme, BytesView credential) {
        std::error_code ec;
        add_auth(std::move(scheme), credential, ec);
        detail::throw_if(ec);
    }
    /** As add_auth(CStr, BytesView). */
    void add_auth(CStr scheme, BytesView credential, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(scheme, "the auth scheme has a NUL byte inside", ec)) {
            detail::failed(zk_add_auth(handle(), scheme.c_str(), credential.data(), credential.size()), ec);
        }
    }

    // -- nodes --------------------------------------------------------------------------

    /** Creates a node holding `data`; returns its path (with the sequence number, if any). */
    std::string create(CStr path, BytesView data = {}, const CreateOptions& options = {}) {
        std::error_code ec;
        std::string out = create(std::move(path), data, options, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As create(), without data, reporting failures in `ec`. */
    std::string create(CStr path, std::error_code& ec) { return create(std::move(path), {}, {}, ec); }
    /** As create(), reporting failures in `ec`. */
    std::string create(CStr path, BytesView data, std::error_code& ec) { return create(std::move(path), data, {}, ec); }
    /** As create(), reporting failures in `ec`. */
    std::string create(CStr path, BytesView data, const CreateOptions& options, std::error_code& ec) {
        ec.clear();
        detail::CCreateOptions c_options;
        detail::StringGuard created;
        if (!detail::bad_path(path, ec) && c_options.fill(options, ec)) {
            detail::failed(
                zk_create(handle(), path.c_str(), data.data(), data.size(), &c_options.raw, &created.value, nullptr),
                ec);
        }
        return created.str();
    }
    /** Creates `path` and its missing parents (kazoo's ensure_path); fine if it exists. */
    void ensure_path(CStr path) {
        std::error_code ec;
        ensure_path(std::move(path), ec);
        detail::throw_if(ec);
    }
    /** As ensure_path(CStr). */
    void ensure_path(CStr path, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_ensure_path(handle(), path.c_str()), ec);
        }
    }
    /** The node's stat, or empty when it does not exist (not an error). */
    std::optional<Stat> exists(CStr path) {
        std::error_code ec;
        std::optional<Stat> out = exists(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As exists(CStr). */
    std::optional<Stat> exists(CStr path, std::error_code& ec) {
        ec.clear();
        bool found = false;
        Stat stat{};
        if (detail::bad_path(path, ec) || detail::failed(zk_exists(handle(), path.c_str(), &found, &stat), ec) ||
            !found) {
            return std::nullopt;
        }
        return stat;
    }
    /** The node's data and stat (Errc::no_node when missing); `get<zk::Bytes>()` for bytes. */
    template <class Buffer = std::string>
    BasicNode<Buffer> get(CStr path) {
        std::error_code ec;
        BasicNode<Buffer> out = get<Buffer>(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get(CStr). */
    template <class Buffer = std::string>
    BasicNode<Buffer> get(CStr path, std::error_code& ec) {
        ec.clear();
        BasicNode<Buffer> out;
        detail::BufferGuard data;
        if (!detail::bad_path(path, ec) &&
            !detail::failed(zk_get(handle(), path.c_str(), &data.value, &out.stat), ec)) {
            out.data = detail::make_buffer<Buffer>(data.value.data, data.value.len);
        }
        return out;
    }
    /** The names of the node's children (Errc::no_node when missing). */
    std::vector<std::string> get_children(CStr path) {
        std::error_code ec;
        std::vector<std::string> out = get_children(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_children(CStr). */
    std::vector<std::string> get_children(CStr path, std::error_code& ec) {
        ec.clear();
        detail::StringListGuard children;
        if (detail::bad_path(path, ec) ||
            detail::failed(zk_get_children(handle(), path.c_str(), &children.value, nullptr), ec)) {
            return {};
        }
        return detail::to_strings(&children.value);
    }
    /** Replaces the node's data if its version is `version`; returns the new stat. */
    Stat set(CStr path, BytesView data, std::int32_t version = any_version) {
        std::error_code ec;
        Stat out = set(std::move(path), data, version, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As set(), any version, reporting failures in `ec`. */
    Stat set(CStr path, BytesView data, std::error_code& ec) { return set(std::move(path), data, any_version, ec); }
    /** As set(), reporting failures in `ec`. */
    Stat set(CStr path, BytesView data, std::int32_t version, std::error_code& ec) {
        ec.clear();
        Stat out{};
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_set(handle(), path.c_str(), data.data(), data.size(), version, &out), ec);
        }
        return out;
    }
    /** Deletes the node if its version is `version` (Errc::not_empty if it has children). */
    void remove(CStr path, std::int32_t version = any_version) {
        std::error_code ec;
        remove(std::move(path), version, ec);
        detail::throw_if(ec);
    }
    /** As remove(), any version, reporting failures in `ec`. */
    void remove(CStr path, std::error_code& ec) { remove(std::move(path), any_version, ec); }
    /** As remove(), reporting failures in `ec`. */
    void remove(CStr path, std::int32_t version, std::error_code& ec) {
        remove_node(std::move(path), version, false, ec);
    }
    /** Deletes the node and everything under it. */
    void remove_recursive(CStr path, std::int32_t version = any_version) {
        std::error_code ec;
        remove_recursive(std::move(path), version, ec);
        detail::throw_if(ec);
    }
    /** As remove_recursive(), reporting failures in `ec`. */
    void remove_recursive(CStr path, std::error_code& ec) { remove_recursive(std::move(path), any_version, ec); }
    /** As remove_recursive(), reporting failures in `ec`. */
    void remove_recursive(CStr path, std::int32_t version, std::error_code& ec) {
        remove_node(std::move(path), version, true, ec);
    }
    /** Waits until the server has caught up with the leader on `path`. */
    void sync(CStr path) {
        std::error_code ec;
        sync(std::move(path), ec);
        detail::throw_if(ec);
    }
    /** As sync(CStr). */
    void sync(CStr path, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_sync(handle(), path.c_str()), ec);
        }
    }
    /** The node's ACL and stat. */
    NodeAcl get_acl(CStr path) {
        std::error_code ec;
        NodeAcl out = get_acl(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_acl(CStr). */
    NodeAcl get_acl(CStr path, std::error_code& ec) {
        ec.clear();
        NodeAcl out;
        struct Guard {
            zk_acl_list value{nullptr, 0};
            ~Guard() { zk_acl_list_free(&value); }
        } acl;
        if (detail::bad_path(path, ec) ||
            detail::failed(zk_get_acl(handle(), path.c_str(), &acl.value, &out.stat), ec)) {
            return out;
        }
        for (std::size_t i = 0; i < acl.value.count; i++) {
            const zk_acl& entry = acl.value.items[i];
            out.acl.push_back(Acl{static_cast<Perm>(entry.perms), entry.scheme != nullptr ? entry.scheme : "",
                                  entry.id != nullptr ? entry.id : ""});
        }
        return out;
    }
    /** Replaces the node's ACL if its ACL version is `version`; returns the new stat. */
    Stat set_acl(CStr path, const std::vector<Acl>& acl, std::int32_t version = any_version) {
        std::error_code ec;
        Stat out = set_acl(std::move(path), acl, version, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As set_acl(), any version, reporting failures in `ec`. */
    Stat set_acl(CStr path, const std::vector<Acl>& acl, std::error_code& ec) {
        return set_acl(std::move(path), acl, any_version, ec);
    }
    /** As set_acl(), reporting failures in `ec`. */
    Stat set_acl(CStr path, const std::vector<Acl>& acl, std::int32_t version, std::error_code& ec) {
        ec.clear();
        Stat out{};
        std::vector<zk_acl> entries;
        if (!detail::bad_path(path, ec) && detail::to_c_acl(acl, entries, ec)) {
            detail::failed(zk_set_acl(handle(), path.c_str(), entries.data(), entries.size(), version, &out), ec);
        }
        return out;
    }

    // -- administration -----------------------------------------------------------------

    /** This session's ephemeral nodes whose path starts with `prefix`. */
    std::vector<std::string> get_ephemerals(CStr prefix = "/") {
        std::error_code ec;
        std::vector<std::string> out = get_ephemerals(std::move(prefix), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_ephemerals(CStr). */
    std::vector<std::string> get_ephemerals(CStr prefix, std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::bad_path(prefix, ec) ||
            detail::failed(zk_get_ephemerals(handle(), prefix.c_str(), &list.value), ec)) {
            return {};
        }
        return detail::to_strings(&list.value);
    }
    /** The number of nodes under `path` (all descendants). */
    std::int32_t get_all_children_number(CStr path) {
        std::error_code ec;
        std::int32_t out = get_all_children_number(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_all_children_number(CStr). */
    std::int32_t get_all_children_number(CStr path, std::error_code& ec) {
        ec.clear();
        std::int32_t out = 0;
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_get_all_children_number(handle(), path.c_str(), &out), ec);
        }
        return out;
    }
    /** The connected server's answer to a four-letter word (`"ruok"`, `"srvr"`, ...). */
    std::string four_letter_word(CStr word) {
        std::error_code ec;
        std::string out = four_letter_word(std::move(word), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As four_letter_word(CStr). */
    std::string four_letter_word(CStr word, std::error_code& ec) {
        ec.clear();
        detail::StringGuard text;
        if (!detail::bad_text(word, "the four-letter word has a NUL byte inside", ec)) {
            detail::failed(zk_four_letter_word(handle(), word.c_str(), &text.value), ec);
        }
        return text.str();
    }
    /** The connected server's version (from `srvr`). */
    ServerVersion server_version() {
        std::error_code ec;
        ServerVersion out = server_version(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As server_version(). */
    ServerVersion server_version(std::error_code& ec) {
        ec.clear();
        ServerVersion out;
        detail::failed(zk_server_version(handle(), &out.major_version, &out.minor_version, &out.patch_version), ec);
        return out;
    }

    // -- hosts and the ensemble ---------------------------------------------------------

    /**
     * Replaces the servers this client connects to (`"host1:2181,host2:2181"`, optionally with
     * the client's own chroot): the session is kept, and the connection too unless its server
     * left the list or this client is chosen to move to an added server (listeners then see
     * SUSPENDED and CONNECTED). Does not block.
     */
    void update_hosts(CStr connect_string) {
        std::error_code ec;
        update_hosts(std::move(connect_string), ec);
        detail::throw_if(ec);
    }
    /** As update_hosts(CStr). */
    void update_hosts(CStr connect_string, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_text(connect_string, "the connect string has a NUL byte inside", ec)) {
            detail::failed(zk_client_update_hosts(handle(), connect_string.c_str()), ec);
        }
    }
    /**
     * The servers this client connects to now, without the chroot: those it was made with, of
     * the last update_hosts(), or of the ensemble's configuration when it follows it.
     */
    std::string hosts() const {
        std::error_code ec;
        std::string out = hosts(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As hosts(). */
    std::string hosts(std::error_code& ec) const {
        ec.clear();
        detail::StringGuard text;
        detail::failed(zk_client_hosts(handle(), &text.value), ec);
        return text.str();
    }
    /**
     * The ensemble's configuration (`/zookeeper/config`, whatever the chroot), as the server
     * connected to has seen it (sync("/") first for the leader's latest). A standalone
     * server's is empty.
     */
    EnsembleConfig get_config() {
        std::error_code ec;
        EnsembleConfig out = get_config(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_config(). */
    EnsembleConfig get_config(std::error_code& ec) {
        ec.clear();
        zk_ensemble_config* raw = nullptr;
        if (detail::failed(zk_get_config(handle(), &raw), ec)) {
            return EnsembleConfig();
        }
        return EnsembleConfig(raw);
    }
    /**
     * As get_config(), and a one-shot watch: `watcher` runs once when a reconfig is committed
     * (path `"/zookeeper/config"`), or with EventType::session if the session ends first.
     */
    [[nodiscard]] WatchedConfig get_config_watch(Watcher watcher) {
        std::error_code ec;
        WatchedConfig out = get_config_watch(std::move(watcher), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_config_watch(Watcher). */
    [[nodiscard]] WatchedConfig get_config_watch(Watcher watcher, std::error_code& ec) {
        ec.clear();
        WatchedConfig out;
        Watcher* fn = detail::new_function(std::move(watcher));
        zk_ensemble_config* raw = nullptr;
        std::uint64_t id = 0;
        if (!detail::failed(zk_get_config_watch(handle(), fn != nullptr ? &detail::watcher_trampoline : nullptr, fn,
                                                &detail::delete_function<Watcher>, &raw, &id),
                            ec)) {
            out.watch = Watch(handle_, id);
            out.config = EnsembleConfig(raw);
        }
        return out;
    }
    /**
     * Changes the membership (ZooKeeper 3.5+, `reconfigEnabled=true`): adds the `joining`
     * servers (specs, EnsembleMember::spec, client port required) and removes the servers
     * whose ids are in `leaving`, if the configuration is still version `from_version`
     * (any_config_version: any). Returns the new configuration. Needs the superuser (or WRITE
     * on `/zookeeper/config`). Refusals keep ZooKeeper's codes (Errc::bad_version,
     * new_config_no_quorum, reconfig_in_progress, no_auth, reconfig_disabled, bad_arguments,
     * unimplemented), and last_error_message() (zk::Error::detail()) says why.
     */
    EnsembleConfig reconfig_incremental(const std::vector<std::string>& joining,
                                        const std::vector<std::uint64_t>& leaving,
                                        std::int64_t from_version = any_config_version) {
        std::error_code ec;
        EnsembleConfig out = reconfig_incremental(joining, leaving, from_version, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As reconfig_incremental(const std::vector<std::string>&, const std::vector<std::uint64_t>&, std::int64_t). */
    EnsembleConfig reconfig_incremental(const std::vector<std::string>& joining,
                                        const std::vector<std::uint64_t>& leaving, std::int64_t from_version,
                                        std::error_code& ec) {
        ec.clear();
        std::vector<const char*> specs;
        if (!spec_pointers(joining, specs, ec)) {
            return EnsembleConfig();
        }
        zk_ensemble_config* raw = nullptr;
        if (detail::failed(zk_reconfig_incremental(handle(), specs.empty() ? nullptr : specs.data(), specs.size(),
                                                   leaving.empty() ? nullptr : leaving.data(), leaving.size(),
                                                   from_version, &raw),
                           ec)) {
            return EnsembleConfig();
        }
        return EnsembleConfig(raw);
    }
    /**
     * Replaces the whole membership with `members` (specs), if the configuration is still
     * version `from_version` (any_config_version: any); returns the new configuration.
     * Permissions and refusals as reconfig_incremental().
     */
    EnsembleConfig reconfig_bulk(const std::vector<std::string>& members,
                                 std::int64_t from_version = any_config_version) {
        std::error_code ec;
        EnsembleConfig out = reconfig_bulk(members, from_version, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As reconfig_bulk(const std::vector<std::string>&, std::int64_t). */
    EnsembleConfig reconfig_bulk(const std::vector<std::string>& members, std::int64_t from_version,
                                 std::error_code& ec) {
        ec.clear();
        std::vector<const char*> specs;
        if (!spec_pointers(members, specs, ec)) {
            return EnsembleConfig();
        }
        zk_ensemble_config* raw = nullptr;
        if (detail::failed(
                zk_reconfig_bulk(handle(), specs.empty() ? nullptr : specs.data(), specs.size(), from_version, &raw),
                ec)) {
            return EnsembleConfig();
        }
        return EnsembleConfig(raw);
    }
    /**
     * The identities the server knows this session by (ZooKeeper 3.7+ whoAmI): `ip` for every
     * session, and one per credential added (`digest`, `x509`, `sasl`, ...).
     */
    std::vector<Identity> who_am_i() {
        std::error_code ec;
        std::vector<Identity> out = who_am_i(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As who_am_i(). */
    std::vector<Identity> who_am_i(std::error_code& ec) {
        ec.clear();
        std::vector<Identity> out;
        detail::IdentityListGuard list;
        if (!detail::failed(zk_who_am_i(handle(), &list.value), ec) && list.value.items != nullptr) {
            out.reserve(list.value.count);
            for (std::size_t i = 0; i < list.value.count; i++) {
                out.push_back(Identity{detail::c_string(list.value.items[i].scheme),
                                       detail::c_string(list.value.items[i].id)});
            }
        }
        return out;
    }

    // -- watches ------------------------------------------------------------------------

    /** As exists(), and a one-shot watch: on deletion or data change, or on creation. */
    [[nodiscard]] WatchedExists exists_watch(CStr path, Watcher watcher) {
        std::error_code ec;
        WatchedExists out = exists_watch(std::move(path), std::move(watcher), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As exists_watch(CStr, Watcher). */
    [[nodiscard]] WatchedExists exists_watch(CStr path, Watcher watcher, std::error_code& ec) {
        ec.clear();
        WatchedExists out;
        if (detail::bad_path(path, ec)) {
            return out;
        }
        Watcher* fn = detail::new_function(std::move(watcher));
        bool found = false;
        Stat stat{};
        std::uint64_t id = 0;
        if (!detail::failed(zk_exists_watch(handle(), path.c_str(),
                                            fn != nullptr ? &detail::watcher_trampoline : nullptr, fn,
                                            &detail::delete_function<Watcher>, &found, &stat, &id),
                            ec)) {
            if (found) {
                out.stat = stat;
            }
            out.watch = Watch(handle_, id);
        }
        return out;
    }
    /** As get(), and a one-shot watch on a data change or deletion (none on Errc::no_node). */
    template <class Buffer = std::string>
    [[nodiscard]] WatchedNode<Buffer> get_watch(CStr path, Watcher watcher) {
        std::error_code ec;
        WatchedNode<Buffer> out = get_watch<Buffer>(std::move(path), std::move(watcher), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_watch(CStr, Watcher). */
    template <class Buffer = std::string>
    [[nodiscard]] WatchedNode<Buffer> get_watch(CStr path, Watcher watcher, std::error_code& ec) {
        ec.clear();
        WatchedNode<Buffer> out;
        if (detail::bad_path(path, ec)) {
            return out;
        }
        Watcher* fn = detail::new_function(std::move(watcher));
        detail::BufferGuard data;
        std::uint64_t id = 0;
        if (!detail::failed(zk_get_watch(handle(), path.c_str(), fn != nullptr ? &detail::watcher_trampoline : nullptr,
                                         fn, &detail::delete_function<Watcher>, &data.value, &out.stat, &id),
                            ec)) {
            out.watch = Watch(handle_, id);
            out.data = detail::make_buffer<Buffer>(data.value.data, data.value.len);
        }
        return out;
    }
    /** As get_children(), and a one-shot watch on a change of the children or a deletion. */
    [[nodiscard]] WatchedChildren get_children_watch(CStr path, Watcher watcher) {
        std::error_code ec;
        WatchedChildren out = get_children_watch(std::move(path), std::move(watcher), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_children_watch(CStr, Watcher). */
    [[nodiscard]] WatchedChildren get_children_watch(CStr path, Watcher watcher, std::error_code& ec) {
        ec.clear();
        WatchedChildren out;
        if (detail::bad_path(path, ec)) {
            return out;
        }
        Watcher* fn = detail::new_function(std::move(watcher));
        detail::StringListGuard children;
        std::uint64_t id = 0;
        if (!detail::failed(zk_get_children_watch(handle(), path.c_str(),
                                                  fn != nullptr ? &detail::watcher_trampoline : nullptr, fn,
                                                  &detail::delete_function<Watcher>, &children.value, &out.stat, &id),
                            ec)) {
            out.watch = Watch(handle_, id);
            out.children = detail::to_strings(&children.value);
        }
        return out;
    }
    /** A persistent (or recursive) watch on `path`, called for every change until removed. */
    [[nodiscard]] Watch add_watch(CStr path, WatchMode mode, Watcher watcher) {
        std::error_code ec;
        Watch out = add_watch(std::move(path), mode, std::move(watcher), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As add_watch(CStr, WatchMode, Watcher). */
    [[nodiscard]] Watch add_watch(CStr path, WatchMode mode, Watcher watcher, std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return Watch();
        }
        Watcher* fn = detail::new_function(std::move(watcher));
        std::uint64_t id = 0;
        if (detail::failed(zk_add_watch(handle(), path.c_str(), static_cast<std::int32_t>(mode),
                                        fn != nullptr ? &detail::watcher_trampoline : nullptr, fn,
                                        &detail::delete_function<Watcher>, &id),
                           ec)) {
            return Watch();
        }
        return Watch(handle_, id);
    }
    /** Removes every watch of `type` on `path`, here and on the server; false if there was none. */
    bool remove_watches(CStr path, WatcherType type) {
        std::error_code ec;
        bool out = remove_watches(std::move(path), type, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As remove_watches(CStr, WatcherType). */
    bool remove_watches(CStr path, WatcherType type, std::error_code& ec) {
        return watches_call(&zk_remove_watches, std::move(path), type, ec);
    }
    /** Whether the server has a watch of `type` on `path` for this session. */
    bool check_watches(CStr path, WatcherType type) {
        std::error_code ec;
        bool out = check_watches(std::move(path), type, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As check_watches(CStr, WatcherType). */
    bool check_watches(CStr path, WatcherType type, std::error_code& ec) {
        return watches_call(&zk_check_watches, std::move(path), type, ec);
    }

    // -- async (pipelined) --------------------------------------------------------------

    /**
     * Submits a create; `completion` runs once, later, on the dispatcher thread (never if
     * this throws or sets `ec`). So for every *_async function.
     */
    void create_async(CStr path, BytesView data, const CreateOptions& options, CreateCompletion completion) {
        std::error_code ec;
        create_async(std::move(path), data, options, std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As create_async(), with the default options. */
    void create_async(CStr path, BytesView data, CreateCompletion completion) {
        create_async(std::move(path), data, CreateOptions(), std::move(completion));
    }
    /** As create_async(), reporting failures in `ec`. */
    void create_async(CStr path, BytesView data, const CreateOptions& options, CreateCompletion completion,
                      std::error_code& ec) {
        ec.clear();
        detail::CCreateOptions c_options;
        if (detail::bad_path(path, ec) || !c_options.fill(options, ec)) {
            return;
        }
        detail::submit_async(
            std::move(completion), &detail::create_trampoline,
            [&](zk_create_completion fn, void* user_data) {
                return zk_create_async(handle(), path.c_str(), data.data(), data.size(), &c_options.raw, fn, user_data);
            },
            ec);
    }
    /** Submits an exists check. */
    void exists_async(CStr path, ExistsCompletion completion) {
        std::error_code ec;
        exists_async(std::move(path), std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As exists_async(), reporting failures in `ec`. */
    void exists_async(CStr path, ExistsCompletion completion, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::submit_async(
                std::move(completion), &detail::exists_trampoline,
                [&](zk_stat_completion fn, void* user_data) {
                    return zk_exists_async(handle(), path.c_str(), fn, user_data);
                },
                ec);
        }
    }
    /** Submits a read of the data and stat. */
    void get_async(CStr path, DataCompletion completion) {
        std::error_code ec;
        get_async(std::move(path), std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As get_async(), reporting failures in `ec`. */
    void get_async(CStr path, DataCompletion completion, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::submit_async(
                std::move(completion), &detail::data_trampoline,
                [&](zk_data_completion fn, void* user_data) {
                    return zk_get_async(handle(), path.c_str(), fn, user_data);
                },
                ec);
        }
    }
    /** Submits a listing of the children. */
    void get_children_async(CStr path, ChildrenCompletion completion) {
        std::error_code ec;
        get_children_async(std::move(path), std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As get_children_async(), reporting failures in `ec`. */
    void get_children_async(CStr path, ChildrenCompletion completion, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::submit_async(
                std::move(completion), &detail::children_trampoline,
                [&](zk_children_completion fn, void* user_data) {
                    return zk_get_children_async(handle(), path.c_str(), fn, user_data);
                },
                ec);
        }
    }
    /** Submits a write of `data` if the version is `version`. */
    void set_async(CStr path, BytesView data, std::int32_t version, StatCompletion completion) {
        std::error_code ec;
        set_async(std::move(path), data, version, std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As set_async(), any version. */
    void set_async(CStr path, BytesView data, StatCompletion completion) {
        set_async(std::move(path), data, any_version, std::move(completion));
    }
    /** As set_async(), reporting failures in `ec`. */
    void set_async(CStr path, BytesView data, std::int32_t version, StatCompletion completion, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::submit_async(
                std::move(completion), &detail::stat_trampoline,
                [&](zk_stat_completion fn, void* user_data) {
                    return zk_set_async(handle(), path.c_str(), data.data(), data.size(), version, fn, user_data);
                },
                ec);
        }
    }
    /** Submits a delete if the version is `version`. */
    void remove_async(CStr path, std::int32_t version, VoidCompletion completion) {
        std::error_code ec;
        remove_async(std::move(path), version, std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As remove_async(), any version. */
    void remove_async(CStr path, VoidCompletion completion) {
        remove_async(std::move(path), any_version, std::move(completion));
    }
    /** As remove_async(), reporting failures in `ec`. */
    void remove_async(CStr path, std::int32_t version, VoidCompletion completion, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::submit_async(
                std::move(completion), &detail::void_trampoline,
                [&](zk_void_completion fn, void* user_data) {
                    return zk_delete_async(handle(), path.c_str(), version, fn, user_data);
                },
                ec);
        }
    }
    /** Submits a sync. */
    void sync_async(CStr path, VoidCompletion completion) {
        std::error_code ec;
        sync_async(std::move(path), std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As sync_async(), reporting failures in `ec`. */
    void sync_async(CStr path, VoidCompletion completion, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::submit_async(
                std::move(completion), &detail::void_trampoline,
                [&](zk_void_completion fn, void* user_data) {
                    return zk_sync_async(handle(), path.c_str(), fn, user_data);
                },
                ec);
        }
    }

    // -- retry --------------------------------------------------------------------------

    /**
     * Runs `function()` on this thread under the client's command retry policy (kazoo's
     * `zk.retry(func)`) and returns its result. A zk::Error it throws with a retried code
     * (connection loss, operation timeout, zk::force_retry(), session expiry if the policy
     * says so) makes another attempt after a pause; any other exception ends the retry and
     * propagates. When the policy gives up, zk::Error with the last code (the message says
     * how many attempts were made).
     */
    template <class F>
    auto retry(F&& function) -> std::decay_t<std::invoke_result_t<F&>> {
        return retry_with(nullptr, function);
    }
    /** As retry(F&&), under `policy`. */
    template <class F>
    auto retry(const RetryPolicy& policy, F&& function) -> std::decay_t<std::invoke_result_t<F&>> {
        return retry_with(&policy.raw(), function);
    }
    /**
     * As retry(F&&) without exceptions: `function` returns a std::error_code (empty: done;
     * Errc::force_retry or a retried code: try again); the outcome goes to `ec`.
     */
    void retry(const std::function<std::error_code()>& function, std::error_code& ec) {
        retry_codes(nullptr, function, ec);
    }
    /** As retry(const std::function<std::error_code()>&, std::error_code&), under `policy`. */
    void retry(const RetryPolicy& policy, const std::function<std::error_code()>& function, std::error_code& ec) {
        retry_codes(&policy.raw(), function, ec);
    }

private:
    friend struct detail::ClientAccess;

    void init(const CStr& connect_string, const Options* options, std::error_code& ec) {
        ec.clear();
        if (detail::bad_text(connect_string, "the connect string has a NUL byte inside", ec)) {
            return;
        }
        if (options != nullptr && options->handle() == nullptr) {
            detail::fail_here(ec, Errc::invalid_argument, "the options are empty (moved from)");
            return;
        }
        zk_client* raw = nullptr;
        if (!detail::failed(
                zk_client_new(connect_string.c_str(), options != nullptr ? options->handle() : nullptr, &raw), ec)) {
            handle_ = std::shared_ptr<zk_client>(raw, [](zk_client* client) {
                detail::PreserveLastError keep;
                zk_client_free(client);
            });
        }
    }

    void close() noexcept {
        if (handle_ != nullptr) {
            {
                detail::PreserveLastError keep;
                zk_client_stop(handle_.get());
            }
            handle_.reset();
        }
    }

    // The C strings of `specs` (borrowed); false, with `ec` set, for a spec with a NUL byte.
    static bool spec_pointers(const std::vector<std::string>& specs, std::vector<const char*>& out,
                              std::error_code& ec) {
        out.reserve(specs.size());
        for (const std::string& spec : specs) {
            if (detail::bad_text(CStr(spec), "a server spec has a NUL byte inside", ec)) {
                return false;
            }
            out.push_back(spec.c_str());
        }
        return true;
    }

    void remove_node(CStr path, std::int32_t version, bool recursive, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_delete(handle(), path.c_str(), version, recursive), ec);
        }
    }

    bool watches_call(zk_error (*call)(zk_client*, const char*, std::int32_t), CStr path, WatcherType type,
                      std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return false;
        }
        zk_error rc = call(handle(), path.c_str(), static_cast<std::int32_t>(type));
        if (rc == ZK_ENOWATCHER) {
            return false;
        }
        return !detail::failed(rc, ec);
    }

    static bool retried(zk_error rc) noexcept {
        return rc == ZK_ECONNECTIONLOSS || rc == ZK_EOPERATIONTIMEOUT || rc == ZK_EFORCERETRY ||
               rc == ZK_ESESSIONEXPIRED;
    }

    template <class F>
    auto retry_with(const zk_retry_policy* policy, F& function) -> std::decay_t<std::invoke_result_t<F&>> {
        using Result = std::invoke_result_t<F&>;
        static_assert(!std::is_same_v<std::decay_t<Result>, std::error_code>,
                      "a function returning std::error_code goes to retry(function, ec), which reads the code");
        using Stored = std::conditional_t<std::is_void_v<Result>, bool, std::decay_t<Result>>;
        struct Context {
            F* function;
            std::optional<Stored> result;
            std::exception_ptr error;      // not a zk::Error: ends the retry, rethrown
            std::exception_ptr last_error; // the last zk::Error, rethrown as it was if not retried
            zk_error last_code = ZK_OK;
        };
        Context context{&function, std::nullopt, nullptr, nullptr, ZK_OK};
        auto trampoline = [](zk_client*, void* user_data) noexcept -> std::int32_t {
            Context& ctx = *static_cast<Context*>(user_data);
#if ZKCLIENT_HPP_EXCEPTIONS
            try {
#endif
                if constexpr (std::is_void_v<Result>) {
                    (*ctx.function)();
                    ctx.result.emplace(true);
                } else {
                    ctx.result.emplace((*ctx.function)());
                }
                return ZK_OK;
#if ZKCLIENT_HPP_EXCEPTIONS
            } catch (const Error& e) {
                if (e.code().category() == category() && e.code().value() != ZK_OK) {
                    ctx.last_error = std::current_exception();
                    ctx.last_code = static_cast<zk_error>(e.code().value());
                    return e.code().value();
                }
                ctx.error = std::current_exception();
            } catch (...) {
                ctx.error = std::current_exception();
            }
            return ZK_EAPIERROR;
#endif
        };
        zk_error rc = zk_retry(handle(), policy, trampoline, &context);
#if ZKCLIENT_HPP_EXCEPTIONS
        if (context.error) {
            std::rethrow_exception(context.error);
        }
        if (rc != ZK_OK && context.last_error && rc == context.last_code && !retried(rc)) {
            std::rethrow_exception(context.last_error);
        }
#endif
        std::error_code ec;
        if (detail::failed(rc, ec)) {
            detail::throw_error(ec);
        }
        if constexpr (!std::is_void_v<Result>) {
            return std::move(*context.result);
        }
    }

    void retry_codes(const zk_retry_policy* policy, const std::function<std::error_code()>& function,
                     std::error_code& ec) {
        ec.clear();
        struct Context {
            const std::function<std::error_code()>* function;
            std::error_code foreign; // a code of another category: ends the retry, returned
            std::exception_ptr error;
        };
        Context context{&function, std::error_code(), nullptr};
        auto trampoline = [](zk_client*, void* user_data) noexcept -> std::int32_t {
            Context& ctx = *static_cast<Context*>(user_data);
#if ZKCLIENT_HPP_EXCEPTIONS
            try {
#endif
                std::error_code result = (*ctx.function)();
                if (!result) {
                    return ZK_OK;
                }
                if (result.category() == category()) {
                    return result.value();
                }
                ctx.foreign = result;
                return ZK_EAPIERROR;
#if ZKCLIENT_HPP_EXCEPTIONS
            } catch (...) {
                ctx.error = std::current_exception();
                return ZK_EAPIERROR;
            }
#endif
        };
        zk_error rc = zk_retry(handle(), policy, function ? +trampoline : nullptr, &context);
#if ZKCLIENT_HPP_EXCEPTIONS
        if (context.error) {
            std::rethrow_exception(context.error);
        }
#endif
        if (context.foreign) {
            detail::fail_here(ec, Errc::api_error, "the function run by retry() returned an error of another category");
            ec = context.foreign;
            return;
        }
        detail::failed(rc, ec);
    }

    std::shared_ptr<zk_client> handle_;
};

namespace detail {
// How the recipes reach a client's shared handle (they keep it alive).
struct ClientAccess {
    static const std::shared_ptr<zk_client>& handle(const Client& client) noexcept { return client.handle_; }
};
} // namespace detail

// ----------------------------------------------------------------------------------------
// Transaction
// ----------------------------------------------------------------------------------------

/**
 * A transaction or read batch (zk_transaction, kazoo's `client.transaction()`): add
 * operations, then commit(). Writes apply all or none; reads are answered together. Not
 * thread-safe. Movable, not copyable; frees its handle once.
 */
class Transaction {
public:
    /** No transaction. */
    Transaction() noexcept = default;
    /** A new transaction on `client`. */
    explicit Transaction(Client& client) {
        std::error_code ec;
        init(client, ec);
        detail::throw_if(ec);
    }
    /** As Transaction(Client&), reporting failures in `ec`. */
    Transaction(Client& client, std::error_code& ec) { init(client, ec); }

    /** Adds a create (makepath is refused in a transaction). */
    Transaction& create(CStr path, BytesView data = {}, const CreateOptions& options = {}) {
        std::error_code ec;
        create(std::move(path), data, options, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As create(), reporting failures in `ec`. */
    void create(CStr path, BytesView data, const CreateOptions& options, std::error_code& ec) {
        ec.clear();
        detail::CCreateOptions c_options;
        if (!detail::bad_path(path, ec) && c_options.fill(options, ec)) {
            detail::failed(zk_transaction_create(handle(), path.c_str(), data.data(), data.size(), &c_options.raw), ec);
        }
    }
    /** Adds a delete if the version is `version`. */
    Transaction& remove(CStr path, std::int32_t version = any_version) {
        std::error_code ec;
        remove(std::move(path), version, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As remove(), reporting failures in `ec`. */
    void remove(CStr path, std::int32_t version, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_transaction_delete(handle(), path.c_str(), version), ec);
        }
    }
    /** Adds a set of the data if the version is `version`. */
    Transaction& set(CStr path, BytesView data, std::int32_t version = any_version) {
        std::error_code ec;
        set(std::move(path), data, version, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As set(), reporting failures in `ec`. */
    void set(CStr path, BytesView data, std::int32_t version, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_transaction_set(handle(), path.c_str(), data.data(), data.size(), version), ec);
        }
    }
    /** Adds a check that the node's version is `version`. */
    Transaction& check(CStr path, std::int32_t version) {
        std::error_code ec;
        check(std::move(path), version, ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As check(), reporting failures in `ec`. */
    void check(CStr path, std::int32_t version, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_transaction_check(handle(), path.c_str(), version), ec);
        }
    }
    /** Adds a read of the data (a read batch; ZooKeeper 3.6+). */
    Transaction& get(CStr path) {
        std::error_code ec;
        get(std::move(path), ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As get(), reporting failures in `ec`. */
    void get(CStr path, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_transaction_get(handle(), path.c_str()), ec);
        }
    }
    /** Adds a listing of the children (a read batch). */
    Transaction& get_children(CStr path) {
        std::error_code ec;
        get_children(std::move(path), ec);
        detail::throw_if(ec);
        return *this;
    }
    /** As get_children(), reporting failures in `ec`. */
    void get_children(CStr path, std::error_code& ec) {
        ec.clear();
        if (!detail::bad_path(path, ec)) {
            detail::failed(zk_transaction_get_children(handle(), path.c_str()), ec);
        }
    }
    /**
     * Commits the operations added so far (it can be committed again): one result per
     * operation. A refusal throws zk::TransactionError, with every operation's result.
     */
    std::vector<OpResult> commit() {
        std::error_code ec;
        std::vector<OpResult> results = commit(ec);
        if (ec && !results.empty()) {
#if ZKCLIENT_HPP_EXCEPTIONS
            throw TransactionError(ec, last_error_message(), std::move(results));
#endif
        }
        detail::throw_if(ec);
        return results;
    }
    /** As commit(); on a refusal `ec` is the failing operation's code and the results still come back. */
    std::vector<OpResult> commit(std::error_code& ec) {
        ec.clear();
        detail::OpResultsGuard results;
        zk_error rc = zk_transaction_commit(handle(), &results.value);
        detail::failed(rc, ec);
        return detail::to_results(&results.value);
    }
    /** Submits the transaction; `completion` runs once, on the dispatcher thread. */
    void commit_async(TransactionCompletion completion) {
        std::error_code ec;
        commit_async(std::move(completion), ec);
        detail::throw_if(ec);
    }
    /** As commit_async(), reporting failures in `ec`. */
    void commit_async(TransactionCompletion completion, std::error_code& ec) {
        ec.clear();
        detail::submit_async(
            std::move(completion), &detail::transaction_trampoline,
            [&](zk_transaction_completion fn, void* user_data) {
                return zk_transaction_commit_async(handle(), fn, user_data);
            },
            ec);
    }
    /** The C handle (owned by this object). */
    zk_transaction* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a transaction. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, std::error_code& ec) {
        ec.clear();
        zk_transaction* raw = nullptr;
        if (!detail::failed(zk_transaction_new(client.handle(), &raw), ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_transaction, &zk_transaction_free>;
    Handle handle_;
};

// ----------------------------------------------------------------------------------------
// Recipes: Lock, Semaphore, Counter, barriers, parties, queues, election, partitioner,
// tree cache, DataWatch / ChildrenWatch, leases
// ----------------------------------------------------------------------------------------

/**
 * Told each connection-state change while a Lock is held (or an Election leads): SUSPENDED,
 * the holder can no longer be sure; LOST, it no longer holds. Runs on the client's
 * dispatcher thread; it must not block on this lock.
 */
using LockStateListener = std::function<void(State state)>;

/** How a zk::Lock contends: its kind and kazoo's extra_lock_patterns. */
class LockOptions {
public:
    /** kazoo's plain Lock. */
    LockOptions() = default;
    /** A lock of `kind`. */
    LockOptions(LockKind kind) : kind_(kind) {}
    /** Sets the kind. */
    LockOptions& kind(LockKind kind) noexcept {
        kind_ = kind;
        return *this;
    }
    /** More contender markers (`"-lock-"` for Curator's and go-zk's nodes); literal text. */
    LockOptions& extra_patterns(std::vector<std::string> patterns) {
        extra_patterns_ = std::move(patterns);
        return *this;
    }
    /** The kind. */
    LockKind kind() const noexcept { return kind_; }
    /** The extra contender markers. */
    const std::vector<std::string>& extra_patterns() const noexcept { return extra_patterns_; }

private:
    LockKind kind_ = LockKind::exclusive;
    std::vector<std::string> extra_patterns_;
};

namespace detail {
inline void lock_state_trampoline(zk_state state, void* user_data) noexcept {
    guarded([&] { (*static_cast<LockStateListener*>(user_data))(static_cast<State>(state)); });
}

// A string list for the C API: pointers into `strings` (refused: a NUL byte inside).
inline bool to_c_strings(const std::vector<std::string>& strings, std::vector<const char*>& out, const char* message,
                         std::error_code& ec) {
    out.clear();
    out.reserve(strings.size());
    for (const std::string& text : strings) {
        if (text.find('\0') != std::string::npos) {
            fail_here(ec, Errc::invalid_argument, message);
            return false;
        }
        out.push_back(text.c_str());
    }
    return true;
}

template <class Duration>
std::chrono::milliseconds ceil_ms(Duration duration) {
    if (duration <= Duration::zero()) {
        return std::chrono::milliseconds(0);
    }
    return std::chrono::ceil<std::chrono::milliseconds>(duration);
}
} // namespace detail

/**
 * A distributed lock (zk_lock: kazoo's Lock, ReadLock or WriteLock, interoperable with them).
 * Meets the standard Lockable and TimedLockable requirements, so `std::lock_guard<zk::Lock>`,
 * `std::unique_lock<zk::Lock>` and `std::scoped_lock` work. Thread-safe; one acquire at a
 * time. Movable, not copyable; destroying it releases the lock if held and frees the handle.
 */
class Lock {
public:
    /** No lock. */
    Lock() noexcept = default;
    /** An exclusive lock on `path` for `identifier` (bytes, no NUL); nothing is sent yet. */
    Lock(Client& client, CStr path, BytesView identifier = {}) {
        std::error_code ec;
        init(client, path, identifier, nullptr, {}, ec);
        detail::throw_if(ec);
    }
    /** As Lock(Client&, CStr, BytesView), reporting failures in `ec`. */
    Lock(Client& client, CStr path, BytesView identifier, std::error_code& ec) {
        init(client, path, identifier, nullptr, {}, ec);
    }
    /** A lock as `options` say, with a state listener while it is held (may be empty). */
    Lock(Client& client, CStr path, BytesView identifier, const LockOptions& options, LockStateListener on_state = {}) {
        std::error_code ec;
        init(client, path, identifier, &options, std::move(on_state), ec);
        detail::throw_if(ec);
    }
    /** As Lock(Client&, CStr, BytesView, const LockOptions&, LockStateListener), reporting failures in `ec`. */
    Lock(Client& client, CStr path, BytesView identifier, const LockOptions& options, LockStateListener on_state,
         std::error_code& ec) {
        init(client, path, identifier, &options, std::move(on_state), ec);
    }

    /** Lockable: waits as long as it takes (throws zk::Error with Errc::closed if cancel()ed). */
    void lock() {
        if (!acquire(forever)) {
            std::error_code ec;
            detail::fail_here(ec, Errc::closed, "the lock's acquisition was cancelled");
            detail::throw_error(ec);
        }
    }
    /** Lockable: takes the lock only if that needs no wait. */
    bool try_lock() { return try_acquire(); }
    /**
     * Lockable: releases the lock. Never throws (the standard requires it): a release that
     * could not delete the node in time leaves it to the server's session expiry, and the lock
     * is no longer held either way. release() reports that failure.
     */
    void unlock() noexcept {
        detail::PreserveLastError keep;
        zk_lock_release(handle());
    }
    /** TimedLockable: waits up to `timeout`. */
    template <class Rep, class Period>
    bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
        return acquire(detail::ceil_ms(timeout));
    }
    /** TimedLockable: waits until `deadline`. */
    template <class Clock, class Duration>
    bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
        return acquire(detail::ceil_ms(deadline - Clock::now()));
    }

    /** Waits up to `timeout` (zk::forever: no limit) for the lock: whether it is held now. */
    bool acquire(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool acquired = acquire(timeout, ec);
        detail::throw_if(ec);
        return acquired;
    }
    /** As acquire(std::chrono::milliseconds). */
    bool acquire(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool acquired = false;
        detail::failed(zk_lock_acquire(handle(), detail::timeout_ms(timeout), &acquired), ec);
        return acquired;
    }
    /** Takes the lock only if that needs no wait (kazoo's `acquire(blocking=False)`). */
    bool try_acquire() {
        std::error_code ec;
        bool acquired = try_acquire(ec);
        detail::throw_if(ec);
        return acquired;
    }
    /** As try_acquire(). */
    bool try_acquire(std::error_code& ec) {
        ec.clear();
        bool acquired = false;
        detail::failed(zk_lock_try_acquire(handle(), &acquired), ec);
        return acquired;
    }
    /** Releases the lock, reporting a node that could not be deleted (see unlock()). */
    void release() {
        std::error_code ec;
        release(ec);
        detail::throw_if(ec);
    }
    /** As release(). */
    void release(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_lock_release(handle()), ec);
    }
    /** Makes an acquire waiting on another thread return false (or the next one). */
    void cancel() {
        std::error_code ec;
        cancel(ec);
        detail::throw_if(ec);
    }
    /** As cancel(). */
    void cancel(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_lock_cancel(handle()), ec);
    }
    /** The contenders' identifiers, in lock order (kazoo's contenders()). */
    std::vector<std::string> contenders() {
        std::error_code ec;
        std::vector<std::string> out = contenders(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As contenders(). */
    std::vector<std::string> contenders(std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::failed(zk_lock_contenders(handle(), &list.value), ec)) {
            return {};
        }
        return detail::to_strings(&list.value);
    }
    /** The held lock's fencing token (its node's czxid); Errc::invalid_argument if not held. */
    std::int64_t fencing_token() {
        std::error_code ec;
        std::int64_t out = fencing_token(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As fencing_token(). */
    std::int64_t fencing_token(std::error_code& ec) {
        ec.clear();
        std::int64_t token = 0;
        detail::failed(zk_lock_fencing_token(handle(), &token), ec);
        return token;
    }
    /** Whether the lock is held now (false once released or the session lost). */
    bool is_acquired() const noexcept { return zk_lock_is_acquired(handle()); }
    /** The C handle (owned by this object). */
    zk_lock* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a lock handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, BytesView identifier, const LockOptions* options,
              LockStateListener on_state, std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return;
        }
        zk_lock* raw = nullptr;
        if (options == nullptr || (options->extra_patterns().empty() && !on_state)) {
            LockKind kind = options != nullptr ? options->kind() : LockKind::exclusive;
            auto make = kind == LockKind::read    ? &zk_read_lock_new
                        : kind == LockKind::write ? &zk_write_lock_new
                                                  : &zk_lock_new;
            if (detail::failed(make(client.handle(), path.c_str(), identifier.data(), identifier.size(), &raw), ec)) {
                return;
            }
        } else {
            std::vector<const char*> patterns;
            if (!detail::to_c_strings(options->extra_patterns(), patterns,
                                      "an extra lock pattern has a NUL byte inside", ec)) {
                return;
            }
            zk_lock_options c_options{};
            if (detail::failed(zk_lock_options_init(&c_options, ZK_LOCK_OPTIONS_VERSION), ec)) {
                return;
            }
            c_options.kind = static_cast<std::int32_t>(options->kind());
            c_options.extra_patterns = patterns.empty() ? nullptr : patterns.data();
            c_options.extra_pattern_count = patterns.size();
            LockStateListener* fn = detail::new_function(std::move(on_state));
            if (detail::failed(zk_lock_new_with_options(client.handle(), path.c_str(), identifier.data(),
                                                        identifier.size(), &c_options,
                                                        fn != nullptr ? &detail::lock_state_trampoline : nullptr, fn,
                                                        &detail::delete_function<LockStateListener>, &raw),
                               ec)) {
                return;
            }
        }
        handle_ = Handle(detail::ClientAccess::handle(client), raw);
    }
    using Handle = detail::Owner<zk_lock, &zk_lock_free>;
    Handle handle_;
};

/** kazoo's ReadLock: shared among readers, waits only for earlier writers (a zk::Lock). */
class ReadLock : public Lock {
public:
    /** No lock. */
    ReadLock() noexcept = default;
    /** The read side of the shared lock on `path`. */
    ReadLock(Client& client, CStr path, BytesView identifier = {}, LockStateListener on_state = {})
        : Lock(client, std::move(path), identifier, LockOptions(LockKind::read), std::move(on_state)) {}
    /** As ReadLock(Client&, CStr, BytesView, LockStateListener), reporting failures in `ec`. */
    ReadLock(Client& client, CStr path, BytesView identifier, LockStateListener on_state, std::error_code& ec)
        : Lock(client, std::move(path), identifier, LockOptions(LockKind::read), std::move(on_state), ec) {}
};

/** kazoo's WriteLock: waits for every earlier reader and writer (a zk::Lock). */
class WriteLock : public Lock {
public:
    /** No lock. */
    WriteLock() noexcept = default;
    /** The write side of the shared lock on `path`. */
    WriteLock(Client& client, CStr path, BytesView identifier = {}, LockStateListener on_state = {})
        : Lock(client, std::move(path), identifier, LockOptions(LockKind::write), std::move(on_state)) {}
    /** As WriteLock(Client&, CStr, BytesView, LockStateListener), reporting failures in `ec`. */
    WriteLock(Client& client, CStr path, BytesView identifier, LockStateListener on_state, std::error_code& ec)
        : Lock(client, std::move(path), identifier, LockOptions(LockKind::write), std::move(on_state), ec) {}
};

/**
 * A counting semaphore (zk_semaphore, kazoo's Semaphore): at most `max_leases` holders. Also
 * Lockable (lock() takes a lease, unlock() gives it back), for std::lock_guard. Movable, not
 * copyable; destroying it releases the lease if held.
 */
class Semaphore {
public:
    /** No semaphore. */
    Semaphore() noexcept = default;
    /** A semaphore on `path` with `max_leases` leases, for `identifier`. */
    Semaphore(Client& client, CStr path, BytesView identifier, std::uint32_t max_leases) {
        std::error_code ec;
        init(client, path, identifier, max_leases, ec);
        detail::throw_if(ec);
    }
    /** As Semaphore(Client&, CStr, BytesView, std::uint32_t), reporting failures in `ec`. */
    Semaphore(Client& client, CStr path, BytesView identifier, std::uint32_t max_leases, std::error_code& ec) {
        init(client, path, identifier, max_leases, ec);
    }
    /** Lockable: waits as long as it takes for a lease (Errc::closed if cancel()ed). */
    void lock() {
        if (!acquire(forever)) {
            std::error_code ec;
            detail::fail_here(ec, Errc::closed, "the semaphore's acquisition was cancelled");
            detail::throw_error(ec);
        }
    }
    /** Lockable: takes a lease only if one is free now. */
    bool try_lock() { return acquire(std::chrono::milliseconds(0)); }
    /** Lockable: gives the lease back, never throwing (see Lock::unlock()). */
    void unlock() noexcept {
        detail::PreserveLastError keep;
        zk_semaphore_release(handle());
    }
    /** TimedLockable: waits up to `timeout`. */
    template <class Rep, class Period>
    bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
        return acquire(detail::ceil_ms(timeout));
    }
    /** TimedLockable: waits until `deadline`. */
    template <class Clock, class Duration>
    bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
        return acquire(detail::ceil_ms(deadline - Clock::now()));
    }
    /** Waits up to `timeout` for a lease: whether one is held now. */
    bool acquire(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool acquired = acquire(timeout, ec);
        detail::throw_if(ec);
        return acquired;
    }
    /** As acquire(std::chrono::milliseconds). */
    bool acquire(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool acquired = false;
        detail::failed(zk_semaphore_acquire(handle(), detail::timeout_ms(timeout), &acquired), ec);
        return acquired;
    }
    /** Gives the lease back, reporting a node that could not be deleted. */
    void release() {
        std::error_code ec;
        release(ec);
        detail::throw_if(ec);
    }
    /** As release(). */
    void release(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_semaphore_release(handle()), ec);
    }
    /** Makes an acquire waiting on another thread return false. */
    void cancel() {
        std::error_code ec;
        cancel(ec);
        detail::throw_if(ec);
    }
    /** As cancel(). */
    void cancel(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_semaphore_cancel(handle()), ec);
    }
    /** The identifiers of the lease holders. */
    std::vector<std::string> lease_holders() {
        std::error_code ec;
        std::vector<std::string> out = lease_holders(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As lease_holders(). */
    std::vector<std::string> lease_holders(std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::failed(zk_semaphore_lease_holders(handle(), &list.value), ec)) {
            return {};
        }
        return detail::to_strings(&list.value);
    }
    /** The C handle (owned by this object). */
    zk_semaphore* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a semaphore handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, BytesView identifier, std::uint32_t max_leases, std::error_code& ec) {
        ec.clear();
        zk_semaphore* raw = nullptr;
        if (!detail::bad_path(path, ec) &&
            !detail::failed(
                zk_semaphore_new(client.handle(), path.c_str(), identifier.data(), identifier.size(), max_leases, &raw),
                ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_semaphore, &zk_semaphore_free>;
    Handle handle_;
};

/**
 * A shared counter (zk_counter, kazoo's Counter; Curator's formats too): compare-and-set on
 * the node's version, never an update lost or applied twice. Movable, not copyable.
 */
class Counter {
public:
    /** No counter. */
    Counter() noexcept = default;
    /** A counter at `path`, created holding `default_value` when first used. */
    Counter(Client& client, CStr path, std::int64_t default_value = 0, CounterFormat format = CounterFormat::decimal) {
        std::error_code ec;
        init(client, path, default_value, format, ec);
        detail::throw_if(ec);
    }
    /** As Counter(Client&, CStr, std::int64_t, CounterFormat), reporting failures in `ec`. */
    Counter(Client& client, CStr path, std::int64_t default_value, CounterFormat format, std::error_code& ec) {
        init(client, path, default_value, format, ec);
    }
    /** The value now. */
    std::int64_t value() {
        std::error_code ec;
        std::int64_t out = value(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As value(). */
    std::int64_t value(std::error_code& ec) {
        ec.clear();
        std::int64_t out = 0;
        detail::failed(zk_counter_value(handle(), &out), ec);
        return out;
    }
    /** Adds `delta` (negative: subtracts); returns the new value. */
    std::int64_t add(std::int64_t delta) {
        std::error_code ec;
        std::int64_t out = add(delta, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As add(std::int64_t). */
    std::int64_t add(std::int64_t delta, std::error_code& ec) {
        ec.clear();
        std::int64_t out = 0;
        detail::failed(zk_counter_add(handle(), delta, &out), ec);
        return out;
    }
    /** The C handle (owned by this object). */
    zk_counter* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a counter handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, std::int64_t default_value, CounterFormat format, std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return;
        }
        zk_counter* raw = nullptr;
        zk_error rc =
            format == CounterFormat::int32   ? zk_counter_new_int32(client.handle(), path.c_str(), default_value, &raw)
            : format == CounterFormat::int64 ? zk_counter_new_int64(client.handle(), path.c_str(), default_value, &raw)
                                             : zk_counter_new(client.handle(), path.c_str(), default_value, &raw);
        if (!detail::failed(rc, ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_counter, &zk_counter_free>;
    Handle handle_;
};

/** A barrier (zk_barrier, kazoo's Barrier): up while its node exists. Movable, not copyable. */
class Barrier {
public:
    /** No barrier. */
    Barrier() noexcept = default;
    /** The barrier at `path`. */
    Barrier(Client& client, CStr path) {
        std::error_code ec;
        init(client, path, ec);
        detail::throw_if(ec);
    }
    /** As Barrier(Client&, CStr), reporting failures in `ec`. */
    Barrier(Client& client, CStr path, std::error_code& ec) { init(client, path, ec); }
    /** Puts the barrier up (creates its node). */
    void create() {
        std::error_code ec;
        create(ec);
        detail::throw_if(ec);
    }
    /** As create(). */
    void create(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_barrier_create(handle()), ec);
    }
    /** Takes the barrier down: false when it was not up. */
    bool remove() {
        std::error_code ec;
        bool out = remove(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As remove(). */
    bool remove(std::error_code& ec) {
        ec.clear();
        bool removed = false;
        detail::failed(zk_barrier_remove(handle(), &removed), ec);
        return removed;
    }
    /** Waits up to `timeout` until the barrier is down: whether it is. */
    bool wait(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool out = wait(timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As wait(std::chrono::milliseconds). */
    bool wait(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool passed = false;
        detail::failed(zk_barrier_wait(handle(), detail::timeout_ms(timeout), &passed), ec);
        return passed;
    }
    /** The C handle (owned by this object). */
    zk_barrier* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a barrier handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, std::error_code& ec) {
        ec.clear();
        zk_barrier* raw = nullptr;
        if (!detail::bad_path(path, ec) && !detail::failed(zk_barrier_new(client.handle(), path.c_str(), &raw), ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_barrier, &zk_barrier_free>;
    Handle handle_;
};

/**
 * A participant of a double barrier (zk_double_barrier, kazoo's DoubleBarrier): `num_clients`
 * enter together and leave together. Movable, not copyable.
 */
class DoubleBarrier {
public:
    /** No barrier. */
    DoubleBarrier() noexcept = default;
    /** A participant of the double barrier at `path` for `num_clients`. */
    DoubleBarrier(Client& client, CStr path, std::uint32_t num_clients, BytesView identifier = {}) {
        std::error_code ec;
        init(client, path, num_clients, identifier, ec);
        detail::throw_if(ec);
    }
    /** As DoubleBarrier(Client&, CStr, std::uint32_t, BytesView), reporting failures in `ec`. */
    DoubleBarrier(Client& client, CStr path, std::uint32_t num_clients, BytesView identifier, std::error_code& ec) {
        init(client, path, num_clients, identifier, ec);
    }
    /** Waits up to `timeout` until every participant has entered: whether they have. */
    bool enter(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool out = enter(timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As enter(std::chrono::milliseconds). */
    bool enter(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool entered = false;
        detail::failed(zk_double_barrier_enter(handle(), detail::timeout_ms(timeout), &entered), ec);
        return entered;
    }
    /** Waits up to `timeout` until every participant has left: whether they have. */
    bool leave(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool out = leave(timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As leave(std::chrono::milliseconds). */
    bool leave(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool left = false;
        detail::failed(zk_double_barrier_leave(handle(), detail::timeout_ms(timeout), &left), ec);
        return left;
    }
    /** The C handle (owned by this object). */
    zk_double_barrier* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a barrier handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, std::uint32_t num_clients, BytesView identifier, std::error_code& ec) {
        ec.clear();
        zk_double_barrier* raw = nullptr;
        if (!detail::bad_path(path, ec) &&
            !detail::failed(zk_double_barrier_new(client.handle(), path.c_str(), num_clients, identifier.data(),
                                                  identifier.size(), &raw),
                            ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_double_barrier, &zk_double_barrier_free>;
    Handle handle_;
};

/**
 * A member of a party (zk_party, kazoo's Party). Movable, not copyable; destroying it leaves
 * the party (blocking while the server cannot be reached, up to twice the session timeout).
 */
class Party {
public:
    /** No party. */
    Party() noexcept = default;
    /** A member of the party at `path` whose node holds `identifier`; join() to join. */
    Party(Client& client, CStr path, BytesView identifier = {}) {
        std::error_code ec;
        init(client, path, identifier, false, ec);
        detail::throw_if(ec);
    }
    /** As Party(Client&, CStr, BytesView), reporting failures in `ec`. */
    Party(Client& client, CStr path, BytesView identifier, std::error_code& ec) {
        init(client, path, identifier, false, ec);
    }
    /** Joins (creates this member's ephemeral node); joining twice is fine. */
    void join() {
        std::error_code ec;
        join(ec);
        detail::throw_if(ec);
    }
    /** As join(). */
    void join(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_party_join(handle()), ec);
    }
    /** Leaves: false when this member's node was not there. */
    bool leave() {
        std::error_code ec;
        bool out = leave(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As leave(). */
    bool leave(std::error_code& ec) {
        ec.clear();
        bool left = false;
        detail::failed(zk_party_leave(handle(), &left), ec);
        return left;
    }
    /** The members' identifiers (kazoo's `list(party)`). */
    std::vector<std::string> members() {
        std::error_code ec;
        std::vector<std::string> out = members(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As members(). */
    std::vector<std::string> members(std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::failed(zk_party_members(handle(), &list.value), ec)) {
            return {};
        }
        return detail::to_strings(&list.value);
    }
    /** How many members (kazoo's `len(party)`). */
    std::size_t size() {
        std::error_code ec;
        std::size_t out = size(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As size(). */
    std::size_t size(std::error_code& ec) {
        ec.clear();
        std::size_t count = 0;
        detail::failed(zk_party_len(handle(), &count), ec);
        return count;
    }
    /** The C handle (owned by this object). */
    zk_party* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a party handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

protected:
    /** For ShallowParty. */
    void init(Client& client, const CStr& path, BytesView identifier, bool shallow, std::error_code& ec) {
        ec.clear();
        zk_party* raw = nullptr;
        if (detail::bad_path(path, ec)) {
            return;
        }
        zk_error rc =
            shallow ? zk_shallow_party_new(client.handle(), path.c_str(), identifier.data(), identifier.size(), &raw)
                    : zk_party_new(client.handle(), path.c_str(), identifier.data(), identifier.size(), &raw);
        if (!detail::failed(rc, ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }

private:
    using Handle = detail::Owner<zk_party, &zk_party_free>;
    Handle handle_;
};

/** kazoo's ShallowParty: the identifier is in the node's name (no `/`), listing is one call. */
class ShallowParty : public Party {
public:
    /** No party. */
    ShallowParty() noexcept = default;
    /** A member of the shallow party at `path`. */
    ShallowParty(Client& client, CStr path, BytesView identifier = {}) {
        std::error_code ec;
        init(client, path, identifier, true, ec);
        detail::throw_if(ec);
    }
    /** As ShallowParty(Client&, CStr, BytesView), reporting failures in `ec`. */
    ShallowParty(Client& client, CStr path, BytesView identifier, std::error_code& ec) {
        init(client, path, identifier, true, ec);
    }
};

namespace detail {
// `put_all`'s arrays: pointers and lengths of each value.
struct PutAll {
    std::vector<const std::uint8_t*> values;
    std::vector<std::size_t> lens;
    template <class Range>
    explicit PutAll(const Range& range) {
        for (const auto& value : range) {
            BytesView bytes(value);
            values.push_back(bytes.data());
            lens.push_back(bytes.size());
        }
    }
};
} // namespace detail

/**
 * A distributed priority queue (zk_queue, kazoo's Queue): lower priority numbers first, FIFO
 * within one. Movable, not copyable.
 */
class Queue {
public:
    /** No queue. */
    Queue() noexcept = default;
    /** The queue at `path`. */
    Queue(Client& client, CStr path) {
        std::error_code ec;
        init(client, path, ec);
        detail::throw_if(ec);
    }
    /** As Queue(Client&, CStr), reporting failures in `ec`. */
    Queue(Client& client, CStr path, std::error_code& ec) { init(client, path, ec); }
    /** Adds an entry with `priority` (0 to 999; kazoo's default 100). */
    void put(BytesView data, std::int32_t priority = 100) {
        std::error_code ec;
        put(data, priority, ec);
        detail::throw_if(ec);
    }
    /** As put(BytesView, std::int32_t). */
    void put(BytesView data, std::int32_t priority, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_queue_put(handle(), data.data(), data.size(), priority), ec);
    }
    /** Adds every value of `values` (each convertible to BytesView) in one transaction. */
    template <class Range>
    void put_all(const Range& values, std::int32_t priority = 100) {
        std::error_code ec;
        put_all(values, priority, ec);
        detail::throw_if(ec);
    }
    /** As put_all(const Range&, std::int32_t). */
    template <class Range>
    void put_all(const Range& values, std::int32_t priority, std::error_code& ec) {
        ec.clear();
        detail::PutAll all(values);
        detail::failed(zk_queue_put_all(handle(), all.values.data(), all.lens.data(), all.values.size(), priority), ec);
    }
    /** As put_all(const Range&, std::int32_t), for a braced list. */
    void put_all(std::initializer_list<BytesView> values, std::int32_t priority = 100) {
        put_all<std::initializer_list<BytesView>>(values, priority);
    }
    /** Takes the first entry, waiting up to `timeout` (0: no wait; zk::forever); empty if none. */
    template <class Buffer = std::string>
    std::optional<Buffer> get(std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
        std::error_code ec;
        std::optional<Buffer> out = get<Buffer>(timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get(std::chrono::milliseconds). */
    template <class Buffer = std::string>
    std::optional<Buffer> get(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        detail::BufferGuard data;
        bool got = false;
        if (detail::failed(zk_queue_get(handle(), detail::timeout_ms(timeout), &data.value, &got), ec) || !got) {
            return std::nullopt;
        }
        return detail::make_buffer<Buffer>(data.value.data, data.value.len);
    }
    /** The number of entries. */
    std::size_t size() {
        std::error_code ec;
        std::size_t out = size(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As size(). */
    std::size_t size(std::error_code& ec) {
        ec.clear();
        std::size_t len = 0;
        detail::failed(zk_queue_len(handle(), &len), ec);
        return len;
    }
    /** The C handle (owned by this object). */
    zk_queue* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a queue handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, std::error_code& ec) {
        ec.clear();
        zk_queue* raw = nullptr;
        if (!detail::bad_path(path, ec) && !detail::failed(zk_queue_new(client.handle(), path.c_str(), &raw), ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_queue, &zk_queue_free>;
    Handle handle_;
};

/**
 * A priority queue with claimed entries (zk_locking_queue, kazoo's LockingQueue): get()
 * claims an entry, consume() removes it, release() gives it back. Movable, not copyable.
 */
class LockingQueue {
public:
    /** No queue. */
    LockingQueue() noexcept = default;
    /** The locking queue at `path`. */
    LockingQueue(Client& client, CStr path) {
        std::error_code ec;
        init(client, path, ec);
        detail::throw_if(ec);
    }
    /** As LockingQueue(Client&, CStr), reporting failures in `ec`. */
    LockingQueue(Client& client, CStr path, std::error_code& ec) { init(client, path, ec); }
    /** Adds an entry with `priority` (0 to 999). */
    void put(BytesView data, std::int32_t priority = 100) {
        std::error_code ec;
        put(data, priority, ec);
        detail::throw_if(ec);
    }
    /** As put(BytesView, std::int32_t). */
    void put(BytesView data, std::int32_t priority, std::error_code& ec) {
        ec.clear();
        detail::failed(zk_locking_queue_put(handle(), data.data(), data.size(), priority), ec);
    }
    /** Adds every value of `values` in one transaction. */
    template <class Range>
    void put_all(const Range& values, std::int32_t priority = 100) {
        std::error_code ec;
        put_all(values, priority, ec);
        detail::throw_if(ec);
    }
    /** As put_all(const Range&, std::int32_t). */
    template <class Range>
    void put_all(const Range& values, std::int32_t priority, std::error_code& ec) {
        ec.clear();
        detail::PutAll all(values);
        detail::failed(
            zk_locking_queue_put_all(handle(), all.values.data(), all.lens.data(), all.values.size(), priority), ec);
    }
    /** As put_all(const Range&, std::int32_t), for a braced list. */
    void put_all(std::initializer_list<BytesView> values, std::int32_t priority = 100) {
        put_all<std::initializer_list<BytesView>>(values, priority);
    }
    /** Claims the first entry, waiting up to `timeout` (kazoo waits forever); empty if none. */
    template <class Buffer = std::string>
    std::optional<Buffer> get(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        std::optional<Buffer> out = get<Buffer>(timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get(std::chrono::milliseconds). */
    template <class Buffer = std::string>
    std::optional<Buffer> get(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        detail::BufferGuard data;
        bool got = false;
        if (detail::failed(zk_locking_queue_get(handle(), detail::timeout_ms(timeout), &data.value, &got), ec) ||
            !got) {
            return std::nullopt;
        }
        return detail::make_buffer<Buffer>(data.value.data, data.value.len);
    }
    /** Removes the claimed entry: false when nothing was claimed or the claim was lost. */
    bool consume() {
        std::error_code ec;
        bool out = consume(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As consume(). */
    bool consume(std::error_code& ec) {
        ec.clear();
        bool done = false;
        detail::failed(zk_locking_queue_consume(handle(), &done), ec);
        return done;
    }
    /** Gives the claim up, leaving the entry to others: false when nothing was claimed. */
    bool release() {
        std::error_code ec;
        bool out = release(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As release(). */
    bool release(std::error_code& ec) {
        ec.clear();
        bool done = false;
        detail::failed(zk_locking_queue_release(handle(), &done), ec);
        return done;
    }
    /** Whether this handle's claim still holds (kazoo's holds_lock()). */
    bool holds_lock() {
        std::error_code ec;
        bool out = holds_lock(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As holds_lock(). */
    bool holds_lock(std::error_code& ec) {
        ec.clear();
        bool holds = false;
        detail::failed(zk_locking_queue_holds_lock(handle(), &holds), ec);
        return holds;
    }
    /** The number of entries, claimed ones included. */
    std::size_t size() {
        std::error_code ec;
        std::size_t out = size(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As size(). */
    std::size_t size(std::error_code& ec) {
        ec.clear();
        std::size_t len = 0;
        detail::failed(zk_locking_queue_len(handle(), &len), ec);
        return len;
    }
    /** The C handle (owned by this object). */
    zk_locking_queue* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a queue handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, std::error_code& ec) {
        ec.clear();
        zk_locking_queue* raw = nullptr;
        if (!detail::bad_path(path, ec) &&
            !detail::failed(zk_locking_queue_new(client.handle(), path.c_str(), &raw), ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_locking_queue, &zk_locking_queue_free>;
    Handle handle_;
};

/**
 * A leader election (zk_election, kazoo's Election). run() blocks until elected, runs the
 * leader function, then steps down; cancel() and contenders() work from other threads.
 * Movable, not copyable (no run may be in progress when it is destroyed).
 */
class Election {
public:
    /** No election. */
    Election() noexcept = default;
    /** A contender at `path` for `identifier`, with a state listener while it leads (may be empty). */
    Election(Client& client, CStr path, BytesView identifier = {}, LockStateListener on_state = {}) {
        std::error_code ec;
        init(client, path, identifier, std::move(on_state), ec);
        detail::throw_if(ec);
    }
    /** As Election(Client&, CStr, BytesView, LockStateListener), reporting failures in `ec`. */
    Election(Client& client, CStr path, BytesView identifier, LockStateListener on_state, std::error_code& ec) {
        init(client, path, identifier, std::move(on_state), ec);
    }
    /**
     * Joins, waits until elected, calls `leader()` on this thread, and steps down when it
     * returns. An exception from `leader` propagates (after stepping down). cancel() before
     * the election throws zk::Error with Errc::closed.
     */
    void run(const std::function<void()>& leader) {
        std::error_code ec;
        run(leader, ec);
        detail::throw_if(ec);
    }
    /** As run(const std::function<void()>&), reporting its own failures in `ec`. */
    void run(const std::function<void()>& leader, std::error_code& ec) {
        ec.clear();
        struct Context {
            const std::function<void()>* leader;
            std::exception_ptr error;
        };
        Context context{&leader, nullptr};
        auto trampoline = [](void* user_data) noexcept -> std::int32_t {
            Context& ctx = *static_cast<Context*>(user_data);
#if ZKCLIENT_HPP_EXCEPTIONS
            try {
                (*ctx.leader)();
            } catch (...) {
                ctx.error = std::current_exception();
            }
#else
            (*ctx.leader)();
#endif
            return ZK_OK;
        };
        zk_error rc = zk_election_run(handle(), leader ? +trampoline : nullptr, &context);
#if ZKCLIENT_HPP_EXCEPTIONS
        if (context.error) {
            std::rethrow_exception(context.error);
        }
#endif
        detail::failed(rc, ec);
    }
    /** Stops a run() waiting to be elected (a running leader function is not interrupted). */
    void cancel() {
        std::error_code ec;
        cancel(ec);
        detail::throw_if(ec);
    }
    /** As cancel(). */
    void cancel(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_election_cancel(handle()), ec);
    }
    /** The contenders' identifiers, the leader first. */
    std::vector<std::string> contenders() {
        std::error_code ec;
        std::vector<std::string> out = contenders(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As contenders(). */
    std::vector<std::string> contenders(std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::failed(zk_election_contenders(handle(), &list.value), ec)) {
            return {};
        }
        return detail::to_strings(&list.value);
    }
    /** Whether this contender leads now. */
    bool is_leader() const noexcept { return zk_election_is_leader(handle()); }
    /** The C handle (owned by this object). */
    zk_election* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds an election handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, BytesView identifier, LockStateListener on_state, std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return;
        }
        zk_election* raw = nullptr;
        zk_error rc = ZK_OK;
        if (on_state) {
            LockStateListener* fn = detail::new_function(std::move(on_state));
            rc = zk_election_new_with_listener(client.handle(), path.c_str(), identifier.data(), identifier.size(),
                                               &detail::lock_state_trampoline, fn,
                                               &detail::delete_function<LockStateListener>, &raw);
        } else {
            rc = zk_election_new(client.handle(), path.c_str(), identifier.data(), identifier.size(), &raw);
        }
        if (!detail::failed(rc, ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_election, &zk_election_free>;
    Handle handle_;
};

/**
 * A custom partition function (kazoo's partition_func): from this member's identifier, every
 * member's identifier and the items (sorted), the items this member takes. Runs on the
 * partitioner's worker thread; an exception takes no items.
 */
using PartitionFunction = std::function<std::vector<std::string>(
    const std::string& identifier, const std::vector<std::string>& members, const std::vector<std::string>& items)>;
/** Told every new state of a Partitioner (see zk_partitioner_state_fn for its threads). */
using PartitionStateListener = std::function<void(PartitionState state)>;

/** How a Partitioner takes part (kazoo's defaults unless set). */
class PartitionerOptions {
public:
    /** kazoo's defaults: identifier `<host>-<pid>`, 30 s time boundary, 1 s reaction time. */
    PartitionerOptions() = default;
    /** This member's identifier (non-empty, no `/`). */
    PartitionerOptions& identifier(std::string identifier) {
        identifier_ = std::move(identifier);
        return *this;
    }
    /** How long the party must be unchanged before the set is divided (kazoo's time_boundary). */
    PartitionerOptions& time_boundary(std::chrono::milliseconds boundary) noexcept {
        time_boundary_ = boundary;
        return *this;
    }
    /** The longest wait for one item's lock before checking the party (must be > 0). */
    PartitionerOptions& max_reaction_time(std::chrono::milliseconds reaction) noexcept {
        max_reaction_time_ = reaction;
        return *this;
    }
    /** How the set is divided (empty: kazoo's function). */
    PartitionerOptions& partition_func(PartitionFunction function) {
        partition_func_ = std::move(function);
        return *this;
    }
    /** The identifier (empty: the default). */
    const std::optional<std::string>& identifier() const noexcept { return identifier_; }
    /** The time boundary (empty: the default). */
    std::optional<std::chrono::milliseconds> time_boundary() const noexcept { return time_boundary_; }
    /** The maximum reaction time (empty: the default). */
    std::optional<std::chrono::milliseconds> max_reaction_time() const noexcept { return max_reaction_time_; }
    /** The partition function (empty: kazoo's). */
    const PartitionFunction& partition_func() const noexcept { return partition_func_; }

private:
    std::optional<std::string> identifier_;
    std::optional<std::chrono::milliseconds> time_boundary_;
    std::optional<std::chrono::milliseconds> max_reaction_time_;
    PartitionFunction partition_func_;
};

namespace detail {
struct PartitionerCallbacks {
    PartitionStateListener on_state;
    PartitionFunction partition;
};
inline void partition_state_trampoline(zk_partition_state state, void* user_data) noexcept {
    guarded([&] { static_cast<PartitionerCallbacks*>(user_data)->on_state(static_cast<PartitionState>(state)); });
}
inline void partition_trampoline(const char* identifier, const zk_string_list* members, const zk_string_list* items,
                                 bool* out_selected, void* user_data) noexcept {
    guarded([&] {
        std::vector<std::string> all_items = to_strings(items);
        std::vector<std::string> chosen = static_cast<PartitionerCallbacks*>(user_data)->partition(
            identifier != nullptr ? std::string(identifier) : std::string(), to_strings(members), all_items);
        for (std::size_t i = 0; i < all_items.size(); i++) {
            out_selected[i] = std::find(chosen.begin(), chosen.end(), all_items[i]) != chosen.end();
        }
    });
}
} // namespace detail

/**
 * A member of a set partition (zk_partitioner, kazoo's SetPartitioner): the items are divided
 * among the members, each item held by one at a time. Movable, not copyable; destroying it
 * releases the items, leaves the party and joins its worker thread (so not from its own state
 * listener).
 */
class Partitioner {
public:
    /** No partitioner. */
    Partitioner() noexcept = default;
    /** Joins the partition of `items` at `path`. */
    Partitioner(Client& client, CStr path, const std::vector<std::string>& items,
                const PartitionerOptions& options = {}, PartitionStateListener on_state_change = {}) {
        std::error_code ec;
        init(client, path, items, options, std::move(on_state_change), ec);
        detail::throw_if(ec);
    }
    /** As Partitioner(Client&, CStr, ...), with the defaults, reporting failures in `ec`. */
    Partitioner(Client& client, CStr path, const std::vector<std::string>& items, std::error_code& ec) {
        init(client, path, items, PartitionerOptions(), {}, ec);
    }
    /** As Partitioner(Client&, CStr, ...), reporting failures in `ec`. */
    Partitioner(Client& client, CStr path, const std::vector<std::string>& items, const PartitionerOptions& options,
                PartitionStateListener on_state_change, std::error_code& ec) {
        init(client, path, items, options, std::move(on_state_change), ec);
    }
    /** The state now. */
    PartitionState state() const {
        std::error_code ec;
        PartitionState out = state(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As state(). */
    PartitionState state(std::error_code& ec) const {
        ec.clear();
        zk_partition_state out = ZK_PARTITION_FAILURE;
        detail::failed(zk_partitioner_state(handle(), &out), ec);
        return static_cast<PartitionState>(out);
    }
    /** Waits up to `timeout` for PartitionState::acquired (false at once in release or failure). */
    bool wait_for_acquire(std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool out = wait_for_acquire(timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As wait_for_acquire(std::chrono::milliseconds). */
    bool wait_for_acquire(std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool acquired = false;
        detail::failed(zk_partitioner_wait_for_acquire(handle(), detail::timeout_ms(timeout), &acquired), ec);
        return acquired;
    }
    /** Waits up to `timeout` until the state is `state`. */
    bool wait_for_state(PartitionState state, std::chrono::milliseconds timeout = forever) {
        std::error_code ec;
        bool out = wait_for_state(state, timeout, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As wait_for_state(PartitionState, std::chrono::milliseconds). */
    bool wait_for_state(PartitionState state, std::chrono::milliseconds timeout, std::error_code& ec) {
        ec.clear();
        bool reached = false;
        detail::failed(zk_partitioner_wait_for_state(handle(), static_cast<std::int32_t>(state),
                                                     detail::timeout_ms(timeout), &reached),
                       ec);
        return reached;
    }
    /** The items this member holds (kazoo's `list(partitioner)`). */
    std::vector<std::string> partitions() {
        std::error_code ec;
        std::vector<std::string> out = partitions(ec);
        detail::throw_if(ec);
        return out;
    }
    /** As partitions(). */
    std::vector<std::string> partitions(std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::failed(zk_partitioner_partitions(handle(), &list.value), ec)) {
            return {};
        }
        return detail::to_strings(&list.value);
    }
    /** Releases the items' locks and divides the set again (call it in release). */
    void release_set() {
        std::error_code ec;
        release_set(ec);
        detail::throw_if(ec);
    }
    /** As release_set(). */
    void release_set(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_partitioner_release_set(handle()), ec);
    }
    /** Releases the items, leaves the party, stops the worker (state failure). */
    void finish() {
        std::error_code ec;
        finish(ec);
        detail::throw_if(ec);
    }
    /** As finish(). */
    void finish(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_partitioner_finish(handle()), ec);
    }
    /** The C handle (owned by this object). */
    zk_partitioner* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a partitioner handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, const std::vector<std::string>& items,
              const PartitionerOptions& options, PartitionStateListener on_state_change, std::error_code& ec) {
        ec.clear();
        std::vector<const char*> c_items;
        if (detail::bad_path(path, ec) || !detail::to_c_strings(items, c_items, "an item has a NUL byte inside", ec)) {
            return;
        }
        zk_partitioner_options c_options{};
        if (detail::failed(zk_partitioner_options_init(&c_options, ZK_PARTITIONER_OPTIONS_VERSION), ec)) {
            return;
        }
        if (options.identifier()) {
            if (options.identifier()->find('\0') != std::string::npos) {
                detail::fail_here(ec, Errc::invalid_argument, "the identifier has a NUL byte inside");
                return;
            }
            c_options.identifier = options.identifier()->c_str();
        }
        if (options.time_boundary() && !detail::to_u32_ms(*options.time_boundary(), c_options.time_boundary_ms,
                                                          "the time boundary is out of range", ec)) {
            return;
        }
        if (options.max_reaction_time() &&
            !detail::to_u32_ms(*options.max_reaction_time(), c_options.max_reaction_time_ms,
                               "the maximum reaction time is out of range", ec)) {
            return;
        }
        detail::PartitionerCallbacks* callbacks = nullptr;
        if (on_state_change || options.partition_func()) {
            callbacks = new detail::PartitionerCallbacks{std::move(on_state_change), options.partition_func()};
            if (callbacks->partition) {
                c_options.partition_func = &detail::partition_trampoline;
            }
        }
        zk_partitioner* raw = nullptr;
        if (!detail::failed(zk_partitioner_new(client.handle(), path.c_str(),
                                               c_items.empty() ? nullptr : c_items.data(), c_items.size(), &c_options,
                                               callbacks != nullptr && callbacks->on_state
                                                   ? &detail::partition_state_trampoline
                                                   : nullptr,
                                               callbacks, &detail::delete_function<detail::PartitionerCallbacks>, &raw),
                            ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_partitioner, &zk_partitioner_free>;
    Handle handle_;
};

/**
 * A tree cache listener: each event, on the client's dispatcher thread, in the order of the
 * changes on the server. It may call the cache and the client.
 */
using TreeCacheListener = std::function<void(const TreeEvent& event)>;

namespace detail {
inline void tree_cache_trampoline(const zk_tree_event* event, void* user_data) noexcept {
    guarded([&] {
        TreeEvent out;
        out.type = static_cast<TreeEventType>(event->event_type);
        if (event->path != nullptr) {
            out.path = event->path;
        }
        out.data = make_buffer<std::string>(event->data, event->data_len);
        if (event->stat != nullptr) {
            out.stat = *event->stat;
        }
        out.error = result_code(event->error);
        (*static_cast<TreeCacheListener*>(user_data))(out);
    });
}
} // namespace detail

/**
 * A local mirror of a subtree (zk_tree_cache, kazoo's TreeCache), kept current by watches;
 * reads are local. Movable, not copyable; destroying it closes it.
 */
class TreeCache {
public:
    /** No cache. */
    TreeCache() noexcept = default;
    /** A cache of `path`, at most `max_depth` levels below it (0: the root; -1: all). */
    TreeCache(Client& client, CStr path, std::int32_t max_depth = -1) {
        std::error_code ec;
        init(client, path, max_depth, ec);
        detail::throw_if(ec);
    }
    /** As TreeCache(Client&, CStr, std::int32_t), reporting failures in `ec`. */
    TreeCache(Client& client, CStr path, std::int32_t max_depth, std::error_code& ec) {
        init(client, path, max_depth, ec);
    }
    /** Adds a listener (before start() to see every event); destroyed once, when removed or the cache goes. */
    ListenerId listen(TreeCacheListener listener) {
        std::error_code ec;
        ListenerId id = listen(std::move(listener), ec);
        detail::throw_if(ec);
        return id;
    }
    /** As listen(TreeCacheListener). */
    ListenerId listen(TreeCacheListener listener, std::error_code& ec) {
        ec.clear();
        TreeCacheListener* fn = detail::new_function(std::move(listener));
        std::uint64_t id = 0;
        detail::failed(zk_tree_cache_listen(handle(), fn != nullptr ? &detail::tree_cache_trampoline : nullptr, fn,
                                            &detail::delete_function<TreeCacheListener>, &id),
                       ec);
        return static_cast<ListenerId>(id);
    }
    /** Removes a listener: false when none has that id. */
    bool unlisten(ListenerId id) {
        std::error_code ec;
        bool out = unlisten(id, ec);
        detail::throw_if(ec);
        return out;
    }
    /** As unlisten(ListenerId). */
    bool unlisten(ListenerId id, std::error_code& ec) {
        ec.clear();
        zk_error rc = zk_tree_cache_unlisten(handle(), static_cast<std::uint64_t>(id));
        return rc != ZK_ENOTHING && !detail::failed(rc, ec);
    }
    /** Starts mirroring (returns at once; TreeEventType::initialized says when complete). */
    void start() {
        std::error_code ec;
        start(ec);
        detail::throw_if(ec);
    }
    /** As start(). */
    void start(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_tree_cache_start(handle()), ec);
    }
    /** Stops mirroring for good (no event afterwards). */
    void close() {
        std::error_code ec;
        close(ec);
        detail::throw_if(ec);
    }
    /** As close(). */
    void close(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_tree_cache_close(handle()), ec);
    }
    /** The cached data and stat of `path`, or empty when it is not in the cache. */
    template <class Buffer = std::string>
    std::optional<BasicNode<Buffer>> get_data(CStr path) {
        std::error_code ec;
        std::optional<BasicNode<Buffer>> out = get_data<Buffer>(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_data(CStr). */
    template <class Buffer = std::string>
    std::optional<BasicNode<Buffer>> get_data(CStr path, std::error_code& ec) {
        ec.clear();
        detail::BufferGuard data;
        BasicNode<Buffer> node;
        if (detail::bad_path(path, ec)) {
            return std::nullopt;
        }
        zk_error rc = zk_tree_cache_get_data(handle(), path.c_str(), &data.value, &node.stat);
        if (rc == ZK_ENONODE || detail::failed(rc, ec)) {
            return std::nullopt;
        }
        node.data = detail::make_buffer<Buffer>(data.value.data, data.value.len);
        return node;
    }
    /** The cached children of `path` (sorted), or empty when it is not in the cache. */
    std::optional<std::vector<std::string>> get_children(CStr path) {
        std::error_code ec;
        std::optional<std::vector<std::string>> out = get_children(std::move(path), ec);
        detail::throw_if(ec);
        return out;
    }
    /** As get_children(CStr). */
    std::optional<std::vector<std::string>> get_children(CStr path, std::error_code& ec) {
        ec.clear();
        detail::StringListGuard list;
        if (detail::bad_path(path, ec)) {
            return std::nullopt;
        }
        zk_error rc = zk_tree_cache_get_children(handle(), path.c_str(), &list.value);
        if (rc == ZK_ENONODE || detail::failed(rc, ec)) {
            return std::nullopt;
        }
        return detail::to_strings(&list.value);
    }
    /** How many nodes the cache holds. */
    std::size_t size() const noexcept { return zk_tree_cache_size(handle()); }
    /** Whether the first complete copy has been made (and again after each new session's). */
    bool is_initialized() const noexcept { return zk_tree_cache_is_initialized(handle()); }
    /** The C handle (owned by this object). */
    zk_tree_cache* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a cache handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    void init(Client& client, const CStr& path, std::int32_t max_depth, std::error_code& ec) {
        ec.clear();
        zk_tree_cache* raw = nullptr;
        if (!detail::bad_path(path, ec) &&
            !detail::failed(zk_tree_cache_new(client.handle(), path.c_str(), max_depth, &raw), ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_tree_cache, &zk_tree_cache_free>;
    Handle handle_;
};

/**
 * A DataWatch callback: the data (borrowed for the call) and stat (empty while the node does
 * not exist), and the event that caused the call (empty for the first call and re-reads).
 * Return false to stop watching (a callable returning void keeps watching); an exception
 * stops it too. The first call runs inside DataWatch's constructor, later ones on the
 * dispatcher thread; it may call the client.
 */
using DataWatchCallback =
    std::function<bool(std::string_view data, const std::optional<Stat>& stat, const std::optional<WatchEvent>& event)>;
/** A ChildrenWatch callback: the children (sorted), as DataWatchCallback otherwise. */
using ChildrenWatchCallback = std::function<bool(
    const std::vector<std::string>& children, const std::optional<Stat>& stat, const std::optional<WatchEvent>& event)>;

namespace detail {
// A callable returning bool as it is; one returning void keeps watching.
template <class Callback, class F, class... Args>
Callback keep_watching(F&& function) {
    if constexpr (std::is_void_v<std::invoke_result_t<std::decay_t<F>&, Args...>>) {
        return [fn = std::forward<F>(function)](Args... args) mutable {
            fn(args...);
            return true;
        };
    } else {
        return Callback(std::forward<F>(function));
    }
}

inline bool data_watch_trampoline(const std::uint8_t* data, std::size_t len, const zk_stat* stat,
                                  const zk_watch_event* event, void* user_data) noexcept {
    bool keep = false;
    guarded([&] {
        keep = (*static_cast<DataWatchCallback*>(user_data))(
            BytesView(data, len).view(), stat != nullptr ? std::optional<Stat>(*stat) : std::nullopt,
            event != nullptr ? std::optional<WatchEvent>(to_event(event)) : std::nullopt);
    });
    return keep;
}

inline bool children_watch_trampoline(const zk_string_list* children, const zk_stat* stat, const zk_watch_event* event,
                                      void* user_data) noexcept {
    bool keep = false;
    guarded([&] {
        keep = (*static_cast<ChildrenWatchCallback*>(user_data))(
            to_strings(children), stat != nullptr ? std::optional<Stat>(*stat) : std::nullopt,
            event != nullptr ? std::optional<WatchEvent>(to_event(event)) : std::nullopt);
    });
    return keep;
}
} // namespace detail

/**
 * kazoo's DataWatch (zk_data_watch): calls back with the node's data now and after every
 * change, following it through deletion and re-creation, until the callback returns false or
 * the watch is cancelled. Movable, not copyable; destroying it cancels it (not from inside
 * its own callback: cancel() there).
 */
class DataWatch {
public:
    /** No watch. */
    DataWatch() noexcept = default;
    /** Watches `path`; `callback` is a DataWatchCallback, or the same returning void. */
    template <class F,
              class = std::enable_if_t<std::is_invocable_v<
                  std::decay_t<F>&, std::string_view, const std::optional<Stat>&, const std::optional<WatchEvent>&>>>
    DataWatch(Client& client, CStr path, F&& callback) {
        std::error_code ec;
        init(client, path, wrap(std::forward<F>(callback)), ec);
        detail::throw_if(ec);
    }
    /** As DataWatch(Client&, CStr, F&&), reporting failures in `ec`. */
    template <class F,
              class = std::enable_if_t<std::is_invocable_v<
                  std::decay_t<F>&, std::string_view, const std::optional<Stat>&, const std::optional<WatchEvent>&>>>
    DataWatch(Client& client, CStr path, F&& callback, std::error_code& ec) {
        init(client, path, wrap(std::forward<F>(callback)), ec);
    }
    /** Stops the watch: no callback starts afterwards (also from its own callback). */
    void cancel() {
        std::error_code ec;
        cancel(ec);
        detail::throw_if(ec);
    }
    /** As cancel(). */
    void cancel(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_data_watch_cancel(handle()), ec);
    }
    /** The C handle (owned by this object). */
    zk_data_watch* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a watch handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    template <class F>
    static DataWatchCallback wrap(F&& callback) {
        return detail::keep_watching<DataWatchCallback, F, std::string_view, const std::optional<Stat>&,
                                     const std::optional<WatchEvent>&>(std::forward<F>(callback));
    }
    void init(Client& client, const CStr& path, DataWatchCallback callback, std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return;
        }
        DataWatchCallback* fn = detail::new_function(std::move(callback));
        zk_data_watch* raw = nullptr;
        if (!detail::failed(zk_data_watch_new(client.handle(), path.c_str(),
                                              fn != nullptr ? &detail::data_watch_trampoline : nullptr, fn,
                                              &detail::delete_function<DataWatchCallback>, &raw),
                            ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_data_watch, &zk_data_watch_free>;
    Handle handle_;
};

/** kazoo's ChildrenWatch (zk_children_watch): as DataWatch, for the node's children. */
class ChildrenWatch {
public:
    /** No watch. */
    ChildrenWatch() noexcept = default;
    /** Watches the children of `path`; `callback` is a ChildrenWatchCallback, or the same returning void. */
    template <class F, class = std::enable_if_t<
                           std::is_invocable_v<std::decay_t<F>&, const std::vector<std::string>&,
                                               const std::optional<Stat>&, const std::optional<WatchEvent>&>>>
    ChildrenWatch(Client& client, CStr path, F&& callback) {
        std::error_code ec;
        init(client, path, wrap(std::forward<F>(callback)), ec);
        detail::throw_if(ec);
    }
    /** As ChildrenWatch(Client&, CStr, F&&), reporting failures in `ec`. */
    template <class F, class = std::enable_if_t<
                           std::is_invocable_v<std::decay_t<F>&, const std::vector<std::string>&,
                                               const std::optional<Stat>&, const std::optional<WatchEvent>&>>>
    ChildrenWatch(Client& client, CStr path, F&& callback, std::error_code& ec) {
        init(client, path, wrap(std::forward<F>(callback)), ec);
    }
    /** Stops the watch: no callback starts afterwards (also from its own callback). */
    void cancel() {
        std::error_code ec;
        cancel(ec);
        detail::throw_if(ec);
    }
    /** As cancel(). */
    void cancel(std::error_code& ec) {
        ec.clear();
        detail::failed(zk_children_watch_cancel(handle()), ec);
    }
    /** The C handle (owned by this object). */
    zk_children_watch* handle() const noexcept { return handle_.get(); }
    /** Whether this object holds a watch handle. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

private:
    template <class F>
    static ChildrenWatchCallback wrap(F&& callback) {
        return detail::keep_watching<ChildrenWatchCallback, F, const std::vector<std::string>&,
                                     const std::optional<Stat>&, const std::optional<WatchEvent>&>(
            std::forward<F>(callback));
    }
    void init(Client& client, const CStr& path, ChildrenWatchCallback callback, std::error_code& ec) {
        ec.clear();
        if (detail::bad_path(path, ec)) {
            return;
        }
        ChildrenWatchCallback* fn = detail::new_function(std::move(callback));
        zk_children_watch* raw = nullptr;
        if (!detail::failed(zk_children_watch_new(client.handle(), path.c_str(),
                                                  fn != nullptr ? &detail::children_watch_trampoline : nullptr, fn,
                                                  &detail::delete_function<ChildrenWatchCallback>, &raw),
                            ec)) {
            handle_ = Handle(detail::ClientAccess::handle(client), raw);
        }
    }
    using Handle = detail::Owner<zk_children_watch, &zk_children_watch_free>;
    Handle handle_;
};

/**
 * kazoo's NonBlockingLease: tries to obtain the lease at `path` for `duration` as
 * `identifier` (empty: the host name), waiting up to `lock_timeout` for the lease's lock.
 * True when obtained or renewed, false when another identifier holds it. No handle: the lease
 * is a record on the server.
 */
inline bool obtain_lease(Client& client, CStr path, std::chrono::milliseconds duration, BytesView identifier,
                         std::chrono::milliseconds lock_timeout, std::error_code& ec) {
    ec.clear();
    bool obtained = false;
    if (!detail::bad_path(path, ec)) {
        detail::failed(zk_lease_obtain(client.handle(), path.c_str(), static_cast<std::int64_t>(duration.count()),
                                       identifier.data(), identifier.size(), detail::timeout_ms(lock_timeout),
                                       &obtained),
                       ec);
    }
    return obtained;
}
/** As obtain_lease(Client&, CStr, std::chrono::milliseconds, BytesView, std::chrono::milliseconds,
 * std::error_code&), throwing. */
inline bool obtain_lease(Client& client, CStr path, std::chrono::milliseconds duration, BytesView identifier = {},
                         std::chrono::milliseconds lock_timeout = forever) {
    std::error_code ec;
    bool out = obtain_lease(client, std::move(path), duration, identifier, lock_timeout, ec);
    detail::throw_if(ec);
    return out;
}
/**
 * kazoo's MultiNonBlockingLease: one of `count` leases `<path>/0` .. `<path>/<count-1>`; the
 * number of the lease obtained, or empty when every one is held by another identifier.
 */
inline std::optional<std::uint32_t> obtain_multi_lease(Client& client, CStr path, std::uint32_t count,
                                                       std::chrono::milliseconds duration, BytesView identifier,
                                                       std::chrono::milliseconds lock_timeout, std::error_code& ec) {
    ec.clear();
    std::int32_t slot = -1;
    if (detail::bad_path(path, ec) ||
        detail::failed(zk_multi_lease_obtain(client.handle(), path.c_str(), count,
                                             static_cast<std::int64_t>(duration.count()), identifier.data(),
                                             identifier.size(), detail::timeout_ms(lock_timeout), &slot),
                       ec) ||
        slot < 0) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(slot);
}
/** As obtain_multi_lease(..., std::error_code&), throwing. */
inline std::optional<std::uint32_t> obtain_multi_lease(Client& client, CStr path, std::uint32_t count,
                                                       std::chrono::milliseconds duration, BytesView identifier = {},
                                                       std::chrono::milliseconds lock_timeout = forever) {
    std::error_code ec;
    std::optional<std::uint32_t> out =
        obtain_multi_lease(client, std::move(path), count, duration, identifier, lock_timeout, ec);
    detail::throw_if(ec);
    return out;
}

// ----------------------------------------------------------------------------------------
// Process-wide functions
// ----------------------------------------------------------------------------------------

/** The library's version (`"0.1.0"`); ZKCLIENT_VERSION is the header's. */
inline const char* version() noexcept { return zk_version(); }

/** How many network threads serve every session (1 to 64), before the first client. */
inline void set_io_threads(std::size_t threads, std::error_code& ec) {
    ec.clear();
    detail::failed(zk_set_io_threads(threads), ec);
}
/** As set_io_threads(std::size_t, std::error_code&), throwing. */
inline void set_io_threads(std::size_t threads) {
    std::error_code ec;
    set_io_threads(threads, ec);
    detail::throw_if(ec);
}

/**
 * Receives the library's log lines: level, target (`"zkclient::session"`, ...) and message,
 * both borrowed for the call. Called from any thread (the network thread included), several
 * at once: it must be thread-safe and quick.
 */
using LogCallback = std::function<void(LogLevel level, std::string_view target, std::string_view message)>;

namespace detail {
inline void log_trampoline(zk_log_level level, const char* target, const char* message, void* user_data) noexcept {
    guarded([&] {
        (*static_cast<LogCallback*>(user_data))(static_cast<LogLevel>(level),
                                                target != nullptr ? std::string_view(target) : std::string_view(),
                                                message != nullptr ? std::string_view(message) : std::string_view());
    });
}
} // namespace detail

/**
 * Sends the library's lines up to `max_level` to `callback` (empty, or LogLevel::off: no
 * lines). Replacing it destroys the previous callback exactly once, after its last call.
 */
inline void set_log_callback(LogLevel max_level, LogCallback callback, std::error_code& ec) {
    ec.clear();
    LogCallback* fn = detail::new_function(std::move(callback));
    detail::failed(zk_set_log_callback(static_cast<std::int32_t>(max_level),
                                       fn != nullptr ? &detail::log_trampoline : nullptr, fn,
                                       &detail::delete_function<LogCallback>),
                   ec);
}
/** As set_log_callback(LogLevel, LogCallback, std::error_code&), throwing. */
inline void set_log_callback(LogLevel max_level, LogCallback callback) {
    std::error_code ec;
    set_log_callback(max_level, std::move(callback), ec);
    detail::throw_if(ec);
}

/** The `"digest"` ACL id of `user` and `password`: `user:base64(sha1(user:password))`. */
inline std::string digest_acl_id(CStr user, CStr password, std::error_code& ec) {
    ec.clear();
    detail::StringGuard id;
    if (!detail::bad_text(user, "the user name has a NUL byte inside", ec) &&
        !detail::bad_text(password, "the password has a NUL byte inside", ec)) {
        detail::failed(zk_digest_acl_id(user.c_str(), password.c_str(), &id.value), ec);
    }
    return id.str();
}
/** As digest_acl_id(CStr, CStr, std::error_code&), throwing. */
inline std::string digest_acl_id(CStr user, CStr password) {
    std::error_code ec;
    std::string out = digest_acl_id(std::move(user), std::move(password), ec);
    detail::throw_if(ec);
    return out;
}

/** A four-letter word to any server (`"host:port"`), without a session, within `timeout`. */
inline std::string four_letter_word(CStr host_port, CStr word, std::chrono::milliseconds timeout, std::error_code& ec) {
    ec.clear();
    detail::StringGuard text;
    std::uint32_t ms = 0;
    if (!detail::bad_text(host_port, "the host has a NUL byte inside", ec) &&
        !detail::bad_text(word, "the four-letter word has a NUL byte inside", ec) &&
        detail::to_u32_ms(timeout, ms, "the timeout is out of range", ec)) {
        detail::failed(zk_four_letter_word_host(host_port.c_str(), word.c_str(), ms, &text.value), ec);
    }
    return text.str();
}
/** As four_letter_word(CStr, CStr, std::chrono::milliseconds, std::error_code&), throwing. */
inline std::string four_letter_word(CStr host_port, CStr word, std::chrono::milliseconds timeout) {
    std::error_code ec;
    std::string out = four_letter_word(std::move(host_port), std::move(word), timeout, ec);
    detail::throw_if(ec);
    return out;
}

} // namespace zk

#endif /* ZKCLIENT_HPP */
