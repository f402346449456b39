/*
 * zkclient retrying commands: kazoo's "Retrying Commands" section in C.
 *
 * zk_retry(client, policy, function, user_data) runs `function` until it returns ZK_OK,
 * returns an error that is not worth retrying, or the policy gives up. Retried are
 * ZK_ECONNECTIONLOSS, ZK_EOPERATIONTIMEOUT, ZK_ESESSIONEXPIRED (if the policy says so) and
 * ZK_EFORCERETRY, which the function returns itself to ask for another attempt. Each attempt
 * runs the whole function again, so write it to start from scratch: read, decide, write.
 *
 * Usage: retry [HOSTS [STATE_DIR]]   (HOSTS default: $ZK_HOSTS, else 127.0.0.1:2181)
 *
 * With STATE_DIR, the directory of a server started with `scripts/zk-server.sh start
 * STATE_DIR`, the last part restarts that server while a zk_set is retried across the outage
 * (ctest runs it so, through run_with_own_server.sh).
 */
#define _POSIX_C_SOURCE 200809L /* getpid(), clock_gettime(), pthread_condattr_setclock() */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zkclient.h>

#ifndef ZK_SERVER_SCRIPT /* set by CMakeLists.txt */
#define ZK_SERVER_SCRIPT "scripts/zk-server.sh"
#endif

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

static long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------------------------
 * A counter node holding a decimal number.
 * --------------------------------------------------------------------------------------- */

static zk_error read_counter(zk_client *zk, const char *path, long *value, zk_stat *stat) {
    char text[32];
    zk_buffer data;
    zk_error rc = zk_get(zk, path, &data, stat);
    if (rc != ZK_OK) {
        return rc;
    }
    /* Node data is bytes, not a C string: copy it to add the NUL. */
    EXPECT(data.len < sizeof text);
    if (data.len > 0) {
        memcpy(text, data.data, data.len);
    }
    text[data.len] = '\0';
    zk_buffer_free(&data);
    *value = strtol(text, NULL, 10);
    return ZK_OK;
}

/* Writes `value` if the node is still at `version` (else ZK_EBADVERSION). */
static zk_error write_counter(zk_client *zk, const char *path, long value, int32_t version) {
    char text[32];
    int len = snprintf(text, sizeof text, "%ld", value);
    return zk_set(zk, path, (const uint8_t *)text, (size_t)len, version, NULL);
}

/* What the retried functions get as user data: zk_retry passes it through untouched, and it
 * stays the caller's (no destructor). A retried function returns a zk_error value as a plain
 * int32_t (zk_retry_fn); a number that is not a zk_error code ends zk_retry with ZK_EINVAL. */
struct job {
    const char *path;
    zk_client *rival; /* (b) only: another client, to lose a race against on purpose */
    int attempts;     /* how many times zk_retry called the function */
};

/* (a) Creates the counter with "0". Idempotent, as a retried function should be: after a
 * connection loss the create may have happened, and the next attempt then finds the node. */
static int32_t create_counter(zk_client *zk, void *user_data) {
    struct job *job = (struct job *)user_data;
    zk_error rc;
    job->attempts++;
    rc = zk_create(zk, job->path, (const uint8_t *)"0", 1, NULL, NULL, NULL);
    return rc == ZK_ENODEEXISTS ? ZK_OK : rc;
}

/* (b) Read-modify-write: adds one to the counter, writing only if nobody changed it since the
 * read. If somebody did (ZK_EBADVERSION), it asks zk_retry for another attempt, which reads
 * again. (A lost connection during the write leaves it unknown whether the write happened:
 * the retry would then count twice. Exact counting needs more, e.g. a transaction.) */
