/*
 * create.c: creating a new database atomically.
 *
 * LMDB writes a new data.mdb's two meta pages with plain writes and no fsync. Created in place,
 * a power cut before the first commit's fdatasync can leave a data.mdb whose meta pages never
 * reached the disk: every later open fails with MDB_INVALID and the database is bricked, though
 * nothing was ever acknowledged in it. So a new database is built in create.tmp/, committed there
 * (the commit's fdatasync covers the whole file), fsynced, and only then renamed into place and
 * the directory fsynced. Invariant: a data.mdb under the database's name is always complete; a
 * crash leaves either no data.mdb (the next open creates it again) or a whole one.
 *
 * Creators serialize on create.lock, a file of its own, held only while creating (never
 * eddy.lock: every open handle holds that one shared, so waiting to convert it to exclusive
 * would wait for every other process to close). create.lock is kept: unlinking it could let a
 * waiter lock an unlinked inode while a newcomer locks a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "error.h"
#include "keys.h"
#include "txn.h"

int eddy__fsync_path(const char *p, int dir)
{
    int fd = open(p, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    int rc = 0;
    if (fd < 0)
        return eddy__err_errno(errno, dir ? "opening a directory to sync it"
                                          : "opening a new file to sync it");
    if (fsync(fd) != 0)
        rc = eddy__err_errno(errno, dir ? "syncing a directory" : "syncing a new file");
    close(fd);
    return rc;
}

int eddy__meta_init(eddy_env *env, MDB_txn *txn, MDB_dbi meta)
{
    uint8_t fmt[4], created[8], next_id[8];
    struct {
        const char *key;
        void *val;
        size_t len;
    } rows[] = {
        {EDDY__META_MAGIC, (void *)(uintptr_t)EDDY__MAGIC, 8},
        {EDDY__META_FORMAT, fmt, 4},
        {EDDY__META_CREATED, created, 8},
        {EDDY__META_NEXT_ID, next_id, 8},
    };

    eddy__be32_put(fmt, EDDY_FORMAT_VERSION);
    eddy__be64_put(created, eddy__now_ms(env));
    eddy__be64_put(next_id, 1);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        MDB_val k = {strlen(rows[i].key), (void *)(uintptr_t)rows[i].key};
        MDB_val v = {rows[i].len, rows[i].val};
        int rc = mdb_put(txn, meta, &k, &v, MDB_NOOVERWRITE);
        if (rc != 0)
            return eddy__err_mdb(rc, "writing the meta record");
    }
    return 0;
}

/* Build a complete, committed database in tmp/ (its files are removed first). */
static int build(eddy_env *env, const char *tmp, unsigned flags)
{
    MDB_env *m = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi[EDDY__T_COUNT];
    char f[4200];
    int rc;

    for (int i = 0; i < 2; i++) {
        if (snprintf(f, sizeof f, "%s/%s", tmp, i ? "lock.mdb" : "data.mdb") >= (int)sizeof f)
            return eddy__err(EDDY_EINVAL, "database path too long");
        (void)unlink(f);
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return eddy__err_errno(errno, "creating create.tmp/ for a new database");
    if ((rc = mdb_env_create(&m)) != 0)
        return eddy__err_mdb(rc, "creating the LMDB environment of a new database");
    if ((rc = mdb_env_set_maxdbs(m, EDDY__T_COUNT + 1)) != 0 ||
        (rc = mdb_env_set_mapsize(m, (size_t)env->opt.map_size_initial)) != 0 ||
        (rc = mdb_env_open(m, tmp, flags, 0644)) != 0 ||
        (rc = mdb_txn_begin(m, NULL, 0, &txn)) != 0) {
        mdb_env_close(m);
        return eddy__err_mdb(rc, "opening a new database in create.tmp/");
    }
    for (int t = 0; t < EDDY__T_COUNT && rc == 0; t++)
        rc = mdb_dbi_open(txn, eddy__table_names[t], MDB_CREATE, &dbi[t]);
    rc = rc != 0 ? eddy__err_mdb(rc, "creating the tables of a new database")
                 : eddy__meta_init(env, txn, dbi[EDDY__T_META]);
    if (rc == 0 && (rc = mdb_txn_commit(txn)) != 0)
        rc = eddy__err_mdb(rc, "committing a new database");
    else if (rc != 0)
        mdb_txn_abort(txn);
    mdb_env_close(m);
    return rc;
}

static int create_locked(eddy_env *env, unsigned flags)
{
    char tmp[4200], from[4300], to[4200];
    int nosync = (flags & MDB_NOSYNC) != 0, rc;

    snprintf(to, sizeof to, "%s/data.mdb", env->path);
    if (access(to, F_OK) == 0)
        return 0; /* another process created it while this one waited for the lock */
    snprintf(tmp, sizeof tmp, "%s/create.tmp", env->path);
    snprintf(from, sizeof from, "%s/data.mdb", tmp);
    if ((rc = build(env, tmp, flags)) != 0)
        return rc;
    if (!nosync && (rc = eddy__fsync_path(from, 0)) != 0)
        return rc;
    if (rename(from, to) != 0)
        return eddy__err_errno(errno, "moving a new database into place");
    if (!nosync && (rc = eddy__fsync_path(env->path, 1)) != 0)
        return rc;
    snprintf(from, sizeof from, "%s/lock.mdb", tmp);
    (void)unlink(from);
    (void)rmdir(tmp);
    return 0;
}

int eddy__create(eddy_env *env, unsigned flags)
{
    char p[4200];
    int fd, rc;

    if (snprintf(p, sizeof p, "%s/create.lock", env->path) >= (int)sizeof p)
        return eddy__err(EDDY_EINVAL, "database path too long");
    if ((fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        return eddy__err_errno(errno, "opening create.lock");
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            rc = eddy__err_errno(errno, "locking create.lock");
            close(fd);
            return rc;
        }
    }
    rc = create_locked(env, flags);
    close(fd); /* releases the lock */
    return rc;
}

int eddy__env_format_raise(struct eddy__wtx *w, uint32_t version)
{
    uint8_t fmt[4];
    MDB_val v;
    int rc =
        eddy__get(w->env, w->txn, EDDY__T_META, EDDY__META_FORMAT, strlen(EDDY__META_FORMAT), &v);

    if (rc != 0)
        return rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("meta record: format version missing") : rc;
    if (v.mv_size == 4 && eddy__be32_get(v.mv_data) >= version)
        return 0;
    eddy__be32_put(fmt, version);
    return eddy__put(w, EDDY__T_META, EDDY__META_FORMAT, strlen(EDDY__META_FORMAT), fmt, 4, 0);
}
