#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it. Installs what is missing, checks formatting,
# builds twice (gcc release with -Werror; clang with ASan+UBSan and the libFuzzer targets) and
# runs every ctest entry in both. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
jobs=$(nproc)

echo "== clang-format"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find engine format include tools tests bench docs -name '*.[ch]')
clang-format --dry-run -Werror $files

echo "== build (gcc, release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
echo "== tests (gcc, release)"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

echo "== build (clang, ASan+UBSan, libFuzzer)"
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEDDY_SANITIZE=address,undefined \
    -DEDDY_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests (clang, ASan+UBSan)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j"$jobs" --timeout 900)
echo "== all tests passed"
