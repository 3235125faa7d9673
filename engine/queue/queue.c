/*
 * queue.c: queues as named objects: name rule, attributes (defaults, ranges, the redrive and
 * redrive-allow policies), create / set / get / list / stat / delete, and the per-env long-poll
 * state. Message operations live in queue_send.c, queue_receive.c, queue_redrive.c and
 * queue_retention.c; the table primitives in queue_store.c. Never calls mdb_* (txn.h only).
 */
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "catalog.h"
#include "error.h"
#include "keys.h"
#include "queue_int.h"

int eddy__queue_env_init(eddy_env *env)
{
    struct eddy__queue_env *qe = eddy__calloc(env, 1, sizeof *qe);
    pthread_condattr_t ca;

    if (qe == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for the queue module");
    pthread_mutex_init(&qe->mu, NULL);
    pthread_condattr_init(&ca);
    /* Long-poll waits are measured in real time (the env clock may be a test's fake). */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&qe->cv, &ca);
    pthread_condattr_destroy(&ca);
    env->queues = qe;
    return 0;
}

void eddy__queue_env_fini(eddy_env *env)
{
    struct eddy__queue_env *qe = env->queues;

    if (qe == NULL)
        return;
    eddy__q_ready_fini(qe);
    pthread_cond_destroy(&qe->cv);
    pthread_mutex_destroy(&qe->mu);
    eddy__free(env, qe);
    env->queues = NULL;
}

void eddy__q_wake(eddy_env *env, void *arg)
{
    struct eddy__queue_env *qe = env->queues;

    (void)arg;
    pthread_mutex_lock(&qe->mu);
    qe->seq++;
    pthread_cond_broadcast(&qe->cv);
    eddy__q_ready_signal(qe);
    pthread_mutex_unlock(&qe->mu);
}

int eddy__q_name_check(const char *name, size_t *len_out)
{
    eddy__ferr fe;
    int rc;

    if (name == NULL)
        return eddy__err(EDDY_EINVAL, "queue name is NULL");
    rc = eddy__name_check("queue", name, EDDY__QNAME_MAX, 0, len_out, &fe);
    if (rc != 0) {
        /* SQS: a FIFO queue's name ends in ".fifo", counted in the 80 characters. */
        size_t n = strnlen(name, EDDY__QNAME_MAX + 1), m;
        char base[EDDY__QNAME_MAX + 1];
        if (n > 5 && n <= EDDY__QNAME_MAX && memcmp(name + n - 5, ".fifo", 5) == 0) {
            memcpy(base, name, n - 5);
            base[n - 5] = '\0';
            if (eddy__name_check("queue", base, EDDY__QNAME_MAX, 0, &m, &fe) == 0) {
                *len_out = n;
                return 0;
            }
        }
    }
    return rc != 0 ? eddy__err_ferr(rc, &fe) : 0;
}

static int q_from_entry(eddy_env *env, const char *name, size_t name_len, const eddy__cat_entry *e,
                        eddy__q *out)
{
    eddy__ferr fe;
    int rc;

    (void)env;
    memset(out, 0, sizeof *out);
    out->id = e->id;
    out->created_ms = e->created_ms;
    out->modified_ms = e->modified_ms;
    memcpy(out->name, name, name_len);
    out->name[name_len] = '\0';
    out->name_len = name_len;
    if ((rc = eddy__qcfg_decode(e->cfg, e->cfg_len, &out->cfg, &fe)) != 0)
        return EDDY__CORRUPT("queue '%s': %s", out->name, fe.msg);
    return 0;
}

int eddy__q_get(eddy_env *env, MDB_txn *txn, const char *name, size_t name_len, eddy__q *out)
{
    eddy__cat_entry e;
    int rc = eddy__cat_get(env, txn, EDDY__OBJ_QUEUE, name, name_len, &e);

    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "no such queue: '%.*s'", (int)name_len, name);
    if (rc != 0)
        return rc;
    rc = q_from_entry(env, name, name_len, &e, out);
    eddy__cat_entry_release(env, &e);
    return rc;
}

int eddy__q_get_read(eddy_env *env, const char *name, size_t name_len, eddy__q *out)
{
    return eddy__q_read(env, name, name_len, out, NULL);
}

