/*
 * test_fifo_model.c: seeded model-based test of FIFO queues (decision 0013) through
 * include/eddy.h. Random sends (explicit and content-based deduplication ids from small pools,
 * single and batch), receives (large and small, some with attempt ids), deletes, visibility
 * changes, clock jumps (some across the 5-minute deduplication interval), dead-letter moves and
 * reopens run against Eddy and an in-memory model of the FIFO rules: per-group order, a group
 * blocked while any of its messages is in flight, redelivery first, deduplication for 5 minutes
 * from the first send whatever happened to the message, attempt-id retries, stale receipts.
 * After every step the results must agree and eddy_env_verify must find nothing.
 * Prints seed=N; replay with EDDY_SEED=N. EDDY_MODEL_STEPS overrides the number of steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0      1800000000000ull
#define MAXMSG  4096
#define NGROUP  5
#define MRC     3u
#define WINDOW  300000ull
#define NDEDUP  512
#define NATTEMP 8

typedef struct mmsg {
    int live; /* stored in the FIFO queue */
    uint64_t id;
    int group;
    char body[16];
    uint64_t deadline;
    uint32_t rc;
    int inflight; /* received and not deleted since (its group's received list) */
    char receipt[EDDY_QUEUE_RECEIPT_LEN + 1];
} mmsg;

typedef struct mdedup {
    char key[160];
    uint64_t id, expires;
} mdedup;

typedef struct mattempt {
    int used;
    uint64_t expires;
    size_t n;
    uint64_t id[10];
    char receipt[10][EDDY_QUEUE_RECEIPT_LEN + 1];
    uint64_t deadline[10];
} mattempt;

static struct {
    mmsg m[MAXMSG];
    int n;
    mdedup d[NDEDUP];
    int nd;
    mattempt a[NATTEMP];
    uint64_t dlq;
    int scope_group;
} M;

static uint64_t rng;
static t_clock clk;
static eddy_env *env;
static const char *dir;
static struct {
    int sent, dups, delivered, moved, replays, blocked_seen, deleted, stale;
} seen;

static uint64_t rnd(uint64_t n)
{
    return n == 0 ? 0 : t_rand(&rng) % n;
}

static mmsg *by_id(uint64_t id)
{
    for (int i = 0; i < M.n; i++)
        if (M.m[i].live && M.m[i].id == id)
            return &M.m[i];
    return NULL;
}

static int group_blocked(int g)
{
    for (int i = 0; i < M.n; i++)
        if (M.m[i].live && M.m[i].group == g && M.m[i].inflight && M.m[i].deadline > clk.now_ms)
            return 1;
    return 0;
}

static mdedup *dedup_find(const char *key)
{
    for (int i = 0; i < M.nd; i++)
        if (strcmp(M.d[i].key, key) == 0)
            return &M.d[i];
    return NULL;
}

/* ---- steps ---- */

static void do_send(int batch)
{
    eddy_queue_send_entry e[4];
    eddy_queue_send_result r[4];
    char gid[NGROUP][8], did[4][8], body[4][16];
    int g[4];
    size_t n = batch ? 1 + rnd(4) : 1;

    for (size_t i = 0; i < n; i++) {
        e[i] = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        r[i] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
        g[i] = (int)rnd(NGROUP);
        snprintf(gid[i], sizeof gid[i], "G%d", g[i]);
        /* Bodies from a pool, so that content-based ids repeat; explicit ids too. */
        snprintf(body[i], sizeof body[i], "b%d", (int)rnd(40));
        e[i].body.data = body[i];
        e[i].body.len = strlen(body[i]);
        e[i].group_id = gid[i];
        if (rnd(2)) {
            snprintf(did[i], sizeof did[i], "d%d", (int)rnd(30));
            e[i].dedup_id = did[i];
        }
    }
    if (batch)
        T_OK(eddy_queue_send_batch(env, "m.fifo", e, n, r));
    else
        T_OK(eddy_queue_send(env, "m.fifo", e, r));
    for (size_t i = 0; i < n; i++) {
        char key[160];
        const char *id = e[i].dedup_id != NULL ? e[i].dedup_id : body[i];
        snprintf(key, sizeof key, "%s|%s|%s", M.scope_group ? gid[i] : "",
                 e[i].dedup_id != NULL ? "x" : "c", id);
        mdedup *d = dedup_find(key);
        assert_int_equal(r[i].rc, 0);
        if (d != NULL && d->expires > clk.now_ms) {
            if (!r[i].duplicate)
                fail_msg("send %s: expected a duplicate of %llu", key, (unsigned long long)d->id);
            assert_int_equal(r[i].msg_id, d->id);
            seen.dups++;
            continue;
        }
        if (r[i].duplicate)
            fail_msg("send %s: unexpected duplicate of %llu", key, (unsigned long long)r[i].msg_id);
        assert_true(M.n < MAXMSG);
        mmsg *m = &M.m[M.n++];
        memset(m, 0, sizeof *m);
        m->live = 1;
        m->id = r[i].msg_id;
        m->group = g[i];
        memcpy(m->body, body[i], sizeof m->body);
        m->deadline = clk.now_ms;
        if (d == NULL) {
            assert_true(M.nd < NDEDUP);
            d = &M.d[M.nd++];
            snprintf(d->key, sizeof d->key, "%s", key);
        }
        d->id = m->id;
        d->expires = clk.now_ms + WINDOW;
        seen.sent++;
    }
}

