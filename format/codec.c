/*
 * codec.c: zstd compression and bounded decompression of payloads. The decoder checks the
 * frame's declared content size against the record's raw_len before decompressing, and the
 * dictionary id against the record's, so damage is reported as EDDY_ECORRUPT with the reason.
 */
#include "codec.h"

#include <string.h>

#include <zstd_errors.h>

#include "record.h"

size_t eddy__codec_bound(size_t src_len)
{
    return ZSTD_compressBound(src_len);
}

int eddy__codec_compress(ZSTD_CCtx *cctx, int level, const ZSTD_CDict *cdict, const void *src,
                         size_t src_len, void *dst, size_t dst_cap, size_t *len_out,
                         eddy__ferr *err)
{
    size_t n;

    *len_out = 0;
    if (cdict != NULL)
        n = ZSTD_compress_usingCDict(cctx, dst, dst_cap, src, src_len, cdict);
    else
        n = ZSTD_compressCCtx(cctx, dst, dst_cap, src, src_len, level);
    if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
            return eddy__ferr_set(err, EDDY_EBUFS, "zstd: output buffer of %zu too small", dst_cap);
        return eddy__ferr_set(err, EDDY_EINTERNAL, "zstd compress: %s", ZSTD_getErrorName(n));
    }
    *len_out = n;
    return 0;
}

static int check_frame(uint32_t dict_id, const void *src, size_t src_len, size_t raw_len,
                       eddy__ferr *err)
{
    unsigned long long declared = ZSTD_getFrameContentSize(src, src_len);
    unsigned frame_dict;

    if (declared == ZSTD_CONTENTSIZE_ERROR)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "zstd frame header is invalid");
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != raw_len)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "zstd frame declares %llu bytes, record says %zu",
                              declared, raw_len);
    frame_dict = ZSTD_getDictID_fromFrame(src, src_len);
    if (frame_dict != 0 && frame_dict != dict_id)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "zstd frame uses dictionary %u, record says %u",
                              frame_dict, dict_id);
    return 0;
}

int eddy__codec_decompress(ZSTD_DCtx *dctx, int codec, uint32_t dict_id, const ZSTD_DDict *ddict,
                           const void *src, size_t src_len, void *dst, size_t dst_cap,
                           size_t raw_len, eddy__ferr *err)
{
    size_t n;
    int rc;

    if (dst_cap < raw_len)
        return eddy__ferr_set(err, EDDY_EBUFS, "decompress: need %zu bytes, have %zu", raw_len,
                              dst_cap);
    if (codec == EDDY__CODEC_NONE) {
        if (src_len != raw_len)
            return eddy__ferr_set(err, EDDY_ECORRUPT,
                                  "uncompressed payload is %zu bytes, record says %zu", src_len,
                                  raw_len);
        if (raw_len > 0)
            memcpy(dst, src, raw_len);
        return 0;
    }
    if (codec != EDDY__CODEC_ZSTD && codec != EDDY__CODEC_ZSTD_DICT)
        return eddy__ferr_set(err, EDDY_EINVAL, "unknown codec %d", codec);
    if (codec == EDDY__CODEC_ZSTD_DICT && ddict == NULL)
        return eddy__ferr_set(err, EDDY_EINVAL, "zstd dictionary %u is not loaded", dict_id);
    if ((rc = check_frame(codec == EDDY__CODEC_ZSTD_DICT ? dict_id : 0, src, src_len, raw_len,
                          err)) != 0)
        return rc;
    if (codec == EDDY__CODEC_ZSTD_DICT)
        n = ZSTD_decompress_usingDDict(dctx, dst, raw_len, src, src_len, ddict);
    else
        n = ZSTD_decompressDCtx(dctx, dst, raw_len, src, src_len);
    if (ZSTD_isError(n))
        return eddy__ferr_set(err, EDDY_ECORRUPT, "zstd decompress: %s", ZSTD_getErrorName(n));
    if (n != raw_len)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "zstd produced %zu bytes, record says %zu", n,
                              raw_len);
    return 0;
}
