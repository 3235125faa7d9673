/*
 * test_fault_loop.c: the fault loop over representative operations of every module, through the
 * public API and its fault hook (eddy_env_options.fault; points in docs/TESTING.md, "Fault
 * injection"). For each operation, fail its Nth fault point for N = 1, 2, ... until it succeeds.
 * Every failure must return the code of the injected error (alloc -> EDDY_ENOMEM, commit's
 * ENOSPC -> EDDY_EFULL, EIO elsewhere -> EDDY_EIO), leave the database exactly as it was (full
 * dump via rel_dump, verify clean) and leak nothing (ASan build); once it succeeds, the database
 * must equal the model: a twin database that ran the same operations without faults. The next
 * operation then runs on it. A receive may fail after its commit (copying the batch out): the
 * database then equals the model's state after the receive, which at-least-once delivery allows
 * (eddy.h, eddy_queue_receive), and the test counts it as done.
 *
 * LMDB's own system calls are fault points too: this program defines pwrite, writev, fdatasync
 * and fsync, which liblmdb then calls instead of libc's (it reaches them through the dynamic
 * linker), and counts them with Eddy's points while an operation runs: "page_write" (a data
 * page), "meta_write" (a meta page) and "sync", on the side's data.mdb only. A failed page write
 * or sync must fail the operation with EDDY_EIO and change nothing; a failed meta write makes
 * LMDB stop writing, so the operation must fail with EDDY_EPANIC, and after closing and
 * reopening the database must be as it was.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rel.h"

typedef t_faults faults;

/* ---- LMDB's system calls as fault points ---- */

static faults *io_side; /* whose data.mdb descriptors are watched (NULL: none) */
static int io_fds[8];   /* LMDB's descriptors of that data.mdb */
static int n_io_fds;
static long io_psize = 4096;

/* Watch the descriptors of dir/data.mdb that this process has open (LMDB's two). */
static void io_watch(faults *f, const char *dir)
{
    char want[600], link[700], path[300];
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    snprintf(want, sizeof want, "%s/data.mdb", dir);
    n_io_fds = 0;
    while (d != NULL && (e = readdir(d)) != NULL && n_io_fds < 8) {
        ssize_t n;
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        n = readlink(path, link, sizeof link - 1);
        if (n > 0 && (link[n] = '\0', strcmp(link, want) == 0))
            io_fds[n_io_fds++] = atoi(e->d_name);
    }
    if (d != NULL)
        closedir(d);
    assert_true(n_io_fds >= 1);
    io_side = f;
}

static int io_fault(int fd, const char *point)
{
    if (io_side == NULL)
        return 0;
    for (int i = 0; i < n_io_fds; i++)
        if (io_fds[i] == fd)
            return t_fault_fn(io_side, point);
    return 0;
}

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*sync_fn)(int);

/* libc's definition of `name`, found once (RTLD_NEXT: the next one after this program's). */
#define REAL(name, type)                                                                           \
    static type real_##name;                                                                       \
    if (real_##name == NULL)                                                                       \
        real_##name = (type)dlsym(RTLD_NEXT, #name);

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite, pwrite_fn);
    int e = io_fault(fd, off < 2 * io_psize ? "meta_write" : "page_write");
    if (e != 0) {
        errno = e;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    REAL(writev, writev_fn);
    int e = io_fault(fd, "page_write");
    if (e != 0) {
        errno = e;
        return -1;
    }
    return real_writev(fd, iov, n);
}

int fdatasync(int fd)
{
    REAL(fdatasync, sync_fn);
    int e = io_fault(fd, "sync");
    if (e != 0) {
        errno = e;
        return -1;
    }
    return real_fdatasync(fd);
}

int fsync(int fd)
{
    REAL(fsync, sync_fn);
    int e = io_fault(fd, "sync");
    if (e != 0) {
        errno = e;
        return -1;
    }
    return real_fsync(fd);
}

/* One database and what its operations need to remember. */
typedef struct side {
    eddy_env *env;
    char dir[512];
    faults f;
    char receipts[2][EDDY_QUEUE_RECEIPT_LEN + 1];
    char seq0[EDDY_STREAM_SEQ_LEN + 1];
} side;

static t_clock clk;

