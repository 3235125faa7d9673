/*
 * cmd_stream_tail.c: `eddy stream tail`: print a stream's records as they arrive, across its
 * shards and through resharding, until interrupted (or --limit records).
 *
 * Invariants: a shard's records print in sequence order; a child shard is read only after each
 * parent this tail follows was read to its end (children after parents, as Kinesis consumers
 * do); no transaction is held while waiting: each round lists the shards and reads each with
 * one short get_records call, then sleeps (decision 0017).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "clock.h"
#include "cmd_stream.h"
#include "db.h"
#include "interrupt.h"
#include "json.h"
#include "options.h"
#include "stream_forms.h"

/* What the tail knows of one shard. */
struct tail_shard {
    uint32_t id;
    bool started; /* has an iterator (or finished) */
    bool done;    /* read to its end (closed), or never to be read */
    bool existed; /* listed at the start: begins at --from; later shards at their start */
    eddy_stream_iterator it;
    char last_seq[EDDY_STREAM_SEQ_LEN + 1]; /* last printed; "" before the first */
    /*
     * --from latest pins the start: the shard's newest sequence number when it was adopted ("" for
     * an empty shard), so an expired iterator resumes there instead of at a later "latest" that
     * would skip what was put meanwhile (a long --interval, a stopped process).
     */
    char pin_seq[EDDY_STREAM_SEQ_LEN + 1];
};

struct tail {
    struct cli *cli;
    eddy_env *env;
    const char *stream;
    int type;            /* how shards present at the start begin */
    uint64_t at_ms;      /* AT_TIMESTAMP */
    uint32_t only_shard; /* --shard, else EDDY_STREAM_NO_SHARD */
    bool json;
    uint64_t limit, shown; /* --limit (0 = none), records printed */
    /*
     * Known shards, EDDY_STREAM_SHARDS_MAX at most: an expired shard leaves once no listed shard
     * names it as a parent, so resharding forever never fills the table.
     */
    struct tail_shard *sh;
    size_t n;
};

enum { OPT_FROM = 0x5a0, OPT_AT, OPT_JSON, OPT_INTERVAL, OPT_LIMIT, OPT_SHARD };

static struct tail_shard *find(struct tail *t, uint32_t id)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        if (t->sh[i].id == id)
            return &t->sh[i];
    return NULL;
}

/* A parent this tail follows and has not finished holds its child back. */
static bool parent_pending(struct tail *t, uint32_t parent)
{
    struct tail_shard *p = parent == EDDY_STREAM_NO_SHARD ? NULL : find(t, parent);
    return p != NULL && !p->done;
}

/* Whether a listed shard names id as a parent. */
static bool listed_parent(const eddy_stream_shard *list, size_t n, uint32_t id)
{
    size_t j;
    for (j = 0; j < n; j++)
        if (list[j].parent_id == id || list[j].adjacent_parent_id == id)
            return true;
    return false;
}

/*
 * A followed shard gone from the listing expired: it holds no child back any more, and once no
 * listed shard names it as a parent (for --shard's descendants) the tail forgets it.
 */
static void forget_expired(struct tail *t, const eddy_stream_shard *list, size_t n)
{
    size_t i, j, kept = 0;
    for (i = 0; i < t->n; i++) {
        for (j = 0; j < n && list[j].shard_id != t->sh[i].id; j++)
            ;
        if (j == n) {
            t->sh[i].done = true;
            if (!listed_parent(list, n, t->sh[i].id))
                continue;
        }
        t->sh[kept++] = t->sh[i];
    }
    t->n = kept;
}

/*
 * Give shard s an iterator: its first read position, or after the last record printed. On a
 * restart (after EDDY_EEXPIRED) a shard begun at latest resumes at its pin: nothing put since the
 * tail started is skipped.
 */
static int start(struct tail *t, struct tail_shard *s, int type, bool restart)
{
    const char *after = s->last_seq[0] != '\0' ? s->last_seq : NULL;
    int rc;
    if (after == NULL && restart && type == EDDY_STREAM_ITER_LATEST) {
        if (s->pin_seq[0] != '\0')
            after = s->pin_seq;
        else
            type = EDDY_STREAM_ITER_TRIM_HORIZON; /* empty when pinned: all is new */
    }
    if (after != NULL)
        rc = eddy_stream_get_iterator(t->env, t->stream, s->id,
                                      EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER, after, 0, &s->it);
    else
        rc = eddy_stream_get_iterator(t->env, t->stream, s->id, type, NULL, t->at_ms, &s->it);
    if (rc == 0)
        s->started = true;
    return rc;
}

