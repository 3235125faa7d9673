/*
 * workload.c: the seeded workload a crash test's child runs. It opens the database with a fake
 * clock and a seeded rng, lets each module create what it needs, and runs client threads that
 * mix the modules' random steps, reporting every acknowledged operation on the ack descriptor.
 * It never decides whether a crash lost data: that is the checker's job (check.c).
 */
#include "crash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every module the workload mixes and the checker checks. */
const crash_module *const crash_modules[] = {&crash_queue_module, &crash_stream_module,
                                             &crash_fifo_module, NULL};

/* ---- fake clock and rng shared by the env of this process ---- */

static uint64_t clock_base;
static _Atomic uint64_t clock_ticks;

/* 1 ms per reading, saturating before the next run's base: time moves only by use. */
static uint64_t fake_now(void *ctx)
{
    uint64_t t = atomic_fetch_add(&clock_ticks, 1);
    (void)ctx;
    return clock_base + (t < CRASH_RUN_SPAN_MS - 1 ? t : CRASH_RUN_SPAN_MS - 1);
}

static _Atomic uint64_t rng_state;

static uint64_t env_rng(void *ctx)
{
    uint64_t z = atomic_fetch_add(&rng_state, 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
    (void)ctx;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t crash_next_token(crash_worker *w)
{
    return crash_token(w->worker, ++w->counter);
}

/* ---- threads ---- */

typedef struct thread_arg {
    const crash_workload_cfg *cfg;
    eddy_env *env;
    uint32_t thread; /* 0..15 before a compaction, 16..31 after (fresh token spaces) */
    uint64_t ops;    /* 0 = until killed */
    int failed;
} thread_arg;

static const crash_module *pick(uint64_t *rng)
{
    unsigned total = 0, r;
    for (int i = 0; crash_modules[i] != NULL; i++)
        total += crash_modules[i]->weight;
    r = (unsigned)(crash_rand(rng) % total);
    for (int i = 0; crash_modules[i] != NULL; i++) {
        if (r < crash_modules[i]->weight)
            return crash_modules[i];
        r -= crash_modules[i]->weight;
    }
    return crash_modules[0];
}

static void *thread_main(void *p)
{
    thread_arg *a = p;
    crash_worker w;

    memset(&w, 0, sizeof w);
    w.env = a->env;
    w.ack_fd = a->cfg->ack_fd;
    w.worker = (a->cfg->run << 8) | a->thread;
    w.rng = a->cfg->seed ^ ((uint64_t)w.worker * 0xd1342543de82ef95ull);
    crash_ack_write(w.ack_fd, CRASH_ACK_HELLO, w.worker, 0, 1, clock_base);
    for (uint64_t i = 0; a->ops == 0 || i < a->ops; i++) {
        const crash_module *m = pick(&w.rng);
        int line = m->step(&w);
        if (line != 0) {
            fprintf(stderr, "crash workload: %s step broke a promise at line %d\n", m->name, line);
            crash_ack_write(w.ack_fd, CRASH_ACK_FAIL, w.worker, 0, 1, (uint64_t)line);
            a->failed = 1;
            break;
        }
    }
    for (int i = 0; i < 4; i++)
        free(w.module_state[i]);
    crash_ack_write(w.ack_fd, CRASH_ACK_DONE, w.worker, 0, 1, 0);
    return NULL;
}

/* Open the env and let every module set up. 0, or 2 (printed). */
static int open_env(const crash_workload_cfg *cfg, const eddy_env_options *o,
                    const eddy_test_hooks *hooks, eddy_env **env)
{
    int rc;

    if ((rc = eddy_test_env_open(cfg->dir, o, hooks, env)) != 0) {
        fprintf(stderr, "crash workload: open %s: %s (%s)\n", cfg->dir, eddy_errname(rc),
                eddy_last_error());
        return 2;
    }
    for (int i = 0; crash_modules[i] != NULL; i++) {
        if ((rc = crash_modules[i]->setup(*env)) != 0) {
            fprintf(stderr, "crash workload: %s setup: %s (%s)\n", crash_modules[i]->name,
                    eddy_errname(rc), eddy_last_error());
            eddy_env_close(*env);
            *env = NULL;
            return 2;
        }
    }
    return 0;
}

/* Run n threads of `ops` operations each; 0, or 3 if one saw a broken promise. */
static int run_threads(const crash_workload_cfg *cfg, eddy_env *env, uint32_t n,
                       uint32_t first_thread, uint64_t ops)
{
    pthread_t tid[16];
    thread_arg args[16];
    int status = 0;

    for (uint32_t t = 0; t < n; t++) {
        args[t] = (thread_arg){cfg, env, first_thread + t, ops, 0};
        if (pthread_create(&tid[t], NULL, thread_main, &args[t]) != 0)
            abort();
    }
    for (uint32_t t = 0; t < n; t++) {
        pthread_join(tid[t], NULL);
        if (args[t].failed)
            status = 3;
    }
    return status;
}

int crash_workload_run(const crash_workload_cfg *cfg)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    eddy_env *env = NULL;
    uint32_t n = cfg->threads < 16 ? cfg->threads : 16; /* 0: open, set up, close */
    uint64_t before = cfg->compact_at && cfg->ops > cfg->compact_at ? cfg->compact_at : cfg->ops;
    int rc, status;

    clock_base = CRASH_T0 + (uint64_t)cfg->run * CRASH_RUN_SPAN_MS;
    atomic_store(&clock_ticks, 0);
    atomic_store(&rng_state, cfg->seed ^ ((uint64_t)cfg->run << 40) ^ 0x5eed);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.clock.now_ms = fake_now;
    o.rng.next_u64 = env_rng;
    hooks.flags = cfg->test_flags;
    if ((status = open_env(cfg, &o, &hooks, &env)) != 0)
        return status;
    status = run_threads(cfg, env, n, 0, before);
    if (status == 0 && before != cfg->ops) {
        /* Compact in place (it needs the database closed), reopen, and go on. */
        if ((rc = eddy_env_close(env)) != 0 ||
            (rc = eddy_test_env_compact(cfg->dir, &o, &hooks, NULL, NULL)) != 0) {
            fprintf(stderr, "crash workload: close+compact: %s (%s)\n", eddy_errname(rc),
                    eddy_last_error());
            return 3;
        }
        if ((status = open_env(cfg, &o, &hooks, &env)) != 0)
            return status;
        status = run_threads(cfg, env, n, 16, cfg->ops - before);
    }
    if ((rc = eddy_env_close(env)) != 0) {
        fprintf(stderr, "crash workload: close: %s\n", eddy_errname(rc));
        status = status ? status : 2;
    }
    return status;
}
