/*
 * queue_store.c: the message store primitives every queue operation is made of. Each keeps the
 * entries of a message (QMSG record, and unless it is plain its state and QVIS visibility entry,
 * and when its state says so its retention entry) and the queue's counters in step, inside the
 * caller's write op; a missing entry that must exist is corruption, never
 * silently skipped. Callers load the counters once per op and store them once at its end.
 */
#include <string.h>

#include "error.h"
#include "queue_int.h"

int eddy__q_counters_get(eddy_env *env, MDB_txn *txn, uint64_t qid, eddy__qcounters *c)
{
    uint8_t k[EDDY__QKEY_COUNTERS_LEN];
    eddy__ferr fe;
    MDB_val v;
    int rc;

    eddy__qkey_counters(k, qid);
    rc = eddy__get(env, txn, EDDY__T_QMSG, k, sizeof k, &v);
    if (rc == EDDY_ENOTFOUND)
        return EDDY__CORRUPT("queue %llu has no counters", (unsigned long long)qid);
    if (rc != 0)
        return rc;
    if (eddy__qcounters_decode(v.mv_data, v.mv_size, c, &fe) != 0)
        return EDDY__CORRUPT("queue %llu: %s", (unsigned long long)qid, fe.msg);
    return 0;
}

int eddy__q_counters_put(eddy__wtx *w, uint64_t qid, const eddy__qcounters *c)
{
    uint8_t k[EDDY__QKEY_COUNTERS_LEN], v[EDDY__QCOUNTERS_LEN];

    eddy__qkey_counters(k, qid);
    eddy__qcounters_encode(v, c);
    return eddy__put(w, EDDY__T_QMSG, k, sizeof k, v, sizeof v, 0);
}

int eddy__q_implied_state(uint64_t qid, uint64_t msg_id, const MDB_val *rec_val, eddy__qstate *out)
{
    uint8_t k[EDDY__QKEY_MSG_LEN];
    eddy__qmeta m;
    eddy__ferr fe;
    eddy__rec rec;
    int rc;

    eddy__qkey_msg(k, qid, msg_id);
    if ((rc = eddy__payload_peek(EDDY__T_QMSG, k, sizeof k, rec_val, &rec)) != 0)
        return rc;
    if (eddy__qmeta_decode(rec.meta, rec.meta_len, &m, &fe) != 0)
        return EDDY__CORRUPT("queue %llu message %llu: %s", (unsigned long long)qid,
                             (unsigned long long)msg_id, fe.msg);
    memset(out, 0, sizeof *out);
    out->kind = EDDY__QSTATE_WAITING;
    out->deadline_ms = m.enq_ms;
    out->enq_ms = m.enq_ms;
    return 0;
}

int eddy__q_state_get(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t msg_id, eddy__qstate *out)
{
    uint8_t k[EDDY__QKEY_STATE_LEN];
    eddy__ferr fe;
    MDB_val v;
    int rc;

    eddy__qkey_state(k, qid, msg_id);
    rc = eddy__get(env, txn, EDDY__T_QMSG, k, sizeof k, &v);
    if (rc == EDDY_ENOTFOUND) {
        /* No state: a plain message when its record exists (its state is implied). */
        if ((rc = eddy__get(env, txn, EDDY__T_QMSG, k, EDDY__QKEY_MSG_LEN, &v)) != 0)
            return rc;
        return eddy__q_implied_state(qid, msg_id, &v, out);
    }
    if (rc != 0)
        return rc;
    if (eddy__qstate_decode(v.mv_data, v.mv_size, out, &fe) != 0)
        return EDDY__CORRUPT("queue %llu message %llu: %s", (unsigned long long)qid,
                             (unsigned long long)msg_id, fe.msg);
    return 0;
}

static int vis_put(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *s)
{
    uint8_t k[EDDY__QKEY_VIS_LEN];

    if (s->deadline_ms > EDDY__QDEADLINE_MAX)
        return eddy__err(EDDY_EINVAL, "visibility deadline %llu ms is beyond the year 4000",
                         (unsigned long long)s->deadline_ms);
    eddy__qkey_vis(k, qid, s->deadline_ms, msg_id);
    return eddy__put(w, EDDY__T_QVIS, k, sizeof k, &s->kind, 1, 0);
}

static int must_del(eddy__wtx *w, int table, const void *k, size_t klen, uint64_t qid,
                    uint64_t msg_id)
{
    int rc = eddy__del(w, table, k, klen);

    if (rc == EDDY_ENOTFOUND)
        return EDDY__CORRUPT("queue %llu message %llu lacks an entry of %zu bytes in table %s",
                             (unsigned long long)qid, (unsigned long long)msg_id, klen,
                             eddy__table_names[table]);
    return rc;
}

static int state_put(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *s)
{
    uint8_t k[EDDY__QKEY_STATE_LEN], v[EDDY__QSTATE_LEN];

    eddy__qkey_state(k, qid, msg_id);
    eddy__qstate_encode(v, s);
    return eddy__put(w, EDDY__T_QMSG, k, sizeof k, v, sizeof v, 0);
}

