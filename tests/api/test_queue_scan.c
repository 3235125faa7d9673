/*
 * test_queue_scan.c: eddy_queue_scan (a read-only walk in id order that changes nothing, in
 * bounded batches, resumable, stoppable), eddy_queue_restore_batch (ids, times and history kept;
 * collisions and ids going backwards refused; counters and indexes consistent) and
 * eddy_queue_trim_before (a cut tighter than retention). Time moves only through the fake clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

static uint64_t send(eddy_env *env, const char *q, const char *body, uint32_t delay)
{
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    eddy_queue_attr a = {"source", "String", {"web", 3}};
    e.body.data = body;
    e.body.len = strlen(body);
    e.delay_ms = delay;
    e.attrs = &a;
    e.attr_count = 1;
    T_OK(eddy_queue_send(env, q, &e, &r));
    return r.msg_id;
}

/* A copy of what the scan reported, owned by the test. */
typedef struct seen {
    eddy_queue_scan_message m;
    char body[64];
    char attr_name[32], attr_value[32];
} seen;

typedef struct collect {
    seen s[64];
    size_t n;
    size_t stop_after; /* 0 = never */
} collect;

static int on_msg(void *ctx, const eddy_queue_scan_message *m)
{
    collect *c = ctx;
    seen *s = &c->s[c->n < 64 ? c->n : 63];
    c->n++;
    s->m = *m;
    snprintf(s->body, sizeof s->body, "%.*s", (int)m->body.len, (const char *)m->body.data);
    if (m->attr_count > 0) {
        snprintf(s->attr_name, sizeof s->attr_name, "%s", m->attrs[0].name);
        snprintf(s->attr_value, sizeof s->attr_value, "%.*s", (int)m->attrs[0].value.len,
                 (const char *)m->attrs[0].value.data);
    }
    return c->stop_after != 0 && c->n == c->stop_after;
}

static void scan_reports_states_without_changing(void **state)
{
    fx *f = *state;
    eddy_queue_receive_options ro = {.size = sizeof ro,
                                     .max_messages = 1,
                                     .visibility_timeout_ms = 60000,
                                     .wait_ms = EDDY_QUEUE_ZERO_MS};
    eddy_queue_batch *b = NULL;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    collect c;
    uint64_t last = 0;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send(f->env, "q", "one", EDDY_QUEUE_ZERO_MS);
    send(f->env, "q", "two", 5000);
    send(f->env, "q", "three", EDDY_QUEUE_ZERO_MS);
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b)); /* takes message 1 */
    eddy_queue_batch_free(b);
    f->clk.now_ms += 10;

    memset(&c, 0, sizeof c);
    T_OK(eddy_queue_scan(f->env, "q", 0, 0, on_msg, &c, &last));
    assert_int_equal(c.n, 3);
    assert_int_equal(last, 3);
    assert_string_equal(c.s[0].body, "one");
    assert_int_equal(c.s[0].m.msg_id, 1);
    assert_int_equal(c.s[0].m.state, EDDY_QUEUE_MSG_IN_FLIGHT);
    assert_int_equal(c.s[0].m.receive_count, 1);
    assert_int_equal(c.s[0].m.first_receive_ms, T0);
    assert_int_equal(c.s[0].m.visible_ms, T0 + 60000);
    assert_string_equal(c.s[1].body, "two");
    assert_int_equal(c.s[1].m.state, EDDY_QUEUE_MSG_DELAYED);
    assert_int_equal(c.s[1].m.visible_ms, T0 + 5000);
    assert_string_equal(c.s[2].body, "three");
    assert_int_equal(c.s[2].m.state, EDDY_QUEUE_MSG_VISIBLE);
    assert_int_equal(c.s[2].m.sent_ms, T0);
    assert_int_equal(c.s[2].m.enqueued_ms, T0);
    assert_string_equal(c.s[2].attr_name, "source");
    assert_string_equal(c.s[2].attr_value, "web");
    assert_int_equal(c.s[2].m.receive_count, 0);

    /* Nothing changed: counts and receive counts are as before. */
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.messages, 3);
    assert_int_equal(st.in_flight, 1);
    assert_int_equal(st.delayed, 1);
    assert_int_equal(st.visible, 1);
}