/* Messages of the FIFO queue as Eddy stores them now (to learn the dead-letter moves). */
static int scan_fn(void *ctx, const eddy_queue_scan_message *sm)
{
    uint8_t *present = ctx;
    mmsg *m = by_id(sm->msg_id);
    if (m == NULL)
        fail_msg("Eddy stores message %llu the model does not have",
                 (unsigned long long)sm->msg_id);
    present[m - M.m] = 1;
    return 0;
}

static void do_receive(void)
{
    static uint8_t present[MAXMSG], was_blocked[NGROUP];
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    uint32_t vis = 1000 + (uint32_t)rnd(60000);
    int big = rnd(3) != 0, ai = rnd(3) == 0 ? (int)rnd(NATTEMP) : -1;
    char attempt[16];
    size_t n;

    o.max_messages = big ? 10 : 1 + (uint32_t)rnd(3);
    o.visibility_timeout_ms = vis;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    if (ai >= 0) {
        snprintf(attempt, sizeof attempt, "att-%d", ai);
        o.attempt_id = attempt;
    }
    for (int g = 0; g < NGROUP; g++)
        was_blocked[g] = (uint8_t)group_blocked(g);
    T_OK(eddy_queue_receive(env, "m.fifo", &o, &b));
    n = eddy_queue_batch_count(b);
    /* A retry of an attempt whose messages are all unchanged returns them again. */
    mattempt *a = ai >= 0 ? &M.a[ai] : NULL;
    int replay =
        a != NULL && a->used && a->expires > clk.now_ms && a->n > 0 && a->n <= o.max_messages;
    for (size_t i = 0; replay && i < a->n; i++) {
        mmsg *m = by_id(a->id[i]);
        replay = m != NULL && m->inflight && strcmp(m->receipt, a->receipt[i]) == 0 &&
                 m->deadline == a->deadline[i];
    }
    if (replay) {
        assert_int_equal(n, a->n);
        for (size_t i = 0; i < n; i++) {
            const eddy_queue_message *qm = eddy_queue_batch_message(b, i);
            assert_int_equal(qm->msg_id, a->id[i]);
            assert_string_equal(qm->receipt, a->receipt[i]);
            by_id(a->id[i])->deadline = clk.now_ms + vis;
            a->deadline[i] = clk.now_ms + vis;
        }
        seen.replays++;
        eddy_queue_batch_free(b);
        return;
    }
    /* Which messages left the queue in this receive (dead-letter moves)? */
    memset(present, 0, sizeof present);
    T_OK(eddy_queue_scan(env, "m.fifo", 0, 0, scan_fn, present, NULL));
    for (int i = 0; i < M.n; i++) {
        mmsg *m = &M.m[i];
        if (!m->live || present[i])
            continue;
        if (was_blocked[m->group] || m->rc < MRC)
            fail_msg("message %llu left the queue though %s", (unsigned long long)m->id,
                     was_blocked[m->group] ? "its group was blocked" : "under max receives");
        m->live = 0;
        M.dlq++;
        seen.moved++;
    }
    /* Each returned message: its group was not blocked, and every earlier message of its group
     * still stored came before it in this batch. */
    for (size_t i = 0; i < n; i++) {
        const eddy_queue_message *qm = eddy_queue_batch_message(b, i);
        mmsg *m = by_id(qm->msg_id);
        if (m == NULL)
            fail_msg("received message %llu the model does not have",
                     (unsigned long long)qm->msg_id);
        if (was_blocked[m->group])
            fail_msg("received %llu of group G%d while the group was blocked",
                     (unsigned long long)m->id, m->group);
        char gid[8];
        snprintf(gid, sizeof gid, "G%d", m->group);
        assert_string_equal(qm->group_id, gid);
        assert_int_equal(qm->body.len, strlen(m->body));
        assert_memory_equal(qm->body.data, m->body, qm->body.len);
        for (int j = 0; j < M.n; j++) {
            mmsg *e = &M.m[j];
            if (!e->live || e->group != m->group || e->id >= m->id)
                continue;
            int before = 0;
            for (size_t k = 0; k < i; k++)
                before |= eddy_queue_batch_message(b, k)->msg_id == e->id;
            if (!before)
                fail_msg("received %llu before %llu of its group G%d", (unsigned long long)m->id,
                         (unsigned long long)e->id, m->group);
        }
        assert_int_equal(qm->receive_count, m->rc + 1);
    }
    for (size_t i = 0; i < n; i++) {
        const eddy_queue_message *qm = eddy_queue_batch_message(b, i);
        mmsg *m = by_id(qm->msg_id);
        m->rc++;
        m->inflight = 1;
        m->deadline = clk.now_ms + vis;
        snprintf(m->receipt, sizeof m->receipt, "%s", qm->receipt);
        seen.delivered++;
    }
    /* As many as it can: with room left, no unblocked group kept a message back. */
    if (n < o.max_messages) {
        for (int i = 0; i < M.n; i++) {
            mmsg *m = &M.m[i];
            if (m->live && !was_blocked[m->group] && m->deadline <= clk.now_ms)
                fail_msg("message %llu of unblocked group G%d was not returned (%zu of %u)",
                         (unsigned long long)m->id, m->group, n, o.max_messages);
        }
    }
    for (int g = 0; g < NGROUP; g++)
        seen.blocked_seen += was_blocked[g];
    if (a != NULL) {
        a->used = 1;
        a->expires = clk.now_ms + WINDOW;
        a->n = n;
        for (size_t i = 0; i < n && i < 10; i++) {
            const eddy_queue_message *qm = eddy_queue_batch_message(b, i);
            a->id[i] = qm->msg_id;
            snprintf(a->receipt[i], sizeof a->receipt[i], "%s", qm->receipt);
            a->deadline[i] = clk.now_ms + vis;
        }
    }
    eddy_queue_batch_free(b);
}

