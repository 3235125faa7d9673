/*
 * stream_iter.c: iterators and get_records. An iterator is a checked token holding (stream id,
 * shard, position, issue time): no transaction or memory stays behind it. get_records reads in
 * one short read transaction, copies the records out, ends it, and only then verifies and
 * decompresses them. A position below the shard's trim horizon resumes at the horizon and says
 * so (skipped_trimmed). Never calls mdb_*.
 */
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "error.h"
#include "stream_int.h"

/* Position of an AT_TIMESTAMP iterator: the first record that arrived at or after ts. */
static int pos_at_time(eddy_env *env, MDB_txn *txn, uint64_t sid, uint32_t shard,
                       const eddy__sshard *sh, uint64_t ts, uint64_t *pos)
{
    uint8_t k[EDDY__SKEY_TIME_LEN];
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    int rc;

    eddy__skey_time(k, sid, shard, ts);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_STIME, &cur)) != 0)
        return rc;
    rc = eddy__cur_seek_prefix(cur, k, EDDY__SKEY_SHARD_LEN, k + EDDY__SKEY_SHARD_LEN, 8, &key,
                               &val);
    if (rc == 0 && val.mv_size != 8)
        rc = EDDY__CORRUPT("time index value of %zu bytes", val.mv_size);
    if (rc == 0)
        *pos = eddy__be64_get(val.mv_data);
    eddy__cur_close(cur);
    if (rc == EDDY_ENOTFOUND) {
        *pos = sh->last_n + 1; /* nothing arrived at or after ts yet */
        rc = 0;
    }
    if (rc == 0 && *pos < sh->trim_n)
        *pos = sh->trim_n;
    return rc;
}

static int seq_pos(const eddy__sshard *sh, uint32_t shard, int type, const char *seq, uint64_t *pos)
{
    eddy__ferr fe;
    uint32_t sshard;
    uint64_t n;
    int rc;

    if ((rc = eddy__seq_from_dec(seq, &n, &sshard, &fe)) != 0)
        return eddy__err_ferr(rc, &fe);
    if (sshard != shard)
        return eddy__err(EDDY_EINVAL, "sequence number %s belongs to shard %u, not %u", seq, sshard,
                         shard);
    if (n > sh->last_n || n < sh->base_n)
        return eddy__err(EDDY_EINVAL, "sequence number %s was not handed out by shard %u", seq,
                         shard);
    *pos = type == EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER ? n + 1 : n;
    return 0;
}

static int iter_pos(eddy_env *env, MDB_txn *txn, const eddy__s *s, uint32_t shard, int type,
                    const char *seq, uint64_t ts, uint64_t now, uint64_t *pos)
{
    eddy__sshard sh;
    uint64_t cut = eddy__retention_cut(s->cfg.retention_ms, now);
    int rc = eddy__shard_get(env, txn, s->id, shard, &sh);

    if (rc != 0)
        return rc;
    switch (type) {
    case EDDY_STREAM_ITER_TRIM_HORIZON:
        /* The first unexpired record, whether or not a trim removed the expired ones yet. */
        *pos = sh.trim_n > sh.base_n + 1 ? sh.trim_n : sh.base_n + 1;
        return cut == 0 ? 0 : pos_at_time(env, txn, s->id, shard, &sh, cut, pos);
    case EDDY_STREAM_ITER_LATEST:
        *pos = sh.last_n + 1;
        return 0;
    case EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER:
    case EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER:
        return seq_pos(&sh, shard, type, seq, pos);
    default:
        return pos_at_time(env, txn, s->id, shard, &sh, ts > cut ? ts : cut, pos);
    }
}

