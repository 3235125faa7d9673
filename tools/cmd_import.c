/*
 * cmd_import.c: `eddy import`: messages from JSON lines (the form `eddy export --queue` writes;
 * `eddy queue receive`'s form too) into a queue, or records (the form `eddy export --stream`
 * writes) into a stream, in batches of batch_max, with progress.
 *
 * By default ids, sequence numbers and timestamps are kept (eddy_queue_restore_batch,
 * eddy_stream_restore_batch: each batch is all or nothing, and the library refuses ids that
 * collide or go backwards). --new-ids sends or puts instead: new ids and times.
 *
 * A first line that is an export header (cli.h CLI_EXPORT_VERSION) describes the target: with
 * --create it is created with those attributes, else they must match (or --keep-attributes /
 * --apply-attributes says what to do). For a stream, the splits and merges of its lineage are
 * replayed in shard-id order just before the first record that needs them (a parent's records
 * must be stored while it is open), and the consumers' checkpoints are set after the records.
 *
 * The command only reads the file and opens the database; cli_import_lines (cli.h) parses and
 * stores the lines, and tests/fuzz/fuzz_import.c calls it directly.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_stream.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_import = {
    "import", "load messages or records from JSON lines, keeping their ids",
    "usage: eddy import --queue NAME [--new-ids | --skip-existing] [--file F] [--create]\n"
    "                   [ATTRIBUTE POLICY]\n"
    "       eddy import --stream NAME [--new-ids | --skip-existing] [--file F] [--create]\n"
    "                   [ATTRIBUTE POLICY]\n"
    "\n"
    "Reads JSON lines from F (default stdin). For a queue, each is an object with \"body\"\n"
    "(text, or base64 when \"body_encoding\" is \"base64\"), optionally \"attrs\"\n"
    "([{\"name\",\"type\",\"value\",\"value_encoding\"}]), and to keep its identity \"msg_id\",\n"
    "\"sent_ms\" and optionally \"enqueued_ms\", \"receive_count\", \"first_receive_ms\",\n"
    "\"visible_ms\", \"origin_queue_id\", \"origin_msg_id\": the form `eddy export --queue`\n"
    "writes. For a stream, each has \"partition_key\" and \"data\" (with *_encoding), and to\n"
    "keep them \"seq\" and \"arrival_ms\": the form `eddy export --stream` writes.\n"
    "\n"
    "By default the ids, sequence numbers and timestamps are kept: each imported id (sequence\n"
    "number) must be above every one the target queue (shard) has handed out, and each batch\n"
    "(at most batch_max lines, and for a queue max-size bytes) is stored all or nothing. A\n"
    "message that was in flight comes back receivable at its visible_ms, without a receipt.\n"
    "Prints \"imported N messages into queue 'Q'\" (or records, stream), and for a stream with\n"
    "a header \"restored N checkpoints of stream 'S'\".\n"
    "\n"
    "A first line {\"eddy_export\":1,...} (what `eddy export` writes) carries the attributes\n"
    "(and for a stream its shard lineage and consumers' checkpoints): --create creates the\n"
    "target with them, an existing target must have them, splits and merges are replayed\n"
    "before the records that need them, and checkpoints are set after the records.\n"
    "\n"
    "  --new-ids  send or put instead: messages get new ids and send times, records new\n"
    "             sequence numbers and arrival times (each key's records keep their order;\n"
    "             no lineage replay, no checkpoints); --new-seqs is the same\n"
    "  --create   create the queue or stream when it does not exist: with the header's\n"
    "             attributes (and a missing dead-letter queue with default ones), else with\n"
    "             defaults, a stream keeping its sequence numbers getting as many shards as\n"
    "             the highest shard id in the input plus one\n"
    "  --keep-attributes   an existing target whose attributes differ from the header's\n"
    "             keeps its own (default: fail and name the differences)\n"
    "  --apply-attributes  change them to the header's instead (a stream: retention,\n"
    "             record_len_max, batch_max and iterator_ttl_ms; not its hash or shards)\n"
    "  --skip-existing  skip what an earlier run stored, to resume an interrupted import:\n"
    "             a message whose msg_id is at or below the highest id the queue stores, a\n"
    "             record whose seq is at or below its shard's newest (not with --new-ids)\n"
    "  --file F   read from F instead of stdin\n"
    "\n"
    "SIGINT or SIGTERM stops the import after the batch being stored (exit 130 or 143),\n"
    "naming the last line stored; rerun it with --skip-existing to resume.\n"
    "\n"
    "Examples: eddy --db old export --queue orders | eddy --db new import --queue orders --create\n"
    "          eddy --db old export --stream clicks --output clicks.jsonl\n"
    "          eddy --db new import --stream clicks --create --file clicks.jsonl\n"
    "          eddy --db new import --stream clicks --skip-existing --file clicks.jsonl\n"
    "          eddy --db new import --stream clicks --new-ids --file clicks.jsonl\n",
    run};

/* ---- reading lines in batches ---- */

/* What every import knows; first member of each kind's context. */
struct import_common {
    eddy_env *env;
    const char *name;
    const struct cli_import *im;
    FILE *summary;      /* where the summary lines go, or NULL */
    size_t header_line; /* line number of the export header; 0 when the file has none */
    uint64_t bytes_max; /* most bytes of entries in one batch (the target's rule); 0: none */
    size_t skipped;     /* lines skipped as already stored (cli_import.skip_existing) */
};

/* What one kind of import does with its lines (slots 0..batch_max-1 hold parsed lines). */
struct import_ops {
    const char *kind; /* "queue" or "stream" */
    const char *unit; /* "message" or "record" */
    /* Read the export header h (of this kind, version checked); CLI_EXIT_* (message printed). */
    int (*header)(struct cli *cli, void *ctx, json_t *h);
    /* Find (or with create, create) the target and reconcile it with the header's attributes;
     * its batch_max into *batch_max. CLI_EXIT_* (message printed). */
    int (*target)(struct cli *cli, void *ctx, const unsigned char *buf, size_t len,
                  uint32_t *batch_max);
    /* Allocate batch_max slots (false when out of memory); free them. */
    bool (*alloc)(void *ctx, uint32_t batch_max);
    void (*free)(void *ctx);
    /* NULL, or: true when line o needs prepare() first (with the lines before it stored). */
    bool (*needs)(void *ctx, json_t *o);
    int (*prepare)(struct cli *cli, void *ctx, json_t *o, size_t line);
    /* Parse a line into slot i; false with a reason in *why when it is not usable. */
    bool (*parse)(void *ctx, json_t *o, size_t i, const char **why);
    /* NULL, or the bytes slot i counts against import_common.bytes_max. */
    size_t (*bytes)(void *ctx, size_t i);
    /* --skip-existing: true when line o is already stored (by an earlier run). */
    bool (*exists)(void *ctx, json_t *o);
    /* Store slots 0..n-1: the call's code, and each slot's in rcs[i]. */
    int (*flush)(void *ctx, size_t n, int *rcs);
    void (*release)(void *ctx, size_t i);
    /* After every line was stored: what the header still carries; CLI_EXIT_*. */
    int (*finish)(struct cli *cli, void *ctx);
    /* Release what header() kept. */
    void (*drop)(void *ctx);
};

