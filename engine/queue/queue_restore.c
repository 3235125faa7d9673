/*
 * queue_restore.c: eddy_queue_restore_batch, storing messages with the ids and times they had
 * (import of what eddy_queue_scan exported). The caller's thread validates and encodes every
 * entry as a send does (queue_send.c); the write op checks the ids against the queue's next id,
 * sets the times and the origin in the meta, and inserts through the same store primitive as a
 * send, so counters and indexes stay in step. All or nothing: one bad entry fails the batch.
 */
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "abi.h"
#include "error.h"
#include "queue_int.h"

typedef struct qrestore {
    const char *name;
    size_t name_len;
    uint64_t qid;
    size_t n;
    const eddy_queue_restore_entry *in;
    eddy__qentry *e;
    eddy_queue_send_result *results;
} qrestore;

/* What restore adds to a send's checks: the identity and times of entry i. */
static int restore_check(const eddy_queue_restore_entry *r, const eddy_queue_restore_entry *prev)
{
    if (r->msg_id == 0 || r->msg_id > EDDY__QMSG_ID_MAX)
        return eddy__err(EDDY_EINVAL, "message id %llu out of range 1..%llu",
                         (unsigned long long)r->msg_id, (unsigned long long)EDDY__QMSG_ID_MAX);
    if (prev != NULL && r->msg_id <= prev->msg_id)
        return eddy__err(EDDY_EINVAL, "message id %llu does not follow %llu of the entry before",
                         (unsigned long long)r->msg_id, (unsigned long long)prev->msg_id);
    if (r->sent_ms == 0)
        return eddy__err(EDDY_EINVAL, "message %llu has no send time",
                         (unsigned long long)r->msg_id);
    if (r->first_receive_ms != 0 && r->receive_count == 0)
        return eddy__err(EDDY_EINVAL, "message %llu has a first receive time but no receives",
                         (unsigned long long)r->msg_id);
    if (r->visible_ms > EDDY__QDEADLINE_MAX || r->sent_ms > EDDY__QDEADLINE_MAX ||
        r->enqueued_ms > EDDY__QDEADLINE_MAX)
        return eddy__err(EDDY_EINVAL, "message %llu has a time beyond the year 4000",
                         (unsigned long long)r->msg_id);
    return 0;
}

/* Validate and encode entry i as a send would, plus restore's own checks. */
static int restore_prepare_one(eddy_env *env, const eddy__q *q, uint32_t dict, qrestore *a,
                               size_t i)
{
    const eddy_queue_restore_entry *r = &a->in[i];
    eddy_queue_send_entry m;
    size_t size = 0, area = 0;
    int rc;

    if ((rc = restore_check(r, i > 0 ? &a->in[i - 1] : NULL)) != 0)
        return rc;
    memset(&m, 0, sizeof m);
    m.body = r->body;
    m.attrs = r->attrs;
    m.attr_count = r->attr_count;
    m.delay_ms = q->cfg.fifo ? 0 : EDDY_QUEUE_ZERO_MS; /* unused: visible_ms says when */
    m.group_id = r->group_id;
    m.dedup_id = r->dedup_id;
    if ((rc = eddy__q_entry_check(q, &m, &size, &area)) != 0 ||
        (rc = eddy__q_entry_prepare(env, q, dict, &m, area, &a->e[i])) != 0)
        return rc;
    a->results[i].body_xxh3 = XXH3_64bits(r->body.data, r->body.len);
    return 0;
}

/* An id below the queue's next one: a collision when stored, else it goes backwards. */
static int id_refused(eddy__wtx *w, const qrestore *a, uint64_t id, uint64_t next)
{
    eddy__qstate s;
    int rc = eddy__q_state_get(w->env, w->txn, a->qid, id, &s);

    if (rc == 0)
        return eddy__err(EDDY_EEXIST, "queue '%s' already stores message %llu", a->name,
                         (unsigned long long)id);
    if (rc != EDDY_ENOTFOUND)
        return rc;
    return eddy__err(EDDY_EINVAL,
                     "message id %llu of queue '%s' goes backwards: ids below %llu were "
                     "handed out already",
                     (unsigned long long)id, a->name, (unsigned long long)next);
}

