/*
 * mod_queue.c: the queue module of the crash workload and its check. Steps: single and batch
 * sends, receives from the main queue and its dead-letter queue (short visibility, so messages
 * come back, count receives and move to the DLQ), deletes and visibility changes (single and
 * batch), redrive from the DLQ, and eddy_env_verify. The check drains both queues and holds
 * Eddy to every acknowledged send and delete.
 */
#include "crash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELD_MAX 32

/* A received message this worker may delete or change. */
typedef struct held {
    char receipt[EDDY_QUEUE_RECEIPT_LEN + 1];
    uint64_t tok;
    int dlq; /* received from the DLQ */
} held;

typedef struct qstate {
    held h[HELD_MAX];
    int n;
} qstate;

static qstate *state_of(crash_worker *w)
{
    if (w->module_state[0] == NULL)
        w->module_state[0] = calloc(1, sizeof(qstate));
    if (w->module_state[0] == NULL)
        abort();
    return w->module_state[0];
}

static int q_setup(eddy_env *env)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    int rc;

    o.retention_ms = CRASH_RETENTION_MS;
    o.batch_max = CRASH_BATCH_MAX;
    if ((rc = eddy_queue_create(env, CRASH_DLQ, &o)) != 0)
        return rc;
    o.dlq_name = CRASH_DLQ;
    o.max_receive_count = 3;
    return eddy_queue_create(env, CRASH_QUEUE, &o);
}

static void report(const char *what, int rc)
{
    fprintf(stderr, "crash queue step: %s: %s (%s)\n", what, eddy_errname(rc), eddy_last_error());
}

static int send_one(crash_worker *w)
{
    static _Thread_local char body[CRASH_BODY_MAX];
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    uint64_t tok = crash_next_token(w);
    int rc;

    e = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    e.body.data = body;
    e.body.len = crash_body(tok, body, sizeof body);
    if (crash_rand(&w->rng) % 8 == 0)
        e.delay_ms = 1 + (uint32_t)(crash_rand(&w->rng) % 50);
    crash_ack_write(w->ack_fd, CRASH_ACK_TRY_SEND, w->worker, tok, 1, 0);
    if ((rc = eddy_queue_send(w->env, CRASH_QUEUE, &e, &r)) != 0) {
        report("send", rc);
        return __LINE__;
    }
    crash_ack_write(w->ack_fd, CRASH_ACK_SENT, w->worker, tok, 1, r.msg_id);
    return 0;
}

