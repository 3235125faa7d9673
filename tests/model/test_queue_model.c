/*
 * test_queue_model.c: seeded model-based test of the queue semantics. Random sends, receives,
 * deletes, visibility changes, clock jumps, trims and reopens run against Eddy and against a
 * small in-memory model of the rules in docs/SEMANTICS.md "Queues" (visibility order, receipt
 * staleness, dead-letter moves, retention, the in-flight limit), plus rare purges. After every step
 * the results and counts must agree and eddy_env_verify must find nothing. Prints seed=N; replay
 * with EDDY_SEED=N. EDDY_MODEL_STEPS overrides the number of steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0        1700000000000ull
#define NQ        2 /* 0: "main" with dead-letter queue 1: "dlq" */
#define MAXMSG    65536
#define NRECEIPTS 64
#define RET_MS    600000ull
#define VIS_MS    30000u
#define MRC       3u
#define INFLIGHT  40u

typedef struct mmsg {
    int live;
    int q;
    uint64_t id;
    uint8_t *body;
    size_t len;
    uint64_t deadline, enq, received, first;
    uint32_t rc;
    int inflight;
    char receipt[EDDY_QUEUE_RECEIPT_LEN + 1];
} mmsg;

typedef struct model {
    mmsg m[MAXMSG];
    int n;
    uint64_t next_id[NQ];
    uint64_t now;
    char receipts[NRECEIPTS][EDDY_QUEUE_RECEIPT_LEN + 1];
    int receipt_q[NRECEIPTS];
    uint64_t receipt_id[NRECEIPTS];
    int n_receipts;
} model;

static const char *qname[NQ] = {"main", "dlq"};
static uint64_t rng;
/* What the run exercised, printed at its end so a weak seed is visible. */
static struct {
    int delivered, moved, limited, expired, stale, gone, refused;
} seen;
static model M;
static t_clock clk;
static eddy_env *env;
static const char *dir;

static uint64_t rnd(uint64_t n)
{
    return n == 0 ? 0 : t_rand(&rng) % n;
}

static int cnt(int q, int inflight_only)
{
    int n = 0;
    for (int i = 0; i < M.n; i++)
        n += M.m[i].live && M.m[i].q == q && (!inflight_only || M.m[i].inflight);
    return n;
}

static int expired(const mmsg *m)
{
    return m->enq + RET_MS <= M.now;
}

static void m_remove(mmsg *m)
{
    free(m->body);
    m->body = NULL;
    m->live = 0;
}

