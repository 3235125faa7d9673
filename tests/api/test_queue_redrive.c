/* test_queue_redrive.c: dead-letter redrive tasks (eddy_queue_redrive_*) and queue dictionaries
 * (eddy_queue_train_dict), through the public API only, with time moved by the fake clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

static void send_str(eddy_env *env, const char *q, const char *body)
{
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    m.body.data = body;
    m.body.len = strlen(body);
    T_OK(eddy_queue_send(env, q, &m, NULL));
}

static size_t recv_count(eddy_env *env, const char *q, uint32_t vis)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    size_t n = 0;
    o.max_messages = 10;
    o.visibility_timeout_ms = vis;
    T_OK(eddy_queue_receive(env, q, &o, &b));
    n = eddy_queue_batch_count(b);
    eddy_queue_batch_free(b);
    return n;
}

static uint64_t messages(eddy_env *env, const char *q)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    T_OK(eddy_queue_get_attributes(env, q, &info));
    return info.messages;
}

/* Two sources with max_receive_count 1 feed one dead-letter queue with n messages each. */
static void fill_dlq(fx *f, int n)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;

    T_OK(eddy_queue_create(f->env, "dlq", NULL));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = "dlq";
    o.max_receive_count = 1;
    T_OK(eddy_queue_create(f->env, "a", &o));
    T_OK(eddy_queue_create(f->env, "b", &o));
    for (int i = 0; i < n; i++) {
        send_str(f->env, "a", "to-a");
        send_str(f->env, "b", "to-b");
    }
    while (recv_count(f->env, "a", 1) > 0 || recv_count(f->env, "b", 1) > 0)
        ;
    f->clk.now_ms += 1;
    assert_int_equal(recv_count(f->env, "a", 1), 0);
    assert_int_equal(recv_count(f->env, "b", 1), 0);
    assert_int_equal(messages(f->env, "dlq"), (uint64_t)2 * n);
}

static void redrive_to_origins(void **state)
{
    fx *f = *state;
    eddy_queue_redrive_task t[4] = {[0 ...(4) - 1] = EDDY_QUEUE_REDRIVE_TASK_INIT};
    uint64_t id = 0, moved = 0;
    size_t n = 0;

    fill_dlq(f, 12);
    T_OK(eddy_queue_redrive_start(f->env, "dlq", NULL, 0, &id));
    assert_int_equal(id, 1);
    T_RC(EDDY_EBUSY, eddy_queue_redrive_start(f->env, "dlq", NULL, 0, NULL));
    T_OK(eddy_queue_redrive_list(f->env, "dlq", t, 4, &n));
    assert_int_equal(n, 1);
    assert_int_equal(t[0].status, EDDY_QUEUE_TASK_RUNNING);
    assert_int_equal(t[0].to_move, 24);
    send_str(f->env, "dlq", "sent-directly-later"); /* not part of the task */
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    assert_int_equal(moved, 24);
    assert_int_equal(messages(f->env, "a"), 12);
    assert_int_equal(messages(f->env, "b"), 12);
    assert_int_equal(messages(f->env, "dlq"), 1);
    T_OK(eddy_queue_redrive_list(f->env, "dlq", t, 4, &n));
    assert_int_equal(t[0].status, EDDY_QUEUE_TASK_COMPLETED);
    assert_int_equal(t[0].moved, 24);
    /* redriven messages are new: receive count starts again */
    {
        eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        eddy_queue_batch *b;
        T_OK(eddy_queue_receive(f->env, "a", &o, &b));
        assert_int_equal(eddy_queue_batch_message(b, 0)->receive_count, 1);
        assert_int_equal(eddy_queue_batch_message(b, 0)->origin_queue_id, 0);
        assert_int_equal(eddy_queue_batch_message(b, 0)->sent_ms, f->clk.now_ms);
        eddy_queue_batch_free(b);
    }
    T_RC(EDDY_EEXPIRED, eddy_queue_redrive_cancel(f->env, "dlq", 1));
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_cancel(f->env, "dlq", 9));
}

