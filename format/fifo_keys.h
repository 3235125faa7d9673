/*
 * fifo_keys.h: key and value codecs of FIFO queues' side state in the QAUX table (normative
 * layouts: docs/FORMAT.md "FIFO queues"). Three tags next to the redrive tasks' 't', each
 * keyed by the queue id so that one queue's entries are adjacent:
 *
 *   QAUX  qid | 'a' | attempt id                      receive request attempt (eddy__qattempt)
 *   QAUX  qid | 'd' | glen | group | dedup id         deduplication entry (eddy__qdedup); glen
 *                                                     is 0 and group absent with queue scope
 *   QAUX  qid | 'g' | group id                        message group (eddy__qgroup)
 *
 * Ids are 1..EDDY__QFIFO_ID_MAX bytes. Decoders are strict (EDDY_ECORRUPT). Pure bytes: no LMDB,
 * no I/O, no clock, no globals.
 */
#ifndef EDDY_FORMAT_FIFO_KEYS_H
#define EDDY_FORMAT_FIFO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"
#include "queue_keys.h"

#define EDDY__QKEY_ATTEMPT_TAG 'a'
#define EDDY__QKEY_DEDUP_TAG   'd'
#define EDDY__QKEY_GROUP_TAG   'g'
/* Longest FIFO key: qid, tag, glen, group, dedup id. */
#define EDDY__QKEY_FIFO_MAX (8 + 1 + 1 + 2 * EDDY__QFIFO_ID_MAX)

/* qid | tag: the prefix of one kind of entry of a queue. */
void eddy__qkey_fifo_prefix(uint8_t dst[9], uint64_t qid, uint8_t tag);
size_t eddy__qkey_group(uint8_t *dst, uint64_t qid, const void *group, size_t len);
size_t eddy__qkey_attempt(uint8_t *dst, uint64_t qid, const void *id, size_t len);
/* group NULL / glen 0 for queue scope. */
size_t eddy__qkey_dedup(uint8_t *dst, uint64_t qid, const void *group, size_t glen,
                        const void *dedup, size_t dlen);
/* A QAUX key of a FIFO kind: *tag, and the id part (*id, *id_len) after qid | tag (for a
 * group key the group id; for an attempt key the attempt id; for a dedup key glen | group |
 * dedup). EDDY_ENOTFOUND for a key of another kind (a redrive task). */
int eddy__qkey_fifo_decode(const void *key, size_t key_len, uint64_t *qid, uint8_t *tag,
                           const uint8_t **id, size_t *id_len, eddy__ferr *err);

/* ---- a message group ---- */
#define EDDY__QGROUP_VERSION  1
#define EDDY__QGROUP_RECV_MAX 128 /* messages of one group in flight at once, at most */
#define EDDY__QGROUP_MAX_LEN  (1 + 8 + 8 + 2 + 8 * EDDY__QGROUP_RECV_MAX)
typedef struct eddy__qgroup {
    uint64_t n_msgs;           /* messages of the group stored (> 0: else no entry) */
    uint64_t last_deadline_ms; /* deadline given to the group's newest message at its store */
    uint16_t n_recv;           /* messages of the group received and not removed since */
    uint64_t recv[EDDY__QGROUP_RECV_MAX]; /* their ids, ascending */
} eddy__qgroup;
size_t eddy__qgroup_encode(uint8_t dst[EDDY__QGROUP_MAX_LEN], const eddy__qgroup *g);
int eddy__qgroup_decode(const void *src, size_t len, eddy__qgroup *out, eddy__ferr *err);

/* ---- a deduplication entry ---- */
#define EDDY__QDEDUP_VERSION 1
#define EDDY__QDEDUP_LEN     (1 + 3 * 8)
typedef struct eddy__qdedup {
    uint64_t expires_ms; /* a send with this id before then is a duplicate */
    uint64_t msg_id;     /* the first message's id */
    uint64_t sent_ms;    /* and its send time */
} eddy__qdedup;
void eddy__qdedup_encode(uint8_t dst[EDDY__QDEDUP_LEN], const eddy__qdedup *d);
int eddy__qdedup_decode(const void *src, size_t len, eddy__qdedup *out, eddy__ferr *err);

/* ---- a receive request attempt ---- */
#define EDDY__QATTEMPT_VERSION 1
#define EDDY__QATTEMPT_MAX     64 /* most messages a receive with an attempt id may return */
#define EDDY__QATTEMPT_ENTRY   (8 + 4 + 8 + 8)
#define EDDY__QATTEMPT_MAX_LEN (1 + 8 + 2 + EDDY__QATTEMPT_MAX * EDDY__QATTEMPT_ENTRY)
typedef struct eddy__qattempt {
    uint64_t expires_ms;
    uint16_t n;
    struct {
        uint64_t msg_id;
        uint32_t receive_count;
        uint64_t nonce;
        uint64_t deadline_ms;
    } e[EDDY__QATTEMPT_MAX];
} eddy__qattempt;
size_t eddy__qattempt_encode(uint8_t dst[EDDY__QATTEMPT_MAX_LEN], const eddy__qattempt *a);
int eddy__qattempt_decode(const void *src, size_t len, eddy__qattempt *out, eddy__ferr *err);

/* ---- sequence numbers ---- */
/* Digits of a FIFO sequence number: the 128-bit value (qid << 64) | msg_id, zero-padded, so
 * string order is numeric order (2^128 - 1 has 39 digits). */
#define EDDY__QSEQ_DIGITS 39
void eddy__qseq_to_dec(uint64_t qid, uint64_t msg_id, char dst[EDDY__QSEQ_DIGITS + 1]);

#endif /* EDDY_FORMAT_FIFO_KEYS_H */
