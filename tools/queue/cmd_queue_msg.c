/*
 * cmd_queue_msg.c: the message commands of `eddy queue`: send (an argument, a file, stdin, or
 * one message per line), receive (JSON lines with receipt handles), delete-message and
 * change-visibility (receipts from arguments, or from `receive` output on stdin).
 *
 * Batches follow the queue's batch_max; every library call is one short durable commit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrays.h"
#include "args.h"
#include "db.h"
#include "files.h"
#include "json.h"
#include "options.h"
#include "queue_forms.h"
#include "cmd_queue.h"

enum { OPT_FILE = 0x300, OPT_LINES, OPT_DELAY, OPT_ATTR, OPT_MAX, OPT_VIS, OPT_WAIT, OPT_TIMEOUT };

/* Message attributes given with --attr NAME[:TYPE]=VALUE. */
struct attr_set {
    eddy_queue_attr attrs[EDDY_QUEUE_ATTRS_MAX];
    char *names[EDDY_QUEUE_ATTRS_MAX];
    unsigned char *values[EDDY_QUEUE_ATTRS_MAX];
    size_t n;
};

static bool attr_add(struct attr_set *s, const char *spec)
{
    const char *eq = strchr(spec, '=');
    char *name, *colon;
    unsigned char *val;
    size_t vlen;
    if (eq == NULL || eq == spec || s->n == EDDY_QUEUE_ATTRS_MAX)
        return false;
    name = strndup(spec, (size_t)(eq - spec));
    if (name == NULL)
        return false;
    colon = strchr(name, ':');
    if (colon != NULL)
        *colon = '\0';
    if (colon != NULL && strncmp(colon + 1, "Binary", 6) == 0) {
        if (!cli_base64_decode(eq + 1, &val, &vlen)) {
            free(name);
            return false;
        }
    } else {
        val = (unsigned char *)strdup(eq + 1);
        vlen = strlen(eq + 1);
        if (val == NULL) {
            free(name);
            return false;
        }
    }
    s->names[s->n] = name;
    s->values[s->n] = val;
    s->attrs[s->n].name = name;
    s->attrs[s->n].type = colon != NULL ? colon + 1 : "String";
    s->attrs[s->n].value.data = val;
    s->attrs[s->n].value.len = vlen;
    s->n++;
    return true;
}

static void attr_free(struct attr_set *s)
{
    size_t i;
    for (i = 0; i < s->n; i++) {
        free(s->names[i]);
        free(s->values[i]);
    }
}

static void print_sent(const eddy_queue_send_result *r)
{
    json_t *o = json_object();
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)r->body_xxh3);
    json_object_set_new(o, "msg_id", json_integer((json_int_t)r->msg_id));
    json_object_set_new(o, "sent_ms", json_integer((json_int_t)r->sent_ms));
    json_object_set_new(o, "body_xxh3", json_string(hex));
    cli_json_print_line(stdout, o);
}

/*
 * Fill ents with the next non-empty lines from *pos: at most batch_max of them and at most
 * body_len_max bytes together (the library's rule for a batch), or one line alone when it is
 * too large by itself. lines[i] gets each one's line number; *line counts the lines consumed.
 */