static void scan_resumes_limits_and_stops(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    char body[16];
    collect c;
    uint64_t last = 0;

    o.batch_max = 1000;
    T_OK(eddy_queue_create(f->env, "q", &o));
    /* More than one scan batch (256), so the walk crosses read transactions. */
    for (int i = 0; i < 600; i++) {
        snprintf(body, sizeof body, "m%d", i);
        send(f->env, "q", body, EDDY_QUEUE_ZERO_MS);
    }
    memset(&c, 0, sizeof c);
    T_OK(eddy_queue_scan(f->env, "q", 0, 5, on_msg, &c, &last));
    assert_int_equal(c.n, 5);
    assert_int_equal(last, 5);
    memset(&c, 0, sizeof c);
    T_OK(eddy_queue_scan(f->env, "q", 595, 0, on_msg, &c, &last));
    assert_int_equal(c.n, 5);
    assert_int_equal(c.s[0].m.msg_id, 596);
    assert_int_equal(last, 600);
    memset(&c, 0, sizeof c);
    c.stop_after = 300;
    T_RC(EDDY_EUSER, eddy_queue_scan(f->env, "q", 0, 0, on_msg, &c, &last));
    assert_int_equal(c.n, 300);
    assert_int_equal(last, 300);
    /* An empty range is fine. */
    memset(&c, 0, sizeof c);
    T_OK(eddy_queue_scan(f->env, "q", 600, 0, on_msg, &c, &last));
    assert_int_equal(c.n, 0);
    assert_int_equal(last, 600);
}

