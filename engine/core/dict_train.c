/*
 * dict_train.c: training a zstd dictionary for a queue or a stream (see dict_train.h). The
 * newest records are copied out of one read snapshot, decompressed and split into samples
 * outside it, trained with ZDICT_trainFromBuffer, and stored in one write op.
 */
#include <string.h>

#include <zdict.h>

#include "dict_train.h"
#include "error.h"

#define DICT_SAMPLES_DEFAULT 1000u
#define DICT_SAMPLES_MAX     100000u
#define DICT_LEN_DEFAULT     16384u
#define DICT_LEN_MIN         1024u
#define DICT_LEN_MAX         131072u

int eddy__dict_bounds(uint32_t *sample_max, uint32_t *dict_len_max)
{
    *sample_max = *sample_max == 0 ? DICT_SAMPLES_DEFAULT : *sample_max;
    *dict_len_max = *dict_len_max == 0 ? DICT_LEN_DEFAULT : *dict_len_max;
    if (*sample_max > DICT_SAMPLES_MAX || *dict_len_max < DICT_LEN_MIN ||
        *dict_len_max > DICT_LEN_MAX)
        return eddy__err(EDDY_EINVAL, "sample_max %u (at most %u) or dict_len_max %u (%u..%u)",
                         *sample_max, DICT_SAMPLES_MAX, *dict_len_max, DICT_LEN_MIN, DICT_LEN_MAX);
    return 0;
}

void eddy__dict_sample_add(eddy__dict_samples *s, const void *data, size_t len)
{
    memcpy(s->buf + s->len, data, len);
    s->sizes[s->n++] = len;
    s->len += len;
}

/* One training: the object's ops, name and context. */
typedef struct eddy__dict_src {
    const eddy__dict_ops *ops;
    const char *name;
    void *ctx;
} eddy__dict_src;

/* Records loaded (newest first), copied out of the snapshot. */
typedef struct loaded_set {
    eddy__loaded *l;
    uint32_t n;
    uint64_t weight; /* samples they hold */
} loaded_set;

static int sample_load(eddy_env *env, const eddy__dict_src *src, uint32_t max, loaded_set *ls)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    uint64_t weight = 0;
    int rc, kind;

    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__cur_open(env, txn, src->ops->table, &cur)) != 0)
        goto out;
    for (rc = src->ops->seek_last(src->ctx, cur, &key, &val);
         rc == 0 && ls->n < max && ls->weight < max;
         rc = eddy__cur_get(cur, &key, &val, MDB_PREV)) {
        if ((kind = src->ops->classify(src->ctx, &key, &val, &weight)) < 0) {
            rc = kind == -1 ? 0 : kind;
            break;
        }
        if (kind == 0)
            continue;
        rc = eddy__payload_load(env, txn, src->ops->table, key.mv_data, key.mv_size, &val,
                                &ls->l[ls->n]);
        if (rc != 0)
            break;
        ls->n++;
        ls->weight += weight;
    }
    eddy__cur_close(cur);
out:
    eddy__rtxn_end(env, txn);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Decompress the records and let the source split each into samples. */
static int sample_bodies(eddy_env *env, const eddy__dict_src *src, const loaded_set *ls,
                         eddy__dict_samples *s)
{
    uint8_t *body = NULL;
    size_t len = 0, total = 0;
    int rc = 0;

    for (uint32_t i = 0; i < ls->n; i++)
        total += ls->l[i].rec.raw_len;
    s->buf = eddy__malloc(env, total + 1);
    s->sizes = eddy__calloc(env, ls->weight + 1, sizeof *s->sizes);
    if (s->buf == NULL || s->sizes == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for %zu bytes of samples", total);
    for (uint32_t i = 0; rc == 0 && i < ls->n; i++) {
        if ((rc = eddy__payload_body(env, &ls->l[i], &body, &len)) != 0)
            return rc;
        rc = src->ops->split(src->ctx, &ls->l[i], body, len, s);
        eddy__free(env, body);
    }
    return rc;
}

typedef struct dict_op {
    const eddy__dict_src *src;
    const void *dict;
    size_t dict_len;
    uint32_t dict_id; /* out */
} dict_op;

static int dict_apply(eddy__wtx *w, void *arg)
{
    dict_op *a = arg;
    int rc = eddy__dict_store(w, a->dict, a->dict_len, &a->dict_id);

    return rc != 0 ? rc : a->src->ops->install(w, a->src->ctx, a->dict_id);
}

static int train(eddy_env *env, const eddy__dict_src *src, const eddy__dict_samples *s,
                 uint32_t cap, void **dict, size_t *dict_len)
{
    size_t n;

    if ((*dict = eddy__malloc(env, cap)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a %u-byte dictionary", cap);
    n = ZDICT_trainFromBuffer(*dict, cap, s->buf, s->sizes, (unsigned)s->n);
    if (ZDICT_isError(n))
        return eddy__err(
            EDDY_ELIMIT, "%s '%s': cannot train a dictionary from %zu %s (%zu bytes): %s",
            src->ops->what, src->name, s->n, src->ops->units, s->len, ZDICT_getErrorName(n));
    *dict_len = n;
    return 0;
}

int eddy__dict_train(eddy_env *env, const eddy__dict_ops *ops, const char *name, void *ctx,
                     uint32_t sample_max, uint32_t dict_len_max, uint32_t *dict_id_out)
{
    const eddy__dict_src the_src = {ops, name, ctx}, *src = &the_src;
    eddy__dict_samples s;
    loaded_set ls;
    dict_op op;
    void *dict = NULL;
    int rc;

    memset(&s, 0, sizeof s);
    memset(&ls, 0, sizeof ls);
    memset(&op, 0, sizeof op);
    op.src = src;
    if ((ls.l = eddy__calloc(env, sample_max, sizeof *ls.l)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for %u samples", sample_max);
    if ((rc = sample_load(env, src, sample_max, &ls)) != 0 ||
        (rc = sample_bodies(env, src, &ls, &s)) != 0 ||
        (rc = train(env, src, &s, dict_len_max, &dict, &op.dict_len)) != 0)
        goto out;
    op.dict = dict;
    if ((rc = eddy__write_adding(env, dict_apply, NULL, &op)) == 0 && dict_id_out != NULL)
        *dict_id_out = op.dict_id;
out:
    for (uint32_t i = 0; i < ls.n; i++)
        eddy__loaded_release(env, &ls.l[i]);
    eddy__free(env, ls.l);
    eddy__free(env, s.sizes);
    eddy__free(env, s.buf);
    eddy__free(env, dict);
    return rc;
}
