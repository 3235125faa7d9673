/*
 * queue_take.c: the one receive policy. eddy_queue_receive (queue_receive.c) and the queue
 * source of a poller (poller_queue.c) both take messages through eddy__q_take_due, so that
 * lazy expiry, dead-letter moves at max_receive_count, the in-flight limit, the byte budget and
 * the new in-flight state (receive count, first-receive time, fresh nonce) are decided in one
 * place. Runs inside a write op; never decompresses (the caller does that after the commit).
 */
#include <string.h>

#include "error.h"
#include "queue_int.h"

void eddy__q_taken_release(eddy_env *env, eddy__q_taker *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        eddy__loaded_release(env, &t->items[i].l);
    t->n = 0;
}

int eddy__q_take_one(eddy__wtx *w, eddy__q_taker *t, uint64_t msg_id, eddy__qstate *s, int *left)
{
    uint8_t k[EDDY__QKEY_MSG_LEN];
    eddy__q_taken *it = &t->items[t->n];
    const eddy__q *q = t->q;
    eddy__qcounters *c = t->c;
    MDB_val v;
    int rc, moved = 0;

    if (eddy__q_expired(q, s, w->now_ms))
        return eddy__q_msg_remove(w, q->id, msg_id, s, c);
    if (q->cfg.dlq[0] != '\0' && s->receive_count >= q->cfg.max_receive_count) {
        if ((rc = eddy__q_dead_letter(w, q, c, msg_id, s, &moved)) != 0 || moved) {
            t->moved |= moved;
            return rc;
        }
    }
    if (s->kind == EDDY__QSTATE_WAITING && c->n_inflight >= q->cfg.in_flight_max) {
        t->limit_hit = 1;
        *left = 1;
        return 0;
    }
    eddy__qkey_msg(k, q->id, msg_id);
    if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v)) != 0)
        return rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("queue '%s' message %llu has no record",
                                                    q->name, (unsigned long long)msg_id)
                                    : rc;
    /* Copy the record out before any write: a put may move the page `v` points into. */
    if ((rc = eddy__payload_load(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v, &it->l)) != 0)
        return rc;
    if (!(t->first && t->n == 0) && t->bytes + it->l.rec.raw_len > t->budget) {
        eddy__loaded_release(w->env, &it->l);
        t->full = 1;
        *left = 1;
        return 0;
    }
    it->msg_id = msg_id;
    it->s = *s;
    it->s.kind = EDDY__QSTATE_INFLIGHT;
    it->s.receive_count = s->receive_count + 1;
    it->s.received_ms = w->now_ms;
    it->s.deadline_ms = w->now_ms + t->vis_ms;
    it->s.nonce = eddy__rand64(w->env);
    if (it->s.first_receive_ms == 0)
        it->s.first_receive_ms = w->now_ms;
    if ((rc = eddy__q_state_set(w, q->id, msg_id, s, &it->s, c)) != 0) {
        eddy__loaded_release(w->env, &it->l);
        return rc;
    }
    t->bytes += it->l.rec.raw_len;
    t->n++;
    return 0;
}

/* The due walk's callback: the message's state, then the policy. */
static int take_due(eddy__wtx *w, void *ctx, uint64_t msg_id, int *left)
{
    eddy__q_taker *t = ctx;
    eddy__qstate s;
    int rc;

    if (t->n >= t->max || t->full) {
        *left = 1;
        return 0;
    }
    rc = eddy__q_state_get(w->env, w->txn, t->q->id, msg_id, &s);
    if (rc == EDDY_ENOTFOUND && t->q->cfg.fifo && t->fifo != NULL)
        return 0; /* removed by this walk: a FIFO group's retake moved it to its DLQ */
    if (rc == EDDY_ENOTFOUND)
        return EDDY__CORRUPT("queue '%s' message %llu is indexed but has no state", t->q->name,
                             (unsigned long long)msg_id);
    if (rc != 0)
        return rc;
    if (t->q->cfg.fifo)
        return eddy__q_fifo_take(w, t, msg_id, &s, left);
    return eddy__q_take_one(w, t, msg_id, &s, left);
}

int eddy__q_take_due(eddy__wtx *w, eddy__q_taker *t)
{
    uint32_t expired = 0, cap = t->max * 2 + 16, seen = 0;
    int rc;

    t->limit_hit = t->full = t->moved = 0;
    if ((rc = eddy__q_expire(w, t->q, t->c, EDDY__Q_LAZY_EXPIRE, &expired)) != 0)
        return rc;
    rc = eddy__q_due_walk(w, t->q->id, t->c, cap, take_due, t, &seen);
    /*
     * A FIFO queue's due messages may belong to blocked groups: look further, in rounds of
     * growing reach (each round meets the earlier ones again, cheaply: their groups are known),
     * up to EDDY_QUEUE_FIFO_SCAN_MAX messages. The common case ends after the first round.
     */
    while (rc == 0 && t->q->cfg.fifo && t->n < t->max && !t->full && seen >= cap &&
           cap < EDDY_QUEUE_FIFO_SCAN_MAX) {
        cap = cap * 8 < EDDY_QUEUE_FIFO_SCAN_MAX ? cap * 8 : EDDY_QUEUE_FIFO_SCAN_MAX;
        rc = eddy__q_due_walk(w, t->q->id, t->c, cap, take_due, t, &seen);
    }
    eddy__q_fifo_walk_free(w->env, t->fifo);
    t->fifo = NULL;
    return rc;
}
