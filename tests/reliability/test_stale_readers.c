/*
 * test_stale_readers.c: a process that dies inside a read transaction must not make data.mdb
 * grow without bound while writes go on. LMDB keeps every page a reader's snapshot can see, so a
 * dead reader's slot pins them until someone clears it: Eddy clears stale slots at open and,
 * from the committer, every 30 s (engine/core/commit.c, READER_CHECK_MS; real time, so the periodic
 * test waits about 30 s). The reader is this executable run as `--hold-reader DIR`: it opens the
 * database with raw LMDB, begins a read transaction, says so on its stdout and waits for its
 * SIGKILL. The positive control: while the reader lives, the same writes do grow the file.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "rel.h"

static char self[4096];

/* --hold-reader: a read transaction; --hold-env: the environment open, no transaction. */
static int hold(const char *dir, int with_txn)
{
    MDB_env *env;
    MDB_txn *txn;
    if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 64) != 0 ||
        mdb_env_set_maxreaders(env, 126) != 0 || mdb_env_open(env, dir, MDB_RDONLY, 0644) != 0 ||
        (with_txn && mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0))
        return 1;
    if (write(1, "R", 1) != 1)
        return 1;
    alarm(300);
    for (;;)
        pause();
}

typedef struct holder {
    pid_t pid;
} holder;

static holder start_holder(const char *dir, const char *mode)
{
    int fds[2];
    char c = 0;
    holder h;
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    h.pid = fork();
    assert_true(h.pid >= 0);
    if (h.pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
        execl(self, self, mode, dir, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'R');
    close(fds[0]);
    return h;
}

static void kill_reader(holder *h)
{
    int status;
    kill(h->pid, SIGKILL);
    assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
}

static uint64_t file_size(const char *dir)
{
    char p[700];
    struct stat st;
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    assert_int_equal(stat(p, &st), 0);
    return (uint64_t)st.st_size;
}

static uint32_t readers_used(eddy_env *env)
{
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    T_OK(eddy_env_stat_get(env, &st));
    return st.readers_used;
}

/* n rounds of: send 4 messages of 3 KB, receive them, delete them (the queue stays small). */
static void churn(eddy_env *env, int n)
{
    static char body[3000];
    eddy_queue_send_entry e[4] = {[0 ...(4) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[4] = {[0 ...(4) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    memset(body, 'x', sizeof body);
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 4;
    for (int i = 0; i < 4; i++) {
        e[i].body.data = body;
        e[i].body.len = sizeof body;
    }
    for (int k = 0; k < n; k++) {
        eddy_queue_batch *b;
        size_t got;
        body[k % sizeof body] ^= 1; /* incompressible enough to stay large */
        T_OK(eddy_queue_send_batch(env, "churn", e, 4, r));
        T_OK(eddy_queue_receive(env, "churn", &ro, &b));
        got = eddy_queue_batch_count(b);
        for (size_t i = 0; i < got; i++)
            T_OK(eddy_queue_delete_message(env, "churn", eddy_queue_batch_message(b, i)->receipt));
        eddy_queue_batch_free(b);
    }
}

static eddy_env *open_env(const char *dir)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    o.durability = EDDY_ENV_DURABILITY_RELAXED; /* many small commits, quickly */
    o.relaxed_window_ops = 1;                   /* ... but one commit per write, as in the field */
    return t_env_open_opts(dir, NULL, &o);
}

static void dead_reader_is_cleared_at_open(void **state)
{
    char dir[600];
    eddy_env *env;
    holder h, other;
    uint64_t s0, s1, s2;

    snprintf(dir, sizeof dir, "%s/db", t_tmpdir());
    env = open_env(dir);
    T_OK(eddy_queue_create(env, "churn", NULL));
    churn(env, 200);
    T_OK(eddy_env_close(env));

    /* Positive control: a live reader pins its snapshot, and the same writes grow the file. */
    h = start_holder(dir, "--hold-reader");
    env = open_env(dir);
    s0 = file_size(dir);
    churn(env, 150);
    s1 = file_size(dir);
    print_message("live reader: data.mdb %llu -> %llu bytes over 150 rounds\n",
                  (unsigned long long)s0, (unsigned long long)s1);
    assert_true(s1 > s0 + (4u << 20));
    T_OK(eddy_env_close(env));

    /* It dies inside its read transaction while another process keeps the database open (so
     * LMDB does not reset its lock file): the next open's reader check clears the slot. */
    other = start_holder(dir, "--hold-env");
    kill_reader(&h);
    env = open_env(dir);
    assert_int_equal(readers_used(env), 1); /* the stat's own (the holder has no txn) */
    s1 = file_size(dir);
    churn(env, 300);
    s2 = file_size(dir);
    print_message("dead reader, cleared at open: data.mdb %llu -> %llu bytes over 300 rounds\n",
                  (unsigned long long)s1, (unsigned long long)s2);
    assert_true(s2 <= s1 + (1u << 20));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    kill_reader(&other);
    (void)state;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void dead_reader_is_cleared_while_writing(void **state)
{
    char dir[600];
    eddy_env *env;
    holder h;
    double t0, t_cleared = 0;
    uint64_t s_kill, s_cleared, s_end;
    uint32_t before;

    snprintf(dir, sizeof dir, "%s/db", t_tmpdir());
    env = open_env(dir);
    T_OK(eddy_queue_create(env, "churn", NULL));
    churn(env, 50); /* the committer ran its first reader check */
    before = readers_used(env);
    h = start_holder(dir, "--hold-reader");
    kill_reader(&h); /* a stale slot now, that nothing has checked yet */
    assert_true(readers_used(env) > before);
    s_kill = file_size(dir);
    t0 = mono_s();
    /* Writes go on; within READER_CHECK_MS (30 s) the committer clears the slot. */
    while (mono_s() - t0 < 45) {
        churn(env, 1);
        if (readers_used(env) <= before) {
            t_cleared = mono_s() - t0;
            break;
        }
        usleep(100000); /* pace the writes: the file grows while the slot pins its snapshot */
    }
    assert_true(t_cleared > 0);
    s_cleared = file_size(dir);
    churn(env, 300);
    s_end = file_size(dir);
    print_message("stale slot cleared after %.1f s of writes; data.mdb %llu -> %llu bytes while "
                  "pinned, then %llu after 300 more rounds\n",
                  t_cleared, (unsigned long long)s_kill, (unsigned long long)s_cleared,
                  (unsigned long long)s_end);
    assert_true(s_end <= s_cleared + (1u << 20));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dead_reader_is_cleared_at_open),
        cmocka_unit_test(dead_reader_is_cleared_while_writing),
    };
    if (argc == 3 && strcmp(argv[1], "--hold-reader") == 0)
        return hold(argv[2], 1);
    if (argc == 3 && strcmp(argv[1], "--hold-env") == 0)
        return hold(argv[2], 0);
    if (readlink("/proc/self/exe", self, sizeof self - 1) < 0)
        return 1;
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
