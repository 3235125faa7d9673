/*
 * check.c: the one checker every crash method runs on a recovered database (crash.h). It opens
 * the database as a restarted program would, asks eddy_env_verify, lets each workload module
 * compare the data with what was acknowledged, and proves that the next operation works. It
 * never repairs anything and never looks below include/eddy.h.
 */
#include "crash.h"

#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *crash_verdict_name(int verdict)
{
    switch (verdict) {
    case CRASH_OK:
        return "OK";
    case CRASH_LOST:
        return "LOST";
    default:
        return "CORRUPT";
    }
}

static uint64_t check_base;
static _Atomic uint64_t check_ticks;

static uint64_t check_now(void *ctx)
{
    (void)ctx;
    return check_base + atomic_fetch_add(&check_ticks, 1);
}

static uint64_t check_rng_state;

static uint64_t check_rng(void *ctx)
{
    (void)ctx;
    return crash_rand(&check_rng_state); /* the checker's env has one client thread */
}

static int problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    crash_result *r = ctx;
    crash_append(r->why, sizeof r->why, "verify: %s (%zu-byte key): %s", table, key.len, what);
    return 0;
}

static int verify(eddy_env *env, crash_result *r, const char *when)
{
    uint64_t problems = 0;
    int rc = eddy_env_verify(env, problem, r, &problems);

    if (rc != 0 || problems != 0) {
        crash_append(r->why, sizeof r->why, "verify %s: %s, %" PRIu64 " problems", when,
                     eddy_errname(rc), problems);
        return -1;
    }
    return 0;
}

/* The next operation works: send a message, receive exactly it, delete it. */
static int next_op(eddy_env *env, crash_result *r)
{
    static const char body[] = "next-op-after-crash";
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    size_t n = 0;
    int rc;

    e.body.data = body;
    e.body.len = sizeof body - 1;
    e.delay_ms = EDDY_QUEUE_ZERO_MS;
    o.max_messages = 10;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    if ((rc = eddy_queue_send(env, CRASH_QUEUE, &e, NULL)) != 0)
        goto fail;
    if ((rc = eddy_queue_receive(env, CRASH_QUEUE, &o, &b)) != 0)
        goto fail;
    n = eddy_queue_batch_count(b);
    if (n != 1 || eddy_queue_batch_message(b, 0)->body.len != e.body.len ||
        memcmp(eddy_queue_batch_message(b, 0)->body.data, body, e.body.len)) {
        crash_append(r->why, sizeof r->why, "next op: receive returned %zu messages, not ours", n);
        eddy_queue_batch_free(b);
        return -1;
    }
    rc = eddy_queue_delete_message(env, CRASH_QUEUE, eddy_queue_batch_message(b, 0)->receipt);
    eddy_queue_batch_free(b);
    if (rc != 0)
        goto fail;
    return 0;
fail:
    crash_append(r->why, sizeof r->why, "next op: %s (%s)", eddy_errname(rc), eddy_last_error());
    return -1;
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

int crash_check_recover;

/* A refused open's way back (crash_check_recover): roll back to the previous snapshot. */
static int open_recovering(const char *dir, const eddy_env_options *o, eddy_env **env,
                           crash_result *out)
{
    eddy_recover_info info = EDDY_RECOVER_INFO_INIT;
    int rc = eddy_env_open(dir, o, env);

    if (rc != EDDY_ECORRUPT || !crash_check_recover)
        return rc;
    crash_append(out->why, sizeof out->why, "open: %s (%s); ", eddy_errname(rc), eddy_last_error());
    if ((rc = eddy_env_recover(dir, NULL, 0, &info)) != 0 ||
        info.action != EDDY_RECOVER_ROLLED_BACK) {
        crash_append(out->why, sizeof out->why, "recover: %s (%s); ", eddy_errname(rc),
                     eddy_last_error());
        return rc != 0 ? rc : EDDY_ECORRUPT;
    }
    out->recovered = 1;
    return eddy_env_open(dir, o, env);
}

void crash_check(const char *dir, const crash_model *m, uint64_t clock_ms, crash_result *out)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    double t0;
    int rc, v = CRASH_OK;

    memset(out, 0, sizeof *out);
    check_base = clock_ms;
    atomic_store(&check_ticks, 0);
    check_rng_state = clock_ms ^ 0xc4ecull;
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.clock.now_ms = check_now;
    o.rng.next_u64 = check_rng;
    t0 = crash_now_ms();
    rc = open_recovering(dir, &o, &env, out);
    out->open_ms = crash_now_ms() - t0;
    if (rc != 0) {
        crash_append(out->why, sizeof out->why, "open: %s (%s)", eddy_errname(rc),
                     eddy_last_error());
        out->verdict = CRASH_CORRUPT;
        return;
    }
    if (m->fails != 0) {
        crash_append(out->why, sizeof out->why,
                     "the workload saw %" PRIu64 " broken promises (first at line %" PRIu64 ")",
                     m->fails, m->fail_line);
        v = CRASH_CORRUPT;
    }
    if (verify(env, out, "after open") != 0)
        v = CRASH_CORRUPT;
    for (int i = 0; crash_modules[i] != NULL; i++)
        v = worst(v, crash_modules[i]->check(env, m, out));
    for (int i = 0; crash_modules[i] != NULL; i++) {
        if ((rc = crash_modules[i]->setup(env)) != 0) {
            crash_append(out->why, sizeof out->why, "next op: %s setup: %s (%s)",
                         crash_modules[i]->name, eddy_errname(rc), eddy_last_error());
            v = CRASH_CORRUPT;
        }
    }
    if (next_op(env, out) != 0 || verify(env, out, "after the next op") != 0)
        v = CRASH_CORRUPT;
    if ((rc = eddy_env_close(env)) != 0) {
        crash_append(out->why, sizeof out->why, "close: %s", eddy_errname(rc));
        v = CRASH_CORRUPT;
    }
    out->verdict = v;
}

