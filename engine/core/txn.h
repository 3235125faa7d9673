/*
 * txn.h: the LMDB door. The engine reaches LMDB through these functions; only the files of the
 * door call mdb_* (scripts/check-includes.sh checks it, docs/ARCHITECTURE.md "The LMDB door"):
 *   txn.c       transaction begin (the one MDB_MAP_RESIZED adoption loop), data access wrappers,
 *               table stats, copies (mdb_env_copy2, then the copy opened alone to pad its tail)
 *   commit.c    the group write transaction: begin, nested txns, commit, map growth, EIO = full
 *   lmdb_env.c  the environment: open, bootstrap of the named tables, stat, close
 *   create.c    a new database built aside (its own short-lived MDB_env)
 *   filelen.c   the data file's fd and committed length (a read txn, mdb_env_info/stat)
 *   pagecheck.c the data file's fd and the snapshot's txn id for the page check
 *   readers.c   LMDB's reader table (mdb_reader_list)
 *   errmap.c    mdb_strerror for detail messages
 * Every other file (queue/, stream/, poller/, env/ and the rest of core/) may name LMDB's types
 * (MDB_txn, MDB_val, MDB_cursor, MDB_stat) and cursor ops, never call it.
 *
 * Rules for callers:
 * - Never hold a read transaction while calling eddy__write (the writer may need to grow the map,
 *   which waits for every transaction of the process to end) or while calling user code.
 * - Keep read transactions short: a long reader pins freed pages and the file grows.
 */
#ifndef EDDY_ENGINE_TXN_H
#define EDDY_ENGINE_TXN_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "env_int.h"

/* ---- read transactions ---- */

/* Begin a read-only snapshot. Errors: EDDY_EPANIC, EDDY_ELIMIT (reader slots), EDDY_EIO. */
int eddy__rtxn_begin(eddy_env *env, MDB_txn **out);
/* End it (abort). Accepts NULL. */
void eddy__rtxn_end(eddy_env *env, MDB_txn *txn);

/* ---- the write path (group commit, commit.c) ---- */

/* What an operation sees while it runs inside a group's write transaction. */
typedef struct eddy__wtx {
    eddy_env *env;
    MDB_txn *txn;    /* the operation's own nested transaction */
    uint64_t now_ms; /* the clock, read once for the whole group */
    int map_full;    /* set by the wrappers when LMDB reported MDB_MAP_FULL */
} eddy__wtx;

/*
 * An operation's body. It runs on the writer thread, inside its own nested transaction: if it
 * returns nonzero, its changes alone are undone and that code is its result. It must not block,
 * call user code or start other transactions. It may run more than once (after the map grew);
 * each run must start from its inputs and overwrite, not append to, its outputs.
 */
typedef int (*eddy__apply_fn)(eddy__wtx *w, void *arg);

/*
 * Optional: runs on the writer thread after the operation's changes are committed (durable or
 * relaxed), e.g. to wake long-polling receivers. Must be quick and must not call eddy__write.
 */
typedef void (*eddy__after_fn)(eddy_env *env, void *arg);

/*
 * Run `apply` in the next group commit and wait until it is acknowledged (durable: after the
 * group's commit and sync; relaxed: once applied). Returns apply's result, or the commit's error
 * (EDDY_EFULL, EDDY_EIO, EDDY_EPANIC, EDDY_ECLOSED when the env is closing). The detail message
 * set by apply on the writer thread is passed back to the caller's thread.
 */
int eddy__write(eddy_env *env, eddy__apply_fn apply, eddy__after_fn after, void *arg);
/* eddy__write for an operation that adds data (a send, a put, a create, ...): while the disk
 * cannot hold the reserve (eddy_env_options.disk_reserve) it fails with EDDY_EFULL unapplied,
 * so that receives, deletes and trims keep the reserve. */
int eddy__write_adding(eddy_env *env, eddy__apply_fn apply, eddy__after_fn after, void *arg);

/* Commit everything acknowledged so far (relaxed mode) and wait for its sync. */
int eddy__write_sync(eddy_env *env);

/* Operations waiting for the writer (for tests that need a full queue). */
size_t eddy__write_queued(eddy_env *env);

/* Start and stop the writer thread (env/env.c). stop commits pending relaxed work first. */
int eddy__committer_start(eddy_env *env);
int eddy__committer_stop(eddy_env *env);

/* How often a transaction's begin adopts another process's map growth (MDB_MAP_RESIZED) before
 * it gives up with EDDY_EINTERNAL: each adoption is one growth that happened meanwhile. */
#define EDDY__RESIZE_TRIES 8

