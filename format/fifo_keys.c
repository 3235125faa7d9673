/*
 * fifo_keys.c: encoders and strict decoders for FIFO queues' group, deduplication and
 * receive-attempt entries (layouts in fifo_keys.h and docs/FORMAT.md "FIFO queues"), and the
 * decimal form of FIFO sequence numbers. Knows nothing of LMDB, time or threads.
 */
#include "fifo_keys.h"

#include <assert.h>
#include <string.h>

#include "bytes.h"
#include "shard_hash.h"

void eddy__qkey_fifo_prefix(uint8_t dst[9], uint64_t qid, uint8_t tag)
{
    eddy__be64_put(dst, qid);
    dst[8] = tag;
}

static size_t key_id(uint8_t *dst, uint64_t qid, uint8_t tag, const void *id, size_t len)
{
    assert(len >= 1 && len <= EDDY__QFIFO_ID_MAX);
    eddy__qkey_fifo_prefix(dst, qid, tag);
    memcpy(dst + 9, id, len);
    return 9 + len;
}

size_t eddy__qkey_group(uint8_t *dst, uint64_t qid, const void *group, size_t len)
{
    return key_id(dst, qid, EDDY__QKEY_GROUP_TAG, group, len);
}

size_t eddy__qkey_attempt(uint8_t *dst, uint64_t qid, const void *id, size_t len)
{
    return key_id(dst, qid, EDDY__QKEY_ATTEMPT_TAG, id, len);
}

size_t eddy__qkey_dedup(uint8_t *dst, uint64_t qid, const void *group, size_t glen,
                        const void *dedup, size_t dlen)
{
    assert(glen <= EDDY__QFIFO_ID_MAX && dlen >= 1 && dlen <= EDDY__QFIFO_ID_MAX);
    eddy__qkey_fifo_prefix(dst, qid, EDDY__QKEY_DEDUP_TAG);
    dst[9] = (uint8_t)glen;
    if (glen > 0)
        memcpy(dst + 10, group, glen);
    memcpy(dst + 10 + glen, dedup, dlen);
    return 10 + glen + dlen;
}

int eddy__qkey_fifo_decode(const void *key, size_t key_len, uint64_t *qid, uint8_t *tag,
                           const uint8_t **id, size_t *id_len, eddy__ferr *err)
{
    const uint8_t *k = key;
    size_t max;

    if (key_len < 10)
        return key_len == EDDY__QKEY_TASK_LEN
                   ? EDDY_ENOTFOUND
                   : eddy__ferr_set(err, EDDY_ECORRUPT, "queue aux key of %zu bytes", key_len);
    *qid = eddy__be64_get(k);
    *tag = k[8];
    *id = k + 9;
    *id_len = key_len - 9;
    if (*tag == EDDY__QKEY_TASK_TAG && key_len == EDDY__QKEY_TASK_LEN)
        return EDDY_ENOTFOUND;
    if (*tag != EDDY__QKEY_GROUP_TAG && *tag != EDDY__QKEY_ATTEMPT_TAG &&
        *tag != EDDY__QKEY_DEDUP_TAG)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "queue aux key with tag 0x%02x", *tag);
    max = *tag == EDDY__QKEY_DEDUP_TAG ? 1 + 2 * (size_t)EDDY__QFIFO_ID_MAX : EDDY__QFIFO_ID_MAX;
    if (*id_len > max)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "FIFO key '%c' of %zu bytes", *tag, key_len);
    if (*tag == EDDY__QKEY_DEDUP_TAG && (k[9] > EDDY__QFIFO_ID_MAX || *id_len < 2u + k[9] ||
                                         *id_len - 1 - k[9] > EDDY__QFIFO_ID_MAX))
        return eddy__ferr_set(err, EDDY_ECORRUPT, "deduplication key of %zu bytes is damaged",
                              key_len);
    return 0;
}

size_t eddy__qgroup_encode(uint8_t dst[EDDY__QGROUP_MAX_LEN], const eddy__qgroup *g)
{
    eddy__wr w = eddy__wr_init(dst, EDDY__QGROUP_MAX_LEN);

    assert(g->n_recv <= EDDY__QGROUP_RECV_MAX);
    eddy__wr_u8(&w, EDDY__QGROUP_VERSION);
    eddy__wr_u64(&w, g->n_msgs);
    eddy__wr_u64(&w, g->last_deadline_ms);
    eddy__wr_u16(&w, g->n_recv);
    for (unsigned i = 0; i < g->n_recv; i++)
        eddy__wr_u64(&w, g->recv[i]);
    assert(w.ok);
    return w.len;
}