struct q_read_ctx {
    const char *name;
    size_t name_len;
    eddy__q *out;
    eddy__qcounters *c;
};

static int q_read_once(eddy_env *env, MDB_txn *txn, void *ctx)
{
    struct q_read_ctx *r = ctx;
    int rc = eddy__q_get(env, txn, r->name, r->name_len, r->out);

    if (rc == 0 && r->c != NULL)
        rc = eddy__q_counters_get(env, txn, r->out->id, r->c);
    return rc;
}

int eddy__q_read(eddy_env *env, const char *name, size_t name_len, eddy__q *out, eddy__qcounters *c)
{
    struct q_read_ctx r = {name, name_len, out, c};
    return eddy__cat_read(env, q_read_once, &r);
}

int eddy__q_get_same(eddy__wtx *w, const char *name, size_t name_len, uint64_t qid, eddy__q *out)
{
    int rc = eddy__q_get(w->env, w->txn, name, name_len, out);

    if (rc == 0 && out->id != qid)
        rc = eddy__err(EDDY_ENOTFOUND, "queue '%s' was deleted during the call", out->name);
    return rc;
}

int eddy__q_get_by_id(eddy_env *env, MDB_txn *txn, uint64_t qid, eddy__q *out)
{
    char name[EDDY__NAME_MAX + 1];
    int rc = eddy__cat_name_of(env, txn, qid, EDDY__OBJ_QUEUE, "queue", name, sizeof name);

    return rc != 0 ? rc : eddy__q_get(env, txn, name, strlen(name), out);
}

/* ---- attributes ---- */

static uint32_t dur(uint32_t v, uint32_t def)
{
    if (v == 0)
        return def;
    return v == EDDY_QUEUE_ZERO_MS ? 0 : v;
}

