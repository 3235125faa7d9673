/*
 * queue_int.h: internals shared by the queue module's files (queue.c: queues and their
 * attributes; queue_store.c: the message store primitives every operation is built from;
 * queue_send.c, queue_receive.c, queue_redrive.c, queue_verify.c). Only queue*.c include it.
 *
 * Invariants every write keeps (queue_verify.c checks them): for each message of a queue there is
 * exactly one QMSG record. A plain message (never received, visible since stored, id >=
 * counters.plain_lo) has nothing else; every other message has one QSTATE value and one QVIS
 * entry (qid, state.deadline_ms, msg_id) whose value is state.kind, and, when state.indexed, one
 * retention entry (qid, 01, state.enq_ms, msg_id). A message without a retention entry has an
 * enqueue time at least that of every message with a smaller id (so retention can go by id
 * order for them). The queue's counters hold the number of messages, of in-flight and of plain
 * ones and their raw bytes.
 */
#ifndef EDDY_ENGINE_QUEUE_INT_H
#define EDDY_ENGINE_QUEUE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "env_int.h"
#include "payload.h"
#include "queue_keys.h"
#include "txn.h"
#include "verify.h"

/* Hard bounds behind the configurable limits (docs/SEMANTICS.md "Limits"). */
#define EDDY__Q_VIS_MAX      43200000u   /* 12 h */
#define EDDY__Q_DELAY_MAX    900000u     /* 15 min */
#define EDDY__Q_RET_MIN      60000u      /* 1 min */
#define EDDY__Q_RET_MAX      1209600000u /* 14 d */
#define EDDY__Q_WAIT_MAX     20000u
#define EDDY__Q_BODY_MIN     1024u
#define EDDY__Q_RC_MAX       1000u
#define EDDY__Q_INFLIGHT_MAX 100000000u
#define EDDY__Q_BATCH_MAX    1000u
#define EDDY__Q_TRIM_DEFAULT 1000u
#define EDDY__Q_TRIM_MAX     100000u
#define EDDY__Q_PURGE_STEP   2000u /* messages removed per purge/delete transaction */
#define EDDY__Q_LAZY_EXPIRE  16u   /* expired messages a receive removes on its way */
#define EDDY__Q_POLL_MS      50u   /* long-poll re-check period */

/* Per-env queue state: long-poll waiters sleep on cv until a send's after_fn bumps seq. */
struct eddy__queue_env {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t seq;
    int ready_fd; /* eddy_queue_ready_fd's eventfd + 1 (0: none yet); under mu (queue_ready.c) */
};

/* A queue resolved from the catalog. */
typedef struct eddy__q {
    uint64_t id;
    uint64_t created_ms;
    uint64_t modified_ms;
    eddy__qcfg cfg;
    char name[EDDY__QNAME_MAX + 1];
    size_t name_len;
} eddy__q;

/* queue.c */
int eddy__q_name_check(const char *name, size_t *len_out);
/* Resolve `name` in txn. EDDY_ENOTFOUND with a detail message when absent. */
int eddy__q_get(eddy_env *env, MDB_txn *txn, const char *name, size_t name_len, eddy__q *out);
/* Resolve `name` in a short read transaction of its own (committing pending relaxed writes
 * first if the queue is not found, so that a queue just created is seen). */
int eddy__q_get_read(eddy_env *env, const char *name, size_t name_len, eddy__q *out);
/* Same, also reading the queue's counters when c is not NULL. */
int eddy__q_read(eddy_env *env, const char *name, size_t name_len, eddy__q *out,
                 eddy__qcounters *c);
/* Same inside a write op, checking that the queue is still the one with id `qid`. */
int eddy__q_get_same(eddy__wtx *w, const char *name, size_t name_len, uint64_t qid, eddy__q *out);
/* Resolve a queue by id (for dead-letter origins and redrive destinations). */
int eddy__q_get_by_id(eddy_env *env, MDB_txn *txn, uint64_t qid, eddy__q *out);
/* after_fn of every write that makes messages receivable: wake long-pollers. */
void eddy__q_wake(eddy_env *env, void *arg);
/* Signal eddy_queue_ready_fd's descriptor, if one was asked for; called with qe->mu held. */
void eddy__q_ready_signal(struct eddy__queue_env *qe);
/* Close that descriptor (env close). */
void eddy__q_ready_fini(struct eddy__queue_env *qe);

/* queue_store.c: message store primitives. All take the queue's counters, loaded once per op
 * with eddy__q_counters_get and stored once at its end with eddy__q_counters_put. */
int eddy__q_counters_get(eddy_env *env, MDB_txn *txn, uint64_t qid, eddy__qcounters *c);
int eddy__q_counters_put(eddy__wtx *w, uint64_t qid, const eddy__qcounters *c);
/* The message's state; for a plain message (no state value) the one its record implies, with
 * stored = 0. EDDY_ENOTFOUND when there is no such message. */
int eddy__q_state_get(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t msg_id,
                      eddy__qstate *out);
/* The implied state of plain message msg_id whose record value is rec_val. */
int eddy__q_implied_state(uint64_t qid, uint64_t msg_id, const MDB_val *rec_val, eddy__qstate *out);
/* Rewrite a message's state, moving its QVIS entry when deadline or kind changed; keeps the
 * in-flight counter in step with the kind. */
int eddy__q_state_set(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *old_s,
                      const eddy__qstate *new_s, eddy__qcounters *c);
