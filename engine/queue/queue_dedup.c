/*
 * queue_dedup.c: the two 5-minute windows of FIFO queues (decision 0013), both entries in QAUX
 * that live independently of the messages they name:
 * - deduplication: (scope group, deduplication id) -> the first message's id and send time,
 *   until EDDY_QUEUE_DEDUP_WINDOW_MS after that send. Deleting or receiving the message changes
 *   nothing (ElasticMQ #354 forgot the id once the message was deleted).
 * - receive request attempts: attempt id -> the messages and receipts a receive returned.
 * Expired entries are ignored when met, and removed by a bounded sweep: every write that adds an
 * entry looks at the next EDDY__Q_SWEEP entries of the same kind after it (wrapping to the
 * queue's first), so the stale ones go at the pace new ones arrive. Runs inside write ops.
 */
#include <string.h>

#include "error.h"
#include "fifo_keys.h"
#include "queue_int.h"

#define EDDY__Q_SWEEP 2u /* entries examined per entry added */

/* Remove up to EDDY__Q_SWEEP expired entries of kind `tag` after key k (wrapping). */
static int sweep(eddy__wtx *w, uint64_t qid, uint8_t tag, const uint8_t *k, size_t klen,
                 int (*expiry)(const MDB_val *v, uint64_t *expires_ms))
{
    uint8_t pfx[9];
    MDB_cursor *cur = NULL;
    MDB_val key, v;
    int rc, wrapped = 0;

    eddy__qkey_fifo_prefix(pfx, qid, tag);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QAUX, &cur)) != 0)
        return rc;
    rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, k + sizeof pfx, klen - sizeof pfx, &key, &v);
    for (unsigned i = 0; i < EDDY__Q_SWEEP + 1; i++) {
        if (rc == EDDY_ENOTFOUND && !wrapped) {
            wrapped = 1;
            rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &key, &v);
        }
        if (rc != 0)
            break;
        int self = key.mv_size == klen && memcmp(key.mv_data, k, klen) == 0;
        uint64_t exp = 0;
        if (!self && (rc = expiry(&v, &exp)) != 0)
            break; /* an entry that does not decode is damage, never silently expired */
        if (!self && exp <= w->now_ms) {
            if ((rc = eddy__cur_del(w, cur)) != 0)
                break;
            rc = eddy__cur_get(cur, &key, &v, MDB_GET_CURRENT);
            if (rc == 0 && (key.mv_size < sizeof pfx || memcmp(key.mv_data, pfx, sizeof pfx) != 0))
                rc = EDDY_ENOTFOUND;
            continue;
        }
        rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &key, &v);
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* ---- deduplication ---- */

/* The deduplication key of a FIFO message from its meta. */
static int dedup_key(const eddy__q *q, const uint8_t *meta, size_t meta_len,
                     uint8_t k[EDDY__QKEY_FIFO_MAX], size_t *klen)
{
    eddy__qmeta m;
    eddy__ferr fe;

    if (eddy__qmeta_decode(meta, meta_len, &m, &fe) != 0 || m.group_len == 0 || m.dedup_len == 0)
        return eddy__err(EDDY_EINTERNAL, "FIFO message meta without deduplication id");
    if (q->cfg.dedup_scope == EDDY__QDEDUP_SCOPE_GROUP)
        *klen = eddy__qkey_dedup(k, q->id, m.group, m.group_len, m.dedup, m.dedup_len);
    else
        *klen = eddy__qkey_dedup(k, q->id, NULL, 0, m.dedup, m.dedup_len);
    return 0;
}

static int dedup_expiry(const MDB_val *v, uint64_t *expires_ms)
{
    eddy__qdedup d;
    eddy__ferr fe;
    if (eddy__qdedup_decode(v->mv_data, v->mv_size, &d, &fe) != 0)
        return EDDY__CORRUPT("queue deduplication entry: %s", fe.msg);
    *expires_ms = d.expires_ms;
    return 0;
}

