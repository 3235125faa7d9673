/*
 * queue_verify.c: the queue tables' deep check, run by eddy_env_verify in its read snapshot.
 * For every queue it checks that each message has exactly one record and either nothing else
 * (a plain message, at or above plain_lo) or one state, one visibility entry (at the state's
 * deadline, with the state's kind) and, when the state says so, one retention entry; that
 * messages without a retention entry are in enqueue-time order by id; that records pass their
 * checksums and bodies their XXH3; that counters equal what the tables hold; and that
 * no entry belongs to a queue the catalog does not know. Every problem is reported with its exact
 * key; the check continues after each one.
 */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "catalog.h"
#include "error.h"
#include "keys.h"
#include "fifo_keys.h"
#include "queue_int.h"
#include "verify.h"

typedef struct vq {
    uint64_t id;
    char name[EDDY__QNAME_MAX + 1];
    eddy__qcounters c;
    int c_ok;
    /* counted from the tables */
    uint64_t msgs, states, vis, expiry, inflight, bytes;
    uint64_t plain, indexed; /* messages without a state; states with a retention entry */
    uint64_t enq_max;        /* largest enqueue time met so far in id order */
    int fifo;                /* its configuration says FIFO */
} vq;

typedef struct vqs {
    eddy__vctx *v;
    vq *q;
    size_t n, cap;
} vqs;

static int vq_cmp(const void *a, const void *b)
{
    uint64_t x = ((const vq *)a)->id, y = ((const vq *)b)->id;
    return x < y ? -1 : x > y;
}

static vq *vq_find(vqs *s, uint64_t id)
{
    vq key;
    key.id = id;
    return bsearch(&key, s->q, s->n, sizeof *s->q, vq_cmp);
}

static int vq_add(void *ctx, const char *name, size_t name_len, const eddy__cat_entry *e)
{
    vqs *s = ctx;
    vq *q;

    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        void *p = eddy__realloc(s->v->env, s->q, cap * sizeof *s->q);
        if (p == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory verifying queues");
        s->q = p;
        s->cap = cap;
    }
    q = &s->q[s->n++];
    memset(q, 0, sizeof *q);
    q->id = e->id;
    memcpy(q->name, name, name_len < EDDY__QNAME_MAX ? name_len : EDDY__QNAME_MAX);
    eddy__qcfg cfg;
    eddy__ferr fe;
    q->fifo = eddy__qcfg_decode(e->cfg, e->cfg_len, &cfg, &fe) == 0 && cfg.fifo;
    return 0;
}

static int v_report_orphan(eddy__vctx *v, int table, const MDB_val *k, uint64_t qid)
{
    return eddy__vreport(v, table, k->mv_data, k->mv_size, "entry of unknown queue %llu",
                         (unsigned long long)qid);
}

/* Check one message's record: checksum, meta, body XXH3. */
static int v_record(eddy__vctx *v, const MDB_val *k, const MDB_val *val, const eddy__qstate *s,
                    uint64_t *raw_len)
{
    eddy__loaded l;
    eddy__qmeta m;
    eddy__ferr fe;
    uint8_t *body = NULL;
    size_t len = 0;
    int body_read = 0;
    int rc = eddy__payload_load(v->env, v->txn, EDDY__T_QMSG, k->mv_data, k->mv_size, val, &l);

    *raw_len = 0;
    if (eddy__vnot_data(rc))
        return rc;
    if (rc != 0)
        return eddy__vreport(v, EDDY__T_QMSG, k->mv_data, k->mv_size, "record: %s",
                             eddy_last_error());
    *raw_len = l.rec.raw_len;
    if (l.rec.kind != EDDY__KIND_QMSG || eddy__qmeta_decode(l.rec.meta, l.rec.meta_len, &m, &fe))
        rc = eddy__vreport(v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                           "record of kind %u or bad "
                           "meta",
                           l.rec.kind);
    else if (s != NULL && m.enq_ms != s->enq_ms)
        rc = eddy__vreport(v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                           "record enqueue time differs from its state's");
    else if (l.rec.codec == EDDY__CODEC_ZSTD_DICT)
        rc = eddy__payload_verify(v->env, v->txn, EDDY__T_QMSG, k->mv_data, k->mv_size, val);
    else if ((rc = eddy__payload_body(v->env, &l, &body, &len)) == 0)
        body_read = 1;
    if (rc != 0 && rc != EDDY_EUSER && !eddy__vnot_data(rc))
        rc = eddy__vreport(v, EDDY__T_QMSG, k->mv_data, k->mv_size, "payload: %s",
                           eddy_last_error());
    else if (body_read && XXH3_64bits(body, len) != m.body_xxh3)
        rc = eddy__vreport(v, EDDY__T_QMSG, k->mv_data, k->mv_size, "body XXH3 mismatch");
    eddy__free(v->env, body);
    eddy__loaded_release(v->env, &l);
    return rc;
}

