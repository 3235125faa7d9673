/*
 * cmd_redrive.c: `eddy redrive`: start a task that moves a dead-letter queue's messages back
 * (and drive it to the end with progress, unless --detach), list tasks, cancel one, or advance
 * every running task (`redrive run`).
 *
 * Tasks live in the database and advance only inside eddy_queue_redrive_run calls, each a
 * bounded transaction; interrupting this command leaves the task running for a later `run`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "clock.h"
#include "db.h"
#include "json.h"
#include "names.h"
#include "options.h"
#include "progress.h"
#include "task_forms.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_redrive = {
    "redrive", "move dead letters back; list, cancel and run redrive tasks",
    "usage: eddy redrive --from DLQ [--to QUEUE] [--rate N] [--dry-run] [--detach]\n"
    "       eddy redrive list [--queue DLQ] [--json]\n"
    "       eddy redrive cancel ID [--from DLQ]\n"
    "       eddy redrive run [--max N]\n"
    "\n"
    "Starts a task that moves every message now in dead-letter queue DLQ to QUEUE (default:\n"
    "each message back to the queue it came from), oldest first, at most N per second\n"
    "(--rate, 1..500; default unlimited), then drives it to completion with a progress bar.\n"
    "A moved message is a new message at its destination (new id, receive count 0).\n"
    "\n"
    "  --dry-run  print what would move and change nothing\n"
    "  --detach   only record the task; `eddy redrive run` (or the application) moves it\n"
    "  list       every task of every queue (or of DLQ), newest first\n"
    "  cancel ID  cancel a running task (messages already moved stay moved); --from is needed\n"
    "             only when several queues have a task with that id\n"
    "  run        advance every running task until none is left running\n"
    "\n"
    "Examples:\n"
    "  eddy redrive --from orders-dlq --dry-run\n"
    "  eddy redrive --from orders-dlq --rate 50\n"
    "  eddy redrive --from orders-dlq --to orders --detach\n"
    "  eddy redrive list --json\n"
    "  eddy redrive cancel 2 --from orders-dlq\n",
    run};

enum { OPT_FROM = 0x400, OPT_TO, OPT_RATE, OPT_DRY, OPT_DETACH, OPT_JSON, OPT_QUEUE, OPT_MAX };

/* Find task `id` of `source`; 0 and *out filled, or an EDDY_E* code. */
static int find_task(eddy_env *env, const char *source, uint64_t id, eddy_queue_redrive_task *out)
{
    eddy_queue_redrive_task tl[64] = {EDDY_QUEUE_REDRIVE_TASK_INIT};
    size_t n = 0, i;
    int rc = eddy_queue_redrive_list(env, source, tl, 64, &n);
    if (rc != 0)
        return rc;
    for (i = 0; i < n; i++) {
        if (tl[i].task_id == id) {
            *out = tl[i];
            return 0;
        }
    }
    return EDDY_ENOTFOUND;
}

