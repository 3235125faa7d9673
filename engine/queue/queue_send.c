/*
 * queue_send.c: eddy_queue_send and eddy_queue_send_batch. Everything that can be done before
 * the write transaction is: validation (so bad input changes nothing and costs no commit), the
 * body checksum, the meta encoding and compression run in the caller's thread; the write op only
 * assigns ids and times and stores. One batch is one op, hence one commit.
 */
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "abi.h"
#include "error.h"
#include "fifo_keys.h"
#include "queue_int.h"
#include "sha256.h"

typedef struct qsend {
    const char *name;
    size_t name_len;
    uint64_t qid;
    size_t n;
    eddy__qentry *e;
    eddy_queue_send_result *results;
} qsend;

static int attr_name_check(const char *name, size_t *len)
{
    size_t n = name != NULL ? strnlen(name, EDDY__QATTR_NAME_MAX + 1) : 0;

    *len = n;
    if (n == 0 || n > EDDY__QATTR_NAME_MAX)
        return eddy__err(EDDY_EINVAL, "attribute name of %zu bytes (1..%d allowed)", n,
                         EDDY__QATTR_NAME_MAX);
    if (name[0] == '.' || name[n - 1] == '.' || strstr(name, "..") != NULL)
        return eddy__err(EDDY_EINVAL, "attribute name '%s' starts or ends with '.' or has '..'",
                         name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        if (!ok)
            return eddy__err(EDDY_EINVAL, "attribute name '%s' has an invalid character at %zu",
                             name, i);
    }
    return 0;
}

static int attr_type_check(const char *type, size_t *len)
{
    static const char *const base[] = {"String", "Number", "Binary"};
    size_t n = type != NULL ? strnlen(type, EDDY__QATTR_TYPE_MAX + 1) : 0;

    *len = n;
    if (n == 0 || n > EDDY__QATTR_TYPE_MAX)
        return eddy__err(EDDY_EINVAL, "attribute type of %zu bytes (1..%d allowed)", n,
                         EDDY__QATTR_TYPE_MAX);
    for (int i = 0; i < 3; i++) {
        if (strncmp(type, base[i], 6) != 0)
            continue;
        if (n == 6 || (type[6] == '.' && n > 7))
            return 0;
    }
    return eddy__err(EDDY_EINVAL, "attribute type '%s' is not String, Number or Binary[.suffix]",
                     type);
}

/* Check the attributes and encode them as the attribute area; *size_out is their SQS size. */
static int attrs_check(const eddy_queue_send_entry *m, size_t *size_out, size_t *area_len)
{
    size_t nl, tl, nl2;
    int rc;

    *size_out = *area_len = 0;
    if (m->attr_count > EDDY__QATTRS_MAX)
        return eddy__err(EDDY_EINVAL, "%zu message attributes (at most %d)", m->attr_count,
                         EDDY__QATTRS_MAX);
    if (m->attr_count > 0 && m->attrs == NULL)
        return eddy__err(EDDY_EINVAL, "attrs is NULL with attr_count %zu", m->attr_count);
    for (size_t i = 0; i < m->attr_count; i++) {
        const eddy_queue_attr *a = &m->attrs[i];
        if ((rc = attr_name_check(a->name, &nl)) != 0 || (rc = attr_type_check(a->type, &tl)))
            return rc;
        if (a->value.len == 0 || a->value.data == NULL)
            return eddy__err(EDDY_EINVAL, "attribute '%s' has an empty value", a->name);
        for (size_t j = 0; j < i; j++)
            if (attr_name_check(m->attrs[j].name, &nl2) == 0 && nl2 == nl &&
                memcmp(m->attrs[j].name, a->name, nl) == 0)
                return eddy__err(EDDY_EINVAL, "attribute '%s' is given twice", a->name);
        *size_out += nl + tl + a->value.len;
        *area_len += 2 + nl + 2 + tl + 4 + a->value.len;
    }
    return 0;
}

/* A FIFO queue's entries name a group (and may name a deduplication id); a standard queue's
 * name neither. The rule that a send needs a deduplication id is send_prepare's (a restore
 * brings messages that were already deduplicated). */
