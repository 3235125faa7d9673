/*
 * queue_receive.c: eddy_queue_receive (with long polling) and the batch it hands out. A receive
 * seeks the queue's visibility index at (qid, 0) for entries whose deadline has passed and the
 * queue's messages at plain_lo for plain ones (never received: no index entry), and takes both
 * in (deadline, id) order, so it costs O(log n + batch) however many messages are in flight
 * (those are below plain_lo or in the index after the due entries). Record bytes are copied out
 * inside the write op; decompression and the body checksum run after the commit in the caller's
 * thread. A receive never holds a transaction while it waits.
 */
#include <string.h>
#include <time.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "abi.h"
#include "error.h"
#include "fifo_keys.h"
#include "queue_int.h"

typedef struct qrecv {
    const char *name;
    size_t name_len;
    uint64_t qid;
    eddy__q_taker t;     /* the policy's state; t.items[0..t.n) hold loaded records */
    const char *attempt; /* FIFO ReceiveRequestAttemptId, or NULL */
} qrecv;

struct eddy_queue_batch {
    eddy_env *env;
    size_t n;
    eddy_queue_message *msgs;
    void **blocks; /* 2 per message: body and attribute block */
};

/* A message a receive may take: from the visibility index, or a plain one from QMSG. */
typedef struct rx_cand {
    uint64_t msg_id;
    uint64_t deadline;
    int plain;
} rx_cand;

/* Collect up to cap visible entries (deadline <= now) of the queue's visibility index. */
static int rx_candidates(eddy__wtx *w, uint64_t qid, rx_cand *cs, uint32_t cap, uint32_t *n)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN];
    MDB_cursor *cur = NULL;
    uint64_t kq, deadline, id;
    eddy__ferr fe;
    MDB_val k, v;
    int rc, type;

    *n = 0;
    eddy__qkey_prefix(pfx, qid);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QVIS, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v); rc == 0 && *n < cap;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_vis_decode(k.mv_data, k.mv_size, &kq, &deadline, &id, &type, &fe)) {
            rc = EDDY__CORRUPT("queue %llu visibility index: %s", (unsigned long long)qid, fe.msg);
            break;
        }
        if (type != EDDY__QK_VIS || deadline > w->now_ms)
            break;
        cs[*n].msg_id = id;
        cs[*n].deadline = deadline;
        cs[*n].plain = 0;
        (*n)++;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/*
 * Collect up to cap visible plain messages in id order from plain_lo (their deadlines, the
 * enqueue times, grow with the id). Messages with a state found on the way are skipped (the
 * index has them), at most RX_SKIP_MAX of them (or cap, when larger: FIFO rounds). *next: where the
 * scan stopped; no plain message lies between plain_lo and it except those collected.
 */
#define RX_SKIP_MAX 1024u
static int rx_plain(eddy__wtx *w, uint64_t qid, const eddy__qcounters *c, rx_cand *cs, uint32_t cap,
                    uint32_t *n, uint64_t *next)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], from[8], sk[EDDY__QKEY_STATE_LEN];
    MDB_cursor *cur = NULL;
    uint64_t kq, id;
    uint32_t skipped = 0;
    eddy__qstate s;
    eddy__ferr fe;
    MDB_val k, v, sv;
    int rc, type;

    *n = 0;
    *next = c->plain_lo;
    if (c->n_plain == 0) {
        *next = c->next_msg_id;
        return 0;
    }
    eddy__qkey_prefix(pfx, qid);
    eddy__be64_put(from, c->plain_lo);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QMSG, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, from, sizeof from, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_msg_decode(k.mv_data, k.mv_size, &kq, &id, &type, &fe) != 0) {
            rc = EDDY__CORRUPT("queue %llu messages: %s", (unsigned long long)qid, fe.msg);
            break;
        }
        if (type == EDDY__QK_COUNTERS) {
            rc = EDDY_ENOTFOUND;
            break;
        }
        if (type != EDDY__QK_RECORD)
            continue;
        *next = id;
        if (*n >= cap)
            break;
        eddy__qkey_state(sk, qid, id);
        rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, sk, sizeof sk, &sv);
        if (rc == 0) { /* it has a state: the index has it */
            *next = id + 1;
            if (++skipped >= (cap > RX_SKIP_MAX ? cap : RX_SKIP_MAX))
                break;
            continue;
        }
        if (rc != EDDY_ENOTFOUND || (rc = eddy__q_implied_state(qid, id, &v, &s)) != 0)
            break;
        if (s.deadline_ms > w->now_ms)
            break;
        cs[*n].msg_id = id;
        cs[*n].deadline = s.deadline_ms;
        cs[*n].plain = 1;
        (*n)++;
        *next = id + 1;
    }
    eddy__cur_close(cur);
    if (rc == EDDY_ENOTFOUND) {
        *next = c->next_msg_id;
        rc = 0;
    }
    return rc;
}

