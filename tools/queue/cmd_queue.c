/*
 * cmd_queue.c: `eddy queue ...`: administration of queues (create, list, delete, attrs, purge,
 * train-dict) and the dispatch to the message commands in cmd_queue_msg.c (send, receive,
 * delete-message, change-visibility).
 *
 * Each subcommand makes a handful of short library calls; nothing is held between them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "attrs.h"
#include "db.h"
#include "json.h"
#include "names.h"
#include "options.h"
#include "queue_forms.h"
#include "cmd_queue.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_queue = {
    "queue", "create, list, change and use queues (send, receive, delete ...)",
    "usage: eddy queue SUBCOMMAND [ARGS]\n"
    "\n"
    "  create NAME [ATTRIBUTES]     create a queue (the database is created if missing)\n"
    "  list [--prefix P] [--json]   list queues (names, or JSON lines with counts)\n"
    "  attrs NAME [ATTRIBUTES] [--json]\n"
    "                               show a queue's attributes; change those given\n"
    "  delete NAME                  delete a queue and its messages\n"
    "  purge NAME                   remove every message of a queue\n"
    "  train-dict NAME [--samples N] [--dict-size SIZE]\n"
    "                               train a zstd dictionary for the queue's new messages\n"
    "  send NAME [BODY] [--file F] [--lines] [--delay DUR] [--attr NAME[:TYPE]=VALUE]... [-q]\n"
    "                               send a message: BODY, or the contents of F (- = stdin),\n"
    "                               or stdin; --lines sends each non-empty line as a message,\n"
    "                               in batches of at most batch_max messages and max-size\n"
    "                               bytes (a line that fails is named by its number). Prints\n"
    "                               {\"msg_id\":N,\"sent_ms\":T,\"body_xxh3\":\"...\"} per\n"
    "                               message sent (-q: nothing)\n"
    "  receive NAME [--max N] [--visibility-timeout DUR] [--wait DUR]\n"
    "                               receive messages; one JSON line each, with its receipt\n"
    "  peek NAME [--follow] [--limit N] [--interval DUR]\n"
    "                               show stored messages as JSON lines without receiving\n"
    "                               them (nothing changes); --follow: then new ones, until\n"
    "                               interrupted\n"
    "  delete-message NAME [RECEIPT...]\n"
    "                               delete messages by receipt; without RECEIPT, reads\n"
    "                               receipts or `receive` JSON lines from stdin; prints\n"
    "                               \"deleted N messages\" (exit 1 if a receipt failed)\n"
    "  change-visibility NAME --timeout DUR [RECEIPT...]\n"
    "                               make messages visible again after DUR (stdin as above);\n"
    "                               prints \"changed the visibility of N messages\"\n"
    "\n"
    "ATTRIBUTES (create and attrs):\n"
    "  --visibility-timeout DUR  default 30s, at most 12h\n"
    "  --delay DUR               delivery delay of new messages, default 0, at most 15m\n"
    "  --retention DUR           default 4d, 1m..14d\n"
    "  --max-size SIZE           largest message, default 1MiB, 1KiB..16MiB\n"
    "  --receive-wait DUR        default long-poll wait of a receive, at most 20s\n"
    "  --dlq NAME                dead-letter queue ('' for none); must exist\n"
    "  --max-receive-count N     receives before a message moves to the dlq, default 10\n"
    "  --redrive-allow all|none|Q1,Q2,...\n"
    "                            which queues may use this one as their dlq\n"
    "  --in-flight-max N         default 120000\n"
    "  --batch-max N             most messages per batch or receive, default 10, at most 1000\n"
    "\n"
    "DUR is 250ms, 90s, 15m, 2h, 7d or a combination (1h30m); a plain number is seconds.\n"
    "SIZE is bytes or KiB/MiB/GiB. Attribute TYPE is String (default), Number or Binary\n"
    "(VALUE in base64).\n"
    "\n"
    "Examples:\n"
    "  eddy queue create orders-dlq\n"
    "  eddy queue create orders --visibility-timeout 90s --dlq orders-dlq --max-receive-count 5\n"
    "  eddy queue send orders '{\"id\":1}' --attr source=web --attr n:Number=3\n"
    "  seq 1 100 | eddy queue send orders --lines -q\n"
    "  eddy queue peek orders --limit 5\n"
    "  eddy queue receive orders --max 10 | eddy queue delete-message orders\n",
    run};

/* ---- Attributes shared by create and attrs. */