/* Live messages of q sorted by (a, id), a = enqueue time or deadline. */
static int sorted(int q, int by_deadline, int *out)
{
    int n = 0;
    for (int i = 0; i < M.n; i++)
        if (M.m[i].live && M.m[i].q == q)
            out[n++] = i;
    for (int i = 1; i < n; i++) /* insertion sort: small sets */
        for (int j = i; j > 0; j--) {
            mmsg *a = &M.m[out[j - 1]], *b = &M.m[out[j]];
            uint64_t ka = by_deadline ? a->deadline : a->enq;
            uint64_t kb = by_deadline ? b->deadline : b->enq;
            if (ka < kb || (ka == kb && a->id < b->id))
                break;
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static mmsg *m_new(void)
{
    /* Slots are never reused, so indices held by a caller stay valid. */
    assert_true(M.n < MAXMSG);
    memset(&M.m[M.n], 0, sizeof M.m[0]);
    return &M.m[M.n++];
}

static void m_expire(int q, int max)
{
    static int idx[MAXMSG];
    int n = sorted(q, 0, idx);
    for (int i = 0; i < n && i < max && expired(&M.m[idx[i]]); i++) {
        m_remove(&M.m[idx[i]]);
        seen.expired++;
    }
}

/* The model's receive: fills ids[] with the delivered messages' slots. */
static int m_receive(int q, uint32_t max, uint32_t vis, int *out, int *limit)
{
    static int idx[MAXMSG];
    int n, got = 0;
    uint32_t cap = max * 2 + 16;

    *limit = 0;
    m_expire(q, 16);
    n = sorted(q, 1, idx);
    for (int i = 0; i < n && (uint32_t)i < cap && (uint32_t)got < max; i++) {
        mmsg *m = &M.m[idx[i]];
        if (m->deadline > M.now)
            break;
        if (expired(m)) {
            m_remove(m);
            seen.expired++;
        } else if (q == 0 && m->rc >= MRC) {
            mmsg *d;
            mmsg copy = *m;
            m->live = 0; /* the body moves with it */
            m->body = NULL;
            d = m_new();
            *d = copy;
            d->q = 1;
            d->id = M.next_id[1]++;
            d->deadline = M.now;
            d->inflight = 0;
            d->receipt[0] = '\0';
            seen.moved++;
        } else if (q == 0 && !m->inflight && cnt(q, 1) >= (int)INFLIGHT) {
            *limit = 1;
            seen.limited++;
        } else {
            m->inflight = 1;
            m->rc++;
            m->received = M.now;
            m->deadline = M.now + vis;
            if (m->first == 0)
                m->first = M.now;
            out[got++] = idx[i];
            seen.delivered++;
        }
    }
    return got;
}

/* The expected result of using pool receipt r; *m is its message when still stored. */
static int m_receipt(int r, mmsg **m)
{
    *m = NULL;
    for (int i = 0; i < M.n; i++)
        if (M.m[i].live && M.m[i].q == M.receipt_q[r] && M.m[i].id == M.receipt_id[r])
            *m = &M.m[i];
    if (*m == NULL)
        return EDDY_ENOTFOUND;
    return strcmp((*m)->receipt, M.receipts[r]) == 0 ? 0 : EDDY_EEXPIRED;
}

static void pool_add(int q, const eddy_queue_message *m)
{
    int r = M.n_receipts < NRECEIPTS ? M.n_receipts++ : (int)rnd(NRECEIPTS);
    memcpy(M.receipts[r], m->receipt, sizeof M.receipts[r]);
    M.receipt_q[r] = q;
    M.receipt_id[r] = m->msg_id;
}

/* ---- operations: each runs on Eddy and on the model, then compares ---- */

static void op_send(void)
{
    eddy_queue_send_entry e[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    uint8_t *bodies[3];
    int q = rnd(5) == 0 ? 1 : 0, k = 1 + (int)rnd(3);

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < k; i++) {
        size_t len = rnd(20) == 0 ? 3000 + rnd(6000) : 1 + rnd(300);
        bodies[i] = malloc(len);
        for (size_t j = 0; j < len; j++)
            bodies[i][j] = rnd(2) ? (uint8_t)('a' + j % 5) : (uint8_t)rnd(256);
        e[i].body.data = bodies[i];
        e[i].body.len = len;
        e[i].delay_ms = rnd(3) == 0 ? (uint32_t)rnd(5000) : (rnd(2) ? 0 : EDDY_QUEUE_ZERO_MS);
    }
    T_OK(eddy_queue_send_batch(env, qname[q], e, (size_t)k, r));
    for (int i = 0; i < k; i++) {
        mmsg *m = m_new();
        assert_int_equal(r[i].rc, 0);
        m->live = 1;
        m->q = q;
        m->id = M.next_id[q]++;
        assert_int_equal(r[i].msg_id, m->id);
        m->body = bodies[i];
        m->len = e[i].body.len;
        m->enq = M.now;
        m->deadline = M.now + (e[i].delay_ms == EDDY_QUEUE_ZERO_MS ? 0 : e[i].delay_ms);
    }
}

static void op_receive(void)
{
    static int out[16];
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    int q = rnd(4) == 0 ? 1 : 0, limit = 0, n, rc;
    uint32_t vis;
    size_t got = 0;

    o = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    o.max_messages = 1 + (uint32_t)rnd(5);
    o.visibility_timeout_ms =
        rnd(3) == 0 ? EDDY_QUEUE_ZERO_MS : (rnd(2) ? 0 : 1 + (uint32_t)rnd(60000));
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    vis = o.visibility_timeout_ms == 0                    ? VIS_MS
          : o.visibility_timeout_ms == EDDY_QUEUE_ZERO_MS ? 0
                                                          : o.visibility_timeout_ms;
    n = m_receive(q, o.max_messages, vis, out, &limit);
    rc = eddy_queue_receive(env, qname[q], &o, &b);
    if (n == 0 && limit) {
        T_RC(EDDY_ELIMIT, rc);
        return;
    }
    T_OK(rc);
    got = eddy_queue_batch_count(b);
    assert_int_equal(got, (size_t)n);
    for (int i = 0; i < n; i++) {
        mmsg *m = &M.m[out[i]];
        if (eddy_queue_batch_message(b, i)->msg_id != m->id)
            print_message("q %d now %llu: got %llu (rc %u), model %llu (deadline %llu rc %u "
                          "enq %llu)\n",
                          q, (unsigned long long)M.now,
                          (unsigned long long)eddy_queue_batch_message(b, i)->msg_id,
                          eddy_queue_batch_message(b, i)->receive_count, (unsigned long long)m->id,
                          (unsigned long long)m->deadline, m->rc, (unsigned long long)m->enq);
        assert_int_equal(eddy_queue_batch_message(b, i)->msg_id, m->id);
        assert_int_equal(eddy_queue_batch_message(b, i)->body.len, m->len);
        assert_memory_equal(eddy_queue_batch_message(b, i)->body.data, m->body, m->len);
        assert_int_equal(eddy_queue_batch_message(b, i)->receive_count, m->rc);
        assert_int_equal(eddy_queue_batch_message(b, i)->first_receive_ms, m->first);
        memcpy(m->receipt, eddy_queue_batch_message(b, i)->receipt, sizeof m->receipt);
        pool_add(q, eddy_queue_batch_message(b, i));
    }
    eddy_queue_batch_free(b);
}

static void op_ack(int change)
{
    int r, expect;
    uint32_t t = rnd(4) == 0 ? 43200000u - (uint32_t)rnd(2) * 20000u : (uint32_t)rnd(60000);
    mmsg *m;

    if (M.n_receipts == 0)
        return;
    r = (int)rnd((uint64_t)M.n_receipts);
    expect = m_receipt(r, &m);
    if (expect == 0 && change && m->deadline <= M.now)
        expect = EDDY_EEXPIRED; /* visible again: not in flight (SQS MessageNotInflight) */
    else if (expect == 0 && change && M.now + t > m->received + 43200000u)
        expect = EDDY_EINVAL;
    seen.stale += expect == EDDY_EEXPIRED;
    seen.gone += expect == EDDY_ENOTFOUND;
    seen.refused += expect == EDDY_EINVAL;
    if (change)
        T_RC(expect, eddy_queue_change_visibility(env, qname[M.receipt_q[r]], M.receipts[r], t));
    else
        T_RC(expect, eddy_queue_delete_message(env, qname[M.receipt_q[r]], M.receipts[r]));
    if (expect != 0)
        return;
    if (change)
        m->deadline = M.now + t;
    else
        m_remove(m);
}

static void op_trim(void)
{
    int q = (int)rnd(NQ);
    uint32_t max = 1 + (uint32_t)rnd(5);
    uint64_t removed = 0;
    int before = cnt(q, 0);

    m_expire(q, (int)max);
    T_OK(eddy_queue_trim(env, qname[q], max, &removed));
    assert_int_equal(removed, (uint64_t)(before - cnt(q, 0)));
}

static void op_purge(void)
{
    int q = (int)rnd(NQ), before = cnt(q, 0);
    uint64_t removed = 0;

    for (int i = 0; i < M.n; i++)
        if (M.m[i].live && M.m[i].q == q)
            m_remove(&M.m[i]);
    T_OK(eddy_queue_purge(env, qname[q], &removed));
    assert_int_equal(removed, (uint64_t)before);
}

static void open_env(void)
{
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    env = t_env_open_opts(dir, &clk, &opt);
}

static void check(int step, int deep)
{
    for (int q = 0; q < NQ; q++) {
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
        uint64_t vis = 0, infl = 0, del = 0, exp = 0;

        for (int i = 0; i < M.n; i++) {
            const mmsg *m = &M.m[i];
            if (!m->live || m->q != q)
                continue;
            vis += m->deadline <= M.now;
            infl += m->deadline > M.now && m->inflight;
            del += m->deadline > M.now && !m->inflight;
            exp += expired(m);
        }
        /* attributes and stat share one definition of each count */
        T_OK(eddy_queue_get_attributes(env, qname[q], &info));
        assert_int_equal(info.messages, (uint64_t)cnt(q, 0));
        assert_int_equal(info.visible, vis);
        assert_int_equal(info.in_flight, infl);
        assert_int_equal(info.delayed, del);
        if (!deep)
            continue;
        T_OK(eddy_queue_stat_get(env, qname[q], &st));
        assert_int_equal(st.visible, vis);
        assert_int_equal(st.in_flight, infl);
        assert_int_equal(st.delayed, del);
        assert_int_equal(st.expired, exp);
    }
    if (deep)
        t_verify_clean(env);
    (void)step;
}

static void model_run(void **state)
{
    const char *s = getenv("EDDY_MODEL_STEPS");
    int steps = s != NULL ? atoi(s) : 2000;

    if (steps > 10000)
        steps = 10000; /* at most 3 sends a step: the model's slots suffice */
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;

    rng = t_seed();
    dir = t_path("db");
    clk.now_ms = M.now = T0;
    M.next_id[0] = M.next_id[1] = 1;
    open_env();
    o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o.retention_ms = RET_MS;
    T_OK(eddy_queue_create(env, "dlq", &o));
    o.dlq_name = "dlq";
    o.max_receive_count = MRC;
    o.in_flight_max = INFLIGHT;
    T_OK(eddy_queue_create(env, "main", &o));
    for (int step = 0; step < steps; step++) {
        uint64_t op = rnd(100);
        if (op < 30) {
            op_send();
        } else if (op < 60) {
            op_receive();
        } else if (op < 72) {
            op_ack(0);
        } else if (op < 82) {
            op_ack(1);
        } else if (op < 95) {
            M.now += rnd(8) == 0 ? rnd(RET_MS) : rnd(20000);
            clk.now_ms = M.now;
        } else if (op < 97) {
            op_trim();
        } else if (op < 98 && rnd(4) == 0) {
            op_purge();
        } else if (op < 98) {
            op_trim();
        } else {
            T_OK(eddy_env_close(env));
            open_env();
        }
        check(step, step % 10 == 0 || step == steps - 1);
    }
    print_message("steps %d: delivered %d, dead-lettered %d, limited %d, expired %d, stale %d, "
                  "gone %d, refused %d\n",
                  steps, seen.delivered, seen.moved, seen.limited, seen.expired, seen.stale,
                  seen.gone, seen.refused);
    T_OK(eddy_env_close(env));
    for (int i = 0; i < M.n; i++)
        free(M.m[i].body);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
