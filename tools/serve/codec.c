/*
 * codec.c: MD5 digests as SQS computes them (MD5OfMessageBody, MD5OfMessageAttributes; the SDKs
 * verify both) and base64, all on Nettle: include/eddy.h reports XXH3 of bodies, not MD5, and
 * the library's format/md5.c is internal. Pure functions.
 */
#include <nettle/base64.h>
#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

void hex_encode(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void digest_hex(const struct nettle_hash *h, const void *data, size_t len, char *out)
{
    union { /* room for any hash Nettle describes up to SHA-512 */
        struct md5_ctx md5;
        struct sha256_ctx sha256;
        struct sha512_ctx sha512;
    } ctx;
    uint8_t d[SHA512_DIGEST_SIZE];

    if (h->context_size > sizeof ctx || h->digest_size > sizeof d) {
        out[0] = '\0';
        return;
    }
    h->init(&ctx);
    h->update(&ctx, len, data);
    h->digest(&ctx, h->digest_size, d);
    hex_encode(d, h->digest_size, out);
}

void md5_hex(const void *data, size_t len, char out[33])
{
    digest_hex(&nettle_md5, data, len, out);
}

static void put_len(struct md5_ctx *ctx, size_t n)
{
    uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    md5_update(ctx, 4, be);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const eddy_queue_attr *const *)a)->name,
                  (*(const eddy_queue_attr *const *)b)->name);
}

/* Sorted by name; each: length + name, length + type, transport byte (1 string, 2 binary),
 * length + value; lengths 4-byte big-endian (what the SDKs compute). */
void md5_attrs_hex(const eddy_queue_attr *attrs, size_t n, char out[33])
{
    const eddy_queue_attr *sorted[EDDY_QUEUE_ATTRS_MAX];
    struct md5_ctx ctx;
    uint8_t d[MD5_DIGEST_SIZE];
    size_t i;

    if (n > EDDY_QUEUE_ATTRS_MAX)
        n = EDDY_QUEUE_ATTRS_MAX;
    for (i = 0; i < n; i++)
        sorted[i] = &attrs[i];
    qsort(sorted, n, sizeof sorted[0], by_name);
    md5_init(&ctx);
    for (i = 0; i < n; i++) {
        const eddy_queue_attr *a = sorted[i];
        uint8_t transport = strncmp(a->type, "Binary", 6) == 0 ? 2 : 1;
        put_len(&ctx, strlen(a->name));
        md5_update(&ctx, strlen(a->name), (const uint8_t *)a->name);
        put_len(&ctx, strlen(a->type));
        md5_update(&ctx, strlen(a->type), (const uint8_t *)a->type);
        md5_update(&ctx, 1, &transport);
        put_len(&ctx, a->value.len);
        md5_update(&ctx, a->value.len, a->value.data);
    }
    md5_digest(&ctx, sizeof d, d);
    hex_encode(d, sizeof d, out);
}

char *b64_encode(const void *data, size_t len, size_t *len_out)
{
    size_t n = BASE64_ENCODE_RAW_LENGTH(len);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    base64_encode_raw(out, len, data);
    out[n] = '\0';
    if (len_out != NULL)
        *len_out = n;
    return out;
}

bool b64_decode(const char *s, size_t n, unsigned char **out, size_t *len_out)
{
    struct base64_decode_ctx ctx;
    size_t cap = BASE64_DECODE_LENGTH(n) + 1, got = cap;
    unsigned char *p = malloc(cap);

    *out = NULL;
    if (p == NULL)
        return false;
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &got, p, n, s) || !base64_decode_final(&ctx)) {
        free(p);
        return false;
    }
    *out = p;
    *len_out = got;
    return true;
}
