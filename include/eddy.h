/*
 * eddy.h: the whole public contract of Eddy, an embedded durable queue-and-stream engine.
 *
 * Eddy keeps SQS-like queues, Kinesis-like streams and consumer checkpoints in one LMDB
 * environment (a directory). Programs link libeddy and include only this header; the `eddy` CLI
 * and the benchmarks use nothing else.
 *
 * CONVENTIONS (they hold for every function below unless its comment says otherwise)
 *
 * Errors.  Every fallible function returns an int: 0 (EDDY_OK) on success, or a negative EDDY_E*
 *   code. The codes are stable (append only). eddy_strerror() and eddy_errname() describe a code;
 *   eddy_last_error() gives this thread's detail message for its last failed call. A call that
 *   fails with EDDY_EINVAL changed nothing. "Not found" is an error only when the caller named a
 *   specific object; an empty receive or read succeeds with a count of 0.
 *
 * Ownership.  The caller owns what it passes in; Eddy copies what it keeps and holds no pointer to
 *   caller memory after a call returns. What Eddy hands out (handles, batches) is Eddy's until the
 *   documented release call. Release calls return void and accept NULL.
 *
 * Threads.  An eddy_env is shared by any number of threads. Other handles say their own rule.
 *   Handles are not valid in a child after fork(); the child may only exec or exit.
 *
 * NULL.  A NULL pointer where an object is required is EDDY_EINVAL, never a crash.
 *
 * Options.  Options structs are zero-initialised by the caller; a zero field means the default
 *   written next to it. Pass NULL for all defaults.
 *
 * Durability.  A write call returns only after its change is on stable storage (fdatasync
 *   returned), unless the environment was opened with EDDY_DURABILITY_RELAXED (see
 *   eddy_env_options). Concurrent writers share commits (group commit).
 *
 * Time.  Timestamps are milliseconds since the Unix epoch (UTC), taken from the environment's
 *   clock (eddy_env_options.clock), never from the system directly.
 */
#ifndef EDDY_H
#define EDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(EDDY_BUILDING) && defined(__GNUC__)
#define EDDY_API __attribute__((visibility("default")))
#else
#define EDDY_API
#endif

/* ---------------------------------------------------------------------------------------------
 * Versions. The library version (these macros, eddy_version()) and the on-disk format version
 * (EDDY_FORMAT_VERSION, checked by eddy_env_open) are separate numbers.
 */
#define EDDY_VERSION_MAJOR  0
#define EDDY_VERSION_MINOR  1
#define EDDY_VERSION_PATCH  0
#define EDDY_FORMAT_VERSION 1

/** The library version as "MAJOR.MINOR.PATCH"; a static string. Never fails. */
EDDY_API const char *eddy_version(void);

/* ---------------------------------------------------------------------------------------------
 * Errors. One table generates the constants, eddy_errname() and eddy_strerror().
 * Values are stable: new codes are appended, none is ever renumbered.
 */
#define EDDY_ERRNO_MAP(X)                                                                          \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument or API misuse; nothing changed")                               \
    X(ENOTFOUND, -2, "no such queue, stream, shard, receipt or record")                            \
    X(EEXIST, -3, "already exists with different attributes")                                      \
    X(ETOOBIG, -4, "value exceeds a configured size limit")                                        \
    X(ELIMIT, -5, "a count limit was reached (in-flight, batch, names)")                           \
    X(EEXPIRED, -6, "receipt handle, lease or iterator is no longer valid")                        \
    X(EBUSY, -7, "held by someone else, or children still open")                                   \
    X(EFULL, -8, "storage is full (disk or configured size cap)")                                  \
    X(ENOMEM, -9, "out of memory")                                                                 \
    X(EIO, -10, "I/O error from the operating system")                                             \
    X(ECORRUPT, -11, "stored data failed a checksum or structural check")                          \
    X(EVERSION, -12, "data written by an unsupported format version")                              \
    X(EPANIC, -13, "environment hit a fatal error; close and reopen")                              \
    X(EUSER, -14, "returned by a user callback to stop; never by Eddy")                            \
    X(EBUFS, -15, "caller's buffer too small; the needed size was reported")                       \
    X(ECLOSED, -16, "the handle is closed or shutting down")                                       \
    X(EINTERNAL, -17, "an unexpected failure inside Eddy or a dependency (a bug)")

