/*
 * test_sigkill.c: process-crash test. A forked child runs the seeded workload (crash.h) on one
 * database and reports acknowledged operations through a pipe; the parent kills it with SIGKILL
 * after a random number of acknowledgements plus a random delay, then checks a copy of the
 * database against everything acknowledged so far, and starts the next child on the original
 * (which finds the dead process's lock-table entries). With --writers 2, two processes share the
 * database: one is killed first, the survivor must keep committing, then it is killed too.
 *
 * The page cache survives a process crash, so this tests Eddy's acknowledgement logic, recovery
 * of in-flight messages and the multi-process lock paths, not the disk (test_powerloss.c does).
 *
 * Usage: crash_sigkill [--kills N] [--writers 1|2] [--threads T]; EDDY_SEED=<n> replays the
 * seeded choices (kill timing still depends on the scheduler).
 */
#include "crash.h"
#include "support.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct child {
    pid_t pid;
    int fd; /* read end of its ack pipe, -1 at EOF */
    char buf[32 * 256];
    size_t len;
    uint64_t acks;
} child;

static crash_model model;

static void spawn(child *c, const char *dir, uint64_t seed, uint32_t run, uint32_t threads,
                  const child *other)
{
    int p[2];

    memset(c, 0, sizeof *c);
    if (pipe(p) != 0)
        abort();
    fflush(stdout);
    fflush(stderr);
    c->pid = fork();
    if (c->pid < 0)
        abort();
    if (c->pid == 0) {
        crash_workload_cfg cfg = {dir, p[1], seed, run, threads, 0, 0, 0};
        close(p[0]);
        if (other != NULL && other->fd >= 0)
            close(other->fd);
        signal(SIGPIPE, SIG_DFL);
        _exit(crash_workload_run(&cfg)); /* _exit: the parent's atexit owns the temp dirs */
    }
    close(p[1]);
    c->fd = p[0];
}

/* Read what is available (or wait up to timeout_ms); add whole records to the model. */
static void pump(child *c, int timeout_ms)
{
    struct pollfd pf = {c->fd, POLLIN, 0};
    ssize_t r;

    if (c->fd < 0 || poll(&pf, 1, timeout_ms) <= 0)
        return;
    r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (r <= 0) {
        if (r < 0 && errno == EINTR)
            return;
        close(c->fd);
        c->fd = -1;
        return;
    }
    c->len += (size_t)r;
    size_t whole = c->len / sizeof(crash_ack) * sizeof(crash_ack);
    for (size_t off = 0; off < whole; off += sizeof(crash_ack)) {
        crash_ack a;
        memcpy(&a, c->buf + off, sizeof a);
        crash_model_add(&model, &a);
        c->acks++;
    }
    memmove(c->buf, c->buf + whole, c->len - whole);
    c->len -= whole;
}

/* Wait until c has sent `want` more records, exited, or wall_ms passed. */
static bool run_until(child *c, uint64_t want, int wall_ms)
{
    uint64_t goal = c->acks + want;
    double t0 = crash_now_ms();

    while (c->fd >= 0 && c->acks < goal) {
        pump(c, 50);
        if (crash_now_ms() - t0 > wall_ms)
            return false;
    }
    return c->acks >= goal;
}

static void random_delay(uint64_t *rng)
{
    struct timespec ts = {0, (long)(crash_rand(rng) % 3000) * 1000};
    nanosleep(&ts, NULL); /* kill timing only; no semantic time depends on it */
}

/* SIGKILL c, then collect the records it wrote before dying. Returns its wait status. */
static int kill_and_reap(child *c)
{
    int st = 0;

    kill(c->pid, SIGKILL);
    while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
        ;
    while (c->fd >= 0)
        pump(c, 1000);
    return st;
}

static bool died_of_kill(int st, const char *who)
{
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        return true;
    fprintf(stderr, "FAIL: %s ended by itself (status 0x%x) before it was killed\n", who, st);
    return false;
}

static int check_copy(const char *dir, const char *scratch, uint32_t runs, int round, int want)
{
    char src[600], dst[600];
    crash_result r;

    t_rm_rf(scratch);
    mkdir(scratch, 0755);
    snprintf(src, sizeof src, "%s/data.mdb", dir);
    snprintf(dst, sizeof dst, "%s/data.mdb", scratch);
    if (crash_copy_file(src, dst) != 0) {
        perror("copy data.mdb");
        return -1;
    }
    crash_check_isolated(scratch, &model,
                         CRASH_T0 + (uint64_t)(runs + 1) * CRASH_RUN_SPAN_MS + 3600000, &r);
    if (r.verdict != want) {
        fprintf(stderr, "FAIL: after kill round %d: %s (expected %s): %s\n", round,
                crash_verdict_name(r.verdict), crash_verdict_name(want), r.why);
        return -1;
    }
    return 0;
}

