/* test_poller_filter.c: filter patterns of pollers (Lambda FilterCriteria, EventBridge syntax),
 * through include/eddy.h only: each operator (literal, prefix, suffix, equals-ignore-case,
 * anything-but with values and with a prefix, numeric ranges, exists true/false, null, empty
 * string), arrays in the event, AND across fields, OR across rules and across patterns, and the
 * body format rules (plain body against a JSON pattern, JSON body against a plain pattern).
 * Each case sends its bodies to a queue and checks which ones a MANUAL poller delivers.
 * docs/SEMANTICS.md "Pollers" names these tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

typedef struct seen {
    char got[16][64];
    size_t n;
} seen;

static int cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    seen *s = ctx;
    (void)r;
    for (size_t i = 0; i < b->n && s->n < 16; i++, s->n++)
        snprintf(s->got[s->n], sizeof s->got[0], "%.*s",
                 (int)eddy_poller_batch_item(b, i)->body.len,
                 (const char *)eddy_poller_batch_item(b, i)->body.data);
    return 0;
}

/* Send `bodies` (NULL-ended) and return a mask of which ones the poller with `pattern` saw. */
static unsigned run(eddy_env *env, const char *pattern, const char *const *bodies)
{
    eddy_poller_options o = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *p = NULL;
    seen s;
    unsigned mask = 0;
    size_t nb = 0;

    memset(&s, 0, sizeof s);
    for (; bodies[nb] != NULL; nb++) {
        eddy_queue_send_entry m = EDDY_QUEUE_SEND_ENTRY_INIT;
        m.body.data = bodies[nb];
        m.body.len = strlen(bodies[nb]);
        T_OK(eddy_queue_send(env, "q", &m, NULL));
    }
    o = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    o.source = EDDY_POLLER_SOURCE_QUEUE;
    o.name = "q";
    o.flags = EDDY_POLLER_MANUAL;
    o.batch_size = 100;
    o.filters = &pattern;
    o.filter_count = 1;
    T_OK(eddy_poller_create(env, &o, cb, &s, &p));
    T_OK(eddy_poller_start(p));
    T_OK(eddy_poller_run_once(p, NULL));
    T_OK(eddy_poller_run_once(p, NULL)); /* commits deletes (matched and filtered) */
    eddy_poller_destroy(p);
    for (size_t i = 0; i < s.n; i++)
        for (size_t j = 0; j < nb; j++)
            if (strcmp(s.got[i], bodies[j]) == 0)
                mask |= 1u << j;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    T_OK(eddy_queue_stat_get(env, "q", &st));
    assert_int_equal(st.messages, 0); /* non-matching messages are deleted too */
    return mask;
}

static void operators(void **state)
{
    t_clock clk = {1700000000000ull};
    eddy_env *env = t_env_open(t_path("db"), &clk);
    (void)state;
    T_OK(eddy_queue_create(env, "q", NULL));

    const char *b1[] = {"{\"r\":\"us-east-1\"}", "{\"r\":\"eu-west-1\"}", "{\"r\":\"US-EAST-2\"}",
                        "{\"x\":1}", NULL};
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"prefix\":\"us-\"}]}}", b1), 0x1);
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"suffix\":\"-1\"}]}}", b1), 0x3);
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"equals-ignore-case\":\"us-east-2\"}]}}", b1),
                     0x4);
    /* anything-but needs the field; values or a prefix */
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"anything-but\":[\"us-east-1\"]}]}}", b1), 0x6);
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"anything-but\":{\"prefix\":\"us-\"}}]}}", b1),
                     0x6);
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"exists\":false}]}}", b1), 0x8);
    assert_int_equal(run(env, "{\"body\":{\"r\":[{\"exists\":true}]}}", b1), 0x7);
    assert_int_equal(run(env, "{\"body\":{\"r\":[\"eu-west-1\",\"us-east-1\"]}}", b1), 0x3);

    const char *b2[] = {
        "{\"n\":5}",    "{\"n\":10}", "{\"n\":20.5}", "{\"n\":\"7\"}", "{\"n\":null}",
        "{\"n\":\"\"}", NULL};
    assert_int_equal(run(env, "{\"body\":{\"n\":[{\"numeric\":[\">\",5,\"<=\",20.5]}]}}", b2), 0x6);
    assert_int_equal(run(env, "{\"body\":{\"n\":[{\"numeric\":[\"=\",5]}]}}", b2), 0x1);
    assert_int_equal(run(env, "{\"body\":{\"n\":[null]}}", b2), 0x10);
    assert_int_equal(run(env, "{\"body\":{\"n\":[\"\"]}}", b2), 0x20);
    assert_int_equal(run(env, "{\"body\":{\"n\":[10]}}", b2), 0x2);

    /* arrays in the event match by any element; nested objects; AND across fields */
    const char *b3[] = {"{\"tags\":[\"a\",\"b\"],\"d\":{\"k\":1}}",
                        "{\"tags\":[\"c\"],\"d\":{\"k\":1}}", "{\"tags\":[\"b\"],\"d\":{\"k\":2}}",
                        NULL};
    assert_int_equal(run(env, "{\"body\":{\"tags\":[\"b\"],\"d\":{\"k\":[1]}}}", b3), 0x1);

    /* body format: a plain pattern filters plain bodies; JSON and plain do not mix */
    const char *b4[] = {"hello world", "{\"a\":1}", NULL};
    assert_int_equal(run(env, "{\"body\":[{\"prefix\":\"hello\"}]}", b4), 0x1);
    assert_int_equal(run(env, "{\"body\":{\"a\":[1]}}", b4), 0x2);
    /* metadata: receive count and message ids as strings */
    assert_int_equal(run(env, "{\"attributes\":{\"ApproximateReceiveCount\":[\"1\"]}}", b4), 0x3);

    t_verify_clean(env);
    T_OK(eddy_env_close(env));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(operators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
