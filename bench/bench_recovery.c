/*
 * bench_recovery.c: R1 and R2 of ../shared/bench/WORKLOADS.md.
 *
 * R1  a Q4 writer (8 threads, each sending 2,000 single messages durably) is killed with
 *     SIGKILL at a random moment, KILLS times (default 200). After each kill: reopen, time
 *     open -> first successful receive, then count acknowledged messages that are gone (must be
 *     0). Each trial uses its own queue in one growing database.
 * R2  the same recovery time with N messages stored, and the time of an open with
 *     EDDY_ENV_CHECK, which reads every page (default 10k and 1M; pass sizes to run
 *     10M): a writer fills the queue, keeps sending, and is killed; repeated 5 times per size.
 *
 * Beside each figure it prints the raw-LMDB floor measured on the same files in the same run:
 * mdb_env_open + mdb_reader_check + one read (after Eddy's open, so with a warm page cache and
 * a lock file already reset). Eddy replays no log, so recovery should stay flat as data grows.
 *
 * Usage: bench_recovery [r1 [KILLS]] [r2 [N ...]]   (no argument: r1 200, r2 10000 1000000)
 * Uses include/eddy.h only (and LMDB for the floor). TMPDIR chooses the disk.
 */
#include "eddy.h"

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define R1_THREADS 8
#define R1_SENDS   2000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A ~256-byte JSON order event whose first field identifies it (WORKLOADS.md payload). */
static size_t body_of(uint64_t id, char *dst, size_t cap)
{
    static const char *const skus[] = {"glazed",   "cruller",   "jelly",         "boston-cream",
                                       "sprinkle", "maple-bar", "old-fashioned", "bear-claw"};
    static const char *const channels[] = {"mobile", "web", "store", "kiosk"};
    uint64_t s = id, h = mix(&s);
    int n = snprintf(dst, cap,
                     "{\"order_id\":%" PRIu64 ",\"customer\":\"c-%04u\",\"items\":[{\"sku\":\"%s\","
                     "\"qty\":%u},{\"sku\":\"%s\",\"qty\":%u}],\"channel\":\"%s\",\"store\":%u,"
                     "\"note\":\"%s\",\"ts\":%" PRIu64 "}",
                     id, (unsigned)(h % 5000), skus[(h >> 13) % 8], (unsigned)((h >> 20) % 24 + 1),
                     skus[(h >> 25) % 8], (unsigned)((h >> 30) % 6 + 1), channels[(h >> 35) % 4],
                     (unsigned)((h >> 40) % 300),
                     (h >> 50) % 3 ? "leave at the door" : "call on arrival, side entrance",
                     (uint64_t)1700000000000u + (h >> 44));
    return (size_t)n;
}

static uint64_t id_of(const void *body, size_t len)
{
    const char *b = body;
    if (len < 13 || memcmp(b, "{\"order_id\":", 12) != 0)
        return 0;
    return strtoull(b + 12, NULL, 10);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_recovery: %s: %s (%s)\n", what, eddy_errname(rc), eddy_last_error());
    exit(1);
}

/* ---- the killed writer (child process) ---- */

typedef struct writer {
    eddy_env *env;
    const char *queue;
    int ack_fd;
    uint32_t thread;
    uint64_t sends; /* 0 = until killed */
    uint64_t first_id;
} writer;

static void *send_loop(void *p)
{
    writer *w = p;
    char body[512];
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;

    for (uint64_t i = 0; w->sends == 0 || i < w->sends; i++) {
        uint64_t id = w->first_id + ((uint64_t)w->thread << 32) + i + 1;
        e.body.data = body;
        e.body.len = body_of(id, body, sizeof body);
        int rc = eddy_queue_send(w->env, w->queue, &e, NULL);
        if (rc != 0)
            die("send", rc);
        if (write(w->ack_fd, &id, sizeof id) != (ssize_t)sizeof id)
            _exit(4); /* parent gone */
    }
    return NULL;
}

/* Open, create the queue, optionally fill it with `fill` messages in batches, write one 0 id
 * as "ready", then run `threads` senders of `sends` messages each (0 = until killed). */
