/*
 * stream_put.c: putting records. The caller's thread validates every entry, hashes its
 * partition key, routes it with a snapshot of the stream's routing index, packs the records of
 * each shard into a block and compresses the blocks (eddy__sput_prepare). The writer thread then
 * only numbers and stores the blocks (eddy__sput_apply): one LMDB put per shard per batch, in
 * key order, with MDB_APPEND whenever the key is the table's last. A reshard between routing and
 * writing is detected by the stream's next_shard_id and the batch is prepared again.
 * Never calls mdb_*.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "error.h"
#include "stream_int.h"

/* A put routed to a shard that a reshard closed meanwhile is prepared again: PUT_TRIES times in
 * all, the first PUT_TRIES_UNGATED without shutting out this process's reshards. */
#define PUT_TRIES         64
#define PUT_TRIES_UNGATED 3

void eddy__seq_str(uint64_t n, uint32_t shard, char *dst)
{
    eddy__seq_to_dec(n, shard, dst);
}

int eddy__s_record_check(const eddy__scfg *cfg, eddy_slice pk, eddy_slice data)
{
    if (pk.data == NULL || pk.len == 0 || pk.len > EDDY_STREAM_PK_MAX)
        return eddy__err(EDDY_EINVAL, "partition key of %zu bytes: must be 1..%d bytes", pk.len,
                         EDDY_STREAM_PK_MAX);
    if (data.data == NULL && data.len > 0)
        return eddy__err(EDDY_EINVAL, "data is NULL with length %zu", data.len);
    if (data.len > cfg->record_len_max || data.len + pk.len > cfg->record_len_max)
        return eddy__err(EDDY_ETOOBIG, "record of %zu bytes exceeds record_len_max %u",
                         data.len + pk.len, cfg->record_len_max);
    return 0;
}

static int entry_check(const eddy__scfg *cfg, const eddy_stream_put_entry *e, eddy__sput_item *it)
{
    eddy__ferr fe;
    uint32_t shard;
    int rc;

    if ((rc = eddy__s_record_check(cfg, e->partition_key, e->data)) != 0)
        return rc;
    if (e->explicit_hash_key != NULL) {
        if ((rc = eddy__u128_from_dec(e->explicit_hash_key, it->hash, &fe)) != 0)
            return eddy__err_ferr(rc, &fe);
    } else {
        eddy__shard_hash(cfg->hash, e->partition_key.data, e->partition_key.len, it->hash);
    }
    if (e->seq_for_ordering != NULL &&
        (rc = eddy__seq_from_dec(e->seq_for_ordering, &it->min_n, &shard, &fe)) != 0)
        return eddy__err_ferr(rc, &fe);
    if (it->min_n > EDDY__S_N_MAX)
        return eddy__err(EDDY_EINVAL, "seq_for_ordering %s was never handed out",
                         e->seq_for_ordering);
    return 0;
}

void eddy__sblocks_free(eddy_env *env, eddy__sput_block *blocks, size_t n)
{
    for (size_t i = 0; blocks != NULL && i < n; i++) {
        eddy__payload_release(env, &blocks[i].p);
        eddy__free(env, blocks[i].raw);
    }
    eddy__free(env, blocks);
}

void eddy__sput_release(eddy_env *env, eddy__sput *p)
{
    if (p == NULL)
        return;
    eddy__sblocks_free(env, p->blocks, p->n_blocks);
    eddy__free(env, p->items);
    eddy__free(env, p->shards);
    eddy__free(env, p->order);
    memset(p, 0, sizeof *p);
}

/* The open routes of the stream, in one snapshot with its configuration (the epoch). */
typedef struct routes {
    uint8_t (*end)[16];
    uint32_t *id;
    size_t n;
} routes;

