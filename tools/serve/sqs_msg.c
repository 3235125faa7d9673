/*
 * sqs_msg.c: SQS actions on messages: SendMessage(Batch), ReceiveMessage (system and message
 * attribute selection, visibility, long polls parked without a thread), DeleteMessage(Batch),
 * ChangeMessageVisibility(Batch). MD5OfMessageBody and MD5OfMessageAttributes are exact (the
 * SDKs verify them). Stale receipts are refused deterministically (docs/endpoint.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"

#define SQS_BATCH_MAX 10
/* SendMessageBatch request total: fixed by SQS (1 MiB since 2025, aws-semantics.md section 0),
 * independent of the queue's MaximumMessageSize, which limits each entry. */
#define SQS_BATCH_BYTES_MAX 1048576u

/* One message's attributes, decoded (binary values are owned here). */
struct attrs_in {
    eddy_queue_attr a[EDDY_QUEUE_ATTRS_MAX];
    unsigned char *bin[EDDY_QUEUE_ATTRS_MAX];
    size_t n;
};

static void attrs_free(struct attrs_in *ai)
{
    size_t i;
    for (i = 0; i < ai->n; i++)
        free(ai->bin[i]);
    ai->n = 0;
}

static int attrs_parse(struct sqs_ctx *c, json_t *m, struct attrs_in *ai)
{
    const char *k;
    json_t *v;
    ai->n = 0;
    if (m == NULL)
        return 0;
    if (!json_is_object(m))
        return sqs_fail(c, &SQS_INVALID_PARAM, "MessageAttributes must be a map.");
    if (json_object_size(m) > EDDY_QUEUE_ATTRS_MAX)
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Number of message attributes [%zu] exceeds the allowed maximum [10].",
                        json_object_size(m));
    json_object_foreach(m, k, v)
    {
        const char *type = json_string_value(json_object_get(v, "DataType"));
        const char *sv = json_string_value(json_object_get(v, "StringValue"));
        const char *bv = json_string_value(json_object_get(v, "BinaryValue"));
        eddy_queue_attr *a = &ai->a[ai->n];
        if (type == NULL || type[0] == '\0')
            return sqs_fail(c, &SQS_INVALID_PARAM,
                            "The message attribute '%.100s' must contain non-empty message "
                            "attribute type.",
                            k);
        a->name = k;
        a->type = type;
        if (strncmp(type, "Binary", 6) == 0) {
            unsigned char *p;
            size_t n;
            if (bv == NULL || !b64_decode(bv, strlen(bv), &p, &n) || n == 0) {
                return sqs_fail(c, &SQS_INVALID_PARAM,
                                "The message attribute '%.100s' with type 'Binary' must use "
                                "field 'Binary'.",
                                k);
            }
            ai->bin[ai->n] = p;
            a->value.data = p;
            a->value.len = n;
        } else if (strncmp(type, "String", 6) == 0 || strncmp(type, "Number", 6) == 0) {
            if (sv == NULL || sv[0] == '\0')
                return sqs_fail(c, &SQS_INVALID_PARAM,
                                "The message attribute '%.100s' must contain a non-empty value "
                                "of message attribute type '%.60s'.",
                                k, type);
            ai->bin[ai->n] = NULL;
            a->value.data = sv;
            a->value.len = strlen(sv);
        } else {
            return sqs_fail(c, &SQS_INVALID_PARAM,
                            "The type of message attribute '%.100s' is invalid. You must use "
                            "only the following supported type prefixes: Binary, Number, String.",
                            k);
        }
        ai->n++;
    }
    return 0;
}

/* SQS's character rule for bodies: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
 * The body is valid UTF-8 already (JSON or form decoding checked it). */
static bool body_chars_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        uint32_t cp;
        size_t len;
        if (b < 0x80)
            cp = b, len = 1;
        else if ((b & 0xe0) == 0xc0)
            cp = b & 0x1f, len = 2;
        else if ((b & 0xf0) == 0xe0)
            cp = b & 0x0f, len = 3;
        else
            cp = b & 0x07, len = 4;
        for (size_t k = 1; k < len && i + k < n; k++)
            cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
        if (!(cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
              (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)))
            return false;
        i += len;
    }
    return true;
}

