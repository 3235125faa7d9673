/*
 * stream_keys.h: key and value codecs for the stream tables: shards (SSHARD), records (SREC),
 * the sparse time index (STIME), the open-shard routing index (SROUTE), checkpoints (CKPT) and
 * leases (LEASE), plus a stream's configuration bytes in its catalog entry. Every integer is
 * big-endian, written byte by byte, so memcmp order of keys is logical order. Decoders are strict
 * and return EDDY_ECORRUPT with a precise message. Normative layouts: docs/FORMAT.md "Streams".
 * Pure bytes: no LMDB, no I/O, no clock.
 */
#ifndef EDDY_FORMAT_STREAM_KEYS_H
#define EDDY_FORMAT_STREAM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "ferr.h"

#define EDDY__SKEY_SHARD_LEN 12 /* stream_id be64 | shard_id be32 */
#define EDDY__SKEY_REC_LEN   20 /* stream_id be64 | shard_id be32 | n be64 */
#define EDDY__SKEY_TIME_LEN  20 /* stream_id be64 | shard_id be32 | arrival_ms be64 */
#define EDDY__SKEY_ROUTE_LEN 24 /* stream_id be64 | ending hash key (16) */
#define EDDY__SNAME_MAX      128
#define EDDY__SKEY_NAMED_MAX (EDDY__SKEY_SHARD_LEN + EDDY__SNAME_MAX)
#define EDDY__SHARD_NONE     UINT32_MAX

/* ---- stream configuration (catalog entry cfg), 36 bytes ---- */
#define EDDY__SCFG_VERSION 1
#define EDDY__SCFG_LEN     36
typedef struct eddy__scfg {
    uint8_t hash;            /* EDDY__HASH_* */
    uint32_t shard_count;    /* shards at creation */
    uint64_t retention_ms;   /* records older than this are trimmed */
    uint32_t record_len_max; /* data + partition key, bytes */
    uint32_t batch_max;      /* records per put batch */
    uint32_t iter_ttl_ms;    /* iterator lifetime */
    uint32_t dict_id;        /* zstd dictionary for new records; 0 = none */
    uint32_t next_shard_id;  /* next shard id to hand out; ids below it were used */
} eddy__scfg;
void eddy__scfg_encode(uint8_t dst[EDDY__SCFG_LEN], const eddy__scfg *c);
int eddy__scfg_decode(const void *src, size_t len, eddy__scfg *out, eddy__ferr *err);

/* ---- shard value, 116 bytes ---- */
#define EDDY__SSHARD_VERSION 1
#define EDDY__SSHARD_LEN     116
#define EDDY__SHARD_OPEN     0
#define EDDY__SHARD_CLOSED   1
typedef struct eddy__sshard {
    uint8_t state;     /* EDDY__SHARD_OPEN or _CLOSED */
    uint8_t start[16]; /* first hash key of the range */
    uint8_t end[16];   /* last hash key of the range (inclusive) */
    uint32_t parent;   /* EDDY__SHARD_NONE when created with the stream */
    uint32_t parent2;  /* the adjacent parent of a merge, else NONE */
    uint32_t child;    /* children once closed, else NONE */
    uint32_t child2;   /* second child of a split, else NONE */
    uint64_t created_ms;
    uint64_t closed_ms; /* 0 while open */
    uint64_t base_n;    /* every record number of this shard is > base_n */
    uint64_t last_n;    /* newest record number (== base_n before the first record) */
    uint64_t last_ts;   /* newest arrival time (non-decreasing) */
    uint64_t trim_n;    /* every record number < trim_n was trimmed (0: none) */
    uint64_t records;   /* records stored now */
    uint64_t bytes;     /* their raw data bytes */
} eddy__sshard;
void eddy__sshard_encode(uint8_t dst[EDDY__SSHARD_LEN], const eddy__sshard *s);
int eddy__sshard_decode(const void *src, size_t len, eddy__sshard *out, eddy__ferr *err);

/* ---- record blocks (SREC values; docs/FORMAT.md "Stream record blocks") ----
 * The records one put batch sends to one shard form a block: one SREC value (a format/record.h
 * record of kind SREC) keyed by the number of its first record. Its records are numbered
 * first_n, first_n + 1, ... and share one arrival time. Meta (20 bytes):
 *   count be32 | arrival_ms be64 | data_bytes be64 (sum of the records' data lengths)
 * Payload (before compression), count times:
 *   pk_len be16 | data_len be32 | partition key | data
 */
#define EDDY__SBLOCK_META_LEN  20
#define EDDY__SBLOCK_REC_FIXED 6
/* A block is closed once its payload reaches this size (a single larger record is alone). */
#define EDDY__SBLOCK_RAW_MAX (1u << 20)
typedef struct eddy__sblock_meta {
    uint32_t count;
    uint64_t arrival_ms;
    uint64_t data_bytes;
} eddy__sblock_meta;
void eddy__sblock_meta_encode(uint8_t dst[EDDY__SBLOCK_META_LEN], const eddy__sblock_meta *m);
int eddy__sblock_meta_decode(const void *src, size_t len, eddy__sblock_meta *out, eddy__ferr *err);
/* Append one record to a payload buffer (cap must allow EDDY__SBLOCK_REC_FIXED + pk + data). */
size_t eddy__sblock_rec_encode(uint8_t *dst, const void *pk, uint16_t pk_len, const void *data,
                               uint32_t data_len);
