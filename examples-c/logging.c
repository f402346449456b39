/*
 * zkclient logging: the library's log lines through a callback.
 *
 * A first callback at ZK_LOG_INFO prints and counts the lines of a connect, a few operations,
 * a lock taken and released, and a stop: the lock's "acquired" and "released" lines must be
 * among them, and no line above INFO. Then a second callback (at ZK_LOG_DEBUG) replaces it:
 * the first user data is freed exactly once, and the first callback hears nothing more.
 * Then NULL turns logging off: the second user data is freed once, and nothing more arrives.
 * The callback may run on any thread (the library's network thread included), at the same
 * time on several: it takes a mutex.
 * Usage: logging [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 */
#define _POSIX_C_SOURCE 200809L /* getpid(), nanosleep() */
#include <pthread.h>
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

/* What a callback shares with main, behind its user data. */
struct sink {
    const char *name;
    int max_level;
    pthread_mutex_t mutex;
    int lines;
    int above_level; /* lines more detailed than asked for: must stay 0 */
    int connected;
    int lock_acquired;
    int lock_released;
    int debug_lines;
    int freed;
};

static const char *level_name(zk_log_level level) {
    switch (level) {
    case ZK_LOG_ERROR: return "ERROR";
    case ZK_LOG_WARN: return "WARN";
    case ZK_LOG_INFO: return "INFO";
    case ZK_LOG_DEBUG: return "DEBUG";
    case ZK_LOG_TRACE: return "TRACE";
    default: return "?";
    }
}

/* Any thread, possibly several at once: counts under the mutex, prints INFO and above. */
static void on_log(zk_log_level level, const char *target, const char *message, void *user_data) {
    struct sink *sink = (struct sink *)user_data;
    pthread_mutex_lock(&sink->mutex);
    sink->lines++;
    if ((int)level > sink->max_level) {
        sink->above_level++;
    }
    if (level == ZK_LOG_DEBUG) {
        sink->debug_lines++;
    }
    if (strstr(message, "connected to ") != NULL) {
        sink->connected++;
    }
    if (strcmp(target, "zkclient::recipe::lock") == 0 && strstr(message, " acquired") != NULL) {
        sink->lock_acquired++;
    }
    if (strcmp(target, "zkclient::recipe::lock") == 0 && strstr(message, " released") != NULL) {
        sink->lock_released++;
    }
    if (level <= ZK_LOG_INFO) {
        printf("  [%s] %s: %s\n", level_name(level), target, message);
    }
    pthread_mutex_unlock(&sink->mutex);
}

/* Runs once, after the last call of the callback with this user data has returned. */
static void free_sink(void *user_data) {
    struct sink *sink = (struct sink *)user_data;
    pthread_mutex_lock(&sink->mutex);
    sink->freed++;
    pthread_mutex_unlock(&sink->mutex);
}

static int read_count(struct sink *sink, const int *field) {
    pthread_mutex_lock(&sink->mutex);
    int value = *field;
    pthread_mutex_unlock(&sink->mutex);
    return value;
}

/* A line being written on another thread when the callback was replaced frees the user data
 * when that call returns: wait (up to 10 s) for it. */
static int wait_freed(struct sink *sink) {
    for (int i = 0; i < 10000 && read_count(sink, &sink->freed) == 0; i++) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    return read_count(sink, &sink->freed);
}

