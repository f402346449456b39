/*
 * zkc_bench: the benchmark workloads of WORKLOADS.md through zkclient's C API. Same command
 * line and output as zoo_bench.c; see bench/common.h.
 *
 *   zkc_bench WORKLOAD HOSTS COUNT [WINDOW]
 */
#include <zkclient.h>

#include <sys/wait.h>

#include "common.h"

#define CLIENT_NAME "zkclient"

static const char *USAGE =
    "workloads: connect sync_get sync_set async_get async_set async_create sessions\n"
    "           sessions_10k watch_fanout big_children lock\n";

static void check(zk_error rc, const char *what) {
    if (rc != ZK_OK) b_die("%s: %s (%s)", what, zk_error_str(rc), zk_last_error_message());
}

/* ---- sessions ---- */

static zk_client *open_client(const char *hosts) {
    zk_options *options = zk_options_new();
    if (options == NULL) b_die("zk_options_new: out of memory");
    check(zk_options_set_session_timeout(options, B_SESSION_TIMEOUT_MS), "zk_options_set_session_timeout");
    /* ZKC_BENCH_INLINE=1: completions on the network thread (they only count and signal). */
    const char *inline_env = getenv("ZKC_BENCH_INLINE");
    if (inline_env != NULL && strcmp(inline_env, "1") == 0)
        check(zk_options_set_inline_callbacks(options, true), "zk_options_set_inline_callbacks");
    zk_client *zk = NULL;
    check(zk_client_new(hosts, options, &zk), "zk_client_new");
    zk_options_free(options);

    check(zk_client_start(zk, B_CONNECT_TIMEOUT_MS), "zk_client_start");
    return zk;
}

static void close_client(zk_client *zk) {
    check(zk_client_stop(zk), "zk_client_stop");
    zk_client_free(zk);
}

/* ---- completions: each gives its window slot back and counts errors ---- */

static void get_done(zk_error rc, const uint8_t *data, size_t len, const zk_stat *stat, void *user_data) {
    (void)data;
    (void)stat;
    b_window_complete(user_data, rc == ZK_OK && len == B_DATA_LEN, rc);
}

static void stat_done(zk_error rc, const zk_stat *stat, void *user_data) {
    b_window_complete(user_data, rc == ZK_OK && stat != NULL, rc);
}

static void create_done(zk_error rc, const char *path, const zk_stat *stat, void *user_data) {
    b_window_complete(user_data, rc == ZK_OK && path != NULL && stat != NULL, rc);
}

static void window_check(const b_window *w, const char *what) {
    if (w->errors != 0)
        b_die("%s: %ld of %ld completions failed (first: %s)", what, w->errors, w->completed,
              zk_error_str(w->first_error));
}

/* ---- workloads ---- */

static void do_connect(const b_args *a) {
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) close_client(open_client(a->hosts));
    b_timer_report(&t, a->count);
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
}

static void do_sync(const b_args *a, int is_set) {
    zk_client *zk = open_client(a->hosts);
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)a->count);
    if (lat == NULL) b_die("out of memory");
    const uint8_t *data = (const uint8_t *)B_DATA;
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) {
        uint64_t t0 = b_now_ns();
        if (is_set) {
            check(zk_set(zk, B_SET_NODE, data, B_DATA_LEN, -1, NULL), "zk_set");
        } else {
            zk_buffer buf;
            check(zk_get(zk, B_GET_NODE, &buf, NULL), "zk_get");
            if (buf.len != B_DATA_LEN) b_die("get returned %zu bytes", buf.len);
            zk_buffer_free(&buf);
        }
        lat[i] = b_now_ns() - t0;
    }
    b_timer_report(&t, a->count);
    b_kv_d("p50_us", b_percentile_us(lat, a->count, 50));
    b_kv_d("p99_us", b_percentile_us(lat, a->count, 99));
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    free(lat);
    close_client(zk);
}

enum { OP_GET, OP_SET, OP_CREATE };

