/*
 * zkclient transactions: several writes applied atomically (all or none), and read batches.
 *
 * Usage: transaction [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
 */
#define _POSIX_C_SOURCE 200809L
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

static const char *op_name(zk_op_type type) {
    switch (type) {
    case ZK_OP_CREATE: return "create";
    case ZK_OP_DELETE: return "delete";
    case ZK_OP_SET: return "set";
    case ZK_OP_CHECK: return "check";
    case ZK_OP_GET: return "get";
    case ZK_OP_GET_CHILDREN: return "get_children";
    default: return "error";
    }
}

static void print_results(const zk_op_results *results) {
    size_t i;
    for (i = 0; i < results->count; i++) {
        const zk_op_result *r = &results->items[i];
        printf("  %zu: %-12s %s", i, op_name(r->op_type), zk_error_str(r->rc));
        if (r->path != NULL) printf(" path=%s", r->path);
        if (r->op_type == ZK_OP_SET) printf(" version=%d", r->stat.version);
        if (r->op_type == ZK_OP_GET) printf(" data=\"%.*s\"", (int)r->data.len, (const char *)r->data.data);
        if (r->op_type == ZK_OP_GET_CHILDREN) printf(" children=%zu", r->children.count);
        printf("\n");
    }
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *zk;
    zk_transaction *txn;
    zk_op_results results;
    zk_error rc;
    bool exists;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-transaction-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    CHECK(zk_client_new(connect_string, NULL, &zk));
    CHECK(zk_client_start(zk, 15000));
    CHECK(zk_ensure_path(zk, "/accounts"));
    CHECK(zk_create(zk, "/accounts/alice", (const uint8_t *)"100", 3, NULL, NULL, NULL));

    /* 1. A transfer: check alice's version, update her, create bob — all or nothing. */
    CHECK(zk_transaction_new(zk, &txn));
    CHECK(zk_transaction_check(txn, "/accounts/alice", 0));
    CHECK(zk_transaction_set(txn, "/accounts/alice", (const uint8_t *)"60", 2, 0));
    CHECK(zk_transaction_create(txn, "/accounts/bob", (const uint8_t *)"40", 2, NULL));
    CHECK(zk_transaction_commit(txn, &results));
    printf("transfer committed:\n");
    print_results(&results);
    EXPECT(results.count == 3 && results.items[1].stat.version == 1);
    zk_op_results_free(&results);
    zk_transaction_free(txn);

    /* 2. The same transfer again: alice's version moved on, so the server refuses the whole
     *    transaction; the results say which operation failed and that the others rolled back. */
    CHECK(zk_transaction_new(zk, &txn));
    CHECK(zk_transaction_check(txn, "/accounts/alice", 0));
    CHECK(zk_transaction_create(txn, "/accounts/carol", (const uint8_t *)"1", 1, NULL));
    rc = zk_transaction_commit(txn, &results);
    printf("stale transfer: %s\n", zk_error_str(rc));
    print_results(&results);
    EXPECT(rc == ZK_EBADVERSION);
    EXPECT(results.items[0].rc == ZK_EBADVERSION);
    EXPECT(results.items[1].rc == ZK_ERUNTIMEINCONSISTENCY);
    zk_op_results_free(&results);
    zk_transaction_free(txn);
    CHECK(zk_exists(zk, "/accounts/carol", &exists, NULL));
    printf("carol exists after the refused transaction: %s\n", exists ? "yes" : "no");
    EXPECT(!exists);

    /* 3. A read batch: several reads answered together (ZooKeeper 3.6+). */
    CHECK(zk_transaction_new(zk, &txn));
    CHECK(zk_transaction_get(txn, "/accounts/alice"));
    CHECK(zk_transaction_get(txn, "/accounts/bob"));
    CHECK(zk_transaction_get_children(txn, "/accounts"));
    CHECK(zk_transaction_commit(txn, &results));
    printf("read batch:\n");
    print_results(&results);
    EXPECT(results.items[0].data.len == 2 && memcmp(results.items[0].data.data, "60", 2) == 0);
    EXPECT(results.items[2].children.count == 2);
    zk_op_results_free(&results);
    zk_transaction_free(txn);

    CHECK(zk_delete(zk, "/", -1, true));
    CHECK(zk_client_stop(zk));
    zk_client_free(zk);
    printf("transaction: all steps passed\n");
    return 0;
}