/*
 * Begin an LMDB transaction (flags 0 or MDB_RDONLY) holding env->map_lock shared, the one place
 * that adopts another process's growth. `prepare` (may be NULL) runs before each attempt with no
 * lock held (the writer grows a tight map there); `fault_point` names the test fault. Errors:
 * EDDY_EPANIC, EDDY_ELIMIT (reader slots), EDDY_EINTERNAL (map kept changing), EDDY_EIO, and
 * whatever `prepare` returns (the writer's: eddy__map_grow's EDDY_EFULL and LMDB's errors).
 */
int eddy__txn_begin_shared(eddy_env *env, unsigned flags, const char *fault_point,
                           int (*prepare)(eddy_env *env), MDB_txn **out);

/* Grow the map to at least `need` bytes (commit.c; writer thread only, no txn open). Errors:
 * EDDY_EFULL (eddy_env_options.map_size_max reached), EDDY_EIO or EDDY_ENOMEM from LMDB. */
int eddy__map_grow(eddy_env *env, uint64_t need);

/* ---- data access (any transaction; write ones through eddy__wtx) ---- */

/* Get: 0 and *val (borrowed from the map until the txn ends), or EDDY_ENOTFOUND (no detail
 * message is set: absence is normal flow), or another error. */
int eddy__get(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len,
              MDB_val *val);
/* Put with MDB_* flags (0, MDB_NOOVERWRITE, MDB_APPEND). */
int eddy__put(eddy__wtx *w, int table, const void *key, size_t key_len, const void *val,
              size_t val_len, unsigned flags);
/* Delete; EDDY_ENOTFOUND (no detail message) when absent. */
int eddy__del(eddy__wtx *w, int table, const void *key, size_t key_len);

/* Cursors. get returns EDDY_ENOTFOUND at the end of data (no detail message). */
int eddy__cur_open(eddy_env *env, MDB_txn *txn, int table, MDB_cursor **out);
int eddy__cur_get(MDB_cursor *cur, MDB_val *key, MDB_val *val, MDB_cursor_op op);
int eddy__cur_del(eddy__wtx *w, MDB_cursor *cur);
void eddy__cur_close(MDB_cursor *cur);

/*
 * Position `cur` at the first key >= (prefix|from) that still starts with `prefix`; or report
 * EDDY_ENOTFOUND. `from` may be NULL (start of the prefix). A helper for per-object key ranges.
 */
int eddy__cur_seek_prefix(MDB_cursor *cur, const void *prefix, size_t prefix_len, const void *from,
                          size_t from_len, MDB_val *key, MDB_val *val);
/* Next key that still starts with prefix, else EDDY_ENOTFOUND. */
int eddy__cur_next_prefix(MDB_cursor *cur, const void *prefix, size_t prefix_len, MDB_val *key,
                          MDB_val *val);

/* Stats of one table (entries, pages) for eddy_env_stat and verify. */
int eddy__table_stat(eddy_env *env, MDB_txn *txn, int table, MDB_stat *st);

/* mdb_env_copy2 into directory dir (which must hold no data.mdb), compacting when asked. */
int eddy__copy_raw(eddy_env *env, const char *dir, int compact);

/* Pages on LMDB's free list in this snapshot (for stats). */
int eddy__free_pages(eddy_env *env, MDB_txn *txn, uint64_t *out);

/* The number of entries in all of Eddy's tables, as of txn (verify's progress total). */
int eddy__entries_total(eddy_env *env, MDB_txn *txn, uint64_t *n);

/* ---- the LMDB environment (lmdb_env.c, for env/env.c) ---- */

/* The flags Eddy opens LMDB with (MDB_NOTLS, MDB_RDONLY for a read-only handle). */
unsigned eddy__lmdb_flags(const eddy_env *env);
/* Create and open env->mdb at env->path, adopt its map size, pad its tail, clear stale readers.
 * Errors: EDDY_EVERSION (LMDB older than 0.9.24), EDDY_ECORRUPT, EDDY_EIO, EDDY_EFULL. */
int eddy__lmdb_open(eddy_env *env);
/* Open the named tables into env->dbi (creating them read-write), write the meta rows of a new
 * database and check its magic and format version. Errors: EDDY_EVERSION (not Eddy's, or newer),
 * EDDY_ENOTFOUND (read-only and empty), EDDY_ECORRUPT, EDDY_EIO. */
int eddy__lmdb_bootstrap(eddy_env *env);
/* Close env->mdb (accepts an env whose LMDB was never opened). */
void eddy__lmdb_close(eddy_env *env);

/* What eddy_env_stat reports of LMDB itself. */
typedef struct eddy__lmdb_stat {
    uint64_t map_size, page_size, pages_used;
    uint32_t readers_max, readers_used;
} eddy__lmdb_stat;
void eddy__lmdb_env_stat(eddy_env *env, eddy__lmdb_stat *out);
/* LMDB's version string. */
const char *eddy__lmdb_version(void);

#endif /* EDDY_ENGINE_TXN_H */
