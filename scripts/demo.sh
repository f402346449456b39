#!/usr/bin/env bash
# `make demo`: build the library and the examples, start a local ZooKeeper, run the C
# quick start against it, and stop the server again.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cargo build --release
cmake -S examples-c -B build/examples -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/examples -j 2 >/dev/null

state="$(pwd)/build/zk-demo"
scripts/zk-server.sh stop "$state" >/dev/null 2>&1 || true
hosts="$(scripts/zk-server.sh start "$state")"
trap 'scripts/zk-server.sh cleanup "$state" >/dev/null' EXIT
echo "== ZooKeeper running at $hosts; running examples-c/quickstart.c"
build/examples/quickstart "$hosts"
