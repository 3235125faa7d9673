/*
 * env_int.h: the environment object shared by every engine module. One eddy_env owns one LMDB
 * environment, its named tables, the group-commit writer, the injected clock, randomness and
 * allocator, and per-module state. Only engine/ sees this struct.
 */
#ifndef EDDY_ENGINE_ENV_INT_H
#define EDDY_ENGINE_ENV_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include <lmdb.h>
#include <zstd.h>

/* The engine sees eddy.h's test-control section (eddy_test_hooks). */
#define EDDY_TEST_HOOKS
#include "eddy.h"

#include "error.h" /* EDDY__MSG_MAX */

/*
 * The named LMDB tables. The index is also the table's tag in chunk keys (docs/FORMAT.md), so
 * the order is frozen by format version 1: append only. Names are in handle.c.
 */
enum eddy__table {
    EDDY__T_META = 0,    /* fixed keys: magic, format version, creation time, next id */
    EDDY__T_CATALOG = 1, /* kind|name -> catalog record (id, times, module config) */
    EDDY__T_OBJECTS = 2, /* id -> kind|name (reverse of the catalog) */
    EDDY__T_CHUNKS = 3,  /* table tag|owner key|chunk no -> payload chunk */
    EDDY__T_QMSG = 4,    /* queue messages */
    EDDY__T_QVIS = 5,    /* queue visibility index */
    EDDY__T_QAUX = 6,    /* queue auxiliary records (counters, redrive tasks, ...) */
    EDDY__T_SSHARD = 7,  /* stream shards */
    EDDY__T_SREC = 8,    /* stream records */
    EDDY__T_STIME = 9,   /* stream time index */
    EDDY__T_CKPT = 10,   /* consumer checkpoints */
    EDDY__T_LEASE = 11,  /* shard leases */
    EDDY__T_SROUTE = 12, /* stream routing: stream id|ending hash key of each open shard */
    EDDY__T_COUNT
};

extern const char *const eddy__table_names[EDDY__T_COUNT];

struct eddy__committer; /* commit.c */
struct eddy__queue_env; /* queue.c: per-env queue state (long-poll waiters, ...) */
struct eddy__stream_env;

#define EDDY__ZPOOL 8

struct eddy_env {
    MDB_env *mdb;
    MDB_dbi dbi[EDDY__T_COUNT];
    char *path;
    dev_t dev;
    ino_t ino;
    pid_t pid;

    /* eddy.lock, held shared (flock) while open, so compaction can tell the env is in use. */
    int lock_fd;
    bool lock_held_by_caller; /* compaction holds it exclusively and opened this env itself */

    /* Resolved options: every default already applied (env/env.c). */
    eddy_env_options opt;
    eddy_test_hooks hooks; /* test controls (eddy_test_env_open); zero otherwise */
    bool readonly;

    /*
     * Every LMDB transaction of this process holds map_lock shared; growing the map (or
     * adopting another process's growth) takes it exclusive, because LMDB requires that no
     * transaction is active in the process while the map size changes.
     */
    pthread_rwlock_t map_lock;
    /* The map's size: changed only with map_lock held exclusive (commit.c's growth, txn.c's
     * adoption; lmdb_env.c at open, alone); atomic so that the writer's growth check may read
     * it between transactions without the lock. */
    atomic_uint_fast64_t map_size;
    uint64_t file_len_ok; /* data.mdb is allocated at least this long (filelen.c) */
    /* The disk could not hold the reserve (eddy_env_options.disk_reserve, filelen.c): writes
     * that add data fail with EDDY_EFULL. Read and written by the opener and committer only. */
    int low_space;

