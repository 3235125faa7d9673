/* test_commit.c: group commit (engine/core/commit.c): concurrent writers share commits, a failing
 * operation is undone alone, relaxed mode acknowledges early and commits within its window,
 * the map grows by itself, and a size cap gives EDDY_EFULL without damage. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "support.h"
#include "txn.h"

typedef struct put_op {
    char key[32];
    size_t val_len;
    int fail;             /* write, then fail with EDDY_ELIMIT */
    volatile int *gate;   /* when set, spin in apply until *gate != 0 */
    volatile int entered; /* set once apply has started */
} put_op;

static int put_apply(eddy__wtx *w, void *arg)
{
    put_op *p = arg;
    static const uint8_t zeros[65536];
    int rc;

    __atomic_store_n(&p->entered, 1, __ATOMIC_SEQ_CST);
    while (p->gate != NULL && !__atomic_load_n(p->gate, __ATOMIC_SEQ_CST))
        usleep(100);
    rc = eddy__put(w, EDDY__T_META, p->key, strlen(p->key), zeros, p->val_len, 0);
    if (rc == 0 && p->fail)
        return eddy__err(EDDY_ELIMIT, "op %s fails on purpose", p->key);
    return rc;
}

static int put(eddy_env *env, const char *key, size_t len)
{
    put_op p;
    memset(&p, 0, sizeof p);
    snprintf(p.key, sizeof p.key, "%s", key);
    p.val_len = len;
    return eddy__write(env, put_apply, NULL, &p);
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

typedef struct worker {
    eddy_env *env;
    int id, n, fails;
    put_op op;
    int rc;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < w->n; i++) {
        char k[32];
        snprintf(k, sizeof k, "t.%d.%d", w->id, i);
        if (put(w->env, k, 100) != 0)
            w->fails++;
    }
    return NULL;
}

static void concurrent_writers_share_commits(void **state)
{
    eddy_env *env = t_env_open(t_path("db"), NULL);
    pthread_t th[8];
    worker w[8];
    eddy_env_stat st = EDDY_ENV_STAT_INIT;

    for (int i = 0; i < 8; i++) {
        w[i] = (worker){.env = env, .id = i, .n = 200};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].fails, 0);
    }
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.ops_committed, 1600);
    assert_true(st.commits < st.ops_committed); /* groups of more than one */
    print_message("1600 ops in %llu commits\n", (unsigned long long)st.commits);
    assert_true(exists(env, "t.7.199"));
    T_OK(eddy_env_close(env));
    (void)state;
}

static void *run_op(void *arg)
{
    worker *w = arg;
    w->rc = eddy__write(w->env, put_apply, NULL, &w->op);
    return NULL;
}

static void failing_op_is_undone_alone(void **state)
{
    eddy_env *env = t_env_open(t_path("db"), NULL);
    volatile int gate = 0;
    pthread_t th[4];
    worker w[4];
    const char *keys[4] = {"t.gate", "t.ok1", "t.bad", "t.ok2"};

    /* The gate op holds the writer, so the next three are applied in one group. */
    for (int i = 0; i < 4; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].env = env;
        snprintf(w[i].op.key, sizeof w[i].op.key, "%s", keys[i]);
        w[i].op.val_len = 10;
        w[i].op.fail = i == 2;
        w[i].op.gate = i == 0 ? &gate : NULL;
        pthread_create(&th[i], NULL, run_op, &w[i]);
        while (i == 0 && !__atomic_load_n(&w[0].op.entered, __ATOMIC_SEQ_CST))
            usleep(100); /* the writer is inside the gate op */
    }
    while (eddy__write_queued(env) < 3)
        usleep(100);
    __atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(w[0].rc, 0);
    assert_int_equal(w[1].rc, 0);
    assert_int_equal(w[2].rc, EDDY_ELIMIT);
    assert_int_equal(w[3].rc, 0);
    assert_true(exists(env, "t.ok1"));
    assert_false(exists(env, "t.bad"));
    assert_true(exists(env, "t.ok2"));
    /* The failing op's message reaches its own caller. */
    T_RC(EDDY_ELIMIT, eddy__write(env, put_apply, NULL, &w[2].op));
    assert_true(strstr(eddy_last_error(), "fails on purpose") != NULL);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void relaxed_mode_commits_by_close_and_sync(void **state)
{
    const char *dir = t_path("db");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;

    o.durability = EDDY_ENV_DURABILITY_RELAXED;
    o.relaxed_window_ms = 60000; /* only sync, the op bound or close commit here */
    o.relaxed_window_ops = 1000000;
    env = t_env_open_opts(dir, NULL, &o);
    for (int i = 0; i < 100; i++) {
        char k[32];
        snprintf(k, sizeof k, "t.r%d", i);
        T_OK(put(env, k, 50));
    }
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.commits, 0); /* acknowledged, not yet committed */
    assert_false(exists(env, "t.r5"));
    T_OK(eddy_env_sync(env));
    assert_true(exists(env, "t.r99"));
    T_OK(put(env, "t.after", 50));
    T_OK(eddy_env_close(env)); /* commits the rest */
    env = t_env_open(dir, NULL);
    assert_true(exists(env, "t.after"));
    T_OK(eddy_env_close(env));

    o.relaxed_window_ops = 10; /* the op bound forces commits */
    env = t_env_open_opts(dir, NULL, &o);
    for (int i = 0; i < 25; i++)
        T_OK(put(env, "t.x", 10));
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.commits, 2);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void map_grows_by_itself(void **state)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;

    o.map_size_initial = 1u << 20;
    env = t_env_open_opts(t_path("db"), NULL, &o);
    for (int i = 0; i < 3000; i++) {
        char k[32];
        snprintf(k, sizeof k, "t.g%05d", i);
        T_OK(put(env, k, 1500));
    }
    T_OK(eddy_env_stat_get(env, &st));
    assert_true(st.map_grows > 0);
    assert_true(st.map_size > (1u << 20));
    assert_true(exists(env, "t.g00000"));
    assert_true(exists(env, "t.g02999"));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void size_cap_gives_efull_without_damage(void **state)
{
    const char *dir = t_path("db");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    int rc = 0, i;

    o.map_size_initial = 1u << 20;
    o.map_size_max = 2u << 20;
    env = t_env_open_opts(dir, NULL, &o);
    for (i = 0; i < 100000 && rc == 0; i++) {
        char k[32];
        snprintf(k, sizeof k, "t.f%06d", i);
        rc = put(env, k, 1800);
    }
    assert_int_equal(rc, EDDY_EFULL);
    print_message("EFULL after %d puts: %s\n", i - 1, eddy_last_error());
    assert_true(exists(env, "t.f000000"));
    T_RC(EDDY_EFULL, put(env, "t.more", 1800));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    env = t_env_open_opts(dir, NULL, &o);
    assert_true(exists(env, "t.f000000"));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_writers_share_commits),
        cmocka_unit_test(failing_op_is_undone_alone),
        cmocka_unit_test(relaxed_mode_commits_by_close_and_sync),
        cmocka_unit_test(map_grows_by_itself),
        cmocka_unit_test(size_cap_gives_efull_without_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
