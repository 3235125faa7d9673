/* rel.c: see rel.h. */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

typedef struct names {
    char v[64][EDDY_STREAM_NAME_MAX + 1];
    int n;
} names;

static int collect(void *ctx, const char *name)
{
    names *ns = ctx;
    if (ns->n < 64)
        snprintf(ns->v[ns->n++], sizeof ns->v[0], "%s", name);
    return 0;
}

static int dump_queue_messages(FILE *f, const char *dir, uint64_t now_ms, const names *qs)
{
    t_clock clk = {now_ms};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *copy = NULL;
    int rc;

    o.clock = t_clock_of(&clk);
    o.flags = EDDY_ENV_NOCREATE;
    if ((rc = eddy_env_open(dir, &o, &copy)) != 0)
        return rc;
    for (int i = 0; i < qs->n && rc == 0; i++) {
        eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
        eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        if ((rc = eddy_queue_get_attributes(copy, qs->v[i], &info)) != 0)
            break;
        ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        ro.max_messages = info.batch_max;
        ro.visibility_timeout_ms = 43200000;
        ro.wait_ms = EDDY_QUEUE_ZERO_MS;
        /* Everything receivable now, then again after the longest delay and visibility. */
        for (int round = 0; round < 2 && rc == 0; round++) {
            for (;;) {
                eddy_queue_batch *b = NULL;
                size_t n;
                if ((rc = eddy_queue_receive(copy, qs->v[i], &ro, &b)) != 0)
                    break;
                n = eddy_queue_batch_count(b);
                for (size_t j = 0; j < n; j++)
                    fprintf(
                        f, "  msg %s #%llu rc=%u sent=%llu attrs=%zu body=%016llx len=%zu\n",
                        qs->v[i], (unsigned long long)eddy_queue_batch_message(b, j)->msg_id,
                        eddy_queue_batch_message(b, j)->receive_count,
                        (unsigned long long)eddy_queue_batch_message(b, j)->sent_ms,
                        eddy_queue_batch_message(b, j)->attr_count,
                        (unsigned long long)XXH3_64bits(eddy_queue_batch_message(b, j)->body.data,
                                                        eddy_queue_batch_message(b, j)->body.len),
                        eddy_queue_batch_message(b, j)->body.len);
                eddy_queue_batch_free(b);
                if (n == 0)
                    break;
            }
            __atomic_store_n(&clk.now_ms, now_ms + 43200000ull + 1000, __ATOMIC_SEQ_CST);
        }
        __atomic_store_n(&clk.now_ms, now_ms, __ATOMIC_SEQ_CST);
    }
    eddy_env_close(copy);
    return rc;
}

