/*
 * queue_redrive.c: dead letters and redrive. A receive that finds a message whose receive count
 * has reached max_receive_count moves it to the dead-letter queue in the same transaction
 * (eddy__q_dead_letter). Redrive tasks (SQS StartMessageMoveTask) are records in QAUX under
 * their source queue; they advance only inside eddy_queue_redrive_run, each step one bounded
 * transaction that moves messages and records the task's progress together, so a crash loses
 * nothing and a reopened env resumes where the last commit left off.
 */
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "catalog.h"
#include "error.h"
#include "keys.h"
#include "queue_int.h"

#define REDRIVE_STEP     1000u
#define REDRIVE_RATE_MAX 500u

int eddy__q_dead_letter(eddy__wtx *w, const eddy__q *q, eddy__qcounters *c, uint64_t msg_id,
                        const eddy__qstate *s, int *moved)
{
    eddy__qcounters dc;
    eddy__q d;
    int rc;

    *moved = 0;
    rc = eddy__q_get(w->env, w->txn, q->cfg.dlq, strlen(q->cfg.dlq), &d);
    if (rc == EDDY_ENOTFOUND) {
        /* The dead-letter queue was deleted: deliver as if there were no redrive policy. */
        eddy__err_clear();
        return 0;
    }
    if (rc != 0 || (rc = eddy__q_counters_get(w->env, w->txn, d.id, &dc)) != 0)
        return rc;
    if ((rc = eddy__q_msg_copy(w, q->id, msg_id, s, d.id, &dc, 1)) != 0 ||
        (rc = eddy__q_counters_put(w, d.id, &dc)) != 0)
        return rc;
    *moved = 1;
    return eddy__q_msg_remove(w, q->id, msg_id, s, c);
}

/* ---- task records ---- */

static int task_get(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t task_id, eddy__qtask *t)
{
    uint8_t k[EDDY__QKEY_TASK_LEN];
    eddy__ferr fe;
    MDB_val v;
    int rc;

    eddy__qkey_task(k, qid, task_id);
    if ((rc = eddy__get(env, txn, EDDY__T_QAUX, k, sizeof k, &v)) != 0)
        return rc == EDDY_ENOTFOUND
                   ? eddy__err(rc, "no redrive task %llu", (unsigned long long)task_id)
                   : rc;
    if (eddy__qtask_decode(v.mv_data, v.mv_size, t, &fe) != 0)
        return EDDY__CORRUPT("queue %llu task %llu: %s", (unsigned long long)qid,
                             (unsigned long long)task_id, fe.msg);
    return 0;
}

static int task_put(eddy__wtx *w, uint64_t qid, uint64_t task_id, const eddy__qtask *t)
{
    uint8_t k[EDDY__QKEY_TASK_LEN], v[EDDY__QTASK_MAX_LEN];
    size_t len;

    eddy__qkey_task(k, qid, task_id);
    if (eddy__qtask_encode(v, sizeof v, t, &len) != 0)
        return eddy__err(EDDY_EINTERNAL, "redrive task does not encode");
    return eddy__put(w, EDDY__T_QAUX, k, sizeof k, v, len, 0);
}

/* Visit the tasks of queue qid in id order; fn returns nonzero to stop. */
typedef int (*task_fn)(void *ctx, uint64_t task_id, const eddy__qtask *t);

static int task_scan(eddy_env *env, MDB_txn *txn, uint64_t qid, task_fn fn, void *ctx)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN + 1];
    MDB_cursor *cur = NULL;
    uint64_t kq, task_id;
    eddy__qtask t;
    eddy__ferr fe;
    MDB_val k, v;
    int rc;

    /* qid | 't': FIFO queues keep other kinds of entries in QAUX too (fifo_keys.h). */
    eddy__qkey_prefix(pfx, qid);
    pfx[EDDY__QKEY_PREFIX_LEN] = EDDY__QKEY_TASK_TAG;
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QAUX, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_task_decode(k.mv_data, k.mv_size, &kq, &task_id, &fe) != 0 ||
            eddy__qtask_decode(v.mv_data, v.mv_size, &t, &fe) != 0) {
            rc = EDDY__CORRUPT("queue %llu redrive task: %s", (unsigned long long)qid, fe.msg);
            break;
        }
        if ((rc = fn(ctx, task_id, &t)) != 0)
            break;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static int find_running(void *ctx, uint64_t task_id, const eddy__qtask *t)
{
    if (t->status != EDDY__QTASK_RUNNING)
        return 0;
    *(uint64_t *)ctx = task_id;
    return 1;
}

