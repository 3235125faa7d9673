/* test_queue_api.c: the queue contract of include/eddy.h, through the public API only: create,
 * attributes, send, receive, visibility, receipts, delete, batches, limits and errors. Time moves
 * only through the fake clock. docs/SEMANTICS.md "Queues" names these tests. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

static uint64_t send_str(eddy_env *env, const char *q, const char *body)
{
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    m.body.data = body;
    m.body.len = strlen(body);
    T_OK(eddy_queue_send(env, q, &m, &r));
    return r.msg_id;
}

static eddy_queue_batch *recv_n(eddy_env *env, const char *q, uint32_t max, uint32_t vis,
                                size_t expect)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    size_t n = 99;
    o.max_messages = max;
    o.visibility_timeout_ms = vis;
    T_OK(eddy_queue_receive(env, q, &o, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, expect);
    return b;
}

static void create_defaults_and_idempotence(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;

    T_OK(eddy_queue_create(f->env, "orders", NULL));
    T_OK(eddy_queue_get_attributes(f->env, "orders", &info));
    assert_int_equal(info.visibility_timeout_ms, 30000);
    assert_int_equal(info.delay_ms, 0);
    assert_int_equal(info.retention_ms, 345600000ull);
    assert_int_equal(info.body_len_max, 1048576);
    assert_int_equal(info.receive_wait_ms, 0);
    assert_int_equal(info.in_flight_max, 120000);
    assert_int_equal(info.batch_max, 10);
    assert_int_equal(info.created_ms, T0);
    assert_int_equal(info.messages, 0);
    /* same attributes: idempotent; different: EEXIST */
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.visibility_timeout_ms = 30000;
    T_OK(eddy_queue_create(f->env, "orders", &o));
    o.visibility_timeout_ms = 5000;
    T_RC(EDDY_EEXIST, eddy_queue_create(f->env, "orders", &o));
    /* explicit zero visibility */
    o.visibility_timeout_ms = EDDY_QUEUE_ZERO_MS;
    T_OK(eddy_queue_create(f->env, "zero", &o));
    T_OK(eddy_queue_get_attributes(f->env, "zero", &info));
    assert_int_equal(info.visibility_timeout_ms, 0);
}

static void bad_names_and_options(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    char longname[82];

    memset(longname, 'a', 81);
    longname[81] = '\0';
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "a b", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "a.fifo", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, longname, NULL));
    longname[80] = '\0';
    T_OK(eddy_queue_create(f->env, longname, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(NULL, "q", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, NULL, NULL));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.visibility_timeout_ms = 43200001;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.retention_ms = 59999;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.delay_ms = 900001;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.receive_wait_ms = 20001;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.body_len_max = 1023;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = "nosuch";
    T_RC(EDDY_ENOTFOUND, eddy_queue_create(f->env, "q", &o));
    o.dlq_name = "q";
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = longname;
    o.max_receive_count = 1001;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    /* nothing was created by the failures */
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    T_RC(EDDY_ENOTFOUND, eddy_queue_get_attributes(f->env, "q", &info));
    assert_true(strstr(eddy_last_error(), "no such queue") != NULL);
}

