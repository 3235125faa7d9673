/* support.c: see support.h. */
#include "support.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char roots[64][256];
static int n_roots;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

void t_rm_rf(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
    if (getenv("EDDY_KEEP_TMP") != NULL)
        return;
    for (int i = 0; i < n_roots; i++)
        t_rm_rf(roots[i]);
}

const char *t_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *r;

    if (n_roots == 64) {
        fprintf(stderr, "t_tmpdir: too many temp dirs\n");
        abort();
    }
    if (n_roots == 0)
        atexit(cleanup);
    r = roots[n_roots];
    snprintf(r, sizeof roots[0], "%s/eddy-test-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(r) == NULL) {
        perror("mkdtemp");
        abort();
    }
    n_roots++;
    return r;
}

const char *t_path(const char *name)
{
    static char slots[8][512];
    static int next;
    char *s = slots[next++ % 8];
    snprintf(s, sizeof slots[0], "%s/%s", t_tmpdir(), name);
    return s;
}

uint64_t t_clock_now(void *ctx)
{
    return __atomic_load_n(&((t_clock *)ctx)->now_ms, __ATOMIC_SEQ_CST);
}

eddy_clock t_clock_of(t_clock *c)
{
    eddy_clock k = {t_clock_now, c};
    return k;
}

uint64_t t_seed(void)
{
    static uint64_t seed;
    static int done;
    if (!done) {
        const char *s = getenv("EDDY_SEED");
        seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        printf("seed=%llu\n", (unsigned long long)seed);
        fflush(stdout);
        done = 1;
    }
    return seed;
}

uint64_t t_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_next(void *ctx)
{
    return t_rand((uint64_t *)ctx);
}

eddy_rng t_rng_of(uint64_t *state)
{
    eddy_rng r = {rng_next, state};
    return r;
}

eddy_env *t_env_open_opts(const char *dir, t_clock *clock, eddy_env_options *opt)
{
    return t_env_open_hooks(dir, clock, opt, NULL);
}

eddy_env *t_env_open_hooks(const char *dir, t_clock *clock, eddy_env_options *opt,
                           const eddy_test_hooks *hooks)
{
    static uint64_t rng_states[64];
    static int n_states;
    eddy_env *env = NULL;

    if (clock != NULL && opt->clock.now_ms == NULL)
        opt->clock = t_clock_of(clock);
    if (opt->rng.next_u64 == NULL) {
        uint64_t *st = &rng_states[n_states++ % 64];
        *st = t_seed();
        opt->rng = t_rng_of(st);
    }
    T_OK(eddy_test_env_open(dir, opt, hooks, &env));
    assert_non_null(env);
    return env;
}

eddy_env *t_env_open(const char *dir, t_clock *clock)
{
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    return t_env_open_opts(dir, clock, &opt);
}

static int print_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    (void)ctx;
    print_error("verify: table %s key of %zu bytes: %s\n", table, key.len, what);
    return 0;
}

void t_verify_clean(eddy_env *env)
{
    uint64_t problems = 99;
    T_OK(eddy_env_verify(env, print_problem, NULL, &problems));
    assert_int_equal(problems, 0);
}
