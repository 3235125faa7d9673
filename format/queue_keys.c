/*
 * queue_keys.c: encoders and strict decoders for the queue tables' keys and values, the queue
 * configuration, redrive tasks and receipt handles (layouts in queue_keys.h and docs/FORMAT.md
 * "Queue tables"). Decoders never read past their input and reject anything that disagrees with
 * its layout. Knows nothing of LMDB, time or threads.
 */
#include "queue_keys.h"

#include <assert.h>
#include <string.h>

#include "token.h"

static_assert(EDDY__QKEY_MSG_LEN == 16 && EDDY__QKEY_STATE_LEN == 17,
              "QMSG key layout is frozen by format version 1");
static_assert(EDDY__QKEY_VIS_LEN == 24, "QVIS key layout is frozen by format version 1");
static_assert(EDDY__QSTATE_LEN == 1 + 1 + 4 + 5 * 8 + 1, "QSTATE layout");
static_assert(EDDY__QCOUNTERS_LEN == 1 + 5 * 8 + 4 + 3 * 8, "counters layout");
static_assert(EDDY__QMETA_FIXED_LEN == 1 + 5 * 8 + 1, "QMSG meta layout");
static_assert(EDDY__RECEIPT_RAW_LEN == 1 + 8 + 8 + 4 + 8 + 4, "receipt layout");

void eddy__qkey_prefix(uint8_t dst[EDDY__QKEY_PREFIX_LEN], uint64_t qid)
{
    eddy__be64_put(dst, qid);
}

void eddy__qkey_msg(uint8_t dst[EDDY__QKEY_MSG_LEN], uint64_t qid, uint64_t msg_id)
{
    assert(msg_id != 0 && msg_id <= EDDY__QMSG_ID_MAX);
    eddy__be64_put(dst, qid);
    eddy__be64_put(dst + 8, msg_id);
}

void eddy__qkey_state(uint8_t dst[EDDY__QKEY_STATE_LEN], uint64_t qid, uint64_t msg_id)
{
    eddy__qkey_msg(dst, qid, msg_id);
    dst[16] = EDDY__QKEY_STATE_TAG;
}

void eddy__qkey_counters(uint8_t dst[EDDY__QKEY_COUNTERS_LEN], uint64_t qid)
{
    eddy__be64_put(dst, qid);
    eddy__be64_put(dst + 8, UINT64_MAX);
}

int eddy__qkey_msg_decode(const void *key, size_t key_len, uint64_t *qid, uint64_t *msg_id,
                          int *type, eddy__ferr *err)
{
    const uint8_t *k = key;

    if (key_len != EDDY__QKEY_MSG_LEN && key_len != EDDY__QKEY_STATE_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message key of %zu bytes (16 or 17 expected)",
                              key_len);
    *qid = eddy__be64_get(k);
    *msg_id = eddy__be64_get(k + 8);
    if (*msg_id == UINT64_MAX && key_len == EDDY__QKEY_COUNTERS_LEN) {
        *msg_id = 0;
        *type = EDDY__QK_COUNTERS;
        return 0;
    }
    if (*msg_id == 0 || *msg_id > EDDY__QMSG_ID_MAX)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message key with message id %llu",
                              (unsigned long long)*msg_id);
    if (key_len == EDDY__QKEY_STATE_LEN && k[16] != EDDY__QKEY_STATE_TAG)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message key with unknown tag 0x%02x", k[16]);
    *type = key_len == EDDY__QKEY_MSG_LEN ? EDDY__QK_RECORD : EDDY__QK_STATE;
    return 0;
}

void eddy__qkey_vis(uint8_t dst[EDDY__QKEY_VIS_LEN], uint64_t qid, uint64_t deadline_ms,
                    uint64_t msg_id)
{
    assert(deadline_ms <= EDDY__QDEADLINE_MAX);
    eddy__be64_put(dst, qid);
    eddy__be64_put(dst + 8, deadline_ms);
    eddy__be64_put(dst + 16, msg_id);
}

