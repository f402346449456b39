#!/usr/bin/env bash
# Prints the path of a Python with kazoo 2.11 installed, making it first if needed: a
# virtual environment in .venv/ of the repository (git-ignored). Used by the interop tests,
# which run kazoo against the same server as zkclient.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(pwd)/.venv"
python="$venv/bin/python"
if ! "$python" -c 'import kazoo' >/dev/null 2>&1; then
    (
        # One installer at a time (tests run in parallel).
        exec 9>"$(pwd)/.venv.lock"
        flock 9
        if ! "$python" -c 'import kazoo' >/dev/null 2>&1; then
            if ! python3 -m venv "$venv" >/dev/null 2>&1; then
                # Debian's python3 without ensurepip needs python3-venv.
                sudo=""
                [ "$(id -u)" -eq 0 ] || sudo="sudo"
                $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
                python3 -m venv "$venv" >/dev/null
            fi
            "$venv/bin/pip" install -q 'kazoo==2.11.*' >&2
        fi
    )
fi
echo "$python"
