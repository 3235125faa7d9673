/*
 * cmd_top.c: `eddy top`: the database watched live. Every interval it takes a snapshot
 * (common/live_stats.c) and redraws: per queue its counts and oldest age with messages in and
 * out per second, per stream records and bytes per second with each consumer's lag and lease
 * per shard, and the environment's size, free pages and readers. On a terminal the screen is
 * redrawn; otherwise each frame is printed after the last, so it can be logged.
 *
 * Rates are differences between two snapshots over the monotonic clock. The database keeps no
 * send counter, so "in/s" counts message ids issued since the last frame (ids only grow; a scan
 * after the last id seen reads only new messages) and "out/s" is in minus the growth of the
 * stored count (deletes, expiry and dead-letter moves). Nothing is held between frames
 * (decision 0017).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "db.h"
#include "interrupt.h"
#include "live_stats.h"
#include "options.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_top = {
    "top", "watch queues, streams and consumers live (redrawn every second)",
    "usage: eddy top [--interval DUR] [--frames N]\n"
    "\n"
    "Redraws every DUR (default 1s) until interrupted: the database's file size, free pages and\n"
    "readers; per queue its visible, in-flight and delayed messages, the age of the oldest,\n"
    "messages in and out per second and its dead-letter queue's arrivals per second; per\n"
    "stream its shards, records and bytes per second, and each consumer's lag per shard\n"
    "(records and time behind the newest record) with the lease owner. Not on a terminal,\n"
    "each frame is printed after the previous one. Rates show from the second frame.\n"
    "\n"
    "  --interval DUR   time between frames (100ms..1h)\n"
    "  --frames N       stop after N frames\n"
    "\n"
    "Example: eddy top --frames 2 --interval 100ms\n",
    run};

/* What a queue looked like at the previous frame. */
struct top_prev {
    char *name;
    uint64_t high_id;  /* highest message id seen */
    uint64_t messages; /* stored */
    uint64_t in;       /* ids issued since the previous frame */
    bool seen;         /* present at the previous frame */
};

struct top {
    struct cli *cli;
    eddy_env *env;
    struct top_prev *prev;
    size_t n_prev;
    struct cli_live last; /* the previous snapshot (streams' rates) */
    bool have_last;
};

static int count_msg(void *ctx, const eddy_queue_scan_message *m)
{
    (void)m;
    (*(uint64_t *)ctx)++;
    return 0;
}

