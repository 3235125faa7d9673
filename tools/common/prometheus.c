/*
 * prometheus.c: the Prometheus text exposition format of a live snapshot. Gauges only: the
 * database keeps no cumulative counters, and rates are what `eddy top` derives between two
 * snapshots (decision 0017).
 */
#include <inttypes.h>

#include "prometheus.h"

/* A label value with \, " and newline escaped, as the format asks. */
static void label_value(FILE *f, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(f, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void family(FILE *f, const char *name, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample: name{k1="v1",k2="v2"...} value; labels are NULL-ended name/value pairs. */
static void sample(FILE *f, const char *name, const char *const *labels, double v)
{
    size_t i;
    fputs(name, f);
    if (labels != NULL && labels[0] != NULL) {
        fputc('{', f);
        for (i = 0; labels[i] != NULL; i += 2) {
            fprintf(f, "%s%s=\"", i == 0 ? "" : ",", labels[i]);
            label_value(f, labels[i + 1]);
            fputc('"', f);
        }
        fputc('}', f);
    }
    fprintf(f, " %.15g\n", v);
}

static void env_metrics(FILE *f, const struct cli_live *s)
{
    const eddy_env_stat *e = &s->env;
    family(f, "eddy_env_file_size_bytes", "Bytes of data.mdb on disk.");
    sample(f, "eddy_env_file_size_bytes", NULL, (double)e->file_size);
    family(f, "eddy_env_map_size_bytes", "Current LMDB map size in bytes.");
    sample(f, "eddy_env_map_size_bytes", NULL, (double)e->map_size);
    family(f, "eddy_env_pages_used", "Pages in use by the last commit.");
    sample(f, "eddy_env_pages_used", NULL, (double)e->pages_used);
    family(f, "eddy_env_pages_free", "Pages on LMDB's free list, reusable.");
    sample(f, "eddy_env_pages_free", NULL, (double)e->pages_free);
    family(f, "eddy_env_readers", "Reader slots of LMDB's reader table, by state.");
    sample(f, "eddy_env_readers", (const char *const[]){"state", "max", NULL}, e->readers_max);
    sample(f, "eddy_env_readers", (const char *const[]){"state", "used", NULL}, e->readers_used);
    sample(f, "eddy_env_readers", (const char *const[]){"state", "active", NULL},
           s->readers_active);
}

static void queue_metrics(FILE *f, const struct cli_live *s)
{
    size_t i;
    if (s->n_queues == 0)
        return;
    family(f, "eddy_queue_messages", "Messages stored in a queue, by state.");
    for (i = 0; i < s->n_queues; i++) {
        const struct cli_live_queue *q = &s->queues[i];
        sample(f, "eddy_queue_messages",
               (const char *const[]){"queue", q->name, "state", "visible", NULL},
               (double)q->info.visible);
        sample(f, "eddy_queue_messages",
               (const char *const[]){"queue", q->name, "state", "in_flight", NULL},
               (double)q->info.in_flight);
        sample(f, "eddy_queue_messages",
               (const char *const[]){"queue", q->name, "state", "delayed", NULL},
               (double)q->info.delayed);
    }
    family(f, "eddy_queue_oldest_message_age_seconds",
           "Age of a queue's oldest message by enqueue time; 0 when empty.");
    for (i = 0; i < s->n_queues; i++)
        sample(f, "eddy_queue_oldest_message_age_seconds",
               (const char *const[]){"queue", s->queues[i].name, NULL},
               (double)s->queues[i].info.oldest_age_ms / 1000.0);
}

/* A per-shard family: records (bytes false) or bytes stored. */
static void shard_family(FILE *f, const struct cli_live *s, bool bytes)
{
    const char *name = bytes ? "eddy_shard_bytes" : "eddy_shard_records";
    char shard[16];
    size_t i, j;
    family(f, name,
           bytes ? "Data bytes (uncompressed) stored in a shard." : "Records stored in a shard.");
    for (i = 0; i < s->n_streams; i++)
        for (j = 0; j < s->streams[i].n_shards; j++) {
            const eddy_stream_shard *sh = &s->streams[i].shards[j];
            snprintf(shard, sizeof shard, "%u", sh->shard_id);
            sample(f, name,
                   (const char *const[]){"stream", s->streams[i].name, "shard", shard, NULL},
                   (double)(bytes ? sh->bytes : sh->records));
        }
}

/* A per-consumer-and-shard lag family: in records (seconds false) or in seconds. */
static void lag_family(FILE *f, const struct cli_live *s, bool seconds)
{
    const char *name = seconds ? "eddy_consumer_lag_seconds" : "eddy_consumer_lag_records";
    char shard[16];
    size_t i, j, k;
    family(f, name,
           seconds ? "Age of the oldest record a consumer has not checkpointed in a shard."
                   : "Records after a consumer's checkpoint in a shard (counted up to 10000).");
    for (i = 0; i < s->n_streams; i++)
        for (j = 0; j < s->streams[i].n_consumers; j++)
            for (k = 0; k < s->streams[i].consumers[j].n; k++) {
                const struct cli_live_lag *l = &s->streams[i].consumers[j].lag[k];
                snprintf(shard, sizeof shard, "%u", l->shard_id);
                sample(f, name,
                       (const char *const[]){"stream", s->streams[i].name, "consumer",
                                             s->streams[i].consumers[j].name, "shard", shard, NULL},
                       seconds ? (double)l->ms / 1000.0 : (double)l->records);
            }
}

static void stream_metrics(FILE *f, const struct cli_live *s)
{
    size_t i;
    if (s->n_streams == 0)
        return;
    family(f, "eddy_stream_shards", "Shards of a stream, by state.");
    for (i = 0; i < s->n_streams; i++) {
        const struct cli_live_stream *st = &s->streams[i];
        sample(f, "eddy_stream_shards",
               (const char *const[]){"stream", st->name, "state", "open", NULL},
               st->info.open_shards);
        sample(f, "eddy_stream_shards",
               (const char *const[]){"stream", st->name, "state", "closed", NULL},
               st->info.shards - st->info.open_shards);
    }
    shard_family(f, s, false);
    shard_family(f, s, true);
    lag_family(f, s, false);
    lag_family(f, s, true);
}

int cli_prometheus_write(FILE *f, const struct cli_live *s)
{
    env_metrics(f, s);
    queue_metrics(f, s);
    stream_metrics(f, s);
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
