/*
 * fuzz_queue_keys.c: libFuzzer target for the queue codecs (format/queue_keys.c): QMSG, QVIS and
 * QAUX keys, message state, visibility value, counters, message meta with its attributes, queue
 * configuration, redrive tasks and receipt handles. Any input must decode or be rejected with
 * EDDY_ECORRUPT (stored bytes) or EDDY_EINVAL (receipts), never crash or read out of bounds; what
 * decodes must re-encode to the same bytes. The first input byte also drives a receipt built from
 * the input's fields, which must survive encode -> decode unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_keys(const uint8_t *d, size_t n)
{
    uint8_t k[EDDY__QKEY_EXPIRY_LEN];
    uint64_t qid, id, when;
    int type;

    if (eddy__qkey_msg_decode(d, n, &qid, &id, &type, NULL) == 0) {
        if (type == EDDY__QK_RECORD)
            eddy__qkey_msg(k, qid, id);
        else if (type == EDDY__QK_STATE)
            eddy__qkey_state(k, qid, id);
        else {
            REQUIRE(type == EDDY__QK_COUNTERS && id == 0);
            eddy__qkey_counters(k, qid);
        }
        REQUIRE(memcmp(k, d, n) == 0);
    }
    if (eddy__qkey_vis_decode(d, n, &qid, &when, &id, &type, NULL) == 0) {
        if (type == EDDY__QK_VIS)
            eddy__qkey_vis(k, qid, when, id);
        else {
            REQUIRE(type == EDDY__QK_EXPIRY);
            eddy__qkey_expiry(k, qid, when, id);
        }
        REQUIRE(memcmp(k, d, n) == 0);
    }
    if (eddy__qkey_task_decode(d, n, &qid, &id, NULL) == 0) {
        REQUIRE(n == EDDY__QKEY_TASK_LEN);
        eddy__qkey_task(k, qid, id);
        REQUIRE(memcmp(k, d, n) == 0);
    }
}

static void check_values(const uint8_t *d, size_t n)
{
    uint8_t buf[EDDY__QCFG_MAX_LEN + EDDY__QTASK_MAX_LEN + EDDY__QSTATE_LEN];
    eddy__ferr fe;
    eddy__qstate st;
    eddy__qcounters c;
    eddy__qcfg cfg;
    eddy__qtask t;
    eddy__qmeta m;
    uint8_t kind;
    size_t len;

    if (eddy__qstate_decode(d, n, &st, &fe) == 0) {
        eddy__qstate_encode(buf, &st);
        REQUIRE(n == EDDY__QSTATE_LEN && memcmp(buf, d, n) == 0);
    }
    if (eddy__qvis_val_decode(d, n, &kind, &fe) == 0)
        REQUIRE(n == 1 && kind == d[0]);
    if (eddy__qcounters_decode(d, n, &c, &fe) == 0) {
        eddy__qcounters_encode(buf, &c);
        REQUIRE(n == EDDY__QCOUNTERS_LEN && memcmp(buf, d, n) == 0);
    }
    if (eddy__qcfg_decode(d, n, &cfg, &fe) == 0) {
        REQUIRE(eddy__qcfg_encode(buf, sizeof buf, &cfg, &len) == 0);
        REQUIRE(len == n && memcmp(buf, d, n) == 0);
    }
    if (eddy__qtask_decode(d, n, &t, &fe) == 0) {
        REQUIRE(eddy__qtask_encode(buf, sizeof buf, &t, &len) == 0);
        REQUIRE(len == n && memcmp(buf, d, n) == 0);
    }
    if (eddy__qmeta_decode(d, n, &m, &fe) == 0) {
        uint8_t *again = malloc(n);
        eddy__rd r = eddy__rd_init(m.attrs, m.attrs_len);
        eddy__qattr a;
        unsigned i = 0;
        REQUIRE(again != NULL);
        REQUIRE(eddy__qmeta_encode(again, n, &m, &len) == 0);
        REQUIRE(len == n && memcmp(again, d, n) == 0);
        free(again);
        while (eddy__qattr_next(&r, &a)) /* the walk the engine does on receive */
            REQUIRE(a.name_len > 0 && a.type_len > 0 && a.value_len > 0 && ++i <= m.attr_count);
        REQUIRE(i == m.attr_count && r.left == 0);
    }
}

static void check_receipts(const uint8_t *d, size_t n)
{
    char s[EDDY__RECEIPT_LEN + 1], again[EDDY__RECEIPT_LEN + 1];
    eddy__receipt r, r2;
    eddy__ferr fe;
    size_t k = n < EDDY__RECEIPT_LEN ? n : EDDY__RECEIPT_LEN;
    int rc;

    /* The input itself as a handle (up to its first NUL). */
    memcpy(s, d, k);
    s[k] = '\0';
    rc = eddy__receipt_decode(s, &r, &fe);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL);
    if (rc == 0) {
        eddy__receipt_encode(again, &r);
        REQUIRE(strcmp(again, s) == 0);
    }
    /* A handle built from the input's bytes: must round-trip exactly. */
    if (n >= 28) {
        r.qid = eddy__be64_get(d);
        r.msg_id = eddy__be64_get(d + 8);
        r.receive_count = eddy__be32_get(d + 16);
        r.nonce = eddy__be64_get(d + 20);
        eddy__receipt_encode(s, &r);
        rc = eddy__receipt_decode(s, &r2, &fe);
        if (r.msg_id == 0 || r.msg_id > EDDY__QMSG_ID_MAX || r.receive_count == 0)
            REQUIRE(rc == EDDY_EINVAL);
        else
            REQUIRE(rc == 0 && r2.qid == r.qid && r2.msg_id == r.msg_id &&
                    r2.receive_count == r.receive_count && r2.nonce == r.nonce);
        /* One edited character must be refused (or, if it hit a valid twin, round-trip). */
        if (n > 28) {
            size_t at = d[28] % EDDY__RECEIPT_LEN;
            s[at] = (char)(d[n - 1] ? d[n - 1] : 'x');
            rc = eddy__receipt_decode(s, &r2, &fe);
            REQUIRE(rc == 0 || rc == EDDY_EINVAL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_keys(data, size);
    check_values(data, size);
    check_receipts(data, size);
    return 0;
}
