/*
 * bench_queue.c: the queue workloads of ../shared/bench/WORKLOADS.md (Q1-Q5, C1), each followed
 * by its raw-LMDB ceiling measured in the same run: the same workload written directly against
 * LMDB with the simplest layout that serves it (a message table id -> body and, where visibility
 * matters, an index deadline|id -> empty), default synced flags, one write transaction per
 * durable commit. Eddy is used through include/eddy.h only.
 *
 * usage: bench_queue [-d dir] [-s scale] [-r reps] [-c len] [Q1 Q2 Q3 Q4 Q5 C1 ...]
 *   -d dir    where the databases go (default $TMPDIR or /tmp); removed afterwards
 *   -s scale  multiply every message count by scale (default 1; 0.01 for a quick run)
 *   -r reps   Q1-Q4: run Eddy and raw LMDB alternately reps times and report each one's median
 *             (default 3), because shared machines are noisy and the ratio is what counts
 *   -c len    Eddy's compression_min_len (default: the env default, 512 bytes); a large value
 *             turns compression off, to see its cost
 * With no workload named, all run.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "eddy.h"

#define BENCH_NAME "bench_queue"
#include "bench_util.h"

static double scale = 1.0;
/* Bytes written to storage per message by the last Eddy and raw-LMDB run of a workload. */
static double io_eddy, io_raw;
static int reps = 3;
static uint32_t comp_min; /* eddy_env_options.compression_min_len; 0 = the default */
static char base[512];
static int run_no;

static uint64_t scaled(uint64_t n)
{
    uint64_t v = (uint64_t)((double)n * scale);
    return v < 10 ? 10 : v;
}

/* Bytes this process has caused to be written to storage so far (Linux /proc/self/io). */
static uint64_t io_written(void)
{
    char line[128];
    uint64_t v = 0;
    FILE *f = fopen("/proc/self/io", "r");

    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "write_bytes: %" SCNu64, &v) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return v;
}

/* ---- payloads: ~256-byte JSON order events, deterministic from a seed ---- */

static size_t payload(uint64_t *seed, uint64_t id, char *buf, size_t cap)
{
    static const char *skus[] = {"glazed",        "sprinkles", "jelly",     "cruller",
                                 "old-fashioned", "maple-bar", "bear-claw", "cinnamon-roll"};
    static const char *channels[] = {"mobile", "web", "store", "kiosk"};
    uint64_t r = splitmix(seed);
    int n = snprintf(buf, cap,
                     "{\"order_id\":%" PRIu64 ",\"customer\":\"c-%04u\",\"items\":[{\"sku\":\"%s\","
                     "\"qty\":%u},{\"sku\":\"%s\",\"qty\":%u}],\"channel\":\"%s\",\"store\":%u,"
                     "\"coupon\":\"%s\",\"total_cents\":%u,\"ts\":%" PRIu64 "}",
                     id, (unsigned)(r % 10000), skus[(r >> 14) % 8], (unsigned)((r >> 17) % 24 + 1),
                     skus[(r >> 22) % 8], (unsigned)((r >> 25) % 12 + 1), channels[(r >> 29) % 4],
                     (unsigned)((r >> 31) % 500), (r >> 40) % 3 ? "none" : "SPRING-SALE-2026",
                     (unsigned)((r >> 42) % 20000 + 199), (uint64_t)1700000000000u + id * 37);
    return (size_t)n;
}

/* ---- helpers: fresh directories, env and LMDB openers, sizes ---- */

static const char *fresh_dir(const char *tag)
{
    static char path[4][600];
    char *p = path[run_no % 4];
    char cmd[1300];
    snprintf(p, sizeof path[0], "%s/bench-queue-%d-%s", base, run_no++, tag);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", p, p);
    if (system(cmd) != 0)
        exit(1);
    return p;
}

static void rm_dir(const char *p)
{
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_queue: could not remove %s\n", p);
}

