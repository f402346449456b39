/*
 * zoo_bench: the benchmark workloads of WORKLOADS.md through the Apache C client
 * (libzookeeper_mt). Same command line and output as zkc_bench.c; see bench/common.h.
 *
 *   zoo_bench WORKLOAD HOSTS COUNT [WINDOW]
 *
 * Also `zoo_bench setup HOSTS BIGCOUNT`: creates the node layout (idempotent), with BIGCOUNT
 * children under /zkbench/big-BIGCOUNT. Pipelined creates of the C client, so it works before
 * zkclient has an async API.
 */
#include <zookeeper/zookeeper.h>

#include <sys/wait.h>

#include "common.h"

#define CLIENT_NAME "libzookeeper_mt"
#define WATCH_MAX 10000

static const char *USAGE =
    "workloads: setup connect sync_get sync_set async_get async_set async_create sessions\n"
    "           sessions_10k watch_fanout big_children\n";

/* ---- sessions ---- */

typedef struct conn_ctx {
    b_latch *latch; /* counts sessions that reached CONNECTED */
    int connected;
} conn_ctx;

static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    (void)path;
    conn_ctx *c = ctx;
    if (c == NULL || type != ZOO_SESSION_EVENT) return;
    if (state == ZOO_CONNECTED_STATE) {
        if (!c->connected) {
            c->connected = 1;
            b_latch_add(c->latch, 1);
        }
    } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
        fprintf(stderr, "bench: session ended (state %d)\n", state);
        b_latch_add(c->latch, 0);
    }
}

/* opens a session and waits for CONNECTED; the returned context lives as long as the handle */
static zhandle_t *open_session(const char *hosts, conn_ctx *ctx, b_latch *latch) {
    ctx->latch = latch;
    ctx->connected = 0;
    zhandle_t *zh = zookeeper_init(hosts, session_watcher, B_SESSION_TIMEOUT_MS, NULL, ctx, 0);
    if (zh == NULL) b_die("zookeeper_init: %s", strerror(errno));
    return zh;
}

typedef struct session {
    zhandle_t *zh;
    conn_ctx ctx;
    b_latch latch;
} session;

static void connect_one(session *s, const char *hosts) {
    b_latch_init(&s->latch, 1);
    s->zh = open_session(hosts, &s->ctx, &s->latch);
    b_latch_wait(&s->latch, B_CONNECT_TIMEOUT_MS, "connect");
}

static void close_one(zhandle_t *zh) {
    int rc = zookeeper_close(zh);
    if (rc != ZOK) b_die("zookeeper_close: %s", zerror(rc));
}

/* ---- completions: each gives its window slot back and counts errors ---- */

static void get_done(int rc, const char *value, int value_len, const struct Stat *stat, const void *data) {
    (void)value;
    (void)stat;
    b_window_complete((b_window *)data, rc == ZOK && value_len == B_DATA_LEN, rc);
}

static void stat_done(int rc, const struct Stat *stat, const void *data) {
    b_window_complete((b_window *)data, rc == ZOK && stat != NULL, rc);
}

static void create_done(int rc, const char *value, const struct Stat *stat, const void *data) {
    b_window_complete((b_window *)data, rc == ZOK && value != NULL && stat != NULL, rc);
}

/* create that tolerates an existing node */
static void create_ok_done(int rc, const char *value, const void *data) {
    (void)value;
    b_window_complete((b_window *)data, rc == ZOK || rc == ZNODEEXISTS, rc);
}

static void window_check(const b_window *w, const char *what) {
    if (w->errors != 0)
        b_die("%s: %ld of %ld completions failed (first: %s)", what, w->errors, w->completed, zerror(w->first_error));
}

/* ---- workloads ---- */

static void ensure_node(zhandle_t *zh, const char *path, const char *data, int len) {
    int rc = zoo_create(zh, path, data, len, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) b_die("create %s: %s", path, zerror(rc));
}

