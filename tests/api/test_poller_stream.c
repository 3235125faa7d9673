/* test_poller_stream.c: pollers on streams (Kinesis event-source mappings), through
 * include/eddy.h only: starting positions, checkpoints per consumer and restart, fan-out,
 * in-order retries with backoff, bisection isolating a poison record into the on-failure queue
 * while the shard flows, partial responses moving the checkpoint to just before the lowest
 * failure, maximum record age, retry exhaustion, filters, children after parents, and the
 * parallelization factor keeping per-key order. MANUAL pollers and the fake clock make every
 * time rule exact. docs/SEMANTICS.md "Pollers" names these tests. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define T0   1700000000000ull
#define MAXR 4096

typedef t_fx fx;

typedef struct script {
    pthread_mutex_t mu;
    size_t calls;
    size_t seen;
    char seq[MAXR][EDDY_STREAM_SEQ_LEN + 1];
    char data[MAXR][24];
    uint32_t attempt[MAXR];
    size_t sizes[256];
    const char *poison;      /* a batch holding this data fails whole */
    const char *fail_prefix; /* items whose data starts with this fail (partial) */
    int fail_calls;          /* fail the next N calls whole */
    size_t ok;               /* items of successful batches */
} script;

static int cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    script *s = ctx;
    pthread_mutex_lock(&s->mu);
    assert_int_equal(b->source, EDDY_POLLER_SOURCE_STREAM);
    if (s->calls < 256)
        s->sizes[s->calls] = b->n;
    s->calls++;
    for (size_t i = 0; i < b->n; i++) {
        const eddy_poller_item *it = eddy_poller_batch_item(b, i);
        assert_int_equal(it->shard_id, b->shard_id);
        if (s->seen < MAXR) {
            memcpy(s->seq[s->seen], it->seq, sizeof s->seq[0]);
            snprintf(s->data[s->seen], sizeof s->data[0], "%.*s", (int)it->body.len,
                     (const char *)it->body.data);
            s->attempt[s->seen] = b->attempt;
        }
        s->seen++;
        if (s->poison != NULL && it->body.len == strlen(s->poison) &&
            memcmp(it->body.data, s->poison, it->body.len) == 0)
            r->failed = true;
        if (s->fail_prefix != NULL && it->body.len >= strlen(s->fail_prefix) &&
            memcmp(it->body.data, s->fail_prefix, strlen(s->fail_prefix)) == 0)
            r->failed_idx[r->n_failed++] = i;
    }
    if (s->fail_calls > 0) {
        s->fail_calls--;
        r->failed = true;
    }
    if (!r->failed && r->n_failed == 0)
        s->ok += b->n;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int setup(void **state)
{
    fx *f = t_fx_open();
    T_OK(eddy_stream_create(f->env, "s", NULL));
    T_OK(eddy_queue_create(f->env, "fail", NULL));
    *state = f;
    return 0;
}

