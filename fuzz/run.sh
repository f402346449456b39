#!/usr/bin/env bash
# Fuzzes zkclient::proto (the frame splitter and every reply decoder) with libFuzzer.
#   fuzz/run.sh short   a bounded run, FUZZ_SECONDS (default 10) per target: `make test`
#   fuzz/run.sh long    FUZZ_RUNS executions (default 5,000,000) per target: `make fuzz`
#   fuzz/run.sh seeds   rewrites the committed seed corpus, corpus/<target>/, from the encoders
# Stable toolchain, no cargo-fuzz: the coverage instrumentation it would ask rustc for
# (-Cpasses=sancov-module, -Cllvm-args=-sanitizer-coverage-*) are stable codegen options, and
# libfuzzer-sys builds libFuzzer itself with the system C++ compiler. No sanitizer: memory
# safety is Rust's; panics, overflow (checked here) and unbounded allocations (see src/lib.rs)
# are what is looked for. New inputs go to target/corpus/<target>/, crashes to
# target/artifacts/<target>/; the committed corpus is only read.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-short}
case $mode in
    short) limit=(-max_total_time="${FUZZ_SECONDS:-10}") ;;
    long) limit=(-runs="${FUZZ_RUNS:-5000000}") ;;
    seeds) ;;
    *) echo "usage: $0 [short|long|seeds]" >&2; exit 2 ;;
esac

if [ "$mode" = seeds ]; then
    # Built plainly: the seed writer is not fuzzed, and uninstrumented code links without
    # libFuzzer.
    rm -rf corpus
    exec cargo run --release --locked --quiet --bin seed-corpus
fi

host=$(rustc -vV | sed -n 's/^host: //p')
# With an explicit --target these reach the fuzzed code only, not build scripts.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
cargo build --release --locked --quiet --target "$host" --bin frame --bin reply
bin=target/$host/release

total=0
for target in frame reply; do
    work=target/corpus/$target
    artifacts=target/artifacts/$target
    log=target/$target.log
    mkdir -p "$work" "$artifacts"
    if ! "$bin/$target" "${limit[@]}" -max_len=8192 -rss_limit_mb=512 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "corpus/$target" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "fuzz target $target failed: the input is in fuzz/$artifacts/, the log in fuzz/$log" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
    corpus=$(find "$work" "corpus/$target" -type f | wc -l)
    echo "fuzz $target: $runs executions, $speed/s, corpus $corpus inputs, peak RSS ${rss} MB, no crash"
    total=$((total + runs))
done
echo "fuzz: $total executions in all"
