/*
 * stream_int.h: internals shared by the stream module's files: stream.c (streams as named
 * objects), stream_put.c, stream_iter.c, reshard.c, stream_trim.c, stream_dict.c, checkpoint.c,
 * lease.c and stream_verify.c. Only those files include it. Never calls mdb_* (txn.h only).
 *
 * Invariants every write keeps (stream_verify.c checks them):
 * - each shard has one SSHARD row; its records are stored in blocks, SREC keys
 *   (sid, shard, first_n) holding records first_n .. first_n + count - 1, with
 *   base_n < first_n, last record <= last_n, first_n >= trim_n, blocks not overlapping, arrival
 *   times non-decreasing and <= last_ts, and its row counts them (records, bytes);
 * - the open shards of a stream partition the hash-key space, and SROUTE holds exactly one entry
 *   (sid, end) -> shard for each of them;
 * - STIME (sid, shard, ts) -> n is the first record of the shard that arrived at ts;
 * - checkpoints and leases name shards that exist.
 */
#ifndef EDDY_ENGINE_STREAM_INT_H
#define EDDY_ENGINE_STREAM_INT_H

#include <pthread.h>
#include <stdint.h>

#include "env_int.h"
#include "keys.h"
#include "payload.h"
#include "shard_hash.h"
#include "stream_keys.h"
#include "txn.h"
#include "verify.h"

/* Hard bounds behind the configurable limits (docs/SEMANTICS.md "Streams"). */
#define EDDY__S_RET_DEFAULT   86400000ull
#define EDDY__S_RET_MIN       60000ull
#define EDDY__S_RET_MAX       31536000000ull
#define EDDY__S_REC_DEFAULT   1048576u
#define EDDY__S_REC_MAX       16777216u
#define EDDY__S_BATCH_DEFAULT 500u
#define EDDY__S_BATCH_MAX     10000u
#define EDDY__S_TTL_DEFAULT   300000u
#define EDDY__S_TTL_MIN       1000u
#define EDDY__S_TTL_MAX       86400000u
#define EDDY__S_READ_MAX      10000u
#define EDDY__S_READ_BYTES    10485760u
#define EDDY__S_TRIM_DEFAULT  1000u
#define EDDY__S_TRIM_MAX      100000u
#define EDDY__S_DEL_STEP      4000u
#define EDDY__S_LEASE_MAX_MS  86400000ull
/* Record numbers follow the clock: n >= now_ms << EDDY__S_N_SHIFT, so that numbers of
 * different shards (and of children after a reshard) are roughly ordered by time. */
#define EDDY__S_N_SHIFT 20
/* Largest record number a put may be asked to exceed (seq_for_ordering): far above any number
 * the clock floor produces, and far enough below 2^64 that a block's numbers cannot wrap. */
#define EDDY__S_N_MAX (1ull << 63)

/* The public constants are the format's. */
_Static_assert(EDDY_STREAM_SEQ_LEN == EDDY__SEQ_DIGITS, "sequence number width");
_Static_assert(EDDY_STREAM_HASH_KEY_LEN == EDDY__HASH_DIGITS, "hash key width");
_Static_assert(EDDY_STREAM_ITER_LEN == EDDY__SITER_HEX_LEN, "iterator token width");
_Static_assert(EDDY_STREAM_NAME_MAX == EDDY__SNAME_MAX, "stream name length");
_Static_assert(EDDY_CONSUMER_NAME_MAX == EDDY__SNAME_MAX, "consumer name length");
_Static_assert(EDDY_WORKER_NAME_MAX == EDDY__LEASE_OWNER_MAX, "worker name length");
_Static_assert(EDDY_CHECKPOINT_STATE_MAX == EDDY__CKPT_STATE_MAX, "checkpoint state length");
_Static_assert(EDDY_STREAM_NAME_MAX <= EDDY__NAME_MAX, "stream names fit the catalog");
/* Blocks may be chunked: their key must fit a chunk owner. */
_Static_assert(EDDY__SKEY_REC_LEN <= EDDY__CHUNK_OWNER_MAX, "record key fits a chunk owner");

struct eddy__stream_env {
    /*
     * Puts route records to shards before their write (compression happens outside the
     * writer); a reshard committed in between makes the put route again. A put that lost that
     * race a few times holds `gate` shared from routing to commit, and reshards of this
     * process take it exclusively, so a put cannot starve behind a stream of reshards.
     */
    pthread_rwlock_t gate;
};