static script *script_new(void)
{
    script *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

/* Put n records "<prefix>NNN" with partition key "k<i % keys>", in batches of up to 100 (one
 * commit each); seqs out (may be NULL). */
static void put_n(fx *f, const char *prefix, int n, int keys, char (*seqs)[EDDY_STREAM_SEQ_LEN + 1])
{
    static char data[100][24], pk[100][16];
    eddy_stream_put_entry e[100] = {[0 ...(100) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[100] = {[0 ...(100) - 1] = EDDY_STREAM_PUT_RESULT_INIT};

    for (int i = 0; i < n;) {
        int k = n - i < 100 ? n - i : 100;
        memset(e, 0, sizeof e);
        EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
        for (int j = 0; j < k; j++) {
            snprintf(data[j], sizeof data[j], "%s%03d", prefix, i + j);
            snprintf(pk[j], sizeof pk[j], "k%d", (i + j) % keys);
            e[j].data.data = data[j];
            e[j].data.len = strlen(data[j]);
            e[j].partition_key.data = pk[j];
            e[j].partition_key.len = strlen(pk[j]);
        }
        T_OK(eddy_stream_put_batch(f->env, "s", e, (size_t)k, r, NULL));
        for (int j = 0; j < k; j++) {
            assert_int_equal(r[j].rc, 0);
            if (seqs != NULL)
                memcpy(seqs[i + j], r[j].seq, sizeof seqs[0]);
        }
        i += k;
    }
}

static eddy_poller *manual(fx *f, eddy_poller_options *o, const char *consumer, script *s)
{
    eddy_poller *p = NULL;
    o->source = EDDY_POLLER_SOURCE_STREAM;
    o->name = "s";
    o->consumer = consumer;
    o->flags |= EDDY_POLLER_MANUAL;
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

static void ckpt_is(fx *f, const char *consumer, uint32_t shard, const char *seq)
{
    eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
    T_OK(eddy_checkpoint_get(f->env, "s", consumer, shard, &cp));
    assert_string_equal(cp.seq, seq);
}

static uint64_t stored(eddy_env *env, const char *q)
{
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    T_OK(eddy_queue_stat_get(env, q, &st));
    return st.messages;
}

static void create_validation(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = NULL;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.source = EDDY_POLLER_SOURCE_STREAM;
    o.name = "s";
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p)); /* no consumer */
    o.consumer = "bad name";
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p));
    o.consumer = "c";
    o.parallelization = 11;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p));
    o.parallelization = 0;
    o.max_record_age_ms = 59999;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p));
    o.max_record_age_ms = 0;
    o.max_retry_attempts = -2;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p));
    o.max_retry_attempts = 0;
    o.start = EDDY_POLLER_START_AT_TIMESTAMP;
    o.start_ms = T0 + 1;
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p)); /* in the future */
    o.start = 0;
    o.start_ms = 0;
    o.on_failure_queue = "nope";
    T_RC(EDDY_ENOTFOUND, eddy_poller_create(f->env, &o, cb, s, &p));
    o.on_failure_queue = NULL;
    o.visibility_timeout_ms = 5; /* queue-only */
    T_RC(EDDY_EINVAL, eddy_poller_create(f->env, &o, cb, s, &p));
    o.visibility_timeout_ms = 0;
    o.name = "nostream";
    T_RC(EDDY_ENOTFOUND, eddy_poller_create(f->env, &o, cb, s, &p));
    assert_null(p);
    free(s);
}

static void checkpoint_and_restart(void **state)
{
    fx *f = *state;
    static char seqs[250][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    put_n(f, "r", 250, 7, seqs);
    eddy_poller *p = manual(f, &o, "app", s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s->sizes[0], 100); /* default batch size for streams */
    ckpt_is(f, "app", 0, seqs[99]);
    T_OK(eddy_poller_stop(p));
    eddy_poller_destroy(p);

    /* A new poller with the same consumer resumes exactly after the checkpoint. */
    p = manual(f, &o, "app", s);
    assert_int_equal(step(p), 1);
    assert_string_equal(s->seq[100], seqs[100]);
    assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 0);
    assert_int_equal(s->seen, 250);
    for (int i = 0; i < 250; i++)
        assert_string_equal(s->seq[i], seqs[i]);
    ckpt_is(f, "app", 0, seqs[249]);
    eddy_poller_destroy(p);
    free(s);
}

static void fan_out_two_consumers(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script *a = script_new(), *b = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    put_n(f, "r", 30, 3, NULL);
    eddy_poller *pa = manual(f, &o, "a", a);
    eddy_poller *pb = manual(f, &o, "b", b);
    a->fail_calls = 2; /* a's trouble does not hold b back */
    step(pa);
    step(pb);
    assert_int_equal(b->ok, 30);
    assert_int_equal(a->ok, 0);
    step(pa);
    step(pa);
    assert_int_equal(a->ok, 30);
    eddy_poller_destroy(pa);
    eddy_poller_destroy(pb);
    free(a);
    free(b);
}

static void starting_positions(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    put_n(f, "old", 5, 1, NULL);
    f->clk.now_ms += 1000;
    uint64_t t1 = f->clk.now_ms;
    put_n(f, "mid", 3, 1, NULL);
    f->clk.now_ms += 1000;

    o.start = EDDY_POLLER_START_LATEST;
    eddy_poller *p = manual(f, &o, "latest", s);
    assert_int_equal(step(p), 0);
    put_n(f, "new", 2, 1, NULL);
    assert_int_equal(step(p), 1);
    assert_int_equal(s->seen, 2);
    assert_string_equal(s->data[0], "new000");
    eddy_poller_destroy(p);

    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.start = EDDY_POLLER_START_AT_TIMESTAMP;
    o.start_ms = t1;
    p = manual(f, &o, "ts", s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s->seen, 5);
    assert_string_equal(s->data[0], "mid000");
    eddy_poller_destroy(p);

    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT; /* TRIM_HORIZON */
    p = manual(f, &o, "th", s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s->seen, 10);
    assert_string_equal(s->data[0], "old000");
    eddy_poller_destroy(p);
    free(s);
}

