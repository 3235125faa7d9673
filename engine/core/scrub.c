/*
 * scrub.c: the background page check (eddy_env_options.scrub_interval_ms). A thread checks every
 * LMDB page of the file as eddy_env_verify's first step does (pagecheck.c, in a read transaction
 * that pins one snapshot): once right after the open, then every interval by the environment's
 * clock. A damaged page fences the handle (eddy__env_fence): every later call fails with
 * EDDY_ECORRUPT instead of letting LMDB read the page. So damage that appears while a database is
 * open (a disk returning other bytes, another program writing into the file), or that the open's
 * quick check did not read, is found by the check rather than by a crash inside LMDB, as long as
 * the check reaches it first.
 *
 * The thread waits in steps of at most 100 ms real time and compares the environment's clock,
 * so an injected clock (tests) that jumps is noticed at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "error.h"
#include "pagecheck.h"
#include "txn.h"

#define STEP_MS 100

struct eddy__scrub {
    pthread_t thread;
    pthread_mutex_t m;
    pthread_cond_t cv;
};

static int first_problem(void *ctx, const char *tree, const char *what)
{
    char *first = ctx;
    if (first[0] == '\0')
        snprintf(first, 320, "%s: %s", tree, what);
    return 0;
}

static void scrub_once(eddy_env *env)
{
    char first[320] = "", why[480];
    uint64_t problems = 0;

    if (eddy__pagecheck_pinned(env, first_problem, first, &problems, NULL) != 0)
        return; /* poisoned, closing or busy: no verdict this time */
    if (problems > 0) {
        snprintf(why, sizeof why,
                 "data.mdb has damaged LMDB pages (first: %.320s); found by the background page "
                 "check, this handle now refuses every call but verify and close",
                 first);
        eddy__env_fence(env, why);
    }
    atomic_fetch_add(&env->scrubs, 1);
}

static void *scrub_main(void *arg)
{
    eddy_env *env = arg;
    struct eddy__scrub *s = env->scrub;
    uint64_t next = eddy__now_ms(env); /* the first check right after the open */

    pthread_mutex_lock(&s->m);
    while (!atomic_load(&env->scrub_stop)) {
        if (eddy__now_ms(env) >= next && !atomic_load(&env->damaged)) {
            pthread_mutex_unlock(&s->m);
            scrub_once(env);
            next = eddy__now_ms(env) + env->opt.scrub_interval_ms;
            pthread_mutex_lock(&s->m);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += STEP_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->m, &ts);
    }
    pthread_mutex_unlock(&s->m);
    return NULL;
}

int eddy__scrub_start(eddy_env *env)
{
    struct eddy__scrub *s;

    if (env->opt.scrub_interval_ms == 0)
        return 0;
    if ((s = eddy__calloc(env, 1, sizeof *s)) == NULL)
        return eddy__err(EDDY_ENOMEM, "starting the background page check");
    pthread_mutex_init(&s->m, NULL);
    pthread_cond_init(&s->cv, NULL);
    env->scrub = s;
    if (pthread_create(&s->thread, NULL, scrub_main, env) != 0) {
        env->scrub = NULL;
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->m);
        eddy__free(env, s);
        return eddy__err(EDDY_ENOMEM, "starting the background page check's thread");
    }
    return 0;
}

void eddy__scrub_stop(eddy_env *env)
{
    struct eddy__scrub *s = env->scrub;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->m);
    atomic_store(&env->scrub_stop, 1);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->m);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->m);
    eddy__free(env, s);
    env->scrub = NULL;
}
