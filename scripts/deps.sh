#!/usr/bin/env bash
# deps.sh: install, with apt-get, whatever Eddy's build and tests need and the machine lacks.
# Safe to run again: it installs only missing packages. Needs root (or sudo) when it installs.
set -euo pipefail

packages=(build-essential cmake pkg-config liblmdb-dev libzstd-dev libxxhash-dev libcmocka-dev
          libjansson-dev clang libclang-rt-14-dev clang-format lmdb-utils abigail-tools jq gnuplot-nox
          python3-dev python3-cffi python3-pytest python3-setuptools python3-venv python3-pip
          libmicrohttpd-dev nettle-dev awscli python3-boto3)
# `eddy serve` (tools/serve/): libmicrohttpd for HTTP, Nettle for MD5/SHA-256/HMAC; its tests
# drive it with Debian's aws CLI and boto3, and with the AWS SDK for JavaScript, which the tests
# install with npm (tests/serve/setup_npm.sh): Node.js from Debian only when none is installed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi
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
