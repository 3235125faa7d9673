/*
 * test_stream_api.c: the stream contract of include/eddy.h, one test per promise: creation,
 * puts and routing, sequence numbers, every iterator type at the edges (empty shard, trimmed
 * data, closed shard), resharding lineage and reading across a split in order, retention, and
 * deletion. Time moves only through the fake clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 T_T0

typedef t_fx fx;

static void put(eddy_env *env, const char *s, const char *pk, const char *data,
                eddy_stream_put_result *r)
{
    eddy_stream_put_entry e = t_stream_entry(pk, data);
    T_OK(eddy_stream_put(env, s, &e, r));
}

static void put_hash(eddy_env *env, const char *s, const char *hk, const char *data,
                     eddy_stream_put_result *r)
{
    eddy_stream_put_entry e = t_stream_entry("k", data);
    e.explicit_hash_key = hk;
    T_OK(eddy_stream_put(env, s, &e, r));
}

/* Read a shard from an iterator to the end of what is there; returns the record count and the
 * last batch's info in *info. Data are appended to out (NUL-separated "a,b,c"). */
static size_t drain(eddy_env *env, eddy_stream_iterator *it, char *out, size_t cap,
                    eddy_stream_read_info *info)
{
    size_t total = 0;
    for (int round = 0; round < 1000; round++) {
        eddy_stream_batch *b = NULL;
        size_t n;
        T_OK(eddy_stream_get_records(env, it, NULL, &b));
        n = eddy_stream_batch_count(b);
        for (size_t i = 0; i < n && out != NULL; i++) {
            size_t l = strlen(out);
            snprintf(out + l, cap - l, "%s%.*s", l ? "," : "",
                     (int)eddy_stream_batch_record(b, i)->data.len,
                     (const char *)eddy_stream_batch_record(b, i)->data.data);
        }
        total += n;
        *info = *eddy_stream_batch_info(b);
        *it = info->next;
        eddy_stream_batch_free(b);
        if (n == 0 || info->shard_end)
            break;
    }
    return total;
}

static void create_idempotent(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 4};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;

    T_OK(eddy_stream_create(f->env, "orders", &o));
    T_OK(eddy_stream_create(f->env, "orders", &o));
    o.shard_count = 2;
    T_RC(EDDY_EEXIST, eddy_stream_create(f->env, "orders", &o));
    T_OK(eddy_stream_get_attributes(f->env, "orders", &info));
    assert_int_equal(info.open_shards, 4);
    assert_int_equal(info.retention_ms, 86400000);
    assert_int_equal(info.batch_max, 500);
    assert_int_equal(info.iterator_ttl_ms, 300000);
    T_RC(EDDY_EINVAL, eddy_stream_create(f->env, "bad name", NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(NULL, "x", NULL));
    o.shard_count = EDDY_STREAM_SHARDS_MAX + 1;
    T_RC(EDDY_EINVAL, eddy_stream_create(f->env, "x", &o));
    memset(&o, 0, sizeof o);
    o.retention_ms = 1000;
    T_RC(EDDY_EINVAL, eddy_stream_create(f->env, "x", &o));
    T_RC(EDDY_ENOTFOUND, eddy_stream_get_attributes(f->env, "nope", &info));
}

static void equal_ranges(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 4};
    eddy_stream_shard sh[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", &o));
    T_RC(EDDY_EBUFS, eddy_stream_list_shards(f->env, "s", sh, 2, &n));
    assert_int_equal(n, 4);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 4, &n));
    assert_string_equal(sh[0].starting_hash_key, "0");
    assert_string_equal(sh[0].ending_hash_key, "85070591730234615865843651857942052863");
    assert_string_equal(sh[1].starting_hash_key, "85070591730234615865843651857942052864");
    assert_string_equal(sh[3].ending_hash_key, "340282366920938463463374607431768211455");
    assert_int_equal(sh[2].state, EDDY_STREAM_SHARD_OPEN);
    assert_int_equal(sh[2].parent_id, EDDY_STREAM_NO_SHARD);
    assert_string_equal(sh[2].ending_seq, "");
}

