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
 * The write errors.  Every call that writes can also fail with: EDDY_EINVAL (the environment was
 *   opened read-only), EDDY_ECORRUPT (the handle is fenced: a damaged page was found), EDDY_EPANIC
 *   (the environment is poisoned: close and reopen), EDDY_EIO, EDDY_EFULL (disk or map_size_max;
 *   writes that add data fail first, see disk_reserve), EDDY_ENOMEM and EDDY_ECLOSED (the
 *   environment is closing). A function's list says "and the write errors" for these.
 *
 * Ownership.  The caller owns what it passes in; Eddy copies what it keeps and holds no pointer to
 *   caller memory after a call returns. What Eddy hands out (handles, batches) is Eddy's until the
 *   documented release call. Release calls return void and accept NULL.
 *
 * Threads.  Every function may be called from any thread, concurrently, on a shared eddy_env;
 *   a function whose comment has a "Thread rule" is an exception and says its own. Handles are
 *   not valid in a child after fork(); the child may only exec or exit.
 *
 * NULL.  A NULL pointer where an object is required is EDDY_EINVAL, never a crash.
 *
 * Options.  A zero field means the default written next to it. Pass NULL for all defaults.
 *
 * Growth (decision 0008).  Every struct that the caller allocates (options, entries, results,
 *   stats and info outputs) begins with `uint32_t size`, which the caller sets to the sizeof it
 *   was compiled with, by initialising with the type's EDDY_<TYPE>_INIT macro:
 *       eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
 *   A struct only ever grows at its end, so a library and a caller built against different
 *   versions of this header agree on the fields they both know:
 *   - Input: Eddy reads min(size, its own sizeof) bytes and treats fields past `size` as zero
 *     (their defaults). Bytes past its own sizeof must be zero (fields this library does not
 *     know, left unset); else EDDY_EINVAL ("unknown option set"). size 0, smaller than the
 *     first published version of the struct, or above EDDY_STRUCT_SIZE_MAX (4096), is
 *     EDDY_EINVAL (not initialised), for inputs and outputs alike.
 *   - Output: Eddy writes at most `size` bytes and sets `size` to the number of bytes it wrote:
 *     EDDY_HAS_FIELD(ptr, type, field) tells whether an (older) library filled `field`.
 *   - Arrays: the stride of an array of such structs is the size of element 0. Every element of
 *     an input array carries the same size (else EDDY_EINVAL naming the index). In an output
 *     array the caller sets only out[0].size (`eddy_stream_shard s[64] = {EDDY_STREAM_SHARD_INIT}`)
 *     and Eddy sets size in every element it fills. An output array of more than 10000
 *     elements (a large list capacity) must have this library's element size (else EDDY_EINVAL).
 *   - Lent structs (received messages, records, poller batches and items, reader slots) also
 *     begin with `size`, the library's sizeof, and have no INIT macro; they are handed out one
 *     at a time, by accessors (eddy_queue_batch_message(b, i)) or to a callback
 *     (eddy_env_readers), never as arrays to index.
 *   Callback pairs nested in a struct (eddy_clock, eddy_rng, eddy_allocator, eddy_progress,
 *   eddy_log) are part of their parent. eddy_slice, eddy_queue_attr and eddy_stream_iterator are
 *   fixed value types with no size: they never change. Input strings are `const char *`,
 *   borrowed for the call; fixed char arrays appear only in output structs.
 *
 * Names.  Functions are eddy_<noun>_<verb> (eddy_queue_get_attributes, eddy_stream_get_attributes).
 *   Enum constants are EDDY_<NOUN>_<KIND>_<VALUE> (EDDY_STREAM_ITER_LATEST), flag bits
 *   EDDY_<NOUN>_<FLAG> (EDDY_ENV_READONLY), set-by-mask bits EDDY_<NOUN>_SET_<FIELD>. A field that
 *   holds an enum value is an `int`; a field of flag bits is a `uint32_t`.
 *
 * Durability.  A write call returns only after its change is on stable storage (fdatasync
 *   returned), unless the environment was opened with EDDY_ENV_DURABILITY_RELAXED (see
 *   eddy_env_options). Concurrent writers share commits (group commit).
 *
 * Time.  Timestamps are milliseconds since the Unix epoch (UTC), taken from the environment's
 *   clock (eddy_env_options.clock), never from the system directly.
 *
 * Logging.  Eddy never writes to stdout or stderr; it passes messages to eddy_env_options.log,
 *   and without one it is silent.
 *
 * Experimental.  Test controls (fault injection, unsafe no-sync) are outside the stable API, in
 *   the section at the end of this file that exists only when EDDY_TEST_HOOKS is defined.
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
#define EDDY_VERSION_MINOR  2
#define EDDY_VERSION_PATCH  0
#define EDDY_FORMAT_VERSION 2

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
 * and logs; decide on success only from return codes. Every failed call sets it, also when the
 * failure was found on the writer thread; a batch call that succeeds while some of its entries
 * failed sets it to the message of its first failed entry.
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

/**
 * Growth (see CONVENTIONS). EDDY_<TYPE>_INIT is EDDY__INIT(eddy_<type>): the struct with `size`
 * set to its sizeof in the caller's compilation and every other field zero. Usable as an
 * initialiser and, cast to its type, as a value: `o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT`.
 */
#ifdef __cplusplus
#define EDDY__INIT(type)                                                                           \
    ([] {                                                                                          \
        type eddy_t_{};                                                                            \
        eddy_t_.size = sizeof(type);                                                               \
        return eddy_t_;                                                                            \
    }())
#else
#define EDDY__INIT(type)                                                                           \
    {                                                                                              \
        .size = sizeof(type)                                                                       \
    }
#endif

/**
 * No public struct ever grows past this many bytes: a larger `size` is refused with EDDY_EINVAL
 * as a struct left uninitialised (garbage), rather than read or written past the caller's memory.
 */
#define EDDY_STRUCT_SIZE_MAX 4096u

/**
 * True when the struct at `ptr`, whose `size` field says how many of
 * its bytes were written or read, includes all of `field`: use it on a struct that an older
 * library filled, or that an older caller passed in.
 */
