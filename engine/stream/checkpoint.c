/*
 * checkpoint.c: consumer positions. A checkpoint maps (stream, shard, consumer) to a sequence
 * number (or SHARD_END) plus optional caller state bytes. A fenced write checks, in the same
 * transaction, that the writer still holds the shard's lease with the counter it knows, so a
 * worker whose lease was taken over cannot move the position. eddy_checkpoint_commit writes
 * checkpoints and puts records in one transaction (exactly-once read-process-write).
 * Never calls mdb_*.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "error.h"
#include "stream_int.h"

int eddy__ckpt_prepare(eddy_env *env, const eddy_checkpoint_write *cp, eddy__ckpt_op *out)
{
    eddy__ferr fe;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if (cp == NULL || cp->seq == NULL)
        return eddy__err(EDDY_EINVAL, "checkpoint or its seq is NULL");
    if ((rc = eddy__s_name_check("stream", cp->stream, &len)) != 0 ||
        (rc = eddy__s_name_check("consumer", cp->consumer, &out->consumer_len)) != 0)
        return rc;
    if (cp->worker != NULL && (rc = eddy__s_name_check("worker", cp->worker, &out->worker_len)))
        return rc;
    if (cp->state.len > EDDY__CKPT_STATE_MAX || (cp->state.len > 0 && cp->state.data == NULL))
        return eddy__err(EDDY_EINVAL, "checkpoint state of %zu bytes (at most %d, not NULL)",
                         cp->state.len, EDDY__CKPT_STATE_MAX);
    if (strcmp(cp->seq, EDDY_CHECKPOINT_SHARD_END) == 0) {
        out->c.kind = EDDY__CKPT_SHARD_END;
        out->seq_shard = cp->shard_id;
    } else {
        out->c.kind = EDDY__CKPT_SEQ;
        if ((rc = eddy__seq_from_dec(cp->seq, &out->c.n, &out->seq_shard, &fe)) != 0)
            return eddy__err_ferr(rc, &fe);
        if (out->seq_shard != cp->shard_id)
            return eddy__err(EDDY_EINVAL, "sequence number %s belongs to shard %u, not %u", cp->seq,
                             out->seq_shard, cp->shard_id);
    }
    memcpy(out->consumer, cp->consumer, out->consumer_len);
    out->shard = cp->shard_id;
    out->worker = cp->worker;
    out->c.lease_counter = cp->worker != NULL ? cp->lease_counter : 0;
    out->c.state = cp->state.data;
    out->c.state_len = (uint16_t)cp->state.len;
    return eddy__s_read(env, cp->stream, len, &out->s);
}

/* The fence: `worker` holds the lease with exactly this counter. */
static int fence_check(eddy__wtx *w, const eddy__ckpt_op *op)
{
    eddy__lease l;
    int rc =
        eddy__lease_get(w->env, w->txn, op->s.id, op->shard, op->consumer, op->consumer_len, &l);

    if (rc == EDDY_ENOTFOUND)
        return eddy__err(EDDY_EEXPIRED,
                         "fenced checkpoint: shard %u has no lease for consumer "
                         "'%s'",
                         op->shard, op->consumer);
    if (rc != 0)
        return rc;
    if (l.owner_len != op->worker_len || memcmp(l.owner, op->worker, op->worker_len) != 0 ||
        l.counter != op->c.lease_counter)
        return eddy__err(EDDY_EEXPIRED,
                         "fenced checkpoint refused: shard %u's lease is held by '%s' with "
                         "counter %llu, not by '%s' with %llu",
                         op->shard, l.owner, (unsigned long long)l.counter, op->worker,
                         (unsigned long long)op->c.lease_counter);
    return 0;
}

int eddy__ckpt_apply(eddy__wtx *w, const eddy__ckpt_op *op)
{
    uint8_t k[EDDY__SKEY_NAMED_MAX], v[EDDY__CKPT_FIXED + EDDY__CKPT_STATE_MAX];
    eddy__sshard sh;
    eddy__ckpt c = op->c;
    size_t klen, vlen;
    eddy__s s;
    int rc;

    if ((rc = eddy__s_get_same(w, op->s.name, op->s.name_len, op->s.id, &s)) != 0 ||
        (rc = eddy__shard_get(w->env, w->txn, s.id, op->shard, &sh)) != 0)
        return rc;
    if (c.kind == EDDY__CKPT_SEQ && (c.n > sh.last_n || c.n < sh.base_n))
        return eddy__err(EDDY_EINVAL, "checkpoint beyond what shard %u handed out", op->shard);
    if (c.kind == EDDY__CKPT_SHARD_END && sh.state != EDDY__SHARD_CLOSED)
        return eddy__err(EDDY_EINVAL, "SHARD_END checkpoint for open shard %u", op->shard);
    if (op->worker != NULL && (rc = fence_check(w, op)) != 0)
        return rc;
    c.updated_ms = w->now_ms;
    klen = eddy__skey_named(k, s.id, op->shard, op->consumer, op->consumer_len);
    vlen = eddy__ckpt_encode(v, sizeof v, &c);
    EDDY_ASSERT(vlen > 0);
    return eddy__put(w, EDDY__T_CKPT, k, klen, v, vlen, 0);
}

