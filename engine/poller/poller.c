/*
 * poller.c: event-source mappings: options and their defaults, the poller's lifecycle (create,
 * start, pause, resume, stop, destroy), the threads Eddy runs for it, MANUAL stepping, and its
 * status. The sources live in poller_queue.c and poller_stream.c; this file never touches LMDB
 * and never holds its mutex while a callback or an Eddy call runs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "error.h"
#include "poller_int.h"
#include "queue_int.h"
#include "stream_int.h"

/* What the callback gets: the public batch with its items behind it (eddy_poller_batch_item). */
typedef struct pbatch {
    eddy_poller_batch pub; /* first: the callback's pointer is this struct's */
    const eddy_poller_item *items;
} pbatch;

EDDY_API const eddy_poller_item *eddy_poller_batch_item(const eddy_poller_batch *batch, size_t i)
{
    const pbatch *pb = (const pbatch *)batch;
    return batch != NULL && i < batch->n ? &pb->items[i] : NULL;
}

int eddy__poller_invoke(eddy_poller *p, const eddy_poller_batch *in, eddy_poller_item *items,
                        eddy_poller_result *r)
{
    size_t *failed_idx = r->failed_idx;
    const eddy_poller_batch *b;
    pbatch pb;
    int rc;

    pb.pub = *in;
    pb.pub.size = sizeof pb.pub;
    pb.items = items;
    b = &pb.pub;
    for (size_t i = 0; i < b->n; i++)
        items[i].size = sizeof items[i];
    memset(r, 0, sizeof *r);
    r->size = sizeof *r;
    r->failed_idx = failed_idx;
    atomic_fetch_add(&p->batches, 1);
    atomic_fetch_add(&p->records, b->n);
    if (b->attempt > 0)
        atomic_fetch_add(&p->retries, 1);
    rc = p->fn(p->ctx, b, r);
    eddy__err_clear();
    if (rc != 0)
        return eddy__err(EDDY_EUSER, "poller callback on '%s' returned %d: stopping", p->name, rc);
    /* Checked before the loop: failed_idx holds b->n slots, so a larger count must not be
     * read through (the whole batch failed, as Lambda treats a malformed response). */
    if (r->n_failed > b->n)
        r->failed = true;
    for (size_t i = 0; i < r->n_failed && !r->failed; i++)
        if (r->failed_idx[i] >= b->n)
            r->failed = true; /* an item not in the batch: the whole batch failed (as Lambda) */
    if (r->failed || r->n_failed > 0) {
        atomic_fetch_add(&p->failures, 1);
        atomic_fetch_add(&p->failed_records, r->failed ? b->n : r->n_failed);
    }
    return 0;
}

/* ---- options ---- */

static int opt_check(eddy_env *env, const eddy_poller_options *o, eddy_poller_options *r,
                     const eddy__psrc_ops **src)
{
    bool q = o->source == EDDY_POLLER_SOURCE_QUEUE;
    const eddy__psrc_ops *ops = q ? &eddy__pq_ops : &eddy__ps_ops;
    size_t len;
    int rc;

    *r = *o;
    if (o->source != EDDY_POLLER_SOURCE_QUEUE && o->source != EDDY_POLLER_SOURCE_STREAM)
        return eddy__err(EDDY_EINVAL, "poller source %d is neither QUEUE nor STREAM", o->source);
    if (o->name == NULL)
        return eddy__err(EDDY_EINVAL, "poller needs the name of its %s", ops->what);
    rc = q ? eddy__q_name_check(o->name, &len) : eddy__s_name_check("stream", o->name, &len);
    if (rc != 0)
        return rc;
    if (o->flags &
        ~(uint32_t)(EDDY_POLLER_MANUAL | EDDY_POLLER_BISECT | EDDY_POLLER_FAILURE_PAYLOAD))
        return eddy__err(EDDY_EINVAL, "unknown poller flags 0x%x", o->flags);
    if (r->batch_size == 0)
        r->batch_size = ops->batch_default;
    if (r->batch_size > EDDY_POLLER_BATCH_MAX)
        return eddy__err(EDDY_EINVAL, "batch_size %u exceeds %u", r->batch_size,
                         EDDY_POLLER_BATCH_MAX);
    if (r->batching_window_ms > EDDY__P_WINDOW_MAX)
        return eddy__err(EDDY_EINVAL, "batching_window_ms %u exceeds %u", r->batching_window_ms,
                         EDDY__P_WINDOW_MAX);
    if (r->payload_max == 0)
        r->payload_max = EDDY__P_PAYLOAD_DEFAULT;
    if (r->payload_max > EDDY__P_PAYLOAD_MAX)
        return eddy__err(EDDY_EINVAL, "payload_max %u exceeds %u", r->payload_max,
                         EDDY__P_PAYLOAD_MAX);
    if (r->max_concurrency == 0)
        r->max_concurrency = ops->conc_default;
    if (r->max_concurrency > EDDY_POLLER_CONCURRENCY_MAX)
        return eddy__err(EDDY_EINVAL, "max_concurrency %u exceeds %u", r->max_concurrency,
                         EDDY_POLLER_CONCURRENCY_MAX);
    if (r->visibility_timeout_ms > EDDY__Q_VIS_MAX)
        return eddy__err(EDDY_EINVAL, "visibility_timeout_ms %u exceeds 12 h",
                         r->visibility_timeout_ms);
    if (r->filter_count > EDDY_POLLER_FILTERS_MAX || (r->filter_count > 0 && r->filters == NULL))
        return eddy__err(EDDY_EINVAL, "filters: %zu patterns (at most %d, and not NULL)",
                         r->filter_count, EDDY_POLLER_FILTERS_MAX);
    *src = ops;
    return ops->check(env, r);
}

