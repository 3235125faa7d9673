/*
 * lmdb_env.c: the LMDB environment itself, for env/env.c: its flags, opening it (with the
 * version check and the stale-reader sweep), the bootstrap transaction that opens the named
 * tables and checks the meta record, its statistics, and closing it. Part of the LMDB door
 * (txn.h); it never reads or writes Eddy's data beyond the meta record.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "error.h"
#include "keys.h"
#include "txn.h"

#define MAXDBS 32
_Static_assert(EDDY__T_COUNT <= MAXDBS, "raise MAXDBS");

/* ---- open ---- */

unsigned eddy__lmdb_flags(const eddy_env *env)
{
    unsigned flags = MDB_NOTLS | (env->readonly ? MDB_RDONLY : 0);
    /* Test-only positive control for the power-loss test (eddy.h: eddy_test_hooks). */
    if (env->hooks.flags & EDDY_TEST_UNSAFE_NOSYNC)
        flags |= MDB_NOSYNC;
    return flags;
}

int eddy__lmdb_open(eddy_env *env)
{
    unsigned flags = eddy__lmdb_flags(env);
    int maj, min, pat, rc, dead = 0;
    MDB_envinfo info;

    mdb_version(&maj, &min, &pat);
    if (maj == 0 && (min < 9 || (min == 9 && pat < 24)))
        return eddy__err(EDDY_EVERSION, "LMDB %d.%d.%d is older than the 0.9.24 Eddy needs", maj,
                         min, pat);
    if ((rc = mdb_env_create(&env->mdb)) != 0)
        return eddy__err_mdb(rc, "creating the LMDB environment");
    if ((rc = mdb_env_set_maxdbs(env->mdb, MAXDBS)) != 0 ||
        (rc = mdb_env_set_maxreaders(env->mdb, env->opt.max_readers)) != 0 ||
        (rc = mdb_env_set_mapsize(env->mdb, (size_t)env->opt.map_size_initial)) != 0)
        return eddy__err_mdb(rc, "configuring the LMDB environment");
    rc = mdb_env_open(env->mdb, env->path, flags, 0644);
    if (rc != 0)
        return eddy__err_mdb(rc, "opening the LMDB files");
    if ((rc = mdb_env_info(env->mdb, &info)) != 0)
        return eddy__err_mdb(rc, "reading the LMDB environment's info");
    atomic_store(&env->map_size, info.me_mapsize);
    if ((rc = eddy__pad_tail(env, 1)) != 0)
        return rc;
    /* Readers left by dead processes pin old pages: clear them now. */
    if ((rc = mdb_reader_check(env->mdb, &dead)) != 0)
        return eddy__err_mdb(rc, "checking for stale readers");
    if (dead > 0)
        eddy__log(env, EDDY_LOG_WARN, "environment '%s': cleared %d reader slots of dead processes",
                  env->path, dead);
    return 0;
}

/* ---- tables and the meta record ---- */

static int meta_check(eddy_env *env, MDB_txn *txn)
{
    MDB_val k = {strlen(EDDY__META_FORMAT), (void *)(uintptr_t)EDDY__META_FORMAT}, v;
    MDB_val km = {strlen(EDDY__META_MAGIC), (void *)(uintptr_t)EDDY__META_MAGIC}, vm;
    uint32_t fmt;
    int rc = mdb_get(txn, env->dbi[EDDY__T_META], &km, &vm);

    if (rc == MDB_NOTFOUND)
        return eddy__err(EDDY_EVERSION,
                         "not an Eddy database: '%s' holds an LMDB database that is not Eddy's "
                         "(no meta record)",
                         env->path);
    if (rc != 0)
        return eddy__err_mdb(rc, "reading the meta record");
    if (vm.mv_size != 8 || memcmp(vm.mv_data, EDDY__MAGIC, 8) != 0)
        return eddy__err(EDDY_EVERSION,
                         "not an Eddy database: '%s' has a wrong magic value (not Eddy's)",
                         env->path);
    if ((rc = mdb_get(txn, env->dbi[EDDY__T_META], &k, &v)) != 0 || v.mv_size != 4)
        return EDDY__CORRUPT("meta record: format version missing or malformed");
    fmt = eddy__be32_get(v.mv_data);
    if (fmt > EDDY_FORMAT_VERSION)
        return eddy__err(EDDY_EVERSION,
                         "database '%s' has format version %u; this library reads up to %d",
                         env->path, fmt, EDDY_FORMAT_VERSION);
    if (fmt == 0)
        return EDDY__CORRUPT("meta record: format version 0");
    return 0;
}