/* One round: start the writer(s), kill at a seeded moment, check a copy. 0 or -1. */
static int one_round(const char *dir, const char *scratch, uint64_t seed, uint64_t *rng,
                     int writers, uint32_t threads, uint32_t *run, int round)
{
    child a, b, *first, *second = NULL;
    /* One round in 20 kills a writer during its open and setup (no ack yet). */
    uint64_t want = crash_rand(rng) % 20 == 0 ? 0 : 1 + crash_rand(rng) % 300;

    spawn(&a, dir, seed, ++*run, threads, NULL);
    first = &a;
    if (writers == 2) {
        spawn(&b, dir, seed, ++*run, threads, &a);
        /* Either process may be the one that dies first. */
        first = crash_rand(rng) % 2 ? &a : &b;
        second = first == &a ? &b : &a;
    }
    if (!run_until(first, want, 60000)) {
        fprintf(stderr, "FAIL: round %d: writer made no progress (%" PRIu64 " acks)\n", round,
                first->acks);
        kill_and_reap(first);
        if (second != NULL)
            kill_and_reap(second);
        return -1;
    }
    random_delay(rng);
    if (!died_of_kill(kill_and_reap(first), "writer"))
        return -1;
    if (second != NULL) {
        /* The survivor must go on committing after its peer died mid-operation. */
        bool moved = run_until(second, 10 + crash_rand(rng) % 100, 60000);
        int st = kill_and_reap(second);
        if (!moved) {
            fprintf(stderr, "FAIL: round %d: survivor stuck after its peer was killed\n", round);
            return -1;
        }
        if (!died_of_kill(st, "survivor"))
            return -1;
    }
    if (model.fails != 0) {
        fprintf(stderr, "FAIL: round %d: the workload saw a broken promise (line %" PRIu64 ")\n",
                round, model.fail_line);
        return -1;
    }
    return check_copy(dir, scratch, *run, round, CRASH_OK);
}

/* The checker must notice a promise that was not kept: claim a send and a put that never
 * happened, and expect LOST. Guards against a checker that passes everything. Runs in a child,
 * so the fake acks stay out of the real model. */
static int self_test(const char *dir, const char *scratch, uint32_t run)
{
    int st = 0;
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) == 0) {
        crash_ack fake_send = {CRASH_ACK_SENT, 0xffffff00u, crash_token(0xffffff00u, 1), 1, 0};
        crash_ack fake_put = {CRASH_ACK_PUT, 0, crash_token(0xffffff00u, 2), 1, 1};
        crash_model_add(&model, &fake_send);
        crash_model_add(&model, &fake_put);
        _exit(check_copy(dir, scratch, run, -1, CRASH_LOST) == 0 ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    int kills = 100, writers = 1, rounds;
    uint32_t threads = 3, run = 0;
    uint64_t seed = t_seed(), rng = seed;
    const char *root = t_tmpdir();
    char dir[512], scratch[512];
    double t0 = crash_now_ms();
    crash_result r;
    size_t cps = 0;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--kills") == 0)
            kills = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--writers") == 0)
            writers = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = (uint32_t)atoi(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "%s/db", root);
    snprintf(scratch, sizeof scratch, "%s/check", root);
    crash_model_init(&model);
    rounds = writers == 2 ? (kills + 1) / 2 : kills;
    crash_fifo_strict_dedup = writers == 1; /* crash.h: skewed fake clocks */
    for (int round = 1; round <= rounds; round++)
        if (one_round(dir, scratch, seed, &rng, writers, threads, &run, round) != 0)
            return 1;
    if (self_test(dir, scratch, run) != 0)
        return 1;
    /* Finally the original itself, as the next program start would find it. */
    crash_check_isolated(dir, &model, CRASH_T0 + (uint64_t)(run + 1) * CRASH_RUN_SPAN_MS + 3600000,
                         &r);
    if (r.verdict != CRASH_OK) {
        fprintf(stderr, "FAIL: final check: %s: %s\n", crash_verdict_name(r.verdict), r.why);
        return 1;
    }
    for (size_t i = 0; i < model.n_cps; i++)
        cps += model.cps[i].acked;
    printf("sigkill: writers=%d kills=%d checks=%d acks=%" PRIu64 " sends_acked=%zu "
           "deletes_acked=%zu puts_acked=%zu checkpoints_acked=%zu lost=0 corrupt=0 in %.1f s\n",
           writers, writers == 2 ? rounds * 2 : rounds, rounds + 1, model.acks, model.sent.n,
           model.deleted.n, model.n_puts, cps, (crash_now_ms() - t0) / 1000);
    crash_model_free(&model);
    return 0;
}