static int32_t increment_counter(zk_client *zk, void *user_data) {
    struct job *job = (struct job *)user_data;
    long value;
    zk_stat stat;
    zk_error rc;

    job->attempts++;
    rc = read_counter(zk, job->path, &value, &stat);
    if (rc != ZK_OK) {
        return rc; /* connection errors are retried by zk_retry, others end it */
    }
    printf("  attempt %d: read %ld (version %d)\n", job->attempts, value, stat.version);
    if (job->rival != NULL && job->attempts == 1) {
        /* For the demonstration: another client increments the counter right now, between
         * our read and our write. */
        long theirs;
        zk_stat their_stat;
        CHECK(read_counter(job->rival, job->path, &theirs, &their_stat));
        CHECK(write_counter(job->rival, job->path, theirs + 1, their_stat.version));
        printf("  attempt %d: meanwhile another client set it to %ld\n", job->attempts,
               theirs + 1);
    }
    rc = write_counter(zk, job->path, value + 1, stat.version);
    if (rc == ZK_EBADVERSION) {
        printf("  attempt %d: write refused (ZK_EBADVERSION): lost the race, ask for a retry\n",
               job->attempts);
        return ZK_EFORCERETRY;
    }
    if (rc == ZK_OK) {
        printf("  attempt %d: wrote %ld\n", job->attempts, value + 1);
    }
    return rc;
}

/* (c) Fails with an error that no retry can fix. */
static int32_t read_missing_node(zk_client *zk, void *user_data) {
    struct job *job = (struct job *)user_data;
    job->attempts++;
    return zk_get(zk, job->path, NULL, NULL);
}

/* (c) Asks for another attempt every time, until the policy gives up. */
static int32_t always_busy(zk_client *zk, void *user_data) {
    struct job *job = (struct job *)user_data;
    (void)zk;
    job->attempts++;
    return ZK_EFORCERETRY;
}

/* (d) Writes a node, printing each attempt's result: ZK_ECONNECTIONLOSS while the server is
 * down. zk_set with version -1 writes unconditionally, so repeating it is harmless. */
static int32_t set_node(zk_client *zk, void *user_data) {
    struct job *job = (struct job *)user_data;
    zk_error rc;
    job->attempts++;
    rc = zk_set(zk, job->path, (const uint8_t *)"after the restart", 17, -1, NULL);
    printf("  attempt %d: zk_set: %s\n", job->attempts, zk_error_str(rc));
    fflush(stdout);
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * (d) The server restart: a thread runs the script while the main thread waits, on a
 * condition variable, for the listener to report SUSPENDED.
 * --------------------------------------------------------------------------------------- */

#define WAIT_SECONDS 60

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int suspended;         /* SUSPENDED reports seen by the listener */
    int restart_done;      /* the restart thread has finished */
    int restart_status;    /* its system() status: 0 on success */
    const char *state_dir; /* the server's state directory */
} shared;

