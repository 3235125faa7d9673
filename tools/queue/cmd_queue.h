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

/* A scanned message as a JSON object (new reference): the form `export --queue` writes and
 * `import --queue` reads back (msg_id, state, receive_count, sent_ms, enqueued_ms,
 * first_receive_ms, visible_ms, body_xxh3, origin_*, body, attrs). */
json_t *cli_queue_scan_json(const char *queue, const eddy_queue_scan_message *m);

/* "visible", "delayed" or "in_flight" (enum eddy_queue_msg_state). */
const char *cli_queue_msg_state(int state);

#endif /* EDDY_CMD_QUEUE_H */
