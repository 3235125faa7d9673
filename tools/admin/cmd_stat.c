/*
 * cmd_stat.c: `eddy stat`: the database's figures (format, sizes, pages, readers), each queue's
 * exact counts and dead-letter link, the running redrive tasks, each stream's shards (first
 * and last sequence numbers), stored bytes and compression ratio, and every consumer's (or one
 * consumer's) checkpoints with their lag, as text or one JSON object.
 *
 * Each figure comes from one short read call; queues deleted meanwhile are skipped.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "checkpoint_forms.h"
#include "db.h"
#include "names.h"
#include "options.h"
#include "prometheus.h"
#include "stream_forms.h"
#include "task_forms.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_stat = {
    "stat", "database, queue and redrive statistics",
    "usage: eddy stat [--json | --format text|json|prometheus] [--queue NAME] [--consumer NAME]\n"
    "\n"
    "Prints the database's format version, file and map size, page counts, free pages and\n"
    "reader slots, and each process in LMDB's reader table (\"reader pid P thread T txn N\",\n"
    "as mdb_stat -r: who holds a snapshot); then for each queue its exact counts (messages,\n"
    "visible, in flight, delayed, expired), the age of its oldest message and its dead-letter\n"
    "queue, with the running redrive tasks; then for each stream its records, bytes, bytes\n"
    "stored after compression and the compression ratio, its shards with state, first and\n"
    "last sequence number, record count and bytes, and every consumer's checkpoints (with\n"
    "--consumer only that one's) and how far behind each is.\n"
    "\n"
    "  --json           one JSON object {\"env\",\"queues\",\"redrive_tasks\",\"streams\"}\n"
    "  --queue NAME     only this queue (and no streams)\n"
    "  --consumer NAME  checkpoints of this consumer only, on every stream\n"
    "  --format prometheus\n"
    "                   the live figures (eddy top's) in the Prometheus text format:\n"
    "                   every queue, stream, shard and consumer (--queue, --consumer ignored)\n"
    "\n"
    "Examples:\n"
    "  eddy --db ./eddy-data stat\n"
    "  eddy stat --format prometheus\n",
    run};

static json_t *env_json(const char *path, const eddy_env_stat *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(path));
    json_object_set_new(o, "format_version", json_integer(st->format_version));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)st->created_ms));
    json_object_set_new(o, "file_size", json_integer((json_int_t)st->file_size));
    json_object_set_new(o, "map_size", json_integer((json_int_t)st->map_size));
    json_object_set_new(o, "page_size", json_integer((json_int_t)st->page_size));
    json_object_set_new(o, "pages_used", json_integer((json_int_t)st->pages_used));
    json_object_set_new(o, "pages_free", json_integer((json_int_t)st->pages_free));
    json_object_set_new(o, "readers_max", json_integer(st->readers_max));
    json_object_set_new(o, "readers_used", json_integer(st->readers_used));
    json_object_set_new(o, "queue_count", json_integer(st->queue_count));
    json_object_set_new(o, "stream_count", json_integer(st->stream_count));
    json_object_set_new(o, "lmdb_version", json_string(st->lmdb_version));
    return o;
}

static void env_text(const char *path, const eddy_env_stat *st)
{
    char t[40], s1[32], s2[32];
    cli_format_time(st->created_ms, t, sizeof t);
    cli_format_size(st->file_size, s1, sizeof s1);
    cli_format_size(st->map_size, s2, sizeof s2);
    printf("database        %s\nformat version  %u\ncreated         %s\n", path, st->format_version,
           t);
    printf("file size       %llu bytes (%s)\nmap size        %llu bytes (%s)\n",
           (unsigned long long)st->file_size, s1, (unsigned long long)st->map_size, s2);
    printf("page size       %llu\npages used      %llu\npages free      %llu\n",
           (unsigned long long)st->page_size, (unsigned long long)st->pages_used,
           (unsigned long long)st->pages_free);
    printf("readers         %u of %u\nqueues          %u\nstreams         %u\nlmdb            %s\n",
           st->readers_used, st->readers_max, st->queue_count, st->stream_count, st->lmdb_version);
}

/* One slot of LMDB's reader table: a JSON object into the array ctx, or a text line. */
static int reader_json(void *ctx, const eddy_reader *r)
{
    json_t *o = json_object();
    char tid[32];
    snprintf(tid, sizeof tid, "%llx", (unsigned long long)r->thread);
    json_object_set_new(o, "pid", json_integer(r->pid));
    json_object_set_new(o, "thread", json_string(tid));
    json_object_set_new(o, "txn_id", json_integer((json_int_t)r->txn_id));
    return json_array_append_new(ctx, o);
}

