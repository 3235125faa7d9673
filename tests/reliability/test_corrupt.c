/*
 * test_corrupt.c: damaged data files. A populated database (rel_populate plus compressed,
 * chunked and many small messages and records) is closed and its data.mdb read once. Each trial
 * copies it with 1..4 bytes changed at seeded random offsets (half the trials anywhere in the
 * file, half in the pages the last commit uses), then, in a forked child with a time limit,
 * opens it and reads everything: eddy_env_verify, every queue received until empty, every shard
 * of every stream read from its trim horizon to its end, checkpoints and leases, then one send
 * and one put. Every call must succeed or return a documented error with a detail message
 * (EDDY_EINTERNAL, a crash, a signal such as SIGSEGV or SIGBUS, or running past the limit fail
 * the test, printing the seed, the trial and its offsets).
 *
 * LMDB 0.9.24 trusts its pages, so Eddy checks them (engine/core/pagecheck.c, decision 0006) and
 * the contract under test is: a database opened with EDDY_ENV_CHECK (even trials), or opened
 * plainly and then passed by eddy_env_verify's page check (odd trials: a verify that returns
 * EDDY_ECORRUPT ends the trial, as it would for an operator), can be read without a crash.
 * A crash anywhere, inside liblmdb or not, fails the test. EDDY_CORRUPT_UNCHECKED=1 measures
 * the opposite: a plain open and reads with no verify, where damage in pages that the open's
 * quick check does not read can crash inside liblmdb; those crashes are counted, not failed
 * (unless EDDY_CORRUPT_STRICT=1). Trials: EDDY_CORRUPT_TRIALS (default 300). Replay one
 * trial: EDDY_SEED=<seed> EDDY_CORRUPT_TRIAL=<n> (and EDDY_CORRUPT_NOFORK=1 to run it in the
 * test process, e.g. under gdb).
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel.h"

#define MAX_FLIPS 4

typedef struct trial {
    int n;
    uint64_t off[MAX_FLIPS];
    uint8_t xor_[MAX_FLIPS];
} trial;

static int outcome_counts[20]; /* by -rc of the first error a trial met (0: none) */

/* A call's result in the child: 0, or a documented error with a message; else exit 3. */
static int seen_rc;
static void chk(int rc, const char *what)
{
    if (rc == 0)
        return;
    if (seen_rc == 0)
        seen_rc = rc;
    if (rc == EDDY_EINTERNAL || rc < EDDY_EINTERNAL || rc > 0 || eddy_last_error()[0] == '\0') {
        fprintf(stderr, "corrupt: %s returned %s with message '%s'\n", what, eddy_errname(rc),
                eddy_last_error());
        _exit(3);
    }
}

static int count_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    (void)table;
    (void)key;
    if (what == NULL || what[0] == '\0')
        _exit(4);
    ++*(uint64_t *)ctx;
    return 0;
}

typedef struct nl {
    char v[32][EDDY_STREAM_NAME_MAX + 1];
    int n;
} nl;

static int add_name(void *ctx, const char *name)
{
    nl *l = ctx;
    if (l->n < 32)
        snprintf(l->v[l->n++], sizeof l->v[0], "%s", name);
    return 0;
}

enum { MODE_CHECK, MODE_VERIFY, MODE_UNCHECKED };

