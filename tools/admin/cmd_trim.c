/*
 * cmd_trim.c: `eddy trim`: applies retention now, removing expired messages and records of one
 * queue or stream, or of all of them, in bounded batches (each one short write transaction),
 * with progress; or a tighter cut (--before TIME, --older-than DUR) with eddy_queue_trim_before
 * and eddy_stream_trim_before.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "db.h"
#include "json.h"
#include "names.h"
#include "options.h"
#include "progress.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_trim = {
    "trim", "remove expired messages now, in bounded batches",
    "usage: eddy trim [--queue NAME | --stream NAME] [--before TIME | --older-than DUR]\n"
    "                 [--batch N] [--json]\n"
    "\n"
    "Applies retention now: messages and records whose retention has run out are removed,\n"
    "oldest first, at most N (default 1000) per transaction, so writers are never blocked\n"
    "for long; expired closed shards go too. Without --queue or --stream every queue and\n"
    "every stream is trimmed. Prints what was removed per queue and stream.\n"
    "\n"
    "  --queue NAME      only this queue\n"
    "  --stream NAME     only this stream\n"
    "  --batch N         messages per transaction, 1..100000 (default 1000)\n"
    "  --json            one JSON line each {\"queue\"|\"stream\":NAME,\"removed\":N}\n"
    "  --before TIME     also remove messages first enqueued, and records that arrived,\n"
    "                    before TIME (RFC 3339), whatever the retention; in-flight messages too\n"
    "  --older-than DUR  the same with TIME = now - DUR (90s, 15m, 7d)\n"
    "\n"
    "Examples: eddy --db ./eddy-data trim --queue orders\n"
    "          eddy trim --stream clicks --older-than 2h\n",
    run};

/* One bounded call: retention only (before 0), or the tighter cut. */
static int trim_call(eddy_env *env, const char *name, bool stream, uint64_t before, uint32_t batch,
                     uint64_t *r)
{
    if (stream)
        return before != 0 ? eddy_stream_trim_before(env, name, before, batch, r)
                           : eddy_stream_trim(env, name, batch, r);
    return before != 0 ? eddy_queue_trim_before(env, name, before, batch, r)
                       : eddy_queue_trim(env, name, batch, r);
}

static int trim_one(struct cli *cli, eddy_env *env, const char *name, bool stream, uint32_t batch,
                    uint64_t before, bool json)
{
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    struct cli_progress *prog;
    uint64_t removed = 0, r = 0;
    char label[EDDY_STREAM_NAME_MAX + 16];
    const char *kind = stream ? "stream" : "queue";
    int rc = stream ? 0 : eddy_queue_stat_get(env, name, &st);
    if (rc == EDDY_ENOTFOUND)
        return 0;
    if (rc != 0)
        return cli_fail(cli, rc, "cannot read queue '%s'", name);
    snprintf(label, sizeof label, "trim %s", name);
    prog = cli_progress_start(cli, label, stream || before != 0 ? 0 : st.expired);
    /* A queue call removes up to batch; a stream call removes whole put blocks, so it may
     * remove fewer while more remain: streams loop until a call removes nothing. */
    do {
        if ((rc = trim_call(env, name, stream, before, batch, &r)) != 0)
            break;
        removed += r;
        cli_progress_update(prog, removed);
    } while (stream ? r > 0 : r == batch);
    cli_progress_end(prog, removed);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return cli_fail(cli, rc, "trimming %s '%s' stopped after removing %llu", kind, name,
                        (unsigned long long)removed);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, kind, json_string(name));
        json_object_set_new(o, "removed", json_integer((json_int_t)removed));
        cli_json_print_line(stdout, o);
    } else if (before != 0) {
        char t[40];
        cli_format_time(before, t, sizeof t);
        printf("%s %s: removed %llu %s%s older than %s or expired\n", kind, name,
               (unsigned long long)removed, stream ? "record" : "message", removed == 1 ? "" : "s",
               t);
    } else {
        printf("%s %s: removed %llu expired %s%s\n", kind, name, (unsigned long long)removed,
               stream ? "record" : "message", removed == 1 ? "" : "s");
    }
    return 0;
}

/* Trim every queue (stream false) or every stream. */
static int trim_all(struct cli *cli, eddy_env *env, bool stream, uint32_t batch, uint64_t before,
                    bool json)
{
    char **names = NULL;
    size_t n = 0, i;
    int result = 0;
    int rc = stream ? cli_stream_names(env, &names, &n) : cli_queue_names(env, &names, &n);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot list %s", stream ? "streams" : "queues");
    for (i = 0; i < n && result == 0; i++)
        result = trim_one(cli, env, names[i], stream, batch, before, json);
    cli_free_names(names, n);
    return result;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"queue", required_argument, NULL, 'q'},
        {"stream", required_argument, NULL, 's'},
        {"before", required_argument, NULL, 'b'},
        {"older-than", required_argument, NULL, 'o'},
        {"batch", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    const char *queue = NULL, *stream = NULL;
    uint64_t batch = 1000, v, before = 0;
    bool json = false;
    eddy_env *env;
    int c, ex, rc, result = CLI_EXIT_OK;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_trim, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'q') {
            queue = optarg;
        } else if (c == 's') {
            stream = optarg;
        } else if (c == 'b' || c == 'o') {
            bool ok = c == 'b' ? cli_parse_time_ms(optarg, &v) : cli_parse_duration_ms(optarg, &v);
            if (!ok)
                return cli_usage(cli, "bad %s '%s'", c == 'b' ? "--before time" : "--older-than",
                                 optarg);
            if (before != 0)
                return cli_usage(cli, "give --before or --older-than once");
            if (c == 'o')
                v = cli_now_ms(cli) > v ? cli_now_ms(cli) - v : 1;
            before = v != 0 ? v : 1;
        } else if (c == 'n') {
            if (!cli_parse_u64(optarg, 100000, &batch) || batch == 0)
                return cli_usage(cli, "--batch must be 1..100000, not '%s'", optarg);
        } else if (c == 'j') {
            json = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (queue != NULL && stream != NULL)
        return cli_usage(cli, "give --queue or --stream, not both");
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    if (queue != NULL) {
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        if ((rc = eddy_queue_get_attributes(env, queue, &info)) != 0)
            result = cli_fail(cli, rc, "cannot trim queue '%s'", queue);
        else
            result = trim_one(cli, env, queue, false, (uint32_t)batch, before, json);
    } else if (stream != NULL) {
        eddy_stream_info info = EDDY_STREAM_INFO_INIT;
        if ((rc = eddy_stream_get_attributes(env, stream, &info)) != 0)
            result = cli_fail(cli, rc, "cannot trim stream '%s'", stream);
        else
            result = trim_one(cli, env, stream, true, (uint32_t)batch, before, json);
    } else {
        result = trim_all(cli, env, false, (uint32_t)batch, before, json);
        if (result == 0)
            result = trim_all(cli, env, true, (uint32_t)batch, before, json);
    }
    return cli_close(cli, env, result);
}
