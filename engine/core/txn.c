/*
 * txn.c: transaction begin (read transactions and the writer's group transaction) and the
 * data-access wrappers; part of the LMDB door (txn.h lists its files). Every transaction of the
 * process holds env->map_lock shared for its life, so that the map can be resized safely (LMDB
 * requires no active transaction then).
 */
#include "txn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "keys.h"
#include "progress.h"

/* Adopt a map size grown by another process (MDB_MAP_RESIZED): exclusive, no txn active. */
static int adopt_resize(eddy_env *env)
{
    int rc;
    MDB_envinfo info;

    pthread_rwlock_wrlock(&env->map_lock);
    rc = mdb_env_set_mapsize(env->mdb, 0);
    if (rc == 0 && mdb_env_info(env->mdb, &info) == 0)
        atomic_store(&env->map_size, info.me_mapsize);
    pthread_rwlock_unlock(&env->map_lock);
    return rc == 0 ? 0 : eddy__err_mdb(rc, "adopting a map size grown by another process");
}

int eddy__txn_begin_shared(eddy_env *env, unsigned flags, const char *fault_point,
                           int (*prepare)(eddy_env *env), MDB_txn **out)
{
    int ro = (flags & MDB_RDONLY) != 0;
    int rc;

    *out = NULL;
    for (int attempt = 0; attempt < EDDY__RESIZE_TRIES; attempt++) {
        if (atomic_load(&env->panic))
            return eddy__err(EDDY_EPANIC, "environment is poisoned by an earlier fatal error");
        if (prepare != NULL && (rc = prepare(env)) != 0)
            return rc;
        pthread_rwlock_rdlock(&env->map_lock);
        rc = eddy__fault(env, fault_point);
        if (rc == 0)
            rc = mdb_txn_begin(env->mdb, NULL, flags, out);
        if (rc == 0)
            return 0;
        pthread_rwlock_unlock(&env->map_lock);
        *out = NULL;
        if (rc != MDB_MAP_RESIZED)
            return eddy__err_mdb(rc, ro ? "beginning a read transaction"
                                        : "beginning a write transaction");
        if ((rc = adopt_resize(env)) != 0)
            return rc;
    }
    return eddy__err(EDDY_EINTERNAL, "map size kept changing while beginning a %s",
                     ro ? "read transaction" : "write");
}

int eddy__rtxn_begin(eddy_env *env, MDB_txn **out)
{
    return eddy__txn_begin_shared(env, MDB_RDONLY, "rtxn_begin", NULL, out);
}

void eddy__rtxn_end(eddy_env *env, MDB_txn *txn)
{
    if (txn == NULL)
        return;
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&env->map_lock);
}

/* Translate a data-access code; absence is reported without a detail message. */
static int data_rc(int rc, const char *what, int *map_full)
{
    if (rc == 0)
        return 0;
    if (rc == MDB_NOTFOUND)
        return EDDY_ENOTFOUND;
    if (rc == MDB_MAP_FULL && map_full != NULL)
        *map_full = 1;
    return eddy__err_mdb(rc, what);
}

int eddy__get(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len, MDB_val *val)
{
    MDB_val k = {key_len, (void *)(uintptr_t)key};
    return data_rc(mdb_get(txn, env->dbi[table], &k, val), "reading a record", NULL);
}

int eddy__put(eddy__wtx *w, int table, const void *key, size_t key_len, const void *val,
              size_t val_len, unsigned flags)
{
    MDB_val k = {key_len, (void *)(uintptr_t)key};
    MDB_val v = {val_len, (void *)(uintptr_t)val};
    int rc = eddy__fault(w->env, "put");
    if (rc == 0)
        rc = mdb_put(w->txn, w->env->dbi[table], &k, &v, flags);
    if (rc == MDB_KEYEXIST)
        return EDDY_EEXIST;
    return data_rc(rc, "writing a record", &w->map_full);
}

