/*
 * lease.c: shard leases for the workers of one consumer, as in the KCL's lease table: take,
 * renew and release with a duration by the env clock, a counter that grows at every take and
 * renewal (the fencing token of checkpoint.c), and a balancing round that hands out the shards a
 * consumer still has to process, children only after their parents were read to the end.
 * Never calls mdb_*.
 */
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "error.h"
#include "stream_int.h"

int eddy__lease_get(eddy_env *env, MDB_txn *txn, uint64_t sid, uint32_t shard, const char *consumer,
                    size_t consumer_len, eddy__lease *out)
{
    uint8_t k[EDDY__SKEY_NAMED_MAX];
    size_t klen = eddy__skey_named(k, sid, shard, consumer, consumer_len);
    eddy__ferr fe;
    MDB_val v;
    int rc = eddy__get(env, txn, EDDY__T_LEASE, k, klen, &v);

    memset(out, 0, sizeof *out);
    if (rc != 0)
        return rc;
    if ((rc = eddy__lease_decode(v.mv_data, v.mv_size, out, &fe)) != 0)
        return EDDY__CORRUPT("lease of shard %u: %s", shard, fe.msg);
    return 0;
}

static int lease_put(eddy__wtx *w, uint64_t sid, uint32_t shard, const char *consumer,
                     size_t consumer_len, const eddy__lease *l)
{
    uint8_t k[EDDY__SKEY_NAMED_MAX], v[EDDY__LEASE_FIXED + EDDY__LEASE_OWNER_MAX];
    size_t klen = eddy__skey_named(k, sid, shard, consumer, consumer_len);
    size_t vlen = eddy__lease_encode(v, sizeof v, l);

    EDDY_ASSERT(vlen > 0);
    return eddy__put(w, EDDY__T_LEASE, k, klen, v, vlen, 0);
}

static void lease_out(uint32_t shard, const eddy__lease *l, uint64_t now, eddy_lease *o)
{
    memset(o, 0, sizeof *o);
    o->shard_id = shard;
    memcpy(o->owner, l->owner, (size_t)l->owner_len + 1);
    o->counter = l->counter;
    o->expires_ms = l->expires_ms;
    o->held = l->owner_len > 0 && now < l->expires_ms;
}

typedef struct lease_op {
    int kind; /* 0 take, 1 renew, 2 release, 3 balance */
    const char *stream;
    size_t stream_len;
    uint64_t sid;
    const char *consumer;
    size_t consumer_len;
    const char *worker;
    size_t worker_len;
    uint32_t shard;
    uint64_t counter;
    uint64_t duration_ms;
    eddy_lease out;   /* take/renew */
    eddy_lease *held; /* balance */
    size_t cap, n_held;
} lease_op;

static int is_mine(const eddy__lease *l, const lease_op *op)
{
    return l->owner_len == op->worker_len && memcmp(l->owner, op->worker, op->worker_len) == 0;
}

/* Grant the lease to op->worker (take, renew or steal). */
static int grant(eddy__wtx *w, lease_op *op, uint32_t shard, eddy__lease *l)
{
    if (!is_mine(l, op))
        l->taken_ms = w->now_ms;
    l->counter++;
    l->expires_ms = w->now_ms + op->duration_ms;
    memcpy(l->owner, op->worker, op->worker_len);
    l->owner[op->worker_len] = '\0';
    l->owner_len = (uint8_t)op->worker_len;
    return lease_put(w, op->sid, shard, op->consumer, op->consumer_len, l);
}

