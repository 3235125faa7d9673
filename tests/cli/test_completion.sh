# test_completion.sh: the bash completion (tools/completion/eddy.bash) sourced in bash completes
# a command, a subcommand, an option of a command, option values, and queue and stream names
# read from the database on the command line (--db) and from $EDDY_DB. That `cmake --install`
# puts it at share/bash-completion/completions/eddy is checked by tests/install/install_test.sh.
. "$(dirname "$0")/lib.sh"
src=$(cd "$EXPECTED/../../.." && pwd)
command -v bash >/dev/null || { echo "skipped: no bash"; exit 0; }
run 0 --db db queue create orders
run 0 --db db queue create orders-dlq
run 0 --db db stream create clicks
ln -s "$EDDY" eddy
cat >c.sh <<EOS
. "$src/tools/completion/eddy.bash"
PATH=$PWD:\$PATH
t() { COMP_WORDS=("\$@"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _eddy; echo "\${COMPREPLY[*]}"; }
t eddy st
t eddy queue pe
t eddy stream tail clicks --fr
t eddy --db db queue peek ""
t eddy --db db queue peek orders-
t eddy stream tail ""
t eddy checkpoint ""
t eddy stat --format p
t eddy --db db queue create x --dlq o
t eddy --db '~/db' queue peek o
t eddy --db=~/db stream tail ""
t eddy --db '~nosuchuser/db' queue peek o
EOS
# A leading ~ in --db is the home directory (here the test's directory); ~USER of no user stays.
HOME=$PWD EDDY_DB=db bash c.sh >out 2>err || fail "bash c.sh failed"
printf '%s\n' "stat stream" "peek" "--from" "orders orders-dlq" "orders-dlq" "clicks" \
    "get set leases" "prometheus" "orders orders-dlq" "orders orders-dlq" "clicks" "" >want
diff -u want out >&2 || fail "completions differ"
lacks err .
finish