/* MessageGroupId and MessageDeduplicationId: required group and no per-message delay on a FIFO
 * queue, neither id on a standard one. The ids' characters and lengths are the engine's check. */
static int fifo_params(struct sqs_ctx *c, json_t *in, bool fifo, int has_delay, int64_t delay,
                       eddy_queue_send_entry *e)
{
    const char *group = p_str(in, "MessageGroupId"), *dedup = p_str(in, "MessageDeduplicationId");
    if (!fifo) {
        if (group != NULL || dedup != NULL)
            return sqs_fail(c, &SQS_INVALID_PARAM,
                            "The request include parameter that is not valid for this queue type");
        return 0;
    }
    if (group == NULL)
        return sqs_fail(c, &SQS_MISSING_PARAM,
                        "The request must contain the parameter MessageGroupId.");
    if (has_delay == 0)
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Value %lld for parameter DelaySeconds is invalid. Reason: The request "
                        "include parameter that is not valid for this queue type.",
                        (long long)delay);
    e->group_id = group;
    e->dedup_id = dedup;
    return 0;
}

/* Validate and fill one send entry from `in` (a request or a batch entry). */
static int entry_parse(struct sqs_ctx *c, json_t *in, bool fifo, eddy_queue_send_entry *e,
                       struct attrs_in *ai)
{
    const char *body;
    int64_t delay = 0;
    int has_delay;

    if (p_need(c, in, "MessageBody", &body) != 0)
        return -1;
    if (body[0] == '\0')
        return sqs_fail(c, &SQS_MISSING_PARAM,
                        "The request must contain the parameter MessageBody.");
    if (!body_chars_ok(body, strlen(body)))
        return sqs_fail(c, &SQS_INVALID_CONTENTS,
                        "Invalid binary character in the message body: see the allowed "
                        "characters in the SQS documentation.");
    if ((has_delay = p_int(c, in, "DelaySeconds", 0, 900, &delay)) < 0)
        return -1;
    if (fifo_params(c, in, fifo, has_delay, delay, e) != 0 ||
        attrs_parse(c, json_object_get(in, "MessageAttributes"), ai))
        return -1;
    e->body.data = body;
    e->body.len = strlen(body);
    e->delay_ms = has_delay == 0 ? (delay == 0 ? EDDY_QUEUE_ZERO_MS : (uint32_t)delay * 1000) : 0;
    e->attrs = ai->a;
    e->attr_count = ai->n;
    return 0;
}

static void send_result(struct sqs_ctx *c, json_t *o, const struct sqs_qinfo *qi,
                        const eddy_queue_send_entry *e, const eddy_queue_send_result *res)
{
    char md5[33], id[37];
    md5_hex(e->body.data, e->body.len, md5);
    json_object_set_new(o, "MD5OfMessageBody", json_string(md5));
    if (e->attr_count > 0) {
        md5_attrs_hex(e->attrs, e->attr_count, md5);
        json_object_set_new(o, "MD5OfMessageAttributes", json_string(md5));
    }
    /* A duplicate FIFO send answers with the first message's id and sequence number. */
    sqs_message_id(qi->id, res->msg_id, id);
    json_object_set_new(o, "MessageId", json_string(id));
    if (qi->fifo)
        json_object_set_new(o, "SequenceNumber", json_string(res->sequence_number));
    (void)c;
}

static int too_long(struct sqs_ctx *c, const struct sqs_qinfo *qi)
{
    return sqs_fail(c, &SQS_INVALID_PARAM,
                    "One or more parameters are invalid. Reason: Message must be shorter than "
                    "%u bytes.",
                    qi->body_len_max);
}

int sqs_send_message(struct sqs_ctx *c)
{
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result res = EDDY_QUEUE_SEND_RESULT_INIT;
    struct attrs_in ai = {.n = 0};
    struct sqs_qinfo qi;
    int rc = -1;

    if (p_queue(c) != 0 || sqs_qcache_get(c, &qi) != 0)
        return -1;
    if (entry_parse(c, c->in, qi.fifo, &e, &ai) != 0)
        goto out;
    srv_park_note(c->s, c->qname);
    rc = eddy_queue_send(c->s->env, c->qname, &e, &res);
    if (rc == EDDY_ETOOBIG) {
        rc = too_long(c, &qi);
    } else if (rc != 0) {
        if (rc == EDDY_ENOTFOUND)
            sqs_qcache_drop(c->qname);
        rc = sqs_fail_rc(c, rc);
    } else {
        send_result(c, c->out, &qi, &e, &res);
    }
out:
    attrs_free(&ai);
    return rc;
}