static void print_record(struct tail *t, const eddy_stream_record *r)
{
    if (t->json)
        cli_json_print_line(stdout, cli_stream_record_json(t->stream, r));
    else
        cli_stream_record_text(stdout, t->stream, r);
    t->shown++;
}

/* Read what shard s holds now (bounded rounds); a closed shard read to its end is done. */
static int drain(struct tail *t, struct tail_shard *s)
{
    int rounds;
    for (rounds = 0; rounds < 16 && !s->done; rounds++) {
        eddy_stream_read_options ro = EDDY_STREAM_READ_OPTIONS_INIT;
        eddy_stream_batch *b = NULL;
        const eddy_stream_read_info *info;
        size_t n, i;
        int rc;
        if (t->limit != 0) {
            uint64_t left = t->limit - t->shown;
            if (left == 0)
                return 0;
            ro.max_records = (uint32_t)(left < 10000 ? left : 10000);
        }
        rc = eddy_stream_get_records(t->env, &s->it, &ro, &b);
        if (rc == EDDY_EEXPIRED) /* the iterator outlived iterator_ttl_ms: resume after */
            rc = start(t, s, s->existed ? t->type : EDDY_STREAM_ITER_TRIM_HORIZON, true);
        if (rc != 0)
            return rc;
        if (b == NULL)
            continue;
        n = eddy_stream_batch_count(b);
        info = eddy_stream_batch_info(b);
        for (i = 0; i < n; i++) {
            const eddy_stream_record *r = eddy_stream_batch_record(b, i);
            print_record(t, r);
            memcpy(s->last_seq, r->seq, sizeof s->last_seq);
        }
        if (info->shard_end)
            s->done = true;
        else
            s->it = info->next;
        eddy_stream_batch_free(b);
        if (n == 0)
            break;
    }
    return 0;
}

/* One round: list the shards, adopt new ones, read each that may be read. */
static int round_once(struct tail *t, bool first)
{
    eddy_stream_shard *list = NULL;
    size_t n = 0, i;
    int rc = cli_stream_shards(t->env, t->stream, &list, &n);
    if (rc != 0) {
        cli_fail(t->cli, rc, "cannot list the shards of stream '%s'", t->stream);
        return rc;
    }
    if (first && t->only_shard != EDDY_STREAM_NO_SHARD) {
        for (i = 0; i < n && list[i].shard_id != t->only_shard; i++)
            ;
        if (i == n) {
            cli_err(t->cli, "stream '%s' has no shard %u", t->stream, t->only_shard);
            free(list);
            return EDDY_ENOTFOUND;
        }
    }
    forget_expired(t, list, n);
    for (i = 0; i < n; i++) {
        const eddy_stream_shard *l = &list[i];
        struct tail_shard *s = find(t, l->shard_id);
        if (s == NULL) {
            /* --shard N follows N and its descendants (ids grow, so parents come first). */
            bool followed = t->only_shard == EDDY_STREAM_NO_SHARD || l->shard_id == t->only_shard ||
                            find(t, l->parent_id) != NULL || find(t, l->adjacent_parent_id) != NULL;
            if (!followed)
                continue;
            if (t->n == EDDY_STREAM_SHARDS_MAX) {
                rc = EDDY_ELIMIT;
                cli_fail(t->cli, rc, "stream '%s': cannot follow shard %u, %u shards followed",
                         t->stream, l->shard_id, (unsigned)EDDY_STREAM_SHARDS_MAX);
                break;
            }
            s = &t->sh[t->n++];
            memset(s, 0, sizeof *s);
            s->id = l->shard_id;
            s->existed = first;
            memcpy(s->pin_seq, l->last_seq, sizeof s->pin_seq);
            /* At the start, --from latest has nothing to read in a closed shard. */
            if (first && t->type == EDDY_STREAM_ITER_LATEST && l->state == EDDY_STREAM_SHARD_CLOSED)
                s->done = true;
        }
        if (s->done)
            continue;
        if (!s->started) {
            if (parent_pending(t, l->parent_id) || parent_pending(t, l->adjacent_parent_id))
                continue;
            /* Shards born after the start are read from their beginning: none is missed. */
            rc = start(t, s, s->existed ? t->type : EDDY_STREAM_ITER_TRIM_HORIZON, false);
        }
        if (rc == 0)
            rc = drain(t, s);
        if (rc == EDDY_ENOTFOUND && l->state == EDDY_STREAM_SHARD_CLOSED) {
            s->done = true; /* the closed shard expired meanwhile */
            rc = 0;
        }
        if (rc != 0) {
            cli_fail(t->cli, rc, "reading stream '%s' shard %u", t->stream, l->shard_id);
            break;
        }
        if (t->limit != 0 && t->shown >= t->limit)
            break;
    }
    free(list);
    fflush(stdout);
    return rc;
}

