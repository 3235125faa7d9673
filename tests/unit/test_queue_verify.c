/* test_queue_verify.c: engine/queue/queue_verify.c finds each kind of damage to the queue tables
 * (missing index entry, wrong counters, orphan entries, a flipped byte in a record, a plain
 * message below plain_lo), reporting the table and exact key; and engine internals that the API
 * cannot see (which entries plain, delayed and out-of-order messages have; dictionary codec). */
#include <stdio.h>
#include <string.h>

#include "env_int.h"
#include "payload.h"
#include "queue_keys.h"
#include "support.h"
#include "txn.h"

#define T0 1700000000000ull

typedef struct damage {
    int what;
    uint64_t qid;
} damage;

typedef struct found {
    int n;
    char tables[256];
} found;

static int on_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    found *f = ctx;
    (void)key;
    (void)what;
    f->n++;
    strncat(f->tables, table, sizeof f->tables - strlen(f->tables) - 2);
    strcat(f->tables, " ");
    return 0;
}

static int damage_apply(eddy__wtx *w, void *arg)
{
    damage *d = arg;
    uint8_t k[EDDY__QKEY_VIS_LEN], v[EDDY__QCOUNTERS_LEN], s[EDDY__QSTATE_LEN];

    memset(k, 0, sizeof k);
    eddy__qcounters c;
    eddy__qstate st;
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    int rc;

    switch (d->what) {
    case 0: /* drop the first visibility entry */
        if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QVIS, &cur)) != 0)
            return rc;
        rc = eddy__cur_get(cur, &key, &val, MDB_FIRST);
        if (rc == 0)
            rc = eddy__cur_del(w, cur);
        eddy__cur_close(cur);
        return rc;
    case 1: /* counters off by one */
        eddy__qkey_counters(k, d->qid);
        if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, 16, &val)) != 0)
            return rc;
        T_OK(eddy__qcounters_decode(val.mv_data, val.mv_size, &c, NULL));
        c.n_msgs++;
        eddy__qcounters_encode(v, &c);
        return eddy__put(w, EDDY__T_QMSG, k, 16, v, sizeof v, 0);
    case 4: /* plain_lo past a plain message */
        eddy__qkey_counters(k, d->qid);
        if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, 16, &val)) != 0)
            return rc;
        T_OK(eddy__qcounters_decode(val.mv_data, val.mv_size, &c, NULL));
        c.plain_lo = c.next_msg_id;
        eddy__qcounters_encode(v, &c);
        return eddy__put(w, EDDY__T_QMSG, k, 16, v, sizeof v, 0);
    case 2: /* a state of a queue that does not exist */
        memset(&st, 0, sizeof st);
        eddy__qkey_state(k, 999999, 1);
        eddy__qstate_encode(s, &st);
        return eddy__put(w, EDDY__T_QMSG, k, EDDY__QKEY_STATE_LEN, s, sizeof s, 0);
    case 5: /* flip the last byte of message 1's record (a plain message: its state is implied
             * by the record) */
        eddy__qkey_msg(k, d->qid, 1);
        if ((rc = eddy__get(w->env, w->txn, EDDY__T_QMSG, k, EDDY__QKEY_MSG_LEN, &val)) != 0)
            return rc;
        {
            uint8_t buf[2048];
            memcpy(buf, val.mv_data, val.mv_size);
            buf[val.mv_size - 1] ^= 1;
            return eddy__put(w, EDDY__T_QMSG, k, EDDY__QKEY_MSG_LEN, buf, val.mv_size, 0);
        }
    default: /* flip the last byte of the first record (inline: inside its payload) */
        if ((rc = eddy__cur_open(w->env, w->txn, EDDY__T_QMSG, &cur)) != 0)
            return rc;
        rc = eddy__cur_get(cur, &key, &val, MDB_FIRST);
        if (rc == 0) {
            uint8_t buf[2048];
            memcpy(buf, val.mv_data, val.mv_size);
            buf[val.mv_size - 1] ^= 1;
            memcpy(k, key.mv_data, 16);
            rc = eddy__put(w, EDDY__T_QMSG, k, 16, buf, val.mv_size, 0);
        }
        eddy__cur_close(cur);
        return rc;
    }
}