/* Batch entry ids: 1..80 of [A-Za-z0-9_-], distinct. */
static int batch_ids(struct sqs_ctx *c, json_t *entries, size_t max)
{
    size_t i, j, n = json_array_size(entries);
    if (entries == NULL || n == 0)
        return sqs_fail(c, &SQS_EMPTY_BATCH, "There should be at least one entry in the request.");
    if (n > max)
        return sqs_fail(c, &SQS_TOO_MANY_ENTRIES,
                        "Maximum number of entries per request are %zu. You have sent %zu.", max,
                        n);
    for (i = 0; i < n; i++) {
        const char *id = p_str(json_array_get(entries, i), "Id");
        if (id == NULL || id[0] == '\0' || strlen(id) > 80 ||
            strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                strlen(id))
            return sqs_fail(c, &SQS_INVALID_BATCH_ID,
                            "A batch entry id can only contain alphanumeric characters, hyphens "
                            "and underscores. It can be at most 80 letters long.");
        for (j = 0; j < i; j++)
            if (strcmp(id, p_str(json_array_get(entries, j), "Id")) == 0)
                return sqs_fail(c, &SQS_IDS_NOT_DISTINCT, "Id %s repeated.", id);
    }
    return 0;
}

static void failed_entry(json_t *failed, const char *id, const struct sqs_err *e, const char *msg)
{
    json_array_append_new(failed, json_pack("{s:s,s:b,s:s,s:s}", "Id", id, "SenderFault", e->sender,
                                            "Code", e->json_type, "Message", msg));
}

/* Send e[0..n) in entry order, in commits the engine accepts. The engine limits a batch's
 * total to the queue's body_len_max (SQS's rule while both were 256 KiB); SQS now allows 1 MiB
 * per request whatever the queue's limit, so a larger batch goes in several commits (FIFO
 * groups keep their order). A chunk the engine still finds too large (its sizes count a little
 * more than len[]) is sent one entry at a time. 0, or the error of the first commit (nothing
 * stored); a later commit's error becomes its entries' results, as the earlier ones stand. */
static int send_chunks(struct sqs_ctx *c, eddy_queue_send_entry *e, eddy_queue_send_result *res,
                       const size_t *len, size_t n, uint32_t max)
{
    size_t i = 0, j, k, sum;
    int rc;

    srv_park_note(c->s, c->qname);
    while (i < n) {
        for (j = i, sum = 0; j < n && (j == i || sum + len[j] <= max); j++)
            sum += len[j];
        rc = eddy_queue_send_batch(c->s->env, c->qname, e + i, j - i, res + i);
        for (k = i; rc == EDDY_ETOOBIG && k < j; k++) {
            int one = eddy_queue_send_batch(c->s->env, c->qname, e + k, 1, res + k);
            res[k].rc = one == EDDY_ETOOBIG ? EDDY_ETOOBIG : res[k].rc;
            if (one != 0 && one != EDDY_ETOOBIG) {
                if (k == 0)
                    return one;
                for (; k < n; k++)
                    res[k].rc = one;
                return 0;
            }
        }
        if (rc != 0 && rc != EDDY_ETOOBIG) {
            if (i == 0)
                return rc;
            for (k = i; k < n; k++)
                res[k].rc = rc;
            return 0;
        }
        i = j;
    }
    return 0;
}