/* ---- start, cancel ---- */

typedef struct qtask_op {
    const char *src;
    size_t src_len;
    const char *dest; /* NULL = origins */
    size_t dest_len;
    uint32_t max_per_s;
    uint64_t task_id; /* in for cancel, out for start */
} qtask_op;

static int start_apply(eddy__wtx *w, void *arg)
{
    qtask_op *a = arg;
    eddy__qcounters c;
    eddy__qtask t;
    uint64_t running = 0;
    eddy__q q, d;
    int rc;

    memset(&t, 0, sizeof t);
    if ((rc = eddy__q_get(w->env, w->txn, a->src, a->src_len, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    if (a->dest != NULL && (rc = eddy__q_get(w->env, w->txn, a->dest, a->dest_len, &d)) != 0)
        return rc;
    if (a->dest != NULL && d.cfg.fifo != q.cfg.fifo)
        return eddy__err(EDDY_EINVAL,
                         "redrive from %s queue '%s' to %s queue '%s': the types "
                         "must match (FIFO to FIFO, standard to standard)",
                         q.cfg.fifo ? "FIFO" : "standard", a->src, d.cfg.fifo ? "FIFO" : "standard",
                         a->dest);
    rc = task_scan(w->env, w->txn, q.id, find_running, &running);
    if (rc < 0)
        return rc;
    if (running != 0)
        return eddy__err(EDDY_EBUSY, "queue '%s' already has running redrive task %llu", a->src,
                         (unsigned long long)running);
    t.status = EDDY__QTASK_RUNNING;
    t.max_per_s = a->max_per_s;
    t.started_ms = t.updated_ms = w->now_ms;
    t.to_move = c.n_msgs;
    t.end_msg_id = c.next_msg_id;
    t.dest_qid = a->dest != NULL ? d.id : 0;
    a->task_id = c.next_task_id++;
    if ((rc = task_put(w, q.id, a->task_id, &t)) != 0)
        return rc;
    return eddy__q_counters_put(w, q.id, &c);
}

EDDY_API int eddy_queue_redrive_start(eddy_env *env, const char *source, const char *dest,
                                      uint32_t max_per_s, uint64_t *task_id_out)
{
    qtask_op a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(source, &a.src_len)))
        return rc;
    if (dest != NULL && dest[0] != '\0') {
        if ((rc = eddy__q_name_check(dest, &a.dest_len)) != 0)
            return rc;
        if (strcmp(dest, source) == 0)
            return eddy__err(EDDY_EINVAL, "redrive from '%s' to itself", source);
        a.dest = dest;
    }
    if (max_per_s > REDRIVE_RATE_MAX)
        return eddy__err(EDDY_EINVAL, "redrive rate %u per second (at most %u)", max_per_s,
                         REDRIVE_RATE_MAX);
    a.src = source;
    a.max_per_s = max_per_s;
    if ((rc = eddy__write_adding(env, start_apply, NULL, &a)) == 0 && task_id_out != NULL)
        *task_id_out = a.task_id;
    return rc;
}

static int cancel_apply(eddy__wtx *w, void *arg)
{
    qtask_op *a = arg;
    eddy__qtask t;
    eddy__q q;
    int rc;

    if ((rc = eddy__q_get(w->env, w->txn, a->src, a->src_len, &q)) != 0 ||
        (rc = task_get(w->env, w->txn, q.id, a->task_id, &t)) != 0)
        return rc;
    if (t.status != EDDY__QTASK_RUNNING)
        return eddy__err(EDDY_EEXPIRED, "redrive task %llu of '%s' is not running",
                         (unsigned long long)a->task_id, a->src);
    t.status = EDDY__QTASK_CANCELLED;
    t.updated_ms = w->now_ms;
    return task_put(w, q.id, a->task_id, &t);
}

EDDY_API int eddy_queue_redrive_cancel(eddy_env *env, const char *source, uint64_t task_id)
{
    qtask_op a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(source, &a.src_len)))
        return rc;
    a.src = source;
    a.task_id = task_id;
    return eddy__write(env, cancel_apply, NULL, &a);
}

/* ---- run ---- */

