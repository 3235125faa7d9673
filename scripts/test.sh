#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it. Installs what is missing, checks formatting,
# builds the library and CLI with -Werror in ten variants (gcc, clang x Debug, Release,
# RelWithDebInfo, MinSizeRel, -Og: scripts/build-variants.sh; two of them are the builds below),
# checks libeddy.so's ABI against abi/libeddy.abi on the gcc Debug variant's library
# (scripts/abi-check.sh), builds twice (gcc release with -Werror; clang with ASan+UBSan and
# the libFuzzer targets) and runs every ctest entry in both, then builds the concurrency tests
# alone with ThreadSanitizer (build-tsan) and runs them. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
jobs=$(nproc)

echo "== clang-format"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find engine format include tools tests bench docs -name '*.[ch]')
clang-format --dry-run -Werror $files

echo "== build variants (gcc, clang) x (Debug, Release, RelWithDebInfo, MinSizeRel, -Og), -Werror"
# gcc RelWithDebInfo and clang Debug are built below with -Werror (the gcc and ASan builds). clang's
# other optimised variants are left to `scripts/build-variants.sh` run by hand: clang's warnings do
# not depend on the optimisation level as gcc's do, and CI must stay within 20 minutes.
EDDY_VARIANT_SKIP=${EDDY_VARIANT_SKIP-"gcc-RelWithDebInfo clang-Debug clang-RelWithDebInfo clang-MinSizeRel clang-Og"} \
    ./scripts/build-variants.sh build-variants

echo "== ABI check (abidiff against abi/libeddy.abi)"
# The check's build (gcc Debug, no tests, -Werror) is the gcc-Debug variant's: reuse it rather
# than compile the same library again (abi-check.sh builds it when the variant was skipped).
EDDY_ABI_BUILD=build-variants/gcc-Debug ./scripts/abi-check.sh

echo "== build (gcc, release)"
# Longer runs: EDDY_SOAK_SECONDS (default 60), EDDY_FUZZ_SECONDS (default 10 per fuzz target),
# EDDY_CORRUPT_TRIALS (default 300); see docs/TESTING.md.
soak=${EDDY_SOAK_SECONDS:-60}
fuzz=${EDDY_FUZZ_SECONDS:-10}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDDY_SOAK_SECONDS="$soak" >/dev/null
cmake --build build -j"$jobs"
echo "== tests (gcc, release)"
# --timeout is only the default for tests without a TIMEOUT property; each test's own limit
# (tests/CMakeLists.txt, scaled by EDDY_TIMEOUT_SCALE in sanitizer builds) takes precedence.
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

echo "== build (clang, ASan+UBSan, libFuzzer)"
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEDDY_SANITIZE=address,undefined \
    -DEDDY_BENCH=OFF -DEDDY_SOAK_SECONDS="$(( soak / 3 > 0 ? soak / 3 : 1 ))" \
    -DEDDY_FUZZ_SECONDS="$fuzz" >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests (clang, ASan+UBSan)"
# The corruption trials are ASan's slowest test (~1 s each): 40 of them here check memory
# safety on damaged files, while the gcc run above covers the default 300 for behaviour.
(cd build-asan && EDDY_CORRUPT_TRIALS=${EDDY_CORRUPT_TRIALS_ASAN:-40} \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j"$jobs" --timeout 900)
echo "== build (clang, ThreadSanitizer: the concurrency tests only)"
tsan_targets="reliability_test_soak api_test_stream_concurrency api_test_queue_api unit_test_commit"
tsan_tests='^(reliability/test_soak|api/test_stream_concurrency|api/test_queue_api|unit/test_commit)$'
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDDY_SANITIZE=thread \
    -DEDDY_BENCH=OFF -DEDDY_SOAK_SECONDS="$(( soak / 2 > 0 ? soak / 2 : 1 ))" >/dev/null
cmake --build build-tsan -j"$jobs" --target $tsan_targets
echo "== tests (clang, ThreadSanitizer)"
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --output-on-failure -j"$jobs" --timeout 600 -R "$tsan_tests")
echo "== all tests passed"
