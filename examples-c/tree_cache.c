/*
 * zkclient TreeCache: a local mirror of a subtree (kazoo's TreeCache) in C.
 *
 * A service keeps its configuration under /config; this program mirrors it with
 * zk_tree_cache_new() and reads it locally (no server round trip), while "the writer" (another
 * session) changes it. The cache's listener is told, in the order of the changes on the
 * server, about every node added, updated and removed.
 *
 * Usage: tree_cache [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * The listener runs on a zkclient dispatcher thread. It records what it sees in a log guarded
 * by a mutex; the main thread waits on a condition variable for each entry it expects, never
 * longer than 30 seconds.
 */
#define _POSIX_C_SOURCE 200809L /* getpid(), pthread_condattr_setclock() */
#include <pthread.h>
#include <stdarg.h>
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

#define CHECK_PTHREAD(call)                                                                 \
    do {                                                                                    \
        int check_err_ = (call);                                                            \
        if (check_err_ != 0) {                                                              \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,            \
                    strerror(check_err_));                                                  \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

/* Data for printing with "%.*s": empty data comes as NULL, which printf must not get. */
static const char *text(const uint8_t *data) { return data != NULL ? (const char *)data : ""; }

/* ---------------------------------------------------------------------------------------
 * The log the listener writes and the main thread checks.
 * --------------------------------------------------------------------------------------- */

#define MAX_EVENTS 32
#define EVENT_LEN 96
#define WAIT_SECONDS 30

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    char events[MAX_EVENTS][EVENT_LEN];
    int count;   /* entries recorded by the listener */
    int checked; /* entries the main thread has checked */
    int freed;   /* user-data destructor calls */
} seen;

