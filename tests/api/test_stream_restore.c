/*
 * test_stream_restore.c: eddy_stream_restore_batch (sequence numbers and arrival times kept
 * across databases; collisions, numbers going backwards, closed or missing shards refused; puts
 * and iterators continue consistently), eddy_stream_trim_before, eddy_consumer_list,
 * eddy_stream_usage_get, and the first/last sequence numbers of eddy_stream_list_shards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq_math.h"
#include "support.h"

#define T0 1700000000000ull

typedef struct fx {
    t_clock clock;
    eddy_env *env;
    eddy_env *env2;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->clock.now_ms = T0;
    f->env = t_env_open(t_tmpdir(), &f->clock);
    f->env2 = t_env_open(t_tmpdir(), &f->clock);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    t_verify_clean(f->env);
    t_verify_clean(f->env2);
    T_OK(eddy_env_close(f->env));
    T_OK(eddy_env_close(f->env2));
    free(f);
    return 0;
}

/* Every record of shard `shard`, copied: "seq arrival pk data" lines into out. */
static size_t dump_shard(eddy_env *env, const char *s, uint32_t shard, char *out, size_t cap)
{
    eddy_stream_iterator it;
    size_t total = 0;

    out[0] = '\0';
    T_OK(eddy_stream_get_iterator(env, s, shard, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    for (int round = 0; round < 100; round++) {
        eddy_stream_batch *b = NULL;
        size_t n;
        T_OK(eddy_stream_get_records(env, &it, NULL, &b));
        n = eddy_stream_batch_count(b);
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(out);
            snprintf(out + l, cap - l, "%s %llu %.*s %.*s\n", eddy_stream_batch_record(b, i)->seq,
                     (unsigned long long)eddy_stream_batch_record(b, i)->arrival_ms,
                     (int)eddy_stream_batch_record(b, i)->partition_key.len,
                     (const char *)eddy_stream_batch_record(b, i)->partition_key.data,
                     (int)eddy_stream_batch_record(b, i)->data.len,
                     (const char *)eddy_stream_batch_record(b, i)->data.data);
        }
        total += n;
        it = eddy_stream_batch_info(b)->next;
        eddy_stream_batch_free(b);
        if (n == 0)
            break;
    }
    return total;
}

/* Read shard `shard` of env and restore it into env2 in batches of `step`. */
static void copy_shard(eddy_env *env, eddy_env *env2, const char *s, uint32_t shard, size_t step)
{
    eddy_stream_iterator it;
    eddy_stream_read_options ro = {
        .size = sizeof ro, .max_records = (uint32_t)step, .max_bytes = 0};

    T_OK(eddy_stream_get_iterator(env, s, shard, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    for (int round = 0; round < 1000; round++) {
        eddy_stream_batch *b = NULL;
        eddy_stream_restore_entry e[64] = {[0 ...(64) - 1] = EDDY_STREAM_RESTORE_ENTRY_INIT};
        eddy_stream_put_result res[64] = {[0 ...(64) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
        size_t n;
        T_OK(eddy_stream_get_records(env, &it, &ro, &b));
        n = eddy_stream_batch_count(b);
        for (size_t i = 0; i < n; i++) {
            e[i].seq = eddy_stream_batch_record(b, i)->seq;
            e[i].arrival_ms = eddy_stream_batch_record(b, i)->arrival_ms;
            e[i].partition_key = eddy_stream_batch_record(b, i)->partition_key;
            e[i].data = eddy_stream_batch_record(b, i)->data;
        }
        if (n > 0) {
            T_OK(eddy_stream_restore_batch(env2, s, e, n, res));
            for (size_t i = 0; i < n; i++) {
                assert_string_equal(res[i].seq, eddy_stream_batch_record(b, i)->seq);
                assert_int_equal(res[i].shard_id, shard);
            }
        }
        it = eddy_stream_batch_info(b)->next;
        eddy_stream_batch_free(b);
        if (n == 0)
            break;
    }
}

static void restore_round_trip(void **state)
{
    fx *f = *state;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_put_entry e[5] = {[0 ...(5) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[5] = {[0 ...(5) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_shard sh1[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_shard sh2[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    static char a[8192], c[8192];
    size_t n1, n2, n;

    o.shard_count = 2;
    T_OK(eddy_stream_create(f->env, "s", &o));
    T_OK(eddy_stream_create(f->env2, "s", &o));
    e[0] = t_stream_entry("a", "1");
    e[1] = t_stream_entry("b", "2");
    e[2] = t_stream_entry("c", "3");
    e[3] = t_stream_entry("a", "4");
    e[4] = t_stream_entry("d", "");
    for (int round = 0; round < 6; round++) {
        T_OK(eddy_stream_put_batch(f->env, "s", e, 5, r, NULL));
        T_OK(eddy_stream_put(f->env, "s", &e[round % 5], NULL));
        f->clock.now_ms += 1000;
    }
    for (uint32_t shard = 0; shard < 2; shard++)
        copy_shard(f->env, f->env2, "s", shard, shard == 0 ? 3 : 64);
    t_verify_clean(f->env2);
    for (uint32_t shard = 0; shard < 2; shard++) {
        n1 = dump_shard(f->env, "s", shard, a, sizeof a);
        n2 = dump_shard(f->env2, "s", shard, c, sizeof c);
        assert_int_equal(n1, n2);
        assert_string_equal(a, c);
    }
    T_OK(eddy_stream_list_shards(f->env, "s", sh1, 4, &n1));
    T_OK(eddy_stream_list_shards(f->env2, "s", sh2, 4, &n2));
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_string_equal(sh1[i].last_seq, sh2[i].last_seq);
        assert_string_equal(sh1[i].first_seq, sh2[i].first_seq);
        assert_int_equal(sh1[i].records, sh2[i].records);
        assert_int_equal(sh1[i].bytes, sh2[i].bytes);
        assert_int_equal(sh1[i].last_arrival_ms, sh2[i].last_arrival_ms);
        assert_true(sh1[i].last_seq[0] != '\0');
    }
    /* AT_TIMESTAMP finds the same record in both. */
    for (int k = 0; k < 2; k++) {
        eddy_env *env = k == 0 ? f->env : f->env2;
        T_OK(eddy_stream_get_iterator(env, "s", 0, EDDY_STREAM_ITER_AT_TIMESTAMP, NULL, T0 + 2500,
                                      &it));
        T_OK(eddy_stream_get_records(env, &it, NULL, &b));
        n = eddy_stream_batch_count(b);
        assert_true(n > 0);
        assert_int_equal(eddy_stream_batch_record(b, 0)->arrival_ms, T0 + 3000);
        if (k == 0)
            snprintf(a, sizeof a, "%s", eddy_stream_batch_record(b, 0)->seq);
        else
            assert_string_equal(a, eddy_stream_batch_record(b, 0)->seq);
        eddy_stream_batch_free(b);
    }
    /* Puts continue above the restored numbers. */
    T_OK(eddy_stream_put(f->env2, "s", &e[0], &r[0]));
    T_OK(eddy_stream_list_shards(f->env2, "s", sh2, 4, &n2));
    assert_string_equal(sh2[r[0].shard_id].last_seq, r[0].seq);
    assert_true(strcmp(r[0].seq, sh1[r[0].shard_id].last_seq) > 0);
}

static eddy_stream_restore_entry rent(const char *seq, uint64_t arrival, const char *data)
{
    eddy_stream_restore_entry e = EDDY_STREAM_RESTORE_ENTRY_INIT;
    e.seq = seq;
    e.arrival_ms = arrival;
    e.partition_key.data = "k";
    e.partition_key.len = 1;
    e.data.data = data;
    e.data.len = strlen(data);
    return e;
}

static void restore_refusals(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_put_result p[2] = {[0 ...(2) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_restore_entry e[3] = {[0 ...(3) - 1] = EDDY_STREAM_RESTORE_ENTRY_INIT};
    eddy_stream_put_entry pe[2] = {[0 ...(2) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_shard sh[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    char seq[3][EDDY_STREAM_SEQ_LEN + 1];
    uint32_t kids[2];
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    pe[0] = t_stream_entry("k", "x");
    pe[1] = t_stream_entry("k", "y");
    T_OK(eddy_stream_put_batch(f->env, "s", pe, 2, p, NULL));
    /* p[0] and p[1] are stored: a collision. */
    e[0] = rent(p[1].seq, T0, "z");
    T_RC(EDDY_EEXIST, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    assert_int_equal(r[0].rc, EDDY_EEXIST);
    /* Trim them away: the numbers are no longer stored, but restoring them goes backwards. */
    f->clock.now_ms += 2ull * 86400000;
    T_OK(eddy_stream_trim(f->env, "s", 0, NULL));
    e[0] = rent(p[0].seq, f->clock.now_ms, "z");
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    /* A new number must follow; arrival not in the future, not before the shard's newest. */
    eddy_stream_put(f->env, "s", &pe[0], &p[0]);
    memcpy(seq[0], p[0].seq, sizeof seq[0]);
    for (int i = 1; i < 3; i++)
        seq_add(seq[0], (uint64_t)i, seq[i]);
    e[0] = rent(seq[1], f->clock.now_ms + 1, "z");
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    e[0] = rent(seq[1], f->clock.now_ms - 1, "z");
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    e[0] = rent(seq[2], f->clock.now_ms, "z");
    e[1] = rent(seq[1], f->clock.now_ms, "z"); /* decreasing within the batch */
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 2, r));
    assert_int_equal(r[1].rc, EDDY_EINVAL);
    e[0] = rent("123", f->clock.now_ms, "z");
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    e[0] = rent(seq[1], f->clock.now_ms, "z");
    e[0].partition_key.len = 0;
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    T_OK(eddy_stream_get_attributes(f->env, "s", &info));
    assert_int_equal(info.records, 1);
    /* Good ones go in, and both land in one block when consecutive. */
    e[0] = rent(seq[1], f->clock.now_ms, "z1");
    e[1] = rent(seq[2], f->clock.now_ms, "z2");
    T_OK(eddy_stream_restore_batch(f->env, "s", e, 2, r));
    assert_int_equal(r[0].shard_id, 0);
    T_OK(eddy_stream_get_attributes(f->env, "s", &info));
    assert_int_equal(info.records, 3);
    /* A closed shard refuses; a missing one is not found. */
    T_OK(eddy_stream_split_shard(f->env, "s", 0, "170141183460469231731687303715884105728", kids));
    seq_add(seq[2], 1, seq[0]);
    e[0] = rent(seq[0], f->clock.now_ms, "z");
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 4, &n));
    assert_int_equal(n, 3);
    assert_string_equal(sh[0].last_seq, seq[2]);
    assert_string_equal(sh[0].ending_seq, seq[2]);
    assert_string_equal(sh[1].last_seq, "");
    assert_string_equal(sh[1].first_seq, "");
    e[0] = rent("00000000000000000004294967395", f->clock.now_ms, "z"); /* shard 99 */
    T_RC(EDDY_ENOTFOUND, eddy_stream_restore_batch(f->env, "s", e, 1, r));
    T_RC(EDDY_ENOTFOUND, eddy_stream_restore_batch(f->env, "nope", e, 1, r));
    T_RC(EDDY_EINVAL, eddy_stream_restore_batch(f->env, "s", e, 0, r));
}

static void trim_before_cut(void **state)
{
    fx *f = *state;
    eddy_stream_put_entry e[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_shard sh = EDDY_STREAM_SHARD_INIT;
    uint64_t removed = 0;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    e[0] = t_stream_entry("a", "1");
    e[1] = t_stream_entry("a", "2");
    e[2] = t_stream_entry("a", "3");
    T_OK(eddy_stream_put_batch(f->env, "s", e, 3, r, NULL));
    f->clock.now_ms += 1000;
    T_OK(eddy_stream_put(f->env, "s", &e[0], NULL));
    f->clock.now_ms += 1000;
    T_OK(eddy_stream_put(f->env, "s", &e[1], NULL));
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 0);
    /* Whole blocks: a max_n of 1 still removes the first block of 3. */
    T_OK(eddy_stream_trim_before(f->env, "s", T0 + 1500, 1, &removed));
    assert_int_equal(removed, 3);
    T_OK(eddy_stream_trim_before(f->env, "s", T0 + 1500, 0, &removed));
    assert_int_equal(removed, 1);
    T_OK(eddy_stream_trim_before(f->env, "s", T0 + 1500, 0, &removed));
    assert_int_equal(removed, 0);
    T_OK(eddy_stream_get_attributes(f->env, "s", &info));
    assert_int_equal(info.records, 1);
    T_OK(eddy_stream_list_shards(f->env, "s", &sh, 1, &n));
    assert_int_equal(sh.records, 1);
    assert_string_equal(sh.first_seq, sh.last_seq);
    T_RC(EDDY_EINVAL, eddy_stream_trim_before(f->env, "s", T0, 100001, &removed));
    T_RC(EDDY_ENOTFOUND, eddy_stream_trim_before(f->env, "nope", T0, 0, &removed));
}

typedef struct names {
    char s[8][32];
    size_t n;
} names;

static int on_name(void *ctx, const char *name)
{
    names *x = ctx;
    snprintf(x->s[x->n++], sizeof x->s[0], "%s", name);
    return 0;
}

static int stop_name(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 1;
}

static void consumers_listed_once(void **state)
{
    fx *f = *state;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_put_entry e = t_stream_entry("k", "v");
    names x;

    o = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    o.shard_count = 3;
    T_OK(eddy_stream_create(f->env, "s", &o));
    T_OK(eddy_stream_create(f->env, "t", NULL));
    memset(&x, 0, sizeof x);
    T_OK(eddy_consumer_list(f->env, "s", on_name, &x));
    assert_int_equal(x.n, 0);
    T_OK(eddy_stream_put(f->env, "s", &e, &r));
    cp = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    cp.stream = "s";
    cp.consumer = "zeta";
    cp.shard_id = r.shard_id;
    cp.seq = r.seq;
    T_OK(eddy_checkpoint_set(f->env, &cp));
    cp.consumer = "alpha";
    T_OK(eddy_checkpoint_set(f->env, &cp));
    for (uint32_t s = 0; s < 3; s++)
        T_OK(eddy_lease_take(f->env, "s", "mid", s, "w1", 10000, NULL));
    T_OK(eddy_lease_take(f->env, "s", "zeta", 0, "w1", 10000, NULL));
    T_OK(eddy_lease_take(f->env, "t", "other", 0, "w1", 10000, NULL));
    T_OK(eddy_consumer_list(f->env, "s", on_name, &x));
    assert_int_equal(x.n, 3);
    assert_string_equal(x.s[0], "alpha");
    assert_string_equal(x.s[1], "mid");
    assert_string_equal(x.s[2], "zeta");
    T_RC(EDDY_EUSER, eddy_consumer_list(f->env, "s", stop_name, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_consumer_list(f->env, "nope", on_name, &x));
    T_RC(EDDY_EINVAL, eddy_consumer_list(f->env, "s", NULL, &x));
    T_RC(EDDY_EINVAL, eddy_consumer_list(NULL, "s", on_name, &x));
}

static void usage_counts_blocks_and_compression(void **state)
{
    fx *f = *state;
    static char big[20000];
    eddy_stream_put_entry e[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_usage u = EDDY_STREAM_USAGE_INIT, u0 = EDDY_STREAM_USAGE_INIT;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;

    o.shard_count = 2;
    T_OK(eddy_stream_create(f->env, "s", &o));
    T_OK(eddy_stream_usage_get(f->env, "s", EDDY_STREAM_NO_SHARD, &u));
    assert_int_equal(u.records, 0);
    assert_int_equal(u.stored_bytes, 0);
    memset(big, 'a', sizeof big - 1);
    for (int i = 0; i < 4; i++)
        e[i] = t_stream_entry(i % 2 ? "x" : "y", big);
    for (int round = 0; round < 3; round++)
        T_OK(eddy_stream_put_batch(f->env, "s", e, 4, r, NULL));
    T_OK(eddy_stream_get_attributes(f->env, "s", &info));
    T_OK(eddy_stream_usage_get(f->env, "s", EDDY_STREAM_NO_SHARD, &u));
    assert_int_equal(u.records, 12);
    assert_int_equal(u.data_bytes, info.bytes);
    assert_true(u.blocks >= 3 && u.blocks <= 6);
    assert_true(u.raw_bytes > u.data_bytes);
    assert_true(u.stored_bytes * 10 < u.raw_bytes); /* repeated bytes compress */
    T_OK(eddy_stream_usage_get(f->env, "s", r[0].shard_id, &u0));
    assert_true(u0.records > 0 && u0.records <= 12);
    T_RC(EDDY_ENOTFOUND, eddy_stream_usage_get(f->env, "s", 7, &u));
    T_RC(EDDY_ENOTFOUND, eddy_stream_usage_get(f->env, "nope", EDDY_STREAM_NO_SHARD, &u));
    T_RC(EDDY_EINVAL, eddy_stream_usage_get(f->env, "s", EDDY_STREAM_NO_SHARD, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(restore_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(trim_before_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(consumers_listed_once, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_counts_blocks_and_compression, setup, teardown),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
