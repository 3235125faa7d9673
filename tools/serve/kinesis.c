/*
 * kinesis.c: the Kinesis endpoint (AWS JSON 1.1, X-Amz-Target: Kinesis_20131202.*): dispatch,
 * Kinesis's error shape ({"__type": ..., "message": ...}), and the stream and shard actions
 * (create, delete, describe, summary, list streams, list shards with filters and pagination,
 * split, merge, update shard count, retention, tags, limits). Records and iterators are in
 * kinesis_rec.c. Streams are created with MD5 partition-key hashing, as Kinesis routes keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis.h"

int kin_fail(struct kin_ctx *c, const char *type, const char *fmt, ...)
{
    va_list ap;
    c->err_type = type;
    c->status = strcmp(type, "InternalFailure") == 0 ? 500 : 400;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int kin_fail_rc(struct kin_ctx *c, int rc)
{
    const char *detail = eddy_last_error()[0] != '\0' ? eddy_last_error() : eddy_strerror(rc);
    switch (rc) {
    case EDDY_ENOTFOUND:
        return kin_fail(c, "ResourceNotFoundException", "Stream %s under account %s not found.",
                        c->stream, c->s->account);
    case EDDY_EINVAL:
    case EDDY_ETOOBIG:
        return kin_fail(c, "InvalidArgumentException", "%s", detail);
    case EDDY_ELIMIT:
        return kin_fail(c, "LimitExceededException", "%s", detail);
    case EDDY_EEXPIRED:
        return kin_fail(c, "ExpiredIteratorException", "%s", detail);
    case EDDY_EEXIST:
        return kin_fail(c, "ResourceInUseException", "Stream %s under account %s already exists.",
                        c->stream, c->s->account);
    case EDDY_EBUSY:
        return kin_fail(c, "LimitExceededException", "%s", detail);
    case EDDY_EFULL:
        /* The disk or map is full: not throttling (SDKs retry LimitExceeded as such), and
         * Kinesis has no 503 code; InternalFailure is its server-side error. */
        return kin_fail(c, "InternalFailure", "%s", detail);
    default:
        return kin_fail(c, "InternalFailure", "%s", detail);
    }
}

static bool stream_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= EDDY_STREAM_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int kin_stream(struct kin_ctx *c)
{
    const char *name = json_string_value(json_object_get(c->in, "StreamName"));
    const char *arn = json_string_value(json_object_get(c->in, "StreamARN"));
    if (name == NULL && arn != NULL) {
        const char *p = strstr(arn, ":stream/");
        if (strncmp(arn, "arn:aws:kinesis:", 16) != 0 || p == NULL)
            return kin_fail(c, "InvalidArgumentException", "StreamARN %.200s is not valid.", arn);
        name = p + 8;
    }
    if (name == NULL)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value null at 'streamName' failed to "
                        "satisfy constraint: Member must not be null");
    if (!stream_name_ok(name))
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value '%.200s' at 'streamName' failed to "
                        "satisfy constraint: Member must satisfy regular expression pattern: "
                        "[a-zA-Z0-9_.-]+",
                        name);
    snprintf(c->stream, sizeof c->stream, "%s", name);
    return 0;
}

int kin_shard(struct kin_ctx *c, const char *key, uint32_t *out)
{
    const char *s = json_string_value(json_object_get(c->in, key)), *d;
    char *end;
    unsigned long long v;
    if (s == NULL)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value null at "
                        "'%s' failed to satisfy constraint: Member "
                        "must not be null",
                        key);
    d = strncmp(s, "shardId-", 8) == 0 ? s + 8 : s;
    v = strtoull(d, &end, 10);
    if (*d == '\0' || *end != '\0' || v >= EDDY_STREAM_NO_SHARD || strspn(d, "0123456789") == 0)
        return kin_fail(c, "ResourceNotFoundException",
                        "Could not find shard %.100s in stream %s under account %s.", s, c->stream,
                        c->s->account);
    *out = (uint32_t)v;
    return 0;
}

