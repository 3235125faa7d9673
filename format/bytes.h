/*
 * bytes.h: big-endian integer codecs and a bounds-checked reader, shared by every encoder and
 * decoder in format/. Persisted integers are always written byte by byte in big-endian order, so
 * that memcmp order of keys equals numeric order and files are portable across architectures.
 * Knows nothing of LMDB, I/O or time.
 */
#ifndef EDDY_FORMAT_BYTES_H
#define EDDY_FORMAT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void eddy__be16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void eddy__be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void eddy__be64_put(uint8_t *p, uint64_t v)
{
    eddy__be32_put(p, (uint32_t)(v >> 32));
    eddy__be32_put(p + 4, (uint32_t)v);
}

static inline uint16_t eddy__be16_get(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t eddy__be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t eddy__be64_get(const uint8_t *p)
{
    return (uint64_t)eddy__be32_get(p) << 32 | eddy__be32_get(p + 4);
}

/*
 * A cursor over a byte range that never reads past its end. Every get returns false, and leaves
 * the cursor unchanged, when fewer bytes remain than asked; decoders then report EDDY_ECORRUPT.
 */
typedef struct eddy__rd {
    const uint8_t *p;
    size_t left;
} eddy__rd;

static inline eddy__rd eddy__rd_init(const void *data, size_t len)
{
    eddy__rd r = {(const uint8_t *)data, len};
    return r;
}

static inline bool eddy__rd_u8(eddy__rd *r, uint8_t *v)
{
    if (r->left < 1)
        return false;
    *v = r->p[0];
    r->p += 1;
    r->left -= 1;
    return true;
}

static inline bool eddy__rd_u16(eddy__rd *r, uint16_t *v)
{
    if (r->left < 2)
        return false;
    *v = eddy__be16_get(r->p);
    r->p += 2;
    r->left -= 2;
    return true;
}

static inline bool eddy__rd_u32(eddy__rd *r, uint32_t *v)
{
    if (r->left < 4)
        return false;
    *v = eddy__be32_get(r->p);
    r->p += 4;
    r->left -= 4;
    return true;
}

static inline bool eddy__rd_u64(eddy__rd *r, uint64_t *v)
{
    if (r->left < 8)
        return false;
    *v = eddy__be64_get(r->p);
    r->p += 8;
    r->left -= 8;
    return true;
}

/* Borrow the next n bytes (no copy). */
static inline bool eddy__rd_bytes(eddy__rd *r, size_t n, const uint8_t **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

/* A writer into a fixed buffer; `ok` turns false (and stays false) on the first overflow. */
typedef struct eddy__wr {
    uint8_t *p;
    size_t left;
    size_t len;
    bool ok;
} eddy__wr;

static inline eddy__wr eddy__wr_init(void *dst, size_t cap)
{
    eddy__wr w = {(uint8_t *)dst, cap, 0, true};
    return w;
}

static inline void eddy__wr_bytes(eddy__wr *w, const void *src, size_t n)
{
    if (!w->ok || w->left < n) {
        w->ok = false;
        return;
    }
    if (n > 0)
        memcpy(w->p, src, n);
    w->p += n;
    w->left -= n;
    w->len += n;
}

static inline void eddy__wr_u8(eddy__wr *w, uint8_t v)
{
    eddy__wr_bytes(w, &v, 1);
}

static inline void eddy__wr_u16(eddy__wr *w, uint16_t v)
{
    uint8_t b[2];
    eddy__be16_put(b, v);
    eddy__wr_bytes(w, b, 2);
}

static inline void eddy__wr_u32(eddy__wr *w, uint32_t v)
{
    uint8_t b[4];
    eddy__be32_put(b, v);
    eddy__wr_bytes(w, b, 4);
}

static inline void eddy__wr_u64(eddy__wr *w, uint64_t v)
{
    uint8_t b[8];
    eddy__be64_put(b, v);
    eddy__wr_bytes(w, b, 8);
}

#endif /* EDDY_FORMAT_BYTES_H */
