# test_basic.sh: help, version, usage errors (exit 2), a missing or damaged database (exit 1).
. "$(dirname "$0")/lib.sh"

run 2
has out '^Commands:'
run 0 --help
cp out help.txt
for c in stat dump verify compact trim redrive queue stream checkpoint export import; do
    has help.txt "^  $c "
    run 0 help $c
    has out "^usage: eddy"
    run 0 $c --help
    has out "^usage: eddy"
done
run 0 --version
has out '^eddy [0-9]+\.[0-9]+\.[0-9]+ \(format 2\)( test build)?$'

# Usage errors: exit 2, a message and a hint on stderr, nothing on stdout.
run 2 frobnicate
has err "unknown command 'frobnicate'"
has err "try 'eddy help'"
run 2 help frobnicate
run 2 --bogus stat
run 2 stat --bogus
has err "try 'eddy help stat'"
run 2 stat extra-argument
run 2 --db
run 2 --progress sideways stat
run 2 verify --max-problems 0
run 2 queue
run 2 queue frobnicate
run 2 queue create
run 2 queue send
run 2 queue change-visibility q r
has err 'needs --timeout'
run 2 redrive
has err 'missing --from'
run 2 redrive cancel notanumber
run 2 trim --batch 0
lacks out '.'

# A missing database: exit 1 and say where it looked; nothing is created.
for c in stat dump verify "queue list" "redrive list" trim compact; do
    run 1 --db ./nothing $c
    has err "no database at './nothing'"
done
[ ! -e ./nothing ] || fail "a read command created ./nothing"
EDDY_DB=./from-env "$EDDY" stat >out 2>err
has err "no database at './from-env'"

# A damaged database: data.mdb that is not an LMDB file, and one that is truncated.
mkdir garbage
head -c 65536 /dev/zero | tr '\0' 'x' >garbage/data.mdb
run 1 --db ./garbage stat
has err 'cannot open database'
has err 'EDDY_E(CORRUPT|VERSION|IO)'
run 1 --db ./garbage verify

run 0 --db ./good queue create q
cp -r good truncated
head -c 4096 good/data.mdb >truncated/data.mdb
run 1 --db ./truncated verify
has err 'EDDY_ECORRUPT'
# Not checked yet: a file cut after its two meta pages (head -c 8192) crashes the open with
# SIGBUS, because LMDB maps pages the file no longer has (reported to the engine owner).

# Not a directory.
echo hello >plainfile
run 1 --db ./plainfile stat
finish
