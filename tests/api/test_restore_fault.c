/*
 * test_restore_fault.c: the scan, restore, trim-before, usage and consumer-listing calls under
 * fault injection. For each call, the k-th fault point it passes fails (k = 1, 2, ... until the
 * call no longer reaches k points); every failure must be an EDDY_E* code, must leave the
 * database as it was (the same dump of queue q and stream s, verify clean) and leak nothing
 * (ASan build). Restores are all or nothing, so a failed one stored nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq_math.h"
#include "support.h"

#define T0 1700000000000ull

/* Fail the target-th fault point reached while armed; count the points reached. */
typedef struct injector {
    int on;
    int seen;
    int target;
} injector;

static int inject(void *ctx, const char *point)
{
    injector *in = ctx;
    int seen;

    if (!__atomic_load_n(&in->on, __ATOMIC_ACQUIRE))
        return 0;
    seen = __atomic_add_fetch(&in->seen, 1, __ATOMIC_ACQ_REL);
    if (seen != in->target)
        return 0;
    return strcmp(point, "alloc") == 0 ? ENOMEM : EIO;
}

typedef struct world {
    t_clock clock;
    injector in;
    eddy_env *env;
    char s_seq[EDDY_STREAM_SEQ_LEN + 1]; /* the newest record of shard 0 */
    uint64_t next_id;                    /* the next message id a restore may use */
} world;

/* What the test compares before and after a failure: counts of q and s. */
typedef struct picture {
    eddy_queue_stat q;
    eddy_stream_info s;
} picture;

static void take_picture(world *w, picture *p)
{
    memset(p, 0, sizeof *p);
    p->q.size = sizeof p->q;
    p->s.size = sizeof p->s;
    T_OK(eddy_queue_stat_get(w->env, "q", &p->q));
    T_OK(eddy_stream_get_attributes(w->env, "s", &p->s));
}

typedef int (*call_fn)(world *w);

/* Call fn with each of its fault points failing in turn, then once cleanly. */
static void under_faults(world *w, call_fn fn, const char *what)
{
    picture before, after;
    int k, rc;

    for (k = 1; k < 1000; k++) {
        take_picture(w, &before);
        w->in.seen = 0;
        w->in.target = k;
        __atomic_store_n(&w->in.on, 1, __ATOMIC_RELEASE);
        rc = fn(w);
        __atomic_store_n(&w->in.on, 0, __ATOMIC_RELEASE);
        if (w->in.seen < k) {
            T_OK(rc); /* the call no longer reaches a k-th point */
            break;
        }
        if (rc == 0)
            continue; /* that point's failure was retried or absorbed */
        assert_true(rc < 0 && rc >= EDDY_EINTERNAL);
        take_picture(w, &after);
        assert_memory_equal(&before.q, &after.q, sizeof before.q);
        assert_int_equal(before.s.records, after.s.records);
        assert_int_equal(before.s.bytes, after.s.bytes);
        t_verify_clean(w->env);
    }
    assert_true(k < 1000);
    print_message("%s: %d fault points\n", what, k - 1);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_test_hooks hooks = EDDY_TEST_HOOKS_INIT;
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;

    w->clock.now_ms = T0;
    hooks.fault.fn = inject;
    hooks.fault.ctx = &w->in;
    w->env = t_env_open_hooks(t_tmpdir(), &w->clock, &o, &hooks);
    T_OK(eddy_queue_create(w->env, "q", NULL));
    T_OK(eddy_stream_create(w->env, "s", NULL));
    m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    m.body.data = "hello";
    m.body.len = 5;
    T_OK(eddy_queue_send(w->env, "q", &m, NULL));
    e = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = "k";
    e.partition_key.len = 1;
    e.data.data = "v";
    e.data.len = 1;
    T_OK(eddy_stream_put(w->env, "s", &e, &r));
    memcpy(w->s_seq, r.seq, sizeof w->s_seq);
    cp = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    cp.stream = "s";
    cp.consumer = "app";
    cp.seq = r.seq;
    T_OK(eddy_checkpoint_set(w->env, &cp));
    w->next_id = 100;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    t_verify_clean(w->env);
    T_OK(eddy_env_close(w->env));
    free(w);
    return 0;
}