static size_t count_lines(const unsigned char *buf, size_t len)
{
    size_t n = 0, i;
    for (i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n + (len > 0 && buf[len - 1] != '\n');
}

/* Store a batch and report each entry that failed by its line. */
static int flush(struct cli *cli, const struct import_ops *ops, void *ctx, size_t n,
                 const size_t *lines, int *rcs, size_t *done)
{
    int result = CLI_EXIT_OK, rc = ops->flush(ctx, n, rcs);
    size_t i;
    for (i = 0; i < n; i++) {
        if (rcs[i] == 0)
            continue;
        cli_err(cli, "line %zu: %s: %s", lines[i], eddy_errname(rcs[i]),
                rc == rcs[i] ? eddy_last_error() : eddy_strerror(rcs[i]));
        result = CLI_EXIT_FAIL;
    }
    if (rc != 0)
        return cli_fail(cli, rc, "lines %zu-%zu were not stored; import stopped after %zu %ss",
                        lines[0], lines[n - 1], *done, ops->unit);
    for (i = 0; i < n; i++)
        *done += rcs[i] == 0;
    return result;
}

/*
 * Parse line `line` (o) into slot *n unless it must wait: *wait is set when ops->needs() asks
 * for the lines before it to be stored first (the caller flushes, then comes back with *n 0).
 */
static int take_line(struct cli *cli, const struct import_ops *ops, void *ctx, json_t *o,
                     size_t line, size_t *n, bool *wait)
{
    const char *why = "not a JSON object";
    int ex;
    if (json_is_object(o) && json_object_get(o, "eddy_export") != NULL) {
        cli_err(cli, "line %zu: an export header (\"eddy_export\") may only be the first line",
                line);
        return CLI_EXIT_FAIL;
    }
    if (json_is_object(o) && ops->needs != NULL && ops->needs(ctx, o)) {
        if (*n > 0) {
            *wait = true;
            return CLI_EXIT_OK;
        }
        if ((ex = ops->prepare(cli, ctx, o, line)) != 0)
            return ex;
    }
    if (!json_is_object(o) || !ops->parse(ctx, o, *n, &why)) {
        cli_err(cli, "line %zu: not a %s JSON object: %s", line, ops->unit, why);
        (*n)++; /* the slot may hold allocations: it is released with the others */
        return CLI_EXIT_FAIL;
    }
    (*n)++;
    return CLI_EXIT_OK;
}

/*
 * Slot n - 1 was just parsed: true when it would take the batch past the target's byte rule
 * (then it goes first in the next batch), else it is counted in *bytes. A batch of one is
 * always tried (the library names an entry too large on its own).
 */
static bool over_bytes(const struct import_ops *ops, void *ctx, size_t n, uint64_t *bytes)
{
    const struct import_common *c = ctx;
    uint64_t b;
    if (ops->bytes == NULL || c->bytes_max == 0)
        return false;
    b = ops->bytes(ctx, n - 1);
    if (n > 1 && *bytes + b > c->bytes_max)
        return true;
    *bytes += b;
    return false;
}

/* Parse every non-empty line (but the header) and flush batches of at most batch_max lines
 * and bytes_max bytes. */
static int import_loop(struct cli *cli, const struct import_ops *ops, void *ctx,
                       const unsigned char *buf, size_t len, uint32_t batch_max, size_t *done)
{
    struct import_common *c = ctx;
    size_t *lines = calloc(batch_max, sizeof *lines);
    int *rcs = calloc(batch_max, sizeof *rcs);
    struct cli_progress *prog = cli_progress_start(cli, "import", count_lines(buf, len));
    size_t pos = 0, line = 0, n = 0, i;
    uint64_t bytes = 0;
    int result = lines == NULL || rcs == NULL ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    if (result != 0)
        cli_err(cli, "out of memory");
    while (result == 0 && (pos < len || n > 0)) {
        bool wait = false;
        while (result == 0 && !wait && pos < len && n < batch_max) {
            const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl != NULL ? (size_t)(nl - buf) : len;
            if (end > pos && line + 1 != c->header_line) {
                json_error_t err;
                json_t *o = json_loadb((const char *)buf + pos, end - pos, 0, &err);
                size_t before = n;
                if (c->im->skip_existing && json_is_object(o) && ops->exists(ctx, o))
                    c->skipped++;
                else
                    result = take_line(cli, ops, ctx, o, line + 1, &n, &wait);
                if (n > before)
                    lines[n - 1] = line + 1;
                if (n > before && result == 0 && over_bytes(ops, ctx, n, &bytes)) {
                    ops->release(ctx, --n); /* parsed again as the next batch's first */
                    wait = true;
                }
                json_decref(o);
            }
            if (!wait) {
                line++;
                pos = end + 1;
            }
        }
        if (n > 0 && result == 0)
            result = flush(cli, ops, ctx, n, lines, rcs, done);
        for (i = 0; i < n; i++)
            ops->release(ctx, i);
        n = 0;
        bytes = 0;
        cli_progress_update(prog, line);
        if (result == 0 && cli_interrupted != 0 && pos < len) {
            cli_err(cli,
                    "interrupted by %s after line %zu: every line before it is stored; run the "
                    "same import with --skip-existing to resume",
                    cli_signal_name(cli_interrupted), line);
            result = 128 + cli_interrupted;
        }
    }
    cli_progress_end(prog, line);
    free(lines);
    free(rcs);
    return result;
}

/*
 * The export header, if the first non-empty line is one: *line_out its line number (0: none).
 * A line that is not JSON is left for the loop to report; a header that is not usable fails.
 */
static int read_header(struct cli *cli, const struct import_ops *ops, void *ctx,
                       const unsigned char *buf, size_t len, size_t *line_out)
{
    size_t pos = 0, line = 0;
    json_error_t err;
    json_t *o = NULL, *v;
    int ex = CLI_EXIT_OK;
    *line_out = 0;
    while (pos < len && o == NULL) {
        const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        line++;
        if (end > pos && (o = json_loadb((const char *)buf + pos, end - pos, 0, &err)) == NULL)
            return CLI_EXIT_OK; /* not JSON: the loop reports it */
        pos = end + 1;
    }
    if (!json_is_object(o) || (v = json_object_get(o, "eddy_export")) == NULL) {
        json_decref(o);
        return CLI_EXIT_OK; /* an old-format file, or a data line: no header */
    }
    *line_out = line;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        cli_err(cli, "line %zu: bad export header: \"eddy_export\" is not a version number", line);
        ex = CLI_EXIT_FAIL;
    } else if (json_integer_value(v) > CLI_EXPORT_VERSION) {
        cli_err(cli,
                "line %zu: export format version %lld is newer than this eddy reads (%d): "
                "use a newer eddy",
                line, (long long)json_integer_value(v), CLI_EXPORT_VERSION);
        ex = CLI_EXIT_FAIL;
    } else if (!json_is_string(json_object_get(o, ops->kind))) {
        cli_err(cli, "line %zu: the export header does not describe a %s (import it with %s)", line,
                ops->kind,
                json_object_get(o, "queue") != NULL ? "--queue" : "--stream, or it is damaged");
        ex = CLI_EXIT_FAIL;
    } else {
        ex = ops->header(cli, ctx, o);
    }
    json_decref(o);
    return ex;
}

