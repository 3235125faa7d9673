/*
 * test_stream_fault.c: fault injection (eddy_env_options.fault) on the stream operations: fail
 * the Nth fault-point hit for N = 1, 2, ... until the operation succeeds. Every failure must
 * return an EDDY_E* error, change nothing the API can see (records, shards, checkpoints, leases),
 * keep verify clean, leak nothing (ASan build), and the operation must then succeed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

typedef t_faults faults;

/* What the API shows of the stream: records, shards, checkpoint and lease. */
typedef struct seen {
    uint64_t records;
    uint32_t shards, open;
    int has_ckpt;
    uint64_t lease_counter;
} seen;

static void look(eddy_env *env, seen *s)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_checkpoint c = EDDY_CHECKPOINT_INIT;
    eddy_lease l[8] = {[0 ...(8) - 1] = EDDY_LEASE_INIT};
    size_t n = 0;
    memset(s, 0, sizeof *s);
    T_OK(eddy_stream_get_attributes(env, "s", &info));
    s->records = info.records;
    s->shards = info.shards;
    s->open = info.open_shards;
    s->has_ckpt = eddy_checkpoint_get(env, "s", "app", 0, &c) == 0;
    T_OK(eddy_lease_list(env, "s", "app", l, 8, &n));
    s->lease_counter = n > 0 ? l[0].counter : 0;
}

static int op_run(eddy_env *env, int op, const char *seq)
{
    eddy_stream_put_entry e[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    static char big[20000];
    uint32_t kids[2];
    uint64_t removed;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 3; i++) {
        e[i].partition_key.data = i ? "a" : "b";
        e[i].partition_key.len = 1;
        e[i].data.data = big;
        e[i].data.len = i == 2 ? sizeof big : 300;
    }
    w = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    w.stream = "s";
    w.consumer = "app";
    w.seq = seq;
    switch (op) {
    case 0:
        return eddy_stream_put_batch(env, "s", e, 3, r, NULL);
    case 1:
        return eddy_checkpoint_set(env, &w);
    case 2:
        return eddy_lease_take(env, "s", "app", 0, "w1", 1000, NULL);
    case 3:
        return eddy_stream_split_shard(env, "s", 0, "1000", kids);
    default:
        return eddy_stream_trim(env, "s", 0, &removed);
    }
}

static void each_failure_is_clean(void **state)
{
    t_clock clock = {1700000000000ull};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_env *env;
    faults f;
    seen before, after;

    (void)state;
    memset(&f, 0, sizeof f);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &f;
    env = t_env_open_hooks(t_tmpdir(), &clock, &o, &hooks);
    eddy_stream_options so = {
        .size = sizeof(eddy_stream_options), .shard_count = 2, .retention_ms = 60000};
    T_OK(eddy_stream_create(env, "s", &so));
    e = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = "k";
    e.partition_key.len = 1;
    e.explicit_hash_key = "0";
    T_OK(eddy_stream_put(env, "s", &e, &r));
    for (int op = 0; op < 5; op++) {
        int rc = -1, n;
        if (op == 4)
            clock.now_ms += 120000; /* everything expires: the trim has work */
        for (n = 1; n < 500 && rc != 0; n++) {
            look(env, &before);
            f.hit = 0;
            f.fail_at = n;
            __atomic_store_n(&f.armed, 1, __ATOMIC_SEQ_CST);
            rc = op_run(env, op, r.seq);
            __atomic_store_n(&f.armed, 0, __ATOMIC_SEQ_CST);
            if (rc == 0)
                break;
            assert_true(rc < 0 && rc >= EDDY_EINTERNAL);
            look(env, &after);
            assert_memory_equal(&before, &after, sizeof before);
            t_verify_clean(env);
        }
        assert_int_equal(rc, 0);
        assert_true(n > 1); /* at least one injected failure happened */
        print_message("op %d: succeeded after %d injected failures\n", op, n - 1);
        t_verify_clean(env);
    }
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_failure_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