typedef struct commit_op {
    eddy__ckpt_op *cps;
    size_t n_cps;
    eddy__sput *put; /* NULL when no records */
} commit_op;

static int commit_apply(eddy__wtx *w, void *arg)
{
    commit_op *op = arg;
    int rc;

    for (size_t i = 0; i < op->n_cps; i++)
        if ((rc = eddy__ckpt_apply(w, &op->cps[i])) != 0)
            return rc;
    return op->put != NULL ? eddy__sput_apply(w, op->put) : 0;
}

static int checkpoint_commit_impl(eddy_env *env, const eddy_checkpoint_write *cps, size_t n_cps,
                                  const char *put_stream, const eddy_stream_put_entry *entries,
                                  size_t n_entries, eddy_stream_put_result *results)
{
    commit_op op;
    eddy__sput put;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if (n_cps + n_entries == 0 || (n_cps > 0 && cps == NULL) || n_cps > EDDY__S_BATCH_MAX)
        return eddy__err(EDDY_EINVAL, "nothing to commit, or a NULL or too long list");
    memset(&op, 0, sizeof op);
    memset(&put, 0, sizeof put);
    if (n_cps > 0 && (op.cps = eddy__calloc(env, n_cps, sizeof *op.cps)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for %zu checkpoints", n_cps);
    op.n_cps = n_cps;
    for (size_t i = 0; rc == 0 && i < n_cps; i++)
        rc = eddy__ckpt_prepare(env, &cps[i], &op.cps[i]);
    if (rc == 0 && n_entries > 0) {
        rc = eddy__sput_prepare(env, put_stream, entries, n_entries, results, 1, &put);
        op.put = &put;
    }
    if (rc == 0)
        rc = eddy__write(env, commit_apply, NULL, &op);
    for (size_t i = 0; rc != 0 && i < n_entries && results != NULL; i++) {
        results[i].rc = rc;
        results[i].seq[0] = '\0';
    }
    eddy__sput_release(env, &put);
    eddy__free(env, op.cps);
    return rc;
}

EDDY_API int eddy_checkpoint_set(eddy_env *env, const eddy_checkpoint_write *cp)
{
    return eddy_checkpoint_commit(env, cp, cp != NULL ? 1 : 0, NULL, NULL, 0, NULL);
}

/* ---- reading ---- */

static int ckpt_out(const void *k, size_t klen, const MDB_val *v, eddy_checkpoint *o)
{
    eddy__ckpt c;
    eddy__ferr fe;
    uint64_t sid;
    const char *name;
    size_t name_len;
    int rc;

    if ((rc = eddy__skey_named_decode(k, klen, &sid, &o->shard_id, &name, &name_len, &fe)) != 0 ||
        (rc = eddy__ckpt_decode(v->mv_data, v->mv_size, &c, &fe)) != 0)
        return EDDY__CORRUPT("checkpoint: %s", fe.msg);
    o->shard_end = c.kind == EDDY__CKPT_SHARD_END;
    if (o->shard_end)
        strcpy(o->seq, EDDY_CHECKPOINT_SHARD_END);
    else
        eddy__seq_str(c.n, o->shard_id, o->seq);
    o->updated_ms = c.updated_ms;
    o->lease_counter = c.lease_counter;
    o->state_len = c.state_len;
    if (c.state_len > 0)
        memcpy(o->state, c.state, c.state_len);
    return 0;
}

static int checkpoint_get_impl(eddy_env *env, const char *stream, const char *consumer,
                               uint32_t shard_id, eddy_checkpoint *out)
{
    uint8_t k[EDDY__SKEY_NAMED_MAX];
    size_t slen, clen, klen;
    MDB_txn *txn = NULL;
    MDB_val v;
    eddy__s s;
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "out is NULL");
    if ((rc = eddy__s_name_check("stream", stream, &slen)) != 0 ||
        (rc = eddy__s_name_check("consumer", consumer, &clen)) != 0 ||
        (rc = eddy__s_read(env, stream, slen, &s)) != 0 || (rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    memset(out, 0, sizeof *out);
    klen = eddy__skey_named(k, s.id, shard_id, consumer, clen);
    rc = eddy__get(env, txn, EDDY__T_CKPT, k, klen, &v);
    if (rc == 0)
        rc = ckpt_out(k, klen, &v, out);
    eddy__rtxn_end(env, txn);
    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "consumer '%s' has no checkpoint for shard %u", consumer, shard_id);
    return rc;
}

int eddy__consumer_list_begin(eddy_env *env, const char *stream, const char *consumer, int have_out,
                              size_t cap, size_t *n_out, size_t *slen, size_t *clen, eddy__s *s,
                              MDB_txn **txn)
{
    int rc;

    if (n_out == NULL || (!have_out && cap > 0))
        return eddy__err(EDDY_EINVAL, "n_out is NULL, or out is NULL with cap %zu", cap);
    *n_out = 0;
    if ((rc = eddy__s_name_check("stream", stream, slen)) != 0 ||
        (rc = eddy__s_name_check("consumer", consumer, clen)) != 0 ||
        (rc = eddy__s_read(env, stream, *slen, s)) != 0)
        return rc;
    return eddy__rtxn_begin(env, txn);
}

int eddy__consumer_list_end(eddy_env *env, MDB_txn *txn, int rc, size_t n, size_t cap,
                            size_t *n_out, const char *what)
{
    eddy__rtxn_end(env, txn);
    if (rc == EDDY_ENOTFOUND)
        rc = 0;
    *n_out = n;
    if (rc == 0 && n > cap)
        rc = eddy__err(EDDY_EBUFS, "%zu %s; room for %zu", n, what, cap);
    return rc;
}

static int checkpoint_list_impl(eddy_env *env, const char *stream, const char *consumer,
                                eddy_checkpoint *out, size_t cap, size_t *n_out)
{
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    size_t slen, clen, n = 0;
    MDB_txn *txn = NULL;
    MDB_val k, v;
    eddy__s s;
    int rc = eddy__env_enter(env);

    if (rc != 0 || (rc = eddy__consumer_list_begin(env, stream, consumer, out != NULL, cap, n_out,
                                                   &slen, &clen, &s, &txn)) != 0)
        return rc;
    eddy__be64_put(prefix, s.id);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_CKPT, &cur)) != 0)
        goto out;
    for (rc = eddy__cur_seek_prefix(cur, prefix, 8, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, prefix, 8, &k, &v)) {
        if (k.mv_size != EDDY__SKEY_SHARD_LEN + clen ||
            memcmp((const uint8_t *)k.mv_data + EDDY__SKEY_SHARD_LEN, consumer, clen) != 0)
            continue;
        if (n < cap && (rc = ckpt_out(k.mv_data, k.mv_size, &v, &out[n])) != 0)
            break;
        n++;
    }
    eddy__cur_close(cur);
