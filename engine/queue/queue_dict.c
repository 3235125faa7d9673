/*
 * queue_dict.c: eddy_queue_train_dict. The sampling, training and storing are dict_train.c's;
 * this file says where a queue's messages are (its QMSG range, newest at the counters key),
 * that each message body is one sample, and that the dictionary id goes into the queue's
 * counters. Old messages keep the codec and dictionary id of their own record.
 */
#include <string.h>

#include "dict_train.h"
#include "error.h"
#include "queue_int.h"

/* The counters key is the queue's last: start there and walk back. */
static int q_seek_last(void *ctx, MDB_cursor *cur, MDB_val *key, MDB_val *val)
{
    uint8_t k[EDDY__QKEY_COUNTERS_LEN];

    eddy__qkey_counters(k, ((const eddy__dict_obj *)ctx)->id);
    key->mv_data = k;
    key->mv_size = sizeof k;
    return eddy__cur_get(cur, key, val, MDB_SET_KEY);
}

/* Message records are samples; states and the counters are skipped. */
static int q_classify(void *ctx, const MDB_val *key, const MDB_val *val, uint64_t *weight)
{
    (void)val;
    *weight = 1;
    if (key->mv_size < 8 || eddy__be64_get(key->mv_data) != ((const eddy__dict_obj *)ctx)->id)
        return -1;
    return key->mv_size == EDDY__QKEY_MSG_LEN &&
           eddy__be64_get((const uint8_t *)key->mv_data + 8) != UINT64_MAX;
}

static int q_split(void *ctx, const eddy__loaded *l, const uint8_t *body, size_t len,
                   eddy__dict_samples *s)
{
    (void)ctx;
    (void)l;
    eddy__dict_sample_add(s, body, len);
    return 0;
}

static int q_install(eddy__wtx *w, void *ctx, uint32_t dict_id)
{
    eddy__dict_obj *a = ctx;
    eddy__qcounters c;
    eddy__q q;
    int rc;

    if ((rc = eddy__q_get_same(w, a->name, a->name_len, a->id, &q)) != 0 ||
        (rc = eddy__q_counters_get(w->env, w->txn, q.id, &c)) != 0)
        return rc;
    c.dict_id = dict_id;
    return eddy__q_counters_put(w, q.id, &c);
}

static const eddy__dict_ops q_ops = {"queue",    "messages", EDDY__T_QMSG, q_seek_last,
                                     q_classify, q_split,    q_install};

EDDY_API int eddy_queue_train_dict(eddy_env *env, const char *name, uint32_t sample_max,
                                   uint32_t dict_len_max, uint32_t *dict_id_out)
{
    eddy__dict_obj a;
    eddy__q q;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__env_enter_write(env)) != 0 || (rc = eddy__q_name_check(name, &a.name_len)) ||
        (rc = eddy__dict_bounds(&sample_max, &dict_len_max)) != 0 ||
        (rc = eddy__q_get_read(env, name, a.name_len, &q)) != 0)
        return rc;
    a.name = name;
    a.id = q.id;
    return eddy__dict_train(env, &q_ops, name, &a, sample_max, dict_len_max, dict_id_out);
}
