/*
 * test_diskfull.c: a full disk through the public API only (issue 8). One database with a queue
 * and a 2-shard stream lives on a small tmpfs that this test mounts (root only; it skips with a
 * message where mounting is refused, and always unmounts). Two filler files take most of the
 * space. Sends and puts of varied sizes (small raw, compressed, chunked into overflow pages,
 * single and batch) run until the disk is full, then in four threads (group commit) until it is
 * full again; a model records every acknowledged write. Each failed write must be EDDY_EFULL with
 * a detail message; reads (scan, stream reads, counts, verify) must keep working and show exactly
 * the acknowledged writes (a failed write stores nothing: eddy.h, the batch calls); deletes and
 * trims on the full disk must succeed: the disk reserve (eddy_env_options.disk_reserve, 2 MiB by
 * default) is kept for them, and writes that add data fail with EDDY_EFULL once it is reached.
 * Freeing a filler makes writes work again on the same handle; reopening shows the whole model.
 *
 * This test found that a commit whose run of pages only partly fits failed with EDDY_EIO: LMDB
 * (mdb_page_flush) turns the short write into EIO. engine/core/commit.c now reports EDDY_EFULL when
 * the file system is (nearly) full; a chunked body (a multi-page write) makes that case common.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rel.h"

#define MIB           (1024u * 1024u)
#define TMPFS_SIZE    "32m"
#define ROOM_FIRST    (3u * MIB) /* free space left for the single-threaded fill */
#define FILLER_A_LEN  (2u * MIB) /* freed before the threaded fill */
#define N_THREADS     4
#define HOLD_MAX      8
#define VIS_LONG_MS   43200000u
#define FAILS_TO_STOP 40 /* consecutive EDDY_EFULL that end a fill */

/* An acknowledged message: its body is gen_body(tag, len, comp), attribute "tag" when attr. */
typedef struct msg_m {
    uint64_t id, sent_ms, tag;
    uint32_t len;
    uint8_t comp, attr, present, in_flight, seen;
} msg_m;

/* An acknowledged record: data gen_body(tag, len, comp), partition key "pk-<tag % 8>". */
typedef struct rec_m {
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    uint32_t shard;
    uint64_t arrival_ms, tag;
    uint32_t len;
    uint8_t comp, present, seen;
} rec_m;

/* A receipt of a message received with a long visibility timeout; done once deleted. */
typedef struct held {
    uint64_t id;
    char receipt[EDDY_QUEUE_RECEIPT_LEN + 1];
    int done;
} held;

static struct world {
    char mnt[512], db[600], filler_a[600], filler_b[600], copy[600];
    int mounted;
    eddy_env *env;
    t_clock clk;
    uint64_t rng;
    pthread_mutex_t lock; /* guards the model while threads write */
    msg_m *msgs;
    size_t n_msgs, cap_msgs;
    rec_m *recs;
    size_t n_recs, cap_recs;
    uint64_t next_tag;
    held held[HOLD_MAX];
    size_t n_held;
    uint64_t q_cut, s_cut; /* trim_before cuts; 0 until chosen */
    int q_trimmed, s_trimmed;
    unsigned efull; /* failures with EDDY_EFULL */
} W = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* A failed write on the full disk must be EDDY_EFULL. */
static int full_rc(int rc)
{
    if (rc == EDDY_EFULL)
        __atomic_add_fetch(&W.efull, 1, __ATOMIC_SEQ_CST);
    return rc == EDDY_EFULL;
}

/* ---- bodies ---- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The bytes of body `tag`: the tag in hex first, then text (compressible) or noise. */
static void gen_body(uint8_t *dst, size_t len, uint64_t tag, int comp)
{
    static const char text[] = "{\"event\":\"order-placed\",\"region\":\"eu-west\",\"qty\":7} ";
    uint64_t s = mix(tag);
    char head[17];

    for (size_t i = 0; i < len; i++) {
        if (comp) {
            dst[i] = (uint8_t)text[(i + tag) % (sizeof text - 1)];
            continue;
        }
        if (i % 8 == 0)
            s = mix(s);
        dst[i] = (uint8_t)(s >> (8 * (i % 8)));
    }
    snprintf(head, sizeof head, "%016llx", (unsigned long long)tag);
    memcpy(dst, head, len < 16 ? len : 16);
}