int sqs_send_message_batch(struct sqs_ctx *c)
{
    json_t *entries = p_list(c->in, "Entries"), *ok = json_array(), *failed = json_array();
    eddy_queue_send_entry e[SQS_BATCH_MAX];
    eddy_queue_send_result res[SQS_BATCH_MAX];
    struct attrs_in ai[SQS_BATCH_MAX];
    size_t idx[SQS_BATCH_MAX], lens[SQS_BATCH_MAX], i, n, good = 0, total = 0;
    struct sqs_qinfo qi;
    int rc = -1;

    memset(ai, 0, sizeof ai);
    if (p_queue(c) != 0 || batch_ids(c, entries, SQS_BATCH_MAX) != 0 || sqs_qcache_get(c, &qi) != 0)
        goto out;
    n = json_array_size(entries);
    for (i = 0; i < n; i++) {
        struct sqs_ctx ec = *c;
        json_t *ej = json_array_get(entries, i);
        eddy_queue_send_entry *x = &e[good];
        *x = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        res[good] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
        if (entry_parse(&ec, ej, qi.fifo, x, &ai[good]) != 0) {
            attrs_free(&ai[good]);
            failed_entry(failed, p_str(ej, "Id"), ec.err, ec.msg);
            continue;
        }
        size_t len = x->body.len;
        for (size_t k = 0; k < x->attr_count; k++)
            len += strlen(x->attrs[k].name) + strlen(x->attrs[k].type) + x->attrs[k].value.len;
        total += len;
        if (len > qi.body_len_max) { /* each entry against the queue's own limit */
            too_long(&ec, &qi);
            attrs_free(&ai[good]);
            failed_entry(failed, p_str(ej, "Id"), ec.err, ec.msg);
            continue;
        }
        lens[good] = len;
        idx[good++] = i;
    }
    /* The request total has a fixed limit, whatever the queue's MaximumMessageSize. */
    if (total > SQS_BATCH_BYTES_MAX) {
        sqs_fail(c, &SQS_BATCH_TOO_LONG,
                 "Batch requests cannot be longer than %u bytes. You have sent %zu bytes.",
                 (unsigned)SQS_BATCH_BYTES_MAX, total);
        goto out;
    }
    if (good > 0) {
        rc = send_chunks(c, e, res, lens, good, qi.body_len_max);
        if (rc != 0) {
            if (rc == EDDY_ENOTFOUND)
                sqs_qcache_drop(c->qname);
            rc = sqs_fail_rc(c, rc);
            goto out;
        }
    }
    for (i = 0; i < good; i++) {
        const char *id = p_str(json_array_get(entries, idx[i]), "Id");
        if (res[i].rc == EDDY_ETOOBIG) {
            struct sqs_ctx ec = *c;
            too_long(&ec, &qi);
            failed_entry(failed, id, ec.err, ec.msg);
        } else if (res[i].rc != 0) {
            failed_entry(failed, id, sqs_err_of(res[i].rc), eddy_strerror(res[i].rc));
        } else {
            json_t *o = json_pack("{s:s}", "Id", id);
            send_result(c, o, &qi, &e[i], &res[i]);
            json_array_append_new(ok, o);
        }
    }
    json_object_set(c->out, "Successful", ok);
    json_object_set(c->out, "Failed", failed);
    rc = 0;
out:
    for (i = 0; i < SQS_BATCH_MAX; i++)
        attrs_free(&ai[i]);
    json_decref(ok);
    json_decref(failed);
    return rc;
}

/* Names requested in list `key` contain `name` ("All", ".*" for message attributes,
 * "prefix.*"). */
static bool selected(json_t *names, const char *name, bool prefixes)
{
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *s = json_string_value(v);
        size_t n;
        if (s == NULL)
            continue;
        if (strcmp(s, "All") == 0 || strcmp(s, name) == 0 || (prefixes && strcmp(s, ".*") == 0))
            return true;
        n = strlen(s);
        if (prefixes && n > 2 && strcmp(s + n - 2, ".*") == 0 && strncmp(s, name, n - 1) == 0)
            return true;
    }
    return false;
}

static void put_num(json_t *o, const char *k, uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    json_object_set_new(o, k, json_string(s));
}

