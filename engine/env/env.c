/*
 * env.c: opening and closing an environment, on top of every subsystem (it starts and stops
 * them): options and their defaults, the process-wide registry of open databases (LMDB forbids
 * opening one twice in a process), the directory and eddy.lock, stats. LMDB itself is opened
 * through core/lmdb_env.c (the door), whose one bootstrap transaction creates the meta record.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "bytes.h"
#include "catalog.h"
#include "error.h"
#include "keys.h"
#include "pagecheck.h"
#include "payload.h"
#include "queue_int.h"
#include "stream_int.h"
#include "txn.h"

EDDY_API const char *eddy_version(void)
{
#define EDDY__STR2(x) #x
#define EDDY__STR(x)  EDDY__STR2(x)
    return EDDY__STR(EDDY_VERSION_MAJOR) "." EDDY__STR(EDDY_VERSION_MINOR) "." EDDY__STR(
        EDDY_VERSION_PATCH);
}

/* ---- the default allocator (core/handle.c allocates through eddy_env_options.alloc) ---- */

static void *std_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}
static void *std_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return realloc(p, n);
}
static void std_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

/* ---- the registry of databases open in this process ---- */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static eddy_env *registry[256];

static int registry_add(eddy_env *env)
{
    int rc = eddy__err(EDDY_ELIMIT, "this process has 256 databases open");
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < 256; i++) {
        if (registry[i] != NULL && registry[i]->dev == env->dev && registry[i]->ino == env->ino) {
            rc = eddy__err(EDDY_EBUSY,
                           "database '%s' is already open in this process (as '%s'); share "
                           "that handle",
                           env->path, registry[i]->path);
            break;
        }
    }
    for (int i = 0; i < 256 && rc == EDDY_ELIMIT; i++) {
        if (registry[i] == NULL) {
            registry[i] = env;
            rc = 0;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

static void registry_remove(eddy_env *env)
{
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < 256; i++)
        if (registry[i] == env)
            registry[i] = NULL;
    pthread_mutex_unlock(&registry_lock);
}

/* ---- options ---- */

static int resolve_options(const eddy_env_options *in, eddy_env_options *o)
{
    const eddy_allocator *a;
    int rc;

    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    if (in != NULL && (rc = eddy__struct_in(o, sizeof *o, in, EDDY__SIZE_V1(eddy_env_options),
                                            "eddy_env_options")) != 0)
        return rc;
    a = &o->alloc;
    if ((a->malloc_fn == NULL) != (a->free_fn == NULL) ||
        (a->malloc_fn == NULL) != (a->realloc_fn == NULL))
        return eddy__err(EDDY_EINVAL, "allocator: set malloc_fn, realloc_fn and free_fn, or none");
    if (o->durability != EDDY_ENV_DURABILITY_DURABLE &&
        o->durability != EDDY_ENV_DURABILITY_RELAXED)
        return eddy__err(EDDY_EINVAL, "durability %d is not an EDDY_ENV_DURABILITY_* value",
                         o->durability);
    if ((o->flags & ~(uint32_t)(EDDY_ENV_READONLY | EDDY_ENV_NOCREATE | EDDY_ENV_CHECK |
                                EDDY_ENV_RECOVER)) != 0)
        return eddy__err(EDDY_EINVAL, "unknown env flags 0x%x", o->flags);
    if (o->log_level < EDDY_LOG_NONE || o->log_level > EDDY_LOG_DEBUG)
        return eddy__err(EDDY_EINVAL, "log_level %d is not an EDDY_LOG_* value", o->log_level);
    if (o->log.fn != NULL && o->log_level == EDDY_LOG_NONE)
        o->log_level = EDDY_LOG_WARN;
    if (o->group_ops_max > 65536)
        return eddy__err(EDDY_EINVAL, "group_ops_max %u > 65536", o->group_ops_max);
    if (o->compression_level < 0 || o->compression_level > 19)
        return eddy__err(EDDY_EINVAL, "compression_level %d is outside 1..19",
                         o->compression_level);
    if (o->max_readers > 100000)
        return eddy__err(EDDY_EINVAL, "max_readers %u > 100000", o->max_readers);
    if (o->map_size_max != 0 && o->map_size_initial > o->map_size_max)
        return eddy__err(EDDY_EINVAL, "map_size_initial exceeds map_size_max");
    if (o->relaxed_window_ms == 0)
        o->relaxed_window_ms = 10;
    if (o->relaxed_window_ops == 0)
        o->relaxed_window_ops = 1000;
    if (o->group_ops_max == 0)
        o->group_ops_max = 4096;
    if (o->map_size_initial == 0)
        o->map_size_initial = (uint64_t)256 << 20;
    if (o->map_size_max != 0 && o->map_size_initial > o->map_size_max)
        o->map_size_initial = o->map_size_max;
    if (o->scrub_interval_ms > (1ull << 40))
        return eddy__err(EDDY_EINVAL, "scrub_interval_ms %llu is over 2^40",
                         (unsigned long long)o->scrub_interval_ms);
    if (o->disk_reserve != EDDY_ENV_DISK_RESERVE_NONE && o->disk_reserve > (1ull << 40))
        return eddy__err(EDDY_EINVAL, "disk_reserve %llu is over 1 TiB",
                         (unsigned long long)o->disk_reserve);
    if (o->max_readers == 0)
        o->max_readers = 126;
    if (o->compression_level == 0)
        o->compression_level = 1;
    if (o->compression_min_len == 0)
        o->compression_min_len = 512; /* eddy.h: smaller bodies gain little without a dictionary */
    if (o->clock.now_ms == NULL)
        o->clock.now_ms = eddy__system_now_ms;
    if (o->rng.next_u64 == NULL)
        o->rng.next_u64 = eddy__system_rand64;
    if (o->alloc.malloc_fn == NULL) {
        o->alloc.malloc_fn = std_malloc;
        o->alloc.realloc_fn = std_realloc;
        o->alloc.free_fn = std_free;
    }
    return 0;
}

/* ---- files ---- */

/* Create the directory when allowed; report whether data.mdb exists yet. */
static int prepare_dir(eddy_env *env, int *fresh)
{
    char data[4096];
    struct stat st;
    int may_create = !(env->opt.flags & (EDDY_ENV_READONLY | EDDY_ENV_NOCREATE));

    if (stat(env->path, &st) != 0) {
        if (errno != ENOENT)
            return eddy__err_errno(errno, "checking the database directory");
        if (!may_create)
            return eddy__err(EDDY_ENOTFOUND, "no database at '%s'", env->path);
        if (mkdir(env->path, 0755) != 0 && errno != EEXIST)
            return eddy__err_errno(errno, "creating the database directory");
        char parent[4096];
        snprintf(parent, sizeof parent, "%s/..", env->path);
        (void)eddy__fsync_path(parent, 1); /* make the new directory's entry durable */
        if (stat(env->path, &st) != 0)
            return eddy__err_errno(errno, "checking the new database directory");
    }
    if (!S_ISDIR(st.st_mode))
        return eddy__err(EDDY_EIO, "'%s' is not a directory", env->path);
    env->dev = st.st_dev;
    env->ino = st.st_ino;
    snprintf(data, sizeof data, "%s/data.mdb", env->path);
    *fresh = stat(data, &st) != 0;
    if (*fresh && !may_create)
        return eddy__err(EDDY_ENOTFOUND, "no database at '%s' (no data.mdb)", env->path);
    if (!*fresh && st.st_size > 0 && (uint64_t)st.st_size > env->opt.map_size_initial) {
        /* Map at least the whole file, with room to grow. */
        env->opt.map_size_initial = (uint64_t)st.st_size + (uint64_t)st.st_size / 2;
    }
    return 0;
}

/*
 * LMDB trusts its pages (pagecheck.c, decision 0006). Before it reads any, the meta pages, the
 * table directory and every table's root page are checked; with EDDY_ENV_CHECK every page is,
 * in a read transaction that pins the snapshot against concurrent writers.
 */
static int check_quick(eddy_env *env)
{
    char file[3100], why[EDDY__MSG_MAX];
    int rc;
    snprintf(file, sizeof file, "%s/data.mdb", env->path);
    rc = eddy__pagecheck_quick(env, file);
    if (rc != EDDY_ECORRUPT || strstr(eddy_last_error(), "eddy recover") != NULL)
        return rc;
    /* The way out when the damage is a torn last commit (decision 0016). */
    snprintf(why, sizeof why, "%s", eddy_last_error());
    return eddy__err(rc,
                     "%s; if only the newest snapshot is damaged, `eddy recover` (or "
                     "EDDY_ENV_RECOVER) rolls back to the previous one",
                     why);
}

/* ---- open / close ---- */

static void env_free(eddy_env *env)
{
    eddy_allocator a = env->opt.alloc;
    eddy__dict_cache_free(env);
    for (int i = 0; i < env->n_cctx; i++)
        ZSTD_freeCCtx(env->cctx[i]);
    for (int i = 0; i < env->n_dctx; i++)
        ZSTD_freeDCtx(env->dctx[i]);
    eddy__lmdb_close(env);
    pthread_rwlock_destroy(&env->map_lock);
    pthread_mutex_destroy(&env->zlock);
    if (env->lock_fd >= 0 && !env->lock_held_by_caller)
        close(env->lock_fd);
    if (env->path != NULL)
        a.free_fn(a.ctx, env->path);
    a.free_fn(a.ctx, env);
}

static int resolve_hooks(const eddy_test_hooks *in, eddy_test_hooks *h)
{
    int rc;

    memset(h, 0, sizeof *h);
    h->size = sizeof *h;
    if (in == NULL)
        return 0;
    if ((rc = eddy__struct_in(h, sizeof *h, in, EDDY__SIZE_V1(eddy_test_hooks),
                              "eddy_test_hooks")) != 0)
        return rc;
    if ((h->flags & ~(uint32_t)EDDY_TEST_UNSAFE_NOSYNC) != 0)
        return eddy__err(EDDY_EINVAL, "unknown eddy_test_hooks.flags 0x%x", h->flags);
    return 0;
}

static int env_alloc(const char *path, const eddy_env_options *options,
                     const eddy_test_hooks *hooks, eddy_env **out)
{
    eddy_env_options o;
    eddy_test_hooks h;
    pthread_rwlockattr_t ra;
    eddy_env *env;
    int rc = resolve_options(options, &o);

    if (rc == 0)
        rc = resolve_hooks(hooks, &h);
    if (rc != 0)
        return rc;
    env = o.alloc.malloc_fn(o.alloc.ctx, sizeof *env);
    if (env == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for the environment");
    memset(env, 0, sizeof *env);
    env->lock_fd = -1;
    env->opt = o;
    env->hooks = h;
    env->readonly = (o.flags & EDDY_ENV_READONLY) != 0;
    env->pid = getpid();
    pthread_rwlockattr_init(&ra);
    /* Growing the map must not starve behind a stream of readers. */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&env->map_lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&env->zlock, NULL);
    env->path = eddy__strndup(env, path, strlen(path));
    if (env->path == NULL) {
        env_free(env);
        return eddy__err(EDDY_ENOMEM, "out of memory for the environment");
    }
    *out = env;
    return 0;
}

int eddy__env_bare(const char *path, const eddy_env_options *options, eddy_env **out)
{
    return env_alloc(path, options, NULL, out);
}

void eddy__env_bare_free(eddy_env *env)
{
    if (env != NULL)
        env_free(env);
}

/* ---- eddy.lock ---- */

int eddy__lock_take(const char *dir, int exclusive_try, int create, int *fd_out)
{
    char p[4096];
    int fd, op = exclusive_try ? (LOCK_EX | LOCK_NB) : LOCK_SH;

    *fd_out = -1;
    snprintf(p, sizeof p, "%s/eddy.lock", dir);
    fd = open(p, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0 && !create && errno == ENOENT)
        return 0; /* read-only open of a database made before eddy.lock existed */
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(p, O_RDONLY | O_CLOEXEC); /* flock works on read-only descriptors too */
    if (fd < 0)
        return eddy__err_errno(errno, "opening eddy.lock");
    /* A compaction holds it exclusively for its duration: a shared take waits for it. */
    while (flock(fd, op) != 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        close(fd);
        if (e == EWOULDBLOCK)
            return eddy__err(EDDY_EBUSY, "database '%s' is open in another handle or process", dir);
        return eddy__err_errno(e, "locking eddy.lock");
    }
    *fd_out = fd;
    return 0;
}

static int env_open_impl(const char *path, const eddy_env_options *options,
                         const eddy_test_hooks *hooks, int lock_fd, eddy_env **out);

EDDY_API int eddy_env_open(const char *path, const eddy_env_options *options, eddy_env **out)
{
    return env_open_impl(path, options, NULL, -1, out);
}

EDDY_API int eddy_test_env_open(const char *path, const eddy_env_options *options,
                                const eddy_test_hooks *hooks, eddy_env **out)
{
    return env_open_impl(path, options, hooks, -1, out);
}

int eddy__env_open_locked(const char *path, const eddy_env_options *options,
                          const eddy_test_hooks *hooks, eddy_env **out)
{
    /* The caller holds eddy.lock exclusively; -2 says "do not take it again". */
    return env_open_impl(path, options, hooks, -2, out);
}

static int env_open_impl(const char *path, const eddy_env_options *options,
                         const eddy_test_hooks *hooks, int lock_fd, eddy_env **out)
{
    eddy_env *env = NULL;
    int fresh = 0, registered = 0, rc;

    eddy__err_clear();
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "eddy_env_open: out is NULL");
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return eddy__err(EDDY_EINVAL, "eddy_env_open: path is NULL or empty");
    if (strlen(path) > 3000)
        return eddy__err(EDDY_EINVAL, "eddy_env_open: path is longer than 3000 bytes");
    if ((rc = env_alloc(path, options, hooks, &env)) != 0)
        return rc;
    if ((rc = prepare_dir(env, &fresh)) != 0)
        goto fail;
    if ((rc = registry_add(env)) != 0)
        goto fail;
    registered = 1;
    if (lock_fd == -2)
        env->lock_held_by_caller = true;
    else if ((rc = eddy__lock_take(env->path, 0, !env->readonly, &env->lock_fd)) != 0)
        goto fail;
    /* A new database is built aside and renamed into place whole (create.c). */
    if (fresh && !env->readonly && (rc = eddy__create(env, eddy__lmdb_flags(env))) != 0)
        goto fail;
    if (!fresh && lock_fd == -1 && (env->opt.flags & EDDY_ENV_RECOVER) && !env->readonly &&
        (rc = eddy__recover_at_open(env)) != 0)
        goto fail;
    if ((rc = check_quick(env)) != 0)
        goto fail;
    if ((rc = eddy__lmdb_open(env)) != 0)
        goto fail;
    if ((env->opt.flags & EDDY_ENV_CHECK) && (rc = eddy__pagecheck_full(env)) != 0)
        goto fail;
    if ((rc = eddy__lmdb_bootstrap(env)) != 0)
        goto fail;
    if (!env->readonly && (rc = eddy__committer_start(env)) != 0)
        goto fail;
    if ((rc = eddy__queue_env_init(env)) != 0)
        goto fail_stop;
    if ((rc = eddy__stream_env_init(env)) != 0)
        goto fail_queues;
    if ((rc = eddy__scrub_start(env)) != 0)
        goto fail_streams;
    eddy__log(env, EDDY_LOG_INFO, "environment '%s' opened%s%s", env->path,
              env->readonly ? " read-only" : "", fresh ? " (created)" : "");
    *out = env;
    return 0;
fail_streams:
    eddy__stream_env_fini(env);
fail_queues:
    eddy__queue_env_fini(env);
fail_stop:
    if (!env->readonly)
        eddy__committer_stop(env);
fail:
    if (registered)
        registry_remove(env);
    env_free(env);
    return rc;
}

