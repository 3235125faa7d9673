/*
 * crash.h: the pieces shared by Eddy's crash tests (tests/crash/): the acknowledgement protocol,
 * the model of what was acknowledged, the pluggable workload that a child process runs, and the
 * checker that every crash method (SIGKILL, power-loss replay, ext4 shutdown) runs on the
 * recovered database. docs/decisions/0004-crash-testing.md says why it is built this way.
 *
 * Black box: everything here uses include/eddy.h only, never engine/ or format/ internals. It
 * must never repair or reinterpret what it finds: a verdict is only as good as its honesty.
 */
#ifndef EDDY_CRASH_H
#define EDDY_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDDY_TEST_HOOKS /* for the positive control: EDDY_TEST_UNSAFE_NOSYNC */
#include "eddy.h"

/* ---- Acknowledgement protocol ----------------------------------------------------------------
 *
 * A workload reports what it is about to do and what Eddy acknowledged as fixed-size 32-byte
 * records on one file descriptor (a pipe for SIGKILL, a file outside the crash for the recorder).
 * A record is written with one write() of 32 bytes <= PIPE_BUF, so records from several threads
 * and processes never interleave. An ACK record is written only after the Eddy call returned 0,
 * so a record the parent reads is a promise Eddy made.
 *
 *   OFFSET SIZE DESCRIPTION
 *   0      4    kind (CRASH_ACK_*)
 *   4      4    worker: (run << 8) | thread, the token space of one thread of one run
 *   8      8    token: the message or record this is about (see crash_token)
 *   16     8    n: how many consecutive tokens (TRY_*), else 1
 *   24     8    aux: message id, sequence number or source line, depending on kind
 */
enum crash_ack_kind {
    CRASH_ACK_HELLO = 1,       /* a worker started; aux = its clock base */
    CRASH_ACK_TRY_SEND = 2,    /* about to send tokens [token, token + n) */
    CRASH_ACK_SENT = 3,        /* the send of token was acknowledged; aux = msg id */
    CRASH_ACK_DELETED = 4,     /* the delete of token's message was acknowledged */
    CRASH_ACK_TRY_PUT = 5,     /* about to put stream records [token, token + n) */
    CRASH_ACK_PUT = 6,         /* the put of token was acknowledged; aux = its sequence number */
    CRASH_ACK_CHECKPOINT = 7,  /* a checkpoint at sequence aux was acknowledged */
    CRASH_ACK_FAIL = 8,        /* the workload saw a broken promise while running; aux = line */
    CRASH_ACK_DONE = 9,        /* a worker finished its operations */
    CRASH_ACK_TRY_DELETE = 10, /* about to delete token's message (its delete may be durable
                                * without an ack, so the message may legitimately be gone) */
    CRASH_ACK_TRY_CHECKPOINT = 11,  /* about to write consumer `token`'s checkpoint of shard
                                     * `worker` */
    CRASH_ACK_FIFO_SENT = 12,       /* FIFO queue (mod_fifo.c): as SENT; aux = msg id */
    CRASH_ACK_FIFO_TRY_DELETE = 13, /* FIFO queue: as TRY_DELETE */
    CRASH_ACK_FIFO_DELETED = 14,    /* FIFO queue: as DELETED */
};

/*
 * Stream acks carry a 29-digit sequence number split in two: n = its first 13 digits, aux = its
 * last 16. PUT: worker = (stream index << 16) | shard, token = the record's token.
 * CHECKPOINT: worker = shard, token = the consumer's worker id, and when the checkpoint was
 * committed together with an output record (eddy_checkpoint_commit), that record's token is in
 * the checkpoint's state bytes and acknowledged by its own PUT.
 */

typedef struct crash_ack {
    uint32_t kind;
    uint32_t worker;
    uint64_t token;
    uint64_t n;
    uint64_t aux;
} crash_ack;

_Static_assert(sizeof(crash_ack) == 32, "an ack record is 32 bytes, written atomically");

/* Write one record; aborts the process if the descriptor is gone (the parent died). */
void crash_ack_write(int fd, uint32_t kind, uint32_t worker, uint64_t token, uint64_t n,
                     uint64_t aux);

/* A token names one message or record for ever: worker in the high 32 bits, a counter >= 1 in
 * the low 32. The message body is a pure function of the token (crash_body), so the checker
 * can tell a correct body from a damaged one and a sent message from one never sent. */
static inline uint64_t crash_token(uint32_t worker, uint32_t counter)
{
    return ((uint64_t)worker << 32) | counter;
}

