/*
 * cmd_dump.c: `eddy dump`: the database's objects, one per line, in name order, stable enough
 * to diff: each queue with its attributes, counts and redrive tasks, each stream with its shards;
 * or one queue's messages (--queue, a read-only eddy_queue_scan that changes nothing), one
 * stream's records (--stream), a consumer's checkpoints (--consumer), or every consumer of the
 * streams with its checkpoints and leases (--consumers).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "checkpoint_forms.h"
#include "db.h"
#include "json.h"
#include "names.h"
#include "options.h"
#include "queue_forms.h"
#include "stream_forms.h"
#include "stream_read.h"
#include "task_forms.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_dump = {
    "dump", "print the database's objects, one per line (diffable)",
    "usage: eddy dump [--stable] [--json]\n"
    "       eddy dump --stream NAME [--shard ID] [--from SEQ | --after SEQ | --at TIME]\n"
    "                 [--limit N] [--stable] [--json]\n"
    "       eddy dump --stream NAME --consumer CONSUMER [--stable]\n"
    "       eddy dump --consumers [--stream NAME] [--stable] [--json]\n"
    "       eddy dump --queue NAME [--limit N] [--stable] [--json]\n"
    "\n"
    "Without a selector: every queue with its attributes and counts and its redrive tasks,\n"
    "then every stream with its attributes and shards, one per line in name order, so two\n"
    "dumps can be compared with diff:\n"
    "    queue NAME id=N messages=N visibility_timeout_ms=N ... dlq=NAME\n"
    "    redrive SOURCE#ID STATUS moved N of N to DEST\n"
    "    stream NAME id=N shard_count=N retention_ms=N ... records=N bytes=N\n"
    "    shard NAME/ID open|closed hash=LO..HI records=N bytes=N parent=ID children=ID,ID\n"
    "--queue NAME prints the queue's line and tasks, then its messages in id order (the first\n"
    "N with --limit N), read without receiving them (nothing changes), one per line:\n"
    "    NAME msg=ID state=visible|delayed|in_flight receives=N sent=TIME visible=TIME\n"
    "         attrs=N body=BODY\n"
    "--stream NAME prints its records, shard by shard in sequence order, one per line:\n"
    "    NAME shard=ID seq=SEQ arrival=TIME key=KEY data=DATA\n"
    "(data as text, or base64:... when it is not UTF-8). --consumer prints the consumer's\n"
    "checkpoints on the stream. --consumers prints, for every stream (or NAME), each consumer\n"
    "with a checkpoint or a lease, then its checkpoints (the form `checkpoint get` prints):\n"
    "    consumer STREAM/CONSUMER checkpoints=N leases=N held=N\n"
    "--stable leaves out what differs between databases with the same content (ids, times,\n"
    "ages, sequence numbers, arrival times, redrive tasks, dictionary ids), so the dumps of\n"
    "a database and of its copy or import (or of one database at two times) can be diffed.\n"
    "With --json every line is a JSON object (objects carry a \"type\" field: \"queue\",\n"
    "\"redrive\", \"message\", \"stream\", \"shard\", \"consumer\", \"checkpoint\").\n"
    "\n"
    "Examples: eddy --db ./eddy-data dump\n"
    "          eddy dump --stream clicks --shard 0 --limit 100 --json\n"
    "          eddy dump --queue orders\n",
    run};

static void kv_line(const char *word, const char *name, json_t *o, const char *skip);

/*
 * --stable: what two databases with the same content may still differ in, left out of every
 * object: ids the database handed out, creation and change times, ages (which change every
 * second), sequence numbers and arrival times (they encode when a record came), redrive tasks
 * (a database's history, not its content) and dictionary ids.
 */
static bool stable;

static const char *const unstable_queue[] = {"id", "created_ms", "modified_ms", "oldest_age_ms",
                                             NULL};
static const char *const unstable_stream[] = {"id", "created_ms", "modified_ms", "dict_id", NULL};
static const char *const unstable_shard[] = {"created_ms",   "closed_ms",  "last_arrival_ms",
                                             "starting_seq", "ending_seq", "first_seq",
                                             "last_seq",     NULL};
static const char *const unstable_message[] = {"msg_id",           "sent_ms",    "enqueued_ms",
                                               "first_receive_ms", "visible_ms", "origin_queue_id",
                                               "origin_msg_id",    NULL};
static const char *const unstable_record[] = {"seq", "arrival_ms", NULL};
static const char *const unstable_checkpoint[] = {
    "seq", "updated_ms", "lease_counter", "next_arrival_ms", "millis_behind_latest", NULL};

/* With --stable, remove the keys listed from o; returns o. */
static json_t *stabilize(json_t *o, const char *const *keys)
{
    size_t i;
    for (i = 0; stable && keys[i] != NULL; i++)
        json_object_del(o, keys[i]);
    return o;
}

