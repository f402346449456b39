#!/usr/bin/env bash
# `make bench`: zkclient against the Apache C client (libzookeeper_mt) on the workloads of
# WORKLOADS.md, against one standalone ZooKeeper server of its own on loopback.
#
# 1. installs what is missing (scripts/install-deps.sh: libzookeeper-mt-dev, zookeeper, ...),
#    builds the library (cargo build --release) and the two benchmark programs
#    (bench/zkc_bench.c, bench/zoo_bench.c; -O2 -Wall -Wextra -Werror);
# 2. starts a server (1 GiB heap, tickTime 2000, maxClientCnxns=0, fully optimizing JIT),
#    creates the nodes (bench/zoo_bench setup) and warms it up (>= 100k requests);
# 3. runs every workload in a fresh process per client and pair, alternating
#    zkclient, libzookeeper_mt, zkclient, libzookeeper_mt, ... (BENCH_PAIRS pairs);
# 4. prints the table (medians per client, median of the per-pair ratios zkclient / C client)
#    and writes it as Markdown to bench/results.md; stops the server (also on failure).
#
# Environment:
#   BENCH_SCALE   multiplies every count of WORKLOADS.md (default 1.0; 0.1 for a quick check)
#   BENCH_PAIRS   alternating pairs per workload (default 5)
#   BENCH_ONLY    space-separated workloads to run (default: all)
#   BENCH_OUT     where the Markdown goes (default bench/results.md)
# A run whose program fails is reported as FAILED in the table and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

SCALE="${BENCH_SCALE:-1.0}"
PAIRS="${BENCH_PAIRS:-5}"
ONLY="${BENCH_ONLY:-}"
OUT_MD="${BENCH_OUT:-$ROOT/bench/results.md}"
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "bench: BENCH_SCALE must be a positive number" >&2; exit 2; }
[[ "$PAIRS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_PAIRS must be a positive integer" >&2; exit 2; }

BUILD="$ROOT/build/bench"
STATE="$BUILD/zk"
RAW="$BUILD/raw.txt"
LOG="$BUILD/runs.log"
mkdir -p "$BUILD"

# Counts of WORKLOADS.md, scaled (at least 1).
count() { awk -v n="$1" -v s="$SCALE" 'BEGIN { c = int(n * s + 0.5); print (c < 1 ? 1 : c) }'; }
WORKLOADS=(connect sync_get sync_set async_get async_set async_create sessions watch_fanout big_children lock)
declare -A COUNT=(
    [connect]="$(count 200)"
    [sync_get]="$(count 20000)"
    [sync_set]="$(count 10000)"
    [async_get]="$(count 200000)"
    [async_set]="$(count 100000)"
    [async_create]="$(count 50000)"
    [sessions]="$(count 1000)"
    [watch_fanout]="$(count 10000)"
    [big_children]="$(count 100000)"
    [lock]="$(count 200)"  # per thread, 8 threads
)
WINDOW=1000

# ---- 1. dependencies and builds ------------------------------------------------------------
scripts/install-deps.sh
cargo build --release

CFLAGS=(-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror)
# A private copy of the library and header: others' builds during the run cannot swap them.
mkdir -p "$BUILD/lib" "$BUILD/include"
cp -f target/release/libzkclient.so "$BUILD/lib/libzkclient.so.tmp" && mv -f "$BUILD/lib/libzkclient.so.tmp" "$BUILD/lib/libzkclient.so"
cp -f include/zkclient.h "$BUILD/include/"
ln -sfn libzkclient.so "$BUILD/lib/libzkclient.so.0"  # the soname, which the program loads
cc "${CFLAGS[@]}" bench/zkc_bench.c -I"$BUILD/include" -L"$BUILD/lib" \
    -Wl,-rpath,"$BUILD/lib" -lzkclient -lpthread -o "$BUILD/zkc_bench"
cc "${CFLAGS[@]}" -DTHREADED bench/zoo_bench.c -lzookeeper_mt -lpthread -o "$BUILD/zoo_bench"
# The C client has no lock: the lock workload is compared with kazoo's Lock (Python).
KAZOO_PYTHON="$(scripts/kazoo-venv.sh)"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$KAZOO_PYTHON" "$(pwd)/bench/kazoo_bench.py" >"$BUILD/kazoo_bench"
chmod +x "$BUILD/kazoo_bench"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # 1,000 sessions of the C client: > 3,000 descriptors

# ---- 2. server, nodes, warm-up -----------------------------------------------------------
# The script's default is C1 only (fast startup for tests); a benchmark wants the full JIT.
export ZK_SERVER_JVM_OPTS="-XX:TieredStopAtLevel=4"
scripts/zk-server.sh cleanup "$STATE" >/dev/null 2>&1 || true
trap 'scripts/zk-server.sh cleanup "$STATE" >/dev/null 2>&1 || true' EXIT
HOSTS="$(scripts/zk-server.sh start "$STATE" --heap 1024 --tick-time 2000 | tail -n 1)"
echo "bench: ZooKeeper at $HOSTS (heap 1 GiB, tickTime 2000); scale $SCALE, $PAIRS pairs"

start_s=$SECONDS
echo "bench: creating the nodes (${COUNT[big_children]} children under one parent, 10,000 watch nodes)"
"$BUILD/zoo_bench" setup "$HOSTS" "${COUNT[big_children]}" >/dev/null
echo "bench: warming the server up"
"$BUILD/zoo_bench" async_get "$HOSTS" 100000 >/dev/null
"$BUILD/zoo_bench" async_set "$HOSTS" 50000 >/dev/null
"$BUILD/zkc_bench" async_get "$HOSTS" 100000 >/dev/null
"$BUILD/zkc_bench" async_set "$HOSTS" 50000 >/dev/null
echo "bench: set-up and warm-up took $((SECONDS - start_s)) s"

# ---- 3. the runs -------------------------------------------------------------------------
: >"$RAW"
: >"$LOG"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' (with uncommitted changes in src/ or include/)')"
failed=0
# run CLIENT PROGRAM WORKLOAD PAIR: one fresh process; appends its result line to $RAW.
run() {
    local client="$1" prog="$2" wl="$3" pair="$4" line rc=0
    line="$(timeout 600 "$BUILD/$prog" "$wl" "$HOSTS" "${COUNT[$wl]}" "$WINDOW" 2>>"$LOG")" || rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
        echo "pair=$pair $line" >>"$RAW"
        printf '  %-16s %s\n' "$client" "${line#* workload=* }"
    else
        echo "pair=$pair client=$client workload=$wl status=failed exit=$rc" >>"$RAW"
        printf '  %-16s FAILED (exit %s; see %s)\n' "$client" "$rc" "$LOG"
        echo "== $client $wl pair $pair: exit $rc" >>"$LOG"
        failed=1
    fi
}