#define EDDY_HAS_FIELD(ptr, type, field)                                                           \
    ((ptr)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

/**
 * Growth: set `size` in each of the n elements of array `a`, for arrays that are not initialised
 * element by element with EDDY_<TYPE>_INIT (heap arrays, input arrays filled in a loop). An
 * output array needs only its element 0 set; an input array needs every element.
 */
#define EDDY_ARRAY_INIT(a, n)                                                                      \
    do {                                                                                           \
        for (size_t eddy_i_ = 0; eddy_i_ < (size_t)(n); eddy_i_++)                                 \
            (a)[eddy_i_].size = (uint32_t)sizeof((a)[0]);                                          \
    } while (0)

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

/** Log levels (eddy_env_options.log_level); a message is passed on when its level <= it. */
enum eddy_log_level {
    EDDY_LOG_NONE = 0,  /**< default: nothing */
    EDDY_LOG_ERROR = 1, /**< the environment was poisoned or fenced */
    EDDY_LOG_WARN = 2,  /**< something was repaired or skipped; the call went on */
    EDDY_LOG_INFO = 3,  /**< rare events of note (open, close) */
    EDDY_LOG_DEBUG = 4, /**< details for Eddy's developers */
};

/**
 * Where Eddy's log messages go (eddy_env_options.log). Eddy never writes to stdout or stderr
 * itself: without this callback nothing is logged. `fn` gets an EDDY_LOG_* level and a message
 * without a trailing newline (borrowed for the call). It may be called from any thread, also
 * concurrently, possibly with Eddy's locks held: it must not call Eddy.
 */
typedef struct eddy_log {
    void (*fn)(void *ctx, int level, const char *msg);
    void *ctx;
} eddy_log;

/** Durability of write calls. */
enum eddy_durability {
    /** Default. A write call returns after its commit is on stable storage. */
    EDDY_ENV_DURABILITY_DURABLE = 0,
    /**
     * A write call returns once its change is applied in the open group transaction; the commit
     * (still fully synced) follows within relaxed_window_ms or relaxed_window_ops, whichever comes
     * first. A crash loses at most that window of acknowledged writes and never corrupts data.
     * Read-only calls see a relaxed write only after its commit.
     */
    EDDY_ENV_DURABILITY_RELAXED = 1,
};

/** Flags for eddy_env_options.flags. */
enum eddy_env_flags {
    /** Open an existing database read-only: every write call fails with EDDY_EINVAL. */
    EDDY_ENV_READONLY = 1u << 0,
    /** Fail with EDDY_ENOTFOUND instead of creating a database that does not exist. */
    EDDY_ENV_NOCREATE = 1u << 1,
    /**
     * Check every LMDB page of the file before using it (eddy_env_open: EDDY_ECORRUPT names the
     * first damaged page). LMDB does not validate pages when it reads them, so a damaged page
     * that this check would catch can otherwise crash the process when it is first read.
     * Costs one read of the whole file at open (see docs/decisions/0006). Without this flag
     * open checks the meta pages and each table's root page only, in constant time.
     */
    EDDY_ENV_CHECK = 1u << 2,
    /**
     * Before opening, check every page of both snapshots; when the newest is damaged and the
     * previous passes, roll back to the previous one as eddy_env_recover does (the damaged file
     * is kept as data.mdb.damaged-N, and the rollback is logged at EDDY_LOG_WARN). Costs two
     * reads of the whole file at every open, and a copy of it when it rolls back. Skipped when
     * another handle or process has the database open (it then opened, so it needs no
     * rollback), and with EDDY_ENV_READONLY. When both snapshots are damaged the open fails
     * with EDDY_ECORRUPT as eddy_env_recover does. Not the default:
     * docs/decisions/0016-recover-and-salvage.md says why.
     */
    EDDY_ENV_RECOVER = 1u << 3,
};

/**
 * Progress of a long call (eddy_env_copy, eddy_env_compact, eddy_env_verify, an open with
 * EDDY_ENV_CHECK), set in eddy_env_options.progress. `fn` gets the step ("check": LMDB pages
 * read of the pages in the file; "copy": bytes written of the source's size; "verify": records
 * read of the records stored) and `done` of `total` (an estimate; done may pass it). It is called
 * about ten times a second at most and never concurrently with itself, possibly from a thread Eddy
 * runs for the call; it must not call Eddy on the same environment.
 */
typedef struct eddy_progress {
    void (*fn)(void *ctx, const char *step, uint64_t done, uint64_t total);
    void *ctx;
} eddy_progress;

typedef struct eddy_env_options {
    uint32_t size; /* sizeof: set by EDDY_ENV_OPTIONS_INIT (CONVENTIONS, Growth) */
    /** EDDY_ENV_* flags. Default 0: create if missing, read-write. */
    uint32_t flags;
    /** EDDY_ENV_DURABILITY_*. Default EDDY_ENV_DURABILITY_DURABLE. */
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
    /** zstd level for payloads (1..19). Default 1 (docs/TESTING.md has the measurements). */
    int compression_level;
    /**
     * Payloads shorter than this are stored uncompressed unless a trained dictionary applies
     * (queues and streams with a dictionary compress every payload). Default 512 bytes.
     */
    uint32_t compression_min_len;
    /** Clock. Default: the system real-time clock. */
    eddy_clock clock;
    /** Randomness. Default: a generator seeded from the system. */
    eddy_rng rng;
    /** Allocator. Default: malloc/realloc/free. */
    eddy_allocator alloc;
    /** Progress of copies, compaction and verify (eddy_progress). Default none. */
    eddy_progress progress;
    /**
     * Disk space, in bytes, kept allocated past the end of data.mdb's data so that consumers
     * can still receive, delete, trim and checkpoint when the disk is full (LMDB copies every
     * page it changes, so even a delete needs space). When the disk cannot hold the reserve,
     * writes that add data (sends, puts, restores, creating queues or streams, resharding,
     * training dictionaries, starting a redrive) fail at once with EDDY_EFULL, and every other
     * write runs on the reserve; they work again, on the same handle, as soon as there is room
     * (checked at every commit). Default 0: an eighth of the data, at least 256 KiB and at most
     * 2 MiB. EDDY_ENV_DISK_RESERVE_NONE keeps none. At most 1 TiB.
     */
    uint64_t disk_reserve;
    /**
     * Background page check: a thread of this handle checks every LMDB page of the file, as
     * eddy_env_verify's first step does, right after the open and then every this many ms by
     * the environment's clock; a damaged page fences the handle as verify does (every call but
     * eddy_env_verify and eddy_env_close then fails with EDDY_ECORRUPT). It finds damage that
     * the open's quick check did not read, or that appears while the database is open, before
     * LMDB reads it (if it gets there first). Each check reads the whole file inside one read
     * transaction. Default 0: none. At most 2^40.
     */
    uint64_t scrub_interval_ms;
    /** Log callback (eddy_log). Default none: nothing is logged anywhere. */
    eddy_log log;
    /** Most verbose EDDY_LOG_* level passed to log.fn. Default 0 (EDDY_LOG_NONE); with a
     *  callback set and log_level 0, EDDY_LOG_WARN. */
    int log_level;
} eddy_env_options;

#define EDDY_ENV_OPTIONS_INIT EDDY__INIT(eddy_env_options)

/** eddy_env_options.disk_reserve: keep no reserve (a full disk then fails every write). */
#define EDDY_ENV_DISK_RESERVE_NONE UINT64_MAX

/**
 * Open (or create) the database in directory `path`.
 *
 * Creates the directory if missing (mode 0755) unless EDDY_ENV_NOCREATE, creates or opens its
 * LMDB files, fsyncs the directory after creating them, clears stale reader slots left by dead
 * processes, and checks the meta record's format version. Before LMDB reads the file, its
 * pages are checked (decision 0006): the meta pages, the table directory and the tables an
 * open reads, whole trees up to 256 pages in all (so a file under ~1 MiB is checked whole),
 * and the root page of every larger tree; EDDY_ENV_CHECK checks every page.
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
 *   EDDY_EBUSY      this process already has `path` open (or, with EDDY_ENV_CHECK, other
 *                   processes committed so fast that no snapshot could be pinned);
 *   EDDY_EVERSION   the database was written by a newer format version, or is an LMDB
 *                   database that Eddy did not create ("not an Eddy database: ..."; read-only
 *                   or read-write, it is left unchanged);
 *   EDDY_ECORRUPT   the LMDB files or the meta record are damaged (the message names the
 *                   table and page);
 *   EDDY_EIO        the operating system refused (permissions, not a directory, ...);
 *   EDDY_EFULL      no space to create the files;
 *   EDDY_ENOMEM     out of memory.
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
 */
EDDY_API int eddy_env_sync(eddy_env *env);

/** Environment-wide figures for eddy_env_stat. */
typedef struct eddy_env_stat {
    uint32_t size;           /* sizeof: set by EDDY_ENV_STAT_INIT (CONVENTIONS, Growth) */
    uint32_t format_version; /* on-disk format version of this database */
    uint64_t created_ms;     /* when the database was created */
    uint64_t file_size;      /* bytes of data.mdb on disk */
    uint64_t map_size;       /* current LMDB map size in bytes */
    uint64_t page_size;      /* LMDB page size in bytes */
    uint64_t pages_used;     /* pages in use by the last commit (last page number + 1) */
    uint64_t pages_free;     /* pages on LMDB's free list, reusable */
    uint32_t readers_max;    /* reader slots */
    uint32_t readers_used;   /* reader slots in use */
    uint32_t queue_count;    /* number of queues */
    uint32_t stream_count;   /* number of streams */
    uint64_t commits;        /* write transactions committed by this handle since open */
    uint64_t ops_committed;  /* operations they carried (ops_committed / commits = group size) */
    uint64_t map_grows;      /* times this handle grew the map */
    uint64_t scrubs;         /* background page checks this handle completed (scrub_interval_ms) */
    char lmdb_version[64];   /* the LMDB library in use, e.g. "LMDB 0.9.24: (July 24, 2019)" */
} eddy_env_stat;

#define EDDY_ENV_STAT_INIT EDDY__INIT(eddy_env_stat)

/**
 * Read environment-wide statistics (one short read transaction).
 * @param[out] out  filled on success; unchanged on failure.
 * @return 0, EDDY_EINVAL (NULL argument), EDDY_EPANIC, EDDY_EIO, EDDY_ECORRUPT.
 */
EDDY_API int eddy_env_stat_get(eddy_env *env, eddy_env_stat *out);

/**
 * One slot of LMDB's reader table in use, lent to eddy_env_readers' callback for the call. A lent
 * struct (CONVENTIONS, Growth): Eddy allocates it and sets `size` to its own sizeof, so there is
 * no INIT macro; test a field added later with EDDY_HAS_FIELD(r, eddy_reader, field).
 */
typedef struct eddy_reader {
    uint32_t size;   /* the library's sizeof (CONVENTIONS, Growth) */
    uint32_t pid;    /* the process owning the slot */
    uint64_t thread; /* the thread that took it (its pthread_t as a number) */
    uint64_t txn_id; /* the snapshot it reads (LMDB txn id); 0 when it holds none now */
} eddy_reader;

/** Called by eddy_env_readers once per slot; return nonzero to stop (EDDY_EUSER). */
typedef int (*eddy_reader_fn)(void *ctx, const eddy_reader *r);

/**
 * List the slots of LMDB's reader table in use, by every process that has the database open
 * (what `mdb_stat -r` prints), e.g. to name who holds an old snapshot (free pages cannot be
 * reused past it) or who has the database open. A process's slot may outlive its transaction
 * (txn_id 0); slots of dead processes are cleared at the next eddy_env_open. The table is read
 * first and `cb` is called afterwards, outside any lock or transaction (it may call Eddy).
 * Reads only; works on a read-only environment.
 * @param[in] cb   called once per slot in use, in table order, with an eddy_reader lent for the
 *                 call (do not keep the pointer).
 * @param[in] ctx  passed to cb unchanged.
 * @return 0, or
 *   EDDY_EINVAL   NULL env or cb;
 *   EDDY_EUSER    cb returned nonzero (the listing stopped there; cb is not called again);
 *   EDDY_ENOMEM   out of memory (max_readers entries are collected first);
 *   EDDY_EPANIC   the environment is poisoned (close and reopen);
 *   EDDY_ECORRUPT the handle is fenced (a damaged page was found);
 *   EDDY_EIO      LMDB could not read its lock file's table.
 */
EDDY_API int eddy_env_readers(eddy_env *env, eddy_reader_fn cb, void *ctx);

/**
 * Called by eddy_env_verify once per problem found. `table` names the LMDB table, `key` is the
 * exact key (borrowed for the call), `what` is a sentence. Return nonzero to stop verifying.
 */
typedef int (*eddy_verify_fn)(void *ctx, const char *table, eddy_slice key, const char *what);

/**
 * Check every LMDB page of the file (decision 0006: bounds, page types, key order, depths,
 * counts, free pages), then every record's checksum and every structural invariant of every
 * table (key formats, counters, index entries against records, chunks against their owners,
 * and the invariants each queue and stream module adds). Runs in one read transaction:
 * concurrent writers continue, but on a large database the snapshot is held for the length of
 * the check. A damaged page is reported with `table` naming its tree (a table, "tables" or
 * "free pages"), an empty key and a sentence naming the page; the records are then not read
 * (LMDB does not validate pages and could crash on them), the call returns EDDY_ECORRUPT, and
 * from then on this handle refuses every call but eddy_env_verify and eddy_env_close with
 * EDDY_ECORRUPT (naming the first damaged page) rather than let LMDB read those pages.
 *
 * @param[in]  cb        called per problem; may be NULL (then only the count is reported).
 * @param[out] problems  number of problems found (0 = clean). May be NULL.
 * @return 0 when the check ran (whatever it found in records), EDDY_EUSER if cb asked to stop,
 *   EDDY_ECORRUPT when damaged LMDB pages were found or damage stopped the check part way
 *   (`problems` counts what was found until then), EDDY_EBUSY (other processes committed so
 *   fast that no snapshot could be pinned in 100 attempts), EDDY_EINVAL (NULL env),
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_env_verify(eddy_env *env, eddy_verify_fn cb, void *ctx, uint64_t *problems);

/** Flags for eddy_env_copy. */
#define EDDY_ENV_COPY_COMPACT 1u

/**
 * Write a consistent copy of the database (one snapshot; writers continue meanwhile) into
 * directory `dst_dir`, created if missing, then fsync the copy and the directory. With
 * EDDY_ENV_COPY_COMPACT, free pages are left out and pages renumbered, so the copy is as small as
 * the live data. The copy is a complete database: open it with eddy_env_open. A compacting
 * copy walks LMDB's trees, so every page is checked first (as EDDY_ENV_CHECK does).
 * @return 0, or
 *   EDDY_EINVAL  NULL env, NULL/empty dst_dir, unknown flags;
 *   EDDY_EEXIST  dst_dir already holds a database (data.mdb);
 *   EDDY_ECORRUPT a damaged page (compacting copies; the message names it);
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
 *   EDDY_EBUSY     the database is open in this or another process (the message names the
 *                  processes, "held by pid 123, pid 456", where /proc/locks tells);
 *   EDDY_ECORRUPT  the copy failed verification (the original is left as it was);
 *   EDDY_EFULL     no room on the disk for the compacted copy, even after giving the disk
 *                  reserve past the data back (the message says so; the original is intact;
 *                  a drained full disk compacts);
 *   EDDY_EVERSION, EDDY_EIO, EDDY_ENOMEM as for eddy_env_open and eddy_env_copy.
 */
EDDY_API int eddy_env_compact(const char *path, const eddy_env_options *options,
                              uint64_t *size_before, uint64_t *size_after);

/** Flags for eddy_env_recover. */
enum eddy_recover_flags {
    /** Check and report only: nothing is written. */
    EDDY_RECOVER_DRY_RUN = 1u << 0,
    /** Do not keep the damaged original as data.mdb.damaged-N. */
    EDDY_RECOVER_DISCARD_DAMAGED = 1u << 1,
};

/** What eddy_env_recover found and did (eddy_recover_info.action). */
enum eddy_recover_action {
    /** The newest snapshot passed the check: nothing to do, nothing was written. */
    EDDY_RECOVER_NONE = 0,
    /** The database was rolled back to the previous snapshot. */
    EDDY_RECOVER_ROLLED_BACK = 1,
    /** EDDY_RECOVER_DRY_RUN: it would roll back (nothing was written). */
    EDDY_RECOVER_WOULD_ROLL_BACK = 2,
};

/** The report of eddy_env_recover. */
typedef struct eddy_recover_info {
    uint32_t size;           /* sizeof: set by EDDY_RECOVER_INFO_INIT (CONVENTIONS, Growth) */
    uint32_t action;         /* an eddy_recover_action */
    uint64_t newest_txn;     /* transaction id of the newest meta page, as LMDB would pick it */
    uint64_t previous_txn;   /* transaction id of the other meta page */
    uint64_t lost_txn;       /* the transaction rolled back (previous_txn + 1), or 0 */
    uint64_t newest_pages;   /* last page + 1 of the newest snapshot, as its meta page says */
    uint64_t previous_pages; /* last page + 1 of the previous snapshot */
    char reason[256];        /* why the newest snapshot was refused ("" when it was not) */
    char damaged_file[64];   /* file in the database directory holding the original, or "" */
} eddy_recover_info;

#define EDDY_RECOVER_INFO_INIT EDDY__INIT(eddy_recover_info)

/**
 * Roll the database at `path` back to its previous snapshot when the newest one is damaged.
 *
 * LMDB keeps two meta pages, for the newest commit and the one before, and opens at the newest;
 * LMDB 0.9.24 cannot be told to open at the other. A meta page write torn below a disk sector
 * (its transaction id new, its roots old, or the reverse, or garbage) can leave the newest
 * snapshot unreadable while the previous one is whole. This call checks every page of both
 * snapshots through pread (decision 0006). It refuses the newest when its check fails, or when
 * it is older than it claims (it lacks the free-page record of the previous transaction: a new
 * transaction id over old roots). When the newest is refused and the previous
 * passes, it builds the rolled-back file aside (path/recover.tmp/data.mdb: a copy whose damaged
 * meta page is rewritten from the previous one with a lower transaction id, so LMDB picks the
 * previous), verifies it with eddy_env_verify, fsyncs it, keeps the original as
 * path/data.mdb.damaged-N (a hard link; N = lost_txn) unless EDDY_RECOVER_DISCARD_DAMAGED,
 * renames the copy over data.mdb and fsyncs the directory. A power cut at any point leaves the
 * old data.mdb or the rolled-back one, both complete. The original's bytes are never changed.
 * At most one transaction is lost: the one whose meta page write was torn, which Eddy never
 * acknowledged (an acknowledgement follows the meta write's sync).
 *
 * The database must not be open anywhere: the call holds path/eddy.lock exclusively, and
 * eddy_env_open elsewhere waits until it is done. Progress goes to options->progress ("check").
 *
 * @param[in]  path     database directory; borrowed.
 * @param[in]  options  as for eddy_env_open (NULL for defaults); READONLY is refused.
 * @param[in]  flags    EDDY_RECOVER_* flags.
 * @param[out] info     what was found and done (may be NULL; else initialise it with
 *                      EDDY_RECOVER_INFO_INIT). Filled also when the call fails after checking.
 * @return 0 when the newest snapshot is sound or was rolled back (info->action tells), or
 *   EDDY_EINVAL    NULL/empty path, unknown flags, READONLY options, an uninitialised info;
 *   EDDY_ENOTFOUND no database at path;
 *   EDDY_EBUSY     the database is open in this or another process (the message names them);
 *   EDDY_ECORRUPT  the newest snapshot is damaged and so is the previous one (the message names
 *                  the first damage of each; salvage with `eddy export --salvage`), or the
 *                  rolled-back copy failed eddy_env_verify (nothing was renamed);
 *   EDDY_EEXIST    100 files data.mdb.damaged-N* exist already;
 *   EDDY_EFULL     no room for the copy; EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_env_recover(const char *path, const eddy_env_options *options, uint32_t flags,
                              eddy_recover_info *info);

/* ---------------------------------------------------------------------------------------------
 * Queues (SQS semantics).
 */

/*
 * A queue is a named, durable set of messages with the semantics of an Amazon SQS standard queue:
 * at-least-once delivery, best-effort order, a visibility timeout per receive, receipt handles,
 * dead-letter queues and redrive. Queues are addressed by name (1..80 bytes of [A-Za-z0-9_-]);
 * every call names its queue. docs/SEMANTICS.md "Queues" lists each behaviour, the places where
 * Eddy differs from SQS, and the tests that check them.
 *
 * Durations are in milliseconds. Where 0 means "default" but zero is also a legal value, pass
 * EDDY_QUEUE_ZERO_MS to ask for an explicit zero.
 */

/** An explicit zero for a duration field whose 0 means "default". */
#define EDDY_QUEUE_ZERO_MS UINT32_MAX
/** Longest queue name in bytes. */
#define EDDY_QUEUE_NAME_MAX 80
/** Length of a receipt handle in characters (lower-case hex), without the terminating NUL. */
#define EDDY_QUEUE_RECEIPT_LEN 66
/** Most message attributes per message. */
#define EDDY_QUEUE_ATTRS_MAX 10
/** Most source queues in a redrive-allow policy. */
#define EDDY_QUEUE_ALLOW_MAX 10
/** Hard upper bound of body_len_max (the configurable maximum message size). */
#define EDDY_QUEUE_BODY_LEN_LIMIT (16u * 1024u * 1024u)
/** FIFO queues (decision 0013): longest MessageGroupId, MessageDeduplicationId and
 *  ReceiveRequestAttemptId, in bytes (SQS: 128 characters of ASCII 33..126). */
#define EDDY_QUEUE_FIFO_ID_MAX 128
/** Characters of a FIFO sequence number (without NUL): 39 decimal digits, zero-padded, so that
 *  string order is numeric order. */
#define EDDY_QUEUE_SEQ_LEN 39
/** The deduplication interval and a receive attempt's lifetime (SQS: 5 minutes). */
#define EDDY_QUEUE_DEDUP_WINDOW_MS 300000u
/** Most messages of one group in flight at once; a receive takes no more of that group. */
#define EDDY_QUEUE_GROUP_IN_FLIGHT_MAX 128
/** Most messages a receive with an attempt id may ask for (max_messages). */
#define EDDY_QUEUE_ATTEMPT_MESSAGES_MAX 64
/** Most messages a FIFO receive looks at to find groups that are not blocked (SQS looks at
 *  120,000; a backlog of blocked groups longer than this hides the groups behind it). */
#define EDDY_QUEUE_FIFO_SCAN_MAX 16384

/** FIFO DeduplicationScope (eddy_queue_options.dedup_scope). */
enum eddy_queue_dedup_scope {
    EDDY_QUEUE_DEDUP_SCOPE_QUEUE = 0,         /**< default: an id is unique in the queue */
    EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP = 1, /**< an id is unique within its group */
};
/** FIFO FifoThroughputLimit (eddy_queue_options.throughput_limit). */
enum eddy_queue_throughput_limit {
    EDDY_QUEUE_THROUGHPUT_PER_QUEUE = 0,            /**< default */
    EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID = 1, /**< only with DEDUP_SCOPE_MESSAGE_GROUP */
};

/** Who may use a queue as its dead-letter queue (eddy_queue_options.redrive_allow). */
enum eddy_queue_redrive_allow {
    EDDY_QUEUE_ALLOW_ALL = 0,      /**< default: any queue */
    EDDY_QUEUE_ALLOW_DENY_ALL = 1, /**< no queue */
    EDDY_QUEUE_ALLOW_BY_QUEUE = 2, /**< only the queues named in allow_sources */
};

/** Queue attributes. Initialise with EDDY_QUEUE_OPTIONS_INIT; each zero field means the default
 *  written next to it. */
typedef struct eddy_queue_options {
    uint32_t size; /* sizeof: set by EDDY_QUEUE_OPTIONS_INIT (CONVENTIONS, Growth) */
    /** Visibility timeout of a receive. Default 30000; at most 43200000 (12 h); ZERO_MS for 0. */
    uint32_t visibility_timeout_ms;
    /** Delivery delay of a new message. Default 0; at most 900000 (15 min). */
    uint32_t delay_ms;
    /** Retention, from a message's first enqueue. Default 345600000 (4 d); 60000..1209600000. */
    uint64_t retention_ms;
    /** Largest message: body plus attribute names, types and values. Default 1048576;
     *  1024..EDDY_QUEUE_BODY_LEN_LIMIT. */
    uint32_t body_len_max;
    /** Long-poll wait of a receive that does not set its own. Default 0; at most 20000. */
    uint32_t receive_wait_ms;
    /** Dead-letter queue name (redrive policy); NULL or "" (default) for none. It must exist.
     *  Borrowed for the call. */
    const char *dlq_name;
    /** Receives after which a message moves to the dead-letter queue. Default 10; 1..1000. */
    uint32_t max_receive_count;
    /** EDDY_QUEUE_ALLOW_*: which queues may name this one as dead-letter queue. Default ALL. */
    int redrive_allow;
    /** BY_QUEUE only: allow_source_count (1..EDDY_QUEUE_ALLOW_MAX) allowed source queue names.
     *  Borrowed for the call. */
    const char *const *allow_sources;
    size_t allow_source_count;
    /** Messages received and not yet deleted, at most. Default 120000; at most 100000000. */
    uint32_t in_flight_max;
    /** Most entries in one batch call and most messages per receive. Default 10; at most 1000. */
    uint32_t batch_max;
    /* Appended (growth): FIFO queues (issue 15, decision 0013). */
    /** 1: a FIFO queue (SQS FifoQueue): message groups delivered in order, deduplication,
     *  sequence numbers. Set at creation only; the name must end in ".fifo" (and a queue whose
     *  name ends in ".fifo" must be FIFO); the dead-letter queue must be FIFO too. Default 0. */
    uint32_t fifo;
    /** FIFO: 1 to deduplicate sends without a dedup_id by the SHA-256 of their body
     *  (ContentBasedDeduplication). Default 0: such sends are refused. */
    uint32_t content_based_dedup;
    /** FIFO: EDDY_QUEUE_DEDUP_SCOPE_* (DeduplicationScope). Default QUEUE. */
    int dedup_scope;
    /** FIFO: EDDY_QUEUE_THROUGHPUT_* (FifoThroughputLimit). Default PER_QUEUE. Stored and
     *  reported; Eddy applies no throughput quota in either mode. */
    int throughput_limit;
} eddy_queue_options;

#define EDDY_QUEUE_OPTIONS_INIT EDDY__INIT(eddy_queue_options)

/** Bits for eddy_queue_set_attributes' mask: which fields of the options to apply. */
enum eddy_queue_set_mask {
    EDDY_QUEUE_SET_VISIBILITY = 1u << 0,
    EDDY_QUEUE_SET_DELAY = 1u << 1,
    EDDY_QUEUE_SET_RETENTION = 1u << 2,
    EDDY_QUEUE_SET_BODY_LEN_MAX = 1u << 3,
    EDDY_QUEUE_SET_RECEIVE_WAIT = 1u << 4,
    EDDY_QUEUE_SET_REDRIVE = 1u << 5,       /**< dlq_name and max_receive_count together */
    EDDY_QUEUE_SET_REDRIVE_ALLOW = 1u << 6, /**< redrive_allow and allow_sources together */
    EDDY_QUEUE_SET_IN_FLIGHT_MAX = 1u << 7,
    EDDY_QUEUE_SET_BATCH_MAX = 1u << 8,
    /** FIFO queues only: content_based_dedup, dedup_scope and throughput_limit together. */
    EDDY_QUEUE_SET_FIFO = 1u << 9,
    EDDY_QUEUE_SET_ALL = (1u << 10) - 1,
};

/**
 * Create queue `name` with `options` (NULL for all defaults).
 *
 * Creating a queue that exists with the same attributes (after defaults are applied) succeeds
 * and changes nothing.
 *
 * @param[in] name     queue name; borrowed for the call.
 * @param[in] options  NULL or attributes; borrowed for the call.
 * @return 0, or
 *   EDDY_EINVAL     NULL env/name, a bad name, an attribute out of range, a dead-letter queue
 *                   that is the queue itself, or whose redrive-allow policy refuses this queue;
 *                   FIFO: fifo without a name ending in ".fifo" or a ".fifo" name without
 *                   fifo; FIFO attributes (content_based_dedup, dedup_scope, throughput_limit)
 *                   on a standard queue; throughput PER_MESSAGE_GROUP_ID without scope
 *                   MESSAGE_GROUP; a dead-letter queue of the other type (FIFO/standard);
 *   EDDY_ENOTFOUND  the named dead-letter queue does not exist;
 *   EDDY_EEXIST     the queue exists with different attributes;
 *   and the write errors.
 */
EDDY_API int eddy_queue_create(eddy_env *env, const char *name, const eddy_queue_options *options);

/**
 * Change some attributes of queue `name`: each field whose bit is set in `mask` is applied (a
 * zero field then means its default); the others keep their value. Changing the delay is not
 * retroactive; lowering the retention applies to stored messages at their next trim or receive.
 * A queue's `fifo` never changes (it is not in any mask bit).
 * @return 0, or EDDY_EINVAL (NULL argument, mask 0 or unknown bits, a value out of range, a bad
 *   dead-letter queue as for create, EDDY_QUEUE_SET_FIFO with a nonzero FIFO field on a
 *   standard queue, or FIFO attributes as refused by create), EDDY_ENOTFOUND (no such queue, or no
 * such dead-letter queue), and the write errors.
 */
EDDY_API int eddy_queue_set_attributes(eddy_env *env, const char *name,
                                       const eddy_queue_options *options, uint32_t mask);

/** A queue's attributes and exact counts, filled by eddy_queue_get_attributes. */
typedef struct eddy_queue_info {
    uint32_t size; /* sizeof: set by EDDY_QUEUE_INFO_INIT (CONVENTIONS, Growth) */
    uint64_t id;   /* the queue's internal id; a re-created queue gets a new one */
    uint64_t created_ms;
    uint64_t modified_ms;
    uint64_t messages;      /* exact: messages stored (visible, in flight and delayed) */
    uint64_t in_flight;     /* exact: received, visibility timeout still running */
    uint64_t visible;       /* exact: receivable now (messages - in flight - delayed) */
    uint64_t oldest_age_ms; /* age of the oldest message by enqueue time; 0 when empty */
    /* The attributes (eddy_queue_options' fields), every default applied. */
    uint32_t visibility_timeout_ms;
    uint32_t delay_ms;
    uint64_t retention_ms;
    uint32_t body_len_max;
    uint32_t receive_wait_ms;
    char dlq_name[EDDY_QUEUE_NAME_MAX + 1]; /* "" for none */
    uint32_t max_receive_count;
    int redrive_allow; /* EDDY_QUEUE_ALLOW_* */
    char allow_sources[EDDY_QUEUE_ALLOW_MAX][EDDY_QUEUE_NAME_MAX + 1];
    size_t allow_source_count;
    uint32_t in_flight_max;
    uint32_t batch_max;
    /* Appended (growth): a count, with messages, in_flight and visible above. */
    uint64_t delayed; /* exact: never received, delivery delay still running */
    /* Appended (growth): the FIFO attributes (eddy_queue_options'), all 0 for a standard queue. */
    uint32_t fifo;
    uint32_t content_based_dedup;
    int dedup_scope;      /* EDDY_QUEUE_DEDUP_SCOPE_* */
    int throughput_limit; /* EDDY_QUEUE_THROUGHPUT_* */
    /**
     * Appended (growth): the id the queue's next stored message will get (ids start at 1 and
     * only grow, sends, redrives and imports alike), so the difference between two reads is the
     * number of messages stored meanwhile however fast they were consumed. Restarts with a
     * re-created queue (a new `id`).
     */
    uint64_t next_msg_id;
} eddy_queue_info;

#define EDDY_QUEUE_INFO_INIT EDDY__INIT(eddy_queue_info)

/**
 * Read queue `name`'s attributes and counts. The counts are those of eddy_queue_stat_get (one
 * definition, one function in the engine), read from the counters and the part of the
 * visibility index past now: O(log n + in flight + delayed + messages sent in the last 15
 * minutes), no scan of the visible messages.
 * @param[out] out  filled on success; unchanged on failure.
 * @return 0, EDDY_EINVAL (NULL argument or bad name), EDDY_ENOTFOUND (no such queue),
 *   EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_queue_get_attributes(eddy_env *env, const char *name, eddy_queue_info *out);

/** Exact counts at one instant, filled by eddy_queue_stat_get. */
typedef struct eddy_queue_stat {
    uint32_t size;          /* sizeof: set by EDDY_QUEUE_STAT_INIT (CONVENTIONS, Growth) */
    uint64_t messages;      /* stored */
    uint64_t visible;       /* receivable now */
    uint64_t in_flight;     /* received, visibility timeout still running */
    uint64_t delayed;       /* never received, delivery delay still running */
    uint64_t oldest_age_ms; /* by enqueue time; 0 when empty */
    uint64_t expired;       /* past retention, awaiting trim (counted in messages too) */
    /* Appended (growth): FIFO queues; 0 for a standard queue. */
    uint64_t groups;         /* message groups with messages stored */
    uint64_t groups_blocked; /* of them, groups with a message in flight (nothing later of the
                              * group is delivered until it is deleted or visible again) */
} eddy_queue_stat;

#define EDDY_QUEUE_STAT_INIT EDDY__INIT(eddy_queue_stat)

/**
 * Count queue `name`'s messages exactly, in one read snapshot. Costs O(messages): meant for
 * tools and tests; use eddy_queue_get_attributes on hot paths.
 * @return 0, EDDY_EINVAL (NULL argument or bad name), EDDY_ENOTFOUND, EDDY_ECORRUPT,
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_queue_stat_get(eddy_env *env, const char *name, eddy_queue_stat *out);

/** Called by eddy_queue_list once per queue, in name order. Nonzero stops the listing. */
typedef int (*eddy_queue_list_fn)(void *ctx, const char *name);

/**
 * List the queues whose names start with `prefix` (NULL or "" for all). The names are collected
 * in one snapshot, then passed to `fn` outside any transaction (fn may call Eddy). `name` is
 * valid during the callback only.
 * @return 0, EDDY_EUSER (fn returned nonzero), EDDY_EINVAL (NULL env or fn), EDDY_ECORRUPT,
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM. On failure fn was not called.
 */
EDDY_API int eddy_queue_list(eddy_env *env, const char *prefix, eddy_queue_list_fn fn, void *ctx);

/**
 * Delete queue `name` and all its messages and redrive tasks. Messages are removed in bounded
 * transactions (a few thousand each), so a large queue never blocks other writers for long; the
 * queue disappears in the last one. Messages it sent to a dead-letter queue stay there.
 * @return 0, EDDY_EINVAL (NULL argument or bad name), EDDY_ENOTFOUND (no such queue), EDDY_EBUSY
 *   (senders kept adding messages faster than they could be removed; some were removed), and
 *   the write errors.
 */
EDDY_API int eddy_queue_delete(eddy_env *env, const char *name);

/** A message attribute (SQS MessageAttribute). */
typedef struct eddy_queue_attr {
    /** 1..256 bytes of [A-Za-z0-9_.-], not starting or ending with '.', no "..". NUL-ended. */
    const char *name;
    /** "String", "Number" or "Binary", optionally followed by "." and a suffix; <= 256 bytes. */
    const char *type;
    /** The value, 1 byte or more. */
    eddy_slice value;
} eddy_queue_attr;

/** One message to send. */
typedef struct eddy_queue_send_entry {
    uint32_t size; /* sizeof: set by EDDY_QUEUE_SEND_ENTRY_INIT (CONVENTIONS, Growth) */
    /** The body: 1..body_len_max bytes of any content (Eddy does not restrict the bytes). */
    eddy_slice body;
    /** Delivery delay; 0 means the queue's delay_ms; EDDY_QUEUE_ZERO_MS for none; <= 900000. */
    uint32_t delay_ms;
    /** 0..EDDY_QUEUE_ATTRS_MAX attributes with distinct names (NULL when attr_count is 0). */
    const eddy_queue_attr *attrs;
    size_t attr_count;
    /* Appended (growth): FIFO queues. Both NUL-ended, 1..EDDY_QUEUE_FIFO_ID_MAX characters of
     * ASCII 33..126; NULL on a standard queue. */
    /** MessageGroupId: required on a FIFO queue. */
    const char *group_id;
    /** MessageDeduplicationId: NULL to use the SHA-256 of the body (content_based_dedup). */
    const char *dedup_id;
} eddy_queue_send_entry;

#define EDDY_QUEUE_SEND_ENTRY_INIT EDDY__INIT(eddy_queue_send_entry)

/** What a send reports per message. */
typedef struct eddy_queue_send_result {
    uint32_t size;      /* sizeof: set by EDDY_QUEUE_SEND_RESULT_INIT (CONVENTIONS, Growth) */
    int rc;             /* 0, or this entry's error (batch only) */
    uint64_t msg_id;    /* unique in the queue, increasing in send order */
    uint64_t sent_ms;   /* the send timestamp (the group commit's clock reading) */
    uint64_t body_xxh3; /* XXH3-64 (seed 0) of the body, as stored and verified on receive */
    /* Appended (growth): FIFO queues ("" and 0 on a standard queue). */
    char sequence_number[EDDY_QUEUE_SEQ_LEN + 1]; /* SequenceNumber, NUL-ended */
    /** 1 when the send was a duplicate within the deduplication interval: nothing was stored,
     *  and msg_id, sent_ms and sequence_number are the first message's. */
    uint32_t duplicate;
} eddy_queue_send_result;

#define EDDY_QUEUE_SEND_RESULT_INIT EDDY__INIT(eddy_queue_send_result)

/**
 * Send one message to queue `name`. Returns after the message is durable.
 * @param[out] out  NULL, or the message's id, timestamp and body checksum.
 * @return 0, or
 *   EDDY_EINVAL     NULL env/name/msg, bad name, empty body, a delay over 900000, a bad or
 *                   duplicate attribute name, a bad type, an empty value, more than 10 attributes;
 *                   FIFO: no group_id, a group or dedup id that is empty, too long or has a
 *                   character outside ASCII 33..126, no dedup_id on a queue without
 *                   content_based_dedup, a per-message delay_ms (SQS allows only the queue's);
 *                   standard queue: a group_id or dedup_id;
 *   EDDY_ETOOBIG    body plus attributes exceed the queue's body_len_max;
 *   EDDY_ENOTFOUND  no such queue;
 *   and the write errors.
 */
EDDY_API int eddy_queue_send(eddy_env *env, const char *name, const eddy_queue_send_entry *msg,
                             eddy_queue_send_result *out);

/**
 * Send up to batch_max messages in one durable commit. Each entry gets its own result: an entry
 * that fails validation (EDDY_EINVAL as for eddy_queue_send) is not stored, and the others are.
 * FIFO: entries are stored in entry order, so each group keeps the entries' order; an entry that
 * duplicates an earlier one (of this batch too) reports duplicate = 1.
 * The call itself succeeds when it ran, whatever the entries' results. Size is a rule of the
 * whole batch (SQS BatchRequestTooLong): when the entries together, an oversize entry included,
 * exceed body_len_max, nothing is stored, every result is EDDY_ETOOBIG and so is the call.
 * @param[out] results  n results, filled in entry order (required).
 * @return 0, or
 *   EDDY_EINVAL     NULL argument, bad name, or n == 0;
 *   EDDY_ELIMIT     n > the queue's batch_max;
 *   EDDY_ETOOBIG    the entries together (any one oversize entry among them) exceed
 *                   body_len_max: nothing was stored;
 *   EDDY_ENOTFOUND  no such queue;
 *   and the write errors (then no entry was stored).
 */
EDDY_API int eddy_queue_send_batch(eddy_env *env, const char *name,
                                   const eddy_queue_send_entry *entries, size_t n,
                                   eddy_queue_send_result *results);

/** Options of one receive. Initialise with EDDY_QUEUE_RECEIVE_OPTIONS_INIT. */
typedef struct eddy_queue_receive_options {
    uint32_t size; /* sizeof: set by EDDY_QUEUE_RECEIVE_OPTIONS_INIT (CONVENTIONS, Growth) */
    /** Most messages to return: default 1, at most the queue's batch_max. */
    uint32_t max_messages;
    /** Visibility timeout for these messages; 0 = the queue's; ZERO_MS for 0; <= 43200000. */
    uint32_t visibility_timeout_ms;
    /** Long-poll wait: 0 = the queue's receive_wait_ms; ZERO_MS for none; <= 20000. */
    uint32_t wait_ms;
    /* Appended (growth): FIFO queues. */
    /** ReceiveRequestAttemptId: NULL, or 1..EDDY_QUEUE_FIFO_ID_MAX characters of ASCII 33..126.
     *  A receive repeated with the same id within EDDY_QUEUE_DEDUP_WINDOW_MS of the first
     *  returns the same messages with the same receipts (their visibility timeout restarts),
     *  provided none of them was deleted, received again or had its visibility changed since;
     *  else it receives afresh and the id names the new result. */
    const char *attempt_id;
} eddy_queue_receive_options;

#define EDDY_QUEUE_RECEIVE_OPTIONS_INIT EDDY__INIT(eddy_queue_receive_options)

/** A received message. Every pointer is lent by its batch, valid until eddy_queue_batch_free. */
typedef struct eddy_queue_message {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    uint64_t msg_id;
    eddy_slice body;              /* the original bytes, decompressed and checksum-verified */
    const eddy_queue_attr *attrs; /* attr_count attributes; name and type are NUL-ended */
    size_t attr_count;
    uint32_t receive_count;    /* receives so far, this one included (across DLQ moves) */
    uint64_t sent_ms;          /* when it was sent to its origin queue */
    uint64_t first_receive_ms; /* when it was first received (in any queue) */
    uint64_t body_xxh3;
    /* For a message moved here as a dead letter: its origin queue's id and message id; else 0. */
    uint64_t origin_queue_id;
    uint64_t origin_msg_id;
    /** The receipt handle of this receive, NUL-ended; use it to delete or change visibility. */
    char receipt[EDDY_QUEUE_RECEIPT_LEN + 1];
    /* Appended (growth): FIFO queues (NULL and "" on a standard queue). */
    const char *group_id; /* MessageGroupId, NUL-ended */
    const char *dedup_id; /* MessageDeduplicationId (the body's SHA-256 in hex when derived) */
    char sequence_number[EDDY_QUEUE_SEQ_LEN + 1]; /* SequenceNumber, NUL-ended */
} eddy_queue_message;

/** The messages of one receive, owned by Eddy until eddy_queue_batch_free. */
typedef struct eddy_queue_batch eddy_queue_batch;

/**
 * Receive up to max_messages visible messages from queue `name`. Each returned message becomes
 * invisible until now + the visibility timeout, its receive count grows by one, its first-receive
 * time is set on its first receive, and it gets a new receipt handle: earlier handles of that
 * message stop working. In the same transaction, a message past retention is removed instead of
 * returned, and a message whose receive count has reached the queue's max_receive_count moves to
 * the dead-letter queue instead of being returned. Receiving a message never received before
 * needs an in-flight slot (in_flight_max); when none is left, such messages are skipped.
 *
 * FIFO queues (decision 0013): messages of a group are returned in send order, and while any
 * message of a group is in flight nothing later of that group is returned (to anyone) until it
 * is deleted or its visibility timeout ends; then it is returned again before the rest of its
 * group. A receive returns as many messages of one group as it can and may add other groups.
 * It looks at most at EDDY_QUEUE_FIFO_SCAN_MAX due messages (in deadline order) to find groups
 * that are not blocked, and takes at most EDDY_QUEUE_GROUP_IN_FLIGHT_MAX messages of a group in
 * flight at once. The dead-letter move of a FIFO message happens in its group's order.
 *
 * With a wait (wait_ms or the queue's receive_wait_ms), an empty result waits until a message
 * arrives or the wait ends: sends in this process wake the waiter at once; anything else (other
 * processes, timeouts running out) is noticed by polling every 50 ms. The wait is measured on the
 * system's monotonic clock, not the env clock. A receive never holds a transaction while waiting.
 *
 * @param[in]  options  NULL for defaults; borrowed for the call.
 * @param[out] out      the batch (possibly empty), or NULL on failure. Free with
 *                      eddy_queue_batch_free.
 * @return 0 (also when nothing was received: see eddy_queue_batch_count), or
 *   EDDY_EINVAL     NULL env/name/out, bad name, max_messages over batch_max, a visibility
 *                   timeout over 12 h, a wait over 20000; an attempt_id on a standard queue,
 *                   a malformed one, or one with max_messages over
 *                   EDDY_QUEUE_ATTEMPT_MESSAGES_MAX;
 *   EDDY_ENOTFOUND  no such queue;
 *   EDDY_ELIMIT     nothing was returned because the in-flight limit was reached;
 *   EDDY_ECORRUPT   a stored message failed its checksum (its key is in the detail message);
 *   and the write errors.
 * A failure after the commit (EDDY_ENOMEM or EDDY_ECORRUPT while copying the batch out) leaves
 * the messages it took in flight until their timeout runs out: received, not delivered, as
 * at-least-once delivery allows.
 * Thread rule: any thread; the batch belongs to the calling thread until it frees it.
 */
EDDY_API int eddy_queue_receive(eddy_env *env, const char *name,
                                const eddy_queue_receive_options *options, eddy_queue_batch **out);

/** The number of messages in a batch (0 for a NULL batch). Never fails. */
EDDY_API size_t eddy_queue_batch_count(const eddy_queue_batch *batch);

/**
 * Message `i` of a batch (lent: valid until eddy_queue_batch_free), or NULL when i >= the count.
 * Its `size` is the library's sizeof(eddy_queue_message): test newer fields with EDDY_HAS_FIELD.
 */
EDDY_API const eddy_queue_message *eddy_queue_batch_message(const eddy_queue_batch *batch,
                                                            size_t i);

/** Free a batch and everything it lent. Accepts NULL. */
EDDY_API void eddy_queue_batch_free(eddy_queue_batch *batch);

/**
 * Delete the message that `receipt` (from eddy_queue_receive) refers to, in queue `name`. A
 * handle stays valid, even after its visibility timeout ran out, until the message is received
 * again.
 * @return 0, or
 *   EDDY_EINVAL     NULL argument, bad name, or a malformed receipt (wrong length, not hex, bad
 *                   check digits, or a receipt of another queue);
 *   EDDY_EEXPIRED   the message was received again since this receipt was issued (nothing
 *                   changed);
 *   EDDY_ENOTFOUND  no such queue, or the message is no longer stored (deleted, expired, moved);
 *   and the write errors.
 */
EDDY_API int eddy_queue_delete_message(eddy_env *env, const char *name, const char *receipt);

/**
 * Delete several messages in one commit: results[i] is the code eddy_queue_delete_message
 * would return for receipts[i] (EDDY_EINVAL, EDDY_EEXPIRED, EDDY_ENOTFOUND or 0). A receipt
 * listed twice is deleted once and the second gets EDDY_ENOTFOUND.
 * @return 0 when the batch ran, or EDDY_EINVAL (NULL argument, bad name, n == 0), EDDY_ELIMIT
 *   (n > batch_max), EDDY_ENOTFOUND (no such queue), and the write errors (nothing deleted).
 */
EDDY_API int eddy_queue_delete_batch(eddy_env *env, const char *name, const char *const *receipts,
                                     size_t n, int *results);

/**
 * Make the message of `receipt` invisible until now + timeout_ms (0 makes it visible at once).
 * The new timeout counts from now, not from the receive; it may not reach beyond 12 h after the
 * receive that issued the receipt. The next receive uses the queue's timeout again. Only a
 * message in flight can change: once its visibility timeout ran out it is visible again, and the
 * change is refused and leaves it visible (SQS MessageNotInflight).
 * @return 0, or EDDY_EINVAL (as for delete, or timeout_ms > 43200000, or a deadline beyond 12 h
 *   from the receive: nothing changed), EDDY_EEXPIRED (as for delete, or the message's visibility
 *   timeout ran out: it is not in flight; nothing changed), EDDY_ENOTFOUND (as for delete), and
 *   the write errors.
 */
EDDY_API int eddy_queue_change_visibility(eddy_env *env, const char *name, const char *receipt,
                                          uint32_t timeout_ms);

/** One entry of eddy_queue_change_visibility_batch. */
typedef struct eddy_queue_visibility_entry {
    uint32_t size; /* sizeof: set by EDDY_QUEUE_VISIBILITY_ENTRY_INIT (CONVENTIONS, Growth) */
    const char *receipt;
    uint32_t timeout_ms; /* 0 = visible at once */
} eddy_queue_visibility_entry;

#define EDDY_QUEUE_VISIBILITY_ENTRY_INIT EDDY__INIT(eddy_queue_visibility_entry)

/**
 * Change the visibility of several messages in one commit; results[i] is the code
 * eddy_queue_change_visibility would return for entries[i].
 * @return as eddy_queue_delete_batch.
 */
EDDY_API int eddy_queue_change_visibility_batch(eddy_env *env, const char *name,
                                                const eddy_queue_visibility_entry *entries,
                                                size_t n, int *results);

/**
 * Remove every message stored in queue `name` when the call starts, in-flight ones included, in
 * bounded transactions (messages sent during the purge may survive).
 * @param[out] removed_out  NULL, or the number of messages removed.
 * @return 0, EDDY_EINVAL (NULL env/name, bad name), EDDY_ENOTFOUND, and the write errors (the
 *   messages removed by earlier transactions stay removed).
 */
EDDY_API int eddy_queue_purge(eddy_env *env, const char *name, uint64_t *removed_out);

/**
 * Remove messages of queue `name` whose retention has run out (enqueue time + retention_ms <=
 * now), oldest first, at most `max_n` (0 = 1000, at most 100000) in one transaction. Receives
 * also remove a few expired messages each, so a queue that is read needs no trim calls; call it
 * in a loop (until *removed_out < max_n) to reclaim a queue that nobody reads
 *.
 * @param[out] removed_out  NULL, or the number removed.
 * @return 0, EDDY_EINVAL (NULL env/name, bad name, max_n > 100000), EDDY_ENOTFOUND, and the
 *   write errors.
 */
EDDY_API int eddy_queue_trim(eddy_env *env, const char *name, uint32_t max_n,
                             uint64_t *removed_out);

/**
 * Train a zstd dictionary for queue `name`: sample up to `sample_max` (0 =
 * 1000) of its most recent messages, train a dictionary of at most `dict_len_max` bytes (0 =
 * 16384, 1024..131072), store it, and compress the queue's new messages with it. Messages stored
 * earlier keep their own codec and stay readable.
 * @param[out] dict_id_out  NULL, or the dictionary's id.
 * @return 0, EDDY_EINVAL (NULL env/name, bad name, a bound out of range), EDDY_ENOTFOUND (no such
 *   queue), EDDY_ELIMIT (too few or too small messages to train from: zstd needs a few dozen),
 *   and the write errors.
 */
EDDY_API int eddy_queue_train_dict(eddy_env *env, const char *name, uint32_t sample_max,
                                   uint32_t dict_len_max, uint32_t *dict_id_out);

/**
 * Remove messages of queue `name` enqueued before `before_ms` (their first enqueue: a dead
 * letter keeps its origin's), whatever the retention, and those whose retention has run out,
 * oldest first, at most `max_n` (0 = 1000, at most 100000) in one transaction; in-flight
 * messages too. Call it in a loop until *removed_out < max_n.
 * @param[out] removed_out  NULL, or the number removed.
 * @return 0, EDDY_EINVAL (NULL env/name, bad name, max_n > 100000), EDDY_ENOTFOUND (no such
 *   queue), and the write errors.
 */
EDDY_API int eddy_queue_trim_before(eddy_env *env, const char *name, uint64_t before_ms,
                                    uint32_t max_n, uint64_t *removed_out);

/**
 * A file descriptor that becomes readable when a queue of `env` may have become non-empty through
 * this process: a send, a restore, a dead-letter or redrive move, or a change or receive that made
 * messages visible again (the same events that wake a waiting eddy_queue_receive). It is for
 * event loops that park long polls without a thread each (`eddy serve`): poll it for POLLIN, drain
 * it with read() of 8 bytes (an eventfd counter; EAGAIN means nothing new), then retry the
 * receives that wait. It names no queue, and readable means "may": a retry can find nothing.
 * Not signalled: writes by other processes and visibility timeouts running out; an event loop
 * notices those with a timer, as eddy_queue_receive polls every 50 ms. Every call returns the
 * same descriptor, created on the first call; it is owned by `env` and closed by eddy_env_close
 * (do not close it yourself).
 * @param[out] fd_out  the descriptor, or -1 on failure.
 * @return 0, EDDY_EINVAL (NULL env or fd_out), EDDY_ENOMEM or EDDY_EIO (eventfd failed; errno in
 *   the detail message).
 * Thread rule: any thread. Test: tests/api/test_queue_ready.c.
 */
EDDY_API int eddy_queue_ready_fd(eddy_env *env, int *fd_out);

/* ---- Scanning and restoring: a queue's messages read without receiving them, and written back
 * with their ids and times (export and import between databases). ---- */

/** Where a stored message stands, at the env clock's reading when its scan batch was read. */
enum eddy_queue_msg_state {
    EDDY_QUEUE_MSG_VISIBLE = 0,   /**< receivable now (also: a visibility timeout ran out) */
    EDDY_QUEUE_MSG_DELAYED = 1,   /**< never received, delivery delay still running */
    EDDY_QUEUE_MSG_IN_FLIGHT = 2, /**< received, visibility timeout still running */
};

/** A stored message as eddy_queue_scan reports it. Pointers are lent for the callback only. */
typedef struct eddy_queue_scan_message {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    uint64_t msg_id;
    eddy_slice body;              /* the original bytes, decompressed and checksum-verified */
    const eddy_queue_attr *attrs; /* attr_count attributes; name and type are NUL-ended */
    size_t attr_count;
    int state;              /* EDDY_QUEUE_MSG_* */
    uint32_t receive_count; /* receives so far (across DLQ moves) */
    uint64_t sent_ms;       /* when it was sent to its origin queue */
    uint64_t enqueued_ms;   /* retention base: first enqueue (a dead letter keeps its origin's) */
    uint64_t first_receive_ms; /* 0 until received */
    uint64_t visible_ms;       /* when it is (or was) receivable: the visibility deadline */
    uint64_t body_xxh3;
    uint64_t origin_queue_id; /* a dead letter's origin queue id and message id, else 0 */
    uint64_t origin_msg_id;
    /* Appended (growth): FIFO queues (NULL and "" on a standard queue). */
    const char *group_id; /* MessageGroupId, NUL-ended */
    const char *dedup_id; /* MessageDeduplicationId, NUL-ended */
    char sequence_number[EDDY_QUEUE_SEQ_LEN + 1];
} eddy_queue_scan_message;

/** Called by eddy_queue_scan once per message, in id order. Nonzero stops the scan. */
typedef int (*eddy_queue_scan_fn)(void *ctx, const eddy_queue_scan_message *m);

/**
 * Walk queue `name`'s stored messages with ids greater than `after_msg_id`, in id order, at most
 * `max_n` of them (0 = all), without changing them: nothing is received, no receipt is issued,
 * no count moves. The messages are read in short read transactions of at most 256 messages (or
 * 16 MiB of records) each, and `fn` runs outside any transaction (it may call Eddy), so a scan is
 * safe beside a live writer; messages sent, deleted or received while it runs may or may not be
 * seen, each one at most once.
 * @param[out] last_msg_id_out  NULL, or the id of the last message passed to fn (after_msg_id
 *                              when none): resume a scan from there.
 * @return 0, or
 *   EDDY_EUSER      fn returned nonzero (the scan stopped there);
 *   EDDY_EINVAL     NULL env/name/fn, bad name;
 *   EDDY_ENOTFOUND  no such queue (also when it is deleted during the scan);
 *   EDDY_ECORRUPT   a stored message failed its checksum (its key is in the detail message);
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_queue_scan(eddy_env *env, const char *name, uint64_t after_msg_id, uint64_t max_n,
                             eddy_queue_scan_fn fn, void *ctx, uint64_t *last_msg_id_out);

/** One message to restore with its identity and history (what a scan reported). */
typedef struct eddy_queue_restore_entry {
    uint32_t size; /* sizeof: set by EDDY_QUEUE_RESTORE_ENTRY_INIT (CONVENTIONS, Growth) */
    /** Its id: greater than every id the queue has handed out, increasing within a batch. */
    uint64_t msg_id;
    /** Body and attributes, with the limits of eddy_queue_send. */
    eddy_slice body;
    const eddy_queue_attr *attrs;
    size_t attr_count;
    /** Send time (required, not 0) and retention base (0 = sent_ms). A message whose retention
     *  ran out is stored and then removed like any expired message. */
    uint64_t sent_ms;
    uint64_t enqueued_ms;
    /** Receives so far and the first receive time (0 with receive_count 0). */
    uint32_t receive_count;
    uint64_t first_receive_ms;
    /** When it becomes receivable: 0 = at once; a later time restores a delay, or, for a
     *  message with receives (receive_count > 0), its visibility timeout: such a message is
     *  restored in flight until then, counted as in flight, with no valid receipt (the old ones
     *  stay dead), and then becomes visible. */
    uint64_t visible_ms;
    /** A dead letter's origin queue id and message id (ids of the source database), else 0. */
    uint64_t origin_queue_id;
    uint64_t origin_msg_id;
    /* Appended (growth): FIFO queues, as for eddy_queue_send_entry: group_id required, dedup_id
     * optional (informational: a restore creates no deduplication entry). */
    const char *group_id;
    const char *dedup_id;
} eddy_queue_restore_entry;

#define EDDY_QUEUE_RESTORE_ENTRY_INIT EDDY__INIT(eddy_queue_restore_entry)

/**
 * Store up to batch_max messages in queue `name` with the ids and times given, in one durable
 * commit, all or nothing: the import half of eddy_queue_scan. Ids must be greater than every id
 * the queue has handed out (its next id then follows the last one restored), so restored
 * messages never collide with sent ones, and a restore never goes backwards. Counters, indexes
 * and retention are kept as for a send (eddy_env_verify stays clean). results[i] says what
 * entry i got (msg_id, sent_ms, body_xxh3), or its own error.
 * @param[out] results  n results in entry order (required).
 * @return 0 (every entry stored), or
 *   EDDY_EINVAL     NULL argument, bad name, n == 0, an entry invalid as for eddy_queue_send,
 *                   msg_id 0 or above 2^64 - 2, sent_ms 0, first_receive_ms without receives,
 *                   visible_ms beyond the year 4000, ids not increasing within the batch, or an
 *                   id below the queue's next id that no stored message has (it went backwards);
 *   EDDY_EEXIST     an id is a message the queue still stores;
 *   EDDY_ETOOBIG    an entry exceeds body_len_max;
 *   EDDY_ELIMIT     n > the queue's batch_max;
 *   EDDY_ENOTFOUND  no such queue;
 *   and the write errors. On any error nothing was stored; the failing entry's results[i].rc
 *   holds the code (the others 0).
 */
EDDY_API int eddy_queue_restore_batch(eddy_env *env, const char *name,
                                      const eddy_queue_restore_entry *entries, size_t n,
                                      eddy_queue_send_result *results);

/* ---- Redrive: moving messages from a dead-letter queue back (SQS StartMessageMoveTask). ---- */

/** Status of a redrive task. */
enum eddy_queue_task_status {
    EDDY_QUEUE_TASK_RUNNING = 1,
    EDDY_QUEUE_TASK_COMPLETED = 2,
    EDDY_QUEUE_TASK_CANCELLED = 3,
    EDDY_QUEUE_TASK_FAILED = 4,
};

/** A redrive task as reported by eddy_queue_redrive_list. */
typedef struct eddy_queue_redrive_task {
    uint32_t size;    /* sizeof: set by EDDY_QUEUE_REDRIVE_TASK_INIT (CONVENTIONS, Growth) */
    uint64_t task_id; /* unique per source queue */
    int status;       /* EDDY_QUEUE_TASK_* */
    char source[EDDY_QUEUE_NAME_MAX + 1];
    char dest[EDDY_QUEUE_NAME_MAX + 1]; /* "" = each message to its origin queue */
    uint32_t max_per_s;                 /* 0 = unlimited */
    uint64_t started_ms;
    uint64_t updated_ms;
    uint64_t moved;    /* messages moved so far */
    uint64_t to_move;  /* messages in the source when the task started */
    char failure[128]; /* FAILED only: why */
} eddy_queue_redrive_task;

#define EDDY_QUEUE_REDRIVE_TASK_INIT EDDY__INIT(eddy_queue_redrive_task)

/**
 * Record a task that moves the messages now in dead-letter queue `source` to `dest` (NULL or ""
 * for each message's origin queue), oldest first, at most max_per_s per second (0 = unlimited;
 * at most 500, as SQS). The task is stored in the database and makes progress only inside
 * eddy_queue_redrive_run calls, so it survives a crash and resumes after reopen. A moved message
 * is a new message at its destination: new id, receive count 0, retention from the move
 *.
 * @param[out] task_id_out  NULL, or the task's id.
 * @return 0, or EDDY_EINVAL (NULL env/source, bad names, max_per_s > 500, dest == source),
 *   EDDY_ENOTFOUND (no such source or destination queue), EDDY_EBUSY (the source already has a
 *   running task), and the write errors.
 */
EDDY_API int eddy_queue_redrive_start(eddy_env *env, const char *source, const char *dest,
                                      uint32_t max_per_s, uint64_t *task_id_out);

/**
 * Advance every running redrive task: move at most `max_n` messages in all (0 = 1000), each task
 * no faster than its rate allows by the env clock, in transactions of at most 1000 messages. A
 * task completes when its source holds no more messages that were there at its start. When no
 * destination was named and a message has no origin queue (it was sent to the dead-letter queue
 * directly), its origin queue no longer exists, or its origin is the source itself, the task stops
 * there with status FAILED and that reason; the message stays in the source and the messages
 * moved before it stay moved.
 * @param[out] moved_out  NULL, or the number of messages moved.
 * @return 0, EDDY_EINVAL (NULL env), and the write errors.
 * Thread rule: any thread; concurrent calls are safe (each message moves once).
 */
EDDY_API int eddy_queue_redrive_run(eddy_env *env, uint32_t max_n, uint64_t *moved_out);

/**
 * List the redrive tasks of queue `source`, newest first, into out[0..cap).
 * @param[out] n_out  the number of tasks written.
 * @return 0, EDDY_EINVAL (NULL argument, bad name), EDDY_ENOTFOUND (no such queue),
 *   EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_queue_redrive_list(eddy_env *env, const char *source,
                                     eddy_queue_redrive_task *out, size_t cap, size_t *n_out);

/**
 * Cancel the running task `task_id` of queue `source`; messages already moved stay moved.
 * @return 0, EDDY_EINVAL (NULL argument, bad name), EDDY_ENOTFOUND (no such queue or task),
 *   EDDY_EEXPIRED (the task is no longer running), and the write errors.
 */
EDDY_API int eddy_queue_redrive_cancel(eddy_env *env, const char *source, uint64_t task_id);

/* ---------------------------------------------------------------------------------------------
 * Streams (Kinesis semantics) and checkpoints.
 */

/*
 * A stream is a named, durable, sharded log with the semantics of an Amazon Kinesis data stream:
 * records are routed to shards by a 128-bit hash of their partition key, get sequence numbers
 * that increase within a shard, are read through iterators, are kept for the stream's retention,
 * and shards can be split and merged. Streams are addressed by name (1..128 bytes of
 * [A-Za-z0-9_.-]). Consumers keep their positions in checkpoints, and several workers share a
 * stream's shards through leases. docs/SEMANTICS.md "Streams" lists each behaviour, where Eddy
 * differs from Kinesis and the KCL, and the tests that check them.
 *
 * Numbers are strings, as in Kinesis:
 * - A sequence number is exactly EDDY_STREAM_SEQ_LEN decimal digits (zero-padded), so string
 *   order equals numeric order. It is unique in the stream and strictly increases within a shard.
 * - A hash key is the decimal form of a 128-bit integer, from "0" to
 *   "340282366920938463463374607431768211455" (2^128 - 1).
 */

/** Longest stream name in bytes. */
#define EDDY_STREAM_NAME_MAX 128
/** Characters of a sequence number (without NUL). */
#define EDDY_STREAM_SEQ_LEN 29
/** Most characters of a decimal hash key (without NUL). */
#define EDDY_STREAM_HASH_KEY_LEN 39
/** Characters of an iterator token (without NUL). */
#define EDDY_STREAM_ITER_LEN 66
/** Longest partition key in bytes. */
#define EDDY_STREAM_PK_MAX 256
/** Most shards a stream may have at once (open and closed). */
#define EDDY_STREAM_SHARDS_MAX 4096
/** "No shard" in parent and child fields. */
#define EDDY_STREAM_NO_SHARD UINT32_MAX
/** Longest consumer (application) name and worker name, in bytes. */
#define EDDY_CONSUMER_NAME_MAX 128
#define EDDY_WORKER_NAME_MAX   64
/** Most bytes of caller state stored with a checkpoint. */
#define EDDY_CHECKPOINT_STATE_MAX 1024
/** The checkpoint value that says "this shard was read to its end" (KCL SHARD_END). */
#define EDDY_CHECKPOINT_SHARD_END "SHARD_END"

/** How a stream maps partition keys to hash keys (eddy_stream_options.hash). */
enum eddy_stream_hash {
    EDDY_STREAM_HASH_XXH3 = 0, /**< default: XXH3-128 of the partition key */
    EDDY_STREAM_HASH_MD5 = 1,  /**< MD5, as Kinesis: same key, same hash key as in AWS */
};

/** Stream attributes. Initialise with EDDY_STREAM_OPTIONS_INIT; each zero field means the
 *  default written next to it. */
typedef struct eddy_stream_options {
    uint32_t size; /* sizeof: set by EDDY_STREAM_OPTIONS_INIT (CONVENTIONS, Growth) */
    /** Shards at creation. Default 1; 1..EDDY_STREAM_SHARDS_MAX. */
    uint32_t shard_count;
    /** Retention. Default 86400000 (24 h); 60000..31536000000 (365 d). */
    uint64_t retention_ms;
    /** EDDY_STREAM_HASH_*. Default XXH3. */
    int hash;
    /** Largest record: data plus partition key. Default 1048576; 1..16777216. */
    uint32_t record_len_max;
    /** Most records in one put batch. Default 500; 1..10000. */
    uint32_t batch_max;
    /** Lifetime of an iterator. Default 300000 (5 min); 1000..86400000. */
    uint32_t iterator_ttl_ms;
} eddy_stream_options;

#define EDDY_STREAM_OPTIONS_INIT EDDY__INIT(eddy_stream_options)

/**
 * Create stream `name` with `options` (NULL for defaults), with shard_count open shards that
 * split the hash-key space into equal ranges (shard ids 0..shard_count-1). Creating a stream that
 * exists with the same attributes succeeds and changes nothing.
 * @return 0, or
 *   EDDY_EINVAL  NULL env/name, a bad name, an attribute out of range;
 *   EDDY_EEXIST  the stream exists with different attributes;
 *   and the write errors.
 */
EDDY_API int eddy_stream_create(eddy_env *env, const char *name,
                                const eddy_stream_options *options);

/** A stream's attributes and totals, filled by eddy_stream_get_attributes. */
typedef struct eddy_stream_info {
    uint32_t size; /* sizeof: set by EDDY_STREAM_INFO_INIT (CONVENTIONS, Growth) */
    uint64_t id;   /* internal id; a re-created stream gets a new one */
    uint64_t created_ms;
    uint64_t modified_ms;
    uint32_t open_shards; /* shards accepting writes */
    uint32_t shards;      /* shards stored (open and closed, not yet expired) */
    uint64_t records;     /* records stored */
    uint64_t bytes;       /* their data bytes, uncompressed */
    uint32_t dict_id;     /* zstd dictionary for new records, 0 = none */
    /* The attributes (eddy_stream_options' fields), every default applied. */
    uint32_t shard_count; /* shards at creation */
    uint64_t retention_ms;
    int hash; /* EDDY_STREAM_HASH_* */
    uint32_t record_len_max;
    uint32_t batch_max;
    uint32_t iterator_ttl_ms;
} eddy_stream_info;

#define EDDY_STREAM_INFO_INIT EDDY__INIT(eddy_stream_info)

/**
 * Read stream `name`'s attributes and totals (one short read transaction; O(shards)).
 * @param[out] out  filled on success; unchanged on failure.
 * @return 0, EDDY_EINVAL (NULL argument, bad name), EDDY_ENOTFOUND (no such stream),
 *   EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_stream_get_attributes(eddy_env *env, const char *name, eddy_stream_info *out);

/** Bits for eddy_stream_set_attributes' mask: which fields of the options to apply. */
enum eddy_stream_set_mask {
    EDDY_STREAM_SET_RETENTION = 1u << 0,
    EDDY_STREAM_SET_RECORD_LEN_MAX = 1u << 1,
    EDDY_STREAM_SET_BATCH_MAX = 1u << 2,
    EDDY_STREAM_SET_ITERATOR_TTL = 1u << 3,
    EDDY_STREAM_SET_ALL = (1u << 4) - 1,
};

/**
 * Change some attributes of stream `name`: each field whose bit is set in `mask` is applied (a
 * zero field then means its default, as for create); the others keep their value. A stream's
 * hash and its shards at creation cannot change (eddy_stream_update_shard_count reshards). The
 * changes apply from now on: a retention applies at the next trim, a smaller record_len_max or
 * batch_max to later puts (stored records stay), an iterator_ttl_ms to iterators made later.
 * @return 0, EDDY_EINVAL (NULL argument, bad name, mask 0 or unknown bits, a value out of range
 *   as for create), EDDY_ENOTFOUND (no such stream), and the write errors.
 */
EDDY_API int eddy_stream_set_attributes(eddy_env *env, const char *name,
                                        const eddy_stream_options *options, uint32_t mask);

/** Called by eddy_stream_list once per stream, in name order. Nonzero stops the listing. */
typedef int (*eddy_stream_list_fn)(void *ctx, const char *name);

/**
 * List the streams whose names start with `prefix` (NULL or "" for all). The names are collected
 * in one snapshot and passed to `fn` outside any transaction (fn may call Eddy); `name` is valid
 * during the callback only.
 * @return 0, EDDY_EUSER (fn returned nonzero), EDDY_EINVAL (NULL env or fn), EDDY_ECORRUPT,
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM. On failure fn was not called.
 */
EDDY_API int eddy_stream_list(eddy_env *env, const char *prefix, eddy_stream_list_fn fn, void *ctx);

/**
 * Delete stream `name` with its shards, records, checkpoints and leases. Records are removed in
 * bounded transactions (a few thousand each); the stream disappears in the last one. Iterators of
 * the stream then fail with EDDY_EEXPIRED.
 * @return 0, EDDY_EINVAL (NULL argument, bad name), EDDY_ENOTFOUND (no such stream), EDDY_EBUSY
 *   (writers kept adding records faster than they were removed; some were removed), and the
 *   write errors.
 */
EDDY_API int eddy_stream_delete(eddy_env *env, const char *name);

/** One record to put. */
typedef struct eddy_stream_put_entry {
    uint32_t size; /* sizeof: set by EDDY_STREAM_PUT_ENTRY_INIT (CONVENTIONS, Growth) */
    /** The data: 0..record_len_max - partition key bytes, any content. */
    eddy_slice data;
    /** Partition key: 1..EDDY_STREAM_PK_MAX bytes; hashed to choose the shard. */
    eddy_slice partition_key;
    /** NULL, or a decimal hash key that chooses the shard instead of the partition key. */
    const char *explicit_hash_key;
    /**
     * NULL, or a sequence number returned by an earlier put of this stream: this record then
     * gets a greater number, even if it lands on another shard (Kinesis
     * SequenceNumberForOrdering).
     */
    const char *seq_for_ordering;
} eddy_stream_put_entry;

#define EDDY_STREAM_PUT_ENTRY_INIT EDDY__INIT(eddy_stream_put_entry)

/** What a put reports per record. */
typedef struct eddy_stream_put_result {
    uint32_t size;       /* sizeof: set by EDDY_STREAM_PUT_RESULT_INIT (CONVENTIONS, Growth) */
    int rc;              /* 0, or this entry's error (batch only) */
    uint32_t shard_id;   /* the shard it went to */
    uint64_t arrival_ms; /* its arrival timestamp (non-decreasing within the shard) */
    char seq[EDDY_STREAM_SEQ_LEN + 1]; /* its sequence number, NUL-ended */
} eddy_stream_put_result;

#define EDDY_STREAM_PUT_RESULT_INIT EDDY__INIT(eddy_stream_put_result)

/**
 * Put one record into stream `name`; returns after it is durable.
 * @param[out] out  NULL, or the record's shard, sequence number and arrival time.
 * @return 0, or
 *   EDDY_EINVAL     NULL env/name/entry, bad name, an empty or too long partition key, a
 *                   malformed explicit hash key or seq_for_ordering, NULL data with a length;
 *   EDDY_ETOOBIG    data plus partition key exceed record_len_max;
 *   EDDY_ENOTFOUND  no such stream;
 *   EDDY_EBUSY      other processes resharded the stream 64 times while the put was being
 *                   routed (it is routed again after each reshard; reshards by this process
 *                   wait for a put that lost that race three times);
 *   and the write errors.
 */
EDDY_API int eddy_stream_put(eddy_env *env, const char *name, const eddy_stream_put_entry *entry,
                             eddy_stream_put_result *out);

/**
 * Put up to batch_max records in one durable commit. Each entry gets its own result: an entry
 * that fails validation (EDDY_EINVAL as for eddy_stream_put) is not stored and the others are.
 * An entry over record_len_max fails the whole batch with EDDY_ETOOBIG, as Kinesis rejects such
 * a request whole: nothing is stored. Records that land on the same shard get increasing
 * sequence numbers in entry order.
 * @param[out] results     n results in entry order (required).
 * @param[out] failed_out  NULL, or the number of entries that failed (Kinesis FailedRecordCount).
 * @return 0 when the batch ran, whatever the entries' results, or EDDY_EINVAL (NULL argument,
 *   bad name, n == 0), EDDY_ETOOBIG (an entry's data plus partition key exceed record_len_max),
 *   EDDY_ELIMIT (n > batch_max), EDDY_ENOTFOUND (no such stream), EDDY_EBUSY (as for
 *   eddy_stream_put), and the write errors (then no entry was stored; every result holds the
 *   call's code).
 */
EDDY_API int eddy_stream_put_batch(eddy_env *env, const char *name,
                                   const eddy_stream_put_entry *entries, size_t n,
                                   eddy_stream_put_result *results, size_t *failed_out);

/** Shard states. */
enum eddy_stream_shard_state {
    EDDY_STREAM_SHARD_OPEN = 0,   /**< accepts records */
    EDDY_STREAM_SHARD_CLOSED = 1, /**< split or merged: readable until its records expire */
};

/** A shard as listed by eddy_stream_list_shards. */
typedef struct eddy_stream_shard {
    uint32_t size; /* sizeof: set by EDDY_STREAM_SHARD_INIT (CONVENTIONS, Growth) */
    uint32_t shard_id;
    int state;                   /* EDDY_STREAM_SHARD_* */
    uint32_t parent_id;          /* EDDY_STREAM_NO_SHARD for an original shard */
    uint32_t adjacent_parent_id; /* the other parent of a merge, else NO_SHARD */
    uint32_t child_ids[2];       /* children once closed (a merge has one), else NO_SHARD */
    char starting_hash_key[EDDY_STREAM_HASH_KEY_LEN + 1];
    char ending_hash_key[EDDY_STREAM_HASH_KEY_LEN + 1];
    char starting_seq[EDDY_STREAM_SEQ_LEN + 1]; /* below every record of the shard */
    char ending_seq[EDDY_STREAM_SEQ_LEN + 1];   /* closed: its last number; open: "" */
    uint64_t created_ms;
    uint64_t closed_ms;       /* 0 while open */
    uint64_t records;         /* records stored now */
    uint64_t bytes;           /* their data bytes */
    uint64_t last_arrival_ms; /* newest record's arrival time; 0 before the first */
    /** The newest record's sequence number (open or closed shard); "" before the first. */
    char last_seq[EDDY_STREAM_SEQ_LEN + 1];
    /** The oldest stored record's sequence number; "" when none is stored. */
    char first_seq[EDDY_STREAM_SEQ_LEN + 1];
} eddy_stream_shard;

#define EDDY_STREAM_SHARD_INIT EDDY__INIT(eddy_stream_shard)

/**
 * List the shards of stream `name` (open and closed, until expired), in shard-id order, into
 * out[0..cap). A consumer that keeps per-key order reads a parent until its end before reading
 * its children (see eddy_stream_get_records' shard_end).
 * @param[out] n_out  shards written; with EDDY_EBUFS, the number needed.
 * @return 0, EDDY_EINVAL (NULL env/name/n_out, bad name, out NULL with cap > 0), EDDY_ENOTFOUND,
 *   EDDY_EBUFS (cap too small: nothing useful written), EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO,
 *   EDDY_ENOMEM.
 */
EDDY_API int eddy_stream_list_shards(eddy_env *env, const char *name, eddy_stream_shard *out,
                                     size_t cap, size_t *n_out);

/**
 * Split open shard `shard_id` at `new_starting_hash_key` (decimal; greater than the shard's
 * starting hash key and not greater than its ending one): the shard closes (its ending sequence
 * number is its last record's), and two open children take [start, key - 1] and [key, end].
 * Children's sequence numbers are greater than every number of their parent.
 * @param[out] children_out  NULL, or the two new shard ids (lower range first).
 * @return 0, or EDDY_EINVAL (NULL argument, bad name, malformed key or a key outside the range,
 *   the shard is closed), EDDY_ENOTFOUND (no such stream or shard), EDDY_ELIMIT (the stream
 *   would exceed EDDY_STREAM_SHARDS_MAX), and the write errors.
 */
EDDY_API int eddy_stream_split_shard(eddy_env *env, const char *name, uint32_t shard_id,
                                     const char *new_starting_hash_key, uint32_t children_out[2]);

/**
 * Merge open shards `shard_id` and `adjacent_shard_id`, whose ranges must touch: both close and
 * one open child takes the union of their ranges (parent_id = the lower range's shard).
 * @param[out] child_out  NULL, or the new shard id.
 * @return 0, or EDDY_EINVAL (NULL env/name, bad name, the same shard twice, a closed shard,
 *   ranges that do not touch), EDDY_ENOTFOUND (no such stream or shard), EDDY_ELIMIT, and the
 *   write errors.
 */
EDDY_API int eddy_stream_merge_shards(eddy_env *env, const char *name, uint32_t shard_id,
                                      uint32_t adjacent_shard_id, uint32_t *child_out);

/**
 * Scale stream `name` to `target` open shards by splits (of the widest ranges, at their middle)
 * or merges (of the adjacent pair with the narrowest union), all in one commit (Kinesis
 * UpdateShardCount, UNIFORM_SCALING). target must be between half and double the open count.
 * @return 0, or EDDY_EINVAL (NULL argument, bad name, target 0 or out of that range),
 *   EDDY_ENOTFOUND, EDDY_ELIMIT (EDDY_STREAM_SHARDS_MAX), and the write errors.
 */
EDDY_API int eddy_stream_update_shard_count(eddy_env *env, const char *name, uint32_t target);

/** Where an iterator starts (Kinesis ShardIteratorType). */
enum eddy_stream_iter_type {
    EDDY_STREAM_ITER_TRIM_HORIZON = 1,          /**< the oldest record still stored */
    EDDY_STREAM_ITER_LATEST = 2,                /**< just after the newest record now */
    EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER = 3,    /**< at `seq` (or the next record after it) */
    EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER = 4, /**< just after `seq` */
    EDDY_STREAM_ITER_AT_TIMESTAMP = 5,          /**< the first record that arrived at or after ms */
};

/**
 * A position in one shard: a plain value (a NUL-ended token) that the caller copies and keeps;
 * no transaction or memory is held behind it. Valid for the stream's iterator_ttl_ms after it
 * was issued. Do not edit the token: Eddy checks it.
 */
typedef struct eddy_stream_iterator {
    char token[EDDY_STREAM_ITER_LEN + 1];
} eddy_stream_iterator;

/**
 * Make an iterator for shard `shard_id` of stream `name` (open or closed).
 * @param[in]  seq           for AT_/AFTER_SEQUENCE_NUMBER: a sequence number of this shard
 *                           (from put or get_records); ignored otherwise (may be NULL).
 * @param[in]  timestamp_ms  for AT_TIMESTAMP; ignored otherwise. Older than every stored record
 *                           means the trim horizon.
 * @param[out] out           the iterator.
 * @return 0, or
 *   EDDY_EINVAL     NULL env/name/out, bad name, unknown type, a malformed seq, a seq of another
 *                   shard, or one greater than any number this shard has handed out;
 *   EDDY_ENOTFOUND  no such stream or shard (expired shards are gone);
 *   EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_stream_get_iterator(eddy_env *env, const char *name, uint32_t shard_id, int type,
                                      const char *seq, uint64_t timestamp_ms,
                                      eddy_stream_iterator *out);

/** Limits of one eddy_stream_get_records call. Initialise with EDDY_STREAM_READ_OPTIONS_INIT. */
typedef struct eddy_stream_read_options {
    uint32_t size; /* sizeof: set by EDDY_STREAM_READ_OPTIONS_INIT (CONVENTIONS, Growth) */
    /** Most records. Default 10000; at most 10000. */
    uint32_t max_records;
    /** Most data bytes (at least one record is returned however large). Default 10485760. */
    uint32_t max_bytes;
} eddy_stream_read_options;

#define EDDY_STREAM_READ_OPTIONS_INIT EDDY__INIT(eddy_stream_read_options)

/** A record read. Pointers are lent by the batch, valid until eddy_stream_batch_free. */
typedef struct eddy_stream_record {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    uint32_t shard_id;
    uint64_t arrival_ms;
    eddy_slice partition_key;
    eddy_slice data; /* the original bytes, decompressed and checksum-verified */
} eddy_stream_record;

/** What a get_records call says besides its records. */
typedef struct eddy_stream_read_info {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    /** Where to continue. Its token is "" once a closed shard was read to its end. */
    eddy_stream_iterator next;
    /** 0 when the batch reached the shard's newest record, else now - arrival of the first
     *  record not returned. */
    uint64_t millis_behind_latest;
    /** true when this closed shard was read to its end: continue with child_ids. */
    bool shard_end;
    /** true when records between the iterator and the trim horizon had expired and were
     *  skipped (the batch starts at the trim horizon). */
    bool skipped_trimmed;
    /** shard_end only: the children (EDDY_STREAM_NO_SHARD when absent). */
    uint32_t child_ids[2];
} eddy_stream_read_info;

/** The records of one get_records call, owned by Eddy until eddy_stream_batch_free. */
typedef struct eddy_stream_batch eddy_stream_batch;

/**
 * Read up to max_records / max_bytes records of the iterator's shard from its position, in
 * sequence order, and say where to continue. An empty batch is normal (nothing new yet); keep
 * calling with the next iterator. Every call returns a fresh iterator, also when empty.
 * Records past retention (arrival + retention_ms <= now) are never returned, trimmed or not.
 * If the iterator points at records that retention removed or that expired, reading resumes at
 * the first unexpired record and skipped_trimmed is set.
 * @param[out] out  the batch, or NULL on failure. Free with eddy_stream_batch_free.
 * @return 0, or
 *   EDDY_EINVAL    NULL argument, a malformed or edited token, max_records over 10000;
 *   EDDY_EEXPIRED  the iterator is older than iterator_ttl_ms, or its stream was deleted (and
 *                  perhaps re-created), or its shard expired;
 *   EDDY_ECORRUPT  a stored record failed its checksum (its key is in the detail message);
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 * Thread rule: any thread; the batch belongs to the calling thread until freed.
 */
EDDY_API int eddy_stream_get_records(eddy_env *env, const eddy_stream_iterator *it,
                                     const eddy_stream_read_options *options,
                                     eddy_stream_batch **out);

/** The number of records in a batch (0 for a NULL batch). Never fails. */
EDDY_API size_t eddy_stream_batch_count(const eddy_stream_batch *batch);

/**
 * Record `i` of a batch (lent until eddy_stream_batch_free), or NULL when i >= the count. Its
 * `size` is the library's sizeof(eddy_stream_record).
 */
EDDY_API const eddy_stream_record *eddy_stream_batch_record(const eddy_stream_batch *batch,
                                                            size_t i);

/** The batch's next iterator and position facts (lent until eddy_stream_batch_free). NULL for
 *  a NULL batch. */
EDDY_API const eddy_stream_read_info *eddy_stream_batch_info(const eddy_stream_batch *batch);

/** Free a batch and everything it lent. Accepts NULL. */
EDDY_API void eddy_stream_batch_free(eddy_stream_batch *batch);

/**
 * Remove records of stream `name` older than its retention (arrival + retention_ms <= now),
 * oldest first per shard (shards in id order), in one transaction of at most max_n records
 * (0 = 1000, at most 100000). Records go in whole put blocks (the records one put stored on one
 * shard); a block larger than max_n is removed alone, so every call makes progress. Also removes
 * closed shards whose records are all gone and that closed longer than the retention ago (with
 * their checkpoints and leases). Call it in a loop until *removed_out is 0. Puts already remove
 * up to 16 expired records of each shard they write to; this call is for streams nobody writes
 * to and closed shards.
 * @param[out] removed_out  NULL, or the number of records removed.
 * @return 0, EDDY_EINVAL (NULL env/name, bad name, max_n > 100000), EDDY_ENOTFOUND, and the
 *   write errors.
 */
EDDY_API int eddy_stream_trim(eddy_env *env, const char *name, uint32_t max_n,
                              uint64_t *removed_out);

/**
 * Like eddy_stream_trim, with a tighter cut: also removes records that arrived before
 * `before_ms`, whatever the retention, in whole put blocks, oldest first per shard, at most max_n
 * (0 = 1000, at most 100000) per call. Closed shards are removed by the retention rule only (so
 * their checkpoints stay until then). Iterators at removed records resume at the new trim horizon
 * with skipped_trimmed set. Call it in a loop until *removed_out is 0.
 * @param[out] removed_out  NULL, or the number of records removed.
 * @return as eddy_stream_trim.
 */
EDDY_API int eddy_stream_trim_before(eddy_env *env, const char *name, uint64_t before_ms,
                                     uint32_t max_n, uint64_t *removed_out);

/** Storage of a stream's records, filled by eddy_stream_usage_get. */
typedef struct eddy_stream_usage {
    uint32_t size;         /* sizeof: set by EDDY_STREAM_USAGE_INIT (CONVENTIONS, Growth) */
    uint64_t records;      /* records stored */
    uint64_t blocks;       /* put blocks holding them (one per put batch and shard) */
    uint64_t data_bytes;   /* their data bytes (as eddy_stream_info.bytes) */
    uint64_t raw_bytes;    /* block payloads before compression: data, partition keys, framing */
    uint64_t stored_bytes; /* block payloads as stored, after compression (the ratio's divisor) */
} eddy_stream_usage;

#define EDDY_STREAM_USAGE_INIT EDDY__INIT(eddy_stream_usage)

/**
 * Add up how stream `name`'s records (or those of shard `shard_id`; EDDY_STREAM_NO_SHARD for
 * all) are stored: raw_bytes / stored_bytes is the compression ratio. Reads only block headers,
 * in short read transactions of at most 4096 blocks each, so it is safe beside a live writer
 * (the totals then mix several instants). O(blocks): meant for tools.
 * @return 0, EDDY_EINVAL (NULL argument, bad name), EDDY_ENOTFOUND (no such stream, or no such
 *   shard), EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_stream_usage_get(eddy_env *env, const char *name, uint32_t shard_id,
                                   eddy_stream_usage *out);

/** One record to restore with its sequence number and arrival time (what a read returned). */
typedef struct eddy_stream_restore_entry {
    uint32_t size; /* sizeof: set by EDDY_STREAM_RESTORE_ENTRY_INIT (CONVENTIONS, Growth) */
    /** Its sequence number, which names its shard: that shard must exist and be open, and the
     *  number must be greater than every number the shard has handed out (increasing within a
     *  batch). */
    const char *seq;
    /** Its arrival time: not 0, not after now, not before the shard's newest arrival. */
    uint64_t arrival_ms;
    eddy_slice partition_key; /* 1..EDDY_STREAM_PK_MAX bytes (not hashed: seq chose the shard) */
    eddy_slice data;          /* with the partition key at most record_len_max bytes */
} eddy_stream_restore_entry;

#define EDDY_STREAM_RESTORE_ENTRY_INIT EDDY__INIT(eddy_stream_restore_entry)

/**
 * Store up to batch_max records in stream `name` with the sequence numbers and arrival times
 * given, in one durable commit, all or nothing: the import half of reading a stream. Records of
 * one shard with consecutive numbers and one arrival time are stored together, as a put stores
 * a batch. Afterwards puts continue above the restored numbers, iterators (AT_TIMESTAMP
 * included) see the records as if they had been put then, and eddy_env_verify stays clean.
 * results[i] is what a put would report for entry i.
 * @param[out] results  n results in entry order (required).
 * @return 0 (every entry stored), or
 *   EDDY_EINVAL     NULL argument, bad name, n == 0, a malformed seq, a partition key empty or
 *                   too long, NULL data with a length, arrival 0 or after now or before the
 *                   shard's newest, a closed shard, numbers not increasing within a shard in
 *                   the batch, or a number at or below the shard's newest that no stored record
 *                   has (it goes backwards);
 *   EDDY_EEXIST     a sequence number the shard still stores;
 *   EDDY_ETOOBIG    data plus partition key exceed record_len_max;
 *   EDDY_ELIMIT     n > the stream's batch_max;
 *   EDDY_ENOTFOUND  no such stream, or no such shard;
 *   and the write errors. On any error nothing was stored; the failing entry's results[i].rc
 *   holds the code.
 */
EDDY_API int eddy_stream_restore_batch(eddy_env *env, const char *name,
                                       const eddy_stream_restore_entry *entries, size_t n,
                                       eddy_stream_put_result *results);

/**
 * Train a zstd dictionary from up to sample_max (0 = 1000) of stream `name`'s newest records,
 * of at most dict_len_max bytes (0 = 16384; 1024..131072), store it, and compress the stream's
 * new records with it. Older records stay readable with their own codec.
 * @param[out] dict_id_out  NULL, or the dictionary's id.
 * @return 0, EDDY_EINVAL (NULL env/name, bad name, a bound out of range), EDDY_ENOTFOUND,
 *   EDDY_ELIMIT (too few or too small records to train from), and the write errors.
 */
EDDY_API int eddy_stream_train_dict(eddy_env *env, const char *name, uint32_t sample_max,
                                    uint32_t dict_len_max, uint32_t *dict_id_out);

/* ---- Checkpoints: (consumer, stream, shard) -> sequence number, with optional caller state. */

/** One checkpoint to write. */
typedef struct eddy_checkpoint_write {
    uint32_t size;        /* sizeof: set by EDDY_CHECKPOINT_WRITE_INIT (CONVENTIONS, Growth) */
    const char *stream;   /* stream name */
    const char *consumer; /* consumer (application) name: 1..128 bytes of [A-Za-z0-9_.-] */
    uint32_t shard_id;
    /** A sequence number of this shard (the last record processed), or
     *  EDDY_CHECKPOINT_SHARD_END once the closed shard was read to its end. */
    const char *seq;
    /** Caller state stored with it (0..EDDY_CHECKPOINT_STATE_MAX bytes), e.g. an aggregate. */
    eddy_slice state;
    /** NULL for an unfenced write; else the worker that must hold the shard's lease for this
     *  consumer, with the lease counter it holds (from eddy_lease_take/renew). */
    const char *worker;
    uint64_t lease_counter;
} eddy_checkpoint_write;

#define EDDY_CHECKPOINT_WRITE_INIT EDDY__INIT(eddy_checkpoint_write)

/**
 * Write one checkpoint (replacing the previous one; it may move backwards, to re-read).
 * Fenced (worker != NULL): the write happens only if `worker` holds the shard's lease with
 * exactly `lease_counter`, checked in the same transaction.
 * @return 0, or
 *   EDDY_EINVAL     NULL argument, bad names, a malformed seq, a seq of another shard or beyond
 *                   the shard's newest number, SHARD_END for an open shard, state too long;
 *   EDDY_ENOTFOUND  no such stream or shard;
 *   EDDY_EEXPIRED   fenced, and the lease is now another worker's, was released, or its counter
 *                   moved on (nothing written);
 *   and the write errors.
 */
EDDY_API int eddy_checkpoint_set(eddy_env *env, const eddy_checkpoint_write *cp);

/**
 * Write checkpoints and put records in ONE transaction: either all of it is stored, or none.
 * This is how a processor that reads stream A and writes stream B (or keeps its state in the
 * checkpoints' state bytes) gets exactly-once effects. Every entry is validated before anything
 * is written; the first failing one decides the result.
 * @param[in]  cps, n_cps        checkpoints (each as for eddy_checkpoint_set; fenced or not).
 * @param[in]  put_stream        NULL when n_entries is 0; else the stream to put into.
 * @param[out] results           n_entries results (required when n_entries > 0).
 * @return 0, or the first error as eddy_checkpoint_set / eddy_stream_put would return it (then
 *   nothing was written), EDDY_EINVAL (n_cps + n_entries == 0, cps NULL with n_cps > 0, more
 *   than 10000 checkpoints), EDDY_ELIMIT (n_entries > the stream's batch_max).
 */
EDDY_API int eddy_checkpoint_commit(eddy_env *env, const eddy_checkpoint_write *cps, size_t n_cps,
                                    const char *put_stream, const eddy_stream_put_entry *entries,
                                    size_t n_entries, eddy_stream_put_result *results);

/** A stored checkpoint. */
typedef struct eddy_checkpoint {
    uint32_t size; /* sizeof: set by EDDY_CHECKPOINT_INIT (CONVENTIONS, Growth) */
    uint32_t shard_id;
    bool shard_end;                    /* seq is then EDDY_CHECKPOINT_SHARD_END */
    char seq[EDDY_STREAM_SEQ_LEN + 1]; /* NUL-ended */
    uint64_t updated_ms;
    uint64_t lease_counter; /* of the fenced write that stored it; 0 when unfenced */
    uint8_t state[EDDY_CHECKPOINT_STATE_MAX];
    size_t state_len;
} eddy_checkpoint;

#define EDDY_CHECKPOINT_INIT EDDY__INIT(eddy_checkpoint)

/**
 * Read consumer's checkpoint for one shard.
 * @return 0, EDDY_EINVAL (NULL argument, bad names), EDDY_ENOTFOUND (no such stream, or no
 *   checkpoint for this shard), EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_checkpoint_get(eddy_env *env, const char *stream, const char *consumer,
                                 uint32_t shard_id, eddy_checkpoint *out);

/**
 * List consumer's checkpoints on stream `stream`, in shard order, into out[0..cap).
 * @param[out] n_out  written; with EDDY_EBUFS the number needed.
 * @return 0, EDDY_EINVAL, EDDY_ENOTFOUND (no such stream), EDDY_EBUFS, EDDY_ECORRUPT,
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_checkpoint_list(eddy_env *env, const char *stream, const char *consumer,
                                  eddy_checkpoint *out, size_t cap, size_t *n_out);

/** Called by eddy_consumer_list once per consumer, in name order. Nonzero stops the listing. */
typedef int (*eddy_consumer_list_fn)(void *ctx, const char *consumer);

/**
 * List the consumers that have a checkpoint or a lease on any shard of stream `stream`, each
 * once, in name order. The names are collected in one snapshot and passed to `fn` outside any
 * transaction (fn may call Eddy); `consumer` is valid during the callback only.
 * @return 0, EDDY_EUSER (fn returned nonzero), EDDY_EINVAL (NULL env/stream/fn, bad name),
 *   EDDY_ENOTFOUND (no such stream), EDDY_ECORRUPT, EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM. On
 *   failure other than EDDY_EUSER fn was not called.
 */
EDDY_API int eddy_consumer_list(eddy_env *env, const char *stream, eddy_consumer_list_fn fn,
                                void *ctx);

/* ---- Leases: workers of one consumer share a stream's shards (KCL lease table). ---- */

/** A shard lease of one consumer. */
typedef struct eddy_lease {
    uint32_t size; /* sizeof: set by EDDY_LEASE_INIT (CONVENTIONS, Growth) */
    uint32_t shard_id;
    char owner[EDDY_WORKER_NAME_MAX + 1]; /* "" when free (released, or never taken) */
    uint64_t counter;    /* grows by one at every take, renewal and release: the fencing token */
    uint64_t expires_ms; /* the owner holds it while now < expires_ms */
    bool held;           /* owner != "" and now < expires_ms, by the env clock */
} eddy_lease;

#define EDDY_LEASE_INIT EDDY__INIT(eddy_lease)

/**
 * Take the lease of shard `shard_id` for `worker` until now + duration_ms. Succeeds when the
 * lease is free, expired, or already `worker`'s (then it is a renewal). The counter grows by one,
 * so the previous holder's fenced checkpoints fail from now on.
 * @param[out] out  NULL, or the lease as now stored (its counter is the new fencing token).
 * @return 0, or EDDY_EINVAL (NULL env/stream/consumer/worker, bad names, duration 0 or over
 *   86400000), EDDY_ENOTFOUND (no such stream or shard), EDDY_EBUSY (another worker holds it,
 *   unexpired), and the write errors.
 */
EDDY_API int eddy_lease_take(eddy_env *env, const char *stream, const char *consumer,
                             uint32_t shard_id, const char *worker, uint64_t duration_ms,
                             eddy_lease *out);

/**
 * Renew `worker`'s lease (held with `counter`) until now + duration_ms; the counter grows by one.
 * A lease that expired but that nobody took can still be renewed (as in the KCL).
 * @return 0, or EDDY_EINVAL (as for take), EDDY_ENOTFOUND, EDDY_EEXPIRED (the lease is another
 *   worker's, was released, or its counter is not `counter`: it was lost), and the write errors.
 */
EDDY_API int eddy_lease_renew(eddy_env *env, const char *stream, const char *consumer,
                              uint32_t shard_id, const char *worker, uint64_t counter,
                              uint64_t duration_ms, eddy_lease *out);

/**
 * Release `worker`'s lease (held with `counter`) so another worker may take it at once.
 * @return 0, EDDY_EINVAL, EDDY_ENOTFOUND, EDDY_EEXPIRED (as for renew), and the write errors.
 */
EDDY_API int eddy_lease_release(eddy_env *env, const char *stream, const char *consumer,
                                uint32_t shard_id, const char *worker, uint64_t counter);

/**
 * List the consumer's leases of stream `stream` (one per shard ever taken), in shard order.
 * @param[out] n_out  written; with EDDY_EBUFS the number needed.
 * @return 0, EDDY_EINVAL, EDDY_ENOTFOUND (no such stream), EDDY_EBUFS, EDDY_ECORRUPT,
 *   EDDY_EPANIC, EDDY_EIO, EDDY_ENOMEM.
 */
EDDY_API int eddy_lease_list(eddy_env *env, const char *stream, const char *consumer,
                             eddy_lease *out, size_t cap, size_t *n_out);

/**
 * One balancing round for `worker` (KCL 1.x/2.x lease taker), in one transaction. The shards to
 * process are those the consumer has not checkpointed at SHARD_END and whose parents are done
 * (checkpointed at SHARD_END, or expired), so children are leased only after their parents were
 * read to the end. Live workers are the owners of unexpired leases plus `worker`; the target is
 * ceil(shards / workers). The worker first takes free or expired leases (up to the target); if
 * none and it holds fewer than the target, it steals one lease from the most loaded worker when
 * that one holds more than the target. Leases it already holds are renewed.
 * @param[out] held   NULL, or up to cap leases `worker` holds after the round.
 * @param[out] n_out  NULL, or how many it holds (may exceed cap).
 * @return 0, or EDDY_EINVAL (as for take), EDDY_ENOTFOUND (no such stream), and the write errors.
 */
EDDY_API int eddy_lease_balance(eddy_env *env, const char *stream, const char *consumer,
                                const char *worker, uint64_t duration_ms, eddy_lease *held,
                                size_t cap, size_t *n_out);

/* ---------------------------------------------------------------------------------------------
 * Pollers (Lambda event-source mappings).
 */

/*
 * A poller reads batches from one queue or one stream and runs the application's callback on
 * each batch, on threads that Eddy manages, until it is stopped: the application does not poll.
 * Queue sources have SQS event-source-mapping semantics (success deletes the batch, failure
 * leaves it to come back after its visibility timeout, poison messages reach the queue's
 * dead-letter queue through its max_receive_count). Stream sources have Kinesis semantics (a
 * checkpoint per consumer name and shard, in-order retries that block the shard, bisection,
 * maximum record age, an on-failure queue, children read after their parents). Delivery is at
 * least once: a callback must be idempotent. docs/SEMANTICS.md "Pollers" lists every rule, its
 * default, its test, and each difference from Lambda.
 *
 * Without threads (EDDY_POLLER_MANUAL) nothing runs by itself: eddy_poller_run_once performs
 * one step on the caller's thread. With the env's injected clock this makes every time rule
 * (batching window, visibility, record age, retry backoff) exact in tests.
 */

/** A running (or stopped) event-source mapping. */
typedef struct eddy_poller eddy_poller;

/** Where a poller reads from (eddy_poller_options.source). */
enum eddy_poller_source {
    EDDY_POLLER_SOURCE_QUEUE = 1,  /**< a queue: SQS semantics */
    EDDY_POLLER_SOURCE_STREAM = 2, /**< a stream: Kinesis semantics */
};

/** Where a stream poller starts on a shard that its consumer has no checkpoint for. */
enum eddy_poller_start {
    EDDY_POLLER_START_TRIM_HORIZON = 0, /**< default: the oldest record stored */
    EDDY_POLLER_START_LATEST = 1,       /**< after the newest record when the shard is first seen */
    EDDY_POLLER_START_AT_TIMESTAMP = 2, /**< the first record that arrived at or after start_ms */
};

/** eddy_poller_options.flags. */
enum eddy_poller_flags {
    /** No threads: the application drives the poller with eddy_poller_run_once. */
    EDDY_POLLER_MANUAL = 1u << 0,
    /** Stream sources: split a failing batch in two and retry each half (Lambda
     *  BisectBatchOnFunctionError). */
    EDDY_POLLER_BISECT = 1u << 1,
    /** Stream sources: put the failed records' partition keys and data (base64) into the
     *  on-failure message too (Lambda sends metadata only to SQS; S3 gets the payload). */
    EDDY_POLLER_FAILURE_PAYLOAD = 1u << 2,
};

/** Most filter patterns per poller (Lambda: 5, 10 on request). */
#define EDDY_POLLER_FILTERS_MAX 10
/** Longest filter pattern in bytes (Lambda: 4096 characters). */
#define EDDY_POLLER_FILTER_LEN_MAX 4096
/** Most threads per poller (max_concurrency). */
#define EDDY_POLLER_CONCURRENCY_MAX 64
/** Largest batch size. */
#define EDDY_POLLER_BATCH_MAX 10000
/** An explicit "forever" for max_retry_attempts and max_record_age_ms (their 0 is a default). */
#define EDDY_POLLER_FOREVER (-1)

/** One item of a batch. Every pointer is lent for the callback only. */
typedef struct eddy_poller_item {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    /** Queue: the message id. Stream: 0. */
    uint64_t msg_id;
    /** Stream: the record's sequence number, NUL-ended. Queue: "". */
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    /** Stream: the record's shard. Queue: 0. */
    uint32_t shard_id;
    /** The message body or the record's data (decompressed, checksum-verified). */
    eddy_slice body;
    /** Stream: the partition key. Queue: empty. */
    eddy_slice partition_key;
    /** Queue: the message attributes (name and type NUL-ended). Stream: NULL, 0. */
    const eddy_queue_attr *attrs;
    size_t attr_count;
    /** Queue: receives so far, this one included. Stream: invocations of this record so far,
     *  this one included (retries and bisection halves count). */
    uint32_t receive_count;
    /** Queue: when it was sent. Stream: its arrival time. */
    uint64_t sent_ms;
    /** Queue: its first receive. Stream: 0. */
    uint64_t first_receive_ms;
    /* Appended (growth): FIFO queue sources (NULL and "" otherwise). */
    const char *group_id; /* MessageGroupId, NUL-ended */
    char sequence_number[EDDY_QUEUE_SEQ_LEN + 1];
} eddy_poller_item;

/** A batch as the callback sees it. Lent for the callback only. */
typedef struct eddy_poller_batch {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    size_t n; /* items (eddy_poller_batch_item): queue in receive order, stream in sequence order */
    int source;        /* EDDY_POLLER_SOURCE_QUEUE or EDDY_POLLER_SOURCE_STREAM */
    const char *name;  /* the queue or stream */
    uint32_t shard_id; /* stream: the shard every item comes from; queue: 0 */
    uint32_t attempt;  /* stream: 0 the first time these records are delivered, then 1, 2, ... */
    uint64_t bytes;    /* sum of the items' body lengths */
} eddy_poller_batch;

/** Item `i` of a batch (lent for the callback), or NULL when i >= batch->n. Never fails. */
EDDY_API const eddy_poller_item *eddy_poller_batch_item(const eddy_poller_batch *batch, size_t i);

/**
 * What the callback reports about a batch. Eddy zeroes it, sets `size` (the library's sizeof)
 * and failed_idx, which means "all succeeded" (failed false, n_failed 0), before each call; the
 * callback writes only fields it knows.
 * - Success: leave it as it is.
 * - Failure of the whole batch: set failed = true.
 * - Partial batch response (Lambda ReportBatchItemFailures): write the indexes (for
 *   eddy_poller_batch_item) of the items that failed to failed_idx[0..n_failed); failed_idx has
 * room for batch->n entries. An index >= n counts as failure of the whole batch.
 */
typedef struct eddy_poller_result {
    uint32_t size; /* the library's sizeof (CONVENTIONS, Growth) */
    bool failed;
    size_t *failed_idx;
    size_t n_failed;
} eddy_poller_result;

/**
 * The callback. Runs with no Eddy transaction held, on a thread of the poller (or the caller
 * of eddy_poller_run_once); it may call any Eddy function except eddy_poller_stop, _pause and
 * _destroy of its own poller. Return 0 to go on; any other value stops the poller (its batch
 * then counts as not processed: nothing of it is deleted or checkpointed, and queue messages
 * become visible again at once) and eddy_poller_status_get reports EDDY_EUSER.
 * Exactly-once effects (streams, parallelization 1): the callback may call
 * eddy_checkpoint_commit with the poller's consumer, batch->shard_id and its last item's seq, to
 * store its output in the same transaction as its position; the poller then leaves that
 * checkpoint as it is and carries its state bytes forward.
 */
typedef int (*eddy_poller_fn)(void *ctx, const eddy_poller_batch *batch,
                              eddy_poller_result *result);

/** Poller configuration. Initialise with EDDY_POLLER_OPTIONS_INIT; each zero field means the
 *  default written next to it. */
typedef struct eddy_poller_options {
    uint32_t size; /* sizeof: set by EDDY_POLLER_OPTIONS_INIT (CONVENTIONS, Growth) */
    /** EDDY_POLLER_SOURCE_* (required). */
    int source;
    /** The queue or stream to read (required; it must exist). */
    const char *name;
    /** EDDY_POLLER_* flags. Default 0. */
    uint32_t flags;
    /** Most items per batch: 1..10000. Default 10 for queues, 100 for streams. */
    uint32_t batch_size;
    /** Longest wait to fill a batch, by the env clock: 0..300000 ms. Default 0 (deliver what one
     *  read returns). */
    uint32_t batching_window_ms;
    /** Most body bytes per batch (at least one item is delivered however large). Default
     *  6291456 (6 MiB, Lambda's synchronous payload limit); at most 268435456. */
    uint32_t payload_max;
    /** Most callbacks running at once: queues, concurrent batches (Lambda MaximumConcurrency);
     *  streams, threads sharing the shards (a shard is processed by one at a time). Default 2
     *  for queues and 4 for streams; 1..EDDY_POLLER_CONCURRENCY_MAX. Ignored with MANUAL. */
    uint32_t max_concurrency;
    /** Queues: the visibility timeout of the poller's receives. Default 0: the queue's. */
    uint32_t visibility_timeout_ms;
    /** Filter patterns (Lambda FilterCriteria, JSON, EventBridge syntax): an item is delivered
     *  when it matches any of them; NULL or 0 for no filter. Queue items are matched as
     *  {"body", "messageId", "attributes", "messageAttributes"}, stream records as {"data",
     *  "partitionKey", "sequenceNumber", "shardId"}; a body that parses as JSON is matched as
     *  JSON, else as a string. Borrowed for eddy_poller_create. */
    const char *const *filters;
    size_t filter_count;

    /* ---- streams only ---- */
    /** The consumer name under which checkpoints are kept (required for streams). Pollers with
     *  different names read a stream independently. */
    const char *consumer;
    /** EDDY_POLLER_START_TRIM_HORIZON (default), _LATEST or _AT_TIMESTAMP with start_ms. */
    int start;
    uint64_t start_ms;
    /** Retries of a failing batch before its records go to the on-failure queue: 1..10000, or
     *  EDDY_POLLER_FOREVER. Default 0: FOREVER (until max_record_age_ms or retention). */
    int32_t max_retry_attempts;
    /** Records older than this (now - arrival, env clock) are not delivered: they go to the
     *  on-failure queue. 60000..604800000, or EDDY_POLLER_FOREVER. Default 0: FOREVER. */
    int64_t max_record_age_ms;
    /** Delay before retry k (k = 1, 2, ...): retry_backoff_ms * 2^(k-1), at most 60000, by the
     *  env clock. Default 0: retry at once. */
    uint32_t retry_backoff_ms;
    /** NULL, or the queue that receives one JSON message per discarded batch (which shard,
     *  which sequence range, why, and with FAILURE_PAYLOAD the records). It must exist. */
    const char *on_failure_queue;
    /** Batches of one shard processed at once, 1..10: records with the same partition key keep
     *  their order (Lambda ParallelizationFactor). Default 1. */
    uint32_t parallelization;
} eddy_poller_options;

#define EDDY_POLLER_OPTIONS_INIT EDDY__INIT(eddy_poller_options)

/** Poller states (eddy_poller_status.state). */
enum eddy_poller_state {
    EDDY_POLLER_STATE_STOPPED = 0, /**< created or stopped: nothing runs */
    EDDY_POLLER_STATE_RUNNING = 1, /**< polling and invoking */
    EDDY_POLLER_STATE_PAUSED = 2,  /**< started, not polling (resume goes on where it was) */
    EDDY_POLLER_STATE_FAILED = 3,  /**< stopped by an error or by its callback: see last_error */
};

/** A poller's state and counters since it was created. */
typedef struct eddy_poller_status {
    uint32_t size;            /* sizeof: set by EDDY_POLLER_STATUS_INIT (CONVENTIONS, Growth) */
    int state;                /* EDDY_POLLER_STATE_* */
    int last_error;           /* 0, or why it stopped by itself (EDDY_EUSER: the callback) */
    uint64_t batches;         /* callback invocations */
    uint64_t records;         /* items passed to callbacks (a retried item counts again) */
    uint64_t failures;        /* invocations that reported failure (whole or partial) */
    uint64_t failed_records;  /* items reported as failed */
    uint64_t retries;         /* invocations that retried items that had failed */
    uint64_t filtered;        /* items a filter dropped (queue: deleted; stream: skipped) */
    uint64_t discarded;       /* stream: records given up (retries or age) */
    uint64_t on_failure_sent; /* stream: messages sent to the on-failure queue */
    uint64_t commits;         /* write calls the poller made (queues: delete+receive) */
    uint64_t oldest_age_ms;   /* age of the oldest unprocessed item (0 when none known) */
} eddy_poller_status;

#define EDDY_POLLER_STATUS_INIT EDDY__INIT(eddy_poller_status)

/**
 * Create a poller on `options->name` and check its configuration; it does not run until
 * eddy_poller_start. The environment counts it: eddy_env_close fails with EDDY_EBUSY until it
 * is destroyed.
 * @param[in]  options  borrowed for the call (strings and filters are copied).
 * @param[in]  fn, ctx  the callback and its argument, retained until eddy_poller_destroy.
 * @param[out] out      the poller, or NULL on failure. Release with eddy_poller_destroy.
 * @return 0, or
 *   EDDY_EINVAL     NULL env/options/fn/out, a bad source, name, consumer or start, a value out
 *                   of range, a malformed filter pattern (its problem is in the detail message),
 *                   a stream option on a queue source, a read-only env;
 *   EDDY_ENOTFOUND  no such queue or stream, or no such on-failure queue;
 *   EDDY_ENOMEM, EDDY_EPANIC, EDDY_ECORRUPT, EDDY_EIO (reading the catalog).
 */
EDDY_API int eddy_poller_create(eddy_env *env, const eddy_poller_options *options,
                                eddy_poller_fn fn, void *ctx, eddy_poller **out);

/**
 * Start a created or stopped poller (state RUNNING): its threads begin polling at once
 * (MANUAL: eddy_poller_run_once may be called from now on). A stream poller resumes each shard
 * from its consumer's checkpoint.
 * @return 0, or EDDY_EINVAL (NULL poller; already started: RUNNING or PAUSED), EDDY_ENOMEM or
 *   EDDY_EIO (threads could not be created; then nothing runs).
 * Thread rule: any thread but the poller's own callbacks.
 */
EDDY_API int eddy_poller_start(eddy_poller *p);

/**
 * Pause a running poller: returns once the callbacks in flight have returned and their
 * outcomes are committed; nothing is polled until eddy_poller_resume. Queue messages gathered
 * for an unfinished batching window are released (visible again).
 * @return 0, or EDDY_EINVAL (NULL poller; not RUNNING), or the error that stopped the poller
 *   while it was pausing (its state is then FAILED, e.g. EDDY_EUSER).
 * Thread rule: any thread but the poller's own callbacks.
 */
EDDY_API int eddy_poller_pause(eddy_poller *p);

/**
 * Resume a paused poller where it was.
 * @return 0, or EDDY_EINVAL (NULL poller; not PAUSED).
 * Thread rule: any thread but the poller's own callbacks.
 */
EDDY_API int eddy_poller_resume(eddy_poller *p);

/**
 * Stop a poller: wait for the callbacks in flight, commit what finished (deletes, checkpoints),
 * release queue messages gathered but not delivered, and end its threads. State STOPPED (or
 * FAILED, kept with its last_error). It may be started again; a stream poller then resumes
 * exactly at its checkpoints.
 * @return 0 (also when already stopped), or EDDY_EINVAL (NULL poller), or the error of the
 *   final commit (EDDY_EPANIC, EDDY_EIO, EDDY_EFULL, EDDY_ECLOSED): what it did not commit comes
 *   back (at least once).
 * Thread rule: any thread but the poller's own callbacks.
 */
EDDY_API int eddy_poller_stop(eddy_poller *p);

/**
 * MANUAL pollers: one step on the calling thread. A queue poller commits the deletes of its
 * last batch together with its next receive (one commit), then invokes the callback if the
 * batch is complete (batch_size, payload_max, or batching_window_ms elapsed by the env clock).
 * A stream poller does one step per shard it may read (fetch or retry one batch; children after
 * their parents), then returns.
 * @param[out] batches_out  NULL, or the number of callback invocations in this step.
 * @return 0 (also when there was nothing to do), or
 *   EDDY_EINVAL  NULL poller, not MANUAL, not RUNNING;
 *   EDDY_EUSER   the callback returned nonzero: the poller is now FAILED (stopped);
 *   an Eddy error that stopped the poller (state FAILED), e.g. EDDY_ENOTFOUND when its source
 *   was deleted, or a write error.
 * Thread rule: one thread at a time per poller.
 */
EDDY_API int eddy_poller_run_once(eddy_poller *p, size_t *batches_out);

/**
 * Read a poller's state and counters; safe while it runs (the counters are read one by one, so
 * they may be a few events apart).
 * @return 0, or EDDY_EINVAL (NULL argument).
 * Thread rule: any thread, also the poller's callbacks.
 */
EDDY_API int eddy_poller_status_get(eddy_poller *p, eddy_poller_status *out);

/**
 * Stop the poller (as eddy_poller_stop, ignoring its error) and free it; the environment no
 * longer counts it. Accepts NULL.
 * Thread rule: any thread but the poller's own callbacks; no other thread may use `p` during or
 * after the call.
 */
EDDY_API void eddy_poller_destroy(eddy_poller *p);

#ifdef __cplusplus
}
#endif
#endif /* EDDY_H */