/* Connects, writes and reads a node, takes and releases a lock, stops. */
static void some_work(const char *hosts, const char *root) {
    zk_client *zk = NULL;
    CHECK(zk_client_new(hosts, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    CHECK(zk_ensure_path(zk, root));
    char path[256];
    snprintf(path, sizeof path, "%s/node", root);
    const char *data = "some data";
    zk_error rc = zk_create(zk, path, (const uint8_t *)data, strlen(data), NULL, NULL, NULL);
    EXPECT(rc == ZK_OK || rc == ZK_ENODEEXISTS);
    bool exists = false;
    CHECK(zk_exists(zk, path, &exists, NULL));
    EXPECT(exists);

    char lock_path[256];
    snprintf(lock_path, sizeof lock_path, "%s/lock", root);
    zk_lock *lock = NULL;
    CHECK(zk_lock_new(zk, lock_path, (const uint8_t *)"me", 2, &lock));
    bool acquired = false;
    CHECK(zk_lock_acquire(lock, 10000, &acquired));
    EXPECT(acquired);
    CHECK(zk_lock_release(lock));
    zk_lock_free(lock);
    CHECK(zk_client_stop(zk));
    zk_client_free(zk);
}

static void init_sink(struct sink *sink, const char *name, int max_level) {
    memset(sink, 0, sizeof *sink);
    sink->name = name;
    sink->max_level = max_level;
    pthread_mutex_init(&sink->mutex, NULL);
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    if (hosts == NULL) {
        hosts = "127.0.0.1:2181";
    }
    char root[128];
    snprintf(root, sizeof root, "/logging-demo-%d", (int)getpid());

    static struct sink first, second, refused;
    init_sink(&first, "first", ZK_LOG_INFO);
    init_sink(&second, "second", ZK_LOG_DEBUG);
    init_sink(&refused, "refused", ZK_LOG_INFO);

    /* A number that is not a level: refused, and its user data freed at once. */
    EXPECT(zk_set_log_callback(9, on_log, &refused, free_sink) == ZK_EINVAL);
    EXPECT(read_count(&refused, &refused.freed) == 1);
    printf("level 9: ZK_EINVAL (%s), user data freed\n", zk_last_error_message());

    /* 1. INFO: connect, operations, a lock. */
    CHECK(zk_set_log_callback(ZK_LOG_INFO, on_log, &first, free_sink));
    printf("first callback (INFO):\n");
    some_work(hosts, root);
    EXPECT(read_count(&first, &first.connected) >= 1);
    EXPECT(read_count(&first, &first.lock_acquired) == 1);
    EXPECT(read_count(&first, &first.lock_released) == 1);
    EXPECT(read_count(&first, &first.above_level) == 0);
    printf("first callback: %d lines, connected seen, lock acquired and released seen, none "
           "above INFO\n",
           read_count(&first, &first.lines));

    /* 2. Replaced: the first user data is freed once and hears nothing more. */
    CHECK(zk_set_log_callback(ZK_LOG_DEBUG, on_log, &second, free_sink));
    EXPECT(wait_freed(&first) == 1);
    int first_lines = read_count(&first, &first.lines);
    printf("second callback (DEBUG):\n");
    some_work(hosts, root);
    EXPECT(read_count(&first, &first.lines) == first_lines);
    EXPECT(read_count(&first, &first.freed) == 1);
    EXPECT(read_count(&second, &second.debug_lines) > 0);
    EXPECT(read_count(&second, &second.lock_acquired) == 1);
    EXPECT(read_count(&second, &second.above_level) == 0);
    printf("replaced: first user data freed once, no line after; second saw %d lines (%d DEBUG)\n",
           read_count(&second, &second.lines), read_count(&second, &second.debug_lines));

    /* 3. NULL: off; the second user data freed once; nothing more arrives. */
    CHECK(zk_set_log_callback(ZK_LOG_OFF, NULL, NULL, NULL));
    EXPECT(wait_freed(&second) == 1);
    int second_lines = read_count(&second, &second.lines);
    some_work(hosts, root);
    EXPECT(read_count(&second, &second.lines) == second_lines);
    EXPECT(read_count(&first, &first.lines) == first_lines);
    EXPECT(read_count(&first, &first.freed) == 1 && read_count(&second, &second.freed) == 1);
    printf("off: second user data freed once, no line after\n");

    /* Clean up the demo nodes (logging is off: nothing is printed). */
    zk_client *zk = NULL;
    CHECK(zk_client_new(hosts, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    CHECK(zk_delete(zk, root, -1, true));
    zk_client_free(zk);
    printf("logging: all steps passed\n");
    return 0;
}
