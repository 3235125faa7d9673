/*
 * seq_math.h: sequence-number arithmetic for the restore tests (test_stream_restore.c,
 * test_restore_fault.c). A sequence number is the decimal form of n * 2^32 + shard, zero-padded
 * to EDDY_STREAM_SEQ_LEN digits; adding k << 32 gives the number k records later on the same
 * shard.
 */
#ifndef EDDY_TEST_SEQ_MATH_H
#define EDDY_TEST_SEQ_MATH_H

#include <stdint.h>

#include "eddy.h"

/* out = the sequence number k records after `in` on the same shard. */
static inline void seq_add(const char *in, uint64_t k, char out[EDDY_STREAM_SEQ_LEN + 1])
{
    unsigned __int128 v = 0;
    for (const char *c = in; *c != '\0'; c++)
        v = v * 10 + (unsigned)(*c - '0');
    v += (unsigned __int128)k << 32;
    out[EDDY_STREAM_SEQ_LEN] = '\0';
    for (int i = EDDY_STREAM_SEQ_LEN - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + (int)(v % 10));
}

#endif /* EDDY_TEST_SEQ_MATH_H */
