/*
 * zkclient TLS: connecting to a server's secureClientPort, with mutual TLS.
 *
 * client1 connects with a CA file and its certificate and key files, does the quick-start
 * steps, and makes a node only CN=client1 may use (an x509 ACL). client2 presents its
 * certificate from memory (zk_tls_options_set_client_cert_pem) and is refused that node.
 * Then the failures a user meets, each with its code and message: no client certificate
 * for a server that needs one, the wrong CA, a server name the certificate lacks, TLS to a
 * plain port, and a CA file that cannot be read.
 *
 * Usage: tls HOSTS DIR
 *   HOSTS  the server's plain connect string (only used to show ZK_ENOTTLS)
 *   DIR    the server's directory from `scripts/zk-server.sh start DIR --tls need`:
 *          DIR/secure-hosts is the TLS connect string, DIR/tls/ holds the certificates.
 * ctest runs it through run_with_own_server.sh, which starts that server.
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

/* Reads a whole file into memory (NUL-terminated; *len excludes the NUL), or exits. */
static char *read_file(const char *path, size_t *len) {
    FILE *file = fopen(path, "rb");
    char *text;
    long size;
    EXPECT(file != NULL);
    EXPECT(fseek(file, 0, SEEK_END) == 0);
    size = ftell(file);
    EXPECT(size > 0);
    rewind(file);
    text = (char *)malloc((size_t)size + 1);
    EXPECT(text != NULL);
    EXPECT(fread(text, 1, (size_t)size, file) == (size_t)size);
    fclose(file);
    text[size] = '\0';
    *len = (size_t)size;
    return text;
}

/* Wipes and frees a buffer that held a private key (the library wipes its own copy). */
static void wipe_and_free(char *secret, size_t len) {
    volatile char *p = secret;
    size_t i;
    for (i = 0; i < len; i++) {
        p[i] = 0;
    }
    free(secret);
}

/* The states a client's listener saw: written on a dispatcher thread, read by main. */
struct seen {
    pthread_mutex_t mutex;
    int lost;
    zk_keeper_state last_keeper_state;
};

static void record_state(zk_state state, zk_keeper_state keeper_state, void *user_data) {
    struct seen *seen = (struct seen *)user_data;
    pthread_mutex_lock(&seen->mutex);
    if (state == ZK_STATE_LOST) {
        seen->lost++;
    }
    seen->last_keeper_state = keeper_state;
    pthread_mutex_unlock(&seen->mutex);
}

/* A client for `hosts` speaking TLS as `tls` says (NULL: no listener). Options and TLS options
 * are copied by the calls that take them, so both are freed here. */
static zk_client *tls_client(const char *hosts, zk_tls_options *tls, struct seen *seen) {
    zk_options *options = zk_options_new();
    zk_client *zk = NULL;
    EXPECT(options != NULL);
    CHECK(zk_options_set_session_timeout(options, 10000));
    CHECK(zk_options_set_tls(options, tls)); /* copies tls, reads and checks its files */
    zk_tls_options_free(tls);
    CHECK(zk_client_new(hosts, options, &zk));
    zk_options_free(options);
    if (seen != NULL) {
        CHECK(zk_client_add_listener(zk, record_state, seen, NULL, NULL));
    }
    return zk;
}

/* Starts a client that must fail on TLS with `expected`: promptly (the session ends when every
 * server failed on TLS; it does not retry until the 15 s timeout), with AUTH_FAILED / LOST. */
static void expect_tls_failure(const char *what, const char *hosts, zk_tls_options *tls,
                               zk_error expected) {
    struct seen seen;
    zk_client *zk;
    double started, elapsed;
    zk_error rc;

    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.mutex, NULL);
    zk = tls_client(hosts, tls, &seen);
    started = now_seconds();
    rc = zk_client_start(zk, 15000);
    elapsed = now_seconds() - started;
    printf("%s: zk_client_start: %s (%s) after %.1f s\n", what, zk_error_str(rc),
           zk_last_error_message(), elapsed);
    EXPECT(rc == expected);
    EXPECT(elapsed < 10.0);
    /* The session is over already; stop returns once the listener has seen LOST. */
    rc = zk_client_stop(zk);
    EXPECT(rc == ZK_OK || rc == ZK_ECLOSED);
    zk_client_free(zk);
    pthread_mutex_lock(&seen.mutex);
    EXPECT(seen.lost >= 1 && seen.last_keeper_state == ZK_KEEPER_AUTH_FAILED);
    pthread_mutex_unlock(&seen.mutex);
    pthread_mutex_destroy(&seen.mutex);
}

