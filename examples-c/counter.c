/*
 * zkclient counter: kazoo's Counter recipe in C.
 *
 * Two clients (two sessions) share one counter: each runs on its own thread and adds 1 a
 * hundred times. Every add is a compare-and-set on the node's version, retried on a
 * concurrent change, so the final value is exactly 200: no update is lost. Then a Curator
 * style counter (a big-endian 32-bit integer, Curator's SharedCount) is added to and read.
 *
 * Usage: counter [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
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

#define STEPS 100

struct worker {
    const char *name;
    zk_counter *counter;
    int64_t last; /* the value after this worker's last add */
};

static void *increment(void *arg) {
    struct worker *worker = (struct worker *)arg;
    int i;
    for (i = 0; i < STEPS; i++) {
        CHECK(zk_counter_add(worker->counter, 1, &worker->last));
        if (i % 25 == 0) {
            printf("%s: counter is %lld after its add %d\n", worker->name,
                   (long long)worker->last, i + 1);
            fflush(stdout);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *clients[2];
    struct worker workers[2];
    pthread_t threads[2];
    zk_counter *curator;
    int64_t value;
    int i;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-counter-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    for (i = 0; i < 2; i++) {
        CHECK(zk_client_new(connect_string, NULL, &clients[i]));
        CHECK(zk_client_start(clients[i], 15000));
        workers[i].name = i == 0 ? "client A" : "client B";
        workers[i].last = 0;
        CHECK(zk_counter_new(clients[i], "/hits", 0, &workers[i].counter));
    }

    /* 1. Two clients add concurrently: nothing is lost. */
    for (i = 0; i < 2; i++) {
        if (pthread_create(&threads[i], NULL, increment, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    for (i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
    }
    CHECK(zk_counter_value(workers[0].counter, &value));
    printf("final value seen by client A: %lld\n", (long long)value);
    EXPECT(value == 2 * STEPS);
    CHECK(zk_counter_value(workers[1].counter, &value));
    printf("final value seen by client B: %lld\n", (long long)value);
    EXPECT(value == 2 * STEPS);

    /* 2. Subtract: add a negative delta. */
    CHECK(zk_counter_add(workers[1].counter, -50, &value));
    printf("after subtracting 50: %lld\n", (long long)value);
    EXPECT(value == 2 * STEPS - 50);

    /* 3. Curator's format: 4 bytes, big-endian. */
    CHECK(zk_counter_new_int32(clients[0], "/shared", 0, &curator));
    CHECK(zk_counter_add(curator, 258, &value));
    {
        zk_buffer data;
        CHECK(zk_get(clients[0], "/shared", &data, NULL));
        printf("curator counter %lld is stored as %zu bytes\n", (long long)value, data.len);
        EXPECT(data.len == 4 && data.data[2] == 1 && data.data[3] == 2);
        zk_buffer_free(&data);
    }
    zk_counter_free(curator);

    for (i = 0; i < 2; i++) {
        zk_counter_free(workers[i].counter);
    }
    CHECK(zk_delete(clients[0], "/", -1, true));
    for (i = 0; i < 2; i++) {
        CHECK(zk_client_stop(clients[i]));
        zk_client_free(clients[i]);
    }
    printf("counter: all steps passed\n");
    return 0;
}
