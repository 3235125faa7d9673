/*
 * stream_read.h: reading a stream's records shard by shard up to now, and the read-position
 * options (--shard, --from, --after, --at, --latest, --limit) that stream get, dump and export
 * share.
 */
#ifndef EDDY_CLI_STREAM_READ_H
#define EDDY_CLI_STREAM_READ_H

#include <getopt.h>

#include "cli.h"

/* Where a read starts (enum eddy_stream_iter_type) and how much it reads. */
struct cli_stream_read {
    const char *stream;
    uint32_t shard_id; /* EDDY_STREAM_NO_SHARD: every shard, in id order */
    int type;          /* EDDY_STREAM_ITER_* */
    const char *seq;   /* AT_/AFTER_SEQUENCE_NUMBER */
    uint64_t at_ms;    /* AT_TIMESTAMP */
    uint64_t limit;    /* most records in all; 0 = no limit */
};

/* Read-position options shared by `stream get`, dump and export. */
enum {
    CLI_OPT_SHARD = 0x580,
    CLI_OPT_FROM,
    CLI_OPT_AFTER,
    CLI_OPT_AT,
    CLI_OPT_LATEST,
    CLI_OPT_LIMIT,
};
#define CLI_STREAM_READ_LONGOPTS                                                                   \
    {"shard", required_argument, NULL, CLI_OPT_SHARD},                                             \
        {"from", required_argument, NULL, CLI_OPT_FROM},                                           \
        {"after", required_argument, NULL, CLI_OPT_AFTER},                                         \
        {"at", required_argument, NULL, CLI_OPT_AT},                                               \
        {"latest", no_argument, NULL, CLI_OPT_LATEST},                                             \
        {"limit", required_argument, NULL, CLI_OPT_LIMIT},

/* Apply one read-position option: 0 handled, -1 not one of them, else a usage exit code. */
int cli_stream_read_option(struct cli *cli, int c, const char *arg, struct cli_stream_read *rd);

/* Called per record; nonzero stops the read (returned as EDDY_EUSER). */
typedef int (*cli_record_fn)(void *ctx, const char *stream, const eddy_stream_record *r);

/*
 * Read records from their start up to what is stored now: each shard until its end (closed) or
 * until a read returns nothing (open). Each library call is one short read; nothing is held
 * between calls. Returns 0 or an EDDY_E* code (message printed); *n_out = records passed to fn.
 */
int cli_stream_read(struct cli *cli, eddy_env *env, const struct cli_stream_read *rd,
                    cli_record_fn fn, void *ctx, uint64_t *n_out);

#endif /* EDDY_CLI_STREAM_READ_H */
