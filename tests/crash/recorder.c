/*
 * recorder.c: an LD_PRELOAD shim that logs, in order, every file-system event of the recorded
 * process that touches one directory (REC_ENV_DIR), plus the workload's acknowledgements
 * (writes to REC_ENV_ACK), into REC_ENV_LOG (format: rec_log.h). The power-loss replayer builds
 * crash states from that log.
 *
 * It wraps the plain libc symbols through dlsym(RTLD_NEXT): Debian's liblmdb.so and libeddy
 * call them through the PLT, so interposing works on the unmodified library. It must never
 * change what the calls do: each wrapper performs the real call, then logs what happened, both
 * under one mutex so that the log order is the order of effects. Not for sanitizer builds (the
 * sanitizer runtimes interpose the same symbols).
 *
 * Tracked: the directory and one level of subdirectories (compaction's compact.tmp/). lock.mdb
 * is ignored (LMDB resets it on open; it is mapped, never written with write calls).
 * Writes through an O_DSYNC/O_SYNC descriptor are logged as a write plus a barrier.
 */
#include "rec_log.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* The fortified entry points glibc's headers route open() to; not declared without
 * _FORTIFY_SOURCE, so declared here to satisfy -Wmissing-prototypes. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

#define FD_MAX    4096
#define NAME_MAX_ 255

enum { FD_NONE = 0, FD_FILE = 1, FD_DIR = 2, FD_ACK = 3 };

typedef struct fdinfo {
    int kind;
    int dsync;
    uint32_t inode;
    char dname[NAME_MAX_ + 1]; /* FD_DIR: "" for the tracked directory, else its subdirectory */
} fdinfo;

typedef struct namerec {
    char name[NAME_MAX_ + 1];
    uint32_t inode;
} namerec;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static fdinfo fds[FD_MAX];
static namerec names[64];
static int n_names;
static uint32_t next_inode = 1;
static int log_fd = -1;
static char dir[PATH_MAX];
static size_t dir_len;
static char ack_path[PATH_MAX];

/* ---- the real functions ---- */

/* real_X points to the next definition of X (libc's); the type comes from libc's own
 * declaration, so a wrapper cannot disagree with it. */