static void put_and_read_back(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    put(f->env, "s", "a", "one", &r[0]);
    f->clk.now_ms += 5;
    put(f->env, "s", "b", "two", &r[1]);
    put(f->env, "s", "a", "", &r[2]); /* empty data is allowed */
    assert_int_equal(strlen(r[0].seq), EDDY_STREAM_SEQ_LEN);
    assert_true(strcmp(r[0].seq, r[1].seq) < 0 && strcmp(r[1].seq, r[2].seq) < 0);
    assert_int_equal(r[0].arrival_ms, T0);
    assert_int_equal(r[2].arrival_ms, T0 + 5);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_OK(eddy_stream_get_records(f->env, &it, NULL, &b));
    n = eddy_stream_batch_count(b);
    assert_int_equal(n, 3);
    assert_memory_equal(eddy_stream_batch_record(b, 0)->data.data, "one", 3);
    assert_memory_equal(eddy_stream_batch_record(b, 1)->partition_key.data, "b", 1);
    assert_int_equal(eddy_stream_batch_record(b, 2)->data.len, 0);
    assert_string_equal(eddy_stream_batch_record(b, 1)->seq, r[1].seq);
    assert_int_equal(eddy_stream_batch_record(b, 1)->arrival_ms, T0 + 5);
    assert_int_equal(eddy_stream_batch_info(b)->millis_behind_latest, 0);
    assert_false(eddy_stream_batch_info(b)->shard_end);
    eddy_stream_batch_free(b);
}

static void put_validation(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {
        .size = sizeof(eddy_stream_options), .record_len_max = 10, .batch_max = 3};
    eddy_stream_put_entry e[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    char pk[300];
    size_t failed;

    T_OK(eddy_stream_create(f->env, "s", &o));
    e[0] = t_stream_entry("k", "ok");
    e[1] = t_stream_entry("", "empty pk");
    e[2] = t_stream_entry("k", "far too long data");
    e[3] = t_stream_entry("k", "x");
    /* an invalid entry fails alone */
    T_OK(eddy_stream_put_batch(f->env, "s", e, 2, r, &failed));
    assert_int_equal(failed, 1);
    assert_int_equal(r[0].rc, 0);
    assert_int_equal(r[1].rc, EDDY_EINVAL);
    /* an oversize entry fails the whole batch: nothing of it is stored (Kinesis rejects it) */
    e[0] = t_stream_entry("k", "ok2");
    T_RC(EDDY_ETOOBIG, eddy_stream_put_batch(f->env, "s", e, 3, r, &failed));
    assert_int_equal(failed, 0);
    assert_int_equal(r[0].rc, EDDY_ETOOBIG);
    assert_int_equal(r[2].rc, EDDY_ETOOBIG);
    assert_int_equal(r[0].seq[0], '\0');
    {
        eddy_stream_shard sh[1] = {EDDY_STREAM_SHARD_INIT};
        size_t ns = 0;
        T_OK(eddy_stream_list_shards(f->env, "s", sh, 1, &ns));
        assert_int_equal(ns, 1);
        assert_int_equal(sh[0].records, 1);
    }
    T_RC(EDDY_ELIMIT, eddy_stream_put_batch(f->env, "s", e, 4, r, NULL));
    T_RC(EDDY_ETOOBIG, eddy_stream_put(f->env, "s", &e[2], r));
    memset(pk, 'p', sizeof pk);
    pk[257] = '\0';
    e[0] = t_stream_entry(pk, "");
    T_RC(EDDY_EINVAL, eddy_stream_put(f->env, "s", &e[0], r));
    e[0] = t_stream_entry("k", "x");
    e[0].explicit_hash_key = "340282366920938463463374607431768211456"; /* 2^128 */
    T_RC(EDDY_EINVAL, eddy_stream_put(f->env, "s", &e[0], r));
    e[0].explicit_hash_key = "01";
    T_RC(EDDY_EINVAL, eddy_stream_put(f->env, "s", &e[0], r));
    e[0].explicit_hash_key = NULL;
    e[0].seq_for_ordering = "12";
    T_RC(EDDY_EINVAL, eddy_stream_put(f->env, "s", &e[0], r));
    e[0].seq_for_ordering = "79228162514264337593543950335"; /* n = 2^64 - 1: never handed out */
    T_RC(EDDY_EINVAL, eddy_stream_put(f->env, "s", &e[0], r));
    T_RC(EDDY_ENOTFOUND, eddy_stream_put(f->env, "nope", &e[3], r));
}

/* MD5 placement matches Kinesis: MD5("a") = 0cc1..., MD5("b") = 92eb... on two shards. */
static void md5_routing(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {
        .size = sizeof(eddy_stream_options), .shard_count = 2, .hash = EDDY_STREAM_HASH_MD5};
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;

    T_OK(eddy_stream_create(f->env, "m", &o));
    put(f->env, "m", "a", "x", &r);
    assert_int_equal(r.shard_id, 0);
    put(f->env, "m", "b", "x", &r);
    assert_int_equal(r.shard_id, 1);
    put_hash(f->env, "m", "170141183460469231731687303715884105728", "x", &r); /* 2^127 */
    assert_int_equal(r.shard_id, 1);
    put_hash(f->env, "m", "170141183460469231731687303715884105727", "x", &r);
    assert_int_equal(r.shard_id, 0);
}

static void seq_unique_and_ordering(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 2};
    eddy_stream_put_result a = EDDY_STREAM_PUT_RESULT_INIT, b = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;

    T_OK(eddy_stream_create(f->env, "s", &o));
    put_hash(f->env, "s", "0", "x", &a);
    put_hash(f->env, "s", "340282366920938463463374607431768211455", "y", &b);
    assert_int_not_equal(a.shard_id, b.shard_id);
    assert_string_not_equal(a.seq, b.seq);
    /* Shard 1 takes far more records; a later record on shard 0 ordered after one of them
     * still gets a greater number. */
    for (int i = 0; i < 50; i++)
        put_hash(f->env, "s", "340282366920938463463374607431768211455", "y", &b);
    e = t_stream_entry("k", "z");
    e.explicit_hash_key = "0";
    e.seq_for_ordering = b.seq;
    T_OK(eddy_stream_put(f->env, "s", &e, &a));
    assert_int_equal(a.shard_id, 0);
    assert_true(strcmp(a.seq, b.seq) > 0);
    /* A clock going backwards keeps arrival times non-decreasing. */
    f->clk.now_ms -= 1000;
    put_hash(f->env, "s", "0", "w", &b);
    assert_int_equal(b.arrival_ms, a.arrival_ms);
    assert_true(strcmp(b.seq, a.seq) > 0);
}