static json_t *message_json(struct sqs_ctx *c, const struct sqs_qinfo *qi,
                            const eddy_queue_message *m, json_t *sys, json_t *user)
{
    json_t *o = json_object(), *sa = json_object(), *ma = json_object();
    eddy_queue_attr picked[EDDY_QUEUE_ATTRS_MAX];
    size_t i, np = 0;
    char md5[33], id[37];
    json_t *body = json_stringn(m->body.data, m->body.len);

    sqs_message_id(qi->id, m->msg_id, id);
    json_object_set_new(o, "MessageId", json_string(id));
    json_object_set_new(o, "ReceiptHandle", json_string(m->receipt));
    md5_hex(m->body.data, m->body.len, md5);
    json_object_set_new(o, "MD5OfBody", json_string(md5));
    json_object_set_new(o, "Body", body != NULL ? body : json_string(""));
    if (selected(sys, "SenderId", false))
        json_object_set_new(sa, "SenderId", json_string(c->s->account));
    if (selected(sys, "SentTimestamp", false))
        put_num(sa, "SentTimestamp", m->sent_ms);
    if (selected(sys, "ApproximateReceiveCount", false))
        put_num(sa, "ApproximateReceiveCount", m->receive_count);
    if (selected(sys, "ApproximateFirstReceiveTimestamp", false))
        put_num(sa, "ApproximateFirstReceiveTimestamp", m->first_receive_ms);
    if (qi->fifo && selected(sys, "MessageGroupId", false))
        json_object_set_new(sa, "MessageGroupId", json_string(m->group_id));
    if (qi->fifo && selected(sys, "MessageDeduplicationId", false))
        json_object_set_new(sa, "MessageDeduplicationId", json_string(m->dedup_id));
    if (qi->fifo && selected(sys, "SequenceNumber", false))
        json_object_set_new(sa, "SequenceNumber", json_string(m->sequence_number));
    if (json_object_size(sa) > 0)
        json_object_set_new(o, "Attributes", sa);
    else
        json_decref(sa);
    for (i = 0; i < m->attr_count; i++) {
        const eddy_queue_attr *a = &m->attrs[i];
        json_t *v;
        if (!selected(user, a->name, true))
            continue;
        picked[np++] = *a;
        if (strncmp(a->type, "Binary", 6) == 0) {
            char *b = b64_encode(a->value.data, a->value.len, NULL);
            v = json_pack("{s:s,s:s}", "DataType", a->type, "BinaryValue", b != NULL ? b : "");
            free(b);
        } else {
            v = json_pack("{s:s,s:s%}", "DataType", a->type, "StringValue", a->value.data,
                          a->value.len);
        }
        if (v != NULL)
            json_object_set_new(ma, a->name, v);
    }
    if (np > 0) {
        md5_attrs_hex(picked, np, md5);
        json_object_set_new(o, "MD5OfMessageAttributes", json_string(md5));
        json_object_set_new(o, "MessageAttributes", ma);
    } else {
        json_decref(ma);
    }
    return o;
}

int sqs_receive_message(struct sqs_ctx *c)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *batch = NULL;
    struct sqs_qinfo qi;
    json_t *sys = json_array(), *user = p_list(c->in, "MessageAttributeNames"), *msgs, *v;
    int64_t max = 1, vis = 0, wait = 0;
    int has_vis, has_wait, rc;
    size_t i, n;

    if (p_queue(c) != 0 || p_int(c, c->in, "MaxNumberOfMessages", 1, 10, &max) < 0 ||
        (has_vis = p_int(c, c->in, "VisibilityTimeout", 0, 43200, &vis)) < 0 ||
        (has_wait = p_int(c, c->in, "WaitTimeSeconds", 0, 20, &wait)) < 0 ||
        sqs_qcache_get(c, &qi) != 0) {
        json_decref(sys);
        return -1;
    }
    if ((v = p_list(c->in, "AttributeNames")) != NULL)
        json_array_extend(sys, v);
    if ((v = p_list(c->in, "MessageSystemAttributeNames")) != NULL)
        json_array_extend(sys, v);
    if (!c->r->parked)
        c->r->deadline_ms =
            srv_mono_ms() + (has_wait == 0 ? (uint64_t)wait * 1000 : qi.receive_wait_ms);
    ro.max_messages = (uint32_t)max;
    ro.visibility_timeout_ms =
        has_vis == 0 ? (vis == 0 ? EDDY_QUEUE_ZERO_MS : (uint32_t)vis * 1000) : 0;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    if ((ro.attempt_id = p_str(c->in, "ReceiveRequestAttemptId")) != NULL && !qi.fifo)
        ro.attempt_id = NULL; /* SQS ignores it on a standard queue */
    if (c->r->parked && srv_conn_gone(c->r)) {
        /* The client left mid-poll: receiving now would hide messages from everyone for a
         * visibility timeout and count a receive nobody saw. The empty answer goes nowhere. */
        json_decref(sys);
        return 0;
    }
    rc = eddy_queue_receive(c->s->env, c->qname, &ro, &batch);
    n = eddy_queue_batch_count(batch);
    if (rc == EDDY_ELIMIT && c->r->deadline_ms > srv_mono_ms())
        rc = 0; /* SQS: no OverLimit error on a long poll */
    if (rc != 0) {
        json_decref(sys);
        if (rc == EDDY_ENOTFOUND)
            sqs_qcache_drop(c->qname);
        return sqs_fail_rc(c, rc);
    }
    if (n == 0 && !c->s->stopping && srv_mono_ms() < c->r->deadline_ms) {
        eddy_queue_batch_free(batch);
        json_decref(sys);
        srv_park(c->r, c->qname);
        return SQS_PARKED;
    }
    msgs = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(msgs,
                              message_json(c, &qi, eddy_queue_batch_message(batch, i), sys, user));
    eddy_queue_batch_free(batch);
    json_decref(sys);
    if (n > 0) /* SQS leaves Messages out of an empty reply */
        json_object_set_new(c->out, "Messages", msgs);
    else
        json_decref(msgs);
    return 0;
}

