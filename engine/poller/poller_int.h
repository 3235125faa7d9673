/*
 * poller_int.h: internals shared by the poller files: poller.c (options, lifecycle, threads,
 * status), poller_queue.c (queue sources: one write op that deletes the finished batch and
 * receives the next), poller_stream.c (stream sources: shards, checkpoints, retries, bisection,
 * on-failure messages) and filter.c (filter patterns on JSON bodies and metadata). Only those
 * files include it.
 *
 * Rule every file keeps: a callback runs with no transaction held and no poller lock held; the
 * poller's own mutex guards only its control state and shard table, never a call into Eddy.
 */
#ifndef EDDY_ENGINE_POLLER_INT_H
#define EDDY_ENGINE_POLLER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "env_int.h"

/* Defaults and bounds (docs/SEMANTICS.md "Pollers"). */
#define EDDY__P_Q_BATCH_DEFAULT 10u
#define EDDY__P_S_BATCH_DEFAULT 100u
#define EDDY__P_WINDOW_MAX      300000u
#define EDDY__P_PAYLOAD_DEFAULT 6291456u
#define EDDY__P_PAYLOAD_MAX     268435456u
#define EDDY__P_Q_CONC_DEFAULT  2u
#define EDDY__P_S_CONC_DEFAULT  4u
#define EDDY__P_RETRY_MAX       10000
#define EDDY__P_AGE_MIN         60000ll
#define EDDY__P_AGE_MAX         604800000ll
#define EDDY__P_BACKOFF_CAP     60000u
#define EDDY__P_PAR_MAX         10u
#define EDDY__P_IDLE_MS         5u   /* threads: real-time pause after a step that found nothing */
#define EDDY__P_REFRESH_MS      200u /* streams: real-time period of shard-list refreshes */

/* ---- filters (filter.c) ---- */
typedef struct eddy__filter eddy__filter;
/* Parse and check the patterns. EDDY_EINVAL with the reason when one is malformed. */
int eddy__filter_compile(eddy_env *env, const char *const *patterns, size_t n, eddy__filter **out);
void eddy__filter_free(eddy_env *env, eddy__filter *f);
/* Does the item match any pattern? Returns 0 and *match, or EDDY_ENOMEM. */
int eddy__filter_match(const eddy__filter *f, int source, const eddy_poller_item *it, bool *match);

/* ---- the queue source (poller_queue.c) ---- */

/* A delivered message as the queue op identifies it: the receipt's facts. */
typedef struct eddy__pq_ref {
    uint64_t msg_id;
    uint32_t receive_count;
    uint64_t nonce;
} eddy__pq_ref;

/* One message gathered for the next batch, with the memory its item borrows. */
typedef struct eddy__pq_held {
    eddy__pq_ref ref;
    eddy_poller_item item;
    void *body_block, *attr_block;
} eddy__pq_held;

/* A queue worker: one per concurrent batch. Touched only by its own thread (or, when the poller
 * is parked or MANUAL, by the controlling thread). */
typedef struct eddy__pq_worker {
    eddy__pq_ref *acks; /* finished messages to delete in the next commit */
    size_t n_acks, cap_acks;
    eddy__pq_held *held; /* the batch being gathered (batching window) */
    size_t n_held, cap_held;
    uint64_t held_bytes;
    uint64_t window_start_ms; /* env clock when the first held message arrived */
} eddy__pq_worker;

/* ---- the stream source (poller_stream.c) ---- */
typedef struct eddy__ps_shard eddy__ps_shard;

typedef struct eddy__psrc_ops eddy__psrc_ops;

/* ---- the poller ---- */
enum { EDDY__PCTL_RUN = 0, EDDY__PCTL_PAUSE = 1, EDDY__PCTL_STOP = 2 };

struct eddy_poller {
    eddy_env *env;
    const eddy__psrc_ops *src; /* the source's operations */
    eddy_poller_options opt;   /* defaults applied; strings point to the copies below */
    char *name, *consumer, *on_failure;
    eddy__filter *filter;
    eddy_poller_fn fn;
    void *ctx;
    uint64_t source_id; /* the queue's or stream's id at create (a re-created one is refused) */
    int64_t max_retry;  /* -1 = forever */
    int64_t max_age_ms; /* -1 = forever */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;      /* EDDY_POLLER_* (public state) */
    int ctl;        /* EDDY__PCTL_*: what the threads are asked to do */
    int last_error; /* why it stopped by itself */
    pthread_t *threads;
    size_t n_threads;
    size_t n_parked; /* threads waiting in PAUSE */
    size_t n_alive;  /* threads that have not exited */

    /* queue source */
    eddy__pq_worker *qw; /* max_concurrency workers (1 with MANUAL) */
    size_t n_qw;

    /* stream source: shard table, guarded by mu (each shard is processed by one thread at a
     * time: the one that claimed it) */
    eddy__ps_shard **shards;
    size_t n_shards, cap_shards;
    uint64_t refreshed_mono_ms;
    int refreshing;

    /* counters (eddy_poller_status) */
    atomic_uint_fast64_t batches, records, failures, failed_records, retries, filtered, discarded,
        on_failure_sent, commits;
};

/* poller.c: run the callback on a batch (counts it); returns its nonzero stop request as
 * EDDY_EUSER. result->failed_idx must have room for batch->n. */
/* Run the callback on batch b with its n items (b->n); sets the sizes of b, items and r. */
int eddy__poller_invoke(eddy_poller *p, const eddy_poller_batch *b, eddy_poller_item *items,
                        eddy_poller_result *r);

/*
 * What a poller does with its source, one table per kind of source (poller_queue.c,
 * poller_stream.c), so that poller.c never switches on the source. `idx` is a worker: a thread's
 * index, or 0 for a MANUAL poller.
 */
struct eddy__psrc_ops {
    const char *what;       /* "queue" or "stream": for messages */
    uint32_t batch_default; /* batch_size when 0 */
    uint32_t conc_default;  /* max_concurrency when 0 */
    /* The source's own options in r (defaults applied): EDDY_EINVAL with the reason. */
    int (*check)(eddy_env *env, eddy_poller_options *r);
    /* The source (and what it names) must exist: sets p->source_id. */
    int (*resolve)(eddy_poller *p);
    int (*init)(eddy_poller *p);  /* at create, after resolve */
    void (*fini)(eddy_poller *p); /* at destroy; also after a failed create */
    /* One unit of work of worker idx: *batches delivered; *did when anything was done. */
    int (*step)(eddy_poller *p, size_t idx, size_t *batches, bool *did);
    /* Commit what worker idx finished and release what it holds (pause, exit). */
    int (*flush)(eddy_poller *p, size_t idx);
    /* After every thread ended (stop, failure): commit and release everything. */
    int (*stop)(eddy_poller *p);
    uint64_t (*oldest_age)(eddy_poller *p); /* status */
};

extern const eddy__psrc_ops eddy__pq_ops; /* poller_queue.c */
extern const eddy__psrc_ops eddy__ps_ops; /* poller_stream.c */

#endif /* EDDY_ENGINE_POLLER_INT_H */