/* The body of token `tok` into dst (cap >= CRASH_BODY_MAX); returns its length. Most bodies
 * are ~200-byte JSON order events; about one in 16 is 2-9 KiB so that chunked payloads are
 * exercised. Every body starts with "tok=<16 hex digits>;". */
#define CRASH_BODY_MAX 9216
size_t crash_body(uint64_t tok, char *dst, size_t cap);
/* Parse the token of a body; false if the body does not start as crash_body writes it. */
bool crash_body_token(const void *body, size_t len, uint64_t *tok);
/* True if body is exactly crash_body(tok). */
bool crash_body_ok(uint64_t tok, const void *body, size_t len);

/* ---- Model: what was promised ---------------------------------------------------------------- */

/* An open-addressing set of nonzero 64-bit tokens. */
typedef struct crash_set {
    uint64_t *slot;
    size_t cap; /* power of two */
    size_t n;
} crash_set;

void crash_set_free(crash_set *s);
bool crash_set_add(crash_set *s, uint64_t tok); /* false if already present */
bool crash_set_has(const crash_set *s, uint64_t tok);

/* An acknowledged stream put. */
typedef struct crash_put {
    uint64_t token;
    uint32_t stream; /* 0: CRASH_STREAM, 1: CRASH_STREAM_OUT */
    uint32_t shard;
    char seq[EDDY_STREAM_SEQ_LEN + 1];
} crash_put;

/* A (consumer, shard) checkpoint the workload tried to write, and the last acknowledged one. */
typedef struct crash_cp {
    uint32_t consumer; /* worker id; the consumer is named "c-<worker in hex>" */
    uint32_t shard;
    bool acked;
    char seq[EDDY_STREAM_SEQ_LEN + 1]; /* last acknowledged ("" when none) */
} crash_cp;

typedef struct crash_model {
    crash_put *puts; /* acknowledged puts */
    size_t n_puts, cap_puts;
    crash_cp *cps; /* checkpoints tried */
    size_t n_cps, cap_cps;
    crash_set tried;     /* every token a send or put was attempted for */
    crash_set sent;      /* acknowledged sends */
    crash_set deleted;   /* acknowledged deletes */
    crash_set del_tried; /* every token a delete was attempted for */
    crash_set fifo_sent, fifo_deleted, fifo_del_tried; /* the same for the FIFO queue */
    uint64_t fails;     /* FAIL records: the workload saw a broken promise */
    uint64_t fail_line; /* source line of the first */
    uint64_t acks;      /* records applied */
} crash_model;

void crash_model_init(crash_model *m);
void crash_model_free(crash_model *m);
void crash_model_add(crash_model *m, const crash_ack *a);
/* The sequence number of a stream ack, and back. */
void crash_seq_of(const crash_ack *a, char seq[EDDY_STREAM_SEQ_LEN + 1]);
void crash_seq_split(const char *seq, uint64_t *hi, uint64_t *lo);
crash_cp *crash_model_cp(crash_model *m, uint32_t consumer, uint32_t shard);

struct crash_result;

/* ---- Workload ------------------------------------------------------------------------------- */

/* Names the workload uses. The main queue sends dead letters to the DLQ after 3 receives. */
#define CRASH_QUEUE     "crash-main"
#define CRASH_DLQ       "crash-dlq"
#define CRASH_BATCH_MAX 100
/* The FIFO queue (mod_fifo.c): groups "<worker hex>-<0..3>", deduplication id = token. */
#define CRASH_FIFO "crash-fifo.fifo"
/* Streams: records are put into CRASH_STREAM (2 shards); consumers checkpoint its shards and
 * may put one output record into CRASH_STREAM_OUT in the same transaction. */
#define CRASH_STREAM     "crash-stream"
#define CRASH_STREAM_OUT "crash-out"
#define CRASH_SHARDS     2
/* 365 days: nothing expires within the test's fake time. */
#define CRASH_STREAM_RETENTION_MS 31536000000ull
/* Fake time: run r's clock starts at CRASH_T0 + r * CRASH_RUN_SPAN_MS and saturates before the
 * next run's start, so time never goes backwards from one run to the next. */
#define CRASH_T0          1700000000000ull
#define CRASH_RUN_SPAN_MS 1000000ull
/* Retention long enough that nothing expires within 1000 runs plus the checker's lead. */
#define CRASH_RETENTION_MS 1209600000ull

typedef struct crash_worker crash_worker;

/*
 * A workload module: one family of operations (queues, streams). The workload mixes the steps
 * of every module it was built with; the checker runs every module's check. Adding the stream
 * API adds one module, nothing else changes.
 */
