# test_prometheus.sh: `eddy stat --format prometheus` passes a parser of the text exposition
# format (0.0.4): every sample's family has one # HELP and one # TYPE before its samples, names
# and label names match the grammar, label values are escaped strings, values are floats (counts
# and sizes exact integers, never exponent form), no series repeats; and the figures are right for
# a scripted workload.
. "$(dirname "$0")/lib.sh"

run 0 queue create 'orders'
seq 1 3 | "$EDDY" queue send orders --lines -q || fail "send"
run 0 queue receive orders --max 1
run 0 stream create s --shards 2
seq 1 4 | "$EDDY" stream put s --lines --key k >put.txt || fail "put"
shard=$(head -n 1 put.txt | sed 's/.*"shard_id":\([0-9]*\),.*/\1/')
seq=$(head -n 1 put.txt | sed 's/.*"seq":"\([0-9]*\)".*/\1/')
run 0 checkpoint set s app "$shard" "$seq"
run 0 stat --format prometheus
cp out metrics.txt

/usr/bin/python3 - metrics.txt <<'PY' || fail "the metrics do not parse"
import re, sys
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(\{(%s(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
helps, types, series, seen_families = {}, {}, set(), []
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        name = line.split(" ")[2]
        assert re.fullmatch(NAME, name) and name not in helps, "line %d" % n
        helps[name] = line
        continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        assert kind in ("gauge", "counter", "untyped", "summary", "histogram"), n
        assert name not in types and name in helps, "TYPE before HELP or twice, line %d" % n
        types[name] = kind
        seen_families.append(name)
        continue
    assert not line.startswith("#") and line != "", "line %d: %r" % (n, line)
    m = SAMPLE.match(line)
    assert m, "line %d does not parse: %r" % (n, line)
    name = m.group(1)
    assert name == seen_families[-1], "line %d: sample outside its family" % n
    value = m.group(m.lastindex)
    float(value)
    if not name.endswith("_seconds"):
        assert re.fullmatch(r"[0-9]+", value), "line %d: not an integer: %r" % (n, line)
    labels = tuple(re.findall(LABEL, m.group(2) or ""))
    assert (name, labels) not in series, "line %d repeats a series" % n
    series.add((name, labels))
assert len(seen_families) == len(set(seen_families)), "a family appears twice"
PY
has metrics.txt '^eddy_queue_messages\{queue="orders",state="visible"\} 2$'
has metrics.txt '^eddy_queue_messages\{queue="orders",state="in_flight"\} 1$'
has metrics.txt '^eddy_queue_oldest_message_age_seconds\{queue="orders"\} 0$'
has metrics.txt '^eddy_stream_shards\{stream="s",state="open"\} 2$'
has metrics.txt "^eddy_consumer_lag_records\\{stream=\"s\",consumer=\"app\",shard=\"$shard\"\\} 3$"
has metrics.txt "^eddy_consumer_lag_records_exact\\{stream=\"s\",consumer=\"app\",shard=\"$shard\"\\} 1$"
has metrics.txt '^# HELP eddy_consumer_lag_records .*at most 10000 records or 1 MiB'
has metrics.txt '^eddy_env_file_size_bytes [0-9]+$'
has metrics.txt '^# TYPE eddy_env_readers gauge$'
# Capacity is its own family: summing eddy_env_readers adds only slots in use.
has metrics.txt '^eddy_env_readers_max [0-9]+$'
lacks metrics.txt 'state="max"'
# An empty database: the environment's families only, still valid.
EDDY_DB=empty "$EDDY" queue create x >/dev/null && EDDY_DB=empty "$EDDY" queue delete x >/dev/null
EDDY_DB=empty "$EDDY" stat --format prometheus >empty.txt || fail "stat of an empty database"
lacks empty.txt 'eddy_queue'
run 2 stat --format yaml
has err "bad --format"
finish
