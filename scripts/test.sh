#!/usr/bin/env bash
# `make test`: every check and test, against real ZooKeeper servers started here.
#   formatting, clippy (with and without the gssapi feature), the committed header (and the names its doc comments use), a short fuzz
#   run of proto, unit and integration tests (Rust), the C and C++ examples under ctest (plain
#   and with address/undefined sanitizers), the exports and the ABI of libzkclient.so (soname,
#   symbol versions, the libabigail baseline), the API reference (Doxygen), and `make install`
#   checked by building the quick start with CMake's find_package and with pkg-config (shared
#   and static), the Python binding (its quick start, and its pytest tests in a virtual
#   environment under build/), the Go binding (bindings/go: go vet, go test, and the
#   pkg-config build of it), and the Ruby binding's minitest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

scripts/install-deps.sh

step "format"
cargo fmt --all -- --check

step "build (regenerates include/zkclient.h)"
cargo build --release
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- include/zkclient.h; then
    git --no-pager diff --stat -- include/zkclient.h
    echo "include/zkclient.h differs from the code: commit the regenerated header" >&2
    exit 1
fi

step "every type a doc comment of the header names is declared in it"
python3 scripts/check-header-docs.py include/zkclient.h

step "exports: soname libzkclient.so.0, every zk_ function tagged ZKCLIENT_0.1, the header's functions"
scripts/check-symbols.sh

step "ABI against the baselines abi/libzkclient.so.0.abi and abi/zkclient.h.abi (libabigail), and the check's self-test"
scripts/abi-check.sh
scripts/abi-check-selftest.sh

step "API reference: Doxygen on the header, zero warnings (make docs)"
scripts/docs.sh

step "clippy (default build, and with the gssapi feature)"
cargo clippy --release --all-targets -- -D warnings
cargo clippy --release --all-targets --features gssapi -- -D warnings

step "fuzz proto: a short bounded run (make fuzz runs long)"
fuzz/run.sh short

state="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-test.XXXXXX")"
cleanup() {
    scripts/zk-server.sh cleanup "$state/shared" >/dev/null 2>&1 || true
    scripts/zk-server.sh cleanup "$state/reconfig" >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
step "start the shared ZooKeeper server"
ZK_TEST_HOSTS="$(scripts/zk-server.sh start "$state/shared")"
export ZK_TEST_HOSTS ZK_HOSTS="$ZK_TEST_HOSTS" ZK_TEST_STATE_DIR="$state"
echo "shared server: $ZK_TEST_HOSTS"

step "Rust unit and integration tests (with the gssapi feature: Kerberos against a local KDC)"
cargo test --release --all-targets --features gssapi

step "start a reconfig-enabled 3-server ensemble (for examples-c/reconfig.c)"
ZK_RECONFIG_HOSTS="$(scripts/zk-server.sh start "$state/reconfig" --servers 3 --reconfig)"
export ZK_RECONFIG_HOSTS
echo "reconfig ensemble: $ZK_RECONFIG_HOSTS"

step "C and C++ examples (ctest)"
cmake -S examples-c -B build/examples -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/examples -j 2
(cd build/examples && ctest --output-on-failure)

step "C and C++ examples with -fsanitize=address,undefined (ctest)"
cmake -S examples-c -B build/examples-asan -DCMAKE_BUILD_TYPE=Debug -DZK_SANITIZE=ON >/dev/null
cmake --build build/examples-asan -j 2
(cd build/examples-asan && ctest --output-on-failure)

step "make install, then the quick start built out of tree with CMake and pkg-config (shared and static library)"
scripts/check-install.sh

step "the quick start from Python, with the zkclient package over ctypes (bindings/python/examples)"
ZKCLIENT_LIBRARY=target/release/libzkclient.so PYTHONPATH=bindings/python/src \
    python3 bindings/python/examples/quickstart.py "$ZK_HOSTS"

step "Python binding (bindings/python): pytest against the shared server"
ZKCLIENT_LIBRARY=target/release/libzkclient.so bindings/python/run-tests.sh

step "Go binding (bindings/go): go vet and go test against the shared server"
# The test binary loads the library by its soname from target/release (its rpath), as
# `make build` links it; a second build takes the flags from a zkclient.pc naming this tree
# (-tags zkclient_pkgconfig, the installed-library path), run with LD_LIBRARY_PATH.
ln -sfn libzkclient.so target/release/libzkclient.so.0
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
sed -e "s|@PREFIX@|$PWD|" -e "s|@LIBDIR@|$PWD/target/release|" -e "s|@INCLUDEDIR@|$PWD/include|" \
    -e "s|@VERSION@|$version|" -e 's|@EXTRA_PRIVATE_LIBS@||' scripts/zkclient.pc.in >"$state/zkclient.pc"
(
    cd bindings/go
    export GOPROXY=off GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=1
    [ -n "${HOME:-}" ] || export GOCACHE="$PWD/../../build/go-cache"
    go vet ./...
    go test -count=1 ./...
    PKG_CONFIG_PATH="$state" go vet -tags zkclient_pkgconfig ./...
    PKG_CONFIG_PATH="$state" LD_LIBRARY_PATH="$PWD/../../target/release" \
        go test -count=1 -tags zkclient_pkgconfig -run 'TestQuickStart' ./...
)

step "Ruby binding (bindings/ruby): minitest against the shared server"
ZKCLIENT_LIBRARY=target/release/libzkclient.so \
    ruby -Ibindings/ruby/lib -Ibindings/ruby/test bindings/ruby/test/run.rb