static void batching_window_and_status(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.batching_window_ms = 5000;
    o.batch_size = 4;
    eddy_poller *p = manual(f, &o, "app", s);
    put_n(f, "r", 3, 1, NULL);
    f->clk.now_ms += 100;
    assert_int_equal(step(p), 0); /* 3 < 4: the window opens */
    f->clk.now_ms += 4999;
    assert_int_equal(step(p), 0);
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.oldest_age_ms, 5099); /* nothing processed yet: behind by the oldest */
    f->clk.now_ms += 1;
    assert_int_equal(step(p), 1); /* the window closed */
    assert_int_equal(s->sizes[0], 3);
    put_n(f, "q", 6, 1, NULL);
    assert_int_equal(step(p), 1); /* a full batch goes at once */
    assert_int_equal(s->sizes[1], 4);
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.batches, 2);
    assert_int_equal(st.records, 7);
    eddy_poller_destroy(p);
    free(s);
}

static void retries_block_shard_with_backoff(void **state)
{
    fx *f = *state;
    static char seqs[6][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.batch_size = 3;
    o.retry_backoff_ms = 1000;
    put_n(f, "r", 6, 2, seqs);
    s->fail_calls = 2;
    eddy_poller *p = manual(f, &o, "app", s);
    assert_int_equal(step(p), 1); /* fails */
    assert_int_equal(step(p), 0); /* blocked: backoff 1000 */
    f->clk.now_ms += 1000;
    assert_int_equal(step(p), 1); /* retry 1 fails: backoff doubles */
    f->clk.now_ms += 1999;
    assert_int_equal(step(p), 0);
    f->clk.now_ms += 1;
    assert_int_equal(step(p), 1); /* retry 2 succeeds */
    assert_int_equal(step(p), 1); /* the next batch, in order */
    for (int i = 0; i < 3; i++) {
        assert_string_equal(s->seq[i], seqs[i]);
        assert_string_equal(s->seq[3 + i], seqs[i]);
        assert_string_equal(s->seq[6 + i], seqs[i]);
        assert_string_equal(s->seq[9 + i], seqs[3 + i]);
    }
    assert_int_equal(s->attempt[0], 0);
    assert_int_equal(s->attempt[6], 2);
    assert_int_equal(s->attempt[9], 0);
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.batches, 4);
    assert_int_equal(st.failures, 2);
    assert_int_equal(st.retries, 2);
    ckpt_is(f, "app", 0, seqs[5]);
    eddy_poller_destroy(p);
    free(s);
}

