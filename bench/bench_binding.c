/*
 * bench_binding.c: the C side of bench/bench_python.py. The same four workloads as the Python
 * script, through include/eddy.h, so that the script can print the binding's cost beside the C
 * figures of the same run (issue 18: at least 80% of C on batch calls). Durable or relaxed,
 * 256-byte payloads (below compression_min_len, so no zstd in either), one fresh database per
 * workload.
 *
 * usage: bench_binding DIR N WORKLOAD [relaxed]   (prints "WORKLOAD <items per second>")
 *   relaxed: EDDY_ENV_DURABILITY_RELAXED, to measure the binding without fsync in the figure
 *   W1  queue send_batch of 100, N messages
 *   W2  queue receive of 10 + delete_batch of those, until the N messages of a W1 are gone
 *   W3  stream put_batch of 500 (4 shards, partition keys c-0000..c-0999), N records
 *   W4  stream read of every shard from the trim horizon (get_records, default limits)
 * DIR must not exist; it is left for the caller to remove.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"

#define BENCH_NAME "bench_binding"
#include "bench_util.h"

#define PAYLOAD 256

static void send_all(eddy_env *env, uint64_t n, uint64_t *seed)
{
    static uint8_t bodies[100][PAYLOAD];
    eddy_queue_send_entry e[100];
    eddy_queue_send_result r[100] = {EDDY_QUEUE_SEND_RESULT_INIT};

    for (uint64_t done = 0; done < n; done += 100) {
        for (int i = 0; i < 100; i++) {
            for (int k = 0; k < PAYLOAD; k += 8) {
                uint64_t v = splitmix(seed);
                memcpy(bodies[i] + k, &v, 8);
            }
            e[i] = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
            e[i].body = (eddy_slice){bodies[i], PAYLOAD};
        }
        E(eddy_queue_send_batch(env, "q", e, 100, r));
    }
}

static uint64_t receive_delete_all(eddy_env *env)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    uint64_t got = 0;

    ro.max_messages = 10;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    for (;;) {
        eddy_queue_batch *b = NULL;
        const char *receipts[10];
        int res[10];
        size_t n;

        E(eddy_queue_receive(env, "q", &ro, &b));
        n = eddy_queue_batch_count(b);
        if (n == 0) {
            eddy_queue_batch_free(b);
            return got;
        }
        for (size_t i = 0; i < n; i++)
            receipts[i] = eddy_queue_batch_message(b, i)->receipt;
        E(eddy_queue_delete_batch(env, "q", receipts, n, res));
        got += n;
        eddy_queue_batch_free(b);
    }
}

static void put_all(eddy_env *env, uint64_t n, uint64_t *seed)
{
    static uint8_t data[500][PAYLOAD];
    static char pks[500][16];
    eddy_stream_put_entry e[500];
    eddy_stream_put_result r[500] = {EDDY_STREAM_PUT_RESULT_INIT};

    for (uint64_t done = 0; done < n; done += 500) {
        for (int i = 0; i < 500; i++) {
            for (int k = 0; k < PAYLOAD; k += 8) {
                uint64_t v = splitmix(seed);
                memcpy(data[i] + k, &v, 8);
            }
            e[i] = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
            e[i].data = (eddy_slice){data[i], PAYLOAD};
            e[i].partition_key =
                (eddy_slice){pks[i], (size_t)snprintf(pks[i], sizeof pks[i], "c-%04u",
                                                      (unsigned)(splitmix(seed) % 1000))};
        }
        E(eddy_stream_put_batch(env, "s", e, 500, r, NULL));
    }
}

static uint64_t read_all(eddy_env *env)
{
    uint64_t got = 0;

    for (uint32_t shard = 0; shard < 4; shard++) {
        eddy_stream_iterator it;
        E(eddy_stream_get_iterator(env, "s", shard, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
        for (;;) {
            eddy_stream_batch *b = NULL;
            const eddy_stream_read_info *info;
            size_t n;
            E(eddy_stream_get_records(env, &it, NULL, &b));
            n = eddy_stream_batch_count(b);
            for (size_t i = 0; i < n; i++) /* touch each record as a consumer would */
                got += eddy_stream_batch_record(b, i)->data.len == PAYLOAD;
            info = eddy_stream_batch_info(b);
            it = info->next;
            eddy_stream_batch_free(b);
            if (n == 0 || info->millis_behind_latest == 0)
                break;
        }
    }
    return got;
}

int main(int argc, char **argv)
{
    eddy_env *env = NULL;
    eddy_env_options eo = EDDY_ENV_OPTIONS_INIT;
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    uint64_t seed = 42, n, items = 0;
    double t0, t;
    const char *w;

    if (argc < 4 || argc > 5 || (n = strtoull(argv[2], NULL, 10)) == 0 || n % 500 != 0 ||
        (argc == 5 && strcmp(argv[4], "relaxed") != 0)) {
        fprintf(stderr, "usage: bench_binding DIR N(multiple of 500) W1|W2|W3|W4 [relaxed]\n");
        return 2;
    }
    w = argv[3];
    if (argc == 5)
        eo.durability = EDDY_ENV_DURABILITY_RELAXED;
    E(eddy_env_open(argv[1], &eo, &env));
    so.shard_count = 4;
    if (w[0] == 'W' && (w[1] == '1' || w[1] == '2')) {
        eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
        qo.batch_max = 100;
        E(eddy_queue_create(env, "q", &qo));
    } else {
        E(eddy_stream_create(env, "s", &so));
    }
    if (strcmp(w, "W2") == 0)
        send_all(env, n, &seed);
    if (strcmp(w, "W4") == 0)
        put_all(env, n, &seed);
    E(eddy_env_sync(env)); /* relaxed: the set-up is committed before the clock starts */
    t0 = now_s();
    if (strcmp(w, "W1") == 0) {
        send_all(env, n, &seed);
        items = n;
    } else if (strcmp(w, "W2") == 0) {
        items = receive_delete_all(env);
    } else if (strcmp(w, "W3") == 0) {
        put_all(env, n, &seed);
        items = n;
    } else if (strcmp(w, "W4") == 0) {
        items = read_all(env);
    } else {
        fprintf(stderr, "bench_binding: unknown workload %s\n", w);
        return 2;
    }
    t = now_s() - t0;
    if (items != n) {
        fprintf(stderr, "bench_binding: %s handled %llu of %llu\n", w, (unsigned long long)items,
                (unsigned long long)n);
        return 1;
    }
    printf("%s %.0f\n", w, (double)items / t);
    E(eddy_env_close(env));
    return 0;
}
