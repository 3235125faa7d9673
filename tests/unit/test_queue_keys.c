/* test_queue_keys.c: format/queue_keys.c: round trips, memcmp order of keys, and strict decoders
 * (every truncation, extension or bad field of a value is EDDY_ECORRUPT; every damaged receipt
 * handle is EDDY_EINVAL). */
#include <string.h>

#include "queue_keys.h"
#include "support.h"

static void key_order_is_logical_order(void **state)
{
    uint8_t a[EDDY__QKEY_EXPIRY_LEN], b[EDDY__QKEY_EXPIRY_LEN], c[EDDY__QKEY_STATE_LEN];
    uint64_t q, d, m;
    int type;

    eddy__qkey_vis(a, 1, 0xff, 2);
    eddy__qkey_vis(b, 1, 0x100, 1);
    assert_true(memcmp(a, b, EDDY__QKEY_VIS_LEN) < 0); /* deadline first, then message id */
    eddy__qkey_vis(b, 2, 0, 1);
    assert_true(memcmp(a, b, EDDY__QKEY_VIS_LEN) < 0); /* queue id before all */
    T_OK(eddy__qkey_vis_decode(a, EDDY__QKEY_VIS_LEN, &q, &d, &m, &type, NULL));
    assert_int_equal(q, 1);
    assert_int_equal(d, 0xff);
    assert_int_equal(m, 2);
    assert_int_equal(type, EDDY__QK_VIS);
    T_RC(EDDY_ECORRUPT, eddy__qkey_vis_decode(a, EDDY__QKEY_VIS_LEN - 1, &q, &d, &m, &type, NULL));
    /* retention entries sort after every visibility entry of their queue */
    eddy__qkey_vis(a, 1, EDDY__QDEADLINE_MAX, EDDY__QMSG_ID_MAX);
    eddy__qkey_expiry(b, 1, 0, 1);
    assert_true(memcmp(a, b, EDDY__QKEY_VIS_LEN) < 0);
    T_OK(eddy__qkey_vis_decode(b, EDDY__QKEY_EXPIRY_LEN, &q, &d, &m, &type, NULL));
    assert_int_equal(type, EDDY__QK_EXPIRY);
    b[8] = 2;
    T_RC(EDDY_ECORRUPT, eddy__qkey_vis_decode(b, EDDY__QKEY_EXPIRY_LEN, &q, &d, &m, &type, NULL));
    /* a message's state follows its record; the counters follow every message */
    eddy__qkey_msg(a, 7, 5);
    eddy__qkey_state(c, 7, 5);
    assert_true(memcmp(a, c, EDDY__QKEY_MSG_LEN) == 0);
    eddy__qkey_msg(b, 7, 6);
    assert_true(memcmp(c, b, EDDY__QKEY_MSG_LEN) < 0);
    eddy__qkey_counters(b, 7);
    eddy__qkey_state(c, 7, EDDY__QMSG_ID_MAX);
    assert_true(memcmp(c, b, EDDY__QKEY_MSG_LEN) < 0);
    T_OK(eddy__qkey_msg_decode(b, EDDY__QKEY_COUNTERS_LEN, &q, &m, &type, NULL));
    assert_int_equal(type, EDDY__QK_COUNTERS);
    T_OK(eddy__qkey_msg_decode(c, EDDY__QKEY_STATE_LEN, &q, &m, &type, NULL));
    assert_int_equal(type, EDDY__QK_STATE);
    c[16] = 'x';
    T_RC(EDDY_ECORRUPT, eddy__qkey_msg_decode(c, EDDY__QKEY_STATE_LEN, &q, &m, &type, NULL));
    eddy__qkey_state(c, 7, 5);
    memset(c + 8, 0, 8); /* the state of message id 0 */
    T_RC(EDDY_ECORRUPT, eddy__qkey_msg_decode(c, EDDY__QKEY_STATE_LEN, &q, &m, &type, NULL));
    T_RC(EDDY_ECORRUPT, eddy__qkey_msg_decode(c, EDDY__QKEY_MSG_LEN, &q, &m, &type, NULL));
    (void)state;
}

