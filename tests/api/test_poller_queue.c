/* test_poller_queue.c: pollers on queues (SQS event-source mappings), through include/eddy.h
 * only: batching (size, window, payload cap), success deletes, whole-batch failure, partial
 * batch responses, dead letters through max_receive_count, filters, the one-commit
 * delete+receive, max concurrency, stop from the callback, pause/resume, and status counters.
 * MANUAL pollers and the fake clock make every time rule exact. docs/SEMANTICS.md "Pollers"
 * names these tests. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

/* A scripted callback: records what it saw, answers as told. */
typedef struct script {
    fx *f;
    size_t calls;
    size_t seen;          /* items seen */
    char bodies[512][32]; /* bodies seen, in order */
    size_t sizes[64];     /* batch sizes */
    uint32_t rc_seen[512];
    int fail_whole;               /* fail every batch */
    const char *fail_body_prefix; /* items whose body starts with this fail (partial) */
    const char *poison;           /* a batch holding this body fails whole */
    size_t stop_at_call;          /* return 1 at this call (1-based); 0 = never */
    size_t over_report;           /* nonzero: claim b->n + this many failed items */
} script;

static int cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    script *s = ctx;
    s->calls++;
    assert_int_equal(b->source, EDDY_POLLER_SOURCE_QUEUE);
    if (s->calls <= 64)
        s->sizes[s->calls - 1] = b->n;
    for (size_t i = 0; i < b->n; i++) {
        const eddy_poller_item *it = eddy_poller_batch_item(b, i);
        if (s->seen < 512) {
            snprintf(s->bodies[s->seen], sizeof s->bodies[0], "%.*s", (int)it->body.len,
                     (const char *)it->body.data);
            s->rc_seen[s->seen] = it->receive_count;
        }
        s->seen++;
        if (s->poison != NULL && it->body.len == strlen(s->poison) &&
            memcmp(it->body.data, s->poison, it->body.len) == 0)
            r->failed = true;
        if (s->fail_body_prefix != NULL && it->body.len >= strlen(s->fail_body_prefix) &&
            memcmp(it->body.data, s->fail_body_prefix, strlen(s->fail_body_prefix)) == 0)
            r->failed_idx[r->n_failed++] = i;
    }
    if (s->fail_whole)
        r->failed = true;
    if (s->over_report != 0)
        r->n_failed = b->n + s->over_report; /* failed_idx has b->n slots: never read past */
    if (s->stop_at_call != 0 && s->calls == s->stop_at_call)
        return 1;
    return 0;
}

static int setup(void **state)
{
    fx *f = t_fx_open();
    T_OK(eddy_queue_create(f->env, "q", NULL));
    *state = f;
    return 0;
}

static void send_n(eddy_env *env, const char *q, const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char body[32];
        eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
        snprintf(body, sizeof body, "%s%03d", prefix, i);
        m.body.data = body;
        m.body.len = strlen(body);
        T_OK(eddy_queue_send(env, q, &m, NULL));
    }
}

static uint64_t stored(eddy_env *env, const char *q)
{
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    T_OK(eddy_queue_stat_get(env, q, &st));
    return st.messages;
}

static eddy_poller *manual(fx *f, eddy_poller_options *o, script *s)
{
    eddy_poller *p = NULL;
    o->source = EDDY_POLLER_SOURCE_QUEUE;
    if (o->name == NULL)
        o->name = "q";
    o->flags |= EDDY_POLLER_MANUAL;
    s->f = f;
    T_OK(eddy_poller_create(f->env, o, cb, s, &p));
    T_OK(eddy_poller_start(p));
    return p;
}

static size_t step(eddy_poller *p)
{
    size_t n = 99;
    T_OK(eddy_poller_run_once(p, &n));
    return n;
}