static void send_receive_delete_roundtrip(void **state)
{
    fx *f = *state;
    eddy_queue_attr attrs[2] = {
        {"trace-id", "String", {"abc", 3}},
        {"n", "Number.int", {"42", 2}},
    };
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    const eddy_queue_message *msg;
    eddy_queue_batch *b;
    size_t n;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    m.body.data = "hello";
    m.body.len = 5;
    m.attrs = attrs;
    m.attr_count = 2;
    T_OK(eddy_queue_send(f->env, "q", &m, &r));
    assert_int_equal(r.msg_id, 1);
    assert_int_equal(r.sent_ms, T0);
    f->clk.now_ms += 10;
    b = recv_n(f->env, "q", 10, 0, 1);
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 1);
    msg = eddy_queue_batch_message(b, 0);
    assert_int_equal(msg->size, sizeof *msg);
    assert_int_equal(msg->msg_id, 1);
    assert_int_equal(msg->body.len, 5);
    assert_memory_equal(msg->body.data, "hello", 5);
    assert_int_equal(msg->receive_count, 1);
    assert_int_equal(msg->sent_ms, T0);
    assert_int_equal(msg->first_receive_ms, T0 + 10);
    assert_int_equal(msg->body_xxh3, r.body_xxh3);
    assert_int_equal(msg->attr_count, 2);
    assert_string_equal(msg->attrs[0].name, "trace-id");
    assert_string_equal(msg->attrs[1].type, "Number.int");
    assert_memory_equal(msg->attrs[1].value.data, "42", 2);
    assert_int_equal(strlen(msg->receipt), EDDY_QUEUE_RECEIPT_LEN);
    /* invisible now */
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 0));
    T_OK(eddy_queue_delete_message(f->env, "q", msg->receipt));
    T_RC(EDDY_ENOTFOUND, eddy_queue_delete_message(f->env, "q", msg->receipt));
    eddy_queue_batch_free(b);
    f->clk.now_ms += 3600000;
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 0));
    eddy_queue_batch_free(NULL);
}

static void visibility_timeout_and_stale_receipts(void **state)
{
    fx *f = *state;
    char old[EDDY_QUEUE_RECEIPT_LEN + 1];
    const eddy_queue_message *m;
    eddy_queue_batch *b;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send_str(f->env, "q", "x");
    b = recv_n(f->env, "q", 1, 0, 1);
    m = eddy_queue_batch_message(b, 0);
    memcpy(old, m->receipt, sizeof old);
    eddy_queue_batch_free(b);
    f->clk.now_ms += 29999;
    eddy_queue_batch_free(recv_n(f->env, "q", 1, 0, 0));
    /* once its timeout ran out the message is no longer in flight: a change of visibility is
     * refused (SQS MessageNotInflight) and it stays visible */
    f->clk.now_ms += 1;
    T_RC(EDDY_EEXPIRED, eddy_queue_change_visibility(f->env, "q", old, 1000));
    b = recv_n(f->env, "q", 1, 0, 1);
    m = eddy_queue_batch_message(b, 0);
    assert_int_equal(m->receive_count, 2);
    assert_int_equal(m->first_receive_ms, T0);
    assert_string_not_equal(m->receipt, old);
    /* the old handle is stale now: EEXPIRED, and nothing changes */
    T_RC(EDDY_EEXPIRED, eddy_queue_delete_message(f->env, "q", old));
    T_RC(EDDY_EEXPIRED, eddy_queue_change_visibility(f->env, "q", old, 0));
    eddy_queue_batch_free(recv_n(f->env, "q", 1, 0, 0));
    T_OK(eddy_queue_delete_message(f->env, "q", m->receipt));
    eddy_queue_batch_free(b);
}

static void change_visibility_rules(void **state)
{
    fx *f = *state;
    const eddy_queue_message *m;
    eddy_queue_batch *b;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send_str(f->env, "q", "x");
    b = recv_n(f->env, "q", 1, 0, 1);
    m = eddy_queue_batch_message(b, 0);
    /* counts from now, not from the receive */
    f->clk.now_ms += 20000;
    T_OK(eddy_queue_change_visibility(f->env, "q", m->receipt, 20000));
    f->clk.now_ms += 19999;
    eddy_queue_batch_free(recv_n(f->env, "q", 1, 0, 0));
    /* beyond 12 h from the receive: refused, nothing changed */
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(f->env, "q", m->receipt, 43200000));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(f->env, "q", m->receipt, 43200001));
    /* 0: visible at once */
    T_OK(eddy_queue_change_visibility(f->env, "q", m->receipt, 0));
    eddy_queue_batch_free(b);
    b = recv_n(f->env, "q", 1, 0, 1);
    assert_int_equal(eddy_queue_batch_message(b, 0)->receive_count, 2);
    eddy_queue_batch_free(b);
}

/* Visibility 30 s, receive at T, change visibility to 60 s at T + 85 s: the message is visible
 * again, so the change is refused with EDDY_EEXPIRED (SQS MessageNotInflight) and the message
 * stays visible; a delete with that receipt still works until the next receive. */