static void task_keys(void **state)
{
    uint8_t k[EDDY__QKEY_TASK_LEN];
    uint64_t q, t;

    eddy__qkey_task(k, 3, 5);
    T_OK(eddy__qkey_task_decode(k, sizeof k, &q, &t, NULL));
    assert_int_equal(q, 3);
    assert_int_equal(t, 5);
    T_RC(EDDY_ECORRUPT, eddy__qkey_task_decode(k, sizeof k - 1, &q, &t, NULL));
    k[8] = 'z';
    T_RC(EDDY_ECORRUPT, eddy__qkey_task_decode(k, sizeof k, &q, &t, NULL));
    (void)state;
}

static void state_and_counters(void **state)
{
    eddy__qstate s, o;
    eddy__qcounters c, oc;
    uint8_t v[EDDY__QSTATE_LEN], cv[EDDY__QCOUNTERS_LEN];
    eddy__ferr fe;

    /* memset first: the structs are compared byte for byte, padding included */
    memset(&s, 0, sizeof s);
    memset(&o, 0, sizeof o);
    memset(&c, 0, sizeof c);
    memset(&oc, 0, sizeof oc);
    s.kind = EDDY__QSTATE_INFLIGHT;
    s.receive_count = 3;
    s.deadline_ms = 10;
    s.first_receive_ms = 20;
    s.received_ms = 30;
    s.nonce = 40;
    s.enq_ms = 50;
    s.indexed = 1;
    s.stored = 1; /* not encoded: every decoded state is a stored one */
    c.next_msg_id = 5;
    c.n_msgs = 4;
    c.n_inflight = 2;
    c.next_task_id = 1;
    c.bytes = 1234;
    c.dict_id = 77;
    c.plain_lo = 3;
    c.n_plain = 2;
    c.enq_floor = 99;

    eddy__qstate_encode(v, &s);
    T_OK(eddy__qstate_decode(v, sizeof v, &o, NULL));
    assert_memory_equal(&s, &o, sizeof s);
    for (size_t n = 0; n < sizeof v; n++)
        T_RC(EDDY_ECORRUPT, eddy__qstate_decode(v, n, &o, NULL));
    v[1] = 7;
    T_RC(EDDY_ECORRUPT, eddy__qstate_decode(v, sizeof v, &o, &fe));
    assert_true(strstr(fe.msg, "kind") != NULL);
    v[1] = EDDY__QSTATE_INFLIGHT;
    v[46] = 2; /* flags other than "indexed" */
    T_RC(EDDY_ECORRUPT, eddy__qstate_decode(v, sizeof v, &o, NULL));
    v[46] = 0;
    T_OK(eddy__qstate_decode(v, sizeof v, &o, NULL));
    assert_int_equal(o.indexed, 0);
    v[2] = v[3] = v[4] = v[5] = 0; /* in flight with receive count 0 */
    T_RC(EDDY_ECORRUPT, eddy__qstate_decode(v, sizeof v, &o, NULL));
    eddy__qcounters_encode(cv, &c);
    T_OK(eddy__qcounters_decode(cv, sizeof cv, &oc, NULL));
    assert_memory_equal(&c, &oc, sizeof c);
    for (size_t n = 0; n < sizeof cv; n++)
        T_RC(EDDY_ECORRUPT, eddy__qcounters_decode(cv, n, &oc, NULL));
    c.n_plain = 3; /* more plain messages than waiting ones */
    eddy__qcounters_encode(cv, &c);
    T_RC(EDDY_ECORRUPT, eddy__qcounters_decode(cv, sizeof cv, &oc, NULL));
    cv[0] = 2;
    T_RC(EDDY_ECORRUPT, eddy__qcounters_decode(cv, sizeof cv, &oc, NULL));
    (void)state;
}

