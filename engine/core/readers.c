/*
 * readers.c: who holds a database. eddy_env_readers lists LMDB's reader table (what
 * `mdb_stat -r` prints: mdb_reader_list), and eddy__lock_holders names the processes holding
 * eddy.lock (every open handle holds it shared; eddy_env_compact needs it exclusively), for the
 * messages of EDDY_EBUSY.
 *
 * Reads only: it never changes the reader table or a lock, and calls the user's callback only
 * after LMDB's listing is done (no lock or transaction is held across it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "error.h"
#include "readers.h"
#include "txn.h"

struct collect {
    eddy_reader *r;
    size_t n, cap;
};

/* mdb_reader_list's callback: "%10d %zx %llu\n" per slot in use ("-" for no snapshot), after a
 * header line, or "(no reader locks)". */
static int collect_line(const char *msg, void *ctx)
{
    struct collect *c = ctx;
    char txn[32];
    int pid;
    size_t tid;
    eddy_reader *r;
    if (c->n == c->cap || sscanf(msg, "%d %zx %31s", &pid, &tid, txn) != 3 || pid <= 0)
        return 0;
    r = &c->r[c->n++];
    memset(r, 0, sizeof *r);
    r->size = (uint32_t)sizeof *r;
    r->pid = (uint32_t)pid;
    r->thread = (uint64_t)tid;
    r->txn_id = txn[0] == '-' ? 0 : (uint64_t)strtoull(txn, NULL, 10);
    return 0;
}

EDDY_API int eddy_env_readers(eddy_env *env, eddy_reader_fn cb, void *ctx)
{
    struct collect c = {NULL, 0, 0};
    size_t i;
    int rc = eddy__env_enter(env);
    if (rc != 0)
        return rc;
    if (cb == NULL)
        return eddy__err(EDDY_EINVAL, "eddy_env_readers: cb is NULL");
    c.cap = env->opt.max_readers;
    if ((c.r = eddy__calloc(env, c.cap, sizeof *c.r)) == NULL)
        return eddy__err(EDDY_ENOMEM, "eddy_env_readers: %zu reader entries", c.cap);
    if ((rc = mdb_reader_list(env->mdb, collect_line, &c)) < 0) {
        rc = eddy__err_mdb(rc, "listing the reader table");
        goto done;
    }
    rc = 0;
    for (i = 0; i < c.n && rc == 0; i++)
        if (cb(ctx, &c.r[i]) != 0)
            rc = eddy__err(EDDY_EUSER, "eddy_env_readers: the callback stopped the listing");
done:
    eddy__free(env, c.r);
    return rc;
}

void eddy__lock_holders(const char *lock_file, char *dst, size_t dst_cap)
{
    struct stat st;
    char line[256];
    size_t used = 0;
    FILE *f;
    dst[0] = '\0';
    if (stat(lock_file, &st) != 0 || (f = fopen("/proc/locks", "re")) == NULL)
        return;
    /* "1: FLOCK  ADVISORY  READ  1234 fd:01:5678 0 EOF"; waiters have "->" before the type. */
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned maj, min;
        unsigned long long ino;
        long pid;
        char type[16], mode[16], rw[16];
        int k;
        if (strstr(line, "->") != NULL || sscanf(line, "%*d: %15s %15s %15s %ld %x:%x:%llu", type,
                                                 mode, rw, &pid, &maj, &min, &ino) != 7)
            continue;
        if (ino != (unsigned long long)st.st_ino || makedev(maj, min) != st.st_dev)
            continue;
        k = snprintf(dst + used, dst_cap - used, "%spid %ld", used > 0 ? ", " : "", pid);
        if (k < 0 || (size_t)k >= dst_cap - used)
            break;
        used += (size_t)k;
    }
    fclose(f);
}

int eddy__lock_busy(const char *dir, const char *doing)
{
    char lock[3100], who[EDDY__MSG_MAX];
    snprintf(lock, sizeof lock, "%s/eddy.lock", dir);
    eddy__lock_holders(lock, who, sizeof who);
    return eddy__err(EDDY_EBUSY,
                     "database '%s' is open elsewhere (in this or another process%s%s); close it "
                     "before %s",
                     dir, who[0] != '\0' ? ": held by " : "", who, doing);
}
