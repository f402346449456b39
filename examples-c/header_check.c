/* The header compiles alone, twice, its version macros match the library, and the library
 * knows the versions of the option structs this header declares. */
#include <zkclient.h>
#include <zkclient.h>

#include <stdio.h>
#include <string.h>

#if !defined(ZK_CREATE_OPTIONS_VERSION) || !defined(ZK_LOCK_OPTIONS_VERSION) ||                  \
    !defined(ZK_PARTITIONER_OPTIONS_VERSION) || !defined(ZK_RETRY_POLICY_VERSION)
#error "the header lacks the version macros of its option structs"
#endif

/* `init(options, version)` accepts the header's version and refuses 0 and the next one. */
#define CHECK_VERSIONS(type, current)                                                           \
    do {                                                                                        \
        type options_;                                                                          \
        if (type##_init(&options_, current) != ZK_OK || options_.version != (current) ||        \
            type##_init(&options_, 0) != ZK_EINVAL ||                                          \
            type##_init(&options_, (current) + 1) != ZK_EINVAL) {                              \
            fprintf(stderr, "%s version %d: %s\n", #type, (int)(current),                      \
                    zk_last_error_message());                                                   \
            return 1;                                                                           \
        }                                                                                       \
    } while (0)

int main(void) {
    char expected[64];
    CHECK_VERSIONS(zk_create_options, ZK_CREATE_OPTIONS_VERSION);
    CHECK_VERSIONS(zk_lock_options, ZK_LOCK_OPTIONS_VERSION);
    CHECK_VERSIONS(zk_partitioner_options, ZK_PARTITIONER_OPTIONS_VERSION);
    CHECK_VERSIONS(zk_retry_policy, ZK_RETRY_POLICY_VERSION);
    printf("option struct versions: create %d, lock %d, partitioner %d, retry %d\n",
           ZK_CREATE_OPTIONS_VERSION, ZK_LOCK_OPTIONS_VERSION, ZK_PARTITIONER_OPTIONS_VERSION,
           ZK_RETRY_POLICY_VERSION);
    snprintf(expected, sizeof expected, "%d.%d.%d", ZKCLIENT_VERSION_MAJOR, ZKCLIENT_VERSION_MINOR,
             ZKCLIENT_VERSION_PATCH);
    if (strcmp(ZKCLIENT_VERSION, zk_version()) != 0 || strcmp(expected, zk_version()) != 0) {
        fprintf(stderr, "header version %s (%s) but library version %s\n", ZKCLIENT_VERSION,
                expected, zk_version());
        return 1;
    }
    printf("header and library agree: zkclient %s\n", zk_version());
    return 0;
}
