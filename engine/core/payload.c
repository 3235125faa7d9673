/*
 * payload.c: bodies as stored records. Compression runs in the caller's thread before the write
 * transaction; inside it, a record is written inline when key + value fit in a leaf
 * (EDDY__INLINE_MAX), else its payload is cut into EDDY__CHUNK_LEN chunks (one overflow page
 * each) in the chunks table. Loading copies everything out of the map and checks the checksum,
 * so callers never hold pointers into LMDB after their transaction ends.
 */
#include "payload.h"

#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "bytes.h"
#include "codec.h"
#include "error.h"
#include "keys.h"

struct eddy__dict {
    struct eddy__dict *next;
    uint32_t id;
    ZSTD_CDict *cdict;
    ZSTD_DDict *ddict;
};

static int compress_into(eddy_env *env, const void *body, size_t len, ZSTD_CDict *cdict,
                         eddy__payload *out)
{
    size_t cap = eddy__codec_bound(len), n;
    ZSTD_CCtx *cctx;
    eddy__ferr fe;
    uint8_t *buf = eddy__malloc(env, cap);
    int rc;

    if (buf == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory compressing %zu bytes", len);
    if ((cctx = eddy__cctx_get(env)) == NULL) {
        eddy__free(env, buf);
        return eddy__err(EDDY_ENOMEM, "out of memory for a zstd context");
    }
    rc =
        eddy__codec_compress(cctx, env->opt.compression_level, cdict, body, len, buf, cap, &n, &fe);
    eddy__cctx_put(env, cctx);
    if (rc != 0) {
        eddy__free(env, buf);
        return eddy__err_ferr(rc, &fe);
    }
    if (n + 8 >= len && cdict == NULL) {
        eddy__free(env, buf); /* not worth it: store as is */
        return 0;
    }
    out->buf = buf;
    out->stored = buf;
    out->stored_len = (uint32_t)n;
    out->codec = cdict != NULL ? EDDY__CODEC_ZSTD_DICT : EDDY__CODEC_ZSTD;
    return 0;
}

static int prepare_common(const void *body, size_t len, eddy__payload *out)
{
    memset(out, 0, sizeof *out);
    if (len > EDDY__REC_PAYLOAD_MAX)
        return eddy__err(EDDY_ETOOBIG, "payload of %zu bytes exceeds the format's %u", len,
                         EDDY__REC_PAYLOAD_MAX);
    if (body == NULL && len > 0)
        return eddy__err(EDDY_EINVAL, "payload is NULL with length %zu", len);
    out->codec = EDDY__CODEC_NONE;
    out->raw_len = (uint32_t)len;
    out->stored_len = (uint32_t)len;
    out->stored = body;
    return 0;
}

int eddy__payload_prepare(eddy_env *env, const void *body, size_t len, eddy__payload *out)
{
    int rc = prepare_common(body, len, out);
    if (rc != 0 || len < env->opt.compression_min_len)
        return rc;
    return compress_into(env, body, len, NULL, out);
}

void eddy__payload_release(eddy_env *env, eddy__payload *p)
{
    if (p == NULL)
        return;
    eddy__free(env, p->buf);
    p->buf = NULL;
    p->stored = NULL;
}

/* Delete every chunk owned by (table, key). */
static int del_chunks(eddy__wtx *w, int table, const void *key, size_t key_len)
{
    uint8_t prefix[EDDY__CHUNK_KEY_MAX];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t plen = 2 + key_len;
    int rc;

    prefix[0] = (uint8_t)table;
    prefix[1] = (uint8_t)key_len;
    memcpy(prefix + 2, key, key_len);
    if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_CHUNKS, &cur)) != 0)
        return rc;
    rc = eddy__cur_seek_prefix(cur, prefix, plen, NULL, 0, &k, &v);
    while (rc == 0) {
        if (k.mv_size != plen + 4)
            break; /* a longer owner key that shares this prefix: not ours, and none follow */
        if ((rc = eddy__cur_del(w, cur)) != 0)
            break;
        /* Seek again rather than trust the cursor's position after a delete. */
        rc = eddy__cur_seek_prefix(cur, prefix, plen, NULL, 0, &k, &v);
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static int put_chunks(eddy__wtx *w, int table, const void *key, size_t key_len,
                      const eddy__payload *p)
{
    uint8_t ck[EDDY__CHUNK_KEY_MAX];
    size_t ck_len, off = 0;
    int rc;

    for (uint32_t no = 0; off < p->stored_len; no++) {
        size_t n = p->stored_len - off < EDDY__CHUNK_LEN ? p->stored_len - off : EDDY__CHUNK_LEN;
        eddy__key_chunk(ck, sizeof ck, (uint8_t)table, key, key_len, no, &ck_len);
        if ((rc = eddy__put(w, EDDY__T_CHUNKS, ck, ck_len, p->stored + off, n, 0)) != 0)
            return rc;
        off += n;
    }
    return 0;
}

int eddy__payload_put(eddy__wtx *w, int table, const void *key, size_t key_len, uint8_t kind,
                      const void *meta, size_t meta_len, const eddy__payload *p, unsigned put_flags)
{
    uint8_t small[EDDY__INLINE_MAX];
    uint8_t *buf = small;
    eddy__rec r;
    eddy__ferr fe;
    size_t len, need;
    MDB_val old;
    int rc;

    /* Keys longer than a chunk owner may be (catalog keys of long names) are fine inline. */
    if (key_len == 0 || key_len > EDDY__CATALOG_KEY_MAX || meta_len > EDDY__REC_META_MAX)
        return eddy__err(EDDY_EINVAL, "record key of %zu or meta of %zu bytes is out of range",
                         key_len, meta_len);
    memset(&r, 0, sizeof r);
    r.codec = p->codec;
    r.kind = kind;
    r.dict_id = p->dict_id;
    r.raw_len = p->raw_len;
    r.stored_len = p->stored_len;
    r.meta = meta;
    r.meta_len = (uint32_t)meta_len;
    r.stored = p->stored;
    if (key_len + eddy__rec_encoded_len(r.meta_len, r.stored_len, 0) > EDDY__INLINE_MAX)
        r.flags = EDDY__REC_CHUNKED;
    if (r.flags & EDDY__REC_CHUNKED && key_len > EDDY__CHUNK_OWNER_MAX)
        return eddy__err(EDDY_ETOOBIG,
                         "record of %u bytes under a key of %zu bytes needs "
                         "chunks, whose owner key is at most %d bytes",
                         r.stored_len, key_len, EDDY__CHUNK_OWNER_MAX);
    need = eddy__rec_encoded_len(r.meta_len, r.stored_len, r.flags != 0);
    if (need > sizeof small && (buf = eddy__malloc(w->env, need)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory encoding a record of %zu bytes", need);
    if ((rc = eddy__rec_encode(buf, need, &r, &len, &fe)) != 0) {
        rc = eddy__err_ferr(rc, &fe);
        goto done;
    }
    /* Replacing a record: its old chunks go first (they may be more than the new ones). */
    if ((put_flags & (MDB_NOOVERWRITE | MDB_APPEND)) == 0 &&
        eddy__get(w->env, w->txn, table, key, key_len, &old) == 0 && old.mv_size >= 2 &&
        (((const uint8_t *)old.mv_data)[1] & EDDY__REC_CHUNKED) &&
        (rc = del_chunks(w, table, key, key_len)) != 0)
        goto done;
    if (r.flags & EDDY__REC_CHUNKED && (rc = put_chunks(w, table, key, key_len, p)) != 0)
        goto done;
    rc = eddy__put(w, table, key, key_len, buf, len, put_flags);
done:
    if (buf != small)
        eddy__free(w->env, buf);
    return rc;
}

static const char *tname(int table)
{
    return table >= 0 && table < EDDY__T_COUNT ? eddy__table_names[table] : "?";
}

/* Hex of a key for messages: at most 64 bytes shown. */
static const char *khex(const void *key, size_t key_len, char *buf, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    const uint8_t *k = key;
    size_t j = 0;
    for (size_t i = 0; i < key_len && i < 64 && j + 3 < cap; i++) {
        buf[j++] = hx[k[i] >> 4];
        buf[j++] = hx[k[i] & 15];
    }
    buf[j] = '\0';
    return buf;
}

static int gather_chunks(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len,
                         uint8_t *dst, size_t want)
{
    uint8_t prefix[EDDY__CHUNK_KEY_MAX];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t plen = 2 + key_len, got = 0;
    uint32_t expect = 0;
    int rc;

    prefix[0] = (uint8_t)table;
    prefix[1] = (uint8_t)key_len;
    memcpy(prefix + 2, key, key_len);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_CHUNKS, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, prefix, plen, NULL, 0, &k, &v); rc == 0 && got < want;
         rc = eddy__cur_next_prefix(cur, prefix, plen, &k, &v), expect++) {
        if (k.mv_size != plen + 4 || eddy__be32_get((uint8_t *)k.mv_data + plen) != expect ||
            v.mv_size == 0 || v.mv_size > EDDY__CHUNK_LEN || v.mv_size > want - got) {
            rc = EDDY_ECORRUPT;
            break;
        }
        memcpy(dst + got, v.mv_data, v.mv_size);
        got += v.mv_size;
    }
    eddy__cur_close(cur);
    if (rc == EDDY_ECORRUPT || (rc != 0 && rc != EDDY_ENOTFOUND))
        return rc == EDDY_ECORRUPT ? EDDY_ECORRUPT : rc;
    return got == want ? 0 : EDDY_ECORRUPT;
}

int eddy__payload_load(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len,
                       const MDB_val *val, eddy__loaded *out)
{
    eddy__ferr fe;
    eddy__rec r;
    char hex[160];
    uint8_t *buf;
    int rc = eddy__rec_decode(val->mv_data, val->mv_size, &r, &fe);

    memset(out, 0, sizeof *out);
    if (rc != 0)
        return eddy__err_at(rc, __FILE__, __LINE__, "table %s key %s: %s", tname(table),
                            khex(key, key_len, hex, sizeof hex), fe.msg);
    buf = eddy__malloc(env, (size_t)r.meta_len + r.stored_len + 1);
    if (buf == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory loading a record of %u bytes", r.stored_len);
    if (r.meta_len > 0)
        memcpy(buf, r.meta, r.meta_len);
    if (r.flags & EDDY__REC_CHUNKED) {
        rc = gather_chunks(env, txn, table, key, key_len, buf + r.meta_len, r.stored_len);
        if (rc == 0 && (rc = eddy__rec_check(&r, buf + r.meta_len, r.stored_len, &fe)) != 0)
            rc = EDDY__CORRUPT("table %s key %s: %s", tname(table),
                               khex(key, key_len, hex, sizeof hex), fe.msg);
        else if (rc == EDDY_ECORRUPT)
            rc = EDDY__CORRUPT("table %s key %s: chunks missing, out of order or of the wrong "
                               "size for %u payload bytes",
                               tname(table), khex(key, key_len, hex, sizeof hex), r.stored_len);
        if (rc != 0) {
            eddy__free(env, buf);
            return rc;
        }
    } else if (r.stored_len > 0) {
        memcpy(buf + r.meta_len, r.stored, r.stored_len);
    }
    r.meta = buf;
    r.stored = buf + r.meta_len;
    out->rec = r;
    out->buf = buf;
    return 0;
}

void eddy__loaded_release(eddy_env *env, eddy__loaded *l)
{
    if (l == NULL)
        return;
    eddy__free(env, l->buf);
    memset(l, 0, sizeof *l);
}

int eddy__payload_del(eddy__wtx *w, int table, const void *key, size_t key_len)
{
    MDB_val old;
    int rc = eddy__get(w->env, w->txn, table, key, key_len, &old);

    if (rc != 0)
        return rc;
    if (old.mv_size >= 2 && (((const uint8_t *)old.mv_data)[1] & EDDY__REC_CHUNKED) &&
        (rc = del_chunks(w, table, key, key_len)) != 0)
        return rc;
    return eddy__del(w, table, key, key_len);
}

int eddy__payload_peek(int table, const void *key, size_t key_len, const MDB_val *val,
                       eddy__rec *out)
{
    eddy__ferr fe;
    char hex[160];
    int rc = eddy__rec_decode(val->mv_data, val->mv_size, out, &fe);
    if (rc != 0)
        return eddy__err_at(rc, __FILE__, __LINE__, "table %s key %s: %s", tname(table),
                            khex(key, key_len, hex, sizeof hex), fe.msg);
    return 0;
}

/* ---- dictionaries ---- */

static const char dict_prefix[] = "eddy.dict";
#define DICT_KEY_LEN (sizeof dict_prefix - 1 + 4)

static void dict_key(uint8_t *k, uint32_t id)
{
    memcpy(k, dict_prefix, sizeof dict_prefix - 1);
    eddy__be32_put(k + sizeof dict_prefix - 1, id);
}

uint32_t eddy__dict_id(const void *dict, size_t len)
{
    return ZSTD_getDictID_fromDict(dict, len);
}

int eddy__dict_store(eddy__wtx *w, const void *dict, size_t len, uint32_t *id_out)
{
    uint8_t k[DICT_KEY_LEN];
    eddy__payload p;
    MDB_val old;
    uint32_t id = eddy__dict_id(dict, len);
    int rc;

    *id_out = id;
    if (id == 0)
        return eddy__err(EDDY_EINVAL, "zstd dictionary of %zu bytes has no dictionary id", len);
    dict_key(k, id);
    if (eddy__get(w->env, w->txn, EDDY__T_META, k, sizeof k, &old) == 0)
        return 0; /* ids are content-derived: the same id is the same dictionary */
    if ((rc = prepare_common(dict, len, &p)) != 0)
        return rc;
    return eddy__payload_put(w, EDDY__T_META, k, sizeof k, EDDY__KIND_OTHER, NULL, 0, &p,
                             MDB_NOOVERWRITE);
}

static struct eddy__dict *dict_find(eddy_env *env, uint32_t id)
{
    struct eddy__dict *d;
    pthread_mutex_lock(&env->zlock);
    for (d = env->dicts; d != NULL && d->id != id; d = d->next)
        ;
    pthread_mutex_unlock(&env->zlock);
    return d;
}

/* Find a dictionary in the cache, or load and digest it (short read transaction). */
static int dict_load(eddy_env *env, uint32_t id, struct eddy__dict **out)
{
    uint8_t k[DICT_KEY_LEN];
    MDB_txn *txn = NULL;
    eddy__loaded l;
    MDB_val v;
    struct eddy__dict *d;
    int rc;

    if ((*out = dict_find(env, id)) != NULL)
        return 0;
    dict_key(k, id);
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    rc = eddy__get(env, txn, EDDY__T_META, k, sizeof k, &v);
    if (rc == 0)
        rc = eddy__payload_load(env, txn, EDDY__T_META, k, sizeof k, &v, &l);
    eddy__rtxn_end(env, txn);
    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "zstd dictionary %u is not stored in this database", id);
    if (rc != 0)
        return rc;
    d = eddy__calloc(env, 1, sizeof *d);
    if (d != NULL) {
        d->id = id;
        d->cdict = ZSTD_createCDict(l.rec.stored, l.rec.stored_len, env->opt.compression_level);
        d->ddict = ZSTD_createDDict(l.rec.stored, l.rec.stored_len);
    }
    eddy__loaded_release(env, &l);
    if (d == NULL || d->cdict == NULL || d->ddict == NULL) {
        if (d != NULL) {
            ZSTD_freeCDict(d->cdict);
            ZSTD_freeDDict(d->ddict);
        }
        eddy__free(env, d);
        return eddy__err(EDDY_ENOMEM, "out of memory digesting zstd dictionary %u", id);
    }
    pthread_mutex_lock(&env->zlock);
    d->next = env->dicts;
    env->dicts = d;
    pthread_mutex_unlock(&env->zlock);
    *out = d;
    return 0;
}

void eddy__dict_cache_free(eddy_env *env)
{
    struct eddy__dict *d = env->dicts, *next;
    for (; d != NULL; d = next) {
        next = d->next;
        ZSTD_freeCDict(d->cdict);
        ZSTD_freeDDict(d->ddict);
        eddy__free(env, d);
    }
    env->dicts = NULL;
}

int eddy__payload_prepare_dict(eddy_env *env, const void *body, size_t len, uint32_t dict_id,
                               eddy__payload *out)
{
    struct eddy__dict *d;
    int rc = prepare_common(body, len, out);

    if (rc != 0 || len == 0)
        return rc;
    if ((rc = dict_load(env, dict_id, &d)) != 0)
        return rc;
    if ((rc = compress_into(env, body, len, d->cdict, out)) != 0)
        return rc;
    if (out->codec == EDDY__CODEC_ZSTD_DICT && out->stored_len >= len) {
        /* The dictionary did not help this body: store it raw. */
        eddy__payload_release(env, out);
        return prepare_common(body, len, out);
    }
    out->dict_id = dict_id;
    return 0;
}

/* ---- decompression ---- */

int eddy__payload_body(eddy_env *env, const eddy__loaded *l, uint8_t **body, size_t *len)
{
    const eddy__rec *r = &l->rec;
    struct eddy__dict *d = NULL;
    ZSTD_DCtx *dctx;
    eddy__ferr fe;
    uint8_t *out;
    int rc = 0;

    *body = NULL;
    *len = 0;
    if (r->codec == EDDY__CODEC_ZSTD_DICT && (rc = dict_load(env, r->dict_id, &d)) != 0)
        return rc;
    if ((out = eddy__malloc(env, (size_t)r->raw_len + 1)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a body of %u bytes", r->raw_len);
    if ((dctx = eddy__dctx_get(env)) == NULL) {
        eddy__free(env, out);
        return eddy__err(EDDY_ENOMEM, "out of memory for a zstd context");
    }
    rc = eddy__codec_decompress(dctx, r->codec, r->dict_id, d != NULL ? d->ddict : NULL, r->stored,
                                r->stored_len, out, (size_t)r->raw_len + 1, r->raw_len, &fe);
    eddy__dctx_put(env, dctx);
    if (rc != 0) {
        eddy__free(env, out);
        return EDDY__CORRUPT("payload of %u bytes does not decode: %s", r->raw_len, fe.msg);
    }
    out[r->raw_len] = '\0';
    *body = out;
    *len = r->raw_len;
    return rc;
}

int eddy__payload_verify(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len,
                         const MDB_val *val)
{
    eddy__loaded l;
    uint8_t *body = NULL;
    size_t len;
    int rc = eddy__payload_load(env, txn, table, key, key_len, val, &l);

    if (rc != 0)
        return rc;
    /* Dictionary loading would open a second transaction in this thread: only check that the
     * dictionary exists in this snapshot, then decompress with the cached copy if present. */
    if (l.rec.codec == EDDY__CODEC_ZSTD_DICT) {
        uint8_t k[DICT_KEY_LEN];
        MDB_val v;
        dict_key(k, l.rec.dict_id);
        if (eddy__get(env, txn, EDDY__T_META, k, sizeof k, &v) != 0)
            rc =
                EDDY__CORRUPT("record uses zstd dictionary %u, which is not stored", l.rec.dict_id);
        else if (dict_find(env, l.rec.dict_id) != NULL)
            rc = eddy__payload_body(env, &l, &body, &len);
    } else {
        rc = eddy__payload_body(env, &l, &body, &len);
    }
    eddy__free(env, body);
    eddy__loaded_release(env, &l);
    return rc;
}