void eddy__qkey_expiry(uint8_t dst[EDDY__QKEY_EXPIRY_LEN], uint64_t qid, uint64_t enq_ms,
                       uint64_t msg_id)
{
    eddy__be64_put(dst, qid);
    dst[8] = EDDY__QKEY_EXPIRY_TAG;
    eddy__be64_put(dst + 9, enq_ms);
    eddy__be64_put(dst + 17, msg_id);
}

void eddy__qkey_expiry_prefix(uint8_t dst[EDDY__QKEY_PREFIX_LEN + 1], uint64_t qid)
{
    eddy__be64_put(dst, qid);
    dst[8] = EDDY__QKEY_EXPIRY_TAG;
}

int eddy__qkey_vis_decode(const void *key, size_t key_len, uint64_t *qid, uint64_t *when,
                          uint64_t *msg_id, int *type, eddy__ferr *err)
{
    const uint8_t *k = key;

    if (key_len == EDDY__QKEY_VIS_LEN && k[8] == 0) {
        *type = EDDY__QK_VIS;
        *when = eddy__be64_get(k + 8);
        *msg_id = eddy__be64_get(k + 16);
    } else if (key_len == EDDY__QKEY_EXPIRY_LEN && k[8] == EDDY__QKEY_EXPIRY_TAG) {
        *type = EDDY__QK_EXPIRY;
        *when = eddy__be64_get(k + 9);
        *msg_id = eddy__be64_get(k + 17);
    } else {
        return eddy__ferr_set(err, EDDY_ECORRUPT, "index key of %zu bytes with byte 8 = 0x%02x",
                              key_len, key_len > 8 ? k[8] : 0);
    }
    *qid = eddy__be64_get(k);
    if (*msg_id == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "index key with message id 0");
    return 0;
}

void eddy__qkey_task(uint8_t dst[EDDY__QKEY_TASK_LEN], uint64_t qid, uint64_t task_id)
{
    eddy__be64_put(dst, qid);
    dst[8] = EDDY__QKEY_TASK_TAG;
    eddy__be64_put(dst + 9, task_id);
}

int eddy__qkey_task_decode(const void *key, size_t key_len, uint64_t *qid, uint64_t *task_id,
                           eddy__ferr *err)
{
    const uint8_t *k = key;

    if (key_len != EDDY__QKEY_TASK_LEN || k[8] != EDDY__QKEY_TASK_TAG)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "queue aux key of %zu bytes with tag 0x%02x",
                              key_len, key_len > 8 ? k[8] : 0);
    *qid = eddy__be64_get(k);
    *task_id = eddy__be64_get(k + 9);
    if (*task_id == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "redrive task id 0");
    return 0;
}

void eddy__qstate_encode(uint8_t dst[EDDY__QSTATE_LEN], const eddy__qstate *s)
{
    assert(s->kind <= EDDY__QSTATE_INFLIGHT);
    dst[0] = EDDY__QSTATE_VERSION;
    dst[1] = s->kind;
    eddy__be32_put(dst + 2, s->receive_count);
    eddy__be64_put(dst + 6, s->deadline_ms);
    eddy__be64_put(dst + 14, s->first_receive_ms);
    eddy__be64_put(dst + 22, s->received_ms);
    eddy__be64_put(dst + 30, s->nonce);
    eddy__be64_put(dst + 38, s->enq_ms);
    dst[46] = s->indexed ? 1 : 0;
}

