/*
 * demo.c: what ./scripts/demo.sh runs (as build/eddy-demo DIR). It opens (or creates) a
 * database, makes a queue and a stream, sends, receives and deletes messages, appends and reads
 * records, checkpoints a consumer, and prints what it did and the database's stats. It uses only
 * include/eddy.h, and running it again works (the data accumulates).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <eddy.h>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "demo: %s failed: %s: %s\n", #call, eddy_errname(rc_),                 \
                    eddy_last_error());                                                            \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

static const char *skus[] = {"glazed", "sprinkles", "boston-creme", "cruller"};

static int queue_demo(eddy_env *env)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *batch = NULL;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    size_t n = 0;

    CHECK(eddy_queue_create(env, "orders", NULL));
    printf("queue 'orders': sending 5 messages\n");
    for (int i = 0; i < 5; i++) {
        char body[256];
        eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
        eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
        e.body.len = (size_t)snprintf(body, sizeof body,
                                      "{\"order_id\":%d,\"items\":[{\"sku\":\"%s\",\"qty\":%d}]}",
                                      1000 + i, skus[i % 4], i + 1);
        e.body.data = body;
        CHECK(eddy_queue_send(env, "orders", &e, &r));
        printf("  sent message %" PRIu64 ": %s\n", r.msg_id, body);
    }
    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    ro.max_messages = 5;
    ro.visibility_timeout_ms = 30000;
    CHECK(eddy_queue_receive(env, "orders", &ro, &batch));
    n = eddy_queue_batch_count(batch);
    printf("received %zu messages (invisible to others for 30 s):\n", n);
    for (size_t i = 0; i < n; i++) {
        const eddy_queue_message *m = eddy_queue_batch_message(batch, i);
        printf("  message %" PRIu64 " (receive #%u): %.*s\n", m->msg_id, m->receive_count,
               (int)m->body.len, (const char *)m->body.data);
        if (i < 3) {
            CHECK(eddy_queue_delete_message(env, "orders", m->receipt));
            printf("    deleted it with its receipt handle\n");
        }
    }
    eddy_queue_batch_free(batch);
    batch = NULL;
    CHECK(eddy_queue_stat_get(env, "orders", &st));
    printf("queue 'orders' now: %" PRIu64 " stored, %" PRIu64 " visible, %" PRIu64 " in flight\n\n",
           st.messages, st.visible, st.in_flight);
    return 0;
fail:
    eddy_queue_batch_free(batch);
    return 1;
}

static int read_shard(eddy_env *env, uint32_t shard, char *last_seq, size_t cap)
{
    eddy_stream_iterator it;
    eddy_stream_batch *batch = NULL;
    size_t n = 0;

    CHECK(eddy_stream_get_iterator(env, "clicks", shard, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0,
                                   &it));
    CHECK(eddy_stream_get_records(env, &it, NULL, &batch));
    n = eddy_stream_batch_count(batch);
    printf("  shard %u: %zu records from the trim horizon\n", shard, n);
    for (size_t i = 0; i < n && i < 3; i++) {
        const eddy_stream_record *r = eddy_stream_batch_record(batch, i);
        printf("    %s  key=%.*s  %.*s\n", r->seq, (int)r->partition_key.len,
               (const char *)r->partition_key.data, (int)r->data.len, (const char *)r->data.data);
    }
    if (n > 3)
        printf("    ... and %zu more\n", n - 3);
    last_seq[0] = '\0';
    if (n > 0)
        snprintf(last_seq, cap, "%s", eddy_stream_batch_record(batch, n - 1)->seq);
    eddy_stream_batch_free(batch);
    return 0;
fail:
    eddy_stream_batch_free(batch);
    return 1;
}

static int stream_demo(eddy_env *env)
{
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    int rc;

    so.shard_count = 2;
    rc = eddy_stream_create(env, "clicks", &so);
    if (rc != 0 && rc != EDDY_EEXIST)
        CHECK(rc);
    printf("stream 'clicks' (2 shards): putting 6 records\n");
    for (int i = 0; i < 6; i++) {
        char data[128], pk[32];
        eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
        eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
        snprintf(pk, sizeof pk, "user-%d", i % 3);
        e.data.len = (size_t)snprintf(data, sizeof data, "{\"page\":\"/menu/%s\"}", skus[i % 4]);
        e.data.data = data;
        e.partition_key.data = pk;
        e.partition_key.len = strlen(pk);
        CHECK(eddy_stream_put(env, "clicks", &e, &r));
        printf("  %s -> shard %u, sequence number %s\n", pk, r.shard_id, r.seq);
    }
    for (uint32_t shard = 0; shard < 2; shard++) {
        eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;
        if (read_shard(env, shard, seq, sizeof seq) != 0)
            return 1;
        if (seq[0] == '\0')
            continue;
        cp.stream = "clicks";
        cp.consumer = "demo-reader";
        cp.shard_id = shard;
        cp.seq = seq;
        CHECK(eddy_checkpoint_set(env, &cp));
        printf("    checkpointed consumer 'demo-reader' at %s\n", seq);
    }
    CHECK(eddy_stream_get_attributes(env, "clicks", &info));
    printf("stream 'clicks' now: %" PRIu64 " records, %" PRIu64 " data bytes, %u shards\n\n",
           info.records, info.bytes, info.shards);
    return 0;
fail:
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "./eddy-demo";
    eddy_env *env = NULL;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    uint64_t problems = 0;

    printf("eddy %s: database %s\n\n", eddy_version(), path);
    CHECK(eddy_env_open(path, NULL, &env));
    if (queue_demo(env) != 0 || stream_demo(env) != 0)
        goto fail;
    CHECK(eddy_env_stat_get(env, &st));
    CHECK(eddy_env_verify(env, NULL, NULL, &problems));
    printf("database: format %u, %" PRIu64 " bytes on disk, %" PRIu64 " pages used, %" PRIu64
           " free, %u queues, %u streams\n",
           st.format_version, st.file_size, st.pages_used, st.pages_free, st.queue_count,
           st.stream_count);
    printf("this run: %" PRIu64 " operations in %" PRIu64 " commits; verify found %" PRIu64
           " problems; %s\n",
           st.ops_committed, st.commits, problems, st.lmdb_version);
    CHECK(eddy_env_close(env));
    return problems == 0 ? 0 : 1;
fail:
    eddy_env_close(env);
    return 1;
}
