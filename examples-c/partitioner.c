/*
 * zkclient SetPartitioner: kazoo's SetPartitioner in C.
 *
 * Four work queues are divided among the workers of a party so that each queue has exactly
 * one worker. Worker "alpha" starts alone and takes all four; worker "beta" joins, alpha is
 * told to release (ZK_PARTITION_RELEASE), both divide again and take two each, with kazoo's
 * partition function: sorted queues, sorted worker names, worker i of n takes queues i, i+n,
 * ... Beta finishes; alpha releases and takes all four again.
 *
 * Usage: partitioner [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * Each worker has its own session, as it would in its own process. The waits are the
 * library's own (zk_partitioner_wait_for_acquire, zk_partitioner_wait_for_state), bounded.
 */
#define _POSIX_C_SOURCE 200809L /* getpid() */
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

#define WAIT_MS 30000

static const char *const queues[] = {"queue-1", "queue-2", "queue-3", "queue-4"};

typedef struct worker {
    const char *name;
    zk_client *client;
    zk_partitioner *partitioner;
} worker;

static zk_client *connect_client(const char *connect_string) {
    zk_client *client;
    CHECK(zk_client_new(connect_string, NULL, &client));
    CHECK(zk_client_start(client, 15000));
    return client;
}

/* Joins the party at /work_queues as `w->name`. */
static void join(worker *w, const char *connect_string) {
    zk_partitioner_options options;
    CHECK(zk_partitioner_options_init(&options, ZK_PARTITIONER_OPTIONS_VERSION));
    options.identifier = w->name;
    options.time_boundary_ms = 200; /* the party must be still this long before dividing */
    w->client = connect_client(connect_string);
    CHECK(zk_partitioner_new(w->client, "/work_queues", queues, 4, &options, NULL, NULL, NULL,
                             &w->partitioner));
    printf("%s joined the party\n", w->name);
}

/* Waits for ACQUIRED and prints the share as "[a b]"; returns how many queues it holds. */
static size_t acquire(worker *w, char *share, size_t share_len) {
    bool acquired;
    zk_string_list mine;
    size_t i, used = 0;
    CHECK(zk_partitioner_wait_for_acquire(w->partitioner, WAIT_MS, &acquired));
    EXPECT(acquired);
    CHECK(zk_partitioner_partitions(w->partitioner, &mine));
    used += (size_t)snprintf(share, share_len, "[");
    for (i = 0; i < mine.count && used < share_len; i++) {
        used += (size_t)snprintf(share + used, share_len - used, "%s%s", i > 0 ? " " : "",
                                 mine.items[i]);
    }
    if (used < share_len) {
        snprintf(share + used, share_len - used, "]");
    }
    printf("%s holds %s\n", w->name, share);
    i = mine.count;
    zk_string_list_free(&mine);
    return i;
}

/* Waits until the partitioner asks for a release, then releases (which divides again). */
static void release_when_asked(worker *w) {
    bool reached;
    zk_partition_state state;
    CHECK(zk_partitioner_wait_for_state(w->partitioner, ZK_PARTITION_RELEASE, WAIT_MS,
                                        &reached));
    EXPECT(reached);
    CHECK(zk_partitioner_state(w->partitioner, &state));
    printf("%s: %s, the party changed: releasing\n", w->name, zk_partition_state_str(state));
    CHECK(zk_partitioner_release_set(w->partitioner));
}

static void leave(worker *w) {
    zk_partitioner_free(w->partitioner); /* releases its queues and leaves the party */
    CHECK(zk_client_stop(w->client));
    zk_client_free(w->client);
    printf("%s left\n", w->name);
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    char alpha_share[128], beta_share[128];
    worker alpha = {"alpha", NULL, NULL};
    worker beta = {"beta", NULL, NULL};
    zk_client *admin;
    zk_error rc;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-partitioner-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    admin = connect_client(connect_string);
    CHECK(zk_ensure_path(admin, "/"));

    /* Bad input is refused with a readable message. */
    {
        const char *const bad[] = {"queue/1"};
        zk_partitioner *none = NULL;
        rc = zk_partitioner_new(admin, "/work_queues", bad, 1, NULL, NULL, NULL, NULL, &none);
        printf("an item with a slash: %s (%s)\n", zk_error_str(rc), zk_last_error_message());
        EXPECT(rc == ZK_EINVAL && none == NULL);
    }

    printf("\n1. alpha alone\n");
    join(&alpha, connect_string);
    EXPECT(acquire(&alpha, alpha_share, sizeof alpha_share) == 4);

    printf("\n2. beta joins: the set is divided again\n");
    join(&beta, connect_string);
    release_when_asked(&alpha);
    EXPECT(acquire(&alpha, alpha_share, sizeof alpha_share) == 2);
    EXPECT(acquire(&beta, beta_share, sizeof beta_share) == 2);
    /* kazoo's function: sorted names [alpha beta]; alpha takes 1 and 3, beta 2 and 4. */
    EXPECT(strcmp(alpha_share, "[queue-1 queue-3]") == 0);
    EXPECT(strcmp(beta_share, "[queue-2 queue-4]") == 0);

    printf("\n3. beta leaves: alpha takes everything again\n");
    leave(&beta);
    release_when_asked(&alpha);
    EXPECT(acquire(&alpha, alpha_share, sizeof alpha_share) == 4);

    leave(&alpha);
    CHECK(zk_delete(admin, "/work_queues", -1, true));
    CHECK(zk_client_stop(admin));
    zk_client_free(admin);
    printf("partitioner: all steps passed\n");
    return 0;
}