static void do_setup(const b_args *a) {
    session s;
    connect_one(&s, a->hosts);
    ensure_node(s.zh, B_ROOT, NULL, -1);
    ensure_node(s.zh, B_GET_NODE, B_DATA, B_DATA_LEN);
    ensure_node(s.zh, B_SET_NODE, B_DATA, B_DATA_LEN);
    ensure_node(s.zh, B_CREATE_PARENT, NULL, -1);
    ensure_node(s.zh, B_WATCH_PARENT, NULL, -1);

    b_window w;
    b_window_init(&w, 1000);
    char path[256];
    struct Stat st;
    int rc = zoo_exists(s.zh, B_WATCH_PARENT, 0, &st);
    if (rc != ZOK) b_die("exists %s: %s", B_WATCH_PARENT, zerror(rc));
    if (st.numChildren != WATCH_MAX) {
        for (long i = 0; i < WATCH_MAX; i++) {
            b_watch_path(path, sizeof path, i);
            b_window_acquire(&w);
            rc = zoo_acreate(s.zh, path, "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, create_ok_done, &w);
            if (rc != ZOK) b_die("zoo_acreate %s: %s", path, zerror(rc));
        }
    }

    char big[128];
    snprintf(big, sizeof big, B_BIG_FMT, a->count);
    ensure_node(s.zh, big, NULL, -1);
    rc = zoo_exists(s.zh, big, 0, &st);
    if (rc != ZOK) b_die("exists %s: %s", big, zerror(rc));
    if (st.numChildren != a->count) {
        for (long i = 0; i < a->count; i++) {
            b_big_child(path, sizeof path, big, i);
            b_window_acquire(&w);
            rc = zoo_acreate(s.zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, create_ok_done, &w);
            if (rc != ZOK) b_die("zoo_acreate %s: %s", path, zerror(rc));
        }
    }
    b_window_drain(&w);
    window_check(&w, "setup");
    rc = zoo_exists(s.zh, big, 0, &st);
    if (rc != ZOK || st.numChildren != a->count)
        b_die("%s has %d children, want %ld", big, st.numChildren, a->count);
    close_one(s.zh);
    printf("setup=ok big=%s children=%ld watch_nodes=%d\n", big, a->count, WATCH_MAX);
}

static void do_connect(const b_args *a) {
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) {
        session s;
        connect_one(&s, a->hosts);
        close_one(s.zh);
    }
    b_timer_report(&t, a->count);
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
}

static void do_sync(const b_args *a, int is_set) {
    session s;
    connect_one(&s, a->hosts);
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)a->count);
    if (lat == NULL) b_die("out of memory");
    char buf[256];
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) {
        uint64_t t0 = b_now_ns();
        int rc;
        if (is_set) {
            rc = zoo_set(s.zh, B_SET_NODE, B_DATA, B_DATA_LEN, -1);
        } else {
            int len = (int)sizeof buf;
            rc = zoo_get(s.zh, B_GET_NODE, 0, buf, &len, NULL);
            if (rc == ZOK && len != B_DATA_LEN) b_die("get returned %d bytes", len);
        }
        if (rc != ZOK) b_die("%s #%ld: %s", is_set ? "zoo_set" : "zoo_get", i, zerror(rc));
        lat[i] = b_now_ns() - t0;
    }
    b_timer_report(&t, a->count);
    b_kv_d("p50_us", b_percentile_us(lat, a->count, 50));
    b_kv_d("p99_us", b_percentile_us(lat, a->count, 99));
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    free(lat);
    close_one(s.zh);
}

enum { OP_GET, OP_SET, OP_CREATE };

static void do_async(const b_args *a, int op) {
    session s;
    connect_one(&s, a->hosts);
    b_window w;
    b_window_init(&w, a->window);
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) {
        b_window_acquire(&w);
        int rc;
        switch (op) {
        case OP_GET:
            rc = zoo_aget(s.zh, B_GET_NODE, 0, get_done, &w);
            break;
        case OP_SET:
            rc = zoo_aset(s.zh, B_SET_NODE, B_DATA, B_DATA_LEN, -1, stat_done, &w);
            break;
        default:
            /* create2: the same request as zkclient's create (the reply has the stat) */
            rc = zoo_acreate2(s.zh, B_SEQ_PREFIX, B_DATA, B_DATA_LEN, &ZOO_OPEN_ACL_UNSAFE,
                              ZOO_EPHEMERAL_SEQUENTIAL, create_done, &w);
            break;
        }
        if (rc != ZOK) b_die("submit #%ld: %s", i, zerror(rc));
    }
    b_window_drain(&w);
    b_timer_report(&t, a->count);
    window_check(&w, a->workload);
    if (w.completed != a->count) b_die("%ld completions for %ld requests", w.completed, a->count);
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    close_one(s.zh);
}

/* Each session of the C client has a socket, a wake-up pipe (2 descriptors) and 2 threads (its
 * I/O and completion threads). Says in `why` why `count` sessions cannot be held here (the
 * descriptor limit, the kernel's thread and pid limits), or returns 0 when they can. */
static long read_long_file(const char *path) {
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f != NULL) {
        if (fscanf(f, "%ld", &v) != 1) v = -1;
        fclose(f);
    }
    return v;
}
static int sessions_impossible(long count, char *why, size_t size) {
    struct rlimit rl;
    long fds_needed = 3 * count + 64, threads_needed = 2 * count + 16;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < fds_needed) {
        snprintf(why, size,
                 "%ld sessions need %ld descriptors (a socket and a wake-up pipe each) and %ld threads; "
                 "the descriptor limit here is %ld (RLIMIT_NOFILE, raised to its hard limit)",
                 count, fds_needed, threads_needed, (long)rl.rlim_cur);
        return 1;
    }
    const char *limits[] = {"/proc/sys/kernel/threads-max", "/proc/sys/kernel/pid_max", "/sys/fs/cgroup/pids.max"};
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        long max = read_long_file(limits[i]);
        if (max > 0 && max < threads_needed) {
            snprintf(why, size, "%ld sessions need %ld threads (2 each); %s is %ld", count, threads_needed, limits[i], max);
            return 1;
        }
    }
    return 0;
}

