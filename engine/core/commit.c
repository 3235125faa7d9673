/*
 * commit.c: group commit. Every write operation of the process is queued to one writer thread,
 * which applies everything pending in one LMDB write transaction, each operation inside its own
 * nested transaction (so one that fails is undone alone), then commits once and acknowledges the
 * whole group. Durable mode acknowledges after the commit's sync; relaxed mode acknowledges after
 * applying and commits within a bounded window. Every commit uses LMDB's default, fully synced
 * flags: a crash can lose the relaxed window, never corrupt.
 *
 * Invariant: only the writer thread opens write transactions, and it holds env->map_lock shared
 * while one is open, so it can grow the map only between transactions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "error.h"
#include "txn.h"

typedef struct eddy__op {
    eddy__apply_fn apply;
    eddy__after_fn after;
    void *arg;
    int rc;
    int done;
    int adds; /* adds data: refused while the disk cannot hold the reserve (filelen.c) */
    struct eddy__op *next;
    char msg[EDDY__MSG_MAX];
} eddy__op;

struct eddy__committer {
    pthread_mutex_t m;
    pthread_cond_t work; /* the writer waits here for operations */
    pthread_cond_t done; /* callers wait here for their acknowledgement */
    eddy__op *head, *tail;
    int stopping;
    int started;
    pthread_t thread;
    uint64_t sync_req, sync_done;
    int sync_rc;
    int sticky_rc; /* relaxed mode: a failed commit dropped acknowledged writes */
    char sticky_msg[EDDY__MSG_MAX];
    struct eddy__op **batch; /* group_ops_max slots, the writer's current group */
    size_t queued;           /* operations waiting (the list's length) */
    size_t last_group;       /* size of the previous group (gathering target) */
};

