/*
 * live_stats.h: one snapshot of the figures the live views show (eddy top, eddy stat --format
 * prometheus, eddy serve's /metrics): the environment, each queue's counts, each stream's
 * shards and each consumer's lag and lease per shard. Each figure comes from one short library
 * read; nothing is held between them (decision 0017).
 */
#ifndef EDDY_CLI_LIVE_STATS_H
#define EDDY_CLI_LIVE_STATS_H

#include "cli.h"

/* Most records counted behind one checkpoint: the lag reads one batch, never a whole shard. */
#define CLI_LIVE_LAG_RECORDS_MAX 10000

/* One consumer on one shard. */
struct cli_live_lag {
    uint32_t shard_id;
    bool checkpointed;  /* has a checkpoint (else the lag counts from the trim horizon) */
    uint64_t records;   /* records after the checkpoint, at most CLI_LIVE_LAG_RECORDS_MAX */
    bool records_exact; /* false: more than `records` are behind */
    uint64_t ms;        /* now - arrival of the first record not yet checkpointed; 0 if none */
    char owner[EDDY_WORKER_NAME_MAX + 1]; /* lease owner while held, else "" */
    uint64_t lease_counter;
};

struct cli_live_consumer {
    char *name;
    struct cli_live_lag *lag; /* one per shard of the stream, in shard order */
    size_t n;
};

struct cli_live_stream {
    char *name;
    eddy_stream_info info;
    eddy_stream_shard *shards;
    size_t n_shards;
    struct cli_live_consumer *consumers;
    size_t n_consumers;
};

struct cli_live_queue {
    char *name;
    eddy_queue_info info;
};

struct cli_live {
    uint64_t now_ms;  /* the env clock's reading (test clock in eddy-test) */
    uint64_t mono_ms; /* when it was taken, for rates */
    eddy_env_stat env;
    uint32_t readers_active; /* reader slots holding a snapshot now (txn_id != 0) */
    struct cli_live_queue *queues;
    size_t n_queues;
    struct cli_live_stream *streams;
    size_t n_streams;
};

/*
 * Take a snapshot into *out (zeroed first). Queues and streams deleted meanwhile are left out.
 * Returns 0 or an EDDY_E* code (message printed; *out is then empty).
 */
int cli_live_collect(struct cli *cli, eddy_env *env, struct cli_live *out);

/* Free what cli_live_collect filled; accepts a zeroed struct. */
void cli_live_free(struct cli_live *s);

/* The queue or stream of that name in s, or NULL. */
const struct cli_live_queue *cli_live_queue_find(const struct cli_live *s, const char *name);
const struct cli_live_stream *cli_live_stream_find(const struct cli_live *s, const char *name);

#endif /* EDDY_CLI_LIVE_STATS_H */
