/*
 * reshard.c: splitting and merging shards, uniform scaling, and listing shards with their
 * lineage. A reshard closes its parents (they keep their records until retention) and opens
 * children that record their parents; the routing index moves with the open ranges, and children
 * start numbering above every number of their parents. Never calls mdb_*.
 */
#include <string.h>

#include "abi.h"
#include "error.h"
#include "stream_int.h"

/* Count the stream's shard rows (for EDDY_STREAM_SHARDS_MAX). */
static int shard_count(eddy__wtx *w, uint64_t sid, size_t *n)
{
    eddy__shard_row *rows = NULL;
    int rc = eddy__shards_load(w->env, w->txn, sid, &rows, n);
    eddy__free(w->env, rows);
    return rc;
}

static void child_init(eddy__sshard *c, uint64_t now, uint32_t parent, uint32_t parent2)
{
    memset(c, 0, sizeof *c);
    c->state = EDDY__SHARD_OPEN;
    c->parent = parent;
    c->parent2 = parent2;
    c->child = c->child2 = EDDY__SHARD_NONE;
    c->created_ms = now;
}

static int open_shard(eddy__wtx *w, const eddy__s *s, uint32_t id, eddy__sshard *out)
{
    int rc = eddy__shard_get(w->env, w->txn, s->id, id, out);
    if (rc == 0 && out->state != EDDY__SHARD_OPEN)
        rc = eddy__err(EDDY_EINVAL, "shard %u of stream '%s' is closed", id, s->name);
    return rc;
}

/* Split shard `id` of `s` (re-read in this txn) at key; s->cfg.next_shard_id moves on. */
static int do_split(eddy__wtx *w, eddy__s *s, uint32_t id, const uint8_t key[16], uint32_t kids[2])
{
    eddy__sshard p, a, b;
    int rc;

    if ((rc = open_shard(w, s, id, &p)) != 0)
        return rc;
    if (memcmp(key, p.start, 16) <= 0 || memcmp(key, p.end, 16) > 0)
        return eddy__err(EDDY_EINVAL,
                         "split key is not inside shard %u's range (above its "
                         "starting hash key, at most its ending one)",
                         id);
    kids[0] = s->cfg.next_shard_id;
    kids[1] = s->cfg.next_shard_id + 1;
    s->cfg.next_shard_id += 2;
    child_init(&a, w->now_ms, id, EDDY__SHARD_NONE);
    child_init(&b, w->now_ms, id, EDDY__SHARD_NONE);
    memcpy(a.start, p.start, 16);
    memcpy(a.end, key, 16);
    eddy__u128_dec(a.end);
    memcpy(b.start, key, 16);
    memcpy(b.end, p.end, 16);
    a.base_n = a.last_n = b.base_n = b.last_n = p.last_n;
    a.last_ts = b.last_ts = p.last_ts;
    p.state = EDDY__SHARD_CLOSED;
    p.closed_ms = w->now_ms;
    p.child = kids[0];
    p.child2 = kids[1];
    if ((rc = eddy__route_del(w, s->id, p.end)) != 0 ||
        (rc = eddy__route_put(w, s->id, a.end, kids[0])) != 0 ||
        (rc = eddy__route_put(w, s->id, b.end, kids[1])) != 0 ||
        (rc = eddy__shard_put(w, s->id, id, &p)) != 0 ||
        (rc = eddy__shard_put(w, s->id, kids[0], &a)) != 0)
        return rc;
    return eddy__shard_put(w, s->id, kids[1], &b);
}

