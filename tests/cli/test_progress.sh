# test_progress.sh: --progress=json is throttled (a few lines a second plus a final one, not one
# per message) and every line is a JSON object with the same keys (docs/cli.md "Progress").
. "$(dirname "$0")/lib.sh"

run 0 --db ./db queue create q --batch-max 1000
seq 1 30000 >lines.txt
run 0 --db ./db queue send q --lines --file lines.txt -q
run 0 --db ./db --progress=json export --queue q --output q.jsonl
has err "^exported 30000 messages of queue 'q' to q.jsonl$"
grep '^{' err >prog
lines=$(wc -l <prog)
[ "$lines" -ge 1 ] || fail "export --progress=json printed nothing"
[ "$lines" -le 100 ] || fail "export of 30000 messages printed $lines progress lines (not throttled)"
# Every line parses and has exactly the documented keys.
jq -ec 'keys' prog >keys.txt 2>jq.err || fail "a progress line is not JSON: $(cat jq.err)"
[ "$(sort -u keys.txt | wc -l)" -eq 1 ] || fail "progress lines carry different keys: $(sort -u keys.txt)"
has keys.txt '^\["done","elapsed_s","eta_s","final","op","percent","rate_per_s","total","unit"\]$'
[ "$(jq -c 'select(.final)' prog | wc -l)" -eq 1 ] || fail "not exactly one final line"
tail -n 1 prog >last
has last '"op":"export","unit":"count","done":30000,"total":30000,"percent":100'
has last '"final":true'

# The same for import and for the library's steps (verify).
run 0 --db ./db2 --progress=json import --queue q --create --file q.jsonl
grep '^{' err >prog
[ "$(wc -l <prog)" -le 100 ] || fail "import printed $(wc -l <prog) progress lines"
jq -ec 'keys' prog >keys.txt 2>jq.err || fail "an import progress line is not JSON"
[ "$(sort -u keys.txt | wc -l)" -eq 1 ] || fail "import progress lines carry different keys"
run 0 --db ./db2 --progress=json verify
jq -ec 'keys' err >keys.txt 2>jq.err || fail "a verify progress line is not JSON"
[ "$(sort -u keys.txt | wc -l)" -eq 1 ] || fail "verify progress lines carry different keys"
has err '"op":"verify"'
finish
