/*
 * cmd_stream.h: what cmd_stream.c shares with dump, export, import, stat and trim: reading a
 * stream's records shard by shard, their JSON form, and the stream names.
 */
#ifndef EDDY_CMD_STREAM_H
#define EDDY_CMD_STREAM_H

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

/* A record as a JSON object (new reference): stream, shard_id, seq, arrival_ms,
 * partition_key(+_encoding), data(+_encoding). */
json_t *cli_stream_record_json(const char *stream, const eddy_stream_record *r);

/* A record as one text line: "STREAM shard=N seq=S arrival=TIME key=K data=D". */
void cli_stream_record_text(FILE *f, const char *stream, const eddy_stream_record *r);

/* Collect all stream names (sorted); free with cli_free_names. */
int cli_stream_names(eddy_env *env, char ***names, size_t *n);

/* Shards of a stream into a malloc'ed array (*out); free() it. */
int cli_stream_shards(eddy_env *env, const char *name, eddy_stream_shard **out, size_t *n);

/* Put each non-empty line of buf as a record like `proto`, batch_max at a time. */
int cli_stream_put_lines(struct cli *cli, eddy_env *env, const char *name, unsigned char *buf,
                         size_t len, const eddy_stream_put_entry *proto, bool quiet);

/* A stream's attributes and totals, and a shard, as JSON objects (new references). */
json_t *cli_stream_info_json(const char *name, const eddy_stream_info *i);
json_t *cli_shard_json(const eddy_stream_shard *s);

/* "open" or "closed". */
const char *cli_shard_state(int state);

#endif /* EDDY_CMD_STREAM_H */