static void late_change_visibility_is_refused(void **state)
{
    fx *f = *state;
    char rcpt[EDDY_QUEUE_RECEIPT_LEN + 1];
    eddy_queue_visibility_entry ve = EDDY_QUEUE_VISIBILITY_ENTRY_INIT;
    eddy_queue_batch *b;
    int result = 0;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send_str(f->env, "q", "x");
    b = recv_n(f->env, "q", 1, 30000, 1);
    memcpy(rcpt, eddy_queue_batch_message(b, 0)->receipt, sizeof rcpt);
    eddy_queue_batch_free(b);
    f->clk.now_ms += 85000;
    T_RC(EDDY_EEXPIRED, eddy_queue_change_visibility(f->env, "q", rcpt, 60000));
    assert_non_null(strstr(eddy_last_error(), "not in flight"));
    ve.receipt = rcpt;
    ve.timeout_ms = 60000;
    T_OK(eddy_queue_change_visibility_batch(f->env, "q", &ve, 1, &result));
    assert_int_equal(result, EDDY_EEXPIRED);
    /* still visible, at once */
    b = recv_n(f->env, "q", 1, 0, 1);
    assert_int_equal(eddy_queue_batch_message(b, 0)->receive_count, 2);
    T_OK(eddy_queue_delete_message(f->env, "q", eddy_queue_batch_message(b, 0)->receipt));
    eddy_queue_batch_free(b);
    /* a receipt whose timeout ran out still deletes */
    send_str(f->env, "q", "y");
    b = recv_n(f->env, "q", 1, 30000, 1);
    f->clk.now_ms += 30000;
    T_OK(eddy_queue_delete_message(f->env, "q", eddy_queue_batch_message(b, 0)->receipt));
    eddy_queue_batch_free(b);
}

static void malformed_receipts(void **state)
{
    fx *f = *state;
    char bad[EDDY_QUEUE_RECEIPT_LEN + 1];
    const eddy_queue_message *m;
    eddy_queue_batch *b;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    T_OK(eddy_queue_create(f->env, "other", NULL));
    send_str(f->env, "q", "x");
    b = recv_n(f->env, "q", 1, 0, 1);
    m = eddy_queue_batch_message(b, 0);
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(f->env, "q", "zz"));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(f->env, "q", NULL));
    memcpy(bad, m->receipt, sizeof bad);
    bad[10] = bad[10] == '0' ? '1' : '0';
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(f->env, "q", bad));
    bad[10] = 'G';
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(f->env, "q", bad));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(f->env, "other", m->receipt));
    T_RC(EDDY_ENOTFOUND, eddy_queue_delete_message(f->env, "nosuch", m->receipt));
    T_OK(eddy_queue_delete_message(f->env, "q", m->receipt));
    eddy_queue_batch_free(b);
}

static void delays(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;

    o.delay_ms = 5000;
    T_OK(eddy_queue_create(f->env, "q", &o));
    send_str(f->env, "q", "queue-delay");
    m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    m.body.data = "none";
    m.body.len = 4;
    m.delay_ms = EDDY_QUEUE_ZERO_MS;
    T_OK(eddy_queue_send(f->env, "q", &m, NULL));
    m.delay_ms = 900001;
    T_RC(EDDY_EINVAL, eddy_queue_send(f->env, "q", &m, NULL));
    m.delay_ms = 10000;
    T_OK(eddy_queue_send(f->env, "q", &m, NULL));
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.messages, 3);
    assert_int_equal(st.visible, 1);
    assert_int_equal(st.delayed, 2);
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 1));
    f->clk.now_ms += 5000;
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 1));
    f->clk.now_ms += 5000;
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 1));
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.in_flight, 3);
    assert_int_equal(st.visible, 0);
}

/* One definition of each count: eddy_queue_get_attributes and eddy_queue_stat_get agree, also
 * after visibility timeouts ran out, and match the truth. */