static void read_everything(const char *dir, int mode)
{
    t_clock clk = {REL_T0 + 3600000};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    uint64_t problems = 0, cb_problems = 0;
    nl qs, ss;
    int rc;

    o.clock = t_clock_of(&clk);
    o.durability =
        EDDY_ENV_DURABILITY_RELAXED; /* receives commit; their fsyncs test nothing here */
    o.flags = EDDY_ENV_NOCREATE | (mode == MODE_CHECK ? EDDY_ENV_CHECK : 0);
    rc = eddy_env_open(dir, &o, &env);
    chk(rc, "eddy_env_open");
    if (rc != 0) {
        if (env != NULL)
            _exit(5);
        return;
    }
    chk(eddy_env_stat_get(env, &st), "eddy_env_stat_get");
    if (mode != MODE_UNCHECKED) {
        rc = eddy_env_verify(env, count_problem, &cb_problems, &problems);
        chk(rc, "eddy_env_verify");
        if (problems > 0 && seen_rc == 0)
            seen_rc = EDDY_ECORRUPT; /* found by verify alone */
        if (rc == EDDY_ECORRUPT) {   /* damaged pages: not read further */
            chk(eddy_env_close(env), "eddy_env_close");
            return;
        }
    }
    qs.n = ss.n = 0;
    chk(eddy_queue_list(env, NULL, add_name, &qs), "eddy_queue_list");
    for (int i = 0; i < qs.n; i++) {
        eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        eddy_queue_stat qst = EDDY_QUEUE_STAT_INIT;
        ro.max_messages = 10;
        ro.visibility_timeout_ms = 43200000;
        ro.wait_ms = EDDY_QUEUE_ZERO_MS;
        chk(eddy_queue_get_attributes(env, qs.v[i], &info), "eddy_queue_get_attributes");
        chk(eddy_queue_stat_get(env, qs.v[i], &qst), "eddy_queue_stat_get");
        for (int round = 0; round < 1000; round++) {
            eddy_queue_batch *b = NULL;
            size_t n = 0;
            rc = eddy_queue_receive(env, qs.v[i], &ro, &b);
            chk(rc, "eddy_queue_receive");
            if (rc == 0)
                n = eddy_queue_batch_count(b);
            eddy_queue_batch_free(b);
            if (rc != 0 || n == 0)
                break;
        }
    }
    chk(eddy_stream_list(env, NULL, add_name, &ss), "eddy_stream_list");
    for (int i = 0; i < ss.n; i++) {
        eddy_stream_shard sh[16] = {[0 ...(16) - 1] = EDDY_STREAM_SHARD_INIT};
        eddy_checkpoint cps[16] = {[0 ...(16) - 1] = EDDY_CHECKPOINT_INIT};
        eddy_lease ls[16] = {[0 ...(16) - 1] = EDDY_LEASE_INIT};
        eddy_stream_info info = EDDY_STREAM_INFO_INIT;
        size_t n = 0;
        chk(eddy_stream_get_attributes(env, ss.v[i], &info), "eddy_stream_get_attributes");
        chk(eddy_checkpoint_list(env, ss.v[i], "c1", cps, 16, &n), "eddy_checkpoint_list");
        chk(eddy_lease_list(env, ss.v[i], "c1", ls, 16, &n), "eddy_lease_list");
        rc = eddy_stream_list_shards(env, ss.v[i], sh, 16, &n);
        chk(rc, "eddy_stream_list_shards");
        for (size_t s = 0; rc == 0 && s < n; s++) {
            eddy_stream_iterator it;
            int r2 = eddy_stream_get_iterator(env, ss.v[i], sh[s].shard_id,
                                              EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it);
            chk(r2, "eddy_stream_get_iterator");
            for (int round = 0; r2 == 0 && round < 1000; round++) {
                eddy_stream_batch *b = NULL;
                size_t nr = 0;
                r2 = eddy_stream_get_records(env, &it, NULL, &b);
                chk(r2, "eddy_stream_get_records");
                if (r2 != 0)
                    break;
                nr = eddy_stream_batch_count(b);
                it = eddy_stream_batch_info(b)->next;
                eddy_stream_batch_free(b);
                if (nr == 0 || it.token[0] == '\0')
                    break;
            }
        }
    }
    /* The next writes: work, or fail with a documented error. */
    chk(rel_send(env, "q", "after the damage"), "eddy_queue_send");
    {
        eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
        chk(rel_put(env, "s", "k", "after the damage", &r), "eddy_stream_put");
    }
    rc = eddy_env_close(env);
    chk(rc, "eddy_env_close");
}

/* In the child: on SIGSEGV/SIGBUS/SIGABRT, say whether the crash happened inside liblmdb: some
 * frame of the stack is in liblmdb (Eddy registers no callbacks that LMDB would call, so Eddy's
 * frames can only be below LMDB's; above them are libc and the sanitizer runtimes, e.g. ASan's
 * report of LMDB overrunning its own page buffer), or in Eddy (no liblmdb frame). */
#define EXIT_LMDB_CRASH 50
#define EXIT_EDDY_CRASH 51

/* ASan builds: ASan reports LMDB overrunning its own buffers, then aborts from inside its
 * runtime, where unwinding may stop short of LMDB's frames; so the report's first stack (the
 * access's, not the allocation's) is read as well. A weak symbol: absent without ASan. */