static void bisect_isolates_poison_to_on_failure_queue(void **state)
{
    fx *f = *state;
    static char seqs[16][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_queue_batch *b = NULL;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    script *s = script_new();
    size_t n = 0, delivered_ok[16];
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    memset(delivered_ok, 0, sizeof delivered_ok);
    put_n(f, "r", 16, 4, seqs);
    s->poison = "r005";
    o.flags = EDDY_POLLER_BISECT | EDDY_POLLER_FAILURE_PAYLOAD;
    o.max_retry_attempts = 2;
    o.on_failure_queue = "fail";
    eddy_poller *p = manual(f, &o, "app", s);
    for (int i = 0; i < 40; i++)
        step(p);
    /* The rest of the shard flowed: every other record was in a successful batch. */
    assert_int_equal(s->ok, 15);
    ckpt_is(f, "app", 0, seqs[15]);
    /* The poison record alone went to the on-failure queue, after 1 + 2 retries alone. */
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 10;
    T_OK(eddy_queue_receive(f->env, "fail", &ro, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 1);
    char want[160];
    snprintf(want, sizeof want, "\"startSequenceNumber\":\"%s\",\"endSequenceNumber\":\"%s\"",
             seqs[5], seqs[5]);
    char *body = strndup(eddy_queue_batch_message(b, 0)->body.data,
                         eddy_queue_batch_message(b, 0)->body.len);
    assert_non_null(strstr(body, want));
    assert_non_null(strstr(body, "\"condition\":\"RetryAttemptsExhausted\""));
    assert_non_null(strstr(body, "\"batchSize\":1"));
    assert_non_null(strstr(body, "\"data\":\"cjAwNQ==\"")); /* base64 of r005 */
    free(body);
    eddy_queue_batch_free(b);
    size_t alone = 0;
    for (size_t i = 0; i < s->seen; i++)
        if (strcmp(s->data[i], "r005") == 0)
            alone++;
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.discarded, 1);
    assert_int_equal(st.on_failure_sent, 1);
    /* 16 -> 8 -> 4 -> 2 -> 1 (bisections use no retries), then 2 retries of 1 alone. */
    assert_int_equal(alone, 7);
    eddy_poller_destroy(p);
    free(s);
}

static void partial_response_checkpoints_before_lowest_failure(void **state)
{
    fx *f = *state;
    static char seqs[10][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    put_n(f, "ok", 3, 1, seqs);
    put_n(f, "bad", 1, 1, seqs + 3);
    put_n(f, "ok", 2, 1, seqs + 4);
    put_n(f, "bad", 1, 1, seqs + 6);
    put_n(f, "ok", 3, 1, seqs + 7);
    s->fail_prefix = "bad";
    eddy_poller *p = manual(f, &o, "app", s);
    assert_int_equal(step(p), 1);
    ckpt_is(f, "app", 0, seqs[2]); /* just before the lowest failed record */
    s->fail_prefix = NULL;
    assert_int_equal(step(p), 1);
    assert_int_equal(s->sizes[1], 7);
    assert_string_equal(s->seq[10], seqs[3]); /* retried from the lowest failure on */
    assert_int_equal(s->attempt[10], 1);
    ckpt_is(f, "app", 0, seqs[9]);
    eddy_poller_destroy(p);
    free(s);
}

static void max_record_age_skips(void **state)
{
    fx *f = *state;
    static char seqs[8][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.max_record_age_ms = 60000;
    o.on_failure_queue = "fail";
    put_n(f, "old", 5, 1, seqs);
    f->clk.now_ms += 60001;
    put_n(f, "new", 3, 1, seqs + 5);
    eddy_poller *p = manual(f, &o, "app", s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s->seen, 3); /* the old ones were never delivered */
    assert_string_equal(s->data[0], "new000");
    ckpt_is(f, "app", 0, seqs[7]);
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.discarded, 5);
    assert_int_equal(stored(f->env, "fail"), 1);
    eddy_poller_destroy(p);
    free(s);
}

static void retries_exhausted_without_bisect(void **state)
{
    fx *f = *state;
    static char seqs[4][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    script *s = script_new();
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.max_retry_attempts = 2;
    put_n(f, "r", 4, 1, seqs);
    s->fail_calls = 100;
    eddy_poller *p = manual(f, &o, "app", s); /* no on-failure queue: dropped */
    assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 1);
    assert_int_equal(step(p), 1); /* the second retry fails: given up */
    ckpt_is(f, "app", 0, seqs[3]);
    assert_int_equal(step(p), 0);
    assert_int_equal(s->calls, 3);
    eddy_poller_destroy(p);
    free(s);
}

static void filter_skips_records(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    script *s = script_new();
    const char *datas[] = {"{\"t\":\"a\",\"n\":1}", "{\"t\":\"b\",\"n\":2}", "not json",
                           "{\"t\":\"a\",\"n\":30}"};
    const char *pat[] = {"{\"data\": {\"t\": [\"a\"], \"n\": [{\"numeric\": [\"<\", 10]}]}}",
                         "{\"partitionKey\": [{\"anything-but\": [\"k1\", \"k2\"]}], "
                         "\"data\": {\"t\": [{\"exists\": true}]}}"};
    char seq_last[EDDY_STREAM_SEQ_LEN + 1];
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    for (int i = 0; i < 4; i++) {
        eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
        eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
        char pk[8];
        snprintf(pk, sizeof pk, "k%d", i);
        e.data.data = datas[i];
        e.data.len = strlen(datas[i]);
        e.partition_key.data = pk;
        e.partition_key.len = strlen(pk);
        T_OK(eddy_stream_put(f->env, "s", &e, &r));
        memcpy(seq_last, r.seq, sizeof seq_last);
    }
    o.filters = pat;
    o.filter_count = 2;
    eddy_poller *p = manual(f, &o, "app", s);
    assert_int_equal(step(p), 1);
    assert_int_equal(s->seen, 2);
    assert_string_equal(s->data[0], datas[0]); /* pattern 1 */
    assert_string_equal(s->data[1], datas[3]); /* pattern 2 (k3 is not excluded) */
    ckpt_is(f, "app", 0, seq_last);            /* skipped records are passed, not retried */
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.filtered, 2);
    eddy_poller_destroy(p);
    free(s);
}

static void children_after_parents(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_stream_shard sh[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    size_t n = 0;
    script *s = script_new();
    uint32_t kids[2];
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.batch_size = 4;
    put_n(f, "p", 10, 5, NULL);
    T_OK(eddy_stream_split_shard(f->env, "s", 0, "170141183460469231731687303715884105728", kids));
    put_n(f, "c", 10, 5, NULL);
    eddy_poller *p = manual(f, &o, "app", s);
    for (int i = 0; i < 20; i++)
        step(p);
    assert_int_equal(s->seen, 20);
    for (int i = 0; i < 10; i++)
        assert_int_equal(s->data[i][0], 'p'); /* every parent record before any child's */
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 4, &n));
    assert_int_equal(n, 3);
    eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
    T_OK(eddy_checkpoint_get(f->env, "s", "app", 0, &cp));
    assert_true(cp.shard_end);
    eddy_poller_destroy(p);
    free(s);
}