static int single_apply(eddy__wtx *w, lease_op *op)
{
    eddy__sshard sh;
    eddy__lease l;
    int rc = eddy__shard_get(w->env, w->txn, op->sid, op->shard, &sh);

    if (rc != 0)
        return rc;
    rc = eddy__lease_get(w->env, w->txn, op->sid, op->shard, op->consumer, op->consumer_len, &l);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    if (rc == EDDY_ENOTFOUND && op->kind != 0)
        return eddy__err(EDDY_EEXPIRED, "no lease on shard %u to renew or release", op->shard);
    if (op->kind == 0) {
        if (rc == 0 && !is_mine(&l, op) && l.owner_len > 0 && w->now_ms < l.expires_ms)
            return eddy__err(EDDY_EBUSY, "shard %u is leased to '%s' for %llu more ms", op->shard,
                             l.owner, (unsigned long long)(l.expires_ms - w->now_ms));
    } else if (!is_mine(&l, op) || l.counter != op->counter) {
        return eddy__err(EDDY_EEXPIRED,
                         "lease of shard %u is held by '%s' with counter %llu, not by '%s' "
                         "with %llu: it was lost",
                         op->shard, l.owner, (unsigned long long)l.counter, op->worker,
                         (unsigned long long)op->counter);
    }
    if (op->kind != 2) {
        rc = grant(w, op, op->shard, &l);
    } else {
        l.counter++;
        l.owner[0] = '\0';
        l.owner_len = 0;
        l.expires_ms = 0;
        rc = lease_put(w, op->sid, op->shard, op->consumer, op->consumer_len, &l);
    }
    lease_out(op->shard, &l, w->now_ms, &op->out);
    return rc;
}

/* ---- balancing ---- */

typedef struct bal {
    eddy__shard_row *rows;
    size_t n;
    uint8_t *done;     /* per row: checkpointed at SHARD_END */
    uint8_t *eligible; /* per row: to be processed now */
    uint8_t *has;      /* per row: a lease row exists */
    eddy__lease *l;    /* per row */
} bal;

