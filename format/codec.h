/*
 * codec.h: payload compression with zstd, optionally with a trained dictionary. Output sizes are
 * always bounded by the caller's capacity and by the declared raw length, so a corrupt frame can
 * neither overrun a buffer nor make the decoder allocate without limit. Contexts are passed in
 * (format/ has no globals); a context is used by one thread at a time.
 */
#ifndef EDDY_FORMAT_CODEC_H
#define EDDY_FORMAT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "ferr.h"

/* Largest compressed size of src_len bytes (never less than src_len). */
size_t eddy__codec_bound(size_t src_len);

/*
 * Compress src into dst with zstd at `level`, or with `cdict` (a digested dictionary, whose
 * level then applies) when not NULL (codec ZSTD_DICT).
 * Errors: EDDY_EBUFS (dst too small), EDDY_EINTERNAL (zstd failed; its message is kept).
 */
int eddy__codec_compress(ZSTD_CCtx *cctx, int level, const ZSTD_CDict *cdict, const void *src,
                         size_t src_len, void *dst, size_t dst_cap, size_t *len_out,
                         eddy__ferr *err);

/*
 * Decompress a stored payload of codec `codec` into exactly raw_len bytes at dst (dst_cap >=
 * raw_len). For codec NONE this is a copy. For ZSTD_DICT, `ddict` must be the digested
 * dictionary whose id is dict_id. Errors: EDDY_ECORRUPT (bad frame, wrong size, wrong
 * dictionary), EDDY_EINVAL (unknown codec or missing dictionary), EDDY_EBUFS.
 */
int eddy__codec_decompress(ZSTD_DCtx *dctx, int codec, uint32_t dict_id, const ZSTD_DDict *ddict,
                           const void *src, size_t src_len, void *dst, size_t dst_cap,
                           size_t raw_len, eddy__ferr *err);

#endif /* EDDY_FORMAT_CODEC_H */
