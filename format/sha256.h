/*
 * sha256.h: SHA-256 (FIPS 180-4) from Nettle, for SQS FIFO content-based deduplication: a send
 * without a deduplication id to such a queue uses the digest of its body, as SQS does.
 * Pure bytes: no LMDB, no I/O, no globals.
 */
#ifndef EDDY_FORMAT_SHA256_H
#define EDDY_FORMAT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define EDDY__SHA256_LEN 32

/* The 32-byte SHA-256 digest of src[0..len) into out. */
void eddy__sha256(const void *src, size_t len, uint8_t out[EDDY__SHA256_LEN]);
/* The same digest as 64 lower-case hex characters plus a NUL. */
void eddy__sha256_hex(const void *src, size_t len, char out[2 * EDDY__SHA256_LEN + 1]);

#endif /* EDDY_FORMAT_SHA256_H */
