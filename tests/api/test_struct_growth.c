/*
 * test_struct_growth.c: the growth rule of eddy.h's CONVENTIONS (decision 0008) through the
 * public API: a caller whose structs are larger than the library's (a newer eddy.h) is served
 * when its extra bytes are zero and refused, changing nothing, when they are not; an output
 * struct or array element is written up to the library's size only, and `size` says how much;
 * a struct that was not initialised (size 0) is refused with a message naming its
 * EDDY_<TYPE>_INIT; array elements must agree on their size, and the stride is element 0's.
 * An older caller (a smaller struct) is checked in tests/unit/test_abi.c, against a simulated
 * first version: today's sizes are the first published ones, so no older caller exists yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

/* A newer caller's options: today's struct plus a field this library does not know. */
typedef struct newer_queue_options {
    eddy_queue_options o;
    uint64_t future_option;
} newer_queue_options;

static void larger_input_zero_tail_accepted_nonzero_refused(void **state)
{
    fx *f = *state;
    newer_queue_options n;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;

    memset(&n, 0, sizeof n);
    n.o.size = sizeof n;
    n.o.delay_ms = 1000;
    n.future_option = 7; /* set: this library cannot honour it */
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &n.o));
    assert_non_null(strstr(eddy_last_error(), "unknown option set in eddy_queue_options"));
    T_RC(EDDY_ENOTFOUND, eddy_queue_get_attributes(f->env, "q", &info)); /* nothing changed */
    n.future_option = 0; /* left unset: the default, so this library can serve it */
    T_OK(eddy_queue_create(f->env, "q", &n.o));
    T_OK(eddy_queue_get_attributes(f->env, "q", &info));
    assert_int_equal(info.delay_ms, 1000);
    assert_int_equal(info.visibility_timeout_ms, 30000); /* defaults as usual */
}

static void size_zero_refused_with_the_macro_named(void **state)
{
    fx *f = *state;
    eddy_queue_options o;
    eddy_env_stat st;

    memset(&o, 0, sizeof o);
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    assert_non_null(strstr(eddy_last_error(), "EDDY_QUEUE_OPTIONS_INIT"));
    memset(&st, 0, sizeof st);
    T_RC(EDDY_EINVAL, eddy_env_stat_get(f->env, &st));
    assert_non_null(strstr(eddy_last_error(), "EDDY_ENV_STAT_INIT"));
    o.size = 3; /* below the first version's size */
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    /* NULL options still mean all defaults */
    T_OK(eddy_queue_create(f->env, "q", NULL));
}

/* A newer caller's output: room for fields this library does not fill. */
typedef struct newer_queue_info {
    eddy_queue_info i;
    uint8_t future[24];
} newer_queue_info;

static void larger_output_written_up_to_library_size(void **state)
{
    fx *f = *state;
    newer_queue_info n;
    size_t i;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    memset(&n, 0xab, sizeof n);
    n.i.size = sizeof n;
    T_OK(eddy_queue_get_attributes(f->env, "q", &n.i));
    assert_int_equal(n.i.size, sizeof(eddy_queue_info)); /* what this library wrote */
    assert_true(EDDY_HAS_FIELD(&n.i, eddy_queue_info, batch_max));
    assert_int_equal(n.i.batch_max, 10);
    for (i = 0; i < sizeof n.future; i++)
        assert_int_equal(n.future[i], 0xab); /* no byte past the library's struct */
}

static void input_array_sizes_must_agree(void **state)
{
    fx *f = *state;
    eddy_queue_send_entry e[3] = {EDDY_QUEUE_SEND_ENTRY_INIT, EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[3] = {EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    for (int i = 0; i < 3; i++) {
        e[i].body.data = "body";
        e[i].body.len = 4;
    }
    /* e[2] was left uninitialised (size 0): refused, naming it, nothing sent */
    T_RC(EDDY_EINVAL, eddy_queue_send_batch(f->env, "q", e, 3, r));
    assert_non_null(strstr(eddy_last_error(), "eddy_queue_send_entry[2]"));
    T_OK(eddy_queue_stat_get(f->env, "q", &st));
    assert_int_equal(st.messages, 0);
    e[2].size = sizeof e[2];
    T_OK(eddy_queue_send_batch(f->env, "q", e, 3, r));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r[i].size, sizeof r[i]); /* set in every element filled */
        assert_int_equal(r[i].rc, 0);
    }
}

/* A newer caller's array elements: the stride is element 0's size, in and out. */
typedef struct newer_entry {
    eddy_stream_put_entry e;
    uint64_t future;
} newer_entry;

typedef struct newer_result {
    eddy_stream_put_result r;
    uint64_t canary;
} newer_result;

typedef struct newer_shard {
    eddy_stream_shard s;
    uint64_t canary;
} newer_shard;

