/*
 * test_stream_model.c: seeded model-based test of streams. Random puts (by partition key and
 * by explicit hash key), reads with every iterator type and random limits, clock jumps,
 * retention trims in bounded batches, splits, merges, scaling, checkpoints and reopens run
 * against Eddy and against a small in-memory model; results are compared after each step and
 * eddy_env_verify must stay clean. Prints seed=N; replay with EDDY_SEED=N. EDDY_STEPS=N sets
 * the number of steps (default 400).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MAXSH  64
#define RET_MS 60000

typedef struct mrec {
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    char data[24];
    uint64_t arrival_ms;
    uint64_t block; /* the put batch: a batch's records on one shard form one stored block */
} mrec;

typedef struct mshard {
    uint32_t id;
    int present, open;
    uint64_t closed_ms;
    char start[41], end[41];
    mrec *r;
    size_t n, cap;
} mshard;

typedef struct model {
    mshard sh[MAXSH];
    size_t n_sh;
    t_clock clock;
    eddy_env *env;
    const char *dir;
    uint64_t rng;
    uint64_t puts;
} model;

static int deccmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

static mshard *find(model *m, uint32_t id)
{
    for (size_t i = 0; i < m->n_sh; i++)
        if (m->sh[i].id == id && m->sh[i].present)
            return &m->sh[i];
    return NULL;
}

/* Bring the model's shard list in line with Eddy's (after create and reshards). */
static void sync_shards(model *m)
{
    eddy_stream_shard s[MAXSH] = {[0 ...(MAXSH) - 1] = EDDY_STREAM_SHARD_INIT};
    size_t n;
    T_OK(eddy_stream_list_shards(m->env, "m", s, MAXSH, &n));
    for (size_t i = 0; i < n; i++) {
        mshard *x = find(m, s[i].shard_id);
        if (x == NULL) {
            assert_true(m->n_sh < MAXSH);
            x = &m->sh[m->n_sh++];
            memset(x, 0, sizeof *x);
            x->id = s[i].shard_id;
            x->present = 1;
            x->r = NULL;
        }
        x->open = s[i].state == EDDY_STREAM_SHARD_OPEN;
        x->closed_ms = s[i].closed_ms;
        strcpy(x->start, s[i].starting_hash_key);
        strcpy(x->end, s[i].ending_hash_key);
        assert_int_equal(s[i].records, x->n);
    }
}

static void random_hash_key(model *m, char *out)
{
    int digits = 1 + (int)(t_rand(&m->rng) % 39);
    for (int i = 0; i < digits; i++)
        out[i] = (char)('0' + t_rand(&m->rng) % 10);
    if (digits > 1 && out[0] == '0')
        out[0] = '1';
    if (digits == 39 && out[0] > '2')
        out[0] = '2';
    out[digits] = '\0';
}

/* What a put does after writing to shard x: retention's bounded step (whole expired blocks, up
 * to 16 records, at least one block). */
static void put_expire(model *m, mshard *x)
{
    size_t k = 0;
    while (k < x->n && x->r[k].arrival_ms + RET_MS <= m->clock.now_ms) {
        size_t c = 1;
        while (k + c < x->n && x->r[k + c].block == x->r[k].block)
            c++;
        if (k > 0 && k + c > 16)
            break;
        k += c;
    }
    if (k > 0)
        memmove(x->r, x->r + k, (x->n - k) * sizeof *x->r);
    x->n -= k;
}

