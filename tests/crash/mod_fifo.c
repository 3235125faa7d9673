/*
 * mod_fifo.c: the FIFO queue module of the crash workload and its check (decision 0013). Steps:
 * single and batch sends to 4 groups per worker thread, each with its token as deduplication id;
 * re-sends of a recently acknowledged token (which must come back as a duplicate of the first
 * message: a deduplication id acknowledged is not forgotten within its window, also across the
 * commits in between); receives with short timeouts (messages come back in group order) and
 * deletes. The check drains the queue and holds Eddy to every acknowledged send and delete and
 * to group order: within a group (one worker thread's tokens), tokens come out increasing.
 */
#include "crash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int crash_fifo_strict_dedup = 1;

#define FIFO_HELD   16
#define FIFO_RECENT 8

typedef struct fstate {
    char receipt[FIFO_HELD][EDDY_QUEUE_RECEIPT_LEN + 1];
    uint64_t held_tok[FIFO_HELD];
    int n_held;
    uint64_t recent_tok[FIFO_RECENT], recent_id[FIFO_RECENT], recent_ms[FIFO_RECENT];
    int n_recent;
    uint64_t last_ms; /* the latest send time seen: this thread's idea of now */
} fstate;

static fstate *fstate_of(crash_worker *w)
{
    if (w->module_state[2] == NULL)
        w->module_state[2] = calloc(1, sizeof(fstate));
    if (w->module_state[2] == NULL)
        abort();
    return w->module_state[2];
}

static int f_setup(eddy_env *env)
{
    eddy_queue_options o = EDDY_QUEUE_OPTIONS_INIT;

    o.fifo = 1;
    o.retention_ms = CRASH_RETENTION_MS;
    o.batch_max = CRASH_BATCH_MAX;
    return eddy_queue_create(env, CRASH_FIFO, &o);
}

static void report(const char *what, int rc)
{
    fprintf(stderr, "crash fifo step: %s: %s (%s)\n", what, eddy_errname(rc), eddy_last_error());
}

/* A token's group: its worker and one of 4 lanes; its deduplication id: the token in hex. */
static void ids_of(uint64_t tok, uint32_t lane, char group[24], char dedup[24])
{
    snprintf(group, 24, "%08x-%u", (unsigned)(tok >> 32), lane);
    snprintf(dedup, 24, "%016" PRIx64, tok);
}

static int f_send(crash_worker *w)
{
    static _Thread_local char bodies[10][CRASH_BODY_MAX];
    static _Thread_local char group[10][24], dedup[10][24];
    eddy_queue_send_entry e[10];
    eddy_queue_send_result r[10];
    size_t n = crash_rand(&w->rng) % 3 == 0 ? 2 + crash_rand(&w->rng) % 9 : 1;
    fstate *s = fstate_of(w);
    uint64_t first = 0;
    int rc;

    for (size_t i = 0; i < n; i++) {
        uint64_t tok = crash_next_token(w);
        first = i == 0 ? tok : first;
        e[i] = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        r[i] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
        ids_of(tok, (uint32_t)(crash_rand(&w->rng) % 4), group[i], dedup[i]);
        e[i].body.data = bodies[i];
        e[i].body.len = crash_body(tok, bodies[i], sizeof bodies[i]);
        e[i].group_id = group[i];
        e[i].dedup_id = dedup[i];
    }
    crash_ack_write(w->ack_fd, CRASH_ACK_TRY_SEND, w->worker, first, n, 0);
    rc = n == 1 ? eddy_queue_send(w->env, CRASH_FIFO, &e[0], &r[0])
                : eddy_queue_send_batch(w->env, CRASH_FIFO, e, n, r);
    if (rc != 0) {
        report("send", rc);
        return __LINE__;
    }
    for (size_t i = 0; i < n; i++) {
        if (r[i].rc != 0 || r[i].duplicate) {
            report("send entry (or an unexpected duplicate)", r[i].rc);
            return __LINE__;
        }
        crash_ack_write(w->ack_fd, CRASH_ACK_FIFO_SENT, w->worker, first + i, 1, r[i].msg_id);
        s->recent_tok[s->n_recent % FIFO_RECENT] = first + i;
        s->recent_id[s->n_recent % FIFO_RECENT] = r[i].msg_id;
        s->recent_ms[s->n_recent % FIFO_RECENT] = r[i].sent_ms;
        s->last_ms = r[i].sent_ms;
        s->n_recent++;
    }
    return 0;
}