static size_t next_batch(const unsigned char *buf, size_t len, size_t *pos, size_t *line,
                         const eddy_queue_send_entry *proto, const eddy_queue_info *info,
                         eddy_queue_send_entry *ents, size_t *lines)
{
    size_t n = 0, bytes = 0;
    while (*pos < len && n < info->batch_max) {
        const unsigned char *nl = memchr(buf + *pos, '\n', len - *pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len, size;
        if (end > *pos) {
            ents[n] = *proto;
            ents[n].body.data = buf + *pos;
            ents[n].body.len = end - *pos;
            size = cli_queue_entry_size(&ents[n]);
            /* The next batch starts with this line. A line too large on its own goes alone:
             * the library refuses a batch with an oversize entry whole. */
            if (n > 0 && (bytes + size > info->body_len_max || size > info->body_len_max))
                break;
            bytes += size;
            lines[n++] = *line + 1;
            if (size > info->body_len_max) {
                ++*line;
                *pos = end + 1;
                break;
            }
        }
        ++*line;
        *pos = end + 1;
    }
    return n;
}

/* Send each non-empty line of buf as a message, in batches by count and bytes. */
static int send_lines(struct cli *cli, eddy_env *env, const char *name, unsigned char *buf,
                      size_t len, const eddy_queue_send_entry *proto, bool quiet)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_send_entry *ents = NULL;
    eddy_queue_send_result *res = NULL;
    size_t *lines = NULL, pos = 0, line = 0, n, i;
    int rc, result = CLI_EXIT_OK;
    if ((rc = eddy_queue_get_attributes(env, name, &info)) != 0)
        return cli_fail(cli, rc, "cannot read queue '%s'", name);
    CLI_ARRAY_NEW(ents, info.batch_max);
    CLI_ARRAY_NEW(res, info.batch_max);
    lines = calloc(info.batch_max, sizeof *lines);
    if (ents == NULL || res == NULL || lines == NULL) {
        result = CLI_EXIT_FAIL;
        cli_err(cli, "out of memory");
        goto done;
    }
    while ((n = next_batch(buf, len, &pos, &line, proto, &info, ents, lines)) > 0) {
        rc = eddy_queue_send_batch(env, name, ents, n, res);
        if (rc == EDDY_ETOOBIG && n == 1) {
            /* One oversize line, alone in its batch: name it and go on with the rest. */
            cli_err(cli, "line %zu: %s: message of %zu bytes exceeds body_len_max %u", lines[0],
                    eddy_errname(rc), cli_queue_entry_size(&ents[0]), info.body_len_max);
            result = CLI_EXIT_FAIL;
            continue;
        }
        if (rc != 0) {
            result = cli_fail(cli, rc, "lines %zu-%zu were not sent to queue '%s'", lines[0],
                              lines[n - 1], name);
            goto done;
        }
        for (i = 0; i < n; i++) {
            if (res[i].rc == EDDY_ETOOBIG) {
                cli_err(cli, "line %zu: %s: message of %zu bytes exceeds body_len_max %u", lines[i],
                        eddy_errname(res[i].rc), cli_queue_entry_size(&ents[i]), info.body_len_max);
                result = CLI_EXIT_FAIL;
            } else if (res[i].rc != 0) {
                cli_err(cli, "line %zu: %s: %s", lines[i], eddy_errname(res[i].rc),
                        eddy_strerror(res[i].rc));
                result = CLI_EXIT_FAIL;
            } else if (!quiet) {
                print_sent(&res[i]);
            }
        }
    }
done:
    free(ents);
    free(res);
    free(lines);
    return result;
}

struct send_args {
    const char *file;
    bool lines, quiet;
    eddy_queue_send_entry proto;
    struct attr_set attrs;
};

static int send_parse(struct cli *cli, int argc, char **argv, struct send_args *a)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"file", required_argument, NULL, OPT_FILE},
        {"lines", no_argument, NULL, OPT_LINES},
        {"delay", required_argument, NULL, OPT_DELAY},
        {"attr", required_argument, NULL, OPT_ATTR},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0}};
    int c, ex;
    uint64_t ms;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_FILE) {
            a->file = optarg;
        } else if (c == OPT_LINES) {
            a->lines = true;
        } else if (c == 'q') {
            a->quiet = true;
        } else if (c == OPT_DELAY) {
            if (!cli_parse_duration_ms(optarg, &ms) || ms >= UINT32_MAX)
                return cli_usage(cli, "bad --delay '%s'", optarg);
            a->proto.delay_ms = ms == 0 ? EDDY_QUEUE_ZERO_MS : (uint32_t)ms;
        } else if (c == OPT_ATTR && !attr_add(&a->attrs, optarg)) {
            return cli_usage(cli, "bad --attr '%s' (NAME[:TYPE]=VALUE, at most %d)", optarg,
                             EDDY_QUEUE_ATTRS_MAX);
        }
    }
    a->proto.attrs = a->attrs.n != 0 ? a->attrs.attrs : NULL;
    a->proto.attr_count = a->attrs.n;
    return -1;
}

