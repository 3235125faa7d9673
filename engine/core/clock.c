/*
 * clock.c: the default clock and randomness, used only when the caller injects none, and the
 * monotonic clock for waits (eddy__mono_ms). No other engine file reads the system clock or a
 * random source for semantic decisions.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "env_int.h"

uint64_t eddy__system_now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* splitmix64 over an atomic counter seeded once from the system: fast, thread-safe, and good
 * enough for ids and nonces (receipt handles are checked against stored state, not secrets). */
static _Atomic uint64_t rng_state;
static atomic_int rng_seeded;

static uint64_t seed_from_system(void)
{
    uint64_t s = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &s, sizeof s) != (ssize_t)sizeof s)
            s = 0;
        close(fd);
    }
    return s ^ eddy__system_now_ms(NULL) ^ ((uint64_t)getpid() << 32);
}

uint64_t eddy__system_rand64(void *ctx)
{
    uint64_t z;
    (void)ctx;
    if (!atomic_load(&rng_seeded)) {
        uint64_t expected = 0;
        atomic_compare_exchange_strong(&rng_state, &expected, seed_from_system());
        atomic_store(&rng_seeded, 1);
    }
    z = atomic_fetch_add(&rng_state, 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t eddy__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
