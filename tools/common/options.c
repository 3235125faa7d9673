/*
 * options.c: the options every command accepts (--db, --help, --progress, --check), commands
 * without options of their own, and the start of a command with subcommands.
 */
#include <getopt.h>
#include <string.h>

#include "options.h"

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

bool cli_set_progress(struct cli *cli, const char *arg)
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
        if (!cli_set_progress(cli, arg))
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
