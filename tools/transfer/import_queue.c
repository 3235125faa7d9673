/*
 * import_queue.c: `eddy import --queue`: messages (the form `eddy export --queue` and
 * `eddy queue receive` write) restored with their ids and times (eddy_queue_restore_batch), or
 * sent anew with --new-ids; the export header's attributes create or reconcile the queue (and
 * its dead-letter queue).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrays.h"
#include "attrs.h"
#include "json.h"
#include "queue_forms.h"
#include "import_lines.h"

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
    char src[EDDY_QUEUE_NAME_MAX + 1];      /* the header's queue: --new-ids dedup ids */
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

/*
 * --new-ids into a FIFO queue: the exported dedup id may be content-based, and two messages sent
 * more than the 5-minute interval apart with one id would land in one interval here, the second
 * dropped as a duplicate. So each message gets an id of its own, "imp-<source queue>-<msg id>"
 * (at most 4 + EDDY_QUEUE_NAME_MAX + 1 + 20 characters, within the 128 allowed), which a re-run of
 * the same import still deduplicates. A line without msg_id keeps its exported id.
 */
static bool new_dedup_id(struct queue_import *x, json_t *o, struct line_msg *m,
                         eddy_queue_send_entry *e, const char **why)
{
    bool has_id;
    uint64_t id = cli_import_json_u64(o, "msg_id", &has_id);
    char d[160];
    if (m->group == NULL || !has_id)
        return true;
    snprintf(d, sizeof d, "imp-%s-%llu", x->src[0] != '\0' ? x->src : "q", (unsigned long long)id);
    free(m->dedup);
    if ((m->dedup = strdup(d)) == NULL) {
        *why = "out of memory";
        return false;
    }
    e->dedup_id = m->dedup;
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
        return new_dedup_id(x, o, m, e, why);
    memset(r, 0, sizeof *r);
    r->size = sizeof *r;
    r->body = e->body;
    r->attrs = e->attrs;
    r->attr_count = e->attr_count;
    r->msg_id = cli_import_json_u64(o, "msg_id", &has_id);
    r->sent_ms = cli_import_json_u64(o, "sent_ms", &has_sent);
    if (!has_id || !has_sent) {
        *why = "no \"msg_id\" or \"sent_ms\" to keep (pass --new-ids to send it as a new message)";
        return false;
    }
    r->enqueued_ms = cli_import_json_u64(o, "enqueued_ms", NULL);
    r->receive_count = (uint32_t)cli_import_json_u64(o, "receive_count", NULL);
    r->first_receive_ms = cli_import_json_u64(o, "first_receive_ms", NULL);
    r->visible_ms = cli_import_json_u64(o, "visible_ms", NULL);
    r->origin_queue_id = cli_import_json_u64(o, "origin_queue_id", NULL);
    r->origin_msg_id = cli_import_json_u64(o, "origin_msg_id", NULL);
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
    uint64_t id = cli_import_json_u64(o, "msg_id", &has_id);
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
    for (i = 0; i < n; i++) {
        rcs[i] = x->res[i].rc;
        /* a duplicate stored nothing: it failed to import, never counted as imported */
        if (rcs[i] == 0 && x->c.im->new_ids && x->res[i].duplicate)
            rcs[i] = EDDY_EEXIST;
    }
    return rc;
}

static const char *msg_explain(void *ctx, size_t i)
{
    const struct queue_import *x = ctx;
    if (x->res[i].rc == 0 && x->res[i].duplicate)
        return "a duplicate within the target's 5-minute deduplication interval: not stored";
    return NULL;
}

static int queue_header(struct cli *cli, void *ctx, json_t *h)
{
    struct queue_import *x = ctx;
    const char *why = "attributes", *src = json_string_value(json_object_get(h, "queue"));
    snprintf(x->src, sizeof x->src, "%s", src != NULL ? src : "");
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
    char *diff = cli_import_attr_diff(have, want, NULL, &changeable);
    int ex = CLI_EXIT_OK, rc;
    json_decref(have);
    json_decref(want);
    if (diff == NULL || x->c.im->keep_attributes) {
        free(diff);
        return CLI_EXIT_OK;
    }
    if (!x->c.im->apply_attributes) {
        ex = cli_import_attr_mismatch(cli, x, diff);
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
    CLI_ARRAY_NEW(x->sends, batch_max);
    CLI_ARRAY_NEW(x->restores, batch_max);
    CLI_ARRAY_NEW(x->res, batch_max);
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

static const struct import_ops queue_ops = {"queue",     "message",    queue_header, queue_target,
                                            queue_alloc, queue_free,   NULL,         NULL,
                                            msg_parse,   msg_bytes,    msg_exists,   msg_flush,
                                            msg_release, queue_finish, queue_drop,   msg_explain};

int cli_import_queue(struct cli *cli, eddy_env *env, const struct cli_import *im,
                     const unsigned char *buf, size_t len, FILE *summary, size_t *done_out)
{
    struct queue_import x;
    memset(&x, 0, sizeof x);
    x.c.env = env;
    x.c.name = im->queue;
    x.c.im = im;
    x.c.summary = summary;
    return cli_import_into(cli, &queue_ops, &x, buf, len, summary, done_out);
}