enum {
    OPT_VIS = 0x200,
    OPT_DELAY,
    OPT_RETENTION,
    OPT_MAXSIZE,
    OPT_WAIT,
    OPT_DLQ,
    OPT_MAXRECV,
    OPT_ALLOW,
    OPT_INFLIGHT,
    OPT_BATCH,
    OPT_JSON,
    OPT_PREFIX,
    OPT_SAMPLES,
    OPT_DICTSIZE,
};

#define QUEUE_ATTR_LONGOPTS                                                                        \
    {"visibility-timeout", required_argument, NULL, OPT_VIS},                                      \
        {"delay", required_argument, NULL, OPT_DELAY},                                             \
        {"retention", required_argument, NULL, OPT_RETENTION},                                     \
        {"max-size", required_argument, NULL, OPT_MAXSIZE},                                        \
        {"receive-wait", required_argument, NULL, OPT_WAIT},                                       \
        {"dlq", required_argument, NULL, OPT_DLQ},                                                 \
        {"max-receive-count", required_argument, NULL, OPT_MAXRECV},                               \
        {"redrive-allow", required_argument, NULL, OPT_ALLOW},                                     \
        {"in-flight-max", required_argument, NULL, OPT_INFLIGHT},                                  \
        {"batch-max", required_argument, NULL, OPT_BATCH},

static bool dur32(const char *arg, uint32_t *out, bool zero_explicit)
{
    uint64_t ms;
    if (!cli_parse_duration_ms(arg, &ms) || ms >= UINT32_MAX)
        return false;
    *out = ms == 0 && zero_explicit ? EDDY_QUEUE_ZERO_MS : (uint32_t)ms;
    return true;
}

static bool parse_allow(const char *arg, eddy_queue_info *o)
{
    const char *p = arg;
    size_t n = 0;
    memset(o->allow_sources, 0, sizeof o->allow_sources);
    o->allow_source_count = 0;
    if (strcmp(arg, "all") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_ALL;
        return true;
    }
    if (strcmp(arg, "none") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_DENY_ALL;
        return true;
    }
    o->redrive_allow = EDDY_QUEUE_ALLOW_BY_QUEUE;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (n == EDDY_QUEUE_ALLOW_MAX || len == 0 || len > EDDY_QUEUE_NAME_MAX)
            return false;
        memcpy(o->allow_sources[n++], p, len);
        o->allow_source_count = n;
        p += len;
        if (*p == ',')
            p++;
    }
    return n > 0;
}

