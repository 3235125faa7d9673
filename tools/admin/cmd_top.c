/*
 * cmd_top.c: `eddy top`: the database watched live. Every interval it takes a snapshot
 * (common/live_stats.c) and redraws: per queue its counts and oldest age with messages in and
 * out per second, per stream records and bytes per second with each consumer's lag and lease
 * per shard, and the environment's size, free pages and readers. On a terminal the screen is
 * redrawn; otherwise each frame is printed after the last, so it can be logged.
 *
 * Rates are differences between two snapshots over the monotonic clock. "in/s" is the growth
 * of the queue's next_msg_id (every message stored gets the next id, however fast it is then
 * consumed) and "out/s" is in minus the growth of the stored count (deletes, expiry and
 * dead-letter moves). A queue re-created between frames (a new id) shows no rate for that
 * frame. Nothing is held between frames (decision 0017).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
    uint64_t id;          /* eddy_queue_info.id: a re-created queue is another queue */
    uint64_t next_msg_id; /* the id its next message would get */
    uint64_t messages;    /* stored */
};

struct top {
    struct cli *cli;
    eddy_env *env;
    struct top_prev *prev; /* the previous frame's queues, sorted by name */
    size_t n_prev;
    struct cli_live last; /* the previous snapshot (streams' rates) */
    bool have_last;
    /* On a terminal, body rows the frame still has room for (the header stays on screen). */
    bool fit;
    size_t rows_left, hidden;
};

/* Room for one more body row? Counts the rows left out when not. */
static bool row(struct top *t)
{
    if (!t->fit)
        return true;
    if (t->rows_left == 0) {
        t->hidden++;
        return false;
    }
    t->rows_left--;
    return true;
}

static int prev_cmp(const void *a, const void *b)
{
    return strcmp(((const struct top_prev *)a)->name, ((const struct top_prev *)b)->name);
}

/* Queue q at the previous frame, when it was the same queue (same id) then. */
static const struct top_prev *prev_of(const struct top *t, const struct cli_live_queue *q)
{
    struct top_prev key = {.name = (char *)q->name};
    const struct top_prev *p =
        t->n_prev == 0 ? NULL : bsearch(&key, t->prev, t->n_prev, sizeof key, prev_cmp);
    return p != NULL && p->id == q->info.id ? p : NULL;
}

/* Messages stored into q since the previous frame; false when there is no previous frame. */
static bool queue_in(const struct top *t, const struct cli_live_queue *q, uint64_t *in)
{
    const struct top_prev *p = prev_of(t, q);
    if (p == NULL || !t->have_last)
        return false;
    *in = q->info.next_msg_id > p->next_msg_id ? q->info.next_msg_id - p->next_msg_id : 0;
    return true;
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
        const struct cli_live_queue *q = &s->queues[i], *d = NULL;
        const struct top_prev *p = prev_of(t, q);
        uint64_t in = 0, d_in = 0;
        char age[40];
        bool valid = queue_in(t, q, &in), d_valid = false;
        if (!row(t))
            continue;
        cli_format_duration(q->info.oldest_age_ms, age, sizeof age);
        printf("%-24s %9llu %9llu %9llu %10s", q->name, (unsigned long long)q->info.visible,
               (unsigned long long)q->info.in_flight, (unsigned long long)q->info.delayed, age);
        print_rate((double)in, dt, false, valid);
        /* out = in - growth of the stored count (never below 0) */
        print_rate(valid && in + p->messages > q->info.messages
                       ? (double)(in + p->messages - q->info.messages)
                       : 0,
                   dt, false, valid);
        if (q->info.dlq_name[0] != '\0' && (d = cli_live_queue_find(s, q->info.dlq_name)) != NULL)
            d_valid = queue_in(t, d, &d_in);
        print_rate((double)d_in, dt, false, d_valid);
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
        if (!row(t))
            continue;
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
                if (!row(t))
                    continue;
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
    /*
     * On a terminal the frame fits its rows, asked each frame (it may be resized): the header
     * and the column titles (2 + 2 + 2 lines) and a last line saying how many rows did not fit.
     */
    t->fit = false;
    t->hidden = 0;
    if (tty) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row != 0) {
            size_t fixed = 2 + (s->n_queues != 0 ? 2 : 0) + (s->n_streams != 0 ? 2 : 0) + 1;
            t->fit = true;
            t->rows_left = ws.ws_row > fixed ? ws.ws_row - fixed : 0;
        }
    }
    draw_queues(t, s, dt);
    draw_streams(t, s, dt);
    if (t->hidden != 0)
        printf("(%zu more rows: enlarge the terminal)", t->hidden);
    if (!tty)
        printf("\n");
    fflush(stdout);
}

static void prev_free(struct top *t)
{
    size_t i;
    for (i = 0; i < t->n_prev; i++)
        free(t->prev[i].name);
    free(t->prev);
    t->prev = NULL;
    t->n_prev = 0;
}

/*
 * After a frame: remember each queue present now (only those: a deleted queue's entry goes)
 * and the snapshot. Without memory for it the next frame shows no queue rates.
 */
static void remember(struct top *t, struct cli_live *s)
{
    size_t i;
    prev_free(t);
    if (s->n_queues != 0 && (t->prev = calloc(s->n_queues, sizeof *t->prev)) != NULL) {
        for (i = 0; i < s->n_queues; i++) {
            struct top_prev *p = &t->prev[t->n_prev];
            const eddy_queue_info *q = &s->queues[i].info;
            if ((p->name = strdup(s->queues[i].name)) == NULL)
                break;
            p->id = q->id;
            p->next_msg_id = q->next_msg_id;
            p->messages = q->messages;
            t->n_prev++;
        }
        qsort(t->prev, t->n_prev, sizeof *t->prev, prev_cmp);
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
        draw(&t, &snap, tty, interval_ms);
        remember(&t, &snap);
    }
    cli_live_free(&t.last);
    prev_free(&t);
    /* Interruption is how top normally ends: exit 0. */
    return cli_close(cli, t.env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
