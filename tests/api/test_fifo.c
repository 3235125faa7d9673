/*
 * test_fifo.c: FIFO queues through include/eddy.h (decision 0013): attributes, group order and
 * blocking, deduplication, sequence numbers, receive attempt ids, dead letters, and one
 * regression test per emulator failure users reported (reference clients-fifo-nats.md):
 *   - dedup_survives_delete          ElasticMQ #354: dedup forgotten once the message is deleted
 *   - group_blocked_while_in_flight  LocalStack #12457, #8724: later messages of a group handed
 *                                    out while an earlier one is in flight
 *   - redelivery_keeps_order         LocalStack #4287: reordering after a redelivery
 *   - batch_send_keeps_order         ElasticMQ #267: batch sends lose their order
 *   - dedup_scope_message_group      LocalStack #10460: DeduplicationScope ignored
 *   - stale_receipt_refused          LocalStack #13222: stale receipts still work
 * Time moves only through the fake clock.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

typedef struct fx {
    t_clock clock;
    eddy_env *env;
    const char *dir;
} fx;

static fx *fx_open(void)
{
    static fx f;
    memset(&f, 0, sizeof f);
    f.clock.now_ms = 1800000000000ull;
    f.dir = t_path("db");
    f.env = t_env_open(f.dir, &f.clock);
    return &f;
}

static void fifo_create(eddy_env *env, const char *name, int content, int scope)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    o.fifo = 1;
    o.content_based_dedup = (uint32_t)content;
    o.dedup_scope = scope;
    T_OK(eddy_queue_create(env, name, &o));
}

/* Send body to group g with dedup id d (NULL: content-based); returns the result. */
static eddy_queue_send_result send1(eddy_env *env, const char *q, const char *g, const char *d,
                                    const char *body)
{
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    e.body.data = body;
    e.body.len = strlen(body);
    e.group_id = g;
    e.dedup_id = d;
    T_OK(eddy_queue_send(env, q, &e, &r));
    return r;
}

static eddy_queue_batch *recv_n(eddy_env *env, const char *q, uint32_t max, uint32_t vis,
                                const char *attempt)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    o.max_messages = max;
    o.visibility_timeout_ms = vis;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    o.attempt_id = attempt;
    T_OK(eddy_queue_receive(env, q, &o, &b));
    return b;
}

static void body_is(const eddy_queue_message *m, const char *want)
{
    char got[64];
    snprintf(got, sizeof got, "%.*s", (int)m->body.len, (const char *)m->body.data);
    assert_string_equal(got, want);
}

static void del(eddy_env *env, const char *q, const eddy_queue_message *m)
{
    T_OK(eddy_queue_delete_message(env, q, m->receipt));
}

static void attributes(void **state)
{
    fx *f = fx_open();
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info qi = EDDY_QUEUE_INFO_INIT;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    (void)state;

    o.fifo = 1;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "orders", &o)); /* no .fifo suffix */
    o.fifo = 0;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "orders.fifo", &o)); /* suffix, not FIFO */
    o.content_based_dedup = 1;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "std", &o)); /* FIFO attribute on standard */
    o.fifo = 1;
    o.content_based_dedup = 0;
    o.throughput_limit = EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q.fifo", &o)); /* needs group scope */
    o.dedup_scope = EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP;
    T_OK(eddy_queue_create(f->env, "q.fifo", &o));
    T_OK(eddy_queue_get_attributes(f->env, "q.fifo", &qi));
    assert_int_equal(qi.fifo, 1);
    assert_int_equal(qi.dedup_scope, EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP);
    assert_int_equal(qi.throughput_limit, EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID);
    T_OK(eddy_env_stat_get(f->env, &st));
    assert_int_equal(st.format_version, 2);
    /* The dead-letter queue of a FIFO queue must be FIFO, and the other way round. */
    T_OK(eddy_queue_create(f->env, "std-dlq", NULL));
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.fifo = 1;
    o.dlq_name = "std-dlq";
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "a.fifo", &o));
    o.dlq_name = "q.fifo";
    T_OK(eddy_queue_create(f->env, "a.fifo", &o));
    o.fifo = 0;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "b", &o));
    /* Sends: a group is required, ids are checked, no per-message delay. */
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    e.body.data = "x";
    e.body.len = 1;
    e.dedup_id = "d1";
    T_RC(EDDY_EINVAL, eddy_queue_send(f->env, "a.fifo", &e, &r));
    e.group_id = "g 1";
    T_RC(EDDY_EINVAL, eddy_queue_send(f->env, "a.fifo", &e, &r));
    e.group_id = "g1";
    e.dedup_id = NULL;
    T_RC(EDDY_EINVAL, eddy_queue_send(f->env, "a.fifo", &e, &r)); /* no content dedup */
    e.dedup_id = "d1";
    e.delay_ms = 1000;
    T_RC(EDDY_EINVAL, eddy_queue_send(f->env, "a.fifo", &e, &r));
    e.delay_ms = 0;
    T_RC(EDDY_EINVAL, eddy_queue_send(f->env, "std-dlq", &e, &r)); /* ids on standard */
    T_OK(eddy_queue_send(f->env, "a.fifo", &e, &r));
    assert_int_equal(strlen(r.sequence_number), EDDY_QUEUE_SEQ_LEN);
    /* An attempt id on a standard queue is refused. */
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    ro.attempt_id = "a1";
    T_RC(EDDY_EINVAL, eddy_queue_receive(f->env, "std-dlq", &ro, &b));
    t_verify_clean(f->env);
    T_OK(eddy_env_close(f->env));
}

