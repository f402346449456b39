#!/usr/bin/env bash
# `make docs` (and part of `make test`): the API reference, Doxygen on include/zkclient.h and zkclient.hpp with
# docs/Doxyfile, into build/docs/html. Fails when Doxygen warns (undocumented function, type,
# macro or enum value; a bad command in a doc comment): the doc comments are the `///`
# comments of src/ffi, copied into the header by cbindgen.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v doxygen >/dev/null 2>&1 || { echo "docs: doxygen is missing (Debian: apt-get install doxygen)" >&2; exit 1; }
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
rm -rf build/docs
mkdir -p build/docs
status=0
(cat docs/Doxyfile; echo "PROJECT_NUMBER = $version") | doxygen - >build/docs/doxygen.log 2>&1 || status=$?
warnings="$(grep -c . build/docs/warnings.log || true)"
if [ "$status" -ne 0 ] || [ "$warnings" -ne 0 ]; then
    cat build/docs/warnings.log build/docs/doxygen.log >&2
    echo "docs: Doxygen failed with $warnings warnings (build/docs/warnings.log)" >&2
    exit 1
fi
echo "docs: build/docs/html/index.html (zkclient $version, 0 warnings)"
