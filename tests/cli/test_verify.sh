# test_verify.sh: `eddy verify` is clean on a good database, and catches (1) a body byte
# flipped in a copy of data.mdb, found by its known content, (2) an index entry deleted by
# a raw LMDB write, and (3) a damaged LMDB page header, refused at open by every command. Each problem is printed with its table and exact key; the exit status is 1.
. "$(dirname "$0")/lib.sh"

run 0 --db ./db queue create q
# Short bodies (< 512 bytes, the default compression_min_len) are stored uncompressed, so their bytes are in the file as is.
run 0 --db ./db queue send q 'EDDY-CLI-MARKER-0123456789' -q
seq 1 20 | "$EDDY" --db ./db queue send q --lines -q || fail "send lines"
run 0 --db ./db verify
has out '^verify: no problems found$'
run 0 --db ./db verify --json
has out '^\{"problems":0,"complete":true\}$'
# Progress of the library call: records read of the records stored, ending at the count read.
run 0 --db ./db verify --progress=json
has err '"op":"verify","unit":"count","done":0,"total":[1-9][0-9]*'
has err '"op":"verify","unit":"count","done":[1-9][0-9]*,"total":[1-9][0-9]*.*"final":true'

# (1) Flip one byte of the marker in a copy (every copy of the page the file holds).
cp -r db flipped
offsets=$(grep -obUa 'EDDY-CLI-MARKER-0123456789' flipped/data.mdb | cut -d: -f1)
[ -n "$offsets" ] || fail "marker not found in data.mdb"
for off in $offsets; do
    printf 'X' | dd of=flipped/data.mdb bs=1 seek=$((off + 9)) conv=notrunc 2>/dev/null
done
run 1 --db ./flipped verify
has out '^q_msg [0-9a-f]+: .*checksum'
has out '^verify: [0-9]+ problems? found$'
run 1 --db ./flipped verify --json
has out '"table":"q_msg","key":"[0-9a-f]+"'
has out '"problems":[1-9]'
# Reading the damaged message fails cleanly too.
run 1 --db ./flipped queue receive q --max 30
has err 'EDDY_ECORRUPT'

# (2) Delete the first visibility-index entry behind Eddy's back (messages that were never
# received have none: receive some first).
cp -r db noindex
run 0 --db ./noindex queue receive q --max 3
"$RAW_LMDB" noindex del-first q_vis >key.txt || fail "raw LMDB delete"
run 1 --db ./noindex verify
has out '^q_(msg|vis|aux|state) [0-9a-f]+: '
has out '^verify: [0-9]+ problems? found$'
run 1 --db ./noindex verify --max-problems 1
[ "$(grep -c '^q_' out)" -eq 1 ] || fail "--max-problems 1 printed more than one problem"

# (3) Damage LMDB's page structure: the page number in the header of each page holding the
# marker. LMDB would trust it; Eddy's page check refuses the file with the page named, at open
# (a small file is checked whole), for every command.
cp -r db paged
for off in $(grep -obUa 'EDDY-CLI-MARKER-0123456789' paged/data.mdb | cut -d: -f1); do
    printf '\377\377\377\377' | dd of=paged/data.mdb bs=1 seek=$((off / 4096 * 4096)) conv=notrunc 2>/dev/null
done
run 1 --db ./paged stat
has err 'EDDY_ECORRUPT.*data.mdb is damaged: q_msg: page [0-9]+: its header says'
run 1 --db ./paged --check dump
has err 'EDDY_ECORRUPT.*page [0-9]+'
run 1 --db ./paged verify
has err 'EDDY_ECORRUPT'

# The original is still clean.
run 0 --db ./db verify
run 0 --db ./db --check stat
run 0 --db ./db stat --check
finish