static long find_row(const bal *b, uint32_t id)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->rows[mid].id == id)
            return (long)mid;
        if (b->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int parent_done(const bal *b, uint32_t p)
{
    long i = p == EDDY__SHARD_NONE ? -1 : find_row(b, p);
    return i < 0 || b->done[i];
}

/* Load the consumer's checkpoints and leases of every shard row. */
static int bal_load(eddy__wtx *w, lease_op *op, bal *b)
{
    eddy__ckpt c;
    int rc = eddy__shards_load(w->env, w->txn, op->sid, &b->rows, &b->n);

    if (rc != 0)
        return rc;
    b->done = eddy__calloc(w->env, b->n + 1, 3);
    b->l = eddy__calloc(w->env, b->n + 1, sizeof *b->l);
    if (b->done == NULL || b->l == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory balancing %zu shards", b->n);
    b->eligible = b->done + b->n;
    b->has = b->eligible + b->n;
    for (size_t i = 0; i < b->n; i++) {
        uint8_t k[EDDY__SKEY_NAMED_MAX];
        size_t klen = eddy__skey_named(k, op->sid, b->rows[i].id, op->consumer, op->consumer_len);
        MDB_val v;
        rc = eddy__get(w->env, w->txn, EDDY__T_CKPT, k, klen, &v);
        if (rc == 0 && eddy__ckpt_decode(v.mv_data, v.mv_size, &c, NULL) != 0)
            return EDDY__CORRUPT("checkpoint of shard %u does not decode", b->rows[i].id);
        if (rc != 0 && rc != EDDY_ENOTFOUND)
            return rc;
        b->done[i] = rc == 0 && c.kind == EDDY__CKPT_SHARD_END;
        rc = eddy__lease_get(w->env, w->txn, op->sid, b->rows[i].id, op->consumer, op->consumer_len,
                             &b->l[i]);
        if (rc != 0 && rc != EDDY_ENOTFOUND)
            return rc;
        b->has[i] = rc == 0;
    }
    for (size_t i = 0; i < b->n; i++)
        b->eligible[i] = !b->done[i] && parent_done(b, b->rows[i].s.parent) &&
                         parent_done(b, b->rows[i].s.parent2);
    return 0;
}

static int live(const eddy__lease *l, uint64_t now)
{
    return l->owner_len > 0 && now < l->expires_ms;
}

/* Leases held by the owner of row i's lease, among eligible rows. */
static size_t owner_load(const bal *b, const eddy__lease *who, uint64_t now)
{
    size_t k = 0;
    for (size_t j = 0; j < b->n; j++)
        k += b->eligible[j] && live(&b->l[j], now) && b->l[j].owner_len == who->owner_len &&
             memcmp(b->l[j].owner, who->owner, who->owner_len) == 0;
    return k;
}

/* Workers alive (distinct owners of live eligible leases), me included; my own load. */
static void census(const bal *b, const lease_op *op, uint64_t now, size_t *workers, size_t *mine,
                   size_t *eligible)
{
    *workers = 1;
    *mine = 0;
    *eligible = 0;
    for (size_t i = 0; i < b->n; i++) {
        int first = 1;
        if (!b->eligible[i])
            continue;
        (*eligible)++;
        if (!live(&b->l[i], now))
            continue;
        if (is_mine(&b->l[i], op)) {
            (*mine)++;
            continue;
        }
        for (size_t j = 0; j < i && first; j++)
            first =
                !(b->eligible[j] && live(&b->l[j], now) && b->l[j].owner_len == b->l[i].owner_len &&
                  memcmp(b->l[j].owner, b->l[i].owner, b->l[i].owner_len) == 0);
        *workers += first;
    }
}

static int bal_round(eddy__wtx *w, lease_op *op, bal *b)
{
    size_t workers, mine, eligible, target, taken = 0, most = 0;
    long victim = -1;
    int rc = 0;

    census(b, op, w->now_ms, &workers, &mine, &eligible);
    target = (eligible + workers - 1) / workers;
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        if (b->has[i] && is_mine(&b->l[i], op) && live(&b->l[i], w->now_ms)) {
            if (b->eligible[i]) {
                rc = grant(w, op, b->rows[i].id, &b->l[i]); /* renew */
            } else {                                        /* finished: hand it back */
                b->l[i].counter++;
                b->l[i].owner[0] = '\0';
                b->l[i].owner_len = 0;
                b->l[i].expires_ms = 0;
                rc = lease_put(w, op->sid, b->rows[i].id, op->consumer, op->consumer_len, &b->l[i]);
            }
        }
    }
    for (size_t i = 0; rc == 0 && i < b->n && mine < target; i++) {
        if (b->eligible[i] && !live(&b->l[i], w->now_ms)) {
            rc = grant(w, op, b->rows[i].id, &b->l[i]);
            mine++;
            taken++;
        }
    }
    if (rc != 0 || taken > 0 || mine >= target)
        return rc;
    for (size_t i = 0; i < b->n; i++) {
        size_t load;
        if (!b->eligible[i] || !live(&b->l[i], w->now_ms) || is_mine(&b->l[i], op))
            continue;
        if ((load = owner_load(b, &b->l[i], w->now_ms)) > most) {
            most = load;
            victim = (long)i;
        }
    }
    if (victim >= 0 && most > target)
        rc = grant(w, op, b->rows[victim].id, &b->l[victim]);
    return rc;
}

static int balance_apply(eddy__wtx *w, lease_op *op)
{
    bal b;
    int rc;

    memset(&b, 0, sizeof b);
    op->n_held = 0;
    if ((rc = bal_load(w, op, &b)) == 0)
        rc = bal_round(w, op, &b);
    for (size_t i = 0; rc == 0 && i < b.n; i++) {
        if (!b.eligible[i] || !is_mine(&b.l[i], op) || !live(&b.l[i], w->now_ms))
            continue;
        if (op->n_held < op->cap)
            lease_out(b.rows[i].id, &b.l[i], w->now_ms, &op->held[op->n_held]);
        op->n_held++;
    }
    eddy__free(w->env, b.rows);
    eddy__free(w->env, b.done);
    eddy__free(w->env, b.l);
    return rc;
}

static int lease_apply(eddy__wtx *w, void *arg)
{
    lease_op *op = arg;
    eddy__s s;
    int rc = eddy__s_get_same(w, op->stream, op->stream_len, op->sid, &s);

    if (rc != 0)
        return rc;
    return op->kind == 3 ? balance_apply(w, op) : single_apply(w, op);
}

static int lease_run(eddy_env *env, lease_op *op)
{
    eddy__s s;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if ((rc = eddy__s_name_check("stream", op->stream, &op->stream_len)) != 0 ||
        (rc = eddy__s_name_check("consumer", op->consumer, &op->consumer_len)) != 0 ||
        (rc = eddy__s_name_check("worker", op->worker, &op->worker_len)) != 0)
        return rc;
    if (op->kind != 2 && (op->duration_ms == 0 || op->duration_ms > EDDY__S_LEASE_MAX_MS))
        return eddy__err(EDDY_EINVAL, "lease duration %llu ms out of range 1..%llu",
                         (unsigned long long)op->duration_ms, EDDY__S_LEASE_MAX_MS);
    if ((rc = eddy__s_read(env, op->stream, op->stream_len, &s)) != 0)
        return rc;
    op->sid = s.id;
    return eddy__write(env, lease_apply, NULL, op);
}

static int lease_take_impl(eddy_env *env, const char *stream, const char *consumer,
                           uint32_t shard_id, const char *worker, uint64_t duration_ms,
                           eddy_lease *out)
{
    lease_op op = {.kind = 0,
                   .stream = stream,
                   .consumer = consumer,
                   .worker = worker,
                   .shard = shard_id,
                   .duration_ms = duration_ms};
    int rc = lease_run(env, &op);
    if (rc == 0 && out != NULL)
        *out = op.out;
    return rc;
}

static int lease_renew_impl(eddy_env *env, const char *stream, const char *consumer,
                            uint32_t shard_id, const char *worker, uint64_t counter,
                            uint64_t duration_ms, eddy_lease *out)
{
    lease_op op = {.kind = 1,
                   .stream = stream,
                   .consumer = consumer,
                   .worker = worker,
                   .shard = shard_id,
                   .counter = counter,
                   .duration_ms = duration_ms};
    int rc = lease_run(env, &op);
    if (rc == 0 && out != NULL)
        *out = op.out;
    return rc;
}

EDDY_API int eddy_lease_release(eddy_env *env, const char *stream, const char *consumer,
                                uint32_t shard_id, const char *worker, uint64_t counter)
{
    lease_op op = {.kind = 2,
                   .stream = stream,
                   .consumer = consumer,
                   .worker = worker,
                   .shard = shard_id,
                   .counter = counter};
    return lease_run(env, &op);
}

static int lease_balance_impl(eddy_env *env, const char *stream, const char *consumer,
                              const char *worker, uint64_t duration_ms, eddy_lease *held,
                              size_t cap, size_t *n_out)
{
    lease_op op = {.kind = 3,
                   .stream = stream,
                   .consumer = consumer,
                   .worker = worker,
                   .duration_ms = duration_ms,
                   .held = held,
                   .cap = held != NULL ? cap : 0};
    int rc = lease_run(env, &op);
    if (n_out != NULL)
        *n_out = rc == 0 ? op.n_held : 0;
    return rc;
}

static int lease_list_impl(eddy_env *env, const char *stream, const char *consumer, eddy_lease *out,
                           size_t cap, size_t *n_out)
{
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    size_t slen, clen, n = 0;
    MDB_txn *txn = NULL;
    MDB_val k, v;
    uint64_t now;
    eddy__s s;
    int rc = eddy__env_enter(env);

    if (rc != 0 || (rc = eddy__consumer_list_begin(env, stream, consumer, out != NULL, cap, n_out,
                                                   &slen, &clen, &s, &txn)) != 0)
        return rc;
    now = eddy__now_ms(env);
    eddy__be64_put(prefix, s.id);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_LEASE, &cur)) != 0)
        goto out;
    for (rc = eddy__cur_seek_prefix(cur, prefix, 8, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, prefix, 8, &k, &v)) {
        eddy__lease l;
        if (k.mv_size != EDDY__SKEY_SHARD_LEN + clen ||
            memcmp((const uint8_t *)k.mv_data + EDDY__SKEY_SHARD_LEN, consumer, clen) != 0)
            continue;
        if (eddy__lease_decode(v.mv_data, v.mv_size, &l, NULL) != 0) {
            rc = EDDY__CORRUPT("lease value does not decode");
            break;
        }
        if (n < cap)
            lease_out(eddy__be32_get((const uint8_t *)k.mv_data + 8), &l, now, &out[n]);
        n++;
    }
    eddy__cur_close(cur);