static int dump_streams(FILE *f, eddy_env *env, const names *ss)
{
    static eddy_stream_shard shards[64] = {[0 ...(64) - 1] = EDDY_STREAM_SHARD_INIT};
    int rc = 0;

    for (int i = 0; i < ss->n && rc == 0; i++) {
        eddy_stream_info info = EDDY_STREAM_INFO_INIT;
        eddy_checkpoint cps[8] = {[0 ...(8) - 1] = EDDY_CHECKPOINT_INIT};
        eddy_lease leases[8] = {[0 ...(8) - 1] = EDDY_LEASE_INIT};
        size_t n, ncp = 0, nl = 0;

        if ((rc = eddy_stream_get_attributes(env, ss->v[i], &info)) != 0)
            break;
        fprintf(f, "stream %s id=%llu shards=%u open=%u records=%llu bytes=%llu ret=%llu\n",
                ss->v[i], (unsigned long long)info.id, info.shards, info.open_shards,
                (unsigned long long)info.records, (unsigned long long)info.bytes,
                (unsigned long long)info.retention_ms);
        if ((rc = eddy_stream_list_shards(env, ss->v[i], shards, 64, &n)) != 0)
            break;
        for (size_t s = 0; s < n && rc == 0; s++) {
            eddy_stream_iterator it;
            fprintf(f,
                    " shard %u state=%d parent=%u children=%u,%u range=%s..%s seq=%s..%s "
                    "records=%llu\n",
                    shards[s].shard_id, shards[s].state, shards[s].parent_id,
                    shards[s].child_ids[0], shards[s].child_ids[1], shards[s].starting_hash_key,
                    shards[s].ending_hash_key, shards[s].starting_seq, shards[s].ending_seq,
                    (unsigned long long)shards[s].records);
            rc = eddy_stream_get_iterator(env, ss->v[i], shards[s].shard_id,
                                          EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it);
            while (rc == 0) {
                eddy_stream_batch *b = NULL;
                size_t nr;
                if ((rc = eddy_stream_get_records(env, &it, NULL, &b)) != 0)
                    break;
                nr = eddy_stream_batch_count(b);
                for (size_t j = 0; j < nr; j++)
                    fprintf(
                        f, "  rec %s pk=%.*s t=%llu data=%016llx len=%zu\n",
                        eddy_stream_batch_record(b, j)->seq,
                        (int)eddy_stream_batch_record(b, j)->partition_key.len,
                        (const char *)eddy_stream_batch_record(b, j)->partition_key.data,
                        (unsigned long long)eddy_stream_batch_record(b, j)->arrival_ms,
                        (unsigned long long)XXH3_64bits(eddy_stream_batch_record(b, j)->data.data,
                                                        eddy_stream_batch_record(b, j)->data.len),
                        eddy_stream_batch_record(b, j)->data.len);
                it = eddy_stream_batch_info(b)->next;
                eddy_stream_batch_free(b);
                if (nr == 0 || it.token[0] == '\0')
                    break;
            }
        }
        if (rc == 0)
            rc = eddy_checkpoint_list(env, ss->v[i], "c1", cps, 8, &ncp);
        for (size_t c = 0; c < ncp; c++)
            fprintf(f, " ckpt c1 shard=%u seq=%s state=%zu lease=%llu\n", cps[c].shard_id,
                    cps[c].seq, cps[c].state_len, (unsigned long long)cps[c].lease_counter);
        if (rc == 0)
            rc = eddy_lease_list(env, ss->v[i], "c1", leases, 8, &nl);
        for (size_t l = 0; l < nl; l++)
            fprintf(f, " lease c1 shard=%u owner=%s counter=%llu expires=%llu\n",
                    leases[l].shard_id, leases[l].owner, (unsigned long long)leases[l].counter,
                    (unsigned long long)leases[l].expires_ms);
    }
    return rc;
}

char *rel_dump(eddy_env *env, uint64_t now_ms)
{
    static names qs, ss;
    char *text = NULL, copy_dir[600];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    int rc;

    qs.n = ss.n = 0;
    rc = eddy_env_stat_get(env, &st);
    if (rc == 0)
        fprintf(f, "queues=%u streams=%u\n", st.queue_count, st.stream_count);
    if (rc == 0)
        rc = eddy_queue_list(env, NULL, collect, &qs);
    for (int i = 0; i < qs.n && rc == 0; i++) {
        eddy_queue_info a = EDDY_QUEUE_INFO_INIT;
        eddy_queue_stat s = EDDY_QUEUE_STAT_INIT;
        eddy_queue_redrive_task tasks[4] = {[0 ...(4) - 1] = EDDY_QUEUE_REDRIVE_TASK_INIT};
        size_t nt = 0;
        if ((rc = eddy_queue_get_attributes(env, qs.v[i], &a)) != 0 ||
            (rc = eddy_queue_stat_get(env, qs.v[i], &s)) != 0 ||
            (rc = eddy_queue_redrive_list(env, qs.v[i], tasks, 4, &nt)) != 0)
            break;
        fprintf(f,
                "queue %s id=%llu vis=%u delay=%u ret=%llu max=%u dlq=%s mrc=%u batch=%u "
                "msgs=%llu/%llu visible=%llu inflight=%llu delayed=%llu expired=%llu\n",
                qs.v[i], (unsigned long long)a.id, a.visibility_timeout_ms, a.delay_ms,
                (unsigned long long)a.retention_ms, a.body_len_max, a.dlq_name, a.max_receive_count,
                a.batch_max, (unsigned long long)a.messages, (unsigned long long)s.messages,
                (unsigned long long)s.visible, (unsigned long long)s.in_flight,
                (unsigned long long)s.delayed, (unsigned long long)s.expired);
        for (size_t t = 0; t < nt && t < 4; t++)
            fprintf(f, " task %llu status=%d moved=%llu/%llu\n",
                    (unsigned long long)tasks[t].task_id, tasks[t].status,
                    (unsigned long long)tasks[t].moved, (unsigned long long)tasks[t].to_move);
    }
    if (rc == 0)
        rc = eddy_stream_list(env, NULL, collect, &ss);
    if (rc == 0)
        rc = dump_streams(f, env, &ss);
    if (rc == 0) {
        static const char *base;
        static unsigned copies;
        if (base == NULL)
            base = t_tmpdir();
        snprintf(copy_dir, sizeof copy_dir, "%s/copy%u", base, copies++);
        rc = eddy_env_copy(env, copy_dir, 0);
        if (rc == 0)
            rc = dump_queue_messages(f, copy_dir, now_ms, &qs);
        t_rm_rf(copy_dir);
    }
    fclose(f);
    if (rc != 0) {
        print_error("rel_dump: %s (%s)\n", eddy_errname(rc), eddy_last_error());
        free(text);
        return NULL;
    }
    return text;
}