static int reader_text(void *ctx, const eddy_reader *r)
{
    (void)ctx;
    if (r->txn_id != 0)
        printf("reader          pid %u thread %llx txn %llu\n", r->pid,
               (unsigned long long)r->thread, (unsigned long long)r->txn_id);
    else
        printf("reader          pid %u thread %llx txn none\n", r->pid,
               (unsigned long long)r->thread);
    return 0;
}

/* The processes in LMDB's reader table (eddy_env_readers): who holds a snapshot. */
static int stat_readers(struct cli *cli, eddy_env *env, json_t *env_obj)
{
    json_t *arr = env_obj != NULL ? json_array() : NULL;
    int rc = env_obj != NULL ? eddy_env_readers(env, reader_json, arr)
                             : eddy_env_readers(env, reader_text, NULL);
    if (env_obj != NULL)
        json_object_set_new(env_obj, "readers", arr);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot list the readers of '%s'", cli->db_path);
    return CLI_EXIT_OK;
}

/* One queue: counts and tasks, appended to the JSON arrays or printed. */
static int stat_queue(struct cli *cli, eddy_env *env, const char *name, json_t *queues,
                      json_t *tasks)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    eddy_queue_redrive_task tl[16] = {EDDY_QUEUE_REDRIVE_TASK_INIT};
    size_t nt = 0, i;
    int rc = eddy_queue_get_attributes(env, name, &info);
    if (rc == 0)
        rc = eddy_queue_stat_get(env, name, &st);
    if (rc == 0)
        rc = eddy_queue_redrive_list(env, name, tl, 16, &nt);
    if (rc == EDDY_ENOTFOUND)
        return 0; /* deleted since the listing */
    if (rc != 0)
        return cli_fail(cli, rc, "cannot read queue '%s'", name);
    if (queues != NULL) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "messages", json_integer((json_int_t)st.messages));
        json_object_set_new(o, "visible", json_integer((json_int_t)st.visible));
        json_object_set_new(o, "in_flight", json_integer((json_int_t)st.in_flight));
        json_object_set_new(o, "delayed", json_integer((json_int_t)st.delayed));
        json_object_set_new(o, "expired", json_integer((json_int_t)st.expired));
        json_object_set_new(o, "oldest_age_ms", json_integer((json_int_t)st.oldest_age_ms));
        json_object_set_new(o, "dlq", json_string(info.dlq_name));
        json_object_set_new(o, "max_receive_count", json_integer(info.max_receive_count));
        json_array_append_new(queues, o);
    } else {
        char age[40];
        cli_format_duration(st.oldest_age_ms, age, sizeof age);
        printf("queue %s: messages %llu, visible %llu, in flight %llu, delayed %llu, expired "
               "%llu, oldest %s",
               name, (unsigned long long)st.messages, (unsigned long long)st.visible,
               (unsigned long long)st.in_flight, (unsigned long long)st.delayed,
               (unsigned long long)st.expired, age);
        if (info.dlq_name[0] != '\0')
            printf(", dead letters to %s after %u receives", info.dlq_name, info.max_receive_count);
        printf("\n");
    }
    for (i = 0; i < nt; i++) {
        if (tl[i].status != EDDY_QUEUE_TASK_RUNNING)
            continue;
        if (tasks != NULL)
            json_array_append_new(tasks, cli_task_json(&tl[i]));
        else
            cli_task_text(&tl[i]);
    }
    return 0;
}