static int range_u64(const char *what, uint64_t v, uint64_t lo, uint64_t hi)
{
    if (v < lo || v > hi)
        return eddy__err(EDDY_EINVAL, "%s %llu out of range %llu..%llu", what,
                         (unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
    return 0;
}

static int cfg_names(eddy__qcfg *c, const eddy_queue_options *o, uint32_t mask)
{
    size_t n;
    int rc;

    if (mask & EDDY_QUEUE_SET_REDRIVE) {
        const char *dlq = o->dlq_name != NULL ? o->dlq_name : "";
        n = 0;
        if (dlq[0] != '\0' && (rc = eddy__q_name_check(dlq, &n)) != 0)
            return rc;
        memcpy(c->dlq, dlq, n + 1);
        c->max_receive_count = o->max_receive_count == 0 ? 10 : o->max_receive_count;
    }
    if (!(mask & EDDY_QUEUE_SET_REDRIVE_ALLOW))
        return 0;
    if (o->redrive_allow < EDDY_QUEUE_ALLOW_ALL || o->redrive_allow > EDDY_QUEUE_ALLOW_BY_QUEUE)
        return eddy__err(EDDY_EINVAL, "redrive_allow %d is not an EDDY_QUEUE_ALLOW_* value",
                         o->redrive_allow);
    if (o->allow_source_count > EDDY_QUEUE_ALLOW_MAX)
        return eddy__err(EDDY_EINVAL, "allow_source_count %zu > %d", o->allow_source_count,
                         EDDY_QUEUE_ALLOW_MAX);
    if (o->allow_source_count > 0 && o->allow_sources == NULL)
        return eddy__err(EDDY_EINVAL, "allow_sources is NULL with allow_source_count %zu",
                         o->allow_source_count);
    if (o->allow_source_count > 0 && o->redrive_allow != EDDY_QUEUE_ALLOW_BY_QUEUE)
        return eddy__err(EDDY_EINVAL, "allow_sources is only for EDDY_QUEUE_ALLOW_BY_QUEUE");
    c->redrive_allow = (uint8_t)o->redrive_allow;
    c->n_allow = 0;
    memset(c->allow, 0, sizeof c->allow);
    for (size_t i = 0; i < o->allow_source_count; i++) {
        if (o->allow_sources[i] == NULL)
            return eddy__err(EDDY_EINVAL, "allow_sources[%zu] is NULL", i);
        if ((rc = eddy__q_name_check(o->allow_sources[i], &n)) != 0)
            return rc;
        memcpy(c->allow[c->n_allow++], o->allow_sources[i], n + 1);
    }
    if (c->redrive_allow == EDDY_QUEUE_ALLOW_BY_QUEUE && c->n_allow == 0)
        return eddy__err(EDDY_EINVAL, "EDDY_QUEUE_ALLOW_BY_QUEUE needs at least one source");
    return 0;
}

/* Apply the fields of `o` selected by `mask` onto c (defaults for zero), then check ranges. */
static int cfg_apply(eddy__qcfg *c, const eddy_queue_options *o, uint32_t mask)
{
    int rc = 0;

    if (mask & EDDY_QUEUE_SET_VISIBILITY)
        c->visibility_timeout_ms = dur(o->visibility_timeout_ms, 30000);
    if (mask & EDDY_QUEUE_SET_DELAY)
        c->delay_ms = dur(o->delay_ms, 0);
    if (mask & EDDY_QUEUE_SET_RETENTION)
        c->retention_ms = o->retention_ms == 0 ? 345600000u : o->retention_ms;
    if (mask & EDDY_QUEUE_SET_BODY_LEN_MAX)
        c->body_len_max = o->body_len_max == 0 ? 1048576u : o->body_len_max;
    if (mask & EDDY_QUEUE_SET_RECEIVE_WAIT)
        c->receive_wait_ms = dur(o->receive_wait_ms, 0);
    if (mask & EDDY_QUEUE_SET_IN_FLIGHT_MAX)
        c->in_flight_max = o->in_flight_max == 0 ? 120000u : o->in_flight_max;
    if (mask & EDDY_QUEUE_SET_BATCH_MAX)
        c->batch_max = o->batch_max == 0 ? 10u : o->batch_max;
    if ((rc = cfg_names(c, o, mask)) != 0)
        return rc;
    if ((rc = range_u64("visibility_timeout_ms", c->visibility_timeout_ms, 0, EDDY__Q_VIS_MAX)) ||
        (rc = range_u64("delay_ms", c->delay_ms, 0, EDDY__Q_DELAY_MAX)) ||
        (rc = range_u64("retention_ms", c->retention_ms, EDDY__Q_RET_MIN, EDDY__Q_RET_MAX)) ||
        (rc = range_u64("body_len_max", c->body_len_max, EDDY__Q_BODY_MIN,
                        EDDY_QUEUE_BODY_LEN_LIMIT)) ||
        (rc = range_u64("receive_wait_ms", c->receive_wait_ms, 0, EDDY__Q_WAIT_MAX)) ||
        (rc = range_u64("max_receive_count", c->max_receive_count, 1, EDDY__Q_RC_MAX)) ||
        (rc = range_u64("in_flight_max", c->in_flight_max, 1, EDDY__Q_INFLIGHT_MAX)) ||
        (rc = range_u64("batch_max", c->batch_max, 1, EDDY__Q_BATCH_MAX)))
        return rc;
    return 0;
}

static void cfg_to_info(const eddy__qcfg *c, eddy_queue_info *o)
{
    o->visibility_timeout_ms = c->visibility_timeout_ms;
    o->delay_ms = c->delay_ms;
    o->retention_ms = c->retention_ms;
    o->body_len_max = c->body_len_max;
    o->receive_wait_ms = c->receive_wait_ms;
    memcpy(o->dlq_name, c->dlq, sizeof o->dlq_name);
    o->allow_source_count = c->n_allow;
    o->max_receive_count = c->max_receive_count;
    o->redrive_allow = c->redrive_allow;
    for (unsigned i = 0; i < c->n_allow; i++)
        memcpy(o->allow_sources[i], c->allow[i], sizeof o->allow_sources[i]);
    o->in_flight_max = c->in_flight_max;
    o->batch_max = c->batch_max;
    o->fifo = c->fifo;
    o->content_based_dedup = c->content_dedup;
    o->dedup_scope = c->dedup_scope;
    o->throughput_limit = c->throughput;
}

/* Inside a write: the dead-letter queue named by c must exist, differ from `name` and allow it. */
static int dlq_check(eddy__wtx *w, const char *name, const eddy__qcfg *c)
{
    eddy__q d;
    int rc;

    if (c->dlq[0] == '\0')
        return 0;
    if (strcmp(c->dlq, name) == 0)
        return eddy__err(EDDY_EINVAL, "queue '%s' cannot be its own dead-letter queue", name);
    if ((rc = eddy__q_get(w->env, w->txn, c->dlq, strlen(c->dlq), &d)) != 0)
        return rc;
    if (d.cfg.fifo != c->fifo)
        return eddy__err(EDDY_EINVAL, "dead-letter queue '%s' of %s queue '%s' must be %s too",
                         c->dlq, c->fifo ? "FIFO" : "standard", name,
                         c->fifo ? "FIFO" : "standard");
    if (d.cfg.redrive_allow == EDDY_QUEUE_ALLOW_DENY_ALL)
        return eddy__err(EDDY_EINVAL, "queue '%s' allows no dead-letter sources", c->dlq);
    if (d.cfg.redrive_allow != EDDY_QUEUE_ALLOW_BY_QUEUE)
        return 0;
    for (unsigned i = 0; i < d.cfg.n_allow; i++)
        if (strcmp(d.cfg.allow[i], name) == 0)
            return 0;
    return eddy__err(EDDY_EINVAL, "queue '%s' does not allow '%s' as a dead-letter source", c->dlq,
                     name);
}

/* ---- create, set ---- */

typedef struct qcreate {
    const char *name;
    size_t name_len;
    eddy__qcfg cfg;
    const eddy_queue_options *opt; /* set only */
    uint32_t mask;                 /* set only */
} qcreate;

static int create_apply(eddy__wtx *w, void *arg)
{
    qcreate *a = arg;
    uint8_t buf[EDDY__QCFG_MAX_LEN];
    eddy__qcounters c = {.next_msg_id = 1, .next_task_id = 1};
    eddy__cat_entry e;
    uint64_t id;
    size_t len;
    int rc;

    if ((rc = eddy__qcfg_encode(buf, sizeof buf, &a->cfg, &len)) != 0)
        return eddy__err(EDDY_EINTERNAL, "queue configuration does not encode");
    rc = eddy__cat_get(w->env, w->txn, EDDY__OBJ_QUEUE, a->name, a->name_len, &e);
    if (rc == 0) {
        int same = e.cfg_len == len && memcmp(e.cfg, buf, len) == 0;
        eddy__cat_entry_release(w->env, &e);
        return same
                   ? 0
                   : eddy__err(EDDY_EEXIST, "queue '%s' exists with different attributes", a->name);
    }
    if (rc != EDDY_ENOTFOUND)
        return rc;
    if ((rc = dlq_check(w, a->name, &a->cfg)) != 0)
        return rc;
    /* A FIFO queue's records are format 2 (docs/FORMAT.md): raise an older database's version
     * in the same commit, so that a library that cannot read them refuses the file. */
    if (a->cfg.fifo && (rc = eddy__env_format_raise(w, 2)) != 0)
        return rc;
    if ((rc = eddy__cat_create(w, EDDY__OBJ_QUEUE, a->name, a->name_len, buf, len, &id)) != 0)
        return rc;
    return eddy__q_counters_put(w, id, &c);
}

static int start(eddy_env *env, const char *name, size_t *len)
{
    int rc = eddy__env_enter_write(env);
    return rc != 0 ? rc : eddy__q_name_check(name, len);
}

/* The caller's options (NULL: defaults) as this library's struct (abi.h). */
static int options_in(const eddy_queue_options *in, eddy_queue_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    if (in == NULL)
        return 0;
    return eddy__struct_in(o, sizeof *o, in, EDDY__SIZE_V1(eddy_queue_options),
                           "eddy_queue_options");
}

EDDY_API int eddy_queue_create(eddy_env *env, const char *name, const eddy_queue_options *options)
{
    eddy_queue_options o;
    qcreate a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = start(env, name, &a.name_len)) != 0)
        return rc;
    a.name = name;
    if ((rc = options_in(options, &o)) != 0)
        return rc;
    if ((rc = cfg_apply(&a.cfg, &o, EDDY_QUEUE_SET_ALL)) != 0 ||
        (rc = eddy__q_fifo_cfg(name, a.name_len, NULL, &a.cfg, &o, EDDY_QUEUE_SET_ALL)) != 0)
        return rc;
    if (a.cfg.dlq[0] == '\0')
        a.cfg.max_receive_count = 10; /* not used without a dead-letter queue: canonical */
    return eddy__write_adding(env, create_apply, NULL, &a);
}