/* Store a new message: id from c->next_msg_id (into *msg_id), its record and, unless it is
 * plain, its state and QVIS entry, and its retention entry when its enqueue time is out of id
 * order (below c->enq_floor). */
int eddy__q_msg_insert(eddy__wtx *w, uint64_t qid, eddy__qcounters *c, const uint8_t *meta,
                       size_t meta_len, const eddy__payload *p, const eddy__qstate *s,
                       uint64_t *msg_id);
/* Remove a message (whose current state is s) and all its entries. */
int eddy__q_msg_remove(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *s,
                       eddy__qcounters *c);
/* Remove up to max messages past retention: those with retention entries oldest first, the
 * others in id order. */
int eddy__q_expire(eddy__wtx *w, const eddy__q *q, eddy__qcounters *c, uint32_t max,
                   uint32_t *removed);
/* Is a message with this state past its queue's retention at `now`? */
static inline int eddy__q_expired(const eddy__q *q, const eddy__qstate *s, uint64_t now)
{
    return eddy__retention_expired(s->enq_ms, q->cfg.retention_ms, now);
}
/* A queue's counts at one instant (queue.c: eddy__q_counts is their one definition). */
typedef struct eddy__qcounts {
    uint64_t messages, visible, in_flight, delayed;
} eddy__qcounts;
int eddy__q_counts(eddy_env *env, MDB_txn *txn, const eddy__q *q, uint64_t now, eddy__qcounts *out);
/* Copy a message from (qid, msg_id) into queue dst as a new message; used by dead-letter moves
 * and redrive. dead_letter: keep origin, receive count and enqueue time; else start afresh. */
int eddy__q_msg_copy(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const eddy__qstate *s,
                     uint64_t dst_qid, eddy__qcounters *dst_c, int dead_letter);

/* queue_send.c: a message validated and encoded in the caller's thread (send and restore). */
typedef struct eddy__qentry {
    int rc;
    uint32_t delay_ms;
    uint8_t *meta; /* encoded eddy__qmeta; times and origin are set by the write op */
    size_t meta_len;
    eddy__payload p;
    int prepared;
} eddy__qentry;
/* Check m against q's limits; *size is its SQS size, *area_len its attribute area's. */
int eddy__q_entry_check(const eddy__q *q, const eddy_queue_send_entry *m, size_t *size,
                        size_t *area_len);
/* Encode m's meta and compress its body (with dictionary dict_id when not 0) into e. */
int eddy__q_entry_prepare(eddy_env *env, const eddy__q *q, uint32_t dict_id,
                          const eddy_queue_send_entry *m, size_t area_len, eddy__qentry *e);
/* The start of a batch write (send, restore): the queue with its counters (read once, for the
 * dictionary) and n zeroed entries. */
typedef struct eddy__q_batch {
    eddy__q q;
    eddy__qcounters c;
    size_t name_len;
    eddy__qentry *e; /* n entries; free with eddy__q_entries_release */
} eddy__q_batch;
/* Enter for writing, check the name and arguments (EDDY_EINVAL), resolve the queue
 * (EDDY_ENOTFOUND), check n against batch_max unless single (EDDY_ELIMIT), allocate. */
int eddy__q_batch_begin(eddy_env *env, const char *name, const void *entries, const void *results,
                        size_t n, int single, eddy__q_batch *b);
/* Free n entries (e itself included). Accepts NULL. */
void eddy__q_entries_release(eddy_env *env, eddy__qentry *e, size_t n);

/* queue_receive.c: copy a message out for the caller (receive and scan). attrs: one block
 * holding the array and its strings; body: decompressed and checked against xxh3. */
int eddy__q_attrs_copy(eddy_env *env, const eddy__qmeta *meta, const eddy_queue_attr **attrs_out,
                       void **block);
int eddy__q_body_copy(eddy_env *env, const eddy__q *q, uint64_t msg_id, const eddy__loaded *l,
                      uint64_t xxh3, eddy_slice *out, void **block);

/* queue_redrive.c: a receive found a message due for its dead-letter queue. */
int eddy__q_dead_letter(eddy__wtx *w, const eddy__q *q, eddy__qcounters *c, uint64_t msg_id,
                        const eddy__qstate *s, int *moved);

/*
 * queue_receive.c: what a receive does with one due message (its id): take it, remove it or
 * dead-letter it (return 0), or leave it where it is (*left = 1), or fail.
 */
typedef int (*eddy__q_due_fn)(eddy__wtx *w, void *ctx, uint64_t msg_id, int *left);

/*
 * queue_receive.c: call fn on up to cap due messages of the queue, in (deadline, id) order:
 * the visibility index merged with the plain messages. Advances c->plain_lo past the plain
 * messages that fn did not leave; the caller writes the counters back.
 */
int eddy__q_due_walk(eddy__wtx *w, uint64_t qid, eddy__qcounters *c, uint32_t cap,
                     eddy__q_due_fn fn, void *ctx);

/* queue_receive.c: is anything visible (or, with retention_ms != 0, expired) in the queue now?
 * Read-only: an empty poll costs no write transaction. */
int eddy__q_peek(eddy_env *env, uint64_t qid, uint64_t retention_ms, uint64_t now, int *any);

/* ---- what env/ calls: start and stop the subsystem (open/close order), check it (verify) ---- */
int eddy__queue_env_init(eddy_env *env);
void eddy__queue_env_fini(eddy_env *env);
/* The checker: returns 0, EDDY_EUSER (stop), or an error that ended the check early. */
int eddy__queue_verify(eddy__vctx *v);

#endif /* EDDY_ENGINE_QUEUE_INT_H */