static int stat_shard(const eddy_stream_shard *sh, json_t *arr)
{
    if (arr != NULL) {
        json_array_append_new(arr, cli_shard_json(sh));
        return 0;
    }
    printf("  shard %u %s: records %llu, bytes %llu, first seq %s, last seq %s", sh->shard_id,
           cli_shard_state(sh->state), (unsigned long long)sh->records,
           (unsigned long long)sh->bytes, sh->first_seq[0] != '\0' ? sh->first_seq : "-",
           sh->last_seq[0] != '\0' ? sh->last_seq : "-");
    if (sh->last_arrival_ms != 0) {
        char t[40];
        cli_format_time(sh->last_arrival_ms, t, sizeof t);
        printf(", last arrival %s", t);
    }
    printf("\n");
    return 0;
}

/* One consumer's checkpoints with their lag: JSON objects into arr, or text lines. */
static int stat_consumer(struct cli *cli, eddy_env *env, const char *stream, const char *consumer,
                         json_t *arr)
{
    eddy_checkpoint *cps = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *cps);
    if (cps != NULL)
        EDDY_ARRAY_INIT(cps, EDDY_STREAM_SHARDS_MAX);
    size_t ncp = 0, i;
    int rc = cps == NULL
                 ? EDDY_ENOMEM
                 : eddy_checkpoint_list(env, stream, consumer, cps, EDDY_STREAM_SHARDS_MAX, &ncp);
    for (i = 0; rc == 0 && i < ncp; i++) {
        json_t *j = cli_checkpoint_json(cli, env, stream, consumer, &cps[i]);
        if (arr != NULL) {
            json_array_append_new(arr, j);
            continue;
        }
        printf("  consumer %s shard %u at %s, %lld ms behind\n", consumer, cps[i].shard_id,
               cps[i].seq,
               (long long)json_integer_value(json_object_get(j, "millis_behind_latest")));
        json_decref(j);
    }
    free(cps);
    return rc;
}

/* The stream's compression: raw payload bytes over stored ones. */
static double ratio_of(const eddy_stream_usage *u)
{
    return u->stored_bytes != 0 ? (double)u->raw_bytes / (double)u->stored_bytes : 1.0;
}

static int stat_stream(struct cli *cli, eddy_env *env, const char *name, const char *consumer,
                       json_t *streams)
{
    struct cli_name_list consumers = {NULL, 0, 0};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_usage use = EDDY_STREAM_USAGE_INIT;
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    json_t *o = NULL, *sh = NULL, *cp = NULL;
    int rc = eddy_stream_get_attributes(env, name, &info);
    if (rc == 0)
        rc = cli_stream_shards(env, name, &shards, &n);
    if (rc == 0)
        rc = eddy_stream_usage_get(env, name, EDDY_STREAM_NO_SHARD, &use);
    if (rc == 0)
        rc = consumer != NULL ? cli_name_collect(&consumers, consumer)
                              : eddy_consumer_list(env, name, cli_name_collect, &consumers);
    if (rc == EDDY_ENOTFOUND) { /* deleted since the listing */
        free(shards);
        cli_free_names(consumers.names, consumers.n);
        return 0;
    }
    if (streams != NULL && rc == 0) {
        o = cli_stream_info_json(name, &info);
        json_object_set_new(o, "raw_bytes", json_integer((json_int_t)use.raw_bytes));
        json_object_set_new(o, "stored_bytes", json_integer((json_int_t)use.stored_bytes));
        json_object_set_new(o, "compression_ratio", json_real(ratio_of(&use)));
        sh = json_array();
        cp = json_array();
        json_object_set_new(o, "shard_list", sh);
        json_object_set_new(o, "checkpoints", cp);
        json_array_append_new(streams, o);
    } else if (rc == 0) {
        printf("stream %s: %u open shards, %u stored, records %llu, bytes %llu, stored %llu "
               "bytes, compression %.2fx\n",
               name, info.open_shards, info.shards, (unsigned long long)info.records,
               (unsigned long long)info.bytes, (unsigned long long)use.stored_bytes,
               ratio_of(&use));
    }
    for (i = 0; rc == 0 && i < n; i++)
        rc = stat_shard(&shards[i], sh);
    for (i = 0; rc == 0 && i < consumers.n; i++)
        rc = stat_consumer(cli, env, name, consumers.names[i], cp);
    free(shards);
    cli_free_names(consumers.names, consumers.n);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot read stream '%s'", name);
    return 0;
}

