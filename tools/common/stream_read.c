/*
 * stream_read.c: reading a stream's records shard by shard up to now, for stream get, dump
 * and export. Reads go through iterators (plain tokens): each get_records call is one short
 * read, so a long read never holds a snapshot.
 */
#include <stdlib.h>

#include "args.h"
#include "stream_forms.h"
#include "stream_read.h"

/* Read one shard from the iterator's position up to now. */
static int read_shard(struct cli *cli, eddy_env *env, const struct cli_stream_read *rd,
                      uint32_t shard, cli_record_fn fn, void *ctx, uint64_t *n_out)
{
    eddy_stream_iterator it;
    eddy_stream_read_options ro = EDDY_STREAM_READ_OPTIONS_INIT;
    int rc = eddy_stream_get_iterator(env, rd->stream, shard, rd->type, rd->seq, rd->at_ms, &it);
    if (rc != 0) {
        cli_fail(cli, rc, "stream '%s' shard %u: no iterator", rd->stream, shard);
        return rc;
    }
    ro = (eddy_stream_read_options)EDDY_STREAM_READ_OPTIONS_INIT;
    for (;;) {
        eddy_stream_batch *b = NULL;
        const eddy_stream_read_info *info;
        size_t n, i;
        bool more;
        if (rd->limit != 0) {
            uint64_t left = rd->limit - *n_out;
            if (left == 0)
                return 0;
            ro.max_records = (uint32_t)(left < 10000 ? left : 10000);
        }
        if ((rc = eddy_stream_get_records(env, &it, &ro, &b)) != 0) {
            cli_fail(cli, rc, "reading stream '%s' shard %u", rd->stream, shard);
            return rc;
        }
        n = eddy_stream_batch_count(b);
        info = eddy_stream_batch_info(b);
        for (i = 0; i < n && rc == 0; i++) {
            if (fn(ctx, rd->stream, eddy_stream_batch_record(b, i)) != 0)
                rc = EDDY_EUSER;
            (*n_out)++;
        }
        more = n != 0 && !info->shard_end && info->next.token[0] != '\0';
        it = info->next;
        eddy_stream_batch_free(b);
        if (rc != 0 || !more)
            return rc;
    }
}

int cli_stream_read(struct cli *cli, eddy_env *env, const struct cli_stream_read *rd,
                    cli_record_fn fn, void *ctx, uint64_t *n_out)
{
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    int rc;
    *n_out = 0;
    if (rd->shard_id != EDDY_STREAM_NO_SHARD)
        return read_shard(cli, env, rd, rd->shard_id, fn, ctx, n_out);
    if ((rc = cli_stream_shards(env, rd->stream, &shards, &n)) != 0) {
        cli_fail(cli, rc, "cannot list the shards of stream '%s'", rd->stream);
        return rc;
    }
    for (i = 0; i < n && rc == 0; i++) {
        rc = read_shard(cli, env, rd, shards[i].shard_id, fn, ctx, n_out);
        if (rc == EDDY_ENOTFOUND)
            rc = 0; /* the shard expired since the listing */
    }
    free(shards);
    return rc;
}

int cli_stream_read_option(struct cli *cli, int c, const char *arg, struct cli_stream_read *rd)
{
    uint64_t v;
    switch (c) {
    case CLI_OPT_SHARD:
        if (!cli_parse_u64(arg, UINT32_MAX - 1, &v))
            return cli_usage(cli, "bad --shard '%s'", arg);
        rd->shard_id = (uint32_t)v;
        return 0;
    case CLI_OPT_FROM:
    case CLI_OPT_AFTER:
        rd->type = c == CLI_OPT_FROM ? EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER
                                     : EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER;
        rd->seq = arg;
        return 0;
    case CLI_OPT_AT:
        if (!cli_parse_time_ms(arg, &rd->at_ms))
            return cli_usage(cli, "bad --at time '%s' (RFC 3339)", arg);
        rd->type = EDDY_STREAM_ITER_AT_TIMESTAMP;
        return 0;
    case CLI_OPT_LATEST:
        rd->type = EDDY_STREAM_ITER_LATEST;
        return 0;
    case CLI_OPT_LIMIT:
        if (!cli_parse_u64(arg, UINT64_MAX, &rd->limit) || rd->limit == 0)
            return cli_usage(cli, "bad --limit '%s'", arg);
        return 0;
    default:
        return -1;
    }
}