static void attributes_and_stat_agree(void **state)
{
    fx *f = *state;
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    m.body.data = "x";
    m.body.len = 1;
    for (int i = 0; i < 10; i++) {
        m.delay_ms = i < 2 ? 60000 : 0;
        T_OK(eddy_queue_send(f->env, "q", &m, NULL));
    }
    eddy_queue_batch_free(recv_n(f->env, "q", 5, 30000, 5));
    f->clk.now_ms += 40000; /* those 5 are visible again; the 2 delayed ones still wait */
    eddy_queue_batch_free(recv_n(f->env, "q", 2, 30000, 2));
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(st.messages, 10);
    assert_int_equal(st.in_flight, 2);
    assert_int_equal(st.delayed, 2);
    assert_int_equal(st.visible, 6);
    assert_int_equal(info.messages, st.messages);
    assert_int_equal(info.in_flight, st.in_flight);
    assert_int_equal(info.visible, st.visible);
    assert_int_equal(info.delayed, st.delayed);
}

/* next_msg_id counts every message stored, however fast it left, and restarts with the queue. */
static void next_msg_id_counts_sends(void **state)
{
    fx *f = *state;
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_info a = EDDY_QUEUE_INFO_INIT, b = EDDY_QUEUE_INFO_INIT;
    eddy_queue_batch *got;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    T_OK(eddy_queue_get_attributes(f->env, "q", &a));
    assert_int_equal(a.next_msg_id, 1);
    m.body.data = "x";
    m.body.len = 1;
    for (int i = 0; i < 7; i++)
        T_OK(eddy_queue_send(f->env, "q", &m, NULL));
    got = recv_n(f->env, "q", 7, 30000, 7);
    for (size_t i = 0; i < 7; i++)
        T_OK(eddy_queue_delete_message(f->env, "q", eddy_queue_batch_message(got, i)->receipt));
    eddy_queue_batch_free(got);
    T_OK(eddy_queue_get_attributes(f->env, "q", &b));
    assert_int_equal(b.messages, 0);
    assert_int_equal(b.next_msg_id - a.next_msg_id, 7);
    T_OK(eddy_queue_delete(f->env, "q"));
    T_OK(eddy_queue_create(f->env, "q", NULL));
    T_OK(eddy_queue_get_attributes(f->env, "q", &a));
    assert_int_not_equal(a.id, b.id);
    assert_int_equal(a.next_msg_id, 1);
}

static void batches_per_entry_results(void **state)
{
    fx *f = *state;
    eddy_queue_send_entry e[11] = {[0 ...(11) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[11] = {[0 ...(11) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_attr dup[2] = {{"a", "String", {"1", 1}}, {"a", "String", {"2", 1}}};
    const char *receipts[3];
    int results[3];
    eddy_queue_batch *b;
    size_t n;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 11; i++) {
        e[i].body.data = "body";
        e[i].body.len = 4;
    }
    T_RC(EDDY_ELIMIT, eddy_queue_send_batch(f->env, "q", e, 11, r));
    T_RC(EDDY_EINVAL, eddy_queue_send_batch(f->env, "q", e, 0, r));
    e[1].body.len = 0; /* empty body */
    e[2].attrs = dup;  /* duplicate attribute names */
    e[2].attr_count = 2;
    e[3].body.data = NULL; /* NULL body */
    T_OK(eddy_queue_send_batch(f->env, "q", e, 5, r));
    assert_int_equal(r[0].rc, 0);
    assert_int_equal(r[1].rc, EDDY_EINVAL);
    assert_int_equal(r[2].rc, EDDY_EINVAL);
    assert_int_equal(r[3].rc, EDDY_EINVAL);
    assert_int_equal(r[4].rc, 0);
    assert_true(r[4].msg_id > r[0].msg_id);
    b = recv_n(f->env, "q", 10, 0, 2);
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 2);
    receipts[0] = eddy_queue_batch_message(b, 0)->receipt;
    receipts[1] = "not-a-receipt";
    receipts[2] = eddy_queue_batch_message(b, 0)->receipt;
    T_OK(eddy_queue_delete_batch(f->env, "q", receipts, 3, results));
    assert_int_equal(results[0], 0);
    assert_int_equal(results[1], EDDY_EINVAL);
    assert_int_equal(results[2], EDDY_ENOTFOUND);
    {
        eddy_queue_visibility_entry ve[2] = {
            {.size = sizeof ve[0], .receipt = eddy_queue_batch_message(b, 1)->receipt},
            {.size = sizeof ve[0], .receipt = eddy_queue_batch_message(b, 0)->receipt}};
        T_OK(eddy_queue_change_visibility_batch(f->env, "q", ve, 2, results));
        assert_int_equal(results[0], 0);
        assert_int_equal(results[1], EDDY_ENOTFOUND);
    }
    eddy_queue_batch_free(b);
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 1));
}