typedef int (*v_entry_fn)(vqs *s, const MDB_val *k, const MDB_val *val);

static int v_walk(vqs *s, int table, v_entry_fn fn)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    int rc;

    if ((rc = eddy__cur_open(s->v->env, s->v->txn, table, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_get(cur, &k, &val, MDB_FIRST); rc == 0;
         rc = eddy__cur_get(cur, &k, &val, MDB_NEXT))
        if ((rc = fn(s, &k, &val)) != 0)
            break;
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* The state of (qid, msg_id) in *st; 1 when present and valid, 0 when not (reported). */
static int v_state(vqs *s, int table, const MDB_val *k, uint64_t qid, uint64_t id, eddy__qstate *st,
                   int *rc)
{
    *rc = eddy__q_state_get(s->v->env, s->v->txn, qid, id, st);
    if (*rc == 0)
        return 1;
    if (*rc == EDDY_ENOTFOUND || *rc == EDDY_ECORRUPT)
        *rc = eddy__vreport(s->v, table, k->mv_data, k->mv_size, "message %llu has no valid state",
                            (unsigned long long)id);
    return 0;
}

static int v_msg_record(vqs *s, vq *q, const MDB_val *k, const MDB_val *val, uint64_t id)
{
    uint8_t vk[EDDY__QKEY_VIS_LEN], ek[EDDY__QKEY_EXPIRY_LEN];
    uint64_t raw = 0;
    eddy__qstate st;
    MDB_val x;
    int rc = 0, have;

    q->msgs++;
    /* A plain message's state is implied by its record: when the state cannot be read, check the
     * record first, so that a damaged record is reported as the cause (its checksum) before its
     * consequence (no valid state), which is then not reported again. */
    if (eddy__q_state_get(s->v->env, s->v->txn, q->id, id, &st) != 0) {
        uint64_t before = s->v->problems;
        rc = v_record(s->v, k, val, NULL, &raw);
        q->bytes += raw;
        if (rc != 0 || s->v->problems > before)
            return rc;
    }
    have = v_state(s, EDDY__T_QMSG, k, q->id, id, &st, &rc);
    if (rc != 0)
        return rc;
    if (have && q->c_ok && id >= q->c.next_msg_id)
        rc = eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                           "message id %llu not below the counter's next id %llu",
                           (unsigned long long)id, (unsigned long long)q->c.next_msg_id);
    if (rc == 0 && have && !st.stored) {
        q->plain++;
        if (q->c_ok && id < q->c.plain_lo)
            rc = eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                               "plain message %llu below the counter's plain_lo %llu",
                               (unsigned long long)id, (unsigned long long)q->c.plain_lo);
    } else if (rc == 0 && have) {
        q->inflight += st.kind == EDDY__QSTATE_INFLIGHT;
        q->indexed += st.indexed;
        eddy__qkey_vis(vk, q->id, st.deadline_ms, id);
        eddy__qkey_expiry(ek, q->id, st.enq_ms, id);
        if (eddy__get(s->v->env, s->v->txn, EDDY__T_QVIS, vk, sizeof vk, &x) != 0 ||
            x.mv_size != 1 || *(const uint8_t *)x.mv_data != st.kind)
            rc = eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                               "no visibility entry at the state's deadline and kind");
        else if (st.indexed &&
                 eddy__get(s->v->env, s->v->txn, EDDY__T_QVIS, ek, sizeof ek, &x) != 0)
            rc = eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                               "no retention entry at the state's enqueue time");
    }
    /* Retention goes by id order for messages without a retention entry. */
    if (rc == 0 && have && !st.indexed && st.enq_ms < q->enq_max)
        rc = eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                           "enqueue time %llu below an earlier message's %llu, and no retention "
                           "entry",
                           (unsigned long long)st.enq_ms, (unsigned long long)q->enq_max);
    if (rc == 0 && have && q->c_ok && st.enq_ms > q->c.enq_floor)
        rc = eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                           "enqueue time %llu above the counter's enq_floor %llu",
                           (unsigned long long)st.enq_ms, (unsigned long long)q->c.enq_floor);
    if (have && st.enq_ms > q->enq_max)
        q->enq_max = st.enq_ms;
    if (rc == 0)
        rc = v_record(s->v, k, val, have ? &st : NULL, &raw);
    q->bytes += raw;
    return rc;
}

