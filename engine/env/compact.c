/*
 * compact.c: consistent copies and in-place compaction. LMDB never shrinks its file: pages
 * freed by deletes and trims are reused but not returned. A compacting copy (MDB_CP_COMPACT)
 * writes only live pages; compaction in place verifies such a copy, then renames it over the
 * original while eddy.lock is held exclusively, so no other handle or process has the database
 * open (they wait in eddy_env_open until it is done). The rename is atomic: a crash leaves either
 * the old file or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "error.h"
#include "pagecheck.h"
#include "readers.h"
#include "txn.h"

static uint64_t file_size(const char *dir)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

EDDY_API int eddy_env_copy(eddy_env *env, const char *dst_dir, uint32_t flags)
{
    char data[4096];
    struct stat st;
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (dst_dir == NULL || dst_dir[0] == '\0' || strlen(dst_dir) > 3000)
        return eddy__err(EDDY_EINVAL, "eddy_env_copy: destination is NULL, empty or too long");
    if ((flags & ~(uint32_t)EDDY_ENV_COPY_COMPACT) != 0)
        return eddy__err(EDDY_EINVAL, "eddy_env_copy: unknown flags 0x%x", flags);
    if (mkdir(dst_dir, 0755) != 0 && errno != EEXIST)
        return eddy__err_errno(errno, "creating the copy's directory");
    snprintf(data, sizeof data, "%s/data.mdb", dst_dir);
    if (stat(data, &st) == 0)
        return eddy__err(EDDY_EEXIST, "'%s' already holds a database", dst_dir);
    /* A compacting copy walks LMDB's trees, which LMDB trusts (pagecheck.c). */
    if ((flags & EDDY_ENV_COPY_COMPACT) && (rc = eddy__pagecheck_full(env)) != 0)
        return rc;
    if ((rc = eddy__copy_raw(env, dst_dir, (flags & EDDY_ENV_COPY_COMPACT) != 0)) != 0)
        return rc;
    if ((rc = eddy__fsync_path(data, 0)) != 0)
        return rc;
    return eddy__fsync_path(dst_dir, 1);
}

/* Close env; a failure's code and message survive the close (which clears the message). */
static int close_keeping(eddy_env *env, int rc)
{
    char msg[EDDY__MSG_MAX];

    snprintf(msg, sizeof msg, "%s", eddy_last_error());
    eddy_env_close(env);
    if (rc != 0)
        return eddy__err(rc, "%s", msg[0] != '\0' ? msg : eddy_strerror(rc));
    return 0;
}

/* Copy `path` compacted into tmp and verify the copy. env is open on path. */
static int copy_and_check(eddy_env *env, const char *tmp, const eddy_env_options *options,
                          const eddy_test_hooks *hooks)
{
    eddy_env *copy = NULL;
    eddy_env_options o;
    uint64_t problems = 0;
    int rc = eddy_env_copy(env, tmp, EDDY_ENV_COPY_COMPACT);

    if (rc != 0)
        return rc;
    o = *options; /* resolved by eddy_env_compact: this library's size */
    o.flags = EDDY_ENV_READONLY;
    if ((rc = eddy_test_env_open(tmp, &o, hooks, &copy)) != 0)
        return rc;
    rc = close_keeping(copy, eddy_env_verify(copy, NULL, NULL, &problems));
    if (rc == 0 && problems != 0)
        rc = EDDY__CORRUPT("the compacted copy failed verify with %llu problems; the original "
                           "is unchanged",
                           (unsigned long long)problems);
    return rc;
}

static void remove_tmp(const char *tmp)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/data.mdb", tmp);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", tmp);
    unlink(p);
    snprintf(p, sizeof p, "%s/eddy.lock", tmp);
    unlink(p);
    rmdir(tmp);
}

EDDY_API int eddy_env_compact(const char *path, const eddy_env_options *options,
                              uint64_t *size_before, uint64_t *size_after)
{
    return eddy_test_env_compact(path, options, NULL, size_before, size_after);
}

EDDY_API int eddy_test_env_compact(const char *path, const eddy_env_options *in,
                                   const eddy_test_hooks *hooks, uint64_t *size_before,
                                   uint64_t *size_after)
{
    char tmp[3100], from[3200], to[3200];
    eddy_env_options opts = EDDY_ENV_OPTIONS_INIT;
    const eddy_env_options *options = &opts;
    eddy_env *env = NULL;
    int lock_fd = -1, rc;

    eddy__err_clear();
    if (path == NULL || path[0] == '\0' || strlen(path) > 3000)
        return eddy__err(EDDY_EINVAL, "eddy_env_compact: path is NULL, empty or too long");
    if (in != NULL && (rc = eddy__struct_in(&opts, sizeof opts, in, EDDY__SIZE_V1(eddy_env_options),
                                            "eddy_env_options")) != 0)
        return rc;
    if (options->flags & EDDY_ENV_READONLY)
        return eddy__err(EDDY_EINVAL, "eddy_env_compact: cannot compact read-only");
    if (file_size(path) == 0)
        return eddy__err(EDDY_ENOTFOUND, "no database at '%s'", path);
    if ((rc = eddy__lock_take(path, 1, 1, &lock_fd)) != 0)
        return rc == EDDY_EBUSY ? eddy__lock_busy(path, "compacting") : rc;
    if (size_before != NULL)
        *size_before = file_size(path);
    snprintf(tmp, sizeof tmp, "%s/compact.tmp", path);
    remove_tmp(tmp); /* left over by a crash during an earlier compaction */
    if ((rc = eddy__env_open_locked(path, options, hooks, &env)) != 0)
        goto done;
    /* On a full disk the reserve past the data's end is the room the compacted copy needs. */
    if ((rc = eddy__reserve_release(env)) == 0)
        rc = copy_and_check(env, tmp, options, hooks);
    if (rc == EDDY_EFULL) {
        char why[EDDY__MSG_MAX]; /* eddy__err writes the buffer eddy_last_error() returns: copy it
                                    first */
        snprintf(why, sizeof why, "%s", eddy_last_error());
        rc = eddy__err(rc, "compacting '%s' needs room on its disk for a copy of the live data%s%s",
                       path, why[0] != '\0' ? ": " : "", why);
    }
    rc = close_keeping(env, rc);
    if (rc != 0)
        goto done;
    snprintf(from, sizeof from, "%s/data.mdb", tmp);
    snprintf(to, sizeof to, "%s/data.mdb", path);
    if (rename(from, to) != 0) {
        rc = eddy__err_errno(errno, "renaming the compacted copy into place");
        goto done;
    }
    /* The old lock file describes the old file's readers; nobody has it open: start afresh. */
    snprintf(to, sizeof to, "%s/lock.mdb", path);
    unlink(to);
    rc = eddy__fsync_path(path, 1);
    if (size_after != NULL)
        *size_after = file_size(path);
done:
    remove_tmp(tmp);
    close(lock_fd);
    return rc;
}
