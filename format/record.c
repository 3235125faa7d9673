/*
 * record.c: encode and strictly decode the record header (layout in record.h and
 * docs/FORMAT.md "Record"). Every read is bounds-checked against the value's length; a value
 * that does not decode gives EDDY_ECORRUPT with the field and the numbers that disagreed.
 */
#include "record.h"

#include <assert.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bytes.h"

static_assert(EDDY__REC_HDR_LEN == 28, "record header layout is frozen by format version 1");

size_t eddy__rec_encoded_len(uint32_t meta_len, uint32_t stored_len, int chunked)
{
    return (size_t)EDDY__REC_HDR_LEN + meta_len + (chunked ? 0 : (size_t)stored_len);
}

static uint64_t rec_sum(const uint8_t *hdr20, const uint8_t *meta, size_t meta_len,
                        const void *stored, size_t stored_len)
{
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, hdr20, 20);
    if (meta_len > 0)
        XXH3_64bits_update(&st, meta, meta_len);
    if (stored_len > 0)
        XXH3_64bits_update(&st, stored, stored_len);
    return XXH3_64bits_digest(&st);
}

static void put_hdr20(uint8_t *p, const eddy__rec *r)
{
    p[0] = EDDY__REC_VERSION;
    p[1] = r->flags;
    p[2] = r->codec;
    p[3] = r->kind;
    eddy__be32_put(p + 4, r->dict_id);
    eddy__be32_put(p + 8, r->meta_len);
    eddy__be32_put(p + 12, r->raw_len);
    eddy__be32_put(p + 16, r->stored_len);
}

/* Field rules shared by encode (caller bugs) and decode (corruption). NULL when valid. */
static const char *rec_fields_invalid(const eddy__rec *r)
{
    if ((r->flags & ~EDDY__REC_FLAGS_KNOWN) != 0)
        return "unknown flag bits";
    if (r->codec > EDDY__CODEC_ZSTD_DICT)
        return "unknown codec";
    if (r->kind == 0 || r->kind > EDDY__KIND_MAX)
        return "unknown record kind";
    if ((r->codec == EDDY__CODEC_ZSTD_DICT) != (r->dict_id != 0))
        return "dictionary id does not match codec";
    if (r->meta_len > EDDY__REC_META_MAX)
        return "meta section longer than the format allows";
    if (r->raw_len > EDDY__REC_PAYLOAD_MAX || r->stored_len > EDDY__REC_PAYLOAD_MAX)
        return "payload longer than the format allows";
    if (r->codec == EDDY__CODEC_NONE && r->raw_len != r->stored_len)
        return "uncompressed payload with raw_len != stored_len";
    if (r->codec != EDDY__CODEC_NONE && r->stored_len == 0)
        return "compressed payload of length 0";
    return NULL;
}

int eddy__rec_encode(uint8_t *dst, size_t dst_cap, eddy__rec *r, size_t *len_out, eddy__ferr *err)
{
    const char *bad = rec_fields_invalid(r);
    int chunked = (r->flags & EDDY__REC_CHUNKED) != 0;
    size_t need = eddy__rec_encoded_len(r->meta_len, r->stored_len, chunked);

    *len_out = need;
    if (bad != NULL)
        return eddy__ferr_set(err, EDDY_EINVAL, "record encode: %s", bad);
    if ((r->meta_len > 0 && r->meta == NULL) || (r->stored_len > 0 && r->stored == NULL))
        return eddy__ferr_set(err, EDDY_EINVAL, "record encode: missing meta or payload");
    if (dst_cap < need)
        return eddy__ferr_set(err, EDDY_EBUFS, "record encode: need %zu bytes, have %zu", need,
                              dst_cap);
    put_hdr20(dst, r);
    r->checksum = rec_sum(dst, r->meta, r->meta_len, r->stored, r->stored_len);
    eddy__be64_put(dst + 20, r->checksum);
    if (r->meta_len > 0)
        memcpy(dst + EDDY__REC_HDR_LEN, r->meta, r->meta_len);
    if (!chunked && r->stored_len > 0)
        memcpy(dst + EDDY__REC_HDR_LEN + r->meta_len, r->stored, r->stored_len);
    return 0;
}

int eddy__rec_decode(const void *src, size_t src_len, eddy__rec *out, eddy__ferr *err)
{
    const uint8_t *p = src;
    eddy__rec r;
    const char *bad;
    size_t need;

    memset(out, 0, sizeof *out);
    if (src == NULL || src_len < EDDY__REC_HDR_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "record truncated: %zu bytes, header needs %d",
                              src_len, EDDY__REC_HDR_LEN);
    if (p[0] > EDDY__REC_VERSION)
        return eddy__ferr_set(err, EDDY_EVERSION, "record version %u is newer than %d", p[0],
                              EDDY__REC_VERSION);
    if (p[0] != EDDY__REC_VERSION)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "record version %u is not valid", p[0]);
    memset(&r, 0, sizeof r);
    r.flags = p[1];
    r.codec = p[2];
    r.kind = p[3];
    r.dict_id = eddy__be32_get(p + 4);
    r.meta_len = eddy__be32_get(p + 8);
    r.raw_len = eddy__be32_get(p + 12);
    r.stored_len = eddy__be32_get(p + 16);
    r.checksum = eddy__be64_get(p + 20);
    bad = rec_fields_invalid(&r);
    if (bad != NULL)
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "record header invalid: %s (flags 0x%02x codec %u kind %u)", bad,
                              r.flags, r.codec, r.kind);
    need = eddy__rec_encoded_len(r.meta_len, r.stored_len, (r.flags & EDDY__REC_CHUNKED) != 0);
    if (need != src_len)
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "record length %zu does not match header (meta %u + payload %u%s "
                              "=> %zu)",
                              src_len, r.meta_len, r.stored_len,
                              (r.flags & EDDY__REC_CHUNKED) ? " chunked" : "", need);
    r.meta = p + EDDY__REC_HDR_LEN;
    if ((r.flags & EDDY__REC_CHUNKED) == 0) {
        r.stored = r.meta + r.meta_len;
        if (rec_sum(p, r.meta, r.meta_len, r.stored, r.stored_len) != r.checksum)
            return eddy__ferr_set(err, EDDY_ECORRUPT, "record checksum mismatch (stored %016llx)",
                                  (unsigned long long)r.checksum);
    }
    *out = r;
    return 0;
}

int eddy__rec_check(const eddy__rec *r, const void *stored, size_t stored_len, eddy__ferr *err)
{
    uint8_t hdr[20];

    if (stored_len != r->stored_len)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "record payload is %zu bytes, header says %u",
                              stored_len, r->stored_len);
    put_hdr20(hdr, r);
    if (rec_sum(hdr, r->meta, r->meta_len, stored, stored_len) != r->checksum)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "record checksum mismatch (stored %016llx)",
                              (unsigned long long)r->checksum);
    return 0;
}
