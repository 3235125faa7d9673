/*
 * queue_keys.h: key and value codecs for the queue tables (normative layouts: docs/FORMAT.md,
 * "Queue tables"). Every key starts with the queue id (be64) so one queue's entries are adjacent.
 * A message's record, its state and the queue's counters share the QMSG table, and the
 * visibility and retention indexes share QVIS, so that a send or a receive dirties few B-trees.
 * Decoders are strict: any length or field that disagrees with the layout is EDDY_ECORRUPT.
 * Pure bytes: no LMDB, no I/O, no clock, no globals.
 *
 *   table  key                                   value
 *   QMSG   qid | msg_id                   (16)   record, kind QMSG, meta = eddy__qmeta
 *   QMSG   qid | msg_id | 's'             (17)   eddy__qstate (47 bytes); absent for a plain
 *                                                message (never received, visible since it was
 *                                                stored, enqueue time in id order)
 *   QMSG   qid | FFFFFFFFFFFFFFFF         (16)   eddy__qcounters (69 bytes), after all messages
 *                                                (writers remove it before appending messages
 *                                                and put it back after them: see FORMAT.md)
 *   QVIS   qid | deadline_ms | msg_id     (24)   1 byte: state kind (deadline_ms < 2^56); only
 *                                                for messages with a state
 *   QVIS   qid | 01 | enq_ms | msg_id     (25)   empty: the retention index, after all of the
 *                                                queue's visibility entries; only for messages
 *                                                whose state has `indexed` set
 *   QAUX   qid | 't' | task_id            (17)   eddy__qtask: a redrive task of source qid
 */
#ifndef EDDY_FORMAT_QUEUE_KEYS_H
#define EDDY_FORMAT_QUEUE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "ferr.h"

#define EDDY__QNAME_MAX 80

/* ---- keys ---- */
#define EDDY__QKEY_PREFIX_LEN   8
#define EDDY__QKEY_MSG_LEN      16
#define EDDY__QKEY_STATE_LEN    17
#define EDDY__QKEY_COUNTERS_LEN 16
#define EDDY__QKEY_VIS_LEN      24
#define EDDY__QKEY_EXPIRY_LEN   25
#define EDDY__QKEY_TASK_LEN     17
#define EDDY__QKEY_STATE_TAG    's'
#define EDDY__QKEY_EXPIRY_TAG   0x01
#define EDDY__QKEY_TASK_TAG     't'
/* Largest message id (the next one is the counters key) and visibility deadline (so that the
 * deadline's first byte is 0 and retention keys, tagged 01 there, sort after every one). */
#define EDDY__QMSG_ID_MAX   (UINT64_MAX - 1)
#define EDDY__QDEADLINE_MAX ((UINT64_C(1) << 56) - 1)

/* What a QMSG or QVIS key is. */
enum eddy__qkey_type {
    EDDY__QK_RECORD = 1,   /* QMSG message record */
    EDDY__QK_STATE = 2,    /* QMSG message state */
    EDDY__QK_COUNTERS = 3, /* QMSG queue counters */
    EDDY__QK_VIS = 4,      /* QVIS visibility entry */
    EDDY__QK_EXPIRY = 5,   /* QVIS retention entry */
};

void eddy__qkey_prefix(uint8_t dst[EDDY__QKEY_PREFIX_LEN], uint64_t qid);
void eddy__qkey_msg(uint8_t dst[EDDY__QKEY_MSG_LEN], uint64_t qid, uint64_t msg_id);
void eddy__qkey_state(uint8_t dst[EDDY__QKEY_STATE_LEN], uint64_t qid, uint64_t msg_id);
void eddy__qkey_counters(uint8_t dst[EDDY__QKEY_COUNTERS_LEN], uint64_t qid);
/* QMSG keys: *type is EDDY__QK_RECORD, _STATE or _COUNTERS (then *msg_id is 0). */
int eddy__qkey_msg_decode(const void *key, size_t key_len, uint64_t *qid, uint64_t *msg_id,
                          int *type, eddy__ferr *err);