static void size_limits(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_send_entry e[2] = {[0 ...(2) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[2] = {[0 ...(2) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_attr a = {"k", "Binary", {NULL, 0}};
    static char big[4096];

    o.body_len_max = 1024;
    T_OK(eddy_queue_create(f->env, "q", &o));
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    e[0].body.data = big;
    e[0].body.len = 1025;
    T_RC(EDDY_ETOOBIG, eddy_queue_send(f->env, "q", &e[0], NULL));
    assert_true(strstr(eddy_last_error(), "body_len_max 1024") != NULL);
    e[0].body.len = 1000; /* body + attribute over the limit */
    a.value.data = big;
    a.value.len = 30;
    e[0].attrs = &a;
    e[0].attr_count = 1;
    T_RC(EDDY_ETOOBIG, eddy_queue_send(f->env, "q", &e[0], NULL));
    e[0].attr_count = 0;
    e[1] = e[0];
    /* each fits, together too large: the whole batch is refused */
    T_RC(EDDY_ETOOBIG, eddy_queue_send_batch(f->env, "q", e, 2, r));
    T_OK(eddy_queue_send(f->env, "q", &e[0], NULL));
}

/* One oversize entry and one small one: the batch's total is over the limit, so the whole batch
 * is refused and nothing is stored (SQS BatchRequestTooLong), also for a batch of one. */
static void oversize_entry_fails_whole_batch(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_send_entry e[2] = {EDDY_QUEUE_SEND_ENTRY_INIT, EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[2] = {EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    static char big[2048];

    o.body_len_max = 1024;
    T_OK(eddy_queue_create(f->env, "q", &o));
    e[0].body.data = big;
    e[0].body.len = 1025;
    e[1].body.data = "small";
    e[1].body.len = 5;
    T_RC(EDDY_ETOOBIG, eddy_queue_send_batch(f->env, "q", e, 2, r));
    assert_int_equal(r[0].rc, EDDY_ETOOBIG);
    assert_int_equal(r[1].rc, EDDY_ETOOBIG);
    assert_non_null(strstr(eddy_last_error(), "entry 0"));
    T_RC(EDDY_ETOOBIG, eddy_queue_send_batch(f->env, "q", e, 1, r));
    assert_int_equal(r[0].rc, EDDY_ETOOBIG);
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.messages, 0);
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 0));
}

static void dead_letter_move(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info src = EDDY_QUEUE_INFO_INIT, dlq = EDDY_QUEUE_INFO_INIT;
    const eddy_queue_message *m;
    eddy_queue_batch *b;

    o.retention_ms = 86400000; /* 1 day */
    T_OK(eddy_queue_create(f->env, "dlq", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = "dlq";
    o.max_receive_count = 2;
    T_OK(eddy_queue_create(f->env, "src", &o));
    send_str(f->env, "src", "poison");
    for (int i = 1; i <= 2; i++) {
        b = recv_n(f->env, "src", 1, 1000, 1);
        assert_int_equal(eddy_queue_batch_message(b, 0)->receive_count, (uint32_t)i);
        eddy_queue_batch_free(b);
        f->clk.now_ms += 1000;
    }
    /* the third receive moves it instead of returning it */
    eddy_queue_batch_free(recv_n(f->env, "src", 1, 1000, 0));
    T_OK(eddy_queue_get_attributes(f->env, "src", &src));
    T_OK(eddy_queue_get_attributes(f->env, "dlq", &dlq));
    assert_int_equal(src.messages, 0);
    assert_int_equal(dlq.messages, 1);
    b = recv_n(f->env, "dlq", 1, 0, 1);
    m = eddy_queue_batch_message(b, 0);
    assert_memory_equal(m->body.data, "poison", 6);
    assert_int_equal(m->receive_count, 3);
    assert_int_equal(m->sent_ms, T0);
    assert_int_equal(m->first_receive_ms, T0);
    assert_int_equal(m->origin_queue_id, src.id);
    assert_int_equal(m->origin_msg_id, 1);
    eddy_queue_batch_free(b);
    /* retention counts from the original enqueue time */
    f->clk.now_ms = T0 + 86400000;
    T_OK(eddy_queue_get_attributes(f->env, "dlq", &dlq));
    assert_int_equal(dlq.messages, 1);
    eddy_queue_batch_free(recv_n(f->env, "dlq", 1, 0, 0));
    T_OK(eddy_queue_get_attributes(f->env, "dlq", &dlq));
    assert_int_equal(dlq.messages, 0);
}

static void redrive_allow_policy(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;

    o.redrive_allow = EDDY_QUEUE_ALLOW_DENY_ALL;
    T_OK(eddy_queue_create(f->env, "deny", &o));
    o.redrive_allow = EDDY_QUEUE_ALLOW_BY_QUEUE;
    o.allow_sources = (const char *const[]){"good"};
    o.allow_source_count = 1;
    T_OK(eddy_queue_create(f->env, "some", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = "deny";
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "good", &o));
    o.dlq_name = "some";
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "bad", &o));
    T_OK(eddy_queue_create(f->env, "good", &o));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.redrive_allow = EDDY_QUEUE_ALLOW_BY_QUEUE;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "x", &o)); /* BY_QUEUE needs sources */
}

static void set_attributes_mask(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.visibility_timeout_ms = 5000;
    o.delay_ms = 777; /* not in the mask: ignored */
    T_OK(eddy_queue_set_attributes(f->env, "q", &o, EDDY_QUEUE_SET_VISIBILITY));
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.visibility_timeout_ms, 5000);
    assert_int_equal(info.delay_ms, 0);
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(f->env, "q", &o, 0));
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(f->env, "q", &o, 1u << 20));
    o.visibility_timeout_ms = 43200001;
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(f->env, "q", &o, EDDY_QUEUE_SET_VISIBILITY));
    T_RC(EDDY_ENOTFOUND, eddy_queue_set_attributes(f->env, "nosuch", &o, EDDY_QUEUE_SET_DELAY));
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.visibility_timeout_ms, 5000);
}