static void meta_with_attributes(void **state)
{
    uint8_t area[128], buf[256];
    eddy__qattr a = {(const uint8_t *)"name", 4, (const uint8_t *)"String", 6,
                     (const uint8_t *)"v",    1};
    eddy__wr w = eddy__wr_init(area, sizeof area);
    eddy__qmeta m, o;
    eddy__rd r;
    size_t len;

    eddy__qattr_put(&w, &a);
    eddy__qattr_put(&w, &a);
    memset(&m, 0, sizeof m);
    m.sent_ms = 1;
    m.origin_qid = 2;
    m.origin_msg_id = 3;
    m.body_xxh3 = 4;
    m.enq_ms = 5;
    m.attr_count = 2;
    m.attrs = area;
    m.attrs_len = (uint32_t)w.len;
    assert_int_equal(w.len, 2 * eddy__qattr_len(&a));
    T_OK(eddy__qmeta_encode(buf, sizeof buf, &m, &len));
    T_RC(EDDY_EBUFS, eddy__qmeta_encode(buf, len - 1, &m, &len));
    T_OK(eddy__qmeta_decode(buf, len, &o, NULL));
    assert_int_equal(o.enq_ms, 5);
    assert_int_equal(o.attr_count, 2);
    r = eddy__rd_init(o.attrs, o.attrs_len);
    assert_true(eddy__qattr_next(&r, &a));
    assert_memory_equal(a.type, "String", 6);
    for (size_t n = 0; n < len; n++)
        T_RC(EDDY_ECORRUPT, eddy__qmeta_decode(buf, n, &o, NULL));
    buf[len] = 0;
    T_RC(EDDY_ECORRUPT, eddy__qmeta_decode(buf, len + 1, &o, NULL));
    eddy__qmeta_set_times(buf, len, 77, 88);
    T_OK(eddy__qmeta_decode(buf, len, &o, NULL));
    assert_int_equal(o.sent_ms, 77);
    assert_int_equal(o.enq_ms, 88);
    (void)state;
}

static void cfg_and_task(void **state)
{
    uint8_t buf[EDDY__QCFG_MAX_LEN], tb[EDDY__QTASK_MAX_LEN];
    eddy__qcfg c, o;
    eddy__qtask t, ot;
    size_t len, tlen;

    memset(&c, 0, sizeof c);
    c.visibility_timeout_ms = 1;
    c.retention_ms = 2;
    c.batch_max = 10;
    memset(c.dlq, 'd', 80);
    c.redrive_allow = 2;
    c.n_allow = 10;
    for (int i = 0; i < 10; i++)
        memset(c.allow[i], 'a' + i, 80);
    c.fifo = 1; /* version 2: the largest */
    c.content_dedup = 1;
    c.dedup_scope = EDDY__QDEDUP_SCOPE_GROUP;
    c.throughput = EDDY__QTHROUGHPUT_GROUP;
    T_OK(eddy__qcfg_encode(buf, sizeof buf, &c, &len));
    assert_int_equal(len, sizeof buf); /* the bound is exact for the largest config */
    T_OK(eddy__qcfg_decode(buf, len, &o, NULL));
    assert_memory_equal(&c, &o, sizeof c);
    for (size_t n = 0; n < len; n++)
        T_RC(EDDY_ECORRUPT, eddy__qcfg_decode(buf, n, &o, NULL));
    memset(&t, 0, sizeof t);
    t.status = EDDY__QTASK_FAILED;
    t.moved = 3;
    strcpy(t.reason, "why");
    T_OK(eddy__qtask_encode(tb, sizeof tb, &t, &tlen));
    T_OK(eddy__qtask_decode(tb, tlen, &ot, NULL));
    assert_memory_equal(&t, &ot, sizeof t);
    for (size_t n = 0; n < tlen; n++)
        T_RC(EDDY_ECORRUPT, eddy__qtask_decode(tb, n, &ot, NULL));
    tb[1] = 9;
    T_RC(EDDY_ECORRUPT, eddy__qtask_decode(tb, tlen, &ot, NULL));
    (void)state;
}

