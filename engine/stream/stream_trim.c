/*
 * stream_trim.c: retention. Records whose arrival time is older than the stream's retention are
 * removed oldest first per shard, a bounded number per transaction; a shard's trim_n remembers
 * how far it was trimmed (iterators below it resume at the horizon and say so). Time-index
 * entries whose records are all gone go too, and a closed shard whose records are gone and that
 * closed longer than the retention ago is removed with its checkpoints and leases.
 * Never calls mdb_*.
 */
#include <string.h>

#include "bytes.h"
#include "error.h"
#include "stream_int.h"

typedef struct trim_op {
    const char *name;
    size_t name_len;
    uint64_t sid;
    uint32_t max_n;
    uint64_t before;                     /* also records that arrived before this (0 = none) */
    uint64_t removed;                    /* out */
    uint8_t (*keys)[EDDY__SKEY_REC_LEN]; /* scratch: max_n + 1 keys */
} trim_op;

/* Remove time-index entries of a shard whose whole range lies below n0 (first record kept). */
static int trim_time_index(eddy__wtx *w, trim_op *op, uint32_t shard, uint64_t n0)
{
    uint8_t prefix[EDDY__SKEY_SHARD_LEN], prev[EDDY__SKEY_TIME_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t got = 0;
    int have_prev = 0, rc;

    eddy__skey_shard(prefix, op->sid, shard);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_STIME, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, prefix, sizeof prefix, NULL, 0, &k, &v);
         rc == 0 && got <= op->max_n;
         rc = eddy__cur_next_prefix(cur, prefix, sizeof prefix, &k, &v)) {
        if (k.mv_size != EDDY__SKEY_TIME_LEN || v.mv_size != 8) {
            rc = EDDY__CORRUPT("time index entry of %zu/%zu bytes", k.mv_size, v.mv_size);
            break;
        }
        if (eddy__be64_get(v.mv_data) > n0)
            break;
        if (have_prev)
            memcpy(op->keys[got++], prev, sizeof prev);
        memcpy(prev, k.mv_data, sizeof prev);
        have_prev = 1;
    }
    eddy__cur_close(cur);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    for (size_t i = 0; i < got; i++)
        if ((rc = eddy__del(w, EDDY__T_STIME, op->keys[i], EDDY__SKEY_TIME_LEN)) != 0)
            return rc;
    return 0;
}

/* What collect found in one shard: expired blocks, oldest first, within the budget. */
typedef struct found {
    size_t blocks;
    uint64_t records, bytes;
    uint64_t last_n; /* newest record number removed */
    uint64_t next_n; /* first block kept; UINT64_MAX when none */
} found;

/* Collect the shard's expired blocks into op->keys. Whole blocks only: a block that would pass
 * max_n stays, unless nothing was removed yet in this call (so every call makes progress). */