int kin_int(struct kin_ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(c->in, key);
    if (v == NULL || json_is_null(v))
        return 1;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value at '%s' failed to satisfy "
                        "constraint: Member must have value between %lld and %lld",
                        key, (long long)lo, (long long)hi);
    *out = json_integer_value(v);
    return 0;
}

void kin_shard_name(uint32_t id, char out[24])
{
    snprintf(out, 24, "shardId-%012u", id);
}

void kin_stream_arn(struct srv *s, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:kinesis:%s:%s:stream/%s", s->region, s->account, name);
}

json_t *kin_time(uint64_t ms)
{
    return json_real((double)ms / 1000.0);
}

int kin_shards(struct kin_ctx *c, eddy_stream_shard **out, size_t *n_out)
{
    size_t cap = 16, n = 0, i;
    eddy_stream_shard *sh = NULL;
    int rc;
    for (;;) {
        eddy_stream_shard *p = realloc(sh, cap * sizeof *sh);
        if (p == NULL) {
            free(sh);
            return kin_fail(c, "InternalFailure", "out of memory");
        }
        sh = p;
        for (i = 0; i < cap; i++)
            sh[i] = (eddy_stream_shard)EDDY_STREAM_SHARD_INIT;
        rc = eddy_stream_list_shards(c->s->env, c->stream, sh, cap, &n);
        if (rc != EDDY_EBUFS)
            break;
        cap = n + 16;
    }
    if (rc != 0) {
        free(sh);
        return kin_fail_rc(c, rc);
    }
    *out = sh;
    *n_out = n;
    return 0;
}

json_t *kin_shard_json(const eddy_stream_shard *sh)
{
    char id[24];
    json_t *o = json_object(), *seq = json_object();
    kin_shard_name(sh->shard_id, id);
    json_object_set_new(o, "ShardId", json_string(id));
    if (sh->parent_id != EDDY_STREAM_NO_SHARD) {
        kin_shard_name(sh->parent_id, id);
        json_object_set_new(o, "ParentShardId", json_string(id));
    }
    if (sh->adjacent_parent_id != EDDY_STREAM_NO_SHARD) {
        kin_shard_name(sh->adjacent_parent_id, id);
        json_object_set_new(o, "AdjacentParentShardId", json_string(id));
    }
    json_object_set_new(o, "HashKeyRange",
                        json_pack("{s:s,s:s}", "StartingHashKey", sh->starting_hash_key,
                                  "EndingHashKey", sh->ending_hash_key));
    json_object_set_new(seq, "StartingSequenceNumber", json_string(sh->starting_seq));
    if (sh->state == EDDY_STREAM_SHARD_CLOSED)
        json_object_set_new(seq, "EndingSequenceNumber", json_string(sh->ending_seq));
    json_object_set_new(o, "SequenceNumberRange", seq);
    return o;
}

static int create_stream(struct kin_ctx *c)
{
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    int64_t shards = 4;
    int rc;
    if (kin_stream(c) != 0 || kin_int(c, "ShardCount", 1, EDDY_STREAM_SHARDS_MAX, &shards) < 0)
        return -1;
    if (eddy_stream_get_attributes(c->s->env, c->stream, &info) == 0)
        return kin_fail_rc(c, EDDY_EEXIST);
    o.shard_count = (uint32_t)shards;
    o.hash = EDDY_STREAM_HASH_MD5;
    rc = eddy_stream_create(c->s->env, c->stream, &o);
    if (rc == 0 && json_is_object(json_object_get(c->in, "Tags")) &&
        eddy_stream_get_attributes(c->s->env, c->stream, &info) == 0)
        tags_set(c->s, 's', info.id, json_object_get(c->in, "Tags"));
    return rc != 0 ? kin_fail_rc(c, rc) : 0;
}

static int delete_stream(struct kin_ctx *c)
{
    int rc;
    if (kin_stream(c) != 0)
        return -1;
    rc = eddy_stream_delete(c->s->env, c->stream);
    return rc != 0 ? kin_fail_rc(c, rc) : 0;
}

