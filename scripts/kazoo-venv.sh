#!/usr/bin/env bash
# Prints the path of a Python with kazoo 2.11 and pure-sasl (kazoo's SASL: DIGEST-MD5, and
# GSSAPI given the `kerberos` module) installed, making it first if needed: a virtual
# environment in .venv/ of the repository (git-ignored). Used by the interop tests, which run
# kazoo against the same server as zkclient. An existing .venv without pure-sasl gets it added.
#
# With --gssapi: a second environment, .venv-gssapi/, made from Debian's /usr/bin/python3 with
# --system-site-packages, so that Debian's python3-kerberos (pykerberos, linked to MIT's
# libgssapi_krb5; installed with apt-get when missing) is importable beside kazoo and
# pure-sasl. kazoo's GSSAPI needs that module; pip cannot build it without libkrb5-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=plain
if [ "${1:-}" = --gssapi ]; then mode=gssapi; fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ "$mode" = gssapi ]; then
    venv="$(pwd)/.venv-gssapi"
    check='import kazoo, puresasl, kerberos'
    base=/usr/bin/python3
    venv_args=(--system-site-packages)
else
    venv="$(pwd)/.venv"
    check='import kazoo, puresasl'
    base=python3
    venv_args=()
fi
python="$venv/bin/python"
if ! "$python" -c "$check" >/dev/null 2>&1; then
    (
        # One installer at a time (tests run in parallel).
        exec 9>"$(pwd)/.venv.lock"
        flock 9
        if ! "$python" -c "$check" >/dev/null 2>&1; then
            if [ "$mode" = gssapi ] && ! /usr/bin/python3 -c 'import kerberos' >/dev/null 2>&1; then
                $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-kerberos >&2
            fi
            if [ ! -x "$python" ]; then
                if ! "$base" -m venv "${venv_args[@]}" "$venv" >/dev/null 2>&1; then
                    # Debian's python3 without ensurepip needs python3-venv.
                    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
                    "$base" -m venv "${venv_args[@]}" "$venv" >/dev/null
                fi
            fi
            "$venv/bin/pip" install -q 'kazoo==2.11.*' 'pure-sasl==0.6.*' >&2
        fi
    )
fi
echo "$python"
