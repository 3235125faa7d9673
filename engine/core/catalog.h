/*
 * catalog.h: named objects (queues, streams). The catalog maps kind|name to an entry (a 64-bit
 * id that never repeats, creation and modification times, and the module's configuration
 * bytes); the objects table maps id back to kind|name. Ids key every data table, so renaming or
 * re-creating an object never mixes its data with an old one's.
 */
#ifndef EDDY_ENGINE_CATALOG_H
#define EDDY_ENGINE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "txn.h"

typedef struct eddy__cat_entry {
    uint64_t id;
    uint64_t created_ms;
    uint64_t modified_ms;
    uint8_t *cfg; /* module configuration bytes, owned (env allocator) */
    size_t cfg_len;
} eddy__cat_entry;

void eddy__cat_entry_release(eddy_env *env, eddy__cat_entry *e);

/* Look up kind|name. EDDY_ENOTFOUND (no message), EDDY_ECORRUPT, EDDY_ENOMEM. */
int eddy__cat_get(eddy_env *env, MDB_txn *txn, uint8_t kind, const char *name, size_t name_len,
                  eddy__cat_entry *out);

/* Look up by id: kind and name (NUL-terminated, at most EDDY__NAME_MAX bytes) into name_buf. */
int eddy__cat_name(eddy_env *env, MDB_txn *txn, uint64_t id, uint8_t *kind, char *name_buf,
                   size_t name_cap);
/* eddy__cat_name for an object that must be of `kind`: EDDY_ENOTFOUND with "no <what> with id N"
 * when the id names nothing or an object of another kind. */
int eddy__cat_name_of(eddy_env *env, MDB_txn *txn, uint64_t id, uint8_t kind, const char *what,
                      char *name_buf, size_t name_cap);

/*
 * Create kind|name with `cfg` and a fresh id (*id_out). EDDY_EEXIST (no message) if the name
 * exists. Other errors as eddy__put.
 */
int eddy__cat_create(eddy__wtx *w, uint8_t kind, const char *name, size_t name_len, const void *cfg,
                     size_t cfg_len, uint64_t *id_out);

/* Replace the configuration of an existing entry (keeps id and created_ms). */
int eddy__cat_update(eddy__wtx *w, uint8_t kind, const char *name, size_t name_len,
                     const eddy__cat_entry *e, const void *cfg, size_t cfg_len);

/* Remove kind|name and its objects entry. The module deletes the object's data itself. */
int eddy__cat_delete(eddy__wtx *w, uint8_t kind, const char *name, size_t name_len, uint64_t id);

/* Visit every entry of `kind` in name order; stop (returning its code) when fn returns != 0. */
typedef int (*eddy__cat_visit_fn)(void *ctx, const char *name, size_t name_len,
                                  const eddy__cat_entry *e);
int eddy__cat_list(eddy_env *env, MDB_txn *txn, uint8_t kind, eddy__cat_visit_fn fn, void *ctx);

/*
 * Read an object in its own read snapshot: `read` runs with the transaction. In relaxed mode an
 * object created a moment ago may not be committed yet: on EDDY_ENOTFOUND, commit what was
 * acknowledged (eddy__write_sync) and read once more, so create-then-use works in every mode.
 */
typedef int (*eddy__cat_read_fn)(eddy_env *env, MDB_txn *txn, void *ctx);
int eddy__cat_read(eddy_env *env, eddy__cat_read_fn read, void *ctx);

/* Count entries of a kind. */
int eddy__cat_count(eddy_env *env, MDB_txn *txn, uint8_t kind, uint32_t *n);

#endif /* EDDY_ENGINE_CATALOG_H */
