/*
 * sqs_wire.c: the SQS entry point for both wire protocols. A request is the Query protocol
 * (form-encoded Action=..., XML replies) or AWS JSON 1.0 (X-Amz-Target: AmazonSQS.*), chosen per
 * request; both are turned into one JSON input, run by one action function, and answered in the
 * request's own encoding, errors included (JSON errors carry x-amzn-query-error, which the SDKs
 * use for the legacy code). Also SQS's error table and the parameter helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"

#define E(name, jt, qc, st, snd) const struct sqs_err name = {jt, qc, st, snd}
E(SQS_NO_QUEUE, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400, true);
E(SQS_QUEUE_EXISTS, "QueueNameExists", "QueueAlreadyExists", 400, true);
E(SQS_INVALID_ADDRESS, "InvalidAddress", "InvalidAddress", 404, true);
E(SQS_INVALID_ATTR_NAME, "InvalidAttributeName", "InvalidAttributeName", 400, true);
E(SQS_INVALID_ATTR_VALUE, "InvalidAttributeValue", "InvalidAttributeValue", 400, true);
E(SQS_RECEIPT_INVALID, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400, true);
E(SQS_NOT_INFLIGHT, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400, true);
E(SQS_TOO_MANY_ENTRIES, "TooManyEntriesInBatchRequest",
  "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, true);
E(SQS_EMPTY_BATCH, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400, true);
E(SQS_IDS_NOT_DISTINCT, "BatchEntryIdsNotDistinct",
  "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, true);
E(SQS_INVALID_BATCH_ID, "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400,
  true);
E(SQS_BATCH_TOO_LONG, "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400,
  true);
E(SQS_INVALID_PARAM, "InvalidParameterValue", "InvalidParameterValue", 400, true);
E(SQS_MISSING_PARAM, "MissingParameter", "MissingParameter", 400, true);
E(SQS_INVALID_ACTION, "UnknownOperationException", "InvalidAction", 400, true);
E(SQS_OVER_LIMIT, "OverLimit", "OverLimit", 403, true);
E(SQS_UNSUPPORTED, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400,
  true);
E(SQS_NO_RESOURCE, "ResourceNotFoundException", "ResourceNotFoundException", 404, true);
E(SQS_INTERNAL, "InternalError", "InternalError", 500, false);
E(SQS_UNAVAILABLE, "ServiceUnavailable", "ServiceUnavailable", 503, false);
E(SQS_INVALID_CONTENTS, "InvalidMessageContents", "InvalidMessageContents", 400, true);
E(SQS_PURGE_IN_PROGRESS, "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403,
  true);
#undef E

int sqs_fail(struct sqs_ctx *c, const struct sqs_err *e, const char *fmt, ...)
{
    va_list ap;
    c->err = e;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return -1;
}

const struct sqs_err *sqs_err_of(int rc)
{
    switch (rc) {
    case EDDY_EINVAL:
    case EDDY_ETOOBIG:
        return &SQS_INVALID_PARAM;
    case EDDY_ENOTFOUND:
        return &SQS_NO_QUEUE;
    case EDDY_EEXIST:
        return &SQS_QUEUE_EXISTS;
    case EDDY_ELIMIT:
        return &SQS_OVER_LIMIT;
    case EDDY_EFULL:
    case EDDY_EBUSY:
    case EDDY_ECLOSED:
        return &SQS_UNAVAILABLE;
    default:
        return &SQS_INTERNAL;
    }
}

int sqs_fail_rc(struct sqs_ctx *c, int rc)
{
    const struct sqs_err *e = sqs_err_of(rc);
    if (e == &SQS_NO_QUEUE)
        return sqs_fail(c, e, "The specified queue does not exist.");
    return sqs_fail(c, e, "%s",
                    eddy_last_error()[0] != '\0' ? eddy_last_error() : eddy_strerror(rc));
}

const char *p_str(json_t *in, const char *key)
{
    json_t *v = json_object_get(in, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int p_need(struct sqs_ctx *c, json_t *in, const char *key, const char **out)
{
    if ((*out = p_str(in, key)) == NULL)
        return sqs_fail(c, &SQS_MISSING_PARAM, "The request must contain the parameter %s.", key);
    return 0;
}

int p_int(struct sqs_ctx *c, json_t *in, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(in, key);
    long long x;
    char *end;

    if (v == NULL || json_is_null(v))
        return 1;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_string(v) && json_string_value(v)[0] != '\0') {
        x = strtoll(json_string_value(v), &end, 10);
        if (*end != '\0')
            goto bad;
    } else {
        goto bad;
    }
    if (x < lo || x > hi)
        goto bad;
    *out = x;
    return 0;
bad:
    return sqs_fail(c, &SQS_INVALID_PARAM,
                    "Value %s for parameter %s is invalid. Reason: must be an integer between "
                    "%lld and %lld.",
                    json_is_string(v) ? json_string_value(v) : "(not a number)", key, (long long)lo,
                    (long long)hi);
}

int p_bool(struct sqs_ctx *c, json_t *in, const char *key, bool *out)
{
    json_t *v = json_object_get(in, key);
    const char *s;
    if (v == NULL || json_is_null(v))
        return 1;
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    s = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
        *out = s[0] == 't';
        return 0;
    }
    return sqs_fail(c, &SQS_INVALID_PARAM, "Value %s for parameter %s is invalid.", s, key);
}

json_t *p_list(json_t *in, const char *key)
{
    json_t *v = json_object_get(in, key);
    return json_is_array(v) ? v : NULL;
}

void sqs_queue_url(struct srv *s, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s/%s", s->base_url, s->account, name);
}

void sqs_queue_arn(struct srv *s, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:sqs:%s:%s:%s", s->region, s->account, name);
}

bool sqs_arn_name(const char *arn, char *out, size_t cap)
{
    const char *p = arn;
    int colons = 0;
    if (strncmp(arn, "arn:aws:sqs:", 12) != 0)
        return false;
    for (; *p != '\0'; p++)
        if (*p == ':')
            colons++;
    if (colons != 5)
        return false;
    p = strrchr(arn, ':') + 1;
    if (*p == '\0' || strlen(p) >= cap)
        return false;
    snprintf(out, cap, "%s", p);
    return true;
}

int sqs_name_check(struct sqs_ctx *c, const char *name)
{
    size_t n = strlen(name), i, base = n > 5 && strcmp(name + n - 5, ".fifo") == 0 ? n - 5 : n;
    for (i = 0; i < base; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            break;
    }
    if (base == 0 || n > EDDY_QUEUE_NAME_MAX || i < base)
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Can only include alphanumeric characters, hyphens, or underscores. 1 to "
                        "80 in length");
    return 0;
}

/* "http://HOST[:PORT]/ACCOUNT/NAME", "/ACCOUNT/NAME" or "ACCOUNT/NAME": the last two path
 * segments, the account all digits. Anything else is not an address. */
