/*
 * stream_dict.c: eddy_stream_train_dict. The sampling, training and storing are dict_train.c's;
 * this file says where a stream's records are (its SREC range), that each record of a block is
 * one sample, and that the dictionary id goes into the stream's configuration. Old records keep
 * their own codec. Never calls mdb_*.
 */
#include <string.h>

#include "bytes.h"
#include "dict_train.h"
#include "error.h"
#include "stream_int.h"

/* Position at the stream's last record (its key range ends before stream id + 1). */
static int s_seek_last(void *ctx, MDB_cursor *cur, MDB_val *key, MDB_val *val)
{
    uint8_t k[8];
    int rc;

    eddy__be64_put(k, ((const eddy__dict_obj *)ctx)->id + 1);
    key->mv_data = k;
    key->mv_size = sizeof k;
    rc = eddy__cur_get(cur, key, val, MDB_SET_RANGE);
    if (rc == 0)
        return eddy__cur_get(cur, key, val, MDB_PREV);
    return rc == EDDY_ENOTFOUND ? eddy__cur_get(cur, key, val, MDB_LAST) : rc;
}

/* Every block of the stream is worth its record count. */
static int s_classify(void *ctx, const MDB_val *key, const MDB_val *val, uint64_t *weight)
{
    eddy__sblock_meta m;
    eddy__rec r;

    if (key->mv_size != EDDY__SKEY_REC_LEN ||
        eddy__be64_get(key->mv_data) != ((const eddy__dict_obj *)ctx)->id)
        return -1;
    if (eddy__payload_peek(EDDY__T_SREC, key->mv_data, key->mv_size, val, &r) != 0 ||
        eddy__sblock_meta_decode(r.meta, r.meta_len, &m, NULL) != 0)
        return EDDY__CORRUPT("stream record block meta does not decode");
    *weight = m.count;
    return 1;
}

/* Each record's data (when not empty) is one sample. */
static int s_split(void *ctx, const eddy__loaded *l, const uint8_t *body, size_t len,
                   eddy__dict_samples *s)
{
    eddy__sblock_meta m;
    eddy__ferr fe;
    eddy__rd r;

    (void)ctx;
    if (eddy__sblock_meta_decode(l->rec.meta, l->rec.meta_len, &m, &fe) != 0 ||
        eddy__sblock_check(body, len, &m, &fe) != 0)
        return EDDY__CORRUPT("stream record block: %s", fe.msg);
    r = eddy__rd_init(body, len);
    for (uint32_t j = 0; j < m.count; j++) {
        const uint8_t *pk = NULL, *data = NULL;
        uint16_t pk_len = 0;
        uint32_t data_len = 0;
        eddy__sblock_rec_next(&r, &pk, &pk_len, &data, &data_len, NULL);
        if (data_len > 0)
            eddy__dict_sample_add(s, data, data_len);
    }
    return 0;
}

static int s_install(eddy__wtx *w, void *ctx, uint32_t dict_id)
{
    eddy__dict_obj *a = ctx;
    eddy__s s;
    int rc;

    if ((rc = eddy__s_get_same(w, a->name, a->name_len, a->id, &s)) != 0)
        return rc;
    s.cfg.dict_id = dict_id;
    return eddy__s_cfg_put(w, &s);
}

static const eddy__dict_ops s_ops = {"stream",   "records", EDDY__T_SREC, s_seek_last,
                                     s_classify, s_split,   s_install};

EDDY_API int eddy_stream_train_dict(eddy_env *env, const char *name, uint32_t sample_max,
                                    uint32_t dict_len_max, uint32_t *dict_id_out)
{
    eddy__dict_obj a;
    eddy__s st;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 ||
        (rc = eddy__s_name_check("stream", name, &a.name_len)) != 0 ||
        (rc = eddy__dict_bounds(&sample_max, &dict_len_max)) != 0 ||
        (rc = eddy__s_read(env, name, a.name_len, &st)) != 0)
        return rc;
    a.name = name;
    a.id = st.id;
    return eddy__dict_train(env, &s_ops, name, &a, sample_max, dict_len_max, dict_id_out);
}