    /* Set once LMDB reported MDB_PANIC or Eddy cannot tell what reached disk. */
    atomic_int panic;
    /* Set once verify found damaged LMDB pages (eddy__env_fence): every call but verify and
     * close then fails with EDDY_ECORRUPT and damaged_msg, instead of letting LMDB read them. */
    atomic_int damaged;
    char damaged_msg[EDDY__MSG_MAX];
    /* The background page check (scrub.c): its thread, its stop flag (also cancels a page
     * check in progress) and the checks it completed. */
    struct eddy__scrub *scrub;
    atomic_int scrub_stop;
    atomic_uint_fast64_t scrubs;

    struct eddy__committer *committer;

    /* Pools of zstd contexts, so callers compress outside the write transaction. */
    pthread_mutex_t zlock;
    ZSTD_CCtx *cctx[EDDY__ZPOOL];
    ZSTD_DCtx *dctx[EDDY__ZPOOL];
    int n_cctx, n_dctx;

    /* Counters for eddy_env_stat. */
    atomic_uint_fast64_t commits;
    atomic_uint_fast64_t ops_committed;
    atomic_uint_fast64_t map_grows;

    /* Handles that must be closed before the env (pollers, ...). */
    atomic_int children;

    /* Digested zstd dictionaries (payload.c), guarded by zlock. */
    struct eddy__dict *dicts;

    struct eddy__queue_env *queues;
    struct eddy__stream_env *streams;
};

/* Clock, randomness and allocation: every engine call goes through these (never libc). */
static inline uint64_t eddy__now_ms(eddy_env *env)
{
    return env->opt.clock.now_ms(env->opt.clock.ctx);
}

/*
 * The one retention rule, for queue messages and stream records alike: whatever arrived (or was
 * first enqueued) at t_ms has expired at now_ms when t_ms + retention_ms <= now_ms.
 * eddy__retention_cut gives the first arrival time still kept: everything that arrived before it
 * has expired.
 */
static inline int eddy__retention_expired(uint64_t t_ms, uint64_t retention_ms, uint64_t now_ms)
{
    return t_ms + retention_ms <= now_ms;
}

static inline uint64_t eddy__retention_cut(uint64_t retention_ms, uint64_t now_ms)
{
    return now_ms >= retention_ms ? now_ms - retention_ms + 1 : 0;
}

static inline uint64_t eddy__rand64(eddy_env *env)
{
    return env->opt.rng.next_u64(env->opt.rng.ctx);
}

/*
 * Fault points (tests): nonzero = the positive errno the test wants this point to fail with.
 * Costs one predictable branch when no hook is set.
 */
static inline int eddy__fault(eddy_env *env, const char *point)
{
    return env->hooks.fault.fn != NULL ? env->hooks.fault.fn(env->hooks.fault.ctx, point) : 0;
}

void *eddy__malloc(eddy_env *env, size_t n);
void *eddy__calloc(eddy_env *env, size_t n, size_t size);
void *eddy__realloc(eddy_env *env, void *p, size_t n);
void eddy__free(eddy_env *env, void *p);
char *eddy__strndup(eddy_env *env, const char *s, size_t n);

/* Public entry checks: NULL env, poisoned env. Clear the detail message first. */
int eddy__env_enter(eddy_env *env);
/* Like eddy__env_enter, and also refuses a read-only env. */
int eddy__env_enter_write(eddy_env *env);

/* Mark the env poisoned; every later call returns EDDY_EPANIC. */
void eddy__env_poison(eddy_env *env, const char *why);
/* Refuse every further call but eddy_env_verify and eddy_env_close with EDDY_ECORRUPT and `why`. */
void eddy__env_fence(eddy_env *env, const char *why);
/* eddy__env_enter for eddy_env_verify: a fenced environment may still be verified. */
int eddy__env_enter_verify(eddy_env *env);
/* Inside a write op: raise the database's format version to `version` if it is lower (a
 * format-1 database gets its first FIFO queue). Never lowers it. */
struct eddy__wtx;
int eddy__env_format_raise(struct eddy__wtx *w, uint32_t version);
/* scrub.c: start the background page check when eddy_env_options.scrub_interval_ms is set
 * (0 otherwise, or EDDY_ENOMEM); stop it (waits for a check in progress to cancel). */