typedef struct crash_module {
    const char *name;
    unsigned weight; /* relative share of steps */
    /* Create what the module needs; idempotent; 0 or an EDDY_E* code. */
    int (*setup)(eddy_env *env);
    /* One random operation; 0, or the source line of a broken promise (reported as FAIL). */
    int (*step)(crash_worker *w);
    /* Check the recovered env against the model: adds to r's counts, appends to r->why, and
     * returns a CRASH_* verdict. */
    int (*check)(eddy_env *env, const crash_model *m, struct crash_result *r);
} crash_module;

extern const crash_module crash_queue_module;
extern const crash_module crash_stream_module;
extern const crash_module crash_fifo_module;
/* mod_fifo.c: 1 (default) to re-send recent tokens and fail a re-send within the interval that
 * was not a duplicate. Two concurrent writer processes run with fake clocks 1000 s apart
 * (CRASH_RUN_SPAN_MS), so one's sweep of expired deduplication entries may remove the other's
 * live ones: such runs set 0 and make no re-sends. */
extern int crash_fifo_strict_dedup;
/* The modules the workload mixes and the checker checks, NULL-terminated (workload.c). */
extern const crash_module *const crash_modules[];

/* The state of one workload thread, as modules see it. */
struct crash_worker {
    eddy_env *env;
    int ack_fd;
    uint32_t worker;  /* (run << 8) | thread */
    uint32_t counter; /* last token counter used */
    uint64_t rng;     /* splitmix state */
    void *module_state[4];
};

uint64_t crash_rand(uint64_t *state);
/* The next token of this worker. */
uint64_t crash_next_token(crash_worker *w);

typedef struct crash_workload_cfg {
    const char *dir;
    int ack_fd;
    uint64_t seed;
    uint32_t run;     /* run index: token space and clock base */
    uint32_t threads; /* client threads (0..16); 0 only creates what the modules need */
    uint64_t ops;     /* operations per thread; 0 = until killed */
    uint32_t test_flags;
    uint64_t compact_at; /* nonzero: after this many ops per thread, close, eddy_env_compact,
                          * reopen, and run the remaining ops */
} crash_workload_cfg;

/* Run the workload in this process: open, set up, run the threads, close. Returns the process
 * exit status to use: 0, 2 (open or setup failed), 3 (a broken promise was seen). */
int crash_workload_run(const crash_workload_cfg *cfg);

/* ---- Checker --------------------------------------------------------------------------------- */

enum crash_verdict {
    CRASH_OK = 0,      /* every promise held */
    CRASH_LOST = 1,    /* consistent, but an acknowledged operation was undone */
    CRASH_CORRUPT = 2, /* open/verify failed, bad bytes, invented data, or the checker crashed */
};

typedef struct crash_result {
    int verdict;
    uint64_t present; /* messages and records found */
    uint64_t missing; /* acknowledged and not found */
    double open_ms;   /* eddy_env_open */
    int recovered; /* the open was refused and eddy_env_recover rolled back (crash_check_recover) */
    char why[512];
} crash_result;

/* When set, an open refused with EDDY_ECORRUPT runs eddy_env_recover once and opens again: the
 * torn-meta states of crash/powerloss_torn_meta (decision 0016). Off: a refused open is CORRUPT. */
extern int crash_check_recover;

const char *crash_verdict_name(int verdict);

/*
 * Open the database at dir with a fake clock at clock_ms (after every deadline the workload can
 * have set), then: eddy_env_verify finds nothing; each module's check; the next operation (a
 * send, receive and delete) works; verify again. Destructive: receives everything, so run it on
 * a copy or a database nobody uses after. In-process: an LMDB assertion kills the caller.
 */
void crash_check(const char *dir, const crash_model *m, uint64_t clock_ms, crash_result *out);
/* crash_check in a forked child, so that a crash or abort is reported as CORRUPT. */
void crash_check_isolated(const char *dir, const crash_model *m, uint64_t clock_ms,
                          crash_result *out);
/* The same in two halves, so that several checks run at once (the child keeps its own copy of
 * the model as it was at start). The caller must not use dir until finish returns. */
typedef struct crash_check_job {
    int pid;
    int fd;
} crash_check_job;
void crash_check_start(const char *dir, const crash_model *m, uint64_t clock_ms,
                       crash_check_job *job);
void crash_check_finish(crash_check_job *job, crash_result *out);

/* Helpers. */
double crash_now_ms(void);
int crash_copy_file(const char *src, const char *dst);
void crash_append(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* EDDY_CRASH_H */