void eddy__qkey_vis(uint8_t dst[EDDY__QKEY_VIS_LEN], uint64_t qid, uint64_t deadline_ms,
                    uint64_t msg_id);
void eddy__qkey_expiry(uint8_t dst[EDDY__QKEY_EXPIRY_LEN], uint64_t qid, uint64_t enq_ms,
                       uint64_t msg_id);
/* Prefix of a queue's retention entries: qid | 01. */
void eddy__qkey_expiry_prefix(uint8_t dst[EDDY__QKEY_PREFIX_LEN + 1], uint64_t qid);
/* QVIS keys: *type is EDDY__QK_VIS (*when = deadline) or EDDY__QK_EXPIRY (*when = enq_ms). */
int eddy__qkey_vis_decode(const void *key, size_t key_len, uint64_t *qid, uint64_t *when,
                          uint64_t *msg_id, int *type, eddy__ferr *err);

void eddy__qkey_task(uint8_t dst[EDDY__QKEY_TASK_LEN], uint64_t qid, uint64_t task_id);
int eddy__qkey_task_decode(const void *key, size_t key_len, uint64_t *qid, uint64_t *task_id,
                           eddy__ferr *err);

/* ---- QSTATE value: the mutable part of a message ---- */
#define EDDY__QSTATE_VERSION  1
#define EDDY__QSTATE_LEN      47
#define EDDY__QSTATE_WAITING  0 /* never received in this queue (maybe delayed) */
#define EDDY__QSTATE_INFLIGHT 1 /* received and not deleted since */

typedef struct eddy__qstate {
    uint8_t kind;              /* EDDY__QSTATE_* */
    uint32_t receive_count;    /* receives so far (carried across a dead-letter move) */
    uint64_t deadline_ms;      /* visible from this time; the QVIS key holds the same value */
    uint64_t first_receive_ms; /* 0 until first received */
    uint64_t received_ms;      /* time of the latest receive (12 h visibility cap base) */
    uint64_t nonce;            /* random per receive; part of the receipt handle */
    uint64_t enq_ms;           /* retention base: first enqueue time (kept by dead-letter moves) */
    uint8_t indexed; /* stored: the message has a retention entry (enq_ms out of id order) */
    uint8_t stored;  /* not encoded: 1 when read from a state value, 0 when implied by the
                      * record of a plain message (no state, no QVIS entries) */
} eddy__qstate;

void eddy__qstate_encode(uint8_t dst[EDDY__QSTATE_LEN], const eddy__qstate *s);
int eddy__qstate_decode(const void *val, size_t len, eddy__qstate *out, eddy__ferr *err);
/* QVIS value: one byte, the state kind. */
int eddy__qvis_val_decode(const void *val, size_t len, uint8_t *kind, eddy__ferr *err);

/* ---- QAUX counters ---- */
#define EDDY__QCOUNTERS_VERSION 1
#define EDDY__QCOUNTERS_LEN     69
typedef struct eddy__qcounters {
    uint64_t next_msg_id;  /* the next message id to hand out (ids start at 1) */
    uint64_t n_msgs;       /* messages stored */
    uint64_t n_inflight;   /* messages whose state kind is INFLIGHT */
    uint64_t next_task_id; /* the next redrive task id (starts at 1) */
    uint64_t bytes;        /* sum of the stored messages' raw body lengths */
    uint32_t dict_id;      /* the zstd dictionary new messages use; 0 = none */
    uint64_t plain_lo;     /* every plain message (record only) has an id >= plain_lo */
    uint64_t n_plain;      /* plain messages stored */
    uint64_t enq_floor;    /* largest enqueue time of any message inserted so far */
} eddy__qcounters;
void eddy__qcounters_encode(uint8_t dst[EDDY__QCOUNTERS_LEN], const eddy__qcounters *c);
int eddy__qcounters_decode(const void *val, size_t len, eddy__qcounters *out, eddy__ferr *err);

