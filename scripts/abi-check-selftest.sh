#!/usr/bin/env bash
# Part of `make test`: proves that scripts/abi-check.sh catches what it is for. The same
# script (the same abidw and abidiff invocations) runs against the real library with the
# committed baseline and with deliberately altered copies of it:
#   - the committed baseline: passes;
#   - a baseline with one more exported function (zk_abi_selftest_gone, a copy of
#     zk_version): the library "removed" a function: must fail, ABI_INCOMPATIBLE_CHANGE;
#   - a baseline without zk_version: the library "added" it: must pass, listing it;
#   - a baseline where struct zk_stat is 64 bits larger (when the corpus has the C API's types,
#     i.e. the library has full debug information): must fail, ABI_CHANGE.
set -euo pipefail
cd "$(dirname "$0")/.."
lib="${1:-target/release/libzkclient.so}"
baseline="abi/libzkclient.so.0.abi"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-abi-selftest.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "abi-check-selftest: $*" >&2; exit 1; }

scripts/abi-check.sh "$lib" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "the real library does not pass"; }
echo "real library: passes ($(tail -n 1 "$tmp/out"))"

python3 - "$baseline" "$tmp" <<'EOF'
import re, sys
base, tmp = sys.argv[1], sys.argv[2]
xml = open(base).read()
sym = re.search(r"\n *<elf-symbol name='zk_version' [^\n]*", xml).group(0)
decl = re.search(r"\n *<function-decl name='zk_version' .*?</function-decl>", xml, re.S).group(0)
# One more function in the baseline: the library lost it.
gone = xml.replace(sym, sym + sym.replace("'zk_version'", "'zk_abi_selftest_gone'"), 1)
gone = gone.replace(decl, decl + decl.replace("zk_version", "zk_abi_selftest_gone"), 1)
open(f"{tmp}/removed.abi", "w").write(gone)
# One function less in the baseline: the library added it.
open(f"{tmp}/added.abi", "w").write(xml.replace(sym, "", 1).replace(decl, "", 1))
# A struct of the API 64 bits larger in the baseline, when the corpus describes it.
m = re.search(r"<class-decl name='[^']*zk_stat' size-in-bits='(\d+)'", xml)
if m:
    old = m.group(0)
    new = old.replace(f"size-in-bits='{m.group(1)}'", f"size-in-bits='{int(m.group(1)) + 64}'")
    open(f"{tmp}/struct.abi", "w").write(xml.replace(old, new, 1))
EOF

# expect NAME CASE pass|fail [PATTERN]: abi-check.sh with the altered baseline.
expect() {
    local name="$1" file="$2" want="$3" pattern="${4:-}" got=pass
    scripts/abi-check.sh --baseline "$tmp/$file" "$lib" >"$tmp/out" 2>&1 || got=fail
    if [ "$got" != "$want" ] || { [ -n "$pattern" ] && ! grep -q "$pattern" "$tmp/out"; }; then
        cat "$tmp/out" >&2
        fail "$name: expected the check to $want${pattern:+ with '$pattern'}, it did $got"
    fi
    if [ "$want" = pass ]; then
        echo "$name: passes ($(tail -n 1 "$tmp/out"))"
    else
        echo "$name: fails ($(grep -o 'abidiff exit .*' "$tmp/out" | head -n 1))"
    fi
}
expect "a function removed" removed.abi fail "ABI_INCOMPATIBLE_CHANGE"
expect "a function added" added.abi pass "added since the baseline: zk_version"
if [ -f "$tmp/struct.abi" ]; then
    expect "struct zk_stat resized" struct.abi fail "ABI_CHANGE"
else
    echo "struct zk_stat resized: not tried (the corpus has no types: the library lacks full debug information)"
fi