/* Drive task `id` of `source` until it is no longer running. */
static int drive(struct cli *cli, eddy_env *env, const char *source, uint64_t id)
{
    eddy_queue_redrive_task t = EDDY_QUEUE_REDRIVE_TASK_INIT;
    struct cli_progress *prog = NULL;
    uint64_t moved;
    int rc;
    for (;;) {
        if ((rc = find_task(env, source, id, &t)) != 0)
            break;
        if (prog == NULL)
            prog = cli_progress_start(cli, "redrive", t.to_move);
        cli_progress_update(prog, t.moved);
        if (t.status != EDDY_QUEUE_TASK_RUNNING)
            break;
        if ((rc = eddy_queue_redrive_run(env, 1000, &moved)) != 0)
            break;
        if (moved == 0)
            cli_sleep_ms(100); /* rate-limited, or another process is moving them */
    }
    cli_progress_end(prog, t.moved);
    if (rc != 0)
        return cli_fail(cli, rc, "redrive task %s#%llu", source, (unsigned long long)id);
    cli_task_text(&t);
    return t.status == EDDY_QUEUE_TASK_FAILED ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int dry_run(struct cli *cli, const char *from, const char *to)
{
    eddy_env *env;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    int ex, rc;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    rc = eddy_queue_stat_get(env, from, &st);
    if (rc == 0 && to != NULL)
        rc = eddy_queue_get_attributes(env, to, &info);
    if (rc != 0) {
        cli_fail(cli, rc, "dry run of redrive from '%s'", from);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    printf("would move %llu message%s from %s to %s\n", (unsigned long long)st.messages,
           st.messages == 1 ? "" : "s", from, to != NULL ? to : "their origin queues");
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int start(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"rate", required_argument, NULL, OPT_RATE},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"detach", no_argument, NULL, OPT_DETACH},
        {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL;
    uint64_t rate = 0, id = 0;
    bool dry = false, detach = false;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_redrive, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_FROM) {
            from = optarg;
        } else if (c == OPT_TO) {
            to = optarg;
        } else if (c == OPT_RATE) {
            const char *slash = strstr(optarg, "/s");
            char buf[32];
            snprintf(buf, sizeof buf, "%.*s",
                     (int)(slash != NULL ? (size_t)(slash - optarg) : strlen(optarg)), optarg);
            if (!cli_parse_u64(buf, 500, &rate) || rate == 0)
                return cli_usage(cli, "--rate must be 1..500 (messages per second)");
        } else if (c == OPT_DRY) {
            dry = true;
        } else if (c == OPT_DETACH) {
            detach = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (from == NULL)
        return cli_usage(cli, "missing --from DLQ");
    if (dry)
        return dry_run(cli, from, to);
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    if ((rc = eddy_queue_redrive_start(env, from, to, (uint32_t)rate, &id)) != 0) {
        cli_fail(cli, rc, "cannot start a redrive from '%s'", from);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (detach) {
        printf("started redrive task %s#%llu\n", from, (unsigned long long)id);
        return cli_close(cli, env, CLI_EXIT_OK);
    }
    return cli_close(cli, env, drive(cli, env, from, id));
}

static int list_queue(struct cli *cli, eddy_env *env, const char *q, bool json)
{
    eddy_queue_redrive_task tl[64] = {EDDY_QUEUE_REDRIVE_TASK_INIT};
    size_t n = 0, i;
    int rc = eddy_queue_redrive_list(env, q, tl, 64, &n);
    if (rc == EDDY_ENOTFOUND)
        return 0;
    if (rc != 0)
        return cli_fail(cli, rc, "cannot list the redrive tasks of '%s'", q);
    for (i = 0; i < n; i++) {
        if (json)
            cli_json_print_line(stdout, cli_task_json(&tl[i]));
        else
            cli_task_text(&tl[i]);
    }
    return 0;
}

static int list(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"queue", required_argument, NULL, OPT_QUEUE},
        {"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0}};
    const char *queue = NULL;
    bool json = false;
    eddy_env *env;
    char **names = NULL;
    size_t n = 0, i;
    int c, ex, rc, result = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_redrive, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_QUEUE) {
            queue = optarg;
        } else if (c == OPT_JSON) {
            json = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if (queue != NULL) {
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        rc = eddy_queue_get_attributes(env, queue, &info);
        result = rc != 0 ? cli_fail(cli, rc, "cannot list the redrive tasks of '%s'", queue)
                         : list_queue(cli, env, queue, json);
        return cli_close(cli, env, result);
    }
    if ((rc = cli_queue_names(env, &names, &n)) != 0) {
        cli_fail(cli, rc, "cannot list queues");
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    for (i = 0; i < n && result == 0; i++)
        result = list_queue(cli, env, names[i], json);
    cli_free_names(names, n);
    return cli_close(cli, env, result);
}

/* The queue whose task `id` is running, when exactly one has it. */
static int find_source(struct cli *cli, eddy_env *env, uint64_t id, char *dst, size_t dst_cap)
{
    char **names = NULL;
    size_t n = 0, i, found = 0;
    int rc = cli_queue_names(env, &names, &n);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot list queues");
    for (i = 0; i < n; i++) {
        eddy_queue_redrive_task t = EDDY_QUEUE_REDRIVE_TASK_INIT;
        if (find_task(env, names[i], id, &t) == 0 && t.status == EDDY_QUEUE_TASK_RUNNING) {
            snprintf(dst, dst_cap, "%s", names[i]);
            found++;
        }
    }
    cli_free_names(names, n);
    if (found == 1)
        return 0;
    if (found == 0)
        cli_err(cli, "no running redrive task %llu", (unsigned long long)id);
    else
        return cli_usage(cli, "several queues have a running task %llu; name one with --from",
                         (unsigned long long)id);
    return CLI_EXIT_FAIL;
}

static int cancel(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"from", required_argument, NULL, OPT_FROM}, {NULL, 0, NULL, 0}};
    const char *from = NULL;
    char source[EDDY_QUEUE_NAME_MAX + 1];
    uint64_t id;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_redrive, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_FROM) {
            from = optarg;
        }
    }
    if (optind + 1 != argc || !cli_parse_u64(argv[optind], UINT64_MAX, &id))
        return cli_usage(cli, "cancel needs one task ID (a number)");
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    if (from == NULL) {
        if ((ex = find_source(cli, env, id, source, sizeof source)) != 0)
            return cli_close(cli, env, ex);
        from = source;
    }
    if ((rc = eddy_queue_redrive_cancel(env, from, id)) != 0) {
        cli_fail(cli, rc, "cannot cancel redrive task %s#%llu", from, (unsigned long long)id);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    printf("cancelled redrive task %s#%llu\n", from, (unsigned long long)id);
    return cli_close(cli, env, CLI_EXIT_OK);
}

/* True when any queue has a running task. */
static int any_running(eddy_env *env, bool *out)
{
    char **names = NULL;
    size_t n = 0, i;
    int rc = cli_queue_names(env, &names, &n);
    *out = false;
    for (i = 0; i < n && rc == 0 && !*out; i++) {
        eddy_queue_redrive_task tl[64] = {EDDY_QUEUE_REDRIVE_TASK_INIT};
        size_t nt = 0, k;
        rc = eddy_queue_redrive_list(env, names[i], tl, 64, &nt);
        if (rc == EDDY_ENOTFOUND)
            rc = 0;
        for (k = 0; k < nt; k++)
            *out |= tl[k].status == EDDY_QUEUE_TASK_RUNNING;
    }
    cli_free_names(names, n);
    return rc;
}

static int run_tasks(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"max", required_argument, NULL, OPT_MAX}, {NULL, 0, NULL, 0}};
    uint64_t max = UINT64_MAX, total = 0, moved;
    bool running = true;
    struct cli_progress *prog;
    eddy_env *env;
    int c, ex, rc = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_redrive, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_MAX && (!cli_parse_u64(optarg, UINT64_MAX, &max) || max == 0)) {
            return cli_usage(cli, "bad --max '%s'", optarg);
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        return ex;
    prog = cli_progress_start(cli, "redrive", 0);
    while (total < max && rc == 0) {
        uint64_t step = max - total < 1000 ? max - total : 1000;
        if ((rc = any_running(env, &running)) != 0 || !running)
            break;
        if ((rc = eddy_queue_redrive_run(env, (uint32_t)step, &moved)) != 0)
            break;
        total += moved;
        cli_progress_update(prog, total);
        if (moved == 0)
            cli_sleep_ms(100);
    }
    cli_progress_end(prog, total);
    if (rc != 0) {
        cli_fail(cli, rc, "redrive run stopped after %llu messages", (unsigned long long)total);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    printf("moved %llu message%s%s\n", (unsigned long long)total, total == 1 ? "" : "s",
           running ? " (tasks still running)" : "");
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int run(struct cli *cli, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return optind = 0, list(cli, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "cancel") == 0)
        return optind = 0, cancel(cli, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return optind = 0, run_tasks(cli, argc - 1, argv + 1);
    return start(cli, argc, argv);
}
