/*
 * errmap.c: the one place where LMDB's MDB_* codes and errno values become EDDY_E* codes. The
 * original code and its text go into the detail message, so nothing is lost in translation.
 */
#include <errno.h>
#include <string.h>

#include <lmdb.h>

#include "error.h"

static int map_mdb(int rc)
{
    switch (rc) {
    case MDB_NOTFOUND:
        return EDDY_ENOTFOUND;
    case MDB_KEYEXIST:
        return EDDY_EEXIST;
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return EDDY_EFULL;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    /* LMDB's "internal errors" on a damaged file: a page whose header contradicts its contents
     * (PAGE_FULL), a node or table whose flags were damaged (INCOMPATIBLE: Eddy uses no
     * duplicate-key tables), or a transaction LMDB marked failed after meeting damage without
     * saying so (BAD_TXN); tests/reliability/test_corrupt.c finds each. */
    case MDB_PAGE_FULL:
    case MDB_INCOMPATIBLE:
    case MDB_BAD_TXN:
        return EDDY_ECORRUPT;
    case MDB_VERSION_MISMATCH:
        return EDDY_EVERSION;
    case MDB_PANIC:
        return EDDY_EPANIC;
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
    case MDB_CURSOR_FULL:
    case MDB_TLS_FULL:
        return EDDY_ELIMIT;
    case MDB_BAD_VALSIZE:
        return EDDY_ETOOBIG;
    case ENOMEM:
        return EDDY_ENOMEM;
    case EIO:
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOTDIR:
    case ENOENT:
    case EEXIST:
    case EAGAIN:
        return EDDY_EIO;
    case EBUSY:
        return EDDY_EBUSY;
    case EINVAL:
        return EDDY_EINVAL;
    default:
        return rc > 0 ? EDDY_EIO : EDDY_EINTERNAL;
    }
}

int eddy__err_mdb(int mdb_rc, const char *what)
{
    int rc = map_mdb(mdb_rc);
    return eddy__err(rc, "%s: %s (LMDB/errno %d)", what, mdb_strerror(mdb_rc), mdb_rc);
}

int eddy__err_errno(int errnum, const char *what)
{
    int rc = map_mdb(errnum);
    return eddy__err(rc, "%s: %s (errno %d)", what, strerror(errnum), errnum);
}