static void iter_types(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_iterator it;
    eddy_stream_read_info info;
    char out[256] = "";

    T_OK(eddy_stream_create(f->env, "s", NULL));
    /* Empty shard: every type works and reads nothing. */
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    assert_int_equal(drain(f->env, &it, out, sizeof out, &info), 0);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_LATEST, NULL, 0, &it));
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_TIMESTAMP, NULL, T0, &it));
    for (int i = 0; i < 4; i++) {
        char d[8];
        snprintf(d, sizeof d, "r%d", i);
        put(f->env, "s", "k", d, &r[i]);
        f->clk.now_ms += 10;
    }
    /* The empty-shard iterators see what came after them. */
    assert_int_equal(drain(f->env, &it, out, sizeof out, &info), 4);
    out[0] = '\0';
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER, r[1].seq, 0,
                                  &it));
    drain(f->env, &it, out, sizeof out, &info);
    assert_string_equal(out, "r1,r2,r3");
    out[0] = '\0';
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER, r[1].seq,
                                  0, &it));
    drain(f->env, &it, out, sizeof out, &info);
    assert_string_equal(out, "r2,r3");
    out[0] = '\0';
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_TIMESTAMP, NULL, T0 + 15,
                                  &it));
    drain(f->env, &it, out, sizeof out, &info);
    assert_string_equal(out, "r2,r3");
    out[0] = '\0';
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_TIMESTAMP, NULL, 1, &it));
    assert_int_equal(drain(f->env, &it, NULL, 0, &info), 4); /* older than all: horizon */
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_LATEST, NULL, 0, &it));
    assert_int_equal(drain(f->env, &it, NULL, 0, &info), 0);
    /* Bad input. */
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(f->env, "s", 0, 9, NULL, 0, &it));
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER,
                                               "1", 0, &it));
    T_RC(EDDY_ENOTFOUND,
         eddy_stream_get_iterator(f->env, "s", 7, EDDY_STREAM_ITER_LATEST, NULL, 0, &it));
}

static void iter_token_checks(void **state)
{
    fx *f = *state;
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    it.token[20] = it.token[20] == '0' ? '1' : '0';
    T_RC(EDDY_EINVAL, eddy_stream_get_records(f->env, &it, NULL, &b));
    assert_null(b);
    strcpy(it.token, "zz");
    T_RC(EDDY_EINVAL, eddy_stream_get_records(f->env, &it, NULL, &b));
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    f->clk.now_ms += 300001;
    T_RC(EDDY_EEXPIRED, eddy_stream_get_records(f->env, &it, NULL, &b));
}

