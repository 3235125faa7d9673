/*
 * test_fault.c: fault injection at every fault point of the foundation (eddy_env_options.fault):
 * fail the Nth hit for N = 1, 2, ... until the operation succeeds. Each failure must return an
 * EDDY_E* error (never crash), leave the database as it was (the key absent, verify clean),
 * leak nothing (ASan build), and the next operation must work.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "support.h"

typedef t_faults faults;

typedef struct put_arg {
    const char *key;
    eddy__payload p;
} put_arg;

static int put_apply(eddy__wtx *w, void *arg)
{
    put_arg *a = arg;
    return eddy__payload_put(w, EDDY__T_META, a->key, strlen(a->key), EDDY__KIND_OTHER, "m", 1,
                             &a->p, 0);
}

static int do_put(eddy_env *env, const char *key, const void *body, size_t len)
{
    put_arg a = {key, {0}};
    int rc = eddy__payload_prepare(env, body, len, &a.p);
    if (rc == 0)
        rc = eddy__write(env, put_apply, NULL, &a);
    eddy__payload_release(env, &a.p);
    return rc;
}

static int key_exists(eddy_env *env, const char *key)
{
    MDB_txn *txn;
    MDB_val v;
    int rc;
    T_OK(eddy__rtxn_begin(env, &txn));
    rc = eddy__get(env, txn, EDDY__T_META, key, strlen(key), &v);
    eddy__rtxn_end(env, txn);
    return rc == 0;
}

static void each_failure_of_a_write_is_clean(void **state)
{
    static uint8_t body[30000];
    faults f;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    eddy_env *env;
    int n, rc;
    uint64_t seed = t_seed();

    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)t_rand(&seed);
    memset(&f, 0, sizeof f);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &f;
    env = t_env_open_hooks(t_path("db"), NULL, &o, &hooks);
    T_OK(do_put(env, "before", "x", 1));
    for (n = 1; n < 1000; n++) {
        f.hit = 0;
        f.fail_at = n;
        f.point[0] = '\0';
        __atomic_store_n(&f.armed, 1, __ATOMIC_SEQ_CST);
        rc = do_put(env, "k", body, sizeof body); /* chunked: 8 chunk puts + the value */
        __atomic_store_n(&f.armed, 0, __ATOMIC_SEQ_CST);
        if (rc == 0)
            break;
        assert_true(rc == EDDY_ENOMEM || rc == EDDY_EIO || rc == EDDY_EFULL);
        assert_true(f.point[0] != '\0');
        assert_false(key_exists(env, "k"));
        assert_true(key_exists(env, "before"));
        t_verify_clean(env);
    }
    print_message("write succeeded once %d fault points had been failed\n", n - 1);
    assert_true(n > 5);
    assert_true(key_exists(env, "k"));
    T_OK(do_put(env, "after", "y", 1));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void each_failure_of_open_is_clean(void **state)
{
    const char *dir = t_path("db");
    faults f;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    eddy_env *env = NULL;
    int n, rc = -1;

    env = t_env_open(dir, NULL); /* create it first; then fail each point of a reopen */
    T_OK(eddy_env_close(env));
    memset(&f, 0, sizeof f);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &f;
    for (n = 1; n < 200 && rc != 0; n++) {
        f.hit = 0;
        f.fail_at = n;
        f.armed = 1;
        env = NULL;
        rc = eddy_test_env_open(dir, &o, &hooks, &env);
        if (rc != 0)
            assert_null(env);
    }
    T_OK(rc);
    f.armed = 0;
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void map_grow_failure_fails_the_write_alone(void **state)
{
    static uint8_t body[1500];
    faults f;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    eddy_env *env;
    int rc = 0, i;
    uint64_t seed = t_seed();

    memset(&f, 0, sizeof f);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.map_size_initial = 1u << 20;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &f;
    f.only = "map_grow";
    f.fail_at = 1;
    f.armed = 1;
    env = t_env_open_hooks(t_path("db"), NULL, &o, &hooks);
    for (i = 0; i < 5000 && rc == 0; i++) {
        char k[32];
        snprintf(k, sizeof k, "g%05d", i);
        for (size_t j = 0; j < sizeof body; j++)
            body[j] = (uint8_t)t_rand(&seed); /* incompressible: the map must grow */
        rc = do_put(env, k, body, sizeof body);
    }
    assert_int_equal(rc, EDDY_EIO);
    assert_string_equal(f.point, "map_grow");
    /* The next hit succeeds: writing goes on. */
    T_OK(do_put(env, "after", "z", 1));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_failure_of_a_write_is_clean),
        cmocka_unit_test(each_failure_of_open_is_clean),
        cmocka_unit_test(map_grow_failure_fails_the_write_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