/* A message with a receipt, chosen at random (or none). */
static mmsg *pick_received(void)
{
    int cand[MAXMSG], k = 0;
    for (int i = 0; i < M.n; i++)
        if (M.m[i].receipt[0] != '\0')
            cand[k++] = i;
    return k == 0 ? NULL : &M.m[cand[rnd((uint64_t)k)]];
}

static void do_delete(void)
{
    mmsg *m = pick_received();
    if (m == NULL)
        return;
    int rc = eddy_queue_delete_message(env, "m.fifo", m->receipt);
    if (m->live && m->inflight) {
        T_RC(0, rc);
        m->live = 0;
        seen.deleted++;
    } else {
        assert_int_not_equal(rc, 0);
        seen.stale++;
    }
    m->receipt[0] = '\0';
}

static void do_change_visibility(void)
{
    mmsg *m = pick_received();
    uint32_t t = (uint32_t)rnd(30000);
    if (m == NULL)
        return;
    int rc =
        eddy_queue_change_visibility(env, "m.fifo", m->receipt, t == 0 ? EDDY_QUEUE_ZERO_MS : t);
    if (m->live && m->inflight && m->deadline > clk.now_ms) {
        T_RC(0, rc);
        m->deadline = clk.now_ms + t;
    } else {
        assert_int_not_equal(rc, 0);
    }
}

static void open_env(void)
{
    env = t_env_open(dir, &clk);
}

static void setup(void)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;

    memset(&M, 0, sizeof M);
    M.scope_group = (int)rnd(2);
    clk.now_ms = T0;
    dir = t_path("db");
    open_env();
    o.fifo = 1;
    o.content_based_dedup = 1;
    T_OK(eddy_queue_create(env, "d.fifo", &o));
    o.dlq_name = "d.fifo";
    o.max_receive_count = MRC;
    o.dedup_scope = M.scope_group ? EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP : 0;
    o.retention_ms = 14ull * 86400000ull;
    T_OK(eddy_queue_create(env, "m.fifo", &o));
}

static void check_counts(void)
{
    eddy_queue_info qi = EDDY_QUEUE_INFO_INIT;
    uint64_t live = 0, inflight = 0;

    for (int i = 0; i < M.n; i++) {
        live += M.m[i].live;
        inflight += M.m[i].live && M.m[i].inflight && M.m[i].deadline > clk.now_ms;
    }
    T_OK(eddy_queue_get_attributes(env, "m.fifo", &qi));
    assert_int_equal(qi.messages, live);
    assert_int_equal(qi.in_flight, inflight);
    T_OK(eddy_queue_get_attributes(env, "d.fifo", &qi));
    assert_int_equal(qi.messages, M.dlq);
}

static void fifo_model(void **state)
{
    const char *s = getenv("EDDY_MODEL_STEPS");
    int steps = s != NULL ? atoi(s) : 600;
    (void)state;

    rng = t_seed();
    setup();
    for (int step = 0; step < steps; step++) {
        uint64_t op = rnd(100);
        if (op < 25)
            do_send(0);
        else if (op < 35)
            do_send(1);
        else if (op < 65)
            do_receive();
        else if (op < 80)
            do_delete();
        else if (op < 85)
            do_change_visibility();
        else if (op < 97)
            clk.now_ms += rnd(8) == 0 ? 200000 + rnd(200000) : rnd(40000);
        else {
            T_OK(eddy_env_close(env));
            open_env();
        }
        check_counts();
        if (step % 10 == 0 || step == steps - 1)
            t_verify_clean(env);
    }
    printf("fifo model: sent %d, duplicates %d, delivered %d, dead-lettered %d, attempt replays "
           "%d, blocked groups met %d, deleted %d, stale receipts %d\n",
           seen.sent, seen.dups, seen.delivered, seen.moved, seen.replays, seen.blocked_seen,
           seen.deleted, seen.stale);
    assert_true(seen.dups > 0 && seen.moved > 0 && seen.blocked_seen > 0);
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(fifo_model)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
