/*
 * test_queue_fault.c: fault injection under the queue API (eddy_env_options.fault): each queue
 * operation runs with its Nth fault point failing, N = 1, 2, ... until it succeeds. Every failure
 * must return an EDDY_E* code (never crash), leave the queue as it was (same counts, verify
 * clean), leak nothing (ASan build), and the operation must then succeed. A receive may fail
 * after its commit (when copying the batch out): its messages were then received but not
 * delivered, which at-least-once delivery allows (the test receives with visibility 0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 1700000000000ull

typedef t_faults faults;

typedef struct fx {
    t_clock clk;
    faults f;
    eddy_env *env;
    char receipts[4][EDDY_QUEUE_RECEIPT_LEN + 1];
} fx;

typedef int (*op_fn)(fx *x);

static void snapshot(eddy_env *env, const char *q, eddy_queue_stat *st)
{
    *st = (eddy_queue_stat)EDDY_QUEUE_STAT_INIT;
    if (eddy_queue_stat_get(env, q, st) == EDDY_ENOTFOUND)
        st->messages = UINT64_MAX; /* no queue */
}

/* Run op with fault N = 1, 2, ... until it succeeds; check every failure left q unchanged. */
static void each_fault(fx *x, const char *q, op_fn op, const char *name, int may_take)
{
    eddy_queue_stat before = EDDY_QUEUE_STAT_INIT, after = EDDY_QUEUE_STAT_INIT;
    int rc, n;

    for (n = 1; n < 500; n++) {
        snapshot(x->env, q, &before);
        x->f.hit = 0;
        x->f.fail_at = n;
        __atomic_store_n(&x->f.armed, 1, __ATOMIC_SEQ_CST);
        rc = op(x);
        __atomic_store_n(&x->f.armed, 0, __ATOMIC_SEQ_CST);
        if (rc == 0 && x->f.hit < n)
            break; /* ran without reaching the Nth fault point: done */
        if (rc == 0)
            continue; /* the fault hit a point whose failure was absorbed (e.g. a retry) */
        assert_true(rc < 0 && rc >= EDDY_EINTERNAL);
        snapshot(x->env, q, &after);
        assert_int_equal(after.messages, before.messages);
        if (!may_take || after.in_flight == before.in_flight)
            assert_memory_equal(&after, &before, sizeof after);
        t_verify_clean(x->env);
    }
    assert_true(n < 500);
    print_message("%s: failed at each of its %d fault points in turn\n", name, n - 1);
}

static int op_create(fx *x)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = "dlq";
    o.max_receive_count = 1000;
    return eddy_queue_create(x->env, "q", &o);
}

static int op_send(fx *x)
{
    eddy_queue_attr a = {"k", "String", {"v", 1}};
    eddy_queue_send_entry e[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    static char big[6000];
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    memset(big, 'x', sizeof big);
    e[0].body.data = "small";
    e[0].body.len = 5;
    e[1].body.data = big; /* compressed */
    e[1].body.len = 300;
    e[2].body.data = big; /* chunked */
    e[2].body.len = sizeof big;
    e[2].attrs = &a;
    e[2].attr_count = 1;
    return eddy_queue_send_batch(x->env, "q", e, 3, r);
}

static int receive_two(fx *x, uint32_t visibility_timeout_ms)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    size_t n = 0;
    int rc;

    o.max_messages = 2;
    o.visibility_timeout_ms = visibility_timeout_ms;
    if ((rc = eddy_queue_receive(x->env, "q", &o, &b)) != 0)
        return rc;
    n = eddy_queue_batch_count(b);
    for (size_t i = 0; i < n && i < 2; i++)
        memcpy(x->receipts[i], eddy_queue_batch_message(b, i)->receipt, sizeof x->receipts[i]);
    eddy_queue_batch_free(b);
    return n == 2 ? 0 : EDDY_EINTERNAL;
}

static int op_receive(fx *x)
{
    /* Visibility 0: a receive that fails after its commit leaves nothing hidden. */
    return receive_two(x, EDDY_QUEUE_ZERO_MS);
}

static int op_change(fx *x)
{
    return eddy_queue_change_visibility(x->env, "q", x->receipts[1], 0);
}

static int op_delete(fx *x)
{
    const char *r[1] = {x->receipts[0]};
    int res = 0, rc = eddy_queue_delete_batch(x->env, "q", r, 1, &res);
    return rc != 0 ? rc : res;
}

static int op_purge(fx *x)
{
    return eddy_queue_purge(x->env, "q", NULL);
}

static int op_delete_queue(fx *x)
{
    return eddy_queue_delete(x->env, "q");
}

static void every_operation_fails_cleanly(void **state)
{
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    fx x;

    memset(&x, 0, sizeof x);
    opt = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    x.clk.now_ms = T0;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &x.f;
    x.env = t_env_open_hooks(t_path("db"), &x.clk, &opt, &hooks);
    T_OK(eddy_queue_create(x.env, "dlq", NULL));
    each_fault(&x, "q", op_create, "create", 0);
    for (int i = 0; i < 3; i++)
        each_fault(&x, "q", op_send, "send", 0);
    each_fault(&x, "q", op_receive, "receive", 1);
    /* Only a message in flight can change its visibility: hold two (no fault armed). */
    T_OK(receive_two(&x, 60000));
    each_fault(&x, "q", op_change, "change", 0);
    each_fault(&x, "q", op_delete, "delete", 0);
    each_fault(&x, "q", op_purge, "purge", 0);
    for (int i = 0; i < 2; i++)
        each_fault(&x, "q", op_send, "send", 0);
    each_fault(&x, "q", op_delete_queue, "delete_queue", 0);
    t_verify_clean(x.env);
    T_OK(eddy_env_close(x.env));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_operation_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
