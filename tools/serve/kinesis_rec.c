/*
 * kinesis_rec.c: Kinesis records: PutRecord, PutRecords (partial failures per entry), and reading
 * through iterators: GetShardIterator (all five types) and GetRecords (MillisBehindLatest,
 * ChildShards at a closed shard's end). A ShardIterator is Eddy's checked token followed by
 * "." and the stream name, so GetRecords can name the stream and the children of a closed
 * shard.
 */
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis.h"

#define KIN_PUT_MAX       500
#define KIN_PUT_BYTES_MAX (5u * 1024u * 1024u) /* a PutRecords request's data + keys */

/* One record from JSON: Data (base64, owned by *data), PartitionKey, ExplicitHashKey. */
static int record_in(struct kin_ctx *c, json_t *j, eddy_stream_put_entry *e, unsigned char **data)
{
    const char *d = json_string_value(json_object_get(j, "Data"));
    const char *pk = json_string_value(json_object_get(j, "PartitionKey"));
    const char *ehk = json_string_value(json_object_get(j, "ExplicitHashKey"));
    size_t n = 0;

    *data = NULL;
    if (d == NULL)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value null at "
                        "'data' failed to satisfy constraint: Member "
                        "must not be null");
    if (pk == NULL || pk[0] == '\0' || strlen(pk) > EDDY_STREAM_PK_MAX)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value at 'partitionKey' failed to satisfy "
                        "constraint: Member must have length between 1 and 256");
    if (!b64_decode(d, strlen(d), data, &n))
        return kin_fail(c, "SerializationException", "Data is not valid base64.");
    e->data.data = *data;
    e->data.len = n;
    e->partition_key.data = pk;
    e->partition_key.len = strlen(pk);
    e->explicit_hash_key = ehk;
    return 0;
}

int kin_put_record(struct kin_ctx *c)
{
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result res = EDDY_STREAM_PUT_RESULT_INIT;
    unsigned char *data = NULL;
    char sid[24];
    int rc;

    if (kin_stream(c) != 0 || record_in(c, c->in, &e, &data) != 0) {
        free(data);
        return -1;
    }
    e.seq_for_ordering = json_string_value(json_object_get(c->in, "SequenceNumberForOrdering"));
    rc = eddy_stream_put(c->s->env, c->stream, &e, &res);
    free(data);
    if (rc != 0)
        return kin_fail_rc(c, rc);
    kin_shard_name(res.shard_id, sid);
    json_object_set_new(c->out, "ShardId", json_string(sid));
    json_object_set_new(c->out, "SequenceNumber", json_string(res.seq));
    json_object_set_new(c->out, "EncryptionType", json_string("NONE"));
    return 0;
}

/* The part both parsers share: the request size rule, the put, and the reply (written
 * directly: 500 entries through a jansson tree cost more than the commit). */
static int put_run(struct kin_ctx *c, const eddy_stream_put_entry *e, size_t n)
{
    eddy_stream_put_result *res = calloc(n, sizeof *res);
    size_t i, failed = 0, total = 0;
    int rc;

    if (res == NULL)
        return kin_fail(c, "InternalFailure", "out of memory");
    for (i = 0; i < n; i++) {
        res[i] = (eddy_stream_put_result)EDDY_STREAM_PUT_RESULT_INIT;
        total += e[i].data.len + e[i].partition_key.len;
    }
    if (total > KIN_PUT_BYTES_MAX) {
        free(res);
        return kin_fail(c, "InvalidArgumentException",
                        "Records size exceeds %u bytes (the PutRecords request limit).",
                        KIN_PUT_BYTES_MAX);
    }
    if ((rc = eddy_stream_put_batch(c->s->env, c->stream, e, n, res, &failed)) != 0) {
        free(res);
        return kin_fail_rc(c, rc);
    }
    buf_reserve(&c->raw, n * 80 + 128);
    buf_printf(&c->raw, "{\"FailedRecordCount\":%zu,\"EncryptionType\":\"NONE\",\"Records\":[",
               failed);
    for (i = 0; i < n; i++) {
        if (res[i].rc != 0)
            buf_printf(&c->raw, "%s{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"%s\"}",
                       i > 0 ? "," : "", eddy_strerror(res[i].rc));
        else
            buf_printf(&c->raw, "%s{\"SequenceNumber\":\"%s\",\"ShardId\":\"shardId-%012u\"}",
                       i > 0 ? "," : "", res[i].seq, res[i].shard_id);
    }
    buf_puts(&c->raw, "]}");
    free(res);
    return 0;
}

