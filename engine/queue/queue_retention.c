/*
 * queue_retention.c: removing messages in bounded batches: retention (eddy_queue_trim, and the
 * few expired messages each receive removes on its way), purge, and queue deletion. No single
 * transaction removes more than a bounded number of messages, so senders never wait long.
 */
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "keys.h"
#include "queue_int.h"

/* Rounds of EDDY__Q_PURGE_STEP removals a queue deletion makes before it gives up with
 * EDDY_EBUSY (a queue fed faster than it drains). */
#define QUEUE_DELETE_ROUNDS 1000000

/* Which messages a removal takes: by expiry (QVIS retention entries up to the first one not
 * expired, then the messages without one in id order up to the first one not expired), or by id
 * order (QMSG records) below end_id. */
typedef struct collect_ctx {
    const eddy__q *q;
    uint64_t now;
    uint64_t before; /* by expiry: also every message enqueued before this (0 = none) */
    uint64_t end_id; /* purge: only ids below this; 0 = no bound */
    int by_expiry;
} collect_ctx;

/* Decide about one key: *msg_id when it names a candidate, *stop at the end of the range. */
static int take(const collect_ctx *x, const MDB_val *k, uint64_t *msg_id, uint64_t *when_out,
                int *skip, int *stop)
{
    uint64_t qid, when = 0;
    eddy__ferr fe;
    int type;

    *stop = *skip = 0;
    if (x->by_expiry) {
        if (eddy__qkey_vis_decode(k->mv_data, k->mv_size, &qid, &when, msg_id, &type, &fe) != 0)
            return EDDY__CORRUPT("queue '%s' retention index: %s", x->q->name, fe.msg);
        *stop = !eddy__retention_expired(when, x->q->cfg.retention_ms, x->now) && when >= x->before;
        *when_out = when;
        return 0;
    }
    if (eddy__qkey_msg_decode(k->mv_data, k->mv_size, &qid, msg_id, &type, &fe) != 0)
        return EDDY__CORRUPT("queue '%s' messages: %s", x->q->name, fe.msg);
    *skip = type != EDDY__QK_RECORD; /* states, and the counters after the messages */
    *stop = !*skip && x->end_id != 0 && *msg_id >= x->end_id;
    return 0;
}

/* By expiry, the messages without a retention entry, in id order: their enqueue times never
 * fall below an earlier message's, so the first one kept (with or without an entry) ends it. */