static void retention_trim_and_purge(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    uint64_t removed = 0;

    o.retention_ms = 60000;
    T_OK(eddy_queue_create(f->env, "q", &o));
    for (int i = 0; i < 5; i++)
        send_str(f->env, "q", "old");
    f->clk.now_ms += 30000;
    for (int i = 0; i < 3; i++)
        send_str(f->env, "q", "new");
    f->clk.now_ms += 30000;
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.oldest_age_ms, 60000);
    T_OK(eddy_queue_trim(f->env, "q", 2, &removed));
    assert_int_equal(removed, 2);
    T_OK(eddy_queue_trim(f->env, "q", 0, &removed));
    assert_int_equal(removed, 3);
    T_RC(EDDY_EINVAL, eddy_queue_trim(f->env, "q", 100001, &removed));
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.messages, 3);
    eddy_queue_batch_free(recv_n(f->env, "q", 1, 0, 1));
    T_OK(eddy_queue_purge(f->env, "q", &removed));
    assert_int_equal(removed, 3);
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.messages, 0);
    assert_int_equal(info.in_flight, 0);
}

static int count_cb(void *ctx, const char *name)
{
    (void)name;
    (*(int *)ctx)++;
    return 0;
}

static int stop_cb(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 1;
}

static void list_and_delete(void **state)
{
    fx *f = *state;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    int n = 0;

    T_OK(eddy_queue_create(f->env, "a-1", NULL));
    T_OK(eddy_queue_create(f->env, "a-2", NULL));
    T_OK(eddy_queue_create(f->env, "b", NULL));
    for (int i = 0; i < 25; i++)
        send_str(f->env, "a-1", "m");
    eddy_queue_batch_free(recv_n(f->env, "a-1", 5, 0, 5));
    T_OK(eddy_queue_list(f->env, NULL, count_cb, &n));
    assert_int_equal(n, 3);
    n = 0;
    T_OK(eddy_queue_list(f->env, "a-", count_cb, &n));
    assert_int_equal(n, 2);
    T_RC(EDDY_EUSER, eddy_queue_list(f->env, "", stop_cb, NULL));
    T_OK(eddy_queue_delete(f->env, "a-1"));
    T_RC(EDDY_ENOTFOUND, eddy_queue_delete(f->env, "a-1"));
    T_RC(EDDY_ENOTFOUND, eddy_queue_get_attributes(f->env, "a-1", &info));
    /* a re-created queue is new: new id, no old messages */
    T_OK(eddy_queue_create(f->env, "a-1", NULL));
    T_OK(eddy_queue_get_attributes(f->env, "a-1", &info));
    assert_int_equal(info.messages, 0);
    eddy_queue_batch_free(recv_n(f->env, "a-1", 5, 0, 0));
}

