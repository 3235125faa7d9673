/*
 * bench_util.h: what every benchmark shares: a monotonic clock, fail-fast wrappers for Eddy and
 * LMDB calls (a benchmark that hits an error has no figure to print), and a seeded generator.
 * Define BENCH_NAME before including it.
 */
#ifndef EDDY_BENCH_UTIL_H
#define EDDY_BENCH_UTIL_H

#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "eddy.h"

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void die(const char *what, int rc)
{
    fprintf(stderr, BENCH_NAME ": %s: %s (%s)\n", what, eddy_errname(rc), eddy_last_error());
    exit(1);
}

static inline void mdie(const char *what, int rc)
{
    fprintf(stderr, BENCH_NAME ": lmdb %s: %s\n", what, mdb_strerror(rc));
    exit(1);
}

#define E(x)                                                                                       \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != 0)                                                                              \
            die(#x, rc_);                                                                          \
    } while (0)
#define M(x)                                                                                       \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != 0)                                                                              \
            mdie(#x, rc_);                                                                         \
    } while (0)

/* splitmix64: the benchmarks' deterministic payloads come from it. */
static inline uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif /* EDDY_BENCH_UTIL_H */
