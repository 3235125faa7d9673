/*
 * queue_fifo.c: message groups of FIFO queues (decision 0013). A group's entry in QAUX
 * (qid | 'g' | group id) counts its stored messages, remembers the deadline its newest message
 * got, and lists the ids of its messages that were received and not removed since (its
 * "received prefix": a group's messages are received only in id order, so these are always its
 * oldest). The hooks here keep that entry exact on every store and removal; the receive policy
 * (queue_take.c) asks eddy__q_fifo_take whether a due message may go now.
 *
 * Invariants (queue_verify.c checks them): every message of a FIFO queue names a group whose
 * entry counts it; every message in state INFLIGHT is in its group's received list; within a
 * group, messages never received have non-decreasing deadlines in id order (the store clamps
 * a new message's deadline to the group's last one), so a receive that walks due messages in
 * (deadline, id) order meets them in send order. Never decompresses; runs inside write ops
 * (and read transactions for stat).
 */
#include <string.h>

#include "error.h"
#include "fifo_keys.h"
#include "queue_int.h"

/* ---- configuration ---- */

static int ends_fifo(const char *name, size_t len)
{
    return len >= 5 && memcmp(name + len - 5, ".fifo", 5) == 0;
}

int eddy__q_fifo_cfg(const char *name, size_t name_len, const eddy__qcfg *old, eddy__qcfg *c,
                     const eddy_queue_options *o, uint32_t mask)
{
    int create = old == NULL;
    int fifo = create ? o->fifo != 0 : old->fifo;

    if (create && o->fifo > 1)
        return eddy__err(EDDY_EINVAL, "fifo is %u (0 or 1)", o->fifo);
    if (create && fifo != ends_fifo(name, name_len))
        return eddy__err(EDDY_EINVAL,
                         fifo
                             ? "FIFO queue name '%s' must end in \".fifo\""
                             : "queue name '%s' ends in \".fifo\": set fifo to create a FIFO queue",
                         name);
    c->fifo = (uint8_t)fifo;
    if (!(mask & EDDY_QUEUE_SET_FIFO))
        return 0;
    /* On a standard queue the FIFO fields must keep their zero defaults (so SET_ALL works). */
    if (!fifo && (o->content_based_dedup != 0 || o->dedup_scope != 0 || o->throughput_limit != 0))
        return eddy__err(EDDY_EINVAL, "queue '%s' is not FIFO: FIFO attributes do not apply", name);
    if (o->content_based_dedup > 1)
        return eddy__err(EDDY_EINVAL, "content_based_dedup is %u (0 or 1)", o->content_based_dedup);
    if (o->dedup_scope != EDDY_QUEUE_DEDUP_SCOPE_QUEUE &&
        o->dedup_scope != EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP)
        return eddy__err(EDDY_EINVAL, "dedup_scope %d is not an EDDY_QUEUE_DEDUP_SCOPE_* value",
                         o->dedup_scope);
    if (o->throughput_limit != EDDY_QUEUE_THROUGHPUT_PER_QUEUE &&
        o->throughput_limit != EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID)
        return eddy__err(EDDY_EINVAL, "throughput_limit %d is not an EDDY_QUEUE_THROUGHPUT_* value",
                         o->throughput_limit);
    if (o->throughput_limit == EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID &&
        o->dedup_scope != EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP)
        return eddy__err(EDDY_EINVAL, "throughput_limit PER_MESSAGE_GROUP_ID needs dedup_scope "
                                      "MESSAGE_GROUP (SQS FifoThroughputLimit)");
    c->content_dedup = (uint8_t)o->content_based_dedup;
    c->dedup_scope = (uint8_t)o->dedup_scope;
    c->throughput = (uint8_t)o->throughput_limit;
    return 0;
}