int eddy__qstate_decode(const void *val, size_t len, eddy__qstate *out, eddy__ferr *err)
{
    const uint8_t *v = val;

    if (len != EDDY__QSTATE_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message state of %zu bytes (%d expected)", len,
                              EDDY__QSTATE_LEN);
    if (v[0] != EDDY__QSTATE_VERSION)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message state version %u", v[0]);
    if (v[1] > EDDY__QSTATE_INFLIGHT)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message state kind %u", v[1]);
    out->kind = v[1];
    out->receive_count = eddy__be32_get(v + 2);
    out->deadline_ms = eddy__be64_get(v + 6);
    out->first_receive_ms = eddy__be64_get(v + 14);
    out->received_ms = eddy__be64_get(v + 22);
    out->nonce = eddy__be64_get(v + 30);
    out->enq_ms = eddy__be64_get(v + 38);
    if (v[46] > 1)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message state flags %u", v[46]);
    out->indexed = v[46];
    out->stored = 1;
    if (out->kind == EDDY__QSTATE_INFLIGHT && out->receive_count == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "in-flight message state with receive count 0");
    if (out->deadline_ms > EDDY__QDEADLINE_MAX) /* it is a QVIS key's field: 7 bytes */
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message state deadline %llu out of range",
                              (unsigned long long)out->deadline_ms);
    return 0;
}

int eddy__qvis_val_decode(const void *val, size_t len, uint8_t *kind, eddy__ferr *err)
{
    const uint8_t *v = val;

    if (len != 1 || v[0] > EDDY__QSTATE_INFLIGHT)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "visibility entry value of %zu bytes", len);
    *kind = v[0];
    return 0;
}

void eddy__qcounters_encode(uint8_t dst[EDDY__QCOUNTERS_LEN], const eddy__qcounters *c)
{
    assert(c->n_inflight <= c->n_msgs);
    dst[0] = EDDY__QCOUNTERS_VERSION;
    eddy__be64_put(dst + 1, c->next_msg_id);
    eddy__be64_put(dst + 9, c->n_msgs);
    eddy__be64_put(dst + 17, c->n_inflight);
    eddy__be64_put(dst + 25, c->next_task_id);
    eddy__be64_put(dst + 33, c->bytes);
    eddy__be32_put(dst + 41, c->dict_id);
    eddy__be64_put(dst + 45, c->plain_lo);
    eddy__be64_put(dst + 53, c->n_plain);
    eddy__be64_put(dst + 61, c->enq_floor);
}

int eddy__qcounters_decode(const void *val, size_t len, eddy__qcounters *out, eddy__ferr *err)
{
    const uint8_t *v = val;

    if (len != EDDY__QCOUNTERS_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "queue counters of %zu bytes (%d expected)", len,
                              EDDY__QCOUNTERS_LEN);
    if (v[0] != EDDY__QCOUNTERS_VERSION)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "queue counters version %u", v[0]);
    out->next_msg_id = eddy__be64_get(v + 1);
    out->n_msgs = eddy__be64_get(v + 9);
    out->n_inflight = eddy__be64_get(v + 17);
    out->next_task_id = eddy__be64_get(v + 25);
    out->bytes = eddy__be64_get(v + 33);
    out->dict_id = eddy__be32_get(v + 41);
    out->plain_lo = eddy__be64_get(v + 45);
    out->n_plain = eddy__be64_get(v + 53);
    out->enq_floor = eddy__be64_get(v + 61);
    if (out->n_inflight > out->n_msgs || out->next_msg_id == 0 || out->next_task_id == 0 ||
        out->n_plain > out->n_msgs - out->n_inflight)
        return eddy__ferr_set(err, EDDY_ECORRUPT,
                              "queue counters disagree: in flight %llu and plain %llu of %llu, "
                              "next id %llu",
                              (unsigned long long)out->n_inflight, (unsigned long long)out->n_plain,
                              (unsigned long long)out->n_msgs,
                              (unsigned long long)out->next_msg_id);
    return 0;
}

size_t eddy__qattr_len(const eddy__qattr *a)
{
    return (size_t)2 + a->name_len + 2 + a->type_len + 4 + a->value_len;
}

