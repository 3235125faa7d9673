# test_bench_report.sh: bench/report.sh draws its three charts from a tiny fixture of the
# benchmarks' figures (tests/bench/figures.txt), never by running the benchmarks: the data it
# extracted, three SVGs, and one self-contained HTML page holding them inline. Skipped (passes)
# where gnuplot is not installed (scripts/deps.sh installs gnuplot-nox).
. "$(dirname "$0")/lib.sh"
src=$(cd "$EXPECTED/../../.." && pwd)
if ! command -v gnuplot >/dev/null; then
    echo "skipped: gnuplot not installed"
    exit 0
fi
sh "$src/bench/report.sh" rep "$src/tests/bench/figures.txt" >out 2>err || fail "report.sh failed"
has out '3 charts'
printf '"Q1 (msg/s)" 41000 52000\n"Q2 (msg/s)" 120000 310000\n' >want.dat
cmp -s want.dat rep/throughput.dat || fail "throughput.dat differs"
printf '3.1 1.20 10000\n29.5 1.40 100000\n' >want.dat
cmp -s want.dat rep/recovery.dat || fail "recovery.dat differs"
printf '10000 1400 1000\n100000 1500 1050\n' >want.dat
cmp -s want.dat rep/churn.dat || fail "churn.dat differs"
for c in throughput recovery churn; do
    has "rep/$c.svg" '<svg'
done
[ "$(grep -c '<svg' rep/report.html)" -eq 3 ] || fail "report.html does not hold 3 SVGs"
lacks rep/report.html '<img|src='
# An OUTDIR and a figures file with quotes and markup: paths reach gnuplot as arguments, never
# as code, and the page escapes them. Times chart apart from rates; a churn row without raw LMDB
# figures shows "?", not the previous row's.
odd="rep'\"<b>"
{
    cat "$src/tests/bench/figures.txt"
    echo 'T1  open after close                     eddy        12.5 ms      raw-lmdb         3.1 ms      eddy/raw 4.03'
    echo 'C1  churn 1000000 send+receive+delete: file at 10% / end: eddy 1600 / 1700 KiB = 1.06'
} >"fig'<i>.txt"
sh "$src/bench/report.sh" "$odd" "fig'<i>.txt" >out 2>err || fail "report.sh with odd paths failed: $(cat err)"
has out '4 charts'
printf '"T1 (ms)" 12.5 3.1\n' >want.dat
cmp -s want.dat "$odd/times.dat" || fail "times.dat differs"
lacks "$odd/throughput.dat" 'T1'
has "$odd/churn.dat" '^1000000 1700 \?$'
has "$odd/report.html" "From: fig'&lt;i&gt;.txt"
lacks "$odd/report.html" '<i>'
[ "$(grep -c '<svg' "$odd/report.html")" -eq 4 ] || fail "report.html does not hold 4 SVGs"

# No figures: an error, not an empty report.
echo "nothing here" >none.txt
if sh "$src/bench/report.sh" rep2 none.txt >out 2>err; then fail "report.sh accepted no figures"; fi
has err 'no figures found'
finish
