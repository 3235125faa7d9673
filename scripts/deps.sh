#!/usr/bin/env bash
# deps.sh: install, with apt-get, whatever Eddy's build and tests need and the machine lacks.
# Safe to run again: it installs only missing packages. Needs root (or sudo) when it installs.
set -euo pipefail

packages=(build-essential cmake pkg-config liblmdb-dev libzstd-dev libxxhash-dev libcmocka-dev
          libjansson-dev nettle-dev clang libclang-rt-14-dev clang-format lmdb-utils abigail-tools jq
          python3-dev python3-cffi python3-pytest python3-setuptools python3-venv python3-pip)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
