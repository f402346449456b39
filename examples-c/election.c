/*
 * zkclient election: kazoo's Election recipe in C.
 *
 * Two contenders on two sessions: alice is elected first and leads for a while; bob waits
 * (on a watch of alice's node) and is elected once alice's leader function returns. A third
 * run is cancelled while it waits.
 *
 * Usage: election [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
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

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static int leaders_so_far = 0;

struct contender {
    const char *name;
    zk_election *election;
    int order; /* 1 for the first leader, 2 for the second */
    zk_error result;
};

static void pause_ms(long ms) {
    struct timespec pause;
    pause.tv_sec = ms / 1000;
    pause.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&pause, NULL);
}

static int32_t lead(void *user_data) {
    struct contender *contender = (struct contender *)user_data;
    zk_string_list list;
    size_t i;
    pthread_mutex_lock(&mutex);
    contender->order = ++leaders_so_far;
    pthread_mutex_unlock(&mutex);
    CHECK(zk_election_contenders(contender->election, &list));
    printf("%s leads (leader number %d); contenders:", contender->name, contender->order);
    for (i = 0; i < list.count; i++) {
        printf(" %s", list.items[i]);
    }
    printf("\n");
    fflush(stdout);
    zk_string_list_free(&list);
    pause_ms(500);
    printf("%s gives leadership up\n", contender->name);
    fflush(stdout);
    return ZK_OK;
}

static void *run(void *arg) {
    struct contender *contender = (struct contender *)arg;
    contender->result = zk_election_run(contender->election, lead, contender);
    return NULL;
}

static int32_t never_called(void *user_data) {
    (void)user_data;
    fprintf(stderr, "a cancelled run called its leader function\n");
    exit(1);
}

static void *run_cancelled(void *arg) {
    struct contender *contender = (struct contender *)arg;
    contender->result = zk_election_run(contender->election, never_called, NULL);
    return NULL;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *clients[2];
    struct contender contenders[2];
    struct contender waiter;
    pthread_t threads[2];
    zk_string_list list;
    int i;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-election-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    for (i = 0; i < 2; i++) {
        CHECK(zk_client_new(connect_string, NULL, &clients[i]));
        CHECK(zk_client_start(clients[i], 15000));
        contenders[i].name = i == 0 ? "alice" : "bob";
        contenders[i].order = 0;
        contenders[i].result = ZK_OK;
        CHECK(zk_election_new(clients[i], "/leader", (const uint8_t *)contenders[i].name,
                              strlen(contenders[i].name), &contenders[i].election));
    }

    /* 1. alice joins first and leads; bob joins while she leads and waits. */
    if (pthread_create(&threads[0], NULL, run, &contenders[0]) != 0) {
        return 1;
    }
    pause_ms(200);
    if (pthread_create(&threads[1], NULL, run, &contenders[1]) != 0) {
        return 1;
    }
    for (i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        CHECK(contenders[i].result);
    }
    printf("alice was leader number %d, bob number %d\n", contenders[0].order,
           contenders[1].order);
    EXPECT(contenders[0].order == 1 && contenders[1].order == 2);

    /* 2. A run waiting behind alice is cancelled: ZK_ECLOSED, its function never called. */
    waiter.name = "carol";
    waiter.result = ZK_OK;
    CHECK(zk_election_new(clients[1], "/leader", (const uint8_t *)"carol", 5, &waiter.election));
    contenders[0].order = 0;
    if (pthread_create(&threads[0], NULL, run, &contenders[0]) != 0) {
        return 1;
    }
    pause_ms(100);
    if (pthread_create(&threads[1], NULL, run_cancelled, &waiter) != 0) {
        return 1;
    }
    pause_ms(200);
    CHECK(zk_election_cancel(waiter.election));
    pthread_join(threads[1], NULL);
    printf("carol's run was cancelled: %s\n", zk_error_str(waiter.result));
    EXPECT(waiter.result == ZK_ECLOSED);
    pthread_join(threads[0], NULL);
    CHECK(contenders[0].result);
    CHECK(zk_election_contenders(waiter.election, &list));
    EXPECT(list.count == 0);
    zk_string_list_free(&list);
    zk_election_free(waiter.election);

    for (i = 0; i < 2; i++) {
        zk_election_free(contenders[i].election);
    }
    CHECK(zk_delete(clients[0], "/", -1, true));
    for (i = 0; i < 2; i++) {
        CHECK(zk_client_stop(clients[i]));
        zk_client_free(clients[i]);
    }
    printf("election: all steps passed\n");
    return 0;
}