static int collect(eddy__wtx *w, trim_op *op, uint32_t shard, uint64_t cutoff, found *f)
{
    uint8_t prefix[EDDY__SKEY_SHARD_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc;

    memset(f, 0, sizeof *f);
    f->next_n = UINT64_MAX;
    eddy__skey_shard(prefix, op->sid, shard);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, prefix, sizeof prefix, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, prefix, sizeof prefix, &k, &v)) {
        eddy__rec r;
        eddy__sblock_meta m;
        uint64_t first;
        if (k.mv_size != EDDY__SKEY_REC_LEN ||
            (rc = eddy__payload_peek(EDDY__T_SREC, k.mv_data, k.mv_size, &v, &r)) != 0 ||
            eddy__sblock_meta_decode(r.meta, r.meta_len, &m, NULL) != 0) {
            rc = rc != 0 ? rc : EDDY__CORRUPT("stream record block with a bad key or meta");
            break;
        }
        first = eddy__be64_get((const uint8_t *)k.mv_data + 12);
        if (m.arrival_ms >= cutoff ||
            (op->removed + f->records > 0 && op->removed + f->records + m.count > op->max_n)) {
            f->next_n = first;
            break;
        }
        memcpy(op->keys[f->blocks++], k.mv_data, EDDY__SKEY_REC_LEN);
        f->records += m.count;
        f->bytes += m.data_bytes;
        f->last_n = first + m.count - 1;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Records that arrived before `cutoff` go; a closed shard goes once empty and closed before
 * `shard_cutoff` (the retention's cut). */
static int trim_shard(eddy__wtx *w, trim_op *op, eddy__shard_row *row, uint64_t cutoff,
                      uint64_t shard_cutoff)
{
    eddy__sshard *sh = &row->s;
    found f;
    int rc = collect(w, op, row->id, cutoff, &f);

    if (rc != 0)
        return rc;
    for (size_t i = 0; i < f.blocks; i++)
        if ((rc = eddy__payload_del(w, EDDY__T_SREC, op->keys[i], EDDY__SKEY_REC_LEN)) != 0)
            return rc;
    if (f.blocks > 0) {
        if (sh->records < f.records || sh->bytes < f.bytes)
            return EDDY__CORRUPT("shard %u counts fewer records or bytes than it holds", row->id);
        sh->trim_n = f.last_n + 1;
        sh->records -= f.records;
        sh->bytes -= f.bytes;
        op->removed += f.records;
        if ((rc = trim_time_index(w, op, row->id,
                                  f.next_n == UINT64_MAX ? sh->last_n + 1 : f.next_n)) != 0)
            return rc;
    }
    if (sh->state == EDDY__SHARD_CLOSED && sh->records == 0 && sh->closed_ms <= shard_cutoff)
        return eddy__shard_remove(w, op->sid, row->id);
    return f.blocks > 0 ? eddy__shard_put(w, op->sid, row->id, sh) : 0;
}

static int trim_apply(eddy__wtx *w, void *arg)
{
    trim_op *op = arg;
    eddy__shard_row *rows = NULL;
    uint64_t cutoff, shard_cutoff;
    size_t n = 0;
    eddy__s s;
    int rc;

    op->removed = 0;
    if ((rc = eddy__s_get_same(w, op->name, op->name_len, op->sid, &s)) != 0)
        return rc;
    /* Records that arrived before the cut have expired (arrival + retention <= now); a closed
     * shard expires by the same rule on its closing time. */
    cutoff = eddy__retention_cut(s.cfg.retention_ms, w->now_ms);
    shard_cutoff = cutoff > 0 ? cutoff - 1 : 0;
    cutoff = op->before > cutoff ? op->before : cutoff;
    if (cutoff == 0)
        return 0;
    if ((rc = eddy__shards_load(w->env, w->txn, s.id, &rows, &n)) != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n && op->removed < op->max_n; i++)
        rc = trim_shard(w, op, &rows[i], cutoff, shard_cutoff);
    eddy__free(w->env, rows);
    return rc;
}

int eddy__s_expire_shard(eddy__wtx *w, uint64_t sid, uint64_t retention_ms, uint32_t shard,
                         eddy__sshard *sh)
{
    uint8_t keys[EDDY__S_EXPIRE_STEP + 1][EDDY__SKEY_REC_LEN];
    uint64_t cut = eddy__retention_cut(retention_ms, w->now_ms);
    eddy__shard_row row;
    trim_op op;
    int rc;

    if (cut == 0)
        return 0;
    memset(&op, 0, sizeof op);
    op.sid = sid;
    op.max_n = EDDY__S_EXPIRE_STEP;
    op.keys = keys;
    row.id = shard;
    row.s = *sh;
    if ((rc = trim_shard(w, &op, &row, cut, cut - 1)) == 0)
        *sh = row.s;
    return rc;
}

static int trim_run(eddy_env *env, const char *name, uint64_t before_ms, uint32_t max_n,
                    uint64_t *removed_out)
{
    trim_op op;
    eddy__s s;
    int rc = eddy__env_enter_write(env);

    if (removed_out != NULL)
        *removed_out = 0;
    if (rc != 0)
        return rc;
    if (max_n > EDDY__S_TRIM_MAX)
        return eddy__err(EDDY_EINVAL, "max_n %u exceeds %u", max_n, EDDY__S_TRIM_MAX);
    memset(&op, 0, sizeof op);
    op.max_n = max_n ? max_n : EDDY__S_TRIM_DEFAULT;
    op.before = before_ms;
    if ((rc = eddy__s_name_check("stream", name, &op.name_len)) != 0 ||
        (rc = eddy__s_read(env, name, op.name_len, &s)) != 0)
        return rc;
    op.name = name;
    op.sid = s.id;
    if ((op.keys = eddy__malloc(env, ((size_t)op.max_n + 1) * sizeof *op.keys)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory trimming");
    rc = eddy__write(env, trim_apply, NULL, &op);
    eddy__free(env, op.keys);
    if (rc == 0 && removed_out != NULL)
        *removed_out = op.removed;
    return rc;
}

EDDY_API int eddy_stream_trim(eddy_env *env, const char *name, uint32_t max_n,
                              uint64_t *removed_out)
{
    return trim_run(env, name, 0, max_n, removed_out);
}

EDDY_API int eddy_stream_trim_before(eddy_env *env, const char *name, uint64_t before_ms,
                                     uint32_t max_n, uint64_t *removed_out)
{
    return trim_run(env, name, before_ms, max_n, removed_out);
}
