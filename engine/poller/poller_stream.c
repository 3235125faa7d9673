/*
 * poller_stream.c: the stream source of a poller (Kinesis event-source mapping), built on the
 * public stream and checkpoint calls. Each shard has a state: where its consumer is (the last
 * sequence number processed, also stored as the consumer's checkpoint), and the batch being
 * worked on with the range [lo, hi) that the next invocation delivers. A failing range blocks
 * the shard and is retried in order (after a backoff by the env clock), halved with BISECT, cut
 * at the lowest failed record with a partial response, and given up to the on-failure queue
 * when retries or the record age run out. A shard is read only after its parents reached
 * SHARD_END. The checkpoint never passes a record that was neither processed nor given up.
 */
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <jansson.h>
#include <xxhash.h>

#include "error.h"
#include "poller_int.h"
#include "queue_int.h"
#include "stream_int.h"

struct eddy__ps_shard {
    uint32_t id;
    uint32_t parents[2];
    bool claimed; /* a thread is stepping it (guarded by p->mu) */
    bool done;    /* checkpointed at SHARD_END */
    bool gone;    /* no longer listed (expired) */
    bool have_pos;
    char pos[EDDY_STREAM_SEQ_LEN + 1]; /* last record processed (= the checkpoint) */
    int start_type; /* without pos: EDDY_STREAM_ITER_TRIM_HORIZON / _AT_TIMESTAMP */
    /* the batch being worked on */
    eddy_stream_batch *batch;
    const eddy_stream_record *recs;
    size_t n;
    bool *drop;        /* filtered out */
    uint32_t *invokes; /* deliveries of each record */
    size_t lo, hi;     /* the range the next invocation delivers */
    size_t ends[40];   /* bisection: the ends of the second halves still to deliver */
    size_t depth;
    uint32_t attempts; /* retries used by the current range */
    uint32_t attempt_no;
    uint64_t retry_at_ms;
    uint64_t window_start_ms;
    uint64_t deferred_arrival_ms; /* first record read but left for the window to fill */
    /* for status (guarded by p->mu) */
    uint64_t age_arrival_ms; /* arrival of the first unprocessed record; 0 = none known */
    uint64_t behind_ms;
};

static void batch_drop(eddy_env *env, eddy__ps_shard *s)
{
    eddy_stream_batch_free(s->batch);
    eddy__free(env, s->drop);
    eddy__free(env, s->invokes);
    s->batch = NULL;
    s->recs = NULL;
    s->drop = NULL;
    s->invokes = NULL;
    s->n = s->lo = s->hi = s->depth = 0;
    s->attempts = s->attempt_no = 0;
    s->retry_at_ms = 0;
}

static void ps_reset(eddy_poller *p)
{
    for (size_t i = 0; i < p->n_shards; i++) {
        batch_drop(p->env, p->shards[i]);
        eddy__free(p->env, p->shards[i]);
    }
    p->n_shards = 0;
}

static eddy__ps_shard *shard_find(eddy_poller *p, uint32_t id)
{
    for (size_t i = 0; i < p->n_shards; i++)
        if (p->shards[i]->id == id)
            return p->shards[i];
    return NULL;
}