/* A stream resolved from the catalog. */
typedef struct eddy__s {
    uint64_t id;
    uint64_t created_ms;
    uint64_t modified_ms;
    eddy__scfg cfg;
    char name[EDDY__SNAME_MAX + 1];
    size_t name_len;
} eddy__s;

/* A shard row with its id. */
typedef struct eddy__shard_row {
    uint32_t id;
    eddy__sshard s;
} eddy__shard_row;

/* stream.c */
int eddy__s_name_check(const char *what, const char *name, size_t *len_out);
int eddy__s_get(eddy_env *env, MDB_txn *txn, const char *name, size_t name_len, eddy__s *out);
/* Own short read transaction (syncing relaxed writes first when not found). */
int eddy__s_read(eddy_env *env, const char *name, size_t name_len, eddy__s *out);
/* The start of a read call that fills *out: enter the env, EDDY_EINVAL when out is NULL or the
 * name is bad, then eddy__s_read. */
/* The records of a batch as one array (the engine's own view; callers use the accessors). */
const eddy_stream_record *eddy__stream_batch_records(const eddy_stream_batch *b, size_t *n_out);

int eddy__s_enter_read(eddy_env *env, const void *out, const char *name, size_t *len, eddy__s *s);
/* Inside a write: the stream must still be the one with id sid. */
int eddy__s_get_same(eddy__wtx *w, const char *name, size_t name_len, uint64_t sid, eddy__s *out);
int eddy__s_get_by_id(eddy_env *env, MDB_txn *txn, uint64_t sid, eddy__s *out);
/* Rewrite the stream's configuration (catalog entry). */
int eddy__s_cfg_put(eddy__wtx *w, const eddy__s *s);

/* Shard rows. get: EDDY_ENOTFOUND with a message when absent. */
int eddy__shard_get(eddy_env *env, MDB_txn *txn, uint64_t sid, uint32_t shard, eddy__sshard *out);
int eddy__shard_put(eddy__wtx *w, uint64_t sid, uint32_t shard, const eddy__sshard *s);
/* All shard rows of a stream, in id order; *rows is allocated (free with eddy__free). */
int eddy__shards_load(eddy_env *env, MDB_txn *txn, uint64_t sid, eddy__shard_row **rows, size_t *n);
int eddy__route_put(eddy__wtx *w, uint64_t sid, const uint8_t end[16], uint32_t shard);
int eddy__route_del(eddy__wtx *w, uint64_t sid, const uint8_t end[16]);
/* Delete every key of `table` that starts with prefix, at most max (0 = all); *n_out = count. */
int eddy__s_del_prefix(eddy__wtx *w, int table, const void *prefix, size_t prefix_len, uint64_t max,
                       int payloads, uint64_t *n_out);
/* Remove a shard with its time index, checkpoints and leases (records must be gone). */
int eddy__shard_remove(eddy__wtx *w, uint64_t sid, uint32_t shard);

/*
 * stream_put.c: a put batch prepared in the caller's thread: validated, hashed, routed to open
 * shards with a snapshot of the routing index, packed into one block per shard (more when a
 * block would pass EDDY__SBLOCK_RAW_MAX) and compressed. The writer only numbers and stores the
 * blocks; if a reshard happened since the snapshot (the stream's next_shard_id moved), the
 * writer refuses (reroute = 1) and the caller prepares again.
 */
typedef struct eddy__sput_item {
    uint8_t hash[16];
    uint64_t min_n; /* from seq_for_ordering: n must exceed it; 0 = none */
    uint32_t block; /* index of its block */
    uint32_t idx;   /* its place in the block */
} eddy__sput_item;

typedef struct eddy__sput_block {
    uint32_t shard;
    uint32_t count;
    uint64_t data_bytes;
    uint64_t min_first; /* first_n must be at least this (seq_for_ordering) */
    uint8_t *raw;       /* the payload before compression, owned */
    size_t raw_len, raw_cap;
    eddy__payload p;
    uint64_t first_n;    /* set by the writer */
    uint64_t arrival_ms; /* set by the writer */
    uint8_t key[EDDY__SKEY_REC_LEN];
} eddy__sput_block;

typedef struct eddy__sput_shard {
    uint32_t id;
    int dirty;
    eddy__sshard s;
} eddy__sput_shard;

typedef struct eddy__sput {
    eddy__s s;
    uint32_t epoch; /* s.cfg.next_shard_id when routed */
    size_t n;
    eddy__sput_item *items;          /* n, owned */
    eddy_stream_put_result *results; /* caller's; items with results[i].rc != 0 are skipped */
    eddy__sput_block *blocks;        /* n_blocks, owned */
    size_t n_blocks;
    eddy__sput_shard *shards; /* writer scratch, n_blocks */
    size_t n_shards;
    uint32_t *order; /* writer scratch: blocks in key order */
    int reroute;     /* out: a reshard raced the routing; prepare again */
} eddy__sput;