void eddy__qattr_put(eddy__wr *w, const eddy__qattr *a)
{
    eddy__wr_u16(w, a->name_len);
    eddy__wr_bytes(w, a->name, a->name_len);
    eddy__wr_u16(w, a->type_len);
    eddy__wr_bytes(w, a->type, a->type_len);
    eddy__wr_u32(w, a->value_len);
    eddy__wr_bytes(w, a->value, a->value_len);
}

bool eddy__qattr_next(eddy__rd *r, eddy__qattr *a)
{
    eddy__rd t = *r;

    if (!eddy__rd_u16(&t, &a->name_len) || !eddy__rd_bytes(&t, a->name_len, &a->name))
        return false;
    if (!eddy__rd_u16(&t, &a->type_len) || !eddy__rd_bytes(&t, a->type_len, &a->type))
        return false;
    if (!eddy__rd_u32(&t, &a->value_len) || !eddy__rd_bytes(&t, a->value_len, &a->value))
        return false;
    *r = t;
    return true;
}

size_t eddy__qmeta_attrs_off(const eddy__qmeta *m)
{
    if (m->group_len == 0)
        return EDDY__QMETA_FIXED_LEN;
    return (size_t)EDDY__QMETA_FIXED_LEN + 2 + m->group_len + m->dedup_len;
}

size_t eddy__qmeta_len(const eddy__qmeta *m)
{
    return eddy__qmeta_attrs_off(m) + m->attrs_len;
}

int eddy__qmeta_encode(uint8_t *dst, size_t dst_cap, const eddy__qmeta *m, size_t *len_out)
{
    eddy__wr w = eddy__wr_init(dst, dst_cap);

    assert(m->attr_count <= EDDY__QATTRS_MAX);
    *len_out = eddy__qmeta_len(m);
    assert(m->group_len <= EDDY__QFIFO_ID_MAX && m->dedup_len <= EDDY__QFIFO_ID_MAX);
    eddy__wr_u8(&w, m->group_len > 0 ? EDDY__QMETA_VERSION_2 : EDDY__QMETA_VERSION);
    eddy__wr_u64(&w, m->sent_ms);
    eddy__wr_u64(&w, m->origin_qid);
    eddy__wr_u64(&w, m->origin_msg_id);
    eddy__wr_u64(&w, m->body_xxh3);
    eddy__wr_u64(&w, m->enq_ms);
    eddy__wr_u8(&w, m->attr_count);
    if (m->group_len > 0) {
        eddy__wr_u8(&w, m->group_len);
        eddy__wr_bytes(&w, m->group, m->group_len);
        eddy__wr_u8(&w, m->dedup_len);
        eddy__wr_bytes(&w, m->dedup, m->dedup_len);
    }
    eddy__wr_bytes(&w, m->attrs, m->attrs_len);
    if (!w.ok)
        return EDDY_EBUFS;
    assert(w.len == *len_out);
    return 0;
}

void eddy__qmeta_set_times(uint8_t *meta, size_t meta_len, uint64_t sent_ms, uint64_t enq_ms)
{
    assert(meta_len >= EDDY__QMETA_FIXED_LEN &&
           (meta[0] == EDDY__QMETA_VERSION || meta[0] == EDDY__QMETA_VERSION_2));
    (void)meta_len;
    eddy__be64_put(meta + 1, sent_ms);
    eddy__be64_put(meta + 33, enq_ms);
}

void eddy__qmeta_set_origin(uint8_t *meta, size_t meta_len, uint64_t origin_qid,
                            uint64_t origin_msg_id)
{
    assert(meta_len >= EDDY__QMETA_FIXED_LEN &&
           (meta[0] == EDDY__QMETA_VERSION || meta[0] == EDDY__QMETA_VERSION_2));
    (void)meta_len;
    eddy__be64_put(meta + 9, origin_qid);
    eddy__be64_put(meta + 17, origin_msg_id);
}