static int routes_load(eddy_env *env, eddy__s *s, routes *r)
{
    char name[EDDY__SNAME_MAX + 1];
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    MDB_txn *txn = NULL;
    MDB_val k, v;
    size_t cap = 0;
    int rc;

    memset(r, 0, sizeof *r);
    eddy__be64_put(prefix, s->id);
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    memcpy(name, s->name, s->name_len + 1); /* eddy__s_get clears its output first */
    if ((rc = eddy__s_get(env, txn, name, s->name_len, s)) != 0 ||
        (rc = eddy__cur_open(env, txn, EDDY__T_SROUTE, &cur)) != 0)
        goto out;
    for (rc = eddy__cur_seek_prefix(cur, prefix, 8, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, prefix, 8, &k, &v)) {
        if (k.mv_size != EDDY__SKEY_ROUTE_LEN || v.mv_size != 4) {
            rc = EDDY__CORRUPT("stream '%s': malformed route entry", s->name);
            break;
        }
        if (r->n == cap) {
            cap = cap ? cap * 2 : 16;
            void *e = eddy__realloc(env, r->end, cap * 16), *i = NULL;
            if (e != NULL)
                r->end = e;
            if (e == NULL || (i = eddy__realloc(env, r->id, cap * 4)) == NULL) {
                rc = eddy__err(EDDY_ENOMEM, "out of memory routing records");
                break;
            }
            r->id = i;
        }
        memcpy(r->end[r->n], (const uint8_t *)k.mv_data + 8, 16);
        r->id[r->n++] = eddy__be32_get(v.mv_data);
    }
    eddy__cur_close(cur);
out:
    eddy__rtxn_end(env, txn);
    if (rc == EDDY_ENOTFOUND)
        rc = r->n > 0 ? 0 : EDDY__CORRUPT("stream '%s' has no open shard", s->name);
    return rc;
}

/* The open shard whose range holds hash: the first route whose end is >= hash. */
static uint32_t route_find(const routes *r, const uint8_t hash[16])
{
    size_t lo = 0, hi = r->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(r->end[mid], hash, 16) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return r->id[lo];
}

int eddy__sblock_append(eddy_env *env, eddy__sput_block *b, const void *pk, size_t pk_len,
                        const void *data, size_t data_len)
{
    size_t need = EDDY__SBLOCK_REC_FIXED + pk_len + data_len;

    if (b->raw_len + need > b->raw_cap) {
        size_t cap = (b->raw_len + need) * 2;
        uint8_t *raw = eddy__realloc(env, b->raw, cap);
        if (raw == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory packing a block of %zu bytes", cap);
        b->raw = raw;
        b->raw_cap = cap;
    }
    b->raw_len += eddy__sblock_rec_encode(b->raw + b->raw_len, pk, (uint16_t)pk_len, data,
                                          (uint32_t)data_len);
    b->count++;
    b->data_bytes += data_len;
    return 0;
}

int eddy__sblock_compress(eddy_env *env, eddy__sput_block *b, uint32_t dict_id)
{
    return dict_id != 0 ? eddy__payload_prepare_dict(env, b->raw, b->raw_len, dict_id, &b->p)
                        : eddy__payload_prepare(env, b->raw, b->raw_len, &b->p);
}

int eddy__shard_append(eddy__wtx *w, uint64_t sid, uint32_t shard, eddy__sshard *sh,
                       uint64_t first_n, uint32_t count, uint64_t ts, uint64_t data_bytes)
{
    uint8_t tk[EDDY__SKEY_TIME_LEN], tv[8];
    int rc;

    if (sh->last_n == sh->base_n || sh->records == 0 || ts > sh->last_ts) {
        eddy__skey_time(tk, sid, shard, ts);
        eddy__be64_put(tv, first_n);
        if ((rc = eddy__put(w, EDDY__T_STIME, tk, sizeof tk, tv, sizeof tv, 0)) != 0)
            return rc;
    }
    sh->last_n = first_n + count - 1;
    sh->last_ts = ts;
    sh->records += count;
    sh->bytes += data_bytes;
    return 0;
}

/* Append entry e (item it) to the newest block of its shard, or to a new block. */
static int block_add(eddy_env *env, eddy__sput *p, uint32_t shard, const eddy_stream_put_entry *e,
                     eddy__sput_item *it)
{
    size_t need = EDDY__SBLOCK_REC_FIXED + e->partition_key.len + e->data.len;
    eddy__sput_block *b = NULL;
    int rc;

    for (size_t i = p->n_blocks; i-- > 0 && b == NULL;)
        if (p->blocks[i].shard == shard)
            b = &p->blocks[i];
    if (b == NULL || (b->raw_len + need > EDDY__SBLOCK_RAW_MAX && b->count > 0)) {
        b = &p->blocks[p->n_blocks++];
        memset(b, 0, sizeof *b);
        b->shard = shard;
    }
    it->block = (uint32_t)(b - p->blocks);
    it->idx = b->count;
    if ((rc = eddy__sblock_append(env, b, e->partition_key.data, e->partition_key.len, e->data.data,
                                  e->data.len)) != 0)
        return rc;
    if (it->min_n != 0 && it->min_n + 1 > it->idx && it->min_n + 1 - it->idx > b->min_first)
        b->min_first = it->min_n + 1 - it->idx;
    return 0;
}

/* Route and pack every valid entry, then compress the blocks. */
static int pack(eddy_env *env, eddy__sput *p, const eddy_stream_put_entry *entries)
{
    routes r;
    int rc = routes_load(env, &p->s, &r);

    p->epoch = p->s.cfg.next_shard_id;
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        if (p->results[i].rc == 0)
            rc = block_add(env, p, route_find(&r, p->items[i].hash), &entries[i], &p->items[i]);
    eddy__free(env, r.end);
    eddy__free(env, r.id);
    for (size_t i = 0; rc == 0 && i < p->n_blocks; i++)
        rc = eddy__sblock_compress(env, &p->blocks[i], p->s.cfg.dict_id);
    return rc;
}

int eddy__sput_prepare(eddy_env *env, const char *name, const eddy_stream_put_entry *entries,
                       size_t n, eddy_stream_put_result *results, int all_or_nothing,
                       eddy__sput *out)
{
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if (entries == NULL || results == NULL || n == 0)
        return eddy__err(EDDY_EINVAL, "a put needs 1 or more entries and their results");
    if ((rc = eddy__s_name_check("stream", name, &len)) != 0 ||
        (rc = eddy__s_read(env, name, len, &out->s)) != 0)
        return rc;
    if (n > out->s.cfg.batch_max)
        return eddy__err(EDDY_ELIMIT, "batch of %zu records exceeds batch_max %u", n,
                         out->s.cfg.batch_max);
    out->items = eddy__calloc(env, n, sizeof *out->items);
    out->blocks = eddy__calloc(env, n, sizeof *out->blocks);
    out->shards = eddy__calloc(env, n, sizeof *out->shards);
    out->order = eddy__calloc(env, n, sizeof *out->order);
    if (out->items == NULL || out->blocks == NULL || out->shards == NULL || out->order == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory preparing %zu records", n);
        goto fail;
    }
    out->n = n;
    out->results = results;
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].shard_id = EDDY_STREAM_NO_SHARD;
        results[i].rc = eddy__err_entry(entry_check(&out->s.cfg, &entries[i], &out->items[i]));
        /* A record over the size limit fails the whole batch (Kinesis rejects such a request
         * whole); other invalid entries fail alone. */
        if (results[i].rc != 0 && (all_or_nothing || n == 1 || results[i].rc == EDDY_ETOOBIG)) {
            rc = results[i].rc;
            goto fail;
        }
    }
    if ((rc = pack(env, out, entries)) != 0)
        goto fail;
    return 0;
