/*
 * cmd_export.c: `eddy export`: a stream's records as JSON lines (the form `stream get` and
 * `import --stream` use), shard by shard in sequence order, or a queue's messages in id order
 * (read with eddy_queue_scan, which changes nothing), with progress. `eddy import` reads both
 * back, keeping ids, sequence numbers and timestamps.
 *
 * The first line is the export header (attrs.h CLI_EXPORT_VERSION): the object's attributes as
 * the library reports them, and for a stream its shard lineage and every consumer's checkpoints,
 * so that import can rebuild the object. Leases are never written: they are ownership by live
 * workers, meaningless in another database. Each part is read in its own short call, so the
 * file is not one snapshot of a database that is being written.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrs.h"
#include "db.h"
#include "interrupt.h"
#include "json.h"
#include "names.h"
#include "options.h"
#include "progress.h"
#include "queue_forms.h"
#include "stream_forms.h"
#include "stream_read.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_export = {
    "export", "write a stream's records or a queue's messages as JSON lines",
    "usage: eddy export --stream NAME [--shard ID] [--output F]\n"
    "       eddy export --queue NAME [--output F]\n"
    "\n"
    "Writes a header line, then every record of stream NAME (or of one shard), shard by shard\n"
    "in sequence order, as JSON lines to F (default stdout): stream, shard_id, seq, arrival_ms,\n"
    "partition_key, data, with *_encoding \"utf8\" or \"base64\". With --queue, every message\n"
    "of queue NAME in id order, without receiving it (nothing changes): queue, msg_id, state,\n"
    "receive_count, sent_ms, enqueued_ms, first_receive_ms, visible_ms, body_xxh3,\n"
    "origin_queue_id/origin_msg_id (dead letters), body, body_encoding, attrs.\n"
    "`eddy import` reads both back, keeping ids, sequence numbers and timestamps.\n"
    "\n"
    "The header, {\"eddy_export\":1,\"queue\"|\"stream\":NAME,\"attributes\":{...}}, carries\n"
    "the attributes (a queue's redrive policy included) and for a stream its shards' lineage\n"
    "and every consumer's checkpoints (not leases), so that `import --create` rebuilds the\n"
    "object. --shard writes no header (a part of a stream).\n"
    "Each read is a short call, so a live writer is never blocked; records or messages\n"
    "written during the export may or may not be included.\n"
    "\n"
    "SIGINT or SIGTERM stops it (exit 130 or 143) and removes the incomplete --output file.\n"
    "\n"
    "Examples: eddy --db ./eddy-data export --stream clicks --output clicks.jsonl\n"
    "          eddy --db ./eddy-data export --queue orders >orders.jsonl\n",
    run};

struct export_ctx {
    FILE *out;
    struct cli_progress *prog;
    uint64_t n;
};

static int write_record(void *ctx, const char *stream, const eddy_stream_record *r)
{
    struct export_ctx *x = ctx;
    if (cli_interrupted != 0)
        return 1; /* SIGINT/SIGTERM: stop between records */
    if (cli_json_print_line(x->out, cli_stream_record_json(stream, r)) != 0)
        return 1;
    cli_progress_update(x->prog, ++x->n);
    return 0;
}

struct queue_export {
    FILE *out;
    const char *queue;
    struct cli_progress *prog;
    uint64_t n;
};

static int write_message(void *ctx, const eddy_queue_scan_message *m)
{
    struct queue_export *x = ctx;
    if (cli_interrupted != 0)
        return 1; /* SIGINT/SIGTERM: stop between messages */
    if (cli_json_print_line(x->out, cli_queue_scan_json(x->queue, m)) != 0)
        return 1;
    cli_progress_update(x->prog, ++x->n);
    return 0;
}

/* The header line of a queue export (attrs.h CLI_EXPORT_VERSION). */
static json_t *queue_header(const char *queue, const eddy_queue_info *info)
{
    json_t *h = json_object();
    json_object_set_new(h, "eddy_export", json_integer(CLI_EXPORT_VERSION));
    json_object_set_new(h, "queue", json_string(queue));
    json_object_set_new(h, "attributes", cli_queue_options_json(info));
    return h;
}