static int info_get(struct kin_ctx *c, eddy_stream_info *info)
{
    int rc = eddy_stream_get_attributes(c->s->env, c->stream, info);
    return rc != 0 ? kin_fail_rc(c, rc) : 0;
}

static void describe_common(struct kin_ctx *c, json_t *d, const eddy_stream_info *info)
{
    char arn[256];
    kin_stream_arn(c->s, c->stream, arn, sizeof arn);
    json_object_set_new(d, "StreamName", json_string(c->stream));
    json_object_set_new(d, "StreamARN", json_string(arn));
    json_object_set_new(d, "StreamStatus", json_string("ACTIVE"));
    json_object_set_new(d, "StreamModeDetails", json_pack("{s:s}", "StreamMode", "PROVISIONED"));
    json_object_set_new(d, "RetentionPeriodHours",
                        json_integer((json_int_t)(info->retention_ms / 3600000u)));
    json_object_set_new(d, "StreamCreationTimestamp", kin_time(info->created_ms));
    json_object_set_new(d, "EnhancedMonitoring", json_pack("[{s:[]}]", "ShardLevelMetrics"));
    json_object_set_new(d, "EncryptionType", json_string("NONE"));
}

static int describe_stream(struct kin_ctx *c)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_shard *sh;
    json_t *d = json_object(), *list = json_array();
    uint32_t after = 0;
    int64_t limit = 100;
    size_t n, i, k = 0;
    bool has_after = json_object_get(c->in, "ExclusiveStartShardId") != NULL, more = false;

    if (kin_stream(c) != 0 || kin_int(c, "Limit", 1, 10000, &limit) < 0 ||
        (has_after && kin_shard(c, "ExclusiveStartShardId", &after) != 0) ||
        info_get(c, &info) != 0 || kin_shards(c, &sh, &n) != 0) {
        json_decref(d);
        json_decref(list);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (has_after && sh[i].shard_id <= after)
            continue;
        if ((int64_t)k == limit) {
            more = true;
            break;
        }
        json_array_append_new(list, kin_shard_json(&sh[i]));
        k++;
    }
    free(sh);
    describe_common(c, d, &info);
    json_object_set_new(d, "Shards", list);
    json_object_set_new(d, "HasMoreShards", json_boolean(more));
    json_object_set_new(c->out, "StreamDescription", d);
    return 0;
}

static int describe_summary(struct kin_ctx *c)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    json_t *d;
    if (kin_stream(c) != 0 || info_get(c, &info) != 0)
        return -1;
    d = json_object();
    describe_common(c, d, &info);
    json_object_set_new(d, "OpenShardCount", json_integer(info.open_shards));
    json_object_set_new(d, "ConsumerCount", json_integer(0));
    json_object_set_new(c->out, "StreamDescriptionSummary", d);
    return 0;
}

static int collect(void *ctx, const char *name)
{
    json_array_append_new(ctx, json_string(name));
    return 0;
}

static int list_streams(struct kin_ctx *c)
{
    json_t *names = json_array(), *out = json_array(), *sums = json_array(), *v;
    const char *start = json_string_value(json_object_get(c->in, "ExclusiveStartStreamName"));
    const char *token = json_string_value(json_object_get(c->in, "NextToken"));
    int64_t limit = 100;
    size_t i, k = 0;
    bool more = false;
    int rc = 0;

    if (token != NULL)
        start = token;
    if (kin_int(c, "Limit", 1, 10000, &limit) < 0 ||
        (rc = eddy_stream_list(c->s->env, NULL, collect, names)) != 0) {
        json_decref(names);
        json_decref(out);
        json_decref(sums);
        return c->err_type != NULL ? -1 : kin_fail_rc(c, rc);
    }
    json_array_foreach(names, i, v)
    {
        eddy_stream_info info = EDDY_STREAM_INFO_INIT;
        const char *name = json_string_value(v);
        char arn[256];
        if (start != NULL && strcmp(name, start) <= 0)
            continue;
        if ((int64_t)k == limit) {
            more = true;
            break;
        }
        json_array_append(out, v);
        kin_stream_arn(c->s, name, arn, sizeof arn);
        (void)eddy_stream_get_attributes(c->s->env, name, &info);
        json_array_append_new(
            sums, json_pack("{s:s,s:s,s:s,s:{s:s},s:o}", "StreamName", name, "StreamARN", arn,
                            "StreamStatus", "ACTIVE", "StreamModeDetails", "StreamMode",
                            "PROVISIONED", "StreamCreationTimestamp", kin_time(info.created_ms)));
        k++;
    }
    json_object_set_new(c->out, "StreamNames", out);
    json_object_set_new(c->out, "StreamSummaries", sums);
    json_object_set_new(c->out, "HasMoreStreams", json_boolean(more));
    if (more && k > 0)
        json_object_set_new(c->out, "NextToken",
                            json_copy(json_array_get(out, json_array_size(out) - 1)));
    json_decref(names);
    return 0;
}