static int set_apply(eddy__wtx *w, void *arg)
{
    qcreate *a = arg;
    uint8_t buf[EDDY__QCFG_MAX_LEN];
    eddy__cat_entry e;
    eddy__qcfg old;
    eddy__q q;
    size_t len;
    int rc;

    if ((rc = eddy__q_get(w->env, w->txn, a->name, a->name_len, &q)) != 0)
        return rc;
    old = q.cfg;
    if ((rc = cfg_apply(&q.cfg, a->opt, a->mask)) != 0 ||
        (rc = eddy__q_fifo_cfg(a->name, a->name_len, &old, &q.cfg, a->opt, a->mask)) != 0)
        return rc;
    if (q.cfg.dlq[0] == '\0')
        q.cfg.max_receive_count = 10;
    if ((rc = dlq_check(w, a->name, &q.cfg)) != 0)
        return rc;
    if ((rc = eddy__qcfg_encode(buf, sizeof buf, &q.cfg, &len)) != 0)
        return eddy__err(EDDY_EINTERNAL, "queue configuration does not encode");
    memset(&e, 0, sizeof e);
    e.id = q.id;
    e.created_ms = q.created_ms;
    return eddy__cat_update(w, EDDY__OBJ_QUEUE, a->name, a->name_len, &e, buf, len);
}