/* The error of a refused receipt operation. */
static int receipt_fail(struct sqs_ctx *c, int rc, const char *receipt, bool visibility)
{
    if (rc == EDDY_EINVAL)
        return sqs_fail(c, &SQS_RECEIPT_INVALID,
                        "The input receipt handle \"%.100s\" is not a valid receipt handle.",
                        receipt);
    if (rc == EDDY_EEXPIRED && visibility && strstr(eddy_last_error(), "not in flight") != NULL)
        return sqs_fail(c, &SQS_NOT_INFLIGHT,
                        "Message does not exist or is not available for "
                        "visibility timeout change.");
    if (rc == EDDY_EEXPIRED || (rc == EDDY_ENOTFOUND && visibility))
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Value %.100s for parameter ReceiptHandle is invalid. Reason: The receipt "
                        "handle has expired.",
                        receipt);
    return sqs_fail_rc(c, rc);
}

/* ENOTFOUND from a receipt call: no queue, or (idempotent delete) no message. */
static bool queue_exists(struct sqs_ctx *c)
{
    struct sqs_qinfo qi;
    struct sqs_ctx tmp = *c;
    sqs_qcache_drop(c->qname);
    return sqs_qcache_get(&tmp, &qi) == 0;
}

int sqs_delete_message(struct sqs_ctx *c)
{
    const char *receipt;
    int rc;
    if (p_queue(c) != 0 || p_need(c, c->in, "ReceiptHandle", &receipt) != 0)
        return -1;
    srv_park_note(c->s, c->qname); /* a delete unblocks a FIFO group */
    rc = eddy_queue_delete_message(c->s->env, c->qname, receipt);
    if (rc == EDDY_ENOTFOUND && queue_exists(c))
        return 0; /* already deleted: SQS deletes idempotently */
    return rc != 0 ? receipt_fail(c, rc, receipt, false) : 0;
}

int sqs_change_visibility(struct sqs_ctx *c)
{
    const char *receipt;
    int64_t vis = 0;
    int rc;
    if (p_queue(c) != 0 || p_need(c, c->in, "ReceiptHandle", &receipt) != 0)
        return -1;
    rc = p_int(c, c->in, "VisibilityTimeout", 0, 43200, &vis);
    if (rc != 0)
        return rc < 0 ? -1
                      : sqs_fail(c, &SQS_MISSING_PARAM,
                                 "The request must contain the parameter VisibilityTimeout.");
    srv_park_note(c->s, c->qname);
    rc = eddy_queue_change_visibility(c->s->env, c->qname, receipt, (uint32_t)vis * 1000);
    if (rc == EDDY_ENOTFOUND && !queue_exists(c))
        return sqs_fail_rc(c, rc);
    if (rc == EDDY_EINVAL && strstr(eddy_last_error(), "after its receive") != NULL)
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Value %lld for parameter VisibilityTimeout is invalid. Reason: Total "
                        "VisibilityTimeout for the message is beyond the limit [43200 seconds]",
                        (long long)vis);
    return rc != 0 ? receipt_fail(c, rc, receipt, true) : 0;
}

