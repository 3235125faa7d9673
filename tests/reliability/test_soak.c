/*
 * test_soak.c: concurrency soak. Two processes (this one and a forked child), each with
 * producer, consumer, putter and reader threads, share one database for EDDY_SOAK_SECONDS
 * (ctest: 20; longer runs are documented in docs/TESTING.md "Soak"):
 * - queues "soak0" and "soak1": producers send messages with unique bodies; consumers receive
 *   batches, delete most messages and drop a few (as a consumer that crashed would), which come
 *   back once their visibility timeout (VIS ticks) runs out;
 * - stream "soaks" (4 shards): putters put records whose partition key names the thread and
 *   whose data counts up; readers follow every shard with iterators.
 * Time is one fake clock in shared memory that moves one tick per reading, from any thread of
 * either process, so visibility windows are counted in clock readings. Every call's outcome is
 * logged; at the end the parent checks: no message was delivered twice within one visibility
 * window (the next delivery's receive ended at least VIS ticks after the previous one began),
 * receive counts go up by one per delivery, no acknowledged send is lost (each one was deleted
 * or is still in its queue), nothing deleted comes back, bodies are intact, every acknowledged
 * put is stored with its sequence number, per-shard order is kept (sequence numbers increase,
 * and one key's records keep their put order), readers never saw a shard go backwards, and
 * eddy_env_verify is clean.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rel.h"

#define VIS    3000 /* visibility timeout, in clock ticks */
#define N_PROD 2
#define N_CONS 2
#define N_PUT  1
#define N_READ 1
#define SHARDS 4

static _Atomic uint64_t *shared_clock;
static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return atomic_fetch_add(shared_clock, 1) + 1;
}

enum { EV_SEND = 1, EV_RECV, EV_DEL, EV_PUT, EV_FAIL };

typedef struct event {
    uint8_t kind, queue;
    uint32_t rcount, shard;
    uint64_t body_id; /* proc << 48 | thread << 40 | n (sends, receives, deletes, puts) */
    uint64_t msg_id;
    uint64_t before, after;
    char seq[EDDY_STREAM_SEQ_LEN + 1];
} event;

/* One process's log, written to a file at its end. It holds max_events (about 4,000 a second
 * of soak, from 2^20 to 2^24); a soak that fills it stops early, says so, and checks what ran. */
#define LOG_MARGIN   4096
#define RETENTION_MS 1209600000ull /* the longest (14 days): about 10 minutes of soak */
static event *evs;
static size_t max_events;
static atomic_size_t n_evs;
static atomic_int stop;
static int proc_no;
static eddy_env *env;
static char fail_msg[256];

static void log_event(const event *e)
{
    size_t i = atomic_fetch_add(&n_evs, 1);
    if (i < max_events)
        evs[i] = *e;
    if (i + LOG_MARGIN >= max_events) /* room for what the threads log until they see stop */
        atomic_store(&stop, 1);
}

static void soak_fail(const char *fmt, const char *what, int rc)
{
    event e;
    memset(&e, 0, sizeof e);
    e.kind = EV_FAIL;
    snprintf(fail_msg, sizeof fail_msg, fmt, what, eddy_errname(rc), eddy_last_error());
    fprintf(stderr, "soak (process %d): %s\n", proc_no, fail_msg);
    log_event(&e);
    atomic_store(&stop, 1);
}

static void body_of(uint64_t id, char *buf, size_t cap, size_t *len)
{
    int n = snprintf(buf, cap, "id=%016llx;", (unsigned long long)id);
    size_t want = 16 + (size_t)(id % 300); /* 16..315 bytes: some compressed */
    for (size_t i = (size_t)n; i < want && i < cap - 1; i++)
        buf[i] = (char)('a' + (id + i) % 26);
    *len = want > (size_t)n ? want : (size_t)n;
}

static int body_check(const eddy_slice *b, uint64_t *id)
{
    char buf[400], want[400];
    size_t len;
    unsigned long long v;
    if (b->len < 20 || b->len >= sizeof buf)
        return -1;
    memcpy(buf, b->data, b->len);
    buf[b->len] = '\0';
    if (sscanf(buf, "id=%16llx;", &v) != 1)
        return -1;
    body_of(v, want, sizeof want, &len);
    if (len != b->len || memcmp(want, buf, len) != 0)
        return -1;
    *id = v;
    return 0;
}

