/* test_payload.c: bodies as stored records (engine/core/payload.c): inline and chunked storage,
 * compression, trained dictionaries, replacement and deletion of chunks, and detection of
 * damaged records and chunks by load and by eddy_env_verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zdict.h>

#include "error.h"
#include "keys.h"
#include "payload.h"
#include "support.h"

typedef struct put_arg {
    const char *key;
    eddy__payload p;
    int del;
} put_arg;

static int put_apply(eddy__wtx *w, void *arg)
{
    put_arg *a = arg;
    if (a->del)
        return eddy__payload_del(w, EDDY__T_META, a->key, strlen(a->key));
    return eddy__payload_put(w, EDDY__T_META, a->key, strlen(a->key), EDDY__KIND_OTHER, "mm", 2,
                             &a->p, 0);
}

static void store(eddy_env *env, const char *key, const void *body, size_t len)
{
    put_arg a = {key, {0}, 0};
    T_OK(eddy__payload_prepare(env, body, len, &a.p));
    T_OK(eddy__write(env, put_apply, NULL, &a));
    eddy__payload_release(env, &a.p);
}

static void load(eddy_env *env, const char *key, uint8_t **body, size_t *len, eddy__rec *rec)
{
    MDB_txn *txn;
    MDB_val v;
    eddy__loaded l;

    T_OK(eddy__rtxn_begin(env, &txn));
    T_OK(eddy__get(env, txn, EDDY__T_META, key, strlen(key), &v));
    T_OK(eddy__payload_load(env, txn, EDDY__T_META, key, strlen(key), &v, &l));
    eddy__rtxn_end(env, txn);
    *rec = l.rec;
    T_OK(eddy__payload_body(env, &l, body, len));
    eddy__loaded_release(env, &l);
}

static size_t count_chunks(eddy_env *env)
{
    MDB_txn *txn;
    MDB_stat st;
    T_OK(eddy__rtxn_begin(env, &txn));
    T_OK(eddy__table_stat(env, txn, EDDY__T_CHUNKS, &st));
    eddy__rtxn_end(env, txn);
    return st.ms_entries;
}

static void fill_random(uint8_t *b, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)t_rand(&seed);
}

static void sizes_round_trip(void **state)
{
    eddy_env *env = t_env_open(t_path("db"), NULL);
    size_t sizes[] = {0, 1, 127, 128, 1000, 1990, 2000, 2030, 4080, 4081, 100000, 1u << 20};
    uint8_t *src = malloc(1u << 20);

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *body;
        size_t len;
        eddy__rec rec;
        /* Incompressible bodies exercise the chunked path at every size. */
        fill_random(src, sizes[i], i + 1);
        store(env, "k", src, sizes[i]);
        load(env, "k", &body, &len, &rec);
        assert_int_equal(len, sizes[i]);
        assert_memory_equal(body, src, len);
        assert_int_equal(rec.codec, EDDY__CODEC_NONE);
        assert_int_equal((rec.flags & EDDY__REC_CHUNKED) != 0, sizes[i] + 1 + 28 + 2 > 2030);
        assert_int_equal(count_chunks(env), (rec.flags & EDDY__REC_CHUNKED)
                                                ? (sizes[i] + EDDY__CHUNK_LEN - 1) / EDDY__CHUNK_LEN
                                                : 0);
        free(body);
        t_verify_clean(env);
    }
    free(src);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void compressible_bodies_shrink(void **state)
{
    eddy_env *env = t_env_open(t_path("db"), NULL);
    char json[300000];
    size_t n = 0;
    uint8_t *body;
    size_t len;
    eddy__rec rec;

    while (n + 100 < sizeof json)
        n += (size_t)snprintf(json + n, sizeof json - n,
                              "{\"order_id\":%zu,\"sku\":\"glazed\",\"qty\":%zu},", n, n % 13);
    store(env, "big", json, n);
    load(env, "big", &body, &len, &rec);
    assert_int_equal(rec.codec, EDDY__CODEC_ZSTD);
    assert_true(rec.stored_len < n / 5);
    assert_int_equal(len, n);
    assert_memory_equal(body, json, n);
    free(body);
    /* Replacing a chunked record with a small one removes its old chunks. */
    store(env, "big", "tiny", 4);
    assert_int_equal(count_chunks(env), 0);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void delete_removes_chunks(void **state)
{
    eddy_env *env = t_env_open(t_path("db"), NULL);
    uint8_t src[20000];
    put_arg del = {"k", {0}, 1};

    fill_random(src, sizeof src, 9);
    store(env, "k", src, sizeof src);
    store(env, "k2", src, sizeof src);
    assert_int_equal(count_chunks(env), 10);
    T_OK(eddy__write(env, put_apply, NULL, &del));
    assert_int_equal(count_chunks(env), 5);
    T_RC(EDDY_ENOTFOUND, eddy__write(env, put_apply, NULL, &del));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

typedef struct dict_arg {
    const void *dict;
    size_t len;
    uint32_t id;
} dict_arg;

static int dict_apply(eddy__wtx *w, void *arg)
{
    dict_arg *d = arg;
    return eddy__dict_store(w, d->dict, d->len, &d->id);
}

static void trained_dictionary(void **state)
{
    const char *dir = t_path("db");
    eddy_env *env = t_env_open(dir, NULL);
    static char samples[400 * 300];
    size_t sizes[400], off = 0;
    static uint8_t dict[16384];
    dict_arg d;
    put_arg a = {"d1", {0}, 0};
    uint8_t *body;
    size_t len, dlen;
    eddy__rec rec;
    uint64_t seed = 42;
    const char *skus[] = {"glazed", "sprinkles", "boston-creme", "cruller"};

    for (int i = 0; i < 400; i++) {
        int n = snprintf(samples + off, 300,
                         "{\"order_id\":%d,\"customer\":\"c-%04d\",\"items\":[{\"sku\":\"%s\","
                         "\"qty\":%d}],\"channel\":\"%s\",\"ts\":%llu}",
                         1000 + i, (int)(t_rand(&seed) % 5000), skus[t_rand(&seed) % 4],
                         (int)(t_rand(&seed) % 20), i % 2 ? "mobile" : "web",
                         1700000000000ull + (unsigned long long)i * 37);
        sizes[i] = (size_t)n;
        off += (size_t)n;
    }
    dlen = ZDICT_trainFromBuffer(dict, sizeof dict, samples, sizes, 400);
    assert_false(ZDICT_isError(dlen));
    d = (dict_arg){dict, dlen, 0};
    T_OK(eddy__write(env, dict_apply, NULL, &d));
    assert_int_equal(d.id, eddy__dict_id(dict, dlen));
    assert_true(d.id != 0);
    T_OK(eddy__payload_prepare_dict(env, samples, sizes[0], d.id, &a.p));
    assert_int_equal(a.p.codec, EDDY__CODEC_ZSTD_DICT);
    assert_true(a.p.stored_len < sizes[0] / 2);
    T_OK(eddy__write(env, put_apply, NULL, &a));
    eddy__payload_release(env, &a.p);
    T_OK(eddy_env_close(env));
    /* A fresh handle loads the dictionary from the database. */
    env = t_env_open(dir, NULL);
    load(env, "d1", &body, &len, &rec);
    assert_int_equal(rec.dict_id, d.id);
    assert_int_equal(len, sizes[0]);
    assert_memory_equal(body, samples, len);
    free(body);
    T_RC(EDDY_ENOTFOUND, eddy__payload_prepare_dict(env, "x", 1, 12345, &a.p));
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

/* Overwrite one stored value with damaged bytes through a raw write. */
typedef struct raw_arg {
    int table;
    const void *key;
    size_t key_len;
    int flip_at; /* byte of the value to flip; -1: delete the value */
} raw_arg;

static int raw_apply(eddy__wtx *w, void *arg)
{
    raw_arg *r = arg;
    MDB_val v;
    uint8_t buf[8192];
    int rc = eddy__get(w->env, w->txn, r->table, r->key, r->key_len, &v);
    if (rc != 0)
        return rc;
    if (r->flip_at < 0)
        return eddy__del(w, r->table, r->key, r->key_len);
    memcpy(buf, v.mv_data, v.mv_size);
    buf[r->flip_at % (int)v.mv_size] ^= 0x40;
    return eddy__put(w, r->table, r->key, r->key_len, buf, v.mv_size, 0);
}

static int count_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    (void)table;
    (void)key;
    (void)what;
    (*(int *)ctx)++;
    return 0;
}

static void damage_is_detected(void **state)
{
    eddy_env *env = t_env_open(t_path("db"), NULL);
    uint8_t src[10000];
    uint8_t ck[EDDY__CHUNK_KEY_MAX];
    size_t ck_len;
    uint64_t problems;
    int seen = 0;
    MDB_txn *txn;
    MDB_val v;
    eddy__loaded l;

    fill_random(src, sizeof src, 5);
    store(env, "small", "a small body", 12);
    store(env, "large", src, sizeof src);
    raw_arg r1 = {EDDY__T_META, "small", 5, 30};
    T_OK(eddy__write(env, raw_apply, NULL, &r1));
    eddy__key_chunk(ck, sizeof ck, EDDY__T_META, "large", 5, 1, &ck_len);
    raw_arg r2 = {EDDY__T_CHUNKS, ck, ck_len, 100};
    T_OK(eddy__write(env, raw_apply, NULL, &r2));

    T_OK(eddy__rtxn_begin(env, &txn));
    T_OK(eddy__get(env, txn, EDDY__T_META, "small", 5, &v));
    T_RC(EDDY_ECORRUPT, eddy__payload_load(env, txn, EDDY__T_META, "small", 5, &v, &l));
    assert_non_null(strstr(eddy_last_error(), "checksum"));
    T_OK(eddy__get(env, txn, EDDY__T_META, "large", 5, &v));
    T_RC(EDDY_ECORRUPT, eddy__payload_load(env, txn, EDDY__T_META, "large", 5, &v, &l));
    eddy__rtxn_end(env, txn);

    /* A missing chunk is reported too. */
    eddy__key_chunk(ck, sizeof ck, EDDY__T_META, "large", 5, 2, &ck_len);
    raw_arg r3 = {EDDY__T_CHUNKS, ck, ck_len, -1};
    T_OK(eddy__write(env, raw_apply, NULL, &r3));
    T_OK(eddy__rtxn_begin(env, &txn));
    T_OK(eddy__get(env, txn, EDDY__T_META, "large", 5, &v));
    T_RC(EDDY_ECORRUPT, eddy__payload_load(env, txn, EDDY__T_META, "large", 5, &v, &l));
    assert_non_null(strstr(eddy_last_error(), "chunks missing"));
    eddy__rtxn_end(env, txn);

    /* An orphan chunk (owner deleted behind Eddy's back) is reported by verify. */
    raw_arg r4 = {EDDY__T_META, "large", 5, -1};
    T_OK(eddy__write(env, raw_apply, NULL, &r4));
    T_OK(eddy_env_verify(env, count_problem, &seen, &problems));
    assert_true(problems >= 2);
    assert_int_equal(seen, (int)problems);
    T_OK(eddy_env_close(env));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_round_trip),      cmocka_unit_test(compressible_bodies_shrink),
        cmocka_unit_test(delete_removes_chunks), cmocka_unit_test(trained_dictionary),
        cmocka_unit_test(damage_is_detected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
