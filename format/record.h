/*
 * record.h: the versioned record header that wraps every stored value with a payload (queue
 * messages, stream records, catalog entries). Normative description: docs/FORMAT.md, section
 * "Record". Pure bytes: no LMDB, no I/O, no clock.
 *
 *   OFF SIZE FIELD
 *     0    1 version     record format version, EDDY__REC_VERSION (1)
 *     1    1 flags       bit 0 EDDY__REC_CHUNKED: stored payload is in the chunks table;
 *                        bits 1..7 must be 0
 *     2    1 codec       EDDY__CODEC_NONE / _ZSTD / _ZSTD_DICT
 *     3    1 kind        what the meta section holds (EDDY__KIND_*), set by the owning module
 *     4    4 dict_id     zstd dictionary id; 0 unless codec is _ZSTD_DICT
 *     8    4 meta_len    bytes of meta that follow the header (<= EDDY__REC_META_MAX)
 *    12    4 raw_len     payload length before compression (<= EDDY__REC_PAYLOAD_MAX)
 *    16    4 stored_len  payload length as stored (== raw_len when codec is NONE)
 *    20    8 checksum    XXH3-64, seed 0, over bytes 0..19, then meta, then the stored payload
 *    28    m meta        kind-specific fields, decoded by the owning module
 *  28+m    s payload     stored payload, present only when not CHUNKED
 *
 * Invariant: a value's length is exactly 28 + meta_len (+ stored_len unless CHUNKED).
 */
#ifndef EDDY_FORMAT_RECORD_H
#define EDDY_FORMAT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

#define EDDY__REC_VERSION     1
#define EDDY__REC_HDR_LEN     28
#define EDDY__REC_CHUNKED     0x01u
#define EDDY__REC_FLAGS_KNOWN 0x01u
/* Hard bounds that no configuration can exceed; configured limits are smaller. */
#define EDDY__REC_META_MAX    65536u
#define EDDY__REC_PAYLOAD_MAX (64u * 1024u * 1024u)

enum eddy__codec {
    EDDY__CODEC_NONE = 0,
    EDDY__CODEC_ZSTD = 1,
    EDDY__CODEC_ZSTD_DICT = 2,
};

/* Record kinds: what the meta section means. Append only. */
enum eddy__kind {
    EDDY__KIND_CATALOG = 1, /* catalog entry: docs/FORMAT.md "catalog" */
    EDDY__KIND_QMSG = 2,    /* queue message */
    EDDY__KIND_SREC = 3,    /* stream record */
    EDDY__KIND_OTHER = 4,   /* module-private records (shards, tasks, checkpoints, ...) */
    EDDY__KIND_MAX = 4,
};

/* A decoded (or to-be-encoded) record. Pointers borrow from the encoded value or the caller. */
typedef struct eddy__rec {
    uint8_t flags;
    uint8_t codec;
    uint8_t kind;
    uint32_t dict_id;
    uint32_t raw_len;
    uint32_t stored_len;
    uint64_t checksum;
    const uint8_t *meta;
    uint32_t meta_len;
    const uint8_t *stored; /* NULL after decoding a CHUNKED record */
} eddy__rec;

/* Bytes that eddy__rec_encode writes for these lengths. */
size_t eddy__rec_encoded_len(uint32_t meta_len, uint32_t stored_len, int chunked);

/*
 * Encode `r` into dst. `r->stored` must point at the whole stored payload (it is checksummed
 * even when CHUNKED, and then not copied). Sets r->checksum. *len_out = bytes written.
 * Errors: EDDY_EINVAL (inconsistent fields), EDDY_EBUFS (dst_cap too small; *len_out = needed).
 */
int eddy__rec_encode(uint8_t *dst, size_t dst_cap, eddy__rec *r, size_t *len_out, eddy__ferr *err);

/*
 * Decode and validate a value. Checks version, flags, codec, kind, lengths against the value's
 * size and the hard bounds, and (unless CHUNKED) the checksum. A CHUNKED record's checksum is
 * checked by eddy__rec_check once the caller has gathered its payload.
 * Errors: EDDY_ECORRUPT (with a precise message), EDDY_EVERSION (a newer record version).
 */
int eddy__rec_decode(const void *src, size_t src_len, eddy__rec *out, eddy__ferr *err);

/* Check a decoded record's checksum against its header, meta and `stored`. EDDY_ECORRUPT. */
int eddy__rec_check(const eddy__rec *r, const void *stored, size_t stored_len, eddy__ferr *err);

#endif /* EDDY_FORMAT_RECORD_H */