int eddy__q_dedup_check(eddy__wtx *w, const eddy__q *q, const uint8_t *meta, size_t meta_len,
                        eddy_queue_send_result *r, int *dup)
{
    uint8_t k[EDDY__QKEY_FIFO_MAX];
    eddy__qdedup d;
    eddy__ferr fe;
    size_t klen = 0;
    MDB_val v;
    int rc;

    *dup = 0;
    r->duplicate = 0;
    r->sequence_number[0] = '\0';
    if ((rc = dedup_key(q, meta, meta_len, k, &klen)) != 0)
        return rc;
    rc = eddy__get(w->env, w->txn, EDDY__T_QAUX, k, klen, &v);
    if (rc == EDDY_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (eddy__qdedup_decode(v.mv_data, v.mv_size, &d, &fe) != 0)
        return EDDY__CORRUPT("queue '%s' deduplication entry: %s", q->name, fe.msg);
    if (d.expires_ms <= w->now_ms)
        return 0; /* the interval is over: a new message (its put replaces the entry) */
    *dup = 1;
    r->duplicate = 1;
    r->msg_id = d.msg_id;
    r->sent_ms = d.sent_ms;
    eddy__qseq_to_dec(q->id, d.msg_id, r->sequence_number);
    return 0;
}

int eddy__q_dedup_put(eddy__wtx *w, const eddy__q *q, const uint8_t *meta, size_t meta_len,
                      uint64_t msg_id)
{
    uint8_t k[EDDY__QKEY_FIFO_MAX], v[EDDY__QDEDUP_LEN];
    eddy__qdedup d = {w->now_ms + EDDY_QUEUE_DEDUP_WINDOW_MS, msg_id, w->now_ms};
    size_t klen = 0;
    int rc;

    if ((rc = dedup_key(q, meta, meta_len, k, &klen)) != 0)
        return rc;
    eddy__qdedup_encode(v, &d);
    if ((rc = eddy__put(w, EDDY__T_QAUX, k, klen, v, sizeof v, 0)) != 0)
        return rc;
    return sweep(w, q->id, EDDY__QKEY_DEDUP_TAG, k, klen, dedup_expiry);
}

/* ---- receive request attempts ---- */

static int attempt_expiry(const MDB_val *v, uint64_t *expires_ms)
{
    eddy__qattempt a;
    eddy__ferr fe;
    if (eddy__qattempt_decode(v->mv_data, v->mv_size, &a, &fe) != 0)
        return EDDY__CORRUPT("queue receive-attempt entry: %s", fe.msg);
    *expires_ms = a.expires_ms;
    return 0;
}

int eddy__q_attempt_get(eddy__wtx *w, const eddy__q *q, const char *id, eddy__qattempt *out,
                        int *found)
{
    uint8_t k[EDDY__QKEY_FIFO_MAX];
    size_t klen = eddy__qkey_attempt(k, q->id, id, strlen(id));
    eddy__ferr fe;
    MDB_val v;
    int rc = eddy__get(w->env, w->txn, EDDY__T_QAUX, k, klen, &v);

    *found = 0;
    if (rc == EDDY_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (eddy__qattempt_decode(v.mv_data, v.mv_size, out, &fe) != 0)
        return EDDY__CORRUPT("queue '%s' receive attempt entry: %s", q->name, fe.msg);
    *found = out->expires_ms > w->now_ms;
    return 0;
}

int eddy__q_attempt_put(eddy__wtx *w, const eddy__q *q, const char *id, const eddy__qattempt *a,
                        int fresh)
{
    uint8_t k[EDDY__QKEY_FIFO_MAX], v[EDDY__QATTEMPT_MAX_LEN];
    size_t klen = eddy__qkey_attempt(k, q->id, id, strlen(id));
    int rc = eddy__put(w, EDDY__T_QAUX, k, klen, v, eddy__qattempt_encode(v, a), 0);

    if (rc != 0 || !fresh)
        return rc;
    return sweep(w, q->id, EDDY__QKEY_ATTEMPT_TAG, k, klen, attempt_expiry);
}

/*
 * A receive with an attempt id: when an unexpired entry names messages that are all still as
 * that receive left them (in flight, same receive count, nonce and deadline), hand them out
 * again with the same receipts and a fresh visibility timeout (*replayed = 1). Else nothing is
 * done and the caller receives afresh, then records the result with eddy__q_attempt_record.
 */
int eddy__q_attempt_replay(eddy__wtx *w, eddy__q_taker *t, const char *id, int *replayed)
{
    uint8_t k[EDDY__QKEY_MSG_LEN];
    eddy__qattempt a;
    eddy__qstate s, ns;
    MDB_val v;
    int rc, found;

    *replayed = 0;
    if ((rc = eddy__q_attempt_get(w, t->q, id, &a, &found)) != 0 || !found || a.n == 0 ||
        a.n > t->max)
        return rc;
    for (unsigned i = 0; i < a.n; i++) {
        rc = eddy__q_state_get(w->env, w->txn, t->q->id, a.e[i].msg_id, &s);
        if (rc == EDDY_ENOTFOUND)
            return 0;
        if (rc != 0)
            return rc;
        if (s.kind != EDDY__QSTATE_INFLIGHT || s.receive_count != a.e[i].receive_count ||
            s.nonce != a.e[i].nonce || s.deadline_ms != a.e[i].deadline_ms)
            return 0; /* changed since: receive afresh */
    }
    for (unsigned i = 0; i < a.n; i++) {
        eddy__q_taken *it = &t->items[t->n];
        if ((rc = eddy__q_state_get(w->env, w->txn, t->q->id, a.e[i].msg_id, &s)) != 0)
            return rc;
        eddy__qkey_msg(k, t->q->id, a.e[i].msg_id);
        if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v)) != 0 ||
            (rc = eddy__payload_load(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v, &it->l)) != 0)
            return rc;
        ns = s;
        ns.deadline_ms = w->now_ms + t->vis_ms; /* SQS: a retry restarts the timeout */
        if ((rc = eddy__q_state_set(w, t->q->id, a.e[i].msg_id, &s, &ns, t->c)) != 0) {
            eddy__loaded_release(w->env, &it->l);
            return rc;
        }
        it->msg_id = a.e[i].msg_id;
        it->s = ns;
        t->n++;
        a.e[i].deadline_ms = ns.deadline_ms;
    }
    *replayed = 1;
    return eddy__q_attempt_put(w, t->q, id, &a, 0);
}

int eddy__q_attempt_record(eddy__wtx *w, const eddy__q_taker *t, const char *id)
{
    eddy__qattempt a;

    memset(&a, 0, sizeof a);
    a.expires_ms = w->now_ms + EDDY_QUEUE_DEDUP_WINDOW_MS;
    a.n = (uint16_t)t->n;
    for (unsigned i = 0; i < t->n && i < EDDY__QATTEMPT_MAX; i++) {
        a.e[i].msg_id = t->items[i].msg_id;
        a.e[i].receive_count = t->items[i].s.receive_count;
        a.e[i].nonce = t->items[i].s.nonce;
        a.e[i].deadline_ms = t->items[i].s.deadline_ms;
    }
    return eddy__q_attempt_put(w, t->q, id, &a, 1);
}