static void queue_line(const char *name, const eddy_queue_info *info, bool json)
{
    json_t *o = stabilize(cli_queue_info_json(name, info), unstable_queue);
    if (json) {
        json_t *line = json_object();
        json_object_set_new(line, "type", json_string("queue"));
        json_object_update(line, o);
        json_decref(o);
        cli_json_print_line(stdout, line);
        return;
    }
    kv_line("queue", name, o, "name");
    json_decref(o);
}

static int dump_queue(eddy_env *env, const char *name, bool json)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_redrive_task tl[64] = {EDDY_QUEUE_REDRIVE_TASK_INIT};
    size_t n = 0, i;
    int rc = eddy_queue_get_attributes(env, name, &info);
    if (rc == 0)
        rc = eddy_queue_redrive_list(env, name, tl, 64, &n);
    if (rc != 0)
        return rc;
    queue_line(name, &info, json);
    for (i = stable ? 0 : n; i-- > 0;) { /* oldest first: stable as tasks are added */
        if (json) {
            json_t *line = json_object(), *t = cli_task_json(&tl[i]);
            json_object_set_new(line, "type", json_string("redrive"));
            json_object_update(line, t);
            json_decref(t);
            cli_json_print_line(stdout, line);
        } else {
            cli_task_text(&tl[i]);
        }
    }
    return 0;
}

/* Print a JSON object as "WORD k=v k=v ..." (strings bare, the rest as JSON). */
static void kv_line(const char *word, const char *name, json_t *o, const char *skip)
{
    const char *key;
    json_t *v;
    printf("%s %s", word, name);
    json_object_foreach(o, key, v)
    {
        char *s;
        if (strcmp(key, skip) == 0)
            continue;
        s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        printf(" %s=%s", key, s != NULL ? s : json_string_value(v));
        free(s);
    }
    printf("\n");
}

static int dump_stream_meta(eddy_env *env, const char *name, bool json)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    json_t *o;
    int rc = eddy_stream_get_attributes(env, name, &info);
    if (rc == 0)
        rc = cli_stream_shards(env, name, &shards, &n);
    if (rc != 0)
        return rc;
    o = stabilize(cli_stream_info_json(name, &info), unstable_stream);
    if (json) {
        json_t *line = json_object();
        json_object_set_new(line, "type", json_string("stream"));
        json_object_update(line, o);
        cli_json_print_line(stdout, line);
    } else {
        kv_line("stream", name, o, "name");
    }
    json_decref(o);
    for (i = 0; i < n; i++) {
        char label[EDDY_STREAM_NAME_MAX + 16];
        o = stabilize(cli_shard_json(&shards[i]), unstable_shard);
        if (json) {
            json_t *line = json_object();
            json_object_set_new(line, "type", json_string("shard"));
            json_object_set_new(line, "stream", json_string(name));
            json_object_update(line, o);
            cli_json_print_line(stdout, line);
        } else {
            snprintf(label, sizeof label, "%s/%u", name, shards[i].shard_id);
            kv_line("shard", label, o, "shard_id");
        }
        json_decref(o);
    }
    free(shards);
    return 0;
}

static int print_record(void *ctx, const char *stream, const eddy_stream_record *r)
{
    const bool *json = ctx;
    if (*json)
        return cli_json_print_line(stdout,
                                   stabilize(cli_stream_record_json(stream, r), unstable_record));
    if (!stable) {
        cli_stream_record_text(stdout, stream, r);
        return 0;
    }
    printf("%s shard=%u key=", stream, r->shard_id);
    cli_print_body_text(stdout, r->partition_key.data, r->partition_key.len);
    printf(" data=");
    cli_print_body_text(stdout, r->data.data, r->data.len);
    printf("\n");
    return 0;
}

static int dump_consumer(struct cli *cli, eddy_env *env, const char *stream, const char *consumer)
{
    eddy_checkpoint *cps = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *cps);
    if (cps != NULL)
        EDDY_ARRAY_INIT(cps, EDDY_STREAM_SHARDS_MAX);
    size_t n = 0, i;
    int rc = cps == NULL
                 ? EDDY_ENOMEM
                 : eddy_checkpoint_list(env, stream, consumer, cps, EDDY_STREAM_SHARDS_MAX, &n);
    for (i = 0; rc == 0 && i < n; i++)
        cli_json_print_line(stdout,
                            stabilize(cli_checkpoint_json(cli, env, stream, consumer, &cps[i]),
                                      unstable_checkpoint));
    free(cps);
    return rc;
}

struct msg_ctx {
    const char *queue;
    bool json;
};

