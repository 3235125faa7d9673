/*
 * stream_keys.c: codecs for the stream tables (see stream_keys.h and docs/FORMAT.md "Streams").
 * Encoders assume valid input (asserted by the engine before encoding); decoders trust nothing
 * and check every length, version, state and reserved byte.
 */
#include "stream_keys.h"

#include <string.h>

#include "bytes.h"
#include "token.h"

void eddy__scfg_encode(uint8_t dst[EDDY__SCFG_LEN], const eddy__scfg *c)
{
    eddy__wr w = eddy__wr_init(dst, EDDY__SCFG_LEN);
    eddy__wr_u8(&w, EDDY__SCFG_VERSION);
    eddy__wr_u8(&w, c->hash);
    eddy__wr_u16(&w, 0);
    eddy__wr_u32(&w, c->shard_count);
    eddy__wr_u64(&w, c->retention_ms);
    eddy__wr_u32(&w, c->record_len_max);
    eddy__wr_u32(&w, c->batch_max);
    eddy__wr_u32(&w, c->iter_ttl_ms);
    eddy__wr_u32(&w, c->dict_id);
    eddy__wr_u32(&w, c->next_shard_id);
}

int eddy__scfg_decode(const void *src, size_t len, eddy__scfg *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t ver = 0;
    uint16_t rsv = 0;

    memset(out, 0, sizeof *out);
    if (len != EDDY__SCFG_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "stream config of %zu bytes, expected %d", len,
                              EDDY__SCFG_LEN);
    eddy__rd_u8(&r, &ver);
    eddy__rd_u8(&r, &out->hash);
    eddy__rd_u16(&r, &rsv);
    eddy__rd_u32(&r, &out->shard_count);
    eddy__rd_u64(&r, &out->retention_ms);
    eddy__rd_u32(&r, &out->record_len_max);
    eddy__rd_u32(&r, &out->batch_max);
    eddy__rd_u32(&r, &out->iter_ttl_ms);
    eddy__rd_u32(&r, &out->dict_id);
    eddy__rd_u32(&r, &out->next_shard_id);
    if (ver != EDDY__SCFG_VERSION || rsv != 0 || out->hash > 1 || out->shard_count == 0 ||
        out->next_shard_id < out->shard_count || out->record_len_max == 0 || out->batch_max == 0 ||
        out->iter_ttl_ms == 0 || out->retention_ms == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "stream config: version %u, reserved %u, hash %u, shards %u/%u, "
                              "or a zero limit",
                              ver, rsv, out->hash, out->shard_count, out->next_shard_id);
    return 0;
}

void eddy__sshard_encode(uint8_t dst[EDDY__SSHARD_LEN], const eddy__sshard *s)
{
    eddy__wr w = eddy__wr_init(dst, EDDY__SSHARD_LEN);
    eddy__wr_u8(&w, EDDY__SSHARD_VERSION);
    eddy__wr_u8(&w, s->state);
    eddy__wr_u16(&w, 0);
    eddy__wr_bytes(&w, s->start, 16);
    eddy__wr_bytes(&w, s->end, 16);
    eddy__wr_u32(&w, s->parent);
    eddy__wr_u32(&w, s->parent2);
    eddy__wr_u32(&w, s->child);
    eddy__wr_u32(&w, s->child2);
    eddy__wr_u64(&w, s->created_ms);
    eddy__wr_u64(&w, s->closed_ms);
    eddy__wr_u64(&w, s->base_n);
    eddy__wr_u64(&w, s->last_n);
    eddy__wr_u64(&w, s->last_ts);
    eddy__wr_u64(&w, s->trim_n);
    eddy__wr_u64(&w, s->records);
    eddy__wr_u64(&w, s->bytes);
}