void crash_check_start(const char *dir, const crash_model *m, uint64_t clock_ms,
                       crash_check_job *job)
{
    int p[2];

    fflush(stdout);
    fflush(stderr);
    if (pipe(p) != 0 || (job->pid = fork()) < 0) {
        perror("crash_check_start");
        abort();
    }
    if (job->pid == 0) {
        crash_result r;
        close(p[0]);
        alarm(120); /* a hang is reported as SIGALRM */
        crash_check(dir, m, clock_ms, &r);
        if (write(p[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(5);
        _exit(0); /* _exit: the parent's atexit handlers own its temp dirs */
    }
    close(p[1]);
    job->fd = p[0];
}

void crash_check_finish(crash_check_job *job, crash_result *out)
{
    int st = 0;
    ssize_t got = 0;

    memset(out, 0, sizeof *out);
    for (size_t off = 0; off < sizeof *out; off += (size_t)got) {
        got = read(job->fd, (char *)out + off, sizeof *out - off);
        if (got <= 0)
            break;
    }
    close(job->fd);
    while (waitpid(job->pid, &st, 0) < 0)
        ;
    job->pid = 0;
    if (got <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        memset(out, 0, sizeof *out);
        out->verdict = CRASH_CORRUPT;
        if (WIFSIGNALED(st))
            snprintf(out->why, sizeof out->why, "checker died of signal %d%s", WTERMSIG(st),
                     WTERMSIG(st) == SIGALRM ? " (hung)" : "");
        else
            snprintf(out->why, sizeof out->why, "checker exited with status %d", WEXITSTATUS(st));
    }
}

void crash_check_isolated(const char *dir, const crash_model *m, uint64_t clock_ms,
                          crash_result *out)
{
    crash_check_job job;
    crash_check_start(dir, m, clock_ms, &job);
    crash_check_finish(&job, out);
}
