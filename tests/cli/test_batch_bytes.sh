# test_batch_bytes.sh: `queue send --lines` and `import --new-ids` batch by count and by bytes:
# legal lines whose batch of batch_max would exceed the queue's batch byte limit (body_len_max)
# are sent, and a line that fails is named by its line number.
. "$(dirname "$0")/lib.sh"

run 0 --db ./db queue create q
# Ten lines of 200000 bytes: one batch of ten would be 2000000 > body_len_max 1048576.
i=0
: >big.txt
while [ $i -lt 10 ]; do
    head -c 200000 /dev/zero | tr '\0' "$i" >>big.txt
    echo >>big.txt
    i=$((i + 1))
done
run 0 --db ./db queue send q --lines --file big.txt -q
run 0 --db ./db stat --queue q --json
has out '"messages": 10'

# The same lines through import --new-ids.
run 0 --db ./db export --queue q --output q.jsonl
run 0 --db ./db2 import --queue q --new-ids --create --file q.jsonl
has out "imported 10 messages into queue 'q'"
run 0 --db ./db2 stat --queue q --json
has out '"messages": 10'

# A line too large on its own fails, named by its line number; the others are sent.
printf 'a\nb\n' >mixed.txt
head -c 1100000 /dev/zero | tr '\0' x >>mixed.txt
printf '\nc\n\nd\n' >>mixed.txt
run 1 --db ./db queue send q --lines --file mixed.txt -q
has err '^eddy queue send: line 3: EDDY_ETOOBIG'
lacks err 'line [1245]:'
run 0 --db ./db stat --queue q --json
has out '"messages": 14'
finish