/* Find the target in the open env and import every line into it (cli_import_lines). */
static int import_into(struct cli *cli, const struct import_ops *ops, void *ctx,
                       const unsigned char *buf, size_t len, FILE *summary, size_t *done)
{
    struct import_common *c = ctx;
    uint32_t batch_max = 0;
    int ex;
    if ((ex = read_header(cli, ops, ctx, buf, len, &c->header_line)) != 0 ||
        (ex = ops->target(cli, ctx, buf, len, &batch_max)) != 0)
        goto drop;
    if (!ops->alloc(ctx, batch_max)) {
        cli_err(cli, "out of memory");
        ex = CLI_EXIT_FAIL;
    } else {
        ex = import_loop(cli, ops, ctx, buf, len, batch_max, done);
        if (summary != NULL && c->im->skip_existing)
            fprintf(summary, "imported %zu %s%s into %s '%s' (skipped %zu already there)\n", *done,
                    ops->unit, *done == 1 ? "" : "s", ops->kind, c->name, c->skipped);
        else if (summary != NULL)
            fprintf(summary, "imported %zu %s%s into %s '%s'\n", *done, ops->unit,
                    *done == 1 ? "" : "s", ops->kind, c->name);
        if (ex == 0 && c->header_line != 0 && (ex = ops->finish(cli, ctx)) == 0)
            ++*done; /* the header's line is applied too */
    }
    ops->free(ctx);
drop:
    ops->drop(ctx);
    return ex;
}

/* A stream's attributes that eddy_stream_set_attributes can change (not its hash, nor its
 * shards at creation). */
static bool stream_changeable(const char *key)
{
    return strcmp(key, "retention_ms") == 0 || strcmp(key, "record_len_max") == 0 ||
           strcmp(key, "batch_max") == 0 || strcmp(key, "iterator_ttl_ms") == 0;
}

/*
 * Compare the target's attributes (have) with the header's (want), both as the header's JSON
 * form: a malloc'ed text "key have (export: want), ..." naming each difference, or NULL when
 * they agree. *changeable tells whether every difference is a key `can_change` accepts (NULL:
 * any key).
 */
static char *attr_diff(json_t *have, json_t *want, bool (*can_change)(const char *key),
                       bool *changeable)
{
    const char *key;
    json_t *w;
    *changeable = true;
    json_object_foreach(want, key, w)
    {
        if (!json_equal(json_object_get(have, key), w))
            *changeable = *changeable && (can_change == NULL || can_change(key));
    }
    return cli_json_diff(have, want, "export");
}

/* The target exists with other attributes than the header's (diff): report it. */
static int attr_mismatch(struct cli *cli, void *ctx, const char *diff)
{
    struct import_common *c = ctx;
    cli_err(cli,
            "line %zu: %s '%s' exists with other attributes than the export's: %s; pass "
            "--apply-attributes to change them or --keep-attributes to keep them",
            c->header_line, c->im->stream != NULL ? "stream" : "queue", c->name, diff);
    return CLI_EXIT_FAIL;
}