/* Read the next record of a payload; EDDY_ECORRUPT when it does not fit. */
int eddy__sblock_rec_next(eddy__rd *r, const uint8_t **pk, uint16_t *pk_len, const uint8_t **data,
                          uint32_t *data_len, eddy__ferr *err);
/* Check a whole payload against its meta: exactly count records, data_bytes in all. */
int eddy__sblock_check(const void *raw, size_t len, const eddy__sblock_meta *m, eddy__ferr *err);

/* ---- checkpoint value ---- */
#define EDDY__CKPT_VERSION   1
#define EDDY__CKPT_FIXED     28
#define EDDY__CKPT_STATE_MAX 1024
#define EDDY__CKPT_SEQ       1 /* n is the checkpointed record number */
#define EDDY__CKPT_SHARD_END 2 /* the shard was read to its end */
typedef struct eddy__ckpt {
    uint8_t kind; /* EDDY__CKPT_SEQ or _SHARD_END */
    uint64_t n;   /* record number (SEQ) */
    uint64_t updated_ms;
    uint64_t lease_counter; /* counter of the lease it was written under; 0 = unfenced */
    const uint8_t *state;   /* caller's state bytes, borrowed */
    uint16_t state_len;
} eddy__ckpt;
size_t eddy__ckpt_encode(uint8_t *dst, size_t cap, const eddy__ckpt *c);
int eddy__ckpt_decode(const void *src, size_t len, eddy__ckpt *out, eddy__ferr *err);

/* ---- lease value ---- */
#define EDDY__LEASE_VERSION   1
#define EDDY__LEASE_FIXED     26
#define EDDY__LEASE_OWNER_MAX 64
typedef struct eddy__lease {
    uint64_t counter;    /* incremented by every take and renewal */
    uint64_t expires_ms; /* 0 when released */
    uint64_t taken_ms;
    char owner[EDDY__LEASE_OWNER_MAX + 1]; /* "" when free */
    uint8_t owner_len;
} eddy__lease;
size_t eddy__lease_encode(uint8_t *dst, size_t cap, const eddy__lease *l);
int eddy__lease_decode(const void *src, size_t len, eddy__lease *out, eddy__ferr *err);

/* ---- keys ---- */
void eddy__skey_shard(uint8_t dst[EDDY__SKEY_SHARD_LEN], uint64_t sid, uint32_t shard);
void eddy__skey_rec(uint8_t dst[EDDY__SKEY_REC_LEN], uint64_t sid, uint32_t shard, uint64_t n);
void eddy__skey_time(uint8_t dst[EDDY__SKEY_TIME_LEN], uint64_t sid, uint32_t shard, uint64_t ts);
void eddy__skey_route(uint8_t dst[EDDY__SKEY_ROUTE_LEN], uint64_t sid, const uint8_t end[16]);
/* Checkpoint and lease keys: stream_id | shard_id | name (1..EDDY__SNAME_MAX bytes). */
size_t eddy__skey_named(uint8_t dst[EDDY__SKEY_NAMED_MAX], uint64_t sid, uint32_t shard,
                        const char *name, size_t name_len);

/* Decoders of fixed keys: EDDY_ECORRUPT on a wrong length. */
int eddy__skey_shard_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard,
                            eddy__ferr *err);
int eddy__skey_rec_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard, uint64_t *n,
                          eddy__ferr *err);
int eddy__skey_time_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard, uint64_t *ts,
                           eddy__ferr *err);
int eddy__skey_route_decode(const void *k, size_t len, uint64_t *sid, uint8_t end[16],
                            eddy__ferr *err);
int eddy__skey_named_decode(const void *k, size_t len, uint64_t *sid, uint32_t *shard,
                            const char **name, size_t *name_len, eddy__ferr *err);

/* ---- iterator token: 33 bytes shown as 66 lower-case hex digits ----
 *   version u8 (1) | stream_id be64 | shard_id be32 | position n be64 | issued_ms be64 |
 *   check be32 (low 32 bits of XXH3-64 of the 29 bytes before it)
 */
#define EDDY__SITER_HEX_LEN 66
typedef struct eddy__siter {
    uint64_t sid;
    uint32_t shard;
    uint64_t pos_n;     /* the next record to read is the first with n >= pos_n */
    uint64_t issued_ms; /* for the iterator's lifetime */
} eddy__siter;
void eddy__siter_encode(char dst[EDDY__SITER_HEX_LEN + 1], const eddy__siter *it);
/* Errors: EDDY_EINVAL (wrong length, not hex, bad version or check). */
int eddy__siter_decode(const char *tok, eddy__siter *out, eddy__ferr *err);

#endif /* EDDY_FORMAT_STREAM_KEYS_H */