/* Re-send a recently acknowledged token: within 5 minutes (fake time) of the first send it must
 * be a duplicate of that message. */
static int f_resend(crash_worker *w)
{
    static _Thread_local char body[CRASH_BODY_MAX];
    char group[24], dedup[24];
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    fstate *s = fstate_of(w);
    int k, rc;

    if (s->n_recent == 0 || !crash_fifo_strict_dedup)
        return f_send(w);
    k = (int)(crash_rand(&w->rng) %
              (uint64_t)(s->n_recent < FIFO_RECENT ? s->n_recent : FIFO_RECENT));
    /* Only well inside the interval: a re-send stored again would put an old token back. */
    if (s->last_ms >= s->recent_ms[k] + EDDY_QUEUE_DEDUP_WINDOW_MS / 2)
        return f_send(w);
    ids_of(s->recent_tok[k], 0, group, dedup);
    e.body.data = body;
    e.body.len = crash_body(s->recent_tok[k], body, sizeof body);
    e.group_id = group;
    e.dedup_id = dedup;
    if ((rc = eddy_queue_send(w->env, CRASH_FIFO, &e, &r)) != 0) {
        report("re-send", rc);
        return __LINE__;
    }
    if (!r.duplicate &&
        (r.sent_ms >= s->recent_ms[k] + EDDY_QUEUE_DEDUP_WINDOW_MS || !crash_fifo_strict_dedup))
        return 0; /* the interval was over (by this process's clock): stored again */
    if (!r.duplicate || r.msg_id != s->recent_id[k]) {
        fprintf(stderr,
                "crash fifo step: re-send of token %016" PRIx64 " was %s (msg %" PRIu64
                ", first %" PRIu64 ")\n",
                s->recent_tok[k], r.duplicate ? "a duplicate of another" : "stored again", r.msg_id,
                s->recent_id[k]);
        return __LINE__;
    }
    return 0;
}

static int f_receive(crash_worker *w)
{
    fstate *s = fstate_of(w);
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    int rc, line = 0;

    o.max_messages = 1 + (uint32_t)(crash_rand(&w->rng) % 10);
    o.visibility_timeout_ms = 1 + (uint32_t)(crash_rand(&w->rng) % 200);
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    if ((rc = eddy_queue_receive(w->env, CRASH_FIFO, &o, &b)) != 0) {
        report("receive", rc);
        return rc == EDDY_ELIMIT ? 0 : __LINE__;
    }
    for (size_t i = 0; i < eddy_queue_batch_count(b); i++) {
        const eddy_queue_message *m = eddy_queue_batch_message(b, i);
        uint64_t tok;
        if (!crash_body_token(m->body.data, m->body.len, &tok) ||
            !crash_body_ok(tok, m->body.data, m->body.len)) {
            fprintf(stderr, "crash fifo step: received a damaged body (msg %" PRIu64 ")\n",
                    m->msg_id);
            line = __LINE__;
            break;
        }
        if (s->n_held < FIFO_HELD) {
            snprintf(s->receipt[s->n_held], sizeof s->receipt[0], "%s", m->receipt);
            s->held_tok[s->n_held++] = tok;
        }
    }
    eddy_queue_batch_free(b);
    return line;
}

static int f_delete(crash_worker *w)
{
    fstate *s = fstate_of(w);
    int rc;

    while (s->n_held > 0) {
        int i = --s->n_held;
        crash_ack_write(w->ack_fd, CRASH_ACK_FIFO_TRY_DELETE, w->worker, s->held_tok[i], 1, 0);
        rc = eddy_queue_delete_message(w->env, CRASH_FIFO, s->receipt[i]);
        if (rc == 0)
            crash_ack_write(w->ack_fd, CRASH_ACK_FIFO_DELETED, w->worker, s->held_tok[i], 1, 0);
        else if (rc != EDDY_EEXPIRED && rc != EDDY_ENOTFOUND) {
            report("delete", rc); /* a stale receipt is normal: received again since */
            return __LINE__;
        }
    }
    return 0;
}

static int f_step(crash_worker *w)
{
    uint64_t r = crash_rand(&w->rng) % 100;

    if (r < 40)
        return f_send(w);
    if (r < 50)
        return f_resend(w);
    if (r < 75)
        return f_receive(w);
    return f_delete(w);
}

/* ---- check ---- */

#define LANES 4096 /* groups tracked during the drain (worker x lane, hashed) */

