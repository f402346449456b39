#!/usr/bin/env bash
# Installs what building and testing zkclient needs on a fresh Debian machine, skipping
# whatever is already there: a C toolchain (and GNU ld), libabigail and Doxygen, CMake,
# pkg-config and Python 3 (with venv) for the examples and the Python binding, Go for
# bindings/go, Apache ZooKeeper for the tests, the Apache C client (libzookeeper-mt-dev) and
# valgrind for the benchmark, openssl and MIT Kerberos (KDC, admin tools, kinit, libkrb5-dev)
# for the TLS and SASL tests, Ruby with the ffi gem and minitest for the Ruby binding
# (bindings/ruby).
set -euo pipefail

missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v go >/dev/null 2>&1 || missing+=(golang-go)   # the Go binding (bindings/go), Go 1.19+
# The Python binding's tests make a virtual environment (bindings/python/run-tests.sh):
# Debian's python3 needs python3-venv for that (ensurepip).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -e /usr/share/java/zookeeper.jar ] || ls /usr/share/zookeeper/lib/zookeeper-*.jar >/dev/null 2>&1 || missing+=(zookeeper)
[ -e /usr/include/zookeeper/zookeeper.h ] || missing+=(libzookeeper-mt-dev)
# The benchmark's instruction counts (scripts/bench.sh, callgrind).
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
# TLS and SASL test servers (scripts/zk-server.sh --tls, --kerberos): openssl makes the
# certificates; an MIT KDC (krb5kdc, kdb5_util; kadmin.local is in krb5-admin-server) and
# kinit. libkrb5-dev: the gssapi cargo feature links libgssapi_krb5.
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have openssl || missing+=(openssl)
{ have krb5kdc && have kdb5_util; } || missing+=(krb5-kdc)
have kadmin.local || missing+=(krb5-admin-server)
have kinit || missing+=(krb5-user)
[ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
# Packaging checks: GNU ld links libzkclient.so with its version script (build.rs),
# libabigail's abidw/abidiff compare the ABI with the baseline (scripts/abi-check.sh), and
# Doxygen builds the API reference (scripts/docs.sh).
have ld.bfd || missing+=(binutils)
have abidiff || missing+=(abigail-tools)
have doxygen || missing+=(doxygen)
# The Ruby binding's tests (bindings/ruby): Debian's Ruby, ffi gem and minitest.
have ruby || missing+=(ruby)
ruby -e 'require "ffi"' >/dev/null 2>&1 || missing+=(ruby-ffi)
ruby -e 'require "minitest"' >/dev/null 2>&1 || missing+=(ruby-minitest)

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "install-deps: cargo is missing; install Rust (https://rustup.rs) and run again" >&2
    exit 1
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true
