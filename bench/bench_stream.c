/*
 * bench_stream.c: the stream workloads of ../shared/bench/WORKLOADS.md, each beside its raw-LMDB
 * ceiling measured in the same run:
 *   S1  N records of ~256 B JSON appended in batches of B across 4 shards, durable per batch;
 *       ceiling: one LMDB table shard_be32|seq_be64 -> payload, one synced txn per batch.
 *   S2  read all of S1 back sequentially in batches of 10,000 (Eddy: get_records per shard;
 *       ceiling: a cursor walk copying each value, one read txn per 10,000).
 *   S3  bytes of LMDB pages in use per record for S1's data: stored raw, with zstd, and with a
 *       zstd dictionary trained on the stream's first records (and the raw-LMDB layout).
 * Eddy is used through include/eddy.h only; the ceiling through lmdb.h.
 *
 * usage: bench_stream [-d dir] [-n records] [-b batch] [-r reps] [S1 S2 S3 ...]
 *   defaults: -n 1000000 -b 500 -r 1; -n 20000 is a quick run. With no workload named, all run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "eddy.h"

#define BENCH_NAME "bench_stream"
#include "bench_util.h"

#define SHARDS     4
#define READ_BATCH 10000

static uint64_t n_records = 1000000;
static uint32_t batch = 500;
static int reps = 1;
static char base[512];
static int run_no;

/* ~256-byte JSON order events, deterministic from the seed (same generator as bench_queue). */
static size_t payload(uint64_t *seed, uint64_t id, char *buf, size_t cap, unsigned *customer)
{
    static const char *skus[] = {"glazed",        "sprinkles", "jelly",     "cruller",
                                 "old-fashioned", "maple-bar", "bear-claw", "cinnamon-roll"};
    static const char *channels[] = {"mobile", "web", "store", "kiosk"};
    uint64_t r = splitmix(seed);
    *customer = (unsigned)(r % 10000);
    return (size_t)snprintf(
        buf, cap,
        "{\"order_id\":%" PRIu64 ",\"customer\":\"c-%04u\",\"items\":[{\"sku\":\"%s\","
        "\"qty\":%u},{\"sku\":\"%s\",\"qty\":%u}],\"channel\":\"%s\",\"store\":%u,"
        "\"coupon\":\"%s\",\"total_cents\":%u,\"ts\":%" PRIu64 "}",
        id, *customer, skus[(r >> 14) % 8], (unsigned)((r >> 17) % 24 + 1), skus[(r >> 22) % 8],
        (unsigned)((r >> 25) % 12 + 1), channels[(r >> 29) % 4], (unsigned)((r >> 31) % 500),
        (r >> 40) % 3 ? "none" : "SPRING-SALE-2026", (unsigned)((r >> 42) % 20000 + 199),
        (uint64_t)1700000000000u + id * 37);
}

static const char *fresh_dir(const char *tag)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/bench-stream-%d-%s-%d", base, (int)getpid(), tag, run_no++);
    mkdir(path, 0755);
    return path;
}