fail:
    eddy__sput_release(env, out);
    return rc;
}

/* The row of shard id, loaded once per op into the scratch cache. */
static int shard_of(eddy__wtx *w, eddy__sput *p, uint32_t id, eddy__sput_shard **out)
{
    eddy__sput_shard *c;
    int rc;

    for (size_t i = 0; i < p->n_shards; i++) {
        if (p->shards[i].id == id) {
            *out = &p->shards[i];
            return 0;
        }
    }
    c = &p->shards[p->n_shards];
    c->id = id;
    c->dirty = 0;
    if ((rc = eddy__shard_get(w->env, w->txn, p->s.id, id, &c->s)) != 0)
        return rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("route to missing shard %u", id) : rc;
    if (c->s.state != EDDY__SHARD_OPEN)
        return EDDY__CORRUPT("stream '%s': route to closed shard %u", p->s.name, id);
    p->n_shards++;
    *out = c;
    return 0;
}

/* Pass 1: number each block (first_n, arrival time) in entry order per shard. */
static int number_all(eddy__wtx *w, eddy__sput *p)
{
    /* Clock readings past 2^43 ms (year 2248) stop moving the floor, so n cannot wrap. */
    uint64_t clock_ms = w->now_ms < (1ull << 43) ? w->now_ms : (1ull << 43);
    uint64_t floor_n = clock_ms << EDDY__S_N_SHIFT;
    eddy__sput_shard *c = NULL;
    int rc;

    for (size_t i = 0; i < p->n_blocks; i++) {
        eddy__sput_block *b = &p->blocks[i];
        uint64_t n, ts;
        if ((rc = shard_of(w, p, b->shard, &c)) != 0)
            return rc;
        n = c->s.last_n + 1;
        n = n > floor_n ? n : floor_n;
        n = n > b->min_first ? n : b->min_first;
        ts = w->now_ms > c->s.last_ts ? w->now_ms : c->s.last_ts;
        if ((rc = eddy__shard_append(w, p->s.id, c->id, &c->s, n, b->count, ts, b->data_bytes)))
            return rc;
        b->first_n = n;
        b->arrival_ms = ts;
        eddy__skey_rec(b->key, p->s.id, c->id, n);
        c->dirty = 1;
        p->order[i] = (uint32_t)i;
    }
    return 0;
}

