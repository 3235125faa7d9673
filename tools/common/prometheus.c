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

/* A sample's name{k1="v1",k2="v2"...}; labels are NULL-ended name/value pairs. */
static void series(FILE *f, const char *name, const char *const *labels)
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
}

/* A count or size: printed exactly as an integer (a double would round above 2^53). */
static void sample(FILE *f, const char *name, const char *const *labels, uint64_t v)
{
    series(f, name, labels);
    fprintf(f, " %" PRIu64 "\n", v);
}

/* A duration kept in ms, printed in seconds (the format's unit) with its ms exact. */
static void sample_seconds(FILE *f, const char *name, const char *const *labels, uint64_t ms)
{
    char frac[8];
    size_t n;
    series(f, name, labels);
    snprintf(frac, sizeof frac, ".%03u", (unsigned)(ms % 1000));
    for (n = 4; n > 1 && frac[n - 1] == '0'; n--) /* 2.500 -> 2.5, 3.000 -> 3 */
        ;
    frac[n == 1 ? 0 : n] = '\0';
    fprintf(f, " %" PRIu64 "%s\n", ms / 1000, frac);
}

static void env_metrics(FILE *f, const struct cli_live *s)
{
    const eddy_env_stat *e = &s->env;
    family(f, "eddy_env_file_size_bytes", "Bytes of data.mdb on disk.");
    sample(f, "eddy_env_file_size_bytes", NULL, e->file_size);
    family(f, "eddy_env_map_size_bytes", "Current LMDB map size in bytes.");
    sample(f, "eddy_env_map_size_bytes", NULL, e->map_size);
    family(f, "eddy_env_pages_used", "Pages in use by the last commit.");
    sample(f, "eddy_env_pages_used", NULL, e->pages_used);
    family(f, "eddy_env_pages_free", "Pages on LMDB's free list, reusable.");
    sample(f, "eddy_env_pages_free", NULL, e->pages_free);
    /* Capacity apart from usage: sum(eddy_env_readers) must not add the two. */
    family(f, "eddy_env_readers_max", "Reader slots of LMDB's reader table (its capacity).");
    sample(f, "eddy_env_readers_max", NULL, e->readers_max);
    family(f, "eddy_env_readers", "Reader slots in use, by state (active: holding a snapshot).");
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
               (const char *const[]){"queue", q->name, "state", "visible", NULL}, q->info.visible);
        sample(f, "eddy_queue_messages",
               (const char *const[]){"queue", q->name, "state", "in_flight", NULL},
               q->info.in_flight);
        sample(f, "eddy_queue_messages",
               (const char *const[]){"queue", q->name, "state", "delayed", NULL}, q->info.delayed);
    }
    family(f, "eddy_queue_oldest_message_age_seconds",
           "Age of a queue's oldest message by enqueue time; 0 when empty.");
    for (i = 0; i < s->n_queues; i++)
        sample_seconds(f, "eddy_queue_oldest_message_age_seconds",
                       (const char *const[]){"queue", s->queues[i].name, NULL},
                       s->queues[i].info.oldest_age_ms);
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
                   (bytes ? sh->bytes : sh->records));
        }
}

enum lag_kind { LAG_RECORDS, LAG_EXACT, LAG_SECONDS };

/*
 * A per-consumer-and-shard lag family. The record count comes from one bounded read (live_stats.c:
 * at most CLI_LIVE_LAG_RECORDS_MAX records or 1 MiB), so a second family says whether it is
 * complete rather than letting a capped figure pass for the real lag.
 */
static void lag_family(FILE *f, const struct cli_live *s, enum lag_kind kind)
{
    static const char *const names[] = {"eddy_consumer_lag_records",
                                        "eddy_consumer_lag_records_exact",
                                        "eddy_consumer_lag_seconds"};
    static const char *const helps[] = {
        ("Records after a consumer's checkpoint in a shard, counted in one bounded read (at most "
         "10000 records or 1 MiB of data); see eddy_consumer_lag_records_exact."),
        "1 when eddy_consumer_lag_records is the whole lag, 0 when more records are behind.",
        "Age of the oldest record a consumer has not checkpointed in a shard."};
    char shard[16];
    size_t i, j, k;
    family(f, names[kind], helps[kind]);
    for (i = 0; i < s->n_streams; i++)
        for (j = 0; j < s->streams[i].n_consumers; j++)
            for (k = 0; k < s->streams[i].consumers[j].n; k++) {
                const struct cli_live_lag *l = &s->streams[i].consumers[j].lag[k];
                const char *const labels[] = {"stream",   s->streams[i].name,
                                              "consumer", s->streams[i].consumers[j].name,
                                              "shard",    shard,
                                              NULL};
                snprintf(shard, sizeof shard, "%u", l->shard_id);
                if (kind == LAG_SECONDS)
                    sample_seconds(f, names[kind], labels, l->ms);
                else
                    sample(f, names[kind], labels,
                           kind == LAG_RECORDS ? l->records : (uint64_t)l->records_exact);
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
    lag_family(f, s, LAG_RECORDS);
    lag_family(f, s, LAG_EXACT);
    lag_family(f, s, LAG_SECONDS);
}

int cli_prometheus_write(FILE *f, const struct cli_live *s)
{
    env_metrics(f, s);
    queue_metrics(f, s);
    stream_metrics(f, s);
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