static int same_body(eddy_slice got, uint64_t tag, uint32_t len, int comp)
{
    uint8_t *want;
    int same;

    if (got.len != len)
        return 0;
    want = malloc(len);
    assert_non_null(want);
    gen_body(want, len, tag, comp);
    same = memcmp(got.data, want, len) == 0;
    free(want);
    return same;
}

/* Sizes: small raw, compressed mid-size, raw ones that need chunks (overflow pages), large
 * compressed ones, and a few large raw ones. */
static uint32_t pick_len(uint64_t *rng, uint8_t *comp)
{
    uint64_t r = t_rand(rng) % 100, x = t_rand(rng);

    *comp = 0;
    if (r < 30)
        return 16 + (uint32_t)(x % 400);
    *comp = r < 50 || (r >= 75 && r < 92);
    if (r < 50)
        return 600 + (uint32_t)(x % 2400);
    if (r < 75)
        return 2100 + (uint32_t)(x % 10000);
    if (r < 92)
        return 20000 + (uint32_t)(x % 40000);
    return 60000 + (uint32_t)(x % 90000);
}

/* ---- writes (no cmocka asserts here: threads call them) ---- */

static void model_add_msg(const msg_m *m)
{
    pthread_mutex_lock(&W.lock);
    if (W.n_msgs == W.cap_msgs) {
        W.cap_msgs = W.cap_msgs ? 2 * W.cap_msgs : 256;
        W.msgs = realloc(W.msgs, W.cap_msgs * sizeof *W.msgs);
    }
    W.msgs[W.n_msgs++] = *m;
    pthread_mutex_unlock(&W.lock);
}

static void model_add_rec(const rec_m *r)
{
    pthread_mutex_lock(&W.lock);
    if (W.n_recs == W.cap_recs) {
        W.cap_recs = W.cap_recs ? 2 * W.cap_recs : 256;
        W.recs = realloc(W.recs, W.cap_recs * sizeof *W.recs);
    }
    W.recs[W.n_recs++] = *r;
    pthread_mutex_unlock(&W.lock);
}

static uint64_t next_tag(void)
{
    return __atomic_add_fetch(&W.next_tag, 1, __ATOMIC_SEQ_CST);
}

/* Send n (1: eddy_queue_send, else a batch) messages of random sizes (or raw ones of fixed_len);
 * on success add them to the model. */