/* A record's partition key (1..EDDY_STREAM_PK_MAX bytes) and data against the stream's
 * limits: EDDY_EINVAL, EDDY_ETOOBIG. */
int eddy__s_record_check(const eddy__scfg *cfg, eddy_slice pk, eddy_slice data);
/* Append one record to b's payload (growing it; count and data_bytes too). EDDY_ENOMEM. */
int eddy__sblock_append(eddy_env *env, eddy__sput_block *b, const void *pk, size_t pk_len,
                        const void *data, size_t data_len);
/* Free n blocks' payloads and the array itself. Accepts NULL. */
void eddy__sblocks_free(eddy_env *env, eddy__sput_block *blocks, size_t n);
/* Compress b's payload into b->p (with dictionary dict_id when not 0). */
int eddy__sblock_compress(eddy_env *env, eddy__sput_block *b, uint32_t dict_id);
/* Account a block of count records numbered from first_n, arrived at ts, in shard row sh: the
 * time index entry when ts is new, last_n, last_ts, records, bytes. The caller stores the row. */
int eddy__shard_append(eddy__wtx *w, uint64_t sid, uint32_t shard, eddy__sshard *sh,
                       uint64_t first_n, uint32_t count, uint64_t ts, uint64_t data_bytes);
int eddy__sput_prepare(eddy_env *env, const char *name, const eddy_stream_put_entry *entries,
                       size_t n, eddy_stream_put_result *results, int all_or_nothing,
                       eddy__sput *out);
int eddy__sput_apply(eddy__wtx *w, eddy__sput *p);

/*
 * stream_trim.c: retention in bounded background steps, as a queue receive removes expired
 * messages: remove up to EDDY__S_EXPIRE_STEP expired records (whole blocks, at least one) of
 * open shard `shard`, whose row is *sh (updated and stored when something went). Puts call it
 * for the shards they wrote to.
 */
#define EDDY__S_EXPIRE_STEP 16u
int eddy__s_expire_shard(eddy__wtx *w, uint64_t sid, uint64_t retention_ms, uint32_t shard,
                         eddy__sshard *sh);
void eddy__sput_release(eddy_env *env, eddy__sput *p);

/* checkpoint.c: a checkpoint validated in the caller's thread, applied in a write. */
typedef struct eddy__ckpt_op {
    eddy__s s;
    char consumer[EDDY__SNAME_MAX + 1];
    size_t consumer_len;
    uint32_t shard;
    eddy__ckpt c; /* c.state borrows the caller's bytes */
    uint32_t seq_shard;
    const char *worker;
    size_t worker_len;
} eddy__ckpt_op;
int eddy__ckpt_prepare(eddy_env *env, const eddy_checkpoint_write *cp, eddy__ckpt_op *out);
int eddy__ckpt_apply(eddy__wtx *w, const eddy__ckpt_op *op);

/* lease.c: read a lease row; EDDY_ENOTFOUND (no message) when absent. */
int eddy__lease_get(eddy_env *env, MDB_txn *txn, uint64_t sid, uint32_t shard, const char *consumer,
                    size_t consumer_len, eddy__lease *out);

/* stream_iter.c */
void eddy__seq_str(uint64_t n, uint32_t shard, char *dst);

/* checkpoint.c: the common start of eddy_checkpoint_list and eddy_lease_list: check the
 * arguments and names, resolve the stream, begin a read transaction. */
int eddy__consumer_list_begin(eddy_env *env, const char *stream, const char *consumer, int have_out,
                              size_t cap, size_t *n_out, size_t *slen, size_t *clen, eddy__s *s,
                              MDB_txn **txn);
/* The tail of those listings: end txn, take the end of data as success, report n in *n_out and
 * EDDY_EBUFS ("N <what>; room for CAP") when n > cap. Returns the listing's result. */
int eddy__consumer_list_end(eddy_env *env, MDB_txn *txn, int rc, size_t n, size_t cap,
                            size_t *n_out, const char *what);

/* ---- what env/ calls: start and stop the subsystem (open/close order), check it (verify) ---- */
int eddy__stream_env_init(eddy_env *env);
void eddy__stream_env_fini(eddy_env *env);
/* The checker: returns 0, EDDY_EUSER (stop), or an error that ended the check early. */
int eddy__stream_verify(eddy__vctx *v);

#endif /* EDDY_ENGINE_STREAM_INT_H */
