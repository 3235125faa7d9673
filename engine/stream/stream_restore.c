/*
 * stream_restore.c: eddy_stream_restore_batch, storing records with the sequence numbers and
 * arrival times they had (import of an export). The caller's thread validates every entry, sorts
 * the entries by shard (keeping their order within a shard), packs runs of consecutive numbers
 * with one arrival time into blocks (as one put batch stores them) and compresses them. The write
 * op checks each shard (it exists, is open, and every number is above its newest) and stores the
 * blocks through the same accounting as a put (eddy__shard_append), so the shard rows, the time
 * index and later puts stay consistent. All or nothing. Never calls mdb_*.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "error.h"
#include "stream_int.h"

typedef struct rentry {
    uint64_t n;
    uint32_t shard;
    uint32_t block;
} rentry;

typedef struct srestore {
    eddy__s s;
    size_t n;
    const eddy_stream_restore_entry *in;
    eddy_stream_put_result *results;
    rentry *e;                /* n: parsed entries */
    uint64_t *order;          /* n: shard << 32 | entry index, sorted */
    eddy__sput_block *blocks; /* n_blocks, in order (shard by shard, numbers increasing) */
    size_t *block_entry;      /* the first entry of each block */
    size_t n_blocks;
} srestore;

static int entry_check(const srestore *a, size_t i, uint64_t now, rentry *e)
{
    const eddy_stream_restore_entry *r = &a->in[i];
    eddy__ferr fe;
    int rc;

    if (r->seq == NULL)
        return eddy__err(EDDY_EINVAL, "entry %zu has no sequence number", i);
    if ((rc = eddy__seq_from_dec(r->seq, &e->n, &e->shard, &fe)) != 0)
        return eddy__err_ferr(rc, &fe);
    if (e->n == 0 || e->n > EDDY__S_N_MAX)
        return eddy__err(EDDY_EINVAL, "sequence number %s is out of range", r->seq);
    if ((rc = eddy__s_record_check(&a->s.cfg, r->partition_key, r->data)) != 0)
        return rc;
    if (r->arrival_ms == 0 || r->arrival_ms > now)
        return eddy__err(EDDY_EINVAL, "record %s: arrival time %llu is 0 or after now (%llu)",
                         r->seq, (unsigned long long)r->arrival_ms, (unsigned long long)now);
    return 0;
}

static int order_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Does entry j continue entry i's block (same shard, next number, same arrival, room)? */
static int continues(const srestore *a, size_t i, size_t j, const eddy__sput_block *b)
{
    size_t need = EDDY__SBLOCK_REC_FIXED + a->in[j].partition_key.len + a->in[j].data.len;

    return a->e[j].shard == a->e[i].shard && a->e[j].n == a->e[i].n + 1 &&
           a->in[j].arrival_ms == a->in[i].arrival_ms && b->raw_len + need <= EDDY__SBLOCK_RAW_MAX;
}

/* Walk the entries shard by shard: numbers must increase and arrivals not go back; pack. */
static int pack(eddy_env *env, srestore *a)
{
    eddy__sput_block *b = NULL;
    size_t prev = 0;
    int rc;

    for (size_t k = 0; k < a->n; k++) {
        size_t j = (size_t)(a->order[k] & UINT32_MAX);
        const eddy_stream_restore_entry *r = &a->in[j];
        int same_shard = k > 0 && a->e[prev].shard == a->e[j].shard;
        if (same_shard && a->e[j].n <= a->e[prev].n) {
            a->results[j].rc = eddy__err(EDDY_EINVAL, "sequence number %s does not follow %s",
                                         r->seq, a->in[prev].seq);
            return a->results[j].rc;
        }
        if (same_shard && r->arrival_ms < a->in[prev].arrival_ms) {
            a->results[j].rc =
                eddy__err(EDDY_EINVAL, "record %s arrived before record %s of the same shard",
                          r->seq, a->in[prev].seq);
            return a->results[j].rc;
        }
        if (b == NULL || !continues(a, prev, j, b)) {
            b = &a->blocks[a->n_blocks];
            a->block_entry[a->n_blocks++] = j;
            b->shard = a->e[j].shard;
            b->first_n = a->e[j].n;
            b->arrival_ms = r->arrival_ms;
            eddy__skey_rec(b->key, a->s.id, b->shard, b->first_n);
        }
        a->e[j].block = (uint32_t)(b - a->blocks);
        if ((rc = eddy__sblock_append(env, b, r->partition_key.data, r->partition_key.len,
                                      r->data.data, r->data.len)) != 0)
            return rc;
        prev = j;
    }
    for (size_t i = 0; i < a->n_blocks; i++)
        if ((rc = eddy__sblock_compress(env, &a->blocks[i], a->s.cfg.dict_id)) != 0)
            return rc;
    return 0;
}

