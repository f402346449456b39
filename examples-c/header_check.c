/* The header compiles alone, twice, and its version macros match the library. */
#include <zkclient.h>
#include <zkclient.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    char expected[64];
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