int eddy__map_grow(eddy_env *env, uint64_t need)
{
    uint64_t cur, next;
    int rc;

    /* Read under the lock: a reader thread may have adopted a larger size meanwhile. */
    pthread_rwlock_wrlock(&env->map_lock);
    cur = atomic_load(&env->map_size);
    next = cur * 2;
    if (next < need)
        next = need;
    next = (next + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
    if (env->opt.map_size_max != 0 && next > env->opt.map_size_max)
        next = env->opt.map_size_max;
    if (next <= cur) {
        pthread_rwlock_unlock(&env->map_lock);
        return eddy__err(EDDY_EFULL, "database reached map_size_max of %llu bytes",
                         (unsigned long long)env->opt.map_size_max);
    }
    rc = eddy__fault(env, "map_grow");
    if (rc == 0)
        rc = mdb_env_set_mapsize(env->mdb, next);
    if (rc == 0)
        atomic_store(&env->map_size, next);
    pthread_rwlock_unlock(&env->map_lock);
    if (rc != 0)
        return eddy__err_mdb(rc, "growing the map");
    atomic_fetch_add(&env->map_grows, 1);
    return 0;
}

/* Grow ahead of need, so that MDB_MAP_FULL in the middle of a group stays rare. */
static int grow_if_tight(eddy_env *env)
{
    MDB_envinfo info;
    MDB_stat st;
    uint64_t size = atomic_load(&env->map_size);

    if (mdb_env_info(env->mdb, &info) != 0 || mdb_env_stat(env->mdb, &st) != 0)
        return 0;
    /* A reader thread may be adopting another process's growth right now (txn.c records it
     * under the lock): judge by the larger size, record nothing here. */
    if (info.me_mapsize > size)
        size = info.me_mapsize;
    if ((uint64_t)(info.me_last_pgno + 1) * st.ms_psize < size / 4 * 3)
        return 0;
    if (env->opt.map_size_max != 0 && size >= env->opt.map_size_max)
        return 0; /* at the cap: let the write fail with EDDY_EFULL when it must */
    return eddy__map_grow(env, size * 2);
}

/* Clear reader slots of dead processes now and then, so a process that died inside a read
 * transaction cannot pin old pages (and grow the file) for longer than this. */
#define READER_CHECK_MS 30000

static void reader_check_now_and_then(eddy_env *env)
{
    static _Thread_local uint64_t last;
    uint64_t now = eddy__mono_ms();
    int dead = 0;

    if (now - last < READER_CHECK_MS)
        return;
    last = now;
    (void)mdb_reader_check(env->mdb, &dead);
}

static int group_begin(eddy_env *env, MDB_txn **txn)
{
    reader_check_now_and_then(env);
    return eddy__txn_begin_shared(env, 0, "txn_begin", grow_if_tight, txn);
}

/*
 * LMDB reports a short write (mdb_page_flush: a writev that wrote part of a run of pages) as
 * EIO, and that is how a disk running out in the middle of a multi-page commit looks. When the
 * file system holding data.mdb has next to no room left, call it what it is: EDDY_EFULL.
 */
#define FULL_BELOW (16u << 20) /* bytes free under which an EIO at commit means full */

static int commit_eio(eddy_env *env)
{
    struct statvfs fs;
    int fd;

    if (mdb_env_get_fd(env->mdb, &fd) == 0 && fstatvfs(fd, &fs) == 0 &&
        (uint64_t)fs.f_bavail * fs.f_frsize < FULL_BELOW)
        return eddy__err(EDDY_EFULL,
                         "committing a write transaction: the disk is full (%llu bytes left; "
                         "LMDB reported the short write as EIO)",
                         (unsigned long long)fs.f_bavail * fs.f_frsize);
    return eddy__err_mdb(EIO, "committing a write transaction");
}

/*
 * After a failed commit: did LMDB stop writing for good? When writing the meta page fails,
 * LMDB writes the old meta back and marks the environment fatal (mdb_env_write_meta), which it
 * reports only at the next transaction's start. Probe it, so that the caller of this commit
 * learns it at once.
 */
static int lmdb_fatal(eddy_env *env)
{
    MDB_txn *t = NULL;
    int rc;

    pthread_rwlock_rdlock(&env->map_lock);
    rc = mdb_txn_begin(env->mdb, NULL, MDB_RDONLY, &t);
    if (rc == 0)
        mdb_txn_abort(t);
    pthread_rwlock_unlock(&env->map_lock);
    return rc == MDB_PANIC;
}

/* Commit (consumes txn). Returns 0 or the mapped error; sets *map_full on MDB_MAP_FULL. */
static int group_commit(eddy_env *env, MDB_txn *txn, int *map_full)
{
    int rc = eddy__fault(env, "commit");
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
    } else {
        mdb_txn_abort(txn); /* an injected failure: nothing of the group reaches disk */
    }
    pthread_rwlock_unlock(&env->map_lock);
    if (rc == 0) {
        atomic_fetch_add(&env->commits, 1);
        (void)eddy__pad_tail(env, 0); /* best effort: the next open pads what this misses */
        return 0;
    }
    if (rc == MDB_MAP_FULL)
        *map_full = 1;
    if (rc == MDB_PANIC)
        eddy__env_poison(env, "LMDB reported a fatal error during commit");
    if (rc != MDB_PANIC && rc != MDB_MAP_FULL && lmdb_fatal(env)) {
        eddy__env_poison(env, "LMDB cannot write after a failed commit");
        return eddy__err(EDDY_EPANIC,
                         "committing a write transaction failed (%s) and LMDB stopped writing "
                         "(its meta page could not be written): the commit is not applied; "
                         "close and reopen the environment",
                         mdb_strerror(rc));
    }
    if (rc == EIO)
        return commit_eio(env);
    return eddy__err_mdb(rc, "committing a write transaction");
}

/*
 * Apply one operation in a nested transaction of `parent`. Returns 1 when the map was full (the
 * operation is undone and must be retried after growth), else 0 with op->rc set.
 */
static int apply_one(eddy_env *env, MDB_txn *parent, uint64_t now_ms, eddy__op *op)
{
    eddy__wtx w = {env, NULL, now_ms, 0};
    int rc = eddy__fault(env, "nested_begin");

    if (op->adds && env->low_space) {
        op->rc = eddy__err(EDDY_EFULL,
                           "the disk is full: writes that add data are refused while the last "
                           "%llu KiB reserved past data.mdb's data keep receives, deletes and "
                           "trims working; free disk space",
                           (unsigned long long)eddy__reserve_bytes(env, env->file_len_ok) >> 10);
        goto fail;
    }
    if (rc == 0)
        rc = mdb_txn_begin(env->mdb, parent, 0, &w.txn);

    if (rc != 0) {
        op->rc = eddy__err_mdb(rc, "beginning a nested transaction");
        goto fail;
    }
    eddy__err_clear();
    op->rc = op->apply(&w, op->arg);
    if (w.map_full) {
        mdb_txn_abort(w.txn);
        return 1;
    }
    if (op->rc != 0) {
        mdb_txn_abort(w.txn);
        goto fail;
    }
    rc = mdb_txn_commit(w.txn);
    if (rc == MDB_MAP_FULL)
        return 1;
    if (rc != 0) {
        op->rc = eddy__err_mdb(rc, "merging an operation into its group");
        goto fail;
    }
    /* A batch whose entries failed alone succeeds: its caller still gets the first entry's
     * message (eddy__err_entry). */
    snprintf(op->msg, sizeof op->msg, "%s", eddy__err_entry_msg());
    return 0;
fail:
    snprintf(op->msg, sizeof op->msg, "%s", eddy_last_error());
    return 0;
}

