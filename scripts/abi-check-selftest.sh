#!/usr/bin/env bash
# Part of `make test`: proves that scripts/abi-check.sh catches what it is for. The same
# script (the same abidw and abidiff invocations) runs against the real library with the
# committed baseline and with deliberately altered copies of it:
#   - the committed baseline: passes;
#   - a baseline with one more exported function (zk_abi_selftest_gone, a copy of
#     zk_version): the library "removed" a function: must fail, ABI_INCOMPATIBLE_CHANGE;
#   - a baseline without zk_version: the library "added" it: must pass, listing it;
#   - a header baseline (the C API's types, abi/zkclient.h.abi) where struct zk_stat is 64 bits
#     larger, or ZK_ENONODE has another value: must fail; one without an enumerator the
#     header has (an addition): must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
lib="${1:-target/release/libzkclient.so}"
baseline="abi/libzkclient.so.0.abi"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-abi-selftest.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "abi-check-selftest: $*" >&2; exit 1; }

scripts/abi-check.sh "$lib" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "the real library does not pass"; }
echo "real library: passes ($(tail -n 1 "$tmp/out"))"

python3 - "$baseline" "$tmp" abi/zkclient.h.abi <<'EOF'
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
hxml = open(sys.argv[3]).read()
# A struct of the API 64 bits larger in the header's baseline: its layout changed.
m = re.search(r"<class-decl name='zk_stat' size-in-bits='(\d+)'", hxml)
old = m.group(0)
new = old.replace(f"size-in-bits='{m.group(1)}'", f"size-in-bits='{int(m.group(1)) + 64}'")
open(f"{tmp}/struct.abi", "w").write(hxml.replace(old, new, 1))
# An enumerator's value changed in the header's baseline.
old = "<enumerator name='ZK_ENONODE' value='-101'/>"
assert old in hxml
open(f"{tmp}/enum.abi", "w").write(hxml.replace(old, "<enumerator name='ZK_ENONODE' value='-199'/>", 1))
# An enumerator less in the header's baseline: the header added it (a compatible change).
open(f"{tmp}/enum-added.abi", "w").write(re.sub(r"\n *<enumerator name='ZK_ENOTTLS' value='-1016'/>", "", hxml, count=1))
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
# hexpect NAME FILE pass|fail: the same with an altered header baseline.
hexpect() {
    local name="$1" file="$2" want="$3" got=pass
    scripts/abi-check.sh --header-baseline "$tmp/$file" "$lib" >"$tmp/out" 2>&1 || got=fail
    if [ "$got" != "$want" ]; then
        cat "$tmp/out" >&2
        fail "$name: expected the check to $want, it did $got"
    fi
    if [ "$want" = pass ]; then echo "$name: passes"; else echo "$name: fails"; fi
}
hexpect "struct zk_stat resized" struct.abi fail
hexpect "ZK_ENONODE's value changed" enum.abi fail
hexpect "an enumerator added" enum-added.abi pass
