#!/usr/bin/env bash
# Part of `make test`: the ABI of the built library against the committed baseline, with
# libabigail (Debian: abigail-tools). Builds nothing: run it after `cargo build --release`.
#   scripts/abi-check.sh [--baseline FILE] [LIBRARY]   compare (default: abi/libzkclient.so.0.abi,
#                                                     target/release/libzkclient.so)
#   scripts/abi-check.sh --update [LIBRARY]            rewrite the baseline from LIBRARY
# Updating the baseline is a deliberate step, reviewed with the diff it makes: README.md,
# "ABI compatibility", says when the soname must change with it.
#
# abidw reads the library's exported symbols and its DWARF (the release profile's debug info)
# into an XML corpus; abidiff compares two corpora. abidiff's exit status is a bit field
# (man abidiff): 1 ERROR, 2 USAGE_ERROR, 4 ABI_CHANGE (the ABIs differ: maybe compatible,
# "a human being needs to review"), 8 ABI_INCOMPATIBLE_CHANGE (a function or variable that
# was exported is gone). The check runs abidiff with --no-added-syms, so a function added
# since the baseline (a compatible change) is not an ABI_CHANGE, and fails on every bit:
#   8: incompatible, always a failure;
#   4: what remains after additions are left out is a change to something the baseline
#      has (a parameter, a return type, a struct's size or a member's offset, an enum's
#      value): for a C library whose structs are passed by value or embedded by callers,
#      libabigail cannot tell whether that breaks them, so it fails until a person decides
#      (--update, and the soname when it is incompatible);
#   1, 2: libabigail could not read something: a failure, not a pass.
# Functions added since the baseline are listed (they pass; the next --update records them).
#
# Not --headers-dir include: libabigail keeps only the types *declared in* those headers, by
# the file names of the DWARF, and this DWARF comes from Rust, whose types are declared in
# src/ffi/*.rs, so every type would be dropped. abi/suppressions.abignore is meant to keep
# the types of src/ffi and drop the rest. What the corpus holds depends on the DWARF level:
# with the release profile's debug = 1 (line tables) it has the exported functions and their
# versions but no types at all, so only removed (or added) functions are seen; debug = 2 gives
# the parameters and types (the corpus grows from 110 KB to 2.4 MB, and the suppression then
# still lets Rust's generic types without a source location through).
set -euo pipefail
cd "$(dirname "$0")/.."

baseline="abi/libzkclient.so.0.abi"
header_baseline="abi/zkclient.h.abi"
suppressions="abi/suppressions.abignore"
update=false
while [ $# -gt 0 ]; do
    case "$1" in
        --update) update=true; shift ;;
        --baseline) baseline="$2"; shift 2 ;;
        --header-baseline) header_baseline="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        -*) echo "abi-check: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
lib="${1:-target/release/libzkclient.so}"
for tool in abidw abidiff; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "abi-check: $tool is missing (Debian: apt-get install abigail-tools)" >&2; exit 1; }
done
[ -f "$lib" ] || { echo "abi-check: $lib does not exist: build it first (cargo build --release)" >&2; exit 1; }
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
    echo "abi-check: $lib has no debug information (the release profile's debug setting)" >&2
    exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-abi.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The corpus of the library, without the machine's paths (so that the baseline's diff only
# shows what changed in the ABI).
abidw --no-corpus-path --no-comp-dir-path --short-locs --drop-undefined-syms \
    --suppressions "$suppressions" --out-file "$tmp/current.abi" "$lib"

# The C API's types as a C compiler sees them. The library's own DWARF (debug = 1) has no
# types, so a probe is compiled from include/zkclient.h: each exported function as a typed
# pointer variable, and each struct and enum of the header as a variable. Its corpus holds every
# function's parameters and return type, every struct's size and members' offsets, and every
# enumerator: a change to any of them is an ABI_CHANGE; new functions, types and enumerators
# are additions.
probe="$tmp/probe"
mkdir -p "$probe"
{
    echo '#include "zkclient.h"'
    nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep '^zk_' | sort -u |
        while read -r fn; do echo "__typeof__($fn) *const zk_abi_probe_$fn = $fn;"; done
    grep -oE '^typedef struct [a-z_0-9]+ \{' include/zkclient.h | awk '{print $3}' | sort -u |
        while read -r name; do echo "struct $name zk_abi_probe_struct_$name;"; done
    grep -oE '^enum [a-z_0-9]+$' include/zkclient.h | awk '{print $2}' | sort -u |
        while read -r name; do echo "enum $name zk_abi_probe_enum_$name;"; done
} >"$probe/probe.c"
cc -std=c11 -g -O0 -shared -fPIC -I include "$probe/probe.c" -o "$probe/libzkclient-abi-probe.so"
abidw --no-corpus-path --no-comp-dir-path --short-locs --drop-undefined-syms \
    --out-file "$tmp/header.abi" "$probe/libzkclient-abi-probe.so"

if $update; then
    mkdir -p "$(dirname "$baseline")"
    cp "$tmp/current.abi" "$baseline"
    cp "$tmp/header.abi" "$header_baseline"
    echo "abi-check: wrote $baseline from $lib ($(grep -c '<elf-symbol ' "$baseline") symbols)" \
        "and $header_baseline from include/zkclient.h: review and commit them"
    exit 0
fi

[ -f "$baseline" ] || { echo "abi-check: no baseline $baseline (scripts/abi-check.sh --update makes one)" >&2; exit 1; }
status=0
abidiff --no-added-syms --suppressions "$suppressions" "$baseline" "$tmp/current.abi" \
    >"$tmp/report" 2>&1 || status=$?
added="$(abidiff --suppressions "$suppressions" "$baseline" "$tmp/current.abi" 2>&1 |
    sed -n "s/^  \[A\] 'function [^']*\b\(zk_[a-z0-9_]*\)(.*/\1/p" | sort -u | paste -sd ' ' || true)"
if [ "$status" -ne 0 ]; then
    cat "$tmp/report" >&2
    what=""
    [ $((status & 1)) -ne 0 ] && what+=" ERROR"
    [ $((status & 2)) -ne 0 ] && what+=" USAGE_ERROR"
    [ $((status & 4)) -ne 0 ] && what+=" ABI_CHANGE"
    [ $((status & 8)) -ne 0 ] && what+=" ABI_INCOMPATIBLE_CHANGE"
    echo "abi-check: $lib differs from $baseline (abidiff exit $status:$what)." >&2
    echo "abi-check: if the change is intended, run scripts/abi-check.sh --update, commit the" >&2
    echo "abi-check: baseline, and bump the soname if it is incompatible (README.md, \"ABI compatibility\")" >&2
    exit 1
fi
[ -f "$header_baseline" ] || { echo "abi-check: no baseline $header_baseline (scripts/abi-check.sh --update makes one)" >&2; exit 1; }
status=0
abidiff --no-added-syms "$header_baseline" "$tmp/header.abi" >"$tmp/report" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    cat "$tmp/report" >&2
    echo "abi-check: the types of include/zkclient.h differ from $header_baseline (abidiff exit $status)." >&2
    echo "abi-check: if the change is intended, run scripts/abi-check.sh --update, commit the" >&2
    echo "abi-check: baselines, and bump the soname if it is incompatible (README.md, \"ABI compatibility\")" >&2
    exit 1
fi
echo "abi-check: the header's types match $header_baseline ($(grep -c '<var-decl ' "$tmp/header.abi") declarations)"
echo "abi-check: $lib matches $baseline ($(grep -c '<elf-symbol ' "$tmp/current.abi") symbols)${added:+; added since the baseline: $added}"