static struct top_prev *prev_of(struct top *t, const char *name)
{
    size_t i;
    struct top_prev *p;
    for (i = 0; i < t->n_prev; i++)
        if (strcmp(t->prev[i].name, name) == 0)
            return &t->prev[i];
    p = realloc(t->prev, (t->n_prev + 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    t->prev = p;
    p = &t->prev[t->n_prev];
    memset(p, 0, sizeof *p);
    if ((p->name = strdup(name)) == NULL)
        return NULL;
    t->n_prev++;
    return p;
}

/* Messages issued to queue q since the previous frame (all of them at the first frame). */
static void queue_in(struct top *t, const struct cli_live_queue *q)
{
    struct top_prev *p = prev_of(t, q->name);
    uint64_t n = 0, high;
    if (p == NULL)
        return;
    high = p->high_id;
    if (eddy_queue_scan(t->env, q->name, p->high_id, 0, count_msg, &n, &high) != 0)
        n = 0;
    p->in = n;
    p->high_id = high;
}

static void print_rate(double v, double dt, bool bytes, bool valid)
{
    char buf[40];
    if (!valid) {
        printf(" %11s", "-");
        return;
    }
    cli_format_rate(dt > 0 ? v / dt : 0, bytes, buf, sizeof buf);
    printf(" %11s", buf);
}

static void draw_queues(struct top *t, const struct cli_live *s, double dt)
{
    size_t i;
    if (s->n_queues == 0)
        return;
    printf("\n%-24s %9s %9s %9s %10s %11s %11s %11s\n", "QUEUE", "VISIBLE", "INFLIGHT", "DELAYED",
           "OLDEST", "IN", "OUT", "DLQ-IN");
    for (i = 0; i < s->n_queues; i++) {
        const struct cli_live_queue *q = &s->queues[i];
        struct top_prev *p = prev_of(t, q->name), *d = NULL;
        char age[40];
        bool valid = p != NULL && p->seen && t->have_last;
        cli_format_duration(q->info.oldest_age_ms, age, sizeof age);
        printf("%-24s %9llu %9llu %9llu %10s", q->name, (unsigned long long)q->info.visible,
               (unsigned long long)q->info.in_flight, (unsigned long long)q->info.delayed, age);
        print_rate(valid ? (double)p->in : 0, dt, false, valid);
        /* out = in - growth of the stored count (never below 0: an import adds without ids) */
        print_rate(valid && p->in + p->messages > q->info.messages
                       ? (double)(p->in + p->messages - q->info.messages)
                       : 0,
                   dt, false, valid);
        if (q->info.dlq_name[0] != '\0' && cli_live_queue_find(s, q->info.dlq_name) != NULL)
            d = prev_of(t, q->info.dlq_name);
        print_rate(d != NULL ? (double)d->in : 0, dt, false, valid && d != NULL && d->seen);
        printf("\n");
    }
}

static void draw_streams(struct top *t, const struct cli_live *s, double dt)
{
    size_t i, j, k;
    if (s->n_streams == 0)
        return;
    printf("\n%-24s %9s %10s %10s %11s %11s\n", "STREAM", "SHARDS", "RECORDS", "BYTES", "RECORDS/S",
           "BYTES/S");
    for (i = 0; i < s->n_streams; i++) {
        const struct cli_live_stream *st = &s->streams[i];
        const struct cli_live_stream *old =
            t->have_last ? cli_live_stream_find(&t->last, st->name) : NULL;
        char shards[24], bytes[40];
        snprintf(shards, sizeof shards, "%u/%u", st->info.open_shards, st->info.shards);
        cli_format_size(st->info.bytes, bytes, sizeof bytes);
        printf("%-24s %9s %10llu %10s", st->name, shards, (unsigned long long)st->info.records,
               bytes);
        /* Net of trims: stored counts only (a trim in the interval lowers the rate). */
        print_rate(old != NULL && st->info.records > old->info.records
                       ? (double)(st->info.records - old->info.records)
                       : 0,
                   dt, false, old != NULL);
        print_rate(old != NULL && st->info.bytes > old->info.bytes
                       ? (double)(st->info.bytes - old->info.bytes)
                       : 0,
                   dt, true, old != NULL);
        printf("\n");
        for (j = 0; j < st->n_consumers; j++) {
            const struct cli_live_consumer *c = &st->consumers[j];
            for (k = 0; k < c->n; k++) {
                const struct cli_live_lag *l = &c->lag[k];
                char behind[40];
                cli_format_duration(l->ms, behind, sizeof behind);
                printf("  consumer %-14s shard %-5u behind %llu%s records, %s  lease %s\n", c->name,
                       l->shard_id, (unsigned long long)l->records, l->records_exact ? "" : "+",
                       behind, l->owner[0] != '\0' ? l->owner : "-");
            }
        }
    }
}

static void draw(struct top *t, const struct cli_live *s, bool tty, uint64_t interval_ms)
{
    char now[40], size[40], map[40];
    double dt = t->have_last ? (double)(s->mono_ms - t->last.mono_ms) / 1000.0 : 0;
    if (tty)
        fputs("\033[H\033[2J", stdout); /* home, clear screen */
    cli_format_time(s->now_ms, now, sizeof now);
    cli_format_size(s->env.file_size, size, sizeof size);
    cli_format_size(s->env.map_size, map, sizeof map);
    printf("eddy top  %s  %s  every %llums\n", t->cli->db_path, now,
           (unsigned long long)interval_ms);
    printf("file %s  map %s  pages %llu used, %llu free  readers %u/%u (%u holding a snapshot)\n",
           size, map, (unsigned long long)s->env.pages_used, (unsigned long long)s->env.pages_free,
           s->env.readers_used, s->env.readers_max, s->readers_active);
    draw_queues(t, s, dt);
    draw_streams(t, s, dt);
    if (!tty)
        printf("\n");
    fflush(stdout);
}

/* After a frame: remember each queue's stored count and who was present. */
static void remember(struct top *t, struct cli_live *s)
{
    size_t i;
    for (i = 0; i < t->n_prev; i++)
        t->prev[i].seen = false;
    for (i = 0; i < s->n_queues; i++) {
        struct top_prev *p = prev_of(t, s->queues[i].name);
        if (p != NULL) {
            p->messages = s->queues[i].info.messages;
            p->seen = true;
        }
    }
    cli_live_free(&t->last);
    t->last = *s;
    t->have_last = true;
    memset(s, 0, sizeof *s);
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"interval", required_argument, NULL, 'i'},
        {"frames", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0}};
    uint64_t interval_ms = 1000, frames = 0, frame;
    struct top t;
    struct cli_live snap;
    size_t i;
    int c, ex, rc = 0;
    bool tty = isatty(STDOUT_FILENO) != 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_top, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'i') {
            if (!cli_parse_duration_ms(optarg, &interval_ms) || interval_ms < 100 ||
                interval_ms > 3600000)
                return cli_usage(cli, "bad --interval '%s' (100ms..1h)", optarg);
        } else if (c == 'n') {
            if (!cli_parse_u64(optarg, UINT64_MAX, &frames) || frames == 0)
                return cli_usage(cli, "bad --frames '%s'", optarg);
        } else {
            return cli_usage(cli, "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    memset(&t, 0, sizeof t);
    t.cli = cli;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &t.env)) != 0)
        return ex;
    cli_interrupt_install();
    for (frame = 0; cli_interrupted == 0 && (frames == 0 || frame < frames); frame++) {
        if (frame != 0)
            cli_sleep_ms(interval_ms);
        if (cli_interrupted != 0 || (rc = cli_live_collect(cli, t.env, &snap)) != 0)
            break;
        for (i = 0; i < snap.n_queues; i++)
            queue_in(&t, &snap.queues[i]);
        draw(&t, &snap, tty, interval_ms);
        remember(&t, &snap);
    }
    cli_live_free(&t.last);
    for (i = 0; i < t.n_prev; i++)
        free(t.prev[i].name);
    free(t.prev);
    /* Interruption is how top normally ends: exit 0. */
    return cli_close(cli, t.env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
