/*
 * stream_verify.c: the stream tables' invariants for eddy_env_verify (see stream_int.h): each
 * shard row against its records (numbers in range, arrival times non-decreasing, counters,
 * checksums), lineage (parents and children exist or were expired), the routing index against
 * the open shards (they cover the whole hash-key space, without gaps or overlaps), the time
 * index, and checkpoints and leases pointing at known shards. Reports each problem with its key;
 * never stops at the first. Never calls mdb_*.
 */
#include <string.h>

#include "bytes.h"
#include "catalog.h"
#include "error.h"
#include "stream_int.h"
#include "verify.h"

/* The stream with id sid, if it exists in this snapshot (0), else EDDY_ENOTFOUND. */
static int stream_of(eddy__vctx *v, uint64_t sid, eddy__s *s)
{
    int rc = eddy__s_get_by_id(v->env, v->txn, sid, s);
    if (!eddy__vnot_data(rc))
        eddy__err_clear(); /* a problem the caller reports; keep the message of a failure */
    return rc;
}

typedef struct shard_acc {
    uint64_t records, bytes, prev_ts, next_n;
} shard_acc;

/* A block's payload decodes into exactly its records (dictionary blocks: checksum and frame
 * only, because loading a dictionary would open a second transaction in this thread). */
static int check_block_payload(eddy__vctx *v, const MDB_val *k, const MDB_val *val,
                               const eddy__sblock_meta *m)
{
    eddy__loaded l;
    eddy__ferr fe;
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = eddy__payload_load(v->env, v->txn, EDDY__T_SREC, k->mv_data, k->mv_size, val, &l);

    if (rc == 0 && l.rec.codec == EDDY__CODEC_ZSTD_DICT) {
        eddy__loaded_release(v->env, &l);
        rc = eddy__payload_verify(v->env, v->txn, EDDY__T_SREC, k->mv_data, k->mv_size, val);
        return rc == 0 || eddy__vnot_data(rc) ? rc
                                              : eddy__vreport(v, EDDY__T_SREC, k->mv_data,
                                                              k->mv_size, "%s", eddy_last_error());
    }
    if (rc == 0) {
        rc = eddy__payload_body(v->env, &l, &body, &len);
        eddy__loaded_release(v->env, &l);
    }
    if (rc == 0 && eddy__sblock_check(body, len, m, &fe) != 0)
        rc = eddy__err(EDDY_ECORRUPT, "%s", fe.msg);
    eddy__free(v->env, body);
    return rc == 0 || eddy__vnot_data(rc)
               ? rc
               : eddy__vreport(v, EDDY__T_SREC, k->mv_data, k->mv_size, "%s", eddy_last_error());
}

static int check_record(eddy__vctx *v, const MDB_val *k, const MDB_val *val, const eddy__sshard *sh,
                        shard_acc *a)
{
    uint64_t sid, n;
    uint32_t shard;
    eddy__rec r;
    eddy__sblock_meta m;
    int rc;

    eddy__skey_rec_decode(k->mv_data, k->mv_size, &sid, &shard, &n, NULL);
    if (eddy__payload_peek(EDDY__T_SREC, k->mv_data, k->mv_size, val, &r) != 0 ||
        r.kind != EDDY__KIND_SREC || eddy__sblock_meta_decode(r.meta, r.meta_len, &m, NULL) != 0)
        return eddy__vreport(v, EDDY__T_SREC, k->mv_data, k->mv_size,
                             "record block header or meta does not decode");
    a->records += m.count;
    a->bytes += m.data_bytes;
    if (n <= sh->base_n || n + m.count - 1 > sh->last_n || n < sh->trim_n || n < a->next_n)
        rc = eddy__vreport(v, EDDY__T_SREC, k->mv_data, k->mv_size,
                           "block of %u records outside its shard's (base_n, last_n], below "
                           "trim_n, or overlapping the block before",
                           m.count);
    else if (m.arrival_ms < a->prev_ts || m.arrival_ms > sh->last_ts)
        rc = eddy__vreport(v, EDDY__T_SREC, k->mv_data, k->mv_size,
                           "arrival time %llu goes backwards or beyond the shard's newest",
                           (unsigned long long)m.arrival_ms);
    else
        rc = 0;
    a->prev_ts = m.arrival_ms;
    a->next_n = n + m.count;
    return rc != 0 ? rc : check_block_payload(v, k, val, &m);
}

