/*
 * zkclient party: kazoo's Party and ShallowParty recipes in C.
 *
 * Members of a party are ephemeral nodes under one path. A Party member's node is
 * <path>/<guid>__party__ and holds its identifier; a ShallowParty member's identifier is in
 * its node name, <path>/<guid>-<identifier>, so listing takes one call. Both layouts are
 * kazoo's, so kazoo programs see these members and these see kazoo's.
 *
 * Usage: party [HOSTS]   (default: $ZK_HOSTS, else 127.0.0.1:2181)
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

static const uint8_t *bytes(const char *text) { return (const uint8_t *)text; }

/* Prints the members of `party` as "<label>: [a b c]" and returns how many there are. */
static size_t list_members(const char *label, zk_party *party) {
    zk_string_list members;
    size_t i, count;
    CHECK(zk_party_members(party, &members));
    printf("%s: [", label);
    for (i = 0; i < members.count; i++) {
        printf("%s%s", i > 0 ? " " : "", members.items[i]);
    }
    printf("]\n");
    count = members.count;
    zk_string_list_free(&members);
    return count;
}

/* True when `name` is among the members of `party`. */
static bool has_member(zk_party *party, const char *name) {
    zk_string_list members;
    size_t i;
    bool found = false;
    CHECK(zk_party_members(party, &members));
    for (i = 0; i < members.count; i++) {
        if (strcmp(members.items[i], name) == 0) {
            found = true;
        }
    }
    zk_string_list_free(&members);
    return found;
}

int main(int argc, char **argv) {
    const char *hosts = argc > 1 ? argv[1] : getenv("ZK_HOSTS");
    char connect_string[512];
    zk_client *first, *second;
    zk_party *alice, *bob, *carol, *worker;
    size_t count;
    bool left;

    if (hosts == NULL || hosts[0] == '\0') {
        hosts = "127.0.0.1:2181";
    }
    snprintf(connect_string, sizeof connect_string, "%s/zkclient-party-%ld-%ld", hosts,
             (long)time(NULL), (long)getpid());
    CHECK(zk_client_new(connect_string, NULL, &first));
    CHECK(zk_client_start(first, 15000));
    CHECK(zk_client_new(connect_string, NULL, &second));
    CHECK(zk_client_start(second, 15000));

    /* 1. Members join from two sessions; everyone sees all of them. */
    CHECK(zk_party_new(first, "/party", bytes("alice"), 5, &alice));
    CHECK(zk_party_new(first, "/party", bytes("bob"), 3, &bob));
    CHECK(zk_party_new(second, "/party", bytes("carol"), 5, &carol));
    EXPECT(list_members("before anyone joins", alice) == 0);
    CHECK(zk_party_join(alice));
    CHECK(zk_party_join(bob));
    CHECK(zk_party_join(carol));
    EXPECT(list_members("after three joined", carol) == 3);
    CHECK(zk_party_len(alice, &count));
    printf("party size: %zu\n", count);
    EXPECT(count == 3 && has_member(alice, "carol") && has_member(carol, "bob"));

    /* 2. A member leaves; leaving again reports it was not there. */
    CHECK(zk_party_leave(bob, &left));
    EXPECT(left);
    CHECK(zk_party_leave(bob, &left));
    EXPECT(!left);
    EXPECT(list_members("after bob left", alice) == 2 && !has_member(alice, "bob"));

    /* 3. Members are ephemeral: carol's session ends, and so does her membership. */
    CHECK(zk_client_stop(second));
    EXPECT(list_members("after carol's session ended", alice) == 1);
    EXPECT(has_member(alice, "alice"));

    /* 4. A shallow party: identifiers in the node names. */
    CHECK(zk_shallow_party_new(first, "/workers", bytes("worker-1"), 8, &worker));
    CHECK(zk_party_join(worker));
    EXPECT(list_members("shallow party", worker) == 1 && has_member(worker, "worker-1"));
    zk_party_free(worker); /* freeing leaves */
    {
        zk_string_list children;
        CHECK(zk_get_children(first, "/workers", &children, NULL));
        printf("shallow party after its member was freed: %zu member(s)\n", children.count);
        EXPECT(children.count == 0);
        zk_string_list_free(&children);
    }

    zk_party_free(alice);
    zk_party_free(bob);
    zk_party_free(carol);
    CHECK(zk_delete(first, "/", -1, true));
    CHECK(zk_client_stop(first));
    zk_client_free(first);
    zk_client_free(second);
    printf("party: all steps passed\n");
    return 0;
}
