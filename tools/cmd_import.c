/*
 * cmd_import.c: `eddy import`: messages from JSON lines (the form `eddy export --queue` writes;
 * `eddy queue receive`'s form too) into a queue, or records (the form `eddy export --stream`
 * writes) into a stream, in batches of batch_max, with progress.
 *
 * By default ids, sequence numbers and timestamps are kept (eddy_queue_restore_batch,
 * eddy_stream_restore_batch: each batch is all or nothing, and the library refuses ids that
 * collide or go backwards). --new-ids sends or puts instead: new ids and times.
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
    "usage: eddy import --queue NAME [--new-ids] [--file F] [--create]\n"
    "       eddy import --stream NAME [--new-ids] [--file F] [--create]\n"
    "\n"
    "Reads JSON lines from F (default stdin). For a queue, each is an object with \"body\"\n"
    "(text, or base64 when \"body_encoding\" is \"base64\"), optionally \"attrs\"\n"
    "([{\"name\",\"type\",\"value\",\"value_encoding\"}]), and to keep its identity \"msg_id\",\n"
    "\"sent_ms\" and optionally \"enqueued_ms\", \"receive_count\", \"first_receive_ms\",\n"
    "\"visible_ms\", \"origin_queue_id\", \"origin_msg_id\": the form `eddy export --queue`\n"
    "writes. For a stream, each has \"partition_key\" and \"data\" (with *_encoding), and to\n"
    "keep them \"seq\" and \"arrival_ms\": the form `eddy export --stream` writes.\n"
    "\n"
    "By default the ids, sequence numbers and timestamps are kept: the target must not hold\n"
    "(or have handed out) ids at or above the imported ones, and each batch of batch_max\n"
    "lines is stored all or nothing. A message in flight is restored visible (its receipt is\n"
    "not carried over).\n"
    "\n"
    "  --new-ids  send or put instead: messages get new ids and send times, records new\n"
    "             sequence numbers and arrival times (each key's records keep their order);\n"
    "             --new-seqs is the same\n"
    "  --create   create the queue or stream with default attributes when it does not exist;\n"
    "             a stream keeping its sequence numbers gets as many shards as the highest\n"
    "             shard id in the input plus one\n"
    "  --file F   read from F instead of stdin\n"
    "\n"
    "Examples: eddy --db old export --queue orders | eddy --db new import --queue orders --create\n"
    "          eddy --db new import --stream clicks --new-ids --file clicks.jsonl\n",
    run};

/* ---- reading lines in batches ---- */

/* What every import knows; first member of each kind's context. */
struct import_common {
    eddy_env *env;
    const char *name;
    bool new_ids;
};

/* What one kind of import does with its lines (slots 0..batch_max-1 hold parsed lines). */
struct import_ops {
    const char *kind; /* "queue" or "stream" */
    const char *unit; /* "message" or "record" */
    /* Find (or with create, create) the target; its batch_max into *batch_max. */
    int (*target)(void *ctx, bool create, const unsigned char *buf, size_t len,
                  uint32_t *batch_max);
    /* Allocate batch_max slots (false when out of memory); free them. */
    bool (*alloc)(void *ctx, uint32_t batch_max);
    void (*free)(void *ctx);
    /* Parse a line into slot i; false with a reason in *why when it is not usable. */
    bool (*parse)(void *ctx, json_t *o, size_t i, const char **why);
    /* Store slots 0..n-1: the call's code, and each slot's in rcs[i]. */
    int (*flush)(void *ctx, size_t n, int *rcs);
    void (*release)(void *ctx, size_t i);
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
        return cli_fail(cli, rc, "import stopped after %zu %ss", *done, ops->unit);
    for (i = 0; i < n; i++)
        *done += rcs[i] == 0;
    return result;
}

