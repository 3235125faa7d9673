/*
 * payload.h: storing a body with its record header: compression (done by the caller's thread,
 * before the write transaction), inline values for small records, and page-sized chunks in the
 * chunks table for large ones, so that LMDB never needs a run of contiguous free pages.
 * Reading gathers chunks, verifies the checksum and decompresses (outside the transaction).
 */
#ifndef EDDY_ENGINE_PAYLOAD_H
#define EDDY_ENGINE_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "txn.h"

/* key + value at most this many bytes stays in the LMDB leaf page (4 KiB pages). */
#define EDDY__INLINE_MAX 2030
/* Each chunk fills exactly one overflow page. */
#define EDDY__CHUNK_LEN 4080

/* A body prepared for storage. Owns `buf` (env allocator) when compressed. */
typedef struct eddy__payload {
    uint8_t codec;
    uint32_t dict_id;
    uint32_t raw_len;
    uint32_t stored_len;
    const uint8_t *stored; /* the bytes to store: buf, or the caller's body */
    uint8_t *buf;
} eddy__payload;

/*
 * Prepare `body` for storage: zstd-compress it when it is at least compression_min_len bytes
 * and compression saves space; else keep it as is (borrowing `body`, which must then outlive
 * the payload). Errors: EDDY_ENOMEM, EDDY_EINTERNAL.
 */
int eddy__payload_prepare(eddy_env *env, const void *body, size_t len, eddy__payload *out);
void eddy__payload_release(eddy_env *env, eddy__payload *p);

/*
 * Write the record (kind, meta, payload) as the value of (table, key), replacing any value there
 * (with its old chunks). If key + record exceed EDDY__INLINE_MAX, the payload goes into chunks
 * owned by (table, key). key_len <= EDDY__CHUNK_OWNER_MAX. `put_flags` as for eddy__put.
 */
int eddy__payload_put(eddy__wtx *w, int table, const void *key, size_t key_len, uint8_t kind,
                      const void *meta, size_t meta_len, const eddy__payload *p,
                      unsigned put_flags);

/* A record copied out of a transaction: header fields, meta and stored payload, all owned. */
typedef struct eddy__loaded {
    eddy__rec rec; /* rec.meta and rec.stored point into buf */
    uint8_t *buf;
} eddy__loaded;

/*
 * Copy the record at `val` (the value of (table, key), read in `txn`) out of the map, gathering
 * its chunks, and verify its checksum. Errors: EDDY_ECORRUPT (with table and key in the
 * message), EDDY_EVERSION, EDDY_ENOMEM.
 */
int eddy__payload_load(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len,
                       const MDB_val *val, eddy__loaded *out);
void eddy__loaded_release(eddy_env *env, eddy__loaded *l);

/* Decompress a loaded record's payload into a new buffer of l->rec.raw_len bytes (+1 NUL). */
int eddy__payload_body(eddy_env *env, const eddy__loaded *l, uint8_t **body, size_t *len);

/* Delete (table, key) and its chunks. EDDY_ENOTFOUND (no message) when absent. */
int eddy__payload_del(eddy__wtx *w, int table, const void *key, size_t key_len);

/*
 * Decode only the header and meta of a value in place (no copy, no chunk gathering, and no
 * checksum check when CHUNKED). For scans that need meta fields. EDDY_ECORRUPT.
 */
int eddy__payload_peek(int table, const void *key, size_t key_len, const MDB_val *val,
                       eddy__rec *out);

/* Check one record fully (used by verify): decode, gather chunks, checksum, decompress. */
int eddy__payload_verify(eddy_env *env, MDB_txn *txn, int table, const void *key, size_t key_len,
                         const MDB_val *val);

/*
 * Trained zstd dictionaries. A dictionary is stored once (meta table, key "eddy.dict"|id, chunked
 * like any large payload) and never changed, so each env caches its digested form after first
 * use. The id is the one zstd wrote into the dictionary's header (ZDICT-trained dictionaries
 * always carry one); a raw-content dictionary (id 0) is refused with EDDY_EINVAL.
 */
int eddy__dict_store(eddy__wtx *w, const void *dict, size_t len, uint32_t *id_out);
/* The dictionary's id as zstd reads it from its header (0 when it has none). */
uint32_t eddy__dict_id(const void *dict, size_t len);
/* Like eddy__payload_prepare, compressing with stored dictionary dict_id (codec ZSTD_DICT).
 * Opens a short read transaction the first time a dictionary is used: hold none when calling.
 * Errors: EDDY_ENOTFOUND (no such dictionary), EDDY_ENOMEM, EDDY_ECORRUPT. */
int eddy__payload_prepare_dict(eddy_env *env, const void *body, size_t len, uint32_t dict_id,
                               eddy__payload *out);
/* Free the env's dictionary cache (env/env.c, at close). */
void eddy__dict_cache_free(eddy_env *env);

#endif /* EDDY_ENGINE_PAYLOAD_H */