typedef struct qstep {
    char src[EDDY__QNAME_MAX + 1];
    uint64_t qid;
    uint64_t task_id;
    uint32_t budget;
    uint32_t moved; /* out */
    int finished;   /* out: the task is no longer running */
} qstep;

static int step_ids(eddy__wtx *w, uint64_t qid, uint64_t end_id, uint64_t *ids, uint32_t cap,
                    uint32_t *n)
{
    uint8_t pfx[EDDY__QKEY_PREFIX_LEN];
    MDB_cursor *cur = NULL;
    uint64_t kq;
    eddy__ferr fe;
    MDB_val k, v;
    int rc, type;

    *n = 0;
    eddy__qkey_prefix(pfx, qid);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QMSG, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, pfx, sizeof pfx, NULL, 0, &k, &v); rc == 0 && *n < cap;
         rc = eddy__cur_next_prefix(cur, pfx, sizeof pfx, &k, &v)) {
        if (eddy__qkey_msg_decode(k.mv_data, k.mv_size, &kq, &ids[*n], &type, &fe) != 0) {
            rc = EDDY__CORRUPT("queue %llu messages: %s", (unsigned long long)qid, fe.msg);
            break;
        }
        if (type != EDDY__QK_RECORD)
            continue; /* states, and the counters after the messages */
        if (ids[*n] >= end_id)
            break;
        (*n)++;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Where message msg_id goes: the task's destination, else its origin. 0 + reason if nowhere. */
static int step_dest(eddy__wtx *w, const eddy__qtask *t, uint64_t qid, uint64_t msg_id,
                     uint64_t *dest, char *reason)
{
    uint8_t k[EDDY__QKEY_MSG_LEN];
    eddy__qmeta m;
    eddy__rec rec;
    eddy__ferr fe;
    MDB_val v;
    eddy__q d;
    int rc;

    *dest = t->dest_qid;
    if (*dest == 0) {
        eddy__qkey_msg(k, qid, msg_id);
        if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, sizeof k, &v)) != 0 ||
            (rc = eddy__payload_peek(EDDY__T_QMSG, k, sizeof k, &v, &rec)) != 0)
            return rc == EDDY_ENOTFOUND
                       ? EDDY__CORRUPT("message %llu has no record", (unsigned long long)msg_id)
                       : rc;
        if (eddy__qmeta_decode(rec.meta, rec.meta_len, &m, &fe) != 0)
            return EDDY__CORRUPT("message %llu: %s", (unsigned long long)msg_id, fe.msg);
        *dest = m.origin_qid;
    }
    if (*dest == 0 || *dest == qid) {
        /* No origin, or (after dead-letter cycles between two queues) the source itself. */
        snprintf(reason, EDDY__QTASK_REASON_MAX + 1, "message %llu has no origin queue to go to",
                 (unsigned long long)msg_id);
        *dest = 0;
        return 0;
    }
    rc = eddy__q_get_by_id(w->env, w->txn, *dest, &d);
    if (rc == EDDY_ENOTFOUND) {
        snprintf(reason, EDDY__QTASK_REASON_MAX + 1,
                 "destination queue %llu of message %llu "
                 "no longer exists",
                 (unsigned long long)*dest, (unsigned long long)msg_id);
        eddy__err_clear();
        *dest = 0;
        return 0;
    }
    if (rc == 0 && t->dest_qid == 0 && d.cfg.fifo != (m.group_len > 0)) {
        /* A queue re-created under the origin's name with the other type. */
        snprintf(reason, EDDY__QTASK_REASON_MAX + 1,
                 "destination queue %llu of message %llu is of the other type (%s)",
                 (unsigned long long)*dest, (unsigned long long)msg_id,
                 d.cfg.fifo ? "FIFO" : "standard");
        *dest = 0;
        return 0;
    }
    return rc;
}

static int step_move(eddy__wtx *w, const eddy__qtask *t, uint64_t qid, eddy__qcounters *c,
                     uint64_t msg_id, char *reason, uint32_t *moved)
{
    eddy__qcounters dc;
    eddy__qstate s;
    uint64_t dest = 0;
    int rc;

    if ((rc = step_dest(w, t, qid, msg_id, &dest, reason)) != 0 || dest == 0)
        return rc;
    if ((rc = eddy__q_state_get(w->env, w->txn, qid, msg_id, &s)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, dest, &dc)) != 0 ||
        (rc = eddy__q_msg_copy(w, qid, msg_id, &s, dest, &dc, 0)) != 0 ||
        (rc = eddy__q_counters_put(w, dest, &dc)) != 0)
        return rc;
    (*moved)++;
    return eddy__q_msg_remove(w, qid, msg_id, &s, c);
}

