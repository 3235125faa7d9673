/*
 * fuzz_record.c: libFuzzer target for the record decoder and the foundation key decoders
 * (format/record.c, format/keys.c, format/codec.c). Any input must decode or be rejected with
 * EDDY_ECORRUPT/EDDY_EVERSION, never crash or read out of bounds; a decoded record must
 * re-encode to the same bytes (round trip), and its payload must decompress within its declared
 * length or be rejected.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "keys.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_keys(const uint8_t *data, size_t size)
{
    uint8_t kind, tag;
    const char *name;
    const uint8_t *owner;
    size_t name_len, owner_len;
    uint32_t no;

    if (eddy__key_catalog_decode(data, size, &kind, &name, &name_len, NULL) == 0 &&
        (name_len == 0 || name + name_len > (const char *)data + size))
        abort();
    if (eddy__key_chunk_decode(data, size, &tag, &owner, &owner_len, &no, NULL) == 0 &&
        owner + owner_len + 4 != data + size)
        abort();
}

static void check_payload(const eddy__rec *r)
{
    static ZSTD_DCtx *d;
    uint8_t *out;

    if (r->raw_len > (1u << 20) || r->codec == EDDY__CODEC_ZSTD_DICT)
        return;
    if (d == NULL)
        d = ZSTD_createDCtx();
    out = malloc((size_t)r->raw_len + 1);
    if (out == NULL)
        return;
    (void)eddy__codec_decompress(d, r->codec, r->dict_id, NULL, r->stored, r->stored_len, out,
                                 (size_t)r->raw_len + 1, r->raw_len, NULL);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eddy__ferr fe;
    eddy__rec r;
    uint8_t *again;
    size_t len;

    check_keys(data, size);
    if (eddy__rec_decode(data, size, &r, &fe) != 0)
        return 0;
    if (r.flags & EDDY__REC_CHUNKED)
        return 0;
    again = malloc(size);
    if (again == NULL)
        return 0;
    if (eddy__rec_encode(again, size, &r, &len, NULL) != 0 || len != size ||
        memcmp(again, data, size) != 0)
        abort(); /* a valid record must round-trip exactly */
    free(again);
    check_payload(&r);
    return 0;
}