static void receipts(void **state)
{
    eddy__receipt r, o;
    char h[EDDY__RECEIPT_LEN + 1], d[EDDY__RECEIPT_LEN + 2];

    memset(&r, 0, sizeof r);
    memset(&o, 0, sizeof o);
    r.qid = 0x0102030405060708ull;
    r.msg_id = 42;
    r.receive_count = 3;
    r.nonce = 0xdeadbeefcafef00dull;

    eddy__receipt_encode(h, &r);
    assert_int_equal(strlen(h), EDDY__RECEIPT_LEN);
    T_OK(eddy__receipt_decode(h, &o, NULL));
    assert_memory_equal(&r, &o, sizeof r);
    /* every single-character change is caught */
    for (size_t i = 0; i < EDDY__RECEIPT_LEN; i++) {
        memcpy(d, h, sizeof h);
        d[i] = d[i] == 'f' ? '0' : (d[i] == '9' ? 'a' : (char)(d[i] + 1));
        T_RC(EDDY_EINVAL, eddy__receipt_decode(d, &o, NULL));
    }
    memcpy(d, h, sizeof h);
    d[EDDY__RECEIPT_LEN] = '0';
    d[EDDY__RECEIPT_LEN + 1] = '\0';
    T_RC(EDDY_EINVAL, eddy__receipt_decode(d, &o, NULL));
    T_RC(EDDY_EINVAL, eddy__receipt_decode("", &o, NULL));
    (void)state;
}

/* Seeded random bytes (mostly mutations of valid encodings) into every decoder: none may crash,
 * read out of bounds (ASan) or accept what does not re-encode to the same bytes. */
static void decoders_survive_garbage(void **state)
{
    uint64_t rng = t_seed();
    uint8_t buf[EDDY__QCFG_MAX_LEN + 8], out[EDDY__QCFG_MAX_LEN + 8];
    char hex[EDDY__RECEIPT_LEN + 2];
    eddy__qstate st;
    eddy__qcounters c;
    eddy__qcfg cfg;
    eddy__qtask t;
    eddy__qmeta m;
    eddy__receipt r;
    uint64_t a, b, d;
    size_t len, n;
    int type;

    for (int i = 0; i < 20000; i++) {
        len = (size_t)(t_rand(&rng) % sizeof buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)t_rand(&rng);
        if (t_rand(&rng) % 2) { /* start from a valid value: a few bytes differ */
            buf[0] = 1;
            if (len > 1)
                buf[1] = (uint8_t)(t_rand(&rng) % 3);
        }
        (void)eddy__qkey_msg_decode(buf, len % 20, &a, &b, &type, NULL);
        (void)eddy__qkey_vis_decode(buf, len % 28, &a, &b, &d, &type, NULL);
        (void)eddy__qkey_task_decode(buf, len % 20, &a, &b, NULL);
        (void)eddy__qmeta_decode(buf, len, &m, NULL);
        if (eddy__qstate_decode(buf, len % 50, &st, NULL) == 0) {
            eddy__qstate_encode(out, &st);
            assert_memory_equal(out, buf, EDDY__QSTATE_LEN);
        }
        if (eddy__qcounters_decode(buf, len % 50, &c, NULL) == 0) {
            eddy__qcounters_encode(out, &c);
            assert_memory_equal(out, buf, EDDY__QCOUNTERS_LEN);
        }
        if (eddy__qcfg_decode(buf, len, &cfg, NULL) == 0) {
            T_OK(eddy__qcfg_encode(out, sizeof out, &cfg, &n));
            assert_int_equal(n, len);
            assert_memory_equal(out, buf, len);
        }
        if (eddy__qtask_decode(buf, len % 200, &t, NULL) == 0) {
            T_OK(eddy__qtask_encode(out, sizeof out, &t, &n));
            assert_memory_equal(out, buf, n);
        }
        for (size_t j = 0; j < sizeof hex - 1; j++)
            hex[j] = "0123456789abcdefg"[t_rand(&rng) % 17];
        hex[t_rand(&rng) % sizeof hex] = '\0';
        hex[sizeof hex - 1] = '\0';
        (void)eddy__receipt_decode(hex, &r, NULL);
    }
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_order_is_logical_order),
        cmocka_unit_test(task_keys),
        cmocka_unit_test(state_and_counters),
        cmocka_unit_test(meta_with_attributes),
        cmocka_unit_test(cfg_and_task),
        cmocka_unit_test(receipts),
        cmocka_unit_test(decoders_survive_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
