#!/usr/bin/env bash
# run_with_own_server.sh [--server 'START OPTIONS']... PROGRAM
#
# Runs an example that needs ZooKeeper servers of its own (retry restarts its server; tls and
# sasl need secured servers) against standalone servers started here with
# `scripts/zk-server.sh start DIR START OPTIONS`, and always stopped and deleted afterwards.
# Each --server starts one server (its options split on spaces, e.g. --server '--tls need');
# without any, one plain server is started. PROGRAM runs as
#   PROGRAM HOSTS1 DIR1 [HOSTS2 DIR2 ...]
# one connect string (the plain clientPort) and one state directory per server, in the order
# given (a TLS server's secure connect string is DIR/secure-hosts, its certificates DIR/tls/).
# Passes (exit 0) only when PROGRAM exits 0 and the last line of its output says
# "...: all steps passed"; otherwise exits with PROGRAM's status (or 1).
set -euo pipefail

usage() {
    echo "usage: $0 [--server 'START OPTIONS']... PROGRAM" >&2
    exit 2
}

declare -a server_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --server)
            [ $# -ge 2 ] || usage
            server_options+=("$2")
            shift 2
            ;;
        --server=*)
            server_options+=("${1#--server=}")
            shift
            ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ $# -eq 1 ] || usage
program="$1"
[ ${#server_options[@]} -gt 0 ] || server_options=("")
zk_server="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/zk-server.sh"

declare -a dirs=()
out="$(mktemp "${TMPDIR:-/tmp}/zkclient-example.XXXXXX.out")"
cleanup() {
    local dir
    for dir in "${dirs[@]}"; do
        "$zk_server" cleanup "$dir" >/dev/null || echo "could not clean up the server in $dir" >&2
    done
    rm -f "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

declare -a program_args=()
for options in "${server_options[@]}"; do
    dir="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-example.XXXXXX")"
    dirs+=("$dir")
    read -r -a start_args <<<"$options" || true
    hosts="$("$zk_server" start "$dir" ${start_args[@]+"${start_args[@]}"} | tail -n 1)"
    [ -n "$hosts" ] || exit 1
    echo "own server: $hosts${options:+ ($options)} (state in $dir)"
    program_args+=("$hosts" "$dir")
done

status=0
"$program" "${program_args[@]}" | tee "$out" || status="${PIPESTATUS[0]}"
if [ "$status" -ne 0 ]; then
    echo "$program exited with status $status" >&2
    exit "$status"
fi
if ! tail -n 1 "$out" | grep -q ': all steps passed$'; then
    echo "$program: the last line of its output is not \"...: all steps passed\"" >&2
    exit 1
fi
