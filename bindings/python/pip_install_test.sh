#!/bin/sh
# pip_install_test.sh PYTHON BUILD_DIR SRC_DIR: the documented offline install works
# (docs/python.md, "Install"): a venv with Debian's site packages, pip install
# --no-build-isolation --no-index of a copy of bindings/python against BUILD_DIR's libeddy.so,
# then a send and receive through the installed package, from outside the source tree.
set -eu
python=$1 build=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src" "$tmp/pkg"   # pip builds in the package dir: keep the checkout clean
rm -rf "$tmp/pkg/build" "$tmp/pkg/eddy.egg-info"
"$python" -m venv --system-site-packages "$tmp/venv"
EDDY_BUILD_DIR=$build "$tmp/venv/bin/pip" install -q --no-build-isolation --no-index "$tmp/pkg"
cd "$tmp"
"$tmp/venv/bin/python" - <<'PY'
import eddy, eddy._eddy_cffi
with eddy.open("db") as env:
    q = env.create_queue("q")
    q.send("installed")
    assert [m.body for m in q.receive()] == [b"installed"]
print("pip install ok:", eddy.LIBRARY_VERSION, eddy._eddy_cffi.__file__)
PY
