/*
 * sqs_queue.c: SQS actions on queues as objects: CreateQueue (idempotent on equal attributes),
 * DeleteQueue, ListQueues (prefix, pagination), GetQueueUrl, Get/SetQueueAttributes, PurgeQueue,
 * tags, and the permission actions (accepted no-ops: a local endpoint has one principal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"

static int info_get(struct sqs_ctx *c, eddy_queue_info *info)
{
    int rc = eddy_queue_get_attributes(c->s->env, c->qname, info);
    return rc != 0 ? sqs_fail_rc(c, rc) : 0;
}

/* Set out[key] to the object v when it has members (SQS leaves empty maps out); consumes v. */
static void set_nonempty(json_t *out, const char *key, json_t *v)
{
    if (json_object_size(v) > 0)
        json_object_set_new(out, key, v);
    else
        json_decref(v);
}

static void put_url(struct sqs_ctx *c, const char *name)
{
    char url[256];
    sqs_queue_url(c->s, name, url, sizeof url);
    json_object_set_new(c->out, "QueueUrl", json_string(url));
}

/* The given attributes equal the queue's (SQS: CreateQueue on an existing queue). */
static bool same_attrs(struct sqs_ctx *c, json_t *attrs, const eddy_queue_info *info)
{
    json_t *names = json_pack("[s]", "All"), *have = sqs_attrs_render(c, info, names), *v;
    const char *k;
    bool same = true;
    json_object_foreach(attrs, k, v)
    {
        json_t *h = json_object_get(have, k);
        if (strcmp(k, "Policy") == 0 || strncmp(k, "Kms", 3) == 0 ||
            strcmp(k, "SqsManagedSseEnabled") == 0 || strcmp(k, "FifoQueue") == 0)
            continue;
        if (strcmp(k, "RedrivePolicy") == 0 || strcmp(k, "RedriveAllowPolicy") == 0) {
            json_t *a = json_loads(json_string_value(v) ? json_string_value(v) : "", 0, NULL);
            json_t *b = json_loads(h != NULL ? json_string_value(h) : "", 0, NULL);
            json_t *mrc = json_object_get(a, "maxReceiveCount");
            if (json_is_string(mrc))
                json_object_set_new(a, "maxReceiveCount",
                                    json_integer(strtoll(json_string_value(mrc), NULL, 10)));
            if (!json_equal(a, b) && !(a == NULL && b == NULL))
                same = false;
            json_decref(a);
            json_decref(b);
            continue;
        }
        if (h == NULL || !json_equal(h, v))
            same = false;
    }
    json_decref(names);
    json_decref(have);
    return same;
}

int sqs_create_queue(struct sqs_ctx *c)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    struct sqs_attr_scratch sc;
    json_t *attrs = json_object_get(c->in, "Attributes"), *tags = json_object_get(c->in, "tags");
    const char *name;
    uint32_t mask = 0;
    int rc, tries;

    if (tags == NULL) /* JSON: "tags"; Query: Tag.N.Key (form.c makes it "Tags") */
        tags = json_object_get(c->in, "Tags");
    if (p_need(c, c->in, "QueueName", &name) != 0 || sqs_name_check(c, name) != 0)
        return -1;
    snprintf(c->qname, sizeof c->qname, "%s", name);
    if (attrs != NULL && sqs_attrs_parse(c, attrs, &o, &sc, &mask) != 0)
        return -1;
    if ((o.fifo != 0) != (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".fifo") == 0))
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "The name of a FIFO queue can only include alphanumeric characters, "
                        "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                        "length. A queue whose name ends with .fifo needs FifoQueue=true.");
    for (tries = 0; tries < 3; tries++) {
        rc = eddy_queue_get_attributes(c->s->env, name, &info);
        if (rc == 0) {
            if (attrs != NULL && !same_attrs(c, attrs, &info))
                return sqs_fail(c, &SQS_QUEUE_EXISTS,
                                "A queue already exists with the same name and a different "
                                "value for attribute(s)");
            break;
        }
        if (rc != EDDY_ENOTFOUND)
            return sqs_fail_rc(c, rc);
        sqs_qcache_drop(name);
        rc = eddy_queue_create(c->s->env, name, &o);
        if (rc == EDDY_ENOTFOUND)
            return sqs_fail(c, &SQS_INVALID_PARAM,
                            "Value for parameter RedrivePolicy is invalid. Reason: Dead letter "
                            "target does not exist.");
        if (rc == EDDY_EINVAL)
            return sqs_fail(c, &SQS_INVALID_ATTR_VALUE, "%s", eddy_last_error());
        if (rc != EDDY_EEXIST && rc != 0)
            return sqs_fail_rc(c, rc);
        if (rc == 0 && (rc = eddy_queue_get_attributes(c->s->env, name, &info)) == 0)
            break;
    }
    if (json_is_object(tags) && json_object_size(tags) > 0)
        tags_set(c->s, 'q', info.id, tags);
    put_url(c, name);
    return 0;
}

