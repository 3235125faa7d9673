/*
 * bench_poller.c: pollers draining a stream and a queue through a no-op callback, each beside
 * the raw read figure of the same data in the same run:
 *   stream: N records (4 shards) read by a loop of eddy_stream_get_records (10000 per call, no
 *           checkpoints), then by a stream poller (Eddy's threads, one checkpoint commit per
 *           batch) until its consumer has seen them all;
 *   queue:  M messages drained by a receive + delete_batch loop (batches of 10: two commits
 *           per batch), then M more by a queue poller (batches of 10, its deletes riding on its
 *           next receive: one commit per batch), one worker and max_concurrency workers.
 * Eddy is used through include/eddy.h only; durable mode (every commit synced).
 *
 * usage: bench_poller [-d dir] [-n records] [-m messages] [-b stream_batch] [-c concurrency]
 *   defaults: -n 1000000 -m 100000 -b 1000 -c 4; the database goes under dir ($TMPDIR or /tmp)
 *   and is removed afterwards.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eddy.h"

#define OK(x)                                                                                      \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "%s: %s (%s)\n", #x, eddy_errname(rc_), eddy_last_error());            \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static atomic_uint_fast64_t seen;

static int noop(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    (void)ctx;
    (void)r;
    atomic_fetch_add(&seen, b->n);
    return 0;
}

static void wait_seen(uint64_t n)
{
    struct timespec ts = {0, 1000000};
    while (atomic_load(&seen) < n)
        nanosleep(&ts, NULL);
}

static void fill_stream(eddy_env *env, uint64_t n)
{
    eddy_stream_put_entry e[500] = {[0 ...(500) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[500] = {[0 ...(500) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    char data[500][100], pk[500][16];

    for (uint64_t i = 0; i < n;) {
        size_t k = n - i < 500 ? (size_t)(n - i) : 500;
        for (size_t j = 0; j < k; j++, i++) {
            memset(&e[j], 0, sizeof e[j]);
            e[j].size = sizeof e[j];
            int len = snprintf(data[j], sizeof data[j],
                               "{\"id\":%" PRIu64 ",\"kind\":\"event\",\"pad\":\"%040" PRIu64 "\"}",
                               i, i * 7919);
            snprintf(pk[j], sizeof pk[j], "k%" PRIu64, i % 1000);
            e[j].data.data = data[j];
            e[j].data.len = (size_t)len;
            e[j].partition_key.data = pk[j];
            e[j].partition_key.len = strlen(pk[j]);
        }
        OK(eddy_stream_put_batch(env, "s", e, k, r, NULL));
    }
}

static void fill_queue(eddy_env *env, const char *q, uint64_t n)
{
    eddy_queue_send_entry e[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    char body[10][100];

    for (uint64_t i = 0; i < n;) {
        size_t k = n - i < 10 ? (size_t)(n - i) : 10;
        for (size_t j = 0; j < k; j++, i++) {
            memset(&e[j], 0, sizeof e[j]);
            e[j].size = sizeof e[j];
            int len = snprintf(body[j], sizeof body[j],
                               "{\"order\":%" PRIu64 ",\"qty\":%" PRIu64 "}", i, i % 13);
            e[j].body.data = body[j];
            e[j].body.len = (size_t)len;
        }
        OK(eddy_queue_send_batch(env, q, e, k, r));
    }
}

static double raw_stream_read(eddy_env *env, uint64_t *n_out)
{
    eddy_stream_shard sh[16] = {[0 ...(16) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_read_options ro = {.size = sizeof ro, .max_records = 10000, .max_bytes = 0};
    size_t ns = 0;
    double t0 = now_s();

    *n_out = 0;
    OK(eddy_stream_list_shards(env, "s", sh, 16, &ns));
    for (size_t i = 0; i < ns; i++) {
        eddy_stream_iterator it;
        OK(eddy_stream_get_iterator(env, "s", sh[i].shard_id, EDDY_STREAM_ITER_TRIM_HORIZON, NULL,
                                    0, &it));
        for (;;) {
            eddy_stream_batch *b = NULL;
            size_t n = 0;
            OK(eddy_stream_get_records(env, &it, &ro, &b));
            n = eddy_stream_batch_count(b);
            *n_out += n;
            it = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
            if (n == 0)
                break;
        }
    }
    return now_s() - t0;
}

static double raw_queue_drain(eddy_env *env, const char *q, uint64_t *n_out)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    double t0 = now_s();

    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 10;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    *n_out = 0;
    for (;;) {
        eddy_queue_batch *b = NULL;
        const char *rc[10];
        int res[10];
        size_t n = 0;
        OK(eddy_queue_receive(env, q, &ro, &b));
        n = eddy_queue_batch_count(b);
        for (size_t i = 0; i < n; i++)
            rc[i] = eddy_queue_batch_message(b, i)->receipt;
        if (n > 0)
            OK(eddy_queue_delete_batch(env, q, rc, n, res));
        *n_out += n;
        eddy_queue_batch_free(b);
        if (n == 0)
            break;
    }
    return now_s() - t0;
}

static double poll_drain(eddy_env *env, const eddy_poller_options *o, uint64_t n,
                         eddy_poller_status *st)
{
    eddy_poller *p = NULL;
    double t0;

    atomic_store(&seen, 0);
    OK(eddy_poller_create(env, o, noop, NULL, &p));
    t0 = now_s();
    OK(eddy_poller_start(p));
    wait_seen(n);
    OK(eddy_poller_stop(p)); /* includes the last commit */
    double dt = now_s() - t0;
    OK(eddy_poller_status_get(p, st));
    eddy_poller_destroy(p);
    return dt;
}

