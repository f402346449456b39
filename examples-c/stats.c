/*
 * zkclient metrics: a snapshot of a client's counters after some operations.
 *
 * Usage: stats [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * zk_client_stats() fills a versioned struct: set `version` to ZK_STATS_VERSION, and the
 * library fills exactly the fields of that version (a program built with this header keeps
 * working with a newer library). It takes no lock and allocates nothing: call it as often as
 * you like, from any thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
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

enum { BLOCKING_GETS = 100, ASYNC_GETS = 1000 };

/* What the completions and the watcher share with the main thread. */
typedef struct shared {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int completed;
    int watch_fired;
} shared;

static void got(zk_error rc, const uint8_t *data, size_t len, const zk_stat *stat,
                void *user_data) {
    shared *s = (shared *)user_data;
    (void)data;
    (void)len;
    (void)stat;
    if (rc != ZK_OK) {
        fprintf(stderr, "get failed: %s\n", zk_error_str(rc));
        exit(1);
    }
    pthread_mutex_lock(&s->lock);
    s->completed++;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void watcher(const zk_watch_event *event, void *user_data) {
    shared *s = (shared *)user_data;
    (void)event;
    pthread_mutex_lock(&s->lock);
    s->watch_fired = 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static zk_stats snapshot(zk_client *zk) {
    zk_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.version = ZK_STATS_VERSION;
    CHECK(zk_client_stats(zk, &stats));
    return stats;
}

static void print_stats(const char *title, const zk_stats *s) {
    printf("%s:\n", title);
    printf("  requests: sent %" PRIu64 ", received %" PRIu64 ", failed %" PRIu64
           ", in flight %" PRIu64 "\n",
           s->requests_sent, s->replies_received, s->requests_failed, s->requests_in_flight);
    printf("  watch events: %" PRIu64 "\n", s->watch_events);
    printf("  connections: attempts %" PRIu64 ", made %" PRIu64 ", reconnects %" PRIu64
           ", expirations %" PRIu64 "\n",
           s->connection_attempts, s->connections, s->reconnects, s->expirations);
    printf("  bytes: in %" PRIu64 ", out %" PRIu64 "\n", s->bytes_in, s->bytes_out);
    printf("  latency: p50 %" PRIu64 " us, p99 %" PRIu64 " us, max %" PRIu64 " us\n",
           s->latency_p50_us, s->latency_p99_us, s->latency_max_us);
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *zk;
    zk_stats before, after, bad;
    zk_buffer data;
    bool exists;
    shared s;
    int i;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-stats-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    CHECK(zk_client_new(connect_string, NULL, &zk));

    /* Before the start: all zero. */
    before = snapshot(zk);
    EXPECT(before.requests_sent == 0 && before.connections == 0);

    CHECK(zk_client_start(zk, 15000));
    CHECK(zk_ensure_path(zk, "/node"));
    CHECK(zk_set(zk, "/node", (const uint8_t *)"some data", 9, -1, NULL));

    /* Blocking gets, then pipelined ones: each one request, one reply. */
    before = snapshot(zk);
    for (i = 0; i < BLOCKING_GETS; i++) {
        CHECK(zk_get(zk, "/node", &data, NULL));
        zk_buffer_free(&data);
    }
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.changed, NULL);
    for (i = 0; i < ASYNC_GETS; i++) {
        CHECK(zk_get_async(zk, "/node", got, &s));
    }
    pthread_mutex_lock(&s.lock);
    while (s.completed < ASYNC_GETS) {
        pthread_cond_wait(&s.changed, &s.lock);
    }
    pthread_mutex_unlock(&s.lock);
    after = snapshot(zk);
    printf("%d gets: sent +%" PRIu64 ", received +%" PRIu64 ", failed %" PRIu64
           ", in flight %" PRIu64 "\n",
           BLOCKING_GETS + ASYNC_GETS, after.requests_sent - before.requests_sent,
           after.replies_received - before.replies_received, after.requests_failed,
           after.requests_in_flight);
    printf("bytes grew: %s\n",
           after.bytes_in > before.bytes_in && after.bytes_out > before.bytes_out ? "yes"
                                                                                   : "no");
    printf("latency ordered (p50 <= p99 <= max, max > 0): %s\n",
           after.latency_max_us > 0 && after.latency_p50_us <= after.latency_p99_us &&
                   after.latency_p99_us <= after.latency_max_us
               ? "yes"
               : "no");

    /* A watch: one notification from the server. */
    CHECK(zk_exists_watch(zk, "/watched", watcher, &s, NULL, &exists, NULL, NULL));
    EXPECT(!exists);
    CHECK(zk_create(zk, "/watched", NULL, 0, NULL, NULL, NULL));
    pthread_mutex_lock(&s.lock);
    while (!s.watch_fired) {
        pthread_cond_wait(&s.changed, &s.lock);
    }
    pthread_mutex_unlock(&s.lock);
    after = snapshot(zk);
    printf("watch events counted: %" PRIu64 "\n", after.watch_events);
    printf("connections made %" PRIu64 ", reconnects %" PRIu64 ", expirations %" PRIu64 "\n",
           after.connections, after.reconnects, after.expirations);
    print_stats("snapshot", &after);

    /* The version is checked: 0 (not set) and a version from a newer header are refused,
     * and nothing is written. */
    memset(&bad, 0, sizeof bad);
    bad.version = 0;
    printf("version 0: %s\n", zk_error_str(zk_client_stats(zk, &bad)));
    bad.version = ZK_STATS_VERSION + 1;
    printf("version %u: %s\n", (unsigned)bad.version, zk_error_str(zk_client_stats(zk, &bad)));
    EXPECT(bad.requests_sent == 0);
    printf("NULL output: %s\n", zk_error_str(zk_client_stats(zk, NULL)));

    /* A stopped client still answers; its closeSession was a request too. */
    CHECK(zk_client_stop(zk));
    before = after;
    after = snapshot(zk);
    printf("stopped: sent +%" PRIu64 ", in flight %" PRIu64 "\n",
           after.requests_sent - before.requests_sent, after.requests_in_flight);
    zk_client_free(zk);
    pthread_cond_destroy(&s.changed);
    pthread_mutex_destroy(&s.lock);
    printf("stats: all steps passed\n");
    return 0;
}
