/*
 * support.h: helpers shared by the tests: temporary directories, a fake clock, seeded
 * randomness (prints seed=<n>, honours EDDY_SEED), and an env opener wired to both.
 * Uses only include/eddy.h, so API tests can link it too.
 */
#ifndef EDDY_TEST_SUPPORT_H
#define EDDY_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* The tests use the experimental test controls (eddy_test_env_open). */
#define EDDY_TEST_HOOKS
#include "eddy.h"

/* A fresh directory under $TMPDIR (or /tmp), removed at exit unless EDDY_KEEP_TMP is set. */
const char *t_tmpdir(void);
/* A path inside a fresh temp dir: "<tmp>/<name>"; static storage per call slot (8 slots). */
const char *t_path(const char *name);
/* rm -rf */
void t_rm_rf(const char *path);

/* Fake clock: time moves only when a test moves it. */
typedef struct t_clock {
    uint64_t now_ms;
} t_clock;
uint64_t t_clock_now(void *ctx);
eddy_clock t_clock_of(t_clock *c);

/* Seeded splitmix64: the seed comes from EDDY_SEED or the time, and is printed once. */
uint64_t t_seed(void);
uint64_t t_rand(uint64_t *state);
eddy_rng t_rng_of(uint64_t *state);

/* Open an env at dir with the fake clock (if not NULL) and a seeded rng; asserts success. */
eddy_env *t_env_open(const char *dir, t_clock *clock);
/* Same, with options the test filled in (clock/rng set when the test left them zero). */
eddy_env *t_env_open_opts(const char *dir, t_clock *clock, eddy_env_options *opt);
/* t_env_open_opts with test controls (NULL: none). */
eddy_env *t_env_open_hooks(const char *dir, t_clock *clock, eddy_env_options *opt,
                           const eddy_test_hooks *hooks);

/* assert rc == 0, printing eddy_last_error() when not. */
#define T_OK(expr)                                                                                 \
    do {                                                                                           \
        int t_rc_ = (expr);                                                                        \
        if (t_rc_ != 0)                                                                            \
            print_error("%s failed: %s (%s)\n", #expr, eddy_errname(t_rc_), eddy_last_error());    \
        assert_int_equal(t_rc_, 0);                                                                \
    } while (0)

/* assert rc == code */
#define T_RC(code, expr)                                                                           \
    do {                                                                                           \
        int t_rc_ = (expr);                                                                        \
        if (t_rc_ != (code))                                                                       \
            print_error("%s: expected %s, got %s (%s)\n", #expr, eddy_errname(code),               \
                        eddy_errname(t_rc_), eddy_last_error());                                   \
        assert_int_equal(t_rc_, (code));                                                           \
    } while (0)

/* Run eddy_env_verify and assert it finds nothing (printing each problem). */
void t_verify_clean(eddy_env *env);

/* ---- faults.c: a fault injector for eddy_test_hooks.fault. */

/*
 * Fails the fail_at-th fault point reached while armed (counting in hit), of every point or of
 * `only`: ENOMEM at "alloc", ENOSPC at "commit", else EIO. Records the point's name, and in
 * expect the code the library should return for it (EDDY_ENOMEM, EDDY_EFULL, EDDY_EIO, and
 * EDDY_EPANIC for "meta_write"). Zero it before use; arm and disarm with __atomic stores, as
 * the library's threads read it.
 */
typedef struct t_faults {
    int armed;
    int hit, fail_at, expect;
    const char *only; /* restrict to one point name, or NULL for all */
    char point[32];
} t_faults;
int t_fault_fn(void *ctx, const char *point);

/* ---- fixture.c: the fixture most API tests share. */

/* The fake clock's start in the API tests (November 2023). */
#define T_T0 1700000000000ull

/* An env in a fresh temp dir ("<tmp>/db"), on a fake clock at T_T0 and a seeded rng. */
typedef struct t_fx {
    t_clock clk;
    eddy_env *env;
    const char *dir;
} t_fx;

/* Open a t_fx (asserts success); close it: verify that the env is clean, close, free. */
t_fx *t_fx_open(void);
void t_fx_close(t_fx *f);

/* The same as cmocka setup and teardown functions: *state is the t_fx. */
int t_fx_setup(void **state);
int t_fx_teardown(void **state);

/* A test of a cmocka group run on its own fresh t_fx. */
#define T_FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, t_fx_setup, t_fx_teardown)

/* A stream put entry of two NUL-ended strings (the entry points into them). */
eddy_stream_put_entry t_stream_entry(const char *partition_key, const char *data);

#endif /* EDDY_TEST_SUPPORT_H */
