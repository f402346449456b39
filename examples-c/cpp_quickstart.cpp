// zkclient quick start in C++: kazoo's "Basic Usage" with include/zkclient.hpp.
//
// Connect, listen to connection states, create / read / update / delete nodes, and stop.
// Usage: cpp_quickstart [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
//
// Every zk::Client call throws zk::Error (a std::system_error) when it fails; e.code() is a
// std::error_code to compare with zk::Errc, e.what() names the code and says why. The same
// program with the C API is quickstart.c.
#include <zkclient.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <unistd.h>

// Stops the program with a readable message when a check fails.
#define EXPECT(condition)                                                                                              \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition);                              \
            std::exit(1);                                                                                              \
        }                                                                                                              \
    } while (0)

int main(int argc, char** argv) {
    const char* env = std::getenv("ZK_HOSTS");
    std::string hosts = argc > 1 ? argv[1] : (env != nullptr && env[0] != '\0' ? env : "127.0.0.1:2181");
    // A chroot of our own, so that the example never touches anybody else's nodes.
    std::string connect_string =
        hosts + "/zkclient-cpp-quickstart-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(getpid());

    try {
        // 1. Connect. The options are copied by the constructor.
        zk::Client zk(connect_string, zk::Options().session_timeout(std::chrono::seconds(10)));
        // Listeners run on a zkclient dispatcher thread, one at a time, in order; they may call
        // the client, blocking calls included. The std::function is destroyed with the client.
        std::mutex print;
        zk.add_listener([&print](zk::State state, zk::KeeperState keeper_state) {
            std::lock_guard<std::mutex> guard(print);
            std::printf("listener: %s (keeper state %s)\n", zk::to_string(state), zk::to_string(keeper_state));
            std::fflush(stdout);
        });
        zk.start(std::chrono::seconds(15)); // waits for CONNECTED
        std::printf("connected to %s\n", connect_string.c_str());

        // 2. Create: ensure a path, then a node with data (bytes: any zk::BytesView).
        zk.ensure_path("/my/favorite");
        std::string created = zk.create("/my/favorite/node", "a value");
        std::printf("created %s\n", created.c_str());
        created = zk.create("/my/favorite/worker-", "w", zk::CreateMode::ephemeral_sequential);
        std::printf("created ephemeral sequential %s\n", created.c_str());
        EXPECT(created == "/my/favorite/worker-0000000001");

        // 3. Read: exists (empty when missing), get (data and stat), get_children.
        std::optional<zk::Stat> stat = zk.exists("/my/favorite");
        EXPECT(stat.has_value());
        std::printf("/my/favorite exists: yes, %d children\n", stat->num_children);
        EXPECT(stat->num_children == 2);

        zk::Node node = zk.get("/my/favorite/node");
        std::printf("data of /my/favorite/node: \"%s\" (version %d, %d bytes)\n", node.data.c_str(), node.stat.version,
                    node.stat.data_length);
        EXPECT(node.data == "a value");
        zk::BasicNode<zk::Bytes> bytes = zk.get<zk::Bytes>("/my/favorite/node"); // or as std::byte
        EXPECT(bytes.data.size() == 7 && bytes.data[0] == std::byte{'a'});

        std::printf("children of /my/favorite:");
        std::vector<std::string> children = zk.get_children("/my/favorite");
        for (const std::string& child : children) {
            std::printf(" %s", child.c_str());
        }
        std::printf("\n");
        EXPECT(children.size() == 2);

        // 4. Update, with the version read: a stale version is refused.
        zk::Stat updated = zk.set("/my/favorite/node", "some data", node.stat.version);
        std::printf("set /my/favorite/node to \"some data\" (now version %d)\n", updated.version);
        try {
            zk.set("/my/favorite/node", "stale", 0);
            EXPECT(!"a stale version was accepted");
        } catch (const zk::Error& e) {
            std::printf("set with stale version 0: %s\n", e.what());
            EXPECT(e.code() == zk::Errc::bad_version);
        }

        // Errors are exceptions, never crashes: a missing node, a bad path.
        try {
            zk.get("/my/missing");
            EXPECT(!"a missing node was read");
        } catch (const zk::Error& e) {
            std::printf("get /my/missing: %s\n", e.what());
            EXPECT(e.errc() == zk::Errc::no_node);
        }
        try {
            zk.get("relative/path");
            EXPECT(!"a relative path was accepted");
        } catch (const zk::Error& e) {
            std::printf("get relative/path: %s\n", e.what());
            EXPECT(e.code() == zk::Errc::bad_path);
        }

        // 5. Delete: a node with children needs remove_recursive().
        try {
            zk.remove("/my");
            EXPECT(!"a node with children was deleted");
        } catch (const zk::Error& e) {
            std::printf("remove /my: %s\n", e.what());
            EXPECT(e.code() == zk::Errc::not_empty);
        }
        zk.remove_recursive("/my");
        EXPECT(!zk.exists("/my"));
        std::printf("deleted /my recursively; exists now: no\n");
        zk.remove("/"); // the chroot node itself

        // 6. Stop (ephemeral nodes go at once; listeners see LOST before it returns). The
        //    destructor would stop it too, and frees the client.
        zk.stop();
    } catch (const zk::Error& e) {
        std::fprintf(stderr, "cpp_quickstart: %s\n", e.what());
        return 1;
    }
    std::printf("cpp_quickstart: all steps passed\n");
    return 0;
}
