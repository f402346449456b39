/*
 * Shared by the two C benchmark programs (bench/zkc_bench.c for zkclient, bench/zoo_bench.c for
 * the Apache C client libzookeeper_mt; bench/zookeeper-client/src/main.rs mirrors it for the
 * Rust crate): timing, latency samples, process figures (CPU, context switches, threads, RSS),
 * the in-flight window of the pipelined workloads, the node layout and the result line.
 *
 * Every program is run as `PROGRAM WORKLOAD HOSTS COUNT [WINDOW]`, does one workload in a
 * fresh process and prints exactly one line of `key=value` pairs on stdout; diagnostics go to
 * stderr and any failure exits with status 1 (a benchmark that measures errors is useless).
 */
#ifndef ZKBENCH_COMMON_H
#define ZKBENCH_COMMON_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---- the node layout, created by `zoo_bench setup` (both programs only read it) ---- */
#define B_ROOT "/zkbench"
#define B_GET_NODE B_ROOT "/get"       /* 100 bytes, read by sync_get and async_get */
#define B_SET_NODE B_ROOT "/set"       /* 100 bytes, written by sync_set and async_set */
#define B_CREATE_PARENT B_ROOT "/create" /* parent of async_create's ephemeral-sequential nodes */
#define B_SEQ_PREFIX B_CREATE_PARENT "/n-"
#define B_WATCH_PARENT B_ROOT "/watch"   /* watch_fanout's nodes w-00000 ... */
#define B_BIG_FMT B_ROOT "/big-%ld"      /* big_children's parent for a given child count */
#define B_DATA_LEN 100
#define B_SESSION_TIMEOUT_MS 10000
#define B_CONNECT_TIMEOUT_MS 30000

static const char B_DATA[B_DATA_LEN + 1] =
    "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqr";

static inline void b_watch_path(char *buf, size_t size, long i) {
    snprintf(buf, size, B_WATCH_PARENT "/w-%05ld", i);
}
/* ~20-byte child names: "child-" + 14 digits */
static inline void b_big_child(char *buf, size_t size, const char *parent, long i) {
    snprintf(buf, size, "%s/child-%014ld", parent, i);
}

/* ---- failure ---- */
static void b_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void b_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: FAILED: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    _exit(1); /* no atexit handlers, no library destructors racing with its threads */
}