static void do_sessions(const b_args *a) {
    b_latch latch;
    b_latch_init(&latch, a->count);
    zhandle_t **zhs = calloc((size_t)a->count, sizeof *zhs);
    conn_ctx *ctxs = calloc((size_t)a->count, sizeof *ctxs);
    if (zhs == NULL || ctxs == NULL) b_die("out of memory");
    long rss0 = b_rss_kb();
    b_timer t = b_timer_start();
    for (long i = 0; i < a->count; i++) zhs[i] = open_session(a->hosts, &ctxs[i], &latch);
    b_latch_wait(&latch, 120000, "sessions connected");
    b_timer_report(&t, a->count); /* ops_per_s: sessions opened per second */
    b_sleep_ms(1000);              /* let every thread settle */
    b_kv_l("threads", b_threads());
    b_kv_l("rss_kb", b_rss_kb());
    b_kv_l("rss0_kb", rss0);
    for (long i = 0; i < a->count; i++) close_one(zhs[i]);
    free(zhs);
    free(ctxs);
}

/* ---- watch_fanout ---- */

static void fan_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    (void)state;
    (void)path;
    if (type != ZOO_CHANGED_EVENT) fprintf(stderr, "bench: unexpected watch event type %d state %d\n", type, state);
    b_latch_add((b_latch *)ctx, type == ZOO_CHANGED_EVENT);
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
    session s;
    connect_one(&s, a->hosts);
    b_window w;
    b_window_init(&w, a->window);
    char path[64];
    write_byte(ready_fd, 'r');
    read_byte(go_fd, 'g');
    for (long i = 0; i < a->count; i++) {
        b_watch_path(path, sizeof path, i);
        b_window_acquire(&w);
        int rc = zoo_aset(s.zh, path, B_DATA, B_DATA_LEN, -1, stat_done, &w);
        if (rc != ZOK) b_die("setter: zoo_aset: %s", zerror(rc));
    }
    b_window_drain(&w);
    window_check(&w, "setter");
    close_one(s.zh);
    _exit(0);
}

static void do_watch_fanout(const b_args *a) {
    if (a->count > WATCH_MAX) b_die("watch_fanout: at most %d nodes", WATCH_MAX);
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

    session s;
    connect_one(&s, a->hosts);
    b_latch events;
    b_latch_init(&events, a->count);
    char path[64], buf[256];
    for (long i = 0; i < a->count; i++) {
        b_watch_path(path, sizeof path, i);
        int len = (int)sizeof buf;
        int rc = zoo_wget(s.zh, path, fan_watcher, &events, buf, &len, NULL);
        if (rc != ZOK) b_die("zoo_wget %s: %s", path, zerror(rc));
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
    close_one(s.zh);
}

/* ---- big_children ---- */

#define BIG_REPS 3

static void do_big_children(const b_args *a) {
    char big[128];
    snprintf(big, sizeof big, B_BIG_FMT, a->count);
    session s;
    connect_one(&s, a->hosts);
    long rss0 = b_rss_kb();
    uint64_t ns[BIG_REPS];
    for (int r = 0; r < BIG_REPS; r++) {
        struct String_vector sv = {0, NULL};
        uint64_t t0 = b_now_ns();
        int rc = zoo_get_children(s.zh, big, 0, &sv);
        ns[r] = b_now_ns() - t0;
        if (rc != ZOK) b_die("zoo_get_children %s: %s", big, zerror(rc));
        if (sv.count != a->count) b_die("%s: %d children, want %ld", big, sv.count, a->count);
        deallocate_String_vector(&sv);
    }
    double first_ms = (double)ns[0] / 1e6;
    b_kv_d("ms", b_percentile_us(ns, BIG_REPS, 50) / 1000.0);
    b_kv_d("first_ms", first_ms);
    b_kv_l("hwm_kb", b_hwm_kb());
    b_kv_l("rss0_kb", rss0);
    b_kv_l("threads", b_threads());
    close_one(s.zh);
}

int main(int argc, char **argv) {
    b_args a = b_parse_args(argc, argv, USAGE);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    b_raise_nofile();
    if (strcmp(a.workload, "setup") == 0) {
        do_setup(&a);
        return 0;
    }
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
    } else if (strcmp(a.workload, "sessions") == 0) {
        do_sessions(&a);
    } else if (strcmp(a.workload, "sessions_10k") == 0) {
        char why[512];
        if (sessions_impossible(a.count, why, sizeof why)) {
            /* not a failure: reported as n/a, with the reason (the rest of the line) */
            b_appendf(" status=na reason=%s", why);
        } else {
            do_sessions(&a);
        }
    } else if (strcmp(a.workload, "watch_fanout") == 0) {
        do_watch_fanout(&a);
    } else if (strcmp(a.workload, "big_children") == 0) {
        do_big_children(&a);
    } else {
        fprintf(stderr, "unknown workload '%s'\n%s", a.workload, USAGE);
        return 2;
    }
    b_result_end();
    return 0;
}