static void *producer(void *arg)
{
    uint64_t t = (uint64_t)(uintptr_t)arg, n = 0;
    while (!atomic_load(&stop)) {
        eddy_queue_send_entry e[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
        eddy_queue_send_result r[3] = {[0 ...(3) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
        char bodies[3][400];
        int k = 1 + (int)(n % 3), rc;
        uint8_t q = (uint8_t)(n % 2);
        memset(e, 0, sizeof e);
        EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
        for (int i = 0; i < k; i++) {
            uint64_t id = (uint64_t)proc_no << 48 | t << 40 | (n + (uint64_t)i);
            size_t len;
            body_of(id, bodies[i], sizeof bodies[i], &len);
            e[i].body.data = bodies[i];
            e[i].body.len = len;
        }
        rc = eddy_queue_send_batch(env, q ? "soak1" : "soak0", e, (size_t)k, r);
        if (rc != 0) {
            soak_fail("%s: %s (%s)", "send_batch", rc);
            break;
        }
        for (int i = 0; i < k; i++) {
            event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = EV_SEND;
            ev.queue = q;
            ev.body_id = (uint64_t)proc_no << 48 | t << 40 | (n + (uint64_t)i);
            ev.msg_id = r[i].msg_id;
            if (r[i].rc != 0) {
                soak_fail("%s: %s (%s)", "send_batch entry", r[i].rc);
                break;
            }
            log_event(&ev);
        }
        n += (uint64_t)k;
    }
    return NULL;
}

static void *consumer(void *arg)
{
    uint64_t t = (uint64_t)(uintptr_t)arg, n = 0;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 5;
    ro.visibility_timeout_ms = VIS;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    while (!atomic_load(&stop)) {
        eddy_queue_batch *b = NULL;
        size_t got;
        uint8_t q = (uint8_t)((n++ + t) % 2);
        const char *qn = q ? "soak1" : "soak0";
        uint64_t before = clock_now(NULL), after;
        int rc = eddy_queue_receive(env, qn, &ro, &b);
        after = clock_now(NULL);
        if (rc != 0) {
            soak_fail("%s: %s (%s)", "receive", rc);
            break;
        }
        got = eddy_queue_batch_count(b);
        for (size_t i = 0; i < got; i++) {
            event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = EV_RECV;
            ev.queue = q;
            ev.msg_id = eddy_queue_batch_message(b, i)->msg_id;
            ev.rcount = eddy_queue_batch_message(b, i)->receive_count;
            ev.before = before;
            ev.after = after;
            if (body_check(&eddy_queue_batch_message(b, i)->body, &ev.body_id) != 0) {
                soak_fail("%s: %s (%s)", "received body damaged", 0);
                break;
            }
            log_event(&ev);
            if ((eddy_queue_batch_message(b, i)->msg_id + n) % 23 == 0)
                continue; /* dropped: it comes back after VIS ticks */
            rc = eddy_queue_delete_message(env, qn, eddy_queue_batch_message(b, i)->receipt);
            if (rc == 0) {
                ev.kind = EV_DEL;
                log_event(&ev);
            } else if (rc != EDDY_EEXPIRED && rc != EDDY_ENOTFOUND) {
                soak_fail("%s: %s (%s)", "delete", rc);
                break;
            }
        }
        eddy_queue_batch_free(b);
    }
    return NULL;
}

static void *putter(void *arg)
{
    uint64_t t = (uint64_t)(uintptr_t)arg, n = 0;
    char pk[32], data[32];
    while (!atomic_load(&stop)) {
        eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
        event ev;
        int rc;
        snprintf(pk, sizeof pk, "p%d-t%llu-k%llu", proc_no, (unsigned long long)t,
                 (unsigned long long)(n % 5));
        snprintf(data, sizeof data, "%llu", (unsigned long long)n);
        rc = rel_put(env, "soaks", pk, data, &r);
        if (rc != 0) {
            soak_fail("%s: %s (%s)", "put", rc);
            break;
        }
        memset(&ev, 0, sizeof ev);
        ev.kind = EV_PUT;
        ev.shard = r.shard_id;
        ev.body_id = (uint64_t)proc_no << 48 | t << 40 | n;
        memcpy(ev.seq, r.seq, sizeof ev.seq);
        log_event(&ev);
        n++;
    }
    return NULL;
}

static void *reader(void *arg)
{
    eddy_stream_iterator it[SHARDS];
    char last[SHARDS][EDDY_STREAM_SEQ_LEN + 1];
    (void)arg;
    memset(last, 0, sizeof last);
    for (uint32_t s = 0; s < SHARDS; s++) {
        int rc = eddy_stream_get_iterator(env, "soaks", s, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                          &it[s]);
        if (rc != 0) {
            soak_fail("%s: %s (%s)", "get_iterator", rc);
            return NULL;
        }
    }
    while (!atomic_load(&stop)) {
        for (uint32_t s = 0; s < SHARDS && !atomic_load(&stop); s++) {
            eddy_stream_batch *b = NULL;
            size_t n;
            int rc = eddy_stream_get_records(env, &it[s], NULL, &b);
            if (rc != 0) {
                soak_fail("%s: %s (%s)", "get_records", rc);
                return NULL;
            }
            n = eddy_stream_batch_count(b);
            for (size_t i = 0; i < n; i++) {
                if (strcmp(eddy_stream_batch_record(b, i)->seq, last[s]) <= 0 ||
                    eddy_stream_batch_record(b, i)->shard_id != s) {
                    soak_fail("%s: %s (%s)", "a shard went backwards", 0);
                    break;
                }
                memcpy(last[s], eddy_stream_batch_record(b, i)->seq, sizeof last[s]);
            }
            it[s] = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
        }
    }
    return NULL;
}

/* Run this process's threads for `seconds`, then write the log to log_path. */
static int run_process(const char *dir, int seconds, const char *log_path)
{
    pthread_t th[N_PROD + N_CONS + N_PUT + N_READ];
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    int n = 0, rc;
    struct timespec end;
    FILE *f;

    o.clock.now_ms = clock_now;
    if ((rc = eddy_env_open(dir, &o, &env)) != 0) {
        fprintf(stderr, "soak: open: %s (%s)\n", eddy_errname(rc), eddy_last_error());
        return 1;
    }
    evs = calloc(max_events, sizeof *evs);
    for (int i = 0; i < N_PROD; i++)
        pthread_create(&th[n++], NULL, producer, (void *)(uintptr_t)i);
    for (int i = 0; i < N_CONS; i++)
        pthread_create(&th[n++], NULL, consumer, (void *)(uintptr_t)i);
    for (int i = 0; i < N_PUT; i++)
        pthread_create(&th[n++], NULL, putter, (void *)(uintptr_t)i);
    for (int i = 0; i < N_READ; i++)
        pthread_create(&th[n++], NULL, reader, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += seconds;
    struct timespec began = end;
    began.tv_sec -= seconds;
    while (!atomic_load(&stop)) { /* the soak's length is real time; its clock is not */
        struct timespec now, nap = {0, 50000000};
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            break;
        nanosleep(&nap, NULL);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&n_evs) > max_events) {
        fprintf(stderr, "soak (process %d): the event log overflowed\n", proc_no);
        return 1;
    }
    if (atomic_load(&n_evs) + LOG_MARGIN >= max_events) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        fprintf(stderr,
                "soak (process %d): event log full (%zu events) after %ld of %d s: "
                "stopped early, checking what ran\n",
                proc_no, (size_t)atomic_load(&n_evs), (long)(now.tv_sec - began.tv_sec), seconds);
    }
    rc = eddy_env_close(env);
    f = fopen(log_path, "wb");
    if (f == NULL)
        return 1;
    fwrite(evs, sizeof *evs, atomic_load(&n_evs), f);
    fclose(f);
    free(evs);
    return rc != 0 || fail_msg[0] != '\0';
}

static event *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    event *e;
    long len;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    e = malloc((size_t)len + sizeof *e);
    *n = (size_t)len / sizeof *e;
    assert_int_equal(fread(e, sizeof *e, *n, f), *n);
    fclose(f);
    return e;
}

static int by_body_then_count(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->body_id != y->body_id)
        return x->body_id < y->body_id ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    /* deliveries in receive-count order: a receive that began earlier may have reached the
     * database later, so the clock readings around the calls do not order them */
    if (x->rcount != y->rcount)
        return x->rcount < y->rcount ? -1 : 1;
    return x->before < y->before ? -1 : x->before > y->before;
}