out:
    return eddy__consumer_list_end(env, txn, rc, n, cap, n_out, "checkpoints");
}

/* ---- consumers ---- */

typedef char consumer_name[EDDY__SNAME_MAX + 1];

typedef struct consumers {
    consumer_name *names;
    size_t n, cap;
} consumers;

static int consumer_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Add the names of every CKPT or LEASE entry of stream sid (duplicates go later). */
static int consumers_collect(eddy_env *env, MDB_txn *txn, int table, uint64_t sid, consumers *c)
{
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    const char *name;
    size_t name_len;
    eddy__ferr fe;
    uint64_t ksid;
    uint32_t shard;
    MDB_val k, v;
    int rc;

    eddy__be64_put(prefix, sid);
    if ((rc = eddy__cur_open(env, txn, table, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, prefix, 8, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, prefix, 8, &k, &v)) {
        if (eddy__skey_named_decode(k.mv_data, k.mv_size, &ksid, &shard, &name, &name_len, &fe)) {
            rc = EDDY__CORRUPT("%s entry: %s", eddy__table_names[table], fe.msg);
            break;
        }
        if (c->n > 0 && strlen(c->names[c->n - 1]) == name_len &&
            memcmp(c->names[c->n - 1], name, name_len) == 0)
            continue; /* the same consumer on the next shard is common: skip it early */
        if (c->n == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 16;
            void *p = eddy__realloc(env, c->names, cap * sizeof *c->names);
            if (p == NULL) {
                rc = eddy__err(EDDY_ENOMEM, "out of memory listing consumers");
                break;
            }
            c->names = p;
            c->cap = cap;
        }
        memcpy(c->names[c->n], name, name_len);
        c->names[c->n++][name_len] = '\0';
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

EDDY_API int eddy_consumer_list(eddy_env *env, const char *stream, eddy_consumer_list_fn fn,
                                void *ctx)
{
    MDB_txn *txn = NULL;
    consumers c;
    size_t slen, n = 0;
    eddy__s s;
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (fn == NULL)
        return eddy__err(EDDY_EINVAL, "fn is NULL");
    memset(&c, 0, sizeof c);
    if ((rc = eddy__s_name_check("stream", stream, &slen)) != 0 ||
        (rc = eddy__s_read(env, stream, slen, &s)) != 0 || (rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__s_get(env, txn, stream, slen, &s)) == 0 &&
        (rc = consumers_collect(env, txn, EDDY__T_CKPT, s.id, &c)) == 0)
        rc = consumers_collect(env, txn, EDDY__T_LEASE, s.id, &c);
    eddy__rtxn_end(env, txn);
    if (rc == 0 && c.n > 0) {
        qsort(c.names, c.n, sizeof *c.names, consumer_cmp);
        for (size_t i = 0; i < c.n; i++)
            if (n == 0 || strcmp(c.names[n - 1], c.names[i]) != 0)
                memmove(c.names[n++], c.names[i], sizeof *c.names);
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (fn(ctx, c.names[i]) != 0)
            rc = eddy__err(EDDY_EUSER, "the listing callback stopped at consumer '%s'", c.names[i]);
    eddy__free(env, c.names);
    return rc;
}

struct ckpt_list_ctx {
    eddy_env *env;
    const char *stream, *consumer;
};

static int ckpt_list_fill(void *ctx, void *work, size_t cap, size_t *n_out)
{
    struct ckpt_list_ctx *c = ctx;
    return checkpoint_list_impl(c->env, c->stream, c->consumer, work, cap, n_out);
}

EDDY_API int eddy_checkpoint_list(eddy_env *env, const char *stream, const char *consumer,
                                  eddy_checkpoint *out, size_t cap, size_t *n_out)
{
    struct ckpt_list_ctx c = {env, stream, consumer};

    if (env == NULL || out == NULL || cap == 0)
        return checkpoint_list_impl(env, stream, consumer, out, cap, n_out);
    return eddy__array_out_call(env, out, cap, sizeof *out, EDDY__SIZE_V1(eddy_checkpoint),
                                "eddy_checkpoint", ckpt_list_fill, &c, n_out);
}

EDDY_API int eddy_checkpoint_get(eddy_env *env, const char *stream, const char *consumer,
                                 uint32_t shard_id, eddy_checkpoint *out)
{
    eddy_checkpoint local;
    int rc;

    if (env == NULL || out == NULL)
        return checkpoint_get_impl(env, stream, consumer, shard_id, out);
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_checkpoint), "eddy_checkpoint")) != 0)
        return rc;
    memset(&local, 0, sizeof local);
    rc = checkpoint_get_impl(env, stream, consumer, shard_id, &local);
    local.size = sizeof local;
    if (rc == 0)
        eddy__struct_out(out, &local, sizeof local);
    return rc;
}