int eddy__scrub_start(eddy_env *env);
void eddy__scrub_stop(eddy_env *env);

/* zstd context pools (handle.c). get never returns NULL unless out of memory. */
ZSTD_CCtx *eddy__cctx_get(eddy_env *env);
void eddy__cctx_put(eddy_env *env, ZSTD_CCtx *c);
ZSTD_DCtx *eddy__dctx_get(eddy_env *env);
void eddy__dctx_put(eddy_env *env, ZSTD_DCtx *d);

/* Open with eddy.lock already held exclusively by the caller (compact.c). */
int eddy__env_open_locked(const char *path, const eddy_env_options *options,
                          const eddy_test_hooks *hooks, eddy_env **out);

/* A handle for work on the files alone (recover.c): options resolved, path set, nothing opened,
 * no eddy.lock taken. Free it with eddy__env_bare_free. */
int eddy__env_bare(const char *path, const eddy_env_options *options, eddy_env **out);
void eddy__env_bare_free(eddy_env *env);
/* recover.c: EDDY_ENV_RECOVER at open, before LMDB reads the file; env holds eddy.lock shared.
 * Rolls back when the newest snapshot is damaged and the previous sound, and nobody else has
 * the database open. */
int eddy__recover_at_open(eddy_env *env);

/* Log `fmt` at `level` through eddy_env_options.log, when set and level <= log_level. */
void eddy__log(eddy_env *env, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Take (blocking) or try (nonblocking) the eddy.lock of directory `dir`. Returns the fd or an
 * EDDY_E* error (EDDY_EBUSY when `exclusive_try` and another handle holds it). */
int eddy__lock_take(const char *dir, int exclusive_try, int create, int *fd_out);

/*
 * filelen.c: keep data.mdb as long as its last committed page. LMDB may leave free pages at the
 * tail unwritten (after a large delete), so the file can end before the meta's last page; a
 * truncated file looks the same, and reading a page past the end faults (SIGBUS). Pads the tail
 * with zeros (fallocate, which never shrinks the file): a free page is never read, a lost page
 * reads as zeros, which LMDB and the record checksums report as corruption instead of a fault.
 * A read-write handle also keeps the disk reserve allocated past the last page, and sets or
 * clears env->low_space by whether the disk could hold it.
 * A read-only handle cannot pad: at open (`at_open` 1) it refuses such a file with
 * EDDY_ECORRUPT after waiting briefly for a live writer to pad it.
 */
int eddy__pad_tail(eddy_env *env, int at_open);
/* filelen.c: the disk reserve kept past `need` bytes of data (eddy_env_options.disk_reserve). */
uint64_t eddy__reserve_bytes(const eddy_env *env, uint64_t need);
/* Give the reserve allocated past the data's end back to the disk (truncate data.mdb to its last
 * committed page): compaction's room for its copy on a full disk. The next open or commit
 * allocates it again. */
int eddy__reserve_release(eddy_env *env);

/* create.c: build a new database aside and rename it into place whole; caller holds eddy.lock. */
int eddy__create(eddy_env *env, unsigned lmdb_flags);
/* create.c: write the meta rows of a new database. */
int eddy__meta_init(eddy_env *env, MDB_txn *txn, MDB_dbi meta);
/* fsync a file (dir 0) or a directory (dir 1). */
int eddy__fsync_path(const char *path, int dir);

/* Defaults (clock.c). */
uint64_t eddy__system_now_ms(void *ctx);
uint64_t eddy__system_rand64(void *ctx);
/* Milliseconds of CLOCK_MONOTONIC (clock.c): real time for waits, timeouts and rate limits, never
 * for semantic decisions (those use eddy__now_ms, the injectable clock). The tools and benches
 * keep their own copy: they cannot link engine internals. */
uint64_t eddy__mono_ms(void);

#endif /* EDDY_ENGINE_ENV_INT_H */