int eddy__sshard_decode(const void *src, size_t len, eddy__sshard *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    const uint8_t *p = NULL;
    uint8_t ver = 0;
    uint16_t rsv = 0;

    memset(out, 0, sizeof *out);
    if (len != EDDY__SSHARD_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "shard value of %zu bytes, expected %d", len,
                              EDDY__SSHARD_LEN);
    eddy__rd_u8(&r, &ver);
    eddy__rd_u8(&r, &out->state);
    eddy__rd_u16(&r, &rsv);
    eddy__rd_bytes(&r, 16, &p);
    memcpy(out->start, p, 16);
    eddy__rd_bytes(&r, 16, &p);
    memcpy(out->end, p, 16);
    eddy__rd_u32(&r, &out->parent);
    eddy__rd_u32(&r, &out->parent2);
    eddy__rd_u32(&r, &out->child);
    eddy__rd_u32(&r, &out->child2);
    eddy__rd_u64(&r, &out->created_ms);
    eddy__rd_u64(&r, &out->closed_ms);
    eddy__rd_u64(&r, &out->base_n);
    eddy__rd_u64(&r, &out->last_n);
    eddy__rd_u64(&r, &out->last_ts);
    eddy__rd_u64(&r, &out->trim_n);
    eddy__rd_u64(&r, &out->records);
    eddy__rd_u64(&r, &out->bytes);
    if (ver != EDDY__SSHARD_VERSION || rsv != 0 || out->state > EDDY__SHARD_CLOSED)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "shard value: version %u, reserved %u, state %u",
                              ver, rsv, out->state);
    if (memcmp(out->start, out->end, 16) > 0 || out->last_n < out->base_n)
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "shard value: range start above its end, or last_n below base_n");
    return 0;
}

void eddy__sblock_meta_encode(uint8_t dst[EDDY__SBLOCK_META_LEN], const eddy__sblock_meta *m)
{
    eddy__be32_put(dst, m->count);
    eddy__be64_put(dst + 4, m->arrival_ms);
    eddy__be64_put(dst + 12, m->data_bytes);
}

int eddy__sblock_meta_decode(const void *src, size_t len, eddy__sblock_meta *out, eddy__ferr *err)
{
    memset(out, 0, sizeof *out);
    if (len != EDDY__SBLOCK_META_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "record block meta of %zu bytes, expected %d",
                              len, EDDY__SBLOCK_META_LEN);
    out->count = eddy__be32_get(src);
    out->arrival_ms = eddy__be64_get((const uint8_t *)src + 4);
    out->data_bytes = eddy__be64_get((const uint8_t *)src + 12);
    if (out->count == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "record block of 0 records");
    return 0;
}

size_t eddy__sblock_rec_encode(uint8_t *dst, const void *pk, uint16_t pk_len, const void *data,
                               uint32_t data_len)
{
    eddy__be16_put(dst, pk_len);
    eddy__be32_put(dst + 2, data_len);
    memcpy(dst + EDDY__SBLOCK_REC_FIXED, pk, pk_len);
    if (data_len > 0)
        memcpy(dst + EDDY__SBLOCK_REC_FIXED + pk_len, data, data_len);
    return EDDY__SBLOCK_REC_FIXED + (size_t)pk_len + data_len;
}

int eddy__sblock_rec_next(eddy__rd *r, const uint8_t **pk, uint16_t *pk_len, const uint8_t **data,
                          uint32_t *data_len, eddy__ferr *err)
{
    if (!eddy__rd_u16(r, pk_len) || !eddy__rd_u32(r, data_len) || *pk_len == 0 || *pk_len > 256 ||
        !eddy__rd_bytes(r, *pk_len, pk) || !eddy__rd_bytes(r, *data_len, data))
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "record block entry overruns its payload or has a partition key "
                              "outside 1..256 bytes");
    return 0;
}

int eddy__sblock_check(const void *raw, size_t len, const eddy__sblock_meta *m, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(raw, len);
    const uint8_t *pk = NULL, *data = NULL;
    uint16_t pk_len = 0;
    uint32_t data_len = 0;
    uint64_t bytes = 0;
    int rc;

    for (uint32_t i = 0; i < m->count; i++) {
        if ((rc = eddy__sblock_rec_next(&r, &pk, &pk_len, &data, &data_len, err)) != 0)
            return rc;
        bytes += data_len;
    }
    if (r.left != 0 || bytes != m->data_bytes)
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "record block holds %zu bytes after its %u records, or %llu data "
                              "bytes instead of %llu",
                              r.left, m->count, (unsigned long long)bytes,
                              (unsigned long long)m->data_bytes);
    return 0;
}