static void create_validation(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = (eddy_poller *)&o;
    script s;
    memset(&s, 0, sizeof s);

    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, NULL, cb, &s, &p));
    assert_null(p);
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p)); /* no source */
    o.source = EDDY_POLLER_SOURCE_QUEUE;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p)); /* no name */
    o.name = "missing";
    T_RC(EDDY_ENOTFOUND, eddy_poller_create(f->env, &o, cb, &s, &p));
    o.name = "q";
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, NULL, &s, &p));
    o.batch_size = 10001;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    o.batch_size = 0;
    o.batching_window_ms = 300001;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    o.batching_window_ms = 0;
    o.max_concurrency = 65;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    o.max_concurrency = 0;
    o.consumer = "c"; /* stream-only */
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    o.consumer = NULL;
    const char *badf[] = {"{\"body\": 3}"};
    o.filters = badf;
    o.filter_count = 1;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    const char *badf2[] = {"{\"body\": [{\"wat\": 1}]}"};
    o.filters = badf2;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    const char *badf3[] = {"not json"};
    o.filters = badf3;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, &s, &p));
    o.filters = NULL;
    o.filter_count = 0;

    T_OK(eddy_poller_create(f->env, &o, cb, &s, &p));
    assert_non_null(p);
    /* The env counts the poller: closing refuses until it is destroyed. */
    T_RC(EDDY_EBUSY, eddy_env_close(f->env));
    /* run_once is for MANUAL pollers only; pause needs RUNNING. */
    T_RC(EDDY_EINVAL, eddy_poller_run_once(p, NULL));
    T_RC(EDDY_EINVAL, eddy_poller_pause(p));
    T_RC(EDDY_EINVAL, eddy_poller_resume(p));
    T_OK(eddy_poller_stop(p)); /* stopping a stopped poller is fine */
    eddy_poller_destroy(p);
    eddy_poller_destroy(NULL);
}

static void success_deletes_in_batches(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script s;
    memset(&s, 0, sizeof s);
    send_n(f->env, "q", "m", 25);
    eddy_poller *p = manual(f, &o, &s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[0], 10); /* default batch size 10 */
    assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[2], 5);
    assert_int_equal(step(p), 0); /* commits the last deletes */
    assert_int_equal(stored(f->env, "q"), 0);
    for (int i = 0; i < 25; i++) {
        char want[8];
        snprintf(want, sizeof want, "m%03d", i);
        assert_string_equal(s.bodies[i], want);
        assert_int_equal(s.rc_seen[i], 1);
    }
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.state, EDDY_POLLER_STATE_RUNNING);
    assert_int_equal(st.batches, 3);
    assert_int_equal(st.records, 25);
    assert_int_equal(st.failures, 0);
    assert_int_equal(st.oldest_age_ms, 0);
    eddy_poller_destroy(p);
}

static void whole_failure_returns_after_visibility(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script s;
    memset(&s, 0, sizeof s);
    send_n(f->env, "q", "m", 3);
    s.fail_whole = 1;
    eddy_poller *p = manual(f, &o, &s);
    assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 0); /* in flight: nothing until the timeout runs out */
    f->clk.now_ms += 29999;
    assert_int_equal(step(p), 0);
    assert_int_equal(stored(f->env, "q"), 3);
    f->clk.now_ms += 1; /* the queue's 30 s visibility timeout */
    s.fail_whole = 0;
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[1], 3);
    assert_int_equal(s.rc_seen[3], 2); /* second receive */
    step(p);
    assert_int_equal(stored(f->env, "q"), 0);
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.failed_records, 3);
    eddy_poller_destroy(p);
}

static void partial_batch_response(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script s;
    memset(&s, 0, sizeof s);
    send_n(f->env, "q", "ok", 3);
    send_n(f->env, "q", "bad", 2);
    s.fail_body_prefix = "bad";
    eddy_poller *p = manual(f, &o, &s);
    assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 0);
    assert_int_equal(stored(f->env, "q"), 2); /* only the listed items stay */
    f->clk.now_ms += 30000;
    s.fail_body_prefix = NULL;
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[1], 2);
    assert_string_equal(s.bodies[5], "bad000");
    assert_string_equal(s.bodies[6], "bad001");
    step(p);
    assert_int_equal(stored(f->env, "q"), 0);
    eddy_poller_destroy(p);
}