static void writer_main(const char *dir, const char *queue, int ack_fd, uint64_t fill,
                        uint32_t threads, uint64_t sends)
{
    eddy_env *env = NULL;
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    pthread_t tid[R1_THREADS];
    writer w[R1_THREADS];
    uint64_t ready = 0;
    int rc;

    if ((rc = eddy_env_open(dir, NULL, &env)) != 0)
        die("open", rc);
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.batch_max = 1000;
    if ((rc = eddy_queue_create(env, queue, &qo)) != 0)
        die("create", rc);
    if (fill > 0) {
        static char bodies[1000][320];
        static eddy_queue_send_entry e[1000] = {[0 ...(1000) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
        static eddy_queue_send_result r[1000] = {[0 ...(1000) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        if ((rc = eddy_queue_get_attributes(env, queue, &info)) != 0)
            die("attributes", rc);
        for (uint64_t done = info.messages; done < fill;) {
            size_t n = fill - done < 1000 ? (size_t)(fill - done) : 1000;
            for (size_t i = 0; i < n; i++) {
                e[i].body.data = bodies[i];
                e[i].body.len = body_of((1ull << 60) + done + i, bodies[i], sizeof bodies[i]);
            }
            if ((rc = eddy_queue_send_batch(env, queue, e, n, r)) != 0)
                die("send_batch", rc);
            done += n;
        }
    }
    if (write(ack_fd, &ready, sizeof ready) != (ssize_t)sizeof ready)
        _exit(4);
    for (uint32_t t = 0; t < threads; t++) {
        w[t] = (writer){env, queue, ack_fd, t, sends, (uint64_t)getpid() << 40};
        pthread_create(&tid[t], NULL, send_loop, &w[t]);
    }
    for (uint32_t t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    eddy_env_close(env);
    _exit(0);
}

/* ---- the parent ---- */

typedef struct idset {
    uint64_t *v;
    size_t n, cap;
} idset;

static void idset_add(idset *s, uint64_t id)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (s->v == NULL)
            abort();
    }
    s->v[s->n++] = id;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Start a writer; wait for its "ready"; read `kill_after` acks (or a random delay when 0); kill
 * it; collect every ack it wrote before dying. */
static void run_and_kill(const char *dir, const char *queue, uint64_t fill, uint32_t threads,
                         uint64_t sends, uint64_t kill_after, long delay_us, idset *acked)
{
    int p[2], st;
    pid_t pid;
    uint64_t id, got = 0;
    bool ready = false;

    if (pipe(p) != 0)
        abort();
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        writer_main(dir, queue, p[1], fill, threads, sends);
    }
    close(p[1]);
    while (read(p[0], &id, sizeof id) == (ssize_t)sizeof id) {
        if (!ready) {
            ready = true;
            if (kill_after == 0) {
                struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
                nanosleep(&ts, NULL);
                break;
            }
            continue;
        }
        idset_add(acked, id);
        if (++got >= kill_after)
            break;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    while (read(p[0], &id, sizeof id) == (ssize_t)sizeof id)
        if (id != 0)
            idset_add(acked, id);
    close(p[0]);
}

typedef struct recovery {
    double open_ms, first_receive_ms, raw_ms;
} recovery;

/* Raw LMDB floor: open the same files, check readers, read the first key. */
static double raw_lmdb_ms(const char *dir)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_dbi dbi;
    MDB_val k, v;
    int dead;
    double t0 = now_ms();

    if (mdb_env_create(&env) != 0)
        return -1;
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)1 << 36);
    if (mdb_env_open(env, dir, MDB_NOTLS, 0644) != 0) {
        mdb_env_close(env);
        return -1;
    }
    mdb_reader_check(env, &dead);
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
        if (mdb_dbi_open(txn, NULL, 0, &dbi) == 0 && mdb_cursor_open(txn, dbi, &cur) == 0) {
            mdb_cursor_get(cur, &k, &v, MDB_FIRST);
            mdb_cursor_close(cur);
        }
        mdb_txn_abort(txn);
    }
    t0 = now_ms() - t0;
    mdb_env_close(env);
    return t0;
}