EDDY_API int eddy_queue_set_attributes(eddy_env *env, const char *name,
                                       const eddy_queue_options *options, uint32_t mask)
{
    eddy_queue_options o;
    qcreate a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = start(env, name, &a.name_len)) != 0)
        return rc;
    if (options == NULL)
        return eddy__err(EDDY_EINVAL, "options is NULL");
    if ((rc = options_in(options, &o)) != 0)
        return rc;
    options = &o;
    if (mask == 0 || (mask & ~(uint32_t)EDDY_QUEUE_SET_ALL) != 0)
        return eddy__err(EDDY_EINVAL, "attribute mask 0x%x is empty or has unknown bits", mask);
    /* Check the given fields' ranges on a default configuration first: bad input costs no
     * commit. The merge onto the stored attributes happens inside the write. */
    a.cfg.max_receive_count = 10;
    a.cfg.retention_ms = 345600000u;
    a.cfg.body_len_max = 1048576u;
    a.cfg.in_flight_max = 120000u;
    a.cfg.batch_max = 10;
    if ((rc = cfg_apply(&a.cfg, options, mask)) != 0)
        return rc;
    a.name = name;
    a.opt = options;
    a.mask = mask;
    return eddy__write(env, set_apply, NULL, &a);
}

/* ---- get, stat, list ---- */

/* Enqueue time of the oldest message (the first retention entry or the first message by id,
 * whichever is older), or 0 when the queue is empty. */
static int oldest_enq(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t *enq_ms)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN + 1];
    MDB_cursor *cur = NULL;
    eddy__qstate s;
    uint64_t kq, id;
    eddy__ferr fe;
    MDB_val k, v;
    int rc, type;

    *enq_ms = 0;
    eddy__qkey_expiry_prefix(pfx, qid);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QVIS, &cur)) != 0)
        return rc;
    rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v);
    if (rc == 0 && eddy__qkey_vis_decode(k.mv_data, k.mv_size, &kq, enq_ms, &id, &type, &fe))
        rc = EDDY__CORRUPT("queue %llu: %s", (unsigned long long)qid, fe.msg);
    eddy__cur_close(cur);
    cur = NULL;
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    /* The first message by id is the oldest of those without a retention entry. */
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QMSG, &cur)) != 0)
        return rc;
    rc = eddy__cur_seek_prefix(cur, pfx, EDDY__QKEY_PREFIX_LEN, NULL, 0, &k, &v);
    if (rc == 0 && eddy__qkey_msg_decode(k.mv_data, k.mv_size, &kq, &id, &type, &fe) != 0)
        rc = EDDY__CORRUPT("queue %llu: %s", (unsigned long long)qid, fe.msg);
    if (rc == 0 && type == EDDY__QK_RECORD && (rc = eddy__q_implied_state(qid, id, &v, &s)) == 0 &&
        (*enq_ms == 0 || s.enq_ms < *enq_ms))
        *enq_ms = s.enq_ms;
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static uint64_t age(uint64_t now, uint64_t then)
{
    return then == 0 || then >= now ? 0 : now - then;
}

