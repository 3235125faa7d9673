/*
 * catalog.c: named objects. The catalog row (kind|name -> record with id, times and the module's
 * config) and the objects row (id -> kind|name) are always written and removed together, so each
 * is the other's index; verify.c checks that they agree.
 */
#include "catalog.h"

#include <string.h>

#include "bytes.h"
#include "error.h"
#include "payload.h"

void eddy__cat_entry_release(eddy_env *env, eddy__cat_entry *e)
{
    if (e == NULL)
        return;
    eddy__free(env, e->cfg);
    memset(e, 0, sizeof *e);
}

/* Decode a catalog value (already read from `txn`) into an owned entry. */
static int cat_decode(eddy_env *env, MDB_txn *txn, const void *key, size_t key_len,
                      const MDB_val *val, eddy__cat_entry *out)
{
    eddy__loaded l;
    int rc = eddy__payload_load(env, txn, EDDY__T_CATALOG, key, key_len, val, &l);

    memset(out, 0, sizeof *out);
    if (rc != 0)
        return rc;
    if (l.rec.kind != EDDY__KIND_CATALOG || l.rec.meta_len != EDDY__CATALOG_META_LEN ||
        l.rec.codec != EDDY__CODEC_NONE) {
        eddy__loaded_release(env, &l);
        return EDDY__CORRUPT("catalog entry of kind %u with meta of %u bytes", l.rec.kind,
                             l.rec.meta_len);
    }
    out->id = eddy__be64_get(l.rec.meta);
    out->created_ms = eddy__be64_get(l.rec.meta + 8);
    out->modified_ms = eddy__be64_get(l.rec.meta + 16);
    out->cfg_len = l.rec.raw_len;
    out->cfg = eddy__malloc(env, out->cfg_len + 1);
    if (out->cfg == NULL) {
        eddy__loaded_release(env, &l);
        return eddy__err(EDDY_ENOMEM, "out of memory reading a catalog entry");
    }
    if (out->cfg_len > 0)
        memcpy(out->cfg, l.rec.stored, out->cfg_len);
    eddy__loaded_release(env, &l);
    return 0;
}

int eddy__cat_get(eddy_env *env, MDB_txn *txn, uint8_t kind, const char *name, size_t name_len,
                  eddy__cat_entry *out)
{
    uint8_t k[EDDY__CATALOG_KEY_MAX];
    size_t klen;
    MDB_val v;
    int rc;

    memset(out, 0, sizeof *out);
    if (eddy__key_catalog(k, sizeof k, kind, name, name_len, &klen) != 0)
        return eddy__err(EDDY_EINVAL, "catalog name of %zu bytes", name_len);
    if ((rc = eddy__get(env, txn, EDDY__T_CATALOG, k, klen, &v)) != 0)
        return rc;
    return cat_decode(env, txn, k, klen, &v, out);
}

int eddy__cat_name(eddy_env *env, MDB_txn *txn, uint64_t id, uint8_t *kind, char *name_buf,
                   size_t name_cap)
{
    uint8_t k[8];
    MDB_val v;
    int rc;

    eddy__be64_put(k, id);
    if ((rc = eddy__get(env, txn, EDDY__T_OBJECTS, k, sizeof k, &v)) != 0)
        return rc;
    if (v.mv_size < 2 || v.mv_size > EDDY__CATALOG_KEY_MAX)
        return EDDY__CORRUPT("objects entry %llu of %zu bytes", (unsigned long long)id, v.mv_size);
    if (v.mv_size - 1 >= name_cap)
        return eddy__err(EDDY_EBUFS, "name buffer of %zu bytes too small", name_cap);
    *kind = ((const uint8_t *)v.mv_data)[0];
    memcpy(name_buf, (const uint8_t *)v.mv_data + 1, v.mv_size - 1);
    name_buf[v.mv_size - 1] = '\0';
    return 0;
}

static int cat_write(eddy__wtx *w, const uint8_t *k, size_t klen, uint64_t id, uint64_t created_ms,
                     const void *cfg, size_t cfg_len)
{
    uint8_t meta[EDDY__CATALOG_META_LEN];
    eddy__payload p;

    eddy__be64_put(meta, id);
    eddy__be64_put(meta + 8, created_ms);
    eddy__be64_put(meta + 16, w->now_ms);
    memset(&p, 0, sizeof p);
    p.codec = EDDY__CODEC_NONE;
    p.raw_len = p.stored_len = (uint32_t)cfg_len;
    p.stored = cfg;
    return eddy__payload_put(w, EDDY__T_CATALOG, k, klen, EDDY__KIND_CATALOG, meta, sizeof meta, &p,
                             0);
}

static int next_id(eddy__wtx *w, uint64_t *id)
{
    MDB_val v;
    uint8_t b[8];
    int rc =
        eddy__get(w->env, w->txn, EDDY__T_META, EDDY__META_NEXT_ID, strlen(EDDY__META_NEXT_ID), &v);
    if (rc != 0 || v.mv_size != 8)
        return rc == 0 || rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("meta next_id missing or bad") : rc;
    *id = eddy__be64_get(v.mv_data);
    eddy__be64_put(b, *id + 1);
    return eddy__put(w, EDDY__T_META, EDDY__META_NEXT_ID, strlen(EDDY__META_NEXT_ID), b, 8, 0);
}

