#!/usr/bin/env bash
# `make bench`: zkclient against two peers, the Apache C client (libzookeeper_mt) and the async
# Rust crate zookeeper-client 0.11, on the workloads of WORKLOADS.md, against one standalone
# ZooKeeper server of its own on loopback; then client instructions per request (callgrind).
#
# 1. installs what is missing (scripts/install-deps.sh: libzookeeper-mt-dev, zookeeper,
#    valgrind, ...), builds the library (cargo build --release), the two C programs
#    (bench/zkc_bench.c, bench/zoo_bench.c; -O2 -Wall -Wextra -Werror) and the peer crate
#    bench/zookeeper-client (cargo build --release --locked, its own target dir under build/);
# 2. starts a server (1 GiB heap, tickTime 2000, maxClientCnxns=0, fully optimizing JIT,
#    the descriptor limit raised to the hard limit), creates the nodes (bench/zoo_bench setup)
#    and warms it up (>= 100k requests);
# 3. runs every workload in a fresh process per client and rotation: zkclient,
#    libzookeeper_mt, zookeeper-client, zkclient, ... (BENCH_ROTATIONS rotations; the lock
#    workload has kazoo's Lock in the C client's place, which has no lock);
# 4. counts user-space instructions per request under callgrind for async_get, async_set and
#    sync_get, all three clients (bench/README.md, "Instructions per request");
# 5. prints the tables and writes them as Markdown to bench/results.md, the instruction
#    counts also to bench/instructions.md; stops the server (also on failure).
#
# Environment:
#   BENCH_SCALE      multiplies every count of WORKLOADS.md (default 1.0; 0.1 for a quick check)
#   BENCH_ROTATIONS  rotations per workload (default 5; BENCH_PAIRS is the old name)
#   BENCH_ONLY       space-separated workloads to run, and/or `instructions` (default: all);
#                    BENCH_ONLY=instructions (make bench-instructions) runs only step 4 and
#                    writes only bench/instructions.md (about 2 minutes)
#   BENCH_OUT        where the Markdown goes (default bench/results.md)
#   BENCH_INSTR_OUT  where the instruction counts go (default bench/instructions.md)
#   BENCH_INSTR_N    requests per callgrind run (default 20000, half that for sync_get; not
#                    scaled by BENCH_SCALE)
#   BENCH_INSTR_RUNS callgrind runs with BENCH_INSTR_N requests per client and workload (default 3)
# A run whose program fails is reported as FAILED in the table and the script exits 1; a run
# that cannot be made on this machine (libzookeeper_mt's 10,000 sessions need 30,000
# descriptors and 20,000 threads) is reported as n/a with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

SCALE="${BENCH_SCALE:-1.0}"
ROTATIONS="${BENCH_ROTATIONS:-${BENCH_PAIRS:-5}}"
ONLY="${BENCH_ONLY:-}"
OUT_MD="${BENCH_OUT:-$ROOT/bench/results.md}"
INSTR_MD="${BENCH_INSTR_OUT:-$ROOT/bench/instructions.md}"
INSTR_N="${BENCH_INSTR_N:-20000}"
INSTR_RUNS="${BENCH_INSTR_RUNS:-3}"
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "bench: BENCH_SCALE must be a positive number" >&2; exit 2; }
[[ "$ROTATIONS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROTATIONS must be a positive integer" >&2; exit 2; }
[[ "$INSTR_N" =~ ^[1-9][0-9]+$ ]] || { echo "bench: BENCH_INSTR_N must be an integer >= 10" >&2; exit 2; }
[[ "$INSTR_RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_INSTR_RUNS must be a positive integer" >&2; exit 2; }

BUILD="$ROOT/build/bench"
STATE="$BUILD/zk"
RAW="$BUILD/raw.txt"
INSTR_RAW="$BUILD/instructions.txt"
LOG="$BUILD/runs.log"
mkdir -p "$BUILD"

# Counts of WORKLOADS.md, scaled (at least 1).
count() { awk -v n="$1" -v s="$SCALE" 'BEGIN { c = int(n * s + 0.5); print (c < 1 ? 1 : c) }'; }
WORKLOADS=(connect sync_get sync_set async_get async_get_dispatcher async_set async_create sessions watch_fanout big_children lock sessions_10k)
INSTR_WORKLOADS=(async_get async_get_dispatcher async_set sync_get)
# sync_get: half as many (one round trip each is slow under callgrind; its count is steady)
declare -A INSTR_COUNT=([async_get]="$INSTR_N" [async_get_dispatcher]="$INSTR_N" [async_set]="$INSTR_N" [sync_get]="$((INSTR_N / 2))")
# zkclient's pipelined rows run its completions inline on the network thread
# (zk_options_set_inline_callbacks: they only count and signal); async_get_dispatcher is
# async_get with them on the default dispatcher thread, for the record. The peers run the
# same program workload in both rows.
program_workload() { case "$1" in async_get_dispatcher) echo async_get ;; *) echo "$1" ;; esac; }
zkc_inline() { case "$1" in async_get | async_set | async_create) echo 1 ;; *) echo 0 ;; esac; }
declare -A COUNT=(
    [connect]="$(count 200)"
    [sync_get]="$(count 20000)"
    [sync_set]="$(count 10000)"
    [async_get]="$(count 200000)"
    [async_get_dispatcher]="$(count 200000)"
    [async_set]="$(count 100000)"
    [async_create]="$(count 50000)"
    [sessions]="$(count 1000)"
    [watch_fanout]="$(count 10000)"
    [big_children]="$(count 100000)"
    [lock]="$(count 200)"  # per thread, 8 threads
    [sessions_10k]="$(count 10000)"
)
WINDOW=1000