int sqs_delete_queue(struct sqs_ctx *c)
{
    int rc;
    if (p_queue(c) != 0)
        return -1;
    sqs_qcache_drop(c->qname);
    rc = eddy_queue_delete(c->s->env, c->qname);
    return rc != 0 ? sqs_fail_rc(c, rc) : 0;
}

int sqs_get_queue_url(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    const char *name;
    if (p_need(c, c->in, "QueueName", &name) != 0)
        return -1;
    if (sqs_name_check(c, name) != 0)
        return sqs_fail(c, &SQS_NO_QUEUE, "The specified queue does not exist.");
    snprintf(c->qname, sizeof c->qname, "%s", name);
    if (info_get(c, &info) != 0)
        return -1;
    put_url(c, name);
    return 0;
}

struct list_ctx {
    json_t *names;
};

static int collect(void *ctx, const char *name)
{
    json_array_append_new(((struct list_ctx *)ctx)->names, json_string(name));
    return 0;
}

/* Names of all queues with `prefix` (sorted, as eddy_queue_list gives them). */
static int all_names(struct sqs_ctx *c, const char *prefix, json_t **out)
{
    struct list_ctx l = {json_array()};
    int rc = eddy_queue_list(c->s->env, prefix, collect, &l);
    if (rc != 0) {
        json_decref(l.names);
        return sqs_fail_rc(c, rc);
    }
    *out = l.names;
    return 0;
}

/* Pagination: NextToken is the last name returned; the next page starts after it. */
static int page(struct sqs_ctx *c, json_t *names, const char *list_key, bool urls)
{
    int64_t max = 1000;
    int has_max = p_int(c, c->in, "MaxResults", 1, 1000, &max);
    const char *token = p_str(c->in, "NextToken");
    json_t *list = json_array(), *v;
    size_t i, n = 0;
    const char *last = NULL;
    bool more = false;

    if (has_max < 0) {
        json_decref(list);
        return -1;
    }
    json_array_foreach(names, i, v)
    {
        const char *name = json_string_value(v);
        char url[256];
        if (token != NULL && token[0] != '\0' && strcmp(name, token) <= 0)
            continue;
        if ((int64_t)n == max) {
            more = true;
            break;
        }
        if (urls)
            sqs_queue_url(c->s, name, url, sizeof url);
        json_array_append_new(list, json_string(urls ? url : name));
        last = name;
        n++;
    }
    if (n > 0 || !urls)
        json_object_set_new(c->out, list_key, list);
    else
        json_decref(list);
    if (more && has_max == 0 && last != NULL)
        json_object_set_new(c->out, "NextToken", json_string(last));
    return 0;
}

int sqs_list_queues(struct sqs_ctx *c)
{
    json_t *names = NULL;
    int rc;
    if (all_names(c, p_str(c->in, "QueueNamePrefix"), &names) != 0)
        return -1;
    rc = page(c, names, "QueueUrls", true);
    json_decref(names);
    return rc;
}

int sqs_list_dlq_sources(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    json_t *names = NULL, *src = json_array(), *v;
    size_t i;
    int rc;

    if (p_queue(c) != 0 || info_get(c, &info) != 0 || all_names(c, NULL, &names) != 0) {
        json_decref(src);
        return -1;
    }
    json_array_foreach(names, i, v)
    {
        eddy_queue_info o = EDDY_QUEUE_INFO_INIT;
        if (eddy_queue_get_attributes(c->s->env, json_string_value(v), &o) == 0 &&
            strcmp(o.dlq_name, c->qname) == 0)
            json_array_append(src, v);
    }
    json_decref(names);
    rc = page(c, src, "queueUrls", true);
    if (rc == 0 && json_object_get(c->out, "queueUrls") == NULL)
        json_object_set_new(c->out, "queueUrls", json_array());
    json_decref(src);
    return rc;
}

int sqs_get_queue_attributes(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    json_t *names = p_list(c->in, "AttributeNames"), *v;
    size_t i;
    static const char *const known[] = {"All",
                                        "Policy",
                                        "VisibilityTimeout",
                                        "MaximumMessageSize",
                                        "MessageRetentionPeriod",
                                        "ApproximateNumberOfMessages",
                                        "ApproximateNumberOfMessagesNotVisible",
                                        "CreatedTimestamp",
                                        "LastModifiedTimestamp",
                                        "QueueArn",
                                        "ApproximateNumberOfMessagesDelayed",
                                        "DelaySeconds",
                                        "ReceiveMessageWaitTimeSeconds",
                                        "RedrivePolicy",
                                        "FifoQueue",
                                        "ContentBasedDeduplication",
                                        "KmsMasterKeyId",
                                        "KmsDataKeyReusePeriodSeconds",
                                        "DeduplicationScope",
                                        "FifoThroughputLimit",
                                        "RedriveAllowPolicy",
                                        "SqsManagedSseEnabled"};

    if (p_queue(c) != 0)
        return -1;
    json_array_foreach(names, i, v)
    {
        size_t k;
        const char *s = json_string_value(v);
        for (k = 0; s != NULL && k < sizeof known / sizeof known[0]; k++)
            if (strcmp(s, known[k]) == 0)
                break;
        if (s == NULL || k == sizeof known / sizeof known[0])
            return sqs_fail(c, &SQS_INVALID_ATTR_NAME, "Unknown Attribute %.100s.",
                            s != NULL ? s : "");
    }
    if (info_get(c, &info) != 0)
        return -1;
    set_nonempty(c->out, "Attributes", sqs_attrs_render(c, &info, names));
    return 0;
}

