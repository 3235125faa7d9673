/*
 * sqs_attrs.c: SQS queue attributes (strings in seconds, JSON policies) to and from Eddy's
 * eddy_queue_options / eddy_queue_info (milliseconds, names). Attributes Eddy has no field for
 * (Policy, KMS, SqsManagedSseEnabled) are accepted and ignored. FIFO attributes map to the
 * engine's FIFO queues (decision 0013); FifoQueue is set at creation only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"

static int num(struct sqs_ctx *c, const char *name, const char *v, long long lo, long long hi,
               long long *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || x < lo || x > hi)
        return sqs_fail(c, &SQS_INVALID_ATTR_VALUE,
                        "Invalid value for the parameter %s. Reason: must be between %lld and "
                        "%lld.",
                        name, lo, hi);
    *out = x;
    return 0;
}

static int redrive(struct sqs_ctx *c, const char *v, eddy_queue_options *o,
                   struct sqs_attr_scratch *sc)
{
    json_t *j = json_loads(v, 0, NULL), *mrc;
    const char *arn = json_string_value(json_object_get(j, "deadLetterTargetArn"));
    long long n = 10;

    if (v[0] == '\0') { /* "" removes the policy */
        json_decref(j);
        o->dlq_name = "";
        return 0;
    }
    if (!json_is_object(j) || arn == NULL || !sqs_arn_name(arn, sc->dlq, sizeof sc->dlq))
        goto bad;
    mrc = json_object_get(j, "maxReceiveCount");
    if (json_is_integer(mrc))
        n = json_integer_value(mrc);
    else if (json_is_string(mrc))
        n = strtoll(json_string_value(mrc), NULL, 10);
    else
        goto bad;
    if (n < 1 || n > 1000)
        goto bad;
    o->dlq_name = sc->dlq;
    o->max_receive_count = (uint32_t)n;
    json_decref(j);
    return 0;
bad:
    json_decref(j);
    return sqs_fail(c, &SQS_INVALID_ATTR_VALUE,
                    "Value %.200s for parameter RedrivePolicy is invalid. Reason: Redrive policy "
                    "is not a valid JSON map with deadLetterTargetArn and maxReceiveCount (1 to "
                    "1000).",
                    v);
}

static int redrive_allow(struct sqs_ctx *c, const char *v, eddy_queue_options *o,
                         struct sqs_attr_scratch *sc)
{
    json_t *j = json_loads(v, 0, NULL), *arns, *e;
    const char *perm = json_string_value(json_object_get(j, "redrivePermission"));
    size_t i;

    if (perm == NULL)
        goto bad;
    if (strcmp(perm, "allowAll") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_ALL;
    } else if (strcmp(perm, "denyAll") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_DENY_ALL;
    } else if (strcmp(perm, "byQueue") == 0) {
        arns = json_object_get(j, "sourceQueueArns");
        if (!json_is_array(arns) || json_array_size(arns) == 0 ||
            json_array_size(arns) > EDDY_QUEUE_ALLOW_MAX)
            goto bad;
        json_array_foreach(arns, i, e)
        {
            if (!json_is_string(e) ||
                !sqs_arn_name(json_string_value(e), sc->srcs[i], sizeof sc->srcs[i]))
                goto bad;
            sc->src_ptrs[i] = sc->srcs[i];
        }
        o->redrive_allow = EDDY_QUEUE_ALLOW_BY_QUEUE;
        o->allow_sources = sc->src_ptrs;
        o->allow_source_count = json_array_size(arns);
    } else {
        goto bad;
    }
    json_decref(j);
    return 0;
bad:
    json_decref(j);
    return sqs_fail(c, &SQS_INVALID_ATTR_VALUE,
                    "Value %.200s for parameter RedriveAllowPolicy is invalid.", v);
}

/* One of two words: *out 0 for `no`, 1 for `yes`. */
static int choice(struct sqs_ctx *c, const char *name, const char *v, const char *no,
                  const char *yes, long long *out)
{
    if (strcmp(v, no) != 0 && strcmp(v, yes) != 0)
        return sqs_fail(c, &SQS_INVALID_ATTR_VALUE,
                        "Invalid value for the parameter %s. Reason: must be %s or %s.", name, no,
                        yes);
    *out = strcmp(v, yes) == 0;
    return 0;
}

static uint32_t ms_or_zero(long long s)
{
    return s == 0 ? EDDY_QUEUE_ZERO_MS : (uint32_t)(s * 1000);
}

