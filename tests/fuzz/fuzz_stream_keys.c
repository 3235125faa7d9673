/*
 * fuzz_stream_keys.c: libFuzzer target for the stream codecs (format/stream_keys.c): stream
 * configuration, shard values, record-block meta and payloads, checkpoints, leases, the fixed and
 * named keys, and iterator tokens. Any input must decode or be rejected with EDDY_ECORRUPT
 * (stored bytes) or EDDY_EINVAL (tokens), never crash or read out of bounds; what decodes must
 * re-encode to the same bytes, and a token built from the input's fields must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_values(const uint8_t *d, size_t n)
{
    uint8_t buf[EDDY__SSHARD_LEN + EDDY__CKPT_FIXED + EDDY__CKPT_STATE_MAX];
    eddy__ferr fe;
    eddy__scfg c;
    eddy__sshard s;
    eddy__sblock_meta m;
    eddy__ckpt cp;
    eddy__lease l;

    if (eddy__scfg_decode(d, n, &c, &fe) == 0) {
        eddy__scfg_encode(buf, &c);
        REQUIRE(n == EDDY__SCFG_LEN && memcmp(buf, d, n) == 0);
    }
    if (eddy__sshard_decode(d, n, &s, &fe) == 0) {
        eddy__sshard_encode(buf, &s);
        REQUIRE(n == EDDY__SSHARD_LEN && memcmp(buf, d, n) == 0);
    }
    if (eddy__ckpt_decode(d, n, &cp, &fe) == 0) {
        REQUIRE(eddy__ckpt_encode(buf, sizeof buf, &cp) == n && memcmp(buf, d, n) == 0);
    }
    if (eddy__lease_decode(d, n, &l, &fe) == 0) {
        REQUIRE(strlen(l.owner) <= l.owner_len);
        REQUIRE(eddy__lease_encode(buf, sizeof buf, &l) == n && memcmp(buf, d, n) == 0);
    }
    /* A record block: the first 20 bytes as meta, the rest as its payload. */
    if (n >= EDDY__SBLOCK_META_LEN &&
        eddy__sblock_meta_decode(d, EDDY__SBLOCK_META_LEN, &m, &fe) == 0) {
        const uint8_t *raw = d + EDDY__SBLOCK_META_LEN;
        size_t raw_len = n - EDDY__SBLOCK_META_LEN;
        if (eddy__sblock_check(raw, raw_len, &m, &fe) == 0) {
            /* The reader's walk: exactly count records, each re-encodes to its bytes. */
            eddy__rd r = eddy__rd_init(raw, raw_len);
            uint8_t *again = malloc(raw_len + 1);
            size_t at = 0;
            REQUIRE(again != NULL);
            for (uint32_t i = 0; i < m.count; i++) {
                const uint8_t *pk, *data;
                uint16_t pk_len;
                uint32_t data_len;
                REQUIRE(eddy__sblock_rec_next(&r, &pk, &pk_len, &data, &data_len, &fe) == 0);
                at += eddy__sblock_rec_encode(again + at, pk, pk_len, data, data_len);
            }
            REQUIRE(r.left == 0 && at == raw_len && memcmp(again, raw, raw_len) == 0);
            free(again);
        }
    }
}

static void check_keys(const uint8_t *d, size_t n)
{
    uint8_t k[EDDY__SKEY_NAMED_MAX], end[16];
    uint64_t sid, v;
    uint32_t shard;
    const char *name;
    size_t name_len;

    if (eddy__skey_shard_decode(d, n, &sid, &shard, NULL) == 0) {
        eddy__skey_shard(k, sid, shard);
        REQUIRE(n == EDDY__SKEY_SHARD_LEN && memcmp(k, d, n) == 0);
    }
    if (eddy__skey_rec_decode(d, n, &sid, &shard, &v, NULL) == 0) {
        eddy__skey_rec(k, sid, shard, v);
        REQUIRE(n == EDDY__SKEY_REC_LEN && memcmp(k, d, n) == 0);
    }
    if (eddy__skey_time_decode(d, n, &sid, &shard, &v, NULL) == 0) {
        eddy__skey_time(k, sid, shard, v);
        REQUIRE(n == EDDY__SKEY_TIME_LEN && memcmp(k, d, n) == 0);
    }
    if (eddy__skey_route_decode(d, n, &sid, end, NULL) == 0) {
        eddy__skey_route(k, sid, end);
        REQUIRE(n == EDDY__SKEY_ROUTE_LEN && memcmp(k, d, n) == 0);
    }
    if (eddy__skey_named_decode(d, n, &sid, &shard, &name, &name_len, NULL) == 0) {
        REQUIRE(name_len >= 1 && name_len <= EDDY__SNAME_MAX);
        REQUIRE(eddy__skey_named(k, sid, shard, name, name_len) == n && memcmp(k, d, n) == 0);
    }
}

static void check_tokens(const uint8_t *d, size_t n)
{
    char tok[EDDY__SITER_HEX_LEN + 1], again[EDDY__SITER_HEX_LEN + 1];
    size_t k = n < EDDY__SITER_HEX_LEN ? n : EDDY__SITER_HEX_LEN;
    eddy__siter it, it2;
    int rc;

    memcpy(tok, d, k);
    tok[k] = '\0';
    rc = eddy__siter_decode(tok, &it, NULL);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL);
    if (rc == 0) {
        eddy__siter_encode(again, &it);
        REQUIRE(strcmp(again, tok) == 0);
    }
    REQUIRE(eddy__siter_decode(NULL, &it, NULL) == EDDY_EINVAL);
    if (n >= 28) {
        it.sid = eddy__be64_get(d);
        it.shard = eddy__be32_get(d + 8);
        it.pos_n = eddy__be64_get(d + 12);
        it.issued_ms = eddy__be64_get(d + 20);
        eddy__siter_encode(tok, &it);
        REQUIRE(eddy__siter_decode(tok, &it2, NULL) == 0);
        REQUIRE(it2.sid == it.sid && it2.shard == it.shard && it2.pos_n == it.pos_n &&
                it2.issued_ms == it.issued_ms);
        if (n > 28) { /* one edited character: refused, or a valid token that round-trips */
            tok[d[28] % EDDY__SITER_HEX_LEN] = (char)(d[n - 1] ? d[n - 1] : 'x');
            rc = eddy__siter_decode(tok, &it2, NULL);
            REQUIRE(rc == 0 || rc == EDDY_EINVAL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_values(data, size);
    check_keys(data, size);
    check_tokens(data, size);
    return 0;
}