static bool url_name(const char *url, char *out, size_t cap)
{
    const char *p = url, *acct, *name;
    size_t alen;
    if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
        p = strchr(p + 8 - (p[4] == ':' ? 1 : 0), '/');
        if (p == NULL)
            return false;
    }
    while (*p == '/')
        p++;
    acct = p;
    name = strchr(acct, '/');
    if (name == NULL)
        return false;
    alen = (size_t)(name - acct);
    name++;
    if (alen == 0 || alen > 12 || strspn(acct, "0123456789") != alen || strchr(name, '/') != NULL ||
        strlen(name) >= cap)
        return false;
    snprintf(out, cap, "%s", name);
    return true;
}

int p_queue(struct sqs_ctx *c)
{
    const char *url = p_str(c->in, "QueueUrl");
    if (url == NULL && c->r->proto == PROTO_SQS_QUERY && strcmp(c->r->path, "/") != 0)
        url = c->r->path;
    if (url == NULL)
        return sqs_fail(c, &SQS_MISSING_PARAM, "The request must contain the parameter QueueUrl.");
    if (!url_name(url, c->qname, sizeof c->qname))
        return sqs_fail(c, &SQS_INVALID_ADDRESS,
                        "The address %.200s is not valid for this endpoint.", url);
    if (sqs_name_check(c, c->qname) != 0)
        return sqs_fail(c, &SQS_NO_QUEUE, "The specified queue does not exist.");
    return 0;
}

static const struct {
    const char *name;
    sqs_action_fn fn;
} actions[] = {
    {"AddPermission", sqs_add_permission},
    {"CancelMessageMoveTask", sqs_cancel_move_task},
    {"ChangeMessageVisibility", sqs_change_visibility},
    {"ChangeMessageVisibilityBatch", sqs_change_visibility_batch},
    {"CreateQueue", sqs_create_queue},
    {"DeleteMessage", sqs_delete_message},
    {"DeleteMessageBatch", sqs_delete_message_batch},
    {"DeleteQueue", sqs_delete_queue},
    {"GetQueueAttributes", sqs_get_queue_attributes},
    {"GetQueueUrl", sqs_get_queue_url},
    {"ListDeadLetterSourceQueues", sqs_list_dlq_sources},
    {"ListMessageMoveTasks", sqs_list_move_tasks},
    {"ListQueueTags", sqs_list_queue_tags},
    {"ListQueues", sqs_list_queues},
    {"PurgeQueue", sqs_purge_queue},
    {"ReceiveMessage", sqs_receive_message},
    {"RemovePermission", sqs_remove_permission},
    {"SendMessage", sqs_send_message},
    {"SendMessageBatch", sqs_send_message_batch},
    {"SetQueueAttributes", sqs_set_queue_attributes},
    {"StartMessageMoveTask", sqs_start_move_task},
    {"TagQueue", sqs_tag_queue},
    {"UntagQueue", sqs_untag_queue},
};

