/*
 * shard_hash.c: partition-key hashing and the decimal forms of hash keys and sequence numbers
 * (see shard_hash.h). Arithmetic is done on big-endian byte arrays, byte by byte, so the code
 * needs no 128-bit integer type and behaves the same on every platform.
 */
#include "shard_hash.h"

#include <string.h>

#include <xxhash.h>

#include "md5.h"

void eddy__shard_hash(int method, const void *key, size_t key_len, uint8_t out[16])
{
    if (method == EDDY__HASH_MD5) {
        eddy__md5(key, key_len, out);
    } else {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits(key, key_len));
        memcpy(out, c.digest, 16);
    }
}

/* Divide the big-endian number v[0..n) by 10 in place; return the remainder. */
static unsigned divmod10(uint8_t *v, size_t n)
{
    unsigned r = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned cur = r << 8 | v[i];
        v[i] = (uint8_t)(cur / 10);
        r = cur % 10;
    }
    return r;
}

static int is_zero(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0)
            return 0;
    return 1;
}

/* Decimal digits of v[0..n) into dst, right-aligned in exactly `width` digits when width > 0. */
static void to_dec(const uint8_t *src, size_t n, char *dst, size_t width)
{
    uint8_t v[16];
    char tmp[48];
    size_t k = 0;

    memcpy(v, src, n);
    do {
        tmp[k++] = (char)('0' + divmod10(v, n));
    } while (!is_zero(v, n));
    while (k < width)
        tmp[k++] = '0';
    for (size_t i = 0; i < k; i++)
        dst[i] = tmp[k - 1 - i];
    dst[k] = '\0';
}

/* v = v * 10 + d over n bytes; returns the carry out (nonzero = overflow). */
static unsigned muladd10(uint8_t *v, size_t n, unsigned d)
{
    unsigned carry = d;
    for (size_t i = n; i-- > 0;) {
        unsigned cur = v[i] * 10u + carry;
        v[i] = (uint8_t)cur;
        carry = cur >> 8;
    }
    return carry;
}

void eddy__u128_to_dec(const uint8_t v[16], char *dst)
{
    to_dec(v, 16, dst, 0);
}

int eddy__u128_from_dec(const char *s, uint8_t out[16], eddy__ferr *err)
{
    size_t len = s != NULL ? strnlen(s, EDDY__HASH_DIGITS + 1) : 0;

    memset(out, 0, 16);
    if (len == 0 || len > EDDY__HASH_DIGITS)
        return eddy__ferr_set(err, EDDY_EINVAL, "hash key must have 1..%d decimal digits",
                              EDDY__HASH_DIGITS);
    if (s[0] == '0' && len > 1)
        return eddy__ferr_set(err, EDDY_EINVAL, "hash key '%s' has a leading zero", s);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return eddy__ferr_set(err, EDDY_EINVAL, "hash key has a non-digit at offset %zu", i);
        if (muladd10(out, 16, (unsigned)(s[i] - '0')) != 0)
            return eddy__ferr_set(err, EDDY_EINVAL, "hash key '%s' exceeds 2^128 - 1", s);
    }
    return 0;
}

void eddy__u128_inc(uint8_t v[16])
{
    for (int i = 15; i >= 0; i--)
        if (++v[i] != 0)
            break;
}

void eddy__u128_dec(uint8_t v[16])
{
    for (int i = 15; i >= 0; i--)
        if (v[i]-- != 0)
            break;
}

int eddy__u128_cmp(const uint8_t a[16], const uint8_t b[16])
{
    return memcmp(a, b, 16);
}

void eddy__u128_mid(const uint8_t a[16], const uint8_t b[16], uint8_t out[16])
{
    uint8_t sum[17];
    unsigned carry = 0, rem = 0;

    for (int i = 15; i >= 0; i--) {
        unsigned s = (unsigned)a[i] + b[i] + carry;
        sum[i + 1] = (uint8_t)s;
        carry = s >> 8;
    }
    sum[0] = (uint8_t)carry;
    for (int i = 0; i < 17; i++) { /* halve the 17-byte sum */
        unsigned cur = rem << 8 | sum[i];
        sum[i] = (uint8_t)(cur >> 1);
        rem = cur & 1;
    }
    memcpy(out, sum + 1, 16);
}

void eddy__u128_range_start(uint32_t i, uint32_t count, uint8_t out[16])
{
    uint8_t num[20];
    uint64_t rem = 0;

    memset(num, 0, sizeof num);
    num[0] = (uint8_t)(i >> 24); /* num = i * 2^128 over 20 bytes */
    num[1] = (uint8_t)(i >> 16);
    num[2] = (uint8_t)(i >> 8);
    num[3] = (uint8_t)i;
    for (size_t k = 0; k < sizeof num; k++) {
        uint64_t cur = rem << 8 | num[k];
        num[k] = (uint8_t)(cur / count);
        rem = cur % count;
    }
    memcpy(out, num + 4, 16);
}

/* Hot (every record read renders one): divide the 96-bit value, held as three 32-bit limbs,
 * by 10^9 three times and print the four chunks, instead of digit-by-digit byte division. */
void eddy__seq_to_dec(uint64_t n, uint32_t shard_id, char *dst)
{
    uint32_t limb[3] = {(uint32_t)(n >> 32), (uint32_t)n, shard_id};
    uint32_t chunk[4];
    char *p = dst + EDDY__SEQ_DIGITS;

    for (int c = 0; c < 3; c++) {
        uint64_t rem = 0;
        for (int i = 0; i < 3; i++) {
            uint64_t cur = rem << 32 | limb[i];
            limb[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        chunk[c] = (uint32_t)rem;
    }
    chunk[3] = limb[2]; /* < 100: 2^96 / 10^27 < 80 */
    *p = '\0';
    for (int c = 0; c < 3; c++)
        for (int d = 0; d < 9; d++, chunk[c] /= 10)
            *--p = (char)('0' + chunk[c] % 10);
    *--p = (char)('0' + chunk[3] % 10);
    *--p = (char)('0' + chunk[3] / 10);
}

int eddy__seq_from_dec(const char *s, uint64_t *n, uint32_t *shard_id, eddy__ferr *err)
{
    uint8_t v[12];
    size_t len = s != NULL ? strnlen(s, EDDY__SEQ_DIGITS + 1) : 0;

    *n = 0;
    *shard_id = 0;
    if (len != EDDY__SEQ_DIGITS)
        return eddy__ferr_set(err, EDDY_EINVAL, "sequence number must have exactly %d digits",
                              EDDY__SEQ_DIGITS);
    memset(v, 0, sizeof v);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return eddy__ferr_set(err, EDDY_EINVAL, "sequence number has a non-digit at offset %zu",
                                  i);
        if (muladd10(v, sizeof v, (unsigned)(s[i] - '0')) != 0)
            return eddy__ferr_set(err, EDDY_EINVAL, "sequence number '%s' exceeds 2^96 - 1", s);
    }
    for (int i = 0; i < 8; i++)
        *n = *n << 8 | v[i];
    for (int i = 0; i < 4; i++)
        *shard_id = *shard_id << 8 | v[8 + i];
    return 0;
}