static eddy_env *eopen(const char *dir, int relaxed)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    o.durability = relaxed ? EDDY_ENV_DURABILITY_RELAXED : EDDY_ENV_DURABILITY_DURABLE;
    o.map_size_initial = 1ull << 30;
    o.compression_min_len = comp_min;
    E(eddy_env_open(dir, &o, &env));
    return env;
}

static void ecreate(eddy_env *env, const char *name)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    o.batch_max = 1000;
    o.in_flight_max = 100000000;
    o.visibility_timeout_ms = 30000;
    E(eddy_queue_create(env, name, &o));
}

typedef struct raw {
    MDB_env *env;
    MDB_dbi msgs, vis;
} raw;

static void ropen_flags(raw *r, const char *dir, unsigned flags)
{
    MDB_txn *t;
    M(mdb_env_create(&r->env));
    M(mdb_env_set_mapsize(r->env, 8ull << 30));
    M(mdb_env_set_maxdbs(r->env, 4));
    M(mdb_env_open(r->env, dir, flags, 0644));
    M(mdb_txn_begin(r->env, NULL, 0, &t));
    M(mdb_dbi_open(t, "msgs", MDB_CREATE, &r->msgs));
    M(mdb_dbi_open(t, "vis", MDB_CREATE, &r->vis));
    M(mdb_txn_commit(t));
}

