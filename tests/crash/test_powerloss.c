/*
 * test_powerloss.c: simulated power loss by record and replay. It runs the crash workload under
 * the LD_PRELOAD recorder (recorder.c), which logs every write, barrier and directory operation on
 * the database directory plus each acknowledgement, in order. Then, for seeded crash points p in
 * that log, it builds the files a power cut at p could leave and runs the checker (check.c) on
 * each, with the model of what was acknowledged before p:
 *
 *   none    every write not covered by a barrier is dropped (what LazyFS clear-cache models);
 *   all     every write is kept (what a process crash leaves);
 *   random  every 4 KiB block touched since its file's last barrier independently holds its
 *           durable content or any later version written before p: write-back persisted any
 *           subset, in any order;
 *   torn    the same with 512-byte sectors, so one 4 KiB page write can persist in part;
 *   exhaustive  with --exhaustive N, a point with at most N combinations of block versions (and
 *           directory prefixes) gets every combination instead of the random states.
 *   torn-8  with --torn-meta T, T states torn in 8-byte pieces, below a sector: a meta page
 *           write can persist its transaction id without its roots, or the reverse. The checker
 *           then runs eddy_env_recover on an open refused with EDDY_ECORRUPT (decision 0016).
 *
 * A write is durable once fsync/fdatasync of its file returned after it, or at once when made
 * through an O_DSYNC descriptor (logged as write + barrier, which also covers that file's
 * earlier writes: a slight over-approximation that LMDB's fdatasync-before-meta makes moot). A
 * name created, renamed or unlinked is durable once its directory was fsynced; until then a
 * state keeps a random prefix of the pending directory operations (ext4 journals them in order).
 *
 * Usage: crash_powerloss --workload PATH --recorder PATH [--ops N] [--points P] [--random K]
 *        [--torn T] [--torn-meta T] [--exhaustive N] [--compact-at N] [--nosync --expect-fail]
 * [--point P]
 *        [--fresh] [--dump]
 * --compact-at N compacts the database in place (copy, verify, rename) after N operations.
 * --fresh records from an empty directory and checks every point before the first ack.
 * --nosync --expect-fail is the positive control: LMDB with MDB_NOSYNC must be caught.
 * EDDY_SEED=<n> replays exactly: the workload is single-threaded on a fake clock and seeded
 * rng, and the crash points and states are drawn from the seed.
 */
#include "crash.h"
#include "rec_log.h"
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#define FILES_MAX 64

typedef struct ev {
    uint32_t kind, inode;
    uint64_t off, len;
    const uint8_t *data;
} ev;

typedef struct file {
    uint8_t *dur; /* durable content */
    size_t len, cap;
    size_t *pend; /* indices of WRITE/TRUNC/FALLOC events since the last barrier */
    size_t n_pend, cap_pend;
} file;

typedef struct dirent_ {
    char name[256];
    uint32_t inode;
} dirent_;

typedef struct dirmap {
    dirent_ e[FILES_MAX];
    int n;
} dirmap;

enum mode { M_NONE, M_ALL, M_RANDOM, M_TORN, M_EXHAUSTIVE, M_TORN_META };
static const char *const mode_names[] = {"none",     "all",           "random-4k",
                                         "torn-512", "exhaustive-4k", "torn-8"};

static ev *evs;
static size_t n_evs;
static size_t n_evs_total;
static file files[FILES_MAX + 1];
static dirmap dur_dir;   /* names durable after the last directory fsync */
static size_t *dir_pend; /* pending CREATE/RENAME/UNLINK event indices */
static size_t n_dir_pend, cap_dir_pend;
static crash_model model;
static uint64_t rng; /* the current state's draws */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL && n != 0) {
        perror("realloc");
        abort();
    }
    return q;
}

/* ---- recording ---- */