static int ack_batch(struct sqs_ctx *c, bool visibility)
{
    json_t *entries = p_list(c->in, "Entries"), *ok = json_array(), *failed = json_array();
    const char *receipts[SQS_BATCH_MAX];
    eddy_queue_visibility_entry ve[SQS_BATCH_MAX];
    size_t idx[SQS_BATCH_MAX], i, n, good = 0;
    int results[SQS_BATCH_MAX], rc = -1;

    if (p_queue(c) != 0 || batch_ids(c, entries, SQS_BATCH_MAX) != 0)
        goto out;
    n = json_array_size(entries);
    for (i = 0; i < n; i++) {
        json_t *ej = json_array_get(entries, i);
        struct sqs_ctx ec = *c;
        const char *rh;
        int64_t vis = 0;
        if (p_need(&ec, ej, "ReceiptHandle", &rh) != 0 ||
            (visibility && p_int(&ec, ej, "VisibilityTimeout", 0, 43200, &vis) < 0)) {
            failed_entry(failed, p_str(ej, "Id"), ec.err, ec.msg);
            continue;
        }
        receipts[good] = rh;
        ve[good] = (eddy_queue_visibility_entry)EDDY_QUEUE_VISIBILITY_ENTRY_INIT;
        ve[good].receipt = rh;
        ve[good].timeout_ms = (uint32_t)vis * 1000;
        idx[good++] = i;
    }
    if (good > 0) {
        srv_park_note(c->s, c->qname); /* a delete unblocks a FIFO group */
        rc = visibility ? eddy_queue_change_visibility_batch(c->s->env, c->qname, ve, good, results)
                        : eddy_queue_delete_batch(c->s->env, c->qname, receipts, good, results);
        if (rc != 0) {
            rc = sqs_fail_rc(c, rc);
            goto out;
        }
    }
    for (i = 0; i < good; i++) {
        const char *id = p_str(json_array_get(entries, idx[i]), "Id");
        struct sqs_ctx ec = *c;
        if (results[i] == 0 || (results[i] == EDDY_ENOTFOUND && !visibility)) {
            json_array_append_new(ok, json_pack("{s:s}", "Id", id));
            continue;
        }
        if (visibility && (results[i] == EDDY_EEXPIRED || results[i] == EDDY_EINVAL)) {
            /* EEXPIRED covers "received again" and "not in flight", EINVAL a bad receipt and
             * the 12 h cap; eddy_last_error() names only the batch's last failure. Asking again
             * for this entry alone changes nothing (all are refusals) and leaves its own
             * reason in eddy_last_error(). */
            results[i] =
                eddy_queue_change_visibility(c->s->env, c->qname, ve[i].receipt, ve[i].timeout_ms);
            if (results[i] == 0) {
                json_array_append_new(ok, json_pack("{s:s}", "Id", id));
                continue;
            }
            if (results[i] == EDDY_EINVAL &&
                strstr(eddy_last_error(), "after its receive") != NULL) {
                sqs_fail(&ec, &SQS_INVALID_PARAM,
                         "Value %u for parameter VisibilityTimeout is invalid. Reason: Total "
                         "VisibilityTimeout for the message is beyond the limit [43200 seconds]",
                         ve[i].timeout_ms / 1000);
                failed_entry(failed, id, ec.err, ec.msg);
                continue;
            }
        }
        receipt_fail(&ec, results[i], receipts[i], visibility);
        failed_entry(failed, id, ec.err, ec.msg);
    }
    json_object_set(c->out, "Successful", ok);
    json_object_set(c->out, "Failed", failed);
    rc = 0;
out:
    json_decref(ok);
    json_decref(failed);
    return rc;
}

int sqs_delete_message_batch(struct sqs_ctx *c)
{
    return ack_batch(c, false);
}

int sqs_change_visibility_batch(struct sqs_ctx *c)
{
    return ack_batch(c, true);
}