EDDY_API int eddy_stream_get_iterator(eddy_env *env, const char *name, uint32_t shard_id, int type,
                                      const char *seq, uint64_t timestamp_ms,
                                      eddy_stream_iterator *out)
{
    MDB_txn *txn = NULL;
    eddy__siter it;
    size_t len;
    eddy__s s;
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "out is NULL");
    if (type < EDDY_STREAM_ITER_TRIM_HORIZON || type > EDDY_STREAM_ITER_AT_TIMESTAMP)
        return eddy__err(EDDY_EINVAL, "iterator type %d is not an EDDY_STREAM_ITER_* value", type);
    if ((rc = eddy__s_name_check("stream", name, &len)) != 0 ||
        (rc = eddy__s_read(env, name, len, &s)) != 0 || (rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    memset(&it, 0, sizeof it);
    it.issued_ms = eddy__now_ms(env); /* one clock reading for the whole call */
    if ((rc = eddy__s_get(env, txn, name, len, &s)) == 0)
        rc = iter_pos(env, txn, &s, shard_id, type, seq, timestamp_ms, it.issued_ms, &it.pos_n);
    eddy__rtxn_end(env, txn);
    if (rc != 0)
        return rc;
    it.sid = s.id;
    it.shard = shard_id;
    eddy__siter_encode(out->token, &it);
    return 0;
}

/* ---- get_records ---- */

typedef struct lblock {
    eddy__loaded l;
    uint8_t *body;
    size_t body_len;
    uint64_t first_n;
    eddy__sblock_meta m;
} lblock;

struct eddy_stream_batch {
    eddy_stream_record *recs;
    size_t n, cap;
    eddy_stream_read_info info;
    lblock *blocks; /* copied out of the map; decoded after the txn */
    size_t n_blocks, cap_blocks;
    eddy_env *env;
};

EDDY_API void eddy_stream_batch_free(eddy_stream_batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n_blocks; i++) {
        eddy__loaded_release(b->env, &b->blocks[i].l);
        eddy__free(b->env, b->blocks[i].body);
    }
    eddy__free(b->env, b->blocks);
    eddy__free(b->env, b->recs);
    eddy__free(b->env, b);
}

const eddy_stream_record *eddy__stream_batch_records(const eddy_stream_batch *b, size_t *n_out)
{
    if (n_out != NULL)
        *n_out = b != NULL ? b->n : 0;
    return b != NULL && b->n > 0 ? b->recs : NULL;
}

EDDY_API size_t eddy_stream_batch_count(const eddy_stream_batch *b)
{
    return b != NULL ? b->n : 0;
}

EDDY_API const eddy_stream_record *eddy_stream_batch_record(const eddy_stream_batch *b, size_t i)
{
    return b != NULL && i < b->n ? &b->recs[i] : NULL;
}

EDDY_API const eddy_stream_read_info *eddy_stream_batch_info(const eddy_stream_batch *b)
{
    return b != NULL ? &b->info : NULL;
}

typedef struct read_state {
    eddy__siter it;
    uint32_t max_records;
    uint64_t max_bytes;
    eddy__sshard sh;
    uint64_t start;    /* first record number to return: max(position, trim_n, expired) */
    uint64_t cut;      /* records that arrived before this have expired: never served */
    uint64_t after_ts; /* arrival of the first block not loaded; 0 = none */
    uint64_t next_pos; /* where the next call starts */
    uint64_t next_ts;  /* arrival of the first record not returned; 0 = none */
    uint64_t ttl_ms;
    uint64_t now; /* the call's one clock reading */
} read_state;

static int has_prefix(const MDB_val *k, const uint8_t *prefix)
{
    return k->mv_size == EDDY__SKEY_REC_LEN &&
           memcmp(k->mv_data, prefix, EDDY__SKEY_SHARD_LEN) == 0;
}

/* Position at the block that holds record `pos` of the shard, or at the first one after it. */
static int seek_block(MDB_cursor *cur, const uint8_t *key, MDB_val *k, MDB_val *v)
{
    int rc, rc2;

    k->mv_data = (void *)(uintptr_t)key;
    k->mv_size = EDDY__SKEY_REC_LEN;
    rc = eddy__cur_get(cur, k, v, MDB_SET_RANGE);
    if (rc == 0 && k->mv_size == EDDY__SKEY_REC_LEN && memcmp(k->mv_data, key, k->mv_size) == 0)
        return 0;
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    /* The block before may start below pos and still hold it. */
    rc2 = eddy__cur_get(cur, k, v, rc == 0 ? MDB_PREV : MDB_LAST);
    if (rc2 == 0 && has_prefix(k, key))
        return 0;
    if (rc2 != 0 && rc2 != EDDY_ENOTFOUND)
        return rc2;
    if (rc == EDDY_ENOTFOUND)
        return rc;
    k->mv_data = (void *)(uintptr_t)key;
    k->mv_size = EDDY__SKEY_REC_LEN;
    rc = eddy__cur_get(cur, k, v, MDB_SET_RANGE);
    return rc == 0 && !has_prefix(k, key) ? EDDY_ENOTFOUND : rc;
}