static void do_async(const b_args *a, int op) {
    zk_client *zk = open_client(a->hosts);
    b_window w;
    b_window_init(&w, a->window);
    const uint8_t *data = (const uint8_t *)B_DATA;
    zk_create_options options;
    check(zk_create_options_init(&options, ZK_CREATE_OPTIONS_VERSION), "options init");
    options.mode = ZK_EPHEMERAL_SEQUENTIAL;
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) {
        b_window_acquire(&w);
        zk_error rc;
        switch (op) {
        case OP_GET:
            rc = zk_get_async(zk, B_GET_NODE, get_done, &w);
            break;
        case OP_SET:
            rc = zk_set_async(zk, B_SET_NODE, data, B_DATA_LEN, -1, stat_done, &w);
            break;
        default:
            rc = zk_create_async(zk, B_SEQ_PREFIX, data, B_DATA_LEN, &options, create_done, &w);
            break;
        }
        if (rc != ZK_OK) b_die("submit #%ld: %s (%s)", i, zk_error_str(rc), zk_last_error_message());
    }
    b_window_drain(&w);
    b_timer_report(&t, a->count);
    window_check(&w, a->workload);
    if (w.completed != a->count) b_die("%ld completions for %ld requests", w.completed, a->count);
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    close_client(zk);
}

static void do_sessions(const b_args *a) {
    zk_client **clients = calloc((size_t)a->count, sizeof *clients);
    if (clients == NULL) b_die("out of memory");
    long rss0 = b_rss_kb();
    b_timer t = b_timer_start();
    /* zk_client_start waits for CONNECTED, so they open one after the other */
    for (long i = 0; i < a->count; i++) clients[i] = open_client(a->hosts);
    b_timer_report(&t, a->count); /* ops_per_s: sessions opened per second */
    b_sleep_ms(1000);              /* let every thread settle (the dispatcher pool shrinks) */
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    b_kv_l("rss0_kb", rss0);
    for (long i = 0; i < a->count; i++) close_client(clients[i]);
    free(clients);
}

/* ---- watch_fanout ---- */

static void fan_watcher(const zk_watch_event *event, void *user_data) {
    int ok = event->event_type == ZK_EVENT_CHANGED;
    if (!ok) fprintf(stderr, "bench: unexpected watch event type %d\n", (int)event->event_type);
    b_latch_add(user_data, ok);
}