static void seen_init(void) {
    pthread_condattr_t attr;
    CHECK_PTHREAD(pthread_mutex_init(&seen.lock, NULL));
    CHECK_PTHREAD(pthread_condattr_init(&attr));
    CHECK_PTHREAD(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    CHECK_PTHREAD(pthread_cond_init(&seen.changed, &attr));
    CHECK_PTHREAD(pthread_condattr_destroy(&attr));
}

static void record(const char *format, ...) {
    va_list args;
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    EXPECT(seen.count < MAX_EVENTS);
    va_start(args, format);
    vsnprintf(seen.events[seen.count], EVENT_LEN, format, args);
    va_end(args);
    printf("  [listener] %s\n", seen.events[seen.count]);
    fflush(stdout);
    seen.count++;
    CHECK_PTHREAD(pthread_cond_broadcast(&seen.changed));
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

/* The main thread: waits for the next entry and checks that it is `expected`. */
static void expect_event(const char *expected) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += WAIT_SECONDS;
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    while (seen.count == seen.checked) {
        int err = pthread_cond_timedwait(&seen.changed, &seen.lock, &deadline);
        if (err != 0 && seen.count == seen.checked) {
            fprintf(stderr, "no \"%s\" within %d s (%s)\n", expected, WAIT_SECONDS,
                    strerror(err));
            exit(1);
        }
    }
    if (strcmp(seen.events[seen.checked], expected) != 0) {
        fprintf(stderr, "expected \"%s\", got \"%s\"\n", expected, seen.events[seen.checked]);
        exit(1);
    }
    seen.checked++;
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

/* ---------------------------------------------------------------------------------------
 * The listener: `event` and everything it points to are borrowed for the call.
 * --------------------------------------------------------------------------------------- */

static void on_tree_event(const zk_tree_event *event, void *user_data) {
    (void)user_data;
    switch (event->event_type) {
    case ZK_TREE_NODE_ADDED:
        record("added %s = \"%.*s\"", event->path, (int)event->data_len, text(event->data));
        break;
    case ZK_TREE_NODE_UPDATED:
        record("updated %s = \"%.*s\" (version %d)", event->path, (int)event->data_len,
               text(event->data), event->stat->version);
        break;
    case ZK_TREE_NODE_REMOVED:
        record("removed %s", event->path);
        break;
    case ZK_TREE_INITIALIZED:
        record("initialized");
        break;
    case ZK_TREE_NODE_FAILED:
        record("cannot read %s: %s", event->path, zk_error_str(event->error));
        break;
    default: /* connection events: none expected here */
        record("connection event %d", (int)event->event_type);
        break;
    }
}

static void count_free(void *user_data) {
    (void)user_data;
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    seen.freed++;
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

static zk_client *connect_client(const char *connect_string) {
    zk_client *client;
    CHECK(zk_client_new(connect_string, NULL, &client));
    CHECK(zk_client_start(client, 15000));
    return client;
}

/* Prints the cached data of `path`, read locally. */
static void show(zk_tree_cache *cache, const char *path) {
    zk_buffer data;
    zk_stat stat;
    CHECK(zk_tree_cache_get_data(cache, path, &data, &stat));
    printf("cache: %s = \"%.*s\" (version %d, %d children)\n", path, (int)data.len,
           text(data.data), stat.version, stat.num_children);
    zk_buffer_free(&data);
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *zk;     /* holds the cache */
    zk_client *writer; /* another session: changes the configuration */
    zk_tree_cache *cache;
    zk_string_list children;
    zk_error rc;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-tree-cache-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    seen_init();
    zk = connect_client(connect_string);
    writer = connect_client(connect_string);
    CHECK(zk_ensure_path(writer, "/"));
    CHECK(zk_create(writer, "/config", bytes("v1"), 2, NULL, NULL, NULL));
    CHECK(zk_create(writer, "/config/cache", bytes("redis://10.0.0.7"), 16, NULL, NULL, NULL));
    CHECK(zk_create(writer, "/config/db", bytes("postgres://10.0.0.5"), 19, NULL, NULL, NULL));
    printf("writer made /config with two children under %s\n", connect_string);

    /* 1. Start the cache (every level: max_depth -1); add listeners before starting. */
    printf("\n1. start the cache of /config\n");
    CHECK(zk_tree_cache_new(zk, "/config", -1, &cache));
    CHECK(zk_tree_cache_listen(cache, on_tree_event, NULL, count_free, NULL));
    CHECK(zk_tree_cache_start(cache));
    expect_event("added /config = \"v1\"");
    expect_event("added /config/cache = \"redis://10.0.0.7\"");
    expect_event("added /config/db = \"postgres://10.0.0.5\"");
    expect_event("initialized");
    EXPECT(zk_tree_cache_is_initialized(cache));
    printf("%zu nodes cached\n", zk_tree_cache_size(cache));
    EXPECT(zk_tree_cache_size(cache) == 3);

    /* 2. Read locally: no round trip. */
    printf("\n2. local reads\n");
    show(cache, "/config/db");
    CHECK(zk_tree_cache_get_children(cache, "/config", &children));
    EXPECT(children.count == 2);
    printf("cache: /config has [%s %s]\n", children.items[0], children.items[1]);
    zk_string_list_free(&children);
    rc = zk_tree_cache_get_data(cache, "/config/none", NULL, NULL);
    printf("cache: /config/none: %s\n", zk_error_str(rc));
    EXPECT(rc == ZK_ENONODE);
    rc = zk_tree_cache_get_data(cache, "/elsewhere", NULL, NULL);
    printf("cache: /elsewhere: %s (%s)\n", zk_error_str(rc), zk_last_error_message());
    EXPECT(rc == ZK_EINVAL);

    /* 3. Changes made by the writer reach the cache as events, in order. */
    printf("\n3. the writer changes the configuration\n");
    CHECK(zk_set(writer, "/config/db", bytes("postgres://10.0.0.6"), 19, -1, NULL));
    expect_event("updated /config/db = \"postgres://10.0.0.6\" (version 1)");
    show(cache, "/config/db");
    CHECK(zk_create(writer, "/config/feature", NULL, 0, NULL, NULL, NULL));
    CHECK(zk_create(writer, "/config/feature/dark-mode", bytes("on"), 2, NULL, NULL, NULL));
    expect_event("added /config/feature = \"\"");
    expect_event("added /config/feature/dark-mode = \"on\"");
    CHECK(zk_delete(writer, "/config/feature", -1, true));
    expect_event("removed /config/feature/dark-mode"); /* children before their parent */
    expect_event("removed /config/feature");
    EXPECT(zk_tree_cache_size(cache) == 3);

    /* 4. Close and free: no more events; the listener's user data is released once. */
    printf("\n4. close\n");
    CHECK(zk_tree_cache_close(cache));
    CHECK(zk_set(writer, "/config", bytes("v2"), 2, -1, NULL));
    zk_tree_cache_free(cache);
    CHECK(zk_delete(writer, "/config", -1, true));
    CHECK(zk_client_stop(writer));
    CHECK(zk_client_stop(zk));
    zk_client_free(writer);
    zk_client_free(zk); /* returns after every user-data destructor of the client ran */

    printf("\nlistener: %d entries, all as expected; user data freed %d time(s)\n", seen.count,
           seen.freed);
    EXPECT(seen.count == seen.checked);
    EXPECT(seen.freed == 1);
    printf("tree_cache: all steps passed\n");
    return 0;
}