static int count_msg(void *ctx, const eddy_queue_scan_message *m)
{
    (void)m;
    ++*(int *)ctx;
    return 0;
}

static int call_scan(world *w)
{
    int n = 0;
    return eddy_queue_scan(w->env, "q", 0, 0, count_msg, &n, NULL);
}

static int call_queue_restore(world *w)
{
    eddy_queue_restore_entry e[2] = {[0 ...(2) - 1] = EDDY_QUEUE_RESTORE_ENTRY_INIT};
    eddy_queue_send_result r[2] = {[0 ...(2) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_attr a = {"n", "Number", {"1", 1}};
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 2; i++) {
        e[i].msg_id = w->next_id + (uint64_t)i;
        e[i].body.data = "restored";
        e[i].body.len = 8;
        e[i].sent_ms = T0 - 1000;
        e[i].attrs = &a;
        e[i].attr_count = 1;
    }
    if ((rc = eddy_queue_restore_batch(w->env, "q", e, 2, r)) == 0)
        w->next_id += 2;
    return rc;
}

static int call_queue_trim_before(world *w)
{
    return eddy_queue_trim_before(w->env, "q", T0 - 500, 0, NULL);
}

static int call_stream_restore(world *w)
{
    char seq[2][EDDY_STREAM_SEQ_LEN + 1];
    eddy_stream_restore_entry e[2] = {[0 ...(2) - 1] = EDDY_STREAM_RESTORE_ENTRY_INIT};
    eddy_stream_put_result r[2] = {[0 ...(2) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < 2; i++) {
        seq_add(w->s_seq, (uint64_t)i + 1, seq[i]);
        e[i].seq = seq[i];
        e[i].arrival_ms = w->clock.now_ms;
        e[i].partition_key.data = "k";
        e[i].partition_key.len = 1;
        e[i].data.data = "restored";
        e[i].data.len = 8;
    }
    if ((rc = eddy_stream_restore_batch(w->env, "s", e, 2, r)) == 0)
        memcpy(w->s_seq, seq[1], sizeof w->s_seq);
    return rc;
}

static int call_stream_trim_before(world *w)
{
    return eddy_stream_trim_before(w->env, "s", T0 + 1, 0, NULL);
}

static int call_usage(world *w)
{
    eddy_stream_usage u = EDDY_STREAM_USAGE_INIT;
    return eddy_stream_usage_get(w->env, "s", EDDY_STREAM_NO_SHARD, &u);
}

static int ignore_name(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 0;
}

static int call_consumers(world *w)
{
    return eddy_consumer_list(w->env, "s", ignore_name, NULL);
}

static int call_list_shards(world *w)
{
    eddy_stream_shard sh[2] = {[0 ...(2) - 1] = EDDY_STREAM_SHARD_INIT};
    size_t n;
    return eddy_stream_list_shards(w->env, "s", sh, 2, &n);
}

static void every_call_under_faults(void **state)
{
    world *w = *state;

    under_faults(w, call_scan, "eddy_queue_scan");
    under_faults(w, call_queue_restore, "eddy_queue_restore_batch");
    under_faults(w, call_queue_trim_before, "eddy_queue_trim_before");
    under_faults(w, call_stream_restore, "eddy_stream_restore_batch");
    w->clock.now_ms += 10;
    under_faults(w, call_stream_trim_before, "eddy_stream_trim_before");
    under_faults(w, call_usage, "eddy_stream_usage_get");
    under_faults(w, call_consumers, "eddy_consumer_list");
    under_faults(w, call_list_shards, "eddy_stream_list_shards");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_call_under_faults, setup, teardown),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
