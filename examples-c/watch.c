/*
 * zkclient watchers: kazoo's "Watchers" section in C.
 *
 * 1. One-shot watches (zk_exists_watch, zk_get_watch): called once, for the next change only.
 * 2. A ChildrenWatch (zk_children_watch_new): called with the children now and after every
 *    change of them, until the callback returns false.
 * 3. A DataWatch (zk_data_watch_new): called with the data now and after every change; it
 *    follows the node through deletion and re-creation, until cancelled.
 *
 * Usage: watch [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * Two clients: the watcher sets the watches, "the writer" (another session) makes the changes.
 * Watch callbacks run on a zkclient dispatcher thread, one at a time, in the order the server
 * sent the events. This program records what they see in a small log guarded by a mutex, and
 * the main thread waits on a condition variable for each entry it expects, never longer than
 * 30 seconds: no sleeps, no guessing how long a callback takes.
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

/* Non-zero pthread results are errno values. */
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

/* ---------------------------------------------------------------------------------------
 * The log of what the callbacks saw, and the main thread's bounded wait for it.
 * --------------------------------------------------------------------------------------- */

#define MAX_EVENTS 32
#define EVENT_LEN 96
#define WAIT_SECONDS 30

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;           /* signalled whenever an entry or a free is recorded */
    char events[MAX_EVENTS][EVENT_LEN];
    int count;                        /* entries recorded by the callbacks */
    int checked;                      /* entries the main thread has checked so far */
    int labels;                       /* user data handed to the library */
    int freed;                        /* user-data destructors run */
} seen;

