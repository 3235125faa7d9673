/*
 * fuzz_shard_hash.c: libFuzzer target for format/shard_hash.c: decimal hash keys and sequence
 * numbers (parsed from caller strings), partition-key hashing and the 128-bit arithmetic the
 * router and resharding use. Parsers must accept or refuse with EDDY_EINVAL, never crash; what
 * parses must render back to the same string; numbers built from the input must round-trip;
 * hashing must be deterministic; inc/dec, mid and range starts must keep their order laws.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "shard_hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_parsers(const uint8_t *d, size_t n)
{
    char s[64], again[64];
    size_t k = n < sizeof s - 1 ? n : sizeof s - 1;
    uint8_t v[16];
    uint64_t seq_n;
    uint32_t shard;
    int rc;

    memcpy(s, d, k);
    s[k] = '\0';
    rc = eddy__u128_from_dec(s, v, NULL);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL);
    if (rc == 0) {
        eddy__u128_to_dec(v, again);
        REQUIRE(strcmp(again, s) == 0);
    }
    rc = eddy__seq_from_dec(s, &seq_n, &shard, NULL);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL);
    if (rc == 0) {
        eddy__seq_to_dec(seq_n, shard, again);
        REQUIRE(strcmp(again, s) == 0);
    }
    REQUIRE(eddy__u128_from_dec(NULL, v, NULL) == EDDY_EINVAL);
    REQUIRE(eddy__seq_from_dec(NULL, &seq_n, &shard, NULL) == EDDY_EINVAL);
}

static void check_numbers(const uint8_t *d, size_t n)
{
    uint8_t a[16], b[16], m[16], t[16];
    char s[64];
    uint64_t seq_n, n2;
    uint32_t shard, shard2, i, count;

    if (n < 32)
        return;
    memcpy(a, d, 16);
    memcpy(b, d + 16, 16);
    eddy__u128_to_dec(a, s);
    REQUIRE(eddy__u128_from_dec(s, t, NULL) == 0 && memcmp(t, a, 16) == 0);
    memcpy(t, a, 16);
    eddy__u128_inc(t);
    eddy__u128_dec(t);
    REQUIRE(memcmp(t, a, 16) == 0);
    eddy__u128_mid(a, b, m);
    if (eddy__u128_cmp(a, b) <= 0)
        REQUIRE(eddy__u128_cmp(a, m) <= 0 && eddy__u128_cmp(m, b) <= 0);
    else
        REQUIRE(eddy__u128_cmp(b, m) <= 0 && eddy__u128_cmp(m, a) <= 0);
    seq_n = eddy__be64_get(d);
    shard = eddy__be32_get(d + 8);
    eddy__seq_to_dec(seq_n, shard, s);
    REQUIRE(strlen(s) == EDDY__SEQ_DIGITS);
    REQUIRE(eddy__seq_from_dec(s, &n2, &shard2, NULL) == 0 && n2 == seq_n && shard2 == shard);
    /* Range starts: 0 for i = 0, strictly increasing in i. */
    count = (eddy__be32_get(d + 12) % 4096) + 1;
    i = eddy__be32_get(d + 16) % count;
    eddy__u128_range_start(i, count, a);
    if (i == 0) {
        memset(t, 0, 16);
        REQUIRE(memcmp(a, t, 16) == 0);
    } else {
        eddy__u128_range_start(i - 1, count, b);
        REQUIRE(eddy__u128_cmp(b, a) < 0);
    }
}

static void check_hash(const uint8_t *d, size_t n)
{
    uint8_t h1[16], h2[16];

    for (int method = EDDY__HASH_XXH3; method <= EDDY__HASH_MD5; method++) {
        eddy__shard_hash(method, d, n, h1);
        eddy__shard_hash(method, d, n, h2);
        REQUIRE(memcmp(h1, h2, 16) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parsers(data, size);
    check_numbers(data, size);
    check_hash(data, size);
    return 0;
}