static int block_push(eddy_stream_batch *b, lblock **out)
{
    if (b->n_blocks == b->cap_blocks) {
        size_t cap = b->cap_blocks ? b->cap_blocks * 2 : 8;
        lblock *nb = eddy__realloc(b->env, b->blocks, cap * sizeof *nb);
        if (nb == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory reading records");
        b->blocks = nb;
        b->cap_blocks = cap;
    }
    *out = &b->blocks[b->n_blocks];
    memset(*out, 0, sizeof **out);
    return 0;
}

/* Copy the blocks that hold the next records out of the map (read txn). */
static int read_copy(eddy_env *env, MDB_txn *txn, read_state *st, eddy_stream_batch *b)
{
    uint8_t key[EDDY__SKEY_REC_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t recs = 0, bytes = 0;
    int rc;

    eddy__skey_rec(key, st->it.sid, st->it.shard, st->start);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    for (rc = seek_block(cur, key, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, key, EDDY__SKEY_SHARD_LEN, &k, &v)) {
        eddy__rec r;
        eddy__sblock_meta m;
        lblock *lb = NULL;
        uint64_t first = eddy__be64_get((const uint8_t *)k.mv_data + 12);
        if (k.mv_size != EDDY__SKEY_REC_LEN ||
            (rc = eddy__payload_peek(EDDY__T_SREC, k.mv_data, k.mv_size, &v, &r)) != 0 ||
            eddy__sblock_meta_decode(r.meta, r.meta_len, &m, NULL) != 0) {
            rc = rc != 0 ? rc : EDDY__CORRUPT("stream record block with a bad key or meta");
            break;
        }
        if (first + m.count <= st->start)
            continue; /* the block before pos did not hold it */
        if (m.arrival_ms < st->cut) {
            /* Past retention but not trimmed yet: never served (Kinesis); reading resumes at
             * the first unexpired record, as after a trim. */
            st->start = first + m.count;
            continue;
        }
        if (recs >= st->max_records || (recs > 0 && bytes >= st->max_bytes)) {
            st->after_ts = m.arrival_ms;
            break;
        }
        if ((rc = block_push(b, &lb)) != 0 ||
            (rc = eddy__payload_load(env, txn, EDDY__T_SREC, k.mv_data, k.mv_size, &v, &lb->l)))
            break;
        lb->first_n = first;
        lb->m = m;
        b->n_blocks++;
        recs += first + m.count - (first > st->start ? first : st->start);
        bytes += m.data_bytes;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* The read transaction: stream and shard still there, then copy. */
static int read_txn(eddy_env *env, read_state *st, eddy_stream_batch *b)
{
    MDB_txn *txn = NULL;
    eddy__s s;
    int rc = eddy__rtxn_begin(env, &txn);

    if (rc != 0)
        return rc;
    rc = eddy__s_get_by_id(env, txn, st->it.sid, &s);
    if (rc == EDDY_ENOTFOUND) {
        rc = eddy__err(EDDY_EEXPIRED, "the iterator's stream was deleted");
        goto out;
    }
    if (rc != 0)
        goto out;
    st->ttl_ms = s.cfg.iter_ttl_ms;
    rc = eddy__shard_get(env, txn, s.id, st->it.shard, &st->sh);
    if (rc == EDDY_ENOTFOUND)
        rc = eddy__err(EDDY_EEXPIRED, "the iterator's shard %u expired", st->it.shard);
    if (rc != 0)
        goto out;
    st->start = st->it.pos_n > st->sh.trim_n ? st->it.pos_n : st->sh.trim_n;
    st->cut = eddy__retention_cut(s.cfg.retention_ms, st->now);
    rc = read_copy(env, txn, st, b);
    st->next_pos = st->start;
out:
    eddy__rtxn_end(env, txn);
    return rc;
}

static int rec_push(eddy_stream_batch *b, eddy_stream_record **out)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        eddy_stream_record *r = eddy__realloc(b->env, b->recs, cap * sizeof *r);
        if (r == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory reading records");
        b->recs = r;
        b->cap = cap;
    }
    *out = &b->recs[b->n++];
    return 0;
}

/* Decode one block's records from st->start on, within the limits. 1 = limits reached. */
static int block_records(read_state *st, eddy_stream_batch *b, lblock *lb, uint64_t *bytes)
{
    eddy__rd r = eddy__rd_init(lb->body, lb->body_len);
    eddy_stream_record *o = NULL;
    eddy__ferr fe;
    int rc;

    if ((rc = eddy__sblock_check(lb->body, lb->body_len, &lb->m, &fe)) != 0)
        return EDDY__CORRUPT("stream %llu shard %u block %llu: %s", (unsigned long long)st->it.sid,
                             st->it.shard, (unsigned long long)lb->first_n, fe.msg);
    for (uint32_t i = 0; i < lb->m.count; i++) {
        const uint8_t *pk = NULL, *data = NULL;
        uint16_t pk_len = 0;
        uint32_t data_len = 0;
        uint64_t n = lb->first_n + i;
        eddy__sblock_rec_next(&r, &pk, &pk_len, &data, &data_len, NULL);
        if (n < st->start)
            continue;
        if (b->n == st->max_records || (b->n > 0 && *bytes + data_len > st->max_bytes)) {
            st->next_pos = n;
            st->next_ts = lb->m.arrival_ms;
            return 1;
        }
        if ((rc = rec_push(b, &o)) != 0)
            return rc;
        o->size = sizeof *o;
        eddy__seq_str(n, st->it.shard, o->seq);
        o->shard_id = st->it.shard;
        o->arrival_ms = lb->m.arrival_ms;
        o->partition_key.data = pk;
        o->partition_key.len = pk_len;
        o->data.data = data;
        o->data.len = data_len;
        *bytes += data_len;
        st->next_pos = n + 1;
    }
    return 0;
}

/* Outside the txn: decompress blocks, cut records, fill the info. */
static int read_finish(eddy_env *env, read_state *st, eddy_stream_batch *b)
{
    eddy_stream_read_info *info = &b->info;
    eddy__siter next;
    uint64_t now = st->now, bytes = 0;
    int rc = 0, full = 0;

    st->next_ts = st->after_ts;
    for (size_t i = 0; i < b->n_blocks && !full; i++) {
        lblock *lb = &b->blocks[i];
        if ((rc = eddy__payload_body(env, &lb->l, &lb->body, &lb->body_len)) != 0)
            return rc;
        if ((rc = block_records(st, b, lb, &bytes)) < 0)
            return rc;
        full = rc == 1;
    }
    info->size = sizeof *info;
    info->skipped_trimmed = st->it.pos_n < st->sh.trim_n || st->it.pos_n < st->start;
    info->millis_behind_latest = st->next_ts != 0 && now > st->next_ts ? now - st->next_ts : 0;
    info->child_ids[0] = info->child_ids[1] = EDDY_STREAM_NO_SHARD;
    if (st->sh.state == EDDY__SHARD_CLOSED && st->next_pos > st->sh.last_n) {
        info->shard_end = true;
        info->child_ids[0] = st->sh.child;
        info->child_ids[1] = st->sh.child2;
        info->next.token[0] = '\0';
        return 0;
    }
    next = st->it;
    next.pos_n = st->next_pos;
    next.issued_ms = now;
    eddy__siter_encode(info->next.token, &next);
    return 0;
}

EDDY_API int eddy_stream_get_records(eddy_env *env, const eddy_stream_iterator *it,
                                     const eddy_stream_read_options *options,
                                     eddy_stream_batch **out)
{
    eddy_stream_batch *b = NULL;
    eddy_stream_read_options o;
    read_state st;
    eddy__ferr fe;
    uint64_t now;
    int rc = eddy__env_enter(env);

    if (out != NULL)
        *out = NULL;
    if (rc != 0)
        return rc;
    if (it == NULL || out == NULL)
        return eddy__err(EDDY_EINVAL, "iterator or out is NULL");
    memset(&st, 0, sizeof st);
    memset(&o, 0, sizeof o);
    if (options != NULL &&
        (rc = eddy__struct_in(&o, sizeof o, options, EDDY__SIZE_V1(eddy_stream_read_options),
                              "eddy_stream_read_options")) != 0)
        return rc;
    if ((rc = eddy__siter_decode(it->token, &st.it, &fe)) != 0)
        return eddy__err_ferr(rc, &fe);
    st.max_records = o.max_records ? o.max_records : EDDY__S_READ_MAX;
    st.max_bytes = o.max_bytes ? o.max_bytes : EDDY__S_READ_BYTES;
    if (st.max_records > EDDY__S_READ_MAX)
        return eddy__err(EDDY_EINVAL, "max_records %u exceeds %u", st.max_records,
                         EDDY__S_READ_MAX);
    if ((b = eddy__calloc(env, 1, sizeof *b)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a batch");
    b->env = env;
    st.now = now = eddy__now_ms(env);
    if ((rc = read_txn(env, &st, b)) != 0)
        goto fail;
    if (now > st.it.issued_ms && now - st.it.issued_ms > st.ttl_ms) {
        rc = eddy__err(EDDY_EEXPIRED, "iterator issued %llu ms ago; iterators live %llu ms",
                       (unsigned long long)(now - st.it.issued_ms), (unsigned long long)st.ttl_ms);
        goto fail;
    }
    if ((rc = read_finish(env, &st, b)) != 0)
        goto fail;
    *out = b;
    return 0;
fail:
    eddy_stream_batch_free(b);
    return rc;
}