/* A new shard's state from its consumer's checkpoint, or from the starting position. */
static int shard_new(eddy_poller *p, const eddy_stream_shard *sh, eddy__ps_shard **out)
{
    eddy__ps_shard *s = eddy__calloc(p->env, 1, sizeof *s);
    eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
    int rc;

    *out = NULL;
    if (s == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for a shard");
    s->id = sh->shard_id;
    s->parents[0] = sh->parent_id;
    s->parents[1] = sh->adjacent_parent_id;
    s->start_type = EDDY_STREAM_ITER_TRIM_HORIZON;
    rc = eddy_checkpoint_get(p->env, p->name, p->consumer, sh->shard_id, &cp);
    if (rc == 0) {
        s->done = cp.shard_end;
        s->have_pos = !cp.shard_end;
        memcpy(s->pos, cp.seq, sizeof s->pos);
    } else if (rc != EDDY_ENOTFOUND) {
        eddy__free(p->env, s);
        return rc;
    } else if (sh->parent_id == EDDY_STREAM_NO_SHARD) {
        /* The starting position applies to original shards; children start at their first
         * record, since their parents were read to the end first. */
        if (p->opt.start == EDDY_POLLER_START_LATEST && sh->last_seq[0] != '\0') {
            s->have_pos = true;
            memcpy(s->pos, sh->last_seq, sizeof s->pos);
        } else if (p->opt.start == EDDY_POLLER_START_AT_TIMESTAMP) {
            s->start_type = EDDY_STREAM_ITER_AT_TIMESTAMP;
        }
    }
    eddy__err_clear();
    *out = s;
    return 0;
}

static int refresh(eddy_poller *p)
{
    eddy_stream_shard *list = NULL;
    size_t n = 0, cap = 16;
    int rc;

    for (;;) {
        eddy__free(p->env, list);
        if ((list = eddy__calloc(p->env, cap, sizeof *list)) == NULL)
            return eddy__err(EDDY_ENOMEM, "out of memory listing shards");
        list[0].size = sizeof list[0];
        rc = eddy_stream_list_shards(p->env, p->name, list, cap, &n);
        if (rc != EDDY_EBUFS)
            break;
        cap = n + 16;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        eddy__ps_shard *s;
        pthread_mutex_lock(&p->mu);
        s = shard_find(p, list[i].shard_id);
        pthread_mutex_unlock(&p->mu);
        if (s != NULL || (rc = shard_new(p, &list[i], &s)) != 0)
            continue;
        pthread_mutex_lock(&p->mu);
        if (p->n_shards == p->cap_shards) {
            size_t c = p->cap_shards < 8 ? 8 : 2 * p->cap_shards;
            eddy__ps_shard **a = eddy__realloc(p->env, p->shards, c * sizeof *a);
            if (a == NULL) {
                pthread_mutex_unlock(&p->mu);
                eddy__free(p->env, s);
                rc = eddy__err(EDDY_ENOMEM, "out of memory for shards");
                break;
            }
            p->shards = a;
            p->cap_shards = c;
        }
        p->shards[p->n_shards++] = s;
        pthread_mutex_unlock(&p->mu);
    }
    if (rc == 0) {
        pthread_mutex_lock(&p->mu);
        for (size_t j = 0; j < p->n_shards; j++) {
            bool listed = false;
            for (size_t i = 0; i < n && !listed; i++)
                listed = list[i].shard_id == p->shards[j]->id;
            p->shards[j]->gone = !listed;
        }
        pthread_mutex_unlock(&p->mu);
    }
    eddy__free(p->env, list);
    return rc;
}

/* May shard s be read (p->mu held)? Its parents must be done or expired. */
static bool eligible(eddy_poller *p, const eddy__ps_shard *s)
{
    if (s->claimed || s->done || s->gone)
        return false;
    for (int i = 0; i < 2; i++) {
        const eddy__ps_shard *par;
        if (s->parents[i] == EDDY_STREAM_NO_SHARD)
            continue;
        par = shard_find(p, s->parents[i]);
        if (par != NULL && !par->gone && !par->done)
            return false;
    }
    return true;
}

/* Store the consumer's position. A checkpoint the callback already wrote at this position
 * (eddy_checkpoint_commit, for exactly-once effects) is left as it is, and the caller's state
 * bytes are carried over to the new position. */
static int checkpoint(eddy_poller *p, eddy__ps_shard *s, const char *seq)
{
    eddy_checkpoint_write w;
    eddy_checkpoint cur = EDDY_CHECKPOINT_INIT;
    int rc = eddy_checkpoint_get(p->env, p->name, p->consumer, s->id, &cur);

    if (rc != 0 && rc != EDDY_ENOTFOUND)
        return rc;
    memset(&w, 0, sizeof w);
    w.size = sizeof w;
    w.stream = p->name;
    w.consumer = p->consumer;
    w.shard_id = s->id;
    w.seq = seq;
    if (rc == 0) {
        w.state.data = cur.state;
        w.state.len = cur.state_len;
    }
    if (rc == 0 && strcmp(cur.seq, seq) == 0) {
        rc = 0;
    } else {
        rc = eddy_checkpoint_set(p->env, &w);
        atomic_fetch_add(&p->commits, 1);
    }
    eddy__err_clear();
    if (rc == 0 && strcmp(seq, EDDY_CHECKPOINT_SHARD_END) != 0) {
        s->have_pos = true;
        snprintf(s->pos, sizeof s->pos, "%s", seq);
    }
    return rc;
}

/* Records [lo, k) are finished: checkpoint the last of them and go on. A range cut short
 * (k < hi, a partial response) keeps its end; a finished range is followed by the second half
 * of the innermost bisection still pending, else by the rest of the batch. */
static int advance(eddy_poller *p, eddy__ps_shard *s, size_t k)
{
    int rc = checkpoint(p, s, s->recs[k - 1].seq);

    if (rc != 0)
        return rc;
    s->lo = k;
    if (k >= s->hi) {
        while (s->depth > 0 && s->ends[s->depth - 1] <= k)
            s->depth--;
        s->hi = s->depth > 0 ? s->ends[--s->depth] : s->n;
    }
    s->attempts = s->attempt_no = 0;
    s->retry_at_ms = 0;
    return 0;
}

/* The on-failure message: which shard, which sequence range, why; with FAILURE_PAYLOAD the
 * records too. */
static char *failure_json(eddy_poller *p, eddy__ps_shard *s, size_t lo, size_t k, const char *why,
                          bool payload)
{
    json_t *o = json_object(), *recs = NULL;
    char *out = NULL;

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "version", json_string("1.0"));
    json_object_set_new(o, "condition", json_string(why));
    json_object_set_new(o, "timestamp", json_integer((json_int_t)eddy__now_ms(p->env)));
    json_object_set_new(o, "stream", json_string(p->name));
    json_object_set_new(o, "consumer", json_string(p->consumer));
    json_object_set_new(o, "shardId", json_integer(s->id));
    json_object_set_new(o, "startSequenceNumber", json_string(s->recs[lo].seq));
    json_object_set_new(o, "endSequenceNumber", json_string(s->recs[k - 1].seq));
    json_object_set_new(o, "approximateArrivalOfFirstRecord",
                        json_integer((json_int_t)s->recs[lo].arrival_ms));
    json_object_set_new(o, "approximateArrivalOfLastRecord",
                        json_integer((json_int_t)s->recs[k - 1].arrival_ms));
    json_object_set_new(o, "batchSize", json_integer((json_int_t)(k - lo)));
    json_object_set_new(o, "approximateInvokeCount", json_integer(s->invokes[lo]));
    if (payload && (recs = json_array()) != NULL) {
        for (size_t i = lo; i < k; i++) {
            const eddy_stream_record *r = &s->recs[i];
            json_t *e = json_object();
            size_t b64_len = 4 * ((r->data.len + 2) / 3) + 1;
            char *b64 = eddy__malloc(p->env, b64_len);
            if (e == NULL || b64 == NULL) {
                json_decref(e);
                eddy__free(p->env, b64);
                json_decref(recs);
                json_decref(o);
                return NULL;
            }
            static const char tbl[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            const uint8_t *d = r->data.data;
            size_t j = 0;
            for (size_t x = 0; x < r->data.len; x += 3) {
                uint32_t v = (uint32_t)d[x] << 16;
                size_t left = r->data.len - x;
                if (left > 1)
                    v |= (uint32_t)d[x + 1] << 8;
                if (left > 2)
                    v |= d[x + 2];
                b64[j++] = tbl[(v >> 18) & 63];
                b64[j++] = tbl[(v >> 12) & 63];
                b64[j++] = left > 1 ? tbl[(v >> 6) & 63] : '=';
                b64[j++] = left > 2 ? tbl[v & 63] : '=';
            }
            b64[j] = '\0';
            json_object_set_new(e, "sequenceNumber", json_string(r->seq));
            json_object_set_new(e, "partitionKey",
                                json_stringn(r->partition_key.data, r->partition_key.len));
            json_object_set_new(e, "data", json_string(b64));
            eddy__free(p->env, b64);
            json_array_append_new(recs, e);
        }
        json_object_set_new(o, "records", recs);
    }
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

/* Give up records [lo, k): report them to the on-failure queue, then move past them. */
static int discard(eddy_poller *p, eddy__ps_shard *s, size_t k, const char *why)
{
    size_t lo = s->lo;
    int rc = 0;

    if (p->on_failure != NULL) {
        bool payload = (p->opt.flags & EDDY_POLLER_FAILURE_PAYLOAD) != 0;
        for (;;) {
            char *body = failure_json(p, s, lo, k, why, payload);
            eddy_queue_send_entry e;
            if (body == NULL)
                return eddy__err(EDDY_ENOMEM, "out of memory for an on-failure message");
            memset(&e, 0, sizeof e);
            e.size = sizeof e;
            e.body.data = body;
            e.body.len = strlen(body);
            rc = eddy_queue_send(p->env, p->on_failure, &e, NULL);
            free(body); /* jansson's allocation */
            atomic_fetch_add(&p->commits, 1);
            if (rc == EDDY_ETOOBIG && payload) {
                payload = false; /* too large with the records: send the metadata alone */
                continue;
            }
            break;
        }
        if (rc != 0)
            return rc;
        atomic_fetch_add(&p->on_failure_sent, 1);
    }
    atomic_fetch_add(&p->discarded, k - lo);
    return advance(p, s, k);
}

/* Read the shard's next batch; hold it when it is due (size, bytes or window). */
static int fetch(eddy_poller *p, eddy__ps_shard *s, uint64_t now, bool *did)
{
    eddy_stream_read_options ro = {
        .size = sizeof ro, .max_records = p->opt.batch_size, .max_bytes = p->opt.payload_max};
    const eddy_stream_read_info *info;
    eddy_stream_iterator it;
    eddy_stream_batch *b = NULL;
    const eddy_stream_record *recs;
    uint64_t bytes = 0;
    size_t n = 0;
    int rc;

    rc = s->have_pos
             ? eddy_stream_get_iterator(p->env, p->name, s->id,
                                        EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER, s->pos, 0, &it)
             : eddy_stream_get_iterator(p->env, p->name, s->id, s->start_type, NULL,
                                        p->opt.start_ms, &it);
    if (rc == 0)
        rc = eddy_stream_get_records(p->env, &it, &ro, &b);
    if (rc == EDDY_ENOTFOUND || rc == EDDY_EEXPIRED) {
        s->gone = true; /* the shard expired; a deleted stream fails the next refresh */
        eddy__err_clear();
        return 0;
    }
    if (rc != 0)
        return rc;
    recs = eddy__stream_batch_records(b, &n);
    info = eddy_stream_batch_info(b);
    s->deferred_arrival_ms = 0;
    s->behind_ms = info->millis_behind_latest;
    if (n == 0) {
        bool end = info->shard_end;
        eddy_stream_batch_free(b);
        if (end) {
            if ((rc = checkpoint(p, s, EDDY_CHECKPOINT_SHARD_END)) != 0)
                return rc;
            s->done = true;
            *did = true;
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        bytes += recs[i].data.len;
    if (n < p->opt.batch_size && bytes < p->opt.payload_max && !info->shard_end &&
        p->opt.batching_window_ms > 0) {
        if (s->window_start_ms == 0)
            s->window_start_ms = now;
        if (now < s->window_start_ms + p->opt.batching_window_ms) {
            s->deferred_arrival_ms = recs[0].arrival_ms;
            eddy_stream_batch_free(b); /* read again later, from the same place */
            return 0;
        }
    }
    s->window_start_ms = 0;
    s->drop = eddy__calloc(p->env, n, sizeof *s->drop);
    s->invokes = eddy__calloc(p->env, n, sizeof *s->invokes);
    s->batch = b;
    s->recs = recs;
    s->n = n;
    s->lo = 0;
    s->hi = n;
    if (s->drop == NULL || s->invokes == NULL) {
        batch_drop(p->env, s);
        return eddy__err(EDDY_ENOMEM, "out of memory for a batch");
    }
    *did = true;
    for (size_t i = 0; p->filter != NULL && i < n; i++) {
        eddy_poller_item item;
        bool match = true;
        memset(&item, 0, sizeof item);
        memcpy(item.seq, recs[i].seq, sizeof item.seq);
        item.shard_id = s->id;
        item.body = recs[i].data;
        item.partition_key = recs[i].partition_key;
        item.sent_ms = recs[i].arrival_ms;
        if ((rc = eddy__filter_match(p->filter, EDDY_POLLER_SOURCE_STREAM, &item, &match)) != 0)
            return rc;
        s->drop[i] = !match;
        if (!match)
            atomic_fetch_add(&p->filtered, 1);
    }
    return 0;
}

/* ---- invocation (with the parallelization factor) ---- */

typedef struct sub {
    eddy_poller *p;
    eddy_poller_batch b;
    eddy_poller_result r;
    eddy_poller_item *items;
    size_t *pos; /* record position of each item */
    size_t n;
    int rc;
} sub;

static void *sub_run(void *arg)
{
    sub *g = arg;
    g->b.n = g->n;
    g->rc = eddy__poller_invoke(g->p, &g->b, g->items, &g->r);
    return NULL;
}

static uint32_t group_of(const eddy_poller *p, const eddy_stream_record *r)
{
    uint32_t par = p->opt.parallelization;
    return par > 1 ? (uint32_t)(XXH3_64bits(r->partition_key.data, r->partition_key.len) % par) : 0;
}

/* Deliver [lo, hi) (items not filtered out). *ok, or the lowest failed position *f and whether
 * a whole (sub-)batch failed. */
static int invoke_range(eddy_poller *p, eddy__ps_shard *s, bool *ok, size_t *f, bool *whole)
{
    uint32_t par = p->opt.parallelization, used = 0;
    size_t total = s->hi - s->lo, off = 0;
    sub g[EDDY__P_PAR_MAX];
    size_t *failed = eddy__calloc(p->env, total + 1, sizeof *failed);
    size_t *pos = eddy__calloc(p->env, total + 1, sizeof *pos);
    eddy_poller_item *items = eddy__calloc(p->env, total + 1, sizeof *items);
    pthread_t th[EDDY__P_PAR_MAX];
    bool started[EDDY__P_PAR_MAX] = {false};
    int rc = 0;

    *ok = true;
    *whole = false;
    *f = s->hi;
    memset(g, 0, sizeof g);
    if (failed == NULL || items == NULL || pos == NULL) {
        rc = eddy__err(EDDY_ENOMEM, "out of memory for a batch");
        goto out;
    }
    /* Group by partition key: one key's records go to one group, in order. Groups are laid out
     * one after another in items/pos/failed: count them first. */
    for (size_t i = s->lo; i < s->hi; i++)
        if (!s->drop[i])
            g[group_of(p, &s->recs[i])].n++;
    for (uint32_t k = 0; k < par; k++) {
        g[k].p = p;
        g[k].items = items + off;
        g[k].pos = pos + off;
        g[k].r.failed_idx = failed + off;
        off += g[k].n;
        used += g[k].n > 0;
        g[k].n = 0;
    }
    for (size_t i = s->lo; i < s->hi; i++) {
        const eddy_stream_record *r = &s->recs[i];
        sub *x;
        eddy_poller_item *it;
        if (s->drop[i])
            continue;
        x = &g[group_of(p, r)];
        it = &x->items[x->n];
        s->invokes[i]++;
        memcpy(it->seq, r->seq, sizeof it->seq);
        it->shard_id = s->id;
        it->body = r->data;
        it->partition_key = r->partition_key;
        it->receive_count = s->invokes[i];
        it->sent_ms = r->arrival_ms;
        x->pos[x->n++] = i;
    }
    for (uint32_t k = 0; k < par; k++) {
        g[k].b.source = EDDY_POLLER_SOURCE_STREAM;
        g[k].b.name = p->name;
        g[k].b.shard_id = s->id;
        g[k].b.attempt = s->attempt_no;
        for (size_t j = 0; j < g[k].n; j++)
            g[k].b.bytes += g[k].items[j].body.len;
    }
    /* Run the groups: on threads of their own unless MANUAL or only one has items. */
    for (uint32_t k = 0; k < par; k++) {
        if (g[k].n == 0)
            continue;
        if (used > 1 && !(p->opt.flags & EDDY_POLLER_MANUAL) &&
            pthread_create(&th[k], NULL, sub_run, &g[k]) == 0)
            started[k] = true;
        else
            sub_run(&g[k]);
    }
    for (uint32_t k = 0; k < par; k++)
        if (started[k])
            pthread_join(th[k], NULL);
    for (uint32_t k = 0; k < par; k++) {
        if (g[k].n == 0)
            continue;
        if (g[k].rc != 0) {
            rc = g[k].rc;
            continue;
        }
        if (g[k].r.failed) {
            *ok = false;
            *whole = true;
            if (g[k].pos[0] < *f)
                *f = g[k].pos[0];
        }
        for (size_t j = 0; !g[k].r.failed && j < g[k].r.n_failed; j++) {
            *ok = false;
            if (g[k].pos[g[k].r.failed_idx[j]] < *f)
                *f = g[k].pos[g[k].r.failed_idx[j]];
        }
    }
    if (rc != 0)
        rc = eddy__err(rc, "poller callback on '%s' asked to stop", p->name);
out:
    eddy__free(p->env, failed);
    eddy__free(p->env, items);
    eddy__free(p->env, pos);
    return rc;
}

static uint64_t backoff(const eddy_poller *p, uint32_t attempts)
{
    uint64_t d = p->opt.retry_backoff_ms;

    for (uint32_t i = 1; i < attempts && d < EDDY__P_BACKOFF_CAP; i++)
        d *= 2;
    return d < EDDY__P_BACKOFF_CAP ? d : EDDY__P_BACKOFF_CAP;
}

/* The range [lo, hi) failed (whole: without a partial response). */
static int range_failed(eddy_poller *p, eddy__ps_shard *s, bool whole, uint64_t now)
{
    s->attempt_no++;
    if (whole && (p->opt.flags & EDDY_POLLER_BISECT) && s->hi - s->lo > 1 &&
        s->depth < sizeof s->ends / sizeof s->ends[0]) {
        s->ends[s->depth++] = s->hi;         /* the second half follows the first */
        s->hi = s->lo + (s->hi - s->lo) / 2; /* bisection uses no retry */
        return 0;
    }
    s->attempts++;
    if (p->max_retry >= 0 && s->attempts > (uint64_t)p->max_retry)
        return discard(p, s, s->hi, "RetryAttemptsExhausted");
    s->retry_at_ms = now + backoff(p, s->attempts);
    return 0;
}

/* One step of a claimed shard: fetch if needed, then deliver or retry one range. */
static int shard_step(eddy_poller *p, eddy__ps_shard *s, size_t *batches, bool *did)
{
    uint64_t now = eddy__now_ms(p->env);
    bool ok, whole;
    size_t f, k;
    int rc = 0;

    if (s->batch == NULL && (rc = fetch(p, s, now, did)) != 0)
        return rc;
    if (s->batch == NULL)
        return 0;
    if (p->max_age_ms >= 0) {
        for (k = s->lo; k < s->n && now > s->recs[k].arrival_ms &&
                        now - s->recs[k].arrival_ms > (uint64_t)p->max_age_ms;
             k++)
            ;
        if (k > s->lo && (rc = discard(p, s, k, "RecordAgeExceeded")) != 0)
            return rc;
    }
    if (s->lo < s->n && s->retry_at_ms <= now) {
        bool any = false;
        for (size_t i = s->lo; i < s->hi && !any; i++)
            any = !s->drop[i];
        if (!any) {
            rc = advance(p, s, s->hi); /* everything filtered out: move past it */
        } else {
            *batches += 1;
            *did = true;
            if ((rc = invoke_range(p, s, &ok, &f, &whole)) != 0)
                return rc;
            if (ok)
                rc = advance(p, s, s->hi);
            else if (whole)
                rc = range_failed(p, s, true, now);
            else if (f == s->lo || (rc = advance(p, s, f)) == 0)
                rc = range_failed(p, s, false, now); /* retry from the lowest failure on */
        }
    }
    if (rc == 0 && s->batch != NULL && s->lo >= s->n)
        batch_drop(p->env, s);
    return rc;
}

static void shard_status(eddy_poller *p, eddy__ps_shard *s)
{
    pthread_mutex_lock(&p->mu);
    s->age_arrival_ms =
        s->batch != NULL && s->lo < s->n ? s->recs[s->lo].arrival_ms : s->deferred_arrival_ms;
    pthread_mutex_unlock(&p->mu);
}

static int ps_pass(eddy_poller *p, size_t idx, size_t *batches, bool *did)
{
    uint64_t mono = eddy__mono_ms();
    bool do_refresh = false;
    size_t i = 0;
    int rc = 0;

    (void)idx; /* any thread may step any shard it claims */
    *batches = 0;
    *did = false;
    pthread_mutex_lock(&p->mu);
    if (!p->refreshing && ((p->opt.flags & EDDY_POLLER_MANUAL) || p->n_shards == 0 ||
                           mono >= p->refreshed_mono_ms + EDDY__P_REFRESH_MS)) {
        p->refreshing = 1;
        do_refresh = true;
    }
    pthread_mutex_unlock(&p->mu);
    if (do_refresh) {
        rc = refresh(p);
        pthread_mutex_lock(&p->mu);
        p->refreshing = 0;
        p->refreshed_mono_ms = mono;
        pthread_mutex_unlock(&p->mu);
        if (rc != 0)
            return rc;
    }
    for (;;) {
        eddy__ps_shard *s = NULL;
        pthread_mutex_lock(&p->mu);
        if (p->ctl != EDDY__PCTL_RUN && !(p->opt.flags & EDDY_POLLER_MANUAL)) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        for (; i < p->n_shards && s == NULL; i++)
            if (eligible(p, p->shards[i]))
                s = p->shards[i];
        if (s != NULL)
            s->claimed = true;
        pthread_mutex_unlock(&p->mu);
        if (s == NULL)
            break;
        rc = shard_step(p, s, batches, did);
        shard_status(p, s);
        pthread_mutex_lock(&p->mu);
        s->claimed = false;
        pthread_mutex_unlock(&p->mu);
        if (rc != 0)
            break;
    }
    return rc;
}

static uint64_t ps_oldest_age(eddy_poller *p)
{
    uint64_t now = eddy__now_ms(p->env), age = 0;

    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n_shards; i++) {
        const eddy__ps_shard *s = p->shards[i];
        uint64_t a = s->age_arrival_ms != 0 && now > s->age_arrival_ms ? now - s->age_arrival_ms
                                                                       : s->behind_ms;
        if (a > age)
            age = a;
    }
    pthread_mutex_unlock(&p->mu);
    return age;
}

/* ---- the source's operations (poller.c) ---- */

static int ps_check(eddy_env *env, eddy_poller_options *o)
{
    size_t len;
    int rc;

    if (o->visibility_timeout_ms != 0)
        return eddy__err(EDDY_EINVAL, "visibility_timeout_ms applies to queue sources only");
    if (o->consumer == NULL)
        return eddy__err(EDDY_EINVAL, "a stream poller needs a consumer name");
    if ((rc = eddy__s_name_check("consumer", o->consumer, &len)) != 0)
        return rc;
    if (o->start < EDDY_POLLER_START_TRIM_HORIZON || o->start > EDDY_POLLER_START_AT_TIMESTAMP)
        return eddy__err(EDDY_EINVAL, "unknown starting position %d", o->start);
    if (o->start != EDDY_POLLER_START_AT_TIMESTAMP && o->start_ms != 0)
        return eddy__err(EDDY_EINVAL, "start_ms is for AT_TIMESTAMP only");
    if (o->start == EDDY_POLLER_START_AT_TIMESTAMP && o->start_ms > eddy__now_ms(env))
        return eddy__err(EDDY_EINVAL, "start_ms is in the future");
    if (o->max_retry_attempts != EDDY_POLLER_FOREVER &&
        (o->max_retry_attempts < 0 || o->max_retry_attempts > EDDY__P_RETRY_MAX))
        return eddy__err(EDDY_EINVAL, "max_retry_attempts %d out of range (-1, 1..%d)",
                         (int)o->max_retry_attempts, EDDY__P_RETRY_MAX);
    if (o->max_record_age_ms != EDDY_POLLER_FOREVER && o->max_record_age_ms != 0 &&
        (o->max_record_age_ms < EDDY__P_AGE_MIN || o->max_record_age_ms > EDDY__P_AGE_MAX))
        return eddy__err(EDDY_EINVAL, "max_record_age_ms %lld out of range (-1, %lld..%lld)",
                         (long long)o->max_record_age_ms, EDDY__P_AGE_MIN, EDDY__P_AGE_MAX);
    if (o->parallelization == 0)
        o->parallelization = 1;
    if (o->parallelization > EDDY__P_PAR_MAX)
        return eddy__err(EDDY_EINVAL, "parallelization %u exceeds %u", o->parallelization,
                         EDDY__P_PAR_MAX);
    if (o->on_failure_queue != NULL && (rc = eddy__q_name_check(o->on_failure_queue, &len)) != 0)
        return rc;
    return 0;
}

/* The stream (and the on-failure queue) must exist; remember the stream's id. */
static int ps_resolve(eddy_poller *p)
{
    eddy__s s;
    eddy__q q;
    int rc;

    if ((rc = eddy__s_read(p->env, p->name, strlen(p->name), &s)) != 0)
        return rc;
    p->source_id = s.id;
    if (p->on_failure != NULL &&
        (rc = eddy__q_get_read(p->env, p->on_failure, strlen(p->on_failure), &q)) != 0)
        return rc;
    return 0;
}

static int ps_init(eddy_poller *p)
{
    (void)p;
    return 0;
}

/* A shard's progress is committed as its batches finish: nothing held per worker. */
static int ps_flush(eddy_poller *p, size_t idx)
{
    (void)p;
    (void)idx;
    return 0;
}

static int ps_stop(eddy_poller *p)
{
    ps_reset(p);
    return 0;
}

const eddy__psrc_ops eddy__ps_ops = {
    "stream",
    EDDY__P_S_BATCH_DEFAULT,
    EDDY__P_S_CONC_DEFAULT,
    ps_check,
    ps_resolve,
    ps_init,
    ps_reset,
    ps_pass,
    ps_flush,
    ps_stop,
    ps_oldest_age,
};