/* Run the workload program; with `recorder`, under LD_PRELOAD writing `log`. */
static int run_workload(const char *workload, const char *recorder, const char *db, const char *log,
                        const char *acks, uint64_t seed, const char *ops, const char *threads,
                        bool nosync, const char *compact_at)
{
    char seedstr[32];
    pid_t pid;
    int st = 0;

    snprintf(seedstr, sizeof seedstr, "%" PRIu64, seed);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (recorder != NULL) {
            setenv("LD_PRELOAD", recorder, 1);
            setenv(REC_ENV_LOG, log, 1);
            setenv(REC_ENV_DIR, db, 1);
            setenv(REC_ENV_ACK, acks, 1);
        }
        execl(workload, workload, db, acks, seedstr, recorder ? "1" : "0", ops, threads,
              nosync ? "nosync" : "sync", compact_at, (char *)NULL);
        perror(workload);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "FAIL: workload ended with status 0x%x\n", st);
        return -1;
    }
    return 0;
}

/* Files of the database before the recording (created by a setup run), by name. */
typedef struct snap {
    char name[256];
    uint8_t *buf;
    size_t len;
} snap;

static snap snaps[8];
static int n_snaps;
static uint8_t *load(const char *path, size_t *len);

static void snapshot(const char *db)
{
    static const char *const names[] = {"data.mdb", "eddy.lock"};
    char p[768];

    for (int i = 0; i < 2; i++) {
        if (snprintf(p, sizeof p, "%s/%s", db, names[i]) >= (int)sizeof p || access(p, F_OK))
            continue;
        snprintf(snaps[n_snaps].name, sizeof snaps[n_snaps].name, "%s", names[i]);
        snaps[n_snaps].buf = load(p, &snaps[n_snaps].len);
        n_snaps++;
    }
}

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        perror(path);
        exit(1);
    }
    rewind(f);
    b = xrealloc(NULL, (size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int parse(const uint8_t *b, size_t len)
{
    size_t cap = 0;
    for (size_t off = 0; off < len;) {
        rec_hdr h;
        if (len - off < sizeof h)
            return -1;
        memcpy(&h, b + off, sizeof h);
        off += sizeof h;
        size_t dl = (h.kind == REC_FALLOC) ? 0 : (size_t)h.len;
        if (len - off < dl || h.inode > FILES_MAX)
            return -1;
        if (n_evs == cap)
            evs = xrealloc(evs, (cap = cap ? cap * 2 : 4096) * sizeof *evs);
        evs[n_evs++] = (ev){h.kind, h.inode, h.off, h.len, b + off};
        if (h.kind == REC_BAD) {
            fprintf(stderr, "FAIL: the recorder could not represent: %.*s\n", (int)dl, b + off);
            return -1;
        }
        off += dl;
    }
    return 0;
}

/* ---- replay state ---- */

static void put_bytes(uint8_t **buf, size_t *len, size_t *cap, uint64_t off, const uint8_t *src,
                      uint64_t n)
{
    size_t end = (size_t)(off + n);
    if (n == 0 && off <= *len)
        return; /* nothing to write (and src may be NULL) */
    if (end > *cap) {
        size_t c = *cap ? *cap : 65536;
        while (c < end)
            c *= 2;
        *buf = xrealloc(*buf, c);
        *cap = c;
    }
    if (off > *len)
        memset(*buf + *len, 0, (size_t)off - *len);
    if (src != NULL)
        memcpy(*buf + off, src, (size_t)n);
    else
        memset(*buf + off, 0, (size_t)n);
    if (end > *len)
        *len = end;
}

static void set_size(uint8_t **buf, size_t *len, size_t *cap, uint64_t size)
{
    if (size > *len)
        put_bytes(buf, len, cap, *len, NULL, size - *len);
    else
        *len = (size_t)size;
}

static void apply_seq(uint8_t **buf, size_t *len, size_t *cap, const ev *e)
{
    if (e->kind == REC_WRITE)
        put_bytes(buf, len, cap, e->off, e->data, e->len);
    else if (e->kind == REC_TRUNC)
        set_size(buf, len, cap, e->off);
    else if (e->kind == REC_FALLOC && e->off + e->len > *len)
        set_size(buf, len, cap, e->off + e->len);
}

static void dir_apply(dirmap *d, const ev *e)
{
    const char *a = (const char *)e->data;
    int i;

    if (e->kind == REC_CREATE) {
        for (i = 0; i < d->n && strcmp(d->e[i].name, a) != 0; i++)
            ;
        if (i == d->n && d->n < FILES_MAX)
            d->n++;
        snprintf(d->e[i].name, sizeof d->e[i].name, "%s", a);
        d->e[i].inode = e->inode;
        return;
    }
    if (e->kind == REC_RENAME) {
        const char *b = a + strlen(a) + 1;
        for (i = 0; i < d->n; i++) /* the target name goes away */
            if (strcmp(d->e[i].name, b) == 0)
                d->e[i] = d->e[--d->n];
        for (i = 0; i < d->n; i++)
            if (strcmp(d->e[i].name, a) == 0)
                snprintf(d->e[i].name, sizeof d->e[i].name, "%s", b);
        return;
    }
    for (i = 0; i < d->n; i++) /* REC_UNLINK */
        if (strcmp(d->e[i].name, a) == 0)
            d->e[i] = d->e[--d->n];
}

/* True if directory operation e changes directory `dir` ("" or a subdirectory's name). */
static bool touches(const ev *e, const char *dir)
{
    const char *a = (const char *)e->data;
    size_t dl = strlen(dir);

    for (int i = 0; i < (e->kind == REC_RENAME ? 2 : 1); i++, a += strlen(a) + 1) {
        const char *slash = strrchr(a, '/');
        size_t pl = slash ? (size_t)(slash - a) : 0;
        if (pl == dl && strncmp(a, dir, dl) == 0)
            return true;
    }
    return false;
}

/* fsync of `dir` returned: its pending operations, and (the journal is ordered) every pending
 * operation before the last of them, are durable. */
static void dir_sync(const char *dir)
{
    size_t last = 0;

    for (size_t k = 0; k < n_dir_pend; k++)
        if (touches(&evs[dir_pend[k]], dir))
            last = k + 1;
    for (size_t k = 0; k < last; k++)
        dir_apply(&dur_dir, &evs[dir_pend[k]]);
    memmove(dir_pend, dir_pend + last, (n_dir_pend - last) * sizeof *dir_pend);
    n_dir_pend -= last;
}

/* Apply event i to the replay state (durable images, pending lists, model). */
static void advance(size_t i)
{
    const ev *e = &evs[i];
    file *f = &files[e->inode];

    switch (e->kind) {
    case REC_WRITE:
    case REC_TRUNC:
    case REC_FALLOC:
        if (f->n_pend == f->cap_pend)
            f->pend = xrealloc(f->pend, (f->cap_pend = f->cap_pend ? f->cap_pend * 2 : 256) *
                                            sizeof *f->pend);
        f->pend[f->n_pend++] = i;
        break;
    case REC_SYNC:
        for (size_t k = 0; k < f->n_pend; k++)
            apply_seq(&f->dur, &f->len, &f->cap, &evs[f->pend[k]]);
        f->n_pend = 0;
        break;
    case REC_CREATE:
    case REC_RENAME:
    case REC_UNLINK:
        if (n_dir_pend == cap_dir_pend)
            dir_pend = xrealloc(dir_pend, (cap_dir_pend = cap_dir_pend ? cap_dir_pend * 2 : 64) *
                                              sizeof *dir_pend);
        dir_pend[n_dir_pend++] = i;
        break;
    case REC_EXISTING:
        for (int k = 0; k < n_snaps; k++) {
            if (strcmp(snaps[k].name, (const char *)e->data) != 0)
                continue;
            f->len = 0;
            put_bytes(&f->dur, &f->len, &f->cap, 0, snaps[k].buf, snaps[k].len);
            ev c = *e;
            c.kind = REC_CREATE;
            dir_apply(&dur_dir, &c); /* it existed, durably, before the recording */
        }
        break;
    case REC_DIRSYNC:
        dir_sync(e->len > 0 ? (const char *)e->data : "");
        break;
    case REC_ACK:
        for (uint64_t o = 0; o + sizeof(crash_ack) <= e->len; o += sizeof(crash_ack)) {
            crash_ack a;
            memcpy(&a, e->data + o, sizeof a);
            crash_model_add(&model, &a);
        }
        break;
    default:
        break;
    }
}

/* A digit of the current exhaustive state: combo is read as a mixed-radix number. */
static uint64_t combo;

static uint32_t choose(int m, uint32_t n_choices)
{
    uint32_t c;
    if (m != M_EXHAUSTIVE)
        return (uint32_t)(crash_rand(&rng) % n_choices);
    c = (uint32_t)(combo % n_choices);
    combo /= n_choices;
    return c;
}

/* Versions per block: cnt[b] = pending writes of f touching block b (size g); returns the
 * array (calloc'ed, *nb entries) or NULL when nothing is pending. */
static uint32_t *count_blocks(const file *f, size_t g, size_t *nb)
{
    uint32_t *cnt;

    *nb = 0;
    for (size_t k = 0; k < f->n_pend; k++) {
        const ev *e = &evs[f->pend[k]];
        if (e->kind == REC_WRITE && e->len > 0 && (e->off + e->len + g - 1) / g > *nb)
            *nb = (size_t)((e->off + e->len + g - 1) / g);
    }
    cnt = calloc(*nb + 1, sizeof *cnt);
    if (cnt == NULL)
        abort();
    for (size_t k = 0; k < f->n_pend; k++) {
        const ev *e = &evs[f->pend[k]];
        if (e->kind == REC_WRITE && e->len > 0)
            for (uint64_t b = e->off / g; b <= (e->off + e->len - 1) / g; b++)
                cnt[b]++;
    }
    return cnt;
}

/* How many distinct exhaustive states the current crash point has, or UINT64_MAX past cap. */
static uint64_t count_combos(uint64_t cap)
{
    uint64_t total = n_dir_pend + 1;

    for (uint32_t ino = 1; ino <= FILES_MAX; ino++) {
        size_t nb;
        uint32_t *cnt = count_blocks(&files[ino], 4096, &nb);
        for (size_t b = 0; b < nb && total <= cap; b++)
            total *= cnt[b] + 1;
        for (size_t k = 0; k < files[ino].n_pend && total <= cap; k++)
            total *= evs[files[ino].pend[k]].kind == REC_WRITE ? 1 : 2;
        free(cnt);
    }
    return total <= cap ? total : UINT64_MAX;
}

/* The content of inode `ino` in a crash state of mode m (block size g for RANDOM/TORN/
 * EXHAUSTIVE): each block touched by a pending write holds version 0 (durable) up to cnt (its
 * last write before the crash point), chosen at random or by the exhaustive digit. */
static void build_file(uint32_t ino, int m, uint8_t **out, size_t *len, size_t *cap)
{
    const file *f = &files[ino];
    size_t g = m == M_TORN ? 512 : m == M_TORN_META ? 8 : 4096, nb;
    uint32_t *cnt, *pick, *seen;

    *len = 0;
    put_bytes(out, len, cap, 0, f->dur, f->len);
    if (m == M_NONE || f->n_pend == 0)
        return;
    if (m == M_ALL) {
        for (size_t k = 0; k < f->n_pend; k++)
            apply_seq(out, len, cap, &evs[f->pend[k]]);
        return;
    }
    cnt = count_blocks(f, g, &nb);
    pick = calloc(nb + 1, sizeof *pick);
    seen = calloc(nb + 1, sizeof *seen);
    if (pick == NULL || seen == NULL)
        abort();
    for (size_t b = 0; b < nb; b++)
        pick[b] = cnt[b] ? choose(m, cnt[b] + 1) : 0;
    for (size_t k = 0; k < f->n_pend; k++) {
        const ev *e = &evs[f->pend[k]];
        if (e->kind != REC_WRITE) {
            if (choose(m, 2)) /* a pending size change persisted, or not */
                apply_seq(out, len, cap, e);
            continue;
        }
        for (uint64_t b = e->off / g; e->len > 0 && b <= (e->off + e->len - 1) / g; b++) {
            if (++seen[b] > pick[b])
                continue;
            uint64_t lo = b * g > e->off ? b * g : e->off;
            uint64_t hi = (b + 1) * g < e->off + e->len ? (b + 1) * g : e->off + e->len;
            put_bytes(out, len, cap, lo, e->data + (lo - e->off), hi - lo);
        }
    }
    free(cnt);
    free(pick);
    free(seen);
}

typedef struct state_file {
    char name[256];
    uint8_t *buf;
    size_t len, cap;
} state_file;

static state_file sf[FILES_MAX];
static int n_sf;

/* Build the state for mode m into sf[]; returns its hash (with the ack count mixed in). */
static uint64_t build_state(int m)
{
    dirmap d = dur_dir;
    size_t keep = m == M_NONE ? 0 : m == M_ALL ? n_dir_pend : choose(m, (uint32_t)n_dir_pend + 1);
    XXH3_state_t *h = XXH3_createState();
    uint64_t hash;

    for (size_t k = 0; k < keep; k++)
        dir_apply(&d, &evs[dir_pend[k]]);
    XXH3_64bits_reset(h);
    XXH3_64bits_update(h, &model.acks, sizeof model.acks);
    n_sf = d.n;
    for (int i = 0; i < d.n; i++) {
        snprintf(sf[i].name, sizeof sf[i].name, "%s", d.e[i].name);
        build_file(d.e[i].inode, m, &sf[i].buf, &sf[i].len, &sf[i].cap);
        XXH3_64bits_update(h, sf[i].name, strlen(sf[i].name) + 1);
        XXH3_64bits_update(h, sf[i].buf, sf[i].len);
    }
    hash = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    return hash ? hash : 1;
}

static int write_state(const char *dir)
{
    char p[768];

    t_rm_rf(dir);
    if (mkdir(dir, 0755) != 0)
        return -1;
    for (int i = 0; i < n_sf; i++) {
        int fd;
        const char *slash = strchr(sf[i].name, '/');
        if (slash != NULL) { /* a file in a subdirectory (compact.tmp/) */
            snprintf(p, sizeof p, "%s/%.*s", dir, (int)(slash - sf[i].name), sf[i].name);
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
        }
        if (snprintf(p, sizeof p, "%s/%s", dir, sf[i].name) >= (int)sizeof p)
            return -1;
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, sf[i].buf, sf[i].len) != (ssize_t)sf[i].len) {
            perror(p);
            return -1;
        }
        close(fd);
    }
    return 0;
}