int eddy__cat_create(eddy__wtx *w, uint8_t kind, const char *name, size_t name_len, const void *cfg,
                     size_t cfg_len, uint64_t *id_out)
{
    uint8_t k[EDDY__CATALOG_KEY_MAX], idk[8];
    size_t klen;
    MDB_val v;
    int rc;

    if (eddy__key_catalog(k, sizeof k, kind, name, name_len, &klen) != 0)
        return eddy__err(EDDY_EINVAL, "catalog name of %zu bytes", name_len);
    rc = eddy__get(w->env, w->txn, EDDY__T_CATALOG, k, klen, &v);
    if (rc == 0)
        return EDDY_EEXIST;
    if (rc != EDDY_ENOTFOUND)
        return rc;
    if ((rc = next_id(w, id_out)) != 0)
        return rc;
    if ((rc = cat_write(w, k, klen, *id_out, w->now_ms, cfg, cfg_len)) != 0)
        return rc;
    eddy__be64_put(idk, *id_out);
    return eddy__put(w, EDDY__T_OBJECTS, idk, 8, k, klen, MDB_NOOVERWRITE);
}

int eddy__cat_update(eddy__wtx *w, uint8_t kind, const char *name, size_t name_len,
                     const eddy__cat_entry *e, const void *cfg, size_t cfg_len)
{
    uint8_t k[EDDY__CATALOG_KEY_MAX];
    size_t klen;

    if (eddy__key_catalog(k, sizeof k, kind, name, name_len, &klen) != 0)
        return eddy__err(EDDY_EINVAL, "catalog name of %zu bytes", name_len);
    return cat_write(w, k, klen, e->id, e->created_ms, cfg, cfg_len);
}

int eddy__cat_delete(eddy__wtx *w, uint8_t kind, const char *name, size_t name_len, uint64_t id)
{
    uint8_t k[EDDY__CATALOG_KEY_MAX], idk[8];
    size_t klen;
    int rc;

    if (eddy__key_catalog(k, sizeof k, kind, name, name_len, &klen) != 0)
        return eddy__err(EDDY_EINVAL, "catalog name of %zu bytes", name_len);
    if ((rc = eddy__payload_del(w, EDDY__T_CATALOG, k, klen)) != 0)
        return rc;
    eddy__be64_put(idk, id);
    rc = eddy__del(w, EDDY__T_OBJECTS, idk, 8);
    return rc == EDDY_ENOTFOUND ? EDDY__CORRUPT("catalog entry without objects entry") : rc;
}

int eddy__cat_list(eddy_env *env, MDB_txn *txn, uint8_t kind, eddy__cat_visit_fn fn, void *ctx)
{
    MDB_cursor *cur = NULL;
    eddy__cat_entry e;
    MDB_val k, v;
    int rc;

    if ((rc = eddy__cur_open(env, txn, EDDY__T_CATALOG, &cur)) != 0)
        return rc;
    for (rc = eddy__cur_seek_prefix(cur, &kind, 1, NULL, 0, &k, &v); rc == 0;
         rc = eddy__cur_next_prefix(cur, &kind, 1, &k, &v)) {
        if ((rc = cat_decode(env, txn, k.mv_data, k.mv_size, &v, &e)) != 0)
            break;
        rc = fn(ctx, (const char *)k.mv_data + 1, k.mv_size - 1, &e);
        eddy__cat_entry_release(env, &e);
        if (rc != 0)
            break;
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static int count_one(void *ctx, const char *name, size_t name_len, const eddy__cat_entry *e)
{
    (void)name;
    (void)name_len;
    (void)e;
    (*(uint32_t *)ctx)++;
    return 0;
}

int eddy__cat_count(eddy_env *env, MDB_txn *txn, uint8_t kind, uint32_t *n)
{
    *n = 0;
    return eddy__cat_list(env, txn, kind, count_one, n);
}

static int cat_read_once(eddy_env *env, eddy__cat_read_fn read, void *ctx)
{
    MDB_txn *txn = NULL;
    int rc = eddy__rtxn_begin(env, &txn);

    if (rc != 0)
        return rc;
    rc = read(env, txn, ctx);
    eddy__rtxn_end(env, txn);
    return rc;
}

int eddy__cat_read(eddy_env *env, eddy__cat_read_fn read, void *ctx)
{
    int rc = cat_read_once(env, read, ctx);

    if (rc == EDDY_ENOTFOUND && env->opt.durability == EDDY_ENV_DURABILITY_RELAXED &&
        (rc = eddy__write_sync(env)) == 0)
        rc = cat_read_once(env, read, ctx);
    return rc;
}

int eddy__cat_name_of(eddy_env *env, MDB_txn *txn, uint64_t id, uint8_t kind, const char *what,
                      char *name_buf, size_t name_cap)
{
    uint8_t k = 0;
    int rc = eddy__cat_name(env, txn, id, &k, name_buf, name_cap);

    if (rc == 0 && k != kind)
        rc = EDDY_ENOTFOUND;
    if (rc == EDDY_ENOTFOUND)
        return eddy__err(rc, "no %s with id %llu", what, (unsigned long long)id);
    return rc;
}
