/*
 * dict_train.h: the common part of eddy_queue_train_dict and eddy_stream_train_dict (queue_dict.c,
 * stream_dict.c): bounds, sampling the newest records of one key range in a read snapshot
 * (copied out), decompressing them outside it, training with ZDICT, and storing the dictionary
 * in a write op that also makes it the object's dictionary for new records. Each caller only says
 * which keys are its records, how one record splits into samples, and where the id goes.
 */
#ifndef EDDY_ENGINE_DICT_TRAIN_H
#define EDDY_ENGINE_DICT_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "txn.h"

/* The object a training is for, as each caller's ctx: resolved by name, checked by id in the
 * write op (a queue or stream re-created meanwhile is not the same object). */
typedef struct eddy__dict_obj {
    const char *name;
    size_t name_len;
    uint64_t id;
} eddy__dict_obj;

/* Training samples: concatenated in buf, one length per sample in sizes. */
typedef struct eddy__dict_samples {
    uint8_t *buf;
    size_t *sizes;
    size_t n;   /* samples */
    size_t len; /* bytes in buf */
} eddy__dict_samples;

/* Append one sample (the buffer was sized from the records' raw lengths, so it fits). */
void eddy__dict_sample_add(eddy__dict_samples *s, const void *data, size_t len);

/* What differs between a queue's and a stream's training (each file has one static const). */
typedef struct eddy__dict_ops {
    const char *what;  /* "queue" or "stream", for messages */
    const char *units; /* "messages" or "records" */
    int table;         /* where the records are (EDDY__T_QMSG, EDDY__T_SREC) */
    /* Position cur at the newest key of the object's range (or EDDY_ENOTFOUND). */
    int (*seek_last)(void *ctx, MDB_cursor *cur, MDB_val *key, MDB_val *val);
    /* Classify a key, walking back: 1 a record worth *weight samples, 0 skip it, -1 the range
     * ended; or a negative EDDY_E* code. */
    int (*classify)(void *ctx, const MDB_val *key, const MDB_val *val, uint64_t *weight);
    /* Add the samples of one record, given its loaded header and decompressed payload. */
    int (*split)(void *ctx, const eddy__loaded *l, const uint8_t *body, size_t len,
                 eddy__dict_samples *s);
    /* In the write op: the object still exists; make dict_id its dictionary for new records. */
    int (*install)(eddy__wtx *w, void *ctx, uint32_t dict_id);
} eddy__dict_ops;

/* Apply the defaults to sample_max (0 = 1000, at most 100000) and dict_len_max (0 = 16384,
 * 1024..131072); EDDY_EINVAL when out of range. */
int eddy__dict_bounds(uint32_t *sample_max, uint32_t *dict_len_max);

/*
 * Sample up to sample_max samples of object `name` (bounds already applied), train, store and
 * install; ctx goes to every op. The caller has entered the env for writing and resolved it. Errors
 * as documented for eddy_queue_train_dict (EDDY_ELIMIT when zstd cannot train from the samples).
 */
int eddy__dict_train(eddy_env *env, const eddy__dict_ops *ops, const char *name, void *ctx,
                     uint32_t sample_max, uint32_t dict_len_max, uint32_t *dict_id_out);

#endif /* EDDY_ENGINE_DICT_TRAIN_H */