int sqs_set_queue_attributes(struct sqs_ctx *c)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    struct sqs_attr_scratch sc;
    json_t *attrs = json_object_get(c->in, "Attributes");
    uint32_t mask = 0;
    int rc;

    if (p_queue(c) != 0)
        return -1;
    if (!json_is_object(attrs))
        return sqs_fail(c, &SQS_MISSING_PARAM,
                        "The request must contain the parameter Attributes.");
    if (json_object_get(attrs, "FifoQueue") != NULL)
        return sqs_fail(c, &SQS_INVALID_ATTR_NAME,
                        "Invalid attribute name FifoQueue: a queue's type is set at creation.");
    /* The engine sets the three FIFO attributes together: start from the queue's values. */
    if ((rc = eddy_queue_get_attributes(c->s->env, c->qname, &info)) != 0)
        return sqs_fail_rc(c, rc);
    o.content_based_dedup = info.content_based_dedup;
    o.dedup_scope = info.dedup_scope;
    o.throughput_limit = info.throughput_limit;
    if (sqs_attrs_parse(c, attrs, &o, &sc, &mask) != 0)
        return -1;
    if (mask == 0)
        return 0;
    sqs_qcache_drop(c->qname);
    rc = eddy_queue_set_attributes(c->s->env, c->qname, &o, mask);
    if (rc == EDDY_ENOTFOUND && (mask & EDDY_QUEUE_SET_REDRIVE) != 0 && o.dlq_name[0] != '\0' &&
        eddy_queue_get_attributes(c->s->env, o.dlq_name, &(eddy_queue_info)EDDY_QUEUE_INFO_INIT) ==
            EDDY_ENOTFOUND)
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Value for parameter RedrivePolicy is invalid. Reason: Dead letter target "
                        "does not exist.");
    if (rc == EDDY_EINVAL)
        return sqs_fail(c, &SQS_INVALID_ATTR_VALUE, "%s", eddy_last_error());
    return rc != 0 ? sqs_fail_rc(c, rc) : 0;
}

int sqs_purge_queue(struct sqs_ctx *c)
{
    int rc;
    if (p_queue(c) != 0)
        return -1;
    rc = eddy_queue_purge(c->s->env, c->qname, NULL);
    return rc != 0 ? sqs_fail_rc(c, rc) : 0;
}

int sqs_tag_queue(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    json_t *tags = json_object_get(c->in, "Tags"), *have;
    if (p_queue(c) != 0)
        return -1;
    if (!json_is_object(tags) || json_object_size(tags) == 0)
        return sqs_fail(c, &SQS_MISSING_PARAM, "The request must contain the parameter Tags.");
    if (info_get(c, &info) != 0)
        return -1;
    have = tags_get(c->s, 'q', info.id);
    json_object_update(have, tags);
    if (json_object_size(have) > 50) {
        json_decref(have);
        return sqs_fail(c, &SQS_INVALID_PARAM, "Too many tags added for queue %s.", c->qname);
    }
    json_decref(have);
    tags_set(c->s, 'q', info.id, tags);
    return 0;
}

int sqs_untag_queue(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    json_t *keys = p_list(c->in, "TagKeys");
    if (p_queue(c) != 0)
        return -1;
    if (keys == NULL)
        return sqs_fail(c, &SQS_MISSING_PARAM, "The request must contain the parameter TagKeys.");
    if (info_get(c, &info) != 0)
        return -1;
    tags_remove(c->s, 'q', info.id, keys);
    return 0;
}

int sqs_list_queue_tags(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    if (p_queue(c) != 0 || info_get(c, &info) != 0)
        return -1;
    set_nonempty(c->out, "Tags", tags_get(c->s, 'q', info.id));
    return 0;
}

/* Permissions: a local endpoint has one principal; accepted, checked for the queue, ignored. */
int sqs_add_permission(struct sqs_ctx *c)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    const char *label;
    if (p_queue(c) != 0 || p_need(c, c->in, "Label", &label) != 0)
        return -1;
    return info_get(c, &info);
}

int sqs_remove_permission(struct sqs_ctx *c)
{
    return sqs_add_permission(c);
}
