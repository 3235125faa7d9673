/*
 * test_stream_lease_api.c: checkpoints and leases through include/eddy.h: set/get/list,
 * SHARD_END rules, caller state, the all-or-nothing commit of checkpoints with puts, lease
 * take/renew/release, fencing of a worker whose lease was taken over, takeover after expiry,
 * and balancing across live workers with parents before children. Fake clock only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0  1700000000000ull
#define DUR 10000

typedef t_fx fx;

static int setup(void **state)
{
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 4};
    fx *f = t_fx_open();
    T_OK(eddy_stream_create(f->env, "s", &o));
    *state = f;
    return 0;
}

static void put_on(eddy_env *env, const char *hk, eddy_stream_put_result *r)
{
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = "k";
    e.partition_key.len = 1;
    e.data.data = "d";
    e.data.len = 1;
    e.explicit_hash_key = hk;
    T_OK(eddy_stream_put(env, "s", &e, r));
}

static eddy_checkpoint_write cpw(uint32_t shard, const char *seq)
{
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    w.stream = "s";
    w.consumer = "app";
    w.shard_id = shard;
    w.seq = seq;
    return w;
}

static void checkpoint_basics(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_checkpoint c[4] = {[0 ...(4) - 1] = EDDY_CHECKPOINT_INIT};
    size_t n;

    put_on(f->env, "0", &r);
    w = cpw(0, r.seq);
    w.state.data = "sum=1";
    w.state.len = 5;
    T_OK(eddy_checkpoint_set(f->env, &w));
    T_OK(eddy_checkpoint_get(f->env, "s", "app", 0, c));
    assert_string_equal(c[0].seq, r.seq);
    assert_false(c[0].shard_end);
    assert_int_equal(c[0].state_len, 5);
    assert_memory_equal(c[0].state, "sum=1", 5);
    assert_int_equal(c[0].updated_ms, T0);
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_get(f->env, "s", "app", 1, c));
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_get(f->env, "s", "other", 0, c));
    w = cpw(1, r.seq); /* a number of shard 0 */
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, &w));
    w = cpw(0, EDDY_CHECKPOINT_SHARD_END); /* shard 0 is open */
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, &w));
    w = cpw(0, "not a number");
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, &w));
    w = cpw(9, r.seq);
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, &w));
    w = cpw(0, r.seq);
    w.consumer = "bad consumer";
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, &w));
    w = cpw(0, r.seq);
    w.state.len = EDDY_CHECKPOINT_STATE_MAX + 1;
    w.state.data = "x";
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, &w));
    T_OK(eddy_checkpoint_list(f->env, "s", "app", c, 4, &n));
    assert_int_equal(n, 1);
}

static void checkpoint_shard_end(void **state)
{
    fx *f = *state;
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_checkpoint c = EDDY_CHECKPOINT_INIT;
    uint32_t kids[2];

    T_OK(eddy_stream_split_shard(f->env, "s", 0, "1000", kids));
    w = cpw(0, EDDY_CHECKPOINT_SHARD_END);
    T_OK(eddy_checkpoint_set(f->env, &w));
    T_OK(eddy_checkpoint_get(f->env, "s", "app", 0, &c));
    assert_true(c.shard_end);
    assert_string_equal(c.seq, EDDY_CHECKPOINT_SHARD_END);
}