void __asan_set_error_report_callback(void (*cb)(const char *)) __attribute__((weak));
static volatile sig_atomic_t asan_report_in_lmdb;
static void on_asan_report(const char *report)
{
    const char *first = strstr(report, "    #0 ");
    const char *end = first != NULL ? strstr(first, "\n\n") : NULL;
    const char *lmdb = first != NULL ? strstr(first, "liblmdb") : NULL;
    if (lmdb != NULL && (end == NULL || lmdb < end))
        asan_report_in_lmdb = 1;
}

static void on_crash(int sig, siginfo_t *si, void *uc)
{
    void *frames[128];
    int n = backtrace(frames, 128);
    (void)sig;
    (void)si;
    (void)uc;
    if (asan_report_in_lmdb)
        _exit(EXIT_LMDB_CRASH);
    for (int i = 1; i < n; i++) {
        Dl_info di;
        if (dladdr(frames[i], &di) != 0 && di.dli_fname != NULL &&
            strstr(di.dli_fname, "liblmdb") != NULL)
            _exit(EXIT_LMDB_CRASH);
    }
    backtrace_symbols_fd(frames, n, 2);
    _exit(EXIT_EDDY_CRASH);
}

static void child_signals(void)
{
    static const int sigs[] = {SIGILL, SIGFPE};
    struct sigaction sa;
    void *warm[4];
    backtrace(warm, 4); /* loads the unwinder now, not in the handler */
    if (__asan_set_error_report_callback != NULL)
        __asan_set_error_report_callback(on_asan_report);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL); /* e.g. glibc's "double free" inside liblmdb */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL); /* not cmocka's handlers: the parent reports it */
}

static uint8_t *golden;
static size_t golden_len, used_len;

static void build(const char *dir)
{
    t_clock clk = {REL_T0};
    char r[2][EDDY_QUEUE_RECEIPT_LEN + 1];
    static uint8_t big[40000];
    eddy_env *env = t_env_open(dir, &clk);
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    uint64_t x = 42;
    int fd;
    struct stat sb;

    rel_populate(env, &clk, r);
    for (size_t i = 0; i < sizeof big; i++) /* half random: compressible, needs chunks */
        big[i] = i % 2 ? (uint8_t)t_rand(&x) : 'a';
    e = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    e.body.data = big;
    e.body.len = sizeof big;
    T_OK(eddy_queue_send(env, "q", &e, NULL));
    for (int i = 0; i < 200; i++) {
        char body[300];
        eddy_stream_put_result pr = EDDY_STREAM_PUT_RESULT_INIT;
        memset(body, 'a' + i % 26, sizeof body - 1);
        body[sizeof body - 1] = '\0';
        T_OK(rel_send(env, i % 2 ? "q" : "dlq", body));
        T_OK(rel_put(env, "s", i % 3 ? "k1" : "k2", body + i, &pr));
    }
    /* Bulk, so that the file is larger than what a plain open checks whole (~1 MiB): the
     * queue's and the stream's trees are then deeper than their root pages. */
    T_OK(eddy_queue_create(env, "bulk", NULL));
    for (int i = 0; i < 2000; i++) {
        char body[200];
        eddy_stream_put_result pr = EDDY_STREAM_PUT_RESULT_INIT;
        snprintf(body, sizeof body, "bulk message %d %0120d", i, i * 7);
        T_OK(rel_send(env, "bulk", body));
        T_OK(rel_put(env, "s", i % 2 ? "k3" : "k4", body, &pr));
    }
    T_OK(eddy_env_stat_get(env, &st));
    used_len = st.pages_used * st.page_size;
    T_OK(eddy_env_close(env));
    {
        char p[700];
        snprintf(p, sizeof p, "%s/data.mdb", dir);
        fd = open(p, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &sb), 0);
        golden_len = (size_t)sb.st_size;
        golden = malloc(golden_len);
        assert_int_equal(read(fd, golden, golden_len), (ssize_t)golden_len);
        close(fd);
    }
    if (used_len == 0 || used_len > golden_len)
        used_len = golden_len;
    golden_len = used_len; /* past the last page: the disk reserve, which nothing reads */
}