/* A shard's lineage: what import needs to replay the splits and merges that made it. */
static json_t *shard_lineage_json(const eddy_stream_shard *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "shard_id", json_integer(s->shard_id));
    json_object_set_new(o, "state", json_string(cli_shard_state(s->state)));
    json_object_set_new(o, "parent_id",
                        s->parent_id == EDDY_STREAM_NO_SHARD ? json_null()
                                                             : json_integer(s->parent_id));
    json_object_set_new(o, "adjacent_parent_id",
                        s->adjacent_parent_id == EDDY_STREAM_NO_SHARD
                            ? json_null()
                            : json_integer(s->adjacent_parent_id));
    json_object_set_new(o, "starting_hash_key", json_string(s->starting_hash_key));
    json_object_set_new(o, "ending_hash_key", json_string(s->ending_hash_key));
    return o;
}

/* Append one consumer's checkpoints (consumer, shard_id, seq, state) to the array `cps`. */
static int consumer_checkpoints(eddy_env *env, const char *stream, const char *consumer, size_t cap,
                                json_t *cps)
{
    eddy_checkpoint *cp = calloc(cap, sizeof *cp);
    if (cp != NULL)
        EDDY_ARRAY_INIT(cp, cap);
    size_t n = 0, i;
    int rc = cp != NULL ? eddy_checkpoint_list(env, stream, consumer, cp, cap, &n) : EDDY_ENOMEM;
    for (i = 0; rc == 0 && i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "consumer", json_string(consumer));
        json_object_set_new(o, "shard_id", json_integer(cp[i].shard_id));
        json_object_set_new(o, "seq", json_string(cp[i].seq));
        if (cli_json_set_body(o, "state", "state_encoding", cp[i].state, cp[i].state_len) != 0)
            rc = EDDY_ENOMEM;
        json_array_append_new(cps, o);
    }
    free(cp);
    return rc;
}

/* The header line of a stream export: attributes, shard lineage, checkpoints (no leases). */
static int stream_header(struct cli *cli, eddy_env *env, const char *stream,
                         const eddy_stream_info *info, json_t **out)
{
    json_t *h = json_object(), *shards = json_array(), *cps = json_array();
    struct cli_name_list consumers = {NULL, 0, 0};
    eddy_stream_shard *sh = NULL;
    size_t n = 0, i;
    int rc = cli_stream_shards(env, stream, &sh, &n);
    json_object_set_new(h, "eddy_export", json_integer(CLI_EXPORT_VERSION));
    json_object_set_new(h, "stream", json_string(stream));
    eddy_stream_options o = cli_stream_options_of(info);
    json_object_set_new(h, "attributes", cli_stream_options_json(&o));
    for (i = 0; rc == 0 && i < n; i++)
        json_array_append_new(shards, shard_lineage_json(&sh[i]));
    if (rc == 0)
        rc = eddy_consumer_list(env, stream, cli_name_collect, &consumers);
    rc = rc == EDDY_EUSER ? EDDY_ENOMEM : rc;
    /* A consumer has at most one checkpoint per stored shard; shards added since are rare. */
    for (i = 0; rc == 0 && i < consumers.n; i++)
        rc = consumer_checkpoints(env, stream, consumers.names[i], n + 64, cps);
    json_object_set_new(h, "shards", shards);
    json_object_set_new(h, "checkpoints", cps);
    cli_free_names(consumers.names, consumers.n);
    free(sh);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot read the shards and checkpoints of stream '%s'", stream);
        json_decref(h);
        h = NULL;
    }
    *out = h;
    return rc;
}

/* Stopped by SIGINT/SIGTERM after n units: remove the incomplete output (not stdout). */
static int interrupted(struct cli *cli, const char *output, uint64_t n, const char *unit)
{
    if (output != NULL)
        unlink(output);
    cli_err(cli, "interrupted by %s after %llu %ss%s%s%s", cli_signal_name(cli_interrupted),
            (unsigned long long)n, unit, output != NULL ? "; removed the incomplete '" : "",
            output != NULL ? output : "", output != NULL ? "'" : "");
    return 128 + cli_interrupted;
}