static int fifo_check(const eddy__q *q, const eddy_queue_send_entry *m)
{
    size_t n;
    int rc;

    if (!q->cfg.fifo) {
        if (m->group_id != NULL || m->dedup_id != NULL)
            return eddy__err(EDDY_EINVAL,
                             "queue '%s' is not FIFO: a message group or deduplication id "
                             "does not apply",
                             q->name);
        return 0;
    }
    if (m->group_id == NULL)
        return eddy__err(EDDY_EINVAL, "FIFO queue '%s' needs a message group id", q->name);
    if ((rc = eddy__q_fifo_id_check("message group id", m->group_id, &n)) != 0)
        return rc;
    if (m->dedup_id != NULL &&
        (rc = eddy__q_fifo_id_check("message deduplication id", m->dedup_id, &n)) != 0)
        return rc;
    if (m->delay_ms != 0)
        return eddy__err(EDDY_EINVAL,
                         "FIFO queue '%s': a message cannot have its own delay (SQS allows only "
                         "the queue's delay_ms)",
                         q->name);
    return 0;
}

int eddy__q_entry_check(const eddy__q *q, const eddy_queue_send_entry *m, size_t *size,
                        size_t *area_len)
{
    int rc;

    if (m->body.len == 0 || m->body.data == NULL)
        return eddy__err(EDDY_EINVAL, "message body is empty");
    if (m->delay_ms != EDDY_QUEUE_ZERO_MS && m->delay_ms > EDDY__Q_DELAY_MAX)
        return eddy__err(EDDY_EINVAL, "delay_ms %u out of range 0..%u", m->delay_ms,
                         EDDY__Q_DELAY_MAX);
    if ((rc = attrs_check(m, size, area_len)) != 0 || (rc = fifo_check(q, m)) != 0)
        return rc;
    *size += m->body.len;
    if (*size > q->cfg.body_len_max)
        return eddy__err(EDDY_ETOOBIG, "message too large for queue '%s': %zu > body_len_max %u",
                         q->name, *size, q->cfg.body_len_max);
    if (*area_len + EDDY__QMETA_FIXED_LEN > EDDY__REC_META_MAX)
        return eddy__err(EDDY_ETOOBIG, "message attributes of %zu bytes (at most %u)", *area_len,
                         EDDY__REC_META_MAX - EDDY__QMETA_FIXED_LEN);
    return 0;
}