enum eddy_error {
#define EDDY__ERR_ENUM(name, value, text) EDDY_##name = (value),
    EDDY_ERRNO_MAP(EDDY__ERR_ENUM)
#undef EDDY__ERR_ENUM
};

/** Short constant name of an error code ("EDDY_ENOTFOUND"); "EDDY_UNKNOWN" for an unknown code. */
EDDY_API const char *eddy_errname(int rc);

/** One-line description of an error code; a static string, never NULL. */
EDDY_API const char *eddy_strerror(int rc);

/**
 * This thread's detail message for its most recent failed eddy_ call, e.g.
 * "queue name 'a b' has an invalid character ' ' at offset 1". Never NULL (empty when no call has
 * failed on this thread). Valid until the next eddy_ call on the same thread. Use it for humans
 * and logs; decide on success only from return codes.
 */
EDDY_API const char *eddy_last_error(void);

/* ---------------------------------------------------------------------------------------------
 * Plain data.
 */

/** A borrowed byte range. When Eddy hands one out, it says how long the bytes stay valid. */
typedef struct eddy_slice {
    const void *data;
    size_t len;
} eddy_slice;

/* ---------------------------------------------------------------------------------------------
 * Environment: one database directory.
 */
typedef struct eddy_env eddy_env;

/** Injectable clock. now_ms returns milliseconds since the Unix epoch. Called from any thread. */
typedef struct eddy_clock {
    uint64_t (*now_ms)(void *ctx);
    void *ctx;
} eddy_clock;

/** Injectable randomness (ids, receipt nonces, jitter). Called from any thread. */
typedef struct eddy_rng {
    uint64_t (*next_u64)(void *ctx);
    void *ctx;
} eddy_rng;

/**
 * Injectable allocator for everything Eddy allocates (LMDB's and zstd's internals excepted).
 * All three functions must be set, or none. Called from any thread.
 */
typedef struct eddy_allocator {
    void *(*malloc_fn)(void *ctx, size_t size);
    void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
    void *ctx;
} eddy_allocator;

/**
 * Fault injection, for tests. Eddy calls fn at each fault point with the point's name
 * ("alloc", "rtxn_begin", "txn_begin", "nested_begin", "put", "del", "commit", "map_grow",
 * "copy"); fn returns 0 to let it run, or a positive errno (e.g. EIO, ENOSPC, ENOMEM) to make that
 * point fail as if the system had returned it. Called from any thread.
 */
typedef struct eddy_fault {
    int (*fn)(void *ctx, const char *point);
    void *ctx;
} eddy_fault;

/** Durability of write calls. */
enum eddy_durability {
    /** Default. A write call returns after its commit is on stable storage. */
    EDDY_DURABILITY_DURABLE = 0,
    /**
     * A write call returns once its change is applied in the open group transaction; the commit
     * (still fully synced) follows within relaxed_window_ms or relaxed_window_ops, whichever comes
     * first. A crash loses at most that window of acknowledged writes and never corrupts data.
     * Read-only calls see a relaxed write only after its commit.
     */
    EDDY_DURABILITY_RELAXED = 1,
};

/** Flags for eddy_env_options.flags. */
enum eddy_env_flags {
    /** Open an existing database read-only: every write call fails with EDDY_EINVAL. */
    EDDY_ENV_READONLY = 1u << 0,
    /** Fail with EDDY_ENOTFOUND instead of creating a database that does not exist. */
    EDDY_ENV_NOCREATE = 1u << 1,
};

typedef struct eddy_env_options {
    /** EDDY_ENV_* flags. Default 0: create if missing, read-write. */
    uint32_t flags;
    /** EDDY_DURABILITY_*. Default EDDY_DURABILITY_DURABLE. */
    int durability;
    /** Relaxed mode: longest time between a write's acknowledgement and its commit. Default 10. */
    uint32_t relaxed_window_ms;
    /** Relaxed mode: most acknowledged-but-uncommitted operations. Default 1000. */
    uint32_t relaxed_window_ops;
    /** Most operations that one group commit applies. Default 4096 (max 65536). */
    uint32_t group_ops_max;
    /**
     * Initial LMDB map size in bytes. The map grows by itself when full, so this only matters
     * for tests of growth. Default 256 MiB (or the existing file's size, if larger).
     */
    uint64_t map_size_initial;
    /**
     * Largest size, in bytes, the map may grow to; a write that needs more fails with
     * EDDY_EFULL. Default 0: no cap other than the disk.
     */
    uint64_t map_size_max;
    /** LMDB reader slots (threads x processes reading at once). Default 126. */
    uint32_t max_readers;
    /** zstd level for payloads (1..19). Default 3. */
    int compression_level;
    /** Payloads shorter than this are stored uncompressed. Default 128 bytes. */
    uint32_t compression_min_len;
    /** Clock. Default: the system real-time clock. */
    eddy_clock clock;
    /** Randomness. Default: a generator seeded from the system. */
    eddy_rng rng;
    /** Allocator. Default: malloc/realloc/free. */
    eddy_allocator alloc;
    /**
     * For Eddy's own crash tests only; never set it in a program. EDDY_TEST_UNSAFE_NOSYNC opens
     * LMDB with MDB_NOSYNC, which can lose or corrupt acknowledged data on power loss: the
     * power-loss test uses it as a positive control that must be caught. Default 0.
     */
    uint32_t test_flags;
    /** For tests: fault injection at Eddy's fault points (docs/TESTING.md). Default none. */
    eddy_fault fault;
} eddy_env_options;