/* Reopen after the kill and time open -> first successful receive. With `acked`, also drain the
 * queue and count acknowledged messages that are gone. */
static recovery recover(const char *dir, const char *queue, const idset *acked, uint64_t *lost,
                        uint64_t *dups)
{
    eddy_env *env = NULL;
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    recovery r;
    double t0 = now_ms();
    int rc;

    if ((rc = eddy_env_open(dir, NULL, &env)) != 0)
        die("reopen", rc);
    r.open_ms = now_ms() - t0;
    o = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    o.max_messages = 10;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    if ((rc = eddy_queue_receive(env, queue, &o, &b)) != 0)
        die("first receive", rc);
    r.first_receive_ms = now_ms() - t0;
    if (acked != NULL) {
        idset found = {NULL, 0, 0};
        o.max_messages = 1000;
        o.visibility_timeout_ms = 43200000;
        for (;;) {
            size_t n = 0;
            n = eddy_queue_batch_count(b);
            for (size_t i = 0; i < n; i++)
                idset_add(&found, id_of(eddy_queue_batch_message(b, i)->body.data,
                                        eddy_queue_batch_message(b, i)->body.len));
            eddy_queue_batch_free(b);
            b = NULL;
            if (n == 0)
                break;
            if ((rc = eddy_queue_receive(env, queue, &o, &b)) != 0)
                die("drain", rc);
        }
        if (found.n > 0)
            qsort(found.v, found.n, sizeof *found.v, cmp_u64);
        for (size_t i = 0; i + 1 < found.n; i++)
            *dups += found.v[i] == found.v[i + 1];
        for (size_t i = 0; i < acked->n; i++)
            if (found.n == 0 ||
                bsearch(&acked->v[i], found.v, found.n, sizeof *found.v, cmp_u64) == NULL)
                (*lost)++;
        free(found.v);
        if ((rc = eddy_queue_delete(env, queue)) != 0)
            die("delete queue", rc);
    }
    eddy_queue_batch_free(b);
    if ((rc = eddy_env_close(env)) != 0)
        die("close", rc);
    r.raw_ms = raw_lmdb_ms(dir);
    return r;
}

static void stats(const char *label, double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    printf("  %-44s min %8.2f  median %8.2f  max %8.2f ms\n", label, v[0], v[n / 2], v[n - 1]);
}

static void r1(const char *root, int kills, uint64_t *seed)
{
    char dir[600], queue[64];
    double *open_v = calloc((size_t)kills, sizeof(double));
    double *first_v = calloc((size_t)kills, sizeof(double));
    double *raw_v = calloc((size_t)kills, sizeof(double));
    uint64_t lost = 0, dups = 0, acked_total = 0;
    double t0 = now_ms();

    snprintf(dir, sizeof dir, "%s/r1", root);
    printf("R1: %d SIGKILLs of a Q4 writer (%d threads x %d durable single sends)\n", kills,
           R1_THREADS, R1_SENDS);
    for (int i = 0; i < kills; i++) {
        idset acked = {NULL, 0, 0};
        uint64_t k = 1 + mix(seed) % (R1_THREADS * R1_SENDS);
        snprintf(queue, sizeof queue, "r1-%d", i);
        run_and_kill(dir, queue, 0, R1_THREADS, R1_SENDS, k, 0, &acked);
        recovery r = recover(dir, queue, &acked, &lost, &dups);
        open_v[i] = r.open_ms;
        first_v[i] = r.first_receive_ms;
        raw_v[i] = r.raw_ms;
        acked_total += acked.n;
        free(acked.v);
    }
    printf("  acknowledged %" PRIu64 ", lost %" PRIu64 ", delivered twice %" PRIu64 " (%.0f s)\n",
           acked_total, lost, dups, (now_ms() - t0) / 1000);
    stats("recovery: eddy_env_open -> first receive", first_v, (size_t)kills);
    stats("  of which eddy_env_open", open_v, (size_t)kills);
    stats("raw LMDB: open + reader_check + first read", raw_v, (size_t)kills);
    free(open_v);
    free(first_v);
    free(raw_v);
}

