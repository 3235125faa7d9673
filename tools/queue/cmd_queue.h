/*
 * cmd_queue.h: what cmd_queue.c (queue administration and dispatch), cmd_queue_msg.c
 * (message commands) and cmd_queue_peek.c share. The family header of tools/queue/; the queue's
 * JSON forms that other commands print are in common/queue_forms.h.
 */
#ifndef EDDY_CMD_QUEUE_H
#define EDDY_CMD_QUEUE_H

#include "cli.h"

/* `eddy queue send`, `receive`; argv[0] is the subcommand. */
int cli_queue_send(struct cli *cli, int argc, char **argv);
int cli_queue_receive(struct cli *cli, int argc, char **argv);

/* `eddy queue delete-message` (visibility false) or `change-visibility` (true). */
int cli_queue_ack(struct cli *cli, int argc, char **argv, bool visibility);

/* `eddy queue peek` (cmd_queue_peek.c): messages shown without receiving them. */
int cli_queue_peek(struct cli *cli, int argc, char **argv);

#endif /* EDDY_CMD_QUEUE_H */
