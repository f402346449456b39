/*
 * zkclient: dynamic reconfiguration. Removes a member from the ensemble and adds it back,
 * each change guarded by the version of the configuration it was decided on.
 *
 * Usage: reconfig [HOSTS]   (default: $ZK_RECONFIG_HOSTS; it fails when neither is given)
 * HOSTS: an ensemble of at least 3 participants with reconfigEnabled=true and a superuser
 * super/supersecret (scripts/zk-server.sh start DIR --servers 3 --reconfig starts one). The
 * ensemble is left with the membership it had.
 *
 * A third client follows the ensemble's configuration (zk_options_set_follow_ensemble_config):
 * its host list loses the member when it is removed and gets it back when it is added.
 *
 * The member removed is a follower the client is not connected to: removing the leader
 * would end every connection while a new leader is elected (the reconfig's own reply could
 * be lost). The admin client is connected to one other follower only.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep(), strdup() */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#define MAX_MEMBERS 16

static const uint8_t SUPERUSER[] = "super:supersecret";

/* The member's "host:port" for clients, into buf. */
static void client_address(const zk_ensemble_member *member, char *buf, size_t size) {
    const char *host = zk_ensemble_member_connect_host(member);
    if (strchr(host, ':') != NULL) {
        snprintf(buf, size, "[%s]:%u", host, (unsigned)zk_ensemble_member_client_port(member));
    } else {
        snprintf(buf, size, "%s:%u", host, (unsigned)zk_ensemble_member_client_port(member));
    }
}

/* The "Mode:" a member's srvr answer names (leader, follower, observer), into mode; "" when
 * it does not serve. */
static void server_mode(const zk_ensemble_member *member, char *mode, size_t size) {
    char address[300];
    char *answer, *line;
    mode[0] = '\0';
    client_address(member, address, sizeof address);
    if (zk_four_letter_word_host(address, "srvr", 5000, &answer) != ZK_OK) {
        return;
    }
    line = strstr(answer, "Mode: ");
    if (line != NULL) {
        snprintf(mode, size, "%.*s", (int)strcspn(line + 6, "\n"), line + 6);
    }
    zk_string_free(answer);
}

static void pause_ms(long ms) {
    struct timespec delay = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&delay, NULL);
}

/* Waits (up to 60 s) until at least two participants serve as followers; returns the
 * configuration then, with the ids of two of them. A member that was just added back may
 * still be syncing with the leader. */
static zk_ensemble_config *two_followers(zk_client *zk, uint64_t *home, uint64_t *victim) {
    int attempt;
    for (attempt = 0; attempt < 120; attempt++) {
        zk_ensemble_config *config;
        size_t i, found = 0, participants = 0;
        uint64_t ids[2] = {0, 0};
        CHECK(zk_sync(zk, "/"));
        CHECK(zk_get_config(zk, &config));
        for (i = 0; i < zk_ensemble_config_member_count(config); i++) {
            const zk_ensemble_member *member = zk_ensemble_config_member(config, i);
            participants += zk_ensemble_member_role(member) == ZK_MEMBER_PARTICIPANT &&
                            zk_ensemble_member_client_host(member) != NULL;
        }
        if (participants < 3) {
            fprintf(stderr, "reconfig: the configuration lists %zu participant(s) with a client "
                            "port: this needs a reconfig-enabled ensemble of at least 3 (a "
                            "standalone server lists none)\n", participants);
            exit(1);
        }
        for (i = 0; i < zk_ensemble_config_member_count(config) && found < 2; i++) {
            const zk_ensemble_member *member = zk_ensemble_config_member(config, i);
            char mode[64];
            if (zk_ensemble_member_role(member) != ZK_MEMBER_PARTICIPANT ||
                zk_ensemble_member_client_host(member) == NULL) {
                continue;
            }
            server_mode(member, mode, sizeof mode);
            if (strcmp(mode, "follower") == 0) {
                ids[found++] = zk_ensemble_member_id(member);
            }
        }
        if (found == 2) {
            *home = ids[0];
            *victim = ids[1];
            return config;
        }
        zk_ensemble_config_free(config);
        pause_ms(500);
    }
    fprintf(stderr, "reconfig: fewer than two of the participants serve as followers\n");
    exit(1);
}

static void print_members(const char *what, const zk_ensemble_config *config) {
    size_t i;
    printf("%s: version 0x%" PRIx64 ", members", what,
           (uint64_t)zk_ensemble_config_version(config));
    for (i = 0; i < zk_ensemble_config_member_count(config); i++) {
        printf(" %" PRIu64, zk_ensemble_member_id(zk_ensemble_config_member(config, i)));
    }
    printf("\n");
}

/* How many servers the client's host list has now. */
static size_t host_count(zk_client *zk) {
    char *hosts;
    size_t count = 1;
    const char *c;
    CHECK(zk_client_hosts(zk, &hosts));
    for (c = hosts; *c != '\0'; c++) {
        count += *c == ',';
    }
    zk_string_free(hosts);
    return count;
}

/* Waits (up to 30 s) until the following client's host list has `count` servers: it updates
 * the list itself, on the configuration watch it keeps. */
static void wait_for_host_count(zk_client *follower, size_t count) {
    int attempt;
    char *hosts;
    for (attempt = 0; attempt < 300 && host_count(follower) != count; attempt++) {
        pause_ms(100);
    }
    CHECK(zk_client_hosts(follower, &hosts));
    printf("the following client's hosts: %s\n", hosts);
    zk_string_free(hosts);
    EXPECT(host_count(follower) == count);
}

