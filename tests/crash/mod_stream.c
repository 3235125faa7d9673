/*
 * mod_stream.c: the stream module of the crash workload and its check. Steps: single and batch
 * puts into a 2-shard stream, and consumers that read a shard after their checkpoint and move
 * the checkpoint forward, either alone (eddy_checkpoint_set) or together with an output record
 * in a second stream (eddy_checkpoint_commit, whose atomicity the check holds Eddy to). Every
 * consumer is one worker thread, so its checkpoints only move forward.
 */
#include "crash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_setup(eddy_env *env)
{
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    int rc;

    o.shard_count = CRASH_SHARDS;
    o.retention_ms = CRASH_STREAM_RETENTION_MS;
    if ((rc = eddy_stream_create(env, CRASH_STREAM, &o)) != 0)
        return rc;
    o.shard_count = 1;
    return eddy_stream_create(env, CRASH_STREAM_OUT, &o);
}

static void report(const char *what, int rc)
{
    fprintf(stderr, "crash stream step: %s: %s (%s)\n", what, eddy_errname(rc), eddy_last_error());
}

static void ack_put(crash_worker *w, uint32_t stream, uint64_t tok, const eddy_stream_put_result *r)
{
    uint64_t hi, lo;
    crash_seq_split(r->seq, &hi, &lo);
    crash_ack_write(w->ack_fd, CRASH_ACK_PUT, (stream << 16) | r->shard_id, tok, hi, lo);
}

