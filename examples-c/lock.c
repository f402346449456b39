/*
 * zkclient lock: kazoo's Lock recipe in C.
 *
 * Two clients (two sessions) contend for one lock: the first holds it, the second's
 * try-acquire fails and a short timed acquire gives up, then the first releases and the
 * second gets it, with a larger fencing token. Alice's lock is made with options: a state
 * callback that would tell her if her connection were suspended or her session lost while she
 * holds it (she could no longer be sure she holds it), and kazoo's extra contender pattern
 * "-lock-", so that Curator's and go-zk's lock nodes on the same path count too.
 * Usage: lock [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 */
#define _POSIX_C_SOURCE 200809L /* getpid() */
#include <inttypes.h>
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

static zk_client *connect_client(const char *connect_string) {
    zk_client *zk = NULL;
    CHECK(zk_client_new(connect_string, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    return zk;
}

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

/* What alice's state callback shares with main: it runs on a dispatcher thread. */
struct holder {
    int state_changes;
    int freed;
};

static void on_lock_state(zk_state state, void *user_data) {
    struct holder *holder = (struct holder *)user_data;
    holder->state_changes++;
    if (state == ZK_STATE_SUSPENDED) {
        fprintf(stderr, "alice: connection suspended: stop using the resource until CONNECTED\n");
    } else if (state == ZK_STATE_LOST) {
        fprintf(stderr, "alice: session lost: the lock is gone\n");
    }
}

/* Runs exactly once, after the last on_lock_state call. */
static void free_holder(void *user_data) {
    struct holder *holder = (struct holder *)user_data;
    holder->freed++;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *alice_zk, *bob_zk;
    zk_lock *alice, *bob;
    zk_string_list contenders;
    bool acquired = false;
    int64_t alice_token = 0, bob_token = 0;
    size_t i;
    struct holder alice_holder = {0, 0};
    const char *foreign_patterns[] = {"-lock-"};
    zk_lock_options options;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    /* A chroot of our own, so that the example never touches anybody else's nodes. */
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-lock-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    alice_zk = connect_client(connect_string);
    bob_zk = connect_client(connect_string);

    /* 1. Make a lock handle per client. Nothing is sent yet; the identifier is copied, and
     *    so are the options. Alice's state callback owns &alice_holder from here on. */
    CHECK(zk_lock_options_init(&options, ZK_LOCK_OPTIONS_VERSION));
    options.kind = ZK_LOCK_EXCLUSIVE;
    options.extra_patterns = foreign_patterns;
    options.extra_pattern_count = 1;
    CHECK(zk_lock_new_with_options(alice_zk, "/resource", bytes("alice"), strlen("alice"),
                                   &options, on_lock_state, &alice_holder, free_holder,
                                   &alice));
    CHECK(zk_lock_new(bob_zk, "/resource", bytes("bob"), strlen("bob"), &bob));

    /* 2. Alice takes it (-1 = wait as long as it takes). */
    CHECK(zk_lock_acquire(alice, -1, &acquired));
    EXPECT(acquired);
    CHECK(zk_lock_fencing_token(alice, &alice_token));
    printf("alice holds the lock (fencing token %" PRId64 ")\n", alice_token);

    /* 3. Bob cannot: try-acquire returns at once, a timed acquire gives up after 200 ms. */
    CHECK(zk_lock_try_acquire(bob, &acquired));
    EXPECT(!acquired);
    printf("bob: try_acquire failed while alice holds it\n");
    CHECK(zk_lock_acquire(bob, 200, &acquired));
    EXPECT(!acquired);
    printf("bob: acquire with a 200 ms timeout gave up\n");

    /* 4. Who is in line: a list the caller owns. */
    CHECK(zk_lock_contenders(bob, &contenders));
    printf("contenders:");
    for (i = 0; i < contenders.count; i++) {
        printf(" %s", contenders.items[i]);
    }
    printf("\n");
    EXPECT(contenders.count == 1 && strcmp(contenders.items[0], "alice") == 0);
    zk_string_list_free(&contenders);

    /* 5. Alice releases; Bob gets it, with a larger token. */
    CHECK(zk_lock_release(alice));
    CHECK(zk_lock_acquire(bob, 10000, &acquired));
    EXPECT(acquired);
    CHECK(zk_lock_fencing_token(bob, &bob_token));
    EXPECT(bob_token > alice_token);
    printf("bob holds the lock after alice released it (fencing token %" PRId64 ")\n", bob_token);

    /* 6. Freeing a held lock releases it. */
    zk_lock_free(bob);
    zk_lock_free(alice);
    CHECK(zk_client_stop(bob_zk));
    CHECK(zk_client_stop(alice_zk));
    zk_client_free(bob_zk);
    zk_client_free(alice_zk);
    /* The connection never wavered: no state change was reported; the user data was
     * released once (zk_client_free() waits for that at the latest). */
    EXPECT(alice_holder.state_changes == 0);
    EXPECT(alice_holder.freed == 1);
    printf("lock: all steps passed\n");
    return 0;
}