#define REAL(name)                                                                                 \
    static __typeof__(name) *real_##name;                                                          \
    static __typeof__(name) *get_##name(void)                                                      \
    {                                                                                              \
        if (real_##name == NULL)                                                                   \
            *(void **)&real_##name = dlsym(RTLD_NEXT, #name);                                      \
        return real_##name;                                                                        \
    }

REAL(open)
REAL(open64)
REAL(openat)
REAL(openat64)
REAL(__open_2)
REAL(__open64_2)
REAL(__openat_2)
REAL(__openat64_2)
REAL(creat)
REAL(close)
REAL(write)
REAL(pwrite)
REAL(pwrite64)
REAL(writev)
REAL(pwritev)
REAL(pwritev64)
REAL(pwritev2)
REAL(fsync)
REAL(fdatasync)
REAL(sync_file_range)
REAL(ftruncate)
REAL(ftruncate64)
REAL(fallocate)
REAL(fallocate64)
REAL(posix_fallocate)
REAL(rename)
REAL(renameat)
REAL(renameat2)
REAL(unlink)
REAL(unlinkat)
REAL(msync)
REAL(mmap)
REAL(mmap64)

/* ---- log ---- */

static void emit(uint32_t kind, uint32_t inode, uint64_t off, const void *data, uint64_t len,
                 const struct iovec *iov, int iovcnt)
{
    rec_hdr h = {kind, inode, off, len};
    struct iovec v[66];
    int n = 0;
    uint64_t left = len;

    if (log_fd < 0)
        return;
    v[n++] = (struct iovec){&h, sizeof h};
    if (data != NULL && len > 0)
        v[n++] = (struct iovec){(void *)(uintptr_t)data, (size_t)len};
    for (int i = 0; iov != NULL && i < iovcnt && left > 0 && n < 66; i++) {
        size_t l = iov[i].iov_len < left ? iov[i].iov_len : (size_t)left;
        v[n++] = (struct iovec){iov[i].iov_base, l};
        left -= l;
    }
    if (iov != NULL && (left > 0 || iovcnt > 64)) {
        /* More than 64 vectors: never from LMDB (it caps a run at 64 pages). */
        static const char msg[] = "writev with more than 64 vectors";
        h.kind = REC_BAD;
        h.len = sizeof msg;
        v[1] = (struct iovec){(void *)(uintptr_t)msg, sizeof msg};
        n = 2;
    }
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += v[i].iov_len;
    /* One writev of the whole record; the log is O_APPEND, so a partial write is fatal. */
    if (get_writev()(log_fd, v, n) != (ssize_t)total)
        abort();
}

static void bad(const char *what)
{
    emit(REC_BAD, 0, 0, what, strlen(what) + 1, NULL, 0);
}

__attribute__((constructor)) static void rec_init(void)
{
    const char *l = getenv(REC_ENV_LOG), *d = getenv(REC_ENV_DIR), *a = getenv(REC_ENV_ACK);

    if (l == NULL || d == NULL)
        return;
    snprintf(dir, sizeof dir, "%s", d);
    dir_len = strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/')
        dir[--dir_len] = '\0';
    if (a != NULL)
        snprintf(ack_path, sizeof ack_path, "%s", a);
    log_fd = get_open()(l, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0)
        abort();
}

/* ---- names ---- */

/* The absolute form of (dirfd, path); false when it cannot be formed. */
static int absolute(int dirfd, const char *path, char *out, size_t cap)
{
    char base[PATH_MAX];

    if (path[0] == '/') {
        snprintf(out, cap, "%s", path);
        return 1;
    }
    if (dirfd == AT_FDCWD) {
        if (getcwd(base, sizeof base) == NULL)
            return 0;
    } else {
        char link[64];
        ssize_t n;
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        n = readlink(link, base, sizeof base - 1);
        if (n < 0)
            return 0;
        base[n] = '\0';
    }
    snprintf(out, cap, "%s/%s", base, path);
    return 1;
}

/* Classify a path: FD_DIR for the tracked directory (name "") or a subdirectory of it (name
 * "sub"); FD_FILE for a file in either (name "file" or "sub/file") other than a lock.mdb, which
 * LMDB resets and only maps; FD_ACK for the ack file; else FD_NONE. One level of subdirectory
 * is enough for compaction's compact.tmp/. */
static int classify(int dirfd, const char *path, char *name)
{
    char p[PATH_MAX + 256];
    const char *rest, *slash, *base;
    struct stat st;

    if (log_fd < 0 || path == NULL || !absolute(dirfd, path, p, sizeof p))
        return FD_NONE;
    if (ack_path[0] != '\0' && strcmp(p, ack_path) == 0)
        return FD_ACK;
    if (strncmp(p, dir, dir_len) != 0)
        return FD_NONE;
    rest = p + dir_len;
    if (rest[0] == '\0' || strcmp(rest, "/") == 0 || strcmp(rest, "/.") == 0) {
        name[0] = '\0';
        return FD_DIR;
    }
    if (rest[0] != '/')
        return FD_NONE;
    rest++;
    slash = strchr(rest, '/');
    base = slash ? slash + 1 : rest;
    if ((slash && strchr(base, '/') != NULL) || strlen(rest) > NAME_MAX_ ||
        strcmp(base, "lock.mdb") == 0 || strcmp(base, "..") == 0 || strcmp(base, ".") == 0 ||
        strncmp(rest, "../", 3) == 0 || strncmp(rest, "./", 2) == 0)
        return FD_NONE;
    strcpy(name, rest);
    if (!slash && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
        return FD_DIR;
    return FD_FILE;
}

static namerec *find_name(const char *name)
{
    for (int i = 0; i < n_names; i++)
        if (strcmp(names[i].name, name) == 0)
            return &names[i];
    return NULL;
}

/* A new inode for a name just created (replacing any earlier inode of that name). */
static uint32_t inode_new(const char *name)
{
    namerec *r = find_name(name);

    if (r == NULL) {
        if (n_names == 64)
            abort();
        r = &names[n_names++];
        strcpy(r->name, name);
    }
    r->inode = next_inode++;
    emit(REC_CREATE, r->inode, 0, name, strlen(name) + 1, NULL, 0);
    return r->inode;
}

static void drop_name(const char *name)
{
    namerec *r = find_name(name);
    if (r != NULL)
        *r = names[--n_names];
}

/* ---- open ---- */

static int after_open(int fd, int dirfd, const char *path, int flags, int existed)
{
    char name[NAME_MAX_ + 1];
    int kind;

    if (fd < 0 || fd >= FD_MAX)
        return fd;
    kind = classify(dirfd, path, name);
    fds[fd] = (fdinfo){kind, (flags & O_DSYNC) != 0, 0, ""};
    if (kind == FD_DIR)
        strcpy(fds[fd].dname, name);
    if (kind == FD_FILE) {
        namerec *r = find_name(name);
        if (!existed) {
            fds[fd].inode = inode_new(name);
        } else if (r != NULL) {
            fds[fd].inode = r->inode;
        } else {
            /* It existed before the recording started: the replayer has its content. */
            if (n_names == 64)
                abort();
            r = &names[n_names++];
            strcpy(r->name, name);
            r->inode = next_inode++;
            fds[fd].inode = r->inode;
            emit(REC_EXISTING, r->inode, 0, name, strlen(name) + 1, NULL, 0);
        }
        if (existed && (flags & O_TRUNC))
            emit(REC_TRUNC, fds[fd].inode, 0, NULL, 0, NULL, 0);
    }
    return fd;
}

static int exists_at(int dirfd, const char *path)
{
    struct stat st;
    return fstatat(dirfd, path, &st, 0) == 0;
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_BODY(call, dirfd)                                                                     \
    int fd, existed;                                                                               \
    pthread_mutex_lock(&mu);                                                                       \
    existed = exists_at(dirfd, path);                                                              \
    fd = call;                                                                                     \
    after_open(fd, dirfd, path, flags, existed);                                                   \
    pthread_mutex_unlock(&mu);                                                                     \
    return fd;

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    OPEN_BODY(get_open()(path, flags, m), AT_FDCWD)
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    OPEN_BODY(get_open64()(path, flags, m), AT_FDCWD)
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    OPEN_BODY(get_openat()(dirfd, path, flags, m), dirfd)
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    OPEN_BODY(get_openat64()(dirfd, path, flags, m), dirfd)
}

int __open_2(const char *path, int flags)
{
    OPEN_BODY(get___open_2()(path, flags), AT_FDCWD)
}

int __open64_2(const char *path, int flags)
{
    OPEN_BODY(get___open64_2()(path, flags), AT_FDCWD)
}

int __openat_2(int dirfd, const char *path, int flags)
{
    OPEN_BODY(get___openat_2()(dirfd, path, flags), dirfd)
}

int __openat64_2(int dirfd, const char *path, int flags)
{
    OPEN_BODY(get___openat64_2()(dirfd, path, flags), dirfd)
}

int creat(const char *path, mode_t mode)
{
    int flags = O_CREAT | O_WRONLY | O_TRUNC;
    OPEN_BODY(get_creat()(path, mode), AT_FDCWD)
}

int close(int fd)
{
    int rc;
    pthread_mutex_lock(&mu);
    if (fd >= 0 && fd < FD_MAX && fd != log_fd)
        fds[fd] = (fdinfo){0, 0, 0, ""};
    rc = get_close()(fd);
    pthread_mutex_unlock(&mu);
    return rc;
}

/* ---- writes ---- */

static const fdinfo *tracked(int fd)
{
    if (log_fd < 0 || fd < 0 || fd >= FD_MAX || fds[fd].kind == FD_NONE)
        return NULL;
    return &fds[fd];
}

static void logged_write(const fdinfo *f, uint64_t off, const void *buf, const struct iovec *iov,
                         int iovcnt, ssize_t done)
{
    if (done <= 0)
        return;
    if (f->kind == FD_ACK) {
        emit(REC_ACK, 0, 0, buf, (uint64_t)done, iov, iovcnt);
        return;
    }
    if (f->kind != FD_FILE)
        return;
    emit(REC_WRITE, f->inode, off, buf, (uint64_t)done, iov, iovcnt);
    if (f->dsync)
        emit(REC_SYNC, f->inode, 0, NULL, 0, NULL, 0);
}

static uint64_t cur_off(int fd)
{
    off_t o = lseek(fd, 0, SEEK_CUR);
    return o < 0 ? 0 : (uint64_t)o;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_write()(fd, buf, n);
    pthread_mutex_lock(&mu);
    uint64_t off = cur_off(fd);
    r = get_write()(fd, buf, n);
    logged_write(f, off, buf, NULL, 0, r);
    pthread_mutex_unlock(&mu);
    return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_pwrite()(fd, buf, n, off);
    pthread_mutex_lock(&mu);
    r = get_pwrite()(fd, buf, n, off);
    logged_write(f, (uint64_t)off, buf, NULL, 0, r);
    pthread_mutex_unlock(&mu);
    return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_pwrite64()(fd, buf, n, off);
    pthread_mutex_lock(&mu);
    r = get_pwrite64()(fd, buf, n, off);
    logged_write(f, (uint64_t)off, buf, NULL, 0, r);
    pthread_mutex_unlock(&mu);
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_writev()(fd, iov, cnt);
    pthread_mutex_lock(&mu);
    uint64_t off = cur_off(fd);
    r = get_writev()(fd, iov, cnt);
    logged_write(f, off, NULL, iov, cnt, r);
    pthread_mutex_unlock(&mu);
    return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_pwritev()(fd, iov, cnt, off);
    pthread_mutex_lock(&mu);
    r = get_pwritev()(fd, iov, cnt, off);
    logged_write(f, (uint64_t)off, NULL, iov, cnt, r);
    pthread_mutex_unlock(&mu);
    return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_pwritev64()(fd, iov, cnt, off);
    pthread_mutex_lock(&mu);
    r = get_pwritev64()(fd, iov, cnt, off);
    logged_write(f, (uint64_t)off, NULL, iov, cnt, r);
    pthread_mutex_unlock(&mu);
    return r;
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
    const fdinfo *f;
    ssize_t r;

    if ((f = tracked(fd)) == NULL)
        return get_pwritev2()(fd, iov, cnt, off, flags);
    pthread_mutex_lock(&mu);
    uint64_t at = off == -1 ? cur_off(fd) : (uint64_t)off;
    r = get_pwritev2()(fd, iov, cnt, off, flags);
    logged_write(f, at, NULL, iov, cnt, r);
    if (r > 0 && (flags & (RWF_DSYNC | RWF_SYNC)) && f->kind == FD_FILE && !f->dsync)
        emit(REC_SYNC, f->inode, 0, NULL, 0, NULL, 0);
    pthread_mutex_unlock(&mu);
    return r;
}

/* ---- barriers and sizes ---- */

static int synced(int fd, int rc)
{
    const fdinfo *f = tracked(fd);
    if (rc == 0 && f != NULL && f->kind == FD_FILE)
        emit(REC_SYNC, f->inode, 0, NULL, 0, NULL, 0);
    if (rc == 0 && f != NULL && f->kind == FD_DIR)
        emit(REC_DIRSYNC, 0, 0, f->dname, strlen(f->dname) + 1, NULL, 0);
    return rc;
}

int fsync(int fd)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_fsync()(fd);
    pthread_mutex_lock(&mu);
    rc = synced(fd, get_fsync()(fd));
    pthread_mutex_unlock(&mu);
    return rc;
}

int fdatasync(int fd)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_fdatasync()(fd);
    pthread_mutex_lock(&mu);
    rc = synced(fd, get_fdatasync()(fd));
    pthread_mutex_unlock(&mu);
    return rc;
}

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
    const fdinfo *f;
    int rc;
    if ((f = tracked(fd)) == NULL)
        return get_sync_file_range()(fd, off, n, flags);
    pthread_mutex_lock(&mu);
    rc = get_sync_file_range()(fd, off, n, flags);
    if (rc == 0)
        emit(REC_SFR, f->inode, (uint64_t)off, NULL, 0, NULL, 0);
    pthread_mutex_unlock(&mu);
    return rc;
}

