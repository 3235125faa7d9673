/*
 * cmd_queue.h: what cmd_queue.c (queue administration and dispatch) and cmd_queue_msg.c
 * (message commands) share, and the queue JSON form that stat and dump reuse.
 */
#ifndef EDDY_CMD_QUEUE_H
#define EDDY_CMD_QUEUE_H

#include "cli.h"

/* `eddy queue send`, `receive`; argv[0] is the subcommand. */
int cli_queue_send(struct cli *cli, int argc, char **argv);
int cli_queue_receive(struct cli *cli, int argc, char **argv);

/* `eddy queue delete-message` (visibility false) or `change-visibility` (true). */
int cli_queue_ack(struct cli *cli, int argc, char **argv, bool visibility);

/* A queue's attributes and counts as a JSON object (new reference). */
json_t *cli_queue_info_json(const char *name, const eddy_queue_info *info);

/* A received message as a JSON object (new reference). */
json_t *cli_queue_message_json(const char *queue, const eddy_queue_message *m);

#endif /* EDDY_CMD_QUEUE_H */
