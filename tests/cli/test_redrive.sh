# test_redrive.sh: dead letters and `eddy redrive`: dry run, a task driven to the end, list,
# --detach then cancel, `redrive run`, and errors.
. "$(dirname "$0")/lib.sh"

run 0 queue create dlq
run 0 queue create work --dlq dlq --max-receive-count 1 --visibility-timeout 0
run 0 queue create other
seq 1 3 | "$EDDY" queue send work --lines -q
run 0 queue receive work --max 3
run 0 queue receive work --max 3
lacks out '.'
run 0 stat --queue dlq
has out '^queue dlq: messages 3,'

run 0 redrive --from dlq --dry-run
expect redrive_dry.out
run 0 redrive --from dlq --progress=none
expect redrive_done.out
run 0 stat --queue work
has out '^queue work: messages 3,'
run 0 redrive list
expect redrive_list.out
run 0 redrive list --json
has out '^\{"source":"dlq","task_id":1,"status":"completed",'

# Back to the DLQ, then a detached task to another queue, cancelled before it runs.
run 0 queue receive work --max 3
run 0 queue receive work --max 3
run 0 redrive --from dlq --to other --detach
has out '^started redrive task dlq#2$'
run 0 stat
has out '^redrive dlq#2 running moved 0 of 3 to other$'
run 1 redrive --from dlq
has err 'EDDY_EBUSY'
run 0 redrive cancel 2
has out '^cancelled redrive task dlq#2$'
run 1 redrive cancel 2 --from dlq
has err 'EDDY_EEXPIRED'
run 1 redrive cancel 99
has err 'no running redrive task 99'

# A detached task moved by `redrive run`.
run 0 redrive --from dlq --to other --detach
run 0 redrive run --progress=none
has out '^moved 3 messages$'
run 0 stat --queue other
has out '^queue other: messages 3,'

run 1 redrive --from nosuch
has err 'EDDY_ENOTFOUND'
run 2 redrive --from dlq --rate 501
run 1 redrive --from dlq --to dlq
has err 'EDDY_EINVAL'
run 0 verify
finish