int eddy__q_fifo_id_check(const char *what, const char *id, size_t *len)
{
    size_t n = id != NULL ? strnlen(id, EDDY__QFIFO_ID_MAX + 1) : 0;

    *len = n;
    if (n == 0 || n > EDDY__QFIFO_ID_MAX)
        return eddy__err(EDDY_EINVAL, "%s of %zu bytes (1..%d allowed)", what, n,
                         EDDY__QFIFO_ID_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 33 || (unsigned char)id[i] > 126)
            return eddy__err(EDDY_EINVAL,
                             "%s has a character outside ASCII 33..126 at byte %zu (SQS "
                             "alphanumeric and punctuation)",
                             what, i);
    return 0;
}

/* ---- group entries ---- */

static int grp_get(eddy_env *env, MDB_txn *txn, uint64_t qid, const uint8_t *gid, size_t glen,
                   eddy__qgroup *g, int *found)
{
    uint8_t k[EDDY__QKEY_FIFO_MAX];
    size_t klen = eddy__qkey_group(k, qid, gid, glen);
    eddy__ferr fe;
    MDB_val v;
    int rc = eddy__get(env, txn, EDDY__T_QAUX, k, klen, &v);

    *found = rc == 0;
    memset(g, 0, sizeof *g);
    if (rc == EDDY_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (eddy__qgroup_decode(v.mv_data, v.mv_size, g, &fe) != 0)
        return EDDY__CORRUPT("queue %llu group '%.*s': %s", (unsigned long long)qid, (int)glen,
                             (const char *)gid, fe.msg);
    return 0;
}

static int grp_put(eddy__wtx *w, uint64_t qid, const uint8_t *gid, size_t glen,
                   const eddy__qgroup *g)
{
    uint8_t k[EDDY__QKEY_FIFO_MAX], v[EDDY__QGROUP_MAX_LEN];
    size_t klen = eddy__qkey_group(k, qid, gid, glen);

    if (g->n_msgs == 0) {
        int rc = eddy__del(w, EDDY__T_QAUX, k, klen);
        return rc == EDDY_ENOTFOUND ? 0 : rc;
    }
    return eddy__put(w, EDDY__T_QAUX, k, klen, v, eddy__qgroup_encode(v, g), 0);
}

/* The group of a FIFO message meta (0 and *glen = 0 for a standard message). */
static int meta_group(uint64_t qid, uint64_t msg_id, const uint8_t *meta, size_t meta_len,
                      uint8_t gid[EDDY__QFIFO_ID_MAX], uint8_t *glen)
{
    eddy__qmeta m;
    eddy__ferr fe;

    *glen = 0;
    if (meta_len == 0 || meta[0] != EDDY__QMETA_VERSION_2)
        return 0;
    if (eddy__qmeta_decode(meta, meta_len, &m, &fe) != 0)
        return EDDY__CORRUPT("queue %llu message %llu: %s", (unsigned long long)qid,
                             (unsigned long long)msg_id, fe.msg);
    memcpy(gid, m.group, m.group_len);
    *glen = m.group_len;
    return 0;
}

/* The group of stored message msg_id (*glen 0: not a FIFO message). */
static int msg_group(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t msg_id,
                     uint8_t gid[EDDY__QFIFO_ID_MAX], uint8_t *glen)
{
    uint8_t k[EDDY__QKEY_MSG_LEN];
    eddy__rec rec;
    MDB_val v;
    int rc;

    eddy__qkey_msg(k, qid, msg_id);
    if ((rc = eddy__get(env, txn, EDDY__T_QMSG, k, sizeof k, &v)) != 0)
        return rc == EDDY_ENOTFOUND
                   ? EDDY__CORRUPT("queue %llu message %llu has no record", (unsigned long long)qid,
                                   (unsigned long long)msg_id)
                   : rc;
    if ((rc = eddy__payload_peek(EDDY__T_QMSG, k, sizeof k, &v, &rec)) != 0)
        return rc;
    return meta_group(qid, msg_id, rec.meta, rec.meta_len, gid, glen);
}

static void recv_add(eddy__qgroup *g, uint64_t id)
{
    unsigned i = g->n_recv;
    while (i > 0 && g->recv[i - 1] > id) {
        g->recv[i] = g->recv[i - 1];
        i--;
    }
    g->recv[i] = id;
    g->n_recv++;
}

static int recv_del(eddy__qgroup *g, uint64_t id)
{
    for (unsigned i = 0; i < g->n_recv; i++) {
        if (g->recv[i] != id)
            continue;
        memmove(&g->recv[i], &g->recv[i + 1], (g->n_recv - i - 1) * sizeof g->recv[0]);
        g->n_recv--;
        return 1;
    }
    return 0;
}

int eddy__q_fifo_added(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const uint8_t *meta,
                       size_t meta_len, eddy__qstate *s)
{
    uint8_t gid[EDDY__QFIFO_ID_MAX], glen = 0;
    eddy__qgroup g;
    int rc, found;

    if ((rc = meta_group(qid, msg_id, meta, meta_len, gid, &glen)) != 0 || glen == 0)
        return rc;
    if ((rc = grp_get(w->env, w->txn, qid, gid, glen, &g, &found)) != 0)
        return rc;
    /* Never-received messages of a group must be due in id order (the receive meets them in
     * deadline order): a queue delay lowered since, or a clock that went back, could give this
     * one an earlier deadline than its predecessor's. */
    if (s->kind == EDDY__QSTATE_WAITING && s->deadline_ms < g.last_deadline_ms)
        s->deadline_ms = g.last_deadline_ms;
    if (s->kind == EDDY__QSTATE_WAITING)
        g.last_deadline_ms = s->deadline_ms;
    if (s->kind == EDDY__QSTATE_INFLIGHT) {
        if (g.n_recv >= EDDY__QGROUP_RECV_MAX)
            return eddy__err(EDDY_ELIMIT, "group '%.*s' already has %d messages in flight",
                             (int)glen, (const char *)gid, EDDY__QGROUP_RECV_MAX);
        recv_add(&g, msg_id);
    }
    g.n_msgs++;
    return grp_put(w, qid, gid, glen, &g);
}

int eddy__q_fifo_removed(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const uint8_t *gid,
                         size_t glen)
{
    eddy__qgroup g;
    int rc, found;

    if (glen == 0)
        return 0;
    if ((rc = grp_get(w->env, w->txn, qid, gid, glen, &g, &found)) != 0)
        return rc;
    if (!found || g.n_msgs == 0)
        return EDDY__CORRUPT("queue %llu message %llu: its group '%.*s' has no entry",
                             (unsigned long long)qid, (unsigned long long)msg_id, (int)glen,
                             (const char *)gid);
    (void)recv_del(&g, msg_id);
    g.n_msgs--;
    return grp_put(w, qid, gid, glen, &g);
}

int eddy__q_fifo_meta_group(uint64_t qid, uint64_t msg_id, const uint8_t *meta, size_t meta_len,
                            uint8_t gid[EDDY__QFIFO_ID_MAX], uint8_t *glen)
{
    return meta_group(qid, msg_id, meta, meta_len, gid, glen);
}

/* ---- the receive policy's FIFO part ---- */

enum { FW_OPEN = 1, FW_RETAKE, FW_LOCKED, FW_DONE };

typedef struct fw_group {
    uint64_t h; /* XXH64 of the id; 0 = empty slot */
    uint8_t glen;
    uint8_t gid[EDDY__QFIFO_ID_MAX];
    int status;
} fw_group;

/* The groups one receive has looked at: an open-addressing table. */
struct eddy__fifo_walk {
    fw_group *slots;
    size_t cap, n;
};

void eddy__q_fifo_walk_free(eddy_env *env, eddy__fifo_walk *fw)
{
    if (fw == NULL)
        return;
    eddy__free(env, fw->slots);
    eddy__free(env, fw);
}

/* FNV-1a: ids are short, and the table only needs a spread, not a strong hash. */
static uint64_t gid_hash(const uint8_t *gid, size_t glen)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < glen; i++)
        h = (h ^ gid[i]) * 0x100000001b3ull;
    return h != 0 ? h : 1;
}