/** eddy_env_options.test_flags (tests only). */
#define EDDY_TEST_UNSAFE_NOSYNC 1u

/**
 * Open (or create) the database in directory `path`.
 *
 * Creates the directory if missing (mode 0755) unless EDDY_ENV_NOCREATE, creates or opens its
 * LMDB files, fsyncs the directory after creating them, clears stale reader slots left by dead
 * processes, and checks the meta record's format version.
 *
 * Several processes may open the same database at once (see docs/ARCHITECTURE.md,
 * "Several processes"). Within one process, opening a path that this process already has open
 * fails with EDDY_EBUSY: share the handle instead.
 *
 * @param[in]  path     database directory; borrowed for the call.
 * @param[in]  options  NULL for defaults; borrowed for the call (callbacks and their ctx are
 *                      retained until eddy_env_close).
 * @param[out] out      the environment, or NULL on failure. Release with eddy_env_close.
 * @return 0, or
 *   EDDY_EINVAL     NULL path/out, empty path, or an out-of-range option;
 *   EDDY_ENOTFOUND  EDDY_ENV_NOCREATE or EDDY_ENV_READONLY and no database at `path`;
 *   EDDY_EBUSY      this process already has `path` open;
 *   EDDY_EVERSION   the database was written by a newer format version (or is not Eddy's);
 *   EDDY_ECORRUPT   the LMDB files or the meta record are damaged;
 *   EDDY_EIO        the operating system refused (permissions, not a directory, ...);
 *   EDDY_EFULL      no space to create the files;
 *   EDDY_ENOMEM     out of memory.
 * Thread rule: any thread.
 */
EDDY_API int eddy_env_open(const char *path, const eddy_env_options *options, eddy_env **out);

/**
 * Close an environment: finish and commit pending relaxed writes, stop Eddy's threads, release
 * the files. Accepts NULL (returns 0).
 *
 * @return 0, or EDDY_EBUSY while handles opened from this environment (pollers, batches held
 *   elsewhere are not counted) are still open: the environment then stays open and usable;
 *   EDDY_EIO/EDDY_EFULL if the final commit of relaxed writes failed (the env is closed anyway).
 * Thread rule: no other thread may use `env` during or after the call.
 */
EDDY_API int eddy_env_close(eddy_env *env);

/**
 * Make every acknowledged write durable now (only matters in relaxed mode; a no-op when
 * durable). Returns after the commit's sync.
 * @return 0, EDDY_EINVAL (NULL env), EDDY_EPANIC, EDDY_EIO, EDDY_EFULL.
 * Thread rule: any thread.
 */
EDDY_API int eddy_env_sync(eddy_env *env);

/** Environment-wide figures for eddy_env_stat. */
typedef struct eddy_env_stat {
    uint32_t format_version;   /* on-disk format version of this database */
    uint64_t created_ms;       /* when the database was created */
    uint64_t file_size;        /* bytes of data.mdb on disk */
    uint64_t map_size;         /* current LMDB map size in bytes */
    uint64_t page_size;        /* LMDB page size in bytes */
    uint64_t pages_used;       /* pages in use by the last commit (last page number + 1) */
    uint64_t pages_free;       /* pages on LMDB's free list, reusable */
    uint32_t readers_max;      /* reader slots */
    uint32_t readers_used;     /* reader slots in use */
    uint32_t queue_count;      /* number of queues */
    uint32_t stream_count;     /* number of streams */
    uint64_t commits;          /* write transactions committed by this handle since open */
    uint64_t ops_committed;    /* operations they carried (ops_committed / commits = group size) */
    uint64_t map_grows;        /* times this handle grew the map */
    char lmdb_version[64];     /* the LMDB library in use, e.g. "LMDB 0.9.24: (July 24, 2019)" */
} eddy_env_stat;