/* Parse every non-empty line and flush each batch_max of them. */
static int import_loop(struct cli *cli, const struct import_ops *ops, void *ctx,
                       const unsigned char *buf, size_t len, uint32_t batch_max, size_t *done)
{
    size_t *lines = calloc(batch_max, sizeof *lines);
    int *rcs = calloc(batch_max, sizeof *rcs);
    struct cli_progress *prog = cli_progress_start(cli, "import", count_lines(buf, len));
    size_t pos = 0, line = 0, n = 0, i;
    int result = lines == NULL || rcs == NULL ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    if (result != 0)
        cli_err(cli, "out of memory");
    while (result == 0 && (pos < len || n > 0)) {
        while (result == 0 && pos < len && n < batch_max) {
            const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl != NULL ? (size_t)(nl - buf) : len;
            line++;
            if (end > pos) {
                json_error_t err;
                json_t *o = json_loadb((const char *)buf + pos, end - pos, 0, &err);
                const char *why = "not a JSON object";
                if (!json_is_object(o) || !ops->parse(ctx, o, n, &why)) {
                    cli_err(cli, "line %zu: not a %s JSON object: %s", line, ops->unit, why);
                    result = CLI_EXIT_FAIL;
                }
                lines[n++] = line;
                json_decref(o);
            }
            pos = end + 1;
        }
        if (n > 0 && result == 0)
            result = flush(cli, ops, ctx, n, lines, rcs, done);
        for (i = 0; i < n; i++)
            ops->release(ctx, i);
        n = 0;
        cli_progress_update(prog, line);
    }
    cli_progress_end(prog, line);
    free(lines);
    free(rcs);
    return result;
}

/* Find the target in the open env and import every line into it (cli_import_lines). */
static int import_into(struct cli *cli, const struct import_ops *ops, void *ctx, bool create,
                       const unsigned char *buf, size_t len, FILE *summary, size_t *done)
{
    struct import_common *c = ctx;
    uint32_t batch_max = 0;
    int ex, rc;
    if ((rc = ops->target(ctx, create, buf, len, &batch_max)) != 0)
        return cli_fail(cli, rc, "cannot import into %s '%s'", ops->kind, c->name);
    if (!ops->alloc(ctx, batch_max)) {
        cli_err(cli, "out of memory");
        ex = CLI_EXIT_FAIL;
    } else {
        ex = import_loop(cli, ops, ctx, buf, len, batch_max, done);
        if (summary != NULL)
            fprintf(summary, "imported %zu %s%s into %s '%s'\n", *done, ops->unit,
                    *done == 1 ? "" : "s", ops->kind, c->name);
    }
    ops->free(ctx);
    return ex;
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
};

struct queue_import {
    struct import_common c;
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
    e->body.data = m->body;
    e->body.len = m->body_len;
    e->attrs = m->n_attrs != 0 ? m->attrs : NULL;
    e->attr_count = m->n_attrs;
    if (x->c.new_ids)
        return true;
    memset(r, 0, sizeof *r);
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
    return true;
}

static int msg_flush(void *ctx, size_t n, int *rcs)
{
    struct queue_import *x = ctx;
    size_t i;
    int rc = x->c.new_ids ? eddy_queue_send_batch(x->c.env, x->c.name, x->sends, n, x->res)
                          : eddy_queue_restore_batch(x->c.env, x->c.name, x->restores, n, x->res);
    for (i = 0; i < n; i++)
        rcs[i] = x->res[i].rc;
    return rc;
}

static int queue_target(void *ctx, bool create, const unsigned char *buf, size_t len,
                        uint32_t *batch_max)
{
    struct queue_import *x = ctx;
    eddy_queue_info info;
    int rc = eddy_queue_get_attributes(x->c.env, x->c.name, &info);
    (void)buf;
    (void)len;
    if (rc == EDDY_ENOTFOUND && create) {
        rc = eddy_queue_create(x->c.env, x->c.name, NULL);
        if (rc == 0)
            rc = eddy_queue_get_attributes(x->c.env, x->c.name, &info);
    }
    *batch_max = rc == 0 ? info.options.batch_max : 0;
    return rc;
}

