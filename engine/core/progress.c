/*
 * progress.c: progress reports of long calls (eddy.h: eddy_progress).
 *
 * Two sources. A copy is LMDB's (mdb_env_copy2, no hook), so a watcher thread polls the size of
 * the file being written. Verify reads through the cursor wrappers in txn.c, which count reads
 * in a thread-local sink while one is set; the count reaches the callback at most every 100 ms.
 */
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "progress.h"

#define TICK_MS 100

/* ---- reads (verify) ---- */

_Thread_local int eddy__progress_on;

static _Thread_local struct {
    eddy_progress p;
    const char *step;
    uint64_t done, total, last_ms;
} sink;

void eddy__progress_reads_begin(const eddy_env *env, const char *step, uint64_t total)
{
    sink.p = env->opt.progress;
    sink.step = step;
    sink.done = 0;
    sink.total = total;
    sink.last_ms = eddy__mono_ms();
    eddy__progress_on = sink.p.fn != NULL;
    if (sink.p.fn != NULL)
        sink.p.fn(sink.p.ctx, step, 0, total);
}

void eddy__progress_tick_slow(void)
{
    uint64_t now;
    if ((++sink.done & 1023u) != 0 || (now = eddy__mono_ms()) < sink.last_ms + TICK_MS)
        return;
    sink.last_ms = now;
    sink.p.fn(sink.p.ctx, sink.step, sink.done, sink.total);
}

void eddy__progress_reads_end(void)
{
    if (sink.p.fn != NULL)
        sink.p.fn(sink.p.ctx, sink.step, sink.done, sink.done); /* the true count at last */
    sink.p.fn = NULL;
    eddy__progress_on = 0;
}

/* ---- a file being written (copy) ---- */

struct eddy__watch {
    eddy_progress p;
    const char *file;
    uint64_t total;
    pthread_t tid;
    pthread_mutex_t m;
    pthread_cond_t cv;
    int stop;
};

static uint64_t size_of(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void *watch_main(void *arg)
{
    eddy__watch *w = arg;
    struct timespec ts;

    pthread_mutex_lock(&w->m);
    while (!w->stop) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->m, &ts);
        if (!w->stop)
            w->p.fn(w->p.ctx, "copy", size_of(w->file), w->total);
    }
    pthread_mutex_unlock(&w->m);
    return NULL;
}

eddy__watch *eddy__watch_start(eddy_env *env, const char *file, uint64_t total)
{
    eddy__watch *w;

    if (env->opt.progress.fn == NULL || (w = eddy__calloc(env, 1, sizeof *w)) == NULL)
        return NULL; /* no reports is the only consequence of running out of memory here */
    w->p = env->opt.progress;
    w->file = file;
    w->total = total;
    pthread_mutex_init(&w->m, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->p.fn(w->p.ctx, "copy", 0, total);
    if (pthread_create(&w->tid, NULL, watch_main, w) != 0) {
        pthread_mutex_destroy(&w->m);
        pthread_cond_destroy(&w->cv);
        eddy__free(env, w);
        return NULL;
    }
    return w;
}

void eddy__watch_stop(eddy_env *env, eddy__watch *w)
{
    uint64_t n;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->m);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->m);
    pthread_join(w->tid, NULL);
    n = size_of(w->file);
    w->p.fn(w->p.ctx, "copy", n, n);
    pthread_mutex_destroy(&w->m);
    pthread_cond_destroy(&w->cv);
    eddy__free(env, w);
}