int eddy__qgroup_decode(const void *src, size_t len, eddy__qgroup *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t version = 0;
    bool ok;

    ok = eddy__rd_u8(&r, &version) && version == EDDY__QGROUP_VERSION &&
         eddy__rd_u64(&r, &out->n_msgs) && eddy__rd_u64(&r, &out->last_deadline_ms) &&
         eddy__rd_u16(&r, &out->n_recv) && out->n_recv <= EDDY__QGROUP_RECV_MAX &&
         out->n_recv <= out->n_msgs && r.left == 8u * out->n_recv;
    for (unsigned i = 0; ok && i < out->n_recv; i++)
        ok = eddy__rd_u64(&r, &out->recv[i]) && out->recv[i] != 0 &&
             (i == 0 || out->recv[i] > out->recv[i - 1]);
    if (!ok || out->n_msgs == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message group entry of %zu bytes is damaged",
                              len);
    return 0;
}

void eddy__qdedup_encode(uint8_t dst[EDDY__QDEDUP_LEN], const eddy__qdedup *d)
{
    dst[0] = EDDY__QDEDUP_VERSION;
    eddy__be64_put(dst + 1, d->expires_ms);
    eddy__be64_put(dst + 9, d->msg_id);
    eddy__be64_put(dst + 17, d->sent_ms);
}

int eddy__qdedup_decode(const void *src, size_t len, eddy__qdedup *out, eddy__ferr *err)
{
    const uint8_t *v = src;

    if (len != EDDY__QDEDUP_LEN || v[0] != EDDY__QDEDUP_VERSION)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "deduplication entry of %zu bytes is damaged",
                              len);
    out->expires_ms = eddy__be64_get(v + 1);
    out->msg_id = eddy__be64_get(v + 9);
    out->sent_ms = eddy__be64_get(v + 17);
    if (out->msg_id == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "deduplication entry names message 0");
    return 0;
}

size_t eddy__qattempt_encode(uint8_t dst[EDDY__QATTEMPT_MAX_LEN], const eddy__qattempt *a)
{
    eddy__wr w = eddy__wr_init(dst, EDDY__QATTEMPT_MAX_LEN);

    assert(a->n <= EDDY__QATTEMPT_MAX);
    eddy__wr_u8(&w, EDDY__QATTEMPT_VERSION);
    eddy__wr_u64(&w, a->expires_ms);
    eddy__wr_u16(&w, a->n);
    for (unsigned i = 0; i < a->n; i++) {
        eddy__wr_u64(&w, a->e[i].msg_id);
        eddy__wr_u32(&w, a->e[i].receive_count);
        eddy__wr_u64(&w, a->e[i].nonce);
        eddy__wr_u64(&w, a->e[i].deadline_ms);
    }
    assert(w.ok);
    return w.len;
}

int eddy__qattempt_decode(const void *src, size_t len, eddy__qattempt *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t version = 0;
    bool ok;

    ok = eddy__rd_u8(&r, &version) && version == EDDY__QATTEMPT_VERSION &&
         eddy__rd_u64(&r, &out->expires_ms) && eddy__rd_u16(&r, &out->n) &&
         out->n <= EDDY__QATTEMPT_MAX && r.left == (size_t)EDDY__QATTEMPT_ENTRY * out->n;
    for (unsigned i = 0; ok && i < out->n; i++)
        ok = eddy__rd_u64(&r, &out->e[i].msg_id) && eddy__rd_u32(&r, &out->e[i].receive_count) &&
             eddy__rd_u64(&r, &out->e[i].nonce) && eddy__rd_u64(&r, &out->e[i].deadline_ms);
    if (!ok)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "receive attempt entry of %zu bytes is damaged",
                              len);
    return 0;
}

void eddy__qseq_to_dec(uint64_t qid, uint64_t msg_id, char dst[EDDY__QSEQ_DIGITS + 1])
{
    uint8_t v[16];
    char tmp[EDDY__HASH_DIGITS + 1];
    size_t n;

    eddy__be64_put(v, qid);
    eddy__be64_put(v + 8, msg_id);
    eddy__u128_to_dec(v, tmp);
    n = strlen(tmp);
    memset(dst, '0', EDDY__QSEQ_DIGITS - n);
    memcpy(dst + EDDY__QSEQ_DIGITS - n, tmp, n + 1);
}
