/*
 * live_stats.c: a snapshot of the figures the live views show, one short read each.
 */
#include <stdlib.h>
#include <string.h>

#include "arrays.h"
#include "clock.h"
#include "live_stats.h"
#include "names.h"
#include "stream_forms.h"

static int count_active(void *ctx, const eddy_reader *r)
{
    if (r->txn_id != 0)
        (*(uint32_t *)ctx)++;
    return 0;
}

/* Records after `cp` (or from the trim horizon without one), counted in one bounded read. */
static int lag_of(eddy_env *env, const char *stream, const eddy_checkpoint *cp, uint64_t now,
                  struct cli_live_lag *l)
{
    eddy_stream_iterator it;
    eddy_stream_read_options ro = EDDY_STREAM_READ_OPTIONS_INIT;
    eddy_stream_batch *b = NULL;
    int rc;
    l->records_exact = true;
    if (cp != NULL && cp->shard_end)
        return 0;
    rc = cp != NULL
             ? eddy_stream_get_iterator(env, stream, l->shard_id,
                                        EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER, cp->seq, 0, &it)
             : eddy_stream_get_iterator(env, stream, l->shard_id, EDDY_STREAM_ITER_TRIM_HORIZON,
                                        NULL, 0, &it);
    ro.max_records = CLI_LIVE_LAG_RECORDS_MAX;
    ro.max_bytes = 1u << 20;
    if (rc == 0)
        rc = eddy_stream_get_records(env, &it, &ro, &b);
    if (rc == 0) {
        size_t n = eddy_stream_batch_count(b);
        l->records = n;
        l->records_exact = eddy_stream_batch_info(b)->millis_behind_latest == 0;
        if (n != 0) {
            uint64_t a = eddy_stream_batch_record(b, 0)->arrival_ms;
            l->ms = now > a ? now - a : 0;
        }
    }
    eddy_stream_batch_free(b);
    return rc;
}

/* One consumer's checkpoints, leases and lag on every shard of st. */
static int collect_consumer(eddy_env *env, struct cli_live_stream *st, uint64_t now,
                            struct cli_live_consumer *c)
{
    eddy_checkpoint *cps;
    eddy_lease *ls;
    size_t ncp = 0, nl = 0, i, j;
    int rc = EDDY_ENOMEM;
    CLI_ARRAY_NEW(cps, EDDY_STREAM_SHARDS_MAX);
    CLI_ARRAY_NEW(ls, EDDY_STREAM_SHARDS_MAX);
    c->lag = calloc(st->n_shards + 1, sizeof *c->lag);
    if (cps == NULL || ls == NULL || c->lag == NULL)
        goto done;
    rc = eddy_checkpoint_list(env, st->name, c->name, cps, EDDY_STREAM_SHARDS_MAX, &ncp);
    if (rc == 0)
        rc = eddy_lease_list(env, st->name, c->name, ls, EDDY_STREAM_SHARDS_MAX, &nl);
    for (i = 0; i < st->n_shards && rc == 0; i++) {
        struct cli_live_lag *l = &c->lag[c->n++];
        const eddy_checkpoint *cp = NULL;
        l->shard_id = st->shards[i].shard_id;
        for (j = 0; j < ncp && cp == NULL; j++)
            if (cps[j].shard_id == l->shard_id)
                cp = &cps[j];
        for (j = 0; j < nl; j++) {
            if (ls[j].shard_id == l->shard_id && ls[j].held) {
                memcpy(l->owner, ls[j].owner, sizeof l->owner);
                l->lease_counter = ls[j].counter;
            }
        }
        l->checkpointed = cp != NULL;
        rc = lag_of(env, st->name, cp, now, l);
        if (rc == EDDY_ENOTFOUND || rc == EDDY_EINVAL)
            rc = 0; /* the shard expired since the listing, or the checkpoint's shard did */
    }
done:
    free(cps);
    free(ls);
    return rc;
}