static int do_merge(eddy__wtx *w, eddy__s *s, uint32_t id1, uint32_t id2, uint32_t *kid)
{
    eddy__sshard p, q, c, t;
    uint8_t after[16];
    int rc;

    if (id1 == id2)
        return eddy__err(EDDY_EINVAL, "cannot merge shard %u with itself", id1);
    if ((rc = open_shard(w, s, id1, &p)) != 0 || (rc = open_shard(w, s, id2, &q)) != 0)
        return rc;
    if (memcmp(p.start, q.start, 16) > 0) { /* p is the lower range */
        uint32_t ti = id1;
        t = p, p = q, q = t;
        id1 = id2, id2 = ti;
    }
    memcpy(after, p.end, 16);
    eddy__u128_inc(after);
    if (memcmp(after, q.start, 16) != 0)
        return eddy__err(EDDY_EINVAL, "shards %u and %u are not adjacent", id1, id2);
    *kid = s->cfg.next_shard_id++;
    child_init(&c, w->now_ms, id1, id2);
    memcpy(c.start, p.start, 16);
    memcpy(c.end, q.end, 16);
    c.base_n = c.last_n = p.last_n > q.last_n ? p.last_n : q.last_n;
    c.last_ts = p.last_ts > q.last_ts ? p.last_ts : q.last_ts;
    p.state = q.state = EDDY__SHARD_CLOSED;
    p.closed_ms = q.closed_ms = w->now_ms;
    p.child = q.child = *kid;
    if ((rc = eddy__route_del(w, s->id, p.end)) != 0 ||
        (rc = eddy__route_del(w, s->id, q.end)) != 0 ||
        (rc = eddy__route_put(w, s->id, c.end, *kid)) != 0 ||
        (rc = eddy__shard_put(w, s->id, id1, &p)) != 0 ||
        (rc = eddy__shard_put(w, s->id, id2, &q)) != 0)
        return rc;
    return eddy__shard_put(w, s->id, *kid, &c);
}

typedef struct reshard_op {
    const char *name;
    size_t name_len;
    uint64_t sid;
    int kind; /* 0 split, 1 merge, 2 scale */
    uint32_t a, b;
    uint8_t key[16];
    uint32_t target;
    uint32_t out[2];
} reshard_op;

/* Open shards of the stream in hash order (from SROUTE). */
static int open_shards(eddy__wtx *w, uint64_t sid, eddy__shard_row **rows, size_t *n)
{
    eddy__shard_row *all = NULL;
    size_t na = 0, k = 0;
    int rc = eddy__shards_load(w->env, w->txn, sid, &all, &na);

    *rows = all;
    *n = 0;
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < na; i++)
        if (all[i].s.state == EDDY__SHARD_OPEN)
            all[k++] = all[i];
    /* insertion sort by range start: open shards are few, and this runs inside a reshard */
    for (size_t i = 1; i < k; i++) {
        eddy__shard_row t = all[i];
        size_t j = i;
        for (; j > 0 && memcmp(all[j - 1].s.start, t.s.start, 16) > 0; j--)
            all[j] = all[j - 1];
        all[j] = t;
    }
    *n = k;
    return 0;
}