static int v_msg(vqs *s, const MDB_val *k, const MDB_val *val)
{
    uint8_t rk[EDDY__QKEY_MSG_LEN];
    uint64_t qid, id;
    eddy__qstate st;
    eddy__ferr fe;
    MDB_val x;
    int type;
    vq *q;

    if (eddy__qkey_msg_decode(k->mv_data, k->mv_size, &qid, &id, &type, &fe) != 0)
        return eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size, "%s", fe.msg);
    if ((q = vq_find(s, qid)) == NULL)
        return v_report_orphan(s->v, EDDY__T_QMSG, k, qid);
    if (type == EDDY__QK_COUNTERS)
        return 0; /* checked by v_counters */
    if (type == EDDY__QK_RECORD)
        return v_msg_record(s, q, k, val, id);
    q->states++;
    if (eddy__qstate_decode(val->mv_data, val->mv_size, &st, &fe) != 0)
        return eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size, "%s", fe.msg);
    eddy__qkey_msg(rk, qid, id);
    if (eddy__get(s->v->env, s->v->txn, EDDY__T_QMSG, rk, sizeof rk, &x) != 0)
        return eddy__vreport(s->v, EDDY__T_QMSG, k->mv_data, k->mv_size,
                             "state of message %llu without a record", (unsigned long long)id);
    return 0;
}

static int v_vis(vqs *s, const MDB_val *k, const MDB_val *val)
{
    uint64_t qid, when, id;
    eddy__qstate st;
    eddy__ferr fe;
    uint8_t kind = 0;
    int rc = 0, type;
    vq *q;

    if (eddy__qkey_vis_decode(k->mv_data, k->mv_size, &qid, &when, &id, &type, &fe) != 0 ||
        (type == EDDY__QK_VIS && eddy__qvis_val_decode(val->mv_data, val->mv_size, &kind, &fe)))
        return eddy__vreport(s->v, EDDY__T_QVIS, k->mv_data, k->mv_size, "%s", fe.msg);
    if ((q = vq_find(s, qid)) == NULL)
        return v_report_orphan(s->v, EDDY__T_QVIS, k, qid);
    if (type == EDDY__QK_VIS)
        q->vis++;
    else
        q->expiry++;
    if (type == EDDY__QK_EXPIRY && val->mv_size != 0)
        return eddy__vreport(s->v, EDDY__T_QVIS, k->mv_data, k->mv_size,
                             "retention entry with a value");
    if (!v_state(s, EDDY__T_QVIS, k, qid, id, &st, &rc))
        return rc;
    if (!st.stored || (type == EDDY__QK_EXPIRY && !st.indexed))
        return eddy__vreport(s->v, EDDY__T_QVIS, k->mv_data, k->mv_size,
                             "entry for message %llu whose state has none", (unsigned long long)id);
    if (type == EDDY__QK_VIS && (st.deadline_ms != when || st.kind != kind))
        return eddy__vreport(s->v, EDDY__T_QVIS, k->mv_data, k->mv_size,
                             "entry disagrees with the state of message %llu",
                             (unsigned long long)id);
    if (type == EDDY__QK_EXPIRY && st.enq_ms != when)
        return eddy__vreport(s->v, EDDY__T_QVIS, k->mv_data, k->mv_size,
                             "retention entry disagrees with the state's enqueue time");
    return 0;
}

