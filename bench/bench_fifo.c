/*
 * bench_fifo.c: F1, FIFO queues against standard queues in the same run (decision 0013).
 *   send 1      one message per durable commit
 *   send 10     batches of 10 per commit
 *   recv+del    receive 10, delete the 10 in one batch (two commits per 10 messages)
 * each for a standard queue, a FIFO queue with 1 group and one with 1,000 groups (round robin),
 * every FIFO send with an explicit deduplication id. Each figure is the median of -r runs
 * (default 3), the three kinds alternating within a run so that the disk's mood hits them alike.
 * Prints messages per second and the FIFO figures as a fraction of the standard queue's.
 * Usage: bench_fifo [-d DIR] [-n MESSAGES] [-r RUNS]
 */
#define BENCH_NAME "bench_fifo"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

static char base[512] = "/tmp";
static uint64_t n_msgs = 2000;
static int runs = 3;

enum { STD, FIFO1, FIFO1000, KINDS };
static const char *kind_name[KINDS] = {"standard", "fifo 1 group", "fifo 1000 groups"};

static void rm_rf(const char *dir)
{
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, BENCH_NAME ": could not remove %s\n", dir);
}

static eddy_env *open_fresh(char *dir, size_t cap, int kind, int op)
{
    eddy_env *env = NULL;
    snprintf(dir, cap, "%s/bench_fifo.%d.%d.%d", base, (int)getpid(), kind, op);
    rm_rf(dir);
    E(eddy_env_open(dir, NULL, &env));
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    o.batch_max = 10;
    o.fifo = kind != STD;
    E(eddy_queue_create(env, kind == STD ? "q" : "q.fifo", &o));
    return env;
}

static void fill(eddy_queue_send_entry *e, char (*body)[96], char (*gid)[16], char (*did)[24],
                 int kind, uint64_t i)
{
    *e = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    snprintf(*body, sizeof *body, "{\"order\":%llu,\"customer\":\"c-%04llu\",\"sku\":\"glazed\"}",
             (unsigned long long)i, (unsigned long long)(i % 1000));
    e->body.data = *body;
    e->body.len = strlen(*body);
    if (kind == STD)
        return;
    snprintf(*gid, sizeof *gid, "g%llu", (unsigned long long)(kind == FIFO1 ? 0 : i % 1000));
    snprintf(*did, sizeof *did, "d%llu", (unsigned long long)i);
    e->group_id = *gid;
    e->dedup_id = *did;
}

/* Send n messages, k per call; messages per second. */
static double send_run(eddy_env *env, const char *q, int kind, int k)
{
    eddy_queue_send_entry e[10];
    eddy_queue_send_result r[10];
    char body[10][96], gid[10][16], did[10][24];
    double t0 = now_s();

    for (uint64_t i = 0; i < n_msgs; i += (uint64_t)k) {
        for (int j = 0; j < k; j++) {
            fill(&e[j], &body[j], &gid[j], &did[j], kind, i + (uint64_t)j);
            r[j] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
        }
        if (k == 1)
            E(eddy_queue_send(env, q, &e[0], &r[0]));
        else
            E(eddy_queue_send_batch(env, q, e, (size_t)k, r));
    }
    return (double)n_msgs / (now_s() - t0);
}

/* Receive 10 and delete them in one batch until n were processed; messages per second. */
static double recv_del_run(eddy_env *env, const char *q)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    const char *de[10];
    int res[10];
    uint64_t done = 0;
    double t0 = now_s();

    ro.max_messages = 10;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    while (done < n_msgs) {
        eddy_queue_batch *b = NULL;
        size_t n;
        E(eddy_queue_receive(env, q, &ro, &b));
        n = eddy_queue_batch_count(b);
        if (n == 0) {
            fprintf(stderr, BENCH_NAME ": %s: nothing to receive after %llu\n", q,
                    (unsigned long long)done);
            exit(1);
        }
        for (size_t i = 0; i < n; i++)
            de[i] = eddy_queue_batch_message(b, i)->receipt;
        E(eddy_queue_delete_batch(env, q, de, n, res));
        eddy_queue_batch_free(b);
        done += n;
    }
    return (double)done / (now_s() - t0);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const char *ops[3] = {"send 1", "send 10", "recv+del"};
    double fig[3][KINDS][16];
    int c;

    while ((c = getopt(argc, argv, "d:n:r:")) != -1) {
        if (c == 'd')
            snprintf(base, sizeof base, "%s", optarg);
        else if (c == 'n')
            n_msgs = strtoull(optarg, NULL, 10);
        else if (c == 'r')
            runs = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_fifo [-d DIR] [-n MESSAGES] [-r RUNS]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 16 || n_msgs < 10)
        return 2;
    n_msgs -= n_msgs % 10;
    for (int run = 0; run < runs; run++) {
        for (int kind = 0; kind < KINDS; kind++) {
            const char *q = kind == STD ? "q" : "q.fifo";
            char dir[600];
            eddy_env *env = open_fresh(dir, sizeof dir, kind, 0);
            fig[0][kind][run] = send_run(env, q, kind, 1);
            E(eddy_env_close(env));
            rm_rf(dir);
            env = open_fresh(dir, sizeof dir, kind, 1);
            fig[1][kind][run] = send_run(env, q, kind, 10);
            fig[2][kind][run] = recv_del_run(env, q);
            E(eddy_env_close(env));
            rm_rf(dir);
        }
    }
    printf("F1: FIFO vs standard queues, %llu messages, median of %d runs (messages/s)\n",
           (unsigned long long)n_msgs, runs);
    printf("%-10s %12s %14s %18s %10s %12s\n", "op", kind_name[STD], kind_name[FIFO1],
           kind_name[FIFO1000], "1g/std", "1000g/std");
    for (int op = 0; op < 3; op++) {
        double med[KINDS];
        for (int kind = 0; kind < KINDS; kind++) {
            qsort(fig[op][kind], (size_t)runs, sizeof(double), cmp);
            med[kind] = fig[op][kind][runs / 2];
        }
        printf("%-10s %12.0f %14.0f %18.0f %10.2f %12.2f\n", ops[op], med[STD], med[FIFO1],
               med[FIFO1000], med[FIFO1] / med[STD], med[FIFO1000] / med[STD]);
    }
    return 0;
}
