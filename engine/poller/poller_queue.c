/*
 * poller_queue.c: the queue source of a poller (SQS event-source mapping). Each worker keeps
 * the receipts of its finished batch and commits their deletes in the same write op that
 * receives its next batch, so a draining poller pays one commit (one sync) per batch instead of
 * a receive/delete loop's two. The op takes messages through the receive policy that
 * eddy_queue_receive uses (queue_take.c: lazy expiry, dead-letter moves at max_receive_count, the
 * in-flight limit, fresh nonces) and follows eddy_queue_delete's rules (a stale receipt deletes
 * nothing). Bodies are decompressed and checked
 * after the commit, in the worker's thread. Never runs a callback inside a transaction.
 */
#include <string.h>

#include "error.h"
#include "poller_int.h"
#include "fifo_keys.h"
#include "queue_int.h"

typedef struct pq_op {
    const char *name;
    size_t name_len;
    uint64_t qid;
    const eddy__pq_ref *acks; /* delete these (if still theirs) */
    size_t n_acks;
    const eddy__pq_held *rel; /* make these visible now (if still theirs) */
    size_t n_rel;
    uint32_t vis_ms; /* 0 = the queue's */
    eddy__q_taker t; /* receive: max, budget, first; out: items[0..n), full, moved */
    int wake;        /* out: messages became visible now, or dead letters moved */
    eddy__q q;       /* out: the queue as the op saw it */
} pq_op;

/* The message's state, if `r` still describes its latest receive. */
static int ref_state(eddy__wtx *w, uint64_t qid, const eddy__pq_ref *r, eddy__qstate *s, int *ok)
{
    int rc = eddy__q_state_get(w->env, w->txn, qid, r->msg_id, s);

    *ok = 0;
    if (rc == EDDY_ENOTFOUND)
        return 0; /* deleted, expired or moved meanwhile: nothing to do */
    if (rc != 0)
        return rc;
    *ok = s->kind == EDDY__QSTATE_INFLIGHT && s->receive_count == r->receive_count &&
          s->nonce == r->nonce;
    return 0;
}

static int op_apply(eddy__wtx *w, void *arg)
{
    pq_op *a = arg;
    eddy__qcounters c;
    eddy__qstate s, ns;
    int rc, ok;

    eddy__q_taken_release(w->env, &a->t);
    a->wake = 0;
    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &a->q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, a->qid, &c)) != 0)
        return rc;
    /* The finished batch: a receipt that went stale (received again after its timeout ran
     * out) deletes nothing, as eddy_queue_delete_message would refuse it. */
    for (size_t i = 0; i < a->n_acks; i++) {
        if ((rc = ref_state(w, a->qid, &a->acks[i], &s, &ok)) != 0)
            return rc;
        if (ok && (rc = eddy__q_msg_remove(w, a->qid, a->acks[i].msg_id, &s, &c)) != 0)
            return rc;
    }
    for (size_t i = 0; i < a->n_rel; i++) {
        if ((rc = ref_state(w, a->qid, &a->rel[i].ref, &s, &ok)) != 0)
            return rc;
        if (!ok)
            continue;
        ns = s;
        ns.deadline_ms = w->now_ms;
        if ((rc = eddy__q_state_set(w, a->qid, a->rel[i].ref.msg_id, &s, &ns, &c)) != 0)
            return rc;
        a->wake = 1;
    }
    if (a->t.max > 0) {
        a->t.q = &a->q;
        a->t.c = &c;
        a->t.vis_ms = a->vis_ms != 0 ? a->vis_ms : a->q.cfg.visibility_timeout_ms;
        a->t.bytes = 0;
        rc = eddy__q_take_due(w, &a->t);
        a->t.c = NULL;
        a->wake |= a->t.moved;
        if (rc != 0)
            return rc;
    }
    return eddy__q_counters_put(w, a->qid, &c);
}

static void op_after(eddy_env *env, void *arg)
{
    if (((pq_op *)arg)->wake)
        eddy__q_wake(env, arg);
}

/* Is anything receivable now? A read-only look, so an idle poll costs no commit. Expired
 * messages alone do not wake a poller: a receive removes them when it runs anyway. */
