/*
 * zkclient: read the ensemble's configuration and the session's identities.
 *
 * Prints the configuration ZooKeeper keeps in /zookeeper/config (version, members, roles,
 * ports, the connect string made from it) and what the server knows the session as (whoAmI).
 * The client has a chroot of its own: the configuration is read at its real path anyway.
 * Usage: config [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * A standalone server without a dynamic configuration has an empty node: no members,
 * version 0. An ensemble started with reconfigEnabled lists its servers.
 */
#define _POSIX_C_SOURCE 200809L /* getpid() */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zkclient.h>

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

static const char *role_name(zk_member_role role) {
    switch (role) {
    case ZK_MEMBER_PARTICIPANT:
        return "participant";
    case ZK_MEMBER_OBSERVER:
        return "observer";
    default:
        return "?";
    }
}

/* Prints a configuration: version, each member, the connect string. */
static void print_config(const zk_ensemble_config *config) {
    size_t count = zk_ensemble_config_member_count(config);
    size_t i;
    printf("configuration version 0x%" PRIx64 ", %zu member%s\n",
           (uint64_t)zk_ensemble_config_version(config), count, count == 1 ? "" : "s");
    for (i = 0; i < count; i++) {
        /* Members and their strings are borrowed from the configuration. */
        const zk_ensemble_member *member = zk_ensemble_config_member(config, i);
        const char *client_host = zk_ensemble_member_client_host(member);
        printf("  server %" PRIu64 ": %s, quorum %s:%u, election port %u", zk_ensemble_member_id(member),
               role_name(zk_ensemble_member_role(member)), zk_ensemble_member_quorum_host(member),
               (unsigned)zk_ensemble_member_quorum_port(member),
               (unsigned)zk_ensemble_member_election_port(member));
        if (client_host != NULL) {
            printf(", clients on %s:%u (connect to %s)", client_host,
                   (unsigned)zk_ensemble_member_client_port(member),
                   zk_ensemble_member_connect_host(member));
        } else {
            printf(", no client port");
        }
        printf("\n");
    }
    printf("connect string from the configuration: \"%s\"\n",
           zk_ensemble_config_connect_string(config));
}

/* A watcher runs on a zkclient dispatcher thread; it may call the client. */
static void config_changed(const zk_watch_event *event, void *user_data) {
    (void)user_data;
    printf("the configuration changed (%s)\n", event->path);
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *zk;
    zk_ensemble_config *config;
    zk_identity_list identities;
    zk_stat stat;
    const uint8_t *data;
    size_t len, i;
    uint64_t watch_id;
    bool has_ip = false;
    zk_error rc;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-config-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    CHECK(zk_client_new(connect_string, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    printf("connected to %s\n", connect_string);

    /* 1. The configuration, as the leader has it (sync first), despite the chroot. */
    CHECK(zk_sync(zk, "/"));
    CHECK(zk_get_config(zk, &config));
    print_config(config);
    data = zk_ensemble_config_data(config, &len);
    CHECK(zk_ensemble_config_stat(config, &stat));
    printf("raw data: %zu bytes (stat says %d)\n", len, stat.data_length);
    EXPECT(len == (size_t)stat.data_length);
    if (len > 0) {
        printf("%.*s\n", (int)len, (const char *)data);
    }
    if (zk_ensemble_config_member_count(config) == 0) {
        printf("no dynamic configuration: a standalone server\n");
        EXPECT(zk_ensemble_config_version(config) == 0);
    }
    zk_ensemble_config_free(config);

    /* 2. The same with a watch, called when a reconfig commits; removed again here. A
     * watcher is required: without one nothing is sent. */
    rc = zk_get_config_watch(zk, NULL, NULL, NULL, &config, NULL);
    printf("watch without a watcher: %s (%s)\n", zk_error_str(rc), zk_last_error_message());
    EXPECT(rc == ZK_EINVAL);
    CHECK(zk_get_config_watch(zk, config_changed, NULL, NULL, &config, &watch_id));
    zk_ensemble_config_free(config);
    CHECK(zk_remove_watch(zk, watch_id));
    printf("config watch set and removed\n");

    /* 3. Who the server knows this session as. */
    CHECK(zk_who_am_i(zk, &identities));
    printf("identities:");
    for (i = 0; i < identities.count; i++) {
        printf(" %s:%s", identities.items[i].scheme, identities.items[i].id);
        has_ip = has_ip || strcmp(identities.items[i].scheme, "ip") == 0;
    }
    printf("\n");
    EXPECT(has_ip);
    zk_identity_list_free(&identities);

    CHECK(zk_client_stop(zk));
    zk_client_free(zk);
    printf("config: all steps passed\n");
    return 0;
}