/* Width of a range as 16 bytes (end - start), for comparisons. */
static void width(const eddy__sshard *a, const eddy__sshard *b, uint8_t out[16])
{
    int borrow = 0;
    for (int i = 15; i >= 0; i--) {
        int d = (int)b->end[i] - (int)a->start[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

/* One scaling step: split the widest open shard, or merge the narrowest adjacent pair. */
static int scale_step(eddy__wtx *w, eddy__s *s, int grow)
{
    eddy__shard_row *r = NULL;
    uint8_t best[16], cur[16], key[16];
    size_t n, bi = 0;
    uint32_t kids[2];
    int rc = open_shards(w, s->id, &r, &n);

    if (rc != 0 || n == 0)
        goto out;
    for (size_t i = 0; i < (grow ? n : n - 1); i++) {
        width(&r[i].s, grow ? &r[i].s : &r[i + 1].s, cur);
        if (i == 0 || (grow ? memcmp(cur, best, 16) > 0 : memcmp(cur, best, 16) < 0)) {
            memcpy(best, cur, 16);
            bi = i;
        }
    }
    if (grow) {
        eddy__u128_mid(r[bi].s.start, r[bi].s.end, key);
        eddy__u128_inc(key);
        rc = do_split(w, s, r[bi].id, key, kids);
    } else {
        rc = do_merge(w, s, r[bi].id, r[bi + 1].id, &kids[0]);
    }
out:
    eddy__free(w->env, r);
    return rc;
}

static int scale(eddy__wtx *w, eddy__s *s, uint32_t target)
{
    eddy__shard_row *r = NULL;
    size_t n;
    int rc = open_shards(w, s->id, &r, &n);

    eddy__free(w->env, r);
    if (rc != 0)
        return rc;
    if (target > 2 * n || target * 2 < n)
        return eddy__err(EDDY_EINVAL, "target %u shards is not between half and double of %zu",
                         target, n);
    for (; rc == 0 && n < target; n++)
        rc = scale_step(w, s, 1);
    for (; rc == 0 && n > target; n--)
        rc = scale_step(w, s, 0);
    return rc;
}

static int reshard_apply(eddy__wtx *w, void *arg)
{
    reshard_op *op = arg;
    size_t n;
    eddy__s s;
    int rc;

    if ((rc = eddy__s_get_same(w, op->name, op->name_len, op->sid, &s)) != 0 ||
        (rc = shard_count(w, s.id, &n)) != 0)
        return rc;
    if (n + (op->kind == 2 ? 2 * (size_t)op->target : 2) > EDDY_STREAM_SHARDS_MAX)
        return eddy__err(EDDY_ELIMIT, "stream '%s' would exceed %d shards", s.name,
                         EDDY_STREAM_SHARDS_MAX);
    if (op->kind == 0)
        rc = do_split(w, &s, op->a, op->key, op->out);
    else if (op->kind == 1)
        rc = do_merge(w, &s, op->a, op->b, &op->out[0]);
    else
        rc = scale(w, &s, op->target);
    return rc != 0 ? rc : eddy__s_cfg_put(w, &s);
}

static int reshard(eddy_env *env, const char *name, reshard_op *op)
{
    eddy__s s;
    int rc;

    if ((rc = eddy__s_name_check("stream", name, &op->name_len)) != 0 ||
        (rc = eddy__s_read(env, name, op->name_len, &s)) != 0)
        return rc;
    op->name = name;
    op->sid = s.id;
    pthread_rwlock_wrlock(&env->streams->gate); /* stream_int.h: starvation of puts */
    rc = eddy__write_adding(env, reshard_apply, NULL, op);
    pthread_rwlock_unlock(&env->streams->gate);
    return rc;
}

EDDY_API int eddy_stream_split_shard(eddy_env *env, const char *name, uint32_t shard_id,
                                     const char *new_starting_hash_key, uint32_t children_out[2])
{
    reshard_op op;
    eddy__ferr fe;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    memset(&op, 0, sizeof op);
    if ((rc = eddy__u128_from_dec(new_starting_hash_key, op.key, &fe)) != 0)
        return eddy__err_ferr(rc, &fe);
    op.kind = 0;
    op.a = shard_id;
    if ((rc = reshard(env, name, &op)) == 0 && children_out != NULL)
        memcpy(children_out, op.out, sizeof op.out);
    return rc;
}

EDDY_API int eddy_stream_merge_shards(eddy_env *env, const char *name, uint32_t shard_id,
                                      uint32_t adjacent_shard_id, uint32_t *child_out)
{
    reshard_op op;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    memset(&op, 0, sizeof op);
    op.kind = 1;
    op.a = shard_id;
    op.b = adjacent_shard_id;
    if ((rc = reshard(env, name, &op)) == 0 && child_out != NULL)
        *child_out = op.out[0];
    return rc;
}

EDDY_API int eddy_stream_update_shard_count(eddy_env *env, const char *name, uint32_t target)
{
    reshard_op op;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if (target == 0 || target > EDDY_STREAM_SHARDS_MAX)
        return eddy__err(EDDY_EINVAL, "target shard count %u out of range 1..%d", target,
                         EDDY_STREAM_SHARDS_MAX);
    memset(&op, 0, sizeof op);
    op.kind = 2;
    op.target = target;
    return reshard(env, name, &op);
}

/* ---- listing ---- */

static void shard_out(uint32_t id, const eddy__sshard *sh, eddy_stream_shard *o)
{
    memset(o, 0, sizeof *o);
    o->shard_id = id;
    o->state = sh->state == EDDY__SHARD_OPEN ? EDDY_STREAM_SHARD_OPEN : EDDY_STREAM_SHARD_CLOSED;
    o->parent_id = sh->parent;
    o->adjacent_parent_id = sh->parent2;
    o->child_ids[0] = sh->child;
    o->child_ids[1] = sh->child2;
    eddy__u128_to_dec(sh->start, o->starting_hash_key);
    eddy__u128_to_dec(sh->end, o->ending_hash_key);
    eddy__seq_str(sh->base_n, id, o->starting_seq);
    if (sh->state == EDDY__SHARD_CLOSED)
        eddy__seq_str(sh->last_n, id, o->ending_seq);
    o->created_ms = sh->created_ms;
    o->closed_ms = sh->closed_ms;
    o->records = sh->records;
    o->bytes = sh->bytes;
    o->last_arrival_ms = sh->last_n > sh->base_n ? sh->last_ts : 0;
    if (sh->last_n > sh->base_n)
        eddy__seq_str(sh->last_n, id, o->last_seq);
}

/* The first stored record's number of each shard (0 when it stores none), in one snapshot. */
static int first_ns(eddy_env *env, MDB_txn *txn, uint64_t sid, const eddy__shard_row *rows,
                    size_t n, uint64_t *first)
{
    uint8_t prefix[EDDY__SKEY_SHARD_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc;

    if ((rc = eddy__cur_open(env, txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        first[i] = 0;
        if (rows[i].s.records == 0)
            continue;
        eddy__skey_shard(prefix, sid, rows[i].id);
        rc = eddy__cur_seek_prefix(cur, prefix, sizeof prefix, NULL, 0, &k, &v);
        if (rc == EDDY_ENOTFOUND)
            continue;
        if (rc != 0)
            break;
        if (k.mv_size != EDDY__SKEY_REC_LEN) {
            rc = EDDY__CORRUPT("stream %llu shard %u: record key of %zu bytes",
                               (unsigned long long)sid, rows[i].id, k.mv_size);
            break;
        }
        first[i] = eddy__be64_get((const uint8_t *)k.mv_data + EDDY__SKEY_SHARD_LEN);
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static int stream_list_shards_impl(eddy_env *env, const char *name, eddy_stream_shard *out,
                                   size_t cap, size_t *n_out)
{
    eddy__shard_row *rows = NULL;
    uint64_t *first = NULL;
    MDB_txn *txn = NULL;
    size_t len, n = 0;
    eddy__s s;
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (n_out == NULL || (out == NULL && cap > 0))
        return eddy__err(EDDY_EINVAL, "n_out is NULL, or out is NULL with cap %zu", cap);
    *n_out = 0;
    if ((rc = eddy__s_name_check("stream", name, &len)) != 0 ||
        (rc = eddy__s_read(env, name, len, &s)) != 0 || (rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__s_get(env, txn, name, len, &s)) == 0)
        rc = eddy__shards_load(env, txn, s.id, &rows, &n);
    if (rc == 0 && n > cap)
        rc = eddy__err(EDDY_EBUFS, "stream '%s' has %zu shards; room for %zu", name, n, cap);
    if (rc == 0 && n > 0 && (first = eddy__calloc(env, n, sizeof *first)) == NULL)
        rc = eddy__err(EDDY_ENOMEM, "out of memory listing %zu shards", n);
    if (rc == 0)
        rc = first_ns(env, txn, s.id, rows, n, first);
    eddy__rtxn_end(env, txn);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        shard_out(rows[i].id, &rows[i].s, &out[i]);
        if (first[i] != 0)
            eddy__seq_str(first[i], rows[i].id, out[i].first_seq);
    }
    *n_out = n;
    eddy__free(env, rows);
    eddy__free(env, first);
    return rc;
}

EDDY_API int eddy_stream_list_shards(eddy_env *env, const char *name, eddy_stream_shard *out,
                                     size_t cap, size_t *n_out)
{
    size_t n = 0;
    void *work = NULL, *tmp = NULL;
    int rc;

    if (env == NULL || out == NULL || cap == 0)
        return stream_list_shards_impl(env, name, out, cap, n_out);
    if ((rc = eddy__env_enter(env)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, out, cap, sizeof *out, EDDY__SIZE_V1(eddy_stream_shard),
                                    "eddy_stream_shard", &work, &tmp)) != 0)
        return rc;
    rc = stream_list_shards_impl(env, name, work, cap, n_out != NULL ? &n : NULL);
    if (rc == 0)
        eddy__array_out_end(out, work, n < cap ? n : cap, sizeof *out);
    if (n_out != NULL)
        *n_out = n;
    eddy__free(env, tmp);
    return rc;
}
