/*
 * txn.h: the engine's only way to reach LMDB. Read transactions, the group-commit write path,
 * and thin get/put/del/cursor wrappers that translate LMDB codes (through errmap.c) and notice a
 * full map. No other engine file calls mdb_* directly, so fault injection and error mapping live
 * here and in commit.c.
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

/* Start and stop the writer thread (env.c). stop commits pending relaxed work first. */
int eddy__committer_start(eddy_env *env);
int eddy__committer_stop(eddy_env *env);

/* Grow the map to at least `need` bytes (commit.c; writer thread only, no txn open). */
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

#endif /* EDDY_ENGINE_TXN_H */
