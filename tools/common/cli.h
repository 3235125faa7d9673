/*
 * cli.h: what every file of the `eddy` command-line tool shares: the state of one invocation
 * (struct cli), exit codes, the command table's entry type, and error messages (report.c).
 *
 * The tool is a thin client of include/eddy.h: it must never include engine/ or format/
 * headers, nor lmdb.h. Every call it makes is short (no transaction is held across a wait), so
 * it is safe beside a live application writing to the same database.
 *
 * Layout (docs/decisions/0012-tools-and-tests-layout.md): tools/common/ holds the shared forms,
 * one concern a header; each command family (tools/queue, stream, transfer, admin) includes
 * common headers and its own folder's only, never another command's (scripts/check-includes.sh).
 */
#ifndef EDDY_CLI_H
#define EDDY_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "eddy.h"

/* Exit codes: success, failure (or problems found by verify), usage error. */
#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

/* How long operations report progress (--progress). */
enum cli_progress_mode {
    CLI_PROGRESS_AUTO = 0, /* a bar on stderr when it is a terminal, else nothing */
    CLI_PROGRESS_NONE = 1,
    CLI_PROGRESS_JSON = 2, /* one JSON object per update on stderr */
    CLI_PROGRESS_BAR = 3,  /* a bar even when stderr is not a terminal */
};

/* Global state of one invocation. */
struct cli {
    const char *db_path; /* --db, $EDDY_DB or ./eddy-data */
    int progress;        /* enum cli_progress_mode */
    bool check;          /* --check (and dump, export): open with EDDY_ENV_CHECK */
    const char *cmd;     /* the subcommand's name, for messages */
    /* Test hooks (docs/cli.md "Testing hooks"): a fixed clock and a seeded rng. */
    bool fixed_clock;
    uint64_t fixed_now_ms;
    bool seeded;
    uint64_t rng_state;
    /* Reports of long library calls (eddy_progress), drawn as bars; set by cli_lib_progress. */
    struct cli_progress *lib_bar;
    const char *lib_step;
    uint64_t lib_done;
    bool lib_progress;
};

/* One subcommand. `help` is its full usage text, printed by `eddy help NAME` and --help. */
struct cli_command {
    const char *name;
    const char *summary;
    const char *help;
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* The commands, each defined by its own cmd_*.c; tools/eddy.c lists them in its table. */
extern const struct cli_command cli_cmd_stat;
extern const struct cli_command cli_cmd_dump;
extern const struct cli_command cli_cmd_verify;
extern const struct cli_command cli_cmd_compact;
extern const struct cli_command cli_cmd_recover;
extern const struct cli_command cli_cmd_trim;
extern const struct cli_command cli_cmd_redrive;
extern const struct cli_command cli_cmd_queue;
extern const struct cli_command cli_cmd_import;
extern const struct cli_command cli_cmd_export;
extern const struct cli_command cli_cmd_stream;
extern const struct cli_command cli_cmd_checkpoint;
extern const struct cli_command cli_cmd_serve;
extern const struct cli_command cli_cmd_top;

/* ---- report.c: messages. */

/* Print "eddy CMD: message" to stderr (a newline is added). */
void cli_err(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "eddy CMD: what: EDDY_EXXX: detail" for a failed eddy_ call; returns CLI_EXIT_FAIL. */
int cli_fail(const struct cli *cli, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print a usage error and "try 'eddy help CMD'"; returns CLI_EXIT_USAGE. */
int cli_usage(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* EDDY_CLI_H */