static void restore_release(eddy_env *env, srestore *a)
{
    eddy__sblocks_free(env, a->blocks, a->n_blocks);
    eddy__free(env, a->e);
    eddy__free(env, a->order);
    eddy__free(env, a->block_entry);
}

static int prepare(eddy_env *env, const char *name, srestore *a)
{
    uint64_t now = eddy__now_ms(env);
    size_t len;
    int rc;

    if ((rc = eddy__s_name_check("stream", name, &len)) != 0 ||
        (rc = eddy__s_read(env, name, len, &a->s)) != 0)
        return rc;
    if (a->n > a->s.cfg.batch_max)
        return eddy__err(EDDY_ELIMIT, "batch of %zu records exceeds batch_max %u", a->n,
                         a->s.cfg.batch_max);
    a->e = eddy__calloc(env, a->n, sizeof *a->e);
    a->order = eddy__calloc(env, a->n, sizeof *a->order);
    a->blocks = eddy__calloc(env, a->n, sizeof *a->blocks);
    a->block_entry = eddy__calloc(env, a->n, sizeof *a->block_entry);
    if (a->e == NULL || a->order == NULL || a->blocks == NULL || a->block_entry == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory preparing %zu records", a->n);
    for (size_t i = 0; i < a->n; i++) {
        if ((rc = entry_check(a, i, now, &a->e[i])) != 0) {
            a->results[i].rc = rc;
            return rc;
        }
        a->order[i] = (uint64_t)a->e[i].shard << 32 | i;
    }
    qsort(a->order, a->n, sizeof *a->order, order_cmp);
    return pack(env, a);
}

/* A number at or below the shard's newest: a collision when a stored block holds it, else the
 * restore goes backwards. */
static int n_refused(eddy__wtx *w, const srestore *a, uint32_t shard, uint64_t n, const char *seq)
{
    uint8_t target[EDDY__SKEY_REC_LEN];
    MDB_cursor *cur = NULL;
    eddy__sblock_meta m;
    eddy__rec r;
    MDB_val k, v;
    int rc, stored = 0;

    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    /* The block that could hold n is the last one of the shard starting at or below n. */
    eddy__skey_rec(target, a->s.id, shard, n + 1);
    k.mv_data = target;
    k.mv_size = sizeof target;
    rc = eddy__cur_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0)
        rc = eddy__cur_get(cur, &k, &v, MDB_PREV);
    else if (rc == EDDY_ENOTFOUND)
        rc = eddy__cur_get(cur, &k, &v, MDB_LAST);
    if (rc == 0 && k.mv_size == EDDY__SKEY_REC_LEN &&
        memcmp(k.mv_data, target, EDDY__SKEY_SHARD_LEN) == 0) {
        uint64_t first = eddy__be64_get((const uint8_t *)k.mv_data + EDDY__SKEY_SHARD_LEN);
        if ((rc = eddy__payload_peek(EDDY__T_SREC, k.mv_data, k.mv_size, &v, &r)) == 0 &&
            eddy__sblock_meta_decode(r.meta, r.meta_len, &m, NULL) != 0)
            rc =
                EDDY__CORRUPT("stream '%s' shard %u: block meta does not decode", a->s.name, shard);
        stored = rc == 0 && n >= first && n - first < m.count;
    }
    eddy__cur_close(cur);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    if (stored)
        return eddy__err(EDDY_EEXIST, "stream '%s' already stores record %s", a->s.name, seq);
    return eddy__err(EDDY_EINVAL,
                     "record %s of stream '%s' goes backwards: shard %u handed out higher "
                     "numbers already",
                     seq, a->s.name, shard);
}