/* Apply one attribute option to o and mask; 1 = handled, 0 = not an attribute, -1 = bad. */
static int queue_attr_option(int c, const char *arg, eddy_queue_info *o, uint32_t *mask)
{
    uint64_t v;
    switch (c) {
    case OPT_VIS:
        *mask |= EDDY_QUEUE_SET_VISIBILITY;
        return dur32(arg, &o->visibility_timeout_ms, true) ? 1 : -1;
    case OPT_DELAY:
        *mask |= EDDY_QUEUE_SET_DELAY;
        return dur32(arg, &o->delay_ms, false) ? 1 : -1;
    case OPT_RETENTION:
        *mask |= EDDY_QUEUE_SET_RETENTION;
        return cli_parse_duration_ms(arg, &o->retention_ms) ? 1 : -1;
    case OPT_MAXSIZE:
        *mask |= EDDY_QUEUE_SET_BODY_LEN_MAX;
        if (!cli_parse_size(arg, &v) || v > UINT32_MAX)
            return -1;
        o->body_len_max = (uint32_t)v;
        return 1;
    case OPT_WAIT:
        *mask |= EDDY_QUEUE_SET_RECEIVE_WAIT;
        return dur32(arg, &o->receive_wait_ms, false) ? 1 : -1;
    case OPT_DLQ:
        *mask |= EDDY_QUEUE_SET_REDRIVE;
        if (strlen(arg) > EDDY_QUEUE_NAME_MAX)
            return -1;
        snprintf(o->dlq_name, sizeof o->dlq_name, "%s", arg);
        return 1;
    case OPT_MAXRECV:
        *mask |= EDDY_QUEUE_SET_REDRIVE;
        if (!cli_parse_u64(arg, UINT32_MAX, &v))
            return -1;
        o->max_receive_count = (uint32_t)v;
        return 1;
    case OPT_ALLOW:
        *mask |= EDDY_QUEUE_SET_REDRIVE_ALLOW;
        return parse_allow(arg, o) ? 1 : -1;
    case OPT_INFLIGHT:
        *mask |= EDDY_QUEUE_SET_IN_FLIGHT_MAX;
        if (!cli_parse_u64(arg, UINT32_MAX, &v))
            return -1;
        o->in_flight_max = (uint32_t)v;
        return 1;
    case OPT_BATCH:
        *mask |= EDDY_QUEUE_SET_BATCH_MAX;
        if (!cli_parse_u64(arg, UINT32_MAX, &v))
            return -1;
        o->batch_max = (uint32_t)v;
        return 1;
    default:
        return 0;
    }
}

/* The name after the options (exactly one positional argument). */
static int one_name(struct cli *cli, int argc, char **argv, const char **name)
{
    if (optind >= argc)
        return cli_usage(cli, "missing queue NAME");
    if (optind + 1 < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
    *name = argv[optind];
    return -1;
}

/*
 * What `queue create` asked for, as the library reads it: the attributes given, and for each one
 * not given (zero) its default from include/eddy.h (eddy_queue_options). A visibility timeout
 * of EDDY_QUEUE_ZERO_MS is 0.
 */
static eddy_queue_info asked_options(const eddy_queue_info *a)
{
    eddy_queue_info w = *a;
    if (w.visibility_timeout_ms == 0)
        w.visibility_timeout_ms = 30000;
    else if (w.visibility_timeout_ms == EDDY_QUEUE_ZERO_MS)
        w.visibility_timeout_ms = 0;
    if (w.delay_ms == EDDY_QUEUE_ZERO_MS)
        w.delay_ms = 0;
    if (w.receive_wait_ms == EDDY_QUEUE_ZERO_MS)
        w.receive_wait_ms = 0;
    w.retention_ms = w.retention_ms != 0 ? w.retention_ms : 345600000;
    w.body_len_max = w.body_len_max != 0 ? w.body_len_max : 1048576;
    w.max_receive_count = w.max_receive_count != 0 ? w.max_receive_count : 10;
    w.in_flight_max = w.in_flight_max != 0 ? w.in_flight_max : 120000;
    w.batch_max = w.batch_max != 0 ? w.batch_max : 10;
    return w;
}

/* `queue create` of an existing queue with other attributes: name each difference. */
static int create_mismatch(struct cli *cli, eddy_env *env, const char *name,
                           const eddy_queue_info *a)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_info want = asked_options(a);
    json_t *have_j, *want_j;
    char *diff;
    int rc = eddy_queue_get_attributes(env, name, &info);
    if (rc != 0)
        return cli_fail(cli, rc, "queue '%s' exists with different attributes", name);
    have_j = cli_queue_options_json(&info);
    want_j = cli_queue_options_json(&want);
    diff = cli_json_diff(have_j, want_j, "asked");
    cli_err(cli,
            "cannot create queue '%s': %s: it exists with other attributes: %s (attributes not "
            "given are asked as their defaults; change them with 'eddy queue attrs')",
            name, eddy_errname(EDDY_EEXIST), diff != NULL ? diff : "?");
    free(diff);
    json_decref(have_j);
    json_decref(want_j);
    return CLI_EXIT_FAIL;
}

