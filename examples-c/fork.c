/*
 * zkclient and fork(): what a child process may do with its parent's clients.
 *
 * A client belongs to the process that created it. fork() copies its memory but not the
 * library's threads, so in the child:
 *   - every call on a client of the parent returns ZK_EFORKED at once (nothing is sent);
 *   - zk_client_free() of such a client returns at once and sends nothing, so the parent's
 *     session (and its ephemeral nodes) stays as it was;
 *   - a client created in the child works like any other.
 * The parent goes on using its clients as if nothing happened.
 *
 * Usage: fork [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 */
#define _POSIX_C_SOURCE 200809L /* fork(), getpid(), alarm(), clock_gettime() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
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

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static zk_client *connect_to(const char *connect_string) {
    zk_client *zk;
    CHECK(zk_client_new(connect_string, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    return zk;
}

/* The child: the parent's client is off limits, a new one works. Ends with _exit(). */
static void child(zk_client *inherited, const char *connect_string) {
    struct timespec began;
    zk_client *own;
    zk_buffer data;
    zk_error rc;
    bool exists = false;

    alarm(30); /* if anything here hangs, SIGALRM ends the child and the parent reports it */
    clock_gettime(CLOCK_MONOTONIC, &began);
    rc = zk_exists(inherited, "/owned-by-parent", &exists, NULL);
    printf("child: zk_exists on the parent's client: %s after %ld ms: %s\n", zk_error_str(rc),
           elapsed_ms(&began), zk_last_error_message());
    EXPECT(rc == ZK_EFORKED);
    zk_client_free(inherited); /* returns at once, sends nothing */
    printf("child: freed the parent's client\n");

    own = connect_to(connect_string);
    CHECK(zk_create(own, "/from-child", bytes("hello"), 5, NULL, NULL, NULL));
    CHECK(zk_get(own, "/from-child", &data, NULL));
    EXPECT(data.len == 5 && memcmp(data.data, "hello", 5) == 0);
    printf("child: its own client created and read /from-child: \"%.*s\"\n", (int)data.len,
           (const char *)data.data);
    zk_buffer_free(&data);
    zk_client_free(own);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char root_string[512];
    char connect_string[600];
    zk_create_options ephemeral;
    zk_client *root;
    zk_client *zk;
    zk_stat stat;
    bool exists = false;
    int64_t session_id = 0;
    int64_t session_after = 0;
    pid_t pid;
    int status = 0;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    /* A chroot of our own, so that the example never touches anybody else's nodes. */
    snprintf(root_string, sizeof root_string, "/zkclient-fork-%ld-%ld", (long)time(NULL),
             (long)getpid());
    root = connect_to(hosts);
    CHECK(zk_ensure_path(root, root_string));
    zk_client_free(root);
    snprintf(connect_string, sizeof connect_string, "%s%s", hosts, root_string);

    zk = connect_to(connect_string);
    CHECK(zk_create_options_init(&ephemeral, ZK_CREATE_OPTIONS_VERSION));
    ephemeral.mode = ZK_EPHEMERAL;
    CHECK(zk_create(zk, "/owned-by-parent", NULL, 0, &ephemeral, NULL, NULL));
    CHECK(zk_client_session(zk, &session_id, NULL, NULL));
    printf("parent: connected, session 0x%llx owns /owned-by-parent\n",
           (unsigned long long)session_id);

    fflush(stdout); /* or the child would print the parent's buffered output again */
    pid = fork();
    EXPECT(pid >= 0);
    if (pid == 0) {
        child(zk, connect_string);
    }
    EXPECT(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "parent: the child was killed by signal %d (it hung)\n", WTERMSIG(status));
        return 1;
    }
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("parent: the child exited with 0\n");

    /* The parent's client and session are untouched by the child. */
    CHECK(zk_client_session(zk, &session_after, NULL, NULL));
    EXPECT(session_after == session_id);
    CHECK(zk_exists(zk, "/owned-by-parent", &exists, &stat));
    EXPECT(exists && stat.ephemeral_owner == session_id);
    CHECK(zk_exists(zk, "/from-child", &exists, NULL));
    EXPECT(exists);
    printf("parent: still connected with the same session; /owned-by-parent is still ours\n");
    CHECK(zk_delete(zk, "/from-child", -1, false));
    CHECK(zk_delete(zk, "/owned-by-parent", -1, false));
    zk_client_free(zk);

    root = connect_to(hosts);
    CHECK(zk_delete(root, root_string, -1, false));
    zk_client_free(root);
    printf("fork: all steps passed\n");
    return 0;
}