/* Deletion and purge work in bounded transactions: more messages than one transaction takes. */
static void delete_large_queue(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_send_entry e[100] = {[0 ...(100) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[100] = {[0 ...(100) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    uint64_t removed = 0;

    o.batch_max = 100;
    T_OK(eddy_queue_create(f->env, "big", &o));
    T_OK(eddy_queue_create(f->env, "other", NULL));
    send_str(f->env, "other", "stays");
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 100; i++) {
        e[i].body.data = "a message body";
        e[i].body.len = 14;
    }
    for (int i = 0; i < 45; i++)
        T_OK(eddy_queue_send_batch(f->env, "big", e, 100, r));
    eddy_queue_batch_free(recv_n(f->env, "big", 10, 0, 10));
    T_OK(eddy_queue_purge(f->env, "big", &removed));
    assert_int_equal(removed, 4500);
    for (int i = 0; i < 45; i++)
        T_OK(eddy_queue_send_batch(f->env, "big", e, 100, r));
    assert_int_equal(r[99].msg_id, 9000);
    T_OK(eddy_queue_delete(f->env, "big"));
    T_RC(EDDY_ENOTFOUND, eddy_queue_get_attributes(f->env, "big", &info));
    T_OK(eddy_queue_get_attributes(f->env, "other", &info));
    assert_int_equal(info.messages, 1);
}

static void in_flight_limit(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL, *b2;

    o.in_flight_max = 2;
    T_OK(eddy_queue_create(f->env, "q", &o));
    for (int i = 0; i < 4; i++)
        send_str(f->env, "q", "m");
    b = recv_n(f->env, "q", 10, 0, 2);
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    T_RC(EDDY_ELIMIT, eddy_queue_receive(f->env, "q", &ro, &b2));
    assert_null(b2);
    /* expired in-flight messages can still be received again (no new slot needed) */
    f->clk.now_ms += 30000;
    b2 = recv_n(f->env, "q", 10, 0, 2);
    T_RC(EDDY_EEXPIRED,
         eddy_queue_delete_message(f->env, "q", eddy_queue_batch_message(b, 0)->receipt));
    /* a delete frees a slot for a never-received message */
    T_OK(eddy_queue_delete_message(f->env, "q", eddy_queue_batch_message(b2, 0)->receipt));
    eddy_queue_batch_free(b2);
    eddy_queue_batch_free(recv_n(f->env, "q", 10, 0, 1));
    eddy_queue_batch_free(b);
}

typedef struct sender {
    eddy_env *env;
    int done;
} sender;

static void *send_later(void *arg)
{
    sender *s = arg;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL); /* real time: long polling waits in real time by design */
    send_str(s->env, "q", "late");
    s->done = 1;
    return NULL;
}

static void long_poll_wakes_on_send(void **state)
{
    fx *f = *state;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    sender s = {f->env, 0};
    pthread_t th;
    size_t n = 0;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.wait_ms = 20000;
    ro.max_messages = 10;
    assert_int_equal(pthread_create(&th, NULL, send_later, &s), 0);
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b));
    pthread_join(th, NULL);
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 1);
    assert_int_equal(s.done, 1);
    eddy_queue_batch_free(b);
    /* a short wait on an empty queue returns empty */
    ro.wait_ms = 30;
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 0);
    eddy_queue_batch_free(b);
    ro.wait_ms = 20001;
    T_RC(EDDY_EINVAL, eddy_queue_receive(f->env, "q", &ro, &b));
}