/* Acknowledge ops[0..n): with `rc` for those that succeeded so far (0 = committed). */
static void ack(eddy_env *env, struct eddy__committer *c, eddy__op **ops, size_t n, int rc)
{
    const char *why = eddy_last_error();

    for (size_t i = 0; i < n; i++) {
        eddy__op *op = ops[i];
        if (op->rc == 0 && rc != 0) {
            op->rc = rc;
            snprintf(op->msg, sizeof op->msg, "%s", why);
        }
        if (op->rc == 0 && op->after != NULL)
            op->after(env, op->arg);
    }
    pthread_mutex_lock(&c->m);
    for (size_t i = 0; i < n; i++)
        ops[i]->done = 1;
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->m);
}

/* The writer's open group. In durable mode txn never outlives one batch. */
typedef struct group {
    MDB_txn *txn;
    uint64_t now_ms;
    size_t n_unc;      /* relaxed: acknowledged, not yet committed */
    uint64_t deadline; /* relaxed: monotonic ms by which they must be committed */
} group;

static void relaxed_commit(eddy_env *env, struct eddy__committer *c, group *g)
{
    int full = 0;
    int rc = group_commit(env, g->txn, &full);
    size_t n = g->n_unc;

    g->txn = NULL;
    g->n_unc = 0;
    if (rc == 0) {
        atomic_fetch_add(&env->ops_committed, n);
        return;
    }
    pthread_mutex_lock(&c->m);
    c->sticky_rc = rc;
    snprintf(c->sticky_msg, sizeof c->sticky_msg,
             "relaxed commit of %zu acknowledged operations failed: %s", n, eddy_last_error());
    pthread_mutex_unlock(&c->m);
}

static void relaxed_acked(eddy_env *env, group *g, size_t n)
{
    /* Real time: the window is a durability bound, not semantic time (no injected clock). */
    if (g->n_unc == 0)
        g->deadline = eddy__mono_ms() + env->opt.relaxed_window_ms;
    g->n_unc += n;
}

/* The map was full at ops[i]: commit what is applied, grow, and say where to resume. */
static size_t on_map_full(eddy_env *env, struct eddy__committer *c, group *g, eddy__op **ops,
                          size_t first, size_t i)
{
    int relaxed = env->opt.durability == EDDY_ENV_DURABILITY_RELAXED;
    int full = 0, rc;

    if (relaxed) {
        relaxed_commit(env, c, g);
    } else {
        rc = group_commit(env, g->txn, &full);
        g->txn = NULL;
        if (full) {
            i = first; /* nothing committed: grow and apply them all again */
        } else {
            if (rc == 0)
                atomic_fetch_add(&env->ops_committed, i - first);
            ack(env, c, ops + first, i - first, rc);
        }
    }
    if ((rc = eddy__map_grow(env, 0)) != 0) {
        /* At the configured cap: the operation that did not fit fails alone. */
        ops[i]->rc = rc;
        snprintf(ops[i]->msg, sizeof ops[i]->msg, "%s", eddy_last_error());
        ack(env, c, ops + i, 1, 0);
        i++;
    }
    return i;
}

/*
 * Callers woken by the previous group's acknowledgement need a moment to queue their next
 * operation: committing the instant one is queued would commit groups of one or two while the
 * rest arrive microseconds later, paying a sync each. So while fewer operations are in the group
 * than were in the previous one, the writer takes what has arrived, applies it, and waits (up to
 * GATHER_US from the group's start) for more, so that applying overlaps the arrivals. A lone
 * writer (previous group of one) never waits. Returns how many operations were added to ops[n..].
 */
#define GATHER_US 200

static size_t top_up(struct eddy__committer *c, eddy__op **ops, size_t n, size_t cap,
                     const struct timespec *deadline)
{
    size_t k = n;

    pthread_mutex_lock(&c->m);
    while (c->head == NULL && n < c->last_group && !c->stopping)
        if (pthread_cond_timedwait(&c->work, &c->m, deadline) != 0)
            break;
    while (c->head != NULL && k < cap) {
        ops[k++] = c->head;
        c->head = c->head->next;
    }
    c->queued -= k - n;
    if (c->head == NULL)
        c->tail = NULL;
    pthread_mutex_unlock(&c->m);
    return k - n;
}