static int by_seq(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return strcmp(x->seq, y->seq);
}

static int cmp_seq(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Final checks over both logs and the database. */
static void check(const char *dir, event *e, size_t n)
{
    t_clock far = {0};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *db;
    size_t sends = 0, recvs = 0, dels = 0, redeliveries = 0, puts = 0, left = 0, expired = 0;
    uint8_t *left_seen;
    static char(*stored)[EDDY_STREAM_SEQ_LEN + 1];
    size_t n_stored = 0;
    event *p;

    qsort(e, n, sizeof *e, by_body_then_count);
    /* Queues: per message, its send, its deliveries in time order, at most one delete. */
    for (size_t i = 0; i < n && e[i].kind != EV_FAIL;) {
        size_t j = i;
        int sent = 0, deleted = 0;
        const event *prev = NULL;
        while (j < n && e[j].body_id == e[i].body_id && e[j].kind <= EV_DEL) {
            if (e[j].kind == EV_SEND)
                sent++, sends++;
            else if (e[j].kind == EV_DEL)
                deleted++, dels++;
            else {
                recvs++;
                if (prev != NULL) {
                    redeliveries++;
                    if (e[j].after < prev->before + VIS || e[j].rcount != prev->rcount + 1)
                        print_error("message %llx delivered at [%llu,%llu] rc %u after "
                                    "[%llu,%llu] rc %u: inside one visibility window\n",
                                    (unsigned long long)e[j].body_id,
                                    (unsigned long long)e[j].before, (unsigned long long)e[j].after,
                                    e[j].rcount, (unsigned long long)prev->before,
                                    (unsigned long long)prev->after, prev->rcount);
                    assert_true(e[j].after >= prev->before + VIS);
                    assert_int_equal(e[j].rcount, prev->rcount + 1);
                } else {
                    assert_int_equal(e[j].rcount, 1);
                }
                prev = &e[j];
            }
            j++;
        }
        if (j == i) { /* a put: skip its group */
            while (j < n && e[j].body_id == e[i].body_id)
                j++;
        }
        if (j > i && e[i].kind <= EV_DEL) {
            assert_int_equal(sent, 1); /* received or deleted means it was acknowledged sent */
            assert_true(deleted <= 1);
            e[i].shard = (uint32_t)deleted; /* reuse: 1 = deleted (checked against the drain) */
        }
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        assert_true(e[i].kind != EV_FAIL);

    /* Drain both queues one hour (of ticks) after everything: every send not deleted is there. */
    far.now_ms = atomic_load(shared_clock) + 100000000ull;
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    db = t_env_open_opts(dir, &far, &o);
    t_verify_clean(db);
    left_seen = calloc(n, 1);
    for (int q = 0; q < 2; q++) {
        eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        ro.max_messages = 10;
        ro.visibility_timeout_ms = 43200000;
        ro.wait_ms = EDDY_QUEUE_ZERO_MS;
        for (;;) {
            eddy_queue_batch *b;
            size_t got;
            T_OK(eddy_queue_receive(db, q ? "soak1" : "soak0", &ro, &b));
            got = eddy_queue_batch_count(b);
            for (size_t i = 0; i < got; i++) {
                event key;
                uint64_t id;
                assert_int_equal(body_check(&eddy_queue_batch_message(b, i)->body, &id), 0);
                memset(&key, 0, sizeof key);
                key.body_id = id;
                key.kind = EV_SEND;
                p = bsearch(&key, e, n, sizeof *e, by_body_then_count);
                if (p == NULL)
                    print_error("drained message %llx was never acknowledged sent\n",
                                (unsigned long long)id);
                assert_non_null(p);
                if (p->shard != 0)
                    print_error("message %llx was deleted, then came back\n",
                                (unsigned long long)id);
                assert_int_equal(p->shard, 0);
                assert_int_equal(left_seen[p - e], 0);
                left_seen[p - e] = 1;
                left++;
            }
            if (got > 0) { /* deleted as drained: a long soak leaves more than in_flight_max */
                const char *rcpt[10];
                int res[10];
                for (size_t i = 0; i < got; i++)
                    rcpt[i] = eddy_queue_batch_message(b, i)->receipt;
                T_OK(eddy_queue_delete_batch(db, q ? "soak1" : "soak0", rcpt, got, res));
                for (size_t i = 0; i < got; i++)
                    assert_int_equal(res[i], 0);
            }
            eddy_queue_batch_free(b);
            if (got == 0)
                break;
        }
    }
    /* The clock moves a tick per reading, so a long soak outlives the queues' retention: a
     * message sent more than RETENTION ticks before the end may have expired (SQS's rule). */
    uint64_t end = atomic_load(shared_clock);
    for (size_t i = 0; i < n; i++)
        if (e[i].kind == EV_SEND && e[i].shard == 0 && !left_seen[i]) {
            if (e[i].before + RETENTION_MS <= end) {
                expired++;
                continue;
            }
            print_error("message %llx was acknowledged and never deleted, but is gone\n",
                        (unsigned long long)e[i].body_id);
            fail();
        }
    assert_int_equal(sends, dels + left + expired);

    /* Stream: every acknowledged put is stored with its number; order per shard and per key. */
    stored = calloc(2 * max_events, sizeof *stored); /* both processes' puts */
    for (uint32_t s = 0; s < SHARDS; s++) {
        eddy_stream_iterator it;
        T_OK(eddy_stream_get_iterator(db, "soaks", s, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
        for (;;) {
            eddy_stream_batch *b;
            size_t got;
            T_OK(eddy_stream_get_records(db, &it, NULL, &b));
            got = eddy_stream_batch_count(b);
            for (size_t i = 0; i < got && n_stored < 2 * max_events; i++)
                memcpy(stored[n_stored++], eddy_stream_batch_record(b, i)->seq, sizeof stored[0]);
            it = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
            if (got == 0)
                break;
        }
    }
    qsort(stored, n_stored, sizeof stored[0], cmp_seq);
    qsort(e, n, sizeof *e, by_seq);
    {
        uint64_t last_n[64];
        memset(last_n, 0xff, sizeof last_n);
        for (size_t i = 0; i < n; i++) {
            uint64_t t = e[i].body_id >> 40, k;
            int found = 0;
            if (e[i].kind != EV_PUT)
                continue;
            puts++;
            found = bsearch(e[i].seq, stored, n_stored, sizeof stored[0], cmp_seq) != NULL;
            if (!found)
                print_error("put %s was acknowledged but is not stored\n", e[i].seq);
            assert_true(found);
            /* records of one key (thread, n % 5) keep their put order along the shard */
            k = (t & 0xff) * 5 + (e[i].body_id & 0xffffffffffull) % 5 + (t >> 8) * 20;
            if (last_n[k % 64] != UINT64_MAX)
                assert_true((e[i].body_id & 0xffffffffffull) > last_n[k % 64]);
            last_n[k % 64] = e[i].body_id & 0xffffffffffull;
        }
    }
    assert_int_equal(puts, n_stored);
    t_verify_clean(db);
    T_OK(eddy_env_close(db));
    print_message("soak: %zu sends, %zu receives (%zu redeliveries after a timeout), %zu deletes, "
                  "%zu left in the queues, %zu expired; %zu puts, all stored in order; clock %llu "
                  "ticks\n",
                  sends, recvs, redeliveries, dels, left, expired, puts,
                  (unsigned long long)(atomic_load(shared_clock) - REL_T0));
    free(left_seen);
    free(stored);
}

static void two_processes_many_threads(void **state)
{
    const char *s = getenv("EDDY_SOAK_SECONDS");
    int seconds = s != NULL ? atoi(s) : 20, status = 0, rc;
    char dir[600], log0[700], log1[700];
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    t_clock clk = {REL_T0};
    eddy_env *db;
    pid_t pid;
    event *e0, *e1, *all;
    size_t n0, n1;

    if (seconds < 1)
        seconds = 1;
    max_events = (size_t)seconds * 4000u;
    max_events = max_events < (1u << 20)   ? (1u << 20)
                 : max_events > (1u << 24) ? (1u << 24)
                                           : max_events;
    snprintf(dir, sizeof dir, "%s/db", t_tmpdir());
    snprintf(log0, sizeof log0, "%s/log0", t_tmpdir());
    snprintf(log1, sizeof log1, "%s/log1", t_tmpdir());
    shared_clock =
        mmap(NULL, sizeof *shared_clock, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared_clock != MAP_FAILED);
    atomic_store(shared_clock, REL_T0);
    db = t_env_open(dir, &clk);
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.batch_max = 10;
    qo.retention_ms = RETENTION_MS;
    T_OK(eddy_queue_create(db, "soak0", &qo));
    T_OK(eddy_queue_create(db, "soak1", &qo));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.shard_count = SHARDS;
    T_OK(eddy_stream_create(db, "soaks", &so));
    T_OK(eddy_env_close(db));
    print_message("soak: %d s, 2 processes x %d threads\n", seconds,
                  N_PROD + N_CONS + N_PUT + N_READ);
    fflush(NULL);
    pid = fork(); /* before either process opens the database */
    assert_true(pid >= 0);
    if (pid == 0) {
        proc_no = 1;
        _exit(run_process(dir, seconds, log1));
    }
    proc_no = 0;
    rc = run_process(dir, seconds, log0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(rc, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    e0 = load(log0, &n0);
    e1 = load(log1, &n1);
    all = malloc((n0 + n1 + 1) * sizeof *all);
    memcpy(all, e0, n0 * sizeof *all);
    memcpy(all + n0, e1, n1 * sizeof *all);
    check(dir, all, n0 + n1);
    free(e0);
    free(e1);
    free(all);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_processes_many_threads),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
