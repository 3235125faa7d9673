/*
 * cli.h: what the files of the `eddy` command-line tool share: the command table, global
 * options, opening the database, argument parsing (times, durations, sizes), JSON and text
 * output, and progress reporting.
 *
 * The tool is a thin client of include/eddy.h: it must never include engine/ or format/
 * headers, nor lmdb.h. Every call it makes is short (no transaction is held across a wait), so
 * it is safe beside a live application writing to the same database.
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

extern const struct cli_command cli_cmd_stat;
extern const struct cli_command cli_cmd_dump;
extern const struct cli_command cli_cmd_verify;
extern const struct cli_command cli_cmd_compact;
extern const struct cli_command cli_cmd_trim;
extern const struct cli_command cli_cmd_redrive;
extern const struct cli_command cli_cmd_queue;
extern const struct cli_command cli_cmd_import;
extern const struct cli_command cli_cmd_export;
extern const struct cli_command cli_cmd_stream;
extern const struct cli_command cli_cmd_checkpoint;

/* ---- eddy.c: messages, the database, common options. */

/* Print "eddy CMD: message" to stderr (a newline is added). */
void cli_err(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "eddy CMD: what: EDDY_EXXX: detail" for a failed eddy_ call; returns CLI_EXIT_FAIL. */
int cli_fail(const struct cli *cli, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print a usage error and "try 'eddy help CMD'"; returns CLI_EXIT_USAGE. */
int cli_usage(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How a command opens the database. */
enum cli_open_mode {
    CLI_OPEN_READ = 0,   /* must exist; read-only */
    CLI_OPEN_WRITE = 1,  /* must exist; read-write */
    CLI_OPEN_CREATE = 2, /* created when missing */
};

/* Fill options for eddy_env_open/eddy_env_compact from the test hooks. */
void cli_env_options(struct cli *cli, eddy_env_options *opt);

/* Open cli->db_path; on failure print why and return CLI_EXIT_FAIL (*out is NULL). */
/*
 * Begin a command that has subcommands (queue, stream, checkpoint): names it "NAME SUB" for
 * messages, shifts argv to the subcommand and handles --help. Returns -1 to go on with *sub,
 * else the exit code to return.
 */
int cli_subcommand(struct cli *cli, const struct cli_command *cmd, int *argc, char ***argv,
                   const char **sub);

int cli_open(struct cli *cli, int mode, eddy_env **out);

/* Close the environment, reporting a failure; returns `exit_code` or CLI_EXIT_FAIL. */
int cli_close(struct cli *cli, eddy_env *env, int exit_code);

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

/* ---- args.c: parsing and formatting values. */

/* A decimal unsigned integer, whole string, no sign; false if malformed or above max. */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A duration: "0", "250ms", "90s", "15m", "2h", "7d" or combinations ("1h30m"); a plain
 * number is seconds. */
bool cli_parse_duration_ms(const char *s, uint64_t *out);

/* An RFC 3339 time ("2026-11-27T01:02:03Z", "...T01:02:03.5+02:00") in ms since the epoch. */
bool cli_parse_time_ms(const char *s, uint64_t *out);

/* A size: bytes, or with a unit B, KiB, MiB, GiB (also K, M, G, KB, MB, GB as binary). */
bool cli_parse_size(const char *s, uint64_t *out);

/* Format ms since the epoch as RFC 3339 UTC with milliseconds into dst (at least 32 bytes). */
void cli_format_time(uint64_t ms, char *dst, size_t dst_cap);

/* Format a duration in ms as "1d2h3m4.5s" style text into dst (at least 32 bytes). */
void cli_format_duration(uint64_t ms, char *dst, size_t dst_cap);

/* Format a byte count as "12.3 MiB" into dst (at least 32 bytes). */
void cli_format_size(uint64_t bytes, char *dst, size_t dst_cap);

/* Format a rate as "12.3 MiB/s" (bytes: binary units) or "1234/s" (items) into dst. */
void cli_format_rate(double per_s, bool bytes, char *dst, size_t dst_cap);

/* Format `len` bytes as lower-case hex into dst (2 * len + 1 bytes). */
void cli_hex(const void *src, size_t len, char *dst);

/* ---- json.c: JSON output and body encoding. */

/* True when the bytes are valid UTF-8 without NUL bytes (printable as JSON text). */
bool cli_is_utf8(const void *data, size_t len);

/* Base64 (RFC 4648, padded) of src; a malloc'ed NUL-ended string, NULL on OOM. */
char *cli_base64_encode(const void *src, size_t len);

/* Decode base64; *out is malloc'ed. False when malformed or OOM. */
bool cli_base64_decode(const char *src, unsigned char **out, size_t *out_len);

/* Set obj["body"] and obj["body_encoding"] ("utf8" or "base64") for the bytes. */
int cli_json_set_body(json_t *obj, const char *key, const char *enc_key, const void *data,
                      size_t len);

/* Decode a body written by cli_json_set_body; *out is malloc'ed. False when malformed. */
bool cli_json_get_body(json_t *obj, const char *key, const char *enc_key, unsigned char **out,
                       size_t *out_len);

/* Print obj as one compact line (keys in insertion order) and release it; 0 or -1. */
int cli_json_print_line(FILE *f, json_t *obj);

/* Print a slice as text: UTF-8 as is (newlines and tabs escaped), else "base64:<...>". */
void cli_print_body_text(FILE *f, const void *data, size_t len);

/*
 * The export header (docs/cli.md "export"): the first line of an `eddy export` file,
 * {"eddy_export":CLI_EXPORT_VERSION,"queue"|"stream":NAME,"attributes":{...},...}. Files without
 * it (older exports, `queue receive` output) still import. A reader refuses a newer version.
 */
#define CLI_EXPORT_VERSION 1

/*
 * The CLI holds a queue's attributes in an eddy_queue_info (its attribute fields have fixed
 * arrays for the names, where eddy_queue_options only points): cli_queue_options_of makes the
 * options for a create or set call from it; o's names point into `a` and into srcs.
 */
void cli_queue_options_of(const eddy_queue_info *a, const char *srcs[EDDY_QUEUE_ALLOW_MAX],
                          eddy_queue_options *o);
/* A stream's attributes as options (from its info). */
eddy_stream_options cli_stream_options_of(const eddy_stream_info *i);

/* A queue's or stream's attributes as the header's "attributes" object (new reference). */
json_t *cli_queue_options_json(const eddy_queue_info *o);
json_t *cli_stream_options_json(const eddy_stream_options *o);

/*
 * The keys of `want` whose value in `have` differs, as a malloc'ed "key HAVE (LABEL: WANT), ..."
 * (values as compact JSON); NULL when none differs (or out of memory).
 */
char *cli_json_diff(json_t *have, json_t *want, const char *label);

/* Read them back into *o (zeroed first): false with the offending key in *why when a key is
 * missing, unknown, of the wrong type or out of the field's range. Values are not checked
 * against the library's limits (create or compare does that). */
bool cli_queue_options_from_json(json_t *j, eddy_queue_info *o, const char **why);
bool cli_stream_options_from_json(json_t *j, eddy_stream_options *o, const char **why);

/* ---- progress.c: progress of long operations. */

struct cli_progress;

/* Start reporting `label` with `total` units (0 when unknown). NULL when reporting is off. */
struct cli_progress *cli_progress_start(const struct cli *cli, const char *label, uint64_t total);

/*
 * Percentage for `done` of `total` (an estimate that done may pass): never above 100; once done
 * has passed total, 99 until the final report. 0 when total is 0 (unknown).
 */
double cli_progress_percent(uint64_t done, uint64_t total, bool final);

/* Report that `done` units are finished (throttled to at most five updates per second). */
void cli_progress_update(struct cli_progress *p, uint64_t done);

/* Final update, newline, free. Accepts NULL. */
void cli_progress_end(struct cli_progress *p, uint64_t done);

/*
 * Long library calls (copy, compact, verify) report through eddy_progress: call with `on` true
 * before cli_open / cli_env_options so the options carry it (a bar per step, "verify: copy"...),
 * and with `on` false after the call to close the last bar.
 */
void cli_lib_progress(struct cli *cli, bool on);
/* Called by cli_env_options: sets opt->progress when cli_lib_progress is on. */
void cli_lib_progress_options(struct cli *cli, eddy_env_options *opt);

/* Monotonic time in ms (for rates and waits; the database's clock is the env's). */
uint64_t cli_mono_ms(void);

/* Sleep for ms milliseconds. */
void cli_sleep_ms(uint64_t ms);

/* ---- interrupt.c: SIGINT and SIGTERM in long commands. */

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

/* ---- cmd_queue.c helpers shared with dump, export and import. */

/* A growing list of names, filled by cli_name_collect (an eddy_*_list callback). */
struct cli_name_list {
    char **names;
    size_t n, cap;
};
int cli_name_collect(void *ctx, const char *name);

/* Collect all queue names (sorted); *names is malloc'ed, each name too. */
int cli_queue_names(eddy_env *env, char ***names, size_t *n);

/* Free what cli_queue_names returned. */
void cli_free_names(char **names, size_t n);

/* A send entry's size as the library counts it against body_len_max: the body plus each
 * attribute's name, type and value (SQS's rule). */
size_t cli_queue_entry_size(const eddy_queue_send_entry *e);

/* Read a whole file ("-" = stdin) into a malloc'ed buffer. False on error (message printed). */
bool cli_read_file(const struct cli *cli, const char *path, unsigned char **out, size_t *len);

/* ---- cmd_import.c: JSON lines into a queue or a stream (`eddy import`, and tests/fuzz). */
struct cli_import {
    const char *queue;  /* the target queue, or NULL for a stream */
    const char *stream; /* the target stream, or NULL for a queue (exactly one is set) */
    bool new_ids;       /* send or put (new ids and times) instead of restoring */
    bool create;        /* create the target when it does not exist (with the header's
                           attributes, else the defaults) */
    /* An existing target whose attributes differ from the header's: keep them (keep_attributes),
     * or change them to the header's (apply_attributes); neither: fail. At most one is set. */
    bool keep_attributes;
    bool apply_attributes;
    /* Skip lines already stored by an earlier (interrupted) run instead of failing on them:
     * a message whose msg_id is at or below the highest id the queue stores, a record whose
     * seq is at or below its shard's newest. Restoring only (not with new_ids). */
    bool skip_existing;
};

/*
 * Import every non-empty JSON line of buf into the open env as `eddy import` does: each line's
 * problem (and a target that cannot be found or created) is printed through cli_err, and
 * `summary` (NULL: nowhere) gets the "imported N messages into queue 'q'" line. A first line
 * that is an export header (CLI_EXPORT_VERSION) gives the target's attributes, and for a stream
 * its shard lineage and its consumers' checkpoints (restored after the records). *done_out is
 * the number of lines applied: each message or record stored, plus the header once everything
 * it carries was applied. CLI_EXIT_OK when every line was applied, else CLI_EXIT_FAIL.
 */
int cli_import_lines(struct cli *cli, eddy_env *env, const struct cli_import *im,
                     const unsigned char *buf, size_t len, FILE *summary, size_t *done_out);

/* ---- cmd_checkpoint.c: a checkpoint with its lag as JSON (new reference); stat uses it. */
json_t *cli_checkpoint_json(const struct cli *cli, eddy_env *env, const char *stream,
                            const char *consumer, const eddy_checkpoint *cp);

/* Now in ms since the epoch: the test clock when set, else the system's real-time clock. */
uint64_t cli_now_ms(const struct cli *cli);

/* ---- cmd_stat.c: redrive tasks as JSON (new reference) or one text line; cmd_redrive.c too. */
json_t *cli_task_json(const eddy_queue_redrive_task *t);
void cli_task_text(const eddy_queue_redrive_task *t);

#endif /* EDDY_CLI_H */
