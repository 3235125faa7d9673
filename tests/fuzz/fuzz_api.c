/*
 * fuzz_api.c: libFuzzer target for the strings callers hand back to Eddy through the public API
 * (include/eddy.h only): receipt handles (eddy_queue_delete_message, _change_visibility and
 * their batch forms), iterator tokens (eddy_stream_get_records) and sequence numbers
 * (eddy_stream_get_iterator, eddy_checkpoint_set). One database is made once per process: two
 * queues with received messages (real receipts) and a two-shard stream with records (real
 * iterators). The first input byte picks a mode: the rest of the input is either the string
 * itself, or edits (position, byte pairs) applied to a real receipt or iterator, so the fuzzer
 * also reaches strings whose check digits are right. Every call must return one of its
 * documented codes, never crash; a successful read must return well-formed records.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eddy.h"
#include "fuzz_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1700000000000ull

static struct {
    char receipts[4][EDDY_QUEUE_RECEIPT_LEN + 1];
    eddy_stream_iterator iters[2];
    char seqs[2][EDDY_STREAM_SEQ_LEN + 1];
} g;

static void setup(void)
{
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b;
    size_t n;

    fuzz_db_open("api", T0);
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.batch_max = 10;
    REQUIRE(eddy_queue_create(fdb.env, "q", &qo) == 0);
    REQUIRE(eddy_queue_create(fdb.env, "q2", &qo) == 0);
    for (int i = 0; i < 40; i++) {
        eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
        char body[32];
        snprintf(body, sizeof body, "message %d", i);
        e.body.data = body;
        e.body.len = strlen(body);
        REQUIRE(eddy_queue_send(fdb.env, i % 2 ? "q2" : "q", &e, NULL) == 0);
    }
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 4;
    ro.visibility_timeout_ms = 43200000;
    REQUIRE(eddy_queue_receive(fdb.env, "q", &ro, &b) == 0);
    n = eddy_queue_batch_count(b);
    REQUIRE(n == 4);
    for (size_t i = 0; i < 4; i++)
        memcpy(g.receipts[i], eddy_queue_batch_message(b, i)->receipt, sizeof g.receipts[i]);
    eddy_queue_batch_free(b);
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.shard_count = 2;
    REQUIRE(eddy_stream_create(fdb.env, "s", &so) == 0);
    for (int i = 0; i < 20; i++) {
        eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
        eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
        char pk[16];
        snprintf(pk, sizeof pk, "key-%d", i);
        e.partition_key.data = pk;
        e.partition_key.len = strlen(pk);
        e.data.data = "record data";
        e.data.len = 11;
        REQUIRE(eddy_stream_put(fdb.env, "s", &e, &r) == 0);
        memcpy(g.seqs[r.shard_id & 1], r.seq, sizeof r.seq);
    }
    for (uint32_t s = 0; s < 2; s++)
        REQUIRE(eddy_stream_get_iterator(fdb.env, "s", s, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                         &g.iters[s]) == 0);
}

/* s = a real string of len characters with the input's (position, byte) edits applied. */
static void edit(char *s, size_t len, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s[d[i] % len] = (char)d[i + 1];
}

static int is_ack_code(int rc)
{
    return rc == 0 || rc == EDDY_EINVAL || rc == EDDY_EEXPIRED || rc == EDDY_ENOTFOUND;
}

static void try_receipt(const char *receipt, uint8_t how)
{
    int rc, results[2];
    const char *two[2] = {receipt, g.receipts[0]};
    eddy_queue_visibility_entry ve[1] = {
        {.size = sizeof ve[0], .receipt = receipt, .timeout_ms = (uint32_t)how * 1000u}};
    const char *q = how & 1 ? "q2" : "q";

    rc = eddy_queue_change_visibility(fdb.env, q, receipt, (uint32_t)how * 200000u);
    REQUIRE(is_ack_code(rc));
    rc = eddy_queue_change_visibility_batch(fdb.env, q, ve, 1, results);
    REQUIRE(rc == 0 && is_ack_code(results[0]));
    if (how & 2) { /* deletes take messages away: only now and then */
        rc = eddy_queue_delete_message(fdb.env, q, receipt);
        REQUIRE(is_ack_code(rc));
        rc = eddy_queue_delete_batch(fdb.env, q, two, 2, results);
        REQUIRE(rc == 0 && is_ack_code(results[0]) && is_ack_code(results[1]));
    }
}