static int q_create(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS QUEUE_ATTR_LONGOPTS{NULL, 0, NULL, 0}};
    eddy_queue_info a = EDDY_QUEUE_INFO_INIT;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    const char *srcs[EDDY_QUEUE_ALLOW_MAX];
    uint32_t mask = 0;
    const char *name = NULL;
    eddy_env *env;
    int c, ex, rc;
    int idx = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
        int r;
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
            continue;
        }
        r = queue_attr_option(c, optarg, &a, &mask);
        if (r < 0)
            return cli_usage(cli, "bad value '%s' for --%s", optarg, longopts[idx].name);
    }
    if ((ex = one_name(cli, argc, argv, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_CREATE, &env)) != 0)
        return ex;
    cli_queue_options_of(&a, srcs, &o);
    rc = eddy_queue_create(env, name, &o);
    if (rc == EDDY_EEXIST)
        return cli_close(cli, env, create_mismatch(cli, env, name, &a));
    if (rc != 0) {
        cli_fail(cli, rc, "cannot create queue '%s'", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int q_list(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"json", no_argument, NULL, OPT_JSON},
        {"prefix", required_argument, NULL, OPT_PREFIX},
        {NULL, 0, NULL, 0}};
    const char *prefix = "";
    bool json = false;
    eddy_env *env;
    char **names = NULL;
    size_t n = 0, i, plen;
    int c, ex, rc, result = CLI_EXIT_OK;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_JSON) {
            json = true;
        } else if (c == OPT_PREFIX) {
            prefix = optarg;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if ((rc = cli_queue_names(env, &names, &n)) != 0) {
        cli_fail(cli, rc, "cannot list queues");
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    plen = strlen(prefix);
    for (i = 0; i < n; i++) {
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        json_t *o;
        if (strncmp(names[i], prefix, plen) != 0)
            continue;
        if (!json) {
            printf("%s\n", names[i]);
            continue;
        }
        rc = eddy_queue_get_attributes(env, names[i], &info);
        if (rc == EDDY_ENOTFOUND)
            continue; /* deleted since the listing */
        if (rc != 0) {
            result = cli_fail(cli, rc, "cannot read queue '%s'", names[i]);
            break;
        }
        o = json_object();
        json_object_set_new(o, "name", json_string(names[i]));
        json_object_set_new(o, "messages", json_integer((json_int_t)info.messages));
        json_object_set_new(o, "visible", json_integer((json_int_t)info.visible));
        json_object_set_new(o, "in_flight", json_integer((json_int_t)info.in_flight));
        json_object_set_new(o, "delayed", json_integer((json_int_t)info.delayed));
        json_object_set_new(o, "dlq", json_string(info.dlq_name));
        cli_json_print_line(stdout, o);
    }
    cli_free_names(names, n);
    return cli_close(cli, env, result);
}

static void print_info_text(const char *name, const eddy_queue_info *info)
{
    const eddy_queue_info *o = info;
    char t1[40], t2[40], d[40];
    size_t i;
    cli_format_time(info->created_ms, t1, sizeof t1);
    cli_format_time(info->modified_ms, t2, sizeof t2);
    printf("name                %s\nid                  %llu\ncreated             %s\n"
           "modified            %s\n",
           name, (unsigned long long)info->id, t1, t2);
    printf("messages            %llu\nvisible             %llu\nin flight           %llu\n"
           "delayed             %llu\n",
           (unsigned long long)info->messages, (unsigned long long)info->visible,
           (unsigned long long)info->in_flight, (unsigned long long)info->delayed);
    cli_format_duration(info->oldest_age_ms, d, sizeof d);
    printf("oldest age          %s\n", d);
    cli_format_duration(o->visibility_timeout_ms, d, sizeof d);
    printf("visibility timeout  %s\n", d);
    cli_format_duration(o->delay_ms, d, sizeof d);
    printf("delay               %s\n", d);
    cli_format_duration(o->retention_ms, d, sizeof d);
    printf("retention           %s\n", d);
    printf("max size            %u bytes\n", o->body_len_max);
    cli_format_duration(o->receive_wait_ms, d, sizeof d);
    printf("receive wait        %s\n", d);
    printf("dead-letter queue   %s\n", o->dlq_name[0] != '\0' ? o->dlq_name : "(none)");
    printf("max receive count   %u\n", o->max_receive_count);
    if (o->redrive_allow == EDDY_QUEUE_ALLOW_BY_QUEUE) {
        printf("redrive allow       ");
        for (i = 0; i < o->allow_source_count && i < EDDY_QUEUE_ALLOW_MAX; i++)
            printf("%s%s", i != 0 ? "," : "", o->allow_sources[i]);
        printf("\n");
    } else {
        printf("redrive allow       %s\n",
               o->redrive_allow == EDDY_QUEUE_ALLOW_ALL ? "all" : "none");
    }
    printf("in-flight max       %u\nbatch max           %u\n", o->in_flight_max, o->batch_max);
}

/* Merge the changed fields into the current options, keeping fields set together consistent. */
static void merge_attrs(eddy_queue_info *cur, const eddy_queue_info *chg, uint32_t mask,
                        bool dlq_given, bool maxrecv_given)
{
    if (mask & EDDY_QUEUE_SET_VISIBILITY)
        cur->visibility_timeout_ms = chg->visibility_timeout_ms;
    if (mask & EDDY_QUEUE_SET_DELAY)
        cur->delay_ms = chg->delay_ms;
    if (mask & EDDY_QUEUE_SET_RETENTION)
        cur->retention_ms = chg->retention_ms;
    if (mask & EDDY_QUEUE_SET_BODY_LEN_MAX)
        cur->body_len_max = chg->body_len_max;
    if (mask & EDDY_QUEUE_SET_RECEIVE_WAIT)
        cur->receive_wait_ms = chg->receive_wait_ms;
    if (dlq_given)
        memcpy(cur->dlq_name, chg->dlq_name, sizeof cur->dlq_name);
    if (maxrecv_given)
        cur->max_receive_count = chg->max_receive_count;
    if (mask & EDDY_QUEUE_SET_REDRIVE_ALLOW) {
        cur->redrive_allow = chg->redrive_allow;
        memcpy(cur->allow_sources, chg->allow_sources, sizeof cur->allow_sources);
        cur->allow_source_count = chg->allow_source_count;
    }
    if (mask & EDDY_QUEUE_SET_IN_FLIGHT_MAX)
        cur->in_flight_max = chg->in_flight_max;
    if (mask & EDDY_QUEUE_SET_BATCH_MAX)
        cur->batch_max = chg->batch_max;
    /* A visibility timeout of 0 read back is an explicit zero when written again. */
    if (cur->visibility_timeout_ms == 0)
        cur->visibility_timeout_ms = EDDY_QUEUE_ZERO_MS;
}

static int q_attrs(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS QUEUE_ATTR_LONGOPTS{"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0}};
    eddy_queue_info chg = EDDY_QUEUE_INFO_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    const char *srcs[EDDY_QUEUE_ALLOW_MAX];
    uint32_t mask = 0;
    bool json = false, dlq_given = false, maxrecv_given = false;
    const char *name = NULL;
    eddy_env *env;
    int c, ex, rc;
    int idx = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
            continue;
        }
        if (c == OPT_JSON) {
            json = true;
            continue;
        }
        dlq_given |= c == OPT_DLQ;
        maxrecv_given |= c == OPT_MAXRECV;
        if (queue_attr_option(c, optarg, &chg, &mask) < 0)
            return cli_usage(cli, "bad value '%s' for --%s", optarg, longopts[idx].name);
    }
    if ((ex = one_name(cli, argc, argv, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, mask != 0 ? CLI_OPEN_WRITE : CLI_OPEN_READ, &env)) != 0)
        return ex;
    if ((rc = eddy_queue_get_attributes(env, name, &info)) != 0)
        goto fail;
    if (mask != 0) {
        merge_attrs(&info, &chg, mask, dlq_given, maxrecv_given);
        cli_queue_options_of(&info, srcs, &o);
        if ((rc = eddy_queue_set_attributes(env, name, &o, mask)) != 0) {
            cli_fail(cli, rc, "cannot change the attributes of queue '%s'", name);
            return cli_close(cli, env, CLI_EXIT_FAIL);
        }
        if ((rc = eddy_queue_get_attributes(env, name, &info)) != 0)
            goto fail;
    }
    if (json)
        cli_json_print_line(stdout, cli_queue_info_json(name, &info));
    else
        print_info_text(name, &info);
    return cli_close(cli, env, CLI_EXIT_OK);
fail:
    cli_fail(cli, rc, "cannot read queue '%s'", name);
    return cli_close(cli, env, CLI_EXIT_FAIL);
}