/* ---- main ---- */

typedef struct opts {
    const char *workload, *recorder, *ops, *compact_at;
    int points, random, torn, exhaustive, torn_meta;
    long only_point;
    bool nosync, expect_fail, dump, fresh;
} opts;

static void parse_args(int argc, char **argv, opts *o)
{
    *o = (opts){NULL, NULL, "300", "0", 300, 5, 2, 0, 0, -1, false, false, false, false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--workload") == 0)
            o->workload = v, i++;
        else if (strcmp(a, "--recorder") == 0)
            o->recorder = v, i++;
        else if (strcmp(a, "--ops") == 0)
            o->ops = v, i++;
        else if (strcmp(a, "--compact-at") == 0)
            o->compact_at = v, i++;
        else if (strcmp(a, "--points") == 0)
            o->points = atoi(v), i++;
        else if (strcmp(a, "--random") == 0)
            o->random = atoi(v), i++;
        else if (strcmp(a, "--torn") == 0)
            o->torn = atoi(v), i++;
        else if (strcmp(a, "--torn-meta") == 0)
            o->torn_meta = atoi(v), i++;
        else if (strcmp(a, "--exhaustive") == 0)
            o->exhaustive = atoi(v), i++;
        else if (strcmp(a, "--point") == 0)
            o->only_point = atol(v), i++;
        else if (strcmp(a, "--nosync") == 0)
            o->nosync = true;
        else if (strcmp(a, "--expect-fail") == 0)
            o->expect_fail = true;
        else if (strcmp(a, "--dump") == 0)
            o->dump = true;
        else if (strcmp(a, "--fresh") == 0)
            o->fresh = true;
    }
    if (o->workload == NULL || o->recorder == NULL) {
        fprintf(stderr, "usage: %s --workload PATH --recorder PATH [options]\n", argv[0]);
        exit(2);
    }
}