static int collect_stream(eddy_env *env, uint64_t now, struct cli_live_stream *st)
{
    struct cli_name_list consumers = {NULL, 0, 0};
    size_t i;
    int rc = eddy_stream_get_attributes(env, st->name, &st->info);
    if (rc == 0)
        rc = cli_stream_shards(env, st->name, &st->shards, &st->n_shards);
    if (rc == 0)
        rc = eddy_consumer_list(env, st->name, cli_name_collect, &consumers);
    st->consumers = calloc(consumers.n + 1, sizeof *st->consumers);
    if (rc == 0 && st->consumers == NULL)
        rc = EDDY_ENOMEM;
    for (i = 0; i < consumers.n; i++) {
        if (st->consumers != NULL && rc == 0) {
            struct cli_live_consumer *c = &st->consumers[st->n_consumers++];
            c->name = consumers.names[i];
            rc = collect_consumer(env, st, now, c);
        } else {
            free(consumers.names[i]);
        }
    }
    free(consumers.names);
    return rc;
}

static void stream_free(struct cli_live_stream *st)
{
    size_t j;
    for (j = 0; j < st->n_consumers; j++) {
        free(st->consumers[j].name);
        free(st->consumers[j].lag);
    }
    free(st->consumers);
    free(st->shards);
    free(st->name);
}

int cli_live_collect(struct cli *cli, eddy_env *env, struct cli_live *out)
{
    char **names = NULL;
    size_t n = 0, i;
    int rc;
    memset(out, 0, sizeof *out);
    out->now_ms = cli_now_ms(cli);
    out->mono_ms = cli_mono_ms();
    out->env = (eddy_env_stat)EDDY_ENV_STAT_INIT;
    if ((rc = eddy_env_stat_get(env, &out->env)) != 0 ||
        (rc = eddy_env_readers(env, count_active, &out->readers_active)) != 0) {
        cli_fail(cli, rc, "cannot read the database's figures");
        return rc;
    }
    if ((rc = cli_queue_names(env, &names, &n)) == 0) {
        out->queues = calloc(n + 1, sizeof *out->queues);
        rc = out->queues == NULL ? EDDY_ENOMEM : 0;
        for (i = 0; i < n; i++) {
            struct cli_live_queue *q = out->queues != NULL ? &out->queues[out->n_queues] : NULL;
            int qrc = EDDY_ENOMEM;
            if (q != NULL) {
                q->info = (eddy_queue_info)EDDY_QUEUE_INFO_INIT;
                qrc = eddy_queue_get_attributes(env, names[i], &q->info);
            }
            if (qrc == 0) {
                q->name = names[i];
                out->n_queues++;
            } else {
                if (qrc != EDDY_ENOTFOUND && rc == 0) /* deleted meanwhile: left out */
                    rc = qrc;
                free(names[i]);
            }
        }
        free(names);
    }
    if (rc == 0 && (rc = cli_stream_names(env, &names, &n)) == 0) {
        out->streams = calloc(n + 1, sizeof *out->streams);
        rc = out->streams == NULL ? EDDY_ENOMEM : 0;
        for (i = 0; i < n; i++) {
            struct cli_live_stream *st =
                out->streams != NULL && rc == 0 ? &out->streams[out->n_streams] : NULL;
            int src;
            if (st == NULL) {
                free(names[i]);
                continue;
            }
            memset(st, 0, sizeof *st);
            st->name = names[i];
            st->info = (eddy_stream_info)EDDY_STREAM_INFO_INIT;
            out->n_streams++;
            if ((src = collect_stream(env, out->now_ms, st)) == EDDY_ENOTFOUND) {
                out->n_streams--; /* deleted meanwhile: left out */
                stream_free(st);
            } else {
                rc = src;
            }
        }
        free(names);
    }
    if (rc != 0) {
        cli_fail(cli, rc, "cannot read the queues' and streams' figures");
        cli_live_free(out);
    }
    return rc;
}

void cli_live_free(struct cli_live *s)
{
    size_t i;
    for (i = 0; i < s->n_queues; i++)
        free(s->queues[i].name);
    free(s->queues);
    for (i = 0; i < s->n_streams; i++)
        stream_free(&s->streams[i]);
    free(s->streams);
    memset(s, 0, sizeof *s);
}

const struct cli_live_queue *cli_live_queue_find(const struct cli_live *s, const char *name)
{
    size_t i;
    for (i = 0; i < s->n_queues; i++)
        if (strcmp(s->queues[i].name, name) == 0)
            return &s->queues[i];
    return NULL;
}

const struct cli_live_stream *cli_live_stream_find(const struct cli_live *s, const char *name)
{
    size_t i;
    for (i = 0; i < s->n_streams; i++)
        if (strcmp(s->streams[i].name, name) == 0)
            return &s->streams[i];
    return NULL;
}
