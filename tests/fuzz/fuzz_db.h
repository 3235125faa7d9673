/*
 * fuzz_db.h: the temporary database of the fuzz targets that need one (api, filter, import):
 * made once per process under $TMPDIR with a clock and a seeded rng that the target moves, no
 * fsyncs (a fuzzer, not a durability test), and removed at exit unless EDDY_KEEP_TMP is set.
 * Header-only, with one database per program (each target is its own program).
 */
#ifndef EDDY_FUZZ_DB_H
#define EDDY_FUZZ_DB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EDDY_TEST_HOOKS /* eddy_test_env_open: no fsync, for speed */
#include "eddy.h"

/* A failed invariant: say which, where and Eddy's last message, then abort (a finding). */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s: %s failed at line %d: %s\n", __FILE__, #cond, __LINE__,           \
                    eddy_last_error());                                                            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static struct {
    eddy_env *env;
    char dir[256];
    uint64_t now, rng;
    void (*before_close)(void); /* the target's last checks, run at exit while env is open */
} fdb;

static uint64_t fuzz_db_clock(void *ctx)
{
    (void)ctx;
    return fdb.now;
}

static uint64_t fuzz_db_rng(void *ctx)
{
    uint64_t z = (fdb.rng += 0x9e3779b97f4a7c15ull);
    (void)ctx;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fuzz_db_close(void)
{
    char cmd[300];
    if (fdb.env != NULL) {
        if (fdb.before_close != NULL)
            fdb.before_close();
        eddy_env_close(fdb.env);
    }
    fdb.env = NULL;
    if (getenv("EDDY_KEEP_TMP") == NULL && fdb.dir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fdb.dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fdb.dir);
    }
}

/* Create the directory (its name holds `name`) and open the database, the clock at `now`. */
static void fuzz_db_open(const char *name, uint64_t now)
{
    const char *tmp = getenv("TMPDIR");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;

    snprintf(fdb.dir, sizeof fdb.dir, "%s/eddy-fuzz-%s-XXXXXX", tmp != NULL ? tmp : "/tmp", name);
    REQUIRE(mkdtemp(fdb.dir) != NULL);
    atexit(fuzz_db_close);
    fdb.now = now;
    fdb.rng = 1;
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.clock.now_ms = fuzz_db_clock;
    o.rng.next_u64 = fuzz_db_rng;
    hooks.flags = EDDY_TEST_UNSAFE_NOSYNC;
    REQUIRE(eddy_test_env_open(fdb.dir, &o, &hooks, &fdb.env) == 0);
}

#endif /* EDDY_FUZZ_DB_H */