static int restore_apply(eddy__wtx *w, void *arg)
{
    qrestore *a = arg;
    eddy__qcounters c;
    eddy__qstate s;
    eddy__q q;
    int rc;

    for (size_t i = 0; i < a->n; i++)
        a->results[i].rc = 0;
    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    for (size_t i = 0; i < a->n; i++) {
        const eddy_queue_restore_entry *r = &a->in[i];
        eddy__qentry *e = &a->e[i];
        if (r->msg_id < c.next_msg_id) {
            a->results[i].rc = id_refused(w, a, r->msg_id, c.next_msg_id);
            return a->results[i].rc;
        }
        memset(&s, 0, sizeof s);
        s.kind = EDDY__QSTATE_WAITING;
        s.receive_count = r->receive_count;
        s.first_receive_ms = r->first_receive_ms;
        s.deadline_ms = r->visible_ms != 0 ? r->visible_ms : w->now_ms;
        /* A message received whose visibility deadline is still ahead was in flight: it stays
         * in flight until then (counted so), with a fresh nonce so that no old receipt works;
         * "delayed" would claim it was never received. */
        if (r->receive_count > 0 && s.deadline_ms > w->now_ms) {
            s.kind = EDDY__QSTATE_INFLIGHT;
            s.received_ms = w->now_ms;
            s.nonce = eddy__rand64(w->env) | 1;
        }
        s.enq_ms = r->enqueued_ms != 0 ? r->enqueued_ms : r->sent_ms;
        eddy__qmeta_set_times(e->meta, e->meta_len, r->sent_ms, s.enq_ms);
        eddy__qmeta_set_origin(e->meta, e->meta_len, r->origin_queue_id, r->origin_msg_id);
        c.next_msg_id = r->msg_id;
        if ((rc = eddy__q_msg_insert(w, q.id, &c, e->meta, e->meta_len, &e->p, &s,
                                     &a->results[i].msg_id)) != 0)
            return rc;
        a->results[i].sent_ms = r->sent_ms;
    }
    return eddy__q_counters_put(w, q.id, &c);
}

static int restore_many(eddy_env *env, const char *name, const eddy_queue_restore_entry *entries,
                        size_t n, eddy_queue_send_result *results)
{
    eddy__q_batch b;
    qrestore a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__q_batch_begin(env, name, entries, results, n, 0, &b)) != 0)
        return rc;
    memset(results, 0, n * sizeof *results);
    a.name = name;
    a.name_len = b.name_len;
    a.qid = b.q.id;
    a.n = n;
    a.in = entries;
    a.e = b.e;
    a.results = results;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = restore_prepare_one(env, &b.q, b.c.dict_id, &a, i)) != 0)
            results[i].rc = rc;
    if (rc == 0)
        rc = eddy__write_adding(env, restore_apply, eddy__q_wake, &a);
    if (rc != 0) {
        for (size_t i = 0; i < n; i++) {
            results[i].msg_id = results[i].sent_ms = 0;
            results[i].body_xxh3 = 0;
        }
    }
    eddy__q_entries_release(env, a.e, a.n);
    return rc;
}

EDDY_API int eddy_queue_restore_batch(eddy_env *env, const char *name,
                                      const eddy_queue_restore_entry *entries, size_t n,
                                      eddy_queue_send_result *results)
{
    const void *in = NULL;
    void *tmp_in = NULL, *tmp_out = NULL, *work = NULL;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if ((rc = eddy__array_in(env, entries, n, sizeof *entries,
                             EDDY__SIZE_V1(eddy_queue_restore_entry), "eddy_queue_restore_entry",
                             &in, &tmp_in)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, results, n, sizeof *results,
                                    EDDY__SIZE_V1(eddy_queue_send_result), "eddy_queue_send_result",
                                    &work, &tmp_out)) != 0)
        goto out;
    rc = restore_many(env, name, in, n, work);
    eddy__array_out_end(results, work, n, sizeof *results);
out:
    eddy__free(env, tmp_in);
    eddy__free(env, tmp_out);
    return rc;
}