static void large_and_compressed_bodies(void **state)
{
    fx *f = *state;
    size_t sizes[] = {1, 127, 128, 2000, 5000, 300000, 1048576};
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    const eddy_queue_message *msg;
    eddy_queue_batch *b;
    uint64_t rng = 7;
    char *body = malloc(1048576);

    T_OK(eddy_queue_create(f->env, "q", NULL));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (size_t j = 0; j < sizes[i]; j++) /* half random, half repetitive */
            body[j] = (j & 1024) ? (char)t_rand(&rng) : (char)('a' + j % 7);
        m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        m.body.data = body;
        m.body.len = sizes[i];
        T_OK(eddy_queue_send(f->env, "q", &m, NULL));
        b = recv_n(f->env, "q", 1, 0, 1);
        msg = eddy_queue_batch_message(b, 0);
        assert_int_equal(msg->body.len, sizes[i]);
        assert_memory_equal(msg->body.data, body, sizes[i]);
        t_verify_clean(f->env);
        T_OK(eddy_queue_delete_message(f->env, "q", msg->receipt));
        eddy_queue_batch_free(b);
    }
    free(body);
}

static void reopen_keeps_everything(void **state)
{
    fx *f = *state;
    const eddy_queue_message *m;
    char receipt[EDDY_QUEUE_RECEIPT_LEN + 1];
    eddy_queue_batch *b;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send_str(f->env, "q", "one");
    send_str(f->env, "q", "two");
    b = recv_n(f->env, "q", 1, 0, 1);
    memcpy(receipt, eddy_queue_batch_message(b, 0)->receipt, sizeof receipt);
    eddy_queue_batch_free(b);
    T_OK(eddy_env_close(f->env));
    f->env = t_env_open(f->dir, &f->clk);
    b = recv_n(f->env, "q", 10, 0, 1);
    m = eddy_queue_batch_message(b, 0);
    assert_memory_equal(m->body.data, "two", 3);
    assert_int_equal(m->msg_id, 2);
    eddy_queue_batch_free(b);
    T_OK(eddy_queue_delete_message(f->env, "q", receipt));
    assert_int_equal(send_str(f->env, "q", "three"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_FX_TEST(create_defaults_and_idempotence),
        T_FX_TEST(bad_names_and_options),
        T_FX_TEST(send_receive_delete_roundtrip),
        T_FX_TEST(visibility_timeout_and_stale_receipts),
        T_FX_TEST(change_visibility_rules),
        T_FX_TEST(late_change_visibility_is_refused),
        T_FX_TEST(malformed_receipts),
        T_FX_TEST(delays),
        T_FX_TEST(batches_per_entry_results),
        T_FX_TEST(attributes_and_stat_agree),
        T_FX_TEST(next_msg_id_counts_sends),
        T_FX_TEST(size_limits),
        T_FX_TEST(oversize_entry_fails_whole_batch),
        T_FX_TEST(dead_letter_move),
        T_FX_TEST(redrive_allow_policy),
        T_FX_TEST(set_attributes_mask),
        T_FX_TEST(retention_trim_and_purge),
        T_FX_TEST(list_and_delete),
        T_FX_TEST(in_flight_limit),
        T_FX_TEST(delete_large_queue),
        T_FX_TEST(long_poll_wakes_on_send),
        T_FX_TEST(large_and_compressed_bodies),
        T_FX_TEST(reopen_keeps_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