/* Times one group may find the map full, grow it and apply again, before its remaining
 * operations fail with EDDY_EFULL. */
#define MAP_FULL_ROUNDS 64

static size_t run_batch(eddy_env *env, struct eddy__committer *c, group *g, eddy__op **ops,
                        size_t n)
{
    int relaxed = env->opt.durability == EDDY_ENV_DURABILITY_RELAXED;
    size_t i = 0, first = 0, cap = env->opt.group_ops_max;
    struct timespec deadline;
    uint64_t ns;
    int rc, full;

    if (env->low_space)
        (void)eddy__pad_tail(env, 0); /* the disk may have room for the reserve again */
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    ns = (uint64_t)deadline.tv_nsec + GATHER_US * 1000u;
    deadline.tv_sec += (time_t)(ns / 1000000000u);
    deadline.tv_nsec = (long)(ns % 1000000000u);

    for (int rounds = 0; i < n && rounds < MAP_FULL_ROUNDS; rounds++) {
        if (g->txn == NULL) {
            if ((rc = group_begin(env, &g->txn)) != 0) {
                g->txn = NULL;
                ack(env, c, ops + i, n - i, rc);
                return n;
            }
            g->now_ms = eddy__now_ms(env);
        }
        first = i;
        full = 0;
        for (;;) {
            for (; i < n && !full; i++)
                full = apply_one(env, g->txn, g->now_ms, ops[i]);
            if (full || relaxed || n >= cap) /* relaxed mode batches by its window instead */
                break;
            size_t more = top_up(c, ops, n, cap, &deadline);
            if (more == 0)
                break;
            n += more;
        }
        if (full) {
            i--;
            if (relaxed) {
                ack(env, c, ops + first, i - first, 0);
                relaxed_acked(env, g, i - first);
            }
            i = on_map_full(env, c, g, ops, first, i);
            continue;
        }
        if (relaxed) {
            ack(env, c, ops + first, n - first, 0);
            relaxed_acked(env, g, n - first);
            if (g->n_unc >= env->opt.relaxed_window_ops)
                relaxed_commit(env, c, g);
            return n;
        }
        rc = group_commit(env, g->txn, &full);
        g->txn = NULL;
        if (full && eddy__map_grow(env, 0) == 0) {
            i = first; /* nothing was committed: apply the group again in a larger map */
            continue;
        }
        if (rc == 0)
            atomic_fetch_add(&env->ops_committed, n - first);
        ack(env, c, ops + first, n - first, rc);
        return n;
    }
    if (i < n)
        ack(env, c, ops + i, n - i,
            eddy__err(EDDY_EFULL, "the map could not be grown enough for this group"));
    return n;
}

static void wait_until(struct eddy__committer *c, uint64_t deadline_mono)
{
    struct timespec ts;
    if (deadline_mono <= eddy__mono_ms())
        return;
    /* c->work waits on CLOCK_MONOTONIC (committer_start), eddy__mono_ms's clock. */
    ts.tv_sec = (time_t)(deadline_mono / 1000u);
    ts.tv_nsec = (long)(deadline_mono % 1000u) * 1000000L;
    pthread_cond_timedwait(&c->work, &c->m, &ts);
}

/* Called with c->m held and the queue empty. Returns 0 to continue, 1 to exit the loop. */
static int idle_step(eddy_env *env, struct eddy__committer *c, group *g)
{
    int want_sync = c->sync_req > c->sync_done;

    if (g->txn != NULL && (want_sync || c->stopping || eddy__mono_ms() >= g->deadline)) {
        pthread_mutex_unlock(&c->m);
        relaxed_commit(env, c, g);
        pthread_mutex_lock(&c->m);
        return 0;
    }
    if (want_sync) {
        c->sync_rc = c->sticky_rc;
        c->sticky_rc = 0;
        c->sync_done = c->sync_req;
        pthread_cond_broadcast(&c->done);
        return 0;
    }
    if (g->txn != NULL) {
        wait_until(c, g->deadline);
        return 0;
    }
    if (c->stopping)
        return 1;
    pthread_cond_wait(&c->work, &c->m);
    return 0;
}

