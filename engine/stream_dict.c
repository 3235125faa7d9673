/*
 * stream_dict.c: eddy_stream_train_dict. Samples the stream's newest records (read snapshot,
 * copied out), trains a zstd dictionary outside any transaction, stores it once (payload.c's
 * dictionary store) and records its id in the stream's configuration, so new records are
 * compressed with it. Old records keep their own codec. Never calls mdb_*.
 */
#include <string.h>

#include <zdict.h>

#include "bytes.h"
#include "error.h"
#include "stream_int.h"

#define DICT_SAMPLES_DEFAULT 1000u
#define DICT_SAMPLES_MAX     100000u
#define DICT_LEN_DEFAULT     16384u
#define DICT_LEN_MIN         1024u
#define DICT_LEN_MAX         131072u

/* Blocks loaded (newest first), then their records' data as zstd training samples. */
typedef struct samples {
    eddy__loaded *l;
    eddy__sblock_meta *m;
    uint32_t n;       /* blocks */
    uint64_t records; /* records in them */
    size_t n_samples;
    uint8_t *buf;
    size_t *sizes;
    size_t len;
} samples;

/* Position at the stream's last record (its key range ends before stream id + 1). */
static int seek_last(MDB_cursor *cur, uint64_t sid, MDB_val *key, MDB_val *val)
{
    uint8_t k[8];
    int rc;

    eddy__be64_put(k, sid + 1);
    key->mv_data = k;
    key->mv_size = sizeof k;
    rc = eddy__cur_get(cur, key, val, MDB_SET_RANGE);
    if (rc == 0)
        return eddy__cur_get(cur, key, val, MDB_PREV);
    return rc == EDDY_ENOTFOUND ? eddy__cur_get(cur, key, val, MDB_LAST) : rc;
}

static int sample_load(eddy_env *env, uint64_t sid, uint32_t max, samples *s)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    int rc;

    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__cur_open(env, txn, EDDY__T_SREC, &cur)) != 0)
        goto out;
    for (rc = seek_last(cur, sid, &key, &val); rc == 0 && s->n < max && s->records < max;
         rc = eddy__cur_get(cur, &key, &val, MDB_PREV)) {
        if (key.mv_size != EDDY__SKEY_REC_LEN || eddy__be64_get(key.mv_data) != sid)
            break;
        rc =
            eddy__payload_load(env, txn, EDDY__T_SREC, key.mv_data, key.mv_size, &val, &s->l[s->n]);
        if (rc != 0)
            break;
        if (eddy__sblock_meta_decode(s->l[s->n].rec.meta, s->l[s->n].rec.meta_len, &s->m[s->n],
                                     NULL) != 0) {
            eddy__loaded_release(env, &s->l[s->n]);
            rc = EDDY__CORRUPT("stream record block meta does not decode");
            break;
        }
        s->records += s->m[s->n++].count;
    }
    eddy__cur_close(cur);
out:
    eddy__rtxn_end(env, txn);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Decompress the blocks and gather each record's data as one sample. */