size_t eddy__ckpt_encode(uint8_t *dst, size_t cap, const eddy__ckpt *c)
{
    eddy__wr w = eddy__wr_init(dst, cap);
    eddy__wr_u8(&w, EDDY__CKPT_VERSION);
    eddy__wr_u8(&w, c->kind);
    eddy__wr_u64(&w, c->n);
    eddy__wr_u64(&w, c->updated_ms);
    eddy__wr_u64(&w, c->lease_counter);
    eddy__wr_u16(&w, c->state_len);
    eddy__wr_bytes(&w, c->state, c->state_len);
    return w.ok ? w.len : 0;
}

int eddy__ckpt_decode(const void *src, size_t len, eddy__ckpt *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t ver = 0;

    memset(out, 0, sizeof *out);
    if (!eddy__rd_u8(&r, &ver) || !eddy__rd_u8(&r, &out->kind) || !eddy__rd_u64(&r, &out->n) ||
        !eddy__rd_u64(&r, &out->updated_ms) || !eddy__rd_u64(&r, &out->lease_counter) ||
        !eddy__rd_u16(&r, &out->state_len) || out->state_len > EDDY__CKPT_STATE_MAX ||
        !eddy__rd_bytes(&r, out->state_len, &out->state) || r.left != 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "checkpoint value of %zu bytes is malformed",
                              len);
    if (ver != EDDY__CKPT_VERSION ||
        (out->kind != EDDY__CKPT_SEQ && out->kind != EDDY__CKPT_SHARD_END))
        return eddy__ferr_set(err, EDDY_ECORRUPT, "checkpoint value: version %u, kind %u", ver,
                              out->kind);
    return 0;
}

size_t eddy__lease_encode(uint8_t *dst, size_t cap, const eddy__lease *l)
{
    eddy__wr w = eddy__wr_init(dst, cap);
    eddy__wr_u8(&w, EDDY__LEASE_VERSION);
    eddy__wr_u8(&w, l->owner_len);
    eddy__wr_u64(&w, l->counter);
    eddy__wr_u64(&w, l->expires_ms);
    eddy__wr_u64(&w, l->taken_ms);
    eddy__wr_bytes(&w, l->owner, l->owner_len);
    return w.ok ? w.len : 0;
}

int eddy__lease_decode(const void *src, size_t len, eddy__lease *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    const uint8_t *p = NULL;
    uint8_t ver = 0;

    memset(out, 0, sizeof *out);
    if (!eddy__rd_u8(&r, &ver) || !eddy__rd_u8(&r, &out->owner_len) ||
        !eddy__rd_u64(&r, &out->counter) || !eddy__rd_u64(&r, &out->expires_ms) ||
        !eddy__rd_u64(&r, &out->taken_ms) || out->owner_len > EDDY__LEASE_OWNER_MAX ||
        !eddy__rd_bytes(&r, out->owner_len, &p) || r.left != 0 || ver != EDDY__LEASE_VERSION)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "lease value of %zu bytes is malformed", len);
    if (out->owner_len > 0)
        memcpy(out->owner, p, out->owner_len);
    out->owner[out->owner_len] = '\0';
    return 0;
}

void eddy__skey_shard(uint8_t dst[EDDY__SKEY_SHARD_LEN], uint64_t sid, uint32_t shard)
{
    eddy__be64_put(dst, sid);
    eddy__be32_put(dst + 8, shard);
}

void eddy__skey_rec(uint8_t dst[EDDY__SKEY_REC_LEN], uint64_t sid, uint32_t shard, uint64_t n)
{
    eddy__skey_shard(dst, sid, shard);
    eddy__be64_put(dst + 12, n);
}

void eddy__skey_time(uint8_t dst[EDDY__SKEY_TIME_LEN], uint64_t sid, uint32_t shard, uint64_t ts)
{
    eddy__skey_shard(dst, sid, shard);
    eddy__be64_put(dst + 12, ts);
}

void eddy__skey_route(uint8_t dst[EDDY__SKEY_ROUTE_LEN], uint64_t sid, const uint8_t end[16])
{
    eddy__be64_put(dst, sid);
    memcpy(dst + 8, end, 16);
}

