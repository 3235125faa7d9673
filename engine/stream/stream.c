/*
 * stream.c: streams as named objects (create / describe / list / delete), their configuration
 * in the catalog, and the shard-row, routing and range-delete primitives the other stream files
 * build on. Record operations live in stream_put.c, stream_iter.c, reshard.c and stream_trim.c.
 * Never calls mdb_* (txn.h only).
 */
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "catalog.h"
#include "error.h"
#include "keys.h"
#include "stream_int.h"

/* Rounds of bounded range deletes a stream deletion makes before it gives up. */
#define STREAM_DELETE_ROUNDS 10000

int eddy__stream_env_init(eddy_env *env)
{
    env->streams = eddy__calloc(env, 1, sizeof *env->streams);
    if (env->streams == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for the stream module");
    if (pthread_rwlock_init(&env->streams->gate, NULL) != 0) {
        eddy__free(env, env->streams);
        env->streams = NULL;
        return eddy__err(EDDY_ENOMEM, "cannot create the stream module's lock");
    }
    return 0;
}

void eddy__stream_env_fini(eddy_env *env)
{
    if (env->streams != NULL)
        pthread_rwlock_destroy(&env->streams->gate);
    eddy__free(env, env->streams);
    env->streams = NULL;
}

int eddy__s_name_check(const char *what, const char *name, size_t *len_out)
{
    eddy__ferr fe;
    size_t max = strcmp(what, "worker") == 0 ? EDDY__LEASE_OWNER_MAX : EDDY__SNAME_MAX;
    int rc;

    if (name == NULL)
        return eddy__err(EDDY_EINVAL, "%s name is NULL", what);
    rc = eddy__name_check(what, name, max, 1, len_out, &fe);
    return rc != 0 ? eddy__err_ferr(rc, &fe) : 0;
}

int eddy__s_get(eddy_env *env, MDB_txn *txn, const char *name, size_t name_len, eddy__s *out)
{
    eddy__cat_entry e;
    eddy__ferr fe;
    int rc = eddy__cat_get(env, txn, EDDY__OBJ_STREAM, name, name_len, &e);

    memset(out, 0, sizeof *out);
    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "no such stream: '%.*s'", (int)name_len, name);
    if (rc != 0)
        return rc;
    out->id = e.id;
    out->created_ms = e.created_ms;
    out->modified_ms = e.modified_ms;
    memcpy(out->name, name, name_len);
    out->name[name_len] = '\0';
    out->name_len = name_len;
    if ((rc = eddy__scfg_decode(e.cfg, e.cfg_len, &out->cfg, &fe)) != 0)
        rc = EDDY__CORRUPT("stream '%s': %s", out->name, fe.msg);
    eddy__cat_entry_release(env, &e);
    return rc;
}

struct s_read_ctx {
    const char *name;
    size_t name_len;
    eddy__s *out;
};

static int s_read_once(eddy_env *env, MDB_txn *txn, void *ctx)
{
    struct s_read_ctx *r = ctx;
    return eddy__s_get(env, txn, r->name, r->name_len, r->out);
}

int eddy__s_read(eddy_env *env, const char *name, size_t name_len, eddy__s *out)
{
    struct s_read_ctx r = {name, name_len, out};
    return eddy__cat_read(env, s_read_once, &r);
}

int eddy__s_get_same(eddy__wtx *w, const char *name, size_t name_len, uint64_t sid, eddy__s *out)
{
    int rc = eddy__s_get(w->env, w->txn, name, name_len, out);

    if (rc == 0 && out->id != sid)
        rc = eddy__err(EDDY_ENOTFOUND, "stream '%s' was deleted during the call", out->name);
    return rc;
}

int eddy__s_get_by_id(eddy_env *env, MDB_txn *txn, uint64_t sid, eddy__s *out)
{
    char name[EDDY__NAME_MAX + 1];
    int rc = eddy__cat_name_of(env, txn, sid, EDDY__OBJ_STREAM, "stream", name, sizeof name);

    return rc != 0 ? rc : eddy__s_get(env, txn, name, strlen(name), out);
}