/* One scanned message: a JSON object with "type", or a text line. */
static int print_message(void *ctx, const eddy_queue_scan_message *m)
{
    const struct msg_ctx *x = ctx;
    char sent[40], vis[40];
    if (x->json) {
        json_t *line = json_object(),
               *o = stabilize(cli_queue_scan_json(x->queue, m), unstable_message);
        json_object_set_new(line, "type", json_string("message"));
        json_object_update(line, o);
        json_decref(o);
        return cli_json_print_line(stdout, line) != 0;
    }
    if (stable) {
        printf("%s state=%s receives=%u attrs=%zu body=", x->queue, cli_queue_msg_state(m->state),
               m->receive_count, m->attr_count);
        cli_print_body_text(stdout, m->body.data, m->body.len);
        printf("\n");
        return 0;
    }
    cli_format_time(m->sent_ms, sent, sizeof sent);
    cli_format_time(m->visible_ms, vis, sizeof vis);
    printf("%s msg=%llu state=%s receives=%u sent=%s visible=%s attrs=%zu body=", x->queue,
           (unsigned long long)m->msg_id, cli_queue_msg_state(m->state), m->receive_count, sent,
           vis, m->attr_count);
    cli_print_body_text(stdout, m->body.data, m->body.len);
    printf("\n");
    return 0;
}

/* dump --queue: the queue's line and tasks, then its messages (at most `limit`; 0: all). */
static int dump_queue_messages(struct cli *cli, eddy_env *env, const char *queue, uint64_t limit,
                               bool json)
{
    struct msg_ctx x = {queue, json};
    int rc = dump_queue(env, queue, json);
    if (rc == 0)
        rc = eddy_queue_scan(env, queue, 0, limit, print_message, &x, NULL);
    if (rc != 0)
        cli_fail(cli, rc, "cannot dump queue '%s'", queue);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* One consumer of a stream: a summary line, then its checkpoints. */
static int dump_one_consumer(struct cli *cli, eddy_env *env, const char *stream,
                             const char *consumer, bool json)
{
    eddy_checkpoint *cps = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *cps);
    eddy_lease *ls = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *ls);
    if (cps != NULL)
        EDDY_ARRAY_INIT(cps, EDDY_STREAM_SHARDS_MAX);
    if (ls != NULL)
        EDDY_ARRAY_INIT(ls, EDDY_STREAM_SHARDS_MAX);
    size_t ncp = 0, nl = 0, held = 0, i;
    char label[EDDY_STREAM_NAME_MAX + EDDY_CONSUMER_NAME_MAX + 2];
    int rc = cps == NULL || ls == NULL
                 ? EDDY_ENOMEM
                 : eddy_checkpoint_list(env, stream, consumer, cps, EDDY_STREAM_SHARDS_MAX, &ncp);
    if (rc == 0)
        rc = eddy_lease_list(env, stream, consumer, ls, EDDY_STREAM_SHARDS_MAX, &nl);
    for (i = 0; rc == 0 && i < nl; i++)
        held += ls[i].held;
    if (rc == 0) {
        json_t *o = json_object();
        if (json)
            json_object_set_new(o, "type", json_string("consumer"));
        json_object_set_new(o, "stream", json_string(stream));
        json_object_set_new(o, "consumer", json_string(consumer));
        json_object_set_new(o, "checkpoints", json_integer((json_int_t)ncp));
        json_object_set_new(o, "leases", json_integer((json_int_t)nl));
        json_object_set_new(o, "held", json_integer((json_int_t)held));
        snprintf(label, sizeof label, "%s/%s", stream, consumer);
        if (json)
            cli_json_print_line(stdout, o);
        else {
            json_object_del(o, "stream");
            json_object_del(o, "consumer");
            kv_line("consumer", label, o, "");
            json_decref(o);
        }
    }
    for (i = 0; rc == 0 && i < ncp; i++) {
        json_t *line = json_object(),
               *o = stabilize(cli_checkpoint_json(cli, env, stream, consumer, &cps[i]),
                              unstable_checkpoint);
        json_object_set_new(line, "type", json_string("checkpoint"));
        json_object_update(line, o);
        json_decref(o);
        cli_json_print_line(stdout, line);
    }
    free(cps);
    free(ls);
    return rc;
}