# What BENCH_ONLY selects: timed workloads (SELECTED) and/or the instruction counts.
SELECTED=()
RUN_INSTR=0
for word in $ONLY; do
    if [ "$word" = instructions ]; then continue; fi
    [[ " ${WORKLOADS[*]} " == *" $word "* ]] || { echo "bench: BENCH_ONLY: unknown workload '$word' (workloads: ${WORKLOADS[*]} instructions)" >&2; exit 2; }
done
for wl in "${WORKLOADS[@]}"; do
    if [ -z "$ONLY" ] || [[ " $ONLY " == *" $wl "* ]]; then SELECTED+=("$wl"); fi
done
if [ -z "$ONLY" ] || [[ " $ONLY " == *" instructions "* ]]; then RUN_INSTR=1; fi

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
# The Rust peer: a crate of its own (own workspace and Cargo.lock), outside the library's tree.
cargo build --release --locked --quiet --manifest-path bench/zookeeper-client/Cargo.toml \
    --target-dir "$BUILD/zookeeper-client"
cp -f "$BUILD/zookeeper-client/release/zkrs_bench" "$BUILD/zkrs_bench"
# The C client has no lock: the lock workload is compared with kazoo's Lock (Python).
KAZOO_PYTHON="$(scripts/kazoo-venv.sh)"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$KAZOO_PYTHON" "$(pwd)/bench/kazoo_bench.py" >"$BUILD/kazoo_bench"
chmod +x "$BUILD/kazoo_bench"
# 1,000 sessions of the C client: > 3,000 descriptors; sessions_10k: > 10,000 in the client
# and in the server (started below, it inherits the limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---- 2. server, nodes, warm-up -----------------------------------------------------------
# The script's default is C1 only (fast startup for tests); a benchmark wants the full JIT.
export ZK_SERVER_JVM_OPTS="-XX:TieredStopAtLevel=4"
scripts/zk-server.sh cleanup "$STATE" >/dev/null 2>&1 || true
trap 'scripts/zk-server.sh cleanup "$STATE" >/dev/null 2>&1 || true' EXIT
HOSTS="$(scripts/zk-server.sh start "$STATE" --heap 1024 --tick-time 2000 | tail -n 1)"
echo "bench: ZooKeeper at $HOSTS (heap 1 GiB, tickTime 2000); scale $SCALE, $ROTATIONS rotations"

