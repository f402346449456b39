// zkclient in C++: the ensemble's configuration, whoAmI and live host lists.
//
// Reads /zookeeper/config (zk::Client::get_config(), and with a watch), prints its members
// (a standalone server's configuration is empty: it says so), asks the server who this
// session is (zk::Client::who_am_i(), before and after a digest credential), replaces the
// host list with the same server (zk::Client::update_hosts(), hosts()), and shows the
// refusals of the reconfig functions without credentials and of bad arguments found before
// anything is sent. Usage: cpp_ensemble [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
#include <zkclient.hpp>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// Stops the program with a readable message when a check fails.
#define EXPECT(condition)                                                                                              \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition);                              \
            std::exit(1);                                                                                              \
        }                                                                                                              \
    } while (0)

namespace {

void print_config(const char* what, const zk::EnsembleConfig& config) {
    if (config.empty()) {
        std::printf("%s: empty (a standalone server), version %" PRId64 ", %zu bytes of data\n", what,
                    config.version(), config.data().size());
        return;
    }
    std::printf("%s: version %" PRIx64 ", %zu members, clients connect to %s\n", what,
                static_cast<std::uint64_t>(config.version()), config.members().size(),
                config.connect_string().c_str());
    for (const zk::EnsembleMember& member : config.members()) {
        std::printf("  server %" PRIu64 " (%s): quorum %s:%u, election %u, client %s:%u\n", member.id,
                    zk::to_string(member.role), member.quorum_host.c_str(), unsigned{member.quorum_port},
                    unsigned{member.election_port},
                    member.has_client_address() ? member.client_host.c_str() : "(none)",
                    unsigned{member.client_port});
        std::printf("    spec %s, clients connect to %s\n", member.spec.c_str(),
                    member.has_client_address() ? member.connect_host.c_str() : "(none)");
        EXPECT(member.has_client_address() == !member.connect_host.empty());
    }
}

void print_identities(const char* what, const std::vector<zk::Identity>& identities) {
    std::printf("%s:", what);
    for (const zk::Identity& identity : identities) {
        std::printf(" %s:%s", identity.scheme.c_str(), identity.id.c_str());
    }
    std::printf("\n");
}

bool has_identity(const std::vector<zk::Identity>& identities, const char* scheme, const char* id) {
    for (const zk::Identity& identity : identities) {
        if (identity.scheme == scheme && (id == nullptr || identity.id == id)) {
            return true;
        }
    }
    return false;
}

} // namespace