static int put_some(crash_worker *w, size_t n)
{
    static _Thread_local char bodies[10][CRASH_BODY_MAX];
    static _Thread_local char pks[10][16];
    eddy_stream_put_entry e[10] = {[0 ...(10) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[10] = {[0 ...(10) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    uint64_t first = 0;
    size_t failed = 0;
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (size_t i = 0; i < n; i++) {
        uint64_t tok = crash_next_token(w);
        first = i == 0 ? tok : first;
        e[i].data.data = bodies[i];
        e[i].data.len = crash_body(tok, bodies[i], sizeof bodies[i]);
        snprintf(pks[i], sizeof pks[i], "pk-%u", (unsigned)(crash_rand(&w->rng) % 64));
        e[i].partition_key.data = pks[i];
        e[i].partition_key.len = strlen(pks[i]);
    }
    crash_ack_write(w->ack_fd, CRASH_ACK_TRY_PUT, w->worker, first, n, 0);
    if (n == 1)
        rc = eddy_stream_put(w->env, CRASH_STREAM, &e[0], &r[0]);
    else
        rc = eddy_stream_put_batch(w->env, CRASH_STREAM, e, n, r, &failed);
    if (rc != 0 || failed != 0) {
        report("put", rc);
        return __LINE__;
    }
    for (size_t i = 0; i < n; i++)
        ack_put(w, 0, first + i, &r[i]);
    return 0;
}

/* Read shard `shard` after consumer's checkpoint; copy the last record's seq into last (""
 * when nothing new). 0, or the line of a broken promise. */
static int read_after_checkpoint(crash_worker *w, const char *consumer, uint32_t shard,
                                 char last[EDDY_STREAM_SEQ_LEN + 1])
{
    eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
    eddy_stream_iterator it;
    eddy_stream_read_options ro = EDDY_STREAM_READ_OPTIONS_INIT;
    eddy_stream_batch *b = NULL;
    size_t n = 0;
    int rc, line = 0;

    last[0] = '\0';
    rc = eddy_checkpoint_get(w->env, CRASH_STREAM, consumer, shard, &cp);
    if (rc != 0 && rc != EDDY_ENOTFOUND) {
        report("checkpoint_get", rc);
        return __LINE__;
    }
    rc = eddy_stream_get_iterator(w->env, CRASH_STREAM, shard,
                                  rc == 0 ? EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER
                                          : EDDY_STREAM_ITER_TRIM_HORIZON,
                                  rc == 0 ? cp.seq : NULL, 0, &it);
    if (rc != 0) {
        report("get_iterator", rc);
        return __LINE__;
    }
    ro = (eddy_stream_read_options)EDDY_STREAM_READ_OPTIONS_INIT;
    ro.max_records = 1 + (uint32_t)(crash_rand(&w->rng) % 20);
    if ((rc = eddy_stream_get_records(w->env, &it, &ro, &b)) != 0) {
        report("get_records", rc);
        return __LINE__;
    }
    n = eddy_stream_batch_count(b);
    for (size_t i = 0; i < n; i++) {
        uint64_t tok;
        if (!crash_body_token(eddy_stream_batch_record(b, i)->data.data,
                              eddy_stream_batch_record(b, i)->data.len, &tok) ||
            !crash_body_ok(tok, eddy_stream_batch_record(b, i)->data.data,
                           eddy_stream_batch_record(b, i)->data.len)) {
            fprintf(stderr, "crash stream step: read a damaged record %s\n",
                    eddy_stream_batch_record(b, i)->seq);
            line = __LINE__;
        }
    }
    if (n > 0)
        memcpy(last, eddy_stream_batch_record(b, n - 1)->seq, EDDY_STREAM_SEQ_LEN + 1);
    eddy_stream_batch_free(b);
    return line;
}

/* Move consumer's checkpoint of `shard` to `last`: alone, or (half the time) in one transaction
 * with an output record whose token the checkpoint's state bytes carry. */
static int write_checkpoint(crash_worker *w, const char *consumer, uint32_t shard, const char *last)
{
    static _Thread_local char out_body[CRASH_BODY_MAX];
    eddy_checkpoint_write cw = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_stream_put_entry out = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result res = EDDY_STREAM_PUT_RESULT_INIT;
    uint64_t out_tok = 0, hi, lo;
    int rc;

    cw.stream = CRASH_STREAM;
    cw.consumer = consumer;
    cw.shard_id = shard;
    cw.seq = last;
    crash_ack_write(w->ack_fd, CRASH_ACK_TRY_CHECKPOINT, shard, w->worker, 0, 0);
    if (crash_rand(&w->rng) % 2 == 0) {
        rc = eddy_checkpoint_set(w->env, &cw);
    } else {
        out_tok = crash_next_token(w);
        cw.state.data = &out_tok;
        cw.state.len = sizeof out_tok;
        out = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
        out.data.data = out_body;
        out.data.len = crash_body(out_tok, out_body, sizeof out_body);
        out.partition_key.data = consumer;
        out.partition_key.len = strlen(consumer);
        crash_ack_write(w->ack_fd, CRASH_ACK_TRY_PUT, w->worker, out_tok, 1, 0);
        rc = eddy_checkpoint_commit(w->env, &cw, 1, CRASH_STREAM_OUT, &out, 1, &res);
        rc = rc != 0 ? rc : res.rc;
    }
    if (rc != 0) {
        report("checkpoint", rc);
        return __LINE__;
    }
    crash_seq_split(last, &hi, &lo);
    crash_ack_write(w->ack_fd, CRASH_ACK_CHECKPOINT, shard, w->worker, hi, lo);
    if (out_tok != 0)
        ack_put(w, 1, out_tok, &res);
    return 0;
}

/* A consumer step: read a shard after this worker's checkpoint and move the checkpoint. */
static int consume(crash_worker *w)
{
    char consumer[32], last[EDDY_STREAM_SEQ_LEN + 1];
    uint32_t shard = (uint32_t)(crash_rand(&w->rng) % CRASH_SHARDS);
    int line;

    snprintf(consumer, sizeof consumer, "c-%08x", w->worker);
    line = read_after_checkpoint(w, consumer, shard, last);
    if (line != 0 || last[0] == '\0')
        return line;
    return write_checkpoint(w, consumer, shard, last);
}

static int s_step(crash_worker *w)
{
    uint64_t r = crash_rand(&w->rng) % 100;

    if (r < 40)
        return put_some(w, 1);
    if (r < 60)
        return put_some(w, 2 + crash_rand(&w->rng) % 9);
    return consume(w);
}

/* ---- check ---- */

typedef struct found {
    uint64_t tok;
    uint32_t stream, shard;
    char seq[EDDY_STREAM_SEQ_LEN + 1];
} found;

typedef struct scan {
    found *f;
    size_t n, cap;
    char max_seq[2][CRASH_SHARDS][EDDY_STREAM_SEQ_LEN + 1]; /* per stream and shard */
    int verdict;
} scan;

static int cmp_found(const void *a, const void *b)
{
    uint64_t x = ((const found *)a)->tok, y = ((const found *)b)->tok;
    return x < y ? -1 : x > y;
}

static const found *lookup(const scan *s, uint64_t tok)
{
    found key = {tok, 0, 0, ""};
    if (s->n == 0)
        return NULL; /* bsearch and qsort want a non-NULL array */
    return bsearch(&key, s->f, s->n, sizeof *s->f, cmp_found);
}

/* Read one shard from the trim horizon to its newest record. */
static void read_shard(eddy_env *env, uint32_t stream, uint32_t shard, const crash_model *m,
                       scan *s, crash_result *r)
{
    const char *name = stream == 0 ? CRASH_STREAM : CRASH_STREAM_OUT;
    eddy_stream_iterator it;
    int rc =
        eddy_stream_get_iterator(env, name, shard, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it);
    char *max = s->max_seq[stream][shard];

    for (int guard = 0; rc == 0 && guard < 100000; guard++) {
        eddy_stream_batch *b = NULL;
        size_t n = 0;
        if ((rc = eddy_stream_get_records(env, &it, NULL, &b)) != 0)
            break;
        n = eddy_stream_batch_count(b);
        for (size_t i = 0; i < n; i++) {
            uint64_t tok;
            if (!crash_body_token(eddy_stream_batch_record(b, i)->data.data,
                                  eddy_stream_batch_record(b, i)->data.len, &tok) ||
                !crash_body_ok(tok, eddy_stream_batch_record(b, i)->data.data,
                               eddy_stream_batch_record(b, i)->data.len)) {
                crash_append(r->why, sizeof r->why, "%s shard %u seq %s: damaged record", name,
                             shard, eddy_stream_batch_record(b, i)->seq);
                s->verdict = CRASH_CORRUPT;
                continue;
            }
            if (!crash_set_has(&m->tried, tok)) {
                crash_append(r->why, sizeof r->why, "%s holds token %016" PRIx64 " never put", name,
                             tok);
                s->verdict = CRASH_CORRUPT;
            }
            if (strcmp(eddy_stream_batch_record(b, i)->seq, max) <= 0) {
                crash_append(r->why, sizeof r->why, "%s shard %u: seq %s after %s", name, shard,
                             eddy_stream_batch_record(b, i)->seq, max);
                s->verdict = CRASH_CORRUPT;
            }
            snprintf(max, EDDY_STREAM_SEQ_LEN + 1, "%s", eddy_stream_batch_record(b, i)->seq);
            if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 1024;
                s->f = realloc(s->f, s->cap * sizeof *s->f);
                if (s->f == NULL)
                    abort();
            }
            s->f[s->n] = (found){tok, stream, shard, ""};
            memcpy(s->f[s->n++].seq, eddy_stream_batch_record(b, i)->seq,
                   sizeof eddy_stream_batch_record(b, i)->seq);
            r->present++;
        }
        const eddy_stream_read_info *info = eddy_stream_batch_info(b);
        bool end = n == 0 || info->shard_end;
        it = info->next;
        eddy_stream_batch_free(b);
        if (end)
            break;
    }
    if (rc != 0 && rc != EDDY_ENOTFOUND) {
        crash_append(r->why, sizeof r->why, "reading %s shard %u: %s (%s)", name, shard,
                     eddy_errname(rc), eddy_last_error());
        s->verdict = CRASH_CORRUPT;
    }
}

static void check_puts(const crash_model *m, scan *s, crash_result *r)
{
    uint64_t missing = 0;

    if (s->n > 0)
        qsort(s->f, s->n, sizeof *s->f, cmp_found);
    for (size_t i = 0; i + 1 < s->n; i++) {
        if (s->f[i].tok == s->f[i + 1].tok) {
            crash_append(r->why, sizeof r->why, "token %016" PRIx64 " stored twice", s->f[i].tok);
            s->verdict = CRASH_CORRUPT;
        }
    }
    for (size_t i = 0; i < m->n_puts; i++) {
        const crash_put *p = &m->puts[i];
        const found *f = lookup(s, p->token);
        if (f == NULL) {
            if (missing++ == 0)
                crash_append(r->why, sizeof r->why,
                             "acknowledged put %016" PRIx64 " (seq %s) missing", p->token, p->seq);
            continue;
        }
        if (f->stream != p->stream || f->shard != p->shard || strcmp(f->seq, p->seq) != 0) {
            crash_append(r->why, sizeof r->why,
                         "put %016" PRIx64 " acknowledged as shard %u seq %s, stored as %u %s",
                         p->token, p->shard, p->seq, f->shard, f->seq);
            s->verdict = CRASH_CORRUPT;
        }
    }
    r->missing += missing;
    if (missing != 0 && s->verdict == CRASH_OK)
        s->verdict = CRASH_LOST;
}

static void check_checkpoints(eddy_env *env, const crash_model *m, scan *s, crash_result *r)
{
    for (size_t i = 0; i < m->n_cps; i++) {
        const crash_cp *c = &m->cps[i];
        char consumer[32];
        eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
        snprintf(consumer, sizeof consumer, "c-%08x", c->consumer);
        int rc = eddy_checkpoint_get(env, CRASH_STREAM, consumer, c->shard, &cp);
        if (rc == EDDY_ENOTFOUND) {
            if (c->acked) {
                crash_append(r->why, sizeof r->why, "acknowledged checkpoint %s/%u missing",
                             consumer, c->shard);
                s->verdict = s->verdict ? s->verdict : CRASH_LOST;
            }
            continue;
        }
        if (rc != 0) {
            crash_append(r->why, sizeof r->why, "checkpoint_get: %s", eddy_errname(rc));
            s->verdict = CRASH_CORRUPT;
            continue;
        }
        if (c->acked && strcmp(cp.seq, c->seq) < 0) {
            crash_append(r->why, sizeof r->why, "checkpoint %s/%u went back from %s to %s",
                         consumer, c->shard, c->seq, cp.seq);
            s->verdict = s->verdict ? s->verdict : CRASH_LOST;
        }
        if (c->shard >= CRASH_SHARDS || strcmp(cp.seq, s->max_seq[0][c->shard]) > 0) {
            crash_append(r->why, sizeof r->why, "checkpoint %s/%u at %s is past the data (%s)",
                         consumer, c->shard, cp.seq,
                         c->shard < CRASH_SHARDS ? s->max_seq[0][c->shard] : "?");
            s->verdict = CRASH_CORRUPT;
        }
        if (cp.state_len == sizeof(uint64_t)) {
            uint64_t out;
            memcpy(&out, cp.state, sizeof out);
            const found *f = lookup(s, out);
            if (f == NULL || f->stream != 1) {
                crash_append(r->why, sizeof r->why,
                             "checkpoint %s/%u committed with output %016" PRIx64
                             " that is not stored",
                             consumer, c->shard, out);
                s->verdict = CRASH_CORRUPT;
            }
        }
    }
}

/* The next puts (one batch, one commit) get sequence numbers above everything stored or
 * acknowledged in their shard. */
static void next_puts(eddy_env *env, const crash_model *m, scan *s, crash_result *r)
{
    char pk[8][16];
    eddy_stream_put_entry e[8] = {[0 ...(8) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result res[8] = {[0 ...(8) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    size_t failed = 0;
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (unsigned i = 0; i < 8; i++) {
        snprintf(pk[i], sizeof pk[i], "next-%u", i);
        e[i].data.data = pk[i];
        e[i].data.len = strlen(pk[i]);
        e[i].partition_key.data = pk[i];
        e[i].partition_key.len = strlen(pk[i]);
    }
    if ((rc = eddy_stream_put_batch(env, CRASH_STREAM, e, 8, res, &failed)) != 0 || failed) {
        crash_append(r->why, sizeof r->why, "next put: %s (%s)", eddy_errname(rc),
                     eddy_last_error());
        s->verdict = CRASH_CORRUPT;
        return;
    }
    for (unsigned i = 0; i < 8; i++) {
        uint32_t sh = res[i].shard_id;
        if (sh >= CRASH_SHARDS) {
            crash_append(r->why, sizeof r->why, "next put: shard %u", sh);
            s->verdict = CRASH_CORRUPT;
            return;
        }
        const char *floor = s->max_seq[0][sh];
        for (size_t k = 0; k < m->n_puts; k++)
            if (m->puts[k].stream == 0 && m->puts[k].shard == sh &&
                strcmp(m->puts[k].seq, floor) > 0)
                floor = m->puts[k].seq;
        if (strcmp(res[i].seq, floor) <= 0) {
            crash_append(r->why, sizeof r->why, "shard %u: new seq %s not above %s", sh, res[i].seq,
                         floor);
            s->verdict = CRASH_CORRUPT;
        }
        snprintf(s->max_seq[0][sh], EDDY_STREAM_SEQ_LEN + 1, "%s", res[i].seq);
    }
}

static int s_check(eddy_env *env, const crash_model *m, crash_result *r)
{
    scan s;
    int rc;

    memset(&s, 0, sizeof s);
    for (uint32_t st = 0; st < 2; st++)
        for (uint32_t sh = 0; sh < (st == 0 ? CRASH_SHARDS : 1u); sh++)
            read_shard(env, st, sh, m, &s, r);
    check_puts(m, &s, r);
    check_checkpoints(env, m, &s, r);
    if ((rc = s_setup(env)) != 0) {
        crash_append(r->why, sizeof r->why, "next op: stream setup: %s (%s)", eddy_errname(rc),
                     eddy_last_error());
        s.verdict = CRASH_CORRUPT;
    } else {
        next_puts(env, m, &s, r);
    }
    free(s.f);
    return s.verdict;
}

const crash_module crash_stream_module = {"stream", 6, s_setup, s_step, s_check};
