/*
 * queue_scan.c: eddy_queue_scan, a read-only walk of a queue's messages in id order. Each round
 * copies a bounded batch of records and states out of one short read transaction, then
 * decompresses, checks and hands them to the callback outside it, so neither the writer nor
 * LMDB's free pages wait on the caller. Nothing is written: receive counts, receipts and
 * visibility stay as they are.
 */
#include <string.h>

#include "error.h"
#include "fifo_keys.h"
#include "queue_int.h"

#define SCAN_BATCH     256u
#define SCAN_BATCH_RAW (16u << 20)

typedef struct scan_item {
    uint64_t msg_id;
    eddy__qstate s;
    eddy__loaded l;
} scan_item;

typedef struct scan {
    eddy__q q;
    scan_item items[SCAN_BATCH];
    uint32_t n;
    uint64_t now;
} scan;

static void scan_release(eddy_env *env, scan *x)
{
    for (uint32_t i = 0; i < x->n; i++)
        eddy__loaded_release(env, &x->items[i].l);
    x->n = 0;
}

/* One record of the walk: copy it and its state out. */
static int scan_take(eddy_env *env, MDB_txn *txn, scan *x, const MDB_val *k, const MDB_val *v,
                     uint64_t msg_id)
{
    scan_item *it = &x->items[x->n];
    int rc = eddy__q_state_get(env, txn, x->q.id, msg_id, &it->s);

    if (rc == EDDY_ENOTFOUND)
        return EDDY__CORRUPT("queue '%s' message %llu has a record but no state", x->q.name,
                             (unsigned long long)msg_id);
    if (rc != 0 ||
        (rc = eddy__payload_load(env, txn, EDDY__T_QMSG, k->mv_data, k->mv_size, v, &it->l)) != 0)
        return rc;
    it->msg_id = msg_id;
    x->n++;
    return 0;
}

/* Copy out the next messages after `after` (at most max) in one read snapshot. */
static int scan_read(eddy_env *env, const char *name, size_t name_len, scan *x, uint64_t after,
                     uint64_t max)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], from[8];
    MDB_cursor *cur = NULL;
    MDB_txn *txn = NULL;
    uint64_t qid, msg_id, raw = 0;
    eddy__ferr fe;
    eddy__q q;
    MDB_val k, v;
    int rc, type;

    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    x->now = eddy__now_ms(env);
    if ((rc = eddy__q_get(env, txn, name, name_len, &q)) != 0)
        goto out;
    if (q.id != x->q.id) {
        rc = eddy__err(EDDY_ENOTFOUND, "queue '%s' was deleted during the scan", name);
        goto out;
    }
    eddy__qkey_prefix(pfx, q.id);
    eddy__be64_put(from, after + 1);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QMSG, &cur)) != 0)
        goto out;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, from, sizeof from, &k, &v);
         rc == 0 && x->n < max && x->n < SCAN_BATCH && raw < SCAN_BATCH_RAW;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_msg_decode(k.mv_data, k.mv_size, &qid, &msg_id, &type, &fe) != 0) {
            rc = EDDY__CORRUPT("queue '%s' messages: %s", name, fe.msg);
            break;
        }
        if (type == EDDY__QK_COUNTERS)
            break;
        if (type != EDDY__QK_RECORD)
            continue;
        if ((rc = scan_take(env, txn, x, &k, &v, msg_id)) != 0)
            break;
        raw += x->items[x->n - 1].l.rec.raw_len;
    }
    eddy__cur_close(cur);
    if (rc == EDDY_ENOTFOUND) /* the end of the queue's range */
        rc = 0;
out:
    eddy__rtxn_end(env, txn);
    return rc;
}

static int scan_state(const scan_item *it, uint64_t now)
{
    if (it->s.deadline_ms <= now)
        return EDDY_QUEUE_MSG_VISIBLE;
    return it->s.kind == EDDY__QSTATE_INFLIGHT ? EDDY_QUEUE_MSG_IN_FLIGHT : EDDY_QUEUE_MSG_DELAYED;
}

/* Hand one copied message to fn. */
static int scan_emit(eddy_env *env, const scan *x, const scan_item *it, eddy_queue_scan_fn fn,
                     void *ctx)
{
    eddy_queue_scan_message m;
    void *attrs_block = NULL, *body_block = NULL;
    eddy__qmeta meta;
    eddy__ferr fe;
    int rc;

    if (eddy__qmeta_decode(it->l.rec.meta, it->l.rec.meta_len, &meta, &fe) != 0)
        return EDDY__CORRUPT("queue '%s' message %llu: %s", x->q.name,
                             (unsigned long long)it->msg_id, fe.msg);
    memset(&m, 0, sizeof m);
    m.size = sizeof m;
    m.msg_id = it->msg_id;
    m.state = scan_state(it, x->now);
    m.receive_count = it->s.receive_count;
    m.sent_ms = meta.sent_ms;
    m.enqueued_ms = it->s.enq_ms;
    m.first_receive_ms = it->s.first_receive_ms;
    m.visible_ms = it->s.deadline_ms;
    m.body_xxh3 = meta.body_xxh3;
    m.origin_queue_id = meta.origin_qid;
    m.origin_msg_id = meta.origin_msg_id;
    m.attr_count = meta.attr_count;
    if (meta.group_len > 0)
        eddy__qseq_to_dec(x->q.id, it->msg_id, m.sequence_number);
    if ((rc = eddy__q_attrs_copy(env, &meta, &m.attrs, &attrs_block)) == 0)
        eddy__q_fifo_ids(&meta, attrs_block, &m.group_id, &m.dedup_id);
    if (rc == 0 &&
        (rc = eddy__q_body_copy(env, &x->q, it->msg_id, &it->l, meta.body_xxh3, &m.body,
                                &body_block)) == 0 &&
        fn(ctx, &m) != 0)
        rc = eddy__err(EDDY_EUSER, "the scan callback stopped the scan of queue '%s'", x->q.name);
    eddy__free(env, attrs_block);
    eddy__free(env, body_block);
    return rc;
}

EDDY_API int eddy_queue_scan(eddy_env *env, const char *name, uint64_t after_msg_id, uint64_t max_n,
                             eddy_queue_scan_fn fn, void *ctx, uint64_t *last_msg_id_out)
{
    uint64_t done = 0, after = after_msg_id;
    size_t name_len;
    scan *x;
    int rc;

    if (last_msg_id_out != NULL)
        *last_msg_id_out = after_msg_id;
    if ((rc = eddy__env_enter(env)) != 0 || (rc = eddy__q_name_check(name, &name_len)) != 0)
        return rc;
    if (fn == NULL)
        return eddy__err(EDDY_EINVAL, "fn is NULL");
    max_n = max_n == 0 ? UINT64_MAX : max_n;
    if ((x = eddy__calloc(env, 1, sizeof *x)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory scanning queue '%s'", name);
    if ((rc = eddy__q_get_read(env, name, name_len, &x->q)) != 0)
        goto out;
    while (rc == 0 && done < max_n && after < EDDY__QMSG_ID_MAX) {
        if ((rc = scan_read(env, name, name_len, x, after, max_n - done)) != 0 || x->n == 0)
            break;
        for (uint32_t i = 0; rc == 0 && i < x->n; i++) {
            rc = scan_emit(env, x, &x->items[i], fn, ctx);
            if (rc == 0 || rc == EDDY_EUSER) {
                after = x->items[i].msg_id;
                done++;
            }
        }
        scan_release(env, x);
    }
    scan_release(env, x);
    if (last_msg_id_out != NULL)
        *last_msg_id_out = after;
out:
    eddy__free(env, x);
    return rc;
}
