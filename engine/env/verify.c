/*
 * verify.c: eddy_env_verify, the deep checker. It walks the foundation tables in one read
 * transaction (meta, catalog <-> objects, chunks -> owners), then runs each module's checker.
 * It reports every problem with its table and exact key, and never stops at the first one.
 */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "catalog.h"
#include "error.h"
#include "progress.h"
#include "keys.h"
#include "pagecheck.h"
#include "payload.h"
#include "queue_int.h"
#include "stream_int.h"

static int verify_meta(eddy__vctx *v, uint64_t *next_id)
{
    MDB_val val;
    int rc;

    *next_id = 0;
    rc = eddy__get(v->env, v->txn, EDDY__T_META, EDDY__META_NEXT_ID, strlen(EDDY__META_NEXT_ID),
                   &val);
    if (rc == 0 && val.mv_size == 8) {
        *next_id = eddy__be64_get(val.mv_data);
        return 0;
    }
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    return eddy__vreport(v, EDDY__T_META, EDDY__META_NEXT_ID, strlen(EDDY__META_NEXT_ID),
                         "next object id is missing or not 8 bytes");
}

/* Each catalog row decodes, has an id below next_id, and its objects row points back. */
static int verify_catalog_row(eddy__vctx *v, const MDB_val *k, const MDB_val *val, uint64_t next_id)
{
    eddy__loaded l;
    uint8_t idk[8];
    MDB_val back;
    uint64_t id;
    int rc;

    rc = eddy__payload_load(v->env, v->txn, EDDY__T_CATALOG, k->mv_data, k->mv_size, val, &l);
    if (eddy__vnot_data(rc))
        return rc;
    if (rc != 0)
        return eddy__vreport(v, EDDY__T_CATALOG, k->mv_data, k->mv_size, "%s", eddy_last_error());
    if (l.rec.kind != EDDY__KIND_CATALOG || l.rec.meta_len != EDDY__CATALOG_META_LEN) {
        eddy__loaded_release(v->env, &l);
        return eddy__vreport(v, EDDY__T_CATALOG, k->mv_data, k->mv_size,
                             "catalog record has kind %u and meta of %u bytes", l.rec.kind,
                             l.rec.meta_len);
    }
    id = eddy__be64_get(l.rec.meta);
    eddy__loaded_release(v->env, &l);
    if (id == 0 || id >= next_id)
        return eddy__vreport(v, EDDY__T_CATALOG, k->mv_data, k->mv_size,
                             "object id %llu is not below next id %llu", (unsigned long long)id,
                             (unsigned long long)next_id);
    eddy__be64_put(idk, id);
    rc = eddy__get(v->env, v->txn, EDDY__T_OBJECTS, idk, 8, &back);
    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    if (rc != 0 || back.mv_size != k->mv_size || memcmp(back.mv_data, k->mv_data, k->mv_size))
        return eddy__vreport(v, EDDY__T_CATALOG, k->mv_data, k->mv_size,
                             "objects entry for id %llu is missing or names another object",
                             (unsigned long long)id);
    return 0;
}

static int verify_catalog(eddy__vctx *v, uint64_t next_id)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val, back;
    uint64_t n_cat = 0, n_obj = 0;
    int rc;

    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_CATALOG, &cur)) != 0)
        return rc;
    while (rc == 0 && (rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0) {
        uint8_t kind;
        const char *name;
        size_t name_len;
        n_cat++;
        if (eddy__key_catalog_decode(k.mv_data, k.mv_size, &kind, &name, &name_len, NULL) != 0)
            rc = eddy__vreport(v, EDDY__T_CATALOG, k.mv_data, k.mv_size, "malformed key");
        else
            rc = verify_catalog_row(v, &k, &val, next_id);
    }
    eddy__cur_close(cur);
    if (rc != EDDY_ENOTFOUND)
        return rc;
    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_OBJECTS, &cur)) != 0)
        return rc;
    while (rc == 0 && (rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0) {
        n_obj++;
        if (k.mv_size != 8 ||
            eddy__get(v->env, v->txn, EDDY__T_CATALOG, val.mv_data, val.mv_size, &back) != 0)
            rc = eddy__vreport(v, EDDY__T_OBJECTS, k.mv_data, k.mv_size,
                               "objects entry without its catalog entry");
    }
    eddy__cur_close(cur);
    if (rc != EDDY_ENOTFOUND)
        return rc;
    (void)n_cat;
    (void)n_obj;
    return 0;
}

