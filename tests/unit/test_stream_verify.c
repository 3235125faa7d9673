/*
 * test_stream_verify.c: engine/stream/stream_verify.c finds each kind of damage to the stream
 * tables and names the table: a missing route (gap in the hash-key space), wrong shard counters,
 * records of a shard that does not exist, a checkpoint or lease of an unknown shard, a flipped
 * byte in a record block, and a time-index entry beyond the shard's newest record. Damage is
 * done through the engine's write path, as a bug would.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "env_int.h"
#include "stream_keys.h"
#include "support.h"
#include "txn.h"

#define T0 1700000000000ull

typedef struct damage {
    int what;
    uint64_t sid;
} damage;

typedef struct found {
    int n;
    char tables[512];
} found;

static int on_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    found *f = ctx;
    (void)key;
    (void)what;
    f->n++;
    if (strlen(f->tables) + strlen(table) + 2 < sizeof f->tables) {
        strcat(f->tables, table);
        strcat(f->tables, " ");
    }
    return 0;
}

/* The first key of `table` (copied), for damage that needs a real key. */
static int first_key(eddy__wtx *w, int table, uint8_t *k, size_t *klen, MDB_val *v)
{
    MDB_cursor *cur = NULL;
    MDB_val key;
    int rc = eddy__cur_open(w->env, w->txn, table, &cur);
    if (rc == 0 && (rc = eddy__cur_get(cur, &key, v, MDB_FIRST)) == 0) {
        memcpy(k, key.mv_data, key.mv_size);
        *klen = key.mv_size;
    }
    eddy__cur_close(cur);
    return rc;
}

static int damage_apply(eddy__wtx *w, void *arg)
{
    damage *d = arg;
    uint8_t k[256], buf[4096];
    size_t klen = 0;
    MDB_val v;
    int rc;

    switch (d->what) {
    case 0: /* lose a route: an open shard without route and a gap */
        if ((rc = first_key(w, EDDY__T_SROUTE, k, &klen, &v)) != 0)
            return rc;
        return eddy__del(w, EDDY__T_SROUTE, k, klen);
    case 1: /* wrong counters */
        if ((rc = first_key(w, EDDY__T_SSHARD, k, &klen, &v)) != 0)
            return rc;
        memcpy(buf, v.mv_data, v.mv_size);
        buf[107] ^= 1; /* low byte of `records` */
        return eddy__put(w, EDDY__T_SSHARD, k, klen, buf, v.mv_size, 0);
    case 2: /* records of a shard that does not exist */
        if ((rc = first_key(w, EDDY__T_SREC, k, &klen, &v)) != 0)
            return rc;
        memcpy(buf, v.mv_data, v.mv_size);
        eddy__be32_put(k + 8, 77);
        return eddy__put(w, EDDY__T_SREC, k, klen, buf, v.mv_size, 0);
    case 3: { /* checkpoint and lease of an unknown shard */
        eddy__ckpt c = {.kind = EDDY__CKPT_SEQ, .n = 1};
        eddy__lease l;
        size_t n;
        memset(&l, 0, sizeof l);
        klen = eddy__skey_named(k, d->sid, 99, "app", 3);
        n = eddy__ckpt_encode(buf, sizeof buf, &c);
        if ((rc = eddy__put(w, EDDY__T_CKPT, k, klen, buf, n, 0)) != 0)
            return rc;
        n = eddy__lease_encode(buf, sizeof buf, &l);
        return eddy__put(w, EDDY__T_LEASE, k, klen, buf, n, 0);
    }
    case 4: /* a flipped byte in a block */
        if ((rc = first_key(w, EDDY__T_SREC, k, &klen, &v)) != 0)
            return rc;
        memcpy(buf, v.mv_data, v.mv_size);
        buf[v.mv_size - 1] ^= 0x40;
        return eddy__put(w, EDDY__T_SREC, k, klen, buf, v.mv_size, 0);
    default: /* a time-index entry beyond the newest record */
        eddy__skey_time(k, d->sid, 0, T0 + 1000000);
        eddy__be64_put(buf, UINT64_MAX - 1);
        return eddy__put(w, EDDY__T_STIME, k, EDDY__SKEY_TIME_LEN, buf, 8, 0);
    }
}

static void one(int what, const char *table)
{
    t_clock clock = {T0};
    eddy_env *env = t_env_open(t_tmpdir(), &clock);
    eddy_stream_options o = {.size = sizeof(eddy_stream_options), .shard_count = 2};
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    damage d;
    found f;
    uint64_t problems = 0;

    memset(&f, 0, sizeof f);
    e.partition_key.data = "key";
    e.partition_key.len = 3;
    e.data.data = "some data for the block, long enough to compress a little, some data";
    e.data.len = strlen(e.data.data);
    T_OK(eddy_stream_create(env, "s", &o));
    e.explicit_hash_key = "0";
    T_OK(eddy_stream_put(env, "s", &e, &r));
    T_OK(eddy_stream_put(env, "s", &e, &r));
    T_OK(eddy_stream_get_attributes(env, "s", &info));
    t_verify_clean(env);
    d.what = what;
    d.sid = info.id;
    T_OK(eddy__write(env, damage_apply, NULL, &d));
    T_OK(eddy_env_verify(env, on_problem, &f, &problems));
    if (problems == 0 || strstr(f.tables, table) == NULL)
        print_error("damage %d: %llu problems in tables '%s', expected '%s'\n", what,
                    (unsigned long long)problems, f.tables, table);
    assert_true(problems > 0);
    assert_non_null(strstr(f.tables, table));
    T_OK(eddy_env_close(env));
}

static void missing_route(void **state)
{
    (void)state;
    one(0, "s_shard");
}

static void wrong_counters(void **state)
{
    (void)state;
    one(1, "s_shard");
}

static void orphan_records(void **state)
{
    (void)state;
    one(2, "s_rec");
}

static void unknown_shard_checkpoint_and_lease(void **state)
{
    (void)state;
    one(3, "ckpt");
    one(3, "lease");
}

static void flipped_byte(void **state)
{
    (void)state;
    one(4, "s_rec");
}

static void time_index_beyond(void **state)
{
    (void)state;
    one(5, "s_time");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_route),  cmocka_unit_test(wrong_counters),
        cmocka_unit_test(orphan_records), cmocka_unit_test(unknown_shard_checkpoint_and_lease),
        cmocka_unit_test(flipped_byte),   cmocka_unit_test(time_index_beyond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