static void shared_init(void) {
    pthread_condattr_t attr;
    CHECK_PTHREAD(pthread_mutex_init(&shared.lock, NULL));
    CHECK_PTHREAD(pthread_condattr_init(&attr));
    CHECK_PTHREAD(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    CHECK_PTHREAD(pthread_cond_init(&shared.changed, &attr));
    CHECK_PTHREAD(pthread_condattr_destroy(&attr));
}

static void shared_destroy(void) {
    CHECK_PTHREAD(pthread_cond_destroy(&shared.changed));
    CHECK_PTHREAD(pthread_mutex_destroy(&shared.lock));
}

/* Runs on a zkclient dispatcher thread. */
static void on_state(zk_state state, zk_keeper_state keeper_state, void *user_data) {
    const char *name = state == ZK_STATE_CONNECTED   ? "CONNECTED"
                       : state == ZK_STATE_SUSPENDED ? "SUSPENDED"
                                                     : "LOST";
    (void)user_data;
    printf("  [listener] %s (keeper state %d)\n", name, (int)keeper_state);
    fflush(stdout);
    CHECK_PTHREAD(pthread_mutex_lock(&shared.lock));
    if (state == ZK_STATE_SUSPENDED) {
        shared.suspended++;
    }
    CHECK_PTHREAD(pthread_cond_broadcast(&shared.changed));
    CHECK_PTHREAD(pthread_mutex_unlock(&shared.lock));
}

/* Runs `zk-server.sh COMMAND STATE_DIR 1` and returns its system() status (0: success). */
static int server_script(const char *command) {
    char line[2048];
    snprintf(line, sizeof line, "'%s' %s '%s' 1", ZK_SERVER_SCRIPT, command, shared.state_dir);
    return system(line);
}

static void *restart_server(void *unused) {
    int status;
    (void)unused;
    status = server_script("stop-one");
    if (status == 0) {
        status = server_script("start-one");
    }
    CHECK_PTHREAD(pthread_mutex_lock(&shared.lock));
    shared.restart_status = status;
    shared.restart_done = 1;
    CHECK_PTHREAD(pthread_cond_broadcast(&shared.changed));
    CHECK_PTHREAD(pthread_mutex_unlock(&shared.lock));
    return NULL;
}

/* Waits until the listener saw SUSPENDED (true), or the restart thread ended first (false);
 * fails the program after WAIT_SECONDS. */
static bool wait_for_suspended(void) {
    struct timespec deadline;
    bool suspended;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += WAIT_SECONDS;
    CHECK_PTHREAD(pthread_mutex_lock(&shared.lock));
    while (shared.suspended == 0 && !shared.restart_done) {
        int err = pthread_cond_timedwait(&shared.changed, &shared.lock, &deadline);
        if (err != 0 && shared.suspended == 0 && !shared.restart_done) {
            fprintf(stderr, "no SUSPENDED within %d s (%s)\n", WAIT_SECONDS, strerror(err));
            exit(1);
        }
    }
    suspended = shared.suspended > 0;
    CHECK_PTHREAD(pthread_mutex_unlock(&shared.lock));
    return suspended;
}

static void retry_across_restart(zk_client *zk) {
    zk_retry_policy policy;
    struct job job = {"/restart", NULL, 0};
    pthread_t thread;
    zk_buffer data;

    CHECK(zk_create(zk, job.path, (const uint8_t *)"before", 6, NULL, NULL, NULL));
    EXPECT(strchr(shared.state_dir, '\'') == NULL); /* quoted with '...' in the command */
    printf("restarting the server (%s stop-one, then start-one)\n", ZK_SERVER_SCRIPT);
    fflush(stdout);
    CHECK_PTHREAD(pthread_create(&thread, NULL, restart_server, NULL));
    EXPECT(wait_for_suspended());

    /* The server is down: retry without a limit on attempts, but for 60 s at most, pausing
     * from 100 ms up to 1 s between attempts. */
    CHECK(zk_retry_policy_init(&policy, ZK_RETRY_POLICY_VERSION));
    policy.max_tries = -1;
    policy.delay_ms = 100;
    policy.max_delay_ms = 1000;
    policy.deadline_ms = 60000;
    printf("connection SUSPENDED: zk_retry(zk_set) with max_tries -1, deadline 60 s\n");
    fflush(stdout);
    CHECK(zk_retry(zk, &policy, set_node, &job));
    printf("zk_set succeeded after %d attempts, across the restart\n", job.attempts);
    EXPECT(job.attempts > 1);

    CHECK_PTHREAD(pthread_join(thread, NULL));
    printf("restart script exit status: %d\n", shared.restart_status);
    EXPECT(shared.restart_status == 0);
    CHECK(zk_get(zk, job.path, &data, NULL));
    printf("%s now holds \"%.*s\"\n", job.path, (int)data.len, (const char *)data.data);
    EXPECT(data.len == 17 && memcmp(data.data, "after the restart", 17) == 0);
    zk_buffer_free(&data);
    CHECK(zk_delete(zk, job.path, -1, false));
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    const char *state_dir = argc > 2 ? argv[2] : NULL;
    char connect_string[512];
    zk_client *zk;
    zk_client *rival;
    zk_retry_policy policy;
    struct job job;
    long value;
    long started;
    zk_error rc;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    /* A chroot of our own, so that the example never touches anybody else's nodes. */
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-retry-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    shared_init();
    shared.state_dir = state_dir;
    CHECK(zk_client_new(connect_string, NULL, &zk));
    CHECK(zk_client_add_listener(zk, on_state, NULL, NULL, NULL));
    CHECK(zk_client_start(zk, 15000));
    CHECK(zk_client_new(connect_string, NULL, &rival));
    CHECK(zk_client_start(rival, 15000));
    CHECK(zk_ensure_path(zk, "/")); /* the chroot node itself */
    printf("connected to %s\n", connect_string);

    /* (a) A function that succeeds at once. policy NULL: the client's command retry policy
     * (zk_options_set_command_retry; by default 5 attempts, pauses from 100 ms doubling). */
    printf("\n(a) zk_retry(create_counter), the client's policy\n");
    job.path = "/counter";
    job.rival = NULL;
    job.attempts = 0;
    CHECK(zk_retry(zk, NULL, create_counter, &job));
    printf("created /counter = 0 in %d attempt\n", job.attempts);
    EXPECT(job.attempts == 1);

    /* (b) A read-modify-write that loses a race once. Start from the default policy and
     * change what you need. */
    printf("\n(b) zk_retry(increment_counter), losing the first race on purpose\n");
    CHECK(zk_retry_policy_init(&policy, ZK_RETRY_POLICY_VERSION));
    policy.max_tries = 5;       /* attempts in all, the first included; -1: unlimited */
    policy.delay_ms = 10;       /* first pause; then times policy.backoff (2.0) each time */
    policy.max_delay_ms = 200;  /* no pause longer than this */
    policy.deadline_ms = 10000; /* give up 10 s after the first attempt started; -1: never */
    job.rival = rival;
    job.attempts = 0;
    CHECK(zk_retry(zk, &policy, increment_counter, &job));
    CHECK(read_counter(zk, "/counter", &value, NULL));
    printf("incremented in %d attempts; /counter = %ld (the other client's +1 and ours)\n",
           job.attempts, value);
    EXPECT(job.attempts == 2 && value == 2);

    /* (c) What is not retried, and giving up. */
    printf("\n(c) errors\n");
    job.path = "/missing";
    job.rival = NULL;
    job.attempts = 0;
    rc = zk_retry(zk, &policy, read_missing_node, &job);
    printf("zk_retry(read_missing_node): %s after %d attempt (not retryable): %s\n",
           zk_error_str(rc), job.attempts, zk_last_error_message());
    EXPECT(rc == ZK_ENONODE && job.attempts == 1);

    CHECK(zk_retry_policy_init(&policy, ZK_RETRY_POLICY_VERSION));
    policy.max_tries = 3;
    policy.delay_ms = 10;
    job.attempts = 0;
    rc = zk_retry(zk, &policy, always_busy, &job);
    printf("zk_retry(always_busy), max_tries 3: %s after %d attempts: %s\n", zk_error_str(rc),
           job.attempts, zk_last_error_message());
    EXPECT(rc == ZK_EFORCERETRY && job.attempts == 3);

    CHECK(zk_retry_policy_init(&policy, ZK_RETRY_POLICY_VERSION));
    policy.max_tries = -1;
    policy.delay_ms = 20;
    policy.backoff = 1.0; /* pause 20 ms (+-20% jitter) every time */
    policy.deadline_ms = 300;
    job.attempts = 0;
    started = now_ms();
    rc = zk_retry(zk, &policy, always_busy, &job);
    printf("zk_retry(always_busy), unlimited tries, deadline 300 ms: %s after %ld ms: %s\n",
           zk_error_str(rc), now_ms() - started, zk_last_error_message());
    EXPECT(rc == ZK_EFORCERETRY && job.attempts > 1); /* the deadline ended it */

    /* (d) Across a server restart, only when we may restart the server. */
    printf("\n(d) zk_retry across a server restart\n");
    if (state_dir == NULL) {
        printf("server restart part skipped (no state dir given)\n");
    } else {
        retry_across_restart(zk);
    }

    CHECK(zk_delete(zk, "/counter", -1, false));
    CHECK(zk_client_stop(rival));
    CHECK(zk_client_stop(zk));
    zk_client_free(rival);
    zk_client_free(zk);
    shared_destroy();
    printf("retry: all steps passed\n");
    return 0;
}
