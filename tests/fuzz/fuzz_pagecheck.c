/*
 * fuzz_pagecheck.c: libFuzzer target for the check of LMDB's pages (engine/core/pagecheck.c), which
 * reads files nobody vouches for. The input is a data.mdb image (the seeds are small Eddy
 * databases cut at their last page). Invariants:
 * - the quick check returns 0, EDDY_ECORRUPT or EDDY_EVERSION (another program's LMDB
 *   database), with a message; neither check crashes, hangs or leaks, and every reported problem
 *   has a sentence; what the full check passes, the quick one (which reads a part of the same)
 *   does not call damaged;
 * - the promise of decision 0006: when the full check finds nothing, LMDB itself can read every
 *   table from end to end in both directions and change it (delete the first entry, add one)
 *   and commit without crashing. LMDB's error codes are fine there; a crash, an abort or a
 *   sanitizer report inside liblmdb is a finding.
 * Internal API: one env is opened per process, only for its allocator.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_db.h"
#include "pagecheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_problem(void *ctx, const char *tree, const char *what)
{
    REQUIRE(tree != NULL && tree[0] != '\0' && what != NULL && what[0] != '\0');
    ++*(uint64_t *)ctx;
    return 0;
}

/* Every entry of one table, forwards and backwards; each value's bytes are touched. */
static void read_table(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_cursor *cur;
    MDB_val k, v;
    volatile uint8_t sink = 0;

    if (mdb_cursor_open(txn, dbi, &cur) != 0)
        return;
    for (int op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0; op = MDB_NEXT)
        if (v.mv_size > 0)
            sink ^= ((const uint8_t *)v.mv_data)[0] ^ ((const uint8_t *)v.mv_data)[v.mv_size - 1];
    for (int op = MDB_LAST; mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0; op = MDB_PREV)
        if (k.mv_size > 0)
            sink ^= ((const uint8_t *)k.mv_data)[0];
    mdb_cursor_close(cur);
    (void)sink;
}

/* LMDB on a file the full check passed: read everything, then change every table. */
static void lmdb_uses(const char *path)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi main_dbi, dbis[64];
    MDB_cursor *cur;
    MDB_val k, v;
    char names[64][72];
    int n = 0;

    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 64);
    if (mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0644) != 0)
        goto done;
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
        goto done;
    if (mdb_dbi_open(txn, NULL, 0, &main_dbi) == 0 && mdb_cursor_open(txn, main_dbi, &cur) == 0) {
        for (int op = MDB_FIRST; n < 64 && mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0;
             op = MDB_NEXT)
            if (k.mv_size < sizeof names[0]) {
                memcpy(names[n], k.mv_data, k.mv_size);
                names[n++][k.mv_size] = '\0';
            }
        mdb_cursor_close(cur);
    }
    for (int i = 0; i < n; i++)
        if (mdb_dbi_open(txn, names[i], 0, &dbis[i]) == 0)
            read_table(txn, dbis[i]);
    mdb_txn_abort(txn);
    if (mdb_txn_begin(env, NULL, 0, &txn) != 0)
        goto done;
    for (int i = 0; i < n; i++) {
        MDB_dbi dbi;
        uint8_t key[8] = {0xff, 0xfe, 'f', 'u', 'z', 'z', 0, (uint8_t)i}, val[100];
        MDB_val nk = {sizeof key, key}, nv = {sizeof val, val};
        if (mdb_dbi_open(txn, names[i], 0, &dbi) != 0)
            continue;
        memset(val, i, sizeof val);
        if (mdb_cursor_open(txn, dbi, &cur) == 0) {
            if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0)
                (void)mdb_cursor_del(cur, 0);
            mdb_cursor_close(cur);
        }
        (void)mdb_put(txn, dbi, &nk, &nv, 0);
    }
    (void)mdb_txn_commit(txn);
done:
    mdb_env_close(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[300];
    uint64_t problems = 0, seen = 0;
    int fd, rc, quick;

    if (fdb.env == NULL)
        fuzz_db_open("pagecheck", 1);
    snprintf(path, sizeof path, "%s/input.mdb", fdb.dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, data, size) == (ssize_t)size);
    close(fd);

    rc = eddy__pagecheck_quick(fdb.env, path);
    REQUIRE(rc == 0 || rc == EDDY_ECORRUPT || rc == EDDY_EVERSION);
    REQUIRE(rc == 0 || eddy_last_error()[0] != '\0');
    quick = rc;
    rc = eddy__pagecheck_path(fdb.env, path, on_problem, &seen, &problems);
    REQUIRE(rc == 0);
    REQUIRE(problems == seen);
    /* The quick check reads a part of what the full one does; EDDY_EVERSION (sound pages, a
     * table directory with none of Eddy's tables) is no damage. */
    REQUIRE(problems > 0 || quick != EDDY_ECORRUPT);
    if (problems == 0)
        lmdb_uses(path);
    unlink(path);
    return 0;
}