int cli_queue_send(struct cli *cli, int argc, char **argv)
{
    struct send_args a;
    const char *name = NULL, *body_arg = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    eddy_env *env;
    eddy_queue_send_result res = EDDY_QUEUE_SEND_RESULT_INIT;
    int ex, rc;
    memset(&a, 0, sizeof a);
    a.proto = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    if ((ex = send_parse(cli, argc, argv, &a)) >= 0)
        goto done;
    ex = CLI_EXIT_USAGE;
    if (optind >= argc) {
        cli_usage(cli, "missing queue NAME");
        goto done;
    }
    name = argv[optind];
    if (optind + 1 < argc)
        body_arg = argv[optind + 1];
    if (optind + 2 < argc || (body_arg != NULL && a.file != NULL)) {
        cli_usage(cli, "give the body once: as an argument, with --file, or on stdin");
        goto done;
    }
    ex = CLI_EXIT_FAIL;
    if (body_arg != NULL) {
        buf = (unsigned char *)strdup(body_arg);
        len = strlen(body_arg);
        if (buf == NULL)
            goto done;
    } else if (!cli_read_file(cli, a.file != NULL ? a.file : "-", &buf, &len)) {
        goto done;
    }
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        goto done;
    if (a.lines) {
        ex = cli_close(cli, env, send_lines(cli, env, name, buf, len, &a.proto, a.quiet));
        goto done;
    }
    a.proto.body.data = buf;
    a.proto.body.len = len;
    if ((rc = eddy_queue_send(env, name, &a.proto, &res)) != 0) {
        cli_fail(cli, rc, "cannot send to queue '%s'", name);
        ex = cli_close(cli, env, CLI_EXIT_FAIL);
        goto done;
    }
    if (!a.quiet)
        print_sent(&res);
    ex = cli_close(cli, env, CLI_EXIT_OK);
done:
    free(buf);
    attr_free(&a.attrs);
    return ex;
}

static int receive_parse(struct cli *cli, int argc, char **argv, uint64_t *max,
                         eddy_queue_receive_options *ro)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"max", required_argument, NULL, OPT_MAX},
        {"visibility-timeout", required_argument, NULL, OPT_VIS},
        {"wait", required_argument, NULL, OPT_WAIT},
        {NULL, 0, NULL, 0}};
    int c, ex;
    uint64_t ms;
    while ((c = getopt_long(argc, argv, "hn:", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_MAX || c == 'n') {
            if (!cli_parse_u64(optarg, 100000000, max) || *max == 0)
                return cli_usage(cli, "bad --max '%s'", optarg);
        } else if (c == OPT_VIS || c == OPT_WAIT) {
            if (!cli_parse_duration_ms(optarg, &ms) || ms >= UINT32_MAX)
                return cli_usage(cli, "bad duration '%s'", optarg);
            if (c == OPT_VIS)
                ro->visibility_timeout_ms = ms == 0 ? EDDY_QUEUE_ZERO_MS : (uint32_t)ms;
            else
                ro->wait_ms = ms == 0 ? EDDY_QUEUE_ZERO_MS : (uint32_t)ms;
        }
    }
    return -1;
}

int cli_queue_receive(struct cli *cli, int argc, char **argv)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    uint64_t max = 1, got = 0;
    const char *name = NULL;
    eddy_env *env;
    int ex, rc = 0;
    if ((ex = receive_parse(cli, argc, argv, &max, &ro)) >= 0)
        return ex;
    if (optind + 1 != argc)
        return cli_usage(cli, optind >= argc ? "missing queue NAME" : "too many arguments");
    name = argv[optind];
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    if ((rc = eddy_queue_get_attributes(env, name, &info)) != 0)
        goto fail;
    while (got < max) {
        eddy_queue_batch *batch = NULL;
        size_t n, i;
        uint64_t want = max - got;
        ro.max_messages = (uint32_t)(want < info.batch_max ? want : info.batch_max);
        if ((rc = eddy_queue_receive(env, name, &ro, &batch)) != 0)
            break;
        n = eddy_queue_batch_count(batch);
        for (i = 0; i < n; i++)
            cli_json_print_line(stdout,
                                cli_queue_message_json(name, eddy_queue_batch_message(batch, i)));
        eddy_queue_batch_free(batch);
        got += n;
        /* Stop when the queue had fewer than asked for, and after one call with a visibility
         * timeout of 0 (the same messages would come back at once). */
        if (n < ro.max_messages || ro.visibility_timeout_ms == EDDY_QUEUE_ZERO_MS)
            break;
        ro.wait_ms = EDDY_QUEUE_ZERO_MS; /* only the first call waits */
    }
    if (rc == EDDY_ELIMIT && got > 0)
        rc = 0;
    if (rc != 0)
        goto fail;
    fflush(stdout);
    return cli_close(cli, env, CLI_EXIT_OK);
fail:
    cli_fail(cli, rc, "cannot receive from queue '%s'", name);
    return cli_close(cli, env, CLI_EXIT_FAIL);
}

/* Receipts named on the command line or read from stdin (plain or `receive` JSON lines). */
struct receipts {
    char **r;
    size_t n, cap;
};

static bool receipts_add(struct receipts *rs, const char *s, size_t len)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap != 0 ? rs->cap * 2 : 64;
        char **p = realloc(rs->r, cap * sizeof *p);
        if (p == NULL)
            return false;
        rs->r = p;
        rs->cap = cap;
    }
    rs->r[rs->n] = strndup(s, len);
    return rs->r[rs->n++] != NULL;
}