static void redrive_rate_resume_and_cancel(void **state)
{
    fx *f = *state;
    eddy_queue_redrive_task t[2] = {[0 ...(2) - 1] = EDDY_QUEUE_REDRIVE_TASK_INIT};
    uint64_t id = 0, moved = 0;
    size_t n = 0;

    fill_dlq(f, 10);
    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(f->env, "dlq", "dlq", 0, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(f->env, "dlq", NULL, 501, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_start(f->env, "dlq", "nosuch", 0, NULL));
    T_OK(eddy_queue_redrive_start(f->env, "dlq", "b", 5, &id));
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    assert_int_equal(moved, 0); /* no time has passed */
    f->clk.now_ms += 1000;
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    assert_int_equal(moved, 5);
    /* the task survives a reopen and resumes */
    T_OK(eddy_env_close(f->env));
    f->env = t_env_open(f->dir, &f->clk);
    f->clk.now_ms += 1000;
    T_OK(eddy_queue_redrive_run(f->env, 3, &moved));
    assert_int_equal(moved, 3);
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    assert_int_equal(moved, 2);
    T_OK(eddy_queue_redrive_cancel(f->env, "dlq", id));
    f->clk.now_ms += 10000;
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    assert_int_equal(moved, 0);
    T_OK(eddy_queue_redrive_list(f->env, "dlq", t, 2, &n));
    assert_int_equal(n, 1);
    assert_int_equal(t[0].status, EDDY_QUEUE_TASK_CANCELLED);
    assert_int_equal(t[0].moved, 10);
    assert_string_equal(t[0].dest, "b");
    assert_int_equal(t[0].max_per_s, 5);
    assert_int_equal(messages(f->env, "b"), 10);
    assert_int_equal(messages(f->env, "dlq"), 10);
}

static void redrive_fails_without_origin(void **state)
{
    fx *f = *state;
    eddy_queue_redrive_task t[3] = {[0 ...(3) - 1] = EDDY_QUEUE_REDRIVE_TASK_INIT};
    uint64_t moved = 0;
    size_t n = 0;

    fill_dlq(f, 2);
    T_OK(eddy_queue_delete(f->env, "a"));
    T_OK(eddy_queue_redrive_start(f->env, "dlq", NULL, 0, NULL));
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    T_OK(eddy_queue_redrive_list(f->env, "dlq", t, 3, &n));
    assert_int_equal(t[0].status, EDDY_QUEUE_TASK_FAILED);
    assert_true(strstr(t[0].failure, "no longer exists") != NULL);
    assert_true(moved < 4);
    /* a second task may start once the first is over; listing is newest first */
    T_OK(eddy_queue_redrive_start(f->env, "dlq", "b", 0, NULL));
    T_OK(eddy_queue_redrive_list(f->env, "dlq", t, 3, &n));
    assert_int_equal(n, 2);
    assert_int_equal(t[0].task_id, 2);
    assert_int_equal(t[1].task_id, 1);
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    T_OK(eddy_queue_redrive_list(f->env, "dlq", t, 1, &n));
    assert_int_equal(n, 1);
    assert_int_equal(t[0].status, EDDY_QUEUE_TASK_COMPLETED);
    assert_int_equal(messages(f->env, "dlq"), 0);
}

/* Two queues that are each other's dead-letter queue: a message that went round keeps its first
 * origin, which is then the queue it sits in; redriving it "to its origin" must fail, not loop. */
static void redrive_dead_letter_cycle(void **state)
{
    fx *f = *state;
    eddy_queue_redrive_task t[1] = {[0 ...(1) - 1] = EDDY_QUEUE_REDRIVE_TASK_INIT};
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    uint64_t moved = 9;
    size_t n = 0;

    T_OK(eddy_queue_create(f->env, "a", NULL));
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.dlq_name = "a";
    o.max_receive_count = 1;
    T_OK(eddy_queue_create(f->env, "d", &o));
    o.dlq_name = "d";
    T_OK(eddy_queue_set_attributes(f->env, "a", &o, EDDY_QUEUE_SET_REDRIVE));
    send_str(f->env, "a", "round and round");
    assert_int_equal(recv_count(f->env, "a", 1), 1);
    f->clk.now_ms += 1;
    assert_int_equal(recv_count(f->env, "a", 1), 0); /* moved to d */
    /* its receive count (1) travels with it, so d moves it straight back; origin stays a */
    assert_int_equal(recv_count(f->env, "d", 1), 0);
    assert_int_equal(messages(f->env, "a"), 1);
    T_OK(eddy_queue_redrive_start(f->env, "a", NULL, 0, NULL));
    T_OK(eddy_queue_redrive_run(f->env, 0, &moved));
    assert_int_equal(moved, 0);
    T_OK(eddy_queue_redrive_list(f->env, "a", t, 1, &n));
    assert_int_equal(t[0].status, EDDY_QUEUE_TASK_FAILED);
    assert_int_equal(messages(f->env, "a"), 1);
}

static void dictionary_training(void **state)
{
    fx *f = *state;
    static const char *skus[] = {"glazed", "sprinkles", "jelly", "cruller", "old-fashioned"};
    char body[300];
    uint32_t dict_id = 0;
    uint64_t rng = 99;

    T_OK(eddy_queue_create(f->env, "orders", NULL));
    T_RC(EDDY_ELIMIT, eddy_queue_train_dict(f->env, "orders", 0, 0, NULL));
    for (int i = 0; i < 400; i++) {
        snprintf(body, sizeof body,
                 "{\"order_id\":%d,\"customer\":\"c-%04u\",\"items\":[{\"sku\":\"%s\",\"qty\":%u}]"
                 ",\"channel\":\"%s\",\"ts\":%llu}",
                 i, (unsigned)(t_rand(&rng) % 10000), skus[t_rand(&rng) % 5],
                 (unsigned)(t_rand(&rng) % 24), t_rand(&rng) % 2 ? "mobile" : "web",
                 (unsigned long long)(T0 + (uint64_t)i));
        send_str(f->env, "orders", body);
    }
    T_RC(EDDY_EINVAL, eddy_queue_train_dict(f->env, "orders", 0, 100, NULL));
    T_OK(eddy_queue_train_dict(f->env, "orders", 0, 4096, &dict_id));
    assert_true(dict_id != 0);
    for (int i = 0; i < 100; i++) {
        snprintf(body, sizeof body,
                 "{\"order_id\":%d,\"customer\":\"c-%04u\",\"items\":[{\"sku\":\"%s\",\"qty\":%u}]"
                 ",\"channel\":\"%s\",\"note\":\"after the dictionary\",\"ts\":%llu}",
                 i, (unsigned)(t_rand(&rng) % 10000), skus[t_rand(&rng) % 5],
                 (unsigned)(t_rand(&rng) % 24), t_rand(&rng) % 2 ? "mobile" : "web",
                 (unsigned long long)(T0 + (uint64_t)i));
        send_str(f->env, "orders", body);
    }
    /* old and new messages read back */
    for (int i = 0; i < 50; i++)
        assert_int_equal(recv_count(f->env, "orders", 60000), 10);
    assert_int_equal(recv_count(f->env, "orders", 60000), 0);
    /* after a reopen the dictionary is found again */
    T_OK(eddy_env_close(f->env));
    f->env = t_env_open(f->dir, &f->clk);
    t_verify_clean(f->env);
    f->clk.now_ms += 60000;
    assert_int_equal(recv_count(f->env, "orders", 60000), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_FX_TEST(redrive_to_origins),           T_FX_TEST(redrive_rate_resume_and_cancel),
        T_FX_TEST(redrive_fails_without_origin), T_FX_TEST(redrive_dead_letter_cycle),
        T_FX_TEST(dictionary_training),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
