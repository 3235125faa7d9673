#!/usr/bin/env bash
# demo.sh: build Eddy and run the demo on a local database in ./eddy-demo: a queue and a stream,
# messages sent, received and deleted, records appended and read, then the database's stats.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target eddy_demo eddy_cli >/dev/null
./build/eddy-demo ./eddy-demo