int eddy__del(eddy__wtx *w, int table, const void *key, size_t key_len)
{
    MDB_val k = {key_len, (void *)(uintptr_t)key};
    int rc = eddy__fault(w->env, "del");
    if (rc == 0)
        rc = mdb_del(w->txn, w->env->dbi[table], &k, NULL);
    return data_rc(rc, "deleting a record", &w->map_full);
}

int eddy__cur_open(eddy_env *env, MDB_txn *txn, int table, MDB_cursor **out)
{
    int rc = mdb_cursor_open(txn, env->dbi[table], out);
    if (rc != 0) {
        *out = NULL;
        return eddy__err_mdb(rc, "opening a cursor");
    }
    return 0;
}

int eddy__cur_get(MDB_cursor *cur, MDB_val *key, MDB_val *val, MDB_cursor_op op)
{
    eddy__progress_tick();
    return data_rc(mdb_cursor_get(cur, key, val, op), "reading with a cursor", NULL);
}

int eddy__cur_del(eddy__wtx *w, MDB_cursor *cur)
{
    int rc = eddy__fault(w->env, "del");
    if (rc == 0)
        rc = mdb_cursor_del(cur, 0);
    return data_rc(rc, "deleting with a cursor", &w->map_full);
}

void eddy__cur_close(MDB_cursor *cur)
{
    if (cur != NULL)
        mdb_cursor_close(cur);
}

static int has_prefix(const MDB_val *key, const void *prefix, size_t prefix_len)
{
    return key->mv_size >= prefix_len && memcmp(key->mv_data, prefix, prefix_len) == 0;
}

int eddy__cur_seek_prefix(MDB_cursor *cur, const void *prefix, size_t prefix_len, const void *from,
                          size_t from_len, MDB_val *key, MDB_val *val)
{
    uint8_t buf[512];
    int rc;

    if (prefix_len + from_len > sizeof buf)
        return eddy__err(EDDY_EINVAL, "seek key of %zu bytes is too long", prefix_len + from_len);
    memcpy(buf, prefix, prefix_len);
    if (from_len > 0)
        memcpy(buf + prefix_len, from, from_len);
    key->mv_size = prefix_len + from_len;
    key->mv_data = buf;
    rc = eddy__cur_get(cur, key, val, MDB_SET_RANGE);
    if (rc != 0)
        return rc;
    return has_prefix(key, prefix, prefix_len) ? 0 : EDDY_ENOTFOUND;
}

int eddy__cur_next_prefix(MDB_cursor *cur, const void *prefix, size_t prefix_len, MDB_val *key,
                          MDB_val *val)
{
    int rc = eddy__cur_get(cur, key, val, MDB_NEXT);
    if (rc != 0)
        return rc;
    return has_prefix(key, prefix, prefix_len) ? 0 : EDDY_ENOTFOUND;
}

int eddy__table_stat(eddy_env *env, MDB_txn *txn, int table, MDB_stat *st)
{
    int rc = mdb_stat(txn, env->dbi[table], st);
    return rc == 0 ? 0 : eddy__err_mdb(rc, "reading table statistics");
}

int eddy__free_pages(eddy_env *env, MDB_txn *txn, uint64_t *out)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t n = 0;
    int rc;

    (void)env;
    *out = 0;
    if ((rc = mdb_cursor_open(txn, 0, &cur)) != 0)
        return eddy__err_mdb(rc, "opening the free-page table");
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
        /* Each value is an LMDB ID list: a count followed by that many page numbers, so its
         * size gives the count. It is not read: on a damaged page (an overflow page number out
         * of range) the value's address can lie outside the map (tests/reliability/
         * test_corrupt.c found a SIGSEGV here). */
        if (v.mv_size >= sizeof(size_t))
            n += v.mv_size / sizeof(size_t) - 1;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND)
        return eddy__err_mdb(rc, "reading the free-page table");
    *out = n;
    return 0;
}

/*
 * A compacting copy can end a page short of its meta's last page (LMDB 0.9.24 counts one page
 * it never writes). Eddy's open refuses such a file as truncated (filelen.c), so pad the copy with
 * zeros to its full length; the page is free, never read.
 */