/* Check block b against its shard's row sh and account it. */
static int block_apply(eddy__wtx *w, srestore *a, size_t bi, eddy__sshard *sh)
{
    eddy__sput_block *b = &a->blocks[bi];
    const char *seq = a->in[a->block_entry[bi]].seq;
    uint8_t meta[EDDY__SBLOCK_META_LEN];
    eddy__sblock_meta m = {b->count, b->arrival_ms, b->data_bytes};
    int rc;

    if (sh->state != EDDY__SHARD_OPEN)
        return eddy__err(EDDY_EINVAL, "record %s: shard %u of stream '%s' is closed", seq, b->shard,
                         a->s.name);
    if (b->first_n <= sh->last_n)
        return n_refused(w, a, b->shard, b->first_n, seq);
    if (sh->last_n > sh->base_n && b->arrival_ms < sh->last_ts)
        return eddy__err(
            EDDY_EINVAL, "record %s arrived before the newest record of shard %u (%llu < %llu)",
            seq, b->shard, (unsigned long long)b->arrival_ms, (unsigned long long)sh->last_ts);
    if ((rc = eddy__shard_append(w, a->s.id, b->shard, sh, b->first_n, b->count, b->arrival_ms,
                                 b->data_bytes)) != 0)
        return rc;
    eddy__sblock_meta_encode(meta, &m);
    rc = eddy__payload_put(w, EDDY__T_SREC, b->key, EDDY__SKEY_REC_LEN, EDDY__KIND_SREC, meta,
                           sizeof meta, &b->p, MDB_NOOVERWRITE);
    return rc == EDDY_EEXIST ? EDDY__CORRUPT("stream record key above last_n already taken") : rc;
}

static int restore_apply(eddy__wtx *w, void *arg)
{
    srestore *a = arg;
    eddy__sshard sh;
    eddy__s s;
    int rc;

    for (size_t i = 0; i < a->n; i++)
        a->results[i].rc = 0;
    if ((rc = eddy__s_get_same(w, a->s.name, a->s.name_len, a->s.id, &s)) != 0)
        return rc;
    for (size_t i = 0; i < a->n_blocks; i++) {
        uint32_t shard = a->blocks[i].shard;
        if (i == 0 || a->blocks[i - 1].shard != shard) {
            rc = eddy__shard_get(w->env, w->txn, s.id, shard, &sh);
            if (rc == EDDY_ENOTFOUND)
                rc = eddy__err(rc, "stream '%s' has no shard %u (record %s)", s.name, shard,
                               a->in[a->block_entry[i]].seq);
        }
        if (rc == 0)
            rc = block_apply(w, a, i, &sh);
        if (rc == 0 && (i + 1 == a->n_blocks || a->blocks[i + 1].shard != shard))
            rc = eddy__shard_put(w, s.id, shard, &sh);
        if (rc != 0) {
            a->results[a->block_entry[i]].rc = rc;
            return rc;
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        a->results[i].shard_id = a->e[i].shard;
        a->results[i].arrival_ms = a->in[i].arrival_ms;
        eddy__seq_str(a->e[i].n, a->e[i].shard, a->results[i].seq);
    }
    return 0;
}

static int restore_batch_impl(eddy_env *env, const char *name,
                              const eddy_stream_restore_entry *entries, size_t n,
                              eddy_stream_put_result *results)
{
    srestore a;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if (entries == NULL || results == NULL || n == 0)
        return eddy__err(EDDY_EINVAL, "a restore needs 1 or more entries and their results");
    memset(&a, 0, sizeof a);
    memset(results, 0, n * sizeof *results);
    for (size_t i = 0; i < n; i++)
        results[i].shard_id = EDDY_STREAM_NO_SHARD;
    a.n = n;
    a.in = entries;
    a.results = results;
    if ((rc = prepare(env, name, &a)) == 0)
        rc = eddy__write_adding(env, restore_apply, NULL, &a);
    restore_release(env, &a);
    return rc;
}

EDDY_API int eddy_stream_restore_batch(eddy_env *env, const char *name,
                                       const eddy_stream_restore_entry *entries, size_t n,
                                       eddy_stream_put_result *results)
{
    const void *in = NULL;
    void *tmp_in = NULL, *tmp_out = NULL, *work = NULL;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if ((rc = eddy__array_in(env, entries, n, sizeof *entries,
                             EDDY__SIZE_V1(eddy_stream_restore_entry), "eddy_stream_restore_entry",
                             &in, &tmp_in)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, results, n, sizeof *results,
                                    EDDY__SIZE_V1(eddy_stream_put_result), "eddy_stream_put_result",
                                    &work, &tmp_out)) != 0)
        goto out;
    rc = restore_batch_impl(env, name, in, n, work);
    eddy__array_out_end(results, work, n, sizeof *results);
out:
    eddy__free(env, tmp_in);
    eddy__free(env, tmp_out);
    return rc;
}
