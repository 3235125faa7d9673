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
    uint64_t next_msg_id; /* the id the next stored message gets (counters, as read) */
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
/* The FIFO group and deduplication ids, NUL-ended in the block eddy__q_attrs_copy made (NULL
 * for a standard message). */
void eddy__q_fifo_ids(const eddy__qmeta *meta, void *block, const char **group, const char **dedup);
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
 * messages that fn did not leave; the caller writes the counters back. *seen: the messages it
 * handed to fn (cap when there may be more).
 */
int eddy__q_due_walk(eddy__wtx *w, uint64_t qid, eddy__qcounters *c, uint32_t cap,
                     eddy__q_due_fn fn, void *ctx, uint32_t *seen);

/*
 * queue_take.c: the one receive policy, shared by eddy_queue_receive and the queue source of a
 * poller. For each due message, in (deadline, id) order: remove it when past retention, move it
 * to the dead-letter queue at max_receive_count, leave it when it would need an in-flight slot
 * and none is left (limit_hit) or when its body would pass the byte budget (full), else take it:
 * load its record into items[n] and give it a new in-flight state (receive count + 1, deadline
 * now + vis_ms, a fresh nonce, first-receive time on its first receive).
 */
typedef struct eddy__q_taken {
    uint64_t msg_id;
    eddy__qstate s; /* its state after this receive */
    eddy__loaded l; /* its record, copied out */
} eddy__q_taken;

typedef struct eddy__fifo_walk eddy__fifo_walk; /* queue_fifo.c: groups a receive met */

typedef struct eddy__q_taker {
    const eddy__q *q;
    eddy__qcounters *c;
    uint32_t vis_ms;       /* visibility timeout of what is taken */
    eddy__q_taken *items;  /* max entries */
    uint32_t max;          /* take at most this many */
    uint32_t n;            /* out: items[0..n) were taken */
    uint64_t budget;       /* body bytes the takes may add up to (UINT64_MAX: none) */
    int first;             /* the first take ignores the budget */
    uint64_t bytes;        /* body bytes taken so far */
    int limit_hit;         /* out: a never-received message was left for in_flight_max */
    int full;              /* out: the byte budget left a message */
    int moved;             /* out: dead letters were moved (wake their queue's pollers) */
    eddy__fifo_walk *fifo; /* FIFO queues: the groups this walk met (freed by take_due) */
} eddy__q_taker;

/* Lazy expiry (EDDY__Q_LAZY_EXPIRE messages), then the policy over the due messages. */
int eddy__q_take_due(eddy__wtx *w, eddy__q_taker *t);
/* The policy for one due message whose current state is *s. *left when it stays. */
int eddy__q_take_one(eddy__wtx *w, eddy__q_taker *t, uint64_t msg_id, eddy__qstate *s, int *left);
/* Release the records of items[0..n) and set n to 0. */
void eddy__q_taken_release(eddy_env *env, eddy__q_taker *t);

/*
 * queue_fifo.c: message groups of FIFO queues (decision 0013).
 */
/* Check and set c's FIFO attributes from o (old: the stored configuration, NULL at create).
 * EDDY_EINVAL with the reason. */
int eddy__q_fifo_cfg(const char *name, size_t name_len, const eddy__qcfg *old, eddy__qcfg *c,
                     const eddy_queue_options *o, uint32_t mask);
/* A group, deduplication or attempt id: 1..128 bytes of ASCII 33..126 (EDDY_EINVAL). */
int eddy__q_fifo_id_check(const char *what, const char *id, size_t *len);
/* Store hook (eddy__q_msg_insert): count message msg_id (meta: its record meta) in its group;
 * may raise s->deadline_ms to keep the group's deadlines in id order. No-op for standard
 * messages. */
int eddy__q_fifo_added(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const uint8_t *meta,
                       size_t meta_len, eddy__qstate *s);
/* The group id of a record meta (*glen 0 for a standard message). */
int eddy__q_fifo_meta_group(uint64_t qid, uint64_t msg_id, const uint8_t *meta, size_t meta_len,
                            uint8_t gid[EDDY__QFIFO_ID_MAX], uint8_t *glen);
/* Removal hook (eddy__q_msg_remove): the message left group gid. No-op when glen is 0. */
int eddy__q_fifo_removed(eddy__wtx *w, uint64_t qid, uint64_t msg_id, const uint8_t *gid,
                         size_t glen);
/* The receive policy for a due message of a FIFO queue: group order and blocking, then
 * eddy__q_take_one. */
int eddy__q_fifo_take(eddy__wtx *w, eddy__q_taker *t, uint64_t msg_id, eddy__qstate *s, int *left);
void eddy__q_fifo_walk_free(eddy_env *env, eddy__fifo_walk *fw);
/* queue_dedup.c: FIFO deduplication (a message's meta names its group and id): is this send a
 * duplicate within the interval (then *dup and r holds the first message's id, time and
 * sequence number)? And record a stored message's id. */
int eddy__q_dedup_check(eddy__wtx *w, const eddy__q *q, const uint8_t *meta, size_t meta_len,
                        eddy_queue_send_result *r, int *dup);
int eddy__q_dedup_put(eddy__wtx *w, const eddy__q *q, const uint8_t *meta, size_t meta_len,
                      uint64_t msg_id);
/* queue_dedup.c: receive request attempts. get: *found when an unexpired entry exists. put:
 * fresh for a new entry (then stale ones nearby are swept). */
struct eddy__qattempt;
int eddy__q_attempt_get(eddy__wtx *w, const eddy__q *q, const char *id, struct eddy__qattempt *out,
                        int *found);
int eddy__q_attempt_put(eddy__wtx *w, const eddy__q *q, const char *id,
                        const struct eddy__qattempt *a, int fresh);
/* Replay an attempt's receive into t (*replayed), or record t's receive under the id. */
int eddy__q_attempt_replay(eddy__wtx *w, eddy__q_taker *t, const char *id, int *replayed);
int eddy__q_attempt_record(eddy__wtx *w, const eddy__q_taker *t, const char *id);
/* Groups with messages, and those with a message in flight at `now`. */
int eddy__q_fifo_groups(eddy_env *env, MDB_txn *txn, uint64_t qid, uint64_t now, uint64_t *groups,
                        uint64_t *blocked);

/* queue_receive.c: is anything visible (or, with retention_ms != 0, expired) in the queue now?
 * Read-only: an empty poll costs no write transaction. */
int eddy__q_peek(eddy_env *env, uint64_t qid, uint64_t retention_ms, uint64_t now, int *any);

/* ---- what env/ calls: start and stop the subsystem (open/close order), check it (verify) ---- */
int eddy__queue_env_init(eddy_env *env);
void eddy__queue_env_fini(eddy_env *env);
/* The checker: returns 0, EDDY_EUSER (stop), or an error that ended the check early. */
int eddy__queue_verify(eddy__vctx *v);

#endif /* EDDY_ENGINE_QUEUE_INT_H */
