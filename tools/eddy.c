/*
 * eddy.c: main of the `eddy` tool: global options (--db, --progress, --check, --version), the
 * command table and dispatch, help, and the test build's hooks. Nothing else: what commands
 * share is in tools/common/ (docs/decisions/0012-tools-and-tests-layout.md).
 *
 * Uses include/eddy.h only. Never holds the database open longer than its command needs, and
 * never holds a transaction (the library's calls are short), so it is safe beside a live writer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "args.h"
#include "options.h"

static const struct cli_command *const commands[] = {
    &cli_cmd_stat,    &cli_cmd_dump,  &cli_cmd_verify, &cli_cmd_compact,    &cli_cmd_trim,
    &cli_cmd_redrive, &cli_cmd_queue, &cli_cmd_stream, &cli_cmd_checkpoint, &cli_cmd_export,
    &cli_cmd_import,  &cli_cmd_serve, &cli_cmd_top,    &cli_cmd_recover,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char main_usage[] =
    "usage: eddy [--db PATH] [--progress auto|none|json|bar] [--check] COMMAND [ARGS]\n"
    "       eddy --version\n"
    "\n"
    "Inspect, verify, compact, recover and script an Eddy database.\n"
    "The database is --db PATH, else $EDDY_DB, else ./eddy-data.\n"
    "--check reads every page of the file before the command runs (dump, export and\n"
    "verify always do), so a damaged file gives an error, never a crash.\n"
    "\n"
    "Commands:\n";

static const char main_footer[] =
    "\n"
    "  help [COMMAND]   show this text, or a command's usage and examples\n"
    "\n"
    "--version (-V) prints the version and the on-disk format version it reads.\n"
    "--progress: a bar on a terminal (auto), json for JSON lines on stderr, none.\n"
    "Exit status: 0 success, 1 failure or problems found, 2 usage error, 130/143 when\n"
    "import, compact or export was stopped by SIGINT/SIGTERM.\n"
    "Example: eddy --db /var/lib/app/eddy stat --json\n";

static int print_help(const char *name)
{
    size_t i;
    if (name == NULL) {
        fputs(main_usage, stdout);
        for (i = 0; i < N_COMMANDS; i++)
            printf("  %-16s %s\n", commands[i]->name, commands[i]->summary);
        fputs(main_footer, stdout);
        return CLI_EXIT_OK;
    }
    for (i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            fputs(commands[i]->help, stdout);
            return CLI_EXIT_OK;
        }
    }
    fprintf(stderr, "eddy help: unknown command '%s'\ntry 'eddy help'\n", name);
    return CLI_EXIT_USAGE;
}

#ifdef EDDY_CLI_TEST_HOOKS
#define CLI_BUILD " test build"
/* The test build (eddy-test, never installed): a fixed clock and a seeded rng for the tests. */
static void test_hooks(struct cli *cli)
{
    const char *now = getenv("EDDY_TEST_NOW_MS");
    const char *seed = getenv("EDDY_TEST_SEED");
    uint64_t v;
    if (now != NULL && cli_parse_u64(now, UINT64_MAX, &v)) {
        cli->fixed_clock = true;
        cli->fixed_now_ms = v;
    }
    if (seed != NULL && cli_parse_u64(seed, UINT64_MAX, &v)) {
        cli->seeded = true;
        cli->rng_state = v;
    }
}
#else
#define CLI_BUILD ""
/*
 * The installed tool has no test hooks: a fixed clock could stamp every later put of a shard
 * with a future arrival time, or make trim remove everything. Say so when they are set.
 */
static void test_hooks(struct cli *cli)
{
    static const char *const names[] = {"EDDY_TEST_NOW_MS", "EDDY_TEST_SEED"};
    size_t i;
    (void)cli;
    for (i = 0; i < 2; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && v[0] != '\0')
            fprintf(stderr,
                    "eddy: %s is set but ignored: only the test build (eddy-test) has test "
                    "hooks\n",
                    names[i]);
    }
}
#endif

/* Parse the global options in argv[1..]; returns the index of the command, or -exit-1. */
static int global_options(struct cli *cli, int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        const char *a = argv[i];
        if (strcmp(a, "--db") == 0 || strcmp(a, "--progress") == 0) {
            if (i + 1 >= argc)
                return -1 - cli_usage(cli, "%s needs an argument", a);
            if (a[2] == 'd')
                cli->db_path = argv[i + 1];
            else if (!cli_set_progress(cli, argv[i + 1]))
                return -1 - cli_usage(cli, "bad --progress '%s'", argv[i + 1]);
            i += 2;
        } else if (strcmp(a, "--check") == 0) {
            cli->check = true;
            i++;
        } else if (strncmp(a, "--db=", 5) == 0) {
            cli->db_path = a + 5;
            i++;
        } else if (strncmp(a, "--progress=", 11) == 0) {
            if (!cli_set_progress(cli, a + 11))
                return -1 - cli_usage(cli, "bad --progress '%s'", a + 11);
            i++;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return -1 - print_help(NULL);
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("eddy %s (format %d)%s\n", eddy_version(), EDDY_FORMAT_VERSION, CLI_BUILD);
            return -1 - CLI_EXIT_OK;
        } else {
            return -1 - cli_usage(cli, "unknown option '%s'", a);
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    struct cli cli;
    const char *env_db = getenv("EDDY_DB");
    int first;
    size_t i;

    memset(&cli, 0, sizeof cli);
    cli.db_path = env_db != NULL && env_db[0] != '\0' ? env_db : "./eddy-data";
    test_hooks(&cli);
    first = global_options(&cli, argc, argv);
    if (first < 0)
        return -first - 1;
    if (first >= argc) {
        print_help(NULL);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[first], "help") == 0)
        return print_help(first + 1 < argc ? argv[first + 1] : NULL);
    for (i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i]->name, argv[first]) == 0) {
            cli.cmd = commands[i]->name;
            optind = 0; /* GNU getopt: reinitialise for the command's own argv */
            return commands[i]->run(&cli, argc - first, argv + first);
        }
    }
    return cli_usage(&cli, "unknown command '%s'", argv[first]);
}