static void scan_errors(void **state)
{
    fx *f = *state;
    collect c;

    memset(&c, 0, sizeof c);
    T_RC(EDDY_EINVAL, eddy_queue_scan(NULL, "q", 0, 0, on_msg, &c, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_scan(f->env, "a b", 0, 0, on_msg, &c, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_scan(f->env, "q", 0, 0, NULL, &c, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_queue_scan(f->env, "nope", 0, 0, on_msg, &c, NULL));
    assert_int_equal(c.n, 0);
}

static eddy_queue_restore_entry rentry(uint64_t id, const char *body, uint64_t sent)
{
    eddy_queue_restore_entry e = EDDY_QUEUE_RESTORE_ENTRY_INIT;
    e.msg_id = id;
    e.body.data = body;
    e.body.len = strlen(body);
    e.sent_ms = sent;
    return e;
}

static void restore_keeps_ids_and_history(void **state)
{
    fx *f = *state;
    eddy_queue_restore_entry e[3] = {[0 ...(3) - 1] = EDDY_QUEUE_RESTORE_ENTRY_INIT};
    eddy_queue_send_result r[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_attr a = {"n", "Number", {"7", 1}};
    eddy_queue_receive_options ro = {.size = sizeof ro,
                                     .max_messages = 10,
                                     .visibility_timeout_ms = 0,
                                     .wait_ms = EDDY_QUEUE_ZERO_MS};
    eddy_queue_batch *b = NULL;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    size_t n;
    collect c;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    e[0] = rentry(10, "ten", T0 - 5000);
    e[0].attrs = &a;
    e[0].attr_count = 1;
    e[1] = rentry(12, "twelve", T0 - 4000);
    e[1].receive_count = 2;
    e[1].first_receive_ms = T0 - 3000;
    e[1].origin_queue_id = 77;
    e[1].origin_msg_id = 5;
    e[1].enqueued_ms = T0 - 9000;
    e[2] = rentry(13, "thirteen", T0 - 1000);
    e[2].visible_ms = T0 + 30000; /* still delayed */
    T_OK(eddy_queue_restore_batch(f->env, "q", e, 3, r));
    assert_int_equal(r[0].msg_id, 10);
    assert_int_equal(r[1].msg_id, 12);
    assert_int_equal(r[2].sent_ms, T0 - 1000);
    t_verify_clean(f->env);

    memset(&c, 0, sizeof c);
    T_OK(eddy_queue_scan(f->env, "q", 0, 0, on_msg, &c, NULL));
    assert_int_equal(c.n, 3);
    assert_int_equal(c.s[0].m.sent_ms, T0 - 5000);
    assert_string_equal(c.s[0].attr_value, "7");
    assert_int_equal(c.s[1].m.receive_count, 2);
    assert_int_equal(c.s[1].m.first_receive_ms, T0 - 3000);
    assert_int_equal(c.s[1].m.origin_queue_id, 77);
    assert_int_equal(c.s[1].m.origin_msg_id, 5);
    assert_int_equal(c.s[1].m.enqueued_ms, T0 - 9000);
    assert_int_equal(c.s[2].m.state, EDDY_QUEUE_MSG_DELAYED);

    /* Sends continue above the restored ids. */
    assert_int_equal(send(f->env, "q", "after", EDDY_QUEUE_ZERO_MS), 14);
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.messages, 4);
    assert_int_equal(info.oldest_age_ms, 9000);

    /* Receives see the restored ones with their history. */
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        if (eddy_queue_batch_message(b, i)->msg_id == 12)
            assert_int_equal(eddy_queue_batch_message(b, i)->receive_count, 3);
    eddy_queue_batch_free(b);
}

/* A message restored while it was in flight (received, visibility deadline still ahead) stays
 * in flight until that deadline, with no valid receipt, and counts as in flight; then it is
 * visible like any message whose timeout ran out. */
static void restore_in_flight_stays_in_flight(void **state)
{
    fx *f = *state;
    eddy_queue_restore_entry e;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    eddy_queue_receive_options ro = {.size = sizeof ro,
                                     .max_messages = 10,
                                     .visibility_timeout_ms = 0,
                                     .wait_ms = EDDY_QUEUE_ZERO_MS};
    eddy_queue_batch *b = NULL;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    collect c;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    e = rentry(5, "held", T0 - 2000);
    e.receive_count = 1;
    e.first_receive_ms = T0 - 1000;
    e.visible_ms = T0 + 30000;
    T_OK(eddy_queue_restore_batch(f->env, "q", &e, 1, &r));
    memset(&c, 0, sizeof c);
    T_OK(eddy_queue_scan(f->env, "q", 0, 0, on_msg, &c, NULL));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.s[0].m.state, EDDY_QUEUE_MSG_IN_FLIGHT);
    assert_int_equal(c.s[0].m.receive_count, 1);
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.in_flight, 1);
    assert_int_equal(st.delayed, 0);
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.in_flight, 1);
    assert_int_equal(info.delayed, 0);
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b));
    assert_int_equal(eddy_queue_batch_count(b), 0);
    eddy_queue_batch_free(b);
    f->clk.now_ms = T0 + 30000;
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b));
    assert_int_equal(eddy_queue_batch_count(b), 1);
    assert_int_equal(eddy_queue_batch_message(b, 0)->receive_count, 2);
    eddy_queue_batch_free(b);
}