int eddy__s_cfg_put(eddy__wtx *w, const eddy__s *s)
{
    uint8_t cfg[EDDY__SCFG_LEN];
    eddy__cat_entry e;

    memset(&e, 0, sizeof e);
    e.id = s->id;
    e.created_ms = s->created_ms;
    eddy__scfg_encode(cfg, &s->cfg);
    return eddy__cat_update(w, EDDY__OBJ_STREAM, s->name, s->name_len, &e, cfg, sizeof cfg);
}

/* ---- shard rows and routes ---- */

int eddy__shard_get(eddy_env *env, MDB_txn *txn, uint64_t sid, uint32_t shard, eddy__sshard *out)
{
    uint8_t k[EDDY__SKEY_SHARD_LEN];
    eddy__ferr fe;
    MDB_val v;
    int rc;

    eddy__skey_shard(k, sid, shard);
    rc = eddy__get(env, txn, EDDY__T_SSHARD, k, sizeof k, &v);
    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "no shard %u in this stream (never created, or expired)", shard);
    if (rc != 0)
        return rc;
    if ((rc = eddy__sshard_decode(v.mv_data, v.mv_size, out, &fe)) != 0)
        return EDDY__CORRUPT("stream %llu shard %u: %s", (unsigned long long)sid, shard, fe.msg);
    return 0;
}

int eddy__shard_put(eddy__wtx *w, uint64_t sid, uint32_t shard, const eddy__sshard *s)
{
    uint8_t k[EDDY__SKEY_SHARD_LEN], v[EDDY__SSHARD_LEN];

    EDDY_ASSERT(memcmp(s->start, s->end, 16) <= 0 && s->last_n >= s->base_n);
    eddy__skey_shard(k, sid, shard);
    eddy__sshard_encode(v, s);
    return eddy__put(w, EDDY__T_SSHARD, k, sizeof k, v, sizeof v, 0);
}

