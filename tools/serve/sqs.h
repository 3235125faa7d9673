/*
 * sqs.h: what the SQS files share: the action context, SQS's error codes (one entry each with
 * its JSON type, Query code, HTTP status and fault side), and the parameter helpers that accept
 * both protocols' spellings (numbers and booleans come as strings in the Query protocol).
 */
#ifndef EDDY_SERVE_SQS_H
#define EDDY_SERVE_SQS_H

#include "serve.h"

struct sqs_err {
    const char *json_type;  /* "QueueDoesNotExist" (JSON: com.amazonaws.sqs#...) */
    const char *query_code; /* "AWS.SimpleQueueService.NonExistentQueue" */
    unsigned status;
    bool sender; /* Sender or Receiver fault */
};

extern const struct sqs_err SQS_NO_QUEUE, SQS_QUEUE_EXISTS, SQS_INVALID_ADDRESS,
    SQS_INVALID_ATTR_NAME, SQS_INVALID_ATTR_VALUE, SQS_RECEIPT_INVALID, SQS_NOT_INFLIGHT,
    SQS_TOO_MANY_ENTRIES, SQS_EMPTY_BATCH, SQS_IDS_NOT_DISTINCT, SQS_INVALID_BATCH_ID,
    SQS_BATCH_TOO_LONG, SQS_INVALID_PARAM, SQS_MISSING_PARAM, SQS_INVALID_ACTION, SQS_OVER_LIMIT,
    SQS_UNSUPPORTED, SQS_NO_RESOURCE, SQS_INTERNAL, SQS_UNAVAILABLE, SQS_INVALID_CONTENTS,
    SQS_PURGE_IN_PROGRESS;

#define SQS_PARKED 1 /* a handler's return: the request waits (long poll) */

struct sqs_ctx {
    struct req *r;
    struct srv *s;
    json_t *in;
    json_t *out;
    const struct sqs_err *err;
    char msg[512];
    char qname[EDDY_QUEUE_NAME_MAX + 1];
};

/* Record an error; returns -1 for `return sqs_fail(...)`. */
int sqs_fail(struct sqs_ctx *c, const struct sqs_err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map an eddy_ code of a queue call (ENOTFOUND = no such queue); returns -1. */
int sqs_fail_rc(struct sqs_ctx *c, int rc);
/* The error entry for an eddy_ code of one batch entry. */
const struct sqs_err *sqs_err_of(int rc);

/* A string parameter, or NULL when absent (an empty string counts as present). */
const char *p_str(json_t *in, const char *key);
/* An integer parameter in [lo, hi]: 0 and *out set, 1 when absent, -1 (error recorded) when bad. */
int p_int(struct sqs_ctx *c, json_t *in, const char *key, int64_t lo, int64_t hi, int64_t *out);
/* A boolean ("true"/"false" or JSON bool): same returns as p_int. */
int p_bool(struct sqs_ctx *c, json_t *in, const char *key, bool *out);
/* A required string parameter; -1 with MissingParameter when absent. */
int p_need(struct sqs_ctx *c, json_t *in, const char *key, const char **out);
/* A list of strings (JSON array); NULL when absent. */
json_t *p_list(json_t *in, const char *key);
/* Resolve QueueUrl (or the Query path /ACCOUNT/NAME) into c->qname; -1 on error. */
int p_queue(struct sqs_ctx *c);

/* The queue URL and ARN of `name`. */
void sqs_queue_url(struct srv *s, const char *name, char *out, size_t cap);
void sqs_queue_arn(struct srv *s, const char *name, char *out, size_t cap);
/* The queue name of an ARN arn:aws:sqs:REGION:ACCOUNT:NAME, false when malformed. */
bool sqs_arn_name(const char *arn, char *out, size_t cap);
/* A queue name check that reports SQS's error: 1..80 of [A-Za-z0-9_-], ".fifo" counted. */
int sqs_name_check(struct sqs_ctx *c, const char *name);

/* sqs_qcache.c: a queue's id and default wait, cached by name (a receive and a send need them
 * for message ids and long polls; eddy_queue_get_attributes also counts, too slow per request).
 * 0, or -1 with the error recorded (no such queue). */
struct sqs_qinfo {
    uint64_t id;
    uint32_t receive_wait_ms;
    uint32_t body_len_max;
    bool fifo;
};
int sqs_qcache_get(struct sqs_ctx *c, struct sqs_qinfo *out);
/* Forget `name` (deleted, re-created or changed through this server). */
void sqs_qcache_drop(const char *name);
/* The SQS MessageId of message msg_id of queue qid: 8-4-4-4-12 hex, stable across restarts. */
void sqs_message_id(uint64_t qid, uint64_t msg_id, char out[37]);

/* ---- the actions: 0, -1 (error recorded) or SQS_PARKED. */
typedef int (*sqs_action_fn)(struct sqs_ctx *c);
int sqs_create_queue(struct sqs_ctx *c);
int sqs_delete_queue(struct sqs_ctx *c);
int sqs_list_queues(struct sqs_ctx *c);
int sqs_get_queue_url(struct sqs_ctx *c);
int sqs_get_queue_attributes(struct sqs_ctx *c);
int sqs_set_queue_attributes(struct sqs_ctx *c);
int sqs_purge_queue(struct sqs_ctx *c);
int sqs_tag_queue(struct sqs_ctx *c);
int sqs_untag_queue(struct sqs_ctx *c);
int sqs_list_queue_tags(struct sqs_ctx *c);
int sqs_add_permission(struct sqs_ctx *c);
int sqs_remove_permission(struct sqs_ctx *c);
int sqs_list_dlq_sources(struct sqs_ctx *c);
int sqs_start_move_task(struct sqs_ctx *c);
int sqs_list_move_tasks(struct sqs_ctx *c);
int sqs_cancel_move_task(struct sqs_ctx *c);
int sqs_send_message(struct sqs_ctx *c);
int sqs_send_message_batch(struct sqs_ctx *c);
int sqs_receive_message(struct sqs_ctx *c);
int sqs_delete_message(struct sqs_ctx *c);
int sqs_delete_message_batch(struct sqs_ctx *c);
int sqs_change_visibility(struct sqs_ctx *c);
int sqs_change_visibility_batch(struct sqs_ctx *c);

/* sqs_attrs.c: queue attributes <-> eddy_queue_options / eddy_queue_info. */
/* Storage for the names an eddy_queue_options borrows while it is used. */
struct sqs_attr_scratch {
    char dlq[EDDY_QUEUE_NAME_MAX + 1];
    char srcs[EDDY_QUEUE_ALLOW_MAX][EDDY_QUEUE_NAME_MAX + 1];
    const char *src_ptrs[EDDY_QUEUE_ALLOW_MAX];
};
/* Parse `attrs` (JSON object of strings) into opts; *mask_out gets the eddy SET bits. */
int sqs_attrs_parse(struct sqs_ctx *c, json_t *attrs, eddy_queue_options *opts,
                    struct sqs_attr_scratch *sc, uint32_t *mask_out);
/* The attributes of `info` named in `names` (NULL or containing "All": all) as a JSON object. */
json_t *sqs_attrs_render(struct sqs_ctx *c, const eddy_queue_info *info, json_t *names);

#endif