void rel_assert_same(const char *before, const char *after)
{
    size_t i = 0, line = 1;

    assert_non_null(before);
    assert_non_null(after);
    if (strcmp(before, after) == 0)
        return;
    while (before[i] != '\0' && before[i] == after[i]) {
        if (before[i] == '\n')
            line++;
        i++;
    }
    print_error("database changed at dump line %zu:\n--- before\n%s\n--- after\n%s\n", line, before,
                after);
    fail();
}

int rel_send(eddy_env *env, const char *q, const char *body)
{
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    e.body.data = body;
    e.body.len = strlen(body);
    return eddy_queue_send(env, q, &e, NULL);
}

int rel_put(eddy_env *env, const char *s, const char *pk, const char *data,
            eddy_stream_put_result *out)
{
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = pk;
    e.partition_key.len = strlen(pk);
    e.data.data = data;
    e.data.len = strlen(data);
    return eddy_stream_put(env, s, &e, out);
}

void rel_populate(eddy_env *env, t_clock *clk, char receipts[2][EDDY_QUEUE_RECEIPT_LEN + 1])
{
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b;
    eddy_stream_put_result pr = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_lease lease = EDDY_LEASE_INIT;
    char body[64], last_seq0[EDDY_STREAM_SEQ_LEN + 1] = "";
    size_t n;

    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    T_OK(eddy_queue_create(env, "dlq", &qo));
    qo.dlq_name = "dlq";
    qo.max_receive_count = 2;
    qo.visibility_timeout_ms = 1000;
    T_OK(eddy_queue_create(env, "q", &qo));
    for (int i = 0; i < 12; i++) {
        snprintf(body, sizeof body, "message %d %s", i, i % 3 ? "short" : "with a longer body");
        T_OK(rel_send(env, "q", body));
    }
    /* Two messages go to the DLQ (received twice, then a third receive moves them). */
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 2;
    for (int r = 0; r < 3; r++) {
        T_OK(eddy_queue_receive(env, "q", &ro, &b));
        eddy_queue_batch_free(b);
        clk->now_ms += 1001;
        if (r < 2)
            continue;
    }
    /* One redrive task that moves one back and finishes. */
    T_OK(eddy_queue_redrive_start(env, "dlq", "q", 0, NULL));
    T_OK(eddy_queue_redrive_run(env, 0, NULL));
    /* Two in flight with live receipts, one delayed. */
    ro.visibility_timeout_ms = 600000;
    T_OK(eddy_queue_receive(env, "q", &ro, &b));
    n = eddy_queue_batch_count(b);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < 2; i++)
        memcpy(receipts[i], eddy_queue_batch_message(b, i)->receipt, EDDY_QUEUE_RECEIPT_LEN + 1);
    eddy_queue_batch_free(b);
    {
        eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
        e.body.data = "delayed";
        e.body.len = 7;
        e.delay_ms = 900000;
        T_OK(eddy_queue_send(env, "q", &e, NULL));
    }
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.shard_count = 2;
    T_OK(eddy_stream_create(env, "s", &so));
    for (int i = 0; i < 40; i++) {
        char pk[16];
        snprintf(pk, sizeof pk, "pk-%d", i % 7);
        snprintf(body, sizeof body, "record %d", i);
        T_OK(rel_put(env, "s", pk, body, &pr));
        if (pr.shard_id == 0)
            memcpy(last_seq0, pr.seq, sizeof last_seq0);
        clk->now_ms += 3;
    }
    assert_true(last_seq0[0] != '\0');
    T_OK(eddy_lease_take(env, "s", "c1", 0, "w1", 60000, &lease));
    cp = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    cp.stream = "s";
    cp.consumer = "c1";
    cp.shard_id = 0;
    cp.seq = last_seq0;
    cp.state.data = "state";
    cp.state.len = 5;
    cp.worker = "w1";
    cp.lease_counter = lease.counter;
    T_OK(eddy_checkpoint_set(env, &cp));
}