start_s=$SECONDS
BIG=1  # big_children's parent: only as many children as a selected big_children lists
if [[ " ${SELECTED[*]} " == *" big_children "* ]]; then BIG="${COUNT[big_children]}"; fi
echo "bench: creating the nodes ($BIG children under one parent, 10,000 watch nodes)"
"$BUILD/zoo_bench" setup "$HOSTS" "$BIG" >/dev/null
if [ ${#SELECTED[@]} -gt 0 ]; then
    echo "bench: warming the server up"
    "$BUILD/zoo_bench" async_get "$HOSTS" 100000 >/dev/null
    "$BUILD/zoo_bench" async_set "$HOSTS" 50000 >/dev/null
    "$BUILD/zkc_bench" async_get "$HOSTS" 100000 >/dev/null
    "$BUILD/zkc_bench" async_set "$HOSTS" 50000 >/dev/null
    "$BUILD/zkrs_bench" async_get "$HOSTS" 50000 >/dev/null
fi
echo "bench: set-up and warm-up took $((SECONDS - start_s)) s"

# ---- 3. the runs -------------------------------------------------------------------------
: >"$RAW"
: >"$INSTR_RAW"
: >"$LOG"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' (with uncommitted changes in src/ or include/)')"
failed=0
# run CLIENT PROGRAM WORKLOAD ROTATION: one fresh process; appends its result line to $RAW.
run() {
    local client="$1" prog="$2" wl="$3" rot="$4" line rc=0
    local pwl
    pwl="$(program_workload "$wl")"
    line="$(ZKC_BENCH_INLINE="$(zkc_inline "$wl")" timeout 600 "$BUILD/$prog" "$pwl" "$HOSTS" "${COUNT[$wl]}" "$WINDOW" 2>>"$LOG")" || rc=$?
    line="${line/workload=$pwl /workload=$wl }"
    if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
        echo "rot=$rot $line" >>"$RAW"
        printf '  %-16s %s\n' "$client" "${line#* workload=* }"
    else
        echo "rot=$rot client=$client workload=$wl status=failed exit=$rc" >>"$RAW"
        printf '  %-16s FAILED (exit %s; see %s)\n' "$client" "$rc" "$LOG"
        echo "== $client $wl rotation $rot: exit $rc" >>"$LOG"
        failed=1
    fi
}
# not_here CLIENT WORKLOAD ROTATION REASON: a run this machine cannot make (n/a in the table)
not_here() {
    echo "rot=$3 client=$1 workload=$2 count=${COUNT[$2]} status=na reason=$4" >>"$RAW"
    printf '  %-16s n/a: %s\n' "$1" "$4"
}

for wl in "${SELECTED[@]}"; do
    echo "bench: $wl (count ${COUNT[$wl]})"
    # One socket per session in zkclient and zookeeper-client (and in the server).
    fd_limit="$(ulimit -n)"
    too_few_fds=""
    if [ "$wl" = sessions_10k ] && [ "$fd_limit" != unlimited ] && [ "$fd_limit" -lt $((COUNT[$wl] + 256)) ]; then
        too_few_fds="${COUNT[$wl]} sessions need more than ${COUNT[$wl]} descriptors; the limit here is $fd_limit"
    fi
    for ((rot = 1; rot <= ROTATIONS; rot++)); do
        if [ -n "$too_few_fds" ]; then
            for c in zkclient libzookeeper_mt zookeeper-client; do not_here "$c" "$wl" "$rot" "$too_few_fds"; done
            continue
        fi
        run zkclient zkc_bench "$wl" "$rot"
        if [ "$wl" = lock ]; then
            run kazoo kazoo_bench "$wl" "$rot"
        else
            run libzookeeper_mt zoo_bench "$wl" "$rot"
        fi
        run zookeeper-client zkrs_bench "$wl" "$rot"
    done
done
[ ${#SELECTED[@]} -eq 0 ] || echo "bench: the runs took $((SECONDS - start_s)) s in all"

# ---- 4. instructions per request (callgrind) ---------------------------------------------
# callgrind_ir PROGRAM WORKLOAD COUNT: the instructions of the whole process (all threads:
# callgrind's summary line), or nothing when the run failed.
callgrind_ir() {
    local out="$BUILD/callgrind.out"
    rm -f "$out"
    ZKC_BENCH_INLINE="$(zkc_inline "$2")" timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$BUILD/$1" "$(program_workload "$2")" "$HOSTS" "$3" "$WINDOW" >/dev/null 2>>"$LOG" || { echo "== callgrind $1 $2 $3 failed" >>"$LOG"; return 0; }
    sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1
}
if [ "$RUN_INSTR" -eq 1 ]; then
    instr_s=$SECONDS
    echo "bench: instructions per request (callgrind; 1 request, then $INSTR_RUNS runs of $INSTR_N, sync_get ${INSTR_COUNT[sync_get]})"
    for wl in "${INSTR_WORKLOADS[@]}"; do
        declare -A base=() irs=()
        for prog in zkc_bench zoo_bench zkrs_bench; do base[$prog]="$(callgrind_ir "$prog" "$wl" 1)"; irs[$prog]=""; done
        for ((r = 1; r <= INSTR_RUNS; r++)); do
            for prog in zkc_bench zoo_bench zkrs_bench; do
                irs[$prog]+="${irs[$prog]:+,}$(callgrind_ir "$prog" "$wl" "${INSTR_COUNT[$wl]}")"
            done
        done
        for prog in zkc_bench zoo_bench zkrs_bench; do
            case "$prog" in zkc_bench) c=zkclient ;; zoo_bench) c=libzookeeper_mt ;; *) c=zookeeper-client ;; esac
            if [ -n "${base[$prog]}" ] && [[ "${irs[$prog]}" =~ ^[0-9]+(,[0-9]+)*$ ]] && [ "$(tr -cd , <<<"${irs[$prog]}" | wc -c)" -eq $((INSTR_RUNS - 1)) ]; then
                echo "client=$c workload=$wl n=${INSTR_COUNT[$wl]} base_ir=${base[$prog]} ir=${irs[$prog]}" >>"$INSTR_RAW"
                printf '  %-10s %-16s 1 request: %s; %s requests: %s\n' "$wl" "$c" "${base[$prog]}" "${INSTR_COUNT[$wl]}" "${irs[$prog]}"
            else
                echo "client=$c workload=$wl status=failed" >>"$INSTR_RAW"
                printf '  %-10s %-16s FAILED (see %s)\n' "$wl" "$c" "$LOG"
                failed=1
            fi
        done
        unset base irs
    done
    echo "bench: the callgrind runs took $((SECONDS - instr_s)) s"
