/*
 * import_lines.h: what the import files share (cmd_import.c, import_lines.c, import_queue.c,
 * import_stream.c): the context every import starts with, the operations one kind of target
 * supplies, and the loop that drives them. Private to tools/transfer/.
 */
#ifndef EDDY_CLI_IMPORT_LINES_H
#define EDDY_CLI_IMPORT_LINES_H

#include "import.h"

/* What every import knows; first member of each kind's context. */
struct import_common {
    eddy_env *env;
    const char *name;
    const struct cli_import *im;
    FILE *summary;      /* where the summary lines go, or NULL */
    size_t header_line; /* line number of the export header; 0 when the file has none */
    uint64_t bytes_max; /* most bytes of entries in one batch (the target's rule); 0: none */
    size_t skipped;     /* lines skipped as already stored (cli_import.skip_existing) */
};

/* What one kind of import does with its lines (slots 0..batch_max-1 hold parsed lines). */
struct import_ops {
    const char *kind; /* "queue" or "stream" */
    const char *unit; /* "message" or "record" */
    /* Read the export header h (of this kind, version checked); CLI_EXIT_* (message printed). */
    int (*header)(struct cli *cli, void *ctx, json_t *h);
    /* Find (or with create, create) the target and reconcile it with the header's attributes;
     * its batch_max into *batch_max. CLI_EXIT_* (message printed). */
    int (*target)(struct cli *cli, void *ctx, const unsigned char *buf, size_t len,
                  uint32_t *batch_max);
    /* Allocate batch_max slots (false when out of memory); free them. */
    bool (*alloc)(void *ctx, uint32_t batch_max);
    void (*free)(void *ctx);
    /* NULL, or: true when line o needs prepare() first (with the lines before it stored). */
    bool (*needs)(void *ctx, json_t *o);
    int (*prepare)(struct cli *cli, void *ctx, json_t *o, size_t line);
    /* Parse a line into slot i; false with a reason in *why when it is not usable. */
    bool (*parse)(void *ctx, json_t *o, size_t i, const char **why);
    /* NULL, or the bytes slot i counts against import_common.bytes_max. */
    size_t (*bytes)(void *ctx, size_t i);
    /* --skip-existing: true when line o is already stored (by an earlier run). */
    bool (*exists)(void *ctx, json_t *o);
    /* Store slots 0..n-1: the call's code, and each slot's in rcs[i]. */
    int (*flush)(void *ctx, size_t n, int *rcs);
    void (*release)(void *ctx, size_t i);
    /* After every line was stored: what the header still carries; CLI_EXIT_*. */
    int (*finish)(struct cli *cli, void *ctx);
    /* Release what header() kept. */
    void (*drop)(void *ctx);
    /* NULL, or: why slot i failed when flush() set rcs[i] itself (NULL: the error's text). */
    const char *(*explain)(void *ctx, size_t i);
};

/* Find the target in the open env and import every line into it (cli_import_lines). */
int cli_import_into(struct cli *cli, const struct import_ops *ops, void *ctx,
                    const unsigned char *buf, size_t len, FILE *summary, size_t *done);

/*
 * Compare the target's attributes (have) with the header's (want), both as the header's JSON
 * form: a malloc'ed text "key have (export: want), ..." naming each difference, or NULL when
 * they agree. *changeable tells whether every difference is a key `can_change` accepts (NULL:
 * any key).
 */
char *cli_import_attr_diff(json_t *have, json_t *want, bool (*can_change)(const char *key),
                           bool *changeable);

/* The target exists with other attributes than the header's (diff): report it. */
int cli_import_attr_mismatch(struct cli *cli, void *ctx, const char *diff);

/* o[key] as a u64: 0 when absent, negative or not an integer (*present: a u64 is there). */
uint64_t cli_import_json_u64(json_t *o, const char *key, bool *present);

/* cli_import_lines for a queue, and for a stream. */
int cli_import_queue(struct cli *cli, eddy_env *env, const struct cli_import *im,
                     const unsigned char *buf, size_t len, FILE *summary, size_t *done_out);
int cli_import_stream(struct cli *cli, eddy_env *env, const struct cli_import *im,
                      const unsigned char *buf, size_t len, FILE *summary, size_t *done_out);

#endif /* EDDY_CLI_IMPORT_LINES_H */
