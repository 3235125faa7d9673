# test_tail.sh: `eddy stream tail` as a child process beside a scripted writer: it prints every
# record put while it runs, exactly once, in sequence order per shard, across a split (the
# children's records after the parent's last), and ends with exit 0 on SIGINT. Also --from
# latest skips what was there before, --limit stops, and bad options are usage errors.
. "$(dirname "$0")/lib.sh"

run 0 stream create s --shards 2
seq 1 10 | "$EDDY" stream put s --lines --key before >put.txt || fail "put before"

# --from latest (the default) shows nothing stored before it started.
"$EDDY" stream tail s --json --interval 10ms >latest.out 2>latest.err &
latest=$!
"$EDDY" stream tail s --from trim-horizon --json --interval 10ms >tail.out 2>tail.err &
tailpid=$!
sleep 0.3
for i in 1 2 3; do
    seq 1 10 | "$EDDY" stream put s --lines --key "k$i" >>put.txt || fail "put $i"
done
run 0 stream split s 0
for i in 4 5 6 7; do
    seq 1 10 | "$EDDY" stream put s --lines --key "k$i" >>put.txt || fail "put $i"
done
want=$(wc -l <put.txt)
# Wait (at most 10 s) until the tail has printed every record, then interrupt it.
i=0
while [ "$(wc -l <tail.out)" -lt "$want" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $tailpid $latest
wait $tailpid || fail "tail exited $? on SIGINT"
wait $latest || fail "tail (latest) exited $? on SIGINT"

/usr/bin/python3 - put.txt tail.out latest.out <<'PY' || fail "tail output is wrong"
import json, sys
put = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
latest = [json.loads(l) for l in open(sys.argv[3])]
want = {(p["shard_id"], p["seq"]) for p in put}
seen = [(r["shard_id"], r["seq"]) for r in got]
assert len(seen) == len(set(seen)), "a record printed twice"
assert set(seen) == want, "missing %s extra %s" % (want - set(seen), set(seen) - want)
last = {}
for i, (shard, seq) in enumerate(seen):
    assert seq > last.get(shard, ""), "shard %d out of order" % shard
    last[shard] = seq
# The split's children (2, 3) print after every record of their parent 0.
pos0 = max(i for i, r in enumerate(seen) if r[0] == 0)
assert all(i > pos0 for i, r in enumerate(seen) if r[0] in (2, 3)), "child before parent"
assert any(r[0] in (2, 3) for r in seen), "no record of the children"
# --from latest: exactly the records put after it started (all but the first 10).
assert {(r["shard_id"], r["seq"]) for r in latest} == want - {(p["shard_id"], p["seq"]) for p in put[:10]}
PY

# --limit stops after N records; text form names stream, shard and seq.
run 0 stream tail s --from trim-horizon --limit 3
[ "$(wc -l <out)" -eq 3 ] || fail "--limit 3 printed $(wc -l <out) lines"
has out '^s shard=0 seq='
# --at: from that arrival time (the test clock stamps every record at T0).
run 0 stream tail s --from at-timestamp --at 2027-01-15T08:00:00Z --limit 5 --json
[ "$(wc -l <out)" -eq 5 ] || fail "--at printed $(wc -l <out) lines"
# --shard reads that shard (and would follow its children) only.
n1=$(grep -c '"shard_id":1,' put.txt)
if [ "$n1" -gt 0 ]; then
    run 0 stream tail s --from trim-horizon --shard 1 --limit "$n1"
    [ "$(grep -c '^s shard=1 ' out)" -eq "$n1" ] || fail "--shard 1 printed other shards"
fi
run 1 stream tail s --shard 99
has err "has no shard 99"
run 2 stream tail s --from sometime
has err "bad --from"
run 2 stream tail s --from at-timestamp
has err "needs --at"
run 2 stream tail
has err "one stream NAME"
run 1 stream tail nosuch --limit 1
has err "EDDY_ENOTFOUND"

# An iterator that expires between rounds (TTL 1 s; the test clock moves by --interval) resumes
# where --from latest began, not at a new "latest": records put meanwhile are all printed.
run 0 stream create ttl --shards 1 --iterator-ttl 1s
seq 1 3 | "$EDDY" stream put ttl --lines --key k >/dev/null || fail "put ttl before"
"$EDDY" stream tail ttl --json --interval 1500ms --limit 5 >ttl.out 2>ttl.err &
ttlpid=$!
sleep 0.5
seq 1 5 | "$EDDY" stream put ttl --lines --key k >/dev/null || fail "put ttl"
i=0
while kill -0 $ttlpid 2>/dev/null && [ $i -lt 60 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $ttlpid 2>/dev/null || true
wait $ttlpid || fail "tail across an expiry exited $? ($(cat ttl.err))"
[ "$(wc -l <ttl.out)" -eq 5 ] || fail "tail across an expiry printed $(wc -l <ttl.out) of 5"
finish