/* Count the named tables in LMDB's main table, to tell an empty environment from a foreign one. */
static int main_entries(MDB_txn *txn, size_t *n)
{
    MDB_dbi main_dbi;
    MDB_stat st;
    int rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (rc == 0)
        rc = mdb_stat(txn, main_dbi, &st);
    if (rc != 0)
        return eddy__err_mdb(rc, "reading the table directory");
    *n = st.ms_entries;
    return 0;
}

int eddy__lmdb_bootstrap(eddy_env *env)
{
    MDB_txn *txn = NULL;
    unsigned dbflags = env->readonly ? 0 : MDB_CREATE;
    size_t before = 0;
    MDB_envinfo info;
    int rc = mdb_txn_begin(env->mdb, NULL, env->readonly ? MDB_RDONLY : 0, &txn);

    if (rc != 0)
        return eddy__err_mdb(rc, "beginning the bootstrap transaction");
    if ((rc = main_entries(txn, &before)) != 0)
        goto fail_abort;
    /* Only a file LMDB just created (txn 0) may be given tables: an existing one with an empty
     * table directory is a torn meta page over empty trees, and initializing it would commit
     * over the good snapshot (decision 0016, addendum). */
    if (before == 0 && mdb_env_info(env->mdb, &info) == 0 && info.me_last_txnid != 0) {
        rc = eddy__err(EDDY_ECORRUPT,
                       "'%s': snapshot txn %llu has an empty table directory (a torn meta page?); "
                       "run `eddy recover` to roll back to the previous snapshot",
                       env->path, (unsigned long long)info.me_last_txnid);
        goto fail_abort;
    }
    for (int t = 0; t < EDDY__T_COUNT; t++) {
        int r = mdb_dbi_open(txn, eddy__table_names[t], dbflags, &env->dbi[t]);
        if (r == MDB_NOTFOUND && before > 0 && t == EDDY__T_META) {
            rc =
                eddy__err(EDDY_EVERSION,
                          "not an Eddy database: '%s' has no table 'meta' (not Eddy's)", env->path);
            goto fail_abort;
        }
        if (r == MDB_NOTFOUND && before > 0) {
            rc = eddy__err(EDDY_EVERSION,
                           "database '%s' has no table '%s' (an older build of Eddy made "
                           "it); open it read-write once to add it",
                           env->path, eddy__table_names[t]);
            goto fail_abort;
        }
        if (r == MDB_NOTFOUND) {
            rc = eddy__err(EDDY_ENOTFOUND, "no database at '%s'", env->path);
            goto fail_abort;
        }
        if (r != 0) {
            rc = eddy__err_mdb(r, "opening a table");
            goto fail_abort;
        }
    }
    if (!env->readonly && before == 0)
        rc = eddy__meta_init(env, txn, env->dbi[EDDY__T_META]);
    if (rc == 0)
        rc = meta_check(env, txn);
    if (rc != 0)
        goto fail_abort;
    /* Commit even a read-only bootstrap: LMDB keeps table handles only from committed txns. */
    if ((rc = mdb_txn_commit(txn)) != 0)
        return eddy__err_mdb(rc, "committing the bootstrap transaction");
    return 0;
fail_abort:
    mdb_txn_abort(txn);
    return rc;
}

/* ---- close ---- */

void eddy__lmdb_close(eddy_env *env)
{
    if (env->mdb != NULL)
        mdb_env_close(env->mdb);
    env->mdb = NULL;
}

/* ---- statistics ---- */

/* mdb_reader_list callback: counts the lines of reader slots (not its header or "(no active
 * readers)"). */
static int count_reader(const char *msg, void *ctx)
{
    if (strstr(msg, "pid") == NULL && msg[0] != '(')
        ++*(uint32_t *)ctx;
    return 0;
}

void eddy__lmdb_env_stat(eddy_env *env, eddy__lmdb_stat *out)
{
    MDB_envinfo info;
    MDB_stat st;

    memset(out, 0, sizeof *out);
    if (mdb_env_info(env->mdb, &info) == 0) {
        out->map_size = info.me_mapsize;
        out->pages_used = info.me_last_pgno + 1;
        out->readers_max = info.me_maxreaders;
    }
    if (mdb_env_stat(env->mdb, &st) == 0)
        out->page_size = st.ms_psize;
    /* slots owned by a process (me_numreaders is only a high-water mark) */
    mdb_reader_list(env->mdb, count_reader, &out->readers_used);
}

const char *eddy__lmdb_version(void)
{
    return mdb_version(NULL, NULL, NULL);
}
