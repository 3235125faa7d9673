/*
 * queue_dict.c: eddy_queue_train_dict. Samples a queue's most recent messages (read snapshot,
 * copied out), trains a zstd dictionary with ZDICT_trainFromBuffer outside any transaction,
 * stores it once (payload.c's dictionary store) and makes it the queue's dictionary for new
 * messages. Old messages keep the codec and dictionary id of their own record.
 */
#include <string.h>

#include <zdict.h>

#include "error.h"
#include "queue_int.h"

#define DICT_SAMPLES_DEFAULT 1000u
#define DICT_SAMPLES_MAX     100000u
#define DICT_LEN_DEFAULT     16384u
#define DICT_LEN_MIN         1024u
#define DICT_LEN_MAX         131072u

typedef struct samples {
    eddy__loaded *l;
    uint32_t n;
    uint8_t *buf; /* concatenated bodies */
    size_t *sizes;
    size_t len;
} samples;

/* Copy out up to max records of queue qid, newest first. */
static int sample_load(eddy_env *env, uint64_t qid, uint32_t max, samples *s)
{
    uint8_t k[EDDY__QKEY_COUNTERS_LEN];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    int rc;

    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__cur_open(env, txn, EDDY__T_QMSG, &cur)) != 0)
        goto out;
    /* The counters key is the queue's last: start there and walk back, skipping states. */
    eddy__qkey_counters(k, qid);
    key.mv_data = k;
    key.mv_size = sizeof k;
    rc = eddy__cur_get(cur, &key, &val, MDB_SET_KEY);
    for (; rc == 0 && s->n < max; rc = eddy__cur_get(cur, &key, &val, MDB_PREV)) {
        if (key.mv_size < 8 || eddy__be64_get(key.mv_data) != qid)
            break;
        if (key.mv_size != EDDY__QKEY_MSG_LEN ||
            eddy__be64_get((const uint8_t *)key.mv_data + 8) == UINT64_MAX)
            continue;
        rc =
            eddy__payload_load(env, txn, EDDY__T_QMSG, key.mv_data, key.mv_size, &val, &s->l[s->n]);
        if (rc != 0)
            break;
        s->n++;
    }
    eddy__cur_close(cur);
out:
    eddy__rtxn_end(env, txn);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Decompress the samples into one buffer (outside any transaction). */
static int sample_bodies(eddy_env *env, samples *s)
{
    uint8_t *body = NULL;
    size_t len = 0, total = 0;
    int rc;

    for (uint32_t i = 0; i < s->n; i++)
        total += s->l[i].rec.raw_len;
    if ((s->buf = eddy__malloc(env, total + 1)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for %zu bytes of samples", total);
    for (uint32_t i = 0; i < s->n; i++) {
        if ((rc = eddy__payload_body(env, &s->l[i], &body, &len)) != 0)
            return rc;
        memcpy(s->buf + s->len, body, len);
        s->sizes[i] = len;
        s->len += len;
        eddy__free(env, body);
    }
    return 0;
}

typedef struct qdict {
    const char *name;
    size_t name_len;
    uint64_t qid;
    const void *dict;
    size_t dict_len;
    uint32_t dict_id; /* out */
} qdict;

static int dict_apply(eddy__wtx *w, void *arg)
{
    qdict *a = arg;
    eddy__qcounters c;
    eddy__q q;
    int rc;

    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->qid, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0 ||
        (rc = eddy__dict_store(w, a->dict, a->dict_len, &a->dict_id)) != 0)
        return rc;
    c.dict_id = a->dict_id;
    return eddy__q_counters_put(w, q.id, &c);
}

static int train(eddy_env *env, samples *s, uint32_t cap, qdict *a, void **dict)
{
    size_t n;

    if ((*dict = eddy__malloc(env, cap)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a %u-byte dictionary", cap);
    n = ZDICT_trainFromBuffer(*dict, cap, s->buf, s->sizes, s->n);
    if (ZDICT_isError(n))
        return eddy__err(EDDY_ELIMIT,
                         "queue '%s': cannot train a dictionary from %u messages "
                         "(%zu bytes): %s",
                         a->name, s->n, s->len, ZDICT_getErrorName(n));
    a->dict = *dict;
    a->dict_len = n;
    return 0;
}

EDDY_API int eddy_queue_train_dict(eddy_env *env, const char *name, uint32_t sample_max,
                                   uint32_t dict_len_max, uint32_t *dict_id_out)
{
    void *dict = NULL;
    samples s;
    qdict a;
    eddy__q q;
    int rc;

    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(name, &a.name_len)))
        return rc;
    sample_max = sample_max == 0 ? DICT_SAMPLES_DEFAULT : sample_max;
    dict_len_max = dict_len_max == 0 ? DICT_LEN_DEFAULT : dict_len_max;
    if (sample_max > DICT_SAMPLES_MAX || dict_len_max < DICT_LEN_MIN || dict_len_max > DICT_LEN_MAX)
        return eddy__err(EDDY_EINVAL, "sample_max %u (at most %u) or dict_len_max %u (%u..%u)",
                         sample_max, DICT_SAMPLES_MAX, dict_len_max, DICT_LEN_MIN, DICT_LEN_MAX);
    if ((rc = eddy__q_get_read(env, name, a.name_len, &q)) != 0)
        return rc;
    a.name = name;
    a.qid = q.id;
    s.l = eddy__calloc(env, sample_max, sizeof *s.l);
    s.sizes = eddy__calloc(env, sample_max, sizeof *s.sizes);
    if (s.l == NULL || s.sizes == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for %u samples", sample_max);
        goto out;
    }
    if ((rc = sample_load(env, q.id, sample_max, &s)) != 0 || (rc = sample_bodies(env, &s)) ||
        (rc = train(env, &s, dict_len_max, &a, &dict)) != 0)
        goto out;
    if ((rc = eddy__write(env, dict_apply, NULL, &a)) == 0 && dict_id_out != NULL)
        *dict_id_out = a.dict_id;
out:
    for (uint32_t i = 0; s.l != NULL && i < s.n; i++)
        eddy__loaded_release(env, &s.l[i]);
    eddy__free(env, s.l);
    eddy__free(env, s.sizes);
    eddy__free(env, s.buf);
    eddy__free(env, dict);
    return rc;
}