/* Checkpoints and puts in one commit: all or nothing. */
static void commit_atomic(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_put_result res[2] = {[0 ...(2) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_put_entry e[2] = {[0 ...(2) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_checkpoint_write w[2] = {[0 ...(2) - 1] = EDDY_CHECKPOINT_WRITE_INIT};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_checkpoint c = EDDY_CHECKPOINT_INIT;

    T_OK(eddy_stream_create(f->env, "out", NULL));
    put_on(f->env, "0", &r);
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 2; i++) {
        e[i].partition_key.data = "k";
        e[i].partition_key.len = 1;
        e[i].data.data = "derived";
        e[i].data.len = 7;
    }
    w[0] = cpw(0, r.seq);
    T_OK(eddy_checkpoint_commit(f->env, w, 1, "out", e, 2, res));
    assert_int_equal(res[0].rc, 0);
    T_OK(eddy_stream_get_attributes(f->env, "out", &info));
    assert_int_equal(info.records, 2);
    /* A bad second checkpoint: nothing of the commit is stored. */
    put_on(f->env, "0", &r);
    w[0] = cpw(0, r.seq);
    w[1] = cpw(1, r.seq);
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(f->env, w, 2, "out", e, 2, res));
    T_OK(eddy_stream_get_attributes(f->env, "out", &info));
    assert_int_equal(info.records, 2);
    /* A fenced checkpoint that fails inside the transaction also undoes the puts. */
    w[0].worker = "w1";
    w[0].lease_counter = 1;
    T_RC(EDDY_EEXPIRED, eddy_checkpoint_commit(f->env, w, 1, "out", e, 2, res));
    assert_int_equal(res[0].rc, EDDY_EEXPIRED);
    T_OK(eddy_stream_get_attributes(f->env, "out", &info));
    assert_int_equal(info.records, 2);
    T_OK(eddy_checkpoint_get(f->env, "s", "app", 0, &c));
    assert_string_not_equal(c.seq, r.seq);
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(f->env, NULL, 0, NULL, NULL, 0, NULL));
}

static void lease_take_renew_release(void **state)
{
    fx *f = *state;
    eddy_lease l = EDDY_LEASE_INIT;
    eddy_lease l2 = EDDY_LEASE_INIT;
    eddy_lease all[4] = {[0 ...(4) - 1] = EDDY_LEASE_INIT};
    size_t n;

    T_OK(eddy_lease_take(f->env, "s", "app", 0, "w1", DUR, &l));
    assert_string_equal(l.owner, "w1");
    assert_int_equal(l.counter, 1);
    assert_true(l.held);
    assert_int_equal(l.expires_ms, T0 + DUR);
    T_RC(EDDY_EBUSY, eddy_lease_take(f->env, "s", "app", 0, "w2", DUR, &l2));
    T_OK(eddy_lease_take(f->env, "s", "app", 0, "w1", DUR, &l)); /* own: a renewal */
    assert_int_equal(l.counter, 2);
    T_OK(eddy_lease_renew(f->env, "s", "app", 0, "w1", 2, DUR, &l));
    assert_int_equal(l.counter, 3);
    T_RC(EDDY_EEXPIRED, eddy_lease_renew(f->env, "s", "app", 0, "w1", 2, DUR, &l));
    T_RC(EDDY_EEXPIRED, eddy_lease_renew(f->env, "s", "app", 0, "w2", 3, DUR, &l));
    T_RC(EDDY_EEXPIRED, eddy_lease_renew(f->env, "s", "app", 1, "w1", 1, DUR, &l));
    T_RC(EDDY_ENOTFOUND, eddy_lease_take(f->env, "s", "app", 9, "w1", DUR, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(f->env, "s", "app", 0, "w1", 0, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(f->env, "s", "app", 0, "bad worker", DUR, &l));
    T_OK(eddy_lease_release(f->env, "s", "app", 0, "w1", 3));
    T_OK(eddy_lease_list(f->env, "s", "app", all, 4, &n));
    assert_int_equal(n, 1);
    assert_string_equal(all[0].owner, "");
    assert_false(all[0].held);
    T_OK(eddy_lease_take(f->env, "s", "app", 0, "w2", DUR, &l2));
    assert_int_equal(l2.counter, 5);
}

/* Two workers: w2 takes w1's shard after it expired; w1's fenced checkpoint is refused. */
static void fenced_checkpoint(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_checkpoint c = EDDY_CHECKPOINT_INIT;
    eddy_lease l1 = EDDY_LEASE_INIT, l2 = EDDY_LEASE_INIT;

    put_on(f->env, "0", &r);
    T_OK(eddy_lease_take(f->env, "s", "app", 0, "w1", DUR, &l1));
    w = cpw(0, r.seq);
    w.worker = "w1";
    w.lease_counter = l1.counter;
    T_OK(eddy_checkpoint_set(f->env, &w));
    T_OK(eddy_checkpoint_get(f->env, "s", "app", 0, &c));
    assert_int_equal(c.lease_counter, l1.counter);
    f->clk.now_ms += DUR - 1;
    T_RC(EDDY_EBUSY, eddy_lease_take(f->env, "s", "app", 0, "w2", DUR, &l2));
    f->clk.now_ms += 1; /* w1 stopped renewing: the lease expired */
    T_OK(eddy_lease_take(f->env, "s", "app", 0, "w2", DUR, &l2));
    assert_int_equal(l2.counter, l1.counter + 1);
    put_on(f->env, "0", &r);
    w.seq = r.seq;
    T_RC(EDDY_EEXPIRED, eddy_checkpoint_set(f->env, &w));
    T_RC(EDDY_EEXPIRED, eddy_lease_renew(f->env, "s", "app", 0, "w1", l1.counter, DUR, &l1));
    w.worker = "w2";
    w.lease_counter = l2.counter;
    T_OK(eddy_checkpoint_set(f->env, &w));
}

static size_t balance(fx *f, const char *worker, eddy_lease *held)
{
    size_t n = 0;
    T_OK(eddy_lease_balance(f->env, "s", "app", worker, DUR, held, 8, &n));
    return n;
}

/* Balancing: 4 shards, two workers end with 2 each; a dead worker's shards move. */
static void balance_two_workers(void **state)
{
    fx *f = *state;
    eddy_lease h[8] = {[0 ...(8) - 1] = EDDY_LEASE_INIT};

    assert_int_equal(balance(f, "w1", h), 4); /* alone: takes everything */
    assert_int_equal(balance(f, "w2", h), 1); /* steals one per round */
    assert_int_equal(balance(f, "w2", h), 2);
    assert_int_equal(balance(f, "w2", h), 2); /* balanced: no more stealing */
    assert_int_equal(balance(f, "w1", h), 2);
    f->clk.now_ms += DUR / 2;
    assert_int_equal(balance(f, "w2", h), 2); /* w2 renews; w1 does not */
    f->clk.now_ms += DUR / 2;
    assert_int_equal(balance(f, "w2", h), 4); /* w1 expired: w2 takes over */
}

/* Children are leased only after their parents were checkpointed at SHARD_END. */
static void balance_parents_first(void **state)
{
    fx *f = *state;
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_lease h[8] = {[0 ...(8) - 1] = EDDY_LEASE_INIT};
    uint32_t kids[2];
    size_t n;

    T_OK(eddy_stream_split_shard(f->env, "s", 0, "1000", kids));
    n = balance(f, "w1", h);
    assert_int_equal(n, 4); /* shards 0 (closed, unfinished), 1, 2, 3; not 4 and 5 yet */
    for (size_t i = 0; i < n; i++)
        assert_true(h[i].shard_id < 4);
    w = cpw(0, EDDY_CHECKPOINT_SHARD_END);
    w.worker = "w1";
    w.lease_counter = h[0].counter;
    T_OK(eddy_checkpoint_set(f->env, &w));
    n = balance(f, "w1", h);
    assert_int_equal(n, 5); /* 1, 2, 3 and the children 4, 5; 0 was handed back */
    assert_int_equal(h[n - 1].shard_id, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(checkpoint_basics, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(checkpoint_shard_end, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(commit_atomic, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(lease_take_renew_release, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(fenced_checkpoint, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(balance_two_workers, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(balance_parents_first, setup, t_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
