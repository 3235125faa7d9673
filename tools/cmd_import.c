/*
 * cmd_import.c: `eddy import`: messages from JSON lines (the form `eddy queue receive` prints:
 * "body", "body_encoding", "attrs") into a queue, or records (the form `eddy export` prints:
 * "partition_key", "data") into a stream, in batches of batch_max, with progress.
 *
 * Keeping the original ids, sequence numbers and timestamps needs restore calls the public API
 * does not have yet, so the import refuses unless --new-ids says that new ones are acceptable.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_stream.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_import = {
    "import", "load messages from JSON lines into a queue",
    "usage: eddy import --queue NAME --new-ids [--file F] [--create]\n"
    "       eddy import --stream NAME --new-ids [--file F] [--create]\n"
    "\n"
    "Reads JSON lines from F (default stdin). For a queue, each is an object with \"body\"\n"
    "(text, or base64 when \"body_encoding\" is \"base64\") and optionally \"attrs\"\n"
    "([{\"name\",\"type\",\"value\",\"value_encoding\"}]), the form `eddy queue receive`\n"
    "prints. For a stream, each has \"partition_key\" and \"data\" (with *_encoding), the\n"
    "form `eddy export` and `eddy stream get` print. They are sent or put in batches.\n"
    "\n"
    "  --new-ids  required for now: messages get new ids and send times, records new sequence\n"
    "             numbers and arrival times (keeping the originals needs restore calls the\n"
    "             library does not offer yet)\n"
    "  --create   create the queue or stream with default attributes when it does not exist\n"
    "  --file F   read from F instead of stdin\n"
    "\n"
    "Example: eddy --db old queue receive orders --max 1000 | eddy --db new import \\\n"
    "             --queue orders --new-ids --create\n",
    run};

struct line_msg {
    unsigned char *body;
    size_t body_len;
    eddy_queue_attr attrs[EDDY_QUEUE_ATTRS_MAX];
    unsigned char *values[EDDY_QUEUE_ATTRS_MAX];
    char *names[EDDY_QUEUE_ATTRS_MAX];
    char *types[EDDY_QUEUE_ATTRS_MAX];
    size_t n_attrs;
};

static void msg_free(struct line_msg *m)
{
    size_t i;
    free(m->body);
    for (i = 0; i < m->n_attrs; i++) {
        free(m->values[i]);
        free(m->names[i]);
        free(m->types[i]);
    }
    memset(m, 0, sizeof *m);
}

static bool msg_parse(const char *line, size_t len, struct line_msg *m)
{
    json_error_t err;
    json_t *o = json_loadb(line, len, 0, &err), *attrs, *a;
    size_t i;
    bool ok = false;
    memset(m, 0, sizeof *m);
    if (o == NULL || !cli_json_get_body(o, "body", "body_encoding", &m->body, &m->body_len))
        goto done;
    attrs = json_object_get(o, "attrs");
    json_array_foreach(attrs, i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *type = json_string_value(json_object_get(a, "type"));
        size_t k = m->n_attrs;
        if (name == NULL || type == NULL || k == EDDY_QUEUE_ATTRS_MAX)
            goto done;
        m->names[k] = strdup(name);
        m->types[k] = strdup(type);
        m->n_attrs++;
        if (!cli_json_get_body(a, "value", "value_encoding", &m->values[k], &m->attrs[k].value.len))
            goto done;
        m->attrs[k].name = m->names[k];
        m->attrs[k].type = m->types[k];
        m->attrs[k].value.data = m->values[k];
    }
    ok = true;
done:
    json_decref(o);
    return ok;
}

static size_t count_lines(const unsigned char *buf, size_t len)
{
    size_t n = 0, i;
    for (i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n + (len > 0 && buf[len - 1] != '\n');
}

static int import_lines(struct cli *cli, eddy_env *env, const char *queue, unsigned char *buf,
                        size_t len, uint32_t batch_max)
{
    struct line_msg *msgs = calloc(batch_max, sizeof *msgs);
    eddy_queue_send_entry *ents = calloc(batch_max, sizeof *ents);
    eddy_queue_send_result *res = calloc(batch_max, sizeof *res);
    struct cli_progress *prog = cli_progress_start(cli, "import", count_lines(buf, len));
    size_t pos = 0, line = 0, done = 0, n = 0, i;
    int rc, result = CLI_EXIT_OK;
    if (msgs == NULL || ents == NULL || res == NULL) {
        cli_err(cli, "out of memory");
        result = CLI_EXIT_FAIL;
        goto out;
    }
    while (pos < len || n > 0) {
        while (pos < len && n < batch_max) {
            const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl != NULL ? (size_t)(nl - buf) : len;
            line++;
            if (end > pos && !msg_parse((const char *)buf + pos, end - pos, &msgs[n])) {
                cli_err(cli, "line %zu: not a message JSON object", line);
                msg_free(&msgs[n]);
                result = CLI_EXIT_FAIL;
                goto out;
            }
            if (end > pos) {
                memset(&ents[n], 0, sizeof ents[n]);
                ents[n].body.data = msgs[n].body;
                ents[n].body.len = msgs[n].body_len;
                ents[n].attrs = msgs[n].n_attrs != 0 ? msgs[n].attrs : NULL;
                ents[n].attr_count = msgs[n].n_attrs;
                n++;
            }
            pos = end + 1;
        }
        if (n == 0)
            break;
        if ((rc = eddy_queue_send_batch(env, queue, ents, n, res)) != 0) {
            result = cli_fail(cli, rc, "import into '%s' stopped after %zu messages", queue, done);
            goto out;
        }
        for (i = 0; i < n; i++) {
            if (res[i].rc != 0) {
                cli_err(cli, "a message before line %zu: %s: %s", line, eddy_errname(res[i].rc),
                        eddy_strerror(res[i].rc));
                result = CLI_EXIT_FAIL;
            } else {
                done++;
            }
            msg_free(&msgs[i]);
        }
        n = 0;
        cli_progress_update(prog, line);
    }
out:
    cli_progress_end(prog, line);
    for (i = 0; i < n; i++)
        msg_free(&msgs[i]);
    free(msgs);
    free(ents);
    free(res);
    printf("imported %zu message%s into queue '%s'\n", done, done == 1 ? "" : "s", queue);
    return result;
}

/* One stream record line: partition key and data, malloc'ed. */
static bool record_parse(const char *line, size_t len, eddy_stream_put_entry *e)
{
    json_error_t err;
    json_t *o = json_loadb(line, len, 0, &err);
    unsigned char *pk = NULL, *data = NULL;
    size_t pk_len = 0, data_len = 0;
    bool ok = o != NULL &&
              cli_json_get_body(o, "partition_key", "partition_key_encoding", &pk, &pk_len) &&
              cli_json_get_body(o, "data", "data_encoding", &data, &data_len);
    json_decref(o);
    memset(e, 0, sizeof *e);
    e->partition_key.data = pk;
    e->partition_key.len = pk_len;
    e->data.data = data;
    e->data.len = data_len;
    return ok;
}