EDDY_API int eddy_env_close(eddy_env *env)
{
    int rc = 0;

    eddy__err_clear();
    if (env == NULL)
        return 0;
    if (atomic_load(&env->children) > 0)
        return eddy__err(EDDY_EBUSY, "environment '%s' still has %d open handles (pollers)",
                         env->path, atomic_load(&env->children));
    if (env->pid != getpid()) {
        /* A forked child: LMDB's state belongs to the parent; release memory only. */
        registry_remove(env);
        return eddy__err(EDDY_EINVAL, "environment used after fork(); it was only released");
    }
    eddy__scrub_stop(env);
    eddy__stream_env_fini(env);
    eddy__queue_env_fini(env);
    if (!env->readonly)
        rc = eddy__committer_stop(env);
    registry_remove(env);
    env_free(env);
    return rc;
}

EDDY_API int eddy_env_sync(eddy_env *env)
{
    int rc = eddy__env_enter(env);
    if (rc != 0 || env->readonly)
        return rc;
    if (env->opt.durability == EDDY_ENV_DURABILITY_DURABLE)
        return 0;
    return eddy__write_sync(env);
}

EDDY_API int eddy_env_stat_get(eddy_env *env, eddy_env_stat *out)
{
    eddy_env_stat s;
    MDB_txn *txn = NULL;
    eddy__lmdb_stat ls;
    MDB_val v;
    struct stat fst;
    char data[4096];
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "eddy_env_stat_get: out is NULL");
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_env_stat), "eddy_env_stat")) != 0)
        return rc;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    eddy__lmdb_env_stat(env, &ls);
    s.format_version = EDDY_FORMAT_VERSION;
    if (eddy__get(env, txn, EDDY__T_META, EDDY__META_FORMAT, strlen(EDDY__META_FORMAT), &v) == 0 &&
        v.mv_size == 4)
        s.format_version = eddy__be32_get(v.mv_data);
    if (eddy__get(env, txn, EDDY__T_META, EDDY__META_CREATED, strlen(EDDY__META_CREATED), &v) ==
            0 &&
        v.mv_size == 8)
        s.created_ms = eddy__be64_get(v.mv_data);
    s.map_size = ls.map_size;
    s.page_size = ls.page_size;
    s.pages_used = ls.pages_used;
    s.readers_max = ls.readers_max;
    s.readers_used = ls.readers_used;
    if ((rc = eddy__free_pages(env, txn, &s.pages_free)) != 0)
        goto done;
    if ((rc = eddy__cat_count(env, txn, EDDY__OBJ_QUEUE, &s.queue_count)) != 0)
        goto done;
    if ((rc = eddy__cat_count(env, txn, EDDY__OBJ_STREAM, &s.stream_count)) != 0)
        goto done;
    snprintf(data, sizeof data, "%s/data.mdb", env->path);
    if (stat(data, &fst) == 0)
        s.file_size = (uint64_t)fst.st_size;
    s.commits = atomic_load(&env->commits);
    s.ops_committed = atomic_load(&env->ops_committed);
    s.map_grows = atomic_load(&env->map_grows);
    s.scrubs = atomic_load(&env->scrubs);
    snprintf(s.lmdb_version, sizeof s.lmdb_version, "%s", eddy__lmdb_version());
    eddy__struct_out(out, &s, sizeof s);
done:
    eddy__rtxn_end(env, txn);
    return rc;
}
