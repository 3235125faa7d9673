/*
 * test_diskfull.c: a full disk (a 3 MiB tmpfs) makes writes fail with EDDY_EFULL while every
 * committed write stays readable and verify stays clean, in this handle and after reopening.
 * Needs root to mount tmpfs; skips (cmocka skip) where mounting is not allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "support.h"
#include "txn.h"

typedef struct put_op {
    char key[32];
    size_t len;
} put_op;

static int put_apply(eddy__wtx *w, void *arg)
{
    static uint8_t junk[4000];
    put_op *p = arg;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 31 + p->key[5]);
    return eddy__put(w, EDDY__T_META, p->key, strlen(p->key), junk, p->len, 0);
}

static int exists(eddy_env *env, const char *key)
{
    MDB_txn *txn;
    MDB_val v;
    int rc;
    T_OK(eddy__rtxn_begin(env, &txn));
    rc = eddy__get(env, txn, EDDY__T_META, key, strlen(key), &v);
    eddy__rtxn_end(env, txn);
    return rc == 0;
}

static void full_disk_gives_efull_and_keeps_data(void **state)
{
    char mnt[512], db[600];
    eddy_env *env;
    int rc = 0, n = 0;

    snprintf(mnt, sizeof mnt, "%s", t_tmpdir());
    if (getuid() != 0 || mount("eddy-tmpfs", mnt, "tmpfs", 0, "size=3m") != 0) {
        print_message("cannot mount tmpfs here: skipped\n");
        skip();
    }
    snprintf(db, sizeof db, "%s/db", mnt);
    env = t_env_open(db, NULL);
    for (n = 0; n < 10000; n++) {
        put_op p;
        snprintf(p.key, sizeof p.key, "t.d%05d", n);
        p.len = 1500;
        if ((rc = eddy__write(env, put_apply, NULL, &p)) != 0)
            break;
    }
    print_message("EFULL after %d writes: %s\n", n, eddy_last_error());
    assert_int_equal(rc, EDDY_EFULL);
    assert_true(n > 100);
    for (int i = 0; i < n; i++) {
        char k[32];
        snprintf(k, sizeof k, "t.d%05d", i);
        assert_true(exists(env, k));
    }
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    env = t_env_open(db, NULL);
    assert_true(exists(env, "t.d00000"));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    umount2(mnt, MNT_DETACH);
    (void)state;
}

static int send_4k(eddy_env *env)
{
    static char body[4096];
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    memset(body, 'b', sizeof body);
    m.body.data = body;
    m.body.len = sizeof body;
    return eddy_queue_send(env, "q", &m, NULL);
}

/* Mount an 8 MiB tmpfs (skips where not allowed), open a database on it with queue "q" and fill
 * it with 4 KiB sends until EDDY_EFULL; returns the env, the number sent in *n. */
static eddy_env *fill_8m(char *mnt, size_t mnt_cap, char *db, size_t db_cap, eddy_env_options *o,
                         int *n)
{
    eddy_env *env;
    int rc = 0;

    snprintf(mnt, mnt_cap, "%s", t_tmpdir());
    if (getuid() != 0 || mount("eddy-tmpfs", mnt, "tmpfs", 0, "size=8m") != 0) {
        print_message("cannot mount tmpfs here: skipped\n");
        skip();
    }
    snprintf(db, db_cap, "%s/db", mnt);
    *o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o->compression_min_len = UINT32_MAX; /* 4 KiB of 'b' must take 4 KiB */
    env = t_env_open_opts(db, NULL, o);
    T_OK(eddy_queue_create(env, "q", NULL));
    for (*n = 0; *n < 100000 && (rc = send_4k(env)) == 0; (*n)++)
        ;
    print_message("EFULL after %d sends: %s\n", *n, eddy_last_error());
    assert_int_equal(rc, EDDY_EFULL);
    return env;
}

/* An 8 MiB disk filled with 4 KiB bodies until EDDY_EFULL, then purged: the pages LMDB freed
 * are room, so sends work again, also after a reopen, and compaction works (or, when it
 * cannot, says why). */
static void drained_disk_is_not_full(void **state)
{
    char mnt[512], db[600];
    eddy_env_options o;
    uint64_t before = 0, after = 0, removed = 0;
    int rc, n = 0;
    eddy_env *env = fill_8m(mnt, sizeof mnt, db, sizeof db, &o, &n);

    T_OK(eddy_queue_purge(env, "q", &removed));
    assert_int_equal(removed, (uint64_t)n);
    T_OK(send_4k(env));
    T_OK(eddy_env_close(env));
    env = t_env_open_opts(db, NULL, &o);
    T_OK(send_4k(env));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    rc = eddy_env_compact(db, &o, &before, &after);
    print_message("compact: %s (%s), %llu -> %llu bytes\n", eddy_errname(rc), eddy_last_error(),
                  (unsigned long long)before, (unsigned long long)after);
    if (rc != 0)
        assert_true(eddy_last_error()[0] != '\0');
    T_OK(rc);
    assert_true(after < before);
    env = t_env_open_opts(db, NULL, &o);
    T_OK(send_4k(env));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    umount2(mnt, MNT_DETACH);
    (void)state;
}

/* A full disk that was not drained: compaction cannot fit its copy, fails with EDDY_EFULL and
 * says why, and leaves the database as it was. */
static void compact_without_room_says_why(void **state)
{
    char mnt[512], db[600];
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_env_options o;
    int rc, n = 0;
    eddy_env *env = fill_8m(mnt, sizeof mnt, db, sizeof db, &o, &n);

    T_OK(eddy_env_close(env));
    rc = eddy_env_compact(db, &o, NULL, NULL);
    print_message("compact: %s (%s)\n", eddy_errname(rc), eddy_last_error());
    assert_int_equal(rc, EDDY_EFULL);
    assert_non_null(strstr(eddy_last_error(), "room"));
    env = t_env_open_opts(db, NULL, &o);
    T_OK(eddy_queue_get_attributes(env, "q", &info));
    assert_int_equal(info.messages, (uint64_t)n);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    umount2(mnt, MNT_DETACH);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_disk_gives_efull_and_keeps_data),
        cmocka_unit_test(drained_disk_is_not_full),
        cmocka_unit_test(compact_without_room_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