static uint32_t step_allowed(const eddy__qtask *t, uint64_t now, uint32_t budget)
{
    uint64_t due;

    if (budget > REDRIVE_STEP)
        budget = REDRIVE_STEP;
    if (t->max_per_s == 0)
        return budget;
    due = (now > t->started_ms ? now - t->started_ms : 0) * t->max_per_s / 1000u;
    due = due > t->moved ? due - t->moved : 0;
    return due < budget ? (uint32_t)due : budget;
}

static int step_apply(eddy__wtx *w, void *arg)
{
    qstep *a = arg;
    char reason[EDDY__QTASK_REASON_MAX + 1] = "";
    uint64_t *ids = NULL;
    uint32_t n = 0, cap;
    eddy__qcounters c;
    eddy__qtask t;
    eddy__q q;
    int rc;

    a->moved = 0;
    a->finished = 0;
    if ((rc = eddy__q_get_same(w, a->src, strlen(a->src), a->qid, &q)) != 0 ||
        (rc = task_get(w->env, w->txn, q.id, a->task_id, &t)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    if (t.status != EDDY__QTASK_RUNNING || (cap = step_allowed(&t, w->now_ms, a->budget)) == 0) {
        a->finished = t.status != EDDY__QTASK_RUNNING;
        return 0;
    }
    if ((ids = eddy__malloc(w->env, cap * sizeof *ids)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a redrive step");
    rc = step_ids(w, q.id, t.end_msg_id, ids, cap, &n);
    for (uint32_t i = 0; rc == 0 && i < n && reason[0] == '\0'; i++)
        rc = step_move(w, &t, q.id, &c, ids[i], reason, &a->moved);
    eddy__free(w->env, ids);
    if (rc != 0)
        return rc;
    t.moved += a->moved;
    t.updated_ms = w->now_ms;
    if (reason[0] != '\0') {
        t.status = EDDY__QTASK_FAILED;
        memcpy(t.reason, reason, sizeof t.reason);
    } else if (n < cap) {
        t.status = EDDY__QTASK_COMPLETED;
    }
    a->finished = t.status != EDDY__QTASK_RUNNING;
    if ((rc = task_put(w, q.id, a->task_id, &t)) != 0)
        return rc;
    return eddy__q_counters_put(w, q.id, &c);
}

typedef struct qrunning {
    eddy_env *env;
    MDB_txn *txn;
    qstep *steps;
    size_t n, cap;
    const char *name;
    uint64_t qid;
    int rc;
} qrunning;

static int add_running(void *ctx, uint64_t task_id, const eddy__qtask *t)
{
    qrunning *r = ctx;

    if (t->status != EDDY__QTASK_RUNNING)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        void *p = eddy__realloc(r->env, r->steps, cap * sizeof *r->steps);
        if (p == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory listing redrive tasks");
        r->steps = p;
        r->cap = cap;
    }
    memset(&r->steps[r->n], 0, sizeof r->steps[0]);
    snprintf(r->steps[r->n].src, sizeof r->steps[0].src, "%s", r->name);
    r->steps[r->n].qid = r->qid;
    r->steps[r->n++].task_id = task_id;
    return 0;
}

static int visit_queue(void *ctx, const char *name, size_t name_len, const eddy__cat_entry *e)
{
    qrunning *r = ctx;
    char buf[EDDY__QNAME_MAX + 1];

    if (name_len > EDDY__QNAME_MAX)
        return EDDY__CORRUPT("queue name of %zu bytes in the catalog", name_len);
    memcpy(buf, name, name_len);
    buf[name_len] = '\0';
    r->name = buf;
    r->qid = e->id;
    return task_scan(r->env, r->txn, e->id, add_running, r);
}

EDDY_API int eddy_queue_redrive_run(eddy_env *env, uint32_t max_n, uint64_t *moved_out)
{
    uint32_t budget = max_n == 0 ? REDRIVE_STEP : max_n;
    uint64_t total = 0;
    qrunning r;
    int rc;

    if (moved_out != NULL)
        *moved_out = 0;
    if ((rc = eddy__env_enter_write(env)) != 0)
        return rc;
    memset(&r, 0, sizeof r);
    r.env = env;
    if ((rc = eddy__rtxn_begin(env, &r.txn)) != 0)
        return rc;
    rc = eddy__cat_list(env, r.txn, EDDY__OBJ_QUEUE, visit_queue, &r);
    eddy__rtxn_end(env, r.txn);
    for (size_t i = 0; rc == 0 && i < r.n && budget > 0; i++) {
        qstep *s = &r.steps[i];
        do {
            s->budget = budget;
            if ((rc = eddy__write(env, step_apply, eddy__q_wake, s)) != 0)
                break;
            budget -= s->moved;
            total += s->moved;
        } while (!s->finished && s->moved > 0 && budget > 0);
    }
    eddy__free(env, r.steps);
    if (moved_out != NULL)
        *moved_out = total;
    return rc;
}

typedef struct qlist {
    eddy_env *env;
    MDB_txn *txn;
    const char *src;
    eddy_queue_redrive_task *out;
    size_t cap, n, seen, total;
} qlist;

static int count_task(void *ctx, uint64_t task_id, const eddy__qtask *t)
{
    (void)task_id;
    (void)t;
    ((qlist *)ctx)->total++;
    return 0;
}

/* Fill newest first: task ids grow, so the i-th of `total` in id order goes to total-1-i. */
static int fill_task(void *ctx, uint64_t task_id, const eddy__qtask *t)
{
    qlist *l = ctx;
    size_t slot = l->total - 1 - l->seen++;
    eddy_queue_redrive_task *o;
    uint8_t kind = 0;

    if (slot >= l->cap)
        return 0;
    o = &l->out[slot];
    memset(o, 0, sizeof *o);
    o->task_id = task_id;
    o->status = t->status;
    snprintf(o->source, sizeof o->source, "%s", l->src);
    if (t->dest_qid != 0 &&
        eddy__cat_name(l->env, l->txn, t->dest_qid, &kind, o->dest, sizeof o->dest) != 0)
        snprintf(o->dest, sizeof o->dest, "%s", "?deleted");
    o->max_per_s = t->max_per_s;
    o->started_ms = t->started_ms;
    o->updated_ms = t->updated_ms;
    o->moved = t->moved;
    o->to_move = t->to_move;
    snprintf(o->failure, sizeof o->failure, "%s", t->reason);
    l->n++;
    return 0;
}

static int queue_redrive_list_impl(eddy_env *env, const char *source, eddy_queue_redrive_task *out,
                                   size_t cap, size_t *n_out)
{
    size_t len;
    qlist l;
    eddy__q q;
    int rc;

    if ((rc = eddy__env_enter(env)) != 0 || (rc = eddy__q_name_check(source, &len)) != 0)
        return rc;
    if (n_out == NULL || (out == NULL && cap > 0))
        return eddy__err(EDDY_EINVAL, "n_out is NULL, or out is NULL with cap %zu", cap);
    memset(&l, 0, sizeof l);
    l.env = env;
    l.src = source;
    l.out = out;
    l.cap = cap;
    if ((rc = eddy__rtxn_begin(env, &l.txn)) != 0)
        return rc;
    if ((rc = eddy__q_get(env, l.txn, source, len, &q)) == 0 &&
        (rc = task_scan(env, l.txn, q.id, count_task, &l)) == 0)
        rc = task_scan(env, l.txn, q.id, fill_task, &l);
    eddy__rtxn_end(env, l.txn);
    *n_out = rc == 0 ? l.n : 0;
    return rc;
}

EDDY_API int eddy_queue_redrive_list(eddy_env *env, const char *source,
                                     eddy_queue_redrive_task *out, size_t cap, size_t *n_out)
{
    size_t n = 0;
    void *work = NULL, *tmp = NULL;
    int rc;

    if (env == NULL || out == NULL || cap == 0)
        return queue_redrive_list_impl(env, source, out, cap, n_out);
    if ((rc = eddy__env_enter(env)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, out, cap, sizeof *out,
                                    EDDY__SIZE_V1(eddy_queue_redrive_task),
                                    "eddy_queue_redrive_task", &work, &tmp)) != 0)
        return rc;
    rc = queue_redrive_list_impl(env, source, work, cap, n_out != NULL ? &n : NULL);
    if (rc == 0)
        eddy__array_out_end(out, work, n < cap ? n : cap, sizeof *out);
    if (n_out != NULL)
        *n_out = n;
    eddy__free(env, tmp);
    return rc;
}
