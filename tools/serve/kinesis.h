/*
 * kinesis.h: what the Kinesis files share: the action context, Kinesis's error types, and
 * parameter helpers (stream by name or ARN, shard ids "shardId-000000000001").
 */
#ifndef EDDY_SERVE_KINESIS_H
#define EDDY_SERVE_KINESIS_H

#include "serve.h"

struct kin_ctx {
    struct req *r;
    struct srv *s;
    json_t *in;
    json_t *out;
    struct buf raw; /* a reply written directly (GetRecords, PutRecords): used when raw.p set */
    const char *err_type;
    unsigned status;
    char msg[512];
    char stream[EDDY_STREAM_NAME_MAX + 1];
};

/* Record an error of `type` (HTTP 400, InternalFailure 500); returns -1. */
int kin_fail(struct kin_ctx *c, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map an eddy_ code (ENOTFOUND: no such stream); returns -1. */
int kin_fail_rc(struct kin_ctx *c, int rc);
/* StreamName or StreamARN into c->stream; -1 when missing or malformed. */
int kin_stream(struct kin_ctx *c);
/* A shard id parameter ("shardId-000000000001" or "1"); -1 when missing or malformed. */
int kin_shard(struct kin_ctx *c, const char *key, uint32_t *out);
/* Optional integer in [lo, hi]: 0 set, 1 absent, -1 bad. */
int kin_int(struct kin_ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *out);
void kin_shard_name(uint32_t id, char out[24]);
void kin_stream_arn(struct srv *s, const char *name, char *out, size_t cap);
/* Epoch seconds (with milliseconds) as Kinesis writes timestamps. */
json_t *kin_time(uint64_t ms);
/* The shards of c->stream into a malloc'ed array (*n_out entries); -1 on error. */
int kin_shards(struct kin_ctx *c, eddy_stream_shard **out, size_t *n_out);
/* A shard as Kinesis describes it. */
json_t *kin_shard_json(const eddy_stream_shard *sh);

int kin_put_record(struct kin_ctx *c);
int kin_put_records(struct kin_ctx *c);
/* PutRecords from the fast scanner's slices: 0, -1 (error recorded), or 1 when it declines
 * (the caller then takes the ordinary path, which reports the error). */
int kin_put_records_fast(struct kin_ctx *c, const struct kin_fast_put *fp);
int kin_get_shard_iterator(struct kin_ctx *c);
int kin_get_records(struct kin_ctx *c);

#endif