int main(int argc, char **argv)
{
    uint64_t n_rec = 1000000, n_msg = 100000, got = 0;
    uint32_t sbatch = 1000, conc = 4;
    const char *tmp = getenv("TMPDIR");
    char dir[512], cmd[600];
    eddy_env *env = NULL;
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller_status st = EDDY_POLLER_STATUS_INIT;
    eddy_env_stat e0 = EDDY_ENV_STAT_INIT, e1 = EDDY_ENV_STAT_INIT;
    int opt;

    while ((opt = getopt(argc, argv, "d:n:m:b:c:")) != -1) {
        switch (opt) {
        case 'd':
            tmp = optarg;
            break;
        case 'n':
            n_rec = strtoull(optarg, NULL, 10);
            break;
        case 'm':
            n_msg = strtoull(optarg, NULL, 10);
            break;
        case 'b':
            sbatch = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'c':
            conc = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        default:
            return fprintf(stderr, "usage: bench_poller [-d dir] [-n records] [-m messages] "
                                   "[-b stream_batch] [-c concurrency]\n"),
                   2;
        }
    }
    snprintf(dir, sizeof dir, "%s/eddy-bench-poller-%d", tmp != NULL ? tmp : "/tmp", (int)getpid());
    OK(eddy_env_open(dir, NULL, &env));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.shard_count = 4;
    OK(eddy_stream_create(env, "s", &so));
    OK(eddy_queue_create(env, "q", NULL));

    printf("bench_poller: %" PRIu64 " stream records (4 shards, ~90 B), %" PRIu64
           " queue messages (~25 B), durable commits\n",
           n_rec, n_msg);
    double t0 = now_s();
    fill_stream(env, n_rec);
    printf("  fill stream                      %8.2f s\n", now_s() - t0);

    double dt = raw_stream_read(env, &got);
    printf("  stream raw read (get_records)    %10.0f records/s  (%" PRIu64 " records)\n",
           (double)got / dt, got);
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.source = EDDY_POLLER_SOURCE_STREAM;
    o.name = "s";
    o.consumer = "bench";
    o.batch_size = sbatch;
    o.max_concurrency = conc;
    OK(eddy_env_stat_get(env, &e0));
    dt = poll_drain(env, &o, n_rec, &st);
    OK(eddy_env_stat_get(env, &e1));
    printf("  stream poller (batch %u, %u thr) %10.0f records/s  (%" PRIu64 " batches, %" PRIu64
           " commits)\n",
           sbatch, conc, (double)st.records / dt, st.batches, e1.commits - e0.commits);
    o.consumer = "bench2";
    o.parallelization = 4;
    dt = poll_drain(env, &o, n_rec, &st);
    printf("  stream poller, parallelization 4 %10.0f records/s\n", (double)st.records / dt);

    t0 = now_s();
    fill_queue(env, "q", n_msg);
    printf("  fill queue                       %8.2f s\n", now_s() - t0);
    OK(eddy_env_stat_get(env, &e0));
    dt = raw_queue_drain(env, "q", &got);
    OK(eddy_env_stat_get(env, &e1));
    printf("  queue raw receive+delete loop    %10.0f messages/s (%" PRIu64 " msgs, %" PRIu64
           " commits)\n",
           (double)got / dt, got, e1.commits - e0.commits);
    for (uint32_t c = 1; c <= conc; c = c == 1 && conc > 1 ? conc : c + conc) {
        fill_queue(env, "q", n_msg);
        o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
        o.source = EDDY_POLLER_SOURCE_QUEUE;
        o.name = "q";
        o.batch_size = 10;
        o.max_concurrency = c;
        OK(eddy_env_stat_get(env, &e0));
        dt = poll_drain(env, &o, n_msg, &st);
        OK(eddy_env_stat_get(env, &e1));
        printf("  queue poller (batch 10, %u thr)   %10.0f messages/s (%" PRIu64
               " batches, %" PRIu64 " commits)\n",
               c, (double)st.records / dt, st.batches, e1.commits - e0.commits);
    }
    OK(eddy_env_close(env));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
