/*
 * raw_lmdb.c: test helper for tests/cli/test_verify.sh and test_readers.sh. Writes an Eddy
 * database's LMDB tables directly, behind Eddy's back, to make damage that `eddy verify` must
 * report, or holds a reader slot the way another LMDB program would:
 *     cli_raw_lmdb DIR del-first TABLE   delete the first key of TABLE, print it in hex
 *     cli_raw_lmdb DIR hold SECONDS      hold a read transaction open, print "holding PID"
 * Never part of the product; it alone of the CLI tests links LMDB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Hold a read transaction (a reader slot with a snapshot) for `seconds`. */
static int hold(MDB_env *env, const char *seconds)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return rc;
    printf("holding %ld\n", (long)getpid());
    fflush(stdout);
    sleep((unsigned)atoi(seconds));
    mdb_txn_abort(txn);
    return 0;
}

int main(int argc, char **argv)
{
    MDB_env *env;
    int rc;
    if (argc != 4 || (strcmp(argv[2], "del-first") != 0 && strcmp(argv[2], "hold") != 0)) {
        fprintf(stderr, "usage: cli_raw_lmdb DIR del-first TABLE | DIR hold SECONDS\n");
        return 2;
    }
    if ((rc = mdb_env_create(&env)) != 0)
        goto fail;
    mdb_env_set_maxdbs(env, 64);
    if ((rc = mdb_env_open(env, argv[1], 0, 0644)) != 0)
        goto fail_close;
    rc = strcmp(argv[2], "hold") == 0 ? hold(env, argv[3]) : del_first(env, argv[3]);
    if (rc != 0)
        goto fail_close;
    mdb_env_close(env);
    return 0;
fail_close:
    mdb_env_close(env);
fail:
    fprintf(stderr, "cli_raw_lmdb: %s\n", mdb_strerror(rc));
    return 1;
}