/* An open that checks every page of the file (page cache warm from the runs before). */
static double full_check_ms(const char *dir)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    double t0 = now_ms();
    int rc;

    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = EDDY_ENV_CHECK;
    if ((rc = eddy_env_open(dir, &o, &env)) != 0)
        die("open with EDDY_ENV_CHECK", rc);
    t0 = now_ms() - t0;
    if ((rc = eddy_env_close(env)) != 0)
        die("close", rc);
    return t0;
}

static void r2(const char *root, const uint64_t *sizes, int n_sizes, uint64_t *seed)
{
    enum { REPS = 5 };

    printf("R2: recovery time as data grows (%d kills per size, writer killed mid-send)\n", REPS);
    printf("  %12s %10s %26s %26s %26s\n", "messages", "file MB", "open ms min/med/max",
           "open->receive min/med/max", "raw LMDB min/med/max");
    for (int s = 0; s < n_sizes; s++) {
        char dir[600], data[700];
        double open_v[REPS], first_v[REPS], raw_v[REPS], t0 = now_ms();
        struct stat st;

        snprintf(dir, sizeof dir, "%s/r2-%" PRIu64, root, sizes[s]);
        for (int i = 0; i < REPS; i++) {
            idset acked = {NULL, 0, 0};
            run_and_kill(dir, "r2", sizes[s], 2, 0, 0, 20000 + (long)(mix(seed) % 200000), &acked);
            recovery r = recover(dir, "r2", NULL, NULL, NULL);
            open_v[i] = r.open_ms;
            first_v[i] = r.first_receive_ms;
            raw_v[i] = r.raw_ms;
            free(acked.v);
        }
        snprintf(data, sizeof data, "%s/data.mdb", dir);
        stat(data, &st);
        double check_ms = full_check_ms(dir);
        qsort(open_v, REPS, sizeof(double), cmp_double);
        qsort(first_v, REPS, sizeof(double), cmp_double);
        qsort(raw_v, REPS, sizeof(double), cmp_double);
        printf("  %12" PRIu64 " %10.1f %8.2f/%7.2f/%7.2f %8.2f/%7.2f/%7.2f %8.2f/%7.2f/%7.2f"
               "  (%.0f s incl. fill)\n",
               sizes[s], (double)st.st_size / 1e6, open_v[0], open_v[REPS / 2], open_v[REPS - 1],
               first_v[0], first_v[REPS / 2], first_v[REPS - 1], raw_v[0], raw_v[REPS / 2],
               raw_v[REPS - 1], (now_ms() - t0) / 1000);
        printf("  %12s open with EDDY_ENV_CHECK (every page read, decision 0006): %.1f ms\n", "",
               check_ms);
    }
}

static void rm_rf(const char *root)
{
    char cmd[700];
    if (getenv("EDDY_KEEP_TMP") == NULL) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_recovery: could not remove %s\n", root);
    }
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    char root[512];
    uint64_t sizes[16] = {10000, 1000000}, seed;
    int n_sizes = 2, kills = 200, do_r1 = argc < 2, do_r2 = argc < 2;
    const char *s = getenv("EDDY_SEED");

    seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
    printf("seed=%" PRIu64 "\n", seed);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "r1") == 0) {
            do_r1 = 1;
            if (i + 1 < argc && atoi(argv[i + 1]) > 0)
                kills = atoi(argv[++i]);
        } else if (strcmp(argv[i], "r2") == 0) {
            do_r2 = 1;
            if (i + 1 < argc && strtoull(argv[i + 1], NULL, 10) > 0)
                n_sizes = 0;
            while (i + 1 < argc && strtoull(argv[i + 1], NULL, 10) > 0 && n_sizes < 16)
                sizes[n_sizes++] = strtoull(argv[++i], NULL, 10);
        }
    }
    snprintf(root, sizeof root, "%s/eddy-bench-recovery-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (do_r1)
        r1(root, kills, &seed);
    if (do_r2)
        r2(root, sizes, n_sizes, &seed);
    rm_rf(root);
    return 0;
}