static void make_trial(uint64_t seed, int t, trial *tr)
{
    uint64_t s0 = seed * 0x9e3779b97f4a7c15ull + (uint64_t)t, s = t_rand(&s0);
    uint64_t span = t % 2 ? used_len : golden_len;
    tr->n = 1 + (int)(t_rand(&s) % MAX_FLIPS);
    for (int i = 0; i < tr->n; i++) {
        tr->off[i] = t_rand(&s) % span;
        tr->xor_[i] = (uint8_t)(1 + t_rand(&s) % 255);
    }
}

static void write_trial(const char *dir, const trial *tr)
{
    char p[700];
    int fd;
    uint8_t *copy = malloc(golden_len);

    memcpy(copy, golden, golden_len);
    for (int i = 0; i < tr->n; i++)
        copy[tr->off[i]] ^= tr->xor_[i];
    t_rm_rf(dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, copy, golden_len), (ssize_t)golden_len);
    close(fd);
    free(copy);
}

static void flipped_bytes_never_crash(void **state)
{
    const char *env_trials = getenv("EDDY_CORRUPT_TRIALS");
    const char *env_one = getenv("EDDY_CORRUPT_TRIAL");
    int trials = env_trials ? atoi(env_trials) : 300;
    int first = 0, bad = 0, detected = 0, lmdb_crashes = 0;
    int unchecked = getenv("EDDY_CORRUPT_UNCHECKED") != NULL;
    int strict = getenv("EDDY_CORRUPT_STRICT") != NULL || !unchecked;
    uint64_t seed = t_seed();
    char dir[600], base[600];

    snprintf(base, sizeof base, "%s/golden", t_tmpdir());
    build(base);
    print_message("data.mdb: %zu bytes, %zu in use\n", golden_len, used_len);
    snprintf(dir, sizeof dir, "%s/trial", t_tmpdir());
    if (env_one != NULL) {
        first = atoi(env_one);
        trials = first + 1;
    }
    for (int t = first; t < trials; t++) {
        trial tr;
        pid_t pid;
        int status = 0;
        int mode = unchecked ? MODE_UNCHECKED : t % 2 ? MODE_VERIFY : MODE_CHECK;

        make_trial(seed, t, &tr);
        write_trial(dir, &tr);
        fflush(NULL);
        if (getenv("EDDY_CORRUPT_NOFORK") != NULL) { /* replay in this process, for a debugger */
            read_everything(dir, mode);
            continue;
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            child_signals();
            alarm(60); /* a hang is a failure: SIGALRM ends the child */
            read_everything(dir, mode);
            _exit(seen_rc == 0 ? 0 : 100 + (-seen_rc));
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) > 100)) {
            int code = WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) - 100;
            outcome_counts[code < 20 ? code : 19]++;
            detected += code != 0;
            continue;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_LMDB_CRASH)
            lmdb_crashes++;
        else
            bad++;
        print_error("trial %d %s (%s %d): replay with EDDY_SEED=%llu EDDY_CORRUPT_TRIAL=%d; bytes "
                    "changed:",
                    t,
                    WIFEXITED(status) && WEXITSTATUS(status) == EXIT_LMDB_CRASH
                        ? "crashed inside liblmdb"
                        : "FAILED",
                    WIFSIGNALED(status) ? "signal" : "exit",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                    (unsigned long long)seed, t);
        for (int i = 0; i < tr.n; i++)
            print_error(" %llu^0x%02x", (unsigned long long)tr.off[i], tr.xor_[i]);
        print_error("\n");
    }
    print_message("%d trials (%s): %d passed (%d read clean, %d detected damage), %d crashed "
                  "inside liblmdb, %d failed\n",
                  trials - first, unchecked ? "unchecked reads" : "EDDY_ENV_CHECK or verify first",
                  trials - first - bad - lmdb_crashes,
                  trials - first - bad - lmdb_crashes - detected, detected, lmdb_crashes, bad);
    for (int c = 1; c < 20; c++)
        if (outcome_counts[c] > 0)
            print_message("  first error %s: %d\n", eddy_errname(-c), outcome_counts[c]);
    free(golden);
    assert_int_equal(bad, 0);
    if (strict) /* only the unchecked measurement may crash inside liblmdb */
        assert_int_equal(lmdb_crashes, 0);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flipped_bytes_never_crash),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