static void side_open(side *s)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &s->f;
    s->env = t_env_open_hooks(s->dir, &clk, &o, &hooks);
    if (io_side == &s->f)
        io_watch(&s->f, s->dir); /* reopened: its descriptors may have changed */
}

/* Make s a copy of model (same data, same receipts): after a receive that committed but could
 * not hand its batch out, s holds messages in flight whose receipts nobody has. */
static void resync(side *s, const side *model)
{
    static unsigned n;
    T_OK(eddy_env_close(s->env));
    snprintf(s->dir + strlen(s->dir), sizeof s->dir - strlen(s->dir), ".%u", n++);
    T_OK(eddy_env_copy(model->env, s->dir, 0));
    side_open(s);
    memcpy(s->receipts, model->receipts, sizeof s->receipts);
    memcpy(s->seq0, model->seq0, sizeof s->seq0);
}

typedef int (*op_fn)(side *s);

static int op_send(side *s)
{
    return rel_send(s->env, "q",
                    "a message sent under faults, long enough to be compressed "
                    "by zstd because it is longer than the 128-byte threshold of "
                    "compression_min_len in the options");
}

static int op_send_batch(side *s)
{
    eddy_queue_send_entry e[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 3; i++) {
        e[i].body.data = "batch entry";
        e[i].body.len = 11;
    }
    return eddy_queue_send_batch(s->env, "q", e, 3, r);
}

static int op_receive(side *s)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b;
    size_t n;
    int rc;
    ro.max_messages = 2;
    ro.visibility_timeout_ms = 60000;
    if ((rc = eddy_queue_receive(s->env, "q", &ro, &b)) != 0)
        return rc;
    n = eddy_queue_batch_count(b);
    for (size_t i = 0; i < n && i < 2; i++)
        memcpy(s->receipts[i], eddy_queue_batch_message(b, i)->receipt, sizeof s->receipts[i]);
    eddy_queue_batch_free(b);
    return n == 2 ? 0 : EDDY_EINTERNAL;
}

static int op_change_visibility(side *s)
{
    return eddy_queue_change_visibility(s->env, "q", s->receipts[0], 5000);
}

static int op_delete(side *s)
{
    return eddy_queue_delete_message(s->env, "q", s->receipts[1]);
}

static int op_redrive_start(side *s)
{
    return eddy_queue_redrive_start(s->env, "dlq", "q", 0, NULL);
}

static int op_redrive_run(side *s)
{
    return eddy_queue_redrive_run(s->env, 0, NULL);
}

static int op_purge_dlq(side *s)
{
    return eddy_queue_purge(s->env, "dlq", NULL);
}

static int op_put(side *s)
{
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    int rc = rel_put(s->env, "s", "fault-key", "a record put under faults", &r);
    if (rc == 0 && r.shard_id == 0)
        memcpy(s->seq0, r.seq, sizeof s->seq0);
    return rc;
}