/* dump --consumers: every consumer of one stream (or of every stream), in name order. */
static int dump_consumers(struct cli *cli, eddy_env *env, const char *only, bool json)
{
    struct cli_name_list streams = {NULL, 0, 0}, consumers;
    size_t i, j;
    int rc = only != NULL ? cli_name_collect(&streams, only) : 0;
    if (rc == 0 && only == NULL)
        rc = eddy_stream_list(env, NULL, cli_name_collect, &streams);
    for (i = 0; rc == 0 && i < streams.n; i++) {
        memset(&consumers, 0, sizeof consumers);
        rc = eddy_consumer_list(env, streams.names[i], cli_name_collect, &consumers);
        if (rc == EDDY_ENOTFOUND && only == NULL)
            rc = 0; /* deleted since the listing */
        for (j = 0; rc == 0 && j < consumers.n; j++)
            rc = dump_one_consumer(cli, env, streams.names[i], consumers.names[j], json);
        if (rc != 0)
            cli_fail(cli, rc, "cannot list the consumers of stream '%s'", streams.names[i]);
        cli_free_names(consumers.names, consumers.n);
    }
    if (rc != 0 && i == 0 && only == NULL)
        cli_fail(cli, rc, "cannot list streams");
    cli_free_names(streams.names, streams.n);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* dump --stream: records, or a consumer's checkpoints. */
static int dump_stream(struct cli *cli, eddy_env *env, struct cli_stream_read *rd,
                       const char *consumer, bool json)
{
    uint64_t n = 0;
    int rc;
    if (consumer != NULL) {
        rc = dump_consumer(cli, env, rd->stream, consumer);
        if (rc != 0)
            cli_fail(cli, rc, "cannot read the checkpoints of '%s' on stream '%s'", consumer,
                     rd->stream);
        return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    rc = cli_stream_read(cli, env, rd, print_record, &json, &n);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* Every queue (with its tasks), then every stream (with its shards), in name order. */
static int dump_catalog(struct cli *cli, eddy_env *env, bool json)
{
    char **names = NULL;
    size_t n = 0, i;
    int rc = cli_queue_names(env, &names, &n);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot list queues");
        return rc;
    }
    for (i = 0; i < n && rc == 0; i++) {
        rc = dump_queue(env, names[i], json);
        if (rc == EDDY_ENOTFOUND)
            rc = 0; /* deleted since the listing */
        if (rc != 0)
            cli_fail(cli, rc, "cannot dump queue '%s'", names[i]);
    }
    cli_free_names(names, n);
    names = NULL;
    n = 0;
    if (rc == 0 && (rc = cli_stream_names(env, &names, &n)) != 0)
        cli_fail(cli, rc, "cannot list streams");
    for (i = 0; i < n && rc == 0; i++) {
        rc = dump_stream_meta(env, names[i], json);
        if (rc == EDDY_ENOTFOUND)
            rc = 0;
        if (rc != 0)
            cli_fail(cli, rc, "cannot dump stream '%s'", names[i]);
    }
    cli_free_names(names, n);
    return rc;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS CLI_STREAM_READ_LONGOPTS{"json", no_argument, NULL, 'j'},
        {"queue", required_argument, NULL, 'q'},
        {"stream", required_argument, NULL, 's'},
        {"consumer", required_argument, NULL, 'c'},
        {"consumers", no_argument, NULL, 'C'},
        {"stable", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    struct cli_stream_read rd = {NULL, EDDY_STREAM_NO_SHARD, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                 0};
    const char *queue = NULL, *consumer = NULL;
    bool json = false, consumers = false;
    eddy_env *env;
    int c, ex, rc = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_dump, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'j') {
            json = true;
        } else if (c == 'q') {
            queue = optarg;
        } else if (c == 's') {
            rd.stream = optarg;
        } else if (c == 'c') {
            consumer = optarg;
        } else if (c == 'C') {
            consumers = true;
        } else if (c == 'S') {
            stable = true;
        } else if ((ex = cli_stream_read_option(cli, c, optarg, &rd)) > 0) {
            return ex;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (queue != NULL && rd.stream != NULL)
        return cli_usage(cli, "give --queue or --stream, not both");
    if (queue != NULL && (rd.shard_id != EDDY_STREAM_NO_SHARD ||
                          rd.type != EDDY_STREAM_ITER_TRIM_HORIZON || rd.seq != NULL))
        return cli_usage(cli, "--queue takes --limit, not --shard, --from, --after, --at or "
                              "--latest");
    if (consumer != NULL && rd.stream == NULL)
        return cli_usage(cli, "--consumer needs --stream NAME");
    if (consumers && (consumer != NULL || queue != NULL))
        return cli_usage(cli, "--consumers goes alone or with --stream NAME");
    if (rd.seq != NULL && rd.shard_id == EDDY_STREAM_NO_SHARD)
        return cli_usage(cli, "--from and --after need --shard ID");
    cli->check = true; /* it reads every record: LMDB's pages are checked first */
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if (consumers)
        return cli_close(cli, env, dump_consumers(cli, env, rd.stream, json));
    if (rd.stream != NULL)
        return cli_close(cli, env, dump_stream(cli, env, &rd, consumer, json));
    if (queue != NULL)
        return cli_close(cli, env, dump_queue_messages(cli, env, queue, rd.limit, json));
    rc = dump_catalog(cli, env, json);
    return cli_close(cli, env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