/* Records of one shard against its row. */
static int check_shard_records(eddy__vctx *v, const uint8_t *sk, const eddy__sshard *sh)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    shard_acc a;
    int rc;

    memset(&a, 0, sizeof a);
    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, sk, EDDY__SKEY_SHARD_LEN, NULL, 0, &k, &val); rc == 0;
         rc = eddy__cur_next_prefix(cur, sk, EDDY__SKEY_SHARD_LEN, &k, &val)) {
        if (k.mv_size != EDDY__SKEY_REC_LEN)
            rc = eddy__vreport(v, EDDY__T_SREC, k.mv_data, k.mv_size, "malformed record key");
        else
            rc = check_record(v, &k, &val, sh, &a);
        if (rc != 0)
            break;
    }
    eddy__cur_close(cur);
    if (rc != EDDY_ENOTFOUND)
        return rc;
    if (a.records != sh->records || a.bytes != sh->bytes)
        return eddy__vreport(v, EDDY__T_SSHARD, sk, EDDY__SKEY_SHARD_LEN,
                             "shard counts %llu records / %llu bytes, holds %llu / %llu",
                             (unsigned long long)sh->records, (unsigned long long)sh->bytes,
                             (unsigned long long)a.records, (unsigned long long)a.bytes);
    return 0;
}

static int lineage_ok(eddy__vctx *v, uint64_t sid, uint32_t id, const eddy__scfg *cfg)
{
    eddy__sshard t;
    int rc;
    if (id == EDDY__SHARD_NONE)
        return 1;
    if (id >= cfg->next_shard_id)
        return 0;
    rc = eddy__shard_get(v->env, v->txn, sid, id, &t);
    eddy__err_clear();
    return rc == 0 || rc == EDDY_ENOTFOUND; /* absent: expired */
}

static int check_shard(eddy__vctx *v, const MDB_val *k, const MDB_val *val)
{
    eddy__sshard sh;
    uint64_t sid;
    uint32_t id;
    eddy__s s;
    int rc;

    if (eddy__skey_shard_decode(k->mv_data, k->mv_size, &sid, &id, NULL) != 0 ||
        eddy__sshard_decode(val->mv_data, val->mv_size, &sh, NULL) != 0)
        return eddy__vreport(v, EDDY__T_SSHARD, k->mv_data, k->mv_size, "malformed shard row");
    if ((rc = stream_of(v, sid, &s)) != 0)
        return eddy__vnot_data(rc) ? rc
                                   : eddy__vreport(v, EDDY__T_SSHARD, k->mv_data, k->mv_size,
                                                   "shard of stream %llu, which does not exist",
                                                   (unsigned long long)sid);
    if (id >= s.cfg.next_shard_id || !lineage_ok(v, sid, sh.parent, &s.cfg) ||
        !lineage_ok(v, sid, sh.parent2, &s.cfg) || !lineage_ok(v, sid, sh.child, &s.cfg) ||
        !lineage_ok(v, sid, sh.child2, &s.cfg))
        rc = eddy__vreport(v, EDDY__T_SSHARD, k->mv_data, k->mv_size,
                           "shard id or lineage beyond next shard id %u", s.cfg.next_shard_id);
    else if ((sh.state == EDDY__SHARD_OPEN) != (sh.child == EDDY__SHARD_NONE && sh.closed_ms == 0))
        rc = eddy__vreport(v, EDDY__T_SSHARD, k->mv_data, k->mv_size,
                           "open shard with children, or closed shard without");
    else
        rc = 0;
    return rc != 0 ? rc : check_shard_records(v, k->mv_data, &sh);
}

