/*
 * eddy.c: main of the `eddy` tool: global options (--db, --progress), the command table and
 * dispatch, help, and the helpers every command uses to open the database and report errors.
 *
 * Uses include/eddy.h only. Never holds the database open longer than its command needs, and
 * never holds a transaction (the library's calls are short), so it is safe beside a live writer.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command *const commands[] = {
    &cli_cmd_stat,       &cli_cmd_dump,    &cli_cmd_verify, &cli_cmd_compact,
    &cli_cmd_trim,       &cli_cmd_redrive, &cli_cmd_queue,  &cli_cmd_stream,
    &cli_cmd_checkpoint, &cli_cmd_export,  &cli_cmd_import, &cli_cmd_serve,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char main_usage[] =
    "usage: eddy [--db PATH] [--progress auto|none|json|bar] [--check] COMMAND [ARGS]\n"
    "       eddy --version\n"
    "\n"
    "Inspect, verify, compact and script an Eddy database.\n"
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

void cli_err(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    if (cli != NULL && cli->cmd != NULL)
        fprintf(stderr, "eddy %s: ", cli->cmd);
    else
        fputs("eddy: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(const struct cli *cli, int rc, const char *fmt, ...)
{
    /* Copy the detail first: the stderr writes below make no eddy_ call, but be safe. */
    char detail[1024];
    va_list ap;
    snprintf(detail, sizeof detail, "%s", eddy_last_error());
    if (cli != NULL && cli->cmd != NULL)
        fprintf(stderr, "eddy %s: ", cli->cmd);
    else
        fputs("eddy: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s", eddy_errname(rc));
    if (detail[0] != '\0')
        fprintf(stderr, ": %s", detail);
    else
        fprintf(stderr, ": %s", eddy_strerror(rc));
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

int cli_usage(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    const char *name = cli != NULL && cli->cmd != NULL ? cli->cmd : NULL;
    fprintf(stderr, name != NULL ? "eddy %s: " : "eddy: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    /* The hint names the top-level command ("queue" for "queue create"). */
    fprintf(stderr, "\ntry 'eddy help%s%.*s'\n", name != NULL ? " " : "",
            name != NULL ? (int)strcspn(name, " ") : 0, name != NULL ? name : "");
    return CLI_EXIT_USAGE;
}

static uint64_t fixed_now(void *ctx)
{
    const struct cli *cli = ctx;
    return cli->fixed_now_ms;
}

static uint64_t seeded_next(void *ctx)
{
    /* splitmix64: good enough for receipt nonces in tests. */
    struct cli *cli = ctx;
    uint64_t z = (cli->rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void cli_env_options(struct cli *cli, eddy_env_options *opt)
{
    *opt = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    if (cli->fixed_clock) {
        opt->clock.now_ms = fixed_now;
        opt->clock.ctx = cli;
    }
    if (cli->seeded) {
        opt->rng.next_u64 = seeded_next;
        opt->rng.ctx = cli;
    }
    cli_lib_progress_options(cli, opt);
}

int cli_subcommand(struct cli *cli, const struct cli_command *cmd, int *argc, char ***argv,
                   const char **sub)
{
    static char full[64];

    if (*argc < 2)
        return cli_usage(cli, "missing subcommand");
    *sub = (*argv)[1];
    snprintf(full, sizeof full, "%s %s", cmd->name, *sub);
    cli->cmd = full;
    (*argc)--;
    (*argv)++;
    optind = 0;
    if (strcmp(*sub, "--help") == 0 || strcmp(*sub, "-h") == 0) {
        fputs(cmd->help, stdout);
        return CLI_EXIT_OK;
    }
    return -1;
}

int cli_open(struct cli *cli, int mode, eddy_env **out)
{
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    int rc;
    cli_env_options(cli, &opt);
    if (mode == CLI_OPEN_READ)
        opt.flags = EDDY_ENV_READONLY | EDDY_ENV_NOCREATE;
    else if (mode == CLI_OPEN_WRITE)
        opt.flags = EDDY_ENV_NOCREATE;
    if (cli->check)
        opt.flags |= EDDY_ENV_CHECK;
    rc = eddy_env_open(cli->db_path, &opt, out);
    if (rc == EDDY_ENOTFOUND) {
        cli_err(cli, "no database at '%s' (use --db PATH or $EDDY_DB)", cli->db_path);
        return CLI_EXIT_FAIL;
    }
    if (rc != 0)
        return cli_fail(cli, rc, "cannot open database '%s'", cli->db_path);
    return CLI_EXIT_OK;
}

int cli_close(struct cli *cli, eddy_env *env, int exit_code)
{
    int rc = eddy_env_close(env);
    if (rc != 0) {
        cli_fail(cli, rc, "closing database '%s'", cli->db_path);
        return CLI_EXIT_FAIL;
    }
    return exit_code;
}

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

static bool set_progress(struct cli *cli, const char *arg)
{
    static const char *const modes[] = {"auto", "none", "json", "bar"};
    int i;
    for (i = 0; i < 4; i++) {
        if (strcmp(arg, modes[i]) == 0) {
            cli->progress = i;
            return true;
        }
    }
    return false;
}

int cli_common_option(struct cli *cli, const struct cli_command *cmd, int c, const char *arg,
                      int *exit_out)
{
    *exit_out = -1;
    switch (c) {
    case 0x100:
        cli->db_path = arg;
        return 1;
    case 0x101:
        if (!set_progress(cli, arg))
            *exit_out = cli_usage(cli, "--progress must be auto, none, json or bar, not '%s'", arg);
        return 1;
    case 0x102:
        cli->check = true;
        return 1;
    case 'h':
        fputs(cmd->help, stdout);
        *exit_out = CLI_EXIT_OK;
        return 1;
    case '?':
        *exit_out = cli_usage(cli, "bad option");
        return 1;
    default:
        return 0;
    }
}

int cli_no_options(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS{NULL, 0, NULL, 0}};
    int c, ex;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (!cli_common_option(cli, cmd, c, optarg, &ex))
            return cli_usage(cli, "bad option");
        if (ex >= 0)
            return ex;
    }
    return -1;
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
            else if (!set_progress(cli, argv[i + 1]))
                return -1 - cli_usage(cli, "bad --progress '%s'", argv[i + 1]);
            i += 2;
        } else if (strcmp(a, "--check") == 0) {
            cli->check = true;
            i++;
        } else if (strncmp(a, "--db=", 5) == 0) {
            cli->db_path = a + 5;
            i++;
        } else if (strncmp(a, "--progress=", 11) == 0) {
            if (!set_progress(cli, a + 11))
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
