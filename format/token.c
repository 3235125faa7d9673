/*
 * token.c: hex tokens with check digits (token.h). Reads never go past the token's expected
 * length, and a NULL or short string is a length error, never a read past its end.
 */
#include "token.h"

#include <assert.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bytes.h"

/* Every token ends in its 4 check digits: a shorter length is the caller's bug. */
static uint32_t check_digits(const uint8_t *raw, size_t len)
{
    assert(len >= 4);
    return (uint32_t)XXH3_64bits(raw, len - 4);
}

void eddy__token_encode(char *dst, uint8_t *raw, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    assert(dst != NULL && raw != NULL && len >= 4);
    eddy__be32_put(raw + len - 4, check_digits(raw, len));
    for (size_t i = 0; i < len; i++) {
        dst[2 * i] = hex[raw[i] >> 4];
        dst[2 * i + 1] = hex[raw[i] & 15];
    }
    dst[2 * len] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int eddy__token_decode(const char *src, uint8_t *raw, size_t len, size_t *n_chars)
{
    size_t n = src != NULL ? strnlen(src, 2 * len + 1) : 0;

    assert(raw != NULL && n_chars != NULL && len >= 4);
    *n_chars = n;
    if (n != 2 * len)
        return EDDY__TOKEN_BAD_LEN;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(src[2 * i]), lo = hexval(src[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            *n_chars = 2 * i;
            return EDDY__TOKEN_BAD_HEX;
        }
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    return EDDY__TOKEN_OK;
}

int eddy__token_check_ok(const uint8_t *raw, size_t len)
{
    return eddy__be32_get(raw + len - 4) == check_digits(raw, len);
}
