#!/usr/bin/env bash
# run_with_own_server.sh PROGRAM: runs an example that needs a ZooKeeper server of its own
# (retry restarts its server) as `PROGRAM HOSTS STATE_DIR`, against a standalone server
# started here and always stopped and deleted afterwards. Passes (exit 0) only when PROGRAM
# exits 0 and the last line of its output says "...: all steps passed"; otherwise exits
# with PROGRAM's status (or 1).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 PROGRAM" >&2
    exit 2
fi
program="$1"
zk_server="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/zk-server.sh"

dir="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-example.XXXXXX")"
out="$dir.out"
cleanup() {
    "$zk_server" cleanup "$dir" >/dev/null || echo "could not clean up the server in $dir" >&2
    rm -f "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

hosts="$("$zk_server" start "$dir" | tail -n 1)"
[ -n "$hosts" ] || exit 1
echo "own server: $hosts (state in $dir)"

status=0
"$program" "$hosts" "$dir" | tee "$out" || status="${PIPESTATUS[0]}"
if [ "$status" -ne 0 ]; then
    echo "$program exited with status $status" >&2
    exit "$status"
fi
if ! tail -n 1 "$out" | grep -q ': all steps passed$'; then
    echo "$program: the last line of its output is not \"...: all steps passed\"" >&2
    exit 1
fi
