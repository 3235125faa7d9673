/*
 * options.h: the options every command accepts (--db, --help, --progress, --check) and the
 * start of a command with subcommands. getopt_long is the parser throughout.
 */
#ifndef EDDY_CLI_OPTIONS_H
#define EDDY_CLI_OPTIONS_H

#include <getopt.h>

#include "cli.h"

/*
 * Begin a command that has subcommands (queue, stream, checkpoint): names it "NAME SUB" for
 * messages, shifts argv to the subcommand and handles --help. Returns -1 to go on with *sub,
 * else the exit code to return.
 */
int cli_subcommand(struct cli *cli, const struct cli_command *cmd, int *argc, char ***argv,
                   const char **sub);

/*
 * Handle the options every subcommand accepts (--db PATH, --help, --progress MODE) inside a
 * getopt_long loop: returns 1 when `c` was one of them (and sets *exit_out to -1, or to an exit
 * code when the command should stop, e.g. after --help), 0 when it was not.
 */
#define CLI_COMMON_LONGOPTS                                                                        \
    {"db", required_argument, NULL, 0x100}, {"help", no_argument, NULL, 'h'},                      \
        {"progress", required_argument, NULL, 0x101}, {"check", no_argument, NULL, 0x102},
int cli_common_option(struct cli *cli, const struct cli_command *cmd, int c, const char *arg,
                      int *exit_out);

/* Parse the options of a subcommand with no options of its own beyond the common ones. */
int cli_no_options(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);

/* Set cli->progress from "auto", "none", "json" or "bar"; false for anything else. */
bool cli_set_progress(struct cli *cli, const char *arg);

#endif /* EDDY_CLI_OPTIONS_H */
