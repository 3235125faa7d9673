/*
 * recover.c: rolling a database back to its previous snapshot (eddy_env_recover and the
 * EDDY_ENV_RECOVER open flag, decision 0016).
 *
 * LMDB keeps two meta pages and opens at the one with the higher transaction id; 0.9.24 cannot
 * be told to take the other. A meta write torn below a sector can leave the newest snapshot
 * unreadable beside a whole previous one. This file checks both snapshots by pread
 * (pagecheck.c), and when only the previous passes, builds a copy whose damaged meta page is
 * the previous one's with a lower transaction id, verifies it, and renames it over data.mdb.
 * It never writes to the original file: a power cut leaves the old data.mdb or the new one.
 * It calls no mdb_* function (the copy is opened through eddy_env_open like any database).
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

enum {
    M_TXNID = 144,    /* offset of mm_txnid in a meta page (pagecheck.c's table) */
    KEEP_TRIES = 100, /* data.mdb.damaged-N, -N.1, ... -N.99 */
    COPY_CHUNK = 1 << 20,
};

/* Both snapshots' checks, and which one LMDB would open. */
typedef struct snaps {
    eddy__pc_snap s[2];
    char why[2][200]; /* the first problem of each ("" when it passed) */
    int newest;       /* the meta page LMDB picks, or the one whose header is unreadable */
} snaps;

static int examine(eddy_env *env, int fd, snaps *v)
{
    for (int p = 0; p < 2; p++) {
        int rc;
        eddy__err_clear();
        if ((rc = eddy__pagecheck_snapshot(env, fd, p, &v->s[p])) != 0)
            return rc;
        v->why[p][0] = '\0';
        if (v->s[p].problems > 0)
            snprintf(v->why[p], sizeof v->why[p], "%s", eddy_last_error());
    }
    eddy__err_clear();
    /* mdb_env_pick_meta; a meta page whose header is unreadable makes LMDB refuse the file,
     * so that one is the damaged newest. */
    v->newest = v->s[1].txnid > v->s[0].txnid;
    for (int p = 0; p < 2; p++)
        if (v->s[p].txnid == 0 && v->s[p].problems > 0)
            v->newest = p;
    return 0;
}

/*
 * Whether the newest snapshot claims a later transaction than its roots hold. A transaction can
 * reclaim only free-page records older than its predecessor (mdb_find_oldest: txnid - 1), so
 * snapshot t still holds the record of t - 1 when t - 1 wrote one; a meta page with t's id
 * over t - 2's roots lacks it. pagecheck.c applies the same rule at every open.
 */
static int stale_roots(const snaps *v, char *why, size_t why_cap)
{
    const eddy__pc_snap *n = &v->s[v->newest], *p = &v->s[1 - v->newest];

    if (n->tables == 0 && p->tables != 0) {
        snprintf(why, why_cap,
                 "meta page %d (txn %llu) has an empty table directory where the previous "
                 "snapshot (txn %llu) has tables: a new transaction id over empty roots",
                 v->newest, (unsigned long long)n->txnid, (unsigned long long)p->txnid);
        return 1;
    }
    if (p->txnid + 1 != n->txnid)
        return 0; /* not t - 1 beside t: the rule below does not apply */
    if (p->free_max == p->txnid && n->free_max < p->txnid) {
        snprintf(why, why_cap,
                 "meta page %d (txn %llu) lacks the free-page record of txn %llu that the "
                 "previous snapshot holds: a new transaction id over older roots",
                 v->newest, (unsigned long long)n->txnid, (unsigned long long)p->txnid);
        return 1;
    }
    return 0;
}

static void info_fill(const snaps *v, eddy_recover_info *info)
{
    const eddy__pc_snap *n = &v->s[v->newest], *p = &v->s[1 - v->newest];

    info->newest_txn = n->txnid;
    info->previous_txn = p->txnid;
    info->newest_pages = n->txnid != 0 ? n->last_pg + 1 : 0;
    info->previous_pages = p->txnid != 0 ? p->last_pg + 1 : 0;
}

static void remove_tmp(const char *tmp)
{
    static const char *const files[] = {"data.mdb", "lock.mdb", "eddy.lock"};
    char p[3200];

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp, files[i]);
        unlink(p);
    }
    rmdir(tmp);
}