/* ListShards' ShardFilter: does shard `sh` pass? */
static bool filter_pass(json_t *f, const eddy_stream_shard *sh, const eddy_stream_shard *all,
                        size_t n, uint32_t after_id, uint64_t ts_ms)
{
    const char *type = json_string_value(json_object_get(f, "Type"));
    size_t i;
    if (type == NULL)
        return true;
    if (strcmp(type, "AFTER_SHARD_ID") == 0)
        return sh->shard_id > after_id;
    if (strcmp(type, "AT_LATEST") == 0)
        return sh->state == EDDY_STREAM_SHARD_OPEN;
    if (strcmp(type, "FROM_TRIM_HORIZON") == 0)
        return true;
    if (strcmp(type, "AT_TRIM_HORIZON") == 0) { /* open at the trim horizon: no stored parent */
        for (i = 0; i < n; i++)
            if (all[i].shard_id == sh->parent_id || all[i].shard_id == sh->adjacent_parent_id)
                return false;
        return true;
    }
    if (strcmp(type, "AT_TIMESTAMP") == 0)
        return sh->created_ms <= ts_ms && (sh->closed_ms == 0 || sh->closed_ms > ts_ms);
    if (strcmp(type, "FROM_TIMESTAMP") == 0)
        return sh->closed_ms == 0 || sh->closed_ms > ts_ms;
    return true;
}

static int list_shards(struct kin_ctx *c)
{
    const char *token = json_string_value(json_object_get(c->in, "NextToken"));
    json_t *filter = json_object_get(c->in, "ShardFilter"), *list, *ts;
    eddy_stream_shard *sh;
    uint32_t after = 0, fafter = 0;
    int64_t max = 1000;
    uint64_t ts_ms = 0;
    bool has_after = false;
    size_t n, i, k = 0;
    const char *ftype = json_string_value(json_object_get(filter, "Type"));

    if (token != NULL) { /* "<last shard id>:<stream>" */
        char *end;
        unsigned long v = strtoul(token, &end, 10);
        if (json_object_get(c->in, "StreamName") != NULL)
            return kin_fail(c, "InvalidArgumentException",
                            "NextToken and StreamName cannot be provided together.");
        if (*end != ':' || strlen(end + 1) > EDDY_STREAM_NAME_MAX || end == token)
            return kin_fail(c, "InvalidArgumentException", "Invalid NextToken.");
        snprintf(c->stream, sizeof c->stream, "%s", end + 1);
        after = (uint32_t)v;
        has_after = true;
    } else if (kin_stream(c) != 0) {
        return -1;
    }
    if (kin_int(c, "MaxResults", 1, 10000, &max) < 0)
        return -1;
    if (!has_after && json_object_get(c->in, "ExclusiveStartShardId") != NULL) {
        if (kin_shard(c, "ExclusiveStartShardId", &after) != 0)
            return -1;
        has_after = true;
    }
    if (ftype != NULL) {
        if (strcmp(ftype, "AFTER_SHARD_ID") == 0) {
            struct kin_ctx fc = *c;
            fc.in = filter;
            if (kin_shard(&fc, "ShardId", &fafter) != 0)
                return kin_fail(c, "InvalidArgumentException",
                                "ShardFilter AFTER_SHARD_ID needs a valid ShardId.");
        } else if (strstr(ftype, "TIMESTAMP") != NULL) {
            ts = json_object_get(filter, "Timestamp");
            if (!json_is_number(ts))
                return kin_fail(c, "InvalidArgumentException", "ShardFilter %s needs a Timestamp.",
                                ftype);
            ts_ms = (uint64_t)(json_number_value(ts) * 1000.0);
        } else if (strcmp(ftype, "AT_LATEST") != 0 && strcmp(ftype, "AT_TRIM_HORIZON") != 0 &&
                   strcmp(ftype, "FROM_TRIM_HORIZON") != 0) {
            return kin_fail(c, "InvalidArgumentException", "Unknown ShardFilter type %.60s.",
                            ftype);
        }
    }
    if (kin_shards(c, &sh, &n) != 0)
        return -1;
    list = json_array();
    for (i = 0; i < n; i++) {
        if (has_after && sh[i].shard_id <= after)
            continue;
        if (!filter_pass(filter, &sh[i], sh, n, fafter, ts_ms))
            continue;
        if ((int64_t)k == max) {
            char tok[200];
            snprintf(tok, sizeof tok, "%u:%s", sh[i - 1].shard_id, c->stream);
            json_object_set_new(c->out, "NextToken", json_string(tok));
            break;
        }
        json_array_append_new(list, kin_shard_json(&sh[i]));
        k++;
    }
    free(sh);
    json_object_set_new(c->out, "Shards", list);
    return 0;
}

