/*
 * queue_forms.h: a queue, a received message and a scanned message as JSON (the forms that
 * queue, stat, dump, export and import share), and a send entry's size.
 */
#ifndef EDDY_CLI_QUEUE_FORMS_H
#define EDDY_CLI_QUEUE_FORMS_H

#include "cli.h"

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

/* A send entry's size as the library counts it against body_len_max: the body plus each
 * attribute's name, type and value (SQS's rule). */
size_t cli_queue_entry_size(const eddy_queue_send_entry *e);

#endif /* EDDY_CLI_QUEUE_FORMS_H */