/* Merge a[0..na) and b[0..nb) (each in (deadline, id) order) into out, at most cap. */
static uint32_t rx_merge(const rx_cand *a, uint32_t na, const rx_cand *b, uint32_t nb, rx_cand *out,
                         uint32_t cap, uint32_t *nb_used)
{
    uint32_t i = 0, j = 0, n = 0;

    while (n < cap && (i < na || j < nb)) {
        int take_a =
            j >= nb || (i < na && (a[i].deadline < b[j].deadline ||
                                   (a[i].deadline == b[j].deadline && a[i].msg_id < b[j].msg_id)));
        out[n++] = take_a ? a[i++] : b[j++];
    }
    *nb_used = j;
    return n;
}

int eddy__q_due_walk(eddy__wtx *w, uint64_t qid, eddy__qcounters *c, uint32_t cap,
                     eddy__q_due_fn fn, void *ctx, uint32_t *seen)
{
    uint32_t n = 0, na = 0, nb = 0, nb_used = 0;
    rx_cand *cs = NULL;
    uint64_t next = 0;
    int rc, left = 0, unresolved = 0;

    if ((cs = eddy__malloc(w->env, 3 * (size_t)cap * sizeof *cs)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory receiving");
    /* Due entries of the index and plain messages, merged in (deadline, id) order. */
    rc = rx_candidates(w, qid, cs, cap, &na);
    if (rc == 0)
        rc = rx_plain(w, qid, c, cs + cap, cap, &nb, &next);
    if (rc == 0)
        n = rx_merge(cs, na, cs + cap, nb, cs + 2 * (size_t)cap, cap, &nb_used);
    *seen = n;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        rx_cand *x = &cs[2 * (size_t)cap + i];
        left = 0;
        if ((rc = fn(w, ctx, x->msg_id, &left)) != 0 || left) {
            /* Plain messages from here on stay plain: plain_lo must not pass them. */
            if (x->plain && !unresolved) {
                next = x->msg_id;
                unresolved = 1;
            }
        }
    }
    if (!unresolved && nb_used < nb)
        next = cs[cap + nb_used].msg_id;
    /* Every plain message below `next` was taken or removed. */
    if (rc == 0 && next > c->plain_lo)
        c->plain_lo = next;
    eddy__free(w->env, cs);
    return rc;
}

static int rx_apply(eddy__wtx *w, void *arg)
{
    qrecv *a = arg;
    eddy__qcounters c;
    eddy__q q;
    int rc, replayed = 0;

    eddy__q_taken_release(w->env, &a->t);
    a->t.q = &q;
    a->t.c = &c;
    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    if (a->attempt != NULL && (rc = eddy__q_attempt_replay(w, &a->t, a->attempt, &replayed)) != 0)
        return rc;
    if (!replayed && (rc = eddy__q_take_due(w, &a->t)) == 0 && a->attempt != NULL)
        rc = eddy__q_attempt_record(w, &a->t, a->attempt);
    if (rc == 0)
        rc = eddy__q_counters_put(w, q.id, &c);
    a->t.q = NULL;
    a->t.c = NULL;
    return rc;
}

/* queue_int.h: is anything visible (or expired) in the queue now? A read-only check, so that
 * an empty poll costs no write transaction. */
int eddy__q_peek(eddy_env *env, uint64_t qid, uint64_t retention_ms, uint64_t now, int *any)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN + 1];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    const uint8_t *kp;
    eddy__qcounters c;
    eddy__qstate s;
    uint64_t kq, id;
    eddy__ferr fe;
    MDB_val k, v;
    int rc, type;

    *any = 0;
    eddy__qkey_expiry_prefix(pfx, qid);
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QVIS, &cur)) != 0)
        goto out;
    /* The queue's first visibility entry is the one due soonest. */
    rc = eddy__cur_seek_prefix(cur, pfx, EDDY__QKEY_PREFIX_LEN, NULL, 0, &k, &v);
    kp = rc == 0 ? k.mv_data : NULL;
    if (kp != NULL && k.mv_size == EDDY__QKEY_VIS_LEN && kp[8] == 0)
        *any = eddy__be64_get(kp + 8) <= now;
    /* Its first retention entry is the oldest message: expired ones need removing. */
    if (!*any && (rc == 0 || rc == EDDY_ENOTFOUND))
        rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v);
    if (!*any && rc == 0 && k.mv_size == EDDY__QKEY_EXPIRY_LEN && retention_ms != 0)
        *any = eddy__retention_expired(eddy__be64_get((const uint8_t *)k.mv_data + 9), retention_ms,
                                       now);
    eddy__cur_close(cur);
    cur = NULL;
    if (*any || (rc != 0 && rc != EDDY_ENOTFOUND))
        goto out;
    /* Plain messages (not in the index) are visible; the first message by id is the oldest of
     * those without a retention entry. */
    if ((rc = eddy__q_counters_get(env, txn, qid, &c)) != 0)
        goto out;
    *any = c.n_plain > 0;
    if (*any || retention_ms == 0 || (rc = eddy__cur_open(env, txn, EDDY__T_QMSG, &cur)) != 0)
        goto out;
    rc = eddy__cur_seek_prefix(cur, pfx, EDDY__QKEY_PREFIX_LEN, NULL, 0, &k, &v);
    if (rc == 0 && eddy__qkey_msg_decode(k.mv_data, k.mv_size, &kq, &id, &type, &fe) == 0 &&
        type == EDDY__QK_RECORD && (rc = eddy__q_implied_state(qid, id, &v, &s)) == 0)
        *any = eddy__retention_expired(s.enq_ms, retention_ms, now);
    eddy__cur_close(cur);
