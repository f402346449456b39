/*
 * zkclient pipelined writes: thousands of requests in flight, completions in server order.
 *
 * Usage: async [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * Every zk_*_async call returns at once; its completion runs later on the client's dispatcher
 * thread, one at a time, in the order the server answered. A window (here 1,000 requests)
 * keeps memory bounded: the submitting thread waits when the window is full.
 */
#define _POSIX_C_SOURCE 200809L
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

enum { WINDOW = 1000, CREATES = 10000, SETS = 5000 };

/* What the completions share with the submitting thread. */
typedef struct window {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int in_flight;
    int completed;
    int failed;
    int last_version; /* for sets: versions must arrive in increasing order */
    int out_of_order;
} window;

static void window_enter(window *w) {
    pthread_mutex_lock(&w->lock);
    while (w->in_flight >= WINDOW) {
        pthread_cond_wait(&w->changed, &w->lock);
    }
    w->in_flight++;
    pthread_mutex_unlock(&w->lock);
}

static void window_leave(window *w, zk_error rc) {
    pthread_mutex_lock(&w->lock);
    w->in_flight--;
    w->completed++;
    if (rc != ZK_OK) {
        w->failed++;
    }
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

static void window_drain(window *w) {
    pthread_mutex_lock(&w->lock);
    while (w->in_flight > 0) {
        pthread_cond_wait(&w->changed, &w->lock);
    }
    pthread_mutex_unlock(&w->lock);
}

/* Completions: borrowed arguments, valid only during the call. */
static void on_created(zk_error rc, const char *path, const zk_stat *stat, void *user_data) {
    (void)path;
    (void)stat;
    window_leave((window *)user_data, rc);
}

static void on_set(zk_error rc, const zk_stat *stat, void *user_data) {
    window *w = (window *)user_data;
    if (rc == ZK_OK) {
        pthread_mutex_lock(&w->lock);
        if (stat->version != w->last_version + 1) {
            w->out_of_order++;
        }
        w->last_version = stat->version;
        pthread_mutex_unlock(&w->lock);
    }
    window_leave(w, rc);
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *zk;
    zk_create_options sequential;
    zk_stat stat;
    bool exists;
    window w;
    struct timespec start;
    int i;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-async-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    CHECK(zk_client_new(connect_string, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    CHECK(zk_ensure_path(zk, "/jobs"));

    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.changed, NULL);

    /* 1. Pipelined creates: persistent sequential nodes under /jobs. */
    CHECK(zk_create_options_init(&sequential, ZK_CREATE_OPTIONS_VERSION));
    sequential.mode = ZK_PERSISTENT_SEQUENTIAL;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (i = 0; i < CREATES; i++) {
        window_enter(&w);
        CHECK(zk_create_async(zk, "/jobs/job-", (const uint8_t *)"payload", 7, &sequential,
                              on_created, &w));
    }
    window_drain(&w);
    printf("%d pipelined creates in %.2f s, %d failed\n", CREATES, seconds_since(&start),
           w.failed);
    EXPECT(w.completed == CREATES && w.failed == 0);
    CHECK(zk_exists(zk, "/jobs", &exists, &stat));
    printf("/jobs has %d children\n", stat.num_children);
    EXPECT(stat.num_children == CREATES);

    /* 2. Pipelined sets of one node: completions come in server order, so the versions the
     *    completions see are 1, 2, 3, ... */
    w.completed = 0;
    CHECK(zk_create(zk, "/counter", NULL, 0, NULL, NULL, NULL));
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (i = 0; i < SETS; i++) {
        window_enter(&w);
        CHECK(zk_set_async(zk, "/counter", (const uint8_t *)"x", 1, -1, on_set, &w));
    }
    window_drain(&w);
    printf("%d pipelined sets in %.2f s; last version %d; %d out of order\n", SETS,
           seconds_since(&start), w.last_version, w.out_of_order);
    EXPECT(w.completed == SETS && w.failed == 0 && w.out_of_order == 0);
    EXPECT(w.last_version == SETS);

    /* 3. A refused submission never calls its completion. */
    EXPECT(zk_get_async(zk, "not/absolute", NULL, NULL) == ZK_EINVAL);

    CHECK(zk_delete(zk, "/", -1, true));
    CHECK(zk_client_stop(zk));
    zk_client_free(zk);
    pthread_cond_destroy(&w.changed);
    pthread_mutex_destroy(&w.lock);
    printf("async: all steps passed\n");
    return 0;
}