static void array_stride_is_element_zero_size(void **state)
{
    fx *f = *state;
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    newer_entry in[4];
    newer_result out[4];
    newer_shard sh[3];
    size_t n = 0, failed = 9;
    char pk[4][4];

    so.shard_count = 2;
    T_OK(eddy_stream_create(f->env, "s", &so));
    memset(in, 0, sizeof in);
    memset(out, 0x5a, sizeof out);
    for (int i = 0; i < 4; i++) {
        in[i].e.size = sizeof in[i];
        snprintf(pk[i], sizeof pk[i], "k%d", i);
        in[i].e.partition_key.data = pk[i];
        in[i].e.partition_key.len = strlen(pk[i]);
        in[i].e.data.data = "data";
        in[i].e.data.len = 4;
    }
    out[0].r.size = sizeof out[0];
    T_OK(eddy_stream_put_batch(f->env, "s", &in[0].e, 4, &out[0].r, &failed));
    assert_int_equal(failed, 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(out[i].r.size, sizeof(eddy_stream_put_result));
        assert_int_equal(out[i].r.rc, 0);
        assert_int_equal(strlen(out[i].r.seq), EDDY_STREAM_SEQ_LEN);
        assert_int_equal(out[i].canary, 0x5a5a5a5a5a5a5a5aull);
    }
    in[3].future = 1; /* a field this library does not know, set: refused */
    T_RC(EDDY_EINVAL, eddy_stream_put_batch(f->env, "s", &in[0].e, 4, &out[0].r, NULL));
    assert_non_null(strstr(eddy_last_error(), "eddy_stream_put_entry[3]"));

    memset(sh, 0x5a, sizeof sh);
    sh[0].s.size = sizeof sh[0];
    T_OK(eddy_stream_list_shards(f->env, "s", &sh[0].s, 3, &n));
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sh[i].s.size, sizeof(eddy_stream_shard));
        assert_int_equal(sh[i].s.shard_id, i);
        assert_int_equal(sh[i].canary, 0x5a5a5a5a5a5a5a5aull);
    }
}

/* A size past EDDY_STRUCT_SIZE_MAX is garbage (an uninitialised struct): refused before Eddy
 * reads or writes past the caller's memory, for inputs, outputs and arrays. */
static void garbage_size_refused(void **state)
{
    fx *f = *state;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    eddy_stream_shard sh[2] = {EDDY_STREAM_SHARD_INIT};
    size_t n = 7;

    o.size = EDDY_STRUCT_SIZE_MAX + 1;
    T_RC(EDDY_EINVAL, eddy_queue_create(f->env, "q", &o));
    assert_non_null(strstr(eddy_last_error(), "EDDY_QUEUE_OPTIONS_INIT"));
    st.size = 0xdeadbeef;
    T_RC(EDDY_EINVAL, eddy_env_stat_get(f->env, &st));
    T_OK(eddy_stream_create(f->env, "s", NULL));
    sh[0].size = 0x7fffffff;
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(f->env, "s", sh, 2, &n));
    assert_non_null(strstr(eddy_last_error(), "EDDY_STREAM_SHARD_INIT"));
}

/* A list's capacity may pass the arrays' check bound: element 0's size is still checked, and
 * past the bound only this library's stride is taken (used in place); another stride is refused
 * with nothing written, where it used to be filled at the library's stride. */
static void large_capacity_output_needs_the_library_stride(void **state)
{
    fx *f = *state;
    enum { CAP = 10001 };
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    newer_shard *sh = calloc(CAP, sizeof *sh);
    size_t n = 0;

    assert_non_null(sh);
    so.shard_count = 3;
    T_OK(eddy_stream_create(f->env, "s", &so));
    memset(sh, 0x5a, CAP * sizeof *sh);
    sh[0].s.size = sizeof sh[0];
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(f->env, "s", &sh[0].s, CAP, &n));
    assert_non_null(strstr(eddy_last_error(), "element size"));
    assert_int_equal(sh[0].s.size, sizeof sh[0]);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(sh[i].canary, 0x5a5a5a5a5a5a5a5aull);
    free(sh);
    {
        eddy_stream_shard *own = calloc(CAP, sizeof *own);
        assert_non_null(own);
        own[0].size = sizeof own[0];
        T_OK(eddy_stream_list_shards(f->env, "s", own, CAP, &n));
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(own[i].size, sizeof(eddy_stream_shard));
            assert_int_equal(own[i].shard_id, i);
        }
        free(own);
    }
}

/* eddy_env_readers' callback: every lent eddy_reader carries the library's size. */
static int reader_size(void *ctx, const eddy_reader *r)
{
    size_t *n = ctx;
    assert_int_equal(r->size, sizeof *r);
    assert_true(EDDY_HAS_FIELD(r, eddy_reader, txn_id));
    ++*n;
    return 0;
}

static void lent_structs_carry_the_library_size(void **state)
{
    fx *f = *state;
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_batch *b = NULL;
    const eddy_queue_message *m;
    size_t n_readers;

    T_OK(eddy_queue_create(f->env, "q", NULL));
    e.body.data = "x";
    e.body.len = 1;
    T_OK(eddy_queue_send(f->env, "q", &e, NULL));
    T_OK(eddy_queue_receive(f->env, "q", NULL, &b));
    assert_int_equal(eddy_queue_batch_count(b), 1);
    m = eddy_queue_batch_message(b, 0);
    assert_non_null(m);
    assert_int_equal(m->size, sizeof *m);
    assert_true(EDDY_HAS_FIELD(m, eddy_queue_message, receipt));
    assert_null(eddy_queue_batch_message(b, 1));
    eddy_queue_batch_free(b);
    /* No slot need be in use here (a slot held by another process: tests/cli/test_readers.sh);
     * any that is must come with the library's size. */
    n_readers = 0;
    T_OK(eddy_env_readers(f->env, reader_size, &n_readers));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_FX_TEST(larger_input_zero_tail_accepted_nonzero_refused),
        T_FX_TEST(size_zero_refused_with_the_macro_named),
        T_FX_TEST(larger_output_written_up_to_library_size),
        T_FX_TEST(input_array_sizes_must_agree),
        T_FX_TEST(array_stride_is_element_zero_size),
        T_FX_TEST(lent_structs_carry_the_library_size),
        T_FX_TEST(garbage_size_refused),
        T_FX_TEST(large_capacity_output_needs_the_library_stride),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