static int stop_second(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    size_t *calls = ctx;
    (void)b;
    (void)r;
    return ++*calls == 2 ? 7 : 0;
}

static void callback_stop_keeps_checkpoint(void **state)
{
    fx *f = *state;
    static char seqs[30][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_poller *p = NULL;
    size_t calls = 0;
    put_n(f, "r", 30, 3, seqs);
    o.source = EDDY_POLLER_SOURCE_STREAM;
    o.name = "s";
    o.consumer = "app";
    o.batch_size = 10;
    o.flags = EDDY_POLLER_MANUAL;
    T_OK(eddy_poller_create(f->env, &o, stop_second, &calls, &p));
    T_OK(eddy_poller_start(p));
    T_OK(eddy_poller_run_once(p, NULL));
    T_RC(EDDY_EUSER, eddy_poller_run_once(p, NULL));
    T_OK(eddy_poller_status_get(p, &st));
    assert_int_equal(st.state, EDDY_POLLER_STATE_FAILED);
    assert_int_equal(st.last_error, EDDY_EUSER);
    ckpt_is(f, "app", 0, seqs[9]); /* the stopped batch was not checkpointed */
    T_OK(eddy_poller_start(p));    /* restart: the second batch again, then the third */
    T_OK(eddy_poller_run_once(p, NULL));
    T_OK(eddy_poller_run_once(p, NULL));
    ckpt_is(f, "app", 0, seqs[29]);
    assert_int_equal(calls, 4);
    eddy_poller_destroy(p);
}

/* A processor that keeps a running count in its checkpoint's state and writes one output record
 * per batch, both in one transaction with its position. */
static int exactly_once_cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    fx *f = ctx;
    eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result res = EDDY_STREAM_PUT_RESULT_INIT;
    char state[32], out[64];
    unsigned long count = 0;
    (void)r;
    if (eddy_checkpoint_get(f->env, "s", "app", b->shard_id, &cp) == 0 && cp.state_len > 0)
        count = strtoul((const char *)cp.state, NULL, 10);
    count += b->n;
    snprintf(state, sizeof state, "%lu", count);
    snprintf(out, sizeof out, "count=%lu upto=%s", count, eddy_poller_batch_item(b, b->n - 1)->seq);
    w = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    w.stream = "s";
    w.consumer = "app";
    w.shard_id = b->shard_id;
    w.seq = eddy_poller_batch_item(b, b->n - 1)->seq;
    w.state.data = state;
    w.state.len = strlen(state) + 1;
    e = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
    e.data.data = out;
    e.data.len = strlen(out);
    e.partition_key.data = "agg";
    e.partition_key.len = 3;
    return eddy_checkpoint_commit(f->env, &w, 1, "out", &e, 1, &res) != 0;
}