/* LocalStack #12457, #8724; and SQS's "as many of one group as it can, may mix groups". */
static void group_blocked_while_in_flight(void **state)
{
    fx *f = fx_open();
    eddy_queue_batch *b;
    char d[16];
    (void)state;

    fifo_create(f->env, "q.fifo", 0, 0);
    for (int i = 0; i < 3; i++) {
        snprintf(d, sizeof d, "a%d", i);
        send1(f->env, "q.fifo", "A", d, d);
        snprintf(d, sizeof d, "b%d", i);
        send1(f->env, "q.fifo", "B", d, d);
    }
    b = recv_n(f->env, "q.fifo", 1, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b), 1);
    body_is(eddy_queue_batch_message(b, 0), "a0");
    assert_string_equal(eddy_queue_batch_message(b, 0)->group_id, "A");
    /* A is blocked while a0 is in flight: only B comes, in order. */
    eddy_queue_batch *b2 = recv_n(f->env, "q.fifo", 10, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b2), 3);
    body_is(eddy_queue_batch_message(b2, 0), "b0");
    body_is(eddy_queue_batch_message(b2, 1), "b1");
    body_is(eddy_queue_batch_message(b2, 2), "b2");
    eddy_queue_batch *b3 = recv_n(f->env, "q.fifo", 10, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b3), 0);
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    T_OK(eddy_queue_stat_get(f->env, "q.fifo", &st));
    assert_int_equal(st.groups, 2);
    assert_int_equal(st.groups_blocked, 2);
    /* Deleting a0 unblocks A: a1, a2 follow in order. */
    del(f->env, "q.fifo", eddy_queue_batch_message(b, 0));
    eddy_queue_batch_free(b3);
    b3 = recv_n(f->env, "q.fifo", 10, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b3), 2);
    body_is(eddy_queue_batch_message(b3, 0), "a1");
    body_is(eddy_queue_batch_message(b3, 1), "a2");
    t_verify_clean(f->env);
    eddy_queue_batch_free(b);
    eddy_queue_batch_free(b2);
    eddy_queue_batch_free(b3);
    T_OK(eddy_env_close(f->env));
}

/* LocalStack #4287: after a visibility timeout the message comes back first, before the rest of
 * its group, with a new receipt; the old receipt is refused (LocalStack #13222). */
static void redelivery_keeps_order(void **state)
{
    fx *f = fx_open();
    (void)state;

    fifo_create(f->env, "q.fifo", 1, 0);
    send1(f->env, "q.fifo", "G", NULL, "m1");
    send1(f->env, "q.fifo", "G", NULL, "m2");
    send1(f->env, "q.fifo", "G", NULL, "m3");
    eddy_queue_batch *b1 = recv_n(f->env, "q.fifo", 1, 10000, NULL);
    body_is(eddy_queue_batch_message(b1, 0), "m1");
    f->clock.now_ms += 10001; /* m1's timeout runs out; m2, m3 were due long before */
    eddy_queue_batch *b2 = recv_n(f->env, "q.fifo", 10, 10000, NULL);
    assert_int_equal(eddy_queue_batch_count(b2), 3);
    body_is(eddy_queue_batch_message(b2, 0), "m1");
    body_is(eddy_queue_batch_message(b2, 1), "m2");
    body_is(eddy_queue_batch_message(b2, 2), "m3");
    assert_int_equal(eddy_queue_batch_message(b2, 0)->receive_count, 2);
    /* Sequence numbers grow within the group. */
    assert_true(strcmp(eddy_queue_batch_message(b2, 0)->sequence_number,
                       eddy_queue_batch_message(b2, 1)->sequence_number) < 0);
    T_RC(EDDY_EEXPIRED,
         eddy_queue_delete_message(f->env, "q.fifo", eddy_queue_batch_message(b1, 0)->receipt));
    for (size_t i = 0; i < 3; i++)
        del(f->env, "q.fifo", eddy_queue_batch_message(b2, i));
    t_verify_clean(f->env);
    eddy_queue_batch_free(b1);
    eddy_queue_batch_free(b2);
    T_OK(eddy_env_close(f->env));
}