static int collect_by_id(eddy__wtx *w, const collect_ctx *x, uint64_t *ids, uint64_t *enqs,
                         uint32_t max, uint32_t *n)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], sk[EDDY__QKEY_STATE_LEN];
    MDB_cursor *cur = NULL;
    uint64_t qid, id;
    eddy__qstate s;
    eddy__ferr fe;
    MDB_val k, v, sv;
    int rc, type;

    eddy__qkey_prefix(pfx, x->q->id);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QMSG, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v); rc == 0 && *n < max;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_msg_decode(k.mv_data, k.mv_size, &qid, &id, &type, &fe) != 0) {
            rc = EDDY__CORRUPT("queue '%s' messages: %s", x->q->name, fe.msg);
            break;
        }
        if (type != EDDY__QK_RECORD)
            continue;
        if ((rc = eddy__q_implied_state(qid, id, &v, &s)) != 0)
            break;
        if (!eddy__retention_expired(s.enq_ms, x->q->cfg.retention_ms, x->now) &&
            s.enq_ms >= x->before)
            break;
        eddy__qkey_state(sk, qid, id);
        rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, sk, sizeof sk, &sv);
        if (rc == 0 && eddy__qstate_decode(sv.mv_data, sv.mv_size, &s, &fe) != 0)
            rc = EDDY__CORRUPT("queue '%s' message %llu: %s", x->q->name, (unsigned long long)id,
                               fe.msg);
        if (rc != 0 && rc != EDDY_ENOTFOUND)
            break;
        if (rc == EDDY_ENOTFOUND || !s.indexed) { /* else collect_ids finds its entry */
            enqs[*n] = s.enq_ms;
            ids[(*n)++] = id;
        }
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* ids[0..5 * max) is scratch space; the chosen ids end up in ids[0..*n). */
static int collect_ids(eddy__wtx *w, const collect_ctx *x, uint64_t *ids, uint32_t max, uint32_t *n)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN + 1];
    size_t pfx_len = x->by_expiry ? sizeof pfx : EDDY__QKEY_PREFIX_LEN;
    uint64_t *a = ids + max, *ae = ids + 2 * (size_t)max, *b = ids + 3 * (size_t)max;
    uint64_t *be = ids + 4 * (size_t)max, when = 0;
    uint32_t na = 0, nb = 0, i = 0, j = 0;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc, skip = 0, stop = 0;

    *n = 0;
    if (!x->by_expiry)
        a = ids;
    eddy__qkey_expiry_prefix(pfx, x->q->id);
    rc = eddy__cur_open(w->env, w->txn, x->by_expiry ? EDDY__T_QVIS : EDDY__T_QMSG, &cur);
    if (rc != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, pfx_len, NULL, 0, &k, &v); rc == 0 && na < max;
         rc = eddy__cur_next_prefix(cur, pfx, pfx_len, &k, &v)) {
        if ((rc = take(x, &k, &a[na], &when, &skip, &stop)) != 0 || stop)
            break;
        if (!skip)
            ae[na++] = when;
    }
    eddy__cur_close(cur);
    if (rc == EDDY_ENOTFOUND)
        rc = 0;
    if (rc != 0 || !x->by_expiry) {
        *n = na;
        return rc;
    }
    /* By expiry: merge the retention entries with the messages without one, oldest first. */
    if ((rc = collect_by_id(w, x, b, be, max, &nb)) != 0)
        return rc;
    while (*n < max && (i < na || j < nb)) {
        int take_a = j >= nb || (i < na && (ae[i] < be[j] || (ae[i] == be[j] && a[i] < b[j])));
        ids[(*n)++] = take_a ? a[i++] : b[j++];
    }
    return 0;
}

/* Remove up to max messages chosen by x. */
static int remove_some(eddy__wtx *w, const collect_ctx *x, eddy__qcounters *c, uint32_t max,
                       uint32_t *removed)
{
    uint64_t *ids = NULL;
    eddy__qstate s;
    uint32_t n = 0;
    int rc;

    *removed = 0;
    if (max == 0)
        return 0;
    if ((ids = eddy__malloc(w->env, 5 * (size_t)max * sizeof *ids)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory removing messages");
    rc = collect_ids(w, x, ids, max, &n);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        rc = eddy__q_state_get(w->env, w->txn, x->q->id, ids[i], &s);
        if (rc == EDDY_ENOTFOUND)
            rc = EDDY__CORRUPT("queue '%s' message %llu has no state", x->q->name,
                               (unsigned long long)ids[i]);
        if (rc == 0)
            rc = eddy__q_msg_remove(w, x->q->id, ids[i], &s, c);
    }
    eddy__free(w->env, ids);
    if (rc == 0)
        *removed = n;
    return rc;
}

int eddy__q_expire(eddy__wtx *w, const eddy__q *q, eddy__qcounters *c, uint32_t max,
                   uint32_t *removed)
{
    collect_ctx x = {q, w->now_ms, 0, 0, 1};
    return remove_some(w, &x, c, max, removed);
}

/* ---- trim, purge, delete ---- */

typedef struct qdrain {
    const char *name;
    size_t name_len;
    uint64_t qid;
    uint64_t end_id; /* purge: next_msg_id when the purge started */
    uint64_t before; /* trim: also messages enqueued before this (0 = retention only) */
    uint32_t max;
    int mode;         /* 0 trim, 1 purge, 2 delete */
    uint32_t removed; /* out */
    int done;         /* out, delete: the queue is gone */
} qdrain;

static int drop_queue(eddy__wtx *w, const eddy__q *q)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], ck[EDDY__QKEY_COUNTERS_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc;

    /* Redrive tasks (all of the queue's QAUX entries), then the counters. */
    eddy__qkey_prefix(pfx, q->id);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QAUX, &cur)) != 0)
        return rc;
    while ((rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v)) == 0)
        if ((rc = eddy__cur_del(w, cur)) != 0)
            break;
    eddy__cur_close(cur);
    if (rc != EDDY_ENOTFOUND)
        return rc;
    eddy__qkey_counters(ck, q->id);
    if ((rc = eddy__del(w, EDDY__T_QMSG, ck, sizeof ck)) != 0)
        return rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("queue '%s' has no counters", q->name) : rc;
    return eddy__cat_delete(w, EDDY__OBJ_QUEUE, q->name, q->name_len, q->id);
}

