/*
 * db.h: opening and closing the database a command works on (--db, $EDDY_DB, --check), with
 * the test build's fixed clock and seeded rng in the options.
 */
#ifndef EDDY_CLI_DB_H
#define EDDY_CLI_DB_H

#include "cli.h"

/* How a command opens the database. */
enum cli_open_mode {
    CLI_OPEN_READ = 0,   /* must exist; read-only */
    CLI_OPEN_WRITE = 1,  /* must exist; read-write */
    CLI_OPEN_CREATE = 2, /* created when missing */
};

/* Fill options for eddy_env_open/eddy_env_compact from the test hooks. */
void cli_env_options(struct cli *cli, eddy_env_options *opt);

/* Open cli->db_path; on failure print why and return CLI_EXIT_FAIL (*out is NULL). */
int cli_open(struct cli *cli, int mode, eddy_env **out);

/* Close the environment, reporting a failure; returns `exit_code` or CLI_EXIT_FAIL. */
int cli_close(struct cli *cli, eddy_env *env, int exit_code);

#endif /* EDDY_CLI_DB_H */
