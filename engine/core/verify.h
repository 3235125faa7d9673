/*
 * verify.h: the deep checker's shared context. env/verify.c walks the foundation tables and
 * calls each module's checker (queue_verify.c, stream_verify.c) with the same read transaction;
 * each reports problems with the exact key through eddy__vreport (vreport.c).
 */
#ifndef EDDY_ENGINE_VERIFY_H
#define EDDY_ENGINE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "txn.h"

typedef struct eddy__vctx {
    eddy_env *env;
    MDB_txn *txn;
    eddy_verify_fn cb;
    void *cb_ctx;
    uint64_t problems;
    int stopped;          /* the callback asked to stop */
    char first_page[320]; /* the first damaged LMDB page found ("tree: what") */
} eddy__vctx;

/*
 * Report one problem at (table, key). Returns EDDY_EUSER when the callback asked to stop (the
 * checker must then return it at once), else 0.
 */
int eddy__vreport(eddy__vctx *v, int table, const void *key, size_t key_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * True when a failure to load or decode a value says nothing about the data (out of memory, an
 * I/O error, a poisoned env): the check must then fail with that code, not report a problem.
 */
static inline int eddy__vnot_data(int rc)
{
    return rc == EDDY_ENOMEM || rc == EDDY_EIO || rc == EDDY_EPANIC;
}

/* Each subsystem declares its checker in its own header (queue_int.h, stream_int.h). */

/*
 * Chunks owned by a table's records are checked by the owner's module through
 * eddy__payload_verify; verify.c reports chunks whose owner key no longer exists.
 */

#endif /* EDDY_ENGINE_VERIFY_H */