/**
 * Read environment-wide statistics (one short read transaction).
 * @param[out] out  filled on success; unchanged on failure.
 * @return 0, EDDY_EINVAL (NULL argument), EDDY_EPANIC, EDDY_EIO, EDDY_ECORRUPT.
 * Thread rule: any thread.
 */
EDDY_API int eddy_env_stat_get(eddy_env *env, eddy_env_stat *out);

/**
 * Called by eddy_env_verify once per problem found. `table` names the LMDB table, `key` is the
 * exact key (borrowed for the call), `what` is a sentence. Return nonzero to stop verifying.
 */
typedef int (*eddy_verify_fn)(void *ctx, const char *table, eddy_slice key, const char *what);

/**
 * Check every record's checksum and every structural invariant of every table (key formats,
 * counters, index entries against records, chunks against their owners, and the invariants each
 * queue and stream module adds). Runs in one read transaction: concurrent writers continue, but
 * on a large database the snapshot is held for the length of the check.
 *
 * @param[in]  cb        called per problem; may be NULL (then only the count is reported).
 * @param[out] problems  number of problems found (0 = clean). May be NULL.
 * @return 0 when the check ran (whatever it found), EDDY_EUSER if cb asked to stop,
 *   EDDY_EINVAL (NULL env), EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 * Thread rule: any thread.
 */
EDDY_API int eddy_env_verify(eddy_env *env, eddy_verify_fn cb, void *ctx, uint64_t *problems);

/** Flags for eddy_env_copy. */
#define EDDY_COPY_COMPACT 1u

/**
 * Write a consistent copy of the database (one snapshot; writers continue meanwhile) into
 * directory `dst_dir`, created if missing, then fsync the copy and the directory. With
 * EDDY_COPY_COMPACT, free pages are left out and pages renumbered, so the copy is as small as
 * the live data. The copy is a complete database: open it with eddy_env_open.
 * @return 0, or
 *   EDDY_EINVAL  NULL env, NULL/empty dst_dir, unknown flags;
 *   EDDY_EEXIST  dst_dir already holds a database (data.mdb);
 *   EDDY_EIO     the directory or file could not be created or synced;
 *   EDDY_EFULL   no space for the copy;
 *   EDDY_EPANIC  the environment is poisoned.
 * Thread rule: any thread; the copy holds a read snapshot for its duration.
 */
EDDY_API int eddy_env_copy(eddy_env *env, const char *dst_dir, uint32_t flags);

/**
 * Compact the database at `path` in place: make a compacting copy in `path`/compact.tmp, verify
 * it (eddy_env_verify must find nothing), then rename it over data.mdb and fsync the directory.
 * The database must not be open anywhere: the call holds path/eddy.lock exclusively throughout,
 * and eddy_env_open in other processes waits until it is done. A crash at any point leaves the
 * old or the new file, both complete.
 * @param[in]  options      as for eddy_env_open (NULL for defaults); READONLY is refused.
 * @param[out] size_before  file size before, in bytes (may be NULL).
 * @param[out] size_after   file size after (may be NULL).
 * @return 0, or
 *   EDDY_EINVAL    NULL/empty path, READONLY options;
 *   EDDY_ENOTFOUND no database at path;
 *   EDDY_EBUSY     the database is open in this or another process;
 *   EDDY_ECORRUPT  the copy failed verification (the original is left as it was);
 *   EDDY_EVERSION, EDDY_EIO, EDDY_EFULL, EDDY_ENOMEM as for eddy_env_open and eddy_env_copy.
 * Thread rule: any thread.
 */
EDDY_API int eddy_env_compact(const char *path, const eddy_env_options *options,
                              uint64_t *size_before, uint64_t *size_after);

/* ---------------------------------------------------------------------------------------------
 * Queues (SQS semantics). Declared in the section below, implemented in engine/queue*.c.
 */

/* @@QUEUE-API@@ */

/* ---------------------------------------------------------------------------------------------
 * Streams (Kinesis semantics) and checkpoints. Implemented in engine/stream*.c.
 */

/* @@STREAM-API@@ */

#ifdef __cplusplus
}
#endif
#endif /* EDDY_H */