static void record_free(eddy_stream_put_entry *e)
{
    free((void *)(uintptr_t)e->partition_key.data);
    free((void *)(uintptr_t)e->data.data);
    memset(e, 0, sizeof *e);
}

static int import_records(struct cli *cli, eddy_env *env, const char *stream, unsigned char *buf,
                          size_t len, uint32_t batch_max)
{
    eddy_stream_put_entry *ents = calloc(batch_max, sizeof *ents);
    eddy_stream_put_result *res = calloc(batch_max, sizeof *res);
    struct cli_progress *prog = cli_progress_start(cli, "import", count_lines(buf, len));
    size_t pos = 0, line = 0, done = 0, n = 0, i;
    int rc, result = CLI_EXIT_OK;
    while (ents != NULL && res != NULL && result == 0 && (pos < len || n > 0)) {
        while (pos < len && n < batch_max) {
            const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl != NULL ? (size_t)(nl - buf) : len;
            line++;
            if (end > pos && !record_parse((const char *)buf + pos, end - pos, &ents[n])) {
                cli_err(cli, "line %zu: not a record JSON object", line);
                record_free(&ents[n]);
                result = CLI_EXIT_FAIL;
                break;
            }
            n += end > pos;
            pos = end + 1;
        }
        if (n == 0 || result != 0)
            break;
        if ((rc = eddy_stream_put_batch(env, stream, ents, n, res, NULL)) != 0) {
            result = cli_fail(cli, rc, "import into '%s' stopped after %zu records", stream, done);
            break;
        }
        for (i = 0; i < n; i++) {
            if (res[i].rc != 0) {
                cli_err(cli, "a record before line %zu: %s: %s", line, eddy_errname(res[i].rc),
                        eddy_strerror(res[i].rc));
                result = CLI_EXIT_FAIL;
            } else {
                done++;
            }
            record_free(&ents[i]);
        }
        n = 0;
        cli_progress_update(prog, line);
    }
    cli_progress_end(prog, line);
    for (i = 0; ents != NULL && i < n; i++)
        record_free(&ents[i]);
    if (ents == NULL || res == NULL)
        result = CLI_EXIT_FAIL;
    free(ents);
    free(res);
    printf("imported %zu record%s into stream '%s'\n", done, done == 1 ? "" : "s", stream);
    return result;
}

/* Open (creating if asked) stream `name` and import into it. */
static int import_stream(struct cli *cli, const char *name, bool create, unsigned char *buf,
                         size_t len)
{
    eddy_stream_info info;
    eddy_env *env;
    int ex, rc;
    if ((ex = cli_open(cli, create ? CLI_OPEN_CREATE : CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    rc = eddy_stream_describe(env, name, &info);
    if (rc == EDDY_ENOTFOUND && create) {
        rc = eddy_stream_create(env, name, NULL);
        if (rc == 0)
            rc = eddy_stream_describe(env, name, &info);
    }
    if (rc != 0) {
        cli_fail(cli, rc, "cannot import into stream '%s'", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    return cli_close(cli, env, import_records(cli, env, name, buf, len, info.options.batch_max));
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
    size_t len = 0;
    eddy_queue_info info;
    eddy_env *env;
    int c, ex, rc;
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
    if (!new_ids) {
        cli_err(cli, "keeping ids, sequence numbers and timestamps needs a restore call the "
                     "library does not offer yet; pass --new-ids to import with new ones");
        return CLI_EXIT_FAIL;
    }
    if (!cli_read_file(cli, file, &buf, &len))
        return CLI_EXIT_FAIL;
    if (stream != NULL) {
        ex = import_stream(cli, stream, create, buf, len);
        goto done;
    }
    if ((ex = cli_open(cli, create ? CLI_OPEN_CREATE : CLI_OPEN_WRITE, &env)) != 0)
        goto done;
    rc = eddy_queue_get_attributes(env, queue, &info);
    if (rc == EDDY_ENOTFOUND && create) {
        rc = eddy_queue_create(env, queue, NULL);
        if (rc == 0)
            rc = eddy_queue_get_attributes(env, queue, &info);
    }
    if (rc != 0) {
        cli_fail(cli, rc, "cannot import into queue '%s'", queue);
        ex = cli_close(cli, env, CLI_EXIT_FAIL);
        goto done;
    }
    ex = cli_close(cli, env, import_lines(cli, env, queue, buf, len, info.options.batch_max));
done:
    free(buf);
    return ex;
}
