#!/bin/sh
# report.sh: charts of the benchmarks' figures, for a reader to see the comparison at a glance.
#
#   bench/report.sh OUTDIR FIGURES...
#
# FIGURES are the text the benchmarks printed (bench_queue, bench_stream, bench_recovery, e.g.
# `./bench_queue > figures/queue.txt`). Writes OUTDIR/throughput.svg (each workload's eddy
# figure beside raw LMDB's from the same run, rates in units per second), OUTDIR/times.svg (the
# same for figures that are times: one axis must not mix the two), OUTDIR/recovery.svg (open time after a kill
# against the file's size, R2), OUTDIR/churn.svg (file size after churn against the churn, C1),
# the data files they were drawn from, and OUTDIR/report.html, one self-contained page with the
# SVGs inline. OUTDIR and FIGURES may hold any character: gnuplot gets paths as arguments
# (-c), never inside its commands, and the page escapes them. Charts are drawn by gnuplot (Debian gnuplot-nox); a chart without figures
# is left out. Exit 1 when gnuplot is missing or no figure was found.
set -eu
[ $# -ge 2 ] || { echo "usage: bench/report.sh OUTDIR FIGURES..." >&2; exit 2; }
out=$1
shift
command -v gnuplot >/dev/null || { echo "report.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$out"
# Throughput: "ID what eddy N unit raw-lmdb N unit eddy/raw R" -> ID eddy raw unit; rates (a unit
# per second) to throughput.dat, times to times.dat.
figures() { # rate|time FIGURES...
    kind=$1
    shift
    awk -v kind="$kind" '/^[A-Z][0-9]+ .* eddy +[0-9.]+ +[^ ]+ +raw-lmdb +[0-9.]+ +[^ ]+ +eddy\/raw/ {
        for (i = 1; i <= NF; i++) if ($i == "eddy") e = i; else if ($i == "raw-lmdb") r = i
        if (($(e + 2) ~ /\/s$/) != (kind == "rate")) next
        printf "\"%s (%s)\" %s %s\n", $1, $(e + 2), $(e + 1), $(r + 1) }' "$@"
}
figures rate "$@" >"$out/throughput.dat"
figures time "$@" >"$out/times.dat"
# Recovery (R2 rows): messages, file MB, then min/med/max triples; the first median is the open.
awk '/^R2:/ { on = 1; next } /^[A-Za-z]/ { on = 0 }
     on && $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9.]+$/ { split($0, a, "/"); m = a[2]; gsub(/ /, "", m)
        print $2, m, $1 }' "$@" >"$out/recovery.dat"
# Churn (C1): operations, eddy end KiB, raw end KiB.
# A row without one of them shows "?" (missing to gnuplot), never the previous row's figure.
awk '/^C1 +churn/ { e = r = "?"; for (i = 1; i <= NF; i++) { if ($i == "eddy" && $(i + 2) == "/") e = $(i + 3)
        if ($i == "raw-lmdb" && $(i + 2) == "/") r = $(i + 3) } print $3, e, r }' \
    "$@" | sort -n >"$out/churn.dat"

gp=$(mktemp)
trap 'rm -f "$gp"' EXIT
plot() { # NAME GNUPLOT-COMMANDS: draw OUTDIR/NAME.svg when NAME.dat has rows
    # The commands name the output as ARG1 and the data as ARG2: paths are never parsed as code.
    [ -s "$out/$1.dat" ] || return 0
    # One line: a script ends a command at each newline, as -e did not.
    printf '%s\n' "set terminal svg size 720,420 dynamic font 'sans,11'; set output ARG1;
        set key top left; set grid ytics; $2" | tr '\n' ' ' >"$gp"
    gnuplot -c "$gp" "$out/$1.svg" "$out/$1.dat"
}
bars() { # TITLE YLABEL: a histogram of eddy against raw LMDB
    echo "set title '$1'; set style data histograms; set style histogram clustered gap 1;
    set style fill solid 0.8; set logscale y; set ylabel '$2'; set xtics rotate by -20;
    plot ARG2 using 2:xtic(1) title 'eddy', '' using 3 title 'raw LMDB'"
}
plot throughput "$(bars 'Throughput per workload: eddy against raw LMDB (same run)' \
    'per second (unit in the label)')"
plot times "$(bars 'Times per workload: eddy against raw LMDB (same run)' \
    'time (unit in the label)')"
plot recovery "set title 'Recovery: open after a kill, against data size (R2)';
    set xlabel 'data.mdb (MB)'; set ylabel 'open, median (ms)';
    plot ARG2 using 1:2 with linespoints title 'eddy'"
plot churn "set title 'Space against churn (C1): file size at the end'; set datafile missing '?';
    set logscale x; set xlabel 'send+receive+delete operations'; set ylabel 'file (KiB)';
    plot ARG2 using 1:2 with linespoints title 'eddy',
         '' using 1:3 with linespoints title 'raw LMDB'"

html() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }
charts=0
{
    echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Eddy benchmarks</title></head>'
    echo '<body style="font-family:sans-serif"><h1>Eddy benchmarks</h1>'
    printf '<p>From: %s</p>\n' "$(printf '%s' "$*" | html)"
    for c in throughput times recovery churn; do
        if [ -s "$out/$c.svg" ]; then
            sed '/^<?xml/d; /^<!DOCTYPE/d; /^ *"http:/d' "$out/$c.svg"
            charts=$((charts + 1))
        fi
    done
    echo '</body></html>'
} >"$out/report.html"
[ "$charts" -gt 0 ] || { echo "report.sh: no figures found in $*" >&2; exit 1; }
echo "report.sh: $charts charts in $out/report.html"
