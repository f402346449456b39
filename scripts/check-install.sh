#!/usr/bin/env bash
# Part of `make test`: `make install` into a staging directory, then the C quick start built
# the way a user would, with pkg-config, against the shared library and against the static
# one, and run against $ZK_HOSTS. Fails unless both print "quickstart: all steps passed".
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${ZK_HOSTS:-}" ] || { echo "check-install: ZK_HOSTS is not set" >&2; exit 1; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-install.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr >/dev/null

export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_PATH="$stage/usr/lib/pkgconfig" PKG_CONFIG_LIBDIR=""
echo "pkg-config zkclient: version $(pkg-config --modversion zkclient): $(pkg-config --cflags --libs zkclient)"
# shellcheck disable=SC2046 # pkg-config's flags are meant to be split
cc -std=c11 -Wall -Wextra -Werror examples-c/quickstart.c $(pkg-config --cflags --libs zkclient) \
    -o "$stage/quickstart-shared"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror examples-c/quickstart.c $(pkg-config --cflags zkclient) \
    "$stage/usr/lib/libzkclient.a" $(pkg-config --static --libs-only-l zkclient | sed 's/-lzkclient//') \
    -o "$stage/quickstart-static"
if ldd "$stage/quickstart-static" | grep -q zkclient; then
    echo "check-install: the static build still needs libzkclient.so" >&2
    exit 1
fi
for kind in shared static; do
    out="$(LD_LIBRARY_PATH="$stage/usr/lib" "$stage/quickstart-$kind" "$ZK_HOSTS")"
    if [ "$(printf '%s\n' "$out" | tail -n 1)" != "quickstart: all steps passed" ]; then
        printf '%s\n' "$out" >&2
        echo "check-install: the $kind quick start failed" >&2
        exit 1
    fi
    echo "quick start built with pkg-config ($kind library): all steps passed"
done