/* qsort has no context argument: the writer thread of each env sets it just before sorting. */
static _Thread_local eddy__sput *sort_ctx;

static int block_cmp(const void *a, const void *b)
{
    return memcmp(sort_ctx->blocks[*(const uint32_t *)a].key,
                  sort_ctx->blocks[*(const uint32_t *)b].key, EDDY__SKEY_REC_LEN);
}

/* Pass 2: store the blocks in key order, appending where the key is the table's last. */
static int write_all(eddy__wtx *w, eddy__sput *p)
{
    uint8_t last[EDDY__SKEY_REC_LEN], meta[EDDY__SBLOCK_META_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int have_last = 0, rc;

    sort_ctx = p;
    qsort(p->order, p->n_blocks, sizeof *p->order, block_cmp);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    rc = eddy__cur_get(cur, &k, &v, MDB_LAST);
    if (rc == 0 && k.mv_size == EDDY__SKEY_REC_LEN) {
        memcpy(last, k.mv_data, sizeof last);
        have_last = 1;
    }
    eddy__cur_close(cur);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    for (size_t j = 0; j < p->n_blocks; j++) {
        const eddy__sput_block *b = &p->blocks[p->order[j]];
        eddy__sblock_meta m = {b->count, b->arrival_ms, b->data_bytes};
        unsigned flags = MDB_NOOVERWRITE;
        eddy__sblock_meta_encode(meta, &m);
        if (!have_last || memcmp(b->key, last, sizeof last) > 0) {
            flags = MDB_APPEND;
            memcpy(last, b->key, sizeof last);
            have_last = 1;
        }
        rc = eddy__payload_put(w, EDDY__T_SREC, b->key, EDDY__SKEY_REC_LEN, EDDY__KIND_SREC, meta,
                               sizeof meta, &b->p, flags);
        if (rc != 0)
            return rc == EDDY_EEXIST ? EDDY__CORRUPT("stream record key already taken") : rc;
    }
    return 0;
}

int eddy__sput_apply(eddy__wtx *w, eddy__sput *p)
{
    eddy__s s;
    int rc;

    p->n_shards = 0; /* a re-run starts from the inputs */
    p->reroute = 0;
    if ((rc = eddy__s_get_same(w, p->s.name, p->s.name_len, p->s.id, &s)) != 0)
        return rc;
    if (s.cfg.next_shard_id != p->epoch) {
        p->reroute = 1;
        return eddy__err(EDDY_EBUSY, "stream '%s' was resharded while the put was routed", s.name);
    }
    /* Retention as this transaction sees it: a change committed (or applied in the same group)
     * since the put was prepared must bound put_apply's trim, never the older value. */
    p->s.cfg.retention_ms = s.cfg.retention_ms;
    if ((rc = number_all(w, p)) != 0 || (rc = write_all(w, p)) != 0)
        return rc;
    for (size_t i = 0; i < p->n_shards; i++)
        if (p->shards[i].dirty &&
            (rc = eddy__shard_put(w, p->s.id, p->shards[i].id, &p->shards[i].s)) != 0)
            return rc;
    for (size_t i = 0; i < p->n; i++) {
        const eddy__sput_block *b = &p->blocks[p->items[i].block];
        if (p->results[i].rc != 0)
            continue;
        p->results[i].shard_id = b->shard;
        p->results[i].arrival_ms = b->arrival_ms;
        eddy__seq_str(b->first_n + p->items[i].idx, b->shard, p->results[i].seq);
    }
    return 0;
}

/* The put, then retention's bounded step on the shards it wrote to (stream_trim.c), so that a
 * stream that is written to trims itself without eddy_stream_trim. */
static int put_apply(eddy__wtx *w, void *arg)
{
    eddy__sput *p = arg;
    int rc = eddy__sput_apply(w, p);

    for (size_t i = 0; rc == 0 && i < p->n_shards; i++)
        rc = eddy__s_expire_shard(w, p->s.id, p->s.cfg.retention_ms, p->shards[i].id,
                                  &p->shards[i].s);
    return rc;
}

/* Prepare and write, preparing again when a reshard raced the routing. */
static int put_run(eddy_env *env, const char *name, const eddy_stream_put_entry *entries, size_t n,
                   eddy_stream_put_result *results)
{
    eddy__sput p;
    int rc = 0;

    /* Optimistic first; then shut out this process's reshards (stream_int.h). Only reshards by
     * other processes can still race, and each retry follows one of theirs. */
    for (int attempt = 0; attempt < PUT_TRIES; attempt++) {
        int gated = attempt >= PUT_TRIES_UNGATED, again;
        if (gated)
            pthread_rwlock_rdlock(&env->streams->gate);
        if ((rc = eddy__sput_prepare(env, name, entries, n, results, 0, &p)) == 0) {
            rc = eddy__write_adding(env, put_apply, NULL, &p);
            again = rc != 0 && p.reroute;
            eddy__sput_release(env, &p);
        } else {
            again = 0;
        }
        if (gated)
            pthread_rwlock_unlock(&env->streams->gate);
        if (!again)
            break;
    }
    return rc;
}

static int put_batch_impl(eddy_env *env, const char *name, const eddy_stream_put_entry *entries,
                          size_t n, eddy_stream_put_result *results, size_t *failed_out)
{
    size_t failed = 0;
    int rc = eddy__env_enter_write(env);

    if (failed_out != NULL)
        *failed_out = 0;
    if (rc != 0)
        return rc;
    if ((rc = put_run(env, name, entries, n, results)) != 0 && entries != NULL && results != NULL &&
        n > 0) {
        for (size_t i = 0; i < n; i++) {
            results[i].rc = rc;
            results[i].seq[0] = '\0';
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        failed += results[i].rc != 0;
    if (failed_out != NULL)
        *failed_out = failed;
    return rc;
}

EDDY_API int eddy_stream_put(eddy_env *env, const char *name, const eddy_stream_put_entry *entry,
                             eddy_stream_put_result *out)
{
    eddy_stream_put_entry e;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    int rc;

    if ((rc = eddy__env_enter(env)) != 0)
        return rc;
    if (entry == NULL)
        return eddy__err(EDDY_EINVAL, "entry is NULL");
    if ((rc = eddy__struct_in(&e, sizeof e, entry, EDDY__SIZE_V1(eddy_stream_put_entry),
                              "eddy_stream_put_entry")) != 0)
        return rc;
    if (out != NULL && (rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_stream_put_result),
                                                    "eddy_stream_put_result")) != 0)
        return rc;
    rc = put_batch_impl(env, name, &e, 1, &r, NULL);
    r.size = sizeof r;
    if (rc == 0 && out != NULL)
        eddy__struct_out(out, &r, sizeof r);
    return rc;
}

EDDY_API int eddy_stream_put_batch(eddy_env *env, const char *name,
                                   const eddy_stream_put_entry *entries, size_t n,
                                   eddy_stream_put_result *results, size_t *failed_out)
{
    const void *in = NULL;
    void *tmp_in = NULL, *tmp_out = NULL, *work = NULL;
    int rc = eddy__env_enter_write(env);

    if (failed_out != NULL)
        *failed_out = 0;
    if (rc != 0)
        return rc;
    if ((rc = eddy__array_in(env, entries, n, sizeof *entries, EDDY__SIZE_V1(eddy_stream_put_entry),
                             "eddy_stream_put_entry", &in, &tmp_in)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, results, n, sizeof *results,
                                    EDDY__SIZE_V1(eddy_stream_put_result), "eddy_stream_put_result",
                                    &work, &tmp_out)) != 0)
        goto out;
    rc = put_batch_impl(env, name, in, n, work, failed_out);
    eddy__array_out_end(results, work, n, sizeof *results);
out:
    eddy__free(env, tmp_in);
    eddy__free(env, tmp_out);
    return rc;
}
