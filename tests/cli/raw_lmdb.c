/*
 * raw_lmdb.c: test helper for tests/cli/test_verify.sh. Writes an Eddy database's LMDB tables
 * directly, behind Eddy's back, to make damage that `eddy verify` must report:
 *     cli_raw_lmdb DIR del-first TABLE   delete the first key of TABLE, print it in hex
 * Never part of the product; it alone of the CLI tests links LMDB.
 */
#include <stdio.h>
#include <string.h>

#include <lmdb.h>

static int del_first(MDB_env *env, const char *table)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t i;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    if ((rc = mdb_dbi_open(txn, table, 0, &dbi)) != 0)
        goto fail_abort;
    if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
        goto fail_abort;
    if ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) != 0)
        goto fail_abort;
    for (i = 0; i < k.mv_size; i++)
        printf("%02x", ((const unsigned char *)k.mv_data)[i]);
    printf("\n");
    if ((rc = mdb_cursor_del(cur, 0)) != 0)
        goto fail_abort;
    mdb_cursor_close(cur);
    return mdb_txn_commit(txn);
fail_abort:
    mdb_txn_abort(txn);
    return rc;
}

int main(int argc, char **argv)
{
    MDB_env *env;
    int rc;
    if (argc != 4 || strcmp(argv[2], "del-first") != 0) {
        fprintf(stderr, "usage: cli_raw_lmdb DIR del-first TABLE\n");
        return 2;
    }
    if ((rc = mdb_env_create(&env)) != 0)
        goto fail;
    mdb_env_set_maxdbs(env, 64);
    if ((rc = mdb_env_open(env, argv[1], 0, 0644)) != 0)
        goto fail_close;
    if ((rc = del_first(env, argv[3])) != 0)
        goto fail_close;
    mdb_env_close(env);
    return 0;
fail_close:
    mdb_env_close(env);
fail:
    fprintf(stderr, "cli_raw_lmdb: %s\n", mdb_strerror(rc));
    return 1;
}