/* =============================================================================================
 * EXPERIMENTAL: test controls. NOT part of the stable API: they may change or go in any
 * release, and no program should use them. They exist only when EDDY_TEST_HOOKS is defined
 * before this header is included (the functions are always exported, so tests link).
 */
#if defined(EDDY_TEST_HOOKS) && !defined(EDDY_H_TEST_HOOKS)
#define EDDY_H_TEST_HOOKS
#ifdef __cplusplus
extern "C" {
#endif

/**
 * Fault injection. Eddy calls fn at each fault point with the point's name ("alloc",
 * "rtxn_begin", "txn_begin", "nested_begin", "put", "del", "commit", "map_grow", "copy"); fn
 * returns 0 to let it run, or a positive errno (e.g. EIO, ENOSPC, ENOMEM) to make that point fail
 * as if the system had returned it. Called from any thread.
 */
typedef struct eddy_fault {
    int (*fn)(void *ctx, const char *point);
    void *ctx;
} eddy_fault;

/** eddy_test_hooks.flags: open LMDB with MDB_NOSYNC, which can lose or corrupt acknowledged
 *  data on power loss (the power-loss test's positive control). */
#define EDDY_TEST_UNSAFE_NOSYNC 1u

/** Test controls of one environment. Initialise with EDDY_TEST_HOOKS_INIT. */
typedef struct eddy_test_hooks {
    uint32_t size;  /* sizeof: set by EDDY_TEST_HOOKS_INIT (CONVENTIONS, Growth) */
    uint32_t flags; /* EDDY_TEST_* */
    eddy_fault fault;
} eddy_test_hooks;

#define EDDY_TEST_HOOKS_INIT EDDY__INIT(eddy_test_hooks)

/**
 * eddy_env_open with test controls (NULL hooks: as eddy_env_open). The hooks' callbacks are
 * retained until eddy_env_close. Errors as for eddy_env_open.
 */
EDDY_API int eddy_test_env_open(const char *path, const eddy_env_options *options,
                                const eddy_test_hooks *hooks, eddy_env **out);

/** eddy_env_compact with test controls (for the copy and the verify it opens). */
EDDY_API int eddy_test_env_compact(const char *path, const eddy_env_options *options,
                                   const eddy_test_hooks *hooks, uint64_t *size_before,
                                   uint64_t *size_after);

#ifdef __cplusplus
}
#endif
#endif /* EDDY_TEST_HOOKS */