static void seen_init(void) {
    pthread_condattr_t attr;
    CHECK_PTHREAD(pthread_mutex_init(&seen.lock, NULL));
    CHECK_PTHREAD(pthread_condattr_init(&attr));
    /* Time the waits on the monotonic clock: immune to changes of the wall clock. */
    CHECK_PTHREAD(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    CHECK_PTHREAD(pthread_cond_init(&seen.changed, &attr));
    CHECK_PTHREAD(pthread_condattr_destroy(&attr));
}

static void seen_destroy(void) {
    CHECK_PTHREAD(pthread_cond_destroy(&seen.changed));
    CHECK_PTHREAD(pthread_mutex_destroy(&seen.lock));
}

/* Called by the callbacks (on the dispatcher thread): print an entry and add it to the log. */
static void record(const char *format, ...) {
    va_list args;
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    EXPECT(seen.count < MAX_EVENTS);
    va_start(args, format);
    vsnprintf(seen.events[seen.count], EVENT_LEN, format, args);
    va_end(args);
    printf("  [callback] %s\n", seen.events[seen.count]);
    fflush(stdout);
    seen.count++;
    CHECK_PTHREAD(pthread_cond_broadcast(&seen.changed));
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

/* Waits on seen.changed until `done()` is true (called with the lock held); fails the
 * program after WAIT_SECONDS. */
static void wait_until(int (*done)(void *), void *arg, const char *what) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += WAIT_SECONDS;
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    while (!done(arg)) {
        int err = pthread_cond_timedwait(&seen.changed, &seen.lock, &deadline);
        if (err != 0 && !done(arg)) {
            fprintf(stderr, "no %s within %d s (%s)\n", what, WAIT_SECONDS, strerror(err));
            exit(1);
        }
    }
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

static int has_unchecked_event(void *unused) {
    (void)unused;
    return seen.count > seen.checked;
}

static int all_freed(void *unused) {
    (void)unused;
    return seen.freed == seen.labels;
}

/* The main thread: waits for the next entry of the log and checks that it is `expected`. */
static void expect_event(const char *expected) {
    wait_until(has_unchecked_event, NULL, expected);
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    if (strcmp(seen.events[seen.checked], expected) != 0) {
        fprintf(stderr, "expected the callback entry \"%s\", got \"%s\"\n", expected,
                seen.events[seen.checked]);
        exit(1);
    }
    seen.checked++;
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

/* The main thread: waits until the library has freed every label handed to it. */
static void expect_all_freed(void) {
    wait_until(all_freed, NULL, "user-data destructor");
}

/* ---------------------------------------------------------------------------------------
 * Callbacks. Their user data is a heap-allocated label, owned by the library from the call
 * that registers it: the library calls free_label exactly once, after the last callback.
 * --------------------------------------------------------------------------------------- */

static void *new_label(const char *text) {
    char *label = (char *)malloc(strlen(text) + 1);
    EXPECT(label != NULL);
    strcpy(label, text);
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    seen.labels++;
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
    return label;
}

static void free_label(void *user_data) {
    free(user_data);
    CHECK_PTHREAD(pthread_mutex_lock(&seen.lock));
    seen.freed++;
    CHECK_PTHREAD(pthread_cond_broadcast(&seen.changed));
    CHECK_PTHREAD(pthread_mutex_unlock(&seen.lock));
}

static const char *event_name(zk_event_type type) {
    switch (type) {
    case ZK_EVENT_SESSION: return "SESSION";
    case ZK_EVENT_CREATED: return "CREATED";
    case ZK_EVENT_DELETED: return "DELETED";
    case ZK_EVENT_CHANGED: return "CHANGED";
    case ZK_EVENT_CHILD: return "CHILD";
    default: return "OTHER";
    }
}

/* A one-shot watcher: called at most once, with the event (or a SESSION event if the
 * session ends first). `event` is borrowed for the call. */
static void print_event(const zk_watch_event *event, void *user_data) {
    record("%s: %s %s", (const char *)user_data, event_name(event->event_type), event->path);
}

/* A ChildrenWatch callback: `children` is NULL while the node does not exist. The first call
 * (event NULL) runs inside zk_children_watch_new, later ones on the dispatcher thread.
 * Returning false stops the watch. */
static bool on_children(const zk_string_list *children, const zk_stat *stat,
                        const zk_watch_event *event, void *user_data) {
    char names[EVENT_LEN] = "";
    bool stop = false;
    size_t i;
    (void)stat;
    (void)user_data;
    if (children == NULL) {
        record("children: no node");
        return true;
    }
    for (i = 0; i < children->count; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i > 0 ? " " : "", children->items[i]);
        if (strcmp(children->items[i], "stop") == 0) {
            stop = true;
        }
    }
    record("children: [%s]%s%s%s", names, event != NULL ? " after " : "",
           event != NULL ? event_name(event->event_type) : "", stop ? ", stopping" : "");
    return !stop; /* false: no more calls */
}

/* A DataWatch callback: `data` is `len` bytes (not NUL-terminated); `stat` is NULL while the
 * node does not exist. */
static bool on_data(const uint8_t *data, size_t len, const zk_stat *stat,
                    const zk_watch_event *event, void *user_data) {
    const char *after = event != NULL ? event_name(event->event_type) : "start";
    (void)user_data;
    if (stat == NULL) {
        record("data: no node (after %s)", after);
    } else {
        record("data: \"%.*s\" version %d (after %s)", (int)len, (const char *)data,
               stat->version, after);
    }
    return true; /* keep watching until cancelled */
}

/* Proves that no other callback is pending: ZooKeeper sends a session its watch events in
 * the order of the changes, and the callbacks run in that order. So when a watch set now on
 * a fresh marker node fires for the writer's creation of it, every event of an earlier
 * change would have been delivered first. */
static void expect_quiet(zk_client *zk, zk_client *writer, const char *marker) {
    char expected[EVENT_LEN];
    bool exists;
    printf("nothing else pending? watch %s, the writer creates it, expect that event next\n",
           marker);
    CHECK(zk_exists_watch(zk, marker, print_event, new_label("marker"), free_label, &exists,
                          NULL, NULL));
    EXPECT(!exists);
    CHECK(zk_create(writer, marker, NULL, 0, NULL, NULL, NULL));
    snprintf(expected, sizeof expected, "marker: CREATED %s", marker);
    expect_event(expected);
}

static zk_client *connect_client(const char *connect_string) {
    zk_client *client;
    CHECK(zk_client_new(connect_string, NULL, &client));
    CHECK(zk_client_start(client, 15000));
    return client;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *zk;     /* sets the watches */
    zk_client *writer; /* another session: makes the changes */
    zk_children_watch *children_watch;
    zk_data_watch *data_watch;
    zk_buffer data;
    zk_stat stat;
    bool exists;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    /* A chroot of our own, so that the example never touches anybody else's nodes. */
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-watch-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    seen_init();
    zk = connect_client(connect_string);
    writer = connect_client(connect_string);
    CHECK(zk_ensure_path(writer, "/")); /* the chroot node itself */
    printf("connected two clients to %s\n", connect_string);

    /* 1. One-shot watches: each fires once, for the next change only. */
    printf("\n1. one-shot watches\n");
    CHECK(zk_exists_watch(zk, "/node", print_event, new_label("exists watch"), free_label,
                          &exists, NULL, NULL));
    printf("exists /node: %s; watching for its creation\n", exists ? "yes" : "no");
    EXPECT(!exists);
    printf("writer creates /node = \"v1\"\n");
    CHECK(zk_create(writer, "/node", bytes("v1"), 2, NULL, NULL, NULL));
    expect_event("exists watch: CREATED /node");

    CHECK(zk_get_watch(zk, "/node", print_event, new_label("get watch"), free_label, &data,
                       &stat, NULL));
    printf("get /node: \"%.*s\" version %d; watching for a change\n", (int)data.len,
           (const char *)data.data, stat.version);
    zk_buffer_free(&data);
    printf("writer sets /node = \"v2\"\n");
    CHECK(zk_set(writer, "/node", bytes("v2"), 2, -1, NULL));
    expect_event("get watch: CHANGED /node");
    expect_all_freed(); /* both one-shot watches have fired: their user data went */

    printf("writer sets /node = \"v3\" (the get watch has fired already: nothing to call)\n");
    CHECK(zk_set(writer, "/node", bytes("v3"), 2, -1, NULL));
    expect_quiet(zk, writer, "/marker-1");
    printf("no callback for \"v3\": a one-shot watch fires once; set it again to see more\n");

    /* 2. A ChildrenWatch: the children now, then after every change of them. */
    printf("\n2. ChildrenWatch on /parent\n");
    printf("writer creates /parent\n");
    CHECK(zk_create(writer, "/parent", NULL, 0, NULL, NULL, NULL));
    CHECK(zk_children_watch_new(zk, "/parent", on_children, new_label("children watch"),
                                free_label, &children_watch));
    expect_event("children: []"); /* the first call ran inside zk_children_watch_new */
    printf("writer creates /parent/a\n");
    CHECK(zk_create(writer, "/parent/a", NULL, 0, NULL, NULL, NULL));
    expect_event("children: [a] after CHILD");
    printf("writer creates /parent/b\n");
    CHECK(zk_create(writer, "/parent/b", NULL, 0, NULL, NULL, NULL));
    expect_event("children: [a b] after CHILD");
    printf("writer deletes /parent/a\n");
    CHECK(zk_delete(writer, "/parent/a", -1, false));
    expect_event("children: [b] after CHILD");
    printf("writer creates /parent/stop\n");
    CHECK(zk_create(writer, "/parent/stop", NULL, 0, NULL, NULL, NULL));
    expect_event("children: [b stop] after CHILD, stopping");
    printf("writer creates /parent/later (the callback returned false: no more calls)\n");
    CHECK(zk_create(writer, "/parent/later", NULL, 0, NULL, NULL, NULL));
    expect_quiet(zk, writer, "/marker-2");
    zk_children_watch_free(children_watch);
    expect_all_freed();
    printf("ChildrenWatch stopped by its callback, handle freed\n");

    /* 3. A DataWatch: the data now, then after every change; it follows the node through
     * deletion and re-creation. */
    printf("\n3. DataWatch on /config\n");
    printf("writer creates /config = \"blue\"\n");
    CHECK(zk_create(writer, "/config", bytes("blue"), 4, NULL, NULL, NULL));
    CHECK(zk_data_watch_new(zk, "/config", on_data, new_label("data watch"), free_label,
                            &data_watch));
    expect_event("data: \"blue\" version 0 (after start)");
    printf("writer sets /config = \"green\"\n");
    CHECK(zk_set(writer, "/config", bytes("green"), 5, -1, NULL));
    expect_event("data: \"green\" version 1 (after CHANGED)");
    printf("writer deletes /config\n");
    CHECK(zk_delete(writer, "/config", -1, false));
    expect_event("data: no node (after DELETED)");
    printf("writer creates /config = \"red\"\n");
    CHECK(zk_create(writer, "/config", bytes("red"), 3, NULL, NULL, NULL));
    expect_event("data: \"red\" version 0 (after CREATED)");
    /* Cancel from any thread (its own callback included), then free the handle. */
    CHECK(zk_data_watch_cancel(data_watch));
    zk_data_watch_free(data_watch);
    printf("writer sets /config = \"black\" (the DataWatch is cancelled: no more calls)\n");
    CHECK(zk_set(writer, "/config", bytes("black"), 5, -1, NULL));
    expect_quiet(zk, writer, "/marker-3");
    expect_all_freed();
    printf("DataWatch cancelled and freed\n");

    /* Clean up: the nodes, then both clients (zk_client_free returns only after every
     * user-data destructor of the client has run). */
    CHECK(zk_delete(writer, "/node", -1, false));
    CHECK(zk_delete(writer, "/parent", -1, true));
    CHECK(zk_delete(writer, "/config", -1, false));
    CHECK(zk_delete(writer, "/marker-1", -1, false));
    CHECK(zk_delete(writer, "/marker-2", -1, false));
    CHECK(zk_delete(writer, "/marker-3", -1, false));
    CHECK(zk_client_stop(writer));
    CHECK(zk_client_stop(zk));
    zk_client_free(writer);
    zk_client_free(zk);

    /* Every entry was expected, in order, and nothing came after the last one; every user
     * data was freed exactly once (a second free would be a double free: see ZK_SANITIZE). */
    printf("\ncallbacks: %d entries, all as expected; user data freed: %d of %d\n", seen.count,
           seen.freed, seen.labels);
    EXPECT(seen.count == seen.checked);
    EXPECT(seen.freed == seen.labels);
    seen_destroy();
    printf("watch: all steps passed\n");
    return 0;
}
