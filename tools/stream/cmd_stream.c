/*
 * cmd_stream.c: `eddy stream ...`: create, list, describe, delete streams; put records (an
 * argument, a file, stdin, or one per line); get records as JSON lines; list, split, merge and
 * rescale shards.
 *
 * Reads go through iterators (plain tokens): each get_records call is one short read, so a
 * long read never holds a snapshot.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "arrays.h"
#include "args.h"
#include "cmd_stream.h"
#include "db.h"
#include "files.h"
#include "json.h"
#include "names.h"
#include "options.h"
#include "stream_forms.h"
#include "stream_read.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_stream = {
    "stream", "create, list and use streams (put, get, shards, split, merge)",
    "usage: eddy stream SUBCOMMAND [ARGS]\n"
    "\n"
    "  create NAME [--shards N] [--retention DUR] [--hash xxh3|md5] [--max-size SIZE]\n"
    "              [--batch-max N] [--iterator-ttl DUR]\n"
    "                               create a stream (the database is created if missing)\n"
    "  list [--prefix P] [--json]   list streams\n"
    "  describe NAME [--json]       attributes and totals\n"
    "  delete NAME                  delete a stream with its records and checkpoints\n"
    "  put NAME [DATA] --key PK [--file F] [--lines] [--hash-key H] [-q]\n"
    "                               put a record: DATA, the contents of F (- = stdin), or\n"
    "                               stdin; --lines puts each line. Prints\n"
    "                               {\"shard_id\":N,\"seq\":S,\"arrival_ms\":T} per record.\n"
    "  get NAME [--shard ID] [--from SEQ | --after SEQ | --at TIME | --latest] [--limit N]\n"
    "                               records as JSON lines, shard by shard, up to now;\n"
    "                               --from/--after need --shard\n"
    "  tail NAME [--from latest|trim-horizon|at-timestamp --at TIME] [--shard N] [--json]\n"
    "       [--limit N] [--interval DUR]\n"
    "                               print records as they arrive, across shards and\n"
    "                               resharding (children after parents), until interrupted\n"
    "  shards NAME [--json]         shards with state, hash range, lineage and counts\n"
    "  split NAME SHARD [HASH-KEY]  split a shard (at the middle of its range by default)\n"
    "  merge NAME SHARD ADJACENT    merge two adjacent shards\n"
    "  scale NAME N                 split or merge to N open shards\n"
    "\n"
    "Examples:\n"
    "  eddy stream create clicks --shards 4 --retention 7d\n"
    "  eddy stream put clicks '{\"page\":\"/\"}' --key user-17\n"
    "  seq 1 100 | eddy stream put clicks --lines --key batch -q\n"
    "  seq=$(eddy stream get clicks --shard 0 --limit 1 | jq -r .seq)\n"
    "  eddy stream get clicks --shard 0 --after \"$seq\" --limit 10\n"
    "  eddy stream split clicks 0\n"
    "  eddy stream tail clicks --from trim-horizon --limit 3 --json\n",
    run};

enum {
    OPT_SHARDS = 0x500,
    OPT_RETENTION,
    OPT_HASH,
    OPT_MAXSIZE,
    OPT_BATCH,
    OPT_TTL,
    OPT_JSON,
    OPT_PREFIX,
    OPT_KEY,
    OPT_FILE,
    OPT_LINES,
    OPT_HASHKEY,
};

/* ---- Subcommands. */

static int one_name(struct cli *cli, int argc, char **argv, int want, const char **args)
{
    int i;
    if (argc - optind < want)
        return cli_usage(cli, "missing arguments (see usage)");
    if (argc - optind > want)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind + want]);
    for (i = 0; i < want; i++)
        args[i] = argv[optind + i];
    return -1;
}