int eddy__q_state_set(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *old_s,
                      const eddy__qstate *new_s, eddy__qcounters *c)
{
    uint8_t k[EDDY__QKEY_VIS_LEN];
    eddy__qstate ns = *new_s;
    int rc;

    EDDY_ASSERT(old_s->enq_ms == new_s->enq_ms);
    ns.indexed = old_s->indexed;
    ns.stored = 1;
    if (!old_s->stored) {
        /* A plain message gets its state and visibility entry now. */
        if ((rc = vis_put(w, qid, msg_id, &ns)) != 0)
            return rc;
        if (EDDY_ALWAYS(c->n_plain > 0))
            c->n_plain--;
    } else if (old_s->deadline_ms != ns.deadline_ms || old_s->kind != ns.kind) {
        eddy__qkey_vis(k, qid, old_s->deadline_ms, msg_id);
        if ((rc = must_del(w, EDDY__T_QVIS, k, sizeof k, qid, msg_id)) != 0)
            return rc;
        if ((rc = vis_put(w, qid, msg_id, &ns)) != 0)
            return rc;
    }
    if (old_s->kind != ns.kind) {
        if (ns.kind == EDDY__QSTATE_INFLIGHT)
            c->n_inflight++;
        else if (EDDY_ALWAYS(c->n_inflight > 0))
            c->n_inflight--;
    }
    return state_put(w, qid, msg_id, &ns);
}

int eddy__q_msg_insert(eddy__wtx *w, uint64_t qid, eddy__qcounters *c, const uint8_t *meta,
                       size_t meta_len, const eddy__payload *p, const eddy__qstate *s,
                       uint64_t *msg_id)
{
    uint8_t k[EDDY__QKEY_MSG_LEN], ek[EDDY__QKEY_EXPIRY_LEN], ck[EDDY__QKEY_COUNTERS_LEN];
    uint64_t id = c->next_msg_id;
    eddy__qstate ns;
    int rc, plain;

    if (id == 0 || id > EDDY__QMSG_ID_MAX)
        return eddy__err(EDDY_ELIMIT, "queue %llu has used every message id",
                         (unsigned long long)qid);
    /*
     * The counters key sorts after the queue's messages. Take it out while appending, so that
     * the new keys go at the true end of the range: LMDB then fills pages completely instead of
     * splitting them in half. Every caller puts the counters back before its op ends.
     */
    eddy__qkey_counters(ck, qid);
    if ((rc = eddy__del(w, EDDY__T_QMSG, ck, sizeof ck)) != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    eddy__qkey_msg(k, qid, id);
    if ((rc = eddy__payload_put(w, EDDY__T_QMSG, k, sizeof k, EDDY__KIND_QMSG, meta, meta_len, p,
                                0)) != 0)
        return rc;
    /*
     * Retention goes by id order for messages whose enqueue time is at least every earlier
     * one's; only the others (dead letters, restored or clock-skewed messages) need a retention
     * entry. A message that is waiting, visible from its enqueue time and never received is
     * plain: its record alone stands for it (its state is implied, receive finds it by id from
     * plain_lo), so that a send touches QMSG only.
     */
    ns = *s;
    /* FIFO: count it in its group (which may move its deadline: queue_fifo.c). */
    if ((rc = eddy__q_fifo_added(w, qid, id, meta, meta_len, &ns)) != 0)
        return rc;
    s = &ns;
    ns.indexed = s->enq_ms < c->enq_floor;
    if (s->enq_ms > c->enq_floor)
        c->enq_floor = s->enq_ms;
    plain = !ns.indexed && s->kind == EDDY__QSTATE_WAITING && s->receive_count == 0 &&
            s->first_receive_ms == 0 && s->received_ms == 0 && s->nonce == 0 &&
            s->deadline_ms == s->enq_ms;
    if (c->n_plain == 0)
        c->plain_lo = plain ? id : id + 1;
    if (plain) {
        c->n_plain++;
    } else {
        if ((rc = state_put(w, qid, id, &ns)) != 0 || (rc = vis_put(w, qid, id, &ns)) != 0)
            return rc;
        eddy__qkey_expiry(ek, qid, s->enq_ms, id);
        if (ns.indexed && (rc = eddy__put(w, EDDY__T_QVIS, ek, sizeof ek, NULL, 0, 0)) != 0)
            return rc;
    }
    c->next_msg_id++;
    c->n_msgs++;
    if (s->kind == EDDY__QSTATE_INFLIGHT)
        c->n_inflight++;
    c->bytes += p->raw_len;
    *msg_id = id;
    return 0;
}

int eddy__q_msg_remove(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *s,
                       eddy__qcounters *c)
{
    uint8_t k[EDDY__QKEY_MSG_LEN], sk[EDDY__QKEY_STATE_LEN], vk[EDDY__QKEY_VIS_LEN];
    uint8_t ek[EDDY__QKEY_EXPIRY_LEN], gid[EDDY__QFIFO_ID_MAX], glen = 0;
    eddy__rec rec;
    MDB_val v;
    int rc;

    eddy__qkey_msg(k, qid, msg_id);
    rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v);
    if (rc == 0)
        rc = eddy__payload_peek(EDDY__T_QMSG, k, sizeof k, &v, &rec);
    /* FIFO: its group, read before the record goes (rec.meta points into the map). */
    if (rc == 0)
        rc = eddy__q_fifo_meta_group(qid, msg_id, rec.meta, rec.meta_len, gid, &glen);
    if (rc == 0)
        rc = eddy__payload_del(w, EDDY__T_QMSG, k, sizeof k);
    if (rc == EDDY_ENOTFOUND)
        return EDDY__CORRUPT("queue %llu message %llu has state but no record",
                             (unsigned long long)qid, (unsigned long long)msg_id);
    if (rc != 0)
        return rc;
    if (s->stored) {
        eddy__qkey_state(sk, qid, msg_id);
        if ((rc = must_del(w, EDDY__T_QMSG, sk, sizeof sk, qid, msg_id)) != 0)
            return rc;
        eddy__qkey_vis(vk, qid, s->deadline_ms, msg_id);
        if ((rc = must_del(w, EDDY__T_QVIS, vk, sizeof vk, qid, msg_id)) != 0)
            return rc;
    } else if (EDDY_ALWAYS(c->n_plain > 0)) {
        c->n_plain--;
    }
    eddy__qkey_expiry(ek, qid, s->enq_ms, msg_id);
    if (s->indexed && (rc = must_del(w, EDDY__T_QVIS, ek, sizeof ek, qid, msg_id)) != 0)
        return rc;
    if (EDDY_ALWAYS(c->n_msgs > 0))
        c->n_msgs--;
    if (s->kind == EDDY__QSTATE_INFLIGHT && EDDY_ALWAYS(c->n_inflight > 0))
        c->n_inflight--;
    c->bytes = c->bytes >= rec.raw_len ? c->bytes - rec.raw_len : 0;
    return eddy__q_fifo_removed(w, qid, msg_id, gid, glen);
}