static void ropen(raw *r, const char *dir)
{
    ropen_flags(r, dir, 0);
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t file_size(const char *dir)
{
    char p[1300];
    struct stat st;
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Run f(eddy) and f(raw) alternately `reps` times; medians into *e and *w. */
static void alternate(double (*f)(int use_raw, uint64_t n, int k), uint64_t n, int k, double *e,
                      double *w)
{
    double es[15], ws[15];
    int r = reps < 1 ? 1 : (reps > 15 ? 15 : reps);

    for (int i = 0; i < r; i++) {
        es[i] = f(0, n, k);
        ws[i] = f(1, n, k);
    }
    qsort(es, (size_t)r, sizeof es[0], cmp_double);
    qsort(ws, (size_t)r, sizeof ws[0], cmp_double);
    *e = es[r / 2];
    *w = ws[r / 2];
}

static void report(const char *id, const char *what, double eddy, double ceil, const char *unit)
{
    if (io_eddy > 0 || io_raw > 0)
        printf("%-3s %-34s written per message: eddy %.0f B, raw-lmdb %.0f B\n", id, what, io_eddy,
               io_raw);
    io_eddy = io_raw = 0;
    printf("%-3s %-34s eddy %12.0f %-7s raw-lmdb %12.0f %-7s eddy/raw %.2f\n", id, what, eddy, unit,
           ceil, unit, ceil > 0 ? eddy / ceil : 0);
    fflush(stdout);
}

/* ---- sends (Q1, Q2) ---- */

static void eddy_send_n(eddy_env *env, uint64_t *seed, uint64_t *id, int k)
{
    static _Thread_local char bufs[1000][320];
    static _Thread_local eddy_queue_send_entry e[1000];
    static _Thread_local eddy_queue_send_result r[1000];

    memset(e, 0, sizeof e[0] * (size_t)k);
    EDDY_ARRAY_INIT(e, k);
    r[0].size = sizeof r[0];
    for (int i = 0; i < k; i++) {
        e[i].body.data = bufs[i];
        e[i].body.len = payload(seed, (*id)++, bufs[i], sizeof bufs[i]);
    }
    E(eddy_queue_send_batch(env, "bench", e, (size_t)k, r));
    for (int i = 0; i < k; i++)
        if (r[i].rc != 0)
            die("send entry", r[i].rc);
}

static void raw_send_n(raw *r, uint64_t *seed, uint64_t *id, int k, int with_vis)
{
    uint8_t key[16];
    char buf[320];
    MDB_txn *t;
    MDB_val kv, vv;

    M(mdb_txn_begin(r->env, NULL, 0, &t));
    for (int i = 0; i < k; i++) {
        vv.mv_size = payload(seed, *id, buf, sizeof buf);
        vv.mv_data = buf;
        be64(key, 0);
        be64(key + 8, *id);
        kv.mv_size = 8;
        kv.mv_data = key + 8;
        M(mdb_put(t, r->msgs, &kv, &vv, 0));
        if (with_vis) {
            kv.mv_size = 16;
            kv.mv_data = key;
            vv.mv_size = 0;
            M(mdb_put(t, r->vis, &kv, &vv, 0));
        }
        (*id)++;
    }
    M(mdb_txn_commit(t));
}

static double eddy_sends(uint64_t n, int k)
{
    const char *dir = fresh_dir("eddy-send");
    eddy_env *env = eopen(dir, 0);
    uint64_t seed = 1, id = 0, io0;
    double t0;

    ecreate(env, "bench");
    io0 = io_written();
    t0 = now_s();
    for (uint64_t i = 0; i < n; i += (uint64_t)k)
        eddy_send_n(env, &seed, &id, k);
    t0 = now_s() - t0;
    io_eddy = (double)(io_written() - io0) / (double)n;
    E(eddy_env_close(env));
    rm_dir(dir);
    return (double)n / t0;
}

static double raw_sends(uint64_t n, int k)
{
    const char *dir = fresh_dir("raw-send");
    uint64_t seed = 1, id = 1, io0;
    double t0;
    raw r;

    ropen(&r, dir);
    io0 = io_written();
    t0 = now_s();
    for (uint64_t i = 0; i < n; i += (uint64_t)k)
        raw_send_n(&r, &seed, &id, k, 0);
    t0 = now_s() - t0;
    io_raw = (double)(io_written() - io0) / (double)n;
    mdb_env_close(r.env);
    rm_dir(dir);
    return (double)n / t0;
}

static double sends(int use_raw, uint64_t n, int k)
{
    return use_raw ? raw_sends(n, k) : eddy_sends(n, k);
}

static void q1(void)
{
    double e, w;
    alternate(sends, scaled(5000), 1, &e, &w);
    report("Q1", "1 producer, durable send each", e, w, "msgs/s");
}

static void q2(void)
{
    double e, w;
    alternate(sends, scaled(100000), 10, &e, &w);
    report("Q2", "batches of 10, durable per batch", e, w, "msgs/s");
    alternate(sends, scaled(100000), 100, &e, &w);
    report("Q2", "batches of 100, durable per batch", e, w, "msgs/s");
}

/* ---- Q4: 8 threads sending single messages at once ---- */

typedef struct q4arg {
    eddy_env *env;
    raw *r;
    uint64_t n;
    uint64_t first_id;
} q4arg;

static void *q4_eddy(void *p)
{
    q4arg *a = p;
    uint64_t seed = a->first_id, id = a->first_id;
    for (uint64_t i = 0; i < a->n; i++)
        eddy_send_n(a->env, &seed, &id, 1);
    return NULL;
}

static void *q4_raw(void *p)
{
    q4arg *a = p;
    uint64_t seed = a->first_id, id = a->first_id;
    for (uint64_t i = 0; i < a->n; i++)
        raw_send_n(a->r, &seed, &id, 1, 0);
    return NULL;
}

static double q4_run(int use_raw, uint64_t per_thread, int unused)
{
    const char *dir = fresh_dir(use_raw ? "raw-q4" : "eddy-q4");
    pthread_t th[8];
    q4arg a[8];
    eddy_env *env = NULL;
    raw r;
    double t0;

    (void)unused;
    if (use_raw)
        ropen(&r, dir);
    else
        ecreate(env = eopen(dir, 0), "bench");
    t0 = now_s();
    for (int i = 0; i < 8; i++) {
        a[i].env = env;
        a[i].r = &r;
        a[i].n = per_thread;
        a[i].first_id = 1 + (uint64_t)i * per_thread;
        pthread_create(&th[i], NULL, use_raw ? q4_raw : q4_eddy, &a[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    t0 = now_s() - t0;
    if (use_raw)
        mdb_env_close(r.env);
    else
        E(eddy_env_close(env));
    rm_dir(dir);
    return 8.0 * (double)per_thread / t0;
}

static void q4(void)
{
    double e, w;
    alternate(q4_run, scaled(2000), 0, &e, &w);
    report("Q4", "8 threads x single durable sends", e, w, "msgs/s");
}

/* ---- receive + delete (Q3, Q5, C1) ---- */

static eddy_queue_batch *eddy_recv(eddy_env *env, uint32_t max, uint32_t vis, size_t *n)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    o.max_messages = max;
    o.visibility_timeout_ms = vis;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    E(eddy_queue_receive(env, "bench", &o, &b));
    *n = eddy_queue_batch_count(b);
    return b;
}

/* Receive up to max and delete them: two durable commits. Returns how many. */
static size_t eddy_recv_delete(eddy_env *env, uint32_t max)
{
    const char *receipts[1000];
    int results[1000];
    size_t n = 0;
    eddy_queue_batch *b = eddy_recv(env, max, 30000, &n);
    n = eddy_queue_batch_count(b);

    for (size_t i = 0; i < n; i++)
        receipts[i] = eddy_queue_batch_message(b, i)->receipt;
    if (n > 0)
        E(eddy_queue_delete_batch(env, "bench", receipts, n, results));
    eddy_queue_batch_free(b);
    return n;
}

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Raw receive: the first max visible index entries get a new deadline; bodies are copied out.
 * Their ids go to ids[]. One commit. */
static size_t raw_recv(raw *r, uint32_t max, uint64_t vis_ms, uint64_t *ids, uint64_t *deadline)
{
    static char copy[1000][320];
    uint8_t nk[16];
    uint64_t now = ms_now();
    MDB_cursor *c;
    MDB_txn *t;
    MDB_val k, v, mk, mv;
    size_t n = 0;
    int rc;

    *deadline = now + vis_ms;
    M(mdb_txn_begin(r->env, NULL, 0, &t));
    M(mdb_cursor_open(t, r->vis, &c));
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && n < max;
         rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) {
        const uint8_t *kp = k.mv_data;
        uint64_t due = 0, id = 0;
        for (int i = 0; i < 8; i++) {
            due = due << 8 | kp[i];
            id = id << 8 | kp[8 + i];
        }
        if (due > now)
            break;
        M(mdb_cursor_del(c, 0));
        be64(nk, now + vis_ms);
        be64(nk + 8, id);
        k.mv_data = nk;
        k.mv_size = 16;
        v.mv_size = 0;
        M(mdb_put(t, r->vis, &k, &v, 0));
        be64(nk, id);
        mk.mv_data = nk;
        mk.mv_size = 8;
        M(mdb_get(t, r->msgs, &mk, &mv));
        memcpy(copy[n], mv.mv_data, mv.mv_size < 320 ? mv.mv_size : 320);
        ids[n++] = id;
    }
    mdb_cursor_close(c);
    M(mdb_txn_commit(t));
    return n;
}

static void raw_delete(raw *r, const uint64_t *ids, size_t n, uint64_t deadline)
{
    uint8_t key[16];
    MDB_txn *t;
    MDB_val k;

    M(mdb_txn_begin(r->env, NULL, 0, &t));
    for (size_t i = 0; i < n; i++) {
        be64(key, deadline);
        be64(key + 8, ids[i]);
        k.mv_data = key + 8;
        k.mv_size = 8;
        M(mdb_del(t, r->msgs, &k, NULL));
        k.mv_data = key;
        k.mv_size = 16;
        M(mdb_del(t, r->vis, &k, NULL));
    }
    M(mdb_txn_commit(t));
}

static void eddy_fill(eddy_env *env, uint64_t n)
{
    uint64_t seed = 7, id = 0;
    for (uint64_t i = 0; i < n; i += 1000)
        eddy_send_n(env, &seed, &id, (int)(n - i < 1000 ? n - i : 1000));
}

static void raw_fill(raw *r, uint64_t n)
{
    uint64_t seed = 7, id = 1;
    for (uint64_t i = 0; i < n; i += 1000)
        raw_send_n(r, &seed, &id, (int)(n - i < 1000 ? n - i : 1000), 1);
}

static double q3_run(int use_raw, uint64_t n, int unused)
{
    const char *dir = fresh_dir(use_raw ? "raw-q3" : "eddy-q3");
    uint64_t ids[10], deadline;
    size_t got, total = 0;
    eddy_env *env;
    double t0;
    raw r;

    (void)unused;
    if (!use_raw) {
        ecreate(env = eopen(dir, 0), "bench");
        eddy_fill(env, n);
        t0 = now_s();
        while ((got = eddy_recv_delete(env, 10)) > 0)
            total += got;
        t0 = now_s() - t0;
        E(eddy_env_close(env));
    } else {
        ropen(&r, dir);
        raw_fill(&r, n);
        t0 = now_s();
        while ((got = raw_recv(&r, 10, 30000, ids, &deadline)) > 0) {
            raw_delete(&r, ids, got, deadline);
            total += got;
        }
        t0 = now_s() - t0;
        mdb_env_close(r.env);
    }
    rm_dir(dir);
    return (double)total / t0;
}

static void q3(void)
{
    double e, w;
    alternate(q3_run, scaled(100000), 0, &e, &w);
    report("Q3", "receive 10 + delete 10, durable", e, w, "msgs/s");
}

/* Mean microseconds of `n_recv` single-message receives (visibility 12 h, durable). */
static double eddy_recv_us(const char *dir, int n_recv)
{
    eddy_env *env = eopen(dir, 0);
    double t0 = now_s();
    size_t n;
    for (int i = 0; i < n_recv; i++) {
        eddy_queue_batch_free(eddy_recv(env, 1, 43200000, &n));
        if (n != 1)
            die("Q5 receive found nothing", EDDY_EINTERNAL);
    }
    t0 = now_s() - t0;
    E(eddy_env_close(env));
    return t0 * 1e6 / n_recv;
}

static void eddy_take(const char *dir, uint64_t n)
{
    eddy_env *env = eopen(dir, 1);
    size_t got;
    for (uint64_t i = 0; i < n; i += got) {
        eddy_queue_batch_free(
            eddy_recv(env, (uint32_t)(n - i < 1000 ? n - i : 1000), 43200000, &got));
        if (got == 0)
            break;
    }
    E(eddy_env_close(env));
}

static double raw_recv_us(raw *r, int n_recv)
{
    uint64_t ids[1], deadline;
    double t0 = now_s();
    for (int i = 0; i < n_recv; i++)
        if (raw_recv(r, 1, 43200000, ids, &deadline) != 1)
            die("Q5 raw receive found nothing", EDDY_EINTERNAL);
    return (now_s() - t0) * 1e6 / n_recv;
}

static void q5(void)
{
    uint64_t n = scaled(1000000) < 20000 ? 20000 : scaled(1000000), hot = n * 9 / 10;
    uint64_t ids[1000], deadline;
    const char *dir = fresh_dir("eddy-q5");
    eddy_env *env = eopen(dir, 1);
    double e_lo, e_hi, w_lo, w_hi;
    int n_recv = 200;
    raw r;

    ecreate(env, "bench");
    eddy_fill(env, n);
    E(eddy_env_close(env));
    eddy_take(dir, 1000);
    e_lo = eddy_recv_us(dir, n_recv);
    eddy_take(dir, hot - 1000 - (uint64_t)n_recv);
    e_hi = eddy_recv_us(dir, n_recv);
    rm_dir(dir);
    dir = fresh_dir("raw-q5");
    ropen(&r, dir);
    raw_fill(&r, n);
    for (uint64_t i = 0; i < 1000; i += 1000)
        raw_recv(&r, 1000, 43200000, ids, &deadline);
    w_lo = raw_recv_us(&r, n_recv);
    for (uint64_t i = 1000 + (uint64_t)n_recv; i < hot; i += 1000)
        raw_recv(&r, (uint32_t)(hot - i < 1000 ? hot - i : 1000), 43200000, ids, &deadline);
    w_hi = raw_recv_us(&r, n_recv);
    mdb_env_close(r.env);
    rm_dir(dir);
    printf("Q5  backlog %" PRIu64 ": receive of 1 with ~1000 in flight: eddy %.0f us, raw-lmdb "
           "%.0f us; with ~%" PRIu64 " in flight: eddy %.0f us, raw-lmdb %.0f us; eddy "
           "high/low %.2f\n",
           n, e_lo, w_lo, hot, e_hi, w_hi, e_hi / e_lo);
    fflush(stdout);
}

static void c1(void)
{
    uint64_t n = scaled(2000000), backlog = 10000, seed = 11, id = 0, ids[10], deadline;
    uint64_t e10 = 0, e_end, r10 = 0, r_end;
    const char *dir = fresh_dir("eddy-c1");
    eddy_env *env = eopen(dir, 1);
    raw r;

    ecreate(env, "bench");
    eddy_fill(env, backlog);
    for (uint64_t i = 0; i < n; i += 10) {
        if (i >= n / 10 && e10 == 0) {
            E(eddy_env_sync(env));
            e10 = file_size(dir);
        }
        eddy_send_n(env, &seed, &id, 10);
        eddy_recv_delete(env, 10);
    }
    E(eddy_env_sync(env));
    e_end = file_size(dir);
    E(eddy_env_close(env));
    rm_dir(dir);
    dir = fresh_dir("raw-c1");
    ropen_flags(&r, dir, MDB_NOSYNC);
    raw_fill(&r, backlog);
    id = backlog + 1;
    for (uint64_t i = 0; i < n; i += 10) {
        if (i >= n / 10 && r10 == 0)
            r10 = file_size(dir);
        size_t got;
        raw_send_n(&r, &seed, &id, 10, 1);
        got = raw_recv(&r, 10, 30000, ids, &deadline);
        raw_delete(&r, ids, got, deadline);
    }
    r_end = file_size(dir);
    mdb_env_close(r.env);
    rm_dir(dir);
    printf("C1  churn %" PRIu64 " send+receive+delete, backlog %" PRIu64 " (eddy relaxed, "
           "raw-lmdb NOSYNC): file at 10%% / end: eddy %" PRIu64 " / %" PRIu64 " KiB = %.2f, "
           "raw-lmdb %" PRIu64 " / %" PRIu64 " KiB = %.2f\n",
           n, backlog, e10 >> 10, e_end >> 10, (double)e_end / (double)e10, r10 >> 10, r_end >> 10,
           (double)r_end / (double)r10);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *id;
        void (*fn)(void);
    } all[] = {{"Q1", q1}, {"Q2", q2}, {"Q3", q3}, {"Q4", q4}, {"Q5", q5}, {"C1", c1}};
    const char *tmp = getenv("TMPDIR");
    int first = 1, any = 0;

    snprintf(base, sizeof base, "%s", tmp != NULL ? tmp : "/tmp");
    for (; first < argc && argv[first][0] == '-'; first += 2) {
        if (first + 1 >= argc)
            break;
        if (strcmp(argv[first], "-d") == 0)
            snprintf(base, sizeof base, "%s", argv[first + 1]);
        else if (strcmp(argv[first], "-s") == 0)
            scale = atof(argv[first + 1]);
        else if (strcmp(argv[first], "-r") == 0)
            reps = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "-c") == 0)
            comp_min = (uint32_t)atoi(argv[first + 1]);
    }
    if (scale <= 0) {
        fprintf(stderr, "usage: bench_queue [-d dir] [-s scale] [-r reps] [-c len] [Q1 ... C1]\n");
        return 2;
    }
    printf("bench_queue: eddy %s, %s, scale %.3g, reps %d, dir %s\n", eddy_version(),
           mdb_version(NULL, NULL, NULL), scale, reps, base);
    for (size_t w = 0; w < sizeof all / sizeof all[0]; w++) {
        int want = first >= argc;
        for (int i = first; i < argc; i++)
            want |= strcmp(argv[i], all[w].id) == 0;
        if (want) {
            all[w].fn();
            any = 1;
        }
    }
    return any ? 0 : 2;
}
