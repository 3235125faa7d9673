#!/usr/bin/env bash
# demo.sh: build Eddy and run the demo on a local database in ./eddy-demo: a queue and a stream,
# messages sent, received and deleted, records appended and read, then the database's stats.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target eddy_demo eddy_cli >/dev/null
./build/eddy-demo ./eddy-demo
# The database through the eddy CLI: its objects and records, a deep check, then its statistics.
echo "== ./build/eddy --db ./eddy-demo dump"
./build/eddy --db ./eddy-demo dump
for stream in $(./build/eddy --db ./eddy-demo stream list); do
    echo "== ./build/eddy --db ./eddy-demo dump --stream $stream --limit 10"
    ./build/eddy --db ./eddy-demo dump --stream "$stream" --limit 10
done
echo "== ./build/eddy --db ./eddy-demo verify"
./build/eddy --db ./eddy-demo verify
echo "== ./build/eddy --db ./eddy-demo stat"
./build/eddy --db ./eddy-demo stat
