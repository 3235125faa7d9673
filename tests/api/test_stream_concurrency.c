/*
 * test_stream_concurrency.c: puts from several threads while another thread reshards the
 * stream. A put routed before a reshard is routed again (the writer sees the stream's shard set
 * changed), so every acknowledged record is stored exactly once, on a shard that was open when
 * it was written, and verify stays clean.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define PUTTERS 3
#define ROUNDS  150
#define BATCH   8

typedef struct ctx {
    eddy_env *env;
    int id;
    int failed;
} ctx;

static void *putter(void *arg)
{
    ctx *c = arg;
    char data[BATCH][32], pk[BATCH][16];
    eddy_stream_put_entry e[BATCH] = {[0 ...(BATCH) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[BATCH] = {[0 ...(BATCH) - 1] = EDDY_STREAM_PUT_RESULT_INIT};

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < BATCH; i++) {
            snprintf(data[i], sizeof data[i], "t%d-r%d-i%d", c->id, round, i);
            snprintf(pk[i], sizeof pk[i], "k%d", (round * BATCH + i) % 97);
            e[i].data.data = data[i];
            e[i].data.len = strlen(data[i]);
            e[i].partition_key.data = pk[i];
            e[i].partition_key.len = strlen(pk[i]);
        }
        int rc = eddy_stream_put_batch(c->env, "s", e, BATCH, r, NULL);
        if (rc != 0) {
            fprintf(stderr, "put: %s: %s\n", eddy_errname(rc), eddy_last_error());
            c->failed++;
        }
    }
    return NULL;
}

static void *resharder(void *arg)
{
    ctx *c = arg;
    for (int i = 0; i < 30; i++) {
        int rc = eddy_stream_update_shard_count(c->env, "s", i % 2 ? 2 : 3);
        if (rc != 0) {
            fprintf(stderr, "reshard: %s: %s\n", eddy_errname(rc), eddy_last_error());
            c->failed++;
        }
    }
    return NULL;
}

static void puts_race_reshards(void **state)
{
    t_clock clock = {1700000000000ull};
    eddy_env *env = t_env_open(t_tmpdir(), &clock);
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 2};
    pthread_t th[PUTTERS + 1];
    ctx c[PUTTERS + 1];
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;

    (void)state;
    T_OK(eddy_stream_create(env, "s", &o));
    for (int i = 0; i <= PUTTERS; i++) {
        c[i].env = env;
        c[i].id = i;
        c[i].failed = 0;
        pthread_create(&th[i], NULL, i < PUTTERS ? putter : resharder, &c[i]);
    }
    for (int i = 0; i <= PUTTERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(c[i].failed, 0);
    }
    T_OK(eddy_stream_get_attributes(env, "s", &info));
    assert_int_equal(info.records, PUTTERS * ROUNDS * BATCH);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(puts_race_reshards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