/* Every chunk belongs to an existing, chunked record of a known table. */
static int verify_chunks(eddy__vctx *v)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val, owner_val;
    int rc;

    if ((rc = eddy__cur_open(v->env, v->txn, EDDY__T_CHUNKS, &cur)) != 0)
        return rc;
    while (rc == 0 && (rc = eddy__cur_get(cur, &k, &val, MDB_NEXT)) == 0) {
        uint8_t tag;
        const uint8_t *owner;
        size_t owner_len;
        uint32_t no;
        if (eddy__key_chunk_decode(k.mv_data, k.mv_size, &tag, &owner, &owner_len, &no, NULL) !=
                0 ||
            tag >= EDDY__T_COUNT) {
            rc = eddy__vreport(v, EDDY__T_CHUNKS, k.mv_data, k.mv_size, "malformed chunk key");
            continue;
        }
        rc = eddy__get(v->env, v->txn, tag, owner, owner_len, &owner_val);
        if (rc == EDDY_ENOTFOUND ||
            (rc == 0 && (owner_val.mv_size < 2 ||
                         !(((const uint8_t *)owner_val.mv_data)[1] & EDDY__REC_CHUNKED))))
            rc = eddy__vreport(v, EDDY__T_CHUNKS, k.mv_data, k.mv_size,
                               "chunk %u has no chunked owner record in table %s", no,
                               eddy__table_names[tag]);
    }
    eddy__cur_close(cur);
    return rc == EDDY_ENOTFOUND ? 0 : rc;
}

static int page_problem(void *ctx, const char *tree, const char *what)
{
    eddy__vctx *v = ctx;
    eddy_slice none = {NULL, 0};
    if (v->problems++ == 0)
        snprintf(v->first_page, sizeof v->first_page, "%s: %s", tree, what);
    if (v->cb != NULL && v->cb(v->cb_ctx, tree, none, what) != 0) {
        v->stopped = 1;
        return 1;
    }
    return 0;
}

/*
 * LMDB's pages first (pagecheck.c): LMDB does not validate them, so the records are read only
 * from a file whose every page passed. Leaves v->txn open on the checked snapshot.
 */
static int verify_pages(eddy__vctx *v)
{
    return eddy__pagecheck_pinned(v->env, page_problem, v, NULL, &v->txn);
}

EDDY_API int eddy_env_verify(eddy_env *env, eddy_verify_fn cb, void *ctx, uint64_t *problems)
{
    eddy__vctx v;
    uint64_t next_id, total = 0;
    int rc = eddy__env_enter_verify(env);

    if (problems != NULL)
        *problems = 0;
    if (rc != 0)
        return rc;
    memset(&v, 0, sizeof v);
    v.env = env;
    v.cb = cb;
    v.cb_ctx = ctx;
    rc = verify_pages(&v);
    if (rc != 0 || v.problems > 0) {
        if (v.txn != NULL)
            eddy__rtxn_end(env, v.txn);
        if (problems != NULL)
            *problems = v.problems;
        if (v.problems > 0) { /* LMDB could crash on these pages: no call may read them now */
            char why[480];
            snprintf(why, sizeof why,
                     "data.mdb has damaged LMDB pages (first: %.320s); found by "
                     "eddy_env_verify, this handle now refuses every call but verify and close",
                     v.first_page);
            eddy__env_fence(env, why);
        }
        if (v.stopped || rc == EDDY_EUSER)
            return eddy__err(EDDY_EUSER, "verify stopped by its callback");
        if (rc != 0)
            return rc;
        return eddy__err(EDDY_ECORRUPT,
                         "verify found %llu damaged LMDB page(s); the records were not read, "
                         "since LMDB does not validate pages",
                         (unsigned long long)v.problems);
    }
    if (env->opt.progress.fn != NULL && eddy__entries_total(env, v.txn, &total) == 0)
        eddy__progress_reads_begin(env, "verify", total);
    if ((rc = verify_meta(&v, &next_id)) == 0 && (rc = verify_catalog(&v, next_id)) == 0 &&
        (rc = verify_chunks(&v)) == 0 && (rc = eddy__queue_verify(&v)) == 0)
        rc = eddy__stream_verify(&v);
    eddy__progress_reads_end();
    eddy__rtxn_end(env, v.txn);
    if (problems != NULL)
        *problems = v.problems;
    if (v.stopped)
        return eddy__err(EDDY_EUSER, "verify stopped by its callback");
    /* After LMDB meets a damaged page it refuses every further read in that transaction. */
    if (rc != 0 && v.problems > 0 && rc != EDDY_ENOMEM) {
        char why[256];
        snprintf(why, sizeof why, "%s", eddy_last_error());
        return eddy__err(EDDY_ECORRUPT, "verify found %llu problem(s), then could not read on: %s",
                         (unsigned long long)v.problems, why);
    }
    return rc;
}