static bool queue_alloc(void *ctx, uint32_t batch_max)
{
    struct queue_import *x = ctx;
    x->msgs = calloc(batch_max, sizeof *x->msgs);
    x->sends = calloc(batch_max, sizeof *x->sends);
    x->restores = calloc(batch_max, sizeof *x->restores);
    x->res = calloc(batch_max, sizeof *x->res);
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

static const struct import_ops queue_ops = {"queue",    "message", queue_target, queue_alloc,
                                            queue_free, msg_parse, msg_flush,    msg_release};

/* ---- streams ---- */

struct stream_import {
    struct import_common c;
    eddy_stream_put_entry *puts;
    eddy_stream_restore_entry *restores;
    char (*seqs)[EDDY_STREAM_SEQ_LEN + 1];
    eddy_stream_put_result *res;
};

static void record_release(void *ctx, size_t i)
{
    eddy_stream_put_entry *e = &((struct stream_import *)ctx)->puts[i];
    free((void *)(uintptr_t)e->partition_key.data);
    free((void *)(uintptr_t)e->data.data);
    memset(e, 0, sizeof *e);
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
    e->partition_key.data = pk;
    e->partition_key.len = pk_len;
    e->data.data = data;
    e->data.len = data_len;
    if (!ok) {
        *why = "no usable \"partition_key\" or \"data\"";
        return false;
    }
    if (x->c.new_ids)
        return true;
    memset(r, 0, sizeof *r);
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
    int rc = x->c.new_ids ? eddy_stream_put_batch(x->c.env, x->c.name, x->puts, n, x->res, NULL)
                          : eddy_stream_restore_batch(x->c.env, x->c.name, x->restores, n, x->res);
    /* A failed put batch marks every entry with the call's code: report it once. */
    for (i = 0; i < n; i++)
        rcs[i] = rc != 0 && x->c.new_ids ? 0 : x->res[i].rc;
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

static int stream_target(void *ctx, bool create, const unsigned char *buf, size_t len,
                         uint32_t *batch_max)
{
    struct stream_import *x = ctx;
    eddy_stream_options o;
    eddy_stream_info info;
    int rc = eddy_stream_describe(x->c.env, x->c.name, &info);
    if (rc == EDDY_ENOTFOUND && create) {
        memset(&o, 0, sizeof o);
        o.shard_count = x->c.new_ids ? 1 : max_shard_id(buf, len) + 1;
        rc = eddy_stream_create(x->c.env, x->c.name, &o);
        if (rc == 0)
            rc = eddy_stream_describe(x->c.env, x->c.name, &info);
    }
    *batch_max = rc == 0 ? info.options.batch_max : 0;
    return rc;
}

static bool stream_alloc(void *ctx, uint32_t batch_max)
{
    struct stream_import *x = ctx;
    x->puts = calloc(batch_max, sizeof *x->puts);
    x->restores = calloc(batch_max, sizeof *x->restores);
    x->seqs = calloc(batch_max, sizeof *x->seqs);
    x->res = calloc(batch_max, sizeof *x->res);
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

static const struct import_ops stream_ops = {"stream",     "record",      stream_target,
                                             stream_alloc, stream_free,   record_parse,
                                             record_flush, record_release};

int cli_import_lines(struct cli *cli, eddy_env *env, const struct cli_import *im,
                     const unsigned char *buf, size_t len, FILE *summary, size_t *done_out)
{
    *done_out = 0;
    if (im->stream != NULL) {
        struct stream_import x;
        memset(&x, 0, sizeof x);
        x.c.env = env;
        x.c.name = im->stream;
        x.c.new_ids = im->new_ids;
        return import_into(cli, &stream_ops, &x, im->create, buf, len, summary, done_out);
    }
    struct queue_import x;
    memset(&x, 0, sizeof x);
    x.c.env = env;
    x.c.name = im->queue;
    x.c.new_ids = im->new_ids;
    return import_into(cli, &queue_ops, &x, im->create, buf, len, summary, done_out);
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
        {NULL, 0, NULL, 0}};
    const char *queue = NULL, *stream = NULL, *file = "-";
    bool new_ids = false, create = false;
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
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((queue == NULL) == (stream == NULL))
        return cli_usage(cli, "give one of --queue NAME or --stream NAME");
    if (!cli_read_file(cli, file, &buf, &len))
        return CLI_EXIT_FAIL;
    if ((ex = cli_open(cli, create ? CLI_OPEN_CREATE : CLI_OPEN_WRITE, &env)) == 0) {
        struct cli_import im = {queue, stream, new_ids, create};
        ex = cli_close(cli, env, cli_import_lines(cli, env, &im, buf, len, stdout, &done));
    }
    free(buf);
    return ex;
}