static void too_many_failed_is_whole_failure(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script s;
    memset(&s, 0, sizeof s);
    send_n(f->env, "q", "m", 3);
    s.over_report = 1u << 20; /* far past the slots: an over-read would leave the heap block */
    eddy_poller *p = manual(f, &o, &s);
    assert_int_equal(step(p), 1);
    assert_int_equal(stored(f->env, "q"), 3); /* the whole batch failed: all stay */
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.failed_records, 3);
    eddy_poller_destroy(p);
}

static void poison_to_dead_letter_queue(void **state)
{
    fx *f = *state;
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script s;
    memset(&s, 0, sizeof s);
    T_OK(eddy_queue_create(f->env, "dlq", NULL));
    qo.dlq_name = "dlq";
    qo.max_receive_count = 3;
    T_OK(eddy_queue_create(f->env, "src", &qo));
    send_n(f->env, "src", "m", 4);
    send_n(f->env, "src", "poison", 1);
    s.fail_body_prefix = "poison";
    o.name = "src";
    eddy_poller *p = manual(f, &o, &s);
    for (int round = 0; round < 5; round++) {
        step(p);
        step(p);
        f->clk.now_ms += 30000;
    }
    assert_int_equal(stored(f->env, "src"), 0);
    assert_int_equal(stored(f->env, "dlq"), 1);
    /* Three receives (max_receive_count), then the fourth moved it. */
    size_t poison_seen = 0;
    for (size_t i = 0; i < s.seen; i++)
        poison_seen += strcmp(s.bodies[i], "poison000") == 0;
    assert_int_equal(poison_seen, 3);
    eddy_poller_destroy(p);
}

static void batching_window_and_payload_cap(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script s;
    memset(&s, 0, sizeof s);
    o.batching_window_ms = 1000;
    o.batch_size = 5;
    eddy_poller *p = manual(f, &o, &s);
    send_n(f->env, "q", "a", 3);
    assert_int_equal(step(p), 0); /* gathering: 3 < 5 and the window is open */
    f->clk.now_ms += 999;
    assert_int_equal(step(p), 0);
    send_n(f->env, "q", "b", 1);
    assert_int_equal(step(p), 0);
    f->clk.now_ms += 1; /* window over: deliver what was gathered */
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[0], 4);
    send_n(f->env, "q", "c", 7);
    assert_int_equal(step(p), 1); /* batch size reached: no wait */
    assert_int_equal(s.sizes[1], 5);
    eddy_poller_destroy(p); /* releases the 2 gathered-but-undelivered messages */
    assert_int_equal(stored(f->env, "q"), 2);

    /* Payload cap: 4-byte bodies, cap 10 bytes: batches of 2. */
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    memset(&s, 0, sizeof s);
    o.payload_max = 10;
    o.batch_size = 100;
    p = manual(f, &o, &s); /* the released messages are visible at once */
    send_n(f->env, "q", "d", 3);
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[0], 2);
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[1], 2);
    assert_int_equal(step(p), 1);
    assert_int_equal(s.sizes[2], 1);
    step(p);
    assert_int_equal(stored(f->env, "q"), 0);
    eddy_poller_destroy(p);
}

static void delete_and_receive_share_one_commit(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_env_stat e0 = EDDY_ENV_STAT_INIT, e1 = EDDY_ENV_STAT_INIT;
    script s;
    memset(&s, 0, sizeof s);
    send_n(f->env, "q", "m", 100);
    eddy_poller *p = manual(f, &o, &s);
    T_OK(eddy_env_stat_get(f->env, &e0));
    for (int i = 0; i < 10; i++)
        assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 0);
    T_OK(eddy_env_stat_get(f->env, &e1));
    assert_int_equal(stored(f->env, "q"), 0);
    /* 10 batches: 10 receives, 9 of them carrying the previous batch's deletes, plus one final
     * delete; a receive/delete loop needs 20. */
    assert_int_equal(e1.commits - e0.commits, 11);
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.commits, 11);
    eddy_poller_destroy(p);
}

