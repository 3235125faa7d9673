/*
 * test_refusals.c: every refusal carries its message. Sweeps the write paths that run on the
 * writer thread (queue sends, deletes, visibility changes, restores; stream puts, reshards;
 * checkpoints; leases) and the batch forms, whose entries fail one by one, and checks that each
 * failed call, or each batch with a failed entry, leaves a meaningful eddy_last_error().
 * docs/SEMANTICS.md "Environment and durability" names this test. Fake clock only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

/* The call returned `want`, and its message names `word`. */
#define T_MSG(want, word, expr)                                                                    \
    do {                                                                                           \
        T_RC((want), (expr));                                                                      \
        msg_has(#expr, (word));                                                                    \
    } while (0)

static void msg_has(const char *what, const char *word)
{
    const char *m = eddy_last_error();
    if (strstr(m, word) == NULL)
        print_error("%s: message '%s' lacks '%s'\n", what, m, word);
    assert_non_null(strstr(m, word));
}

static void send1(eddy_env *env, const char *q)
{
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    m.body.data = "x";
    m.body.len = 1;
    T_OK(eddy_queue_send(env, q, &m, NULL));
}

static eddy_queue_batch *recv1(eddy_env *env, const char *q, const char **receipt)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    o.max_messages = 1;
    T_OK(eddy_queue_receive(env, q, &o, &b));
    assert_int_equal(eddy_queue_batch_count(b), 1);
    *receipt = eddy_queue_batch_message(b, 0)->receipt;
    return b;
}

static void queue_refusals_carry_messages(void **state)
{
    fx *f = *state;
    char old[EDDY_QUEUE_RECEIPT_LEN + 1];
    eddy_queue_visibility_entry ve[2] = {EDDY_QUEUE_VISIBILITY_ENTRY_INIT,
                                         EDDY_QUEUE_VISIBILITY_ENTRY_INIT};
    const char *rcpt, *list[2];
    eddy_queue_batch *b, *b2;
    int results[2];

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send1(f->env, "q");
    b = recv1(f->env, "q", &rcpt);
    memcpy(old, rcpt, sizeof old);
    eddy_queue_batch_free(b);
    /* past the 12-hour cap (checked on the writer thread) */
    f->clk.now_ms += 1;
    T_MSG(EDDY_EINVAL, "43200000", eddy_queue_change_visibility(f->env, "q", old, 43200000));
    T_OK(eddy_queue_change_visibility(f->env, "q", old, 0));
    b2 = recv1(f->env, "q", &rcpt);
    /* stale receipts */
    T_MSG(EDDY_EEXPIRED, "stale", eddy_queue_delete_message(f->env, "q", old));
    T_MSG(EDDY_EEXPIRED, "stale", eddy_queue_change_visibility(f->env, "q", old, 10));
    /* batches: the entry fails, the call succeeds and carries the entry's message */
    list[0] = old;
    list[1] = rcpt;
    T_OK(eddy_queue_delete_batch(f->env, "q", list, 2, results));
    assert_int_equal(results[0], EDDY_EEXPIRED);
    assert_int_equal(results[1], 0);
    msg_has("delete_batch", "stale");
    /* deleted twice */
    T_MSG(EDDY_ENOTFOUND, "no longer", eddy_queue_delete_message(f->env, "q", rcpt));
    ve[0].receipt = rcpt;
    ve[0].timeout_ms = 5;
    ve[1].receipt = "garbage";
    ve[1].timeout_ms = 5;
    T_OK(eddy_queue_change_visibility_batch(f->env, "q", ve, 2, results));
    assert_int_equal(results[0], EDDY_ENOTFOUND);
    assert_int_equal(results[1], EDDY_EINVAL);
    msg_has("change_visibility_batch", "no longer");
    eddy_queue_batch_free(b2);
    /* the other queue writes */
    T_MSG(EDDY_ENOTFOUND, "nope", eddy_queue_delete(f->env, "nope"));
    T_MSG(EDDY_ENOTFOUND, "nope", eddy_queue_purge(f->env, "nope", NULL));
}

static void send_batch_entry_refusal_has_message(void **state)
{
    fx *f = *state;
    eddy_queue_send_entry m[2] = {EDDY_QUEUE_SEND_ENTRY_INIT, EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[2] = {EDDY_QUEUE_SEND_RESULT_INIT};

    T_OK(eddy_queue_create(f->env, "q", NULL));
    m[0].body.data = "x";
    m[0].body.len = 1;
    m[1].body.data = "y";
    m[1].body.len = 1;
    m[1].delay_ms = 900001;
    T_OK(eddy_queue_send_batch(f->env, "q", m, 2, r));
    assert_int_equal(r[0].rc, 0);
    assert_int_equal(r[1].rc, EDDY_EINVAL);
    msg_has("send_batch", "900");
}

static eddy_stream_put_entry put_entry(const char *pk)
{
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = pk;
    e.partition_key.len = strlen(pk);
    e.data.data = "d";
    e.data.len = 1;
    return e;
}

static void stream_refusals_carry_messages(void **state)
{
    fx *f = *state;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_put_entry e[2];
    eddy_stream_put_result r[2] = {EDDY_STREAM_PUT_RESULT_INIT};
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_lease l = EDDY_LEASE_INIT;
    uint32_t kids[2];
    size_t failed = 0;

    o.shard_count = 1;
    T_OK(eddy_stream_create(f->env, "s", &o));
    o.shard_count = 2;
    T_MSG(EDDY_EEXIST, "s", eddy_stream_create(f->env, "s", &o));
    e[0] = put_entry("a");
    e[1] = put_entry("");
    T_OK(eddy_stream_put_batch(f->env, "s", e, 2, r, &failed));
    assert_int_equal(failed, 1);
    assert_int_equal(r[1].rc, EDDY_EINVAL);
    msg_has("put_batch", "partition key");
    T_OK(eddy_stream_split_shard(f->env, "s", 0, "1000", kids));
    T_MSG(EDDY_EINVAL, "closed", eddy_stream_split_shard(f->env, "s", 0, "10", kids));
    /* checkpoints: a fenced write without the lease, a sequence number of another shard */
    w.stream = "s";
    w.consumer = "app";
    w.shard_id = 0;
    w.seq = r[0].seq;
    w.worker = "w1";
    w.lease_counter = 7;
    T_MSG(EDDY_EEXPIRED, "lease", eddy_checkpoint_set(f->env, &w));
    w.worker = NULL;
    w.shard_id = kids[0];
    T_MSG(EDDY_EINVAL, "shard", eddy_checkpoint_set(f->env, &w));
    /* leases: held by another worker, a lost lease */
    T_OK(eddy_lease_take(f->env, "s", "app", kids[0], "w1", 10000, &l));
    T_MSG(EDDY_EBUSY, "w1", eddy_lease_take(f->env, "s", "app", kids[0], "w2", 10000, NULL));
    T_MSG(EDDY_EEXPIRED, "lease",
          eddy_lease_renew(f->env, "s", "app", kids[0], "w1", l.counter + 5, 10000, NULL));
    T_MSG(EDDY_EEXPIRED, "lease", eddy_lease_release(f->env, "s", "app", kids[0], "w2", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_FX_TEST(queue_refusals_carry_messages),
        T_FX_TEST(send_batch_entry_refusal_has_message),
        T_FX_TEST(stream_refusals_carry_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
