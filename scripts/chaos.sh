#!/usr/bin/env bash
# `make chaos`: the chaos run of tests/chaos.rs with longer settings than `make test` gives it
# (8 sessions x 1000 acquisitions of one lock, 30 faults: leader kills, quorum losses and
# partitions the server outlives, on a private 3-node ensemble the test starts and stops).
# Each setting may be overridden from the environment, e.g.
#   ZK_CHAOS_FAULTS=60 ZK_CHAOS_SEED=42 make chaos
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export ZK_CHAOS_SESSIONS="${ZK_CHAOS_SESSIONS:-8}"
export ZK_CHAOS_PROXIED="${ZK_CHAOS_PROXIED:-2}"
export ZK_CHAOS_ACQUISITIONS="${ZK_CHAOS_ACQUISITIONS:-1000}"
export ZK_CHAOS_FAULTS="${ZK_CHAOS_FAULTS:-30}"
export ZK_CHAOS_SECONDS="${ZK_CHAOS_SECONDS:-900}"
export ZK_CHAOS_HOLD_MS="${ZK_CHAOS_HOLD_MS:-40}"

# The ensemble's files go here, removed afterwards whatever happens.
state="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-chaos.XXXXXX")"
trap 'rm -rf "$state"' EXIT
export ZK_TEST_STATE_DIR="$state"

cargo test --release --test chaos -- --nocapture
