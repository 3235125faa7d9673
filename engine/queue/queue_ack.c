/*
 * queue_ack.c: what a consumer does with a receipt handle: delete the message, or change its
 * visibility, singly or in batches (one commit per batch, a result per entry). Handles are
 * decoded and checked in the caller's thread; the write op checks that the handle is still the
 * message's latest (receive count and nonce), else EDDY_EEXPIRED and nothing changes.
 */
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "error.h"
#include "queue_int.h"

typedef struct qack {
    const char *name;
    size_t name_len;
    uint64_t qid;
    size_t n;
    eddy__receipt *r;
    int *pre;            /* per entry: decoding result */
    const uint32_t *tmo; /* change visibility: per-entry timeouts; NULL for delete */
    int *results;
    int wake; /* out: some message became visible now */
} qack;

/* The message's state, if `r` is still its latest receipt. */
static int ack_state(eddy__wtx *w, const qack *a, const eddy__receipt *r, eddy__qstate *s)
{
    int rc = eddy__q_state_get(w->env, w->txn, r->qid, r->msg_id, s);

    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "message %llu is no longer in queue '%s'",
                         (unsigned long long)r->msg_id, a->name);
    if (rc != 0)
        return rc;
    if (s->kind != EDDY__QSTATE_INFLIGHT || s->receive_count != r->receive_count ||
        s->nonce != r->nonce)
        return eddy__err(EDDY_EEXPIRED,
                         "receipt handle of message %llu in queue '%s' is stale: received "
                         "again since",
                         (unsigned long long)r->msg_id, a->name);
    return 0;
}

static int ack_one(eddy__wtx *w, qack *a, size_t i, eddy__qcounters *c)
{
    const eddy__receipt *r = &a->r[i];
    eddy__qstate s, ns;
    int rc = ack_state(w, a, r, &s);

    if (rc != 0 || a->tmo == NULL)
        return rc != 0 ? rc : eddy__q_msg_remove(w, a->qid, r->msg_id, &s, c);
    /* A message whose visibility timeout ran out is visible again, no longer in flight: SQS
     * answers MessageNotInflight and leaves it visible, and so does Eddy. */
    if (s.deadline_ms <= w->now_ms)
        return eddy__err(EDDY_EEXPIRED,
                         "message %llu in queue '%s' is not in flight: its visibility timeout "
                         "ended %llu ms ago (SQS MessageNotInflight); receive it again",
                         (unsigned long long)r->msg_id, a->name,
                         (unsigned long long)(w->now_ms - s.deadline_ms));
    ns = s;
    ns.deadline_ms = w->now_ms + a->tmo[i];
    if (ns.deadline_ms > s.received_ms + EDDY__Q_VIS_MAX)
        return eddy__err(EDDY_EINVAL,
                         "visibility of message %llu would end %llu ms after its receive "
                         "(at most 43200000)",
                         (unsigned long long)r->msg_id,
                         (unsigned long long)(ns.deadline_ms - s.received_ms));
    a->wake |= a->tmo[i] == 0;
    return eddy__q_state_set(w, a->qid, r->msg_id, &s, &ns, c);
}

static int is_entry_error(int rc)
{
    return rc == EDDY_EINVAL || rc == EDDY_EEXPIRED || rc == EDDY_ENOTFOUND;
}

static int ack_apply(eddy__wtx *w, void *arg)
{
    qack *a = arg;
    eddy__qcounters c;
    eddy__q q;
    int rc;

    a->wake = 0;
    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    for (size_t i = 0; i < a->n; i++) {
        a->results[i] = a->pre[i];
        if (a->pre[i] != 0)
            continue;
        rc = ack_one(w, a, i, &c);
        /* An entry's own failure changed nothing and does not undo the others. */
        if (rc != 0 && !is_entry_error(rc))
            return rc;
        a->results[i] = eddy__err_entry(rc);
    }
    return eddy__q_counters_put(w, q.id, &c);
}

static void ack_after(eddy_env *env, void *arg)
{
    if (((qack *)arg)->wake)
        eddy__q_wake(env, arg);
}