static void read_byte(int fd, char want) {
    char c;
    ssize_t n;
    while ((n = read(fd, &c, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1 || c != want) b_die("pipe: expected '%c'", want);
}
static void write_byte(int fd, char c) {
    if (write(fd, &c, 1) != 1) b_die("pipe write: %s", strerror(errno));
}

/* the setting client, in a child process (so that the watcher's RSS and CPU are its own) */
static void fanout_setter(const b_args *a, int ready_fd, int go_fd) {
    zk_client *zk = open_client(a->hosts);
    b_window w;
    b_window_init(&w, a->window);
    char path[64];
    write_byte(ready_fd, 'r');
    read_byte(go_fd, 'g');
    for (long i = 0; i < a->count; i++) {
        b_watch_path(path, sizeof path, i);
        b_window_acquire(&w);
        zk_error rc = zk_set_async(zk, path, (const uint8_t *)B_DATA, B_DATA_LEN, -1, stat_done, &w);
        if (rc != ZK_OK) b_die("setter: zk_set_async: %s", zk_error_str(rc));
    }
    b_window_drain(&w);
    window_check(&w, "setter");
    close_client(zk);
    _exit(0);
}

static void do_watch_fanout(const b_args *a) {
    if (a->count > 10000) b_die("watch_fanout: at most 10000 nodes");
    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0) b_die("pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t child = fork(); /* before any library thread exists */
    if (child < 0) b_die("fork: %s", strerror(errno));
    if (child == 0) {
        close(ready[0]);
        close(go[1]);
        fanout_setter(a, ready[1], go[0]);
    }
    close(ready[1]);
    close(go[0]);

    zk_client *zk = open_client(a->hosts);
    b_latch events;
    b_latch_init(&events, a->count);
    char path[64];
    for (long i = 0; i < a->count; i++) {
        b_watch_path(path, sizeof path, i);
        check(zk_get_watch(zk, path, fan_watcher, &events, NULL, NULL, NULL, NULL), "zk_get_watch");
    }
    read_byte(ready[0], 'r');
    b_timer t = b_timer_start();
    write_byte(go[1], 'g');
    b_latch_wait(&events, 120000, "watch events");
    b_timer_report(&t, a->count); /* ops_per_s: events/s; cpu: the watcher's per event */
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    int status;
    if (waitpid(child, &status, 0) != child) b_die("waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) b_die("the setter process failed");
    close_client(zk);
}

/* ---- big_children ---- */

#define BIG_REPS 3

static void do_big_children(const b_args *a) {
    char big[128];
    snprintf(big, sizeof big, B_BIG_FMT, a->count);
    zk_client *zk = open_client(a->hosts);
    long rss0 = b_rss_kb();
    uint64_t ns[BIG_REPS];
    for (int r = 0; r < BIG_REPS; r++) {
        zk_string_list list;
        uint64_t t0 = b_now_ns();
        zk_error rc = zk_get_children(zk, big, &list, NULL);
        ns[r] = b_now_ns() - t0;
        check(rc, "zk_get_children");
        if ((long)list.count != a->count) b_die("%s: %zu children, want %ld", big, list.count, a->count);
        zk_string_list_free(&list);
    }
    double first_ms = (double)ns[0] / 1e6;
    b_kv_d("ms", b_percentile_us(ns, BIG_REPS, 50) / 1000.0);
    b_kv_d("first_ms", first_ms);
    b_kv_l("hwm_kb", b_hwm_kb());
    b_kv_l("rss0_kb", rss0);
    b_kv_l("threads", b_threads());
    close_client(zk);
}

/* ---- lock: LOCK_THREADS threads, each its own session, take and release one lock COUNT times
 * each; a shared holder count proves exclusion ---- */

enum { LOCK_THREADS = 8 };

typedef struct lock_job {
    const char *hosts;
    long count;
    pthread_mutex_t *guard;
    int *holders;
} lock_job;

static void *lock_worker(void *arg) {
    lock_job *job = (lock_job *)arg;
    zk_client *zk = open_client(job->hosts);
    zk_lock *lock = NULL;
    check(zk_lock_new(zk, "/bench-lock", (const uint8_t *)"bench", 5, &lock), "zk_lock_new");
    for (long i = 0; i < job->count; i++) {
        bool acquired = false;
        check(zk_lock_acquire(lock, -1, &acquired), "zk_lock_acquire");
        if (!acquired) b_die("zk_lock_acquire returned without the lock");
        B_CHECK_PTHREAD(pthread_mutex_lock(job->guard));
        if (++*job->holders != 1) b_die("two holders of one lock");
        --*job->holders;
        B_CHECK_PTHREAD(pthread_mutex_unlock(job->guard));
        check(zk_lock_release(lock), "zk_lock_release");
    }
    zk_lock_free(lock);
    close_client(zk);
    return NULL;
}

static void do_lock(const b_args *a) {
    pthread_t threads[LOCK_THREADS];
    pthread_mutex_t guard = PTHREAD_MUTEX_INITIALIZER;
    int holders = 0;
    lock_job job = {a->hosts, a->count, &guard, &holders};
    b_timer t = b_timer_start();
    for (int i = 0; i < LOCK_THREADS; i++) B_CHECK_PTHREAD(pthread_create(&threads[i], NULL, lock_worker, &job));
    for (int i = 0; i < LOCK_THREADS; i++) B_CHECK_PTHREAD(pthread_join(threads[i], NULL));
    b_timer_report(&t, LOCK_THREADS * a->count);
    b_kv_l("rss_kb", b_rss_kb());
}

int main(int argc, char **argv) {
    b_args a = b_parse_args(argc, argv, USAGE);
    b_raise_nofile();
    b_result_begin(CLIENT_NAME, &a);
    if (strcmp(a.workload, "connect") == 0) {
        do_connect(&a);
    } else if (strcmp(a.workload, "sync_get") == 0) {
        do_sync(&a, 0);
    } else if (strcmp(a.workload, "sync_set") == 0) {
        do_sync(&a, 1);
    } else if (strcmp(a.workload, "async_get") == 0) {
        do_async(&a, OP_GET);
    } else if (strcmp(a.workload, "async_set") == 0) {
        do_async(&a, OP_SET);
    } else if (strcmp(a.workload, "async_create") == 0) {
        do_async(&a, OP_CREATE);
    } else if (strcmp(a.workload, "sessions") == 0 || strcmp(a.workload, "sessions_10k") == 0) {
        do_sessions(&a);
    } else if (strcmp(a.workload, "watch_fanout") == 0) {
        do_watch_fanout(&a);
    } else if (strcmp(a.workload, "big_children") == 0) {
        do_big_children(&a);
    } else if (strcmp(a.workload, "lock") == 0) {
        do_lock(&a);
    } else {
        fprintf(stderr, "unknown workload '%s'\n%s", a.workload, USAGE);
        return 2;
    }
    b_result_end();
    return 0;
}
