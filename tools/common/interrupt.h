/*
 * interrupt.h: SIGINT and SIGTERM in long commands.
 */
#ifndef EDDY_CLI_INTERRUPT_H
#define EDDY_CLI_INTERRUPT_H

#include "cli.h"

/* The signal that arrived (SIGINT, SIGTERM), or 0. Loops check it between library calls. */
extern volatile sig_atomic_t cli_interrupted;

/* Catch SIGINT and SIGTERM (also when inherited as ignored): set cli_interrupted. */
void cli_interrupt_install(void);

/*
 * For a command blocked in one long library call: on SIGINT/SIGTERM, remove these files (at most
 * four) and then the directory `dir` (NULL: none; only if empty), print "eddy CMD: interrupted
 * by SIGxxx; WHAT" and exit 128 + the signal at once.
 */
void cli_interrupt_cleanup(const struct cli *cli, const char *const *files, size_t n_files,
                           const char *dir, const char *what);
/* The work that cli_interrupt_cleanup guarded is complete: a later signal removes nothing. */
void cli_interrupt_disarm(void);

/* "SIGINT", "SIGTERM". */
const char *cli_signal_name(int sig);

#endif /* EDDY_CLI_INTERRUPT_H */