EDDY_API int eddy_checkpoint_commit(eddy_env *env, const eddy_checkpoint_write *cps, size_t n_cps,
                                    const char *put_stream, const eddy_stream_put_entry *entries,
                                    size_t n_entries, eddy_stream_put_result *results)
{
    const void *in_cps = NULL, *in_entries = NULL;
    void *tmp_cps = NULL, *tmp_entries = NULL, *tmp_out = NULL, *work = NULL;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if ((rc = eddy__array_in(env, cps, n_cps, sizeof *cps, EDDY__SIZE_V1(eddy_checkpoint_write),
                             "eddy_checkpoint_write", &in_cps, &tmp_cps)) != 0)
        return rc;
    if ((rc = eddy__array_in(env, entries, n_entries, sizeof *entries,
                             EDDY__SIZE_V1(eddy_stream_put_entry), "eddy_stream_put_entry",
                             &in_entries, &tmp_entries)) != 0)
        goto out;
    if ((rc = eddy__array_out_begin(env, results, n_entries, sizeof *results,
                                    EDDY__SIZE_V1(eddy_stream_put_result), "eddy_stream_put_result",
                                    &work, &tmp_out)) != 0)
        goto out;
    rc = checkpoint_commit_impl(env, in_cps, n_cps, put_stream, in_entries, n_entries, work);
    eddy__array_out_end(results, work, n_entries, sizeof *results);
out:
    eddy__free(env, tmp_cps);
    eddy__free(env, tmp_entries);
    eddy__free(env, tmp_out);
    return rc;
}
