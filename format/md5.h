/*
 * md5.h: MD5 (RFC 1321), only so that a stream can place records on shards exactly as Kinesis
 * does (MD5 of the partition key read as a 128-bit big-endian integer). Not for security.
 * Pure bytes: no LMDB, no I/O, no globals.
 */
#ifndef EDDY_FORMAT_MD5_H
#define EDDY_FORMAT_MD5_H

#include <stddef.h>
#include <stdint.h>

/* The 16-byte MD5 digest of src[0..len) into out. */
void eddy__md5(const void *src, size_t len, uint8_t out[16]);

#endif /* EDDY_FORMAT_MD5_H */