/* delete and purge: NAME only. */
static int q_simple(struct cli *cli, int argc, char **argv, bool purge)
{
    const char *name = NULL;
    eddy_env *env;
    uint64_t removed = 0;
    int ex, rc;
    if ((ex = cli_no_options(cli, &cli_cmd_queue, argc, argv)) >= 0)
        return ex;
    if ((ex = one_name(cli, argc, argv, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    rc = purge ? eddy_queue_purge(env, name, &removed) : eddy_queue_delete(env, name);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot %s queue '%s'", purge ? "purge" : "delete", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (purge)
        printf("purged %llu message%s from queue '%s'\n", (unsigned long long)removed,
               removed == 1 ? "" : "s", name);
    else
        printf("deleted queue '%s'\n", name);
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int q_train(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"samples", required_argument, NULL, OPT_SAMPLES},
        {"dict-size", required_argument, NULL, OPT_DICTSIZE},
        {NULL, 0, NULL, 0}};
    uint64_t samples = 0, size = 0;
    uint32_t dict_id = 0;
    const char *name = NULL;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_SAMPLES && !cli_parse_u64(optarg, UINT32_MAX, &samples)) {
            return cli_usage(cli, "bad --samples '%s'", optarg);
        } else if (c == OPT_DICTSIZE && (!cli_parse_size(optarg, &size) || size > UINT32_MAX)) {
            return cli_usage(cli, "bad --dict-size '%s'", optarg);
        }
    }
    if ((ex = one_name(cli, argc, argv, &name)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    rc = eddy_queue_train_dict(env, name, (uint32_t)samples, (uint32_t)size, &dict_id);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot train a dictionary for queue '%s'", name);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    printf("queue '%s' now compresses with dictionary %u\n", name, dict_id);
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int run(struct cli *cli, int argc, char **argv)
{
    const char *sub;
    int ex = cli_subcommand(cli, &cli_cmd_queue, &argc, &argv, &sub);

    if (ex >= 0)
        return ex;
    if (strcmp(sub, "create") == 0)
        return q_create(cli, argc, argv);
    if (strcmp(sub, "list") == 0)
        return q_list(cli, argc, argv);
    if (strcmp(sub, "attrs") == 0)
        return q_attrs(cli, argc, argv);
    if (strcmp(sub, "delete") == 0)
        return q_simple(cli, argc, argv, false);
    if (strcmp(sub, "purge") == 0)
        return q_simple(cli, argc, argv, true);
    if (strcmp(sub, "train-dict") == 0)
        return q_train(cli, argc, argv);
    if (strcmp(sub, "send") == 0)
        return cli_queue_send(cli, argc, argv);
    if (strcmp(sub, "peek") == 0)
        return cli_queue_peek(cli, argc, argv);
    if (strcmp(sub, "receive") == 0)
        return cli_queue_receive(cli, argc, argv);
    if (strcmp(sub, "delete-message") == 0)
        return cli_queue_ack(cli, argc, argv, false);
    if (strcmp(sub, "change-visibility") == 0)
        return cli_queue_ack(cli, argc, argv, true);
    return cli_usage(cli, "unknown subcommand '%s'", sub);
}