/* Indexed messages whose deadline is after now: in flight (timeout running) or delayed. Costs
 * O(in flight + delayed): the index is ordered by deadline. */
static int count_waiting(eddy_env *env, MDB_txn *txn, const eddy__q *q, uint64_t now,
                         eddy__qcounts *out)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], from[8];
    MDB_cursor *cur = NULL;
    uint64_t qid, deadline, msg_id;
    eddy__ferr fe;
    MDB_val k, v;
    uint8_t kind = 0;
    int rc, type;

    eddy__qkey_prefix(pfx, q->id);
    eddy__be64_put(from, now + 1);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QVIS, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, from, sizeof from, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_vis_decode(k.mv_data, k.mv_size, &qid, &deadline, &msg_id, &type, &fe) ||
            (type == EDDY__QK_VIS && eddy__qvis_val_decode(v.mv_data, v.mv_size, &kind, &fe))) {
            rc = EDDY__CORRUPT("queue '%s' visibility index: %s", q->name, fe.msg);
            break;
        }
        if (type != EDDY__QK_VIS)
            break; /* the retention entries that follow */
        if (kind == EDDY__QSTATE_INFLIGHT)
            out->in_flight++;
        else
            out->delayed++;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Plain (never received, unindexed) messages still in their delivery delay. Plain messages'
 * enqueue times do not decrease with their ids, so the walk goes from the newest id down and
 * stops at the first one enqueued more than the longest delay ago: O(messages of the last
 * 15 minutes). */
static int count_plain_delayed(eddy_env *env, MDB_txn *txn, const eddy__q *q,
                               const eddy__qcounters *c, uint64_t now, eddy__qcounts *out)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], sk[EDDY__QKEY_STATE_LEN], top[EDDY__QKEY_MSG_LEN];
    MDB_cursor *cur = NULL;
    uint64_t qid, id;
    eddy__qstate s;
    eddy__ferr fe;
    MDB_val k, v, sv;
    int rc, type;

    if (c->n_plain == 0)
        return 0;
    eddy__qkey_prefix(pfx, q->id);
    eddy__qkey_msg(top, q->id, c->next_msg_id);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QMSG, &cur)) != 0)
        return rc;
    k.mv_size = sizeof top;
    k.mv_data = top;
    rc = eddy__cur_get(cur, &k, &v, MDB_SET_RANGE);
    for (rc = rc == 0 ? eddy__cur_get(cur, &k, &v, MDB_PREV) : eddy__cur_get(cur, &k, &v, MDB_LAST);
         rc == 0; rc = eddy__cur_get(cur, &k, &v, MDB_PREV)) {
        if (k.mv_size < sizeof pfx || memcmp(k.mv_data, pfx, sizeof pfx) != 0)
            break;
        if (eddy__qkey_msg_decode(k.mv_data, k.mv_size, &qid, &id, &type, &fe) != 0) {
            rc = EDDY__CORRUPT("queue '%s' messages: %s", q->name, fe.msg);
            break;
        }
        if (type != EDDY__QK_RECORD)
            continue;
        if (id < c->plain_lo)
            break;
        eddy__qkey_state(sk, qid, id);
        if ((rc = eddy__get(env, txn, EDDY__T_QMSG, sk, sizeof sk, &sv)) == 0)
            continue; /* indexed: counted by count_waiting */
        if (rc != EDDY_ENOTFOUND || (rc = eddy__q_implied_state(qid, id, &v, &s)) != 0)
            break;
        if (s.enq_ms + EDDY__Q_DELAY_MAX <= now)
            break;
        out->delayed += s.deadline_ms > now;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND || rc == 0 ? 0 : rc;
}