int sqs_attrs_parse(struct sqs_ctx *c, json_t *attrs, eddy_queue_options *o,
                    struct sqs_attr_scratch *sc, uint32_t *mask_out)
{
    const char *k;
    json_t *jv;
    uint32_t mask = 0;
    long long x = 0;

    json_object_foreach(attrs, k, jv)
    {
        const char *v = json_is_string(jv) ? json_string_value(jv) : NULL;
        if (v == NULL)
            return sqs_fail(c, &SQS_INVALID_ATTR_VALUE, "Value for attribute %s is not a string.",
                            k);
        if (strcmp(k, "VisibilityTimeout") == 0) {
            if (num(c, k, v, 0, 43200, &x) != 0)
                return -1;
            o->visibility_timeout_ms = ms_or_zero(x);
            mask |= EDDY_QUEUE_SET_VISIBILITY;
        } else if (strcmp(k, "DelaySeconds") == 0) {
            if (num(c, k, v, 0, 900, &x) != 0)
                return -1;
            o->delay_ms = (uint32_t)x * 1000;
            mask |= EDDY_QUEUE_SET_DELAY;
        } else if (strcmp(k, "MessageRetentionPeriod") == 0) {
            if (num(c, k, v, 60, 1209600, &x) != 0)
                return -1;
            o->retention_ms = (uint64_t)x * 1000;
            mask |= EDDY_QUEUE_SET_RETENTION;
        } else if (strcmp(k, "MaximumMessageSize") == 0) {
            if (num(c, k, v, 1024, 1048576, &x) != 0)
                return -1;
            o->body_len_max = (uint32_t)x;
            mask |= EDDY_QUEUE_SET_BODY_LEN_MAX;
        } else if (strcmp(k, "ReceiveMessageWaitTimeSeconds") == 0) {
            if (num(c, k, v, 0, 20, &x) != 0)
                return -1;
            o->receive_wait_ms = (uint32_t)x * 1000;
            mask |= EDDY_QUEUE_SET_RECEIVE_WAIT;
        } else if (strcmp(k, "RedrivePolicy") == 0) {
            if (redrive(c, v, o, sc) != 0)
                return -1;
            mask |= EDDY_QUEUE_SET_REDRIVE;
        } else if (strcmp(k, "RedriveAllowPolicy") == 0) {
            if (redrive_allow(c, v, o, sc) != 0)
                return -1;
            mask |= EDDY_QUEUE_SET_REDRIVE_ALLOW;
        } else if (strcmp(k, "FifoQueue") == 0) {
            if (choice(c, k, v, "false", "true", &x) != 0)
                return -1;
            o->fifo = (uint32_t)x;
        } else if (strcmp(k, "ContentBasedDeduplication") == 0) {
            if (choice(c, k, v, "false", "true", &x) != 0)
                return -1;
            o->content_based_dedup = (uint32_t)x;
            mask |= EDDY_QUEUE_SET_FIFO;
        } else if (strcmp(k, "DeduplicationScope") == 0) {
            if (choice(c, k, v, "queue", "messageGroup", &x) != 0)
                return -1;
            o->dedup_scope =
                x ? EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP : EDDY_QUEUE_DEDUP_SCOPE_QUEUE;
            mask |= EDDY_QUEUE_SET_FIFO;
        } else if (strcmp(k, "FifoThroughputLimit") == 0) {
            if (choice(c, k, v, "perQueue", "perMessageGroupId", &x) != 0)
                return -1;
            o->throughput_limit =
                x ? EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID : EDDY_QUEUE_THROUGHPUT_PER_QUEUE;
            mask |= EDDY_QUEUE_SET_FIFO;
        } else if (strcmp(k, "Policy") == 0 || strcmp(k, "KmsMasterKeyId") == 0 ||
                   strcmp(k, "KmsDataKeyReusePeriodSeconds") == 0 ||
                   strcmp(k, "SqsManagedSseEnabled") == 0) {
            continue; /* accepted and ignored (docs/endpoint.md) */
        } else {
            return sqs_fail(c, &SQS_INVALID_ATTR_NAME, "Unknown Attribute %.100s.", k);
        }
    }
    *mask_out = mask;
    return 0;
}

static void put_u64(json_t *o, const char *k, uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    json_object_set_new(o, k, json_string(s));
}