static fw_group *fw_find(fw_group *slots, size_t cap, uint64_t h, const uint8_t *gid, size_t glen)
{
    size_t i = (size_t)h & (cap - 1);
    for (;; i = (i + 1) & (cap - 1)) {
        fw_group *s = &slots[i];
        if (s->h == 0 || (s->h == h && s->glen == glen && memcmp(s->gid, gid, glen) == 0))
            return s;
    }
}

/* The walk's entry for a group, or a new one with status 0. */
static int fw_get(eddy_env *env, eddy__fifo_walk **fwp, const uint8_t *gid, size_t glen,
                  fw_group **out)
{
    eddy__fifo_walk *fw = *fwp;
    uint64_t h = gid_hash(gid, glen);
    fw_group *s;

    if (fw == NULL) {
        if ((fw = *fwp = eddy__calloc(env, 1, sizeof *fw)) == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory receiving");
    }
    if (2 * (fw->n + 1) > fw->cap) {
        size_t cap = fw->cap == 0 ? 64 : 2 * fw->cap;
        fw_group *ns = eddy__calloc(env, cap, sizeof *ns);
        if (ns == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory receiving");
        for (size_t i = 0; i < fw->cap; i++)
            if (fw->slots[i].h != 0)
                *fw_find(ns, cap, fw->slots[i].h, fw->slots[i].gid, fw->slots[i].glen) =
                    fw->slots[i];
        eddy__free(env, fw->slots);
        fw->slots = ns;
        fw->cap = cap;
    }
    s = fw_find(fw->slots, fw->cap, h, gid, glen);
    if (s->h == 0) {
        s->h = h;
        s->glen = (uint8_t)glen;
        memcpy(s->gid, gid, glen);
        s->status = 0;
        fw->n++;
    }
    *out = s;
    return 0;
}

/* A group's status when a receive first meets it: LOCKED while a received message of it is
 * still invisible, RETAKE when its received messages are all visible again, else OPEN. */
static int group_status(eddy__wtx *w, uint64_t qid, const eddy__qgroup *g, int *status)
{
    eddy__qstate s;
    int rc;

    for (unsigned i = 0; i < g->n_recv; i++) {
        if ((rc = eddy__q_state_get(w->env, w->txn, qid, g->recv[i], &s)) != 0)
            return rc == EDDY_ENOTFOUND
                       ? EDDY__CORRUPT("queue %llu message %llu is in its group's received list "
                                       "but not stored",
                                       (unsigned long long)qid, (unsigned long long)g->recv[i])
                       : rc;
        if (s.deadline_ms > w->now_ms) {
            *status = FW_LOCKED;
            return 0;
        }
    }
    *status = g->n_recv > 0 ? FW_RETAKE : FW_OPEN;
    return 0;
}

/* Deliver the group's received messages again, oldest first (their visibility ran out). */
static int retake(eddy__wtx *w, eddy__q_taker *t, const eddy__qgroup *g, fw_group *fg)
{
    uint64_t ids[EDDY__QGROUP_RECV_MAX];
    unsigned n = g->n_recv;
    eddy__qstate s;
    int rc, left;

    memcpy(ids, g->recv, n * sizeof ids[0]); /* the takes below may change the entry */
    fg->status = FW_OPEN;
    for (unsigned i = 0; i < n; i++) {
        if (t->n >= t->max || t->full) {
            fg->status = FW_DONE;
            return 0;
        }
        rc = eddy__q_state_get(w->env, w->txn, t->q->id, ids[i], &s);
        if (rc == EDDY_ENOTFOUND)
            continue;
        if (rc != 0)
            return rc;
        left = 0;
        if ((rc = eddy__q_take_one(w, t, ids[i], &s, &left)) != 0)
            return rc;
        if (left) {
            fg->status = FW_DONE;
            return 0;
        }
    }
    return 0;
}

int eddy__q_fifo_take(eddy__wtx *w, eddy__q_taker *t, uint64_t msg_id, eddy__qstate *s, int *left)
{
    uint8_t gid[EDDY__QFIFO_ID_MAX], glen = 0;
    uint64_t qid = t->q->id;
    eddy__qgroup g;
    fw_group *fg = NULL;
    int rc, found;

    if (eddy__q_expired(t->q, s, w->now_ms))
        return eddy__q_msg_remove(w, qid, msg_id, s, t->c); /* retention ignores groups */
    if (s->kind == EDDY__QSTATE_INFLIGHT && s->deadline_ms > w->now_ms) {
        *left = 1; /* taken by this receive already (its group's retake) */
        return 0;
    }
    if ((rc = msg_group(w->env, w->txn, qid, msg_id, gid, &glen)) != 0)
        return rc;
    if (glen == 0)
        return EDDY__CORRUPT("FIFO queue '%s' message %llu has no group", t->q->name,
                             (unsigned long long)msg_id);
    if ((rc = fw_get(w->env, &t->fifo, gid, glen, &fg)) != 0)
        return rc;
    if (fg->status == 0 || fg->status == FW_RETAKE) {
        if ((rc = grp_get(w->env, w->txn, qid, gid, glen, &g, &found)) != 0)
            return rc;
        if (!found)
            return EDDY__CORRUPT("FIFO queue '%s' message %llu: group '%.*s' has no entry",
                                 t->q->name, (unsigned long long)msg_id, (int)glen,
                                 (const char *)gid);
        if (fg->status == 0 && (rc = group_status(w, qid, &g, &fg->status)) != 0)
            return rc;
        if (fg->status == FW_RETAKE) {
            if ((rc = retake(w, t, &g, fg)) != 0)
                return rc;
            /* This message may have been one of them: look again. */
            if ((rc = eddy__q_state_get(w->env, w->txn, qid, msg_id, s)) == EDDY_ENOTFOUND ||
                (rc == 0 && s->kind == EDDY__QSTATE_INFLIGHT)) {
                *left = rc == 0;
                return 0;
            }
            if (rc != 0)
                return rc;
        }
    }
    if (fg->status != FW_OPEN || s->kind != EDDY__QSTATE_WAITING) {
        *left = 1;
        return 0;
    }
    /* The group's next message, never received: take it (and claim its place in the
     * group's received list), unless the group has as many in flight as allowed. */
    if ((rc = grp_get(w->env, w->txn, qid, gid, glen, &g, &found)) != 0)
        return rc;
    if (g.n_recv >= EDDY__QGROUP_RECV_MAX || t->n >= t->max || t->full) {
        fg->status = FW_DONE;
        *left = 1;
        return 0;
    }
    if ((rc = eddy__q_take_one(w, t, msg_id, s, left)) != 0)
        return rc;
    if (*left) {
        fg->status = FW_DONE;
        return 0;
    }
    /* Taken (a dead-letter move or removal would have left the state WAITING-less). */
    if ((rc = eddy__q_state_get(w->env, w->txn, qid, msg_id, s)) == EDDY_ENOTFOUND)
        return 0;
    if (rc != 0 || s->kind != EDDY__QSTATE_INFLIGHT)
        return rc;
    if ((rc = grp_get(w->env, w->txn, qid, gid, glen, &g, &found)) != 0)
        return rc;
    recv_add(&g, msg_id);
    return grp_put(w, qid, gid, glen, &g);
}

/* ---- stat ---- */

int eddy__q_fifo_groups(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t now, uint64_t *groups,
                        uint64_t *blocked)
{
    uint8_t pfx[9];
    MDB_cursor *cur = NULL;
    eddy__qgroup g;
    eddy__qstate s;
    eddy__ferr fe;
    MDB_val k, v;
    int rc;

    *groups = *blocked = 0;
    eddy__qkey_fifo_prefix(pfx, qid, EDDY__QKEY_GROUP_TAG);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QAUX, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qgroup_decode(v.mv_data, v.mv_size, &g, &fe) != 0) {
            rc = EDDY__CORRUPT("queue %llu group entry: %s", (unsigned long long)qid, fe.msg);
            break;
        }
        (*groups)++;
        for (unsigned i = 0; i < g.n_recv; i++) {
            if ((rc = eddy__q_state_get(env, txn, qid, g.recv[i], &s)) != 0)
                break;
            if (s.deadline_ms > now) {
                (*blocked)++;
                break;
            }
        }
        if (rc != 0)
            break;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}