/*
 * The one definition of a queue's counts at `now`, used by eddy_queue_get_attributes,
 * eddy_queue_stat_get and so by the CLI's attrs and stat: in flight = received and visibility
 * timeout still running (SQS ApproximateNumberOfMessagesNotVisible); delayed = never received
 * and delivery delay still running; visible = every other stored message (receivable now).
 */
int eddy__q_counts(eddy_env *env, MDB_txn *txn, const eddy__q *q, uint64_t now, eddy__qcounts *out)
{
    eddy__qcounters c;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = eddy__q_counters_get(env, txn, q->id, &c)) != 0 ||
        (rc = count_waiting(env, txn, q, now, out)) != 0 ||
        (rc = count_plain_delayed(env, txn, q, &c, now, out)) != 0)
        return rc;
    out->messages = c.n_msgs;
    out->next_msg_id = c.next_msg_id;
    if (out->in_flight + out->delayed > c.n_msgs)
        return EDDY__CORRUPT("queue '%s': %llu in flight and %llu delayed, but %llu messages",
                             q->name, (unsigned long long)out->in_flight,
                             (unsigned long long)out->delayed, (unsigned long long)c.n_msgs);
    out->visible = c.n_msgs - out->in_flight - out->delayed;
    return 0;
}

EDDY_API int eddy_queue_get_attributes(eddy_env *env, const char *name, eddy_queue_info *out)
{
    eddy_queue_info info;
    MDB_txn *txn = NULL;
    eddy__qcounts c;
    uint64_t enq = 0, now;
    eddy__q q;
    size_t len;
    int rc;

    if ((rc = eddy__env_enter(env)) != 0 || (rc = eddy__q_name_check(name, &len)) != 0)
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "out is NULL");
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_queue_info), "eddy_queue_info")))
        return rc;
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    now = eddy__now_ms(env);
    if ((rc = eddy__q_get(env, txn, name, len, &q)) == 0 &&
        (rc = eddy__q_counts(env, txn, &q, now, &c)) == 0)
        rc = oldest_enq(env, txn, q.id, &enq);
    eddy__rtxn_end(env, txn);
    if (rc != 0)
        return rc;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    cfg_to_info(&q.cfg, &info);
    info.id = q.id;
    info.created_ms = q.created_ms;
    info.modified_ms = q.modified_ms;
    info.messages = c.messages;
    info.in_flight = c.in_flight;
    info.visible = c.visible;
    info.oldest_age_ms = age(now, enq);
    info.delayed = c.delayed;
    info.next_msg_id = c.next_msg_id;
    eddy__struct_out(out, &info, sizeof info);
    return 0;
}

/* Count the expired plain messages (records without a state, from plain_lo on). */
static int stat_plain(eddy_env *env, MDB_txn *txn, const eddy__q *q, uint64_t now,
                      eddy_queue_stat *st)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN], from[8], sk[EDDY__QKEY_STATE_LEN];
    MDB_cursor *cur = NULL;
    uint64_t qid, id;
    eddy__qcounters c;
    eddy__qstate s;
    eddy__ferr fe;
    MDB_val k, v, sv;
    int rc, type;

    if ((rc = eddy__q_counters_get(env, txn, q->id, &c)) != 0 || c.n_plain == 0)
        return rc;
    eddy__qkey_prefix(pfx, q->id);
    eddy__be64_put(from, c.plain_lo);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QMSG, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, from, sizeof from, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_msg_decode(k.mv_data, k.mv_size, &qid, &id, &type, &fe) != 0) {
            rc = EDDY__CORRUPT("queue '%s' messages: %s", q->name, fe.msg);
            break;
        }
        if (type != EDDY__QK_RECORD)
            continue;
        eddy__qkey_state(sk, qid, id);
        if ((rc = eddy__get(env, txn, EDDY__T_QMSG, sk, sizeof sk, &sv)) == 0)
            continue;
        if (rc != EDDY_ENOTFOUND || (rc = eddy__q_implied_state(qid, id, &v, &s)) != 0)
            break;
        if (eddy__q_expired(q, &s, now))
            st->expired++;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static int stat_scan(eddy_env *env, MDB_txn *txn, const eddy__q *q, uint64_t now,
                     eddy_queue_stat *st)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN];
    MDB_cursor *cur = NULL;
    uint64_t qid, deadline, msg_id;
    eddy__qstate s;
    eddy__ferr fe;
    MDB_val k, v;
    uint8_t kind = 0;
    int rc, type;

    eddy__qkey_prefix(pfx, q->id);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QVIS, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_vis_decode(k.mv_data, k.mv_size, &qid, &deadline, &msg_id, &type, &fe) ||
            (type == EDDY__QK_VIS && eddy__qvis_val_decode(v.mv_data, v.mv_size, &kind, &fe))) {
            rc = EDDY__CORRUPT("queue '%s' visibility index: %s", q->name, fe.msg);
            break;
        }
        if (type != EDDY__QK_VIS)
            break; /* the retention entries that follow */
        if ((rc = eddy__q_state_get(env, txn, q->id, msg_id, &s)) != 0)
            break;
        if (eddy__q_expired(q, &s, now))
            st->expired++;
    }
    eddy__cur_close(cur);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    return stat_plain(env, txn, q, now, st);
}