/* Every SREC key belongs to an existing shard (records of removed shards are orphans). */
static int check_orphans(eddy__vctx *v)
{
    uint8_t last[EDDY__SKEY_SHARD_LEN];
    MDB_cursor *cur = NULL;
    MDB_val k, val, sv;
    int have = 0, rc;

    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_SREC, &cur)) != 0)
        return rc;
    while ((rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0) {
        if (k.mv_size < EDDY__SKEY_SHARD_LEN)
            continue;
        if (have && memcmp(k.mv_data, last, sizeof last) == 0)
            continue;
        memcpy(last, k.mv_data, sizeof last);
        have = 1;
        if (eddy__get(v->env, v->txn, EDDY__T_SSHARD, last, sizeof last, &sv) == EDDY_ENOTFOUND &&
            (rc = eddy__vreport(v, EDDY__T_SREC, k.mv_data, k.mv_size,
                                "record of a shard that does not exist")) != 0)
            break;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Open shards have their route; routes cover each stream's hash-key space exactly. */
static int check_route_entry(eddy__vctx *v, const MDB_val *k, const MDB_val *val, uint64_t *sid,
                             uint8_t next[16], int *fresh)
{
    uint8_t end[16];
    eddy__sshard sh;
    uint64_t ksid;
    uint32_t id;

    if (eddy__skey_route_decode(k->mv_data, k->mv_size, &ksid, end, NULL) != 0 || val->mv_size != 4)
        return eddy__vreport(v, EDDY__T_SROUTE, k->mv_data, k->mv_size, "malformed route entry");
    if (*fresh || ksid != *sid) {
        if (!*fresh && !(next[0] == 0 && memcmp(next, next + 1, 15) == 0))
            return eddy__vreport(v, EDDY__T_SROUTE, k->mv_data, k->mv_size,
                                 "open shards of the previous stream stop short of 2^128 - 1");
        memset(next, 0, 16);
        *sid = ksid;
        *fresh = 0;
    }
    id = eddy__be32_get(val->mv_data);
    if (eddy__shard_get(v->env, v->txn, ksid, id, &sh) != 0) {
        eddy__err_clear();
        return eddy__vreport(v, EDDY__T_SROUTE, k->mv_data, k->mv_size,
                             "route to shard %u, which does not exist", id);
    }
    if (sh.state != EDDY__SHARD_OPEN || memcmp(sh.end, end, 16) != 0 ||
        memcmp(sh.start, next, 16) != 0)
        return eddy__vreport(v, EDDY__T_SROUTE, k->mv_data, k->mv_size,
                             "route to shard %u: closed, wrong end, or a gap or overlap before it",
                             id);
    memcpy(next, end, 16);
    eddy__u128_inc(next); /* wraps to 0 after the last range */
    return 0;
}

static int check_routes(eddy__vctx *v)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    uint8_t next[16];
    uint64_t sid = 0;
    int fresh = 1, rc;

    memset(next, 0, sizeof next);
    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_SROUTE, &cur)) != 0)
        return rc;
    while ((rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0)
        if ((rc = check_route_entry(v, &k, &val, &sid, next, &fresh)) != 0)
            break;
    eddy__cur_close(cur);
    if (rc != EDDY_ENOTFOUND)
        return rc;
    if (!fresh && !(next[0] == 0 && memcmp(next, next + 1, 15) == 0))
        return eddy__vreport(v, EDDY__T_SROUTE, &sid, sizeof sid,
                             "open shards of the last stream stop short of 2^128 - 1");
    return 0;
}

/* Each open shard has its route entry (so routes and open shards are one-to-one). */
static int check_open_has_route(eddy__vctx *v, const MDB_val *k, const MDB_val *val)
{
    uint8_t rk[EDDY__SKEY_ROUTE_LEN];
    eddy__sshard sh;
    uint64_t sid;
    uint32_t id;
    MDB_val rv;

    if (eddy__skey_shard_decode(k->mv_data, k->mv_size, &sid, &id, NULL) != 0 ||
        eddy__sshard_decode(val->mv_data, val->mv_size, &sh, NULL) != 0 ||
        sh.state != EDDY__SHARD_OPEN)
        return 0;
    eddy__skey_route(rk, sid, sh.end);
    if (eddy__get(v->env, v->txn, EDDY__T_SROUTE, rk, sizeof rk, &rv) != 0 || rv.mv_size != 4 ||
        eddy__be32_get(rv.mv_data) != id)
        return eddy__vreport(v, EDDY__T_SSHARD, k->mv_data, k->mv_size,
                             "open shard without its route entry");
    return 0;
}