static int truncated(int fd, uint64_t len, int rc)
{
    const fdinfo *f = tracked(fd);
    if (rc == 0 && f != NULL && f->kind == FD_FILE)
        emit(REC_TRUNC, f->inode, len, NULL, 0, NULL, 0);
    return rc;
}

int ftruncate(int fd, off_t len)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_ftruncate()(fd, len);
    pthread_mutex_lock(&mu);
    rc = truncated(fd, (uint64_t)len, get_ftruncate()(fd, len));
    pthread_mutex_unlock(&mu);
    return rc;
}

int ftruncate64(int fd, off64_t len)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_ftruncate64()(fd, len);
    pthread_mutex_lock(&mu);
    rc = truncated(fd, (uint64_t)len, get_ftruncate64()(fd, len));
    pthread_mutex_unlock(&mu);
    return rc;
}

static int allocated(int fd, int mode, uint64_t off, uint64_t len, int rc)
{
    const fdinfo *f = tracked(fd);
    if (rc == 0 && f != NULL && f->kind == FD_FILE && !(mode & FALLOC_FL_KEEP_SIZE)) {
        if (mode & ~FALLOC_FL_KEEP_SIZE)
            bad("fallocate with a mode other than 0 or KEEP_SIZE");
        emit(REC_FALLOC, f->inode, off, NULL, len, NULL, 0);
    }
    return rc;
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_fallocate()(fd, mode, off, len);
    pthread_mutex_lock(&mu);
    rc = allocated(fd, mode, (uint64_t)off, (uint64_t)len, get_fallocate()(fd, mode, off, len));
    pthread_mutex_unlock(&mu);
    return rc;
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_fallocate64()(fd, mode, off, len);
    pthread_mutex_lock(&mu);
    rc = allocated(fd, mode, (uint64_t)off, (uint64_t)len, get_fallocate64()(fd, mode, off, len));
    pthread_mutex_unlock(&mu);
    return rc;
}