static int write_all(int fd, const void *buf, size_t n, off_t off, const char *what)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const char *)buf + done, n - done, off + (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return eddy__err_errno(errno, what);
        done += (size_t)w;
    }
    return 0;
}

/* Copy the whole of src into dst (plain reads and writes: the copy must own its blocks). */
static int copy_bytes(eddy_env *env, int src, int dst)
{
    char *buf = eddy__malloc(env, COPY_CHUNK);
    off_t off = 0;
    int rc = 0;

    if (buf == NULL)
        return eddy__err(EDDY_ENOMEM, "recover: a %d-byte copy buffer", COPY_CHUNK);
    for (;;) {
        ssize_t r = pread(src, buf, COPY_CHUNK, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = eddy__err_errno(errno, "recover: reading data.mdb");
            break;
        }
        if (r == 0)
            break;
        if ((rc = write_all(dst, buf, (size_t)r, off, "recover: writing the copy")) != 0)
            break;
        off += r;
    }
    eddy__free(env, buf);
    return rc;
}

/* Give the copy the original's mode and owner: it replaces data.mdb, which may be 0600 or
 * belong to a service account. Only root may chown: EPERM is expected otherwise. */
static int same_owner(int src, int dst)
{
    struct stat st;

    if (fstat(src, &st) != 0)
        return eddy__err_errno(errno, "recover: reading data.mdb's mode");
    if (fchmod(dst, st.st_mode & 07777) != 0)
        return eddy__err_errno(errno, "recover: setting the copy's mode");
    if (fchown(dst, st.st_uid, st.st_gid) != 0 && errno != EPERM)
        return eddy__err_errno(errno, "recover: setting the copy's owner");
    return 0;
}

/*
 * tmp/data.mdb: a copy of the file open as src whose meta page `bad` is the meta page `good`
 * with its own page number and the previous snapshot's transaction id minus one, so LMDB picks
 * `good`; the next commit (good's txn + 1) writes page `bad` again, as LMDB expects.
 */