static uint64_t json_u64(json_t *o, const char *key, bool *present)
{
    json_t *v = json_object_get(o, key);
    if (present != NULL)
        *present = json_is_integer(v) && json_integer_value(v) >= 0;
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* ---- queues ---- */

struct line_msg {
    unsigned char *body;
    size_t body_len;
    eddy_queue_attr attrs[EDDY_QUEUE_ATTRS_MAX];
    unsigned char *values[EDDY_QUEUE_ATTRS_MAX];
    char *names[EDDY_QUEUE_ATTRS_MAX];
    char *types[EDDY_QUEUE_ATTRS_MAX];
    size_t n_attrs;
    char *group, *dedup; /* FIFO: "group_id", "dedup_id" */
};

struct queue_import {
    struct import_common c;
    eddy_queue_info want;                   /* the header's attributes (c.header_line != 0) */
    const char *srcs[EDDY_QUEUE_ALLOW_MAX]; /* want's allow_sources, for queue_wanted */
    uint64_t stored_max;                    /* --skip-existing: highest msg_id stored */
    struct line_msg *msgs;
    eddy_queue_send_entry *sends;
    eddy_queue_restore_entry *restores;
    eddy_queue_send_result *res;
};

static void msg_release(void *ctx, size_t i)
{
    struct line_msg *m = &((struct queue_import *)ctx)->msgs[i];
    size_t k;
    free(m->body);
    free(m->group);
    free(m->dedup);
    for (k = 0; k < m->n_attrs; k++) {
        free(m->values[k]);
        free(m->names[k]);
        free(m->types[k]);
    }
    memset(m, 0, sizeof *m);
}

static bool msg_parse_attrs(json_t *o, struct line_msg *m)
{
    json_t *attrs = json_object_get(o, "attrs"), *a;
    size_t i;
    json_array_foreach(attrs, i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *type = json_string_value(json_object_get(a, "type"));
        size_t k = m->n_attrs;
        if (name == NULL || type == NULL || k == EDDY_QUEUE_ATTRS_MAX)
            return false;
        m->names[k] = strdup(name);
        m->types[k] = strdup(type);
        m->n_attrs++;
        if (!cli_json_get_body(a, "value", "value_encoding", &m->values[k], &m->attrs[k].value.len))
            return false;
        m->attrs[k].name = m->names[k];
        m->attrs[k].type = m->types[k];
        m->attrs[k].value.data = m->values[k];
    }
    return true;
}

static bool msg_parse(void *ctx, json_t *o, size_t i, const char **why)
{
    struct queue_import *x = ctx;
    struct line_msg *m = &x->msgs[i];
    eddy_queue_restore_entry *r = &x->restores[i];
    eddy_queue_send_entry *e = &x->sends[i];
    bool has_id, has_sent;
    memset(m, 0, sizeof *m);
    if (!cli_json_get_body(o, "body", "body_encoding", &m->body, &m->body_len)) {
        *why = "no usable \"body\"";
        return false;
    }
    if (!msg_parse_attrs(o, m)) {
        *why = "bad \"attrs\"";
        return false;
    }
    memset(e, 0, sizeof *e);
    e->size = sizeof *e;
    e->body.data = m->body;
    e->body.len = m->body_len;
    e->attrs = m->n_attrs != 0 ? m->attrs : NULL;
    e->attr_count = m->n_attrs;
    /* FIFO messages carry their group (and deduplication id) along. */
    const char *g = json_string_value(json_object_get(o, "group_id"));
    const char *d = json_string_value(json_object_get(o, "dedup_id"));
    if ((g != NULL && (m->group = strdup(g)) == NULL) ||
        (d != NULL && d[0] != '\0' && (m->dedup = strdup(d)) == NULL)) {
        *why = "out of memory";
        return false;
    }
    e->group_id = m->group;
    e->dedup_id = m->dedup;
    if (x->c.im->new_ids)
        return true;
    memset(r, 0, sizeof *r);
    r->size = sizeof *r;
    r->body = e->body;
    r->attrs = e->attrs;
    r->attr_count = e->attr_count;
    r->msg_id = json_u64(o, "msg_id", &has_id);
    r->sent_ms = json_u64(o, "sent_ms", &has_sent);
    if (!has_id || !has_sent) {
        *why = "no \"msg_id\" or \"sent_ms\" to keep (pass --new-ids to send it as a new message)";
        return false;
    }
    r->enqueued_ms = json_u64(o, "enqueued_ms", NULL);
    r->receive_count = (uint32_t)json_u64(o, "receive_count", NULL);
    r->first_receive_ms = json_u64(o, "first_receive_ms", NULL);
    r->visible_ms = json_u64(o, "visible_ms", NULL);
    r->origin_queue_id = json_u64(o, "origin_queue_id", NULL);
    r->origin_msg_id = json_u64(o, "origin_msg_id", NULL);
    r->group_id = m->group;
    r->dedup_id = m->dedup;
    return true;
}

static size_t msg_bytes(void *ctx, size_t i)
{
    return cli_queue_entry_size(&((struct queue_import *)ctx)->sends[i]);
}

static bool msg_exists(void *ctx, json_t *o)
{
    const struct queue_import *x = ctx;
    bool has_id;
    uint64_t id = json_u64(o, "msg_id", &has_id);
    return has_id && id <= x->stored_max;
}

static int scan_nothing(void *ctx, const eddy_queue_scan_message *m)
{
    (void)ctx;
    (void)m;
    return 0;
}

static int msg_flush(void *ctx, size_t n, int *rcs)
{
    struct queue_import *x = ctx;
    size_t i;
    int rc = x->c.im->new_ids
                 ? eddy_queue_send_batch(x->c.env, x->c.name, x->sends, n, x->res)
                 : eddy_queue_restore_batch(x->c.env, x->c.name, x->restores, n, x->res);
    for (i = 0; i < n; i++)
        rcs[i] = x->res[i].rc;
    return rc;
}

static int queue_header(struct cli *cli, void *ctx, json_t *h)
{
    struct queue_import *x = ctx;
    const char *why = "attributes";
    if (!cli_queue_options_from_json(json_object_get(h, "attributes"), &x->want, &why)) {
        cli_err(cli, "line %zu: bad export header: attribute \"%s\" is missing or not valid",
                x->c.header_line, why);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* The header's attributes as options for create and set: an explicit zero timeout kept. */
static eddy_queue_options queue_wanted(struct queue_import *x)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    cli_queue_options_of(&x->want, x->srcs, &o);
    if (o.visibility_timeout_ms == 0)
        o.visibility_timeout_ms = EDDY_QUEUE_ZERO_MS;
    return o;
}

/*
 * The header's dead-letter queue must exist before the target names it: with --create a
 * missing one is created with default attributes (import its own export with
 * --apply-attributes to give it its attributes), else it is an error.
 */
static int queue_dlq(struct cli *cli, struct queue_import *x)
{
    const char *dlq = x->want.dlq_name;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    int rc;
    if (dlq[0] == '\0' || strcmp(dlq, x->c.name) == 0)
        return CLI_EXIT_OK; /* none, or itself: create refuses that with its own message */
    rc = eddy_queue_get_attributes(x->c.env, dlq, &info);
    if (rc == EDDY_ENOTFOUND && x->c.im->create) {
        if ((rc = eddy_queue_create(x->c.env, dlq, NULL)) == 0)
            cli_err(cli,
                    "note: created dead-letter queue '%s' with default attributes (import its "
                    "export with --apply-attributes to restore them)",
                    dlq);
    } else if (rc == EDDY_ENOTFOUND) {
        cli_err(cli,
                "line %zu: the export's dead-letter queue '%s' does not exist: import it first, "
                "or pass --create to create it with default attributes",
                x->c.header_line, dlq);
        return CLI_EXIT_FAIL;
    }
    if (rc != 0)
        return cli_fail(cli, rc, "cannot create dead-letter queue '%s'", dlq);
    return CLI_EXIT_OK;
}

/* An existing queue against the header: equal, kept (--keep-attributes) or changed. */
static int queue_reconcile(struct cli *cli, struct queue_import *x, const eddy_queue_info *info)
{
    json_t *have = cli_queue_options_json(info), *want = cli_queue_options_json(&x->want);
    eddy_queue_options o = queue_wanted(x);
    bool changeable;
    char *diff = attr_diff(have, want, NULL, &changeable);
    int ex = CLI_EXIT_OK, rc;
    json_decref(have);
    json_decref(want);
    if (diff == NULL || x->c.im->keep_attributes) {
        free(diff);
        return CLI_EXIT_OK;
    }
    if (!x->c.im->apply_attributes) {
        ex = attr_mismatch(cli, x, diff);
    } else if ((ex = queue_dlq(cli, x)) == 0 &&
               (rc = eddy_queue_set_attributes(x->c.env, x->c.name, &o, EDDY_QUEUE_SET_ALL)) != 0) {
        ex = cli_fail(cli, rc, "line %zu: cannot give queue '%s' the export's attributes",
                      x->c.header_line, x->c.name);
    }
    free(diff);
    return ex;
}

static int queue_target(struct cli *cli, void *ctx, const unsigned char *buf, size_t len,
                        uint32_t *batch_max)
{
    struct queue_import *x = ctx;
    eddy_queue_options o = queue_wanted(x);
    bool header = x->c.header_line != 0;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    int ex = CLI_EXIT_OK, rc = eddy_queue_get_attributes(x->c.env, x->c.name, &info);
    (void)buf;
    (void)len;
    if (rc == EDDY_ENOTFOUND && x->c.im->create) {
        if (header && (ex = queue_dlq(cli, x)) != 0)
            return ex;
        rc = eddy_queue_create(x->c.env, x->c.name, header ? &o : NULL);
        if (rc != 0 && header)
            return cli_fail(cli, rc,
                            "line %zu: cannot create queue '%s' with the export's "
                            "attributes",
                            x->c.header_line, x->c.name);
    } else if (rc == 0 && header) {
        ex = queue_reconcile(cli, x, &info);
    }
    if (rc == 0 && ex == 0)
        rc = eddy_queue_get_attributes(x->c.env, x->c.name, &info);
    if (rc == 0 && ex == 0 && x->c.im->skip_existing) /* one read of every message */
        rc = eddy_queue_scan(x->c.env, x->c.name, 0, 0, scan_nothing, NULL, &x->stored_max);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot import into queue '%s'", x->c.name);
    *batch_max = info.batch_max;
    x->c.bytes_max = info.body_len_max; /* a batch's total, as eddy_queue_send_batch */
    return ex;
}

static int queue_finish(struct cli *cli, void *ctx)
{
    (void)cli;
    (void)ctx;
    return CLI_EXIT_OK; /* the attributes were applied before the messages */
}

static void queue_drop(void *ctx)
{
    (void)ctx;
}

static bool queue_alloc(void *ctx, uint32_t batch_max)
{
    struct queue_import *x = ctx;
    x->msgs = calloc(batch_max, sizeof *x->msgs);
    x->sends = calloc(batch_max, sizeof *x->sends);
    if (x->sends != NULL)
        EDDY_ARRAY_INIT(x->sends, batch_max);
    x->restores = calloc(batch_max, sizeof *x->restores);
    if (x->restores != NULL)
        EDDY_ARRAY_INIT(x->restores, batch_max);
    x->res = calloc(batch_max, sizeof *x->res);
    if (x->res != NULL)
        EDDY_ARRAY_INIT(x->res, batch_max);
    return x->msgs != NULL && x->sends != NULL && x->restores != NULL && x->res != NULL;
}

static void queue_free(void *ctx)
{
    struct queue_import *x = ctx;
    free(x->msgs);
    free(x->sends);
    free(x->restores);
    free(x->res);
}

static const struct import_ops queue_ops = {
    "queue",   "message", queue_header, queue_target, queue_alloc, queue_free,   NULL,      NULL,
    msg_parse, msg_bytes, msg_exists,   msg_flush,    msg_release, queue_finish, queue_drop};

/* ---- streams ---- */

/* A shard of the header's lineage. */
struct lineage {
    uint32_t id;
    uint32_t parent;   /* EDDY_STREAM_NO_SHARD for an original shard */
    uint32_t adjacent; /* the other parent of a merge, else EDDY_STREAM_NO_SHARD */
    char start[EDDY_STREAM_HASH_KEY_LEN + 1];
    char end[EDDY_STREAM_HASH_KEY_LEN + 1];
};

/* A checkpoint of the header, restored after the records. */
struct saved_checkpoint {
    char consumer[EDDY_CONSUMER_NAME_MAX + 1];
    uint32_t shard_id;
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    unsigned char *state; /* malloc'ed */
    size_t state_len;
};

struct stream_import {
    struct import_common c;
    eddy_stream_options want; /* the header's attributes (c.header_line != 0) */
    struct lineage *lin;      /* the header's shards, increasing ids */
    size_t n_lin, next;       /* lin[next..] may still be missing from the target */
    bool replay;              /* restoring: rebuild lin's splits and merges as records need */
    bool *present;            /* [EDDY_STREAM_SHARDS_MAX]: the target has this shard id */
    char (*starts)[EDDY_STREAM_HASH_KEY_LEN + 1]; /* [SHARDS_MAX]: a present shard's start */
    struct saved_checkpoint *cps;
    size_t n_cps;
    eddy_stream_put_entry *puts;
    eddy_stream_restore_entry *restores;
    char (*seqs)[EDDY_STREAM_SEQ_LEN + 1];
    eddy_stream_put_result *res;
    char (*newest)[EDDY_STREAM_SEQ_LEN + 1]; /* --skip-existing: [SHARDS_MAX] shard's last_seq */
};

static void record_release(void *ctx, size_t i)
{
    eddy_stream_put_entry *e = &((struct stream_import *)ctx)->puts[i];
    free((void *)(uintptr_t)e->partition_key.data);
    free((void *)(uintptr_t)e->data.data);
    memset(e, 0, sizeof *e);
    e->size = sizeof *e;
}

static bool record_parse(void *ctx, json_t *o, size_t i, const char **why)
{
    struct stream_import *x = ctx;
    eddy_stream_put_entry *e = &x->puts[i];
    eddy_stream_restore_entry *r = &x->restores[i];
    unsigned char *pk = NULL, *data = NULL;
    size_t pk_len = 0, data_len = 0;
    const char *seq = json_string_value(json_object_get(o, "seq"));
    bool ok = cli_json_get_body(o, "partition_key", "partition_key_encoding", &pk, &pk_len);
    ok = ok && cli_json_get_body(o, "data", "data_encoding", &data, &data_len);
    memset(e, 0, sizeof *e);
    e->size = sizeof *e;
    e->partition_key.data = pk;
    e->partition_key.len = pk_len;
    e->data.data = data;
    e->data.len = data_len;
    if (!ok) {
        *why = "no usable \"partition_key\" or \"data\"";
        return false;
    }
    if (x->c.im->new_ids)
        return true;
    memset(r, 0, sizeof *r);
    r->size = sizeof *r;
    r->partition_key = e->partition_key;
    r->data = e->data;
    r->arrival_ms = json_u64(o, "arrival_ms", NULL);
    if (seq == NULL || strlen(seq) != EDDY_STREAM_SEQ_LEN || r->arrival_ms == 0) {
        *why = "no \"seq\" or \"arrival_ms\" to keep (pass --new-ids to put it as a new record)";
        return false;
    }
    memcpy(x->seqs[i], seq, EDDY_STREAM_SEQ_LEN + 1);
    r->seq = x->seqs[i];
    return true;
}

static int record_flush(void *ctx, size_t n, int *rcs)
{
    struct stream_import *x = ctx;
    size_t i;
    int rc = x->c.im->new_ids
                 ? eddy_stream_put_batch(x->c.env, x->c.name, x->puts, n, x->res, NULL)
                 : eddy_stream_restore_batch(x->c.env, x->c.name, x->restores, n, x->res);
    /* A failed put batch marks every entry with the call's code: report it once. */
    for (i = 0; i < n; i++)
        rcs[i] = rc != 0 && x->c.im->new_ids ? 0 : x->res[i].rc;
    return rc;
}

/* The highest "shard_id" of the input's lines (0 when none), for --create. */
static uint32_t max_shard_id(const unsigned char *buf, size_t len)
{
    size_t pos = 0;
    uint64_t max = 0;
    while (pos < len) {
        const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        json_error_t err;
        json_t *o = end > pos ? json_loadb((const char *)buf + pos, end - pos, 0, &err) : NULL;
        uint64_t id = json_u64(o, "shard_id", NULL);
        max = id > max && id < EDDY_STREAM_SHARDS_MAX ? id : max;
        json_decref(o);
        pos = end + 1;
    }
    return (uint32_t)max;
}

/* A decimal hash key: 1..EDDY_STREAM_HASH_KEY_LEN digits. */
static bool hash_key_ok(json_t *v, char *dst)
{
    const char *k = json_string_value(v);
    size_t n = k != NULL ? strlen(k) : 0;
    if (n == 0 || n > EDDY_STREAM_HASH_KEY_LEN || strspn(k, "0123456789") != n)
        return false;
    memcpy(dst, k, n + 1);
    return true;
}

/* A shard id field: absent or null is NO_SHARD when null_ok; else an integer below max. */
static bool shard_field(json_t *o, const char *key, bool null_ok, uint32_t max, uint32_t *out)
{
    json_t *v = json_object_get(o, key);
    *out = EDDY_STREAM_NO_SHARD;
    if (v == NULL || json_is_null(v))
        return null_ok;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= max)
        return false;
    *out = (uint32_t)json_integer_value(v);
    return true;
}

/* The header's "shards": increasing ids, parents below their children. */
static const char *parse_lineage(struct stream_import *x, json_t *arr)
{
    json_t *o;
    size_t i;
    if (arr == NULL)
        return NULL;
    if (!json_is_array(arr) || json_array_size(arr) > EDDY_STREAM_SHARDS_MAX)
        return "\"shards\" is not an array of at most 4096 shards";
    x->lin = calloc(json_array_size(arr) + 1, sizeof *x->lin);
    if (x->lin == NULL)
        return "out of memory";
    json_array_foreach(arr, i, o)
    {
        struct lineage *l = &x->lin[i];
        if (!json_is_object(o) ||
            !shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &l->id))
            return "a shard has no valid \"shard_id\"";
        if (i > 0 && l->id <= x->lin[i - 1].id)
            return "the shards are not in increasing shard_id order";
        if (!shard_field(o, "parent_id", true, l->id, &l->parent) ||
            !shard_field(o, "adjacent_parent_id", true, l->id, &l->adjacent) ||
            (l->parent == EDDY_STREAM_NO_SHARD && l->adjacent != EDDY_STREAM_NO_SHARD))
            return "a shard's parent_id or adjacent_parent_id is not an older shard";
        if (!hash_key_ok(json_object_get(o, "starting_hash_key"), l->start) ||
            !hash_key_ok(json_object_get(o, "ending_hash_key"), l->end))
            return "a shard's starting_hash_key or ending_hash_key is not a decimal hash key";
        x->n_lin++;
    }
    return NULL;
}