static void read_limits_and_lag(void **state)
{
    fx *f = *state;
    eddy_stream_read_options ro = {.size = sizeof(eddy_stream_read_options), .max_records = 2};
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    for (int i = 0; i < 5; i++) {
        put(f->env, "s", "k", "0123456789", &r);
        f->clk.now_ms += 100;
    }
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_OK(eddy_stream_get_records(f->env, &it, &ro, &b));
    n = eddy_stream_batch_count(b);
    assert_int_equal(n, 2);
    /* The first record not returned arrived at T0 + 200; now is T0 + 500. */
    assert_int_equal(eddy_stream_batch_info(b)->millis_behind_latest, 300);
    it = eddy_stream_batch_info(b)->next;
    eddy_stream_batch_free(b);
    ro.max_records = 0;
    ro.max_bytes = 15; /* room for one 10-byte record, and always at least one */
    T_OK(eddy_stream_get_records(f->env, &it, &ro, &b));
    n = eddy_stream_batch_count(b);
    assert_int_equal(n, 1);
    eddy_stream_batch_free(b);
    ro.max_records = 10001;
    T_RC(EDDY_EINVAL, eddy_stream_get_records(f->env, &it, &ro, &b));
}

/* Trimmed position: reading resumes at the trim horizon and says so. */
static void iter_trimmed_resumes(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .retention_ms = 60000};
    eddy_stream_iterator it, old;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_batch *b = NULL;
    uint64_t removed;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", &o));
    put(f->env, "s", "k", "old1", &r);
    put(f->env, "s", "k", "old2", &r);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &old));
    f->clk.now_ms += 50000;
    put(f->env, "s", "k", "new", &r);
    f->clk.now_ms += 20000; /* old1/old2 are 70 s old, new is 20 s old */
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 2);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_OK(eddy_stream_get_records(f->env, &it, NULL, &b));
    n = eddy_stream_batch_count(b);
    assert_int_equal(n, 1);
    assert_false(eddy_stream_batch_info(b)->skipped_trimmed);
    eddy_stream_batch_free(b);
    T_OK(eddy_stream_get_records(f->env, &old, NULL, &b));
    n = eddy_stream_batch_count(b);
    assert_int_equal(n, 1);
    assert_memory_equal(eddy_stream_batch_record(b, 0)->data.data, "new", 3);
    assert_true(eddy_stream_batch_info(b)->skipped_trimmed);
    eddy_stream_batch_free(b);
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 0);
    /* A shorter retention applies at the next trim; out of range changes nothing. */
    {
        eddy_stream_options ro = EDDY_STREAM_OPTIONS_INIT;
        ro.retention_ms = 1000;
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(f->env, "s", &ro, EDDY_STREAM_SET_RETENTION));
        ro.retention_ms = 60000 * 60;
        T_OK(eddy_stream_set_attributes(f->env, "s", &ro, EDDY_STREAM_SET_RETENTION));
    }
    f->clk.now_ms += 60000 * 60;
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 1);
}

/* One retention rule for queues and streams: arrival + retention_ms <= now removes. A stream with
 * a 60 s retention removes a record at exactly T + 60,000 ms, as a queue does. */
static void retention_boundary_matches_queues(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .retention_ms = 60000};
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_info qi = EDDY_QUEUE_INFO_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    uint64_t removed = 9;

    T_OK(eddy_stream_create(f->env, "s", &o));
    qo.retention_ms = 60000;
    T_OK(eddy_queue_create(f->env, "q", &qo));
    m.body.data = "x";
    m.body.len = 1;
    T_OK(eddy_queue_send(f->env, "q", &m, NULL));
    put(f->env, "s", "k", "a", &r);
    f->clk.now_ms = T0 + 59999;
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 0);
    T_OK(eddy_queue_trim(f->env, "q", 0, &removed));
    assert_int_equal(removed, 0);
    f->clk.now_ms = T0 + 60000;
    T_OK(eddy_queue_trim(f->env, "q", 0, &removed));
    assert_int_equal(removed, 1);
    T_OK(eddy_queue_get_attributes(f->env, "q", &qi));
    assert_int_equal(qi.messages, 0);
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 1);
}

/* Records past retention are never served, even before any trim: TRIM_HORIZON and AT_TIMESTAMP
 * start at the first unexpired record, an older position (an old iterator, AT_SEQUENCE_NUMBER
 * of an expired record) resumes there with skipped_trimmed. */