static int qattr_check(const eddy__qattr *a, unsigned i, eddy__ferr *err)
{
    if (a->name_len == 0 || a->name_len > EDDY__QATTR_NAME_MAX)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "attribute %u has a name of %u bytes", i,
                              a->name_len);
    if (a->type_len == 0 || a->type_len > EDDY__QATTR_TYPE_MAX)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "attribute %u has a type of %u bytes", i,
                              a->type_len);
    if (a->value_len == 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "attribute %u has an empty value", i);
    return 0;
}

int eddy__qmeta_decode(const void *src, size_t len, eddy__qmeta *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t version = 0;
    eddy__qattr a;
    int rc;

    if (len < EDDY__QMETA_FIXED_LEN)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message meta of %zu bytes is too short", len);
    eddy__rd_u8(&r, &version);
    if (version != EDDY__QMETA_VERSION && version != EDDY__QMETA_VERSION_2)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message meta version %u", version);
    eddy__rd_u64(&r, &out->sent_ms);
    eddy__rd_u64(&r, &out->origin_qid);
    eddy__rd_u64(&r, &out->origin_msg_id);
    eddy__rd_u64(&r, &out->body_xxh3);
    eddy__rd_u64(&r, &out->enq_ms);
    eddy__rd_u8(&r, &out->attr_count);
    if (out->attr_count > EDDY__QATTRS_MAX)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message meta with %u attributes",
                              out->attr_count);
    out->group = out->dedup = NULL;
    out->group_len = out->dedup_len = 0;
    if (version == EDDY__QMETA_VERSION_2) {
        bool ok = eddy__rd_u8(&r, &out->group_len) && out->group_len > 0 &&
                  out->group_len <= EDDY__QFIFO_ID_MAX &&
                  eddy__rd_bytes(&r, out->group_len, &out->group) &&
                  eddy__rd_u8(&r, &out->dedup_len) && out->dedup_len <= EDDY__QFIFO_ID_MAX &&
                  eddy__rd_bytes(&r, out->dedup_len, &out->dedup);
        if (!ok)
            return eddy__ferr_set(err, EDDY_ECORRUPT,
                                  "FIFO message meta: bad group or "
                                  "deduplication id");
    }
    out->attrs = r.p;
    out->attrs_len = (uint32_t)r.left;
    for (unsigned i = 0; i < out->attr_count; i++) {
        if (!eddy__qattr_next(&r, &a))
            return eddy__ferr_set(err, EDDY_ECORRUPT, "attribute %u is truncated", i);
        if ((rc = qattr_check(&a, i, err)) != 0)
            return rc;
    }
    if (r.left != 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "message meta has %zu trailing bytes", r.left);
    return 0;
}

static void put_name(eddy__wr *w, const char *name)
{
    size_t n = strlen(name);
    assert(n <= EDDY__QNAME_MAX);
    eddy__wr_u8(w, (uint8_t)n);
    eddy__wr_bytes(w, name, n);
}

static bool get_name(eddy__rd *r, char dst[EDDY__QNAME_MAX + 1], bool allow_empty)
{
    uint8_t n = 0;
    const uint8_t *p;

    if (!eddy__rd_u8(r, &n) || n > EDDY__QNAME_MAX || (n == 0 && !allow_empty))
        return false;
    if (!eddy__rd_bytes(r, n, &p))
        return false;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return memchr(dst, '\0', n) == NULL;
}