/* The header's "checkpoints": consumer, shard_id, seq, state (+ state_encoding). */
static const char *parse_checkpoints(struct stream_import *x, json_t *arr)
{
    json_t *o;
    size_t i;
    if (arr == NULL)
        return NULL;
    if (!json_is_array(arr))
        return "\"checkpoints\" is not an array";
    x->cps = calloc(json_array_size(arr) + 1, sizeof *x->cps);
    if (x->cps == NULL)
        return "out of memory";
    json_array_foreach(arr, i, o)
    {
        struct saved_checkpoint *cp = &x->cps[i];
        const char *consumer = json_string_value(json_object_get(o, "consumer"));
        const char *seq = json_string_value(json_object_get(o, "seq"));
        if (consumer == NULL || strlen(consumer) == 0 || strlen(consumer) > EDDY_CONSUMER_NAME_MAX)
            return "a checkpoint has no valid \"consumer\"";
        if (seq == NULL || strlen(seq) == 0 || strlen(seq) > EDDY_STREAM_SEQ_LEN)
            return "a checkpoint has no valid \"seq\"";
        if (!shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &cp->shard_id))
            return "a checkpoint has no valid \"shard_id\"";
        strcpy(cp->consumer, consumer);
        strcpy(cp->seq, seq);
        x->n_cps++;
        if (json_object_get(o, "state") != NULL &&
            !cli_json_get_body(o, "state", "state_encoding", &cp->state, &cp->state_len))
            return "a checkpoint's \"state\" is not valid";
    }
    return NULL;
}

