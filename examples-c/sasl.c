/*
 * zkclient SASL: DIGEST-MD5 authentication, sasl ACLs, and what refusals look like.
 *
 * bob authenticates with SASL DIGEST-MD5 (on the plain clientPort: SASL works with or without
 * TLS) and makes a node only sasl:bob may use; alice, authenticated too, is refused it. A wrong
 * password ends the session at once: zk_client_start returns ZK_EAUTHFAILED and the listener
 * hears AUTH_FAILED (LOST); the client never retries in a loop. A server with
 * sessionRequireClientSASLAuth closes the session of a client without SASL. Kerberos
 * (GSSAPI) needs the library built with the `gssapi` cargo feature: without it
 * zk_options_set_sasl refuses GSSAPI settings with ZK_EUNIMPLEMENTED.
 *
 * Usage: sasl HOSTS DIR REQUIRE_HOSTS REQUIRE_DIR
 *   HOSTS, DIR                  a server of `zk-server.sh start DIR --sasl-digest`
 *   REQUIRE_HOSTS, REQUIRE_DIR  one of `zk-server.sh start DIR --sasl-digest --require-sasl`
 * (the directories are not used). The servers' JAAS files have the users bob (password
 * bobsecret) and alice (alicesecret). ctest runs it through run_with_own_server.sh, which
 * starts both servers.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime() */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The states a client's listener saw: written on a dispatcher thread, read by main. */
struct seen {
    pthread_mutex_t mutex;
    int connected;
    int lost;
    zk_keeper_state last_keeper_state;
};

static void record_state(zk_state state, zk_keeper_state keeper_state, void *user_data) {
    struct seen *seen = (struct seen *)user_data;
    pthread_mutex_lock(&seen->mutex);
    if (state == ZK_STATE_CONNECTED) {
        seen->connected++;
    } else if (state == ZK_STATE_LOST) {
        seen->lost++;
    }
    seen->last_keeper_state = keeper_state;
    pthread_mutex_unlock(&seen->mutex);
}

static const char *keeper_state_name(zk_keeper_state state) {
    switch (state) {
    case ZK_KEEPER_AUTH_FAILED: return "AUTH_FAILED";
    case ZK_KEEPER_EXPIRED: return "EXPIRED";
    case ZK_KEEPER_CLOSED: return "CLOSED";
    case ZK_KEEPER_DISCONNECTED: return "DISCONNECTED";
    case ZK_KEEPER_SYNC_CONNECTED: return "SYNC_CONNECTED";
    default: return "another";
    }
}

static void seen_init(struct seen *seen) {
    memset(seen, 0, sizeof *seen);
    pthread_mutex_init(&seen->mutex, NULL);
}

/* A client for `hosts` authenticating as `username` (NULL: no SASL), with a listener if
 * `seen` is not NULL. Not started. */
static zk_client *sasl_client(const char *hosts, const char *username, const char *password,
                              struct seen *seen) {
    zk_options *options = zk_options_new();
    zk_client *zk = NULL;
    EXPECT(options != NULL);
    CHECK(zk_options_set_session_timeout(options, 10000));
    if (username != NULL) {
        /* The password is bytes (pointer, length); both are copied, the password's copy is
         * wiped when freed and never appears in a message. */
        zk_sasl_options *sasl =
            zk_sasl_options_new_digest(username, bytes(password), strlen(password));
        if (sasl == NULL) {
            fprintf(stderr, "zk_sasl_options_new_digest: %s\n", zk_last_error_message());
            exit(1);
        }
        CHECK(zk_options_set_sasl(options, sasl)); /* copied */
        zk_sasl_options_free(sasl);
    }
    CHECK(zk_client_new(hosts, options, &zk));
    zk_options_free(options);
    if (seen != NULL) {
        CHECK(zk_client_add_listener(zk, record_state, seen, NULL, NULL));
    }
    return zk;
}