int eddy__qcfg_encode(uint8_t *dst, size_t dst_cap, const eddy__qcfg *c, size_t *len_out)
{
    eddy__wr w = eddy__wr_init(dst, dst_cap);

    assert(c->n_allow <= EDDY__QCFG_ALLOW_MAX);
    eddy__wr_u8(&w, c->fifo ? EDDY__QCFG_VERSION_2 : EDDY__QCFG_VERSION);
    eddy__wr_u32(&w, c->visibility_timeout_ms);
    eddy__wr_u32(&w, c->delay_ms);
    eddy__wr_u64(&w, c->retention_ms);
    eddy__wr_u32(&w, c->body_len_max);
    eddy__wr_u32(&w, c->receive_wait_ms);
    eddy__wr_u32(&w, c->max_receive_count);
    eddy__wr_u32(&w, c->in_flight_max);
    eddy__wr_u32(&w, c->batch_max);
    put_name(&w, c->dlq);
    eddy__wr_u8(&w, c->redrive_allow);
    eddy__wr_u8(&w, c->n_allow);
    for (unsigned i = 0; i < c->n_allow; i++)
        put_name(&w, c->allow[i]);
    if (c->fifo) {
        eddy__wr_u8(&w, 1);
        eddy__wr_u8(&w, c->content_dedup);
        eddy__wr_u8(&w, c->dedup_scope);
        eddy__wr_u8(&w, c->throughput);
    }
    *len_out = w.len;
    return w.ok ? 0 : EDDY_EBUFS;
}

int eddy__qcfg_decode(const void *src, size_t len, eddy__qcfg *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t version = 0;
    bool ok;

    memset(out, 0, sizeof *out);
    ok = eddy__rd_u8(&r, &version) &&
         (version == EDDY__QCFG_VERSION || version == EDDY__QCFG_VERSION_2);
    ok = ok && eddy__rd_u32(&r, &out->visibility_timeout_ms);
    ok = ok && eddy__rd_u32(&r, &out->delay_ms);
    ok = ok && eddy__rd_u64(&r, &out->retention_ms);
    ok = ok && eddy__rd_u32(&r, &out->body_len_max);
    ok = ok && eddy__rd_u32(&r, &out->receive_wait_ms);
    ok = ok && eddy__rd_u32(&r, &out->max_receive_count);
    ok = ok && eddy__rd_u32(&r, &out->in_flight_max);
    ok = ok && eddy__rd_u32(&r, &out->batch_max);
    ok = ok && get_name(&r, out->dlq, true);
    ok = ok && eddy__rd_u8(&r, &out->redrive_allow) && out->redrive_allow <= 2;
    ok = ok && eddy__rd_u8(&r, &out->n_allow) && out->n_allow <= EDDY__QCFG_ALLOW_MAX;
    for (unsigned i = 0; ok && i < out->n_allow; i++)
        ok = get_name(&r, out->allow[i], false);
    if (ok && version == EDDY__QCFG_VERSION_2) {
        ok = eddy__rd_u8(&r, &out->fifo) && out->fifo == 1 &&
             eddy__rd_u8(&r, &out->content_dedup) && out->content_dedup <= 1 &&
             eddy__rd_u8(&r, &out->dedup_scope) && out->dedup_scope <= EDDY__QDEDUP_SCOPE_GROUP &&
             eddy__rd_u8(&r, &out->throughput) && out->throughput <= EDDY__QTHROUGHPUT_GROUP;
    }
    if (!ok || r.left != 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "queue configuration of %zu bytes is damaged",
                              len);
    return 0;
}

int eddy__qtask_encode(uint8_t *dst, size_t dst_cap, const eddy__qtask *t, size_t *len_out)
{
    eddy__wr w = eddy__wr_init(dst, dst_cap);
    size_t n = strlen(t->reason);

    assert(t->status >= EDDY__QTASK_RUNNING && t->status <= EDDY__QTASK_FAILED);
    assert(n <= EDDY__QTASK_REASON_MAX);
    eddy__wr_u8(&w, EDDY__QTASK_VERSION);
    eddy__wr_u8(&w, t->status);
    eddy__wr_u32(&w, t->max_per_s);
    eddy__wr_u64(&w, t->started_ms);
    eddy__wr_u64(&w, t->updated_ms);
    eddy__wr_u64(&w, t->moved);
    eddy__wr_u64(&w, t->to_move);
    eddy__wr_u64(&w, t->end_msg_id);
    eddy__wr_u64(&w, t->dest_qid);
    eddy__wr_u8(&w, (uint8_t)n);
    eddy__wr_bytes(&w, t->reason, n);
    *len_out = w.len;
    return w.ok ? 0 : EDDY_EBUFS;
}