static int stream_header(struct cli *cli, void *ctx, json_t *h)
{
    struct stream_import *x = ctx;
    const char *why = "attributes";
    if (!cli_stream_options_from_json(json_object_get(h, "attributes"), &x->want, &why)) {
        cli_err(cli, "line %zu: bad export header: attribute \"%s\" is missing or not valid",
                x->c.header_line, why);
        return CLI_EXIT_FAIL;
    }
    if ((why = parse_lineage(x, json_object_get(h, "shards"))) != NULL ||
        (why = parse_checkpoints(x, json_object_get(h, "checkpoints"))) != NULL) {
        cli_err(cli, "line %zu: bad export header: %s", x->c.header_line, why);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static void stream_drop(void *ctx)
{
    struct stream_import *x = ctx;
    size_t i;
    for (i = 0; i < x->n_cps; i++)
        free(x->cps[i].state);
    free(x->cps);
    free(x->lin);
    free(x->present);
    free(x->starts);
    free(x->newest);
}

/* The header's lineage entry for shard id, or NULL. */
static const struct lineage *lineage_of(const struct stream_import *x, uint32_t id)
{
    size_t lo = 0, hi = x->n_lin;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->lin[mid].id == id)
            return &x->lin[mid];
        if (x->lin[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/*
 * Before restoring: every shard the target has must be the export's (same range and parents),
 * or one of its original shards that the export no longer lists (expired in the source; a
 * replayed split or merge closes it again). Marks them present.
 */
static int lineage_check(struct cli *cli, struct stream_import *x, uint32_t original)
{
    eddy_stream_shard *sh = NULL;
    size_t n = 0, i;
    int ex = CLI_EXIT_OK, rc = cli_stream_shards(x->c.env, x->c.name, &sh, &n);
    x->present = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *x->present);
    x->starts = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *x->starts);
    if (rc == 0 && (x->present == NULL || x->starts == NULL))
        rc = EDDY_ENOMEM;
    if (rc != 0) {
        free(sh);
        return cli_fail(cli, rc, "cannot list the shards of stream '%s'", x->c.name);
    }
    for (i = 0; i < n && ex == 0; i++) {
        const eddy_stream_shard *t = &sh[i];
        const struct lineage *l = lineage_of(x, t->shard_id);
        bool same =
            l != NULL && l->parent == t->parent_id && l->adjacent == t->adjacent_parent_id &&
            strcmp(l->start, t->starting_hash_key) == 0 && strcmp(l->end, t->ending_hash_key) == 0;
        if (!same && (l != NULL || t->shard_id >= original)) {
            cli_err(cli,
                    "line %zu: shard %u of stream '%s' is not the export's shard %u (other hash "
                    "range or parents): import with --new-ids, or into a new stream",
                    x->c.header_line, t->shard_id, x->c.name, t->shard_id);
            ex = CLI_EXIT_FAIL;
        }
        x->present[t->shard_id] = true;
        strcpy(x->starts[t->shard_id], t->starting_hash_key);
    }
    free(sh);
    x->replay = ex == 0;
    return ex;
}

/* key + 1 in decimal into dst (EDDY_STREAM_HASH_KEY_LEN + 2 bytes). */
static void hash_key_inc(const char *key, char *dst)
{
    size_t n = strlen(key), i = n;
    memcpy(dst + 1, key, n + 1);
    dst[0] = '0';
    while (i > 0 && dst[i] == '9')
        dst[i--] = '0';
    dst[i]++;
    if (dst[0] == '0')
        memmove(dst, dst + 1, n + 1);
}

/* Rebuild shard l by the split or merge that made it in the source. */
static int replay_one(struct cli *cli, struct stream_import *x, const struct lineage *l,
                      size_t line)
{
    const struct lineage *sib = lineage_of(x, l->id + 1);
    uint32_t kids[2] = {EDDY_STREAM_NO_SHARD, EDDY_STREAM_NO_SHARD}, want = 0;
    char key[EDDY_STREAM_HASH_KEY_LEN + 2];
    int rc;
    if (l->parent == EDDY_STREAM_NO_SHARD || !x->present[l->parent]) {
        cli_err(cli,
                "line %zu: cannot rebuild shard %u of stream '%s': its parent is not in the "
                "target (it expired in the source?)",
                line, l->id, x->c.name);
        return CLI_EXIT_FAIL;
    }
    if (l->adjacent != EDDY_STREAM_NO_SHARD) {
        rc = eddy_stream_merge_shards(x->c.env, x->c.name, l->parent, l->adjacent, &kids[0]);
    } else {
        if (sib != NULL && sib->parent == l->parent && sib->adjacent == EDDY_STREAM_NO_SHARD) {
            strcpy(key, sib->start); /* l is the lower child, its sibling the upper */
        } else if (strcmp(l->start, x->starts[l->parent]) == 0) {
            hash_key_inc(l->end, key); /* the lower child; its sibling expired */
        } else {
            strcpy(key, l->start); /* the upper child */
            want = 1;
        }
        rc = eddy_stream_split_shard(x->c.env, x->c.name, l->parent, key, kids);
    }
    if (rc != 0)
        return cli_fail(cli, rc, "line %zu: cannot rebuild shard %u of stream '%s'", line, l->id,
                        x->c.name);
    if (kids[0] >= EDDY_STREAM_SHARDS_MAX ||
        (kids[1] != EDDY_STREAM_NO_SHARD && kids[1] >= EDDY_STREAM_SHARDS_MAX)) {
        cli_err(cli, "line %zu: the library returned shard ids beyond EDDY_STREAM_SHARDS_MAX",
                line);
        return CLI_EXIT_FAIL;
    }
    /* A child starts where its (lower) parent did; a split's upper child at the key. */
    memmove(x->starts[kids[0]], x->starts[l->parent], sizeof x->starts[0]);
    x->present[kids[0]] = true;
    if (kids[1] != EDDY_STREAM_NO_SHARD) {
        strcpy(x->starts[kids[1]], key);
        x->present[kids[1]] = true;
    }
    if (kids[want] != l->id) {
        cli_err(cli,
                "line %zu: rebuilding shard %u of stream '%s' made shard %u: the export's "
                "lineage cannot be replayed here",
                line, l->id, x->c.name, kids[want]);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* Rebuild every missing shard of the lineage with an id up to `limit`, in id order. */
static int replay_upto(struct cli *cli, struct stream_import *x, uint32_t limit, size_t line)
{
    int ex = CLI_EXIT_OK;
    while (ex == 0 && x->next < x->n_lin && x->lin[x->next].id <= limit) {
        if (!x->present[x->lin[x->next].id])
            ex = replay_one(cli, x, &x->lin[x->next], line);
        x->next++;
    }
    return ex;
}

/* A record needs its shard (and every older one of the lineage) rebuilt first. */
static bool record_needs(void *ctx, json_t *o)
{
    struct stream_import *x = ctx;
    uint32_t id;
    if (!x->replay || !shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &id))
        return false;
    while (x->next < x->n_lin && x->present[x->lin[x->next].id])
        x->next++;
    return x->next < x->n_lin && x->lin[x->next].id <= id;
}

static int record_prepare(struct cli *cli, void *ctx, json_t *o, size_t line)
{
    uint32_t id = 0;
    shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &id);
    return replay_upto(cli, ctx, id, line);
}

/* After the records: the rest of the lineage, then the checkpoints. */
static int stream_finish(struct cli *cli, void *ctx)
{
    struct stream_import *x = ctx;
    size_t i, n = 0;
    int ex = x->replay ? replay_upto(cli, x, UINT32_MAX, x->c.header_line) : CLI_EXIT_OK;
    if (ex == 0 && x->c.im->new_ids && x->n_cps > 0)
        cli_err(cli,
                "note: %zu checkpoints not restored: --new-ids gives the records new "
                "sequence numbers",
                x->n_cps);
    for (i = 0; ex == 0 && !x->c.im->new_ids && i < x->n_cps; i++) {
        const struct saved_checkpoint *cp = &x->cps[i];
        eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
        int rc;
        w.stream = x->c.name;
        w.consumer = cp->consumer;
        w.shard_id = cp->shard_id;
        w.seq = cp->seq;
        w.state.data = cp->state;
        w.state.len = cp->state_len;
        if ((rc = eddy_checkpoint_set(x->c.env, &w)) != 0) {
            cli_err(cli,
                    "line %zu: cannot restore consumer '%s''s checkpoint on shard %u at %s (is "
                    "that record in the target?): %s: %s",
                    x->c.header_line, cp->consumer, cp->shard_id, cp->seq, eddy_errname(rc),
                    eddy_last_error());
            ex = CLI_EXIT_FAIL;
        }
        n++;
    }
    if (ex == 0 && n > 0 && x->c.summary != NULL)
        fprintf(x->c.summary, "restored %zu checkpoint%s of stream '%s'\n", n, n == 1 ? "" : "s",
                x->c.name);
    return ex;
}

/* An existing stream against the header: equal, kept (--keep-attributes) or changed (all but
 * the hash and the shards at creation can change). */
static int stream_reconcile(struct cli *cli, struct stream_import *x, const eddy_stream_info *info)
{
    eddy_stream_options io = cli_stream_options_of(info);
    json_t *have = cli_stream_options_json(&io);
    json_t *want = cli_stream_options_json(&x->want);
    bool changeable;
    char *diff = attr_diff(have, want, stream_changeable, &changeable);
    int ex = CLI_EXIT_OK, rc;
    json_decref(have);
    json_decref(want);
    if (diff == NULL || x->c.im->keep_attributes) {
        free(diff);
        return CLI_EXIT_OK;
    }
    if (!x->c.im->apply_attributes) {
        ex = attr_mismatch(cli, x, diff);
    } else if (!changeable) {
        cli_err(cli,
                "line %zu: stream '%s' differs from the export in attributes that cannot "
                "change (its hash or its shards at creation): %s; pass --keep-attributes to "
                "keep them",
                x->c.header_line, x->c.name, diff);
        ex = CLI_EXIT_FAIL;
    } else if ((rc = eddy_stream_set_attributes(x->c.env, x->c.name, &x->want,
                                                EDDY_STREAM_SET_ALL)) != 0) {
        ex = cli_fail(cli, rc, "line %zu: cannot give stream '%s' the export's attributes",
                      x->c.header_line, x->c.name);
    }
    free(diff);
    return ex;
}

/* --skip-existing: each shard's newest sequence number, into x->newest. */
static int stream_newest(struct stream_import *x)
{
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    int rc = cli_stream_shards(x->c.env, x->c.name, &shards, &n);
    x->newest = rc == 0 ? calloc(EDDY_STREAM_SHARDS_MAX, sizeof *x->newest) : NULL;
    if (rc == 0 && x->newest == NULL)
        rc = EDDY_ENOMEM;
    for (i = 0; rc == 0 && i < n; i++)
        if (shards[i].shard_id < EDDY_STREAM_SHARDS_MAX)
            memcpy(x->newest[shards[i].shard_id], shards[i].last_seq, sizeof x->newest[0]);
    free(shards);
    return rc;
}

/* --skip-existing: a record whose seq is at or below its shard's newest is stored already. */
static bool record_exists(void *ctx, json_t *o)
{
    const struct stream_import *x = ctx;
    json_t *id = json_object_get(o, "shard_id");
    const char *seq = json_string_value(json_object_get(o, "seq"));
    json_int_t shard = json_is_integer(id) ? json_integer_value(id) : -1;
    if (seq == NULL || shard < 0 || shard >= EDDY_STREAM_SHARDS_MAX || x->newest == NULL)
        return false;
    if (x->newest[shard][0] == '\0' || strlen(seq) != EDDY_STREAM_SEQ_LEN)
        return false;
    return strcmp(seq, x->newest[shard]) <= 0;
}

static int stream_target(struct cli *cli, void *ctx, const unsigned char *buf, size_t len,
                         uint32_t *batch_max)
{
    struct stream_import *x = ctx;
    bool header = x->c.header_line != 0;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    int ex = CLI_EXIT_OK, rc = eddy_stream_get_attributes(x->c.env, x->c.name, &info);
    if (rc == EDDY_ENOTFOUND && x->c.im->create) {
        o = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
        o.shard_count = x->c.im->new_ids ? 1 : max_shard_id(buf, len) + 1;
        rc = eddy_stream_create(x->c.env, x->c.name, header ? &x->want : &o);
        if (rc != 0 && header)
            return cli_fail(cli, rc,
                            "line %zu: cannot create stream '%s' with the export's attributes",
                            x->c.header_line, x->c.name);
    } else if (rc == 0 && header) {
        ex = stream_reconcile(cli, x, &info);
    }
    if (rc == 0 && ex == 0)
        rc = eddy_stream_get_attributes(x->c.env, x->c.name, &info);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot import into stream '%s'", x->c.name);
    if (ex == 0 && header && !x->c.im->new_ids && x->n_lin > 0)
        ex = lineage_check(cli, x, info.shard_count);
    if (ex == 0 && x->c.im->skip_existing && (rc = stream_newest(x)) != 0)
        return cli_fail(cli, rc, "cannot read the shards of stream '%s'", x->c.name);
    *batch_max = info.batch_max;
    return ex;
}

static bool stream_alloc(void *ctx, uint32_t batch_max)
{
    struct stream_import *x = ctx;
    x->puts = calloc(batch_max, sizeof *x->puts);
    if (x->puts != NULL)
        EDDY_ARRAY_INIT(x->puts, batch_max);
    x->restores = calloc(batch_max, sizeof *x->restores);
    if (x->restores != NULL)
        EDDY_ARRAY_INIT(x->restores, batch_max);
    x->seqs = calloc(batch_max, sizeof *x->seqs);
    x->res = calloc(batch_max, sizeof *x->res);
    if (x->res != NULL)
        EDDY_ARRAY_INIT(x->res, batch_max);
    return x->puts != NULL && x->restores != NULL && x->seqs != NULL && x->res != NULL;
}

static void stream_free(void *ctx)
{
    struct stream_import *x = ctx;
    free(x->puts);
    free(x->restores);
    free(x->seqs);
    free(x->res);
}

static const struct import_ops stream_ops = {
    "stream",      "record",     stream_header,  stream_target, stream_alloc,
    stream_free,   record_needs, record_prepare, record_parse,  NULL,
    record_exists, record_flush, record_release, stream_finish, stream_drop};

int cli_import_lines(struct cli *cli, eddy_env *env, const struct cli_import *im,
                     const unsigned char *buf, size_t len, FILE *summary, size_t *done_out)
{
    *done_out = 0;
    if (im->stream != NULL) {
        struct stream_import x;
        memset(&x, 0, sizeof x);
        x.c.env = env;
        x.c.name = im->stream;
        x.c.im = im;
        x.c.summary = summary;
        return import_into(cli, &stream_ops, &x, buf, len, summary, done_out);
    }
    struct queue_import x;
    memset(&x, 0, sizeof x);
    x.c.env = env;
    x.c.name = im->queue;
    x.c.im = im;
    x.c.summary = summary;
    return import_into(cli, &queue_ops, &x, buf, len, summary, done_out);
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"queue", required_argument, NULL, 'q'},
        {"stream", required_argument, NULL, 's'},
        {"file", required_argument, NULL, 'f'},
        {"new-ids", no_argument, NULL, 'n'},
        {"new-seqs", no_argument, NULL, 'n'},
        {"create", no_argument, NULL, 'c'},
        {"keep-attributes", no_argument, NULL, 'k'},
        {"apply-attributes", no_argument, NULL, 'a'},
        {"skip-existing", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    const char *queue = NULL, *stream = NULL, *file = "-";
    bool new_ids = false, create = false, keep = false, apply = false, skip = false;
    unsigned char *buf = NULL;
    eddy_env *env = NULL;
    size_t len = 0, done = 0;
    int c, ex;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_import, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'q') {
            queue = optarg;
        } else if (c == 's') {
            stream = optarg;
        } else if (c == 'f') {
            file = optarg;
        } else if (c == 'n') {
            new_ids = true;
        } else if (c == 'c') {
            create = true;
        } else if (c == 'k') {
            keep = true;
        } else if (c == 'a') {
            apply = true;
        } else if (c == 'S') {
            skip = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((queue == NULL) == (stream == NULL))
        return cli_usage(cli, "give one of --queue NAME or --stream NAME");
    if (keep && apply)
        return cli_usage(cli, "give at most one of --keep-attributes and --apply-attributes");
    if (skip && new_ids)
        return cli_usage(cli, "--skip-existing keeps ids; it cannot go with --new-ids");
    if (!cli_read_file(cli, file, &buf, &len))
        return CLI_EXIT_FAIL;
    if ((ex = cli_open(cli, create ? CLI_OPEN_CREATE : CLI_OPEN_WRITE, &env)) == 0) {
        struct cli_import im = {queue, stream, new_ids, create, keep, apply, skip};
        cli_interrupt_install();
        ex = cli_close(cli, env, cli_import_lines(cli, env, &im, buf, len, stdout, &done));
    }
    free(buf);
    return ex;
}