int posix_fallocate(int fd, off_t off, off_t len)
{
    int rc;
    if (tracked(fd) == NULL)
        return get_posix_fallocate()(fd, off, len);
    pthread_mutex_lock(&mu);
    rc = get_posix_fallocate()(fd, off, len);
    allocated(fd, 0, (uint64_t)off, (uint64_t)len, rc);
    pthread_mutex_unlock(&mu);
    return rc;
}

/* ---- directory operations ---- */

static void renamed(int olddirfd, const char *from, int newdirfd, const char *to, int rc)
{
    char a[NAME_MAX_ + 1], b[NAME_MAX_ + 1], buf[2 * NAME_MAX_ + 2];
    int ka, kb;
    size_t la;

    if (rc != 0)
        return;
    ka = classify(olddirfd, from, a);
    kb = classify(newdirfd, to, b);
    if (kb != FD_FILE)
        return;
    if (ka != FD_FILE) {
        bad("rename into the tracked directory from outside it");
        return;
    }
    la = strlen(a) + 1;
    memcpy(buf, a, la);
    memcpy(buf + la, b, strlen(b) + 1);
    emit(REC_RENAME, 0, 0, buf, la + strlen(b) + 1, NULL, 0);
    drop_name(b); /* the replaced file; this may move other entries, so find `a` after it */
    namerec *r = find_name(a);
    if (r != NULL)
        strcpy(r->name, b);
}