int eddy__q_entry_prepare(eddy_env *env, const eddy__q *q, uint32_t dict_id,
                          const eddy_queue_send_entry *m, size_t area_len, eddy__qentry *e)
{
    char sha[2 * EDDY__SHA256_LEN + 1];
    eddy__qmeta meta;
    eddy__wr w;
    uint8_t *area;
    int rc;

    e->delay_ms =
        m->delay_ms == 0 ? q->cfg.delay_ms : (m->delay_ms == EDDY_QUEUE_ZERO_MS ? 0 : m->delay_ms);
    memset(&meta, 0, sizeof meta);
    meta.body_xxh3 = XXH3_64bits(m->body.data, m->body.len);
    meta.attr_count = (uint8_t)m->attr_count;
    meta.attrs_len = (uint32_t)area_len;
    if (q->cfg.fifo) {
        /* SQS content-based deduplication: SHA-256 of the body only, in hex. */
        const char *dedup = m->dedup_id;
        if (dedup == NULL && q->cfg.content_dedup) {
            eddy__sha256_hex(m->body.data, m->body.len, sha);
            dedup = sha;
        }
        meta.group = (const uint8_t *)m->group_id;
        meta.group_len = (uint8_t)strlen(m->group_id);
        meta.dedup = (const uint8_t *)dedup;
        meta.dedup_len = dedup != NULL ? (uint8_t)strlen(dedup) : 0;
    }
    e->meta_len = eddy__qmeta_len(&meta);
    if ((e->meta = eddy__malloc(env, e->meta_len)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory encoding a message");
    /* The attribute area goes at the end of the meta: encode it there, then the fixed part. */
    area = e->meta + eddy__qmeta_attrs_off(&meta);
    w = eddy__wr_init(area, area_len);
    for (size_t i = 0; i < m->attr_count; i++) {
        eddy__qattr a;
        a.name = (const uint8_t *)m->attrs[i].name;
        a.name_len = (uint16_t)strlen(m->attrs[i].name);
        a.type = (const uint8_t *)m->attrs[i].type;
        a.type_len = (uint16_t)strlen(m->attrs[i].type);
        a.value = m->attrs[i].value.data;
        a.value_len = (uint32_t)m->attrs[i].value.len;
        eddy__qattr_put(&w, &a);
    }
    EDDY_ASSERT(w.ok && w.len == area_len);
    meta.attrs = area;
    if (eddy__qmeta_encode(e->meta, e->meta_len, &meta, &e->meta_len) != 0)
        return eddy__err(EDDY_EINTERNAL, "message meta does not encode");
    if (dict_id != 0)
        rc = eddy__payload_prepare_dict(env, m->body.data, m->body.len, dict_id, &e->p);
    else
        rc = eddy__payload_prepare(env, m->body.data, m->body.len, &e->p);
    e->prepared = rc == 0;
    return rc;
}

static int send_apply(eddy__wtx *w, void *arg)
{
    qsend *a = arg;
    eddy__qcounters c;
    eddy__qstate s;
    eddy__q q;
    int rc;

    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    for (size_t i = 0; i < a->n; i++) {
        eddy__qentry *e = &a->e[i];
        eddy_queue_send_result *r = &a->results[i];
        int dup = 0;
        if (e->rc != 0)
            continue;
        /* FIFO: a deduplication id seen within the interval stores nothing (queue_dedup.c). */
        if (q.cfg.fifo && (rc = eddy__q_dedup_check(w, &q, e->meta, e->meta_len, r, &dup)) != 0)
            return rc;
        if (dup)
            continue;
        memset(&s, 0, sizeof s);
        s.kind = EDDY__QSTATE_WAITING;
        s.deadline_ms = w->now_ms + e->delay_ms;
        s.enq_ms = w->now_ms;
        eddy__qmeta_set_times(e->meta, e->meta_len, w->now_ms, w->now_ms);
        rc = eddy__q_msg_insert(w, q.id, &c, e->meta, e->meta_len, &e->p, &s, &r->msg_id);
        if (rc != 0)
            return rc;
        r->sent_ms = w->now_ms;
        if (q.cfg.fifo) {
            eddy__qseq_to_dec(q.id, r->msg_id, r->sequence_number);
            if ((rc = eddy__q_dedup_put(w, &q, e->meta, e->meta_len, r->msg_id)) != 0)
                return rc;
        }
    }
    return eddy__q_counters_put(w, q.id, &c);
}

void eddy__q_entries_release(eddy_env *env, eddy__qentry *e, size_t n)
{
    for (size_t i = 0; e != NULL && i < n; i++) {
        if (e[i].prepared)
            eddy__payload_release(env, &e[i].p);
        eddy__free(env, e[i].meta);
    }
    eddy__free(env, e);
}

/* SQS BatchRequestTooLong: nothing is stored, and every entry reports EDDY_ETOOBIG. */
static int batch_too_big(const eddy__q *q, qsend *a, size_t first, size_t total)
{
    for (size_t i = 0; i < a->n; i++)
        a->results[i].rc = EDDY_ETOOBIG;
    if (first < a->n)
        return eddy__err(EDDY_ETOOBIG,
                         "batch refused whole: entry %zu is too large for queue '%s' (%zu bytes "
                         "in all, body_len_max %u)",
                         first, q->name, total, q->cfg.body_len_max);
    return eddy__err(EDDY_ETOOBIG, "batch too large for queue '%s': %zu > body_len_max %u", q->name,
                     total, q->cfg.body_len_max);
}

/* Validate and prepare every entry; per-entry failures land in results[i].rc. */
static int send_prepare(eddy_env *env, const eddy__q *q, uint32_t dict,
                        const eddy_queue_send_entry *entries, qsend *a)
{
    size_t total = 0, size = 0, area = 0, too_big = a->n;
    int rc;

    for (size_t i = 0; i < a->n; i++) {
        memset(&a->results[i], 0, sizeof a->results[i]);
        size = area = 0;
        rc = eddy__q_entry_check(q, &entries[i], &size, &area);
        if (rc == 0 && q->cfg.fifo && entries[i].dedup_id == NULL && !q->cfg.content_dedup)
            rc = eddy__err(EDDY_EINVAL,
                           "FIFO queue '%s' has no content-based deduplication: the message "
                           "needs a deduplication id",
                           q->name);
        if (rc == 0)
            rc = eddy__q_entry_prepare(env, q, dict, &entries[i], area, &a->e[i]);
        if (rc == EDDY_ENOMEM || rc == EDDY_EINTERNAL)
            return rc;
        a->e[i].rc = a->results[i].rc = eddy__err_entry(rc);
        a->results[i].body_xxh3 =
            rc == 0 ? XXH3_64bits(entries[i].body.data, entries[i].body.len) : 0;
        /* Oversize entries count too: the size rule is about the whole batch. */
        total += (rc == 0 || rc == EDDY_ETOOBIG) ? size : 0;
        if (rc == EDDY_ETOOBIG && too_big == a->n)
            too_big = i;
    }
    if (a->n == 1 && too_big == 0)
        return EDDY_ETOOBIG; /* the entry's own message says why */
    if (too_big < a->n || total > q->cfg.body_len_max)
        return batch_too_big(q, a, too_big, total);
    return 0;
}

int eddy__q_batch_begin(eddy_env *env, const char *name, const void *entries, const void *results,
                        size_t n, int single, eddy__q_batch *b)
{
    int rc;

    memset(b, 0, sizeof *b);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(name, &b->name_len)))
        return rc;
    if (entries == NULL || results == NULL || n == 0)
        return eddy__err(EDDY_EINVAL, "a batch needs entries, results and n > 0");
    /* The queue and its current dictionary, in one read snapshot. */
    if ((rc = eddy__q_read(env, name, b->name_len, &b->q, &b->c)) != 0)
        return rc;
    if (!single && n > b->q.cfg.batch_max)
        return eddy__err(EDDY_ELIMIT, "batch of %zu entries for queue '%s' (batch_max %u)", n, name,
                         b->q.cfg.batch_max);
    if ((b->e = eddy__calloc(env, n, sizeof *b->e)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a batch of %zu", n);
    return 0;
}

static int send_many(eddy_env *env, const char *name, const eddy_queue_send_entry *entries,
                     size_t n, eddy_queue_send_result *results, int single)
{
    eddy__q_batch b;
    qsend a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__q_batch_begin(env, name, entries, results, n, single, &b)) != 0)
        return rc;
    a.name = name;
    a.name_len = b.name_len;
    a.qid = b.q.id;
    a.n = n;
    a.e = b.e;
    a.results = results;
    if ((rc = send_prepare(env, &b.q, b.c.dict_id, entries, &a)) != 0)
        goto out;
    if (single && results[0].rc != 0) {
        rc = results[0].rc;
        goto out;
    }
    rc = eddy__write_adding(env, send_apply, eddy__q_wake, &a);
out:
    eddy__q_entries_release(env, a.e, a.n);
    return rc;
}