int main(int argc, char **argv) {
    const char *hosts, *require_hosts;
    zk_client *bob, *alice, *wrong, *plain, *bob_required;
    struct seen wrong_seen, plain_seen;
    zk_options *options;
    zk_sasl_options *gssapi;
    zk_acl_list acl;
    zk_buffer data;
    bool exists;
    double started, elapsed;
    zk_error rc;

    if (argc != 5) {
        fprintf(stderr, "usage: %s HOSTS DIR REQUIRE_HOSTS REQUIRE_DIR\n", argv[0]);
        return 2;
    }
    hosts = argv[1];
    require_hosts = argv[3];

    /* 1. bob: SASL runs on every new connection right after the handshake, before CONNECTED,
     *    so the first request already carries bob's identity. */
    bob = sasl_client(hosts, "bob", "bobsecret", NULL);
    CHECK(zk_client_start(bob, 15000));
    printf("bob: connected to %s, SASL DIGEST-MD5 accepted\n", hosts);

    /* 2. A node only bob may use: the sasl id is the user name. */
    {
        zk_acl only_bob = {ZK_PERM_ALL, "sasl", "bob"};
        zk_create_options create;
        CHECK(zk_create_options_init(&create, ZK_CREATE_OPTIONS_VERSION));
        create.acl = &only_bob;
        create.acl_count = 1;
        CHECK(zk_create(bob, "/bob-only", bytes("bob's data"), 10, &create, NULL, NULL));
    }
    CHECK(zk_get_acl(bob, "/bob-only", &acl, NULL));
    EXPECT(acl.count == 1 && strcmp(acl.items[0].scheme, "sasl") == 0 &&
           strcmp(acl.items[0].id, "bob") == 0);
    printf("bob: ACL of /bob-only: %s:%s (perms %d)\n", acl.items[0].scheme, acl.items[0].id,
           acl.items[0].perms);
    zk_acl_list_free(&acl);
    CHECK(zk_get(bob, "/bob-only", &data, NULL));
    printf("bob: read /bob-only: \"%.*s\"\n", (int)data.len, (const char *)data.data);
    EXPECT(data.len == 10 && memcmp(data.data, "bob's data", 10) == 0);
    zk_buffer_free(&data);

    /* 3. alice is authenticated too, but as somebody else. */
    alice = sasl_client(hosts, "alice", "alicesecret", NULL);
    CHECK(zk_client_start(alice, 15000));
    rc = zk_get(alice, "/bob-only", &data, NULL);
    printf("alice: get /bob-only: %s (%s)\n", zk_error_str(rc), zk_last_error_message());
    EXPECT(rc == ZK_ENOAUTH);
    CHECK(zk_exists(alice, "/bob-only", &exists, NULL)); /* needs no permission */
    EXPECT(exists);
    CHECK(zk_client_stop(alice));
    zk_client_free(alice);

    /* 4. A wrong password: the server refuses it, the session ends at once (no retry loop),
     *    the listener hears AUTH_FAILED / LOST, and later calls fail too. */
    seen_init(&wrong_seen);
    wrong = sasl_client(hosts, "bob", "not-bobs-password", &wrong_seen);
    started = now_seconds();
    rc = zk_client_start(wrong, 15000);
    elapsed = now_seconds() - started;
    printf("wrong password: zk_client_start: %s (%s) after %.1f s\n", zk_error_str(rc),
           zk_last_error_message(), elapsed);
    EXPECT(rc == ZK_EAUTHFAILED);
    EXPECT(elapsed < 5.0);
    EXPECT(strstr(zk_last_error_message(), "not-bobs-password") == NULL);
    rc = zk_exists(wrong, "/bob-only", &exists, NULL);
    printf("wrong password: a later zk_exists: %s\n", zk_error_str(rc));
    EXPECT(rc != ZK_OK);
    rc = zk_client_stop(wrong); /* the session is over already; returns once LOST was heard */
    EXPECT(rc == ZK_OK || rc == ZK_ECLOSED);
    pthread_mutex_lock(&wrong_seen.mutex);
    printf("wrong password: listener saw %d CONNECTED, %d LOST, last keeper state %s\n",
           wrong_seen.connected, wrong_seen.lost, keeper_state_name(wrong_seen.last_keeper_state));
    EXPECT(wrong_seen.connected == 0 && wrong_seen.lost >= 1 &&
           wrong_seen.last_keeper_state == ZK_KEEPER_AUTH_FAILED);
    pthread_mutex_unlock(&wrong_seen.mutex);
    zk_client_free(wrong);
    pthread_mutex_destroy(&wrong_seen.mutex);

    CHECK(zk_delete(bob, "/bob-only", -1, false));
    CHECK(zk_client_stop(bob));
    zk_client_free(bob);

    /* 5. A server with sessionRequireClientSASLAuth=true: bob (SASL) works, a client without
     *    SASL is closed by the server at its first request, the ping the client sends right
     *    after the handshake. So zk_client_start itself fails, and the session ends. */
    bob_required = sasl_client(require_hosts, "bob", "bobsecret", NULL);
    CHECK(zk_client_start(bob_required, 15000));
    CHECK(zk_exists(bob_required, "/", &exists, NULL));
    printf("require-sasl server: bob connected and read /\n");
    CHECK(zk_client_stop(bob_required));
    zk_client_free(bob_required);

    seen_init(&plain_seen);
    plain = sasl_client(require_hosts, NULL, NULL, &plain_seen);
    started = now_seconds();
    rc = zk_client_start(plain, 15000);
    elapsed = now_seconds() - started;
    printf("require-sasl server, no SASL: zk_client_start: %s (%s) after %.1f s\n",
           zk_error_str(rc), zk_last_error_message(), elapsed);
    EXPECT(rc == ZK_ESESSIONCLOSEDREQUIRESASLAUTH);
    EXPECT(elapsed < 5.0);
    rc = zk_exists(plain, "/", &exists, NULL);
    printf("require-sasl server, no SASL: a later zk_exists: %s\n", zk_error_str(rc));
    EXPECT(rc != ZK_OK);
    rc = zk_client_stop(plain);
    EXPECT(rc == ZK_OK || rc == ZK_ECLOSED);
    pthread_mutex_lock(&plain_seen.mutex);
    printf("require-sasl server, no SASL: listener saw %d CONNECTED, %d LOST, last keeper state %s\n",
           plain_seen.connected, plain_seen.lost, keeper_state_name(plain_seen.last_keeper_state));
    EXPECT(plain_seen.connected == 0 && plain_seen.lost >= 1);
    pthread_mutex_unlock(&plain_seen.mutex);
    zk_client_free(plain);
    pthread_mutex_destroy(&plain_seen.mutex);

    /* 6. Kerberos settings: refused at once without the `gssapi` cargo feature. */
    gssapi = zk_sasl_options_new_gssapi();
    EXPECT(gssapi != NULL);
    CHECK(zk_sasl_options_set_service(gssapi, "zookeeper"));
    CHECK(zk_sasl_options_set_principal(gssapi, "client@ZK.TEST"));
    options = zk_options_new();
    EXPECT(options != NULL);
    rc = zk_options_set_sasl(options, gssapi);
    if (rc == ZK_EUNIMPLEMENTED) {
        printf("GSSAPI: ZK_EUNIMPLEMENTED (%s)\n", zk_last_error_message());
    } else {
        CHECK(rc);
        printf("GSSAPI: available (the library was built with the gssapi feature)\n");
    }
    zk_options_free(options);
    zk_sasl_options_free(gssapi);

    printf("sasl: all steps passed\n");
    return 0;
}