static bool wanted(json_t *names, const char *k)
{
    size_t i;
    json_t *v;
    if (names == NULL)
        return false;
    json_array_foreach(names, i, v)
    {
        const char *s = json_string_value(v);
        if (s != NULL && (strcmp(s, "All") == 0 || strcmp(s, k) == 0))
            return true;
    }
    return false;
}

json_t *sqs_attrs_render(struct sqs_ctx *c, const eddy_queue_info *in, json_t *names)
{
    json_t *o = json_object();
    char buf[1024];
#define W(k) wanted(names, k)
    if (W("ApproximateNumberOfMessages"))
        put_u64(o, "ApproximateNumberOfMessages", in->visible);
    if (W("ApproximateNumberOfMessagesNotVisible"))
        put_u64(o, "ApproximateNumberOfMessagesNotVisible", in->in_flight);
    if (W("ApproximateNumberOfMessagesDelayed"))
        put_u64(o, "ApproximateNumberOfMessagesDelayed", in->delayed);
    if (W("CreatedTimestamp"))
        put_u64(o, "CreatedTimestamp", in->created_ms / 1000);
    if (W("LastModifiedTimestamp"))
        put_u64(o, "LastModifiedTimestamp", in->modified_ms / 1000);
    if (W("VisibilityTimeout"))
        put_u64(o, "VisibilityTimeout", in->visibility_timeout_ms / 1000);
    if (W("DelaySeconds"))
        put_u64(o, "DelaySeconds", in->delay_ms / 1000);
    if (W("MessageRetentionPeriod"))
        put_u64(o, "MessageRetentionPeriod", in->retention_ms / 1000);
    if (W("MaximumMessageSize"))
        put_u64(o, "MaximumMessageSize", in->body_len_max);
    if (W("ReceiveMessageWaitTimeSeconds"))
        put_u64(o, "ReceiveMessageWaitTimeSeconds", in->receive_wait_ms / 1000);
    if (W("QueueArn")) {
        sqs_queue_arn(c->s, c->qname, buf, sizeof buf);
        json_object_set_new(o, "QueueArn", json_string(buf));
    }
    if (in->fifo && W("FifoQueue"))
        json_object_set_new(o, "FifoQueue", json_string("true"));
    if (in->fifo && W("ContentBasedDeduplication"))
        json_object_set_new(o, "ContentBasedDeduplication",
                            json_string(in->content_based_dedup ? "true" : "false"));
    if (in->fifo && W("DeduplicationScope"))
        json_object_set_new(o, "DeduplicationScope",
                            json_string(in->dedup_scope == EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP
                                            ? "messageGroup"
                                            : "queue"));
    if (in->fifo && W("FifoThroughputLimit"))
        json_object_set_new(
            o, "FifoThroughputLimit",
            json_string(in->throughput_limit == EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID
                            ? "perMessageGroupId"
                            : "perQueue"));
    if (W("SqsManagedSseEnabled"))
        json_object_set_new(o, "SqsManagedSseEnabled", json_string("false"));
    if (W("RedrivePolicy") && in->dlq_name[0] != '\0') {
        char arn[256];
        sqs_queue_arn(c->s, in->dlq_name, arn, sizeof arn);
        snprintf(buf, sizeof buf, "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":%u}", arn,
                 in->max_receive_count);
        json_object_set_new(o, "RedrivePolicy", json_string(buf));
    }
    if (W("RedriveAllowPolicy") && in->redrive_allow != EDDY_QUEUE_ALLOW_ALL) {
        json_t *p = json_object(), *arns = json_array();
        size_t i;
        char *s;
        json_object_set_new(
            p, "redrivePermission",
            json_string(in->redrive_allow == EDDY_QUEUE_ALLOW_DENY_ALL ? "denyAll" : "byQueue"));
        for (i = 0; i < in->allow_source_count; i++) {
            sqs_queue_arn(c->s, in->allow_sources[i], buf, sizeof buf);
            json_array_append_new(arns, json_string(buf));
        }
        if (in->redrive_allow == EDDY_QUEUE_ALLOW_BY_QUEUE)
            json_object_set_new(p, "sourceQueueArns", arns);
        else
            json_decref(arns);
        s = json_dumps(p, JSON_COMPACT);
        json_object_set_new(o, "RedriveAllowPolicy", json_string(s != NULL ? s : ""));
        free(s);
        json_decref(p);
    }
#undef W
    return o;
}