static void exactly_once_with_checkpoint_commit(void **state)
{
    fx *f = *state;
    static char seqs[12][EDDY_STREAM_SEQ_LEN + 1];
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = NULL;
    eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
    eddy_stream_info si = EDDY_STREAM_INFO_INIT;
    T_OK(eddy_stream_create(f->env, "out", NULL));
    put_n(f, "r", 12, 3, seqs);
    o.source = EDDY_POLLER_SOURCE_STREAM;
    o.name = "s";
    o.consumer = "app";
    o.batch_size = 5;
    o.flags = EDDY_POLLER_MANUAL;
    T_OK(eddy_poller_create(f->env, &o, exactly_once_cb, f, &p));
    T_OK(eddy_poller_start(p));
    for (int i = 0; i < 4; i++)
        T_OK(eddy_poller_run_once(p, NULL));
    T_OK(eddy_checkpoint_get(f->env, "s", "app", 0, &cp));
    assert_string_equal(cp.seq, seqs[11]);
    assert_string_equal((const char *)cp.state, "12"); /* the poller kept the caller's state */
    T_OK(eddy_stream_get_attributes(f->env, "out", &si));
    assert_int_equal(si.records, 3); /* one output per batch, each with its position */
    eddy_poller_destroy(p);
}

/* ---- parallelization (threads) ---- */

typedef struct order {
    pthread_mutex_t mu;
    char last[20][EDDY_STREAM_SEQ_LEN + 1];
    int seen;
    int bad;
    int inflight, max_inflight;
} order;

static int order_cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    order *o = ctx;
    (void)r;
    pthread_mutex_lock(&o->mu);
    if (++o->inflight > o->max_inflight)
        o->max_inflight = o->inflight;
    for (size_t i = 0; i < b->n; i++) {
        int k = atoi((const char *)eddy_poller_batch_item(b, i)->partition_key.data + 1);
        if (strcmp(eddy_poller_batch_item(b, i)->seq, o->last[k]) <= 0)
            o->bad++; /* a key went backwards */
        memcpy(o->last[k], eddy_poller_batch_item(b, i)->seq, sizeof o->last[k]);
        o->seen++;
    }
    pthread_mutex_unlock(&o->mu);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&o->mu);
    o->inflight--;
    pthread_mutex_unlock(&o->mu);
    return 0;
}

static void parallelization_keeps_key_order(void **state)
{
    fx *f = *state;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = NULL;
    order ord;
    memset(&ord, 0, sizeof ord);
    pthread_mutex_init(&ord.mu, NULL);
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    put_n(f, "r", 1000, 20, NULL);
    o.source = EDDY_POLLER_SOURCE_STREAM;
    o.name = "s";
    o.consumer = "par";
    o.parallelization = 10;
    T_OK(eddy_poller_create(f->env, &o, order_cb, &ord, &p));
    T_OK(eddy_poller_start(p));
    for (int i = 0; i < 4000; i++) {
        pthread_mutex_lock(&ord.mu);
        int seen = ord.seen;
        pthread_mutex_unlock(&ord.mu);
        if (seen >= 1000)
            break;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    T_OK(eddy_poller_stop(p));
    assert_int_equal(ord.seen, 1000);
    assert_int_equal(ord.bad, 0);
    assert_true(ord.max_inflight > 1); /* batches of one shard ran at once */
    eddy_poller_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_validation, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(checkpoint_and_restart, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(fan_out_two_consumers, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(starting_positions, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(batching_window_and_status, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(retries_block_shard_with_backoff, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(bisect_isolates_poison_to_on_failure_queue, setup,
                                        t_fx_teardown),
        cmocka_unit_test_setup_teardown(partial_response_checkpoints_before_lowest_failure, setup,
                                        t_fx_teardown),
        cmocka_unit_test_setup_teardown(max_record_age_skips, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(retries_exhausted_without_bisect, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(filter_skips_records, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(children_after_parents, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(callback_stop_keeps_checkpoint, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(exactly_once_with_checkpoint_commit, setup, t_fx_teardown),
        cmocka_unit_test_setup_teardown(parallelization_keeps_key_order, setup, t_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