/* Checks run in JOBS child processes at once, each on its own copy of a state. */
#define JOBS 2

typedef struct slot {
    char dir[600];
    crash_check_job job;
    size_t p;
    int mode;
    uint64_t acks;
} slot;

static slot slots[JOBS];
static double open_ms_sum, open_ms_max;
static uint64_t recovered; /* states whose open was refused and rolled back (--torn-meta) */

/* Collect a slot's verdict; returns 1 if it was a failure (printed for the first few). */
static int finish(slot *sl, uint64_t *count)
{
    static int shown;
    crash_result r;

    crash_check_finish(&sl->job, &r);
    count[r.verdict]++;
    recovered += (uint64_t)r.recovered;
    open_ms_sum += r.open_ms;
    open_ms_max = r.open_ms > open_ms_max ? r.open_ms : open_ms_max;
    if (r.verdict == CRASH_OK)
        return 0;
    if (shown++ < 5)
        printf("%s state at event %zu/%zu (%s, %" PRIu64 " acks before it): %s\n",
               crash_verdict_name(r.verdict), sl->p, n_evs_total, mode_names[sl->mode], sl->acks,
               r.why);
    return 1;
}

/* Where the states are checked: tmpfs when there is one. The checker's own commits (the next
 * operation) then cost no flushes; what is checked was fixed when the state was built. */