size_t eddy__skey_named(uint8_t dst[EDDY__SKEY_NAMED_MAX], uint64_t sid, uint32_t shard,
                        const char *name, size_t name_len)
{
    eddy__skey_shard(dst, sid, shard);
    memcpy(dst + EDDY__SKEY_SHARD_LEN, name, name_len);
    return EDDY__SKEY_SHARD_LEN + name_len;
}

static int bad_len(eddy__ferr *err, const char *what, size_t len)
{
    return eddy__ferr_set(err, EDDY_ECORRUPT, "%s key of %zu bytes", what, len);
}

int eddy__skey_shard_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard,
                            eddy__ferr *err)
{
    if (len != EDDY__SKEY_SHARD_LEN)
        return bad_len(err, "shard", len);
    *sid = eddy__be64_get(k);
    *shard = eddy__be32_get((const uint8_t *)k + 8);
    return 0;
}

int eddy__skey_rec_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard, uint64_t *n,
                          eddy__ferr *err)
{
    if (len != EDDY__SKEY_REC_LEN)
        return bad_len(err, "stream record", len);
    *sid = eddy__be64_get(k);
    *shard = eddy__be32_get((const uint8_t *)k + 8);
    *n = eddy__be64_get((const uint8_t *)k + 12);
    return 0;
}

int eddy__skey_time_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard, uint64_t *ts,
                           eddy__ferr *err)
{
    return len != EDDY__SKEY_TIME_LEN ? bad_len(err, "time index", len)
                                      : eddy__skey_rec_decode(k, len, sid, shard, ts, err);
}

int eddy__skey_route_decode(const void *k, size_t len, uint64_t *sid, uint8_t end[16],
                            eddy__ferr *err)
{
    if (len != EDDY__SKEY_ROUTE_LEN)
        return bad_len(err, "route", len);
    *sid = eddy__be64_get(k);
    memcpy(end, (const uint8_t *)k + 8, 16);
    return 0;
}

int eddy__skey_named_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard,
                            const char **name, size_t *name_len, eddy__ferr *err)
{
    if (len <= EDDY__SKEY_SHARD_LEN || len > EDDY__SKEY_NAMED_MAX)
        return bad_len(err, "checkpoint or lease", len);
    *sid = eddy__be64_get(k);
    *shard = eddy__be32_get((const uint8_t *)k + 8);
    *name = (const char *)k + EDDY__SKEY_SHARD_LEN;
    *name_len = len - EDDY__SKEY_SHARD_LEN;
    return 0;
}

#define SITER_BYTES 33

void eddy__siter_encode(char dst[EDDY__SITER_HEX_LEN + 1], const eddy__siter *it)
{
    uint8_t b[SITER_BYTES];

    b[0] = 1;
    eddy__be64_put(b + 1, it->sid);
    eddy__be32_put(b + 9, it->shard);
    eddy__be64_put(b + 13, it->pos_n);
    eddy__be64_put(b + 21, it->issued_ms);
    eddy__token_encode(dst, b, sizeof b); /* check digits at b + 29 */
}

int eddy__siter_decode(const char *tok, eddy__siter *out, eddy__ferr *err)
{
    uint8_t b[SITER_BYTES];
    size_t n = 0;
    int t;

    memset(out, 0, sizeof *out);
    t = eddy__token_decode(tok, b, sizeof b, &n);
    if (t == EDDY__TOKEN_BAD_LEN)
        return eddy__ferr_set(err, EDDY_EINVAL, "iterator token must have %d hex digits",
                              EDDY__SITER_HEX_LEN);
    if (t == EDDY__TOKEN_BAD_HEX)
        return eddy__ferr_set(err, EDDY_EINVAL, "iterator token has a non-hex digit");
    if (b[0] != 1 || !eddy__token_check_ok(b, sizeof b))
        return eddy__ferr_set(err, EDDY_EINVAL, "iterator token was edited or is not Eddy's");
    out->sid = eddy__be64_get(b + 1);
    out->shard = eddy__be32_get(b + 9);
    out->pos_n = eddy__be64_get(b + 13);
    out->issued_ms = eddy__be64_get(b + 21);
    return 0;
}