EDDY_API int eddy_queue_send(eddy_env *env, const char *name, const eddy_queue_send_entry *msg,
                             eddy_queue_send_result *out)
{
    eddy_queue_send_entry e;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    int rc = eddy__env_enter_write(env);

    if (rc == 0 && msg != NULL)
        rc = eddy__struct_in(&e, sizeof e, msg, EDDY__SIZE_V1(eddy_queue_send_entry),
                             "eddy_queue_send_entry");
    if (rc == 0 && out != NULL)
        rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_queue_send_result),
                                    "eddy_queue_send_result");
    if (rc != 0)
        return rc;
    rc = send_many(env, name, msg != NULL ? &e : NULL, msg != NULL ? 1 : 0, &r, 1);
    r.size = sizeof r;
    if (rc == 0 && out != NULL)
        eddy__struct_out(out, &r, sizeof r);
    return rc;
}

EDDY_API int eddy_queue_send_batch(eddy_env *env, const char *name,
                                   const eddy_queue_send_entry *entries, size_t n,
                                   eddy_queue_send_result *results)
{
    const void *in = NULL;
    void *tmp_in = NULL, *tmp_out = NULL, *work = NULL;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if ((rc = eddy__array_in(env, entries, n, sizeof *entries, EDDY__SIZE_V1(eddy_queue_send_entry),
                             "eddy_queue_send_entry", &in, &tmp_in)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, results, n, sizeof *results,
                                    EDDY__SIZE_V1(eddy_queue_send_result), "eddy_queue_send_result",
                                    &work, &tmp_out)) != 0)
        goto out;
    rc = send_many(env, name, in, n, work, 0);
    eddy__array_out_end(results, work, n, sizeof *results);
out:
    eddy__free(env, tmp_in);
    eddy__free(env, tmp_out);
    return rc;
}