static zk_client *following(const char *hosts) {
    zk_options *options = zk_options_new();
    zk_client *zk;
    EXPECT(options != NULL);
    CHECK(zk_options_set_follow_ensemble_config(options, true));
    CHECK(zk_client_new(hosts, options, &zk));
    zk_options_free(options);
    CHECK(zk_client_start(zk, 15000));
    return zk;
}

static zk_client *connect_to(const char *hosts, bool superuser) {
    zk_options *options = zk_options_new();
    zk_client *zk;
    EXPECT(options != NULL);
    if (superuser) {
        /* Reconfig needs the superuser, or WRITE on /zookeeper/config. */
        CHECK(zk_options_add_auth(options, "digest", SUPERUSER, sizeof SUPERUSER - 1));
    }
    CHECK(zk_client_new(hosts, options, &zk));
    zk_options_free(options);
    CHECK(zk_client_start(zk, 15000));
    return zk;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_RECONFIG_HOSTS");
    zk_client *reader, *admin, *plain, *follower;
    size_t members;
    zk_ensemble_config *config, *removed, *back, *now;
    uint64_t home, victim;
    int64_t version;
    char home_address[300], mode[64];
    char *victim_spec;
    const char *joining[1];
    zk_error rc;
    int attempt;

    if (hosts == NULL || hosts[0] == '\0') {
        fprintf(stderr, "reconfig: give the hosts of a reconfig-enabled ensemble as the argument "
                        "or in ZK_RECONFIG_HOSTS (scripts/zk-server.sh start DIR --servers 3 "
                        "--reconfig)\n");
        return 1;
    }

    /* 1. Read the configuration; pick the admin's server and the member to remove. */
    reader = connect_to(hosts, false);
    config = two_followers(reader, &home, &victim);
    print_members("before", config);
    version = zk_ensemble_config_version(config);
    members = zk_ensemble_config_member_count(config);
    follower = following(hosts);
    wait_for_host_count(follower, members);
    client_address(zk_ensemble_config_member_by_id(config, home), home_address,
                   sizeof home_address);
    /* The spec, to add the member back later: copy it, the configuration will be freed. */
    victim_spec = strdup(zk_ensemble_member_spec(zk_ensemble_config_member_by_id(config, victim)));
    EXPECT(victim_spec != NULL);
    printf("removing server %" PRIu64 " (%s) through server %" PRIu64 "\n", victim, victim_spec,
           home);
    zk_ensemble_config_free(config);
    CHECK(zk_client_stop(reader));
    zk_client_free(reader);

    /* 2. Refusals leave the configuration unchanged. */
    plain = connect_to(home_address, false);
    rc = zk_reconfig_incremental(plain, NULL, 0, &victim, 1, version, NULL);
    printf("without the superuser: %s\n", zk_error_str(rc));
    EXPECT(rc == ZK_ENOAUTH);
    CHECK(zk_client_stop(plain));
    zk_client_free(plain);

    admin = connect_to(home_address, true);
    rc = zk_reconfig_incremental(admin, NULL, 0, &victim, 1, version + 1, NULL);
    printf("from a version that is not the current one: %s (%s)\n", zk_error_str(rc),
           zk_last_error_message());
    EXPECT(rc == ZK_EBADVERSION);

    /* 3. Remove it, from the version read. */
    CHECK(zk_reconfig_incremental(admin, NULL, 0, &victim, 1, version, &removed));
    print_members("after removing", removed);
    EXPECT(zk_ensemble_config_member_by_id(removed, victim) == NULL);
    EXPECT(zk_ensemble_config_version(removed) > version);
    wait_for_host_count(follower, members - 1);

    /* 4. Add it back, from the new version (the old one is refused now). */
    joining[0] = victim_spec;
    rc = zk_reconfig_incremental(admin, joining, 1, NULL, 0, version, NULL);
    printf("adding back from the old version: %s\n", zk_error_str(rc));
    EXPECT(rc == ZK_EBADVERSION);
    CHECK(zk_reconfig_incremental(admin, joining, 1, NULL, 0, zk_ensemble_config_version(removed),
                                  &back));
    print_members("after adding back", back);
    EXPECT(zk_ensemble_config_member_by_id(back, victim) != NULL);
    EXPECT(strcmp(zk_ensemble_member_spec(zk_ensemble_config_member_by_id(back, victim)),
                  victim_spec) == 0);
    wait_for_host_count(follower, members);

    /* 5. Leave the ensemble as it was found: wait until the member serves again. */
    for (attempt = 0; attempt < 120; attempt++) {
        server_mode(zk_ensemble_config_member_by_id(back, victim), mode, sizeof mode);
        if (strcmp(mode, "follower") == 0) {
            break;
        }
        pause_ms(500);
    }
    printf("server %" PRIu64 " serves again: %s\n", victim, mode);
    EXPECT(strcmp(mode, "follower") == 0);
    CHECK(zk_sync(admin, "/"));
    CHECK(zk_get_config(admin, &now));
    EXPECT(zk_ensemble_config_version(now) == zk_ensemble_config_version(back));
    zk_ensemble_config_free(now);

    zk_ensemble_config_free(removed);
    zk_ensemble_config_free(back);
    free(victim_spec);
    CHECK(zk_client_stop(admin));
    zk_client_free(admin);
    CHECK(zk_client_stop(follower));
    zk_client_free(follower);
    printf("reconfig: all steps passed\n");
    return 0;
}