static int pad_copy(const char *dir)
{
    MDB_env *m = NULL;
    MDB_envinfo info;
    MDB_stat ms;
    struct stat st;
    char data[4200];
    uint64_t need;
    int rc;

    if (snprintf(data, sizeof data, "%s/data.mdb", dir) >= (int)sizeof data)
        return eddy__err(EDDY_EINVAL, "copy path too long");
    if ((rc = mdb_env_create(&m)) != 0)
        return eddy__err_mdb(rc, "opening a copy to check its length");
    rc = mdb_env_open(m, dir, MDB_RDONLY | MDB_NOLOCK, 0644);
    if (rc == 0)
        rc = mdb_env_info(m, &info);
    if (rc == 0)
        rc = mdb_env_stat(m, &ms);
    mdb_env_close(m);
    if (rc != 0)
        return eddy__err_mdb(rc, "opening a copy to check its length");
    need = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
    if (stat(data, &st) != 0)
        return eddy__err_errno(errno, "checking the length of a copy");
    if ((uint64_t)st.st_size < need && truncate(data, (off_t)need) != 0)
        return eddy__err_errno(errno, "padding a copy to its full length");
    return 0;
}

/*
 * LMDB 0.9.24's compacting copy writes meta page 0 blank (txn 0, empty trees) and the data on
 * page 1 (txn 1); the first commit after writes page 0. A torn write there could name txn 2 over
 * empty trees. Commit once here (the meta record rewritten as it is), before anyone depends on
 * the copy, so both meta pages root the real trees (decision 0016, addendum).
 */
static int commit_copy(const char *dir)
{
    MDB_env *m = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val k = {strlen(EDDY__META_MAGIC), (void *)(uintptr_t)EDDY__META_MAGIC}, v;
    int rc;

    if ((rc = mdb_env_create(&m)) != 0)
        return eddy__err_mdb(rc, "opening a compacted copy to commit once");
    if ((rc = mdb_env_set_maxdbs(m, EDDY__T_COUNT + 1)) == 0)
        rc = mdb_env_open(m, dir, MDB_NOLOCK | MDB_NOTLS, 0644);
    if (rc == 0)
        rc = mdb_txn_begin(m, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, eddy__table_names[EDDY__T_META], 0, &dbi);
    if (rc == 0)
        rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0)
        rc = mdb_put(txn, dbi, &k, &v, 0);
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn != NULL)
        mdb_txn_abort(txn);
    mdb_env_close(m);
    return rc != 0 ? eddy__err_mdb(rc, "committing once in a compacted copy") : 0;
}

int eddy__copy_raw(eddy_env *env, const char *dir, int compact)
{
    eddy__watch *watch = NULL;
    MDB_envinfo info;
    MDB_stat ms;
    char data[4200];
    int rc;

    if (env->opt.progress.fn != NULL && mdb_env_info(env->mdb, &info) == 0 &&
        mdb_env_stat(env->mdb, &ms) == 0 &&
        snprintf(data, sizeof data, "%s/data.mdb", dir) < (int)sizeof data)
        watch = eddy__watch_start(env, data, ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize);
    /* The copy runs its own read transaction: hold map_lock shared like any transaction. */
    pthread_rwlock_rdlock(&env->map_lock);
    rc = eddy__fault(env, "copy");
    if (rc == 0)
        rc = mdb_env_copy2(env->mdb, dir, compact ? MDB_CP_COMPACT : 0);
    pthread_rwlock_unlock(&env->map_lock);
    eddy__watch_stop(env, watch);
    if (rc != 0)
        return eddy__err_mdb(rc, "copying the database");
    if (compact && (rc = commit_copy(dir)) != 0)
        return rc;
    return pad_copy(dir);
}

int eddy__entries_total(eddy_env *env, MDB_txn *txn, uint64_t *n)
{
    MDB_stat st;

    *n = 0;
    for (int t = 0; t < EDDY__T_COUNT; t++) {
        int rc = mdb_stat(txn, env->dbi[t], &st);
        if (rc != 0)
            return eddy__err_mdb(rc, "counting a table's entries");
        *n += st.ms_entries;
    }
    return 0;
}
