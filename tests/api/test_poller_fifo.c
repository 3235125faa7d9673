/*
 * test_poller_fifo.c: a poller on a FIFO queue behaves as Lambda's event-source mapping on SQS
 * FIFO (decision 0013): 100 groups of 10 messages, 4 worker threads, a callback that fails
 * some messages (seeded) with partial-batch responses naming only the first failure of a group.
 * Checked in the callback: a group is never in two batches at once, each batch holds a run of
 * a group's messages in order that starts at or before the first one not yet processed (so
 * nothing later of a group runs after a failure until the failed one succeeded; a message that
 * succeeded may come again only when the clock jumped past its timeout before the poller's
 * delete was committed: at-least-once), and at the end every message succeeded in order. Time moves
 * through the fake clock; the loop waits for the workers to go idle before it makes failed messages
 * visible again.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define NG  100
#define PER 10

typedef struct run {
    pthread_mutex_t mu;
    int active[NG];
    int next[NG]; /* messages of the group that succeeded (in order) */
    int errors;
    char first_error[256];
    uint64_t seed;
    size_t calls, items, max_groups, again;
} run;

static void bad(run *r, const char *fmt, int a, int b, int c)
{
    if (r->errors++ == 0)
        snprintf(r->first_error, sizeof r->first_error, fmt, a, b, c);
}

static int fails(const run *r, int g, int i, uint32_t attempt)
{
    uint64_t h = r->seed ^ ((uint64_t)g << 32) ^ ((uint64_t)i << 16) ^ attempt;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return attempt < 4 && h % 5 == 0;
}

static int cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *res)
{
    run *r = ctx;
    int expect[NG], failed[NG], in_batch[NG], groups = 0;

    pthread_mutex_lock(&r->mu);
    r->calls++;
    r->items += b->n;
    memset(in_batch, 0, sizeof in_batch);
    for (size_t i = 0; i < b->n; i++) {
        int g = 0, k = 0;
        const eddy_poller_item *it = eddy_poller_batch_item(b, i);
        sscanf(it->body.data, "%d:%d", &g, &k);
        if (!in_batch[g]) {
            in_batch[g] = 1;
            groups++;
            if (r->active[g]++ != 0)
                bad(r, "group %d is in two batches at once (%d %d)", g, 0, 0);
            expect[g] = -1; /* set by the group's first item */
            failed[g] = 0;
        }
    }
    if ((size_t)groups > r->max_groups)
        r->max_groups = (size_t)groups;
    pthread_mutex_unlock(&r->mu);

    res->n_failed = 0;
    for (size_t i = 0; i < b->n; i++) {
        int g = 0, k = 0;
        const eddy_poller_item *it = eddy_poller_batch_item(b, i);
        sscanf(it->body.data, "%d:%d", &g, &k);
        if (it->group_id == NULL || atoi(it->group_id + 1) != g)
            bad(r, "item %d:%d has the wrong group id", g, k, 0);
        if (failed[g])
            continue; /* the group stopped: Eddy counts the rest as failed */
        pthread_mutex_lock(&r->mu);
        if (expect[g] < 0 && k > r->next[g])
            bad(r, "group %d: got message %d before %d succeeded", g, k, r->next[g]);
        if (expect[g] < 0 && k < r->next[g])
            r->again++;
        pthread_mutex_unlock(&r->mu);
        if (expect[g] >= 0 && k != expect[g])
            bad(r, "group %d: got message %d after %d in one batch", g, k, expect[g] - 1);
        expect[g] = k;
        if (fails(r, g, k, it->receive_count)) {
            failed[g] = 1;
            res->failed_idx[res->n_failed++] = i;
            continue;
        }
        expect[g]++;
    }
    pthread_mutex_lock(&r->mu);
    for (int g = 0; g < NG; g++)
        if (in_batch[g]) {
            if (expect[g] > r->next[g])
                r->next[g] = expect[g];
            r->active[g]--;
        }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void fifo_poller_100_groups(void **state)
{
    t_clock clk = {1800000000000ull};
    eddy_env *env = t_env_open(t_path("db"), &clk);
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_poller_options po = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = NULL;
    static run r;
    size_t done = 0, last = 0;
    int idle = 0;
    (void)state;

    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.mu, NULL);
    r.seed = t_seed();
    qo.fifo = 1;
    qo.content_based_dedup = 1;
    qo.batch_max = 100;
    T_OK(eddy_queue_create(env, "jobs.fifo", &qo));
    /* Round-robin over the groups, 10 entries per batch send, so groups interleave. */
    for (int k = 0; k < PER; k++) {
        for (int g0 = 0; g0 < NG; g0 += 10) {
            eddy_queue_send_entry e[10];
            eddy_queue_send_result res[10];
            char body[10][16], gid[10][8];
            for (int j = 0; j < 10; j++) {
                e[j] = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
                res[j] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
                snprintf(body[j], sizeof body[j], "%d:%d", g0 + j, k);
                snprintf(gid[j], sizeof gid[j], "g%d", g0 + j);
                e[j].body.data = body[j];
                e[j].body.len = strlen(body[j]);
                e[j].group_id = gid[j];
            }
            T_OK(eddy_queue_send_batch(env, "jobs.fifo", e, 10, res));
        }
    }
    po.source = EDDY_POLLER_SOURCE_QUEUE;
    po.name = "jobs.fifo";
    po.batch_size = 10;
    po.max_concurrency = 4;
    po.visibility_timeout_ms = 5000;
    T_OK(eddy_poller_create(env, &po, cb, &r, &p));
    T_OK(eddy_poller_start(p));
    for (int round = 0; round < 2000 && done < (size_t)NG * PER; round++) {
        sleep_ms(5);
        pthread_mutex_lock(&r.mu);
        done = 0;
        for (int g = 0; g < NG; g++)
            done += (size_t)r.next[g];
        pthread_mutex_unlock(&r.mu);
        idle = done == last ? idle + 1 : 0;
        last = done;
        if (idle >= 10) { /* the workers are idle: failed messages come back now */
            clk.now_ms += 5001;
            idle = 0;
        }
    }
    T_OK(eddy_poller_stop(p));
    eddy_poller_destroy(p);
    printf("fifo poller: %zu batches, %zu items, up to %zu groups in one batch, %zu again\n",
           r.calls, r.items, r.max_groups, r.again);
    if (r.errors > 0)
        fail_msg("%d violations; first: %s", r.errors, r.first_error);
    for (int g = 0; g < NG; g++)
        assert_int_equal(r.next[g], PER);
    assert_true(r.items > (size_t)NG * PER); /* some were retried */
    assert_true(r.max_groups > 1);           /* batches mix groups */
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(fifo_poller_100_groups)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
