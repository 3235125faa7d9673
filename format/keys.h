/*
 * keys.h: key codecs for the foundation tables (meta, catalog, objects, chunks) and the name
 * rules for queues and streams. Every key is built so that memcmp order equals logical order:
 * fixed-width big-endian integers, and variable-length parts only last or length-prefixed.
 * Normative layouts: docs/FORMAT.md, sections "meta", "catalog", "objects", "chunks".
 * Queue and stream tables have their own key files (queue_keys.h, stream_keys.h).
 */
#ifndef EDDY_FORMAT_KEYS_H
#define EDDY_FORMAT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

/* Longest queue or stream name, in bytes. */
#define EDDY__NAME_MAX 128

/* Object kinds in the catalog (first key byte). Append only. */
#define EDDY__OBJ_QUEUE  'q'
#define EDDY__OBJ_STREAM 's'

/* meta table keys (ASCII, no terminator in the key). */
#define EDDY__META_MAGIC   "eddy.magic"   /* value: the 8 bytes EDDY__MAGIC */
#define EDDY__META_FORMAT  "eddy.format"  /* value: be32 format version */
#define EDDY__META_CREATED "eddy.created" /* value: be64 creation time, ms */
#define EDDY__META_NEXT_ID "eddy.next_id" /* value: be64 next object id to hand out */
#define EDDY__MAGIC        "EDDYDB\0\1"

/* catalog key: kind (1) | name (1..EDDY__NAME_MAX). */
#define EDDY__CATALOG_KEY_MAX (1 + EDDY__NAME_MAX)
int eddy__key_catalog(uint8_t *dst, size_t dst_cap, uint8_t kind, const char *name, size_t name_len,
                      size_t *len_out);
int eddy__key_catalog_decode(const void *key, size_t key_len, uint8_t *kind, const char **name,
                             size_t *name_len, eddy__ferr *err);

/* objects key: id (be64). Value: kind (1) | name. */
#define EDDY__OBJECTS_KEY_LEN 8

/*
 * catalog value meta (kind EDDY__KIND_CATALOG): id be64 | created_ms be64 | modified_ms be64.
 * The record's payload holds the module's configuration bytes.
 */
#define EDDY__CATALOG_META_LEN 24

/*
 * chunks key: table tag (1) | owner key length (1) | owner key | chunk number (be32).
 * Chunks of one owner are adjacent and in order.
 */
#define EDDY__CHUNK_OWNER_MAX 64
#define EDDY__CHUNK_KEY_MAX   (2 + EDDY__CHUNK_OWNER_MAX + 4)
int eddy__key_chunk(uint8_t *dst, size_t dst_cap, uint8_t table_tag, const void *owner,
                    size_t owner_len, uint32_t chunk_no, size_t *len_out);
int eddy__key_chunk_decode(const void *key, size_t key_len, uint8_t *table_tag,
                           const uint8_t **owner, size_t *owner_len, uint32_t *chunk_no,
                           eddy__ferr *err);

/*
 * Name rule for queues and streams: 1..max_len bytes of [A-Za-z0-9_-], plus '.' when allow_dot.
 * Errors: EDDY_EINVAL with the offending offset in the message.
 */
int eddy__name_check(const char *what, const char *name, size_t max_len, int allow_dot,
                     size_t *len_out, eddy__ferr *err);

#endif /* EDDY_FORMAT_KEYS_H */