static int build_copy(eddy_env *env, int src, const char *tmp, int bad, const eddy__pc_snap *good)
{
    char file[3200];
    uint8_t *page = NULL;
    uint64_t pgno = (uint64_t)bad, txn = good->txnid - 1;
    int fd, rc;

    if (mkdir(tmp, 0755) != 0)
        return eddy__err_errno(errno, "recover: creating recover.tmp");
    snprintf(file, sizeof file, "%s/data.mdb", tmp);
    if ((fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
        return eddy__err_errno(errno, "recover: creating recover.tmp/data.mdb");
    if ((rc = copy_bytes(env, src, fd)) != 0 || (rc = same_owner(src, fd)) != 0)
        goto done;
    if ((page = eddy__malloc(env, good->psize)) == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "recover: a page buffer");
        goto done;
    }
    if (pread(src, page, good->psize, (off_t)(1 - bad) * good->psize) != (ssize_t)good->psize) {
        rc = eddy__err_errno(errno != 0 ? errno : EIO, "recover: reading the previous meta page");
        goto done;
    }
    memcpy(page, &pgno, sizeof pgno); /* mp_pgno (little-endian, as pagecheck.c requires) */
    memcpy(page + M_TXNID, &txn, sizeof txn);
    if ((rc = write_all(fd, page, good->psize, (off_t)bad * good->psize,
                        "recover: writing the copy's meta page")) != 0)
        goto done;
    if (fsync(fd) != 0)
        rc = eddy__err_errno(errno, "recover: syncing the copy");
done:
    eddy__free(env, page);
    close(fd);
    return rc;
}

/* Open the copy read-only and verify it whole: it must find nothing. */
static int verify_copy(eddy_env *env, const char *tmp, uint64_t txn)
{
    eddy_env_options o = env->opt;
    eddy_env *copy = NULL;
    uint64_t problems = 0;
    char msg[EDDY__MSG_MAX];
    int rc;

    o.flags = EDDY_ENV_READONLY | EDDY_ENV_CHECK;
    if ((rc = eddy_env_open(tmp, &o, &copy)) == 0) {
        rc = eddy_env_verify(copy, NULL, NULL, &problems);
        snprintf(msg, sizeof msg, "%s", eddy_last_error());
        eddy_env_close(copy);
        if (rc != 0)
            return eddy__err(rc, "%s", msg);
    }
    if (rc == 0 && problems != 0)
        rc = EDDY__CORRUPT("the previous snapshot (txn %llu) failed verify with %llu problems; "
                           "data.mdb is unchanged",
                           (unsigned long long)txn, (unsigned long long)problems);
    return rc;
}

/* Hard-link the original as data.mdb.damaged-N (or -N.k when taken); its name into info. */
static int keep_original(const char *dir, const char *data, uint64_t n, eddy_recover_info *info)
{
    char name[64], p[3200];

    for (int k = 0; k < KEEP_TRIES; k++) {
        if (k == 0)
            snprintf(name, sizeof name, "data.mdb.damaged-%llu", (unsigned long long)n);
        else
            snprintf(name, sizeof name, "data.mdb.damaged-%llu.%d", (unsigned long long)n, k);
        snprintf(p, sizeof p, "%s/%s", dir, name);
        if (link(data, p) == 0) {
            snprintf(info->damaged_file, sizeof info->damaged_file, "%s", name);
            return 0;
        }
        if (errno != EEXIST)
            return eddy__err_errno(errno, "recover: keeping the damaged file aside (link)");
    }
    return eddy__err(EDDY_EEXIST, "recover: %d files data.mdb.damaged-%llu* exist in '%s'",
                     KEEP_TRIES, (unsigned long long)n, dir);
}

/* Build, verify and rename the rolled-back file in; the original stays aside unless told. */
static int roll_back(eddy_env *env, int src, const snaps *v, uint32_t flags,
                     eddy_recover_info *info)
{
    char tmp[3100], data[3100], from[3200], lock[3100];
    const eddy__pc_snap *good = &v->s[1 - v->newest];
    int rc;

    snprintf(tmp, sizeof tmp, "%s/recover.tmp", env->path);
    snprintf(data, sizeof data, "%s/data.mdb", env->path);
    snprintf(from, sizeof from, "%s/data.mdb", tmp);
    remove_tmp(tmp); /* left by a crash during an earlier recover */
    if ((rc = build_copy(env, src, tmp, v->newest, good)) != 0)
        goto done;
    if ((rc = verify_copy(env, tmp, good->txnid)) != 0)
        goto done;
    if ((rc = eddy__fsync_path(tmp, 1)) != 0)
        goto done;
    if (!(flags & EDDY_RECOVER_DISCARD_DAMAGED) &&
        (rc = keep_original(env->path, data, info->lost_txn, info)) != 0)
        goto done;
    if (rename(from, data) != 0) {
        rc = eddy__err_errno(errno, "recover: renaming the rolled-back copy into place");
        goto done;
    }
    /* The old lock file describes the old file's readers; nobody has it open: start afresh. */
    snprintf(lock, sizeof lock, "%s/lock.mdb", env->path);
    unlink(lock);
    if ((rc = eddy__fsync_path(env->path, 1)) == 0)
        info->action = EDDY_RECOVER_ROLLED_BACK;
done:
    remove_tmp(tmp);
    return rc;
}

/* The whole of eddy_env_recover on env's files; the caller holds eddy.lock exclusively. */
static int recover_locked(eddy_env *env, uint32_t flags, eddy_recover_info *info)
{
    char data[3100], why[256] = "";
    snaps v;
    int fd, rc;

    snprintf(data, sizeof data, "%s/data.mdb", env->path);
    if ((fd = open(data, O_RDONLY | O_CLOEXEC)) < 0)
        return eddy__err_errno(errno, "recover: opening data.mdb");
    if ((rc = examine(env, fd, &v)) != 0)
        goto done;
    info_fill(&v, info);
    /* The newest snapshot is sound (a damaged previous one is LMDB's spare: the next commit
     * overwrites it) unless its roots are older than the previous snapshot's. */
    if (v.why[v.newest][0] != '\0')
        snprintf(why, sizeof why, "%s", v.why[v.newest]);
    else if (v.why[1 - v.newest][0] != '\0' || !stale_roots(&v, why, sizeof why))
        goto done;
    snprintf(info->reason, sizeof info->reason, "%s", why);
    if (v.why[1 - v.newest][0] != '\0') {
        rc = EDDY__CORRUPT("both snapshots are damaged: newest (meta page %d): %s; previous "
                           "(meta page %d): %s; salvage with `eddy export --salvage`",
                           v.newest, why, 1 - v.newest, v.why[1 - v.newest]);
        goto done;
    }
    /* txn 0 or empty trees is the blank page LMDB writes first: nothing to roll back to, and
     * build_copy's txn - 1 would wrap (the check flags txn 0 already; this is the guard). */
    if (v.s[1 - v.newest].txnid == 0 || v.s[1 - v.newest].tables == 0) {
        rc =
            EDDY__CORRUPT("the newest snapshot (meta page %d) is damaged: %s; the previous "
                          "(meta page %d, txn %llu) holds no tables, nothing to roll back to; "
                          "salvage with `eddy export --salvage`",
                          v.newest, why, 1 - v.newest, (unsigned long long)v.s[1 - v.newest].txnid);
        goto done;
    }
    info->lost_txn = info->previous_txn + 1;
    if (flags & EDDY_RECOVER_DRY_RUN) {
        info->action = EDDY_RECOVER_WOULD_ROLL_BACK;
        goto done;
    }
    rc = roll_back(env, fd, &v, flags, info);
done:
    close(fd);
    return rc;
}

EDDY_API int eddy_env_recover(const char *path, const eddy_env_options *options, uint32_t flags,
                              eddy_recover_info *info)
{
    eddy_env_options opts = EDDY_ENV_OPTIONS_INIT;
    eddy_recover_info full;
    eddy_env *env = NULL;
    char data[3100];
    struct stat st;
    int lock_fd = -1, rc;

    eddy__err_clear();
    memset(&full, 0, sizeof full);
    full.size = sizeof full;
    if (path == NULL || path[0] == '\0' || strlen(path) > 3000)
        return eddy__err(EDDY_EINVAL, "eddy_env_recover: path is NULL, empty or too long");
    if ((flags & ~(uint32_t)(EDDY_RECOVER_DRY_RUN | EDDY_RECOVER_DISCARD_DAMAGED)) != 0)
        return eddy__err(EDDY_EINVAL, "eddy_env_recover: unknown flags 0x%x", flags);
    if (info != NULL && (rc = eddy__struct_out_check(info, EDDY__SIZE_V1(eddy_recover_info),
                                                     "eddy_recover_info")) != 0)
        return rc;
    if (options != NULL &&
        (rc = eddy__struct_in(&opts, sizeof opts, options, EDDY__SIZE_V1(eddy_env_options),
                              "eddy_env_options")) != 0)
        return rc;
    if (opts.flags & EDDY_ENV_READONLY)
        return eddy__err(EDDY_EINVAL, "eddy_env_recover: cannot recover read-only (use "
                                      "EDDY_RECOVER_DRY_RUN to look without writing)");
    snprintf(data, sizeof data, "%s/data.mdb", path);
    if (stat(data, &st) != 0 || st.st_size == 0)
        return eddy__err(EDDY_ENOTFOUND, "no database at '%s'", path);
    if ((rc = eddy__lock_take(path, 1, 1, &lock_fd)) != 0)
        return rc == EDDY_EBUSY ? eddy__lock_busy(path, "recovering") : rc;
    if ((rc = eddy__env_bare(path, &opts, &env)) == 0)
        rc = recover_locked(env, flags, &full);
    eddy__env_bare_free(env);
    close(lock_fd);
    if (info != NULL)
        eddy__struct_out(info, &full, sizeof full);
    return rc;
}

int eddy__recover_at_open(eddy_env *env)
{
    eddy_recover_info info;
    int rc;

    if (env->lock_fd < 0)
        return 0;
    /* flock converts a lock by dropping it first: a refused upgrade may have left none, so the
     * shared lock is taken again either way (waiting out a compaction that slipped in). */
    if (flock(env->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        while (flock(env->lock_fd, LOCK_SH) != 0 && errno == EINTR)
            continue;
        return 0; /* open elsewhere: that handle opened it, so it needs no rollback */
    }
    memset(&info, 0, sizeof info);
    rc = recover_locked(env, 0, &info);
    if (rc == 0 && info.action == EDDY_RECOVER_ROLLED_BACK)
        eddy__log(env, EDDY_LOG_WARN,
                  "'%s': the newest snapshot (txn %llu) was damaged (%s); rolled back to txn "
                  "%llu, losing txn %llu; the damaged file is kept as %s",
                  env->path, (unsigned long long)info.newest_txn, info.reason,
                  (unsigned long long)info.previous_txn, (unsigned long long)info.lost_txn,
                  info.damaged_file);
    while (flock(env->lock_fd, LOCK_SH) != 0 && errno == EINTR)
        continue;
    return rc;
}