static void expired_records_are_not_served(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .retention_ms = 60000};
    eddy_stream_iterator old, it;
    eddy_stream_read_info info;
    eddy_stream_put_result ra = EDDY_STREAM_PUT_RESULT_INIT, rb = EDDY_STREAM_PUT_RESULT_INIT;
    char out[256];

    T_OK(eddy_stream_create(f->env, "s", &o));
    put(f->env, "s", "k", "a", &ra);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &old));
    f->clk.now_ms = T0 + 30000;
    put(f->env, "s", "k", "b", &rb);
    f->clk.now_ms = T0 + 65000; /* a expired 5 s ago; nobody trimmed */
    out[0] = '\0';
    assert_int_equal(drain(f->env, &old, out, sizeof out, &info), 1);
    assert_string_equal(out, "b");
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    out[0] = '\0';
    assert_int_equal(drain(f->env, &it, out, sizeof out, &info), 1);
    assert_string_equal(out, "b");
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_TIMESTAMP, NULL, T0, &it));
    out[0] = '\0';
    assert_int_equal(drain(f->env, &it, out, sizeof out, &info), 1);
    assert_string_equal(out, "b");
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER, ra.seq, 0,
                                  &it));
    {
        eddy_stream_batch *b = NULL;
        T_OK(eddy_stream_get_records(f->env, &it, NULL, &b));
        assert_int_equal(eddy_stream_batch_count(b), 1);
        assert_string_equal(eddy_stream_batch_record(b, 0)->seq, rb.seq);
        assert_true(eddy_stream_batch_info(b)->skipped_trimmed);
        eddy_stream_batch_free(b);
    }
    f->clk.now_ms = T0 + 90000; /* both expired */
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    assert_int_equal(drain(f->env, &it, NULL, 0, &info), 0);
}

/* Retention also runs by itself, in bounded steps: each put removes up to 16 expired records of
 * the shards it writes to (as each queue receive removes expired messages), without a trim. */
static void puts_trim_expired_records(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .retention_ms = 60000};
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_shard sh[1] = {EDDY_STREAM_SHARD_INIT};
    uint64_t removed = 9;
    size_t ns = 0;

    T_OK(eddy_stream_create(f->env, "s", &o));
    for (int i = 0; i < 40; i++)
        put(f->env, "s", "k", "old", &r);
    f->clk.now_ms = T0 + 60000;
    put(f->env, "s", "k", "new", &r);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 1, &ns));
    assert_int_equal(sh[0].records, 40 + 1 - 16);
    put(f->env, "s", "k", "new", &r);
    put(f->env, "s", "k", "new", &r);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 1, &ns));
    assert_int_equal(sh[0].records, 3);
    T_OK(eddy_stream_trim(f->env, "s", 0, &removed));
    assert_int_equal(removed, 0);
}

/* A put trims by the retention its own transaction sees: a longer retention set just before it,
 * still in the open group of a relaxed environment, keeps records the old one would remove. */
static void put_trims_by_current_retention(void **state)
{
    fx *f = *state;
    eddy_env_options eo = EDDY_ENV_OPTIONS_INIT;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_shard sh[1] = {EDDY_STREAM_SHARD_INIT};
    size_t ns = 0;

    T_OK(eddy_env_close(f->env));
    eo.durability = EDDY_ENV_DURABILITY_RELAXED;
    eo.relaxed_window_ms = 3600000;
    eo.relaxed_window_ops = 1000;
    f->env = t_env_open_opts(t_tmpdir(), &f->clk, &eo);
    o.retention_ms = 60000;
    T_OK(eddy_stream_create(f->env, "s", &o));
    for (int i = 0; i < 4; i++)
        put(f->env, "s", "k", "old", &r);
    T_OK(eddy_env_sync(f->env));
    f->clk.now_ms = T0 + 120000; /* past the old retention, within the new one */
    o = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    o.retention_ms = 86400000;
    T_OK(eddy_stream_set_attributes(f->env, "s", &o, EDDY_STREAM_SET_RETENTION));
    put(f->env, "s", "k", "new", &r);
    T_OK(eddy_env_sync(f->env));
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 1, &ns));
    assert_int_equal(sh[0].records, 5);
}

/* eddy_stream_set_attributes: the masked fields change (zero: the default), the others stay;
 * the new limits apply to later puts; bad masks and values change nothing. */
