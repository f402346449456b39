#!/usr/bin/env bash
# Part of `make test`: the exports of the shared library as a packager sees them.
#   scripts/check-symbols.sh [LIBRARY.so] [HEADER]   (default: target/release/libzkclient.so,
#                                                     include/zkclient.h)
# - `readelf -d` shows the soname libzkclient.so.0;
# - every defined dynamic symbol is a zk_ function or object tagged ZKCLIENT_0.1 (the version
#   script scripts/zkclient.map, passed by build.rs): nothing unversioned, none of Rust's own;
# - the functions the header declares are exactly the exported zk_ symbols;
# - the static library still defines every one of them (the version script is not for it).
set -euo pipefail
cd "$(dirname "$0")/.."
so="${1:-target/release/libzkclient.so}"
header="${2:-include/zkclient.h}"
archive="${so%.so*}.a"
soname="libzkclient.so.0"
version="ZKCLIENT_0.1"
fail() { echo "check-symbols: $*" >&2; exit 1; }

got="$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[ "$got" = "$soname" ] || fail "$so: soname '$got', expected $soname"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-symbols.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Defined dynamic symbols: "NAME@@VERSION" (or a bare NAME when unversioned), except the
# version definition's own absolute symbol.
readelf --dyn-syms -W "$so" | awk 'NR > 3 && $7 != "UND" && $8 != "" { print $4, $8 }' |
    grep -v "^OBJECT $version\$\|^NOTYPE $version\$" >"$tmp/defined" || true
bad="$(awk -v v="$version" '$2 !~ ("^zk_[a-z0-9_]+@@" v "$")' "$tmp/defined")"
[ -z "$bad" ] || fail "$so exports symbols that are not zk_ functions tagged $version:
$bad"
sed 's/^[A-Z]* //; s/@@.*//' "$tmp/defined" | sort -u >"$tmp/exported"
# objdump -T agrees (the tool packagers use): no zk_ symbol there without the version.
untagged="$(objdump -T "$so" | awk '/ zk_/ && $0 !~ / '"$version"' /')"
[ -z "$untagged" ] || fail "objdump -T shows zk_ symbols without $version:
$untagged"

# The header's functions: declarations outside comments, "zk_name(" not preceded by "(*".
python3 - "$header" >"$tmp/declared" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
text = re.sub(r"//[^\n]*", " ", text)
text = re.sub(r"^\s*#[^\n]*", " ", text, flags=re.M)
names = set(re.findall(r"\b(zk_[a-z0-9_]+)\s*\(", text))
names -= set(re.findall(r"\(\s*\*\s*(zk_[a-z0-9_]+)\s*\)", text))
print("\n".join(sorted(names)))
EOF
missing="$(comm -23 "$tmp/declared" "$tmp/exported")"
extra="$(comm -13 "$tmp/declared" "$tmp/exported")"
[ -z "$missing" ] || fail "declared in $header but not exported by $so:
$missing"
[ -z "$extra" ] || fail "exported by $so but not declared in $header:
$extra"

if [ -e "$archive" ]; then
    nm --defined-only "$archive" 2>/dev/null | awk '$2 == "T" && $3 ~ /^zk_/ { print $3 }' |
        sort -u >"$tmp/static"
    lost="$(comm -23 "$tmp/declared" "$tmp/static")"
    [ -z "$lost" ] || fail "$archive does not define:
$lost"
fi
echo "check-symbols: $so: soname $soname, $(wc -l <"$tmp/exported") functions exported, all $version, the same as $header declares"