static int check_shards(eddy__vctx *v)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    int rc;

    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_SSHARD, &cur)) != 0)
        return rc;
    while ((rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0)
        if ((rc = check_shard(v, &k, &val)) != 0 || (rc = check_open_has_route(v, &k, &val)) != 0)
            break;
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Time index, checkpoints and leases: each entry decodes and names an existing shard. */
static int check_side_entry(eddy__vctx *v, int table, const MDB_val *k, const MDB_val *val)
{
    eddy__sshard sh;
    uint64_t sid, ts;
    uint32_t id;
    const char *name;
    size_t nl;
    eddy__ckpt c;
    eddy__lease l;
    int bad;

    if (table == EDDY__T_STIME)
        bad = eddy__skey_time_decode(k->mv_data, k->mv_size, &sid, &id, &ts, NULL) != 0 ||
              val->mv_size != 8;
    else
        bad =
            eddy__skey_named_decode(k->mv_data, k->mv_size, &sid, &id, &name, &nl, NULL) != 0 ||
            (table == EDDY__T_CKPT ? eddy__ckpt_decode(val->mv_data, val->mv_size, &c, NULL) != 0
                                   : eddy__lease_decode(val->mv_data, val->mv_size, &l, NULL) != 0);
    if (bad)
        return eddy__vreport(v, table, k->mv_data, k->mv_size, "malformed entry");
    if (eddy__shard_get(v->env, v->txn, sid, id, &sh) != 0) {
        eddy__err_clear();
        return eddy__vreport(v, table, k->mv_data, k->mv_size,
                             "entry for shard %u of stream %llu, which does not exist", id,
                             (unsigned long long)sid);
    }
    if (table == EDDY__T_STIME && (eddy__be64_get(val->mv_data) > sh.last_n || ts > sh.last_ts))
        return eddy__vreport(v, table, k->mv_data, k->mv_size,
                             "time index entry beyond the shard's newest record");
    if (table == EDDY__T_CKPT && c.kind == EDDY__CKPT_SEQ && (c.n > sh.last_n || c.n < sh.base_n))
        return eddy__vreport(v, table, k->mv_data, k->mv_size,
                             "checkpoint at a number the shard never handed out");
    return 0;
}

static int check_side(eddy__vctx *v, int table)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    int rc;

    if ((rc = eddy__cur_open(v->env, v->txn, table, &cur)) != 0)
        return rc;
    while ((rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0)
        if ((rc = check_side_entry(v, table, &k, &val)) != 0)
            break;
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

/* Each stream in the catalog has a valid configuration and at least its last route. */
static int check_stream(void *ctx, const char *name, size_t name_len, const eddy__cat_entry *e)
{
    eddy__vctx *v = ctx;
    uint8_t rk[EDDY__SKEY_ROUTE_LEN], ones[16];
    eddy__scfg cfg;
    MDB_val rv;

    (void)name;
    (void)name_len;
    if (eddy__scfg_decode(e->cfg, e->cfg_len, &cfg, NULL) != 0)
        return eddy__vreport(v, EDDY__T_CATALOG, name - 1, name_len + 1,
                             "stream configuration does not decode");
    memset(ones, 0xff, sizeof ones);
    eddy__skey_route(rk, e->id, ones);
    if (eddy__get(v->env, v->txn, EDDY__T_SROUTE, rk, sizeof rk, &rv) != 0) {
        eddy__err_clear();
        return eddy__vreport(v, EDDY__T_CATALOG, name - 1, name_len + 1,
                             "stream has no open shard for the top of the hash-key space");
    }
    return 0;
}

int eddy__stream_verify(eddy__vctx *v)
{
    int rc;

    if ((rc = eddy__cat_list(v->env, v->txn, EDDY__OBJ_STREAM, check_stream, v)) != 0 ||
        (rc = check_shards(v)) != 0 || (rc = check_orphans(v)) != 0 ||
        (rc = check_routes(v)) != 0 || (rc = check_side(v, EDDY__T_STIME)) != 0 ||
        (rc = check_side(v, EDDY__T_CKPT)) != 0)
        return rc;
    return check_side(v, EDDY__T_LEASE);
}
