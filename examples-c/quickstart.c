/*
 * zkclient quick start: kazoo's "Basic Usage" in C.
 *
 * Connect, listen to connection states, create / read / update / delete nodes, and stop.
 * Usage: quickstart [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * Every call returns a zk_error; ZK_OK is 0. zk_error_str() names an error and
 * zk_last_error_message() explains the last one on this thread.
 */
#define _POSIX_C_SOURCE 200809L /* getpid() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zkclient.h>

/* Stop the program with a readable message when a call fails. */
#define CHECK(call)                                                                         \
    do {                                                                                    \
        zk_error check_rc_ = (call);                                                        \
        if (check_rc_ != ZK_OK) {                                                           \
            fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #call,        \
                    zk_error_str(check_rc_), zk_last_error_message());                      \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

#define EXPECT(condition)                                                                   \
    do {                                                                                    \
        if (!(condition)) {                                                                 \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition);       \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

/* Listeners run on a zkclient dispatcher thread, one at a time, in order. They may call the
 * client, blocking calls included. */
static void my_listener(zk_state state, zk_keeper_state keeper_state, void *user_data) {
    const char *name = state == ZK_STATE_CONNECTED   ? "CONNECTED"
                       : state == ZK_STATE_SUSPENDED ? "SUSPENDED (connection lost, session may live)"
                                                     : "LOST (no session)";
    (void)user_data;
    printf("listener: %s (keeper state %d)\n", name, (int)keeper_state);
    fflush(stdout);
}

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_options *options;
    zk_client *zk;
    zk_stat stat;
    zk_buffer data;
    zk_string_list children;
    char *created;
    bool exists;
    size_t i;
    zk_error rc;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    /* A chroot of our own, so that the example never touches anybody else's nodes. */
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-quickstart-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());

    /* 1. Connect. Options are copied by zk_client_new: free them right away. */
    options = zk_options_new();
    EXPECT(options != NULL);
    CHECK(zk_options_set_session_timeout(options, 10000));
    CHECK(zk_client_new(connect_string, options, &zk));
    zk_options_free(options);
    CHECK(zk_client_add_listener(zk, my_listener, NULL, NULL, NULL));
    CHECK(zk_client_start(zk, 15000));
    printf("connected to %s\n", connect_string);

    /* 2. Create: ensure a path, then a node with data. */
    CHECK(zk_ensure_path(zk, "/my/favorite"));
    CHECK(zk_create(zk, "/my/favorite/node", bytes("a value"), 7, NULL, &created, &stat));
    printf("created %s (version %d)\n", created, stat.version);
    zk_string_free(created);

    {
        /* Option structs carry the version of the header they were built with: always
         * start from the init function, which fills the defaults of that version. */
        zk_create_options ephemeral_sequential;
        CHECK(zk_create_options_init(&ephemeral_sequential, ZK_CREATE_OPTIONS_VERSION));
        ephemeral_sequential.mode = ZK_EPHEMERAL_SEQUENTIAL;
        CHECK(zk_create(zk, "/my/favorite/worker-", bytes("w"), 1, &ephemeral_sequential, &created,
                        NULL));
        printf("created ephemeral sequential %s\n", created);
        EXPECT(strcmp(created, "/my/favorite/worker-0000000001") == 0);
        zk_string_free(created);
    }

    /* 3. Read: exists, get, get_children. */
    CHECK(zk_exists(zk, "/my/favorite", &exists, &stat));
    printf("/my/favorite exists: %s, %d children\n", exists ? "yes" : "no", stat.num_children);
    EXPECT(exists && stat.num_children == 2);

    CHECK(zk_get(zk, "/my/favorite/node", &data, &stat));
    printf("data of /my/favorite/node: \"%.*s\" (version %d, %d bytes)\n", (int)data.len,
           (const char *)data.data, stat.version, stat.data_length);
    EXPECT(data.len == 7 && memcmp(data.data, "a value", 7) == 0);
    zk_buffer_free(&data);

    CHECK(zk_get_children(zk, "/my/favorite", &children, NULL));
    printf("children of /my/favorite:");
    for (i = 0; i < children.count; i++) {
        printf(" %s", children.items[i]);
    }
    printf("\n");
    EXPECT(children.count == 2);
    zk_string_list_free(&children);

    /* 4. Update, with the version we read: a stale version is refused. */
    CHECK(zk_set(zk, "/my/favorite/node", bytes("some data"), 9, stat.version, &stat));
    printf("set /my/favorite/node to \"some data\" (now version %d)\n", stat.version);
    rc = zk_set(zk, "/my/favorite/node", bytes("stale"), 5, 0, NULL);
    printf("set with stale version 0: %s\n", zk_error_str(rc));
    EXPECT(rc == ZK_EBADVERSION);

    /* Errors are codes, never crashes: a missing node, a bad path. */
    rc = zk_get(zk, "/my/missing", &data, NULL);
    printf("get /my/missing: %s\n", zk_error_str(rc));
    EXPECT(rc == ZK_ENONODE);
    rc = zk_get(zk, "relative/path", &data, NULL);
    printf("get relative/path: %s (%s)\n", zk_error_str(rc), zk_last_error_message());
    EXPECT(rc == ZK_EBADPATH);

    /* 5. Delete: a node with children needs recursive. */
    rc = zk_delete(zk, "/my", -1, false);
    printf("delete /my: %s\n", zk_error_str(rc));
    EXPECT(rc == ZK_ENOTEMPTY);
    CHECK(zk_delete(zk, "/my", -1, true));
    CHECK(zk_exists(zk, "/my", &exists, NULL));
    printf("deleted /my recursively; exists now: %s\n", exists ? "yes" : "no");
    EXPECT(!exists);

    /* 6. Stop (ephemeral nodes go at once; listeners see LOST before it returns) and free. */
    CHECK(zk_client_stop(zk));
    zk_client_free(zk);
    printf("quickstart: all steps passed\n");
    return 0;
}