static int split_shard(struct kin_ctx *c)
{
    const char *key = json_string_value(json_object_get(c->in, "NewStartingHashKey"));
    uint32_t id;
    int rc;
    if (kin_stream(c) != 0 || kin_shard(c, "ShardToSplit", &id) != 0)
        return -1;
    if (key == NULL)
        return kin_fail(c, "ValidationException", "NewStartingHashKey must not be null");
    rc = eddy_stream_split_shard(c->s->env, c->stream, id, key, NULL);
    return rc != 0 ? kin_fail_rc(c, rc) : 0;
}

static int merge_shards(struct kin_ctx *c)
{
    uint32_t a, b;
    int rc;
    if (kin_stream(c) != 0 || kin_shard(c, "ShardToMerge", &a) != 0 ||
        kin_shard(c, "AdjacentShardToMerge", &b) != 0)
        return -1;
    rc = eddy_stream_merge_shards(c->s->env, c->stream, a, b, NULL);
    return rc != 0 ? kin_fail_rc(c, rc) : 0;
}

static int update_shard_count(struct kin_ctx *c)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    int64_t target = 0;
    char arn[256];
    int rc;
    if (kin_stream(c) != 0 ||
        kin_int(c, "TargetShardCount", 1, EDDY_STREAM_SHARDS_MAX, &target) != 0 ||
        info_get(c, &info) != 0)
        return c->err_type != NULL
                   ? -1
                   : kin_fail(c, "ValidationException", "TargetShardCount must not be null");
    rc = eddy_stream_update_shard_count(c->s->env, c->stream, (uint32_t)target);
    if (rc != 0)
        return kin_fail_rc(c, rc);
    kin_stream_arn(c->s, c->stream, arn, sizeof arn);
    json_object_set_new(c->out, "StreamName", json_string(c->stream));
    json_object_set_new(c->out, "StreamARN", json_string(arn));
    json_object_set_new(c->out, "CurrentShardCount", json_integer(info.open_shards));
    json_object_set_new(c->out, "TargetShardCount", json_integer(target));
    return 0;
}