out:
    eddy__rtxn_end(env, txn);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

int eddy__q_attrs_copy(eddy_env *env, const eddy__qmeta *meta, const eddy_queue_attr **attrs_out,
                       void **block)
{
    eddy__qattr qa;
    eddy__rd rd;
    eddy_queue_attr *attrs;
    char *p;

    /* The FIFO ids go after the attributes' strings (eddy__q_fifo_ids). */
    *block = eddy__malloc(env, meta->attr_count * sizeof *attrs + 2 * meta->attrs_len + 1 +
                                   meta->group_len + 1 + meta->dedup_len + 1);
    if (*block == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for message attributes");
    attrs = *block;
    p = (char *)(attrs + meta->attr_count);
    rd = eddy__rd_init(meta->attrs, meta->attrs_len);
    for (unsigned i = 0; i < meta->attr_count && eddy__qattr_next(&rd, &qa); i++) {
        attrs[i].name = memcpy(p, qa.name, qa.name_len);
        p[qa.name_len] = '\0';
        p += qa.name_len + 1;
        attrs[i].type = memcpy(p, qa.type, qa.type_len);
        p[qa.type_len] = '\0';
        p += qa.type_len + 1;
        attrs[i].value.data = memcpy(p, qa.value, qa.value_len);
        attrs[i].value.len = qa.value_len;
        p += qa.value_len;
    }
    *attrs_out = meta->attr_count > 0 ? attrs : NULL;
    return 0;
}

void eddy__q_fifo_ids(const eddy__qmeta *meta, void *block, const char **group, const char **dedup)
{
    char *p = (char *)block + meta->attr_count * sizeof(eddy_queue_attr) + 2 * meta->attrs_len + 1;

    *group = *dedup = NULL;
    if (meta->group_len == 0)
        return;
    *group = memcpy(p, meta->group, meta->group_len);
    p[meta->group_len] = '\0';
    p += meta->group_len + 1;
    *dedup = memcpy(p, meta->dedup, meta->dedup_len);
    p[meta->dedup_len] = '\0';
}

int eddy__q_body_copy(eddy_env *env, const eddy__q *q, uint64_t msg_id, const eddy__loaded *l,
                      uint64_t xxh3, eddy_slice *out, void **block)
{
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = eddy__payload_body(env, l, &body, &len);

    if (rc != 0)
        return rc;
    *block = body;
    out->data = body;
    out->len = len;
    if (XXH3_64bits(body, len) != xxh3)
        return EDDY__CORRUPT("queue '%s' message %llu: body checksum mismatch", q->name,
                             (unsigned long long)msg_id);
    return 0;
}

/* Lay out one received message: its attributes and their NUL-ended strings in one block. */
static int msg_fill(eddy_env *env, const eddy__q *q, const eddy__q_taken *it, eddy_queue_message *m,
                    void **block)
{
    eddy__qmeta meta;
    eddy__ferr fe;
    eddy__receipt r = {q->id, it->msg_id, it->s.receive_count, it->s.nonce};
    int rc;

    if (eddy__qmeta_decode(it->l.rec.meta, it->l.rec.meta_len, &meta, &fe) != 0)
        return EDDY__CORRUPT("queue '%s' message %llu: %s", q->name, (unsigned long long)it->msg_id,
                             fe.msg);
    m->size = sizeof *m;
    m->msg_id = it->msg_id;
    m->receive_count = it->s.receive_count;
    m->sent_ms = meta.sent_ms;
    m->first_receive_ms = it->s.first_receive_ms;
    m->body_xxh3 = meta.body_xxh3;
    m->origin_queue_id = meta.origin_qid;
    m->origin_msg_id = meta.origin_msg_id;
    eddy__receipt_encode(m->receipt, &r);
    m->attr_count = meta.attr_count;
    if (meta.group_len > 0)
        eddy__qseq_to_dec(q->id, it->msg_id, m->sequence_number);
    if ((rc = eddy__q_attrs_copy(env, &meta, &m->attrs, block)) != 0)
        return rc;
    eddy__q_fifo_ids(&meta, *block, &m->group_id, &m->dedup_id);
    return 0;
}

static int msg_body(eddy_env *env, const eddy__q *q, const eddy__q_taken *it, eddy_queue_message *m,
                    void **block)
{
    return eddy__q_body_copy(env, q, it->msg_id, &it->l, m->body_xxh3, &m->body, block);
}

static int batch_build(eddy_env *env, const eddy__q *q, qrecv *a, eddy_queue_batch **out)
{
    eddy_queue_batch *b = eddy__calloc(env, 1, sizeof *b);
    int rc = 0;

    if (b == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a batch");
    b->env = env;
    if (a->t.n > 0) {
        b->msgs = eddy__calloc(env, a->t.n, sizeof *b->msgs);
        b->blocks = eddy__calloc(env, 2 * (size_t)a->t.n, sizeof *b->blocks);
        if (b->msgs == NULL || b->blocks == NULL)
            rc = eddy__err(EDDY_ENOMEM, "out of memory for a batch");
    }
    for (uint32_t i = 0; rc == 0 && i < a->t.n; i++) {
        b->n = i + 1;
        rc = msg_fill(env, q, &a->t.items[i], &b->msgs[i], &b->blocks[2 * i + 1]);
        if (rc == 0)
            rc = msg_body(env, q, &a->t.items[i], &b->msgs[i], &b->blocks[2 * i]);
    }
    if (rc != 0) {
        eddy_queue_batch_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

EDDY_API size_t eddy_queue_batch_count(const eddy_queue_batch *batch)
{
    return batch != NULL ? batch->n : 0;
}

EDDY_API const eddy_queue_message *eddy_queue_batch_message(const eddy_queue_batch *batch, size_t i)
{
    return batch != NULL && i < batch->n ? &batch->msgs[i] : NULL;
}

EDDY_API void eddy_queue_batch_free(eddy_queue_batch *batch)
{
    if (batch == NULL)
        return;
    for (size_t i = 0; batch->blocks != NULL && i < 2 * batch->n; i++)
        eddy__free(batch->env, batch->blocks[i]);
    eddy__free(batch->env, batch->blocks);
    eddy__free(batch->env, batch->msgs);
    eddy__free(batch->env, batch);
}

static void rx_after(eddy_env *env, void *arg)
{
    if (((qrecv *)arg)->t.moved)
        eddy__q_wake(env, arg);
}

/* One receive attempt: a read-only peek, then (only if something is there) the write op. */
static int rx_once(eddy_env *env, const eddy__q *q, qrecv *a, eddy_queue_batch **out)
{
    int rc = 0, any = 0;

    /* The peek reads committed data only; in relaxed mode a send may be acknowledged and not
     * committed yet, so there the write op itself looks (it is cheap: no sync of its own). */
    if (env->opt.durability == EDDY_ENV_DURABILITY_RELAXED || a->attempt != NULL)
        any = 1; /* an attempt's retry returns messages that are in flight */
    else if ((rc = eddy__q_peek(env, q->id, q->cfg.retention_ms, eddy__now_ms(env), &any)) != 0)
        return rc;
    if (any)
        rc = eddy__write(env, rx_apply, rx_after, a);
    if (rc == 0)
        rc = batch_build(env, q, a, out);
    eddy__q_taken_release(env, &a->t);
    if (rc == 0 && a->t.limit_hit && (*out)->n == 0) {
        eddy_queue_batch_free(*out);
        *out = NULL;
        rc = eddy__err(EDDY_ELIMIT, "queue '%s' has %u messages in flight (in_flight_max)", q->name,
                       q->cfg.in_flight_max);
    }
    return rc;
}

/*
 * Long polling needs real time: the env clock may be a test's fake that never moves by itself.
 * This is the queue module's one use of the system clock (docs/SEMANTICS.md "Long polling"),
 * through eddy__mono_ms.
 */
static void rx_wait(eddy_env *env, uint64_t seq_seen, uint64_t end_ms)
{
    struct eddy__queue_env *qe = env->queues;
    uint64_t now = eddy__mono_ms(), until = now + EDDY__Q_POLL_MS;
    struct timespec ts;

    if (until > end_ms)
        until = end_ms;
    ts.tv_sec = (time_t)(until / 1000u);
    ts.tv_nsec = (long)(until % 1000u) * 1000000L;
    pthread_mutex_lock(&qe->mu);
    while (qe->seq == seq_seen && eddy__mono_ms() < until)
        if (pthread_cond_timedwait(&qe->cv, &qe->mu, &ts) != 0)
            break;
    pthread_mutex_unlock(&qe->mu);
}

static uint64_t seq_now(eddy_env *env)
{
    struct eddy__queue_env *qe = env->queues;
    uint64_t s;

    pthread_mutex_lock(&qe->mu);
    s = qe->seq;
    pthread_mutex_unlock(&qe->mu);
    return s;
}

static int rx_options(const eddy__q *q, const eddy_queue_receive_options *o, qrecv *a,
                      uint32_t *wait_ms)
{
    eddy_queue_receive_options d;
    int rc;

    memset(&d, 0, sizeof d);
    if (o != NULL &&
        (rc = eddy__struct_in(&d, sizeof d, o, EDDY__SIZE_V1(eddy_queue_receive_options),
                              "eddy_queue_receive_options")) != 0)
        return rc;
    o = &d;
    a->t.max = o->max_messages == 0 ? 1 : o->max_messages;
    a->t.vis_ms = o->visibility_timeout_ms == 0                    ? q->cfg.visibility_timeout_ms
                  : o->visibility_timeout_ms == EDDY_QUEUE_ZERO_MS ? 0
                                                                   : o->visibility_timeout_ms;
    *wait_ms = o->wait_ms == 0                    ? q->cfg.receive_wait_ms
               : o->wait_ms == EDDY_QUEUE_ZERO_MS ? 0
                                                  : o->wait_ms;
    if (a->t.max > q->cfg.batch_max)
        return eddy__err(EDDY_EINVAL, "max_messages %u exceeds batch_max %u of queue '%s'",
                         a->t.max, q->cfg.batch_max, q->name);
    if (a->t.vis_ms > EDDY__Q_VIS_MAX)
        return eddy__err(EDDY_EINVAL, "visibility timeout %u ms exceeds 12 h", a->t.vis_ms);
    if (*wait_ms > EDDY__Q_WAIT_MAX)
        return eddy__err(EDDY_EINVAL, "wait of %u ms exceeds %u", *wait_ms, EDDY__Q_WAIT_MAX);
    if (o->attempt_id != NULL) {
        size_t n;
        if (!q->cfg.fifo)
            return eddy__err(EDDY_EINVAL,
                             "queue '%s' is not FIFO: a receive request attempt id "
                             "does not apply",
                             q->name);
        if ((rc = eddy__q_fifo_id_check("receive request attempt id", o->attempt_id, &n)) != 0)
            return rc;
        if (a->t.max > EDDY_QUEUE_ATTEMPT_MESSAGES_MAX)
            return eddy__err(EDDY_EINVAL,
                             "a receive with an attempt id asks for at most %d "
                             "messages, not %u",
                             EDDY_QUEUE_ATTEMPT_MESSAGES_MAX, a->t.max);
        a->attempt = o->attempt_id;
    }
    return 0;
}

EDDY_API int eddy_queue_receive(eddy_env *env, const char *name,
                                const eddy_queue_receive_options *options, eddy_queue_batch **out)
{
    uint32_t wait_ms = 0;
    uint64_t end_ms, seq;
    eddy__q q;
    qrecv a;
    int rc;

    if (out != NULL)
        *out = NULL;
    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(name, &a.name_len)))
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "out is NULL");
    if ((rc = eddy__q_get_read(env, name, a.name_len, &q)) != 0 ||
        (rc = rx_options(&q, options, &a, &wait_ms)) != 0)
        return rc;
    a.name = name;
    a.qid = q.id;
    a.t.budget = UINT64_MAX;
    if ((a.t.items = eddy__calloc(env, a.t.max, sizeof *a.t.items)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory receiving");
    end_ms = eddy__mono_ms() + wait_ms;
    for (;;) {
        seq = seq_now(env);
        if ((rc = rx_once(env, &q, &a, out)) != 0 || (*out)->n > 0 || eddy__mono_ms() >= end_ms)
            break;
        eddy_queue_batch_free(*out);
        *out = NULL;
        rx_wait(env, seq, end_ms);
    }
    eddy__free(env, a.t.items);
    return rc;
}