static int drain_apply(eddy__wtx *w, void *arg)
{
    qdrain *a = arg;
    collect_ctx x;
    eddy__qcounters c;
    eddy__q q;
    int rc;

    a->removed = 0;
    a->done = 0;
    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    x.q = &q;
    x.now = w->now_ms;
    x.end_id = a->mode == 1 ? a->end_id : 0;
    x.before = a->mode == 0 ? a->before : 0;
    x.by_expiry = a->mode == 0;
    if ((rc = remove_some(w, &x, &c, a->max, &a->removed)) != 0)
        return rc;
    if (a->mode == 2 && c.n_msgs == 0) {
        a->done = 1;
        return drop_queue(w, &q);
    }
    return eddy__q_counters_put(w, q.id, &c);
}

static int drain_start(eddy_env *env, const char *name, qdrain *a, int mode)
{
    eddy__qcounters c;
    eddy__q q;
    int rc;

    memset(a, 0, sizeof *a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(name, &a->name_len)))
        return rc;
    if ((rc = eddy__q_read(env, name, a->name_len, &q, &c)) != 0)
        return rc;
    a->name = name;
    a->qid = q.id;
    a->end_id = c.next_msg_id;
    a->mode = mode;
    a->max = EDDY__Q_PURGE_STEP;
    return rc;
}

static int trim_run(eddy_env *env, const char *name, uint64_t before_ms, uint32_t max_n,
                    uint64_t *removed_out)
{
    qdrain a;
    int rc;

    if (removed_out != NULL)
        *removed_out = 0;
    if ((rc = drain_start(env, name, &a, 0)) != 0)
        return rc;
    if (max_n > EDDY__Q_TRIM_MAX)
        return eddy__err(EDDY_EINVAL, "trim of %u messages at once (at most %u)", max_n,
                         EDDY__Q_TRIM_MAX);
    a.max = max_n == 0 ? EDDY__Q_TRIM_DEFAULT : max_n;
    a.before = before_ms;
    if ((rc = eddy__write(env, drain_apply, NULL, &a)) == 0 && removed_out != NULL)
        *removed_out = a.removed;
    return rc;
}

EDDY_API int eddy_queue_trim(eddy_env *env, const char *name, uint32_t max_n, uint64_t *removed_out)
{
    return trim_run(env, name, 0, max_n, removed_out);
}

EDDY_API int eddy_queue_trim_before(eddy_env *env, const char *name, uint64_t before_ms,
                                    uint32_t max_n, uint64_t *removed_out)
{
    return trim_run(env, name, before_ms, max_n, removed_out);
}

EDDY_API int eddy_queue_purge(eddy_env *env, const char *name, uint64_t *removed_out)
{
    uint64_t total = 0;
    qdrain a;
    int rc;

    if ((rc = drain_start(env, name, &a, 1)) != 0)
        goto out;
    do {
        if ((rc = eddy__write(env, drain_apply, NULL, &a)) != 0)
            break;
        total += a.removed;
    } while (a.removed == a.max);
out:
    if (removed_out != NULL)
        *removed_out = total;
    return rc;
}

EDDY_API int eddy_queue_delete(eddy_env *env, const char *name)
{
    qdrain a;
    int rc;

    if ((rc = drain_start(env, name, &a, 2)) != 0)
        return rc;
    /* Each round removes up to EDDY__Q_PURGE_STEP messages; a bounded number of rounds keeps a
     * queue that is fed faster than it drains from holding the caller forever. */
    for (uint64_t round = 0; round < QUEUE_DELETE_ROUNDS; round++) {
        if ((rc = eddy__write(env, drain_apply, NULL, &a)) != 0 || a.done)
            return rc;
    }
    return eddy__err(EDDY_EBUSY, "queue '%s' kept receiving messages while being deleted", name);
}
