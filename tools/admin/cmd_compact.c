/*
 * cmd_compact.c: `eddy compact`: a compacting copy of the database, either into --output or
 * swapped into place by eddy_env_compact (verified first; refused while the database is open
 * anywhere). Prints the file size before and after.
 *
 * Never touches the database files itself: the library does the copy, the check and the swap.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "db.h"
#include "interrupt.h"
#include "json.h"
#include "options.h"
#include "progress.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_compact = {
    "compact", "rewrite the database without free pages (in place or to --output)",
    "usage: eddy compact [--output DIR] [--json]\n"
    "\n"
    "Makes a compacting copy of the database (free pages left out, pages renumbered).\n"
    "Without --output the copy is verified and then renamed over data.mdb; this refuses with\n"
    "EDDY_EBUSY while any process has the database open. With --output DIR the copy is\n"
    "written to DIR (which must not hold a database) and the original is left alone; that\n"
    "works beside a live writer. Prints the size before and after.\n"
    "SIGINT or SIGTERM stops it (exit 130 or 143) and removes the unfinished copy; a copy\n"
    "left by a killed compact (DB/compact.tmp) is removed by the next compact.\n"
    "\n"
    "  --output DIR  write the compacted copy to DIR instead of replacing the database\n"
    "  --json        print {\"size_before\":N,\"size_after\":N,\"output\":PATH}\n"
    "\n"
    "Example: eddy --db ./eddy-data compact\n"
    "         eddy --db ./eddy-data compact --output /backup/eddy-2026-11-27\n",
    run};

/*
 * On SIGINT/SIGTERM while the library writes a copy, remove what it was writing: in place, the
 * whole compact.tmp (the original is replaced only by a rename, so it stays complete); with
 * --output, the copy's data.mdb if the directory held none (the library refuses one that does)
 * and the directory if this command created it.
 */
static void cleanup_on_signal(struct cli *cli, const char *output)
{
    char files[3][4200], dir[4000], what[4400];
    const char *f[3] = {files[0], files[1], files[2]};
    struct stat sb;
    bool made_dir;
    if (output == NULL) {
        snprintf(dir, sizeof dir, "%s/compact.tmp", cli->db_path);
        snprintf(files[0], sizeof files[0], "%s/data.mdb", dir);
        snprintf(files[1], sizeof files[1], "%s/lock.mdb", dir);
        snprintf(files[2], sizeof files[2], "%s/eddy.lock", dir);
        snprintf(what, sizeof what,
                 "removed the unfinished copy '%s'; the database is complete (compaction "
                 "replaces it only by a rename)",
                 dir);
        cli_interrupt_cleanup(cli, f, 3, dir, what);
        return;
    }
    made_dir = stat(output, &sb) != 0;
    snprintf(files[0], sizeof files[0], "%s/data.mdb", output);
    if (!made_dir && stat(files[0], &sb) == 0)
        return; /* a database is there: the library refuses, and it is not ours to remove */
    snprintf(what, sizeof what, "removed the unfinished copy in '%s'; the database is unchanged",
             output);
    cli_interrupt_cleanup(cli, f, 1, made_dir ? output : NULL, what);
}

static int copy_to(struct cli *cli, const char *output, uint64_t *before, uint64_t *after)
{
    eddy_env *env;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    char path[4096];
    struct stat sb;
    int ex, rc;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    if ((rc = eddy_env_stat_get(env, &st)) != 0) {
        cli_fail(cli, rc, "cannot read the size of '%s'", cli->db_path);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    *before = st.file_size;
    if ((rc = eddy_env_copy(env, output, EDDY_ENV_COPY_COMPACT)) != 0) {
        cli_fail(cli, rc, "compacting copy of '%s' into '%s' failed", cli->db_path, output);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    cli_interrupt_disarm(); /* the copy is complete: a signal from here on must keep it */
    if ((ex = cli_close(cli, env, CLI_EXIT_OK)) != 0)
        return ex;
    snprintf(path, sizeof path, "%s/data.mdb", output);
    if (stat(path, &sb) != 0) {
        cli_err(cli, "cannot stat the copy '%s'", path);
        return CLI_EXIT_FAIL;
    }
    *after = (uint64_t)sb.st_size;
    return CLI_EXIT_OK;
}

static int in_place(struct cli *cli, uint64_t *before, uint64_t *after)
{
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    int rc;
    cli_env_options(cli, &opt);
    rc = eddy_env_compact(cli->db_path, &opt, before, after);
    cli_interrupt_disarm(); /* done: the library removed or renamed its copy */
    if (rc == EDDY_EBUSY) {
        cli_err(cli,
                "database '%s' is open in another process; stop it first, or use --output DIR "
                "for a copy (%s: %s)",
                cli->db_path, eddy_errname(rc), eddy_last_error());
        return CLI_EXIT_FAIL;
    }
    if (rc == EDDY_ENOTFOUND) {
        cli_err(cli, "no database at '%s'", cli->db_path);
        return CLI_EXIT_FAIL;
    }
    if (rc != 0)
        return cli_fail(cli, rc, "compacting '%s' failed (the original is unchanged)",
                        cli->db_path);
    return CLI_EXIT_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    const char *output = NULL;
    bool json = false;
    uint64_t before = 0, after = 0;
    char b1[32], b2[32];
    int c, ex;

    while ((c = getopt_long(argc, argv, "+ho:", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_compact, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'o') {
            output = optarg;
        } else if (c == 'j') {
            json = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (output != NULL && output[0] == '\0')
        return cli_usage(cli, "--output needs a directory");
    cli_lib_progress(cli, true);
    cleanup_on_signal(cli, output);
    cli_interrupt_install();
    ex = output != NULL ? copy_to(cli, output, &before, &after) : in_place(cli, &before, &after);
    cli_lib_progress(cli, false);
    if (ex != 0)
        return ex;
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "size_before", json_integer((json_int_t)before));
        json_object_set_new(o, "size_after", json_integer((json_int_t)after));
        json_object_set_new(o, "output", json_string(output != NULL ? output : cli->db_path));
        cli_json_print_line(stdout, o);
        return CLI_EXIT_OK;
    }
    cli_format_size(before, b1, sizeof b1);
    cli_format_size(after, b2, sizeof b2);
    printf("size before: %llu bytes (%s)\nsize after:  %llu bytes (%s)\n",
           (unsigned long long)before, b1, (unsigned long long)after, b2);
    if (output != NULL)
        printf("copy written to %s\n", output);
    return CLI_EXIT_OK;
}