int main(int argc, char **argv) {
    char path[1024], ca[1024], other_ca[1024], cert1[1024], key1[1024], cert2[1024], key2[1024];
    char *secure_hosts, *cert_pem, *key_pem;
    size_t secure_len, cert_len, key_len;
    const char *hosts, *dir;
    zk_tls_options *tls;
    zk_options *options;
    zk_client *client1, *client2;
    zk_stat stat;
    zk_buffer data;
    zk_string_list children;
    zk_acl_list acl;
    bool exists;
    zk_error rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s HOSTS DIR (a server of `zk-server.sh start DIR --tls need`)\n",
                argv[0]);
        return 2;
    }
    hosts = argv[1];
    dir = argv[2];
    snprintf(path, sizeof path, "%s/secure-hosts", dir);
    secure_hosts = read_file(path, &secure_len);
    while (secure_len > 0 && secure_hosts[secure_len - 1] == '\n') {
        secure_hosts[--secure_len] = '\0';
    }
    snprintf(ca, sizeof ca, "%s/tls/ca.pem", dir);
    snprintf(other_ca, sizeof other_ca, "%s/tls/other-ca.pem", dir);
    snprintf(cert1, sizeof cert1, "%s/tls/client1.pem", dir);
    snprintf(key1, sizeof key1, "%s/tls/client1.key", dir);
    snprintf(cert2, sizeof cert2, "%s/tls/client2.pem", dir);
    snprintf(key2, sizeof key2, "%s/tls/client2.key", dir);

    /* 1. Mutual TLS from files: trust the servers' CA, present client1's certificate. The
     *    hosts are IP addresses, checked against the certificate's IP:127.0.0.1 entry. */
    tls = zk_tls_options_new();
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, ca));
    CHECK(zk_tls_options_set_client_cert_file(tls, cert1, key1));
    client1 = tls_client(secure_hosts, tls, NULL);
    CHECK(zk_client_start(client1, 15000));
    printf("client1: connected over TLS to %s\n", secure_hosts);

    /* 2. The quick-start steps, unchanged over TLS. */
    CHECK(zk_ensure_path(client1, "/tls-demo/favorite"));
    CHECK(zk_create(client1, "/tls-demo/favorite/node", bytes("a value"), 7, NULL, NULL, &stat));
    CHECK(zk_get(client1, "/tls-demo/favorite/node", &data, &stat));
    printf("client1: get /tls-demo/favorite/node: \"%.*s\" (version %d)\n", (int)data.len,
           (const char *)data.data, stat.version);
    EXPECT(data.len == 7 && memcmp(data.data, "a value", 7) == 0);
    zk_buffer_free(&data);
    CHECK(zk_set(client1, "/tls-demo/favorite/node", bytes("some data"), 9, stat.version, &stat));
    EXPECT(stat.version == 1);
    CHECK(zk_get_children(client1, "/tls-demo/favorite", &children, NULL));
    EXPECT(children.count == 1 && strcmp(children.items[0], "node") == 0);
    zk_string_list_free(&children);
    CHECK(zk_delete(client1, "/tls-demo/favorite", -1, true));
    CHECK(zk_exists(client1, "/tls-demo/favorite", &exists, NULL));
    EXPECT(!exists);
    printf("client1: quick-start steps passed over TLS (set to version %d, deleted)\n",
           stat.version);

    /* 3. An x509 ACL: only the certificate whose subject is CN=client1 may use the node. */
    {
        zk_acl only_client1 = {ZK_PERM_ALL, "x509", "CN=client1"};
        zk_create_options create;
        CHECK(zk_create_options_init(&create, ZK_CREATE_OPTIONS_VERSION));
        create.acl = &only_client1;
        create.acl_count = 1;
        CHECK(zk_create(client1, "/tls-demo/client1-only", bytes("for client1"), 11, &create,
                        NULL, NULL));
    }
    CHECK(zk_get_acl(client1, "/tls-demo/client1-only", &acl, NULL));
    EXPECT(acl.count == 1 && strcmp(acl.items[0].scheme, "x509") == 0 &&
           strcmp(acl.items[0].id, "CN=client1") == 0 && acl.items[0].perms == ZK_PERM_ALL);
    printf("client1: ACL of /tls-demo/client1-only: %s:%s (perms %d)\n", acl.items[0].scheme,
           acl.items[0].id, acl.items[0].perms);
    zk_acl_list_free(&acl);
    CHECK(zk_get(client1, "/tls-demo/client1-only", &data, NULL));
    printf("client1: read /tls-demo/client1-only: \"%.*s\"\n", (int)data.len,
           (const char *)data.data);
    EXPECT(data.len == 11 && memcmp(data.data, "for client1", 11) == 0);
    zk_buffer_free(&data);

    /* 4. client2's certificate (an EC key) from memory: the library copies both buffers and
     *    wipes its copy of the key when the options are freed; the caller wipes its own. The
     *    server name checked is set explicitly ("localhost", the certificate's DNS name), as
     *    for hosts given by IP addresses whose certificates name only DNS names. */
    cert_pem = read_file(cert2, &cert_len);
    key_pem = read_file(key2, &key_len);
    tls = zk_tls_options_new();
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, ca));
    CHECK(zk_tls_options_set_client_cert_pem(tls, bytes(cert_pem), cert_len, bytes(key_pem),
                                             key_len));
    CHECK(zk_tls_options_set_server_name(tls, "localhost"));
    wipe_and_free(key_pem, key_len);
    free(cert_pem);
    client2 = tls_client(secure_hosts, tls, NULL);
    CHECK(zk_client_start(client2, 15000));
    rc = zk_get(client2, "/tls-demo/client1-only", &data, NULL);
    printf("client2 (certificate from memory): get /tls-demo/client1-only: %s (%s)\n",
           zk_error_str(rc), zk_last_error_message());
    EXPECT(rc == ZK_ENOAUTH);
    CHECK(zk_exists(client2, "/tls-demo/client1-only", &exists, NULL)); /* needs no permission */
    EXPECT(exists);
    CHECK(zk_client_stop(client2));
    zk_client_free(client2);

    CHECK(zk_delete(client1, "/tls-demo", -1, true));
    CHECK(zk_client_stop(client1));
    zk_client_free(client1);

    /* 5. The failures a user meets. Each ends the session at once (every server failed on
     *    TLS before it ever connected): zk_client_start returns the TLS code. */
    tls = zk_tls_options_new(); /* the right CA, but no client certificate */
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, ca));
    expect_tls_failure("no client certificate", secure_hosts, tls, ZK_ETLSCLIENTCERT);

    tls = zk_tls_options_new(); /* client1's certificate, but trusting another CA */
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, other_ca));
    CHECK(zk_tls_options_set_client_cert_file(tls, cert1, key1));
    expect_tls_failure("wrong CA", secure_hosts, tls, ZK_ETLSUNKNOWNCA);

    tls = zk_tls_options_new(); /* a name the server's certificate does not have */
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, ca));
    CHECK(zk_tls_options_set_client_cert_file(tls, cert1, key1));
    CHECK(zk_tls_options_set_server_name(tls, "zk.example.com"));
    expect_tls_failure("server name zk.example.com", secure_hosts, tls, ZK_ETLSHOSTNAME);

    tls = zk_tls_options_new(); /* TLS to the plain clientPort */
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, ca));
    CHECK(zk_tls_options_set_client_cert_file(tls, cert1, key1));
    expect_tls_failure("TLS to the plain port", hosts, tls, ZK_ENOTTLS);

    /* A file that cannot be read is refused by zk_options_set_tls (which reads the files),
     * not later by a connection; the options are left unchanged. */
    tls = zk_tls_options_new();
    EXPECT(tls != NULL);
    CHECK(zk_tls_options_set_ca_file(tls, "/nonexistent/ca.pem")); /* only copied here */
    options = zk_options_new();
    EXPECT(options != NULL);
    rc = zk_options_set_tls(options, tls);
    printf("bad CA file: zk_options_set_tls: %s (%s)\n", zk_error_str(rc),
           zk_last_error_message());
    EXPECT(rc == ZK_EINVAL);
    EXPECT(strstr(zk_last_error_message(), "/nonexistent/ca.pem") != NULL);
    zk_options_free(options);
    zk_tls_options_free(tls);

    free(secure_hosts);
    printf("tls: all steps passed\n");
    return 0;
}