out:
    return eddy__consumer_list_end(env, txn, rc, n, cap, n_out, "leases");
}

struct lease_list_ctx {
    eddy_env *env;
    const char *stream, *consumer;
};

static int lease_list_fill(void *ctx, void *work, size_t cap, size_t *n_out)
{
    struct lease_list_ctx *c = ctx;
    return lease_list_impl(c->env, c->stream, c->consumer, work, cap, n_out);
}

EDDY_API int eddy_lease_list(eddy_env *env, const char *stream, const char *consumer,
                             eddy_lease *out, size_t cap, size_t *n_out)
{
    struct lease_list_ctx c = {env, stream, consumer};

    if (env == NULL || out == NULL || cap == 0)
        return lease_list_impl(env, stream, consumer, out, cap, n_out);
    return eddy__array_out_call(env, out, cap, sizeof *out, EDDY__SIZE_V1(eddy_lease), "eddy_lease",
                                lease_list_fill, &c, n_out);
}

EDDY_API int eddy_lease_balance(eddy_env *env, const char *stream, const char *consumer,
                                const char *worker, uint64_t duration_ms, eddy_lease *held,
                                size_t cap, size_t *n_out)
{
    size_t n = 0;
    void *work = NULL, *tmp = NULL;
    int rc;

    if (env == NULL || held == NULL || cap == 0)
        return lease_balance_impl(env, stream, consumer, worker, duration_ms, held, cap, n_out);
    if ((rc = eddy__env_enter(env)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, held, cap, sizeof *held, EDDY__SIZE_V1(eddy_lease),
                                    "eddy_lease", &work, &tmp)) != 0)
        return rc;
    rc = lease_balance_impl(env, stream, consumer, worker, duration_ms, work, cap, &n);
    if (rc == 0)
        eddy__array_out_end(held, work, n < cap ? n : cap, sizeof *held);
    if (n_out != NULL)
        *n_out = n;
    eddy__free(env, tmp);
    return rc;
}