static int peek(eddy_env *env, uint64_t qid, int *any)
{
    *any = 0;
    if (env->opt.durability == EDDY_ENV_DURABILITY_RELAXED) {
        *any = 1; /* acknowledged sends may not be committed yet: let the op look */
        return 0;
    }
    return eddy__q_peek(env, qid, 0, eddy__now_ms(env), any);
}

/* ---- worker memory ---- */

static int grow(eddy_env *env, void **arr, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap;
    void *n;

    if (need <= c)
        return 0;
    while (c < need)
        c = c < 16 ? 16 : c * 2;
    if ((n = eddy__realloc(env, *arr, c * size)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a poller batch");
    *arr = n;
    *cap = c;
    return 0;
}

static int ack_push(eddy_env *env, eddy__pq_worker *w, const eddy__pq_ref *r)
{
    int rc = grow(env, (void **)&w->acks, &w->cap_acks, w->n_acks + 1, sizeof *w->acks);
    if (rc == 0)
        w->acks[w->n_acks++] = *r;
    return rc;
}

static void held_free(eddy_env *env, eddy__pq_held *h)
{
    eddy__free(env, h->body_block);
    eddy__free(env, h->attr_block);
    h->body_block = h->attr_block = NULL;
}

static void held_clear(eddy_env *env, eddy__pq_worker *w)
{
    for (size_t i = 0; i < w->n_held; i++)
        held_free(env, &w->held[i]);
    w->n_held = 0;
    w->held_bytes = 0;
    w->window_start_ms = 0;
}

static int pq_init(eddy_poller *p)
{
    p->n_qw = (p->opt.flags & EDDY_POLLER_MANUAL) ? 1 : p->opt.max_concurrency;
    p->qw = eddy__calloc(p->env, p->n_qw, sizeof *p->qw);
    return p->qw != NULL ? 0 : eddy__err(EDDY_ENOMEM, "out of memory for a poller");
}

static void pq_fini(eddy_poller *p)
{
    for (size_t i = 0; p->qw != NULL && i < p->n_qw; i++) {
        eddy__pq_worker *w = &p->qw[i];
        held_clear(p->env, w);
        eddy__free(p->env, w->held);
        eddy__free(p->env, w->acks);
    }
    eddy__free(p->env, p->qw);
    p->qw = NULL;
    p->n_qw = 0;
}

/* Turn one received record into a held item (attributes and body copied out). */
static int held_fill(eddy_env *env, const eddy__q *q, const eddy__q_taken *it, eddy__pq_held *h)
{
    const char *dedup;
    eddy__qmeta meta;
    eddy__ferr fe;
    int rc;

    memset(h, 0, sizeof *h);
    h->ref.msg_id = it->msg_id;
    h->ref.receive_count = it->s.receive_count;
    h->ref.nonce = it->s.nonce;
    if (eddy__qmeta_decode(it->l.rec.meta, it->l.rec.meta_len, &meta, &fe) != 0)
        return EDDY__CORRUPT("queue '%s' message %llu: %s", q->name, (unsigned long long)it->msg_id,
                             fe.msg);
    h->item.msg_id = it->msg_id;
    h->item.receive_count = it->s.receive_count;
    h->item.sent_ms = meta.sent_ms;
    h->item.first_receive_ms = it->s.first_receive_ms;
    h->item.attr_count = meta.attr_count;
    if ((rc = eddy__q_attrs_copy(env, &meta, &h->item.attrs, &h->attr_block)) != 0)
        return rc;
    eddy__q_fifo_ids(&meta, h->attr_block, &h->item.group_id, &dedup);
    if (meta.group_len > 0)
        eddy__qseq_to_dec(q->id, it->msg_id, h->item.sequence_number);
    return eddy__q_body_copy(env, q, it->msg_id, &it->l, meta.body_xxh3, &h->item.body,
                             &h->body_block);
}

/* Run the op: commit acks and releases, receive up to max. Received items become held ones (or
 * acks when a filter drops them). */
static int run_op(eddy_poller *p, eddy__pq_worker *w, uint32_t max, const eddy__pq_held *rel,
                  size_t n_rel, int *full)
{
    eddy_env *env = p->env;
    pq_op a;
    int rc, rc2 = 0;

    memset(&a, 0, sizeof a);
    a.name = p->name;
    a.name_len = strlen(p->name);
    a.qid = p->source_id;
    a.acks = w->acks;
    a.n_acks = w->n_acks;
    a.rel = rel;
    a.n_rel = n_rel;
    a.t.max = max;
    a.t.first = w->n_held == 0;
    a.t.budget = p->opt.payload_max > w->held_bytes ? p->opt.payload_max - w->held_bytes : 0;
    a.vis_ms = p->opt.visibility_timeout_ms;
    if (max > 0 && (a.t.items = eddy__calloc(env, max, sizeof *a.t.items)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory receiving");
    rc = eddy__write(env, op_apply, op_after, &a);
    atomic_fetch_add(&p->commits, 1);
    if (rc == 0) {
        w->n_acks = 0;
        *full = a.t.full;
        rc = grow(env, (void **)&w->held, &w->cap_held, w->n_held + a.t.n, sizeof *w->held);
    }
    for (uint32_t i = 0; rc == 0 && i < a.t.n; i++) {
        eddy__pq_held *h = &w->held[w->n_held];
        bool match = true;
        if ((rc = held_fill(env, &a.q, &a.t.items[i], h)) == 0 && p->filter != NULL)
            rc = eddy__filter_match(p->filter, EDDY_POLLER_SOURCE_QUEUE, &h->item, &match);
        if (rc != 0) {
            /* Received but not delivered: it comes back after its timeout (at least once). */
            held_free(env, h);
            break;
        }
        if (!match) {
            atomic_fetch_add(&p->filtered, 1);
            rc2 = ack_push(env, w, &h->ref); /* filtered out: deleted in the next commit */
            held_free(env, h);
            continue;
        }
        if (w->n_held == 0)
            w->window_start_ms = eddy__now_ms(env);
        w->held_bytes += h->item.body.len;
        w->n_held++;
    }
    eddy__q_taken_release(env, &a.t);
    eddy__free(env, a.t.items);
    return rc != 0 ? rc : rc2;
}

static int pq_flush_worker(eddy_poller *p, eddy__pq_worker *w)
{
    int full = 0, rc = 0;

    if (w->n_acks > 0 || w->n_held > 0)
        rc = run_op(p, w, 0, w->held, w->n_held, &full);
    held_clear(p->env, w);
    return rc;
}

/*
 * FIFO (Lambda's rule for FIFO sources): a group stops at its first failed message, so every
 * later message of that group in the batch counts as failed too. None of them is deleted: they
 * stay in flight, which blocks the group, and come back in order after the timeout.
 */
static void fifo_fail_rest(const eddy_poller_item *items, size_t n, bool *bad)
{
    for (size_t i = 0; i < n; i++) {
        if (!bad[i] || items[i].group_id == NULL)
            continue;
        for (size_t j = i + 1; j < n; j++)
            if (!bad[j] && items[j].group_id != NULL &&
                strcmp(items[j].group_id, items[i].group_id) == 0)
                bad[j] = true;
    }
}

/* Deliver the held batch and turn its outcome into acks. */
static int deliver(eddy_poller *p, eddy__pq_worker *w)
{
    eddy_env *env = p->env;
    eddy_poller_batch b;
    eddy_poller_result r;
    size_t n = w->n_held;
    eddy_poller_item *items = eddy__calloc(env, n, sizeof *items);
    size_t *failed_idx = eddy__calloc(env, n, sizeof *failed_idx);
    bool *bad = eddy__calloc(env, n, sizeof *bad);
    int rc = 0;

    if (items == NULL || failed_idx == NULL || bad == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for a poller batch");
        goto out;
    }
    memset(&b, 0, sizeof b);
    b.n = n;
    b.source = EDDY_POLLER_SOURCE_QUEUE;
    b.name = p->name;
    for (size_t i = 0; i < n; i++) {
        items[i] = w->held[i].item;
        b.bytes += items[i].body.len;
    }
    memset(&r, 0, sizeof r);
    r.failed_idx = failed_idx;
    if ((rc = eddy__poller_invoke(p, &b, items, &r)) != 0)
        goto out; /* stop: the held messages are released by the flush that follows */
    if (!r.failed) {
        /* Success, or a partial response: every item not listed is finished. */
        for (size_t i = 0; i < r.n_failed; i++)
            bad[r.failed_idx[i]] = true;
        fifo_fail_rest(items, n, bad);
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (!bad[i])
                rc = ack_push(env, w, &w->held[i].ref);
    }
    /* Failed items stay in flight and come back after their visibility timeout. */
    held_clear(env, w);
out:
    eddy__free(env, items);
    eddy__free(env, failed_idx);
    eddy__free(env, bad);
    return rc;
}

static int pq_step_worker(eddy_poller *p, eddy__pq_worker *w, size_t *batches)
{
    eddy_env *env = p->env;
    uint32_t need = 0;
    int rc, any = 1, full = 0;
    uint64_t now;
    bool due;

    *batches = 0;
    if (w->n_held < p->opt.batch_size && w->held_bytes < p->opt.payload_max)
        need = p->opt.batch_size - (uint32_t)w->n_held;
    if (need > 0 && w->n_acks == 0 && (rc = peek(env, p->source_id, &any)) != 0)
        return rc;
    if ((need > 0 && any) || w->n_acks > 0) {
        if ((rc = run_op(p, w, any ? need : 0, NULL, 0, &full)) != 0)
            return rc;
    }
    now = eddy__now_ms(env);
    due = w->n_held > 0 && (w->n_held >= p->opt.batch_size || w->held_bytes >= p->opt.payload_max ||
                            full || now >= w->window_start_ms + p->opt.batching_window_ms);
    if (!due)
        return 0;
    *batches = 1;
    return deliver(p, w);
}

static uint64_t pq_oldest_age(eddy_poller *p)
{
    eddy_queue_info qi = EDDY_QUEUE_INFO_INIT;

    if (eddy_queue_get_attributes(p->env, p->name, &qi) != 0)
        return 0;
    return qi.oldest_age_ms;
}

/* ---- the source's operations (poller.c) ---- */

static int pq_check(eddy_env *env, eddy_poller_options *o)
{
    (void)env;
    if (o->consumer != NULL || o->start != 0 || o->start_ms != 0 || o->max_retry_attempts != 0 ||
        o->max_record_age_ms != 0 || o->retry_backoff_ms != 0 || o->on_failure_queue != NULL ||
        o->parallelization != 0 || (o->flags & (EDDY_POLLER_BISECT | EDDY_POLLER_FAILURE_PAYLOAD)))
        return eddy__err(EDDY_EINVAL, "a stream-only option was set on a queue poller");
    return 0;
}

static int pq_resolve(eddy_poller *p)
{
    eddy__q q;
    int rc = eddy__q_get_read(p->env, p->name, strlen(p->name), &q);

    if (rc == 0)
        p->source_id = q.id;
    return rc;
}

static int pq_step(eddy_poller *p, size_t idx, size_t *batches, bool *did)
{
    eddy__pq_worker *w = &p->qw[idx];
    int rc = pq_step_worker(p, w, batches);

    *did = *batches > 0 || w->n_acks > 0;
    return rc;
}

static int pq_flush(eddy_poller *p, size_t idx)
{
    return idx < p->n_qw ? pq_flush_worker(p, &p->qw[idx]) : 0;
}

static int pq_stop(eddy_poller *p)
{
    int rc = 0;

    for (size_t i = 0; i < p->n_qw; i++) {
        int r = pq_flush_worker(p, &p->qw[i]);
        rc = rc != 0 ? rc : r;
    }
    return rc;
}

const eddy__psrc_ops eddy__pq_ops = {
    "queue",
    EDDY__P_Q_BATCH_DEFAULT,
    EDDY__P_Q_CONC_DEFAULT,
    pq_check,
    pq_resolve,
    pq_init,
    pq_fini,
    pq_step,
    pq_flush,
    pq_stop,
    pq_oldest_age,
};