static int ack_run(eddy_env *env, const char *name, const char *const *receipts,
                   const uint32_t *tmo, size_t n, int *results, int single)
{
    char pre_msg[EDDY__MSG_MAX];
    size_t pre_first = n;
    eddy__ferr fe;
    eddy__q q;
    qack a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(name, &a.name_len)))
        return rc;
    if (receipts == NULL || results == NULL || n == 0)
        return eddy__err(EDDY_EINVAL, "needs receipts, results and n > 0");
    if ((rc = eddy__q_get_read(env, name, a.name_len, &q)) != 0)
        return rc;
    if (!single && n > q.cfg.batch_max)
        return eddy__err(EDDY_ELIMIT, "batch of %zu entries for queue '%s' (batch_max %u)", n, name,
                         q.cfg.batch_max);
    a.r = eddy__calloc(env, n, sizeof *a.r);
    a.pre = eddy__calloc(env, n, sizeof *a.pre);
    if (a.r == NULL || a.pre == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for a batch of %zu", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (receipts[i] == NULL)
            a.pre[i] = eddy__err(EDDY_EINVAL, "receipt handle %zu is NULL", i);
        else if ((rc = eddy__receipt_decode(receipts[i], &a.r[i], &fe)) != 0)
            a.pre[i] = eddy__err_ferr(rc, &fe);
        else if (a.r[i].qid != q.id)
            a.pre[i] = eddy__err(EDDY_EINVAL, "receipt handle is not from queue '%s'", name);
        else if (tmo != NULL && tmo[i] > EDDY__Q_VIS_MAX)
            a.pre[i] = eddy__err(EDDY_EINVAL, "visibility timeout %u ms exceeds 12 h", tmo[i]);
        results[i] = a.pre[i];
        if (a.pre[i] != 0 && pre_first == n) {
            pre_first = i;
            snprintf(pre_msg, sizeof pre_msg, "%s", eddy_last_error());
        }
    }
    rc = 0;
    if (single && a.pre[0] != 0)
        goto out;
    a.name = name;
    a.qid = q.id;
    a.n = n;
    a.tmo = tmo;
    a.results = results;
    rc = eddy__write(env, ack_apply, ack_after, &a);
    /* The call carries the message of its first failed entry: the writer's, unless an entry
     * that failed here comes before it. */
    for (size_t i = 0; rc == 0 && i <= pre_first && i < n; i++) {
        if (results[i] == 0)
            continue;
        if (i == pre_first)
            eddy__err(results[i], "%s", pre_msg);
        break;
    }
out:
    eddy__free(env, a.r);
    eddy__free(env, a.pre);
    return rc;
}

EDDY_API int eddy_queue_delete_message(eddy_env *env, const char *name, const char *receipt)
{
    int result = 0, rc = ack_run(env, name, &receipt, NULL, 1, &result, 1);
    return rc != 0 ? rc : result;
}

EDDY_API int eddy_queue_delete_batch(eddy_env *env, const char *name, const char *const *receipts,
                                     size_t n, int *results)
{
    return ack_run(env, name, receipts, NULL, n, results, 0);
}

EDDY_API int eddy_queue_change_visibility(eddy_env *env, const char *name, const char *receipt,
                                          uint32_t timeout_ms)
{
    int result = 0, rc = ack_run(env, name, &receipt, &timeout_ms, 1, &result, 1);
    return rc != 0 ? rc : result;
}

EDDY_API int eddy_queue_change_visibility_batch(eddy_env *env, const char *name,
                                                const eddy_queue_visibility_entry *entries,
                                                size_t n, int *results)
{
    const char **receipts = NULL;
    uint32_t *tmo = NULL;
    const eddy_queue_visibility_entry *e = NULL;
    const void *in = NULL;
    void *tmp = NULL;
    int rc;

    if ((rc = eddy__env_enter_write(env)) != 0)
        return rc;
    if (entries == NULL || results == NULL || n == 0)
        return eddy__err(EDDY_EINVAL, "needs entries, results and n > 0");
    if (n > EDDY__Q_BATCH_MAX) /* above every queue's batch_max */
        return eddy__err(EDDY_ELIMIT, "batch of %zu entries (batch_max is at most %u)", n,
                         EDDY__Q_BATCH_MAX);
    if ((rc = eddy__array_in(env, entries, n, sizeof *entries,
                             EDDY__SIZE_V1(eddy_queue_visibility_entry),
                             "eddy_queue_visibility_entry", &in, &tmp)) != 0)
        return rc;
    e = in;
    receipts = eddy__calloc(env, n, sizeof *receipts);
    tmo = eddy__calloc(env, n, sizeof *tmo);
    if (receipts == NULL || tmo == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for a batch of %zu", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        receipts[i] = e[i].receipt;
        tmo[i] = e[i].timeout_ms;
    }
    rc = ack_run(env, name, receipts, tmo, n, results, 0);
out:
    eddy__free(env, tmp);
    eddy__free(env, receipts);
    eddy__free(env, tmo);
    return rc;
}