static void set_attributes_mask(void **state)
{
    fx *f = *state;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info a = EDDY_STREAM_INFO_INIT, b = EDDY_STREAM_INFO_INIT;
    eddy_stream_put_entry e[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[3] = {[0 ...(3) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    char big[200];

    o.shard_count = 2;
    o.record_len_max = 4096;
    o.iterator_ttl_ms = 60000;
    T_OK(eddy_stream_create(f->env, "s", &o));
    T_OK(eddy_stream_get_attributes(f->env, "s", &a));
    o = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    o.record_len_max = 100;
    o.batch_max = 2;
    T_OK(eddy_stream_set_attributes(f->env, "s", &o,
                                    EDDY_STREAM_SET_RECORD_LEN_MAX | EDDY_STREAM_SET_BATCH_MAX |
                                        EDDY_STREAM_SET_ITERATOR_TTL));
    T_OK(eddy_stream_get_attributes(f->env, "s", &b));
    assert_int_equal(b.record_len_max, 100);
    assert_int_equal(b.batch_max, 2);
    assert_int_equal(b.iterator_ttl_ms, 300000); /* zero: the default */
    assert_int_equal(b.retention_ms, a.retention_ms);
    assert_int_equal(b.shard_count, 2);
    assert_int_equal(b.hash, a.hash);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    e[0] = t_stream_entry("k", big);
    T_RC(EDDY_ETOOBIG, eddy_stream_put(f->env, "s", &e[0], &r[0]));
    e[0] = t_stream_entry("k", "a");
    e[1] = t_stream_entry("k", "b");
    e[2] = t_stream_entry("k", "c");
    T_RC(EDDY_ELIMIT, eddy_stream_put_batch(f->env, "s", e, 3, r, NULL));
    T_OK(eddy_stream_put_batch(f->env, "s", e, 2, r, NULL));
    /* Refusals change nothing. */
    T_RC(EDDY_EINVAL, eddy_stream_set_attributes(f->env, "s", &o, 0));
    T_RC(EDDY_EINVAL, eddy_stream_set_attributes(f->env, "s", &o, 1u << 4));
    T_RC(EDDY_EINVAL, eddy_stream_set_attributes(f->env, "s", NULL, EDDY_STREAM_SET_ALL));
    T_RC(EDDY_ENOTFOUND, eddy_stream_set_attributes(f->env, "nope", &o, EDDY_STREAM_SET_ALL));
    o.iterator_ttl_ms = 10; /* below 1000 */
    T_RC(EDDY_EINVAL, eddy_stream_set_attributes(f->env, "s", &o, EDDY_STREAM_SET_ALL));
    T_OK(eddy_stream_get_attributes(f->env, "s", &a));
    /* the attributes are the info's last fields */
    assert_memory_equal(&a.shard_count, &b.shard_count,
                        sizeof a - offsetof(eddy_stream_info, shard_count));
}

/* A split closes the parent with an ending number; children record it; a consumer that
 * finishes the parent and then reads the children sees every key in order. */
static void split_read_in_order(void **state)
{
    fx *f = *state;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_shard sh[3] = {[0 ...(3) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_iterator it;
    eddy_stream_read_info info;
    uint32_t kids[2];
    char out[256] = "";
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    put_hash(f->env, "s", "5", "p1", &r);
    put_hash(f->env, "s", "500", "p2", &r);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(f->env, "s", 0, "0", kids));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(f->env, "s", 0, "x", kids));
    T_OK(eddy_stream_split_shard(f->env, "s", 0, "100", kids));
    assert_int_equal(kids[0], 1);
    assert_int_equal(kids[1], 2);
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(f->env, "s", 0, "50", kids)); /* closed */
    put_hash(f->env, "s", "5", "c1", &r);
    assert_int_equal(r.shard_id, 1);
    put_hash(f->env, "s", "500", "c2", &r);
    assert_int_equal(r.shard_id, 2);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 3, &n));
    assert_int_equal(sh[0].state, EDDY_STREAM_SHARD_CLOSED);
    assert_int_equal(strlen(sh[0].ending_seq), EDDY_STREAM_SEQ_LEN);
    assert_int_equal(sh[0].child_ids[0], 1);
    assert_int_equal(sh[1].parent_id, 0);
    assert_string_equal(sh[1].ending_hash_key, "99");
    assert_string_equal(sh[2].starting_hash_key, "100");
    assert_true(strcmp(sh[1].starting_seq, sh[0].ending_seq) > 0 ||
                strlen(sh[1].starting_seq) == EDDY_STREAM_SEQ_LEN);
    drain(f->env, &it, out, sizeof out, &info);
    assert_string_equal(out, "p1,p2");
    assert_true(info.shard_end);
    assert_string_equal(info.next.token, "");
    assert_int_equal(info.child_ids[0], 1);
    assert_int_equal(info.child_ids[1], 2);
    for (int c = 0; c < 2; c++) {
        T_OK(eddy_stream_get_iterator(f->env, "s", info.child_ids[c], EDDY_STREAM_ITER_TRIM_HORIZON,
                                      NULL, 0, &it));
        eddy_stream_read_info ci;
        drain(f->env, &it, out, sizeof out, &ci);
    }
    assert_string_equal(out, "p1,p2,c1,c2");
    /* A closed shard's LATEST iterator ends at once. */
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_LATEST, NULL, 0, &it));
    assert_int_equal(drain(f->env, &it, NULL, 0, &info), 0);
    assert_true(info.shard_end);
}