static void filter_deletes_non_matching(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_attr a = {"tenant", "String", {"acme", 4}};
    script s;
    const char *pat[] = {
        "{\"body\": {\"kind\": [\"order\"], \"qty\": [{\"numeric\": [\">\", 2]}]}}",
        "{\"messageAttributes\": {\"tenant\": {\"stringValue\": "
        "[{\"prefix\": \"ac\"}]}}}"};
    const char *bodies[] = {"{\"kind\":\"order\",\"qty\":5}", "{\"kind\":\"order\",\"qty\":1}",
                            "{\"kind\":\"refund\",\"qty\":9}", "plain text",
                            "{\"kind\":\"refund\"}"};
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 5; i++) {
        m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        m.body.data = bodies[i];
        m.body.len = strlen(bodies[i]);
        if (i == 4) {
            m.attrs = &a;
            m.attr_count = 1;
        }
        T_OK(eddy_queue_send(f->env, "q", &m, NULL));
    }
    o.filters = pat;
    o.filter_count = 2;
    eddy_poller *p = manual(f, &o, &s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s.seen, 2);
    assert_string_equal(s.bodies[0], bodies[0]);
    assert_string_equal(s.bodies[1], bodies[4]); /* by its attribute */
    step(p);
    assert_int_equal(stored(f->env, "q"), 0); /* filtered-out messages are deleted */
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.filtered, 3);
    eddy_poller_destroy(p);
}

static void callback_stop_request(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_queue_batch *b = NULL;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    script s;
    size_t n = 0;
    memset(&s, 0, sizeof s);
    send_n(f->env, "q", "m", 20);
    s.stop_at_call = 2;
    eddy_poller *p = manual(f, &o, &s);
    assert_int_equal(step(p), 1);
    T_RC(EDDY_EUSER, eddy_poller_run_once(p, NULL));
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.state, EDDY_POLLER_STATE_FAILED);
    assert_int_equal(st.last_error, EDDY_EUSER);
    T_RC(EDDY_EINVAL, eddy_poller_run_once(p, NULL));
    /* The first batch was committed (deleted); the second is visible again at once. */
    assert_int_equal(stored(f->env, "q"), 10);
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 10;
    T_OK(eddy_queue_receive(f->env, "q", &ro, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 10);
    eddy_queue_batch_free(b);
    /* Started again, it goes on. */
    f->clk.now_ms += 30000;
    s.stop_at_call = 0;
    T_OK(eddy_poller_start(p));
    assert_int_equal(step(p), 1);
    step(p);
    assert_int_equal(stored(f->env, "q"), 0);
    eddy_poller_destroy(p);
}

/* ---- threads ---- */

typedef struct conc {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int inflight, max_inflight;
    int done;
    int calls;
} conc;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int conc_cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    conc *c = ctx;
    (void)r;
    pthread_mutex_lock(&c->mu);
    c->inflight++;
    c->calls++;
    if (c->inflight > c->max_inflight)
        c->max_inflight = c->inflight;
    pthread_cond_broadcast(&c->cv);
    /* The first callbacks wait (up to 5 s) until three run at once. */
    uint64_t end = mono_ms() + 5000;
    while (c->max_inflight < 3 && mono_ms() < end) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    c->done += (int)b->n;
    c->inflight--;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

