/*
 * cmd_verify.c: `eddy verify`: runs eddy_env_verify over the whole database and prints every
 * problem with its table and exact key (hex); exits 1 when anything was found.
 *
 * The check runs in one read snapshot inside the library; this file only reports.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "db.h"
#include "json.h"
#include "options.h"
#include "progress.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_verify = {
    "verify", "check every checksum and invariant; exit 1 if problems are found",
    "usage: eddy verify [--json] [--max-problems N]\n"
    "\n"
    "Checks every record's checksum and every structural invariant of every table (index\n"
    "entries against messages, counters, chunks, sequence order, lineage, checkpoints). Each\n"
    "problem is printed on stdout as\n"
    "    TABLE KEY-IN-HEX: what is wrong\n"
    "followed by a summary line. Runs in one read snapshot: writers continue meanwhile.\n"
    "\n"
    "  --json            one JSON object per problem {\"table\",\"key\",\"what\"}, then\n"
    "                    {\"problems\":N}\n"
    "  --max-problems N  stop after N problems (default: report all)\n"
    "\n"
    "Exit status: 0 clean, 1 problems found or the check failed, 2 usage error.\n"
    "Example: eddy --db ./eddy-data verify\n",
    run};

struct verify_ctx {
    bool json;
    uint64_t seen;
    uint64_t max;
};

static int on_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    struct verify_ctx *v = ctx;
    char *hex = malloc(key.len * 2 + 1);
    if (hex == NULL)
        return 1;
    cli_hex(key.data, key.len, hex);
    if (v->json) {
        json_t *o = json_object();
        json_object_set_new(o, "table", json_string(table));
        json_object_set_new(o, "key", json_string(hex));
        json_object_set_new(o, "what", json_string(what));
        cli_json_print_line(stdout, o);
    } else {
        printf("%s %s: %s\n", table, key.len != 0 ? hex : "-", what);
    }
    free(hex);
    v->seen++;
    return v->max != 0 && v->seen >= v->max;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS{"json", no_argument, NULL, 'j'},
                                             {"max-problems", required_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    struct verify_ctx v = {false, 0, 0};
    eddy_env *env;
    uint64_t problems = 0;
    int c, ex, rc;

    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_verify, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'j') {
            v.json = true;
        } else if (c == 'm') {
            if (!cli_parse_u64(optarg, UINT64_MAX, &v.max) || v.max == 0)
                return cli_usage(cli, "--max-problems needs a positive number, not '%s'", optarg);
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    cli_lib_progress(cli, true);
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    rc = eddy_env_verify(env, on_problem, &v, &problems);
    cli_lib_progress(cli, false);
    if (rc != 0 && rc != EDDY_EUSER) {
        cli_fail(cli, rc, "verify of '%s' did not run to the end", cli->db_path);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    if (rc == EDDY_EUSER)
        problems = v.seen;
    if (v.json) {
        json_t *o = json_object();
        json_object_set_new(o, "problems", json_integer((json_int_t)problems));
        json_object_set_new(o, "complete", json_boolean(rc == 0));
        cli_json_print_line(stdout, o);
    } else if (problems == 0) {
        printf("verify: no problems found\n");
    } else {
        printf("verify: %llu problem%s found%s\n", (unsigned long long)problems,
               problems == 1 ? "" : "s", rc == EDDY_EUSER ? " (stopped at --max-problems)" : "");
    }
    return cli_close(cli, env, problems == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
