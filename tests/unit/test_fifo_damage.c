/* test_fifo_damage.c: a FIFO deduplication entry that does not decode is damage, not an expired
 * entry: the sweep of a later send reports EDDY_ECORRUPT instead of deleting it silently, and
 * verify reports it (review finding on engine/queue/queue_dedup.c). */
#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include "support.h"

/* Overwrite the value of every q_aux entry whose key holds `needle` with one junk byte. */
static int spoil_aux(const char *dir, const char *needle)
{
    MDB_env *m;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v, junk = {1, (void *)"\xff"};
    int n = 0;

    assert_int_equal(mdb_env_create(&m), 0);
    mdb_env_set_maxdbs(m, 32);
    assert_int_equal(mdb_env_open(m, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(m, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "q_aux", 0, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (memmem(k.mv_data, k.mv_size, needle, strlen(needle)) != NULL) {
            assert_int_equal(mdb_cursor_put(cur, &k, &junk, MDB_CURRENT), 0);
            n++;
        }
    mdb_cursor_close(cur);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(m);
    return n;
}

static void send1(eddy_env *env, const char *g, const char *d, int want)
{
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    e.body = (eddy_slice){"body", 4};
    e.group_id = g;
    e.dedup_id = d;
    if (want == 0)
        T_OK(eddy_queue_send(env, "q.fifo", &e, NULL));
    else
        T_RC(want, eddy_queue_send(env, "q.fifo", &e, NULL));
}

static void undecodable_dedup_entry_is_corrupt(void **state)
{
    t_clock clk = {1800000000000ull};
    const char *dir = t_path("db");
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    uint64_t problems = 0;
    (void)state;
    eddy_env *env = t_env_open(dir, &clk);
    o.fifo = 1;
    T_OK(eddy_queue_create(env, "q.fifo", &o));
    send1(env, "G1", "DEDUPFIRST", 0);
    T_OK(eddy_env_close(env));
    assert_int_equal(spoil_aux(dir, "DEDUPFIRST"), 1);
    clk.now_ms += 600000; /* past the 5-minute interval: the sweep would take it as expired */
    env = t_env_open(dir, &clk);
    send1(env, "G2", "DEDUPSECOND", EDDY_ECORRUPT);
    assert_non_null(strstr(eddy_last_error(), "deduplication entry"));
    T_OK(eddy_env_verify(env, NULL, NULL, &problems));
    assert_true(problems >= 1);
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(undecodable_dedup_entry_is_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