static void rm_dir(const char *dir)
{
    char p[700];
    const char *files[] = {"data.mdb", "lock.mdb", "eddy.lock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* ---- Eddy ---- */

typedef struct eddy_run {
    double put_s, read_s;
    uint64_t read_n;
    double bytes_per_rec;
} eddy_run;

static eddy_env *eddy_open(const char *dir, uint32_t min_len)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    o.map_size_initial = 4ull << 30;
    o.compression_min_len = min_len;
    E(eddy_env_open(dir, &o, &env));
    return env;
}

static double bytes_per_record(eddy_env *env, uint64_t n)
{
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    E(eddy_env_stat_get(env, &st));
    return (double)(st.pages_used * st.page_size) / (double)n;
}

/* Put n records in batches; train a dictionary after the first dict_after records (0: never). */
static double eddy_put_all(eddy_env *env, uint64_t dict_after)
{
    eddy_stream_put_entry *e = calloc(batch, sizeof *e);
    if (e != NULL)
        EDDY_ARRAY_INIT(e, batch);
    eddy_stream_put_result *r = calloc(batch, sizeof *r);
    if (r != NULL)
        EDDY_ARRAY_INIT(r, batch);
    char(*bodies)[320] = calloc(batch, sizeof *bodies);
    char(*pks)[16] = calloc(batch, sizeof *pks);
    uint64_t seed = 42, id = 0;
    double t0 = now_s();

    while (id < n_records) {
        size_t k = 0;
        for (; k < batch && id < n_records; k++, id++) {
            unsigned cust;
            e[k].data.len = payload(&seed, id, bodies[k], sizeof bodies[k], &cust);
            e[k].data.data = bodies[k];
            e[k].partition_key.len = (size_t)snprintf(pks[k], sizeof pks[k], "c-%04u", cust);
            e[k].partition_key.data = pks[k];
        }
        E(eddy_stream_put_batch(env, "s1", e, k, r, NULL));
        if (dict_after != 0 && id == dict_after)
            E(eddy_stream_train_dict(env, "s1", (uint32_t)dict_after, 0, NULL));
    }
    free(e);
    free(r);
    free(bodies);
    free(pks);
    return now_s() - t0;
}

static void eddy_read_all(eddy_env *env, eddy_run *out)
{
    eddy_stream_read_options ro = {.size = sizeof(eddy_stream_read_options),
                                   .max_records = READ_BATCH};
    double t0 = now_s();
    out->read_n = 0;
    for (uint32_t s = 0; s < SHARDS; s++) {
        eddy_stream_iterator it;
        E(eddy_stream_get_iterator(env, "s1", s, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
        for (;;) {
            eddy_stream_batch *b = NULL;
            size_t n;
            E(eddy_stream_get_records(env, &it, &ro, &b));
            n = eddy_stream_batch_count(b);
            out->read_n += n;
            it = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
            if (n == 0)
                break;
        }
    }
    out->read_s = now_s() - t0;
}

static void eddy_s1(uint32_t min_len, uint64_t dict_after, int read, eddy_run *out)
{
    const char *dir = fresh_dir("eddy");
    eddy_stream_options so = {
        .size = sizeof(eddy_stream_options), .shard_count = SHARDS, .batch_max = batch};
    eddy_env *env = eddy_open(dir, min_len);

    E(eddy_stream_create(env, "s1", &so));
    out->put_s = eddy_put_all(env, dict_after);
    if (read)
        eddy_read_all(env, out);
    out->bytes_per_rec = bytes_per_record(env, n_records);
    E(eddy_env_close(env));
    rm_dir(dir);
}

/* ---- raw LMDB ceiling ---- */

typedef struct raw_run {
    double put_s, read_s, bytes_per_rec;
    uint64_t read_n;
} raw_run;

static uint32_t raw_shard(const char *pk, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a: the ceiling only needs a cheap, even spread */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)pk[i]) * 16777619u;
    return h % SHARDS;
}

static void be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void raw_put_all(MDB_env *env, MDB_dbi dbi)
{
    uint64_t seed = 42, id = 0, seq[SHARDS] = {0};
    char body[320], pk[16];
    while (id < n_records) {
        MDB_txn *txn;
        M(mdb_txn_begin(env, NULL, 0, &txn));
        for (uint32_t k = 0; k < batch && id < n_records; k++, id++) {
            unsigned cust;
            uint8_t key[12];
            size_t len = payload(&seed, id, body, sizeof body, &cust);
            uint32_t s = raw_shard(pk, (size_t)snprintf(pk, sizeof pk, "c-%04u", cust));
            MDB_val kv = {sizeof key, key}, vv = {len, body};
            be(key, s, 4);
            be(key + 4, ++seq[s], 8);
            M(mdb_put(txn, dbi, &kv, &vv, 0));
        }
        M(mdb_txn_commit(txn));
    }
}

static void raw_read_all(MDB_env *env, MDB_dbi dbi, raw_run *out)
{
    char *copy = malloc(4096);
    MDB_val k, v;
    int rc = 0, first = 1;
    uint8_t last[12];
    double t0 = now_s();

    out->read_n = 0;
    while (rc == 0) {
        MDB_txn *txn;
        MDB_cursor *cur;
        size_t got = 0;
        M(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
        M(mdb_cursor_open(txn, dbi, &cur));
        if (first) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        } else {
            k.mv_data = last;
            k.mv_size = sizeof last;
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
            if (rc == 0)
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        for (; rc == 0 && got < READ_BATCH; got++) {
            memcpy(copy, v.mv_data, v.mv_size < 4096 ? v.mv_size : 4096);
            memcpy(last, k.mv_data, sizeof last);
            if (got + 1 < READ_BATCH)
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        first = 0;
        out->read_n += got;
        mdb_cursor_close(cur);
        mdb_txn_abort(txn);
    }
    out->read_s = now_s() - t0;
    free(copy);
}

static void raw_s1(int read, raw_run *out)
{
    const char *dir = fresh_dir("raw");
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_envinfo info;
    MDB_stat st;

    M(mdb_env_create(&env));
    M(mdb_env_set_mapsize(env, 4ull << 30));
    M(mdb_env_open(env, dir, 0, 0644));
    M(mdb_txn_begin(env, NULL, 0, &txn));
    M(mdb_dbi_open(txn, NULL, 0, &dbi));
    M(mdb_txn_commit(txn));
    double t0 = now_s();
    raw_put_all(env, dbi);
    out->put_s = now_s() - t0;
    if (read)
        raw_read_all(env, dbi, out);
    M(mdb_env_info(env, &info));
    M(mdb_env_stat(env, &st));
    out->bytes_per_rec = (double)((info.me_last_pgno + 1) * st.ms_psize) / (double)n_records;
    mdb_env_close(env);
    rm_dir(dir);
}

/* ---- workloads ---- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void s1_s2(int want_s1, int want_s2)
{
    double ep[16], rp[16], er[16], rr[16];
    eddy_run e;
    raw_run r;
    for (int i = 0; i < reps; i++) {
        eddy_s1(0, 0, want_s2, &e);
        raw_s1(want_s2, &r);
        ep[i] = (double)n_records / e.put_s;
        rp[i] = (double)n_records / r.put_s;
        er[i] = want_s2 ? (double)e.read_n / e.read_s : 0;
        rr[i] = want_s2 ? (double)r.read_n / r.read_s : 0;
        if (want_s2 && (e.read_n != n_records || r.read_n != n_records))
            fprintf(stderr, "bench_stream: read %" PRIu64 " / %" PRIu64 " of %" PRIu64 "\n",
                    e.read_n, r.read_n, n_records);
    }
    qsort(ep, (size_t)reps, sizeof *ep, cmp_d);
    qsort(rp, (size_t)reps, sizeof *rp, cmp_d);
    qsort(er, (size_t)reps, sizeof *er, cmp_d);
    qsort(rr, (size_t)reps, sizeof *rr, cmp_d);
    if (want_s1)
        printf("S1 append %" PRIu64 " x ~256 B, batches of %u, %d shards, durable:\n"
               "   eddy %10.0f rec/s %7.2f MB/s | raw lmdb %10.0f rec/s | ratio %5.1f%%\n",
               n_records, batch, SHARDS, ep[reps / 2], ep[reps / 2] * 256 / 1e6, rp[reps / 2],
               100 * ep[reps / 2] / rp[reps / 2]);
    if (want_s2)
        printf("S2 read back in batches of %d:\n"
               "   eddy %10.0f rec/s | raw lmdb %10.0f rec/s | ratio %5.1f%%\n",
               READ_BATCH, er[reps / 2], rr[reps / 2], 100 * er[reps / 2] / rr[reps / 2]);
}

static void s3(void)
{
    eddy_run plain, zstd, dict;
    raw_run r;
    uint64_t dict_after = n_records / 10 < 5000 ? n_records / 10 : 5000;

    eddy_s1(UINT32_MAX, 0, 0, &plain);
    eddy_s1(0, 0, 0, &zstd);
    eddy_s1(0, dict_after - dict_after % batch, 0, &dict);
    raw_s1(0, &r);
    printf("S3 bytes of pages per record (%" PRIu64 " records):\n"
           "   eddy raw %.1f | eddy zstd %.1f | eddy zstd+dict %.1f (trained on the first %" PRIu64
           ") | raw lmdb %.1f | raw/dict %.2fx\n",
           n_records, plain.bytes_per_rec, zstd.bytes_per_rec, dict.bytes_per_rec,
           dict_after - dict_after % batch, r.bytes_per_rec,
           plain.bytes_per_rec / dict.bytes_per_rec);
}

int main(int argc, char **argv)
{
    int want[3] = {0, 0, 0}, any = 0, opt;
    const char *tmp = getenv("TMPDIR");

    snprintf(base, sizeof base, "%s", tmp ? tmp : "/tmp");
    while ((opt = getopt(argc, argv, "d:n:b:r:")) != -1) {
        if (opt == 'd')
            snprintf(base, sizeof base, "%s", optarg);
        else if (opt == 'n')
            n_records = strtoull(optarg, NULL, 10);
        else if (opt == 'b')
            batch = (uint32_t)strtoul(optarg, NULL, 10);
        else if (opt == 'r')
            reps = atoi(optarg);
        else
            return fprintf(stderr, "usage: bench_stream [-d dir] [-n records] [-b batch] "
                                   "[-r reps] [S1 S2 S3 ...]\n"),
                   2;
    }
    if (reps < 1 || reps > 15 || batch < 1 || batch > 10000 || n_records < batch)
        return fprintf(stderr, "bench_stream: bad -r, -b or -n\n"), 2;
    for (int i = optind; i < argc; i++)
        for (int w = 0; w < 3; w++)
            if (argv[i][0] == 'S' && argv[i][1] == '1' + w && argv[i][2] == '\0')
                want[w] = any = 1;
    if (!any)
        want[0] = want[1] = want[2] = 1;
    printf("bench_stream: %s, %" PRIu64 " records, batch %u, median of %d\n", eddy_version(),
           n_records, batch, reps);
    if (want[0] || want[1])
        s1_s2(want[0], want[1]);
    if (want[2])
        s3();
    return 0;
}
