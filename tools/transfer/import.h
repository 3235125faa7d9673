/*
 * import.h: JSON lines into a queue or a stream, as `eddy import` does; tests/fuzz/fuzz_import.c
 * calls cli_import_lines directly. The family header of tools/transfer/.
 */
#ifndef EDDY_CLI_IMPORT_H
#define EDDY_CLI_IMPORT_H

#include "cli.h"

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

#endif /* EDDY_CLI_IMPORT_H */
