/*
 * test_golden_db_v1.c: a whole database written by format version 1 (tests/golden/v1/db/
 * data.mdb, made with the CLI before FIFO queues existed: a queue with a dead-letter queue, one
 * message in flight, four dead letters with attributes, a stream with one record) opens with
 * this library, reads back exactly, passes verify, and keeps format version 1 until a FIFO
 * queue is created in it, which raises it to 2 (docs/FORMAT.md "Versioning rule"). The clock is
 * the fake one, set a minute after the file was written, so retention never runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define CREATED_MS 1796689612949ull /* eddy.created of the golden file */

static void copy_golden(const char *dir)
{
    char src[4096], dst[4096], buf[65536];
    const char *root = getenv("EDDY_TEST_SRC");
    FILE *in, *out;
    size_t n;

    snprintf(src, sizeof src, "%s/golden/v1/db/data.mdb", root ? root : "tests");
    snprintf(dst, sizeof dst, "%s/data.mdb", dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    in = fopen(src, "rb");
    if (in == NULL)
        fail_msg("missing golden database %s", src);
    out = fopen(dst, "wb");
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void v1_database_opens(void **state)
{
    static const char *bodies[] = {"{\"id\":1}", "{\"id\":2}", "{\"id\":4}", "{\"id\":5}"};
    static const uint64_t origin[] = {1, 2, 4, 5};
    const char *dir = t_path("db");
    t_clock clock = {CREATED_MS + 60000};
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    eddy_queue_info qi = EDDY_QUEUE_INFO_INIT;
    eddy_stream_info si = EDDY_STREAM_INFO_INIT;
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_options fo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_batch *b = NULL;
    eddy_env *env;
    (void)state;

    copy_golden(dir);
    env = t_env_open(dir, &clock);
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.format_version, 1);
    t_verify_clean(env);
    T_OK(eddy_queue_get_attributes(env, "orders", &qi));
    assert_int_equal(qi.messages, 1);
    assert_int_equal(qi.in_flight, 1);
    assert_int_equal(qi.visibility_timeout_ms, 90000);
    assert_string_equal(qi.dlq_name, "orders-dlq");
    assert_int_equal(qi.max_receive_count, 1);
    assert_int_equal(qi.fifo, 0);
    T_OK(eddy_stream_get_attributes(env, "clicks", &si));
    assert_int_equal(si.records, 1);
    assert_int_equal(si.open_shards, 2);
    ro.max_messages = 10;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    T_OK(eddy_queue_receive(env, "orders-dlq", &ro, &b));
    assert_int_equal(eddy_queue_batch_count(b), 4);
    for (size_t i = 0; i < 4; i++) {
        const eddy_queue_message *m = eddy_queue_batch_message(b, i);
        assert_int_equal(m->body.len, strlen(bodies[i]));
        assert_memory_equal(m->body.data, bodies[i], m->body.len);
        assert_int_equal(m->attr_count, 1);
        assert_string_equal(m->attrs[0].name, "src");
        assert_memory_equal(m->attrs[0].value.data, "golden", 6);
        assert_int_equal(m->origin_msg_id, origin[i]);
        assert_int_equal(m->receive_count, 2);
        assert_null(m->group_id);
        assert_string_equal(m->sequence_number, "");
        T_OK(eddy_queue_delete_message(env, "orders-dlq", m->receipt));
    }
    eddy_queue_batch_free(b);
    /* Standard queues written now keep the file at version 1 ... */
    T_OK(eddy_queue_create(env, "more", NULL));
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.format_version, 1);
    /* ... a FIFO queue raises it (an older library must refuse what it cannot read). */
    fo.fifo = 1;
    fo.content_based_dedup = 1;
    T_OK(eddy_queue_create(env, "new.fifo", &fo));
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.format_version, 2);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    env = t_env_open(dir, &clock);
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.format_version, 2);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(v1_database_opens)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