/* ElasticMQ #267: a batch's entries keep their order within each group. */
static void batch_send_keeps_order(void **state)
{
    fx *f = fx_open();
    eddy_queue_send_entry e[10];
    eddy_queue_send_result r[10];
    char bodies[10][8];
    (void)state;

    fifo_create(f->env, "q.fifo", 1, 0);
    for (int i = 0; i < 10; i++) {
        e[i] = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        r[i] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
        snprintf(bodies[i], sizeof bodies[i], "%c%d", i % 2 ? 'y' : 'x', i);
        e[i].body.data = bodies[i];
        e[i].body.len = strlen(bodies[i]);
        e[i].group_id = i % 2 ? "Y" : "X";
    }
    T_OK(eddy_queue_send_batch(f->env, "q.fifo", e, 10, r));
    for (int i = 1; i < 10; i++)
        assert_true(strcmp(r[i - 1].sequence_number, r[i].sequence_number) < 0);
    eddy_queue_batch *b = recv_n(f->env, "q.fifo", 10, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b), 10);
    int nx = 0, ny = 0;
    for (size_t i = 0; i < 10; i++) {
        const eddy_queue_message *m = eddy_queue_batch_message(b, i);
        char want[16];
        int x = strcmp(m->group_id, "X") == 0;
        snprintf(want, sizeof want, "%c%d", x ? 'x' : 'y', x ? 2 * nx++ : 2 * ny++ + 1);
        body_is(m, want);
    }
    eddy_queue_batch_free(b);
    T_OK(eddy_env_close(f->env));
}

/* ElasticMQ #354: the id is remembered for 5 minutes after the first send, whether or not the
 * message was received or deleted; a duplicate returns the first message's id and sequence
 * number. After the interval the same id is a new message. */
static void dedup_survives_delete(void **state)
{
    fx *f = fx_open();
    (void)state;

    fifo_create(f->env, "q.fifo", 0, 0);
    eddy_queue_send_result r1 = send1(f->env, "q.fifo", "G", "id-1", "first");
    eddy_queue_batch *b = recv_n(f->env, "q.fifo", 1, 30000, NULL);
    del(f->env, "q.fifo", eddy_queue_batch_message(b, 0));
    eddy_queue_batch_free(b);
    f->clock.now_ms += 299999;
    eddy_queue_send_result r2 = send1(f->env, "q.fifo", "G", "id-1", "second");
    assert_int_equal(r2.duplicate, 1);
    assert_int_equal(r2.msg_id, r1.msg_id);
    assert_string_equal(r2.sequence_number, r1.sequence_number);
    b = recv_n(f->env, "q.fifo", 10, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b), 0);
    eddy_queue_batch_free(b);
    f->clock.now_ms += 1; /* 5 minutes after the first send */
    eddy_queue_send_result r3 = send1(f->env, "q.fifo", "G", "id-1", "third");
    assert_int_equal(r3.duplicate, 0);
    assert_true(r3.msg_id > r1.msg_id);
    /* Content-based: same body, same id. */
    fifo_create(f->env, "c.fifo", 1, 0);
    eddy_queue_send_result c1 = send1(f->env, "c.fifo", "G", NULL, "same");
    eddy_queue_send_result c2 = send1(f->env, "c.fifo", "H", NULL, "same");
    assert_int_equal(c2.duplicate, 1);
    assert_int_equal(c2.msg_id, c1.msg_id);
    b = recv_n(f->env, "c.fifo", 1, 30000, NULL);
    assert_int_equal(strlen(eddy_queue_batch_message(b, 0)->dedup_id), 64);
    eddy_queue_batch_free(b);
    t_verify_clean(f->env);
    T_OK(eddy_env_close(f->env));
}

/* LocalStack #10460: with message-group scope the same id in two groups is not a duplicate. */
static void dedup_scope_message_group(void **state)
{
    fx *f = fx_open();
    (void)state;

    fifo_create(f->env, "g.fifo", 0, EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP);
    eddy_queue_send_result r1 = send1(f->env, "g.fifo", "G1", "same", "a");
    eddy_queue_send_result r2 = send1(f->env, "g.fifo", "G2", "same", "b");
    eddy_queue_send_result r3 = send1(f->env, "g.fifo", "G1", "same", "c");
    assert_int_equal(r2.duplicate, 0);
    assert_int_not_equal(r2.msg_id, r1.msg_id);
    assert_int_equal(r3.duplicate, 1);
    assert_int_equal(r3.msg_id, r1.msg_id);
    T_OK(eddy_env_close(f->env));
}

