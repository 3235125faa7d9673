/* test_progress.c: eddy_progress reports of verify, copy and compaction (eddy.h). */
#include <stdio.h>
#include <string.h>

#include "support.h"

typedef struct seen {
    int calls;
    char steps[8][16];
    int n_steps;
    uint64_t last_done, last_total;
    int backwards;
} seen;

static void report(void *ctx, const char *step, uint64_t done, uint64_t total)
{
    seen *s = ctx;
    if (s->n_steps == 0 || strcmp(s->steps[s->n_steps - 1], step) != 0) {
        if (s->n_steps < 8)
            snprintf(s->steps[s->n_steps++], sizeof s->steps[0], "%s", step);
        s->last_done = 0;
    }
    s->backwards += done < s->last_done;
    s->last_done = done;
    s->last_total = total;
    s->calls++;
}

static void fill(eddy_env *env)
{
    char body[600];
    eddy_queue_send_entry m = {.size = sizeof(eddy_queue_send_entry), .body = {body, sizeof body}};
    memset(body, 'b', sizeof body);
    T_OK(eddy_queue_create(env, "q", NULL));
    for (int i = 0; i < 300; i++) {
        body[i % sizeof body] = (char)i;
        T_OK(eddy_queue_send(env, "q", &m, NULL));
    }
}

static void verify_and_copy_report(void **state)
{
    seen s;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    uint64_t problems = 1;
    char db[600], copy[600];

    snprintf(db, sizeof db, "%s", t_path("db"));
    snprintf(copy, sizeof copy, "%s", t_path("copy"));
    memset(&s, 0, sizeof s);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.progress.fn = report;
    o.progress.ctx = &s;
    env = t_env_open_opts(db, NULL, &o);
    fill(env);
    T_OK(eddy_env_verify(env, NULL, NULL, &problems));
    assert_int_equal(problems, 0);
    /* LMDB's pages first (pages read of the pages in the file), then the records. */
    assert_int_equal(s.n_steps, 2);
    assert_string_equal(s.steps[0], "check");
    assert_string_equal(s.steps[1], "verify");
    assert_true(s.calls >= 2);                   /* a start and an end at least */
    assert_true(s.last_done >= 300);             /* at least the 300 records were read */
    assert_int_equal(s.last_total, s.last_done); /* the final report says the true count */
    assert_int_equal(s.backwards, 0);

    memset(&s, 0, sizeof s);
    T_OK(eddy_env_copy(env, copy, EDDY_ENV_COPY_COMPACT));
    assert_int_equal(s.n_steps, 2);
    assert_string_equal(s.steps[0], "check");
    assert_string_equal(s.steps[1], "copy");
    assert_true(s.last_done > 0 && s.last_done == s.last_total);
    T_OK(eddy_env_close(env));

    memset(&s, 0, sizeof s);
    T_OK(eddy_env_compact(db, &o, NULL, NULL));
    /* Compaction in place: check and copy the original, then check and verify the copy. */
    assert_int_equal(s.n_steps, 4);
    assert_string_equal(s.steps[0], "check");
    assert_string_equal(s.steps[1], "copy");
    assert_string_equal(s.steps[2], "check");
    assert_string_equal(s.steps[3], "verify");
    assert_int_equal(s.backwards, 0);
    (void)state;
}

/* Without a callback nothing is reported and nothing changes. */
static void no_callback_no_reports(void **state)
{
    eddy_env *env = t_env_open(t_path("db2"), NULL);
    uint64_t problems = 1;
    fill(env);
    T_OK(eddy_env_verify(env, NULL, NULL, &problems));
    assert_int_equal(problems, 0);
    T_OK(eddy_env_close(env));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_and_copy_report),
        cmocka_unit_test(no_callback_no_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