static int f_check(eddy_env *env, const crash_model *m, crash_result *r)
{
    eddy_queue_receive_options o = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    static uint64_t last[LANES];
    static char lane_name[LANES][24];
    crash_set seen;
    uint64_t missing = 0, back = 0, disorder = 0, present = 0, first = 0;
    int rc, verdict = CRASH_OK;

    memset(&seen, 0, sizeof seen);
    memset(last, 0, sizeof last);
    memset(lane_name, 0, sizeof lane_name);
    o.max_messages = CRASH_BATCH_MAX;
    o.visibility_timeout_ms = 43200000;
    o.wait_ms = EDDY_QUEUE_ZERO_MS;
    for (;;) {
        eddy_queue_batch *b = NULL;
        size_t n;
        if ((rc = eddy_queue_receive(env, CRASH_FIFO, &o, &b)) != 0)
            break;
        n = eddy_queue_batch_count(b);
        for (size_t i = 0; i < n; i++) {
            const eddy_queue_message *qm = eddy_queue_batch_message(b, i);
            uint64_t tok, h = 0;
            if (!crash_body_token(qm->body.data, qm->body.len, &tok) ||
                !crash_body_ok(tok, qm->body.data, qm->body.len) || qm->group_id == NULL) {
                crash_append(r->why, sizeof r->why, "fifo msg %" PRIu64 ": damaged", qm->msg_id);
                verdict = CRASH_CORRUPT;
                continue;
            }
            /* Group order: a group's tokens (one worker thread's) come out increasing. */
            for (const char *p = qm->group_id; *p != '\0'; p++)
                h = h * 131 + (unsigned char)*p;
            for (h %= LANES; lane_name[h][0] != '\0' && strcmp(lane_name[h], qm->group_id) != 0;)
                h = (h + 1) % LANES;
            snprintf(lane_name[h], sizeof lane_name[h], "%s", qm->group_id);
            if (tok <= last[h] && disorder++ == 0)
                crash_append(r->why, sizeof r->why,
                             "fifo group %s: token %016" PRIx64 " after %016" PRIx64, qm->group_id,
                             tok, last[h]);
            last[h] = tok;
            if (!crash_set_has(&m->tried, tok)) {
                crash_append(r->why, sizeof r->why, "fifo holds token %016" PRIx64 " never sent",
                             tok);
                verdict = CRASH_CORRUPT;
            }
            crash_set_add(&seen, tok);
            present++;
            /* Deleted at once: a group with a message in flight would stop the drain. */
            if ((rc = eddy_queue_delete_message(env, CRASH_FIFO, qm->receipt)) != 0) {
                crash_append(r->why, sizeof r->why, "fifo delete during the drain: %s",
                             eddy_errname(rc));
                verdict = CRASH_CORRUPT;
            }
        }
        eddy_queue_batch_free(b);
        if (n == 0)
            break;
    }
    if (rc != 0 && rc != EDDY_ENOTFOUND) {
        crash_append(r->why, sizeof r->why, "receive from %s: %s", CRASH_FIFO, eddy_errname(rc));
        verdict = CRASH_CORRUPT;
    }
    for (size_t i = 0; i < m->fifo_sent.cap; i++) {
        uint64_t t = m->fifo_sent.slot[i];
        if (t == 0 || crash_set_has(&m->fifo_del_tried, t) || crash_set_has(&seen, t))
            continue;
        if (missing++ == 0)
            first = t;
    }
    for (size_t i = 0; i < m->fifo_deleted.cap; i++) {
        uint64_t t = m->fifo_deleted.slot[i];
        if (t != 0 && crash_set_has(&seen, t))
            back++;
    }
    if (missing != 0)
        crash_append(r->why, sizeof r->why,
                     "%" PRIu64 " acknowledged FIFO sends missing (first token %016" PRIx64 ")",
                     missing, first);
    if (back != 0)
        crash_append(r->why, sizeof r->why, "%" PRIu64 " acknowledged FIFO deletes came back",
                     back);
    if (disorder != 0)
        crash_append(r->why, sizeof r->why, "%" PRIu64 " FIFO messages out of group order",
                     disorder);
    r->present += present;
    r->missing += missing;
    if (verdict == CRASH_OK && (missing != 0 || back != 0 || disorder != 0))
        verdict = disorder != 0 ? CRASH_CORRUPT : CRASH_LOST;
    crash_set_free(&seen);
    return verdict;
}

const crash_module crash_fifo_module = {"fifo", 6, f_setup, f_step, f_check};
