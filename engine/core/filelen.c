/*
 * filelen.c: keeping data.mdb at least as long as its last committed page (env_int.h:
 * eddy__pad_tail explains why). Called at open and by the committer after each commit; only the
 * opening thread or the committer touch env->file_len_ok.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "txn.h"

/* The length data.mdb needs: through the last page of the last commit. */
static int needed(eddy_env *env, uint64_t *need)
{
    MDB_envinfo info;
    MDB_stat ms;
    int rc = mdb_env_info(env->mdb, &info);
    *need = 0;
    if (rc == 0)
        rc = mdb_env_stat(env->mdb, &ms);
    if (rc != 0)
        return eddy__err_mdb(rc, "reading the LMDB environment's info");
    *need = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
    return 0;
}

static int file_len(eddy_env *env, int *fd, uint64_t *len)
{
    struct stat st;
    int rc = mdb_env_get_fd(env->mdb, fd);
    *len = 0;
    if (rc != 0)
        return eddy__err_mdb(rc, "getting data.mdb's descriptor");
    if (fstat(*fd, &st) != 0)
        return eddy__err_errno(errno, "checking the length of data.mdb");
    *len = (uint64_t)st.st_size;
    return 0;
}

uint64_t eddy__reserve_bytes(const eddy_env *env, uint64_t need)
{
    uint64_t r = env->opt.disk_reserve;
    if (r == EDDY_ENV_DISK_RESERVE_NONE || env->readonly)
        return 0;
    if (r != 0)
        return r;
    /* Default: an eighth of the data, from 256 KiB to 2 MiB: a small database stays small on
     * disk, and draining needs a few commits' worth of pages, whatever the size. */
    r = need / 8;
    return r < (256u << 10) ? (256u << 10) : r > (2u << 20) ? (2u << 20) : r;
}

/*
 * Allocate [from, want) of data.mdb, and up to one more reserve beyond it when the reserve is in
 * use, so that a growing file calls fallocate once per reserve of growth, not per commit.
 * Returns 0, or the errno of a full disk (ENOSPC, EDQUOT, EFBIG), or another errno.
 */
static int allocate(eddy_env *env, int fd, uint64_t from, uint64_t want, uint64_t extra)
{
    if (extra != 0 && fallocate(fd, 0, (off_t)from, (off_t)(want + extra - from)) == 0) {
        env->file_len_ok = want + extra;
        return 0;
    }
    if (fallocate(fd, 0, (off_t)from, (off_t)(want - from)) != 0)
        return errno;
    env->file_len_ok = want;
    return 0;
}

static int disk_full(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

/* Do the free list and the allocated tail past the data hold `reserve` bytes? */
static int room_inside(eddy_env *env, uint64_t need, uint64_t len, uint64_t reserve)
{
    MDB_stat ms;
    MDB_txn *txn = NULL;
    uint64_t free_pages = 0, room = len > need ? len - need : 0;
    int rc = mdb_env_stat(env->mdb, &ms);

    /* Through the shared begin: it holds map_lock (a reader thread may be adopting another
     * process's growth) and adopts MDB_MAP_RESIZED itself. The committer calls this between
     * transactions, so it holds no map_lock here. */
    if (rc == 0 && (rc = eddy__rtxn_begin(env, &txn)) == 0) {
        rc = eddy__free_pages(env, txn, &free_pages);
        eddy__rtxn_end(env, txn);
    }
    if (rc != 0)
        return 0; /* cannot tell: count no room, so adds stop rather than fill the disk */
    room += free_pages * ms.ms_psize;
    return room >= reserve;
}

int eddy__pad_tail(eddy_env *env, int at_open)
{
    uint64_t need, len, want, reserve;
    int fd, rc, e;

    if ((rc = needed(env, &need)) != 0)
        return rc;
    reserve = eddy__reserve_bytes(env, need);
    want = need + reserve;
    if (want <= env->file_len_ok)
        return 0;
    if ((rc = file_len(env, &fd, &len)) != 0)
        return rc;
    /* Read-only: a live writer pads right after its commit; give it a moment. */
    for (int i = 0; env->readonly && len < need && i < 10; i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if ((rc = needed(env, &need)) != 0 || (rc = file_len(env, &fd, &len)) != 0)
            return rc;
    }
    if (env->readonly) {
        if (len >= need)
            env->file_len_ok = need;
        else if (at_open)
            return eddy__err(EDDY_ECORRUPT,
                             "'%s/data.mdb' is %llu bytes, shorter than its last commit "
                             "(%llu): truncated, or its writer stopped before padding it; "
                             "open it read-write once, then run eddy verify",
                             env->path, (unsigned long long)len, (unsigned long long)need);
        return 0;
    }
    /* From the data's end (filling holes a sparse copy left) or the file's, if shorter. */
    e = allocate(env, fd, len < need ? len : need, want, reserve);
    if (e == 0) {
        env->low_space = 0;
        return 0;
    }
    if (e == EOPNOTSUPP || e == ENOSYS)
        return 0; /* no fallocate here: nothing safe to do (a plain write could race) */
    if (!disk_full(e))
        return eddy__err_errno(e, "allocating data.mdb's tail");
    /* No room on the disk for the reserve: the last page at least. Pages LMDB freed (a drained
     * queue, a trim) and the file's allocated tail are room too: writes reuse them without
     * growing the file. Only when they do not hold the reserve either do writes that add data
     * stop. */
    if (len < need && (e = allocate(env, fd, len, need, 0)) != 0)
        return eddy__err_errno(e, "padding data.mdb to its last committed page");
    env->low_space = !room_inside(env, need, len, reserve);
    return 0;
}

int eddy__reserve_release(eddy_env *env)
{
    uint64_t need, len;
    int fd, rc;

    if (env->readonly)
        return 0;
    if ((rc = needed(env, &need)) != 0 || (rc = file_len(env, &fd, &len)) != 0)
        return rc;
    if (len <= need)
        return 0;
    if (ftruncate(fd, (off_t)need) != 0)
        return eddy__err_errno(errno, "giving data.mdb's reserve back to the disk");
    env->file_len_ok = need;
    env->low_space = 1;
    return 0;
}