static int parse(struct tail *t, int argc, char **argv, uint64_t *interval_ms)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"from", required_argument, NULL, OPT_FROM},
        {"at", required_argument, NULL, OPT_AT},
        {"json", no_argument, NULL, OPT_JSON},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"shard", required_argument, NULL, OPT_SHARD},
        {NULL, 0, NULL, 0}};
    uint64_t v;
    int c, ex;
    bool at_given = false;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(t->cli, &cli_cmd_stream, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_FROM) {
            if (strcmp(optarg, "latest") == 0)
                t->type = EDDY_STREAM_ITER_LATEST;
            else if (strcmp(optarg, "trim-horizon") == 0)
                t->type = EDDY_STREAM_ITER_TRIM_HORIZON;
            else if (strcmp(optarg, "at-timestamp") == 0)
                t->type = EDDY_STREAM_ITER_AT_TIMESTAMP;
            else
                return cli_usage(t->cli, "bad --from '%s' (latest, trim-horizon, at-timestamp)",
                                 optarg);
        } else if (c == OPT_AT) {
            if (!cli_parse_time_ms(optarg, &t->at_ms))
                return cli_usage(t->cli, "bad --at time '%s' (RFC 3339)", optarg);
            at_given = true;
            t->type = EDDY_STREAM_ITER_AT_TIMESTAMP;
        } else if (c == OPT_JSON) {
            t->json = true;
        } else if (c == OPT_INTERVAL) {
            if (!cli_parse_duration_ms(optarg, interval_ms) || *interval_ms == 0 ||
                *interval_ms > 60000)
                return cli_usage(t->cli, "bad --interval '%s' (1ms..60s)", optarg);
        } else if (c == OPT_LIMIT) {
            if (!cli_parse_u64(optarg, UINT64_MAX, &t->limit) || t->limit == 0)
                return cli_usage(t->cli, "bad --limit '%s'", optarg);
        } else if (c == OPT_SHARD) {
            if (!cli_parse_u64(optarg, UINT32_MAX - 1, &v))
                return cli_usage(t->cli, "bad --shard '%s'", optarg);
            t->only_shard = (uint32_t)v;
        } else {
            return cli_usage(t->cli, "unknown option");
        }
    }
    if (t->type == EDDY_STREAM_ITER_AT_TIMESTAMP && !at_given)
        return cli_usage(t->cli, "--from at-timestamp needs --at TIME");
    if (optind + 1 != argc)
        return cli_usage(t->cli, "expected one stream NAME");
    t->stream = argv[optind];
    return -1;
}

int cli_stream_tail(struct cli *cli, int argc, char **argv)
{
    struct tail t;
    uint64_t interval_ms = 200;
    int ex, rc = 0;
    bool first = true;
    memset(&t, 0, sizeof t);
    t.cli = cli;
    t.type = EDDY_STREAM_ITER_LATEST;
    t.only_shard = EDDY_STREAM_NO_SHARD;
    if ((ex = parse(&t, argc, argv, &interval_ms)) >= 0)
        return ex;
    if ((t.sh = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *t.sh)) == NULL) {
        cli_err(cli, "out of memory");
        return CLI_EXIT_FAIL;
    }
    if ((ex = cli_open(cli, CLI_OPEN_READ, &t.env)) != 0) {
        free(t.sh);
        return ex;
    }
    cli_interrupt_install();
    /* Interruption is how a tail normally ends: exit 0 after the records already printed. */
    while (cli_interrupted == 0) {
        if ((rc = round_once(&t, first)) != 0)
            break;
        first = false;
        if (t.limit != 0 && t.shown >= t.limit)
            break;
        cli_wait_ms(cli, interval_ms);
    }
    free(t.sh);
    return cli_close(cli, t.env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
