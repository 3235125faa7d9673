/*
 * pagecheck.h: LMDB's file structure checked through pread, before LMDB is trusted with it
 * (pagecheck.c). LMDB 0.9.24 does not validate the pages it maps; a file this check passes
 * cannot make it read outside a page or the file. Decision 0006 says when each mode runs.
 */
#ifndef EDDY_ENGINE_PAGECHECK_H
#define EDDY_ENGINE_PAGECHECK_H

#include <stdint.h>

#include "txn.h"

/* Called once per problem with the tree it was found in (a table's name, "free pages" or
 * "tables") and a sentence naming the page. Nonzero stops the check. */
typedef int (*eddy__pc_report)(void *ctx, const char *tree, const char *what);

/*
 * Quick check of the file `path` (a data.mdb) before LMDB opens it: both meta pages, the table
 * directory, and the root page of every table and of the free-page list. O(number of tables).
 * A writer in another process may commit meanwhile: a failure is retried while the newest
 * meta changes. Returns 0, EDDY_ECORRUPT (message names the page and the damage), EDDY_EIO,
 * EDDY_ENOMEM.
 */
int eddy__pagecheck_quick(eddy_env *env, const char *path);

/*
 * Full check of the snapshot that read transaction `txn` holds (its pages cannot be reused
 * while it is open): every page of every table and of the free-page list, overflow runs,
 * key order, depths and page counts, and that no page is both in use and free.
 * With `report` NULL the first problem ends the check with EDDY_ECORRUPT; else every problem
 * is reported and counted in *problems and the call returns 0 (or EDDY_EUSER when report
 * asked to stop). Returns EDDY__PC_AGAIN (positive) when later commits have overwritten the
 * meta page of txn's snapshot (two commits since it began): retry with a new transaction.
 * Also EDDY_EIO, EDDY_ENOMEM.
 */
#define EDDY__PC_AGAIN 1
int eddy__pagecheck_txn(eddy_env *env, MDB_txn *txn, eddy__pc_report report, void *ctx,
                        uint64_t *problems);

/* eddy__pagecheck_txn in a read transaction of its own, retried while writers overwrite its
 * meta page; the first problem fails it with EDDY_ECORRUPT. Also EDDY_EBUSY, EDDY_EIO,
 * EDDY_ENOMEM. */
int eddy__pagecheck_full(eddy_env *env);

/* eddy__pagecheck_txn in a read transaction of its own, retried while writers overwrite its
 * meta page (EDDY_EBUSY after 100 tries). With `keep`, the transaction is left open on the
 * checked snapshot for the caller to end (eddy__rtxn_end); else it is ended. */
int eddy__pagecheck_pinned(eddy_env *env, eddy__pc_report report, void *ctx, uint64_t *problems,
                           MDB_txn **keep);

/* The full check of the newest snapshot of the file `path` through pread alone (LMDB is not
 * involved), reporting as eddy__pagecheck_txn; nothing pins the snapshot, so the file must not
 * change meanwhile. For tests (tests/fuzz/fuzz_pagecheck.c). */
int eddy__pagecheck_path(eddy_env *env, const char *path, eddy__pc_report report, void *ctx,
                         uint64_t *problems);

/* What eddy__pagecheck_snapshot saw of one meta page's snapshot. */
typedef struct eddy__pc_snap {
    uint64_t txnid;    /* the meta page's transaction id (0 when its header is unreadable) */
    uint64_t last_pg;  /* its last page number */
    uint64_t tables;   /* entries of its table directory (0: empty trees, nothing to open) */
    uint64_t free_max; /* the largest transaction id with a free-page record in it (0: none) */
    uint64_t problems; /* 0: the snapshot passed the full check */
    uint32_t psize;    /* the page size (0 when the meta pages did not give it) */
} eddy__pc_snap;

/*
 * The full check of the snapshot meta page `page` (0 or 1) of the file open as fd roots,
 * whichever LMDB would pick (recover.c). Only that meta page must be sound. Stops at the first
 * problem, whose sentence is the thread's detail message (eddy_last_error). Returns 0 when the
 * check ran (out->problems says how it went), else EDDY_EIO or EDDY_ENOMEM.
 */
int eddy__pagecheck_snapshot(eddy_env *env, int fd, int page, eddy__pc_snap *out);

#endif /* EDDY_ENGINE_PAGECHECK_H */