static void merge_and_scale(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 3};
    eddy_stream_shard sh[32] = {[0 ...(32) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    uint32_t child;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", &o));
    T_RC(EDDY_EINVAL, eddy_stream_merge_shards(f->env, "s", 0, 2, &child)); /* not adjacent */
    T_RC(EDDY_EINVAL, eddy_stream_merge_shards(f->env, "s", 1, 1, &child));
    T_OK(eddy_stream_merge_shards(f->env, "s", 1, 0, &child));
    assert_int_equal(child, 3);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 32, &n));
    assert_int_equal(n, 4);
    assert_int_equal(sh[3].parent_id, 0);
    assert_int_equal(sh[3].adjacent_parent_id, 1);
    assert_string_equal(sh[3].starting_hash_key, "0");
    assert_string_equal(sh[3].ending_hash_key, sh[1].ending_hash_key);
    T_OK(eddy_stream_update_shard_count(f->env, "s", 4));
    T_OK(eddy_stream_get_attributes(f->env, "s", &info));
    assert_int_equal(info.open_shards, 4);
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(f->env, "s", 9));
    T_OK(eddy_stream_update_shard_count(f->env, "s", 2));
    T_OK(eddy_stream_get_attributes(f->env, "s", &info));
    assert_int_equal(info.open_shards, 2);
    put(f->env, "s", "any", "x", &r);
    t_verify_clean(f->env);
}

/* Retention removes a closed shard once its records are gone and it closed long enough ago. */
static void trim_removes_closed_shards(void **state)
{
    fx *f = *state;
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .retention_ms = 60000};
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_shard sh[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    uint32_t kids[2];
    uint64_t removed;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", &o));
    for (int i = 0; i < 30; i++)
        put(f->env, "s", "k", "x", &r);
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_OK(eddy_stream_split_shard(f->env, "s", 0, "1000", kids));
    f->clk.now_ms += 60001;
    T_OK(eddy_stream_trim(f->env, "s", 10, &removed)); /* bounded batches */
    assert_int_equal(removed, 10);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 4, &n));
    assert_int_equal(n, 3);
    assert_int_equal(sh[0].records, 20);
    t_verify_clean(f->env);
    T_OK(eddy_stream_trim(f->env, "s", 100, &removed));
    assert_int_equal(removed, 20);
    T_OK(eddy_stream_list_shards(f->env, "s", sh, 4, &n));
    assert_int_equal(n, 2);
    assert_int_equal(sh[0].parent_id, 0); /* the children still name their expired parent */
    T_RC(EDDY_EEXPIRED, eddy_stream_get_records(f->env, &it, NULL, &b));
}

static int count_fn(void *ctx, const char *name)
{
    (void)name;
    (*(int *)ctx)++;
    return 0;
}

