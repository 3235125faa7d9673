/*
 * import_lines.c: what every import does with its JSON lines, whatever the target: the export
 * header, batches of batch_max lines (and of the target's byte limit), --skip-existing, progress
 * and SIGINT/SIGTERM between batches, the summary line; and the attribute comparison of a
 * header with an existing target. import_queue.c and import_stream.c supply the import_ops.
 */
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "interrupt.h"
#include "json.h"
#include "progress.h"
#include "import_lines.h"

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
        const char *why = NULL;
        if (rcs[i] == 0)
            continue;
        if (ops->explain != NULL)
            why = ops->explain(ctx, i);
        if (why == NULL)
            why = rc == rcs[i] ? eddy_last_error() : eddy_strerror(rcs[i]);
        cli_err(cli, "line %zu: %s: %s", lines[i], eddy_errname(rcs[i]), why);
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
int cli_import_into(struct cli *cli, const struct import_ops *ops, void *ctx,
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

char *cli_import_attr_diff(json_t *have, json_t *want, bool (*can_change)(const char *key),
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
int cli_import_attr_mismatch(struct cli *cli, void *ctx, const char *diff)
{
    struct import_common *c = ctx;
    cli_err(cli,
            "line %zu: %s '%s' exists with other attributes than the export's: %s; pass "
            "--apply-attributes to change them or --keep-attributes to keep them",
            c->header_line, c->im->stream != NULL ? "stream" : "queue", c->name, diff);
    return CLI_EXIT_FAIL;
}

uint64_t cli_import_json_u64(json_t *o, const char *key, bool *present)
{
    json_t *v = json_object_get(o, key);
    if (present != NULL)
        *present = json_is_integer(v) && json_integer_value(v) >= 0;
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

int cli_import_lines(struct cli *cli, eddy_env *env, const struct cli_import *im,
                     const unsigned char *buf, size_t len, FILE *summary, size_t *done_out)
{
    *done_out = 0;
    if (im->stream != NULL)
        return cli_import_stream(cli, env, im, buf, len, summary, done_out);
    return cli_import_queue(cli, env, im, buf, len, summary, done_out);
}