static int send_batch(crash_worker *w)
{
    static _Thread_local char bodies[10][CRASH_BODY_MAX];
    eddy_queue_send_entry e[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    size_t n = 2 + crash_rand(&w->rng) % 9;
    uint64_t first = 0;
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (size_t i = 0; i < n; i++) {
        uint64_t tok = crash_next_token(w);
        first = i == 0 ? tok : first;
        e[i].body.data = bodies[i];
        e[i].body.len = crash_body(tok, bodies[i], sizeof bodies[i]);
    }
    crash_ack_write(w->ack_fd, CRASH_ACK_TRY_SEND, w->worker, first, n, 0);
    if ((rc = eddy_queue_send_batch(w->env, CRASH_QUEUE, e, n, r)) != 0) {
        report("send_batch", rc);
        return __LINE__;
    }
    for (size_t i = 0; i < n; i++) {
        if (r[i].rc != 0) {
            report("send_batch entry", r[i].rc);
            return __LINE__;
        }
        crash_ack_write(w->ack_fd, CRASH_ACK_SENT, w->worker, first + i, 1, r[i].msg_id);
    }
    return 0;
}

static int receive(crash_worker *w, int dlq)
{
    qstate *s = state_of(w);
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    size_t n = 0;
    int rc, line = 0;

    o.max_messages = 1 + (uint32_t)(crash_rand(&w->rng) % 10);
    o.visibility_timeout_ms = 1 + (uint32_t)(crash_rand(&w->rng) % 200);
    rc = eddy_queue_receive(w->env, dlq ? CRASH_DLQ : CRASH_QUEUE, &o, &b);
    if (rc == EDDY_ELIMIT)
        return 0;
    if (rc != 0) {
        report("receive", rc);
        return __LINE__;
    }
    n = eddy_queue_batch_count(b);
    for (size_t i = 0; i < n; i++) {
        uint64_t tok;
        if (!crash_body_token(eddy_queue_batch_message(b, i)->body.data,
                              eddy_queue_batch_message(b, i)->body.len, &tok) ||
            !crash_body_ok(tok, eddy_queue_batch_message(b, i)->body.data,
                           eddy_queue_batch_message(b, i)->body.len)) {
            fprintf(stderr, "crash queue step: received a damaged body (msg %" PRIu64 ")\n",
                    eddy_queue_batch_message(b, i)->msg_id);
            line = __LINE__;
            break;
        }
        held *h =
            &s->h[s->n < HELD_MAX ? (size_t)s->n++ : (size_t)(crash_rand(&w->rng) % HELD_MAX)];
        memcpy(h->receipt, eddy_queue_batch_message(b, i)->receipt, sizeof h->receipt);
        h->tok = tok;
        h->dlq = dlq;
    }
    eddy_queue_batch_free(b);
    return line;
}

static held take(qstate *s, uint64_t *rng)
{
    size_t i = crash_rand(rng) % (size_t)s->n;
    held h = s->h[i];
    s->h[i] = s->h[--s->n];
    return h;
}

/* Delete one held message, or a batch of those from one queue. */
static int delete_some(crash_worker *w)
{
    qstate *s = state_of(w);
    held h[8];
    const char *r[8];
    int res[8], rc;
    size_t n = 0, want = 1 + crash_rand(&w->rng) % 8;

    if (s->n == 0)
        return 0;
    h[n++] = take(s, &w->rng);
    while (n < want && s->n > 0) {
        held x = take(s, &w->rng);
        if (x.dlq == h[0].dlq)
            h[n++] = x;
    }
    for (size_t i = 0; i < n; i++) {
        r[i] = h[i].receipt;
        crash_ack_write(w->ack_fd, CRASH_ACK_TRY_DELETE, w->worker, h[i].tok, 1, 0);
    }
    if (n == 1) {
        rc = eddy_queue_delete_message(w->env, h[0].dlq ? CRASH_DLQ : CRASH_QUEUE, r[0]);
        res[0] = rc;
        if (rc != 0 && rc != EDDY_EEXPIRED && rc != EDDY_ENOTFOUND) {
            report("delete", rc);
            return __LINE__;
        }
    } else if ((rc = eddy_queue_delete_batch(w->env, h[0].dlq ? CRASH_DLQ : CRASH_QUEUE, r, n,
                                             res)) != 0) {
        report("delete_batch", rc);
        return __LINE__;
    }
    for (size_t i = 0; i < n; i++) {
        if (res[i] == 0)
            crash_ack_write(w->ack_fd, CRASH_ACK_DELETED, w->worker, h[i].tok, 1, 0);
        else if (res[i] != EDDY_EEXPIRED && res[i] != EDDY_ENOTFOUND) {
            report("delete_batch entry", res[i]);
            return __LINE__;
        }
    }
    return 0;
}

static int visibility(crash_worker *w)
{
    qstate *s = state_of(w);
    uint32_t t = (uint32_t)(crash_rand(&w->rng) % 300);
    int rc;

    if (s->n == 0)
        return 0;
    held *h = &s->h[crash_rand(&w->rng) % (size_t)s->n];
    const char *q = h->dlq ? CRASH_DLQ : CRASH_QUEUE;
    if (crash_rand(&w->rng) % 2 == 0) {
        rc = eddy_queue_change_visibility(w->env, q, h->receipt, t);
    } else {
        eddy_queue_visibility_entry e = {.size = sizeof e, .receipt = h->receipt, .timeout_ms = t};
        int res = 0;
        rc = eddy_queue_change_visibility_batch(w->env, q, &e, 1, &res);
        rc = rc != 0 ? rc : res;
    }
    if (rc != 0 && rc != EDDY_EEXPIRED && rc != EDDY_ENOTFOUND) {
        report("change_visibility", rc);
        return __LINE__;
    }
    return 0;
}

static int redrive(crash_worker *w)
{
    uint64_t moved = 0;
    int rc = eddy_queue_redrive_start(w->env, CRASH_DLQ, NULL, 0, NULL);

    if (rc != 0 && rc != EDDY_EBUSY) {
        report("redrive_start", rc);
        return __LINE__;
    }
    if ((rc = eddy_queue_redrive_run(w->env, 20, &moved)) != 0) {
        report("redrive_run", rc);
        return __LINE__;
    }
    return 0;
}

static int verify(crash_worker *w)
{
    uint64_t problems = 0;
    int rc = eddy_env_verify(w->env, NULL, NULL, &problems);

    if (rc != 0 || problems != 0) {
        fprintf(stderr, "crash queue step: verify: %s, %" PRIu64 " problems\n", eddy_errname(rc),
                problems);
        return __LINE__;
    }
    return 0;
}

static int q_step(crash_worker *w)
{
    uint64_t r = crash_rand(&w->rng) % 100;

    if (r < 30)
        return send_one(w);
    if (r < 42)
        return send_batch(w);
    if (r < 62)
        return receive(w, r % 4 == 0);
    if (r < 78)
        return delete_some(w);
    if (r < 90)
        return visibility(w);
    if (r < 93)
        return redrive(w);
    if (r < 94)
        return verify(w);
    return send_one(w);
}

/* ---- check ---- */

typedef struct drain {
    crash_set seen;
    uint64_t present, dups, alien, damaged;
} drain;

/* Receive everything in queue q (12 h visibility, so nothing comes back during the drain). */
static int drain_queue(eddy_env *env, const char *q, const crash_model *m, drain *d,
                       crash_result *r)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    int rc;

    o.max_messages = CRASH_BATCH_MAX;
    o.visibility_timeout_ms = 43200000;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    for (;;) {
        eddy_queue_batch *b = NULL;
        size_t n = 0;

        if ((rc = eddy_queue_receive(env, q, &o, &b)) != 0)
            break;
        n = eddy_queue_batch_count(b);
        for (size_t i = 0; i < n; i++) {
            uint64_t tok;
            if (!crash_body_token(eddy_queue_batch_message(b, i)->body.data,
                                  eddy_queue_batch_message(b, i)->body.len, &tok) ||
                !crash_body_ok(tok, eddy_queue_batch_message(b, i)->body.data,
                               eddy_queue_batch_message(b, i)->body.len)) {
                if (d->damaged++ == 0)
                    crash_append(r->why, sizeof r->why, "queue %s msg %" PRIu64 ": damaged body", q,
                                 eddy_queue_batch_message(b, i)->msg_id);
                continue;
            }
            if (!crash_set_has(&m->tried, tok) && d->alien++ == 0)
                crash_append(r->why, sizeof r->why,
                             "queue %s holds token %016" PRIx64 " never sent", q, tok);
            if (!crash_set_add(&d->seen, tok))
                d->dups++;
            d->present++;
        }
        eddy_queue_batch_free(b);
        if (n == 0)
            break;
    }
    if (rc == EDDY_ENOTFOUND)
        return 0; /* the queue's creation was not durable yet: empty */
    if (rc != 0)
        crash_append(r->why, sizeof r->why, "receive from %s: %s (%s)", q, eddy_errname(rc),
                     eddy_last_error());
    return rc;
}