static void each_damage_is_found(void **state)
{
    for (int what = 0; what < 5; what++) {
        t_clock clk = {T0};
        eddy_env *env = t_env_open(t_path("db"), &clk);
        eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        eddy_queue_batch *b;
        found fd;
        uint64_t problems = 0;
        damage d;

        T_OK(eddy_queue_create(env, "q", NULL));
        m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        m.body.data = "a body that is long enough";
        m.body.len = strlen(m.body.data);
        for (int i = 0; i < 3; i++)
            T_OK(eddy_queue_send(env, "q", &m, NULL));
        T_OK(eddy_queue_receive(env, "q", NULL, &b));
        eddy_queue_batch_free(b);
        t_verify_clean(env);
        T_OK(eddy_queue_get_attributes(env, "q", &info));
        d.what = what;
        d.qid = info.id;
        T_OK(eddy__write(env, damage_apply, NULL, &d));
        memset(&fd, 0, sizeof fd);
        T_OK(eddy_env_verify(env, on_problem, &fd, &problems));
        print_message("damage %d: %llu problems in: %s\n", what, (unsigned long long)problems,
                      fd.tables);
        assert_true(problems > 0);
        assert_int_equal(problems, (uint64_t)fd.n);
        if (what == 2)
            assert_non_null(strstr(fd.tables, "q_msg"));
        if (what == 3 || what == 4)
            assert_non_null(strstr(fd.tables, "q_msg"));
        T_OK(eddy_env_close(env));
    }
    (void)state;
}

static int first_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    char *first = ctx;
    (void)table;
    (void)key;
    if (first[0] == '\0')
        snprintf(first, 512, "%s", what);
    return 0;
}

/* One flipped body byte: the first problem reported is the cause (the record's checksum), not
 * its consequence (the implied state cannot be read). */
static void flipped_body_byte_reports_cause_first(void **state)
{
    t_clock clk = {T0};
    eddy_env *env = t_env_open(t_path("db"), &clk);
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    char first[512] = "";
    uint64_t problems = 0;
    damage d;

    T_OK(eddy_queue_create(env, "q", NULL));
    m.body.data = "a body that is long enough";
    m.body.len = strlen(m.body.data);
    T_OK(eddy_queue_send(env, "q", &m, NULL));
    T_OK(eddy_queue_get_attributes(env, "q", &info));
    d.what = 5;
    d.qid = info.id;
    T_OK(eddy__write(env, damage_apply, NULL, &d));
    T_OK(eddy_env_verify(env, first_problem, first, &problems));
    print_message("%llu problems, first: %s\n", (unsigned long long)problems, first);
    assert_true(problems > 0);
    assert_non_null(strstr(first, "checksum"));
    T_OK(eddy_env_close(env));
    (void)state;
}

static uint64_t table_entries(eddy_env *env, int table)
{
    MDB_txn *txn = NULL;
    MDB_stat st;

    T_OK(eddy__rtxn_begin(env, &txn));
    T_OK(eddy__table_stat(env, txn, table, &st));
    eddy__rtxn_end(env, txn);
    return st.ms_entries;
}

/* Which entries each kind of message has (docs/FORMAT.md "Plain messages", "Retention order"),
 * and that retention finds messages both by id order and through the retention index. */
