#!/usr/bin/env bash
# Runs the Python binding's tests (`make test` calls it): a virtual environment in
# build/python-venv of the repository, with pytest and setuptools (installed with pip when
# missing), this package pip-installed into it as a user would install it, then pytest on
# bindings/python/tests against the server $ZK_TEST_HOSTS (required) with the library
# $ZKCLIENT_LIBRARY (default: target/release/libzkclient.so of the repository).
#   ZK_TEST_HOSTS=127.0.0.1:2181 bindings/python/run-tests.sh [PYTEST ARGS...]
# PYTHON picks the interpreter the environment is made from (default python3; another one
# gets an environment of its own, build/python-venv-<major.minor>).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ZK_TEST_HOSTS:?ZK_TEST_HOSTS must name a ZooKeeper server (host:port): the tests need one}"
export ZK_TEST_HOSTS
export ZKCLIENT_LIBRARY="${ZKCLIENT_LIBRARY:-target/release/libzkclient.so}"
[ -e "$ZKCLIENT_LIBRARY" ] || { echo "run-tests: no library at $ZKCLIENT_LIBRARY (make build)" >&2; exit 1; }
python="${PYTHON:-python3}"
venv=build/python-venv
[ "$python" = python3 ] || venv="build/python-venv-$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
if ! "$venv/bin/python" -c 'import pytest, setuptools, sys; sys.exit(int(tuple(map(int, setuptools.__version__.split(".")[:2])) < (70, 1)))' >/dev/null 2>&1; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "${pip[@]}" install 'pytest>=7' 'setuptools>=70.1'
fi
# A fresh install of the package from this tree (no build isolation: setuptools is there).
"${pip[@]}" install --no-build-isolation --no-deps --force-reinstall ./bindings/python
rm -rf bindings/python/build bindings/python/src/zkclient.egg-info
# From the repository root, so that the tests import the installed package, not the tree.
exec "$venv/bin/python" -m pytest -p no:cacheprovider bindings/python/tests "$@"