static void op_put(model *m)
{
    eddy_stream_put_entry e[20] = {[0 ...(20) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    eddy_stream_put_result r[20] = {[0 ...(20) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    char hk[20][41], data[20][24], pk[20][12];
    size_t n = 1 + t_rand(&m->rng) % 20, failed;

    memset(e, 0, sizeof e);

    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (size_t i = 0; i < n; i++) {
        snprintf(data[i], sizeof data[i], "d%llu", (unsigned long long)m->puts++);
        snprintf(pk[i], sizeof pk[i], "pk%u", (unsigned)(t_rand(&m->rng) % 50));
        e[i].data.data = data[i];
        e[i].data.len = strlen(data[i]);
        e[i].partition_key.data = pk[i];
        e[i].partition_key.len = strlen(pk[i]);
        if (t_rand(&m->rng) % 2) {
            random_hash_key(m, hk[i]);
            e[i].explicit_hash_key = hk[i];
        }
    }
    T_OK(eddy_stream_put_batch(m->env, "m", e, n, r, &failed));
    assert_int_equal(failed, 0);
    for (size_t i = 0; i < n; i++) {
        mshard *x = find(m, r[i].shard_id);
        assert_non_null(x);
        assert_true(x->open);
        if (e[i].explicit_hash_key != NULL)
            assert_true(deccmp(x->start, hk[i]) <= 0 && deccmp(hk[i], x->end) <= 0);
        if (x->n > 0) {
            assert_true(strcmp(x->r[x->n - 1].seq, r[i].seq) < 0);
            assert_true(x->r[x->n - 1].arrival_ms <= r[i].arrival_ms);
        }
        if (x->n == x->cap) {
            x->cap = x->cap ? x->cap * 2 : 64;
            x->r = realloc(x->r, x->cap * sizeof *x->r);
            assert_non_null(x->r);
        }
        strcpy(x->r[x->n].seq, r[i].seq);
        strcpy(x->r[x->n].data, data[i]);
        x->r[x->n].block = m->puts;
        x->r[x->n++].arrival_ms = r[i].arrival_ms;
    }
    for (size_t i = 0; i < n; i++) {
        int first = 1;
        for (size_t j = 0; j < i; j++)
            first &= r[j].shard_id != r[i].shard_id;
        if (first)
            put_expire(m, find(m, r[i].shard_id));
    }
}

static size_t first_at(const mshard *x, uint64_t ts)
{
    size_t i = 0;
    while (i < x->n && x->r[i].arrival_ms < ts)
        i++;
    return i;
}

static void op_read(model *m)
{
    mshard *x = &m->sh[t_rand(&m->rng) % m->n_sh];
    int type = 1 + (int)(t_rand(&m->rng) % 5);
    eddy_stream_read_options ro = {.size = sizeof(eddy_stream_read_options),
                                   .max_records = 1 + (uint32_t)(t_rand(&m->rng) % 7)};
    eddy_stream_iterator it;
    const char *seq = NULL;
    uint64_t ts = 0;
    size_t from = 0, got = 0, live;
    int skipped;

    if (!x->present)
        return;
    if ((type == 3 || type == 4 || type == 5) && x->n == 0)
        type = 1;
    if (type == 2)
        from = x->n;
    if (type == 3 || type == 4) {
        from = t_rand(&m->rng) % x->n;
        seq = x->r[from].seq;
        from += type == 4;
    }
    if (type == 5) {
        ts = x->r[t_rand(&m->rng) % x->n].arrival_ms + t_rand(&m->rng) % 2;
        from = first_at(x, ts);
    }
    /* Records past retention are never served, trimmed or not: reading starts at the first
     * unexpired one; a sequence number before it says so with skipped_trimmed. */
    live = 0;
    while (live < x->n && x->r[live].arrival_ms + RET_MS <= m->clock.now_ms)
        live++;
    skipped = (type == 3 || type == 4) && from < live;
    if (from < live)
        from = live;
    T_OK(eddy_stream_get_iterator(m->env, "m", x->id, type, seq, ts, &it));
    for (int round = 0; round < 10000; round++) {
        eddy_stream_batch *b = NULL;
        const eddy_stream_read_info *info;
        size_t n;
        T_OK(eddy_stream_get_records(m->env, &it, &ro, &b));
        n = eddy_stream_batch_count(b);
        info = eddy_stream_batch_info(b);
        for (size_t i = 0; i < n; i++, got++) {
            assert_true(from + got < x->n);
            assert_string_equal(eddy_stream_batch_record(b, i)->seq, x->r[from + got].seq);
            assert_int_equal(eddy_stream_batch_record(b, i)->data.len,
                             strlen(x->r[from + got].data));
            assert_memory_equal(eddy_stream_batch_record(b, i)->data.data, x->r[from + got].data,
                                eddy_stream_batch_record(b, i)->data.len);
            assert_int_equal(eddy_stream_batch_record(b, i)->arrival_ms,
                             x->r[from + got].arrival_ms);
        }
        assert_int_equal(info->skipped_trimmed, round == 0 && skipped);
        it = info->next;
        if (info->shard_end)
            assert_false(x->open);
        eddy_stream_batch_free(b);
        if (n == 0 || it.token[0] == '\0')
            break;
    }
    assert_int_equal(from + got, x->n);
}

/* Trim as the model predicts: shards in id order, oldest first, whole blocks, max_n records in
 * all (a block that would pass max_n stays, unless it is the call's first). */
static void op_trim(model *m)
{
    uint32_t max_n = 1 + (uint32_t)(t_rand(&m->rng) % 40);
    uint64_t now = m->clock.now_ms, cutoff = now > RET_MS ? now - RET_MS : 0, removed, want = 0;

    for (size_t i = 0; i < m->n_sh && want < max_n; i++) {
        mshard *x = &m->sh[i];
        size_t k = 0;
        if (!x->present)
            continue;
        while (k < x->n && x->r[k].arrival_ms + RET_MS <= now) {
            size_t c = 1;
            while (k + c < x->n && x->r[k + c].block == x->r[k].block)
                c++;
            if (want > 0 && want + c > max_n)
                break;
            k += c;
            want += c;
        }
        if (k > 0)
            memmove(x->r, x->r + k, (x->n - k) * sizeof *x->r);
        x->n -= k;
        if (!x->open && x->n == 0 && x->closed_ms <= cutoff && cutoff > 0)
            x->present = 0;
    }
    T_OK(eddy_stream_trim(m->env, "m", max_n, &removed));
    assert_int_equal(removed, want);
}

static void op_reshard(model *m)
{
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    size_t k = t_rand(&m->rng) % m->n_sh;
    mshard *x = &m->sh[k];
    int what = (int)(t_rand(&m->rng) % 3);

    T_OK(eddy_stream_get_attributes(m->env, "m", &info));
    if (info.shards > MAXSH - 12)
        return;
    if (what == 0 && x->present && x->open) {
        T_OK(eddy_stream_update_shard_count(m->env, "m", info.open_shards + 1));
    } else if (what == 1 && info.open_shards > 1) {
        T_OK(eddy_stream_update_shard_count(m->env, "m", info.open_shards - 1));
    } else if (what == 2 && x->present && x->open && strcmp(x->start, x->end) != 0) {
        uint32_t kids[2];
        char key[41];
        /* Split at the shard's own end: the upper child gets exactly one hash key. */
        strcpy(key, x->end);
        T_OK(eddy_stream_split_shard(m->env, "m", x->id, key, kids));
    }
    sync_shards(m);
}

static void op_checkpoint(model *m)
{
    mshard *x = &m->sh[t_rand(&m->rng) % m->n_sh];
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_checkpoint c = EDDY_CHECKPOINT_INIT;

    if (!x->present || x->n == 0)
        return;
    w = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    w.stream = "m";
    w.consumer = "c";
    w.shard_id = x->id;
    w.seq = x->r[x->n - 1].seq;
    T_OK(eddy_checkpoint_set(m->env, &w));
    T_OK(eddy_checkpoint_get(m->env, "m", "c", x->id, &c));
    assert_string_equal(c.seq, w.seq);
}

static void reopen(model *m)
{
    T_OK(eddy_env_close(m->env));
    m->env = t_env_open(m->dir, &m->clock);
}

static void model_run(void **state)
{
    model *m = calloc(1, sizeof *m);
    eddy_stream_options o = {
        .size = sizeof(eddy_stream_options), .shard_count = 2, .retention_ms = RET_MS};
    const char *steps_env = getenv("EDDY_STEPS");
    int steps = steps_env ? atoi(steps_env) : 400;

    (void)state;
    m->rng = t_seed();
    m->clock.now_ms = 1700000000000ull;
    m->dir = t_tmpdir();
    m->env = t_env_open(m->dir, &m->clock);
    T_OK(eddy_stream_create(m->env, "m", &o));
    sync_shards(m);
    for (int step = 0; step < steps; step++) {
        unsigned dice = (unsigned)(t_rand(&m->rng) % 100);
        if (dice < 40)
            op_put(m);
        else if (dice < 65)
            op_read(m);
        else if (dice < 75)
            m->clock.now_ms += t_rand(&m->rng) % 30000;
        else if (dice < 83)
            op_trim(m);
        else if (dice < 90)
            op_reshard(m);
        else if (dice < 97)
            op_checkpoint(m);
        else
            reopen(m);
        t_verify_clean(m->env);
    }
    sync_shards(m);
    T_OK(eddy_env_close(m->env));
    for (size_t i = 0; i < m->n_sh; i++)
        free(m->sh[i].r);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