int eddy__qtask_decode(const void *src, size_t len, eddy__qtask *out, eddy__ferr *err)
{
    eddy__rd r = eddy__rd_init(src, len);
    uint8_t version = 0, n = 0;
    const uint8_t *p = NULL;
    bool ok;

    memset(out, 0, sizeof *out);
    ok = eddy__rd_u8(&r, &version) && version == EDDY__QTASK_VERSION;
    ok = ok && eddy__rd_u8(&r, &out->status);
    ok = ok && out->status >= EDDY__QTASK_RUNNING && out->status <= EDDY__QTASK_FAILED;
    ok = ok && eddy__rd_u32(&r, &out->max_per_s);
    ok = ok && eddy__rd_u64(&r, &out->started_ms);
    ok = ok && eddy__rd_u64(&r, &out->updated_ms);
    ok = ok && eddy__rd_u64(&r, &out->moved);
    ok = ok && eddy__rd_u64(&r, &out->to_move);
    ok = ok && eddy__rd_u64(&r, &out->end_msg_id);
    ok = ok && eddy__rd_u64(&r, &out->dest_qid);
    ok = ok && eddy__rd_u8(&r, &n) && n <= EDDY__QTASK_REASON_MAX;
    ok = ok && eddy__rd_bytes(&r, n, &p) && (n == 0 || memchr(p, '\0', n) == NULL);
    if (!ok || r.left != 0)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "redrive task of %zu bytes is damaged", len);
    if (n > 0)
        memcpy(out->reason, p, n);
    out->reason[n] = '\0';
    return 0;
}

void eddy__receipt_encode(char dst[EDDY__RECEIPT_LEN + 1], const eddy__receipt *r)
{
    uint8_t raw[EDDY__RECEIPT_RAW_LEN];

    raw[0] = EDDY__RECEIPT_VERSION;
    eddy__be64_put(raw + 1, r->qid);
    eddy__be64_put(raw + 9, r->msg_id);
    eddy__be32_put(raw + 17, r->receive_count);
    eddy__be64_put(raw + 21, r->nonce);
    eddy__token_encode(dst, raw, sizeof raw); /* check digits at raw + 29 */
}

int eddy__receipt_decode(const char *src, eddy__receipt *out, eddy__ferr *err)
{
    uint8_t raw[EDDY__RECEIPT_RAW_LEN];
    size_t n = 0;
    int t = eddy__token_decode(src, raw, sizeof raw, &n);

    if (t == EDDY__TOKEN_BAD_LEN)
        return eddy__ferr_set(err, EDDY_EINVAL, "receipt handle of %zu characters (%d expected)", n,
                              EDDY__RECEIPT_LEN);
    if (t == EDDY__TOKEN_BAD_HEX)
        return eddy__ferr_set(err, EDDY_EINVAL,
                              "receipt handle has a non-hex character at offset %zu", n);
    if (raw[0] != EDDY__RECEIPT_VERSION)
        return eddy__ferr_set(err, EDDY_EINVAL, "receipt handle of unknown version %u", raw[0]);
    if (!eddy__token_check_ok(raw, sizeof raw))
        return eddy__ferr_set(err, EDDY_EINVAL, "receipt handle fails its check digits");
    out->qid = eddy__be64_get(raw + 1);
    out->msg_id = eddy__be64_get(raw + 9);
    out->receive_count = eddy__be32_get(raw + 17);
    out->nonce = eddy__be64_get(raw + 21);
    if (out->msg_id == 0 || out->msg_id > EDDY__QMSG_ID_MAX || out->receive_count == 0)
        return eddy__ferr_set(err, EDDY_EINVAL, "receipt handle names no message");
    return 0;
}