int kin_put_records(struct kin_ctx *c)
{
    json_t *recs = json_object_get(c->in, "Records");
    eddy_stream_put_entry *e = NULL;
    unsigned char **data = NULL;
    size_t n = json_array_size(recs), i;
    int rc = -1;

    if (kin_stream(c) != 0)
        return -1;
    if (!json_is_array(recs) || n == 0 || n > KIN_PUT_MAX)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value at 'records' failed to satisfy "
                        "constraint: Member must have length between 1 and 500");
    e = calloc(n, sizeof *e);
    data = calloc(n, sizeof *data);
    if (e == NULL || data == NULL) {
        kin_fail(c, "InternalFailure", "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        e[i] = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
        if (record_in(c, json_array_get(recs, i), &e[i], &data[i]) != 0)
            goto out;
    }
    rc = put_run(c, e, n);
out:
    for (i = 0; data != NULL && i < n; i++)
        free(data[i]);
    free(data);
    free(e);
    return rc;
}

int kin_put_records_fast(struct kin_ctx *c, const struct kin_fast_put *fp)
{
    eddy_stream_put_entry *e;
    unsigned char *arena, *at;
    size_t i, cap = 0;
    int rc;

    /* What the ordinary path would refuse, it refuses with its own words: decline. */
    if (fp->n == 0 || strspn(fp->stream, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_.-") != strlen(fp->stream))
        return 1;
    for (i = 0; i < fp->n; i++) {
        if (fp->rec[i].pk_len == 0 || fp->rec[i].pk_len > EDDY_STREAM_PK_MAX)
            return 1;
        cap += BASE64_DECODE_LENGTH(fp->rec[i].data_len);
    }
    e = calloc(fp->n, sizeof *e);
    arena = malloc(cap + 1);
    if (e == NULL || arena == NULL) {
        free(e);
        free(arena);
        return kin_fail(c, "InternalFailure", "out of memory");
    }
    at = arena;
    for (i = 0; i < fp->n; i++) {
        struct base64_decode_ctx bc;
        size_t got = BASE64_DECODE_LENGTH(fp->rec[i].data_len);
        base64_decode_init(&bc);
        if (!base64_decode_update(&bc, &got, at, fp->rec[i].data_len, fp->rec[i].data) ||
            !base64_decode_final(&bc)) {
            free(e);
            free(arena);
            return 1; /* the ordinary path reports bad base64 */
        }
        e[i] = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
        e[i].data.data = at;
        e[i].data.len = got;
        e[i].partition_key.data = fp->rec[i].pk;
        e[i].partition_key.len = fp->rec[i].pk_len;
        at += got;
    }
    snprintf(c->stream, sizeof c->stream, "%s", fp->stream);
    rc = put_run(c, e, fp->n);
    free(e);
    free(arena);
    return rc;
}

static const char *const iter_types[] = {
    NULL, "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"};

int kin_get_shard_iterator(struct kin_ctx *c)
{
    const char *type = json_string_value(json_object_get(c->in, "ShardIteratorType"));
    const char *seq = json_string_value(json_object_get(c->in, "StartingSequenceNumber"));
    json_t *ts = json_object_get(c->in, "Timestamp");
    eddy_stream_iterator it;
    uint64_t ts_ms = 0;
    uint32_t shard;
    char out[EDDY_STREAM_ITER_LEN + EDDY_STREAM_NAME_MAX + 2];
    int t, rc;

    if (kin_stream(c) != 0 || kin_shard(c, "ShardId", &shard) != 0)
        return -1;
    for (t = 1; t <= 5; t++)
        if (type != NULL && strcmp(type, iter_types[t]) == 0)
            break;
    if (t > 5)
        return kin_fail(c, "ValidationException",
                        "1 validation error detected: Value '%.60s' at 'shardIteratorType' "
                        "failed to satisfy constraint: Member must satisfy enum value set: "
                        "[AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, "
                        "AT_TIMESTAMP]",
                        type != NULL ? type : "null");
    if ((t == 3 || t == 4) && seq == NULL)
        return kin_fail(c, "InvalidArgumentException",
                        "Must specify StartingSequenceNumber for %s.", iter_types[t]);
    if (t == 5) {
        if (!json_is_number(ts))
            return kin_fail(c, "InvalidArgumentException",
                            "Must specify timestampInMillis parameter for iterator of type "
                            "AT_TIMESTAMP.");
        /* Range-check before the conversion: a negative, NaN or huge double is UB as
         * uint64_t. Up to 2^53 ms keeps every millisecond exact. */
        if (!(json_number_value(ts) >= 0.0 && json_number_value(ts) * 1000.0 < 9007199254740992.0))
            return kin_fail(c, "InvalidArgumentException",
                            "The timestampInMillis parameter is out of range.");
        ts_ms = (uint64_t)(json_number_value(ts) * 1000.0 + 0.5);
    }
    rc = eddy_stream_get_iterator(c->s->env, c->stream, shard, t, seq, ts_ms, &it);
    if (rc == EDDY_ENOTFOUND) {
        eddy_stream_info info = EDDY_STREAM_INFO_INIT;
        char sid[24];
        if (eddy_stream_get_attributes(c->s->env, c->stream, &info) != 0)
            return kin_fail_rc(c, rc);
        kin_shard_name(shard, sid);
        return kin_fail(c, "ResourceNotFoundException",
                        "Shard %s in stream %s under account %s does not exist", sid, c->stream,
                        c->s->account);
    }
    if (rc != 0)
        return kin_fail_rc(c, rc);
    snprintf(out, sizeof out, "%s.%s", it.token, c->stream);
    json_object_set_new(c->out, "ShardIterator", json_string(out));
    return 0;
}

/* ChildShards of a closed shard read to its end. */
static json_t *children(struct kin_ctx *c, const uint32_t ids[2])
{
    eddy_stream_shard *sh;
    json_t *list = json_array();
    size_t n, i, k;
    if (kin_shards(c, &sh, &n) != 0) {
        c->err_type = NULL;
        return list;
    }
    for (k = 0; k < 2; k++) {
        for (i = 0; ids[k] != EDDY_STREAM_NO_SHARD && i < n; i++) {
            json_t *parents;
            char id[24];
            if (sh[i].shard_id != ids[k])
                continue;
            parents = json_array();
            kin_shard_name(sh[i].parent_id, id);
            json_array_append_new(parents, json_string(id));
            if (sh[i].adjacent_parent_id != EDDY_STREAM_NO_SHARD) {
                kin_shard_name(sh[i].adjacent_parent_id, id);
                json_array_append_new(parents, json_string(id));
            }
            kin_shard_name(sh[i].shard_id, id);
            json_array_append_new(list, json_pack("{s:s,s:o,s:{s:s,s:s}}", "ShardId", id,
                                                  "ParentShards", parents, "HashKeyRange",
                                                  "StartingHashKey", sh[i].starting_hash_key,
                                                  "EndingHashKey", sh[i].ending_hash_key));
        }
    }
    free(sh);
    return list;
}

int kin_get_records(struct kin_ctx *c)
{
    const char *tok = json_string_value(json_object_get(c->in, "ShardIterator"));
    eddy_stream_read_options ro = EDDY_STREAM_READ_OPTIONS_INIT;
    eddy_stream_batch *b = NULL;
    const eddy_stream_read_info *info;
    eddy_stream_iterator it;
    int64_t limit = 10000;
    size_t i, n;
    int rc;

    if (tok == NULL)
        return kin_fail(c, "ValidationException", "ShardIterator must not be null");
    if (strlen(tok) <= EDDY_STREAM_ITER_LEN + 1 || tok[EDDY_STREAM_ITER_LEN] != '.' ||
        strlen(tok + EDDY_STREAM_ITER_LEN + 1) > EDDY_STREAM_NAME_MAX)
        return kin_fail(c, "InvalidArgumentException", "Invalid ShardIterator.");
    memcpy(it.token, tok, EDDY_STREAM_ITER_LEN);
    it.token[EDDY_STREAM_ITER_LEN] = '\0';
    snprintf(c->stream, sizeof c->stream, "%s", tok + EDDY_STREAM_ITER_LEN + 1);
    if (kin_int(c, "Limit", 1, 10000, &limit) < 0)
        return -1;
    ro.max_records = (uint32_t)limit;
    rc = eddy_stream_get_records(c->s->env, &it, &ro, &b);
    if (rc == EDDY_EEXPIRED)
        return kin_fail(c, "ExpiredIteratorException", "Iterator expired. %s", eddy_last_error());
    if (rc == EDDY_EINVAL)
        return kin_fail(c, "InvalidArgumentException", "Invalid ShardIterator.");
    if (rc != 0)
        return kin_fail_rc(c, rc);
    n = eddy_stream_batch_count(b);
    info = eddy_stream_batch_info(b);
    /* Written directly (up to 10000 records): see jsonw.c. Room for all of it first, and no
     * printf per record: records of one put share their arrival time's text. */
    {
        size_t need = 256;
        char ts[32] = "";
        uint64_t ts_ms = UINT64_MAX;
        size_t ts_len = 0;
        for (i = 0; i < n; i++) {
            const eddy_stream_record *r = eddy_stream_batch_record(b, i);
            need += 128 + (r->data.len + 2) / 3 * 4 + r->partition_key.len * 6;
        }
        buf_reserve(&c->raw, need);
        buf_puts(&c->raw, "{\"Records\":[");
        for (i = 0; i < n; i++) {
            const eddy_stream_record *r = eddy_stream_batch_record(b, i);
            if (r->arrival_ms != ts_ms) {
                ts_ms = r->arrival_ms;
                ts_len =
                    (size_t)snprintf(ts, sizeof ts, "%llu.%03u", (unsigned long long)(ts_ms / 1000),
                                     (unsigned)(ts_ms % 1000));
            }
            if (i > 0)
                buf_put(&c->raw, ",", 1);
            buf_puts(&c->raw, "{\"SequenceNumber\":\"");
            buf_put(&c->raw, r->seq, strlen(r->seq));
            buf_puts(&c->raw, "\",\"ApproximateArrivalTimestamp\":");
            buf_put(&c->raw, ts, ts_len);
            buf_puts(&c->raw, ",\"Data\":\"");
            buf_b64(&c->raw, r->data.data, r->data.len);
            buf_puts(&c->raw, "\",\"PartitionKey\":");
            buf_json_str(&c->raw, r->partition_key.data, r->partition_key.len);
            buf_put(&c->raw, "}", 1);
        }
    }
    buf_printf(&c->raw, "],\"MillisBehindLatest\":%llu",
               (unsigned long long)info->millis_behind_latest);
    if (info->shard_end) {
        json_t *kids = children(c, info->child_ids);
        char *k = json_dumps(kids, JSON_COMPACT);
        buf_printf(&c->raw, ",\"ChildShards\":");
        buf_puts(&c->raw, k != NULL ? k : "[]");
        free(k);
        json_decref(kids);
    } else {
        buf_printf(&c->raw, ",\"NextShardIterator\":\"%s.%s\"", info->next.token, c->stream);
    }
    buf_puts(&c->raw, "}");
    eddy_stream_batch_free(b);
    return 0;
}