int rename(const char *from, const char *to)
{
    int rc;
    pthread_mutex_lock(&mu);
    rc = get_rename()(from, to);
    renamed(AT_FDCWD, from, AT_FDCWD, to, rc);
    pthread_mutex_unlock(&mu);
    return rc;
}

int renameat(int od, const char *from, int nd, const char *to)
{
    int rc;
    pthread_mutex_lock(&mu);
    rc = get_renameat()(od, from, nd, to);
    renamed(od, from, nd, to, rc);
    pthread_mutex_unlock(&mu);
    return rc;
}

int renameat2(int od, const char *from, int nd, const char *to, unsigned int flags)
{
    int rc;
    pthread_mutex_lock(&mu);
    rc = get_renameat2()(od, from, nd, to, flags);
    if (rc == 0 && flags != 0)
        bad("renameat2 with flags");
    renamed(od, from, nd, to, rc);
    pthread_mutex_unlock(&mu);
    return rc;
}

static void unlinked(int dirfd, const char *path, int rc)
{
    char name[NAME_MAX_ + 1];
    if (rc == 0 && classify(dirfd, path, name) == FD_FILE) {
        emit(REC_UNLINK, 0, 0, name, strlen(name) + 1, NULL, 0);
        drop_name(name);
    }
}

int unlink(const char *path)
{
    int rc;
    pthread_mutex_lock(&mu);
    rc = get_unlink()(path);
    unlinked(AT_FDCWD, path, rc);
    pthread_mutex_unlock(&mu);
    return rc;
}

int unlinkat(int dirfd, const char *path, int flags)
{
    int rc;
    pthread_mutex_lock(&mu);
    rc = get_unlinkat()(dirfd, path, flags);
    if (!(flags & AT_REMOVEDIR))
        unlinked(dirfd, path, rc);
    pthread_mutex_unlock(&mu);
    return rc;
}

/* ---- what the log cannot see ---- */

int msync(void *addr, size_t len, int flags)
{
    pthread_mutex_lock(&mu);
    bad("msync: writes through a shared mapping are invisible to the recorder");
    pthread_mutex_unlock(&mu);
    return get_msync()(addr, len, flags);
}

static void mapped(int prot, int flags, int fd)
{
    const fdinfo *f = tracked(fd);
    if (f != NULL && f->kind == FD_FILE && (prot & PROT_WRITE) && (flags & MAP_SHARED))
        bad("writable shared mapping of a tracked file (MDB_WRITEMAP?)");
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    pthread_mutex_lock(&mu);
    mapped(prot, flags, fd);
    pthread_mutex_unlock(&mu);
    return get_mmap()(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    pthread_mutex_lock(&mu);
    mapped(prot, flags, fd);
    pthread_mutex_unlock(&mu);
    return get_mmap64()(addr, len, prot, flags, fd, off);
}