static void try_iterator(const eddy_stream_iterator *it, uint8_t how)
{
    eddy_stream_read_options ro = EDDY_STREAM_READ_OPTIONS_INIT;
    eddy_stream_batch *b = NULL;
    const eddy_stream_read_info *info;
    size_t n;
    int rc;

    ro.max_records = how & 0x80 ? 10000u + how : how;
    ro.max_bytes = how & 0x40 ? 1 : 0;
    rc = eddy_stream_get_records(fdb.env, it, &ro, &b);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL || rc == EDDY_EEXPIRED);
    if (rc != 0) {
        REQUIRE(b == NULL);
        return;
    }
    n = eddy_stream_batch_count(b);
    info = eddy_stream_batch_info(b);
    REQUIRE(info != NULL);
    for (size_t i = 0; i < n; i++)
        REQUIRE(strlen(eddy_stream_batch_record(b, i)->seq) == EDDY_STREAM_SEQ_LEN &&
                eddy_stream_batch_record(b, i)->partition_key.len > 0 &&
                (i == 0 || strcmp(eddy_stream_batch_record(b, i - 1)->seq,
                                  eddy_stream_batch_record(b, i)->seq) < 0));
    eddy_stream_batch_free(b);
}

static void try_seq(const char *seq, uint8_t how)
{
    eddy_stream_iterator it;
    eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;
    uint32_t shard = how & 1;
    int rc;

    rc = eddy_stream_get_iterator(fdb.env, "s", shard,
                                  how & 2 ? EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER
                                          : EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER,
                                  seq, 0, &it);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL || rc == EDDY_ENOTFOUND);
    if (rc == 0)
        try_iterator(&it, 3);
    cp = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    cp.stream = "s";
    cp.consumer = "fuzz";
    cp.shard_id = shard;
    cp.seq = seq;
    rc = eddy_checkpoint_set(fdb.env, &cp);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL || rc == EDDY_ENOTFOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[160];
    eddy_stream_iterator it;
    uint8_t mode, how;
    size_t k;

    if (fdb.env == NULL)
        setup();
    if (size < 2)
        return 0;
    mode = data[0];
    how = data[1];
    data += 2;
    size -= 2;
    k = size < sizeof s - 1 ? size : sizeof s - 1;
    switch (mode % 5) {
    case 0: /* the input as a receipt handle */
        memcpy(s, data, k);
        s[k] = '\0';
        try_receipt(s, how);
        break;
    case 1: /* a real receipt, edited */
        memcpy(s, g.receipts[how % 4], sizeof g.receipts[0]);
        edit(s, EDDY_QUEUE_RECEIPT_LEN, data, size);
        try_receipt(s, how);
        break;
    case 2: /* the input as an iterator token */
        memset(&it, 0, sizeof it);
        memcpy(it.token, data, size < EDDY_STREAM_ITER_LEN ? size : EDDY_STREAM_ITER_LEN);
        try_iterator(&it, how);
        break;
    case 3: /* a real iterator, edited */
        it = g.iters[how & 1];
        edit(it.token, EDDY_STREAM_ITER_LEN, data, size);
        try_iterator(&it, how);
        break;
    default: /* the input as a sequence number, or a real one edited */
        if (how & 4) {
            memcpy(s, g.seqs[how & 1], sizeof g.seqs[0]);
            edit(s, EDDY_STREAM_SEQ_LEN, data, size);
        } else {
            memcpy(s, data, k);
            s[k] = '\0';
        }
        try_seq(s, how);
        break;
    }
    return 0;
}