static int s_create(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"shards", required_argument, NULL, OPT_SHARDS},
        {"retention", required_argument, NULL, OPT_RETENTION},
        {"hash", required_argument, NULL, OPT_HASH},
        {"max-size", required_argument, NULL, OPT_MAXSIZE},
        {"batch-max", required_argument, NULL, OPT_BATCH},
        {"iterator-ttl", required_argument, NULL, OPT_TTL},
        {NULL, 0, NULL, 0}};
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    const char *name = NULL;
    uint64_t v;
    eddy_env *env;
    int c, ex, rc, idx = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
        bool ok = true;
        if (cli_common_option(cli, &cli_cmd_stream, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
            continue;
        }
        if (c == OPT_SHARDS || c == OPT_BATCH) {
            ok = cli_parse_u64(optarg, UINT32_MAX, &v);
            *(c == OPT_SHARDS ? &o.shard_count : &o.batch_max) = (uint32_t)v;
        } else if (c == OPT_RETENTION) {
            ok = cli_parse_duration_ms(optarg, &o.retention_ms);
        } else if (c == OPT_TTL) {
            ok = cli_parse_duration_ms(optarg, &v) && v <= UINT32_MAX;
            o.iterator_ttl_ms = (uint32_t)v;
        } else if (c == OPT_MAXSIZE) {
            ok = cli_parse_size(optarg, &v) && v <= UINT32_MAX;
            o.record_len_max = (uint32_t)v;
        } else if (c == OPT_HASH) {
            ok = strcmp(optarg, "xxh3") == 0 || strcmp(optarg, "md5") == 0;
            o.hash = strcmp(optarg, "md5") == 0 ? EDDY_STREAM_HASH_MD5 : EDDY_STREAM_HASH_XXH3;
        }
        if (!ok)
            return cli_usage(cli, "bad value '%s' for --%s", optarg, longopts[idx].name);
    }
    if ((ex = one_name(cli, argc, argv, 1, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_CREATE, &env)) != 0)
        return ex;
    if ((rc = eddy_stream_create(env, name, &o)) != 0) {
        cli_fail(cli, rc, "cannot create stream '%s'", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    return cli_close(cli, env, CLI_EXIT_OK);
}

/* list and describe share the --json/--prefix parsing. */
static int s_list_describe(struct cli *cli, int argc, char **argv, bool describe)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"json", no_argument, NULL, OPT_JSON},
        {"prefix", required_argument, NULL, OPT_PREFIX},
        {NULL, 0, NULL, 0}};
    const char *prefix = "", *name = NULL;
    const char *const *list;
    bool json = false;
    eddy_env *env;
    char **names = NULL;
    size_t n = 0, i;
    int c, ex, rc = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_stream, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_JSON) {
            json = true;
        } else if (c == OPT_PREFIX) {
            prefix = optarg;
        }
    }
    if ((ex = one_name(cli, argc, argv, describe ? 1 : 0, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if (!describe && (rc = cli_stream_names(env, &names, &n)) != 0) {
        cli_fail(cli, rc, "cannot list streams");
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    list = (const char *const *)names;
    if (describe) {
        list = &name;
        n = 1;
    }
    for (i = 0; i < n && rc == 0; i++) {
        eddy_stream_info info = EDDY_STREAM_INFO_INIT;
        json_t *o;
        if (strncmp(list[i], prefix, strlen(prefix)) != 0)
            continue;
        if (!json && !describe) {
            printf("%s\n", list[i]);
            continue;
        }
        rc = eddy_stream_get_attributes(env, list[i], &info);
        if (rc == EDDY_ENOTFOUND && !describe) {
            rc = 0;
            continue;
        }
        if (rc != 0) {
            cli_fail(cli, rc, "cannot describe stream '%s'", list[i]);
            break;
        }
        o = cli_stream_info_json(list[i], &info);
        if (json) {
            cli_json_print_line(stdout, o);
        } else {
            const char *key;
            json_t *v;
            json_object_foreach(o, key, v)
            {
                char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
                printf("%-16s %s\n", key, s != NULL ? s : json_string_value(v));
                free(s);
            }
            json_decref(o);
        }
    }
    if (!describe)
        cli_free_names(names, n);
    return cli_close(cli, env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

static int s_delete(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL;
    eddy_env *env;
    int ex, rc;
    if ((ex = cli_no_options(cli, &cli_cmd_stream, argc, argv)) >= 0)
        return ex;
    if ((ex = one_name(cli, argc, argv, 1, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    if ((rc = eddy_stream_delete(env, name)) != 0) {
        cli_fail(cli, rc, "cannot delete stream '%s'", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    printf("deleted stream '%s'\n", name);
    return cli_close(cli, env, CLI_EXIT_OK);
}

static void print_put(const eddy_stream_put_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "shard_id", json_integer(r->shard_id));
    json_object_set_new(o, "seq", json_string(r->seq));
    json_object_set_new(o, "arrival_ms", json_integer((json_int_t)r->arrival_ms));
    cli_json_print_line(stdout, o);
}

/* Put each non-empty line of buf as a record like `proto`, batch_max at a time. */
static int put_lines(struct cli *cli, eddy_env *env, const char *name, unsigned char *buf,
                     size_t len, const eddy_stream_put_entry *proto, bool quiet)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_put_entry *ents;
    eddy_stream_put_result *res;
    size_t pos = 0, i;
    int rc, result = CLI_EXIT_OK;
    if ((rc = eddy_stream_get_attributes(env, name, &info)) != 0)
        return cli_fail(cli, rc, "cannot put into stream '%s'", name);
    CLI_ARRAY_NEW(ents, info.batch_max);
    CLI_ARRAY_NEW(res, info.batch_max);
    while (ents != NULL && res != NULL && pos < len && result == 0) {
        size_t n = 0;
        while (pos < len && n < info.batch_max) {
            unsigned char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl != NULL ? (size_t)(nl - buf) : len;
            if (end > pos) {
                ents[n] = *proto;
                ents[n].data.data = buf + pos;
                ents[n].data.len = end - pos;
                n++;
            }
            pos = end + 1;
        }
        if (n == 0)
            break;
        if ((rc = eddy_stream_put_batch(env, name, ents, n, res, NULL)) != 0) {
            result = cli_fail(cli, rc, "cannot put into stream '%s'", name);
            break;
        }
        for (i = 0; i < n; i++) {
            if (res[i].rc != 0) {
                cli_err(cli, "a record: %s: %s", eddy_errname(res[i].rc), eddy_strerror(res[i].rc));
                result = CLI_EXIT_FAIL;
            } else if (!quiet) {
                print_put(&res[i]);
            }
        }
    }
    if (ents == NULL || res == NULL)
        result = CLI_EXIT_FAIL;
    free(ents);
    free(res);
    return result;
}

static int s_put(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"key", required_argument, NULL, OPT_KEY},
        {"file", required_argument, NULL, OPT_FILE},
        {"lines", no_argument, NULL, OPT_LINES},
        {"hash-key", required_argument, NULL, OPT_HASHKEY},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0}};
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    const char *name = NULL, *file = NULL, *key = NULL;
    bool lines = false, quiet = false;
    unsigned char *buf = NULL;
    size_t len = 0;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_stream, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_KEY) {
            key = optarg;
        } else if (c == OPT_FILE) {
            file = optarg;
        } else if (c == OPT_LINES) {
            lines = true;
        } else if (c == OPT_HASHKEY) {
            e.explicit_hash_key = optarg;
        } else if (c == 'q') {
            quiet = true;
        }
    }
    if (key == NULL)
        return cli_usage(cli, "missing --key PARTITION-KEY");
    if (optind >= argc || argc - optind > 2 || (argc - optind == 2 && file != NULL))
        return cli_usage(cli, "give NAME, then the data once: as an argument, --file or stdin");
    name = argv[optind];
    e.partition_key.data = key;
    e.partition_key.len = strlen(key);
    if (argc - optind == 2) {
        buf = (unsigned char *)strdup(argv[optind + 1]);
        len = strlen(argv[optind + 1]);
        if (buf == NULL)
            return CLI_EXIT_FAIL;
    } else if (!cli_read_file(cli, file != NULL ? file : "-", &buf, &len)) {
        return CLI_EXIT_FAIL;
    }
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        goto done;
    if (lines) {
        ex = cli_close(cli, env, put_lines(cli, env, name, buf, len, &e, quiet));
        goto done;
    }
    e.data.data = buf;
    e.data.len = len;
    if ((rc = eddy_stream_put(env, name, &e, &r)) != 0) {
        cli_fail(cli, rc, "cannot put into stream '%s'", name);
        ex = cli_close(cli, env, CLI_EXIT_FAIL);
        goto done;
    }
    if (!quiet)
        print_put(&r);
    ex = cli_close(cli, env, CLI_EXIT_OK);
done:
    free(buf);
    return ex;
}

static int print_record_json(void *ctx, const char *stream, const eddy_stream_record *r)
{
    (void)ctx;
    return cli_json_print_line(stdout, cli_stream_record_json(stream, r));
}

static int s_get(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_STREAM_READ_LONGOPTS CLI_COMMON_LONGOPTS{NULL, 0, NULL, 0}};
    struct cli_stream_read rd = {NULL, EDDY_STREAM_NO_SHARD, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                 0};
    const char *name = NULL;
    uint64_t n = 0;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_stream, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if ((ex = cli_stream_read_option(cli, c, optarg, &rd)) > 0) {
            return ex;
        }
    }
    if ((ex = one_name(cli, argc, argv, 1, &name)) >= 0)
        return ex;
    if (rd.seq != NULL && rd.shard_id == EDDY_STREAM_NO_SHARD)
        return cli_usage(cli,
                         "--from and --after need --shard ID (a sequence number is per shard)");
    rd.stream = name;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    rc = cli_stream_read(cli, env, &rd, print_record_json, NULL, &n);
    return cli_close(cli, env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

static void shard_text(const eddy_stream_shard *s)
{
    printf("shard %u %s hash %s..%s records %llu bytes %llu", s->shard_id,
           cli_shard_state(s->state), s->starting_hash_key, s->ending_hash_key,
           (unsigned long long)s->records, (unsigned long long)s->bytes);
    if (s->parent_id != EDDY_STREAM_NO_SHARD)
        printf(" parent %u", s->parent_id);
    if (s->adjacent_parent_id != EDDY_STREAM_NO_SHARD)
        printf(" adjacent-parent %u", s->adjacent_parent_id);
    if (s->child_ids[0] != EDDY_STREAM_NO_SHARD)
        printf(" children %u", s->child_ids[0]);
    if (s->child_ids[1] != EDDY_STREAM_NO_SHARD)
        printf(",%u", s->child_ids[1]);
    printf(" seq %s..%s\n", s->starting_seq, s->ending_seq[0] != '\0' ? s->ending_seq : "");
}

static int s_shards(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"json", no_argument, NULL, OPT_JSON}, {NULL, 0, NULL, 0}};
    const char *name = NULL;
    bool json = false;
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_stream, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_JSON) {
            json = true;
        }
    }
    if ((ex = one_name(cli, argc, argv, 1, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if ((rc = cli_stream_shards(env, name, &shards, &n)) != 0) {
        cli_fail(cli, rc, "cannot list the shards of stream '%s'", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    for (i = 0; i < n; i++) {
        if (json)
            cli_json_print_line(stdout, cli_shard_json(&shards[i]));
        else
            shard_text(&shards[i]);
    }
    free(shards);
    return cli_close(cli, env, CLI_EXIT_OK);
}

/* Decimal 128-bit hash keys for the default split point. */
static bool parse_u128(const char *s, unsigned __int128 *out)
{
    unsigned __int128 v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

static void format_u128(unsigned __int128 v, char *dst)
{
    char tmp[48];
    int n = 0, i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    dst[n] = '\0';
}

/* The middle of the shard's range, as the split point. */
static int middle_key(eddy_env *env, const char *name, uint32_t shard, char *dst)
{
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    int rc = cli_stream_shards(env, name, &shards, &n);
    if (rc != 0)
        return rc;
    rc = EDDY_ENOTFOUND;
    for (i = 0; i < n; i++) {
        unsigned __int128 lo, hi;
        if (shards[i].shard_id != shard)
            continue;
        if (!parse_u128(shards[i].starting_hash_key, &lo) ||
            !parse_u128(shards[i].ending_hash_key, &hi))
            break;
        format_u128(lo + (hi - lo) / 2 + 1, dst);
        rc = 0;
    }
    free(shards);
    return rc;
}

static int s_reshard(struct cli *cli, int argc, char **argv, const char *sub)
{
    const char *args[3] = {NULL, NULL, NULL};
    char key[48];
    uint64_t a, b = 0;
    uint32_t kids[2] = {EDDY_STREAM_NO_SHARD, EDDY_STREAM_NO_SHARD};
    eddy_env *env;
    int ex, rc, want = strcmp(sub, "scale") == 0 ? 2 : 3;
    if ((ex = cli_no_options(cli, &cli_cmd_stream, argc, argv)) >= 0)
        return ex;
    if (strcmp(sub, "split") == 0 && argc - optind == 2)
        want = 2;
    if ((ex = one_name(cli, argc, argv, want, args)) >= 0)
        return ex;
    if (!cli_parse_u64(args[1], UINT32_MAX - 1, &a) ||
        (strcmp(sub, "merge") == 0 && !cli_parse_u64(args[2], UINT32_MAX - 1, &b)))
        return cli_usage(cli, "shard ids and counts are numbers");
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    if (strcmp(sub, "split") == 0) {
        rc = args[2] != NULL ? 0 : middle_key(env, args[0], (uint32_t)a, key);
        if (rc == 0)
            rc = eddy_stream_split_shard(env, args[0], (uint32_t)a, args[2] != NULL ? args[2] : key,
                                         kids);
        if (rc == 0)
            printf("split shard %llu into %u and %u\n", (unsigned long long)a, kids[0], kids[1]);
    } else if (strcmp(sub, "merge") == 0) {
        rc = eddy_stream_merge_shards(env, args[0], (uint32_t)a, (uint32_t)b, kids);
        if (rc == 0)
            printf("merged shards %llu and %llu into %u\n", (unsigned long long)a,
                   (unsigned long long)b, kids[0]);
    } else {
        rc = eddy_stream_update_shard_count(env, args[0], (uint32_t)a);
        if (rc == 0)
            printf("stream '%s' now has %llu open shards\n", args[0], (unsigned long long)a);
    }
    if (rc != 0) {
        cli_fail(cli, rc, "cannot %s stream '%s'", sub, args[0]);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int run(struct cli *cli, int argc, char **argv)
{
    const char *sub;
    int ex = cli_subcommand(cli, &cli_cmd_stream, &argc, &argv, &sub);

    if (ex >= 0)
        return ex;
    if (strcmp(sub, "create") == 0)
        return s_create(cli, argc, argv);
    if (strcmp(sub, "list") == 0)
        return s_list_describe(cli, argc, argv, false);
    if (strcmp(sub, "describe") == 0)
        return s_list_describe(cli, argc, argv, true);
    if (strcmp(sub, "delete") == 0)
        return s_delete(cli, argc, argv);
    if (strcmp(sub, "put") == 0)
        return s_put(cli, argc, argv);
    if (strcmp(sub, "get") == 0)
        return s_get(cli, argc, argv);
    if (strcmp(sub, "tail") == 0)
        return cli_stream_tail(cli, argc, argv);
    if (strcmp(sub, "shards") == 0)
        return s_shards(cli, argc, argv);
    if (strcmp(sub, "split") == 0 || strcmp(sub, "merge") == 0 || strcmp(sub, "scale") == 0)
        return s_reshard(cli, argc, argv, sub);
    return cli_usage(cli, "unknown subcommand '%s'", sub);
}