/* Build the meta of a copied message from its source meta. */
static int copy_meta(eddy__wtx *w, const eddy__loaded *l, uint64_t qid, uint64_t msg_id,
                     int dead_letter, uint8_t **meta, size_t *meta_len)
{
    eddy__qmeta m;
    eddy__ferr fe;

    if (eddy__qmeta_decode(l->rec.meta, l->rec.meta_len, &m, &fe) != 0)
        return EDDY__CORRUPT("queue %llu message %llu: %s", (unsigned long long)qid,
                             (unsigned long long)msg_id, fe.msg);
    if (dead_letter && m.origin_qid == 0) {
        m.origin_qid = qid;
        m.origin_msg_id = msg_id;
    }
    if (dead_letter && m.group_len > 0) {
        m.enq_ms = w->now_ms; /* SQS FIFO: a dead letter's enqueue time restarts at the move */
    } else if (!dead_letter) {
        m.origin_qid = 0;
        m.origin_msg_id = 0;
        m.sent_ms = w->now_ms;
        m.enq_ms = w->now_ms;
    }
    *meta_len = eddy__qmeta_len(&m);
    if ((*meta = eddy__malloc(w->env, *meta_len)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory moving a message");
    return eddy__qmeta_encode(*meta, *meta_len, &m, meta_len);
}

int eddy__q_msg_copy(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *s,
                     uint64_t dst_qid, eddy__qcounters *dst_c, int dead_letter)
{
    uint8_t k[EDDY__QKEY_MSG_LEN], *meta = NULL;
    eddy__qstate ns;
    eddy__payload p;
    eddy__loaded l;
    uint64_t new_id;
    size_t meta_len = 0;
    MDB_val v;
    int rc;

    eddy__qkey_msg(k, qid, msg_id);
    if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v)) != 0)
        return rc == EDDY_ENOTFOUND
                   ? EDDY__CORRUPT("queue %llu message %llu has no record", (unsigned long long)qid,
                                   (unsigned long long)msg_id)
                   : rc;
    if ((rc = eddy__payload_load(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v, &l)) != 0)
        return rc;
    if ((rc = copy_meta(w, &l, qid, msg_id, dead_letter, &meta, &meta_len)) != 0)
        goto out_release;
    memset(&p, 0, sizeof p);
    p.codec = l.rec.codec;
    p.dict_id = l.rec.dict_id;
    p.raw_len = l.rec.raw_len;
    p.stored_len = l.rec.stored_len;
    p.stored = l.rec.stored;
    memset(&ns, 0, sizeof ns);
    ns.kind = EDDY__QSTATE_WAITING;
    ns.deadline_ms = w->now_ms;
    ns.enq_ms = w->now_ms;
    if (dead_letter) {
        ns.receive_count = s->receive_count;
        ns.first_receive_ms = s->first_receive_ms;
        if (meta[0] != EDDY__QMETA_VERSION_2) /* FIFO: restarts at the move (copy_meta) */
            ns.enq_ms = s->enq_ms;
    }
    rc = eddy__q_msg_insert(w, dst_qid, dst_c, meta, meta_len, &p, &ns, &new_id);
out_release:
    eddy__free(w->env, meta);
    eddy__loaded_release(w->env, &l);
    return rc;
}