/* export --queue: every message in id order, read-only. */
static int export_queue(struct cli *cli, eddy_env *env, const char *queue, const char *output)
{
    struct queue_export x = {stdout, queue, NULL, 0};
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    int rc = eddy_queue_get_attributes(env, queue, &info);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot export queue '%s'", queue);
        return CLI_EXIT_FAIL;
    }
    if (output != NULL && (x.out = fopen(output, "w")) == NULL) {
        cli_err(cli, "cannot create '%s'", output);
        return CLI_EXIT_FAIL;
    }
    x.prog = cli_progress_start(cli, "export", info.messages);
    rc = cli_json_print_line(x.out, queue_header(queue, &info)) == 0 ? 0 : EDDY_EUSER;
    if (rc == 0)
        rc = eddy_queue_scan(env, queue, 0, 0, write_message, &x, NULL);
    cli_progress_end(x.prog, x.n);
    if (output != NULL && fclose(x.out) != 0 && rc == 0)
        rc = EDDY_EUSER;
    if (rc == EDDY_EUSER && cli_interrupted != 0)
        return interrupted(cli, output, x.n, "message");
    if (rc == EDDY_EUSER)
        cli_err(cli, "cannot write the output");
    else if (rc != 0)
        cli_fail(cli, rc, "export of queue '%s' stopped after %llu messages", queue,
                 (unsigned long long)x.n);
    if (rc == 0 && output != NULL)
        fprintf(stderr, "exported %llu messages of queue '%s' to %s\n", (unsigned long long)x.n,
                queue, output);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"stream", required_argument, NULL, 's'},
        {"queue", required_argument, NULL, 'q'},
        {"shard", required_argument, NULL, CLI_OPT_SHARD},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0}};
    struct cli_stream_read rd = {NULL, EDDY_STREAM_NO_SHARD, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                 0};
    struct export_ctx x = {stdout, NULL, 0};
    const char *output = NULL, *queue = NULL;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    uint64_t n = 0;
    eddy_env *env;
    int c, ex, rc = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_export, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 's') {
            rd.stream = optarg;
        } else if (c == 'q') {
            queue = optarg;
        } else if (c == 'o') {
            output = optarg;
        } else if ((ex = cli_stream_read_option(cli, c, optarg, &rd)) > 0) {
            return ex;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((queue == NULL) == (rd.stream == NULL))
        return cli_usage(cli, "give one of --stream NAME or --queue NAME");
    if (queue != NULL && rd.shard_id != EDDY_STREAM_NO_SHARD)
        return cli_usage(cli, "--shard goes with --stream");
    cli->check = true; /* it reads every record: LMDB's pages are checked first */
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    cli_interrupt_install();
    if (queue != NULL)
        return cli_close(cli, env, export_queue(cli, env, queue, output));
    if ((rc = eddy_stream_get_attributes(env, rd.stream, &info)) != 0) {
        cli_fail(cli, rc, "cannot export stream '%s'", rd.stream);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (output != NULL && (x.out = fopen(output, "w")) == NULL) {
        cli_err(cli, "cannot create '%s'", output);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (rd.shard_id == EDDY_STREAM_NO_SHARD) {
        json_t *header = NULL;
        if (stream_header(cli, env, rd.stream, &info, &header) != 0) {
            if (output != NULL)
                fclose(x.out);
            return cli_close(cli, env, CLI_EXIT_FAIL);
        }
        if (cli_json_print_line(x.out, header) != 0)
            rc = EDDY_EUSER;
    }
    x.prog = cli_progress_start(cli, "export", info.records);
    if (rc == 0)
        rc = cli_stream_read(cli, env, &rd, write_record, &x, &n);
    cli_progress_end(x.prog, x.n);
    if (output != NULL && fclose(x.out) != 0 && rc == 0) {
        cli_err(cli, "cannot write '%s'", output);
        rc = EDDY_EIO;
    }
    if (rc == EDDY_EUSER && cli_interrupted != 0)
        return cli_close(cli, env, interrupted(cli, output, x.n, "record"));
    if (rc == EDDY_EUSER)
        cli_err(cli, "cannot write the output");
    if (rc == 0 && output != NULL)
        fprintf(stderr, "exported %llu records of stream '%s' to %s\n", (unsigned long long)x.n,
                rd.stream, output);
    return cli_close(cli, env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
