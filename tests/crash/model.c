/*
 * model.c: the acknowledgement records, the token-derived message bodies and the model of what
 * Eddy promised (crash.h). Pure bookkeeping: it never calls Eddy, so the same model serves the
 * SIGKILL parent, the power-loss replayer and the benchmarks.
 */
#include "crash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

void crash_ack_write(int fd, uint32_t kind, uint32_t worker, uint64_t token, uint64_t n,
                     uint64_t aux)
{
    crash_ack a = {kind, worker, token, n, aux};
    ssize_t w;

    do
        w = write(fd, &a, sizeof a);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)sizeof a) {
        /* The reader is gone: nobody can check our promises any more. */
        _exit(4);
    }
}

uint64_t crash_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- bodies ---- */

static const char *const skus[] = {"glazed",   "cruller",   "jelly",         "boston-cream",
                                   "sprinkle", "maple-bar", "old-fashioned", "bear-claw"};
static const char *const channels[] = {"mobile", "web", "store", "kiosk"};

size_t crash_body(uint64_t tok, char *dst, size_t cap)
{
    uint64_t r = tok;
    uint64_t h = crash_rand(&r);
    int n;
    size_t len;

    n = snprintf(dst, cap,
                 "tok=%016" PRIx64 ";{\"order_id\":%" PRIu64 ",\"customer\":\"c-%04u\","
                 "\"items\":[{\"sku\":\"%s\",\"qty\":%u}],\"channel\":\"%s\",\"ts\":%" PRIu64 "}",
                 tok, tok & 0xffffffffu, (unsigned)(h % 5000), skus[(h >> 16) % 8],
                 (unsigned)((h >> 24) % 24 + 1), channels[(h >> 32) % 4],
                 (uint64_t)1700000000000u + (h >> 40));
    len = (size_t)n;
    if ((h >> 60) == 0) {
        /* One in 16: a large body (2..9 KiB), stored in chunks; pseudo-random text. */
        size_t want = 2048 + (size_t)((h >> 8) % 7168);
        if (want > cap)
            want = cap;
        while (len < want) {
            uint64_t x = crash_rand(&r);
            for (int i = 0; i < 8 && len < want; i++, x >>= 8)
                dst[len++] = (char)('a' + (x & 0xff) % 26);
        }
    }
    return len;
}

bool crash_body_token(const void *body, size_t len, uint64_t *tok)
{
    const char *b = body;
    uint64_t t = 0;

    if (len < 21 || memcmp(b, "tok=", 4) != 0 || b[20] != ';')
        return false;
    for (int i = 4; i < 20; i++) {
        int c = b[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return false;
        t = (t << 4) | (uint64_t)d;
    }
    *tok = t;
    return true;
}

bool crash_body_ok(uint64_t tok, const void *body, size_t len)
{
    static _Thread_local char want[CRASH_BODY_MAX];
    size_t n = crash_body(tok, want, sizeof want);
    return n == len && memcmp(want, body, len) == 0;
}

/* ---- sets ---- */

static size_t slot_of(uint64_t tok, size_t cap)
{
    uint64_t h = tok * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

void crash_set_free(crash_set *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

bool crash_set_has(const crash_set *s, uint64_t tok)
{
    if (s->cap == 0)
        return false;
    for (size_t i = slot_of(tok, s->cap);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == tok)
            return true;
        if (s->slot[i] == 0)
            return false;
    }
}

static void set_grow(crash_set *s)
{
    crash_set g = {NULL, s->cap ? s->cap * 2 : 1024, 0};
    g.slot = calloc(g.cap, sizeof *g.slot);
    if (g.slot == NULL) {
        perror("crash_set");
        abort();
    }
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i] != 0)
            crash_set_add(&g, s->slot[i]);
    free(s->slot);
    *s = g;
}

bool crash_set_add(crash_set *s, uint64_t tok)
{
    if (tok == 0)
        abort(); /* tokens are never 0: counters start at 1 */
    if ((s->n + 1) * 2 > s->cap)
        set_grow(s);
    for (size_t i = slot_of(tok, s->cap);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == tok)
            return false;
        if (s->slot[i] == 0) {
            s->slot[i] = tok;
            s->n++;
            return true;
        }
    }
}

/* ---- model ---- */

void crash_model_init(crash_model *m)
{
    memset(m, 0, sizeof *m);
}