/* ReceiveRequestAttemptId: a retry returns the same messages and receipts; after one of them
 * changed, a retry receives afresh. */
static void attempt_id(void **state)
{
    fx *f = fx_open();
    (void)state;

    fifo_create(f->env, "q.fifo", 1, 0);
    send1(f->env, "q.fifo", "G", NULL, "m1");
    send1(f->env, "q.fifo", "G", NULL, "m2");
    send1(f->env, "q.fifo", "H", NULL, "h1");
    eddy_queue_batch *b1 = recv_n(f->env, "q.fifo", 2, 30000, "try-1");
    assert_int_equal(eddy_queue_batch_count(b1), 2);
    f->clock.now_ms += 1000;
    eddy_queue_batch *b2 = recv_n(f->env, "q.fifo", 2, 30000, "try-1");
    assert_int_equal(eddy_queue_batch_count(b2), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(eddy_queue_batch_message(b1, i)->receipt,
                            eddy_queue_batch_message(b2, i)->receipt);
    /* The retry restarted the timeout: at +30.5 s from the first they are still in flight. */
    f->clock.now_ms += 29500;
    eddy_queue_batch *b3 = recv_n(f->env, "q.fifo", 10, 30000, NULL);
    assert_int_equal(eddy_queue_batch_count(b3), 1); /* h1 only */
    del(f->env, "q.fifo", eddy_queue_batch_message(b2, 0));
    eddy_queue_batch *b4 = recv_n(f->env, "q.fifo", 2, 30000, "try-1");
    for (size_t i = 0; i < eddy_queue_batch_count(b4); i++)
        assert_string_not_equal(eddy_queue_batch_message(b4, i)->receipt,
                                eddy_queue_batch_message(b1, 0)->receipt);
    t_verify_clean(f->env);
    eddy_queue_batch_free(b1);
    eddy_queue_batch_free(b2);
    eddy_queue_batch_free(b3);
    eddy_queue_batch_free(b4);
    T_OK(eddy_env_close(f->env));
}

/* Dead letters: moved in group order; the dead-letter queue (FIFO) restarts the enqueue time
 * and does not deduplicate the moved messages. */
static void dead_letters(void **state)
{
    fx *f = fx_open();
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    (void)state;

    fifo_create(f->env, "dlq.fifo", 1, 0);
    o.fifo = 1;
    o.content_based_dedup = 1;
    o.dlq_name = "dlq.fifo";
    o.max_receive_count = 1;
    T_OK(eddy_queue_create(f->env, "q.fifo", &o));
    send1(f->env, "q.fifo", "G", NULL, "m1");
    send1(f->env, "q.fifo", "G", NULL, "m2");
    eddy_queue_batch *b = recv_n(f->env, "q.fifo", 1, 1000, NULL);
    body_is(eddy_queue_batch_message(b, 0), "m1");
    eddy_queue_batch_free(b);
    f->clock.now_ms += 60000;
    /* m1 moves to the DLQ (received once), then m2 is delivered: order kept. */
    b = recv_n(f->env, "q.fifo", 10, 1000, NULL);
    assert_int_equal(eddy_queue_batch_count(b), 1);
    body_is(eddy_queue_batch_message(b, 0), "m2");
    eddy_queue_batch_free(b);
    eddy_queue_info qi = EDDY_QUEUE_INFO_INIT;
    T_OK(eddy_queue_get_attributes(f->env, "dlq.fifo", &qi));
    assert_int_equal(qi.messages, 1);
    assert_int_equal(qi.oldest_age_ms, 0); /* enqueue time restarted at the move */
    b = recv_n(f->env, "dlq.fifo", 10, 1000, NULL);
    assert_int_equal(eddy_queue_batch_count(b), 1);
    body_is(eddy_queue_batch_message(b, 0), "m1");
    assert_string_equal(eddy_queue_batch_message(b, 0)->group_id, "G");
    eddy_queue_batch_free(b);
    t_verify_clean(f->env);
    T_OK(eddy_env_close(f->env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attributes),
        cmocka_unit_test(group_blocked_while_in_flight),
        cmocka_unit_test(redelivery_keeps_order),
        cmocka_unit_test(batch_send_keeps_order),
        cmocka_unit_test(dedup_survives_delete),
        cmocka_unit_test(dedup_scope_message_group),
        cmocka_unit_test(attempt_id),
        cmocka_unit_test(dead_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