static int op_put_batch(side *s)
{
    eddy_stream_put_entry e[5] = {[0 ...(5) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[5] = {[0 ...(5) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    static const char *pks[5] = {"a", "b", "c", "d", "e"};
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 5; i++) {
        e[i].partition_key.data = pks[i];
        e[i].partition_key.len = 1;
        e[i].data.data = "batch record";
        e[i].data.len = 12;
    }
    return eddy_stream_put_batch(s->env, "s", e, 5, r, NULL);
}

static int op_get_records(side *s)
{
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    size_t n;
    int rc;
    if ((rc = eddy_stream_get_iterator(s->env, "s", 1, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                       &it)) != 0)
        return rc;
    if ((rc = eddy_stream_get_records(s->env, &it, NULL, &b)) != 0)
        return rc;
    n = eddy_stream_batch_count(b);
    eddy_stream_batch_free(b);
    return n > 0 ? 0 : EDDY_EINTERNAL;
}

static int op_checkpoint(side *s)
{
    eddy_stream_shard sh[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;
    size_t n;
    int rc;
    if ((rc = eddy_stream_list_shards(s->env, "s", sh, 4, &n)) != 0)
        return rc;
    cp = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    cp.stream = "s";
    cp.consumer = "c2";
    cp.shard_id = 1;
    cp.seq = sh[1].starting_seq;
    cp.state.data = "checkpoint state";
    cp.state.len = 16;
    return eddy_checkpoint_set(s->env, &cp);
}

static int op_split(side *s)
{
    return eddy_stream_update_shard_count(s->env, "s", 3);
}

static int op_merge(side *s)
{
    return eddy_stream_update_shard_count(s->env, "s", 2);
}

static int op_trim(side *s)
{
    uint64_t removed = 0;
    int rc = eddy_stream_trim(s->env, "s", 0, &removed);
    return rc == 0 && removed == 0 ? EDDY_EINTERNAL : rc;
}

static int op_queue_trim(side *s)
{
    return eddy_queue_trim(s->env, "dlq", 0, NULL);
}

static int problem_seen(void *ctx, const char *table, eddy_slice key, const char *what)
{
    (void)ctx;
    (void)key;
    print_error("verify under a fault reported a problem in %s: %s\n", table, what);
    return 0;
}

/* A read that allocates much: a fault must fail it, never turn into a reported problem. */
static int op_verify(side *s)
{
    uint64_t problems = 0;
    int rc = eddy_env_verify(s->env, problem_seen, NULL, &problems);
    return rc == 0 && problems != 0 ? EDDY_ECORRUPT : rc;
}

typedef struct op {
    const char *name;
    op_fn fn;
    uint64_t clock_step_ms; /* moved once before the operation (both sides share the clock) */
    int may_fail_after_commit;
} op;

static const op ops[] = {
    {"queue send", op_send, 0, 0},
    {"queue send_batch", op_send_batch, 0, 0},
    {"verify", op_verify, 0, 0},
    {"queue receive", op_receive, 2000, 1},
    {"queue change_visibility", op_change_visibility, 0, 0},
    {"queue delete_message", op_delete, 0, 0},
    {"queue redrive_start", op_redrive_start, 0, 0},
    {"queue redrive_run", op_redrive_run, 1000, 0},
    {"stream put", op_put, 0, 0},
    {"stream put_batch", op_put_batch, 5, 0},
    {"stream get_records", op_get_records, 0, 0},
    {"checkpoint set", op_checkpoint, 0, 0},
    {"stream reshard (split)", op_split, 0, 0},
    {"stream reshard (merge)", op_merge, 0, 0},
    {"stream trim", op_trim, 25ull * 3600 * 1000, 0},
    {"queue trim", op_queue_trim, 4ull * 24 * 3600 * 1000, 0},
    {"queue purge", op_purge_dlq, 0, 0},
};

static int trials;
static int io_counts[4]; /* failing runs at page_write, meta_write, sync, Eddy's own points */

/* Run op on s with fault N = 1, 2, ... until it succeeds; model ran it without faults. */
static void fault_loop(side *s, side *model, const op *o)
{
    char *before, *after, *want;
    int n, rc = -1, failures = 0;

    T_OK(o->fn(model));
    want = rel_dump(model->env, clk.now_ms);
    assert_non_null(want);
    before = rel_dump(s->env, clk.now_ms);
    assert_non_null(before);
    for (n = 1; n < 2000; n++) {
        s->f.hit = 0;
        s->f.fail_at = n;
        s->f.point[0] = '\0';
        __atomic_store_n(&s->f.armed, 1, __ATOMIC_SEQ_CST);
        rc = o->fn(s);
        __atomic_store_n(&s->f.armed, 0, __ATOMIC_SEQ_CST);
        if (rc == 0)
            break;
        trials++;
        failures++;
        if (s->f.point[0] == '\0' || rc != s->f.expect)
            print_error("%s with fault %d at '%s': %s (%s), expected %s\n", o->name, n, s->f.point,
                        eddy_errname(rc), eddy_last_error(), eddy_errname(s->f.expect));
        assert_true(s->f.point[0] != '\0');
        assert_int_equal(rc, s->f.expect);
        assert_true(eddy_last_error()[0] != '\0');
        io_counts[strcmp(s->f.point, "page_write") == 0   ? 0
                  : strcmp(s->f.point, "meta_write") == 0 ? 1
                  : strcmp(s->f.point, "sync") == 0       ? 2
                                                          : 3]++;
        if (rc == EDDY_EPANIC) { /* LMDB stopped writing: reopen, then it must be as before */
            eddy_env_stat st = EDDY_ENV_STAT_INIT;
            T_RC(EDDY_EPANIC, eddy_env_stat_get(s->env, &st));
            eddy_env_close(s->env);
            side_open(s);
        }
        after = rel_dump(s->env, clk.now_ms);
        assert_non_null(after);
        t_verify_clean(s->env);
        if (o->may_fail_after_commit && strcmp(after, want) == 0) {
            free(after);
            resync(s, model); /* its receipts were never handed out: take the model's */
            break;            /* it committed, then failed to hand the batch out: done */
        }
        rel_assert_same(before, after);
        free(after);
    }
    assert_true(n < 2000);
    after = rel_dump(s->env, clk.now_ms);
    rel_assert_same(want, after);
    t_verify_clean(s->env);
    print_message("%-26s %3d failing runs, then %s\n", o->name, failures,
                  rc == 0 ? "success" : "committed (batch not handed out)");
    free(after);
    free(before);
    free(want);
}

static void every_operation_under_every_fault(void **state)
{
    side a, m;
    char r[2][EDDY_QUEUE_RECEIPT_LEN + 1];
    char *x, *y;

    memset(&a, 0, sizeof a);
    memset(&m, 0, sizeof m);
    clk.now_ms = REL_T0;
    snprintf(a.dir, sizeof a.dir, "%s/a", t_tmpdir());
    snprintf(m.dir, sizeof m.dir, "%s/m", t_tmpdir());
    side_open(&a);
    side_open(&m);
    io_watch(&a.f, a.dir);
    rel_populate(a.env, &clk, r);
    clk.now_ms = REL_T0;
    rel_populate(m.env, &clk, r);
    x = rel_dump(a.env, clk.now_ms);
    y = rel_dump(m.env, clk.now_ms);
    rel_assert_same(y, x); /* the twins start equal */
    free(x);
    free(y);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        clk.now_ms += ops[i].clock_step_ms;
        fault_loop(&a, &m, &ops[i]);
    }
    io_side = NULL;
    T_OK(eddy_env_close(a.env));
    T_OK(eddy_env_close(m.env));
    print_message("fault trials (failing runs checked): %d (LMDB's page writes %d, meta writes %d, "
                  "syncs %d; Eddy's points %d)\n",
                  trials, io_counts[0], io_counts[1], io_counts[2], io_counts[3]);
    assert_true(io_counts[0] > 0 && io_counts[1] > 0 && io_counts[2] > 0);
    (void)state;
}

/* eddy_env_compact under faults: each failure leaves the database as it was and openable. */
static void compact_under_every_fault(void **state)
{
    side a;
    char r[2][EDDY_QUEUE_RECEIPT_LEN + 1], *before, *after;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    int n, rc = -1, failures = 0;

    memset(&a, 0, sizeof a);
    clk.now_ms = REL_T0;
    snprintf(a.dir, sizeof a.dir, "%s/c", t_tmpdir());
    side_open(&a);
    rel_populate(a.env, &clk, r);
    T_OK(eddy_queue_purge(a.env, "q", NULL)); /* free pages for the compaction to drop */
    before = rel_dump(a.env, clk.now_ms);
    T_OK(eddy_env_close(a.env));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    hooks.fault.fn = t_fault_fn;
    hooks.fault.ctx = &a.f;
    o.clock = t_clock_of(&clk);
    for (n = 1; n < 2000 && rc != 0; n++) {
        a.f.hit = 0;
        a.f.fail_at = n;
        a.f.point[0] = '\0';
        __atomic_store_n(&a.f.armed, 1, __ATOMIC_SEQ_CST);
        rc = eddy_test_env_compact(a.dir, &o, &hooks, NULL, NULL);
        __atomic_store_n(&a.f.armed, 0, __ATOMIC_SEQ_CST);
        if (rc != 0) {
            trials++;
            failures++;
            if (rc != a.f.expect)
                print_error("compact with fault %d at '%s': %s (%s)\n", n, a.f.point,
                            eddy_errname(rc), eddy_last_error());
            assert_true(a.f.point[0] != '\0');
            assert_int_equal(rc, a.f.expect);
        }
        side_open(&a);
        after = rel_dump(a.env, clk.now_ms);
        rel_assert_same(before, after);
        t_verify_clean(a.env);
        free(after);
        T_OK(eddy_env_close(a.env));
    }
    T_OK(rc);
    print_message("compact: %d failing runs, then success; fault trials so far %d\n", failures,
                  trials);
    free(before);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_operation_under_every_fault),
        cmocka_unit_test(compact_under_every_fault),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
