# test_import.sh: messages received from one database imported into another (bodies text and
# binary, attributes kept), and the refusals.
. "$(dirname "$0")/lib.sh"

run 0 --db ./src queue create q
run 0 --db ./src queue send q 'text body' --attr k=v -q
printf '\001\002\003\377' >bin.dat
run 0 --db ./src queue send q --file bin.dat -q
run 0 --db ./src queue receive q --max 10
cp out moved.jsonl

run 1 --db ./dst import --queue q --new-ids --file moved.jsonl
has err "no database at './dst'"
run 0 --db ./dst import --queue q --new-ids --create --file moved.jsonl --progress=none
has out "^imported 2 messages into queue 'q'$"
run 0 --db ./dst queue receive q --max 10
has out '"body":"text body","body_encoding":"utf8","attrs":\[\{"name":"k","type":"String","value":"v"'
has out '"body":"AQID/w==","body_encoding":"base64"'

printf '{"body":"ok"}\nnot json\n' >bad.jsonl
run 1 --db ./dst import --queue q --new-ids --file bad.jsonl
has err 'line 2: not a message JSON object'
run 2 --db ./dst import --new-ids
run 0 --db ./dst verify
finish