#define B_CHECK_PTHREAD(call)                                                          \
    do {                                                                               \
        int b_rc_ = (call);                                                            \
        if (b_rc_ != 0) b_die("%s: %s", #call, strerror(b_rc_));                       \
    } while (0)

/* ---- time ---- */
static inline uint64_t b_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t b_cpu_us(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) b_die("getrusage: %s", strerror(errno));
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* voluntary + involuntary context switches of the whole process: for RUSAGE_SELF, Linux sums
 * them over every thread (ended ones included), as it does the CPU times */
static inline uint64_t b_ctx_switches(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) b_die("getrusage: %s", strerror(errno));
    return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

static inline void b_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* deadline for condvar waits (CLOCK_REALTIME, pthread's default) */
static inline struct timespec b_deadline(long ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* ---- /proc/self/status ---- */
static inline long b_status_field(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) b_die("open /proc/self/status: %s", strerror(errno));
    char line[256];
    size_t klen = strlen(key);
    long value = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            value = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    if (value < 0) b_die("no %s in /proc/self/status", key);
    return value;
}
static inline long b_threads(void) { return b_status_field("Threads"); }
static inline long b_rss_kb(void) { return b_status_field("VmRSS"); }
static inline long b_hwm_kb(void) { return b_status_field("VmHWM"); }

/* ---- latency samples ---- */
static int b_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
/* percentile (0..100) of n samples in ns, returned in µs; sorts the array */
static inline double b_percentile_us(uint64_t *ns, long n, double pct) {
    if (n <= 0) return 0.0;
    qsort(ns, (size_t)n, sizeof *ns, b_cmp_u64);
    long idx = (long)(pct / 100.0 * (double)(n - 1) + 0.5);
    if (idx >= n) idx = n - 1;
    return (double)ns[idx] / 1000.0;
}

/* ---- the window of the pipelined workloads: an in-flight counter under a mutex ----
 * The issuing thread takes a slot before each request (waiting while `window` are in flight);
 * every completion gives it back, counts errors and signals the issuer only when it waits. */
typedef struct b_window {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long inflight;
    long limit;
    long completed;
    long errors;
    int first_error;
    int waiting; /* the issuer is blocked in b_window_acquire/b_window_drain */
} b_window;

static inline void b_window_init(b_window *w, long limit) {
    memset(w, 0, sizeof *w);
    B_CHECK_PTHREAD(pthread_mutex_init(&w->mu, NULL));
    B_CHECK_PTHREAD(pthread_cond_init(&w->cv, NULL));
    w->limit = limit;
}

static inline void b_window_wait_locked(b_window *w) {
    struct timespec dl = b_deadline(60000);
    w->waiting = 1;
    int rc = pthread_cond_timedwait(&w->cv, &w->mu, &dl);
    w->waiting = 0;
    if (rc == ETIMEDOUT) b_die("no completion for 60 s (%ld in flight, %ld done)", w->inflight, w->completed);
    if (rc != 0) b_die("pthread_cond_timedwait: %s", strerror(rc));
}

static inline void b_window_acquire(b_window *w) {
    pthread_mutex_lock(&w->mu);
    while (w->inflight >= w->limit) b_window_wait_locked(w);
    w->inflight++;
    pthread_mutex_unlock(&w->mu);
}

/* a request that was never sent (its submit call failed): give its slot back */
static inline void b_window_cancel(b_window *w) {
    pthread_mutex_lock(&w->mu);
    w->inflight--;
    pthread_mutex_unlock(&w->mu);
}

static inline void b_window_complete(b_window *w, int ok, int rc) {
    pthread_mutex_lock(&w->mu);
    w->inflight--;
    w->completed++;
    if (!ok) {
        if (w->errors == 0) w->first_error = rc;
        w->errors++;
    }
    if (w->waiting) pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static inline void b_window_drain(b_window *w) {
    pthread_mutex_lock(&w->mu);
    while (w->inflight > 0) b_window_wait_locked(w);
    pthread_mutex_unlock(&w->mu);
}

/* ---- a one-shot flag with a counter (connected, events received) ---- */
typedef struct b_latch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long count;
    long target;
    long errors;
} b_latch;

static inline void b_latch_init(b_latch *l, long target) {
    memset(l, 0, sizeof *l);
    B_CHECK_PTHREAD(pthread_mutex_init(&l->mu, NULL));
    B_CHECK_PTHREAD(pthread_cond_init(&l->cv, NULL));
    l->target = target;
}
static inline void b_latch_add(b_latch *l, int ok) {
    pthread_mutex_lock(&l->mu);
    if (ok)
        l->count++;
    else
        l->errors++;
    if (l->count >= l->target || !ok) pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}
/* waits until target is reached; dies on an error or after timeout_ms */
static inline void b_latch_wait(b_latch *l, long timeout_ms, const char *what) {
    struct timespec dl = b_deadline(timeout_ms);
    pthread_mutex_lock(&l->mu);
    while (l->count < l->target && l->errors == 0) {
        int rc = pthread_cond_timedwait(&l->cv, &l->mu, &dl);
        if (rc == ETIMEDOUT) b_die("%s: only %ld of %ld after %ld ms", what, l->count, l->target, timeout_ms);
        if (rc != 0) b_die("pthread_cond_timedwait: %s", strerror(rc));
    }
    long errors = l->errors;
    pthread_mutex_unlock(&l->mu);
    if (errors != 0) b_die("%s: %ld error(s)", what, errors);
}

/* ---- arguments ---- */
typedef struct b_args {
    const char *workload;
    const char *hosts;
    long count;
    long window;
} b_args;

static inline b_args b_parse_args(int argc, char **argv, const char *usage) {
    b_args a;
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s WORKLOAD HOSTS COUNT [WINDOW]\n%s", argv[0], usage);
        exit(2);
    }
    a.workload = argv[1];
    a.hosts = argv[2];
    char *end;
    a.count = strtol(argv[3], &end, 10);
    if (*end != '\0' || a.count <= 0) b_die("bad COUNT '%s'", argv[3]);
    a.window = 1000;
    if (argc == 5) {
        a.window = strtol(argv[4], &end, 10);
        if (*end != '\0' || a.window <= 0) b_die("bad WINDOW '%s'", argv[4]);
    }
    return a;
}

/* raise the descriptor limit (1,000 sessions need more than 1,024 descriptors) */
static inline void b_raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- the result line: built in memory, printed whole at the end (a failed run prints none) ---- */
static char b_line[2048];
static size_t b_line_len;
static void b_appendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void b_appendf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b_line + b_line_len, sizeof b_line - b_line_len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b_line - b_line_len) b_die("result line too long");
    b_line_len += (size_t)n;
}
static inline void b_result_begin(const char *client, const b_args *a) {
    b_line_len = 0;
    b_appendf("client=%s workload=%s count=%ld", client, a->workload, a->count);
}
static inline void b_kv_d(const char *key, double v) { b_appendf(" %s=%.3f", key, v); }
static inline void b_kv_l(const char *key, long v) { b_appendf(" %s=%ld", key, v); }
static inline void b_result_end(void) {
    printf("%s\n", b_line);
    fflush(stdout);
}

/* timing of the pipelined and sequential workloads: ops/s, client CPU and context switches
 * per op */
typedef struct b_timer {
    uint64_t t0_ns, cpu0_us, cs0;
} b_timer;
static inline b_timer b_timer_start(void) {
    b_timer t;
    t.cs0 = b_ctx_switches();
    t.cpu0_us = b_cpu_us();
    t.t0_ns = b_now_ns();
    return t;
}
/* prints secs, ops_per_s, cpu_us_per_op and cs_per_op for `ops` operations */
static inline void b_timer_report(const b_timer *t, long ops) {
    uint64_t t1 = b_now_ns();
    uint64_t cpu1 = b_cpu_us();
    uint64_t cs1 = b_ctx_switches();
    double secs = (double)(t1 - t->t0_ns) / 1e9;
    b_kv_d("secs", secs);
    b_kv_d("ops_per_s", (double)ops / secs);
    b_kv_d("cpu_us_per_op", (double)(cpu1 - t->cpu0_us) / (double)ops);
    b_kv_d("cs_per_op", (double)(cs1 - t->cs0) / (double)ops);
}

#endif /* ZKBENCH_COMMON_H */
