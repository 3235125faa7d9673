/*
 * stream_usage.c: eddy_stream_usage_get, how a stream's records are stored (records, blocks, raw
 * and stored payload bytes: the compression ratio). It reads block headers only (no chunk
 * gathering, no decompression), in read transactions of a bounded number of blocks, resuming after
 * the last key, so a large stream never pins a snapshot for long. Never calls mdb_*.
 */
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "error.h"
#include "stream_int.h"

#define USAGE_STEP 4096u

typedef struct usage_pass {
    uint8_t prefix[EDDY__SKEY_SHARD_LEN];
    size_t prefix_len;
    uint8_t last[EDDY__SKEY_REC_LEN]; /* the last block counted */
    int have_last;
    int done;
} usage_pass;

/* Add one block's header to the totals. */
static int usage_add(const MDB_val *k, const MDB_val *v, eddy_stream_usage *u)
{
    eddy__sblock_meta m;
    eddy__rec r;
    int rc;

    if (k->mv_size != EDDY__SKEY_REC_LEN)
        return EDDY__CORRUPT("stream record key of %zu bytes", k->mv_size);
    if ((rc = eddy__payload_peek(EDDY__T_SREC, k->mv_data, k->mv_size, v, &r)) != 0)
        return rc;
    if (eddy__sblock_meta_decode(r.meta, r.meta_len, &m, NULL) != 0)
        return EDDY__CORRUPT("stream record block meta does not decode");
    u->records += m.count;
    u->blocks++;
    u->data_bytes += m.data_bytes;
    u->raw_bytes += r.raw_len;
    u->stored_bytes += r.stored_len;
    return 0;
}

/* One read transaction: the stream (and shard) must still exist; count up to USAGE_STEP. */
static int usage_step(eddy_env *env, const char *name, size_t name_len, uint64_t sid,
                      uint32_t shard, usage_pass *p, eddy_stream_usage *u)
{
    MDB_cursor *cur = NULL;
    MDB_txn *txn = NULL;
    eddy__sshard sh;
    MDB_val k, v;
    uint32_t n = 0;
    eddy__s s;
    int rc;

    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__s_get(env, txn, name, name_len, &s)) != 0)
        goto out;
    if (s.id != sid) {
        rc = eddy__err(EDDY_ENOTFOUND, "stream '%s' was deleted while being measured", name);
        goto out;
    }
    if (shard != EDDY_STREAM_NO_SHARD && (rc = eddy__shard_get(env, txn, sid, shard, &sh)) != 0)
        goto out;
    if ((rc = eddy__cur_open(env, txn, EDDY__T_SREC, &cur)) != 0)
        goto out;
    rc = p->have_last
             ? eddy__cur_seek_prefix(cur, p->prefix, p->prefix_len, p->last + p->prefix_len,
                                     sizeof p->last - p->prefix_len, &k, &v)
             : eddy__cur_seek_prefix(cur, p->prefix, p->prefix_len, NULL, 0, &k, &v);
    if (rc == 0 && p->have_last && k.mv_size == sizeof p->last &&
        memcmp(k.mv_data, p->last, sizeof p->last) == 0)
        rc = eddy__cur_next_prefix(cur, p->prefix, p->prefix_len, &k, &v);
    for (; rc == 0 && n < USAGE_STEP;
         rc = eddy__cur_next_prefix(cur, p->prefix, p->prefix_len, &k, &v)) {
        if ((rc = usage_add(&k, &v, u)) != 0)
            break;
        memcpy(p->last, k.mv_data, sizeof p->last);
        p->have_last = 1;
        n++;
    }
    eddy__cur_close(cur);
    if (rc == EDDY_ENOTFOUND) {
        p->done = 1;
        rc = 0;
    }
out:
    eddy__rtxn_end(env, txn);
    return rc;
}

static int stream_usage_get_impl(eddy_env *env, const char *name, uint32_t shard_id,
                                 eddy_stream_usage *out)
{
    eddy_stream_usage u;
    usage_pass p;
    size_t len;
    eddy__s s;
    int rc;

    if ((rc = eddy__s_enter_read(env, out, name, &len, &s)) != 0)
        return rc;
    memset(&u, 0, sizeof u);
    memset(&p, 0, sizeof p);
    if (shard_id == EDDY_STREAM_NO_SHARD) {
        eddy__be64_put(p.prefix, s.id);
        p.prefix_len = 8;
    } else {
        eddy__skey_shard(p.prefix, s.id, shard_id);
        p.prefix_len = EDDY__SKEY_SHARD_LEN;
    }
    while (rc == 0 && !p.done)
        rc = usage_step(env, name, len, s.id, shard_id, &p, &u);
    if (rc == 0)
        *out = u;
    return rc;
}

EDDY_API int eddy_stream_usage_get(eddy_env *env, const char *name, uint32_t shard_id,
                                   eddy_stream_usage *out)
{
    eddy_stream_usage local;
    int rc;

    if (env == NULL || out == NULL)
        return stream_usage_get_impl(env, name, shard_id, out);
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_stream_usage), "eddy_stream_usage")) !=
        0)
        return rc;
    memset(&local, 0, sizeof local);
    rc = stream_usage_get_impl(env, name, shard_id, &local);
    local.size = sizeof local;
    if (rc == 0)
        eddy__struct_out(out, &local, sizeof local);
    return rc;
}