/* ---- QMSG record meta ---- */
#define EDDY__QMETA_VERSION   1 /* a standard queue's message */
#define EDDY__QMETA_VERSION_2 2 /* a FIFO queue's message: group and deduplication ids */
#define EDDY__QMETA_FIXED_LEN 42
#define EDDY__QFIFO_ID_MAX    128 /* longest group, deduplication or attempt id (SQS) */
#define EDDY__QATTRS_MAX      10
#define EDDY__QATTR_NAME_MAX  256
#define EDDY__QATTR_TYPE_MAX  256

typedef struct eddy__qattr {
    const uint8_t *name;
    uint16_t name_len;
    const uint8_t *type;
    uint16_t type_len;
    const uint8_t *value;
    uint32_t value_len;
} eddy__qattr;

typedef struct eddy__qmeta {
    uint64_t sent_ms;       /* send time in the origin queue */
    uint64_t origin_qid;    /* 0, or the queue a dead letter came from */
    uint64_t origin_msg_id; /* 0, or its id there */
    uint64_t body_xxh3;     /* XXH3-64 of the raw body */
    uint64_t enq_ms;        /* retention base, equal to the state's */
    uint8_t attr_count;
    const uint8_t *attrs; /* attr_count encoded attributes (eddy__qattr_put) */
    uint32_t attrs_len;
    /* Version 2 (FIFO) only; group_len 0 means version 1. Between the fixed part and the
     * attributes: group_len (1), group, dedup_len (1), dedup. */
    const uint8_t *group; /* 1..EDDY__QFIFO_ID_MAX bytes */
    uint8_t group_len;
    const uint8_t *dedup; /* 0..EDDY__QFIFO_ID_MAX bytes */
    uint8_t dedup_len;
} eddy__qmeta;

/* Encoded size of one attribute. */
size_t eddy__qattr_len(const eddy__qattr *a);
void eddy__qattr_put(eddy__wr *w, const eddy__qattr *a);
/* Next attribute of an encoded attribute area; false at its end or on damage. */
bool eddy__qattr_next(eddy__rd *r, eddy__qattr *a);

size_t eddy__qmeta_len(const eddy__qmeta *m);
/* Where the attribute area starts in m's encoding. */
size_t eddy__qmeta_attrs_off(const eddy__qmeta *m);
/* Encode into dst (dst_cap >= eddy__qmeta_len). EDDY_EBUFS when too small. */
int eddy__qmeta_encode(uint8_t *dst, size_t dst_cap, const eddy__qmeta *m, size_t *len_out);
/* Overwrite sent_ms and enq_ms of an encoded meta (the write op knows the time, the caller
 * encoded the rest). */
void eddy__qmeta_set_times(uint8_t *meta, size_t meta_len, uint64_t sent_ms, uint64_t enq_ms);
/* Overwrite origin_qid and origin_msg_id of an encoded meta (restore keeps a dead letter's). */
void eddy__qmeta_set_origin(uint8_t *meta, size_t meta_len, uint64_t origin_qid,
                            uint64_t origin_msg_id);
/* Decode and walk every attribute. Pointers borrow from src. */
int eddy__qmeta_decode(const void *src, size_t len, eddy__qmeta *out, eddy__ferr *err);

/* ---- queue configuration (catalog cfg bytes) ---- */
#define EDDY__QCFG_VERSION   1 /* standard queues (written so that version-1 readers read them) */
#define EDDY__QCFG_VERSION_2 2 /* FIFO queues: version 1's fields, then 4 FIFO bytes */
#define EDDY__QCFG_ALLOW_MAX 10
#define EDDY__QCFG_MAX_LEN                                                                         \
    (1 + 7 * 4 + 8 + 1 + EDDY__QNAME_MAX + 2 + 10 * (1 + EDDY__QNAME_MAX) + 4)