static int stat_streams(struct cli *cli, eddy_env *env, const char *consumer, json_t *streams)
{
    char **names = NULL;
    size_t n = 0, i;
    int rc = cli_stream_names(env, &names, &n), result = 0;
    if (rc != 0)
        return cli_fail(cli, rc, "cannot list streams");
    for (i = 0; i < n && result == 0; i++)
        result = stat_stream(cli, env, names[i], consumer, streams);
    cli_free_names(names, n);
    return result;
}

/* --format prometheus: the live snapshot (common/live_stats.c), as eddy serve's /metrics. */
static int stat_prometheus(struct cli *cli, eddy_env *env)
{
    struct cli_live snap;
    int ex = CLI_EXIT_OK;
    if (cli_live_collect(cli, env, &snap) != 0)
        return CLI_EXIT_FAIL;
    if (cli_prometheus_write(stdout, &snap) != 0) {
        cli_err(cli, "cannot write the metrics to stdout");
        ex = CLI_EXIT_FAIL;
    }
    cli_live_free(&snap);
    return ex;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS{"json", no_argument, NULL, 'j'},
                                             {"queue", required_argument, NULL, 'q'},
                                             {"consumer", required_argument, NULL, 'c'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    bool json = false, prom = false;
    const char *only = NULL, *consumer = NULL;
    eddy_env *env;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    char **names = NULL;
    size_t n = 0, i;
    json_t *root = NULL, *queues = NULL, *tasks = NULL, *streams = NULL;
    int c, ex, rc, result = CLI_EXIT_OK;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_stat, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'j') {
            json = true;
        } else if (c == 'q') {
            only = optarg;
        } else if (c == 'c') {
            consumer = optarg;
        } else if (c == 'f') {
            json = strcmp(optarg, "json") == 0;
            prom = strcmp(optarg, "prometheus") == 0;
            if (!json && !prom && strcmp(optarg, "text") != 0)
                return cli_usage(cli, "bad --format '%s' (text, json, prometheus)", optarg);
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if (prom)
        return cli_close(cli, env, stat_prometheus(cli, env));
    if ((rc = eddy_env_stat_get(env, &st)) != 0) {
        cli_fail(cli, rc, "cannot read the statistics of '%s'", cli->db_path);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (only == NULL && (rc = cli_queue_names(env, &names, &n)) != 0) {
        cli_fail(cli, rc, "cannot list queues");
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (json) {
        root = json_object();
        queues = json_array();
        tasks = json_array();
        streams = json_array();
        json_object_set_new(root, "env", env_json(cli->db_path, &st));
        result = stat_readers(cli, env, json_object_get(root, "env"));
    } else {
        env_text(cli->db_path, &st);
        result = stat_readers(cli, env, NULL);
    }
    if (only != NULL) {
        rc = eddy_queue_get_attributes(env, only, &(eddy_queue_info)EDDY_QUEUE_INFO_INIT);
        if (rc != 0)
            result = cli_fail(cli, rc, "cannot read queue '%s'", only);
        else
            result = stat_queue(cli, env, only, queues, tasks);
    }
    for (i = 0; i < n && result == 0; i++)
        result = stat_queue(cli, env, names[i], queues, tasks);
    cli_free_names(names, n);
    if (only == NULL && result == 0)
        result = stat_streams(cli, env, consumer, streams);
    if (json) {
        json_object_set_new(root, "queues", queues);
        json_object_set_new(root, "redrive_tasks", tasks);
        json_object_set_new(root, "streams", streams);
        if (result == 0) {
            json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
        }
        json_decref(root);
    }
    return cli_close(cli, env, result);
}