static int retention(struct kin_ctx *c, bool increase)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    int64_t hours = 0, cur;
    int rc;
    if (kin_stream(c) != 0)
        return -1;
    rc = kin_int(c, "RetentionPeriodHours", 24, 8760, &hours);
    if (rc != 0)
        return rc < 0 ? -1
                      : kin_fail(c, "ValidationException", "RetentionPeriodHours must not be null");
    if (info_get(c, &info) != 0)
        return -1;
    cur = (int64_t)(info.retention_ms / 3600000u);
    if (increase && hours < cur)
        return kin_fail(c, "InvalidArgumentException",
                        "Requested retention period (%lld hours) for stream %s can not be "
                        "shorter than existing retention period (%lld hours). Use "
                        "DecreaseRetentionPeriod API.",
                        (long long)hours, c->stream, (long long)cur);
    if (!increase && hours > cur)
        return kin_fail(c, "InvalidArgumentException",
                        "Requested retention period (%lld hours) for stream %s can not be longer "
                        "than existing retention period (%lld hours). Use "
                        "IncreaseRetentionPeriod API.",
                        (long long)hours, c->stream, (long long)cur);
    o.retention_ms = (uint64_t)hours * 3600000u;
    rc = eddy_stream_set_attributes(c->s->env, c->stream, &o, EDDY_STREAM_SET_RETENTION);
    return rc != 0 ? kin_fail_rc(c, rc) : 0;
}

static int increase_retention(struct kin_ctx *c)
{
    return retention(c, true);
}

static int decrease_retention(struct kin_ctx *c)
{
    return retention(c, false);
}

static int add_tags(struct kin_ctx *c)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    json_t *tags = json_object_get(c->in, "Tags");
    if (kin_stream(c) != 0 || info_get(c, &info) != 0)
        return -1;
    if (!json_is_object(tags) || json_object_size(tags) == 0 || json_object_size(tags) > 10)
        return kin_fail(c, "InvalidArgumentException", "Tags must hold 1 to 10 tags.");
    tags_set(c->s, 's', info.id, tags);
    return 0;
}

static int remove_tags(struct kin_ctx *c)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    json_t *keys = json_object_get(c->in, "TagKeys");
    if (kin_stream(c) != 0 || info_get(c, &info) != 0)
        return -1;
    if (!json_is_array(keys))
        return kin_fail(c, "ValidationException", "TagKeys must not be null");
    tags_remove(c->s, 's', info.id, keys);
    return 0;
}

static int list_tags(struct kin_ctx *c)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    json_t *tags, *list = json_array(), *v;
    const char *k;
    if (kin_stream(c) != 0 || info_get(c, &info) != 0) {
        json_decref(list);
        return -1;
    }
    tags = tags_get(c->s, 's', info.id);
    json_object_foreach(tags, k, v)
        json_array_append_new(list, json_pack("{s:s,s:O}", "Key", k, "Value", v));
    json_decref(tags);
    json_object_set_new(c->out, "Tags", list);
    json_object_set_new(c->out, "HasMoreTags", json_false());
    return 0;
}

static int describe_limits(struct kin_ctx *c)
{
    json_t *names = json_array(), *v;
    size_t i;
    json_int_t open = 0;
    if (eddy_stream_list(c->s->env, NULL, collect, names) == 0)
        json_array_foreach(names, i, v)
        {
            eddy_stream_info info = EDDY_STREAM_INFO_INIT;
            if (eddy_stream_get_attributes(c->s->env, json_string_value(v), &info) == 0)
                open += info.open_shards;
        }
    json_decref(names);
    json_object_set_new(c->out, "ShardLimit", json_integer(EDDY_STREAM_SHARDS_MAX));
    json_object_set_new(c->out, "OpenShardCount", json_integer(open));
    json_object_set_new(c->out, "OnDemandStreamCount", json_integer(0));
    json_object_set_new(c->out, "OnDemandStreamCountLimit", json_integer(0));
    return 0;
}

static int monitoring(struct kin_ctx *c)
{
    char arn[256];
    if (kin_stream(c) != 0)
        return -1;
    kin_stream_arn(c->s, c->stream, arn, sizeof arn);
    json_object_set_new(c->out, "StreamName", json_string(c->stream));
    json_object_set_new(c->out, "StreamARN", json_string(arn));
    json_object_set_new(c->out, "CurrentShardLevelMetrics", json_array());
    json_object_set_new(c->out, "DesiredShardLevelMetrics", json_array());
    return 0;
}