/* FIFO attribute values (stored; append only). */
#define EDDY__QDEDUP_SCOPE_QUEUE 0
#define EDDY__QDEDUP_SCOPE_GROUP 1
#define EDDY__QTHROUGHPUT_QUEUE  0
#define EDDY__QTHROUGHPUT_GROUP  1

typedef struct eddy__qcfg {
    uint32_t visibility_timeout_ms;
    uint32_t delay_ms;
    uint64_t retention_ms;
    uint32_t body_len_max;
    uint32_t receive_wait_ms;
    uint32_t max_receive_count;
    uint32_t in_flight_max;
    uint32_t batch_max;
    char dlq[EDDY__QNAME_MAX + 1];
    uint8_t redrive_allow;
    uint8_t n_allow;
    char allow[EDDY__QCFG_ALLOW_MAX][EDDY__QNAME_MAX + 1];
    uint8_t fifo;          /* version 2: a FIFO queue (else 0, and the next three are 0) */
    uint8_t content_dedup; /* deduplication id = SHA-256 of the body when none is given */
    uint8_t dedup_scope;   /* EDDY__QDEDUP_SCOPE_* */
    uint8_t throughput;    /* EDDY__QTHROUGHPUT_* (stored only) */
} eddy__qcfg;

int eddy__qcfg_encode(uint8_t *dst, size_t dst_cap, const eddy__qcfg *c, size_t *len_out);
int eddy__qcfg_decode(const void *src, size_t len, eddy__qcfg *out, eddy__ferr *err);

/* ---- redrive task ---- */
#define EDDY__QTASK_VERSION    1
#define EDDY__QTASK_RUNNING    1
#define EDDY__QTASK_COMPLETED  2
#define EDDY__QTASK_CANCELLED  3
#define EDDY__QTASK_FAILED     4
#define EDDY__QTASK_REASON_MAX 120

typedef struct eddy__qtask {
    uint8_t status;     /* EDDY__QTASK_* */
    uint32_t max_per_s; /* 0 = unlimited */
    uint64_t started_ms;
    uint64_t updated_ms;
    uint64_t moved;      /* messages moved so far */
    uint64_t to_move;    /* messages in the source when the task started */
    uint64_t end_msg_id; /* only messages with ids below this move (snapshot at start) */
    uint64_t dest_qid;   /* 0 = each message back to its origin queue */
    char reason[EDDY__QTASK_REASON_MAX + 1];
} eddy__qtask;
#define EDDY__QTASK_MAX_LEN (1 + 1 + 4 + 6 * 8 + 1 + EDDY__QTASK_REASON_MAX)

int eddy__qtask_encode(uint8_t *dst, size_t dst_cap, const eddy__qtask *t, size_t *len_out);
int eddy__qtask_decode(const void *src, size_t len, eddy__qtask *out, eddy__ferr *err);

/* ---- receipt handles ---- */
#define EDDY__RECEIPT_VERSION 1
#define EDDY__RECEIPT_RAW_LEN 33
#define EDDY__RECEIPT_LEN     (2 * EDDY__RECEIPT_RAW_LEN)

typedef struct eddy__receipt {
    uint64_t qid;
    uint64_t msg_id;
    uint32_t receive_count;
    uint64_t nonce;
} eddy__receipt;

/* Write the handle as EDDY__RECEIPT_LEN lower-case hex characters plus a NUL. */
void eddy__receipt_encode(char dst[EDDY__RECEIPT_LEN + 1], const eddy__receipt *r);
/* Parse a NUL-terminated handle. EDDY_EINVAL (not a receipt handle) with the reason. */
int eddy__receipt_decode(const char *src, eddy__receipt *out, eddy__ferr *err);

#endif /* EDDY_FORMAT_QUEUE_KEYS_H */