fi

# ---- 5. the tables -----------------------------------------------------------------------
versions="zookeeper-client $(sed -n '/^name = "zookeeper-client"/{n;s/version = "\(.*\)"/\1/p}' bench/zookeeper-client/Cargo.lock) (tokio $(sed -n '/^name = "tokio"$/{n;s/version = "\(.*\)"/\1/p}' bench/zookeeper-client/Cargo.lock)); libzookeeper_mt $(dpkg-query -W -f='${Version}' libzookeeper-mt2 2>/dev/null || echo '?')"
machine="$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
server="ZooKeeper $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo '?') standalone on loopback, 1 GiB heap, tickTime 2000, JVM $ZK_SERVER_JVM_OPTS"
report_args=()
if [ "$RUN_INSTR" -eq 1 ]; then
    instr_header="$BUILD/instr-header.md"
    {
        echo "# zkclient: client instructions per request (callgrind)"
        echo
        echo "Written by \`make bench-instructions\` (\`BENCH_ONLY=instructions scripts/bench.sh\`, about 2 minutes) and by \`make bench\`. Unlike times, these counts move little on a shared machine: a change that costs instructions shows here (bench/README.md, \"Instructions per request\")."
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); zkclient commit $COMMIT"
        echo "- requests per run: $INSTR_N (async_get, async_set), ${INSTR_COUNT[sync_get]} (sync_get); $INSTR_RUNS runs per client and workload, window $WINDOW; $(valgrind --version 2>/dev/null || echo valgrind)"
        echo "- peers: $versions"
        echo "- machine: $machine; server: $server"
        echo
    } >"$instr_header"
    report_args+=(--instr "$INSTR_RAW" --instr-out "$INSTR_MD" --instr-header "$instr_header")
fi
if [ ${#SELECTED[@]} -gt 0 ]; then
    header="$BUILD/header.md"
    {
        echo "# zkclient vs zookeeper-client and libzookeeper_mt: benchmark results"
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); zkclient commit $COMMIT"
        echo "- settings: BENCH_SCALE=$SCALE, BENCH_ROTATIONS=$ROTATIONS, window $WINDOW; counts: $(for wl in "${SELECTED[@]}"; do printf '%s %s, ' "$wl" "${COUNT[$wl]}"; done | sed 's/, $//')"
        echo "- machine: $machine, load average $LOAD_BEFORE before the runs and $(cut -d' ' -f1-3 /proc/loadavg) after; shared with other work, so figures are noisy; descriptor limit $(ulimit -n)"
        echo "- server: $server, warmed up with > 100k requests"
        echo "- peers: $versions; kazoo for the lock"
        echo
        echo "Method: every workload runs in a fresh process per client and rotation, rotating zkclient, libzookeeper_mt, zookeeper-client, zkclient, ... (the lock: kazoo in the C client's place). The client columns are medians over the rotations; the two **÷** columns are the medians of the per-rotation ratios zkclient ÷ that peer (*range*: their spread); *better* says which direction wins for that figure. Client CPU is user+sys of the whole process (getrusage) over the timed part, context switches likewise (voluntary + involuntary, every thread). Goals of issue 13: pipelined ops ≥ 1.2× zookeeper-client's ops/s at ≤ 0.75× its CPU/op and ≥ 1.5× / ≤ 0.25× libzookeeper_mt's; blocking ops ≥ 1.1× the better peer (*met* shows that ratio); connect ≥ the better peer; 1,000 sessions in ≤ 4 threads and ≤ 16 MB; 10,000 sessions in ≤ 4 threads; watcher RSS and big_children peak RSS ≤ the C client's."
        echo
    } >"$header"
    report_args+=(--raw "$RAW" --out "$OUT_MD" --header "$header")
fi
report_rc=0
python3 bench/report.py "${report_args[@]}" || report_rc=$?
if [ ${#SELECTED[@]} -gt 0 ]; then
    echo "bench: table written to ${OUT_MD#"$ROOT"/}; raw lines in ${RAW#"$ROOT"/}, program output in ${LOG#"$ROOT"/}"
fi
[ "$RUN_INSTR" -eq 0 ] || echo "bench: instruction counts written to ${INSTR_MD#"$ROOT"/} (raw: ${INSTR_RAW#"$ROOT"/})"
if [ "$failed" -ne 0 ] || [ "$report_rc" -ne 0 ]; then
    echo "bench: some runs FAILED (see $LOG)" >&2
    exit 1
fi