static int sample_bodies(eddy_env *env, samples *s)
{
    uint8_t *body = NULL;
    size_t len = 0, total = 0;
    int rc = 0;

    for (uint32_t i = 0; i < s->n; i++)
        total += s->l[i].rec.raw_len;
    s->buf = eddy__malloc(env, total + 1);
    s->sizes = eddy__calloc(env, s->records + 1, sizeof *s->sizes);
    if (s->buf == NULL || s->sizes == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for %zu bytes of samples", total);
    for (uint32_t i = 0; rc == 0 && i < s->n; i++) {
        eddy__rd r;
        eddy__ferr fe;
        if ((rc = eddy__payload_body(env, &s->l[i], &body, &len)) != 0)
            return rc;
        if (eddy__sblock_check(body, len, &s->m[i], &fe) != 0)
            rc = EDDY__CORRUPT("stream record block: %s", fe.msg);
        r = eddy__rd_init(body, len);
        for (uint32_t j = 0; rc == 0 && j < s->m[i].count; j++) {
            const uint8_t *pk = NULL, *data = NULL;
            uint16_t pk_len = 0;
            uint32_t data_len = 0;
            eddy__sblock_rec_next(&r, &pk, &pk_len, &data, &data_len, NULL);
            if (data_len == 0)
                continue;
            memcpy(s->buf + s->len, data, data_len);
            s->sizes[s->n_samples++] = data_len;
            s->len += data_len;
        }
        eddy__free(env, body);
    }
    return rc;
}

typedef struct sdict {
    const char *name;
    size_t name_len;
    uint64_t sid;
    const void *dict;
    size_t dict_len;
    uint32_t dict_id; /* out */
} sdict;

static int dict_apply(eddy__wtx *w, void *arg)
{
    sdict *a = arg;
    eddy__s s;
    int rc;

    if ((rc = eddy__s_get_same(w, a->name, a->name_len, a->sid, &s)) != 0 ||
        (rc = eddy__dict_store(w, a->dict, a->dict_len, &a->dict_id)) != 0)
        return rc;
    s.cfg.dict_id = a->dict_id;
    return eddy__s_cfg_put(w, &s);
}

static int train(eddy_env *env, samples *s, uint32_t cap, sdict *a, void **dict)
{
    size_t n;

    if ((*dict = eddy__malloc(env, cap)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a %u-byte dictionary", cap);
    n = ZDICT_trainFromBuffer(*dict, cap, s->buf, s->sizes, (unsigned)s->n_samples);
    if (ZDICT_isError(n))
        return eddy__err(EDDY_ELIMIT,
                         "stream '%s': cannot train a dictionary from %u records (%zu bytes): %s",
                         a->name, (unsigned)s->n_samples, s->len, ZDICT_getErrorName(n));
    a->dict = *dict;
    a->dict_len = n;
    return 0;
}

EDDY_API int eddy_stream_train_dict(eddy_env *env, const char *name, uint32_t sample_max,
                                    uint32_t dict_len_max, uint32_t *dict_id_out)
{
    void *dict = NULL;
    samples s;
    sdict a;
    eddy__s st;
    int rc;

    memset(&s, 0, sizeof s);
    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 ||
        (rc = eddy__s_name_check("stream", name, &a.name_len)) != 0)
        return rc;
    sample_max = sample_max == 0 ? DICT_SAMPLES_DEFAULT : sample_max;
    dict_len_max = dict_len_max == 0 ? DICT_LEN_DEFAULT : dict_len_max;
    if (sample_max > DICT_SAMPLES_MAX || dict_len_max < DICT_LEN_MIN || dict_len_max > DICT_LEN_MAX)
        return eddy__err(EDDY_EINVAL, "sample_max %u (at most %u) or dict_len_max %u (%u..%u)",
                         sample_max, DICT_SAMPLES_MAX, dict_len_max, DICT_LEN_MIN, DICT_LEN_MAX);
    if ((rc = eddy__s_read(env, name, a.name_len, &st)) != 0)
        return rc;
    a.name = name;
    a.sid = st.id;
    s.l = eddy__calloc(env, sample_max, sizeof *s.l);
    s.m = eddy__calloc(env, sample_max, sizeof *s.m);
    if (s.l == NULL || s.m == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for %u samples", sample_max);
        goto out;
    }
    if ((rc = sample_load(env, st.id, sample_max, &s)) != 0 || (rc = sample_bodies(env, &s)) ||
        (rc = train(env, &s, dict_len_max, &a, &dict)) != 0)
        goto out;
    if ((rc = eddy__write(env, dict_apply, NULL, &a)) == 0 && dict_id_out != NULL)
        *dict_id_out = a.dict_id;
out:
    for (uint32_t i = 0; s.l != NULL && i < s.n; i++)
        eddy__loaded_release(env, &s.l[i]);
    eddy__free(env, s.l);
    eddy__free(env, s.m);
    eddy__free(env, s.sizes);
    eddy__free(env, s.buf);
    eddy__free(env, dict);
    return rc;
}
