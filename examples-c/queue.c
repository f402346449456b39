/*
 * zkclient queue: kazoo's Queue and LockingQueue recipes in C.
 *
 * A producer puts jobs with priorities (lower numbers first, oldest first within a
 * priority); a consumer on another session takes them in that order, then waits for a job
 * put while it waits. Then a locking queue: an entry is claimed, released, claimed again and
 * consumed (entry and claim removed in one transaction).
 *
 * Usage: queue [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
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

struct job {
    const char *name;
    int32_t priority;
};

static const struct job jobs[] = {
    {"report", 200}, {"email-1", 100}, {"backup", 300}, {"alert", 1}, {"email-2", 100},
};
static const char *const expected[] = {"alert", "email-1", "email-2", "report", "backup"};

/* Takes one entry (waiting up to timeout_ms) into text; returns whether there was one. */
static bool take(zk_queue *queue, int64_t timeout_ms, char *text, size_t size) {
    zk_buffer data;
    bool got = false;
    CHECK(zk_queue_get(queue, timeout_ms, &data, &got));
    if (got) {
        size_t len = data.len < size - 1 ? data.len : size - 1;
        if (len > 0) {
            memcpy(text, data.data, len);
        }
        text[len] = '\0';
    }
    zk_buffer_free(&data);
    return got;
}

static void *late_producer(void *arg) {
    zk_queue *queue = (zk_queue *)arg;
    struct timespec pause;
    pause.tv_sec = 0;
    pause.tv_nsec = 300 * 1000 * 1000;
    nanosleep(&pause, NULL);
    CHECK(zk_queue_put(queue, (const uint8_t *)"late", 4, 100));
    return NULL;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    char text[64];
    zk_client *producer_client, *consumer_client;
    zk_queue *producer, *consumer;
    zk_locking_queue *locking;
    zk_buffer data;
    pthread_t thread;
    size_t len, i;
    bool got, done;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-queue-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    CHECK(zk_client_new(connect_string, NULL, &producer_client));
    CHECK(zk_client_start(producer_client, 15000));
    CHECK(zk_client_new(connect_string, NULL, &consumer_client));
    CHECK(zk_client_start(consumer_client, 15000));
    CHECK(zk_queue_new(producer_client, "/jobs", &producer));
    CHECK(zk_queue_new(consumer_client, "/jobs", &consumer));

    /* 1. The producer puts prioritized jobs. */
    for (i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        CHECK(zk_queue_put(producer, (const uint8_t *)jobs[i].name, strlen(jobs[i].name),
                           jobs[i].priority));
        printf("put %s with priority %d\n", jobs[i].name, (int)jobs[i].priority);
    }
    CHECK(zk_queue_len(consumer, &len));
    printf("queue length: %zu\n", len);
    EXPECT(len == 5);

    /* 2. The consumer takes them in priority order, FIFO within a priority. */
    for (i = 0; i < 5; i++) {
        EXPECT(take(consumer, 0, text, sizeof text));
        printf("took %s\n", text);
        EXPECT(strcmp(text, expected[i]) == 0);
    }
    EXPECT(!take(consumer, 0, text, sizeof text));
    printf("queue empty\n");

    /* 3. A blocking get returns once the producer puts. */
    if (pthread_create(&thread, NULL, late_producer, producer) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 1;
    }
    EXPECT(take(consumer, 10000, text, sizeof text));
    pthread_join(thread, NULL);
    printf("waited for and took %s\n", text);
    EXPECT(strcmp(text, "late") == 0);

    /* 4. A locking queue: claim, release, claim again, consume. */
    CHECK(zk_locking_queue_new(consumer_client, "/claimed", &locking));
    CHECK(zk_locking_queue_put(locking, (const uint8_t *)"task", 4, 100));
    CHECK(zk_locking_queue_get(locking, 1000, &data, &got));
    EXPECT(got && data.len == 4 && memcmp(data.data, "task", 4) == 0);
    zk_buffer_free(&data);
    CHECK(zk_locking_queue_release(locking, &done));
    EXPECT(done);
    printf("claimed task, released it\n");
    CHECK(zk_locking_queue_get(locking, 1000, &data, &got));
    EXPECT(got);
    zk_buffer_free(&data);
    CHECK(zk_locking_queue_consume(locking, &done));
    EXPECT(done);
    CHECK(zk_locking_queue_len(locking, &len));
    printf("claimed task again and consumed it: %zu left\n", len);
    EXPECT(len == 0);
    zk_locking_queue_free(locking);

    zk_queue_free(producer);
    zk_queue_free(consumer);
    CHECK(zk_delete(producer_client, "/", -1, true));
    CHECK(zk_client_stop(producer_client));
    CHECK(zk_client_stop(consumer_client));
    zk_client_free(producer_client);
    zk_client_free(consumer_client);
    printf("queue: all steps passed\n");
    return 0;
}