static bool receipts_from_stdin(const struct cli *cli, struct receipts *rs)
{
    unsigned char *buf;
    size_t len, pos = 0;
    bool ok = true;
    if (!cli_read_file(cli, "-", &buf, &len))
        return false;
    while (pos < len && ok) {
        char *line = (char *)buf + pos, *nl = memchr(line, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - line) : len - pos;
        pos += end + 1;
        while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == ' '))
            end--;
        if (end == 0)
            continue;
        if (line[0] == '{') {
            json_error_t err;
            json_t *o = json_loadb(line, end, 0, &err);
            const char *r = json_string_value(json_object_get(o, "receipt"));
            if (r == NULL) {
                cli_err(cli, "a JSON line on stdin has no \"receipt\"");
                ok = false;
            } else {
                ok = receipts_add(rs, r, strlen(r));
            }
            json_decref(o);
        } else {
            ok = receipts_add(rs, line, end);
        }
    }
    free(buf);
    return ok;
}

static int ack_batches(struct cli *cli, eddy_env *env, const char *name, struct receipts *rs,
                       bool visibility, uint32_t timeout_ms)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_visibility_entry *ve = NULL;
    int *results = NULL, rc, result = CLI_EXIT_OK;
    size_t pos, i, done = 0;
    if ((rc = eddy_queue_get_attributes(env, name, &info)) != 0)
        return cli_fail(cli, rc, "cannot read queue '%s'", name);
    results = calloc(info.batch_max, sizeof *results);
    ve = calloc(info.batch_max, sizeof *ve);
    if (results == NULL || ve == NULL) {
        result = CLI_EXIT_FAIL;
        goto done;
    }
    for (pos = 0; pos < rs->n; pos += info.batch_max) {
        size_t n = rs->n - pos < info.batch_max ? rs->n - pos : info.batch_max;
        for (i = 0; i < n; i++) {
            ve[i].size = sizeof ve[i];
            ve[i].receipt = rs->r[pos + i];
            ve[i].timeout_ms = timeout_ms;
        }
        rc = visibility ? eddy_queue_change_visibility_batch(env, name, ve, n, results)
                        : eddy_queue_delete_batch(env, name, (const char *const *)(rs->r + pos), n,
                                                  results);
        if (rc != 0) {
            result = cli_fail(cli, rc, "queue '%s'", name);
            goto done;
        }
        for (i = 0; i < n; i++) {
            if (results[i] == 0) {
                done++;
                continue;
            }
            cli_err(cli, "receipt %.16s...: %s: %s", rs->r[pos + i], eddy_errname(results[i]),
                    eddy_strerror(results[i]));
            result = CLI_EXIT_FAIL;
        }
    }
    printf("%s %zu message%s\n", visibility ? "changed the visibility of" : "deleted", done,
           done == 1 ? "" : "s");
done:
    free(results);
    free(ve);
    return result;
}

int cli_queue_ack(struct cli *cli, int argc, char **argv, bool visibility)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"timeout", required_argument, NULL, OPT_TIMEOUT}, {NULL, 0, NULL, 0}};
    struct receipts rs = {NULL, 0, 0};
    uint64_t timeout = UINT64_MAX;
    const char *name = NULL;
    eddy_env *env;
    int c, ex;
    size_t i;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_TIMEOUT) {
            if (!cli_parse_duration_ms(optarg, &timeout) || timeout >= UINT32_MAX)
                return cli_usage(cli, "bad --timeout '%s'", optarg);
        }
    }
    if (visibility && timeout == UINT64_MAX)
        return cli_usage(cli, "change-visibility needs --timeout DUR");
    if (!visibility && timeout != UINT64_MAX)
        return cli_usage(cli, "delete-message takes no --timeout");
    if (optind >= argc)
        return cli_usage(cli, "missing queue NAME");
    name = argv[optind];
    ex = CLI_EXIT_FAIL;
    for (i = (size_t)optind + 1; i < (size_t)argc; i++) {
        if (!receipts_add(&rs, argv[i], strlen(argv[i])))
            goto done;
    }
    if (optind + 1 == argc && !receipts_from_stdin(cli, &rs))
        goto done;
    if (rs.n == 0) {
        printf("%s 0 messages\n", visibility ? "changed the visibility of" : "deleted");
        ex = CLI_EXIT_OK;
        goto done;
    }
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        goto done;
    ex = cli_close(cli, env, ack_batches(cli, env, name, &rs, visibility, (uint32_t)timeout));
done:
    for (i = 0; i < rs.n; i++)
        free(rs.r[i]);
    free(rs.r);
    return ex;
}