static void delete_and_list(void **state)
{
    fx *f = *state;
    eddy_stream_put_entry e[100] = {[0 ...(100) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[100] = {[0 ...(100) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    int count = 0;

    T_OK(eddy_stream_create(f->env, "a1", NULL));
    T_OK(eddy_stream_create(f->env, "a2", NULL));
    T_OK(eddy_stream_create(f->env, "b1", NULL));
    T_OK(eddy_stream_list(f->env, "a", count_fn, &count));
    assert_int_equal(count, 2);
    for (int i = 0; i < 100; i++)
        e[i] = t_stream_entry("k", "some data");
    T_OK(eddy_stream_put_batch(f->env, "a1", e, 100, r, NULL));
    T_OK(eddy_stream_get_iterator(f->env, "a1", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_OK(eddy_stream_delete(f->env, "a1"));
    T_RC(EDDY_ENOTFOUND, eddy_stream_delete(f->env, "a1"));
    T_RC(EDDY_EEXPIRED, eddy_stream_get_records(f->env, &it, NULL, &b));
    T_OK(eddy_stream_create(f->env, "a1", NULL)); /* a new stream, a new id */
    T_RC(EDDY_EEXPIRED, eddy_stream_get_records(f->env, &it, NULL, &b));
}

static void large_and_compressed(void **state)
{
    fx *f = *state;
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    size_t n, len = 300000;
    char *big = malloc(len);

    for (size_t i = 0; i < len; i++)
        big[i] = (char)(i * 2654435761u >> 13);
    T_OK(eddy_stream_create(f->env, "s", NULL));
    e = t_stream_entry("k", "");
    e.data.data = big;
    e.data.len = len;
    T_OK(eddy_stream_put(f->env, "s", &e, &r));
    T_OK(eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_OK(eddy_stream_get_records(f->env, &it, NULL, &b));
    n = eddy_stream_batch_count(b);
    assert_int_equal(n, 1);
    assert_int_equal(eddy_stream_batch_record(b, 0)->data.len, len);
    assert_memory_equal(eddy_stream_batch_record(b, 0)->data.data, big, len);
    eddy_stream_batch_free(b);
    free(big);
}

/* NULL where an object is required is EDDY_EINVAL, never a crash. */
static void null_arguments(void **state)
{
    fx *f = *state;
    eddy_stream_iterator it;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_batch *b = NULL;
    eddy_checkpoint c = EDDY_CHECKPOINT_INIT;
    eddy_lease l = EDDY_LEASE_INIT;
    size_t n;

    T_OK(eddy_stream_create(f->env, "s", NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(NULL, "s", NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(f->env, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_get_attributes(f->env, "s", NULL));
    T_RC(EDDY_EINVAL, eddy_stream_list(f->env, NULL, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_delete(NULL, "s"));
    T_RC(EDDY_EINVAL, eddy_stream_put(f->env, "s", NULL, &r));
    T_RC(EDDY_EINVAL, eddy_stream_put(NULL, "s", NULL, &r));
    T_RC(EDDY_EINVAL, eddy_stream_put_batch(f->env, "s", NULL, 1, &r, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(f->env, "s", NULL, 1, &n));
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(f->env, "s", NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(f->env, "s", 0, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_merge_shards(NULL, "s", 0, 1, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(f->env, NULL, 2));
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER,
                                               NULL, 0, &it));
    T_RC(EDDY_EINVAL,
         eddy_stream_get_iterator(f->env, "s", 0, EDDY_STREAM_ITER_LATEST, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_get_records(f->env, NULL, NULL, &b));
    T_RC(EDDY_EINVAL, eddy_stream_get_records(NULL, &it, NULL, &b));
    T_RC(EDDY_EINVAL, eddy_stream_trim(f->env, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_train_dict(f->env, NULL, 0, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_set_attributes(NULL, "s", NULL, EDDY_STREAM_SET_RETENTION));
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(f->env, NULL));
    T_RC(EDDY_EINVAL, eddy_checkpoint_get(f->env, "s", NULL, 0, &c));
    T_RC(EDDY_EINVAL, eddy_checkpoint_list(f->env, "s", "app", NULL, 1, &n));
    T_RC(EDDY_EINVAL, eddy_lease_take(f->env, "s", "app", 0, NULL, 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_renew(f->env, NULL, "app", 0, "w", 1, 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_release(f->env, "s", NULL, 0, "w", 1));
    T_RC(EDDY_EINVAL, eddy_lease_list(NULL, "s", "app", &l, 1, &n));
    T_RC(EDDY_EINVAL, eddy_lease_balance(f->env, "s", "app", NULL, 1000, NULL, 0, NULL));
    eddy_stream_batch_free(NULL);
    assert_null(eddy_stream_batch_info(NULL));
    assert_null(eddy_stream_batch_record(NULL, 0));
    n = eddy_stream_batch_count(NULL);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_FX_TEST(create_idempotent),
        T_FX_TEST(equal_ranges),
        T_FX_TEST(put_and_read_back),
        T_FX_TEST(put_validation),
        T_FX_TEST(md5_routing),
        T_FX_TEST(seq_unique_and_ordering),
        T_FX_TEST(iter_types),
        T_FX_TEST(iter_token_checks),
        T_FX_TEST(read_limits_and_lag),
        T_FX_TEST(iter_trimmed_resumes),
        T_FX_TEST(retention_boundary_matches_queues),
        T_FX_TEST(expired_records_are_not_served),
        T_FX_TEST(puts_trim_expired_records),
        T_FX_TEST(put_trims_by_current_retention),
        T_FX_TEST(set_attributes_mask),
        T_FX_TEST(split_read_in_order),
        T_FX_TEST(merge_and_scale),
        T_FX_TEST(trim_removes_closed_shards),
        T_FX_TEST(delete_and_list),
        T_FX_TEST(large_and_compressed),
        T_FX_TEST(null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