static void poller_free(eddy_poller *p)
{
    eddy_env *env = p->env;

    if (p->src != NULL)
        p->src->fini(p);
    eddy__free(env, p->shards);
    eddy__filter_free(env, p->filter);
    eddy__free(env, p->name);
    eddy__free(env, p->consumer);
    eddy__free(env, p->on_failure);
    eddy__free(env, p->threads);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    eddy__free(env, p);
}

EDDY_API int eddy_poller_create(eddy_env *env, const eddy_poller_options *options,
                                eddy_poller_fn fn, void *ctx, eddy_poller **out)
{
    eddy_poller_options o;
    eddy_poller *p;
    int rc;

    if (out != NULL)
        *out = NULL;
    if ((rc = eddy__env_enter_write(env)) != 0)
        return rc;
    if (options == NULL || fn == NULL || out == NULL)
        return eddy__err(EDDY_EINVAL, "poller needs options, a callback and out");
    if ((rc = eddy__struct_in(&o, sizeof o, options, EDDY__SIZE_V1(eddy_poller_options),
                              "eddy_poller_options")) != 0)
        return rc;
    options = &o;
    if ((p = eddy__calloc(env, 1, sizeof *p)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a poller");
    p->env = env;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->fn = fn;
    p->ctx = ctx;
    if ((rc = opt_check(env, options, &p->opt, &p->src)) != 0)
        goto fail;
    p->max_retry = options->max_retry_attempts == 0 ? -1 : options->max_retry_attempts;
    p->max_age_ms = options->max_record_age_ms == 0 ? -1 : options->max_record_age_ms;
    p->name = eddy__strndup(env, options->name, strlen(options->name));
    if (options->consumer != NULL)
        p->consumer = eddy__strndup(env, options->consumer, strlen(options->consumer));
    if (options->on_failure_queue != NULL)
        p->on_failure =
            eddy__strndup(env, options->on_failure_queue, strlen(options->on_failure_queue));
    if (p->name == NULL || (options->consumer != NULL && p->consumer == NULL) ||
        (options->on_failure_queue != NULL && p->on_failure == NULL)) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for a poller");
        goto fail;
    }
    p->opt.name = p->name;
    p->opt.consumer = p->consumer;
    p->opt.on_failure_queue = p->on_failure;
    p->opt.filters = NULL;
    if (options->filter_count > 0 &&
        (rc = eddy__filter_compile(env, options->filters, options->filter_count, &p->filter)) != 0)
        goto fail;
    if ((rc = p->src->resolve(p)) != 0 || (rc = p->src->init(p)) != 0)
        goto fail;
    p->state = EDDY_POLLER_STATE_STOPPED;
    atomic_fetch_add(&env->children, 1);
    *out = p;
    return 0;
fail:
    poller_free(p);
    return rc;
}

/* ---- threads ---- */

typedef struct thread_arg {
    eddy_poller *p;
    size_t idx;
} thread_arg;

/* Park while paused (after committing what this thread finished). 1 = go on, 0 = exit. */
static int thread_gate(eddy_poller *p, size_t idx)
{
    int flushed = 0;

    pthread_mutex_lock(&p->mu);
    while (p->ctl == EDDY__PCTL_PAUSE) {
        if (!flushed) {
            pthread_mutex_unlock(&p->mu);
            (void)p->src->flush(p, idx);
            flushed = 1;
            pthread_mutex_lock(&p->mu);
            continue;
        }
        p->n_parked++;
        pthread_cond_broadcast(&p->cv);
        while (p->ctl == EDDY__PCTL_PAUSE)
            pthread_cond_wait(&p->cv, &p->mu);
        p->n_parked--;
    }
    int go = p->ctl == EDDY__PCTL_RUN;
    pthread_mutex_unlock(&p->mu);
    return go;
}

static void idle_wait(eddy_poller *p)
{
    uint64_t until = eddy__mono_ms() + EDDY__P_IDLE_MS;
    struct timespec ts;

    ts.tv_sec = (time_t)(until / 1000u);
    ts.tv_nsec = (long)(until % 1000u) * 1000000L;
    pthread_mutex_lock(&p->mu);
    if (p->ctl == EDDY__PCTL_RUN)
        (void)pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    pthread_mutex_unlock(&p->mu);
}

/* Record why the poller stopped by itself and tell every thread to end. */
static void fail_stop(eddy_poller *p, int rc)
{
    pthread_mutex_lock(&p->mu);
    if (p->last_error == 0)
        p->last_error = rc;
    p->ctl = EDDY__PCTL_STOP;
    p->state = EDDY_POLLER_STATE_FAILED;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *thread_main(void *arg)
{
    thread_arg *ta = arg;
    eddy_poller *p = ta->p;
    size_t idx = ta->idx;
    int rc = 0;

    eddy__free(p->env, ta);
    while (thread_gate(p, idx)) {
        size_t n = 0;
        bool did = false;
        if ((rc = p->src->step(p, idx, &n, &did)) != 0) {
            fail_stop(p, rc);
            break;
        }
        if (!did)
            idle_wait(p);
    }
    (void)p->src->flush(p, idx);
    pthread_mutex_lock(&p->mu);
    p->n_alive--;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void threads_join(eddy_poller *p)
{
    for (size_t i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    p->n_threads = 0;
}

EDDY_API int eddy_poller_start(eddy_poller *p)
{
    size_t n;
    int rc = 0;

    eddy__err_clear();
    if (p == NULL)
        return eddy__err(EDDY_EINVAL, "poller is NULL");
    if (p->state == EDDY_POLLER_STATE_RUNNING || p->state == EDDY_POLLER_STATE_PAUSED)
        return eddy__err(EDDY_EINVAL, "poller on '%s' is already started", p->name);
    threads_join(p); /* a poller that stopped by itself left its threads to join */
    pthread_mutex_lock(&p->mu);
    p->ctl = EDDY__PCTL_RUN;
    p->last_error = 0;
    p->state = EDDY_POLLER_STATE_RUNNING;
    pthread_mutex_unlock(&p->mu);
    if (p->opt.flags & EDDY_POLLER_MANUAL)
        return 0;
    n = p->opt.max_concurrency;
    if (p->threads == NULL && (p->threads = eddy__calloc(p->env, n, sizeof *p->threads)) == NULL)
        rc = eddy__err(EDDY_ENOMEM, "out of memory for poller threads");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        thread_arg *ta = eddy__malloc(p->env, sizeof *ta);
        if (ta == NULL) {
            rc = eddy__err(EDDY_ENOMEM, "out of memory for poller threads");
            break;
        }
        ta->p = p;
        ta->idx = i;
        pthread_mutex_lock(&p->mu);
        p->n_alive++;
        pthread_mutex_unlock(&p->mu);
        if (pthread_create(&p->threads[i], NULL, thread_main, ta) != 0) {
            pthread_mutex_lock(&p->mu);
            p->n_alive--;
            pthread_mutex_unlock(&p->mu);
            eddy__free(p->env, ta);
            rc = eddy__err(EDDY_EIO, "could not create a poller thread");
            break;
        }
        p->n_threads = i + 1;
    }
    if (rc != 0) {
        (void)eddy_poller_stop(p);
        pthread_mutex_lock(&p->mu);
        p->state = EDDY_POLLER_STATE_STOPPED;
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

EDDY_API int eddy_poller_pause(eddy_poller *p)
{
    eddy__err_clear();
    if (p == NULL)
        return eddy__err(EDDY_EINVAL, "poller is NULL");
    pthread_mutex_lock(&p->mu);
    if (p->state != EDDY_POLLER_STATE_RUNNING) {
        pthread_mutex_unlock(&p->mu);
        return eddy__err(EDDY_EINVAL, "poller on '%s' is not running", p->name);
    }
    p->ctl = EDDY__PCTL_PAUSE;
    pthread_cond_broadcast(&p->cv);
    while (p->n_parked < p->n_alive)
        pthread_cond_wait(&p->cv, &p->mu);
    if (p->ctl == EDDY__PCTL_PAUSE)
        p->state = EDDY_POLLER_STATE_PAUSED;
    int paused = p->state == EDDY_POLLER_STATE_PAUSED, err = p->last_error;
    pthread_mutex_unlock(&p->mu);
    if (p->opt.flags & EDDY_POLLER_MANUAL)
        (void)p->src->flush(p, 0);
    return paused ? 0 : eddy__err(err, "poller on '%s' stopped while pausing", p->name);
}

EDDY_API int eddy_poller_resume(eddy_poller *p)
{
    eddy__err_clear();
    if (p == NULL)
        return eddy__err(EDDY_EINVAL, "poller is NULL");
    pthread_mutex_lock(&p->mu);
    if (p->state != EDDY_POLLER_STATE_PAUSED) {
        pthread_mutex_unlock(&p->mu);
        return eddy__err(EDDY_EINVAL, "poller on '%s' is not paused", p->name);
    }
    p->ctl = EDDY__PCTL_RUN;
    p->state = EDDY_POLLER_STATE_RUNNING;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

EDDY_API int eddy_poller_stop(eddy_poller *p)
{
    int rc = 0;

    eddy__err_clear();
    if (p == NULL)
        return eddy__err(EDDY_EINVAL, "poller is NULL");
    pthread_mutex_lock(&p->mu);
    p->ctl = EDDY__PCTL_STOP;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    threads_join(p); /* each thread commits its finished work as it exits */
    rc = p->src->stop(p);
    pthread_mutex_lock(&p->mu);
    if (p->state != EDDY_POLLER_STATE_FAILED)
        p->state = EDDY_POLLER_STATE_STOPPED;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

EDDY_API int eddy_poller_run_once(eddy_poller *p, size_t *batches_out)
{
    size_t n = 0;
    bool did = false;
    int rc;

    if (batches_out != NULL)
        *batches_out = 0;
    eddy__err_clear();
    if (p == NULL)
        return eddy__err(EDDY_EINVAL, "poller is NULL");
    if (!(p->opt.flags & EDDY_POLLER_MANUAL) || p->state != EDDY_POLLER_STATE_RUNNING)
        return eddy__err(EDDY_EINVAL, "poller on '%s' is not a running MANUAL poller", p->name);
    rc = p->src->step(p, 0, &n, &did);
    if (batches_out != NULL)
        *batches_out = n;
    if (rc != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", eddy_last_error());
        fail_stop(p, rc);
        (void)p->src->stop(p);
        return eddy__err(rc, "%s", msg);
    }
    return 0;
}

static int poller_status_get_impl(eddy_poller *p, eddy_poller_status *out)
{
    eddy__err_clear();
    if (p == NULL || out == NULL)
        return eddy__err(EDDY_EINVAL, "poller and out are required");
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&p->mu);
    out->state = p->state;
    out->last_error = p->last_error;
    pthread_mutex_unlock(&p->mu);
    out->batches = atomic_load(&p->batches);
    out->records = atomic_load(&p->records);
    out->failures = atomic_load(&p->failures);
    out->failed_records = atomic_load(&p->failed_records);
    out->retries = atomic_load(&p->retries);
    out->filtered = atomic_load(&p->filtered);
    out->discarded = atomic_load(&p->discarded);
    out->on_failure_sent = atomic_load(&p->on_failure_sent);
    out->commits = atomic_load(&p->commits);
    out->oldest_age_ms = p->src->oldest_age(p);
    eddy__err_clear();
    return 0;
}

EDDY_API void eddy_poller_destroy(eddy_poller *p)
{
    if (p == NULL)
        return;
    (void)eddy_poller_stop(p);
    atomic_fetch_sub(&p->env->children, 1);
    poller_free(p);
}

EDDY_API int eddy_poller_status_get(eddy_poller *p, eddy_poller_status *out)
{
    eddy_poller_status local;
    int rc;

    if (p == NULL || out == NULL)
        return poller_status_get_impl(p, out);
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_poller_status),
                                     "eddy_poller_status")) != 0)
        return rc;
    memset(&local, 0, sizeof local);
    rc = poller_status_get_impl(p, &local);
    local.size = sizeof local;
    if (rc == 0)
        eddy__struct_out(out, &local, sizeof local);
    return rc;
}
