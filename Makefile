# The two commands of README.md, and a few conveniences.
.PHONY: demo test build header clean bench

# Build the library, start a local ZooKeeper, run the C quick start against it.
demo:
	scripts/demo.sh

# Everything: formatting, clippy, header check, Rust tests, C/C++ examples under ctest.
test:
	scripts/test.sh

# zkclient vs libzookeeper_mt on the workloads of WORKLOADS.md (BENCH_SCALE, BENCH_PAIRS).
bench:
	scripts/bench.sh

build:
	cargo build --release

# Regenerate include/zkclient.h (cargo build does it too).
header: build

clean:
	cargo clean
	rm -rf build