static void plain_and_indexed_entries(void **state)
{
    t_clock clk = {T0};
    eddy_env *env = t_env_open(t_path("db"), &clk);
    eddy_queue_send_entry m[4] = {[0 ...(4) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[4] = {[0 ...(4) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_batch *b;
    uint64_t removed = 0;
    size_t n = 0;

    o.retention_ms = 60000;
    T_OK(eddy_queue_create(env, "q", &o));
    memset(m, 0, sizeof m);
    EDDY_ARRAY_INIT(m, sizeof m / sizeof m[0]);
    for (int i = 0; i < 4; i++) {
        m[i].body.data = "a plain message body";
        m[i].body.len = strlen(m[i].body.data);
    }
    /* A batch of sends without delay stores records only (plus the counters). */
    T_OK(eddy_queue_send_batch(env, "q", m, 4, r));
    assert_int_equal(table_entries(env, EDDY__T_QMSG), 4 + 1);
    assert_int_equal(table_entries(env, EDDY__T_QVIS), 0);
    t_verify_clean(env);
    /* A receive gives what it takes a state and a visibility entry; oldest first. */
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 2;
    T_OK(eddy_queue_receive(env, "q", &ro, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 2);
    assert_int_equal(eddy_queue_batch_message(b, 0)->msg_id, 1);
    assert_int_equal(eddy_queue_batch_message(b, 1)->msg_id, 2);
    eddy_queue_batch_free(b);
    assert_int_equal(table_entries(env, EDDY__T_QMSG), 4 + 2 + 1);
    assert_int_equal(table_entries(env, EDDY__T_QVIS), 2);
    t_verify_clean(env);
    /* A delayed message has a state and a visibility entry, no retention entry. */
    m[0].delay_ms = 1000;
    T_OK(eddy_queue_send(env, "q", &m[0], NULL));
    m[0].delay_ms = 0;
    assert_int_equal(table_entries(env, EDDY__T_QMSG), 5 + 3 + 1);
    assert_int_equal(table_entries(env, EDDY__T_QVIS), 3);
    /* After the clock went back, a new message is older than earlier ones: it gets a state and
     * a retention entry besides its visibility entry. */
    clk.now_ms = T0 - 5000;
    T_OK(eddy_queue_send(env, "q", &m[1], NULL));
    assert_int_equal(table_entries(env, EDDY__T_QMSG), 6 + 4 + 1);
    assert_int_equal(table_entries(env, EDDY__T_QVIS), 5);
    t_verify_clean(env);
    /* Only that one is past retention: found through the index, while the id order stops at
     * message 1. */
    clk.now_ms = T0 - 5000 + 60000;
    T_OK(eddy_queue_trim(env, "q", 0, &removed));
    assert_int_equal(removed, 1);
    t_verify_clean(env);
    /* Then all the others, by id order: plain, in flight and delayed alike. */
    clk.now_ms = T0 + 60000;
    T_OK(eddy_queue_trim(env, "q", 0, &removed));
    assert_int_equal(removed, 5);
    assert_int_equal(table_entries(env, EDDY__T_QMSG), 1);
    assert_int_equal(table_entries(env, EDDY__T_QVIS), 0);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void dictionary_codec_is_used(void **state)
{
    t_clock clk = {T0};
    eddy_env *env = t_env_open(t_path("db"), &clk);
    eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    uint8_t k[EDDY__QKEY_MSG_LEN];
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    char body[400];
    uint64_t rng = 5;
    MDB_txn *txn = NULL;
    eddy__rec rec;
    MDB_val v;
    uint32_t dict = 0;

    T_OK(eddy_queue_create(env, "q", NULL));
    m = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    m.body.data = body;
    for (int i = 0; i < 300; i++) {
        m.body.len = (size_t)snprintf(
            body, sizeof body,
            "{\"order_id\":%d,\"customer\":\"c-%04u\",\"sku\":\"%s\","
            "\"channel\":\"mobile\",\"qty\":%u,\"note\":\"%s\"}",
            i, (unsigned)(t_rand(&rng) % 9999), t_rand(&rng) % 2 ? "glazed" : "jelly",
            (unsigned)(t_rand(&rng) % 12), "deliver to the back door please, ring twice");
        T_OK(eddy_queue_send(env, "q", &m, &r));
    }
    T_OK(eddy_queue_train_dict(env, "q", 0, 2048, &dict));
    T_OK(eddy_queue_send(env, "q", &m, &r));
    T_OK(eddy_queue_get_attributes(env, "q", &info));
    eddy__qkey_msg(k, info.id, r.msg_id);
    T_OK(eddy__rtxn_begin(env, &txn));
    T_OK(eddy__get(env, txn, EDDY__T_QMSG, k, sizeof k, &v));
    T_OK(eddy__payload_peek(EDDY__T_QMSG, k, sizeof k, &v, &rec));
    assert_int_equal(rec.codec, EDDY__CODEC_ZSTD_DICT);
    assert_int_equal(rec.dict_id, dict);
    eddy__rtxn_end(env, txn);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_damage_is_found),
        cmocka_unit_test(flipped_body_byte_reports_cause_first),
        cmocka_unit_test(plain_and_indexed_entries),
        cmocka_unit_test(dictionary_codec_is_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
