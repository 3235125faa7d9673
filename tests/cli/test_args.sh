# test_args.sh: durations (90s, 15m, 1h30m, plain seconds), sizes (KiB, MiB), RFC 3339 times,
# and their rejection, seen through the attributes they set.
. "$(dirname "$0")/lib.sh"

run 0 queue create a --visibility-timeout 1h30m --delay 90 --retention 7d --max-size 64KiB \
    --receive-wait 250ms
run 0 queue attrs a --json
has out '"visibility_timeout_ms":5400000'
has out '"delay_ms":90000'
has out '"retention_ms":604800000'
has out '"body_len_max":65536'
has out '"receive_wait_ms":250'
run 0 queue attrs a --max-size 2MiB --visibility-timeout 0 --retention 1.5d
has out '^max size +2097152 bytes$'
has out '^visibility timeout +0s$'
has out '^retention +1d12h$'
for bad in 5x 1h30 -5s '' 1.2.3s 99999999999999999999s; do
    run 2 queue create b --visibility-timeout "$bad"
done
for bad in 5XB 1TiB -1 KiB; do
    run 2 queue create b --max-size "$bad"
done
run 2 queue create b --max-receive-count 1e3
run 0 trim --before 2027-01-15T08:00:00Z
has out '^queue a: removed 0 messages older than 2027-01-15T08:00:00.000Z or expired$'
run 0 trim --before 2027-01-15T08:00:00.250+02:00
has out 'older than 2027-01-15T06:00:00.250Z'
run 0 trim --before 2027-01-15t08:00:00z
has out 'older than 2027-01-15T08:00:00.000Z'
run 0 trim --older-than 1h30m
has out 'older than 2027-01-15T06:30:00.000Z'
run 2 trim --before 2027-01-15T08:00:00Z --older-than 1h
for bad in 2027-01-15 2027-13-01T00:00:00Z 2027-01-15T08:00:00 '2027-01-15T08:00:00+0200'; do
    run 2 trim --before "$bad"
done
finish
