# test_top.sh: `eddy top` under a pseudo-terminal (python3's pty) redraws a few frames with the
# right counts for a scripted workload (4 visible, 1 in flight, 2 delayed; a stream's records
# and a consumer's lag); not on a terminal it prints each frame after the last, without escape
# sequences. The test clock fixes the ages. IN counts messages stored and gone between frames
# (next_msg_id), a re-created queue shows no rate, and a small terminal keeps the header.
. "$(dirname "$0")/lib.sh"

run 0 queue create q
run 0 queue create dq --delay 10m
seq 1 5 | "$EDDY" queue send q --lines -q || fail "send"
seq 1 2 | "$EDDY" queue send dq --lines -q || fail "send delayed"
run 0 queue receive q --max 1 --visibility-timeout 5m
run 0 stream create s --shards 1
seq 1 7 | "$EDDY" stream put s --lines --key k >put.txt || fail "put"
seq=$(head -n 1 put.txt | sed 's/.*"seq":"\([0-9]*\)".*/\1/')
run 0 checkpoint set s app 0 "$seq"

# ontty.py ROWS EDDY ARGS...: run under a pseudo-terminal of ROWS rows (0: the default), print
# what it wrote.
cat >ontty.py <<'PY'
import fcntl, os, pty, struct, sys, termios
rows = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    if rows:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 100, 0, 0))
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
/usr/bin/python3 ontty.py 0 "$EDDY" top --frames 3 --interval 100ms >tty.out || fail "top under a pty failed"
[ "$(grep -c 'eddy top' tty.out)" -eq 3 ] || fail "expected 3 frames on the terminal"
[ "$(grep -c "$(printf '\033')\[2J" tty.out)" -eq 3 ] || fail "no screen redraw on the terminal"
has tty.out '^q +4 +1 +0 '
has tty.out '^dq +0 +0 +2 '
has tty.out '^s +1/1 +7 '
has tty.out 'consumer app +shard 0 +behind 6 records'
has tty.out 'readers [0-9]+/[0-9]+'
has tty.out '0/s'

run 0 top --frames 2 --interval 100ms
[ "$(grep -c '^eddy top' out)" -eq 2 ] || fail "expected 2 frames"
lacks out "$(printf '\033')"
has out '^q +4 +1 +0 '
# IN counts messages stored between frames even when they are gone by the next frame (purged
# here); a queue deleted and re-created between frames shows no rate, not the old queue's.
run 0 queue create fast
run 0 queue create re
seq 1 3 | "$EDDY" queue send re --lines -q || fail "send re"
"$EDDY" top --frames 2 --interval 1s >rates.out 2>rates.err &
toppid=$!
sleep 0.4
seq 1 5 | "$EDDY" queue send fast --lines -q || fail "send fast"
"$EDDY" queue purge fast >/dev/null || fail "purge fast"
"$EDDY" queue delete re >/dev/null && "$EDDY" queue create re >/dev/null || fail "re-create re"
wait $toppid || fail "top exited $? ($(cat rates.err))"
[ "$(grep -c '^fast ' rates.out)" -eq 2 ] || fail "expected 2 frames of queue fast"
grep '^fast ' rates.out | tail -n 1 | grep -Eq ' 0 +[0-9.]+s +[1-9][0-9.]*/s +[1-9][0-9.]*/s +- *$' ||
    fail "fast: in and out not counted: $(grep '^fast ' rates.out | tail -n 1)"
grep '^re ' rates.out | tail -n 1 | grep -Eq ' - +- +- *$' ||
    fail "re-created re shows a rate: $(grep '^re ' rates.out | tail -n 1)"

# A terminal of 8 rows: the frame fits it (the header stays) and says what did not fit.
for i in 1 2 3 4 5 6; do "$EDDY" queue create "more$i" >/dev/null || fail "create more$i"; done
/usr/bin/python3 ontty.py 8 "$EDDY" top --frames 2 --interval 100ms >small.out ||
    fail "top in a small terminal failed"
/usr/bin/python3 - small.out <<'PY' || fail "top's frames do not fit 8 rows"
import sys
text = open(sys.argv[1]).read().replace("\r", "")
frames = [f for f in text.split("\033[H\033[2J") if f]
assert len(frames) == 2, len(frames)
for f in frames:
    assert f.startswith("eddy top"), f
    assert f.count("\n") <= 7, "frame of %d lines in 8 rows" % (f.count("\n") + 1)
    assert "more rows" in f, f
PY
has small.out 'more rows: enlarge the terminal'

run 2 top --interval 1ms
has err "bad --interval"
run 2 top --frames 0
has err "bad --frames"
finish