EDDY_API int eddy_queue_stat_get(eddy_env *env, const char *name, eddy_queue_stat *out)
{
    MDB_txn *txn = NULL;
    eddy__qcounts c;
    eddy_queue_stat st;
    uint64_t enq = 0, now;
    eddy__q q;
    size_t len;
    int rc;

    if ((rc = eddy__env_enter(env)) != 0 || (rc = eddy__q_name_check(name, &len)) != 0)
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "out is NULL");
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_queue_stat), "eddy_queue_stat")))
        return rc;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    now = eddy__now_ms(env);
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__q_get(env, txn, name, len, &q)) == 0 &&
        (rc = eddy__q_counts(env, txn, &q, now, &c)) == 0 &&
        (rc = stat_scan(env, txn, &q, now, &st)) == 0 &&
        (rc = oldest_enq(env, txn, q.id, &enq)) == 0 && q.cfg.fifo)
        rc = eddy__q_fifo_groups(env, txn, q.id, now, &st.groups, &st.groups_blocked);
    eddy__rtxn_end(env, txn);
    if (rc != 0)
        return rc;
    st.messages = c.messages;
    st.visible = c.visible;
    st.in_flight = c.in_flight;
    st.delayed = c.delayed;
    st.oldest_age_ms = age(now, enq);
    eddy__struct_out(out, &st, sizeof st);
    return 0;
}

typedef struct qnames {
    eddy_env *env;
    const char *prefix;
    size_t prefix_len;
    char (*names)[EDDY__QNAME_MAX + 1];
    size_t n, cap;
} qnames;

static int collect(void *ctx, const char *name, size_t name_len, const eddy__cat_entry *e)
{
    qnames *l = ctx;

    (void)e;
    if (name_len > EDDY__QNAME_MAX)
        return EDDY__CORRUPT("queue name of %zu bytes in the catalog", name_len);
    if (name_len < l->prefix_len || memcmp(name, l->prefix, l->prefix_len) != 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        void *p = eddy__realloc(l->env, l->names, cap * sizeof l->names[0]);
        if (p == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory listing queues");
        l->names = p;
        l->cap = cap;
    }
    memcpy(l->names[l->n], name, name_len);
    l->names[l->n++][name_len] = '\0';
    return 0;
}

EDDY_API int eddy_queue_list(eddy_env *env, const char *prefix, eddy_queue_list_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    qnames l;
    int rc;

    if ((rc = eddy__env_enter(env)) != 0)
        return rc;
    if (fn == NULL)
        return eddy__err(EDDY_EINVAL, "list callback is NULL");
    memset(&l, 0, sizeof l);
    l.env = env;
    l.prefix = prefix != NULL ? prefix : "";
    l.prefix_len = strlen(l.prefix);
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    rc = eddy__cat_list(env, txn, EDDY__OBJ_QUEUE, collect, &l);
    eddy__rtxn_end(env, txn);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        if (fn(ctx, l.names[i]) != 0)
            rc = eddy__err(EDDY_EUSER, "queue list stopped by its callback");
    eddy__free(env, l.names);
    return rc;
}