int eddy__shards_load(eddy_env *env, MDB_txn *txn, uint64_t sid, eddy__shard_row **rows, size_t *n)
{
    uint8_t prefix[8];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t cap = 0;
    eddy__ferr fe;
    int rc;

    *rows = NULL;
    *n = 0;
    eddy__be64_put(prefix, sid);
    if ((rc = eddy__cur_open(env, txn, EDDY__T_SSHARD, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, prefix, 8, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, prefix, 8, &k, &v)) {
        uint64_t ksid;
        if (*n == cap) {
            eddy__shard_row *r = eddy__realloc(env, *rows, (cap = cap ? cap * 2 : 16) * sizeof *r);
            if (r == NULL) {
                rc = eddy__err(EDDY_ENOMEM, "out of memory loading shards");
                break;
            }
            *rows = r;
        }
        if (eddy__skey_shard_decode(k.mv_data, k.mv_size, &ksid, &(*rows)[*n].id, &fe) != 0 ||
            eddy__sshard_decode(v.mv_data, v.mv_size, &(*rows)[*n].s, &fe) != 0) {
            rc = EDDY__CORRUPT("stream %llu: shard row: %s", (unsigned long long)sid, fe.msg);
            break;
        }
        (*n)++;
    }
    eddy__cur_close(cur);
    if (rc == EDDY_ENOTFOUND)
        return 0;
    eddy__free(env, *rows);
    *rows = NULL;
    *n = 0;
    return rc;
}

int eddy__route_put(eddy__wtx *w, uint64_t sid, const uint8_t end[16], uint32_t shard)
{
    uint8_t k[EDDY__SKEY_ROUTE_LEN], v[4];

    eddy__skey_route(k, sid, end);
    eddy__be32_put(v, shard);
    return eddy__put(w, EDDY__T_SROUTE, k, sizeof k, v, sizeof v, 0);
}

int eddy__route_del(eddy__wtx *w, uint64_t sid, const uint8_t end[16])
{
    uint8_t k[EDDY__SKEY_ROUTE_LEN];
    int rc;

    eddy__skey_route(k, sid, end);
    rc = eddy__del(w, EDDY__T_SROUTE, k, sizeof k);
    return rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("open shard without its route entry") : rc;
}

#define DEL_BATCH 256

int eddy__s_del_prefix(eddy__wtx *w, int table, const void *prefix, size_t prefix_len, uint64_t max,
                       int payloads, uint64_t *n_out)
{
    uint8_t keys[DEL_BATCH][EDDY__SKEY_NAMED_MAX];
    size_t lens[DEL_BATCH], got;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc = 0;

    *n_out = 0;
    do {
        got = 0;
        if ((rc = eddy__cur_open(w->env, w->txn, table, &cur)) != 0)
            return rc;
        for (rc = eddy__cur_seek_prefix(cur, prefix, prefix_len, NULL, 0, &k, &v);
             rc == 0 && got < DEL_BATCH && (max == 0 || *n_out + got < max);
             rc = eddy__cur_next_prefix(cur, prefix, prefix_len, &k, &v)) {
            if (k.mv_size > EDDY__SKEY_NAMED_MAX) {
                rc = EDDY__CORRUPT("table %s: key of %zu bytes", eddy__table_names[table],
                                   k.mv_size);
                break;
            }
            memcpy(keys[got], k.mv_data, k.mv_size);
            lens[got++] = k.mv_size;
        }
        eddy__cur_close(cur);
        if (rc != 0 && rc != EDDY_ENOTFOUND)
            return rc;
        for (size_t i = 0; i < got; i++) {
            rc = payloads ? eddy__payload_del(w, table, keys[i], lens[i])
                          : eddy__del(w, table, keys[i], lens[i]);
            if (rc != 0)
                return rc;
        }
        *n_out += got;
    } while (got == DEL_BATCH && (max == 0 || *n_out < max));
    return 0;
}

int eddy__shard_remove(eddy__wtx *w, uint64_t sid, uint32_t shard)
{
    uint8_t k[EDDY__SKEY_SHARD_LEN];
    uint64_t n;
    int rc;

    eddy__skey_shard(k, sid, shard);
    if ((rc = eddy__s_del_prefix(w, EDDY__T_STIME, k, sizeof k, 0, 0, &n)) != 0 ||
        (rc = eddy__s_del_prefix(w, EDDY__T_CKPT, k, sizeof k, 0, 0, &n)) != 0 ||
        (rc = eddy__s_del_prefix(w, EDDY__T_LEASE, k, sizeof k, 0, 0, &n)) != 0)
        return rc;
    return eddy__del(w, EDDY__T_SSHARD, k, sizeof k);
}

/* ---- create ---- */

static int range_u64(const char *what, uint64_t v, uint64_t lo, uint64_t hi)
{
    if (v < lo || v > hi)
        return eddy__err(EDDY_EINVAL, "%s %llu out of range %llu..%llu", what,
                         (unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
    return 0;
}

static int cfg_from_options(const eddy_stream_options *o, eddy__scfg *c)
{
    eddy_stream_options z;
    int rc;

    memset(&z, 0, sizeof z);
    z.size = sizeof z;
    if (o != NULL && (rc = eddy__struct_in(&z, sizeof z, o, EDDY__SIZE_V1(eddy_stream_options),
                                           "eddy_stream_options")) != 0)
        return rc;
    o = &z;
    memset(c, 0, sizeof *c);
    c->shard_count = o->shard_count ? o->shard_count : 1;
    c->retention_ms = o->retention_ms ? o->retention_ms : EDDY__S_RET_DEFAULT;
    c->record_len_max = o->record_len_max ? o->record_len_max : EDDY__S_REC_DEFAULT;
    c->batch_max = o->batch_max ? o->batch_max : EDDY__S_BATCH_DEFAULT;
    c->iter_ttl_ms = o->iterator_ttl_ms ? o->iterator_ttl_ms : EDDY__S_TTL_DEFAULT;
    c->next_shard_id = c->shard_count;
    if (o->hash < EDDY_STREAM_HASH_XXH3 || o->hash > EDDY_STREAM_HASH_MD5)
        return eddy__err(EDDY_EINVAL, "hash %d is not an EDDY_STREAM_HASH_* value", o->hash);
    c->hash = (uint8_t)o->hash;
    if ((rc = range_u64("shard_count", c->shard_count, 1, EDDY_STREAM_SHARDS_MAX)) != 0 ||
        (rc = range_u64("retention_ms", c->retention_ms, EDDY__S_RET_MIN, EDDY__S_RET_MAX)) != 0 ||
        (rc = range_u64("record_len_max", c->record_len_max, 1, EDDY__S_REC_MAX)) != 0 ||
        (rc = range_u64("batch_max", c->batch_max, 1, EDDY__S_BATCH_MAX)) != 0 ||
        (rc = range_u64("iterator_ttl_ms", c->iter_ttl_ms, EDDY__S_TTL_MIN, EDDY__S_TTL_MAX)) != 0)
        return rc;
    return 0;
}

typedef struct create_op {
    const char *name;
    size_t name_len;
    eddy__scfg cfg;
} create_op;

static int same_cfg(const eddy__scfg *a, const eddy__scfg *b)
{
    return a->hash == b->hash && a->shard_count == b->shard_count &&
           a->retention_ms == b->retention_ms && a->record_len_max == b->record_len_max &&
           a->batch_max == b->batch_max && a->iter_ttl_ms == b->iter_ttl_ms;
}

static int create_apply(eddy__wtx *w, void *arg)
{
    create_op *op = arg;
    uint8_t cfg[EDDY__SCFG_LEN];
    eddy__sshard sh;
    eddy__s old;
    uint64_t sid;
    int rc;

    eddy__scfg_encode(cfg, &op->cfg);
    rc = eddy__cat_create(w, EDDY__OBJ_STREAM, op->name, op->name_len, cfg, sizeof cfg, &sid);
    if (rc == EDDY_EEXIST) {
        if ((rc = eddy__s_get(w->env, w->txn, op->name, op->name_len, &old)) != 0)
            return rc;
        return same_cfg(&old.cfg, &op->cfg)
                   ? 0
                   : eddy__err(EDDY_EEXIST, "stream '%s' exists with different attributes",
                               old.name);
    }
    for (uint32_t i = 0; rc == 0 && i < op->cfg.shard_count; i++) {
        memset(&sh, 0, sizeof sh);
        sh.state = EDDY__SHARD_OPEN;
        eddy__u128_range_start(i, op->cfg.shard_count, sh.start);
        if (i + 1 < op->cfg.shard_count) {
            eddy__u128_range_start(i + 1, op->cfg.shard_count, sh.end);
            eddy__u128_dec(sh.end);
        } else {
            memset(sh.end, 0xff, 16);
        }
        sh.parent = sh.parent2 = sh.child = sh.child2 = EDDY__SHARD_NONE;
        sh.created_ms = w->now_ms;
        if ((rc = eddy__shard_put(w, sid, i, &sh)) == 0)
            rc = eddy__route_put(w, sid, sh.end, i);
    }
    return rc;
}

EDDY_API int eddy_stream_create(eddy_env *env, const char *name, const eddy_stream_options *options)
{
    create_op op;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    memset(&op, 0, sizeof op);
    op.name = name;
    if ((rc = eddy__s_name_check("stream", name, &op.name_len)) != 0 ||
        (rc = cfg_from_options(options, &op.cfg)) != 0)
        return rc;
    return eddy__write_adding(env, create_apply, NULL, &op);
}

/* ---- describe, list ---- */

int eddy__s_enter_read(eddy_env *env, const void *out, const char *name, size_t *len, eddy__s *s)
{
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (out == NULL)
        return eddy__err(EDDY_EINVAL, "out is NULL");
    if ((rc = eddy__s_name_check("stream", name, len)) != 0)
        return rc;
    return eddy__s_read(env, name, *len, s);
}

static int stream_get_attributes_impl(eddy_env *env, const char *name, eddy_stream_info *out)
{
    eddy__shard_row *rows = NULL;
    eddy_stream_info info;
    MDB_txn *txn = NULL;
    size_t len, n = 0;
    eddy__s s;
    int rc;

    if ((rc = eddy__s_enter_read(env, out, name, &len, &s)) != 0 ||
        (rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    if ((rc = eddy__s_get(env, txn, name, len, &s)) == 0)
        rc = eddy__shards_load(env, txn, s.id, &rows, &n);
    eddy__rtxn_end(env, txn);
    if (rc != 0)
        return rc;
    memset(&info, 0, sizeof info);
    info.shard_count = s.cfg.shard_count;
    info.retention_ms = s.cfg.retention_ms;
    info.hash = s.cfg.hash;
    info.record_len_max = s.cfg.record_len_max;
    info.batch_max = s.cfg.batch_max;
    info.iterator_ttl_ms = s.cfg.iter_ttl_ms;
    info.id = s.id;
    info.created_ms = s.created_ms;
    info.modified_ms = s.modified_ms;
    info.dict_id = s.cfg.dict_id;
    info.shards = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        info.open_shards += rows[i].s.state == EDDY__SHARD_OPEN;
        info.records += rows[i].s.records;
        info.bytes += rows[i].s.bytes;
    }
    eddy__free(env, rows);
    *out = info;
    return 0;
}

typedef struct list_ctx {
    eddy_env *env;
    const char *prefix;
    size_t prefix_len;
    char *names; /* NUL-separated */
    size_t len, cap;
    size_t count;
} list_ctx;

static int list_one(void *ctx, const char *name, size_t name_len, const eddy__cat_entry *e)
{
    list_ctx *l = ctx;
    (void)e;
    if (name_len < l->prefix_len || memcmp(name, l->prefix, l->prefix_len) != 0)
        return 0;
    if (l->len + name_len + 1 > l->cap) {
        size_t cap = (l->cap + name_len + 1) * 2;
        char *p = eddy__realloc(l->env, l->names, cap);
        if (p == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory listing streams");
        l->names = p;
        l->cap = cap;
    }
    memcpy(l->names + l->len, name, name_len);
    l->names[l->len + name_len] = '\0';
    l->len += name_len + 1;
    l->count++;
    return 0;
}

EDDY_API int eddy_stream_list(eddy_env *env, const char *prefix, eddy_stream_list_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    list_ctx l;
    int rc = eddy__env_enter(env);

    if (rc != 0)
        return rc;
    if (fn == NULL)
        return eddy__err(EDDY_EINVAL, "callback is NULL");
    memset(&l, 0, sizeof l);
    l.env = env;
    l.prefix = prefix != NULL ? prefix : "";
    l.prefix_len = strlen(l.prefix);
    if ((rc = eddy__rtxn_begin(env, &txn)) != 0)
        return rc;
    rc = eddy__cat_list(env, txn, EDDY__OBJ_STREAM, list_one, &l);
    eddy__rtxn_end(env, txn);
    for (size_t off = 0, i = 0; rc == 0 && i < l.count; i++) {
        if (fn(ctx, l.names + off) != 0)
            rc = eddy__err(EDDY_EUSER, "stream listing stopped by its callback");
        off += strlen(l.names + off) + 1;
    }
    eddy__free(env, l.names);
    return rc;
}

/* ---- delete ---- */

typedef struct delete_op {
    const char *name;
    size_t name_len;
    uint64_t sid;
    int done; /* out: the stream is gone */
} delete_op;

static int delete_apply(eddy__wtx *w, void *arg)
{
    delete_op *op = arg;
    static const int tables[] = {EDDY__T_STIME, EDDY__T_SSHARD, EDDY__T_SROUTE, EDDY__T_CKPT,
                                 EDDY__T_LEASE};
    uint8_t prefix[8];
    uint64_t n;
    eddy__s s;
    int rc;

    op->done = 0;
    if ((rc = eddy__s_get_same(w, op->name, op->name_len, op->sid, &s)) != 0)
        return rc;
    eddy__be64_put(prefix, op->sid);
    if ((rc = eddy__s_del_prefix(w, EDDY__T_SREC, prefix, 8, EDDY__S_DEL_STEP, 1, &n)) != 0)
        return rc;
    if (n == EDDY__S_DEL_STEP)
        return 0; /* more to do in the next transaction */
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if ((rc = eddy__s_del_prefix(w, tables[i], prefix, 8, 0, 0, &n)) != 0)
            return rc;
    if ((rc = eddy__cat_delete(w, EDDY__OBJ_STREAM, op->name, op->name_len, op->sid)) != 0)
        return rc;
    op->done = 1;
    return 0;
}

EDDY_API int eddy_stream_delete(eddy_env *env, const char *name)
{
    delete_op op;
    eddy__s s;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    memset(&op, 0, sizeof op);
    op.name = name;
    if ((rc = eddy__s_name_check("stream", name, &op.name_len)) != 0 ||
        (rc = eddy__s_read(env, name, op.name_len, &s)) != 0)
        return rc;
    op.sid = s.id;
    for (int round = 0; round < STREAM_DELETE_ROUNDS; round++) {
        if ((rc = eddy__write(env, delete_apply, NULL, &op)) != 0 || op.done)
            return rc;
    }
    return eddy__err(EDDY_EBUSY, "stream '%s': writers kept adding records during the delete",
                     s.name);
}

/* ---- changing attributes ---- */

typedef struct attrs_op {
    const char *name;
    size_t name_len;
    uint64_t sid;
    uint32_t mask;
    eddy__scfg want; /* the fields named by mask, validated */
} attrs_op;

static int attrs_apply(eddy__wtx *w, void *arg)
{
    attrs_op *op = arg;
    eddy__s s;
    int rc = eddy__s_get_same(w, op->name, op->name_len, op->sid, &s);

    if (rc != 0)
        return rc;
    if (op->mask & EDDY_STREAM_SET_RETENTION)
        s.cfg.retention_ms = op->want.retention_ms;
    if (op->mask & EDDY_STREAM_SET_RECORD_LEN_MAX)
        s.cfg.record_len_max = op->want.record_len_max;
    if (op->mask & EDDY_STREAM_SET_BATCH_MAX)
        s.cfg.batch_max = op->want.batch_max;
    if (op->mask & EDDY_STREAM_SET_ITERATOR_TTL)
        s.cfg.iter_ttl_ms = op->want.iter_ttl_ms;
    return eddy__s_cfg_put(w, &s);
}

EDDY_API int eddy_stream_set_attributes(eddy_env *env, const char *name,
                                        const eddy_stream_options *options, uint32_t mask)
{
    attrs_op op;
    eddy_stream_options o;
    eddy__s s;
    int rc = eddy__env_enter_write(env);

    if (rc != 0)
        return rc;
    if (options == NULL)
        return eddy__err(EDDY_EINVAL, "eddy_stream_set_attributes: options is NULL");
    if (mask == 0 || (mask & ~(uint32_t)EDDY_STREAM_SET_ALL) != 0)
        return eddy__err(EDDY_EINVAL,
                         "eddy_stream_set_attributes: mask 0x%x is empty or has unknown bits "
                         "(a stream's hash and its shards at creation cannot change)",
                         mask);
    memset(&op, 0, sizeof op);
    op.name = name;
    op.mask = mask;
    /* validated as for create: zero means the default */
    if ((rc = eddy__struct_in(&o, sizeof o, options, EDDY__SIZE_V1(eddy_stream_options),
                              "eddy_stream_options")) != 0)
        return rc;
    o.shard_count = 1;
    o.hash = 0;
    if ((rc = eddy__s_name_check("stream", name, &op.name_len)) != 0 ||
        (rc = cfg_from_options(&o, &op.want)) != 0 ||
        (rc = eddy__s_read(env, name, op.name_len, &s)) != 0)
        return rc;
    op.sid = s.id;
    return eddy__write(env, attrs_apply, NULL, &op);
}

EDDY_API int eddy_stream_get_attributes(eddy_env *env, const char *name, eddy_stream_info *out)
{
    eddy_stream_info local;
    int rc;

    if (env == NULL || out == NULL)
        return stream_get_attributes_impl(env, name, out);
    if ((rc = eddy__struct_out_check(out, EDDY__SIZE_V1(eddy_stream_info), "eddy_stream_info")) !=
        0)
        return rc;
    memset(&local, 0, sizeof local);
    rc = stream_get_attributes_impl(env, name, &local);
    local.size = sizeof local;
    if (rc == 0)
        eddy__struct_out(out, &local, sizeof local);
    return rc;
}