EDDY_API int eddy_lease_take(eddy_env *env, const char *stream, const char *consumer,
                             uint32_t shard_id, const char *worker, uint64_t duration_ms,
                             eddy_lease *out)
{
    eddy_lease local;
    int rc;

    if (env == NULL || out == NULL)
        return lease_take_impl(env, stream, consumer, shard_id, worker, duration_ms, out);
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_lease), "eddy_lease")) != 0)
        return rc;
    memset(&local, 0, sizeof local);
    rc = lease_take_impl(env, stream, consumer, shard_id, worker, duration_ms, &local);
    local.size = sizeof local;
    if (rc == 0)
        eddy__struct_out(out, &local, sizeof local);
    return rc;
}

EDDY_API int eddy_lease_renew(eddy_env *env, const char *stream, const char *consumer,
                              uint32_t shard_id, const char *worker, uint64_t counter,
                              uint64_t duration_ms, eddy_lease *out)
{
    eddy_lease local;
    int rc;

    if (env == NULL || out == NULL)
        return lease_renew_impl(env, stream, consumer, shard_id, worker, counter, duration_ms, out);
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_lease), "eddy_lease")) != 0)
        return rc;
    memset(&local, 0, sizeof local);
    rc = lease_renew_impl(env, stream, consumer, shard_id, worker, counter, duration_ms, &local);
    local.size = sizeof local;
    if (rc == 0)
        eddy__struct_out(out, &local, sizeof local);
    return rc;
}
