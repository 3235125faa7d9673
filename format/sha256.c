/*
 * sha256.c: SHA-256 through Nettle (Debian nettle-dev), not hand-written code: a well-kept,
 * tested implementation (with CPU acceleration where available). One-shot only.
 */
#include "sha256.h"

#include <nettle/sha2.h>

void eddy__sha256(const void *src, size_t len, uint8_t out[EDDY__SHA256_LEN])
{
    struct sha256_ctx ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, len, src);
    sha256_digest(&ctx, EDDY__SHA256_LEN, out);
}

void eddy__sha256_hex(const void *src, size_t len, char out[2 * EDDY__SHA256_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[EDDY__SHA256_LEN];

    eddy__sha256(src, len, d);
    for (size_t i = 0; i < EDDY__SHA256_LEN; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * EDDY__SHA256_LEN] = '\0';
}