static char shm_root[64];

static void shm_cleanup(void)
{
    if (shm_root[0] != '\0' && getenv("EDDY_KEEP_TMP") == NULL)
        t_rm_rf(shm_root);
}

static const char *state_root(const char *fallback)
{
    snprintf(shm_root, sizeof shm_root, "/dev/shm/eddy-crash-XXXXXX");
    if (mkdtemp(shm_root) == NULL) {
        shm_root[0] = '\0';
        return fallback;
    }
    atexit(shm_cleanup);
    return shm_root;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Harness self-check: the "all" state at the end of the log must be exactly the files the
 * workload left (lock.mdb aside). If not, the recorder missed a write or a directory operation
 * and every verdict would be about the wrong bytes. */
static int recording_matches(const char *root)
{
    char p[900];
    int bad = 0;

    build_state(M_ALL);
    for (int i = 0; i < n_sf; i++) {
        size_t len = 0;
        uint8_t *disk;
        if (snprintf(p, sizeof p, "%s/db/%s", root, sf[i].name) >= (int)sizeof p ||
            access(p, F_OK) != 0) {
            fprintf(stderr, "FAIL: the log has %s, the disk does not\n", sf[i].name);
            bad = 1;
            continue;
        }
        disk = load(p, &len);
        if (len != sf[i].len || memcmp(disk, sf[i].buf, len) != 0) {
            fprintf(stderr, "FAIL: %s replayed (%zu bytes) differs from the disk (%zu bytes)\n",
                    sf[i].name, sf[i].len, len);
            bad = 1;
        }
        free(disk);
    }
    snprintf(p, sizeof p, "%s/db/data.mdb", root);
    if (n_sf == 0 && access(p, F_OK) == 0) {
        fprintf(stderr, "FAIL: the disk has data.mdb, the log does not\n");
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* Totals of one replay. */
typedef struct tally {
    uint64_t count[3]; /* by verdict */
    uint64_t states, dups, exhaustive;
    int failures;
    size_t points;
} tally;

/* Record (after a setup run unless --fresh), load and parse the log. */
static int record_and_load(const opts *o, const char *root, uint64_t seed, size_t *log_len)
{
    char db[512], log[512], acks[512];
    uint64_t writes = 0, acks_seen = 0;

    snprintf(db, sizeof db, "%s/db", root);
    snprintf(log, sizeof log, "%s/rec.log", root);
    snprintf(acks, sizeof acks, "%s/acks", root);
    /* Unless --fresh, the database is created before the recording, and the recording starts
     * from its files: crash points then fall in the operations, not in creation. */
    if (!o->fresh) {
        if (run_workload(o->workload, NULL, db, NULL, acks, seed, "1", "0", o->nosync, "0") != 0)
            return -1;
        snapshot(db);
    }
    if (run_workload(o->workload, o->recorder, db, log, acks, seed, o->ops, "1", o->nosync,
                     o->compact_at) != 0)
        return -1;
    const uint8_t *buf = load(log, log_len);
    if (parse(buf, *log_len) != 0) {
        fprintf(stderr, "FAIL: the log is malformed or incomplete\n");
        return -1;
    }
    for (size_t i = 0; i < n_evs; i++) {
        if (o->dump)
            printf("event %zu: kind %u inode %u off %" PRIu64 " len %" PRIu64 "\n", i, evs[i].kind,
                   evs[i].inode, evs[i].off, evs[i].len);
        writes += evs[i].kind == REC_WRITE;
        acks_seen += evs[i].kind == REC_ACK;
    }
    if (writes == 0 || acks_seen == 0) {
        fprintf(stderr, "FAIL: the recorder saw no writes or no acks: is LD_PRELOAD working?\n");
        return -1;
    }
    return 0;
}

/* Crash points: seeded, sorted; the end of the log is always one. With --fresh, every point up
 * to the first acknowledgement: the creation of the database. */
static size_t *pick_points(const opts *o, uint64_t seed, size_t *n_out)
{
    uint64_t r = seed ^ 0x9e3779b97f4a7c15ull;
    size_t first_ack = 0, n, *pts;

    while (first_ack < n_evs && evs[first_ack].kind != REC_ACK)
        first_ack++;
    n = o->only_point >= 0 ? 1 : o->fresh ? first_ack + 2 : (size_t)o->points + 1;
    pts = xrealloc(NULL, n * sizeof *pts);
    for (size_t i = 0; i + 1 < n; i++)
        pts[i] = o->fresh ? i : (size_t)(crash_rand(&r) % (n_evs + 1));
    pts[n - 1] = o->only_point >= 0 ? (size_t)o->only_point : n_evs;
    /* Around every rename (compaction's switch to the new file), every point: the window is a
     * handful of events in thousands, so random points would rarely land in it. */
    for (size_t e = 0; o->only_point < 0 && e < n_evs; e++) {
        if (evs[e].kind != REC_RENAME)
            continue;
        pts = xrealloc(pts, (n + 32) * sizeof *pts); /* at most 25 points below */
        for (size_t k = e > 16 ? e - 16 : 0; k <= e + 8 && k <= n_evs; k++)
            pts[n++] = k;
    }
    for (size_t i = 0; i < n; i++)
        pts[i] = pts[i] > n_evs ? n_evs : pts[i];
    qsort(pts, n, sizeof *pts, cmp_size);
    *n_out = n;
    return pts;
}

/* Check the state just built unless an identical one was checked, JOBS at a time. */
static void check_state(size_t p, int m, crash_set *seen, tally *t)
{
    static int next_slot;
    slot *sl;

    if (!crash_set_add(seen, build_state(m))) {
        t->dups++;
        return;
    }
    sl = &slots[next_slot];
    next_slot = (next_slot + 1) % JOBS;
    if (sl->job.pid != 0)
        t->failures += finish(sl, t->count);
    if (write_state(sl->dir) != 0) {
        fprintf(stderr, "FAIL: cannot write a state into %s\n", sl->dir);
        exit(1);
    }
    sl->p = p;
    sl->mode = m;
    sl->acks = model.acks;
    crash_check_start(sl->dir, &model, CRASH_T0 + 2 * CRASH_RUN_SPAN_MS + 3600000, &sl->job);
    t->states++;
}

/* Every state of crash point p: none, all, then either every combination of block versions
 * (when there are at most --exhaustive) or --random random ones, then --torn torn ones. */
static void replay_point(const opts *o, uint64_t seed, size_t p, crash_set *seen, tally *t)
{
    uint64_t combos = o->exhaustive > 0 ? count_combos((uint64_t)o->exhaustive) : UINT64_MAX;
    uint64_t n_mid = combos != UINT64_MAX ? combos : (uint64_t)o->random;

    for (uint64_t k = 0; k < 2 + n_mid + (uint64_t)o->torn + (uint64_t)o->torn_meta; k++) {
        int m = k < 2           ? (int)k
                : k < 2 + n_mid ? (combos != UINT64_MAX ? M_EXHAUSTIVE : M_RANDOM)
                : k < 2 + n_mid + (uint64_t)o->torn ? M_TORN
                                                    : M_TORN_META;
        /* Each state's draws depend only on (seed, p, k), so --point replays it alone. */
        rng = seed ^ ((uint64_t)p * 0x9e3779b97f4a7c15ull) ^ (k << 48);
        combo = k - 2;
        check_state(p, m, seen, t);
        if (m == M_EXHAUSTIVE)
            t->exhaustive++;
    }
}

int main(int argc, char **argv)
{
    opts o;
    uint64_t seed = t_seed(), barriers = 0, acks = 0;
    const char *root = t_tmpdir(), *sroot;
    size_t log_len = 0, *pts, cursor = 0;
    crash_set seen = {NULL, 0, 0};
    tally t;
    double t0 = crash_now_ms();

    parse_args(argc, argv, &o);
    crash_check_recover = o.torn_meta > 0;
    memset(&t, 0, sizeof t);
    sroot = state_root(root);
    for (int j = 0; j < JOBS; j++)
        snprintf(slots[j].dir, sizeof slots[j].dir, "%s/state%d", sroot, j);
    if (record_and_load(&o, root, seed, &log_len) != 0)
        return 1;
    n_evs_total = n_evs;
    pts = pick_points(&o, seed, &t.points);
    crash_model_init(&model);
    for (size_t i = 0; i < t.points; i++) {
        while (cursor < pts[i])
            advance(cursor++);
        replay_point(&o, seed, pts[i], &seen, &t);
    }
    for (int j = 0; j < JOBS; j++)
        if (slots[j].job.pid != 0)
            t.failures += finish(&slots[j], t.count);
    while (cursor < n_evs)
        advance(cursor++);
    if (o.only_point < 0 && recording_matches(root) != 0)
        return 1;
    for (size_t i = 0; i < n_evs; i++) {
        barriers += evs[i].kind == REC_SYNC || evs[i].kind == REC_DIRSYNC;
        acks += evs[i].kind == REC_ACK;
    }
    printf("powerloss%s: log of %zu events (%" PRIu64 " barriers, %" PRIu64 " acks, %.1f MB); %zu"
           " crash points; %" PRIu64 " states checked (%" PRIu64 " duplicates skipped): ok=%" PRIu64
           " lost=%" PRIu64 " corrupt=%" PRIu64 " in %.1f s\n",
           o.nosync ? " (MDB_NOSYNC control)" : "", n_evs, barriers, acks, (double)log_len / 1e6,
           t.points, t.states, t.dups, t.count[CRASH_OK], t.count[CRASH_LOST],
           t.count[CRASH_CORRUPT], (crash_now_ms() - t0) / 1000);
    printf("exhaustive states built: %" PRIu64 "; eddy_env_open on the crash states: mean %.2f ms,"
           " max %.2f ms\n",
           t.exhaustive, t.states ? open_ms_sum / (double)t.states : 0.0, open_ms_max);
    if (o.torn_meta > 0)
        printf("torn-8 states: opens refused and rolled back by eddy_env_recover: %" PRIu64 "\n",
               recovered);
    crash_set_free(&seen);
    crash_model_free(&model);
    free(pts);
    if (o.expect_fail) {
        printf(t.failures ? "positive control caught, as it must be\n"
                          : "FAIL: the positive control was not caught: the harness is broken\n");
        return t.failures ? 0 : 1;
    }
    if (t.failures != 0) {
        printf("FAIL: replay one point with EDDY_SEED=%" PRIu64 " %s ... --point <event>\n", seed,
               argv[0]);
        return 1;
    }
    return 0;
}
