# test_help_examples.sh: every example in `eddy help` and `eddy help TOPIC` runs as written.
# The examples of all topics run in one directory, topic after topic (queues and streams first,
# as a tutorial would), each topic's lines in one shell so a line may use a variable an earlier
# line set; `eddy` is the tool under test, the database is ./eddy-data ($EDDY_DB unset), and an
# absolute path /P becomes ./abs/P. Any example that exits non-zero fails the test. Also: the
# main help documents --version, and `queue create` of an existing queue names the differences.
. "$(dirname "$0")/lib.sh"
unset EDDY_TEST_NOW_MS # records "up to now" and ages: the real clock, as a user runs them

mkdir -p abs/var/lib/app abs/backup
ln -s "$PWD/eddy-data" abs/var/lib/app/eddy
ln -s eddy-data old

# The topics, in the order of `eddy help`'s list.
"$EDDY" help >help.txt || fail "eddy help"
sed -n '/^Commands:/,/^$/p' help.txt | awk 'NF > 1 && $1 != "Commands:" {print $1}' >topics.txt
[ "$(wc -l <topics.txt)" -ge 10 ] || fail "found only $(wc -l <topics.txt) topics in eddy help"
has help.txt '--version'

# examples TOPIC: the example command lines of `eddy help TOPIC` ("" = the main help).
examples() {
    # shellcheck disable=SC2086
    "$EDDY" help $1 | awk '
        /^Examples?:/ { on = 1; sub(/^Examples?:[ ]*/, ""); if ($0 != "") print; next }
        on && /^[ ]*$/ { on = 0; next }
        on { sub(/^[ ]+/, ""); print }'
}

ran=0
for topic in queue stream checkpoint $(grep -vxE 'queue|stream|checkpoint' topics.txt) ""; do
    examples "$topic" >ex.txt
    [ -s ex.txt ] || fail "eddy help $topic has no examples"
    # One script per topic: each line, then a check of its exit status.
    : >ex.sh
    k=0
    while IFS= read -r line; do
        k=$((k + 1))
        cmd=$(printf '%s\n' "$line" |
            sed -e 's# /# ./abs/#g' -e 's/\(^\|| \|$(\)eddy /\1"$EDDY" /g')
        printf '%s\nrc=$?; [ $rc -eq 0 ] || echo "example failed (exit $rc): eddy help %s: %s" >&2\n' \
            "$cmd" "$topic" "$(printf '%s' "$line" | sed "s/'/'\\\\''/g")" >>ex.sh
    done <ex.txt
    ran=$((ran + k))
    EDDY="$EDDY" sh ex.sh >ex.out 2>ex.err </dev/null
    if grep -q '^example failed' ex.err; then
        fail "examples of 'eddy help $topic' failed"
        sed 's/^/  | /' ex.err >&2
    fi
done
[ "$ran" -ge 30 ] || fail "ran only $ran examples"

# queue create on an existing queue with other attributes names each difference.
run 1 queue create orders --visibility-timeout 60s
has err "cannot create queue 'orders': EDDY_EEXIST: it exists with other attributes: visibility_timeout_ms 90000 \(asked: 60000\), dlq \"orders-dlq\" \(asked: \"\"\), max_receive_count 5 \(asked: 10\)"
run 0 queue create orders --visibility-timeout 90s --dlq orders-dlq --max-receive-count 5
finish