static int send_some(uint64_t *rng, size_t n, uint32_t fixed_len)
{
    eddy_queue_send_entry e[4] = {[0 ...(4) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r[4] = {[0 ...(4) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_attr a[4];
    char aval[4][24];
    uint8_t *bufs[4];
    msg_m m[4];
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    memset(m, 0, sizeof m);
    for (size_t i = 0; i < n; i++) {
        m[i].tag = next_tag();
        m[i].len = fixed_len ? fixed_len : pick_len(rng, &m[i].comp);
        m[i].attr = m[i].tag % 3 == 0;
        bufs[i] = malloc(m[i].len);
        gen_body(bufs[i], m[i].len, m[i].tag, m[i].comp);
        e[i].body.data = bufs[i];
        e[i].body.len = m[i].len;
        snprintf(aval[i], sizeof aval[i], "%llu", (unsigned long long)m[i].tag);
        a[i].name = "tag";
        a[i].type = "Number";
        a[i].value.data = aval[i];
        a[i].value.len = strlen(aval[i]);
        e[i].attrs = m[i].attr ? &a[i] : NULL;
        e[i].attr_count = m[i].attr;
    }
    rc = n == 1 ? eddy_queue_send(W.env, "q", &e[0], &r[0])
                : eddy_queue_send_batch(W.env, "q", e, n, r);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (n > 1 && r[i].rc != 0)
            rc = r[i].rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        m[i].id = r[i].msg_id;
        m[i].sent_ms = r[i].sent_ms;
        m[i].present = 1;
        model_add_msg(&m[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(bufs[i]);
    return rc;
}

/* Put n (1: eddy_stream_put, else a batch) records of random sizes (or raw ones of fixed_len);
 * on success add them to the model. */
static int put_some(uint64_t *rng, size_t n, uint32_t fixed_len)
{
    eddy_stream_put_entry e[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[4] = {[0 ...(4) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    char pk[4][16];
    uint8_t *bufs[4];
    rec_m m[4];
    size_t failed = 0;
    int rc;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    memset(m, 0, sizeof m);
    for (size_t i = 0; i < n; i++) {
        m[i].tag = next_tag();
        m[i].len = fixed_len ? fixed_len : pick_len(rng, &m[i].comp);
        bufs[i] = malloc(m[i].len);
        gen_body(bufs[i], m[i].len, m[i].tag, m[i].comp);
        snprintf(pk[i], sizeof pk[i], "pk-%u", (unsigned)(m[i].tag % 8));
        e[i].data.data = bufs[i];
        e[i].data.len = m[i].len;
        e[i].partition_key.data = pk[i];
        e[i].partition_key.len = strlen(pk[i]);
    }
    rc = n == 1 ? eddy_stream_put(W.env, "s", &e[0], &r[0])
                : eddy_stream_put_batch(W.env, "s", e, n, r, &failed);
    if (rc == 0 && failed != 0)
        rc = EDDY_EINTERNAL; /* no entry here is invalid */
    for (size_t i = 0; i < n && rc == 0; i++) {
        memcpy(m[i].seq, r[i].seq, sizeof m[i].seq);
        m[i].shard = r[i].shard_id;
        m[i].arrival_ms = r[i].arrival_ms;
        m[i].present = 1;
        model_add_rec(&m[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(bufs[i]);
    return rc;
}

/* One random write; on failure `why` holds eddy_last_error() of this thread. */
static int step(uint64_t *rng, char *why, size_t why_cap)
{
    uint64_t r = t_rand(rng) % 100;
    int rc;

    __atomic_add_fetch(&W.clk.now_ms, 1, __ATOMIC_SEQ_CST);
    if (r < 40)
        rc = send_some(rng, 1, 0);
    else if (r < 50)
        rc = send_some(rng, 3, 0);
    else if (r < 85)
        rc = put_some(rng, 1, 0);
    else
        rc = put_some(rng, 3, 0);
    snprintf(why, why_cap, "%s", rc != 0 ? eddy_last_error() : "");
    return rc;
}

/* ---- checks (main thread only) ---- */

static int by_id(const void *a, const void *b)
{
    const msg_m *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_seq(const void *a, const void *b)
{
    return strcmp(((const rec_m *)a)->seq, ((const rec_m *)b)->seq);
}

static msg_m *find_msg(uint64_t id)
{
    msg_m key;
    key.id = id;
    return bsearch(&key, W.msgs, W.n_msgs, sizeof *W.msgs, by_id);
}

typedef struct scan_ctx {
    size_t seen, bad;
    char first_bad[160];
} scan_ctx;

static void note_bad(scan_ctx *c, const char *what, const char *id)
{
    if (c->bad++ == 0)
        snprintf(c->first_bad, sizeof c->first_bad, "%s %s", what, id);
}

static int scan_fn(void *ctx, const eddy_queue_scan_message *s)
{
    scan_ctx *c = ctx;
    msg_m *m = find_msg(s->msg_id);
    char id[32];
    int want_state;

    snprintf(id, sizeof id, "msg %llu", (unsigned long long)s->msg_id);
    if (m == NULL || !m->present || m->seen) {
        note_bad(c, m == NULL ? "never acknowledged" : "deleted or seen twice", id);
        return 0;
    }
    m->seen = 1;
    c->seen++;
    want_state = m->in_flight ? EDDY_QUEUE_MSG_IN_FLIGHT : EDDY_QUEUE_MSG_VISIBLE;
    if (!same_body(s->body, m->tag, m->len, m->comp))
        note_bad(c, "body differs:", id);
    if (s->attr_count != m->attr || s->state != want_state || s->sent_ms != m->sent_ms)
        note_bad(c, "attributes, state or send time differ:", id);
    return 0;
}

static void check_queue(const char *when)
{
    scan_ctx c;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    size_t present = 0;

    memset(&c, 0, sizeof c);
    qsort(W.msgs, W.n_msgs, sizeof *W.msgs, by_id);
    for (size_t i = 0; i < W.n_msgs; i++) {
        W.msgs[i].seen = 0;
        present += W.msgs[i].present;
    }
    T_OK(eddy_queue_scan(W.env, "q", 0, 0, scan_fn, &c, NULL));
    if (c.bad != 0)
        print_error("%s: %zu queue mismatches, first: %s\n", when, c.bad, c.first_bad);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.seen, present); /* every acknowledged message is stored */
    T_OK(eddy_queue_get_attributes(W.env, "q", &info));
    assert_int_equal(info.messages, present);
}

/* Compare one batch of stream records with the model; returns how many were right. */
static size_t check_records(const eddy_stream_batch *b, size_t n, scan_ctx *c)
{
    for (size_t j = 0; j < n; j++) {
        const eddy_stream_record *r = eddy_stream_batch_record(b, j);
        rec_m key, *m;
        char pk[16];
        memcpy(key.seq, r->seq, sizeof key.seq);
        m = bsearch(&key, W.recs, W.n_recs, sizeof *W.recs, by_seq);
        if (m == NULL || !m->present || m->seen) {
            note_bad(c, m == NULL ? "never acknowledged: rec" : "trimmed or seen twice: rec",
                     r->seq);
            continue;
        }
        m->seen = 1;
        c->seen++;
        snprintf(pk, sizeof pk, "pk-%u", (unsigned)(m->tag % 8));
        if (!same_body(r->data, m->tag, m->len, m->comp) || r->shard_id != m->shard ||
            r->arrival_ms != m->arrival_ms || r->partition_key.len != strlen(pk) ||
            memcmp(r->partition_key.data, pk, strlen(pk)) != 0)
            note_bad(c, "data, key, shard or arrival differ: rec", r->seq);
    }
    return n;
}

static void check_stream(const char *when)
{
    eddy_stream_shard shards[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    scan_ctx c;
    size_t n_shards, present = 0;

    memset(&c, 0, sizeof c);
    qsort(W.recs, W.n_recs, sizeof *W.recs, by_seq);
    for (size_t i = 0; i < W.n_recs; i++) {
        W.recs[i].seen = 0;
        present += W.recs[i].present;
    }
    T_OK(eddy_stream_list_shards(W.env, "s", shards, 4, &n_shards));
    assert_int_equal(n_shards, 2);
    for (size_t s = 0; s < n_shards; s++) {
        eddy_stream_iterator it;
        T_OK(eddy_stream_get_iterator(W.env, "s", shards[s].shard_id, EDDY_STREAM_ITER_TRIM_HORIZON,
                                      NULL, 0, &it));
        for (;;) {
            eddy_stream_batch *b = NULL;
            size_t nr;
            T_OK(eddy_stream_get_records(W.env, &it, NULL, &b));
            nr = eddy_stream_batch_count(b);
            check_records(b, nr, &c);
            it = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
            if (nr == 0)
                break;
        }
    }
    if (c.bad != 0)
        print_error("%s: %zu stream mismatches, first: %s\n", when, c.bad, c.first_bad);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.seen, present); /* every acknowledged record is stored */
    T_OK(eddy_stream_get_attributes(W.env, "s", &info));
    assert_int_equal(info.records, present);
}

/* Everything the model holds is stored, nothing else; verify is clean. Reads only. */
static void check_all(const char *when)
{
    eddy_env_stat st = EDDY_ENV_STAT_INIT;

    check_queue(when);
    check_stream(when);
    t_verify_clean(W.env);
    T_OK(eddy_env_stat_get(W.env, &st));
    print_message("%s: model matches (%zu messages, %zu records acknowledged), data.mdb %llu "
                  "KiB, verify clean\n",
                  when, W.n_msgs, W.n_recs, (unsigned long long)st.file_size / 1024);
}

/* ---- the disk ---- */

/* Write `len` bytes (or until the disk is full) to a new file. */
static void write_filler(const char *path, uint64_t len)
{
    static uint8_t buf[65536];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    uint64_t done = 0;

    assert_true(fd >= 0);
    memset(buf, 0xa5, sizeof buf);
    while (done < len) {
        size_t n = len - done < sizeof buf ? (size_t)(len - done) : sizeof buf;
        ssize_t w = write(fd, buf, n);
        if (w <= 0)
            break;
        done += (uint64_t)w;
    }
    close(fd);
}

static uint64_t disk_free(void)
{
    struct statvfs v;
    assert_int_equal(statvfs(W.mnt, &v), 0);
    return (uint64_t)v.f_bavail * v.f_frsize;
}

static void free_filler(const char *path)
{
    assert_int_equal(unlink(path), 0);
    print_message("freed %s: %llu KiB free\n", strrchr(path, '/') + 1,
                  (unsigned long long)disk_free() / 1024);
}

/* ---- phases ---- */

/* Receive up to `max` messages for 12 h, keeping up to HOLD_MAX receipts in all. */
static int receive_and_hold(uint32_t max)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    size_t n;
    int rc;

    ro.max_messages = max;
    ro.visibility_timeout_ms = VIS_LONG_MS;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    if ((rc = eddy_queue_receive(W.env, "q", &ro, &b)) != 0)
        return rc;
    n = eddy_queue_batch_count(b);
    qsort(W.msgs, W.n_msgs, sizeof *W.msgs, by_id);
    for (size_t i = 0; i < n; i++) {
        msg_m *mm = find_msg(eddy_queue_batch_message(b, i)->msg_id);
        assert_non_null(mm);
        assert_true(mm->present);
        assert_true(same_body(eddy_queue_batch_message(b, i)->body, mm->tag, mm->len, mm->comp));
        mm->in_flight = 1;
        if (W.n_held < HOLD_MAX) {
            W.held[W.n_held].id = eddy_queue_batch_message(b, i)->msg_id;
            memcpy(W.held[W.n_held].receipt, eddy_queue_batch_message(b, i)->receipt,
                   sizeof W.held[0].receipt);
            W.n_held++;
        }
    }
    eddy_queue_batch_free(b);
    return 0;
}

/* Single-threaded writes until FAILS_TO_STOP in a row fail; each failure is EDDY_EFULL. */
static void fill_until_full(void)
{
    int fails = 0, total_fails = 0, ok = 0, first_full = -1;
    unsigned efull0 = W.efull;
    char why[512];

    for (int i = 0; i < 20000 && fails < FAILS_TO_STOP; i++) {
        int rc = step(&W.rng, why, sizeof why), is_full;
        if (rc == 0) {
            ok++;
            fails = 0;
            if (ok == 30)
                T_OK(receive_and_hold(5));
            continue;
        }
        is_full = full_rc(rc);
        if (!is_full)
            print_error("write %d on the full disk: %s (%s)\n", i, eddy_errname(rc), why);
        assert_true(is_full);
        assert_true(why[0] != '\0'); /* eddy_last_error() says why */
        if (first_full < 0) {
            first_full = i;
            print_message("disk full at write %d: %s (%s)\n", i, eddy_errname(rc), why);
        }
        fails++;
        total_fails++;
    }
    print_message("single writer: %d writes acknowledged, %d failed (%u EDDY_EFULL); "
                  "%d failures came before a later write succeeded\n",
                  ok, total_fails, W.efull - efull0, total_fails - fails);
    assert_true(first_full > 0);
    assert_int_equal(fails, FAILS_TO_STOP); /* the disk stayed full */
}

/*
 * A delete's outcome must be `expected`, on the full disk too: the disk reserve
 * (eddy_env_options.disk_reserve) keeps receives, deletes and trims working. Returns 1.
 */
static int delete_done(int rc, int expected, const char *what)
{
    if (rc != expected)
        print_error("%s: expected %s, got %s (%s)\n", what, eddy_errname(expected),
                    eddy_errname(rc), eddy_last_error());
    assert_int_equal(rc, expected);
    return 1;
}

static void delete_held(int *ok, int *efull)
{
    const char *receipts[HOLD_MAX];
    int results[HOLD_MAX], idx[HOLD_MAX], rc, nb = 0;

    qsort(W.msgs, W.n_msgs, sizeof *W.msgs, by_id);
    for (size_t i = 0; i < W.n_held; i++) {
        held *h = &W.held[i];
        msg_m *m = find_msg(h->id);
        int expected = m->present ? 0 : EDDY_ENOTFOUND;
        if (h->done)
            continue;
        if (i % 2 == 1) { /* odd ones go in one batch below */
            receipts[nb] = h->receipt;
            idx[nb++] = (int)i;
            continue;
        }
        rc = eddy_queue_delete_message(W.env, "q", h->receipt);
        h->done = delete_done(rc, expected, "delete_message");
        if (h->done && rc == 0)
            m->present = 0;
        *(h->done ? ok : efull) += 1;
    }
    if (nb == 0)
        return;
    rc = eddy_queue_delete_batch(W.env, "q", receipts, (size_t)nb, results);
    if (!delete_done(rc, 0, "delete_batch")) {
        *efull += nb;
        return;
    }
    for (int j = 0; j < nb; j++) {
        held *h = &W.held[idx[j]];
        msg_m *m = find_msg(h->id);
        assert_int_equal(results[j], m->present ? 0 : EDDY_ENOTFOUND);
        m->present = 0;
        h->done = 1;
        *ok += 1;
    }
}

/* Queue and stream trim_before at cuts chosen once; each is all or nothing. */
static void trims(const char **q_out, const char **s_out)
{
    uint64_t removed = 0, want = 0;
    int rc;

    *q_out = *s_out = "done before";
    qsort(W.msgs, W.n_msgs, sizeof *W.msgs, by_id);
    qsort(W.recs, W.n_recs, sizeof *W.recs, by_seq);
    if (W.q_cut == 0)
        W.q_cut = W.msgs[W.n_msgs / 4].sent_ms;
    if (W.s_cut == 0)
        W.s_cut = W.recs[W.n_recs / 4].arrival_ms;
    if (!W.q_trimmed) {
        for (size_t i = 0; i < W.n_msgs; i++)
            want += W.msgs[i].present && W.msgs[i].sent_ms < W.q_cut;
        rc = eddy_queue_trim_before(W.env, "q", W.q_cut, 0, &removed);
        W.q_trimmed = delete_done(rc, 0, "queue trim_before");
        *q_out = W.q_trimmed ? "ok" : eddy_errname(rc);
        if (W.q_trimmed)
            assert_int_equal(removed, want);
        for (size_t i = 0; i < W.n_msgs && W.q_trimmed; i++)
            if (W.msgs[i].sent_ms < W.q_cut)
                W.msgs[i].present = 0;
    }
    if (!W.s_trimmed) {
        want = 0;
        for (size_t i = 0; i < W.n_recs; i++)
            want += W.recs[i].present && W.recs[i].arrival_ms < W.s_cut;
        rc = eddy_stream_trim_before(W.env, "s", W.s_cut, 0, &removed);
        W.s_trimmed = delete_done(rc, 0, "stream trim_before");
        *s_out = W.s_trimmed ? "ok" : eddy_errname(rc);
        if (W.s_trimmed)
            assert_int_equal(removed, want);
        for (size_t i = 0; i < W.n_recs && W.s_trimmed; i++)
            if (W.recs[i].arrival_ms < W.s_cut)
                W.recs[i].present = 0;
    }
}

/* Receives, deletes and trims succeed on the full disk (the reserve) and once space is back. */
static void removals(int full, const char *when)
{
    const char *recv = "skipped", *q, *s;
    int ok = 0, efull = 0, rc;

    if (full) {
        rc = receive_and_hold(3);
        recv = rc == 0 ? "ok" : eddy_errname(rc);
        delete_done(rc, 0, "receive");
    }
    delete_held(&ok, &efull);
    trims(&q, &s);
    print_message("%s: receive %s, %d message deletes ok, %d failed, queue trim_before %s, "
                  "stream trim_before %s\n",
                  when, recv, ok, efull, q, s);
}

/* After space was freed: writes work again on the same handle (no reopen). */
static void writes_work_again(void)
{
    char why[512];
    T_OK(send_some(&W.rng, 1, 100000));
    T_OK(put_some(&W.rng, 1, 100000));
    T_OK(send_some(&W.rng, 3, 3000));
    T_OK(put_some(&W.rng, 3, 3000));
    for (int i = 0; i < 10; i++) {
        int rc = step(&W.rng, why, sizeof why);
        if (rc != 0)
            print_error("write %d after freeing space: %s (%s)\n", i, eddy_errname(rc), why);
        assert_int_equal(rc, 0);
    }
}

typedef struct worker {
    pthread_t t;
    uint64_t rng;
    size_t ok, full, empty_msg;
    int bad_rc;
    char bad_msg[512];
} worker;

static pthread_barrier_t start_line;

static void *work(void *arg)
{
    worker *w = arg;
    char why[512];
    int fails = 0;

    pthread_barrier_wait(&start_line);
    for (int i = 0; i < 5000 && fails < FAILS_TO_STOP; i++) {
        int rc = step(&w->rng, why, sizeof why);
        if (rc == 0) {
            w->ok++;
            fails = 0;
            continue;
        }
        if (!full_rc(rc)) {
            w->bad_rc = rc;
            snprintf(w->bad_msg, sizeof w->bad_msg, "%s", why);
            break;
        }
        w->empty_msg += why[0] == '\0';
        w->full++;
        fails++;
    }
    return NULL;
}

/* N_THREADS writers share group commits until the disk is full again. */
static void threads_fill(void)
{
    worker w[N_THREADS];
    eddy_env_stat a = EDDY_ENV_STAT_INIT, b = EDDY_ENV_STAT_INIT;
    size_t ok = 0, full = 0;
    unsigned efull0 = W.efull;

    memset(w, 0, sizeof w);
    T_OK(eddy_env_stat_get(W.env, &a));
    pthread_barrier_init(&start_line, NULL, N_THREADS);
    for (int i = 0; i < N_THREADS; i++) {
        w[i].rng = mix(W.rng + (uint64_t)i);
        assert_int_equal(pthread_create(&w[i].t, NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(w[i].t, NULL);
    pthread_barrier_destroy(&start_line);
    T_OK(eddy_env_stat_get(W.env, &b));
    for (int i = 0; i < N_THREADS; i++) {
        if (w[i].bad_rc != 0)
            print_error("thread %d: %s (%s)\n", i, eddy_errname(w[i].bad_rc), w[i].bad_msg);
        assert_int_equal(w[i].bad_rc, 0);    /* every failure was EDDY_EFULL ... */
        assert_int_equal(w[i].empty_msg, 0); /* ... with a detail message in its thread */
        ok += w[i].ok;
        full += w[i].full;
    }
    print_message("%d threads: %zu writes acknowledged, %zu failed (%u EDDY_EFULL); "
                  "%llu commits carried %llu operations\n",
                  N_THREADS, ok, full, W.efull - efull0,
                  (unsigned long long)(b.commits - a.commits),
                  (unsigned long long)(b.ops_committed - a.ops_committed));
    assert_true(ok > 0);
    assert_true(full >= N_THREADS); /* each thread met the full disk */
}

/* eddy_env_copy onto the full disk fails with EDDY_EFULL (eddy.h); remove what it left. */
static void copy_fails(void)
{
    int rc = eddy_env_copy(W.env, W.copy, 0);
    int is_full = full_rc(rc);

    print_message("eddy_env_copy onto the full disk: %s (%s)\n", eddy_errname(rc),
                  eddy_last_error());
    assert_true(is_full);
    assert_true(eddy_last_error()[0] != '\0');
    t_rm_rf(W.copy);
}

static void reopen(void)
{
    T_OK(eddy_env_close(W.env));
    W.env = NULL;
    W.env = t_env_open(W.db, &W.clk);
}

static void full_disk_queue_and_stream(void **state)
{
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    uint64_t room;

    (void)state;
    snprintf(W.mnt, sizeof W.mnt, "%s", t_tmpdir());
    if (getuid() != 0 || mount("eddy-diskfull", W.mnt, "tmpfs", 0, "size=" TMPFS_SIZE) != 0) {
        print_message("test_diskfull: skipped: mounting a tmpfs needs root (and a system that "
                      "permits it): %s\n",
                      getuid() != 0 ? "not root" : strerror(errno));
        skip();
    }
    W.mounted = 1;
    snprintf(W.db, sizeof W.db, "%s/db", W.mnt);
    snprintf(W.filler_a, sizeof W.filler_a, "%s/filler-a", W.mnt);
    snprintf(W.filler_b, sizeof W.filler_b, "%s/filler-b", W.mnt);
    snprintf(W.copy, sizeof W.copy, "%s/copy", W.mnt);
    W.clk.now_ms = REL_T0;
    W.rng = t_seed();
    W.env = t_env_open(W.db, &W.clk);
    T_OK(eddy_queue_create(W.env, "q", NULL));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.shard_count = 2;
    T_OK(eddy_stream_create(W.env, "s", &so));
    room = disk_free();
    assert_true(room > FILLER_A_LEN + ROOM_FIRST + MIB);
    write_filler(W.filler_b, room - FILLER_A_LEN - ROOM_FIRST);
    write_filler(W.filler_a, FILLER_A_LEN);
    print_message("tmpfs %s: %llu KiB free for the database\n", TMPFS_SIZE,
                  (unsigned long long)disk_free() / 1024);

    fill_until_full();
    check_all("full disk");
    copy_fails();
    removals(1, "full disk");
    check_all("full disk, after receive, deletes and trims");
    reopen();
    check_all("full disk, reopened");

    free_filler(W.filler_a);
    removals(0, "space freed");
    writes_work_again();
    check_all("space freed, same handle");

    threads_fill();
    check_all("full again after the threads");

    free_filler(W.filler_b);
    writes_work_again();
    T_OK(eddy_env_sync(W.env));
    check_all("all space freed, same handle");
    reopen();
    check_all("reopened");
    T_OK(eddy_env_close(W.env));
    W.env = NULL;
}

static int teardown(void **state)
{
    (void)state;
    if (W.env != NULL)
        (void)eddy_env_close(W.env);
    W.env = NULL;
    if (W.mounted && umount2(W.mnt, MNT_DETACH) != 0)
        fprintf(stderr, "test_diskfull: umount %s: %s\n", W.mnt, strerror(errno));
    W.mounted = 0;
    free(W.msgs);
    free(W.recs);
    W.msgs = NULL;
    W.recs = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(full_disk_queue_and_stream, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