for wl in "${WORKLOADS[@]}"; do
    if [ -n "$ONLY" ] && [[ " $ONLY " != *" $wl "* ]]; then continue; fi
    echo "bench: $wl (count ${COUNT[$wl]})"
    for ((pair = 1; pair <= PAIRS; pair++)); do
        run zkclient zkc_bench "$wl" "$pair"
        if [ "$wl" = lock ]; then
            run kazoo kazoo_bench "$wl" "$pair"
        else
            run libzookeeper_mt zoo_bench "$wl" "$pair"
        fi
    done
done
echo "bench: the runs took $((SECONDS - start_s)) s in all"

# ---- 4. the table ------------------------------------------------------------------------
header="$BUILD/header.md"
{
    echo "# zkclient vs libzookeeper_mt: benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); zkclient commit $COMMIT"
    echo "- settings: BENCH_SCALE=$SCALE, BENCH_PAIRS=$PAIRS, window $WINDOW; counts: $(for wl in "${WORKLOADS[@]}"; do printf '%s %s, ' "$wl" "${COUNT[$wl]}"; done | sed 's/, $//')"
    echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), load average $LOAD_BEFORE before the runs and $(cut -d' ' -f1-3 /proc/loadavg) after; shared with other work, so figures are noisy"
    echo "- server: ZooKeeper $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo '?') standalone on loopback, 1 GiB heap, tickTime 2000, JVM $ZK_SERVER_JVM_OPTS, warmed up with > 100k requests"
    echo "- C client: libzookeeper_mt $(dpkg-query -W -f='${Version}' libzookeeper-mt2 2>/dev/null || echo '?')"
    echo
    echo "Method: every workload runs in a fresh process per client and pair, alternating zkclient, libzookeeper_mt, zkclient, ... The client columns are medians over the pairs; **ratio** is the median of the per-pair ratios zkclient ÷ libzookeeper_mt (*pair ratios*: their range); *better* says which direction wins for that figure. Client CPU is user+sys of the whole process (getrusage) over the timed part. Goals from WORKLOADS.md and the project brief: pipelined throughput ≥ 1.5× and CPU/op ≤ 1/4 of the C client's, blocking ops at least at parity, 1,000 sessions in ≤ 4 threads and ≤ 16 MB."
    echo
} >"$header"
report_rc=0
python3 bench/report.py "$RAW" "$OUT_MD" "$header" || report_rc=$?
echo "bench: table written to ${OUT_MD#"$ROOT"/}; raw lines in ${RAW#"$ROOT"/}, program output in ${LOG#"$ROOT"/}"
if [ "$failed" -ne 0 ] || [ "$report_rc" -ne 0 ]; then
    echo "bench: some runs FAILED (see $LOG)" >&2
    exit 1
fi