static int list_consumers(struct kin_ctx *c)
{
    json_object_set_new(c->out, "Consumers", json_array());
    return 0;
}

static int unsupported(struct kin_ctx *c)
{
    return kin_fail(c, "InvalidArgumentException",
                    "%s is not supported by Eddy's endpoint (enhanced fan-out, encryption and "
                    "on-demand mode are not built; docs/endpoint.md).",
                    c->r->action);
}

static const struct {
    const char *name;
    int (*fn)(struct kin_ctx *);
} actions[] = {
    {"AddTagsToStream", add_tags},
    {"CreateStream", create_stream},
    {"DecreaseStreamRetentionPeriod", decrease_retention},
    {"DeleteStream", delete_stream},
    {"DeregisterStreamConsumer", unsupported},
    {"DescribeLimits", describe_limits},
    {"DescribeStream", describe_stream},
    {"DescribeStreamConsumer", unsupported},
    {"DescribeStreamSummary", describe_summary},
    {"DisableEnhancedMonitoring", monitoring},
    {"EnableEnhancedMonitoring", monitoring},
    {"GetRecords", kin_get_records},
    {"GetShardIterator", kin_get_shard_iterator},
    {"IncreaseStreamRetentionPeriod", increase_retention},
    {"ListShards", list_shards},
    {"ListStreamConsumers", list_consumers},
    {"ListStreams", list_streams},
    {"ListTagsForStream", list_tags},
    {"MergeShards", merge_shards},
    {"PutRecord", kin_put_record},
    {"PutRecords", kin_put_records},
    {"RegisterStreamConsumer", unsupported},
    {"RemoveTagsFromStream", remove_tags},
    {"SplitShard", split_shard},
    {"StartStreamEncryption", unsupported},
    {"StopStreamEncryption", unsupported},
    {"SubscribeToShard", unsupported},
    {"UpdateShardCount", update_shard_count},
    {"UpdateStreamMode", unsupported},
};

void kinesis_handle(struct req *r)
{
    struct kin_ctx c;
    json_error_t je;
    size_t i;
    int rc = -1;

    memset(&c, 0, sizeof c);
    c.r = r;
    c.s = r->srv;
    c.out = json_object();
    if (strcmp(r->action, "PutRecords") == 0 && r->body != NULL) {
        struct kin_fast_put *fp = malloc(sizeof *fp);
        int fast = 1; /* 1: not taken or declined */
        if (fp != NULL && kin_put_parse_fast(r->body, r->len, fp))
            fast = kin_put_records_fast(&c, fp);
        free(fp);
        if (fast != 1) {
            rc = fast; /* done (0) or failed (-1) on the fast path */
            goto reply;
        }
    }
    c.in = json_loadb(r->body != NULL ? r->body : "{}", r->body != NULL ? r->len : 2, 0, &je);
    for (i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].name, r->action) == 0)
            break;
    if (i == sizeof actions / sizeof actions[0])
        kin_fail(&c, "UnknownOperationException", "%.60s", r->action);
    else if (!json_is_object(c.in))
        kin_fail(&c, "SerializationException",
                 "Start of structure or map found where not "
                 "expected: %s",
                 je.text);
    else
        rc = actions[i].fn(&c);
reply:
    if (rc == 0 && c.raw.p != NULL && !c.raw.oom) {
        reply_set(&r->reply, 200, "application/x-amz-json-1.1", c.raw.p, c.raw.len);
        c.raw.p = NULL;
    } else if (rc == 0 && c.raw.p == NULL) {
        reply_json(&r->reply, 200, "application/x-amz-json-1.1", c.out);
    } else {
        if (rc == 0)
            kin_fail(&c, "InternalFailure", "out of memory");
        json_t *j = json_pack("{s:s,s:s}", "__type", c.err_type, "message", c.msg);
        reply_json(&r->reply, c.status, "application/x-amz-json-1.1", j);
        json_decref(j);
    }
    free(c.raw.p);
    json_decref(c.in);
    json_decref(c.out);
}