static int q_check(eddy_env *env, const crash_model *m, crash_result *r)
{
    drain d;
    uint64_t missing = 0, back = 0, first_missing = 0, first_back = 0;
    int verdict = CRASH_OK;

    memset(&d, 0, sizeof d);
    /* Main first: a receive there may move a message to the DLQ, drained next. */
    if (drain_queue(env, CRASH_QUEUE, m, &d, r) != 0 || drain_queue(env, CRASH_DLQ, m, &d, r) != 0)
        verdict = CRASH_CORRUPT;
    if (d.damaged != 0 || d.alien != 0)
        verdict = CRASH_CORRUPT;
    for (size_t i = 0; i < m->sent.cap; i++) {
        uint64_t t = m->sent.slot[i];
        /* A delete that was attempted may be durable without its ack having been seen. */
        if (t == 0 || crash_set_has(&m->del_tried, t) || crash_set_has(&d.seen, t))
            continue;
        if (missing++ == 0)
            first_missing = t;
    }
    for (size_t i = 0; i < m->deleted.cap; i++) {
        uint64_t t = m->deleted.slot[i];
        if (t != 0 && crash_set_has(&d.seen, t) && back++ == 0)
            first_back = t;
    }
    if (missing != 0)
        crash_append(r->why, sizeof r->why,
                     "%" PRIu64 " acknowledged sends missing (first token %016" PRIx64 ")", missing,
                     first_missing);
    if (back != 0)
        crash_append(r->why, sizeof r->why,
                     "%" PRIu64 " acknowledged deletes came back (first token %016" PRIx64 ")",
                     back, first_back);
    r->present += d.present;
    r->missing += missing;
    if (verdict == CRASH_OK && (missing != 0 || back != 0))
        verdict = CRASH_LOST;
    crash_set_free(&d.seen);
    return verdict;
}

const crash_module crash_queue_module = {"queue", 10, q_setup, q_step, q_check};
