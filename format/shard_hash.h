/*
 * shard_hash.h: the numbers of streams, as bytes and as the decimal strings the API shows.
 * - Hash keys: a partition key hashes to a 128-bit integer (XXH3-128 by default, or MD5 as
 *   Kinesis does), kept as 16 big-endian bytes so memcmp order is numeric order.
 * - Sequence numbers: the 96-bit value (n << 32) | shard_id, shown as exactly
 *   EDDY__SEQ_DIGITS zero-padded decimal digits, so that string order, numeric order and
 *   (n, shard) order agree and a number is unique within its stream.
 * Normative description: docs/FORMAT.md "Streams". Pure bytes: no LMDB, no I/O, no clock.
 */
#ifndef EDDY_FORMAT_SHARD_HASH_H
#define EDDY_FORMAT_SHARD_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

/* Hash functions a stream may use (stored in its configuration; append only). */
#define EDDY__HASH_XXH3 0
#define EDDY__HASH_MD5  1

/* Digits of a sequence number: 2^96 - 1 has 29. */
#define EDDY__SEQ_DIGITS 29
/* Most digits of a 128-bit hash key in decimal (2^128 - 1 has 39). */
#define EDDY__HASH_DIGITS 39

/* Hash `key` with `method` into 16 big-endian bytes. */
void eddy__shard_hash(int method, const void *key, size_t key_len, uint8_t out[16]);

/* Render 16 big-endian bytes as decimal without leading zeros into dst (>= 40 bytes). */
void eddy__u128_to_dec(const uint8_t v[16], char *dst);

/*
 * Parse a decimal hash key: "0" or 1..39 digits not starting with '0', at most 2^128 - 1.
 * Errors: EDDY_EINVAL (with the reason).
 */
int eddy__u128_from_dec(const char *s, uint8_t out[16], eddy__ferr *err);

/* v + 1 and v - 1 (wrapping); and memcmp-style comparison. */
void eddy__u128_inc(uint8_t v[16]);
void eddy__u128_dec(uint8_t v[16]);
int eddy__u128_cmp(const uint8_t a[16], const uint8_t b[16]);
/* (a + b) / 2, rounded down, without overflow. */
void eddy__u128_mid(const uint8_t a[16], const uint8_t b[16], uint8_t out[16]);

/* Start of range i (0 <= i < count) when the hash-key space is cut into count equal ranges:
 * floor(i * 2^128 / count). count >= 1. */
void eddy__u128_range_start(uint32_t i, uint32_t count, uint8_t out[16]);

/* Render (n, shard) as exactly EDDY__SEQ_DIGITS digits plus a NUL into dst. */
void eddy__seq_to_dec(uint64_t n, uint32_t shard_id, char *dst);

/*
 * Parse a sequence number: exactly EDDY__SEQ_DIGITS digits whose value is below 2^96.
 * Errors: EDDY_EINVAL.
 */
int eddy__seq_from_dec(const char *s, uint64_t *n, uint32_t *shard_id, eddy__ferr *err);

#endif /* EDDY_FORMAT_SHARD_HASH_H */