/* A FIFO entry (group, deduplication, receive attempt): its value decodes and its queue exists
 * and is FIFO; a group's received messages are stored and in flight. */
static int v_fifo(vqs *s, const MDB_val *k, const MDB_val *val, uint64_t qid, uint8_t tag)
{
    eddy__qattempt at;
    eddy__qdedup d;
    eddy__qgroup g;
    eddy__qstate st;
    eddy__ferr fe;
    int bad = 0, rc;

    if (tag == EDDY__QKEY_GROUP_TAG)
        bad = eddy__qgroup_decode(val->mv_data, val->mv_size, &g, &fe) != 0;
    else if (tag == EDDY__QKEY_DEDUP_TAG)
        bad = eddy__qdedup_decode(val->mv_data, val->mv_size, &d, &fe) != 0;
    else
        bad = eddy__qattempt_decode(val->mv_data, val->mv_size, &at, &fe) != 0;
    if (bad)
        return eddy__vreport(s->v, EDDY__T_QAUX, k->mv_data, k->mv_size, "%s", fe.msg);
    if (vq_find(s, qid) == NULL)
        return v_report_orphan(s->v, EDDY__T_QAUX, k, qid);
    if (!vq_find(s, qid)->fifo)
        return eddy__vreport(s->v, EDDY__T_QAUX, k->mv_data, k->mv_size,
                             "FIFO entry of standard queue %llu", (unsigned long long)qid);
    for (unsigned i = 0; tag == EDDY__QKEY_GROUP_TAG && i < g.n_recv; i++) {
        rc = eddy__q_state_get(s->v->env, s->v->txn, qid, g.recv[i], &st);
        if (rc == EDDY_ENOTFOUND || (rc == 0 && st.kind != EDDY__QSTATE_INFLIGHT))
            return eddy__vreport(s->v, EDDY__T_QAUX, k->mv_data, k->mv_size,
                                 "group lists message %llu as received, but it is %s",
                                 (unsigned long long)g.recv[i], rc == 0 ? "waiting" : "not stored");
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int v_aux(vqs *s, const MDB_val *k, const MDB_val *val)
{
    uint64_t qid, task_id;
    const uint8_t *id;
    size_t id_len;
    eddy__qtask t;
    eddy__ferr fe;
    uint8_t tag;
    int rc = eddy__qkey_fifo_decode(k->mv_data, k->mv_size, &qid, &tag, &id, &id_len, &fe);

    if (rc == 0)
        return v_fifo(s, k, val, qid, tag);
    if (rc != EDDY_ENOTFOUND)
        return eddy__vreport(s->v, EDDY__T_QAUX, k->mv_data, k->mv_size, "%s", fe.msg);
    if (eddy__qkey_task_decode(k->mv_data, k->mv_size, &qid, &task_id, &fe) != 0 ||
        eddy__qtask_decode(val->mv_data, val->mv_size, &t, &fe) != 0)
        return eddy__vreport(s->v, EDDY__T_QAUX, k->mv_data, k->mv_size, "%s", fe.msg);
    if (vq_find(s, qid) == NULL)
        return v_report_orphan(s->v, EDDY__T_QAUX, k, qid);
    if (vq_find(s, qid)->c_ok && task_id >= vq_find(s, qid)->c.next_task_id)
        return eddy__vreport(s->v, EDDY__T_QAUX, k->mv_data, k->mv_size,
                             "task id %llu not below the counter's next task id",
                             (unsigned long long)task_id);
    return 0;
}

static int v_counters(vqs *s, vq *q)
{
    uint8_t k[EDDY__QKEY_COUNTERS_LEN];
    int rc = eddy__q_counters_get(s->v->env, s->v->txn, q->id, &q->c);

    eddy__qkey_counters(k, q->id);
    if (rc == EDDY_ECORRUPT)
        return eddy__vreport(s->v, EDDY__T_QMSG, k, sizeof k, "queue '%s': %s", q->name,
                             eddy_last_error());
    q->c_ok = rc == 0;
    return rc;
}

static int v_compare(vqs *s, const vq *q)
{
    uint8_t k[EDDY__QKEY_COUNTERS_LEN];

    eddy__qkey_counters(k, q->id);
    if (q->states + q->plain != q->msgs || q->vis != q->states || q->expiry != q->indexed)
        return eddy__vreport(s->v, EDDY__T_QMSG, k, sizeof k,
                             "queue '%s' has %llu records (%llu plain), %llu states (%llu "
                             "with retention entries), %llu visibility and %llu retention "
                             "entries",
                             q->name, (unsigned long long)q->msgs, (unsigned long long)q->plain,
                             (unsigned long long)q->states, (unsigned long long)q->indexed,
                             (unsigned long long)q->vis, (unsigned long long)q->expiry);
    if (!q->c_ok)
        return 0;
    if (q->c.n_plain != q->plain)
        return eddy__vreport(s->v, EDDY__T_QMSG, k, sizeof k,
                             "queue '%s' counters say %llu plain messages; the tables hold %llu",
                             q->name, (unsigned long long)q->c.n_plain,
                             (unsigned long long)q->plain);
    if (q->c.n_msgs != q->msgs || q->c.n_inflight != q->inflight || q->c.bytes != q->bytes)
        return eddy__vreport(s->v, EDDY__T_QMSG, k, sizeof k,
                             "queue '%s' counters say %llu messages, %llu in flight, %llu bytes; "
                             "the tables hold %llu, %llu, %llu",
                             q->name, (unsigned long long)q->c.n_msgs,
                             (unsigned long long)q->c.n_inflight, (unsigned long long)q->c.bytes,
                             (unsigned long long)q->msgs, (unsigned long long)q->inflight,
                             (unsigned long long)q->bytes);
    return 0;
}

int eddy__queue_verify(eddy__vctx *v)
{
    vqs s;
    int rc;

    memset(&s, 0, sizeof s);
    s.v = v;
    if ((rc = eddy__cat_list(v->env, v->txn, EDDY__OBJ_QUEUE, vq_add, &s)) != 0)
        goto out;
    if (s.n > 0)
        qsort(s.q, s.n, sizeof *s.q, vq_cmp);
    for (size_t i = 0; rc == 0 && i < s.n; i++)
        rc = v_counters(&s, &s.q[i]);
    if (rc == 0)
        rc = v_walk(&s, EDDY__T_QMSG, v_msg);
    if (rc == 0)
        rc = v_walk(&s, EDDY__T_QVIS, v_vis);
    if (rc == 0)
        rc = v_walk(&s, EDDY__T_QAUX, v_aux);
    for (size_t i = 0; rc == 0 && i < s.n; i++)
        rc = v_compare(&s, &s.q[i]);
out:
    eddy__free(v->env, s.q);
    return rc;
}
