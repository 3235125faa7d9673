/*
 * handle.c: what every engine call does with its eddy_env, below every subsystem: allocation
 * through the caller's allocator, the entry checks (poisoned, fenced, read-only), logging, the
 * zstd context pools and the names of the LMDB tables. It never opens, closes or writes LMDB
 * (env/env.c does, on top of every subsystem).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "env_int.h"

const char *const eddy__table_names[EDDY__T_COUNT] = {
    "meta",    "catalog", "objects", "chunks", "q_msg", "q_vis",   "q_aux",
    "s_shard", "s_rec",   "s_time",  "ckpt",   "lease", "s_route",
};

/* ---- allocation ---- */

void *eddy__malloc(eddy_env *env, size_t n)
{
    if (eddy__fault(env, "alloc"))
        return NULL;
    return env->opt.alloc.malloc_fn(env->opt.alloc.ctx, n ? n : 1);
}

void *eddy__calloc(eddy_env *env, size_t n, size_t size)
{
    void *p;
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    p = eddy__malloc(env, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *eddy__realloc(eddy_env *env, void *p, size_t n)
{
    if (eddy__fault(env, "alloc"))
        return NULL;
    return env->opt.alloc.realloc_fn(env->opt.alloc.ctx, p, n ? n : 1);
}

void eddy__free(eddy_env *env, void *p)
{
    if (p != NULL)
        env->opt.alloc.free_fn(env->opt.alloc.ctx, p);
}

char *eddy__strndup(eddy_env *env, const char *s, size_t n)
{
    char *d = eddy__malloc(env, n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- entry checks and poisoning ---- */

int eddy__env_enter_verify(eddy_env *env)
{
    eddy__err_clear();
    if (env == NULL)
        return eddy__err(EDDY_EINVAL, "environment is NULL");
    if (atomic_load(&env->panic))
        return eddy__err(EDDY_EPANIC, "environment is poisoned by an earlier fatal error; "
                                      "close and reopen it");
    return 0;
}

int eddy__env_enter(eddy_env *env)
{
    int rc = eddy__env_enter_verify(env);
    if (rc == 0 && atomic_load_explicit(&env->damaged, memory_order_acquire))
        return eddy__err(EDDY_ECORRUPT, "%s", env->damaged_msg);
    return rc;
}

void eddy__env_fence(eddy_env *env, const char *why)
{
    int no = 0;
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

    pthread_mutex_lock(&m);
    if (!atomic_load(&env->damaged)) {
        snprintf(env->damaged_msg, sizeof env->damaged_msg, "%s", why);
        atomic_store_explicit(&env->damaged, 1, memory_order_release);
        no = 1;
    }
    pthread_mutex_unlock(&m);
    if (no)
        eddy__log(env, EDDY_LOG_ERROR, "environment '%s' fenced: %s", env->path, why);
}

int eddy__env_enter_write(eddy_env *env)
{
    int rc = eddy__env_enter(env);
    if (rc == 0 && env->readonly)
        rc = eddy__err(EDDY_EINVAL, "environment '%s' was opened read-only", env->path);
    return rc;
}

void eddy__env_poison(eddy_env *env, const char *why)
{
    atomic_store(&env->panic, 1);
    eddy__log(env, EDDY_LOG_ERROR, "environment '%s' poisoned: %s", env->path, why);
}

void eddy__log(eddy_env *env, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (env->opt.log.fn == NULL || level > env->opt.log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    env->opt.log.fn(env->opt.log.ctx, level, msg);
}

/* ---- zstd context pools ---- */

ZSTD_CCtx *eddy__cctx_get(eddy_env *env)
{
    ZSTD_CCtx *c = NULL;
    pthread_mutex_lock(&env->zlock);
    if (env->n_cctx > 0)
        c = env->cctx[--env->n_cctx];
    pthread_mutex_unlock(&env->zlock);
    return c != NULL ? c : ZSTD_createCCtx();
}

void eddy__cctx_put(eddy_env *env, ZSTD_CCtx *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&env->zlock);
    if (env->n_cctx < EDDY__ZPOOL) {
        env->cctx[env->n_cctx++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&env->zlock);
    ZSTD_freeCCtx(c);
}

ZSTD_DCtx *eddy__dctx_get(eddy_env *env)
{
    ZSTD_DCtx *d = NULL;
    pthread_mutex_lock(&env->zlock);
    if (env->n_dctx > 0)
        d = env->dctx[--env->n_dctx];
    pthread_mutex_unlock(&env->zlock);
    return d != NULL ? d : ZSTD_createDCtx();
}

void eddy__dctx_put(eddy_env *env, ZSTD_DCtx *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&env->zlock);
    if (env->n_dctx < EDDY__ZPOOL) {
        env->dctx[env->n_dctx++] = d;
        d = NULL;
    }
    pthread_mutex_unlock(&env->zlock);
    ZSTD_freeDCtx(d);
}