int main(int argc, char** argv) {
    const char* env = std::getenv("ZK_HOSTS");
    std::string hosts = argc > 1 ? argv[1] : (env != nullptr && env[0] != '\0' ? env : "127.0.0.1:2181");

    try {
        // The host resolution delay and following the configuration are options; this client
        // keeps the list it is given (the shared server may be standalone).
        zk::Client zk(hosts, zk::Options()
                                 .session_timeout(std::chrono::seconds(10))
                                 .host_resolution_delay(std::chrono::seconds(5))
                                 .follow_ensemble_config(false));
        zk.start(std::chrono::seconds(15)); // throws zk::Error (ZK_ETIMEOUT) without a server
        std::printf("connected to %s\n", zk.server().c_str());

        // 1. The configuration: a standalone server's node is empty, an ensemble's lists every
        //    server. The members are copies: they outlive the zk::EnsembleConfig.
        zk.sync("/");
        zk::EnsembleConfig config = zk.get_config();
        print_config("configuration", config);
        EXPECT(config.empty() == (config.version() == 0));
        EXPECT(config.empty() == config.data().empty());
        for (const zk::EnsembleMember& member : config.members()) {
            EXPECT(member.role == zk::MemberRole::participant || member.role == zk::MemberRole::observer);
            EXPECT(config.member(member.id).has_value() && config.member(member.id)->spec == member.spec);
        }
        EXPECT(!config.member(999999).has_value());
        zk::EnsembleConfig moved = std::move(config); // an owner: moved, never copied
        EXPECT(moved.version() == zk.get_config().version());

        // The same with a one-shot watch: destroying the zk::Watch removes it (its watcher,
        // never called here, is destroyed then).
        {
            zk::WatchedConfig watched = zk.get_config_watch([](const zk::WatchEvent& event) {
                std::printf("configuration watch: %s %s\n", zk::to_string(event.type), event.path.c_str());
            });
            EXPECT(watched.watch && watched.config.version() == moved.version());
            std::printf("configuration watch set (id %" PRIu64 ")\n", watched.watch.id());
        }
        std::printf("the configuration watch was removed with its zk::Watch\n");

        // 2. whoAmI: the session's identities, one more per credential.
        std::vector<zk::Identity> before = zk.who_am_i();
        print_identities("whoami", before);
        EXPECT(has_identity(before, "ip", nullptr));
        zk.add_auth("digest", "alice:secret");
        std::vector<zk::Identity> after = zk.who_am_i();
        print_identities("whoami after digest alice", after);
        EXPECT(has_identity(after, "digest", "alice"));
        EXPECT(after.size() == before.size() + 1);

        // 3. The host list: replaced by the same server, the session and the connection stay.
        std::int64_t session = zk.session().id;
        std::string host_list = zk.hosts();
        std::printf("hosts: %s\n", host_list.c_str());
        zk.update_hosts(host_list);
        EXPECT(zk.hosts() == host_list);
        EXPECT(zk.session().id == session && zk.state() == zk::State::connected);
        zk.get_children("/"); // still answered on the same session
        std::printf("hosts updated to the same list: %s, same session\n", zk.hosts().c_str());
        std::error_code ec;
        zk.update_hosts("", ec);
        std::printf("update_hosts(\"\"): %s\n", ec.message().c_str());
        EXPECT(ec == zk::Errc::invalid_argument);
        EXPECT(zk.hosts() == host_list);

        // 4. Reconfigurations need the superuser: alice is refused (whatever the server,
        //    standalone or an ensemble), and the reason is in the error.
        try {
            zk.reconfig_incremental({}, {999}, moved.version());
            EXPECT(!"a reconfig without the superuser was accepted");
        } catch (const zk::Error& e) {
            std::printf("reconfig as alice: %s\n", e.what());
            EXPECT(e.errc() == zk::Errc::no_auth || e.errc() == zk::Errc::unimplemented ||
                   e.errc() == zk::Errc::reconfig_disabled);
            EXPECT(!e.detail().empty());
        }
        // Refused here, nothing sent: nothing to change, an empty bulk list, a spec that is not one.
        zk.reconfig_incremental({}, {}, zk::any_config_version, ec);
        std::printf("empty incremental reconfig: %s\n", ec.message().c_str());
        EXPECT(ec == zk::Errc::invalid_argument);
        zk.reconfig_bulk({}, zk::any_config_version, ec);
        std::printf("empty bulk reconfig: %s\n", ec.message().c_str());
        EXPECT(ec == zk::Errc::invalid_argument);
        zk::EnsembleConfig none = zk.reconfig_bulk({std::string("server.1=nonsense")}, zk::any_config_version, ec);
        std::printf("bulk reconfig with a bad spec: %s (%s)\n", ec.message().c_str(), zk::last_error_message().c_str());
        EXPECT(ec == zk::Errc::invalid_argument && none.empty() && none.handle() == nullptr);
        zk.reconfig_bulk({std::string("server.1=127.0.0.1:1:2;3\0x", 26)}, zk::any_config_version, ec);
        std::printf("spec with a NUL byte: %s\n", ec.message().c_str());
        EXPECT(ec == zk::Errc::invalid_argument);

        zk.stop();
        // A stopped client: the same calls fail with ZK_ECLOSED, never crash.
        zk.get_config(ec);
        std::printf("get_config on a stopped client: %s\n", ec.message().c_str());
        EXPECT(ec == zk::Errc::closed);
        zk.who_am_i(ec);
        EXPECT(ec == zk::Errc::closed);
    } catch (const zk::Error& e) {
        std::fprintf(stderr, "cpp_ensemble: %s\n", e.what());
        return 1;
    }
    std::printf("cpp_ensemble: all steps passed\n");
    return 0;
}
