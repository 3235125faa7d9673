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
    if (rc != 0)
        return eddy__err_mdb(rc, "getting data.mdb's descriptor");
    if (fstat(*fd, &st) != 0)
        return eddy__err_errno(errno, "checking the length of data.mdb");
    *len = (uint64_t)st.st_size;
    return 0;
}

int eddy__pad_tail(eddy_env *env, int at_open)
{
    uint64_t need, len;
    int fd, rc;

    if ((rc = needed(env, &need)) != 0)
        return rc;
    if (need <= env->file_len_ok)
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
    if (len < need && env->readonly)
        return at_open ? eddy__err(EDDY_ECORRUPT,
                                   "'%s/data.mdb' is %llu bytes, shorter than its last commit "
                                   "(%llu): truncated, or its writer stopped before padding it; "
                                   "open it read-write once, then run eddy verify",
                                   env->path, (unsigned long long)len, (unsigned long long)need)
                       : 0;
    if (len < need && fallocate(fd, 0, (off_t)len, (off_t)(need - len)) != 0) {
        if (errno == EOPNOTSUPP || errno == ENOSYS)
            return 0; /* no fallocate here: nothing safe to do (a plain write could race) */
        return eddy__err_errno(errno, "padding data.mdb to its last committed page");
    }
    env->file_len_ok = need;
    return 0;
}