static void reply_error(struct sqs_ctx *c)
{
    struct req *r = c->r;
    char rid[37];

    srv_request_id(rid);
    if (r->proto == PROTO_SQS_JSON) {
        char type[96];
        json_t *j;
        snprintf(type, sizeof type, "com.amazonaws.sqs#%s", c->err->json_type);
        j = json_pack("{s:s,s:s}", "__type", type, "message", c->msg);
        reply_json(&r->reply, c->err->status, "application/x-amz-json-1.0", j);
        json_decref(j);
        snprintf(r->reply.hdr_name, sizeof r->reply.hdr_name, "x-amzn-query-error");
        snprintf(r->reply.hdr_value, sizeof r->reply.hdr_value, "%s;%s", c->err->query_code,
                 c->err->sender ? "Sender" : "Receiver");
    } else {
        struct buf b = {0};
        buf_puts(&b, "<?xml version=\"1.0\"?><ErrorResponse "
                     "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>");
        buf_puts(&b, c->err->sender ? "Sender" : "Receiver");
        buf_puts(&b, "</Type><Code>");
        buf_puts(&b, c->err->query_code);
        buf_puts(&b, "</Code><Message>");
        buf_xml(&b, c->msg, strlen(c->msg));
        buf_puts(&b, "</Message><Detail/></Error><RequestId>");
        buf_puts(&b, rid);
        buf_puts(&b, "</RequestId></ErrorResponse>");
        reply_set(&r->reply, b.oom ? 500 : c->err->status, "text/xml", b.p, b.len);
    }
}

static void reply_ok(struct sqs_ctx *c)
{
    struct req *r = c->r;
    if (r->proto == PROTO_SQS_JSON) {
        reply_json(&r->reply, 200, "application/x-amz-json-1.0", c->out);
    } else {
        struct buf b = {0};
        char rid[37];
        srv_request_id(rid);
        sqs_xml_response(&b, r->action, c->out, rid);
        reply_set(&r->reply, b.oom ? 500 : 200, "text/xml", b.p, b.len);
    }
}

/* Parse the request into r->in (once: a resumed long poll keeps it). */
static int parse_input(struct sqs_ctx *c)
{
    struct req *r = c->r;
    json_t *flat;
    const char *act;

    if (r->proto == PROTO_SQS_JSON) {
        json_error_t je;
        json_t *in =
            json_loadb(r->body != NULL ? r->body : "{}", r->body != NULL ? r->len : 2, 0, &je);
        if (!json_is_object(in)) {
            json_decref(in);
            return sqs_fail(c, &SQS_INVALID_PARAM, "The request body is not a JSON object: %s",
                            je.text);
        }
        r->in = in;
        return 0;
    }
    flat = r->in != NULL ? json_incref(r->in) : form_decode(r->body, r->len);
    if (flat == NULL)
        return sqs_fail(c, &SQS_INVALID_PARAM, "The request body is not a valid form.");
    act = p_str(flat, "Action");
    if (act == NULL) {
        json_decref(flat);
        return sqs_fail(c, &SQS_MISSING_PARAM, "The request must contain the parameter Action.");
    }
    snprintf(r->action, sizeof r->action, "%s", act);
    json_decref(r->in);
    r->in = sqs_query_to_json(r->action, flat);
    json_decref(flat);
    return r->in != NULL ? 0 : sqs_fail(c, &SQS_INTERNAL, "out of memory");
}

void sqs_handle(struct req *r)
{
    struct sqs_ctx c;
    size_t i;
    int rc = -1;

    memset(&c, 0, sizeof c);
    c.r = r;
    c.s = r->srv;
    if (!r->parked && parse_input(&c) != 0)
        goto out;
    c.in = r->in;
    for (i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].name, r->action) == 0)
            break;
    if (i == sizeof actions / sizeof actions[0]) {
        sqs_fail(&c, &SQS_INVALID_ACTION, "The action %.60s is not valid for this endpoint.",
                 r->action);
        goto out;
    }
    c.out = json_object();
    rc = actions[i].fn(&c);
    if (rc == SQS_PARKED) {
        json_decref(c.out);
        return;
    }
out:
    if (rc == 0)
        reply_ok(&c);
    else
        reply_error(&c);
    r->parked = false;
    json_decref(c.out);
}