static void wait_done(conc *c, int n)
{
    uint64_t end = mono_ms() + 8000;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int d = c->done;
        pthread_mutex_unlock(&c->mu);
        if (d >= n || mono_ms() > end)
            break;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

static void max_concurrency_threads(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = NULL;
    conc c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.source = EDDY_POLLER_SOURCE_QUEUE;
    o.name = "q";
    o.batch_size = 1;
    o.max_concurrency = 3;
    send_n(f->env, "q", "m", 60);
    T_OK(eddy_poller_create(f->env, &o, conc_cb, &c, &p));
    T_OK(eddy_poller_start(p));
    wait_done(&c, 60);
    T_OK(eddy_poller_stop(p));
    assert_int_equal(c.done, 60);
    assert_int_equal(c.max_inflight, 3); /* three at once, never more */
    assert_int_equal(stored(f->env, "q"), 0);
    eddy_poller_destroy(p);
}

static void pause_resume_threads(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_poller *p = NULL;
    conc c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    c.max_inflight = 3; /* no waiting in the callback */
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.source = EDDY_POLLER_SOURCE_QUEUE;
    o.name = "q";
    T_OK(eddy_poller_create(f->env, &o, conc_cb, &c, &p));
    T_OK(eddy_poller_start(p));
    T_RC(EDDY_EINVAL, eddy_poller_start(p));
    T_OK(eddy_poller_pause(p));
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.state, EDDY_POLLER_STATE_PAUSED);
    send_n(f->env, "q", "m", 30);
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    assert_int_equal(c.done, 0); /* paused: nothing polled */
    assert_int_equal(stored(f->env, "q"), 30);
    T_OK(eddy_poller_resume(p));
    wait_done(&c, 30);
    T_OK(eddy_poller_stop(p)); /* commits the last deletes */
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.state, EDDY_POLLER_STATE_STOPPED);
    assert_int_equal(st.records, 30);
    assert_int_equal(stored(f->env, "q"), 0);
    eddy_poller_destroy(p);
}

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered, released, calls;
    eddy_poller *p;
    int stop_returned;
} gate;

static int gate_cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    gate *g = ctx;
    (void)b;
    (void)r;
    pthread_mutex_lock(&g->mu);
    g->calls++;
    g->entered = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->released)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return 0;
}

static void *stopper(void *arg)
{
    gate *g = arg;
    T_OK(eddy_poller_stop(g->p));
    pthread_mutex_lock(&g->mu);
    g->stop_returned = 1;
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static void stop_waits_for_callback_then_commits(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    pthread_t th;
    gate g;
    memset(&g, 0, sizeof g);
    pthread_mutex_init(&g.mu, NULL);
    pthread_cond_init(&g.cv, NULL);
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.source = EDDY_POLLER_SOURCE_QUEUE;
    o.name = "q";
    o.max_concurrency = 1;
    send_n(f->env, "q", "m", 10);
    T_OK(eddy_poller_create(f->env, &o, gate_cb, &g, &g.p));
    T_OK(eddy_poller_start(g.p));
    pthread_mutex_lock(&g.mu);
    while (!g.entered)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    assert_int_equal(pthread_create(&th, NULL, stopper, &g), 0);
    struct timespec ts = {0, 30000000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&g.mu);
    assert_int_equal(g.stop_returned, 0); /* stop waits for the callback in flight */
    g.released = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(th, NULL);
    assert_int_equal(g.calls, 1);
    assert_int_equal(stored(f->env, "q"), 0); /* ... then commits what it finished */
    eddy_poller_destroy(g.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_validation, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(success_deletes_in_batches, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(whole_failure_returns_after_visibility, setup,
                                        t_fx_teardown),
        cmocka_unit_test_setup_teardown(partial_batch_response, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(too_many_failed_is_whole_failure, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(poison_to_dead_letter_queue, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(batching_window_and_payload_cap, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(delete_and_receive_share_one_commit, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(filter_deletes_non_matching, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(callback_stop_request, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(max_concurrency_threads, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(pause_resume_threads, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(stop_waits_for_callback_then_commits, setup, t_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