static void *writer_main(void *arg)
{
    eddy_env *env = arg;
    struct eddy__committer *c = env->committer;
    size_t cap = env->opt.group_ops_max;
    group g = {0};

    pthread_mutex_lock(&c->m);
    for (;;) {
        size_t n = 0;
        if (c->head == NULL) {
            if (idle_step(env, c, &g))
                break;
            continue;
        }
        while (c->head != NULL && n < cap) {
            c->batch[n++] = c->head;
            c->head = c->head->next;
        }
        c->queued -= n;
        if (c->head == NULL)
            c->tail = NULL;
        pthread_mutex_unlock(&c->m);
        n = run_batch(env, c, &g, c->batch, n);
        pthread_mutex_lock(&c->m);
        c->last_group = n;
    }
    pthread_mutex_unlock(&c->m);
    return NULL;
}

int eddy__committer_start(eddy_env *env)
{
    struct eddy__committer *c = eddy__calloc(env, 1, sizeof *c);
    pthread_condattr_t ca;
    int rc;

    if (c == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for the writer");
    c->batch = eddy__calloc(env, env->opt.group_ops_max, sizeof *c->batch);
    if (c->batch == NULL) {
        eddy__free(env, c);
        return eddy__err(EDDY_ENOMEM, "out of memory for the writer's batch");
    }
    pthread_mutex_init(&c->m, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->work, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&c->done, NULL);
    env->committer = c;
    rc = pthread_create(&c->thread, NULL, writer_main, env);
    if (rc != 0) {
        env->committer = NULL;
        pthread_cond_destroy(&c->work);
        pthread_cond_destroy(&c->done);
        pthread_mutex_destroy(&c->m);
        eddy__free(env, c->batch);
        eddy__free(env, c);
        return eddy__err_errno(rc, "starting the writer thread");
    }
    c->started = 1;
    return 0;
}

int eddy__committer_stop(eddy_env *env)
{
    struct eddy__committer *c = env->committer;
    int rc;

    if (c == NULL)
        return 0;
    pthread_mutex_lock(&c->m);
    c->stopping = 1;
    pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->m);
    pthread_join(c->thread, NULL);
    rc = c->sticky_rc;
    if (rc != 0)
        eddy__err(rc, "%s", c->sticky_msg);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->m);
    eddy__free(env, c->batch);
    eddy__free(env, c);
    env->committer = NULL;
    return rc;
}

static int submit(eddy_env *env, eddy__apply_fn apply, eddy__after_fn after, void *arg, int adds)
{
    struct eddy__committer *c = env->committer;
    eddy__op op;

    memset(&op, 0, sizeof op);
    op.apply = apply;
    op.after = after;
    op.arg = arg;
    op.adds = adds;
    pthread_mutex_lock(&c->m);
    if (c->stopping) {
        pthread_mutex_unlock(&c->m);
        return eddy__err(EDDY_ECLOSED, "environment is closing");
    }
    if (c->tail != NULL)
        c->tail->next = &op;
    else
        c->head = &op;
    c->tail = &op;
    c->queued++;
    /* Wake the writer when it idles (first op) or its gathering target is reached: waking it
     * for every arrival costs a context switch each while it gathers. */
    if (c->queued == 1 || c->queued >= c->last_group)
        pthread_cond_signal(&c->work);
    while (!op.done)
        pthread_cond_wait(&c->done, &c->m);
    pthread_mutex_unlock(&c->m);
    if (op.rc != 0)
        return eddy__err(op.rc, "%s", op.msg);
    if (op.msg[0] != '\0')
        eddy__err_entry_set(op.msg);
    return 0;
}

int eddy__write(eddy_env *env, eddy__apply_fn apply, eddy__after_fn after, void *arg)
{
    return submit(env, apply, after, arg, 0);
}

int eddy__write_adding(eddy_env *env, eddy__apply_fn apply, eddy__after_fn after, void *arg)
{
    return submit(env, apply, after, arg, 1);
}

int eddy__write_sync(eddy_env *env)
{
    struct eddy__committer *c = env->committer;
    uint64_t req;
    int rc;

    pthread_mutex_lock(&c->m);
    req = ++c->sync_req;
    pthread_cond_signal(&c->work);
    while (c->sync_done < req)
        pthread_cond_wait(&c->done, &c->m);
    rc = c->sync_rc;
    if (rc != 0)
        eddy__err(rc, "%s", c->sticky_msg);
    pthread_mutex_unlock(&c->m);
    return rc;
}

size_t eddy__write_queued(eddy_env *env)
{
    struct eddy__committer *c = env->committer;
    size_t n = 0;

    pthread_mutex_lock(&c->m);
    n = c->queued;
    pthread_mutex_unlock(&c->m);
    return n;
}