void crash_model_free(crash_model *m)
{
    crash_set_free(&m->tried);
    crash_set_free(&m->sent);
    crash_set_free(&m->deleted);
    crash_set_free(&m->del_tried);
    crash_set_free(&m->fifo_sent);
    crash_set_free(&m->fifo_deleted);
    crash_set_free(&m->fifo_del_tried);
    free(m->puts);
    free(m->cps);
    memset(m, 0, sizeof *m);
}

void crash_model_add(crash_model *m, const crash_ack *a)
{
    m->acks++;
    switch (a->kind) {
    case CRASH_ACK_TRY_SEND:
    case CRASH_ACK_TRY_PUT:
        for (uint64_t i = 0; i < a->n && i < 100000; i++)
            crash_set_add(&m->tried, a->token + i);
        break;
    case CRASH_ACK_SENT:
        crash_set_add(&m->sent, a->token);
        break;
    case CRASH_ACK_TRY_DELETE:
        crash_set_add(&m->del_tried, a->token);
        break;
    case CRASH_ACK_DELETED:
        crash_set_add(&m->deleted, a->token);
        break;
    case CRASH_ACK_FIFO_SENT:
        crash_set_add(&m->fifo_sent, a->token);
        break;
    case CRASH_ACK_FIFO_TRY_DELETE:
        crash_set_add(&m->fifo_del_tried, a->token);
        break;
    case CRASH_ACK_FIFO_DELETED:
        crash_set_add(&m->fifo_deleted, a->token);
        break;
    case CRASH_ACK_PUT:
        if (m->n_puts == m->cap_puts) {
            m->cap_puts = m->cap_puts ? m->cap_puts * 2 : 1024;
            m->puts = realloc(m->puts, m->cap_puts * sizeof *m->puts);
            if (m->puts == NULL)
                abort();
        }
        m->puts[m->n_puts] = (crash_put){a->token, a->worker >> 16, a->worker & 0xffff, ""};
        crash_seq_of(a, m->puts[m->n_puts++].seq);
        break;
    case CRASH_ACK_TRY_CHECKPOINT:
        crash_model_cp(m, (uint32_t)a->token, a->worker);
        break;
    case CRASH_ACK_CHECKPOINT: {
        crash_cp *c = crash_model_cp(m, (uint32_t)a->token, a->worker);
        c->acked = true;
        crash_seq_of(a, c->seq);
        break;
    }
    case CRASH_ACK_FAIL:
        if (m->fails++ == 0)
            m->fail_line = a->aux;
        break;
    default:
        break;
    }
}

crash_cp *crash_model_cp(crash_model *m, uint32_t consumer, uint32_t shard)
{
    for (size_t i = 0; i < m->n_cps; i++)
        if (m->cps[i].consumer == consumer && m->cps[i].shard == shard)
            return &m->cps[i];
    if (m->n_cps == m->cap_cps) {
        m->cap_cps = m->cap_cps ? m->cap_cps * 2 : 64;
        m->cps = realloc(m->cps, m->cap_cps * sizeof *m->cps);
        if (m->cps == NULL)
            abort();
    }
    m->cps[m->n_cps] = (crash_cp){consumer, shard, false, ""};
    return &m->cps[m->n_cps++];
}

void crash_seq_of(const crash_ack *a, char seq[EDDY_STREAM_SEQ_LEN + 1])
{
    snprintf(seq, EDDY_STREAM_SEQ_LEN + 1, "%013" PRIu64 "%016" PRIu64,
             a->n % (uint64_t)10000000000000u, a->aux % (uint64_t)10000000000000000u);
}

void crash_seq_split(const char *seq, uint64_t *hi, uint64_t *lo)
{
    char h[14];
    memcpy(h, seq, 13);
    h[13] = '\0';
    *hi = strtoull(h, NULL, 10);
    *lo = strtoull(seq + 13, NULL, 10);
}

/* ---- helpers ---- */

double crash_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void crash_append(char *why, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(why);
    va_list ap;

    if (len + 1 >= cap)
        return;
    if (len > 0 && len + 3 < cap) {
        memcpy(why + len, "; ", 3);
        len += 2;
    }
    va_start(ap, fmt);
    vsnprintf(why + len, cap - len, fmt, ap);
    va_end(ap);
}

int crash_copy_file(const char *src, const char *dst)
{
    static char buf[1 << 16];
    int in = open(src, O_RDONLY | O_CLOEXEC), out;
    ssize_t r;
    int rc = 0;

    if (in < 0)
        return errno == ENOENT ? 0 : -1;
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((r = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r) {
            rc = -1;
            break;
        }
    if (r < 0)
        rc = -1;
    close(in);
    close(out);
    return rc;
}
