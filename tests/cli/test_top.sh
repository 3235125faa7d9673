# test_top.sh: `eddy top` under a pseudo-terminal (python3's pty) redraws a few frames with the
# right counts for a scripted workload (4 visible, 1 in flight, 2 delayed; a stream's records
# and a consumer's lag); not on a terminal it prints each frame after the last, without escape
# sequences. The test clock fixes the ages.
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

/usr/bin/python3 - "$EDDY" >tty.out <<'PY' || fail "top under a pty failed"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "top", "--frames", "3", "--interval", "100ms"])
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
run 2 top --interval 1ms
has err "bad --interval"
run 2 top --frames 0
has err "bad --frames"
finish