static void restore_refuses_collisions_and_going_back(void **state)
{
    fx *f = *state;
    eddy_queue_restore_entry e[2] = {[0 ...(2) - 1] = EDDY_QUEUE_RESTORE_ENTRY_INIT};
    eddy_queue_send_result r[2] = {[0 ...(2) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send(f->env, "q", "a", EDDY_QUEUE_ZERO_MS); /* 1 */
    send(f->env, "q", "b", EDDY_QUEUE_ZERO_MS); /* 2 */
    T_OK(eddy_queue_purge(f->env, "q", NULL));
    send(f->env, "q", "c", EDDY_QUEUE_ZERO_MS); /* 3 */

    e[0] = rentry(3, "x", T0);
    T_RC(EDDY_EEXIST, eddy_queue_restore_batch(f->env, "q", e, 1, r));
    assert_int_equal(r[0].rc, EDDY_EEXIST);
    e[0] = rentry(2, "x", T0);
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", e, 1, r));
    assert_int_equal(r[0].rc, EDDY_EINVAL);
    /* Ids within a batch must increase; a bad entry fails the whole batch. */
    e[0] = rentry(9, "x", T0);
    e[1] = rentry(8, "y", T0);
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", e, 2, r));
    assert_int_equal(r[1].rc, EDDY_EINVAL);
    e[1] = rentry(10, "", T0); /* empty body */
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", e, 2, r));
    e[1] = rentry(10, "y", 0); /* no send time */
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", e, 2, r));
    e[1] = rentry(10, "y", T0);
    e[1].first_receive_ms = T0;
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", e, 2, r));
    /* A later good entry does not save a batch whose first entry collides. */
    e[0] = rentry(3, "x", T0);
    e[1] = rentry(20, "y", T0);
    T_RC(EDDY_EEXIST, eddy_queue_restore_batch(f->env, "q", e, 2, r));
    assert_int_equal(r[1].msg_id, 0);
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.messages, 1);
    T_RC(EDDY_ENOTFOUND, eddy_queue_restore_batch(f->env, "nope", e, 1, r));
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", e, 0, r));
    T_RC(EDDY_EINVAL, eddy_queue_restore_batch(f->env, "q", NULL, 1, r));
}

static void restore_expired_is_trimmed(void **state)
{
    fx *f = *state;
    eddy_queue_restore_entry e = rentry(1, "old", T0 - 10ull * 86400000);
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    uint64_t removed = 0;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    T_OK(eddy_queue_restore_batch(f->env, "q", &e, 1, &r));
    t_verify_clean(f->env);
    T_OK(eddy_queue_trim(f->env, "q", 0, &removed));
    assert_int_equal(removed, 1);
}

static void trim_before_cut(void **state)
{
    fx *f = *state;
    eddy_queue_receive_options ro = {.size = sizeof ro,
                                     .max_messages = 1,
                                     .visibility_timeout_ms = 60000,
                                     .wait_ms = EDDY_QUEUE_ZERO_MS};
    eddy_queue_batch *b = NULL;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    uint64_t removed = 0;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    send(f->env, "q", "a", EDDY_QUEUE_ZERO_MS);
    f->clk.now_ms += 1000;
    send(f->env, "q", "b", EDDY_QUEUE_ZERO_MS);
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b)); /* a is in flight */
    eddy_queue_batch_free(b);
    f->clk.now_ms += 1000;
    send(f->env, "q", "c", EDDY_QUEUE_ZERO_MS);
    send(f->env, "q", "d", EDDY_QUEUE_ZERO_MS);
    /* The retention alone removes nothing. */
    T_OK(eddy_queue_trim(f->env, "q", 0, &removed));
    assert_int_equal(removed, 0);
    /* Before T0 + 1500: a (in flight) and b go, bounded by max_n. */
    T_OK(eddy_queue_trim_before(f->env, "q", T0 + 1500, 1, &removed));
    assert_int_equal(removed, 1);
    T_OK(eddy_queue_trim_before(f->env, "q", T0 + 1500, 0, &removed));
    assert_int_equal(removed, 1);
    T_OK(eddy_queue_trim_before(f->env, "q", T0 + 1500, 0, &removed));
    assert_int_equal(removed, 0);
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.messages, 2);
    assert_int_equal(st.in_flight, 0);
    T_RC(EDDY_EINVAL, eddy_queue_trim_before(f->env, "q", T0, 100001, &removed));
    T_RC(EDDY_ENOTFOUND, eddy_queue_trim_before(f->env, "nope", T0, 0, &removed));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_FX_TEST(scan_reports_states_without_changing),
        T_FX_TEST(scan_resumes_limits_and_stops),
        T_FX_TEST(scan_errors),
        T_FX_TEST(restore_keeps_ids_and_history),
        T_FX_TEST(restore_in_flight_stays_in_flight),
        T_FX_TEST(restore_refuses_collisions_and_going_back),
        T_FX_TEST(restore_expired_is_trimmed),
        T_FX_TEST(trim_before_cut),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
