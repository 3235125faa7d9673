/*
 * test_misuse.c: every public function of include/eddy.h called wrongly: NULL pointers, empty,
 * malformed and oversized names and bodies, zero and huge counts, the wrong kind of object (a
 * queue's name given as a stream's and the reverse), unknown enum values and flags, a read-only
 * environment, a second open of the same path, and NULL handles to the destructors. Each call
 * must return the code its documentation names and change nothing: a full dump of the database
 * (rel_dump) before and after must be equal and eddy_env_verify must stay clean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rel.h"

typedef struct fx {
    t_clock clk;
    eddy_env *env;
    char dir[512];
    char receipts[2][EDDY_QUEUE_RECEIPT_LEN + 1];
    char *before;
    char long_name[300];
} fx;

static int setup(void **state)
{
    fx *x = calloc(1, sizeof *x);
    x->clk.now_ms = REL_T0;
    snprintf(x->dir, sizeof x->dir, "%s", t_path("db"));
    x->env = t_env_open(x->dir, &x->clk);
    rel_populate(x->env, &x->clk, x->receipts);
    x->before = rel_dump(x->env, x->clk.now_ms);
    assert_non_null(x->before);
    memset(x->long_name, 'a', sizeof x->long_name - 1);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    char *after = rel_dump(x->env, x->clk.now_ms);
    rel_assert_same(x->before, after);
    t_verify_clean(x->env);
    free(after);
    free(x->before);
    T_OK(eddy_env_close(x->env));
    free(x);
    return 0;
}

static int list_cb(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 0;
}

static int count_reader(void *ctx, const eddy_reader *r)
{
    (void)ctx;
    (void)r;
    return 0;
}

static void env_calls(void **state)
{
    fx *x = *state;
    eddy_env *e2 = (eddy_env *)1;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    uint64_t problems;

    T_RC(EDDY_EINVAL, eddy_env_open(NULL, NULL, &e2));
    assert_null(e2);
    T_RC(EDDY_EINVAL, eddy_env_open(x->dir, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_env_open("", NULL, &e2));
    T_RC(EDDY_EBUSY, eddy_env_open(x->dir, NULL, &e2)); /* already open in this process */
    assert_null(e2);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.durability = 7;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("other"), &o, &e2));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.group_ops_max = 1u << 20;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("other"), &o, &e2));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.compression_level = 99;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("other"), &o, &e2));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.disk_reserve = (1ull << 40) + 1;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("other"), &o, &e2));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = 1u << 4; /* not an EDDY_ENV_* flag */
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("other"), &o, &e2));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.alloc.malloc_fn = NULL;
    o.alloc.free_fn = (void (*)(void *, void *))1; /* only some allocator functions set */
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("other"), &o, &e2));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = EDDY_ENV_NOCREATE;
    T_RC(EDDY_ENOTFOUND, eddy_env_open(t_path("missing"), &o, &e2));
    o.flags = EDDY_ENV_READONLY;
    T_RC(EDDY_ENOTFOUND, eddy_env_open(t_path("missing"), &o, &e2));
    T_OK(eddy_env_close(NULL));
    T_RC(EDDY_EINVAL, eddy_env_sync(NULL));
    T_RC(EDDY_EINVAL, eddy_env_stat_get(NULL, &st));
    T_RC(EDDY_EINVAL, eddy_env_stat_get(x->env, NULL));
    T_RC(EDDY_EINVAL, eddy_env_verify(NULL, NULL, NULL, &problems));
    T_RC(EDDY_EINVAL, eddy_env_readers(NULL, count_reader, NULL));
    T_RC(EDDY_EINVAL, eddy_env_readers(x->env, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_env_copy(NULL, t_path("c"), 0));
    T_RC(EDDY_EINVAL, eddy_env_copy(x->env, NULL, 0));
    T_RC(EDDY_EINVAL, eddy_env_copy(x->env, "", 0));
    T_RC(EDDY_EINVAL, eddy_env_copy(x->env, t_path("c"), 0x80));
    T_RC(EDDY_EEXIST, eddy_env_copy(x->env, x->dir, 0));
    T_RC(EDDY_EINVAL, eddy_env_compact(NULL, NULL, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_env_compact("", NULL, NULL, NULL));
    T_RC(EDDY_EBUSY, eddy_env_compact(x->dir, NULL, NULL, NULL));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = EDDY_ENV_READONLY;
    T_RC(EDDY_EINVAL, eddy_env_compact(x->dir, &o, NULL, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_env_compact(t_path("missing"), NULL, NULL, NULL));
    assert_non_null(eddy_errname(12345));
    assert_non_null(eddy_strerror(-12345));
    assert_non_null(eddy_last_error());
    assert_non_null(eddy_version());
}

static void queue_admin_calls(void **state)
{
    fx *x = *state;
    eddy_queue_options qo = EDDY_QUEUE_OPTIONS_INIT;
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    eddy_queue_redrive_task tasks[2] = {[0 ...(2) - 1] = EDDY_QUEUE_REDRIVE_TASK_INIT};
    size_t n;
    uint64_t u;
    uint32_t d;

    T_RC(EDDY_EINVAL, eddy_queue_create(NULL, "x", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "bad name", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "dots.not.allowed", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, x->long_name, NULL));
    qo.visibility_timeout_ms = 43200001;
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "x", &qo));
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.body_len_max = EDDY_QUEUE_BODY_LEN_LIMIT + 1;
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "x", &qo));
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.batch_max = 1001;
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "x", &qo));
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.redrive_allow = 9;
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "x", &qo));
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.dlq_name = "x";
    T_RC(EDDY_EINVAL, eddy_queue_create(x->env, "x", &qo)); /* its own DLQ */
    qo.dlq_name = "nosuch";
    T_RC(EDDY_ENOTFOUND, eddy_queue_create(x->env, "x", &qo));
    qo.dlq_name = "s"; /* a stream's name is not a queue */
    T_RC(EDDY_ENOTFOUND, eddy_queue_create(x->env, "x", &qo));
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    qo.retention_ms = 1;
    T_RC(EDDY_EEXIST, eddy_queue_create(x->env, "q", NULL)); /* differs from its attributes */

    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(NULL, "q", &qo, EDDY_QUEUE_SET_DELAY));
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(x->env, NULL, &qo, EDDY_QUEUE_SET_DELAY));
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(x->env, "q", NULL, EDDY_QUEUE_SET_DELAY));
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(x->env, "q", &qo, 0));
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(x->env, "q", &qo, 1u << 20));
    qo.delay_ms = 900001;
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(x->env, "q", &qo, EDDY_QUEUE_SET_DELAY));
    qo = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    T_RC(EDDY_ENOTFOUND, eddy_queue_set_attributes(x->env, "nosuch", &qo, EDDY_QUEUE_SET_DELAY));
    T_RC(EDDY_ENOTFOUND, eddy_queue_set_attributes(x->env, "s", &qo, EDDY_QUEUE_SET_DELAY));
    qo.dlq_name = "q";
    T_RC(EDDY_EINVAL, eddy_queue_set_attributes(x->env, "q", &qo, EDDY_QUEUE_SET_REDRIVE));

    T_RC(EDDY_EINVAL, eddy_queue_get_attributes(NULL, "q", &info));
    T_RC(EDDY_EINVAL, eddy_queue_get_attributes(x->env, NULL, &info));
    T_RC(EDDY_EINVAL, eddy_queue_get_attributes(x->env, "q", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_get_attributes(x->env, x->long_name, &info));
    T_RC(EDDY_ENOTFOUND, eddy_queue_get_attributes(x->env, "s", &info));
    T_RC(EDDY_EINVAL, eddy_queue_stat_get(NULL, "q", &st));
    T_RC(EDDY_EINVAL, eddy_queue_stat_get(x->env, "q", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_stat_get(x->env, "", &st));
    T_RC(EDDY_ENOTFOUND, eddy_queue_stat_get(x->env, "s", &st));
    T_RC(EDDY_EINVAL, eddy_queue_list(NULL, NULL, list_cb, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_list(x->env, NULL, NULL, NULL));
    T_OK(eddy_queue_list(x->env, x->long_name, list_cb, NULL)); /* a prefix nothing matches */
    T_RC(EDDY_EINVAL, eddy_queue_delete(NULL, "q"));
    T_RC(EDDY_EINVAL, eddy_queue_delete(x->env, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_delete(x->env, "a/b"));
    T_RC(EDDY_ENOTFOUND, eddy_queue_delete(x->env, "s"));
    T_RC(EDDY_EINVAL, eddy_queue_purge(NULL, "q", &u));
    T_RC(EDDY_EINVAL, eddy_queue_purge(x->env, NULL, &u));
    T_RC(EDDY_ENOTFOUND, eddy_queue_purge(x->env, "s", &u));
    T_RC(EDDY_EINVAL, eddy_queue_trim(NULL, "q", 0, &u));
    T_RC(EDDY_EINVAL, eddy_queue_trim(x->env, "q", 100001, &u));
    T_RC(EDDY_EINVAL, eddy_queue_trim(x->env, "q", UINT32_MAX, &u));
    T_RC(EDDY_ENOTFOUND, eddy_queue_trim(x->env, "s", 0, &u));
    T_RC(EDDY_EINVAL, eddy_queue_train_dict(NULL, "q", 0, 0, &d));
    T_RC(EDDY_EINVAL, eddy_queue_train_dict(x->env, "q", 0, 100, &d));
    T_RC(EDDY_EINVAL, eddy_queue_train_dict(x->env, "q", 0, UINT32_MAX, &d));
    T_RC(EDDY_ENOTFOUND, eddy_queue_train_dict(x->env, "s", 0, 0, &d));

    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(NULL, "dlq", "q", 0, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(x->env, NULL, "q", 0, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(x->env, "dlq", "dlq", 0, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(x->env, "dlq", "q", 501, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_start(x->env, "dlq", "bad name", 0, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_start(x->env, "s", "q", 0, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_start(x->env, "dlq", "s", 0, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_run(NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_list(NULL, "dlq", tasks, 2, &n));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_list(x->env, NULL, tasks, 2, &n));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_list(x->env, "dlq", tasks, 2, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_list(x->env, "s", tasks, 2, &n));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_cancel(NULL, "dlq", 1));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_cancel(x->env, NULL, 1));
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_cancel(x->env, "dlq", 999));
    T_RC(EDDY_EEXPIRED, eddy_queue_redrive_cancel(x->env, "dlq", 1)); /* finished already */
    T_RC(EDDY_ENOTFOUND, eddy_queue_redrive_cancel(x->env, "s", 1));
}

static void queue_message_calls(void **state)
{
    fx *x = *state;
    static char big[EDDY_QUEUE_BODY_LEN_LIMIT + 1];
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    eddy_queue_send_entry es[11] = {[0 ...(11) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result r = EDDY_QUEUE_SEND_RESULT_INIT;
    eddy_queue_send_result rs[11] = {[0 ...(11) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    eddy_queue_attr attrs[11];
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    eddy_queue_batch *b = (eddy_queue_batch *)1;
    eddy_queue_visibility_entry ve[11] = {[0 ...(11) - 1] = EDDY_QUEUE_VISIBILITY_ENTRY_INIT};
    const char *rcpts[11];
    int results[11];
    size_t n;

    e = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
    T_RC(EDDY_EINVAL, eddy_queue_send(NULL, "q", &e, &r));
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, NULL, &e, &r));
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", NULL, &r));
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r)); /* empty body */
    e.body.data = NULL;
    e.body.len = 5; /* NULL body with a length */
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    e.body.data = big;
    e.body.len = 1048577; /* over the default body_len_max */
    T_RC(EDDY_ETOOBIG, eddy_queue_send(x->env, "q", &e, &r));
    e.body.len = sizeof big;
    T_RC(EDDY_ETOOBIG, eddy_queue_send(x->env, "q", &e, &r));
    e.body.len = SIZE_MAX;
    T_RC(EDDY_ETOOBIG, eddy_queue_send(x->env, "q", &e, &r));
    e.body.len = 3;
    e.delay_ms = 900001;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    e.delay_ms = 0;
    memset(attrs, 0, sizeof attrs);
    for (int i = 0; i < 11; i++) {
        static char names[11][8];
        snprintf(names[i], sizeof names[i], "a%d", i);
        attrs[i].name = names[i];
        attrs[i].type = "String";
        attrs[i].value.data = "v";
        attrs[i].value.len = 1;
    }
    e.attrs = attrs;
    e.attr_count = 11;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    e.attr_count = SIZE_MAX;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    e.attrs = NULL;
    e.attr_count = 1;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    e.attrs = attrs;
    attrs[1].name = "a0"; /* duplicate */
    e.attr_count = 2;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    attrs[1].name = "..";
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    attrs[1].name = NULL;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    attrs[1].name = "a1";
    attrs[1].type = "Integer";
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    attrs[1].type = NULL;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    attrs[1].type = "String";
    attrs[1].value.len = 0;
    T_RC(EDDY_EINVAL, eddy_queue_send(x->env, "q", &e, &r));
    attrs[1].value.len = 1;
    e.attrs = NULL;
    e.attr_count = 0;
    T_RC(EDDY_ENOTFOUND, eddy_queue_send(x->env, "s", &e, &r)); /* a stream, not a queue */
    T_RC(EDDY_ENOTFOUND, eddy_queue_send(x->env, "nosuch", &e, &r));

    memset(es, 0, sizeof es);

    EDDY_ARRAY_INIT(es, sizeof es / sizeof es[0]);
    for (int i = 0; i < 11; i++) {
        es[i].body.data = "b";
        es[i].body.len = 1;
    }
    T_RC(EDDY_EINVAL, eddy_queue_send_batch(NULL, "q", es, 1, rs));
    T_RC(EDDY_EINVAL, eddy_queue_send_batch(x->env, "q", NULL, 1, rs));
    T_RC(EDDY_EINVAL, eddy_queue_send_batch(x->env, "q", es, 1, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_send_batch(x->env, "q", es, 0, rs));
    T_RC(EDDY_ELIMIT, eddy_queue_send_batch(x->env, "q", es, 11, rs));
    T_RC(EDDY_ELIMIT, eddy_queue_send_batch(x->env, "q", es, SIZE_MAX, rs));
    T_RC(EDDY_ENOTFOUND, eddy_queue_send_batch(x->env, "s", es, 1, rs));

    ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    T_RC(EDDY_EINVAL, eddy_queue_receive(NULL, "q", &ro, &b));
    assert_null(b);
    T_RC(EDDY_EINVAL, eddy_queue_receive(x->env, NULL, &ro, &b));
    T_RC(EDDY_EINVAL, eddy_queue_receive(x->env, "q", &ro, NULL));
    ro.max_messages = 11;
    T_RC(EDDY_EINVAL, eddy_queue_receive(x->env, "q", &ro, &b));
    ro.max_messages = UINT32_MAX;
    T_RC(EDDY_EINVAL, eddy_queue_receive(x->env, "q", &ro, &b));
    ro.max_messages = 1;
    ro.visibility_timeout_ms = 43200001;
    T_RC(EDDY_EINVAL, eddy_queue_receive(x->env, "q", &ro, &b));
    ro.visibility_timeout_ms = 0;
    ro.wait_ms = 20001;
    T_RC(EDDY_EINVAL, eddy_queue_receive(x->env, "q", &ro, &b));
    ro.wait_ms = 0;
    T_RC(EDDY_ENOTFOUND, eddy_queue_receive(x->env, "s", &ro, &b));
    assert_null(b);
    assert_null(eddy_queue_batch_message(NULL, 0));
    n = eddy_queue_batch_count(NULL);
    assert_int_equal(n, 0);
    eddy_queue_batch_free(NULL);

    T_RC(EDDY_EINVAL, eddy_queue_delete_message(NULL, "q", x->receipts[0]));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(x->env, NULL, x->receipts[0]));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(x->env, "q", NULL));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(x->env, "q", ""));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(x->env, "q", x->long_name));
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(x->env, "dlq", x->receipts[0])); /* other queue */
    T_RC(EDDY_ENOTFOUND, eddy_queue_delete_message(x->env, "s", x->receipts[0]));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(NULL, "q", x->receipts[0], 0));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(x->env, "q", NULL, 0));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(x->env, "q", x->receipts[0], 43200001));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(x->env, "q", x->receipts[0], UINT32_MAX));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility(x->env, "dlq", x->receipts[0], 0));
    T_RC(EDDY_ENOTFOUND, eddy_queue_change_visibility(x->env, "s", x->receipts[0], 0));
    for (int i = 0; i < 11; i++) {
        rcpts[i] = x->receipts[0];
        ve[i].receipt = x->receipts[0];
        ve[i].timeout_ms = 0;
    }
    T_RC(EDDY_EINVAL, eddy_queue_delete_batch(NULL, "q", rcpts, 1, results));
    T_RC(EDDY_EINVAL, eddy_queue_delete_batch(x->env, "q", NULL, 1, results));
    T_RC(EDDY_EINVAL, eddy_queue_delete_batch(x->env, "q", rcpts, 1, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_delete_batch(x->env, "q", rcpts, 0, results));
    T_RC(EDDY_ELIMIT, eddy_queue_delete_batch(x->env, "q", rcpts, 11, results));
    T_RC(EDDY_ELIMIT, eddy_queue_delete_batch(x->env, "q", rcpts, SIZE_MAX, results));
    T_RC(EDDY_ENOTFOUND, eddy_queue_delete_batch(x->env, "s", rcpts, 1, results));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility_batch(NULL, "q", ve, 1, results));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility_batch(x->env, "q", NULL, 1, results));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility_batch(x->env, "q", ve, 1, NULL));
    T_RC(EDDY_EINVAL, eddy_queue_change_visibility_batch(x->env, "q", ve, 0, results));
    T_RC(EDDY_ELIMIT, eddy_queue_change_visibility_batch(x->env, "q", ve, 11, results));
    T_RC(EDDY_ELIMIT, eddy_queue_change_visibility_batch(x->env, "q", ve, SIZE_MAX, results));
    /* Per-entry refusals inside a batch that runs: nothing changes either. */
    rcpts[0] = NULL;
    rcpts[1] = "zz";
    T_OK(eddy_queue_delete_batch(x->env, "q", rcpts, 2, results));
    assert_int_equal(results[0], EDDY_EINVAL);
    assert_int_equal(results[1], EDDY_EINVAL);
    ve[0].timeout_ms = 43200001;
    ve[1].receipt = NULL;
    T_OK(eddy_queue_change_visibility_batch(x->env, "q", ve, 2, results));
    assert_int_equal(results[0], EDDY_EINVAL);
    assert_int_equal(results[1], EDDY_EINVAL);
}

static void stream_calls(void **state)
{
    fx *x = *state;
    static char big[(16u << 20) + 2];
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    /* n entries and n results must really be there: on a failed batch every result gets the
     * call's code, so the arrays are as large as the largest n passed */
    static eddy_stream_put_entry es[501] = {[0 ...(501) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    static eddy_stream_put_result rs[501] = {[0 ...(501) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    eddy_stream_shard shards[4] = {[0 ...(4) - 1] = EDDY_STREAM_SHARD_INIT};
    eddy_stream_iterator it;
    eddy_stream_read_options rdo = EDDY_STREAM_READ_OPTIONS_INIT;
    eddy_stream_batch *b = (eddy_stream_batch *)1;
    size_t n, failed;
    uint32_t children[2], child, d;
    uint64_t u;
    char seq_other_shard[EDDY_STREAM_SEQ_LEN + 1];

    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    T_RC(EDDY_EINVAL, eddy_stream_create(NULL, "x", NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "", NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, x->long_name, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "a b", NULL));
    so.shard_count = EDDY_STREAM_SHARDS_MAX + 1;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    so.shard_count = UINT32_MAX;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.retention_ms = 59999;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.hash = 2;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.batch_max = 10001;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.iterator_ttl_ms = 999;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    so.record_len_max = (16u << 20) + 1;
    T_RC(EDDY_EINVAL, eddy_stream_create(x->env, "x", &so));
    T_RC(EDDY_EEXIST, eddy_stream_create(x->env, "s", NULL)); /* 1 shard, it has 2 */

    T_RC(EDDY_EINVAL, eddy_stream_get_attributes(NULL, "s", &info));
    T_RC(EDDY_EINVAL, eddy_stream_get_attributes(x->env, NULL, &info));
    T_RC(EDDY_EINVAL, eddy_stream_get_attributes(x->env, "s", NULL));
    T_RC(EDDY_ENOTFOUND,
         eddy_stream_get_attributes(x->env, "q", &info)); /* a queue, not a stream */
    {
        eddy_stream_options ro = EDDY_STREAM_OPTIONS_INIT;
        ro.retention_ms = 60000;
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(NULL, "s", &ro, EDDY_STREAM_SET_RETENTION));
        T_RC(EDDY_ENOTFOUND,
             eddy_stream_set_attributes(x->env, "q", &ro, EDDY_STREAM_SET_RETENTION));
        ro.retention_ms = UINT64_MAX;
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "s", &ro, EDDY_STREAM_SET_RETENTION));
    }
    {
        eddy_stream_options sa = EDDY_STREAM_OPTIONS_INIT;
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(NULL, "s", &sa, EDDY_STREAM_SET_ALL));
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, NULL, &sa, EDDY_STREAM_SET_ALL));
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "", &sa, EDDY_STREAM_SET_ALL));
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "a b", &sa, EDDY_STREAM_SET_ALL));
        T_RC(EDDY_EINVAL,
             eddy_stream_set_attributes(x->env, x->long_name, &sa, EDDY_STREAM_SET_ALL));
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "s", NULL, EDDY_STREAM_SET_ALL));
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "s", &sa, 0));
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "s", &sa, 0x80000000u));
        sa.batch_max = 1u << 30;
        T_RC(EDDY_EINVAL, eddy_stream_set_attributes(x->env, "s", &sa, EDDY_STREAM_SET_BATCH_MAX));
        sa.batch_max = 0;
        sa.record_len_max = UINT32_MAX;
        T_RC(EDDY_EINVAL,
             eddy_stream_set_attributes(x->env, "s", &sa, EDDY_STREAM_SET_RECORD_LEN_MAX));
        sa.record_len_max = 0;
        T_RC(EDDY_ENOTFOUND, eddy_stream_set_attributes(x->env, "q", &sa, EDDY_STREAM_SET_ALL));
    }
    T_RC(EDDY_EINVAL, eddy_stream_list(NULL, NULL, list_cb, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_list(x->env, NULL, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_delete(NULL, "s"));
    T_RC(EDDY_EINVAL, eddy_stream_delete(x->env, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_stream_delete(x->env, "q"));

    e = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = "k";
    e.partition_key.len = 1;
    T_RC(EDDY_EINVAL, eddy_stream_put(NULL, "s", &e, &r));
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, NULL, &e, &r));
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", NULL, &r));
    e.data.len = 4; /* NULL data with a length */
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.data.data = big;
    e.data.len = sizeof big;
    T_RC(EDDY_ETOOBIG, eddy_stream_put(x->env, "s", &e, &r));
    e.data.len = SIZE_MAX;
    T_RC(EDDY_ETOOBIG, eddy_stream_put(x->env, "s", &e, &r));
    e.data.len = 1;
    e.partition_key.len = 0;
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.partition_key.len = EDDY_STREAM_PK_MAX + 1;
    e.partition_key.data = big;
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.partition_key.data = NULL;
    e.partition_key.len = 1;
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.partition_key.data = "k";
    e.explicit_hash_key = "340282366920938463463374607431768211456"; /* 2^128 */
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.explicit_hash_key = "-1";
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.explicit_hash_key = NULL;
    e.seq_for_ordering = "12";
    T_RC(EDDY_EINVAL, eddy_stream_put(x->env, "s", &e, &r));
    e.seq_for_ordering = NULL;
    T_RC(EDDY_ENOTFOUND, eddy_stream_put(x->env, "q", &e, &r));
    for (int i = 0; i < 501; i++)
        es[i] = e;
    T_RC(EDDY_EINVAL, eddy_stream_put_batch(NULL, "s", es, 1, rs, &failed));
    T_RC(EDDY_EINVAL, eddy_stream_put_batch(x->env, "s", NULL, 1, rs, &failed));
    T_RC(EDDY_EINVAL, eddy_stream_put_batch(x->env, "s", es, 1, NULL, &failed));
    T_RC(EDDY_EINVAL, eddy_stream_put_batch(x->env, "s", es, 0, rs, &failed));
    T_RC(EDDY_ELIMIT, eddy_stream_put_batch(x->env, "s", es, 501, rs, &failed));
    T_RC(EDDY_ENOTFOUND, eddy_stream_put_batch(x->env, "q", es, 1, rs, &failed));

    T_RC(EDDY_EINVAL, eddy_stream_list_shards(NULL, "s", shards, 4, &n));
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(x->env, NULL, shards, 4, &n));
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(x->env, "s", shards, 4, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_list_shards(x->env, "s", NULL, 4, &n));
    T_RC(EDDY_EBUFS, eddy_stream_list_shards(x->env, "s", shards, 1, &n));
    assert_int_equal(n, 2);
    T_RC(EDDY_ENOTFOUND, eddy_stream_list_shards(x->env, "q", shards, 4, &n));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(NULL, "s", 0, "1", children));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(x->env, NULL, 0, "1", children));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(x->env, "s", 0, NULL, children));
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(x->env, "s", 0, "0", children)); /* at its start */
    T_RC(EDDY_EINVAL, eddy_stream_split_shard(x->env, "s", 0, "x", children));
    T_RC(EDDY_EINVAL,
         eddy_stream_split_shard(x->env, "s", 0, "340282366920938463463374607431768211455",
                                 children)); /* outside shard 0's range */
    T_RC(EDDY_ENOTFOUND, eddy_stream_split_shard(x->env, "s", 7, "1", children));
    T_RC(EDDY_ENOTFOUND, eddy_stream_split_shard(x->env, "q", 0, "1", children));
    T_RC(EDDY_EINVAL, eddy_stream_merge_shards(NULL, "s", 0, 1, &child));
    T_RC(EDDY_EINVAL, eddy_stream_merge_shards(x->env, NULL, 0, 1, &child));
    T_RC(EDDY_EINVAL, eddy_stream_merge_shards(x->env, "s", 0, 0, &child));
    T_RC(EDDY_ENOTFOUND, eddy_stream_merge_shards(x->env, "s", 0, 9, &child));
    T_RC(EDDY_ENOTFOUND, eddy_stream_merge_shards(x->env, "q", 0, 1, &child));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(NULL, "s", 2));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(x->env, NULL, 2));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(x->env, "s", 0));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(x->env, "s", 5));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(x->env, "s", UINT32_MAX));
    T_RC(EDDY_ENOTFOUND, eddy_stream_update_shard_count(x->env, "q", 2));

    T_RC(EDDY_EINVAL,
         eddy_stream_get_iterator(NULL, "s", 0, EDDY_STREAM_ITER_LATEST, NULL, 0, &it));
    T_RC(EDDY_EINVAL,
         eddy_stream_get_iterator(x->env, NULL, 0, EDDY_STREAM_ITER_LATEST, NULL, 0, &it));
    T_RC(EDDY_EINVAL,
         eddy_stream_get_iterator(x->env, "s", 0, EDDY_STREAM_ITER_LATEST, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(x->env, "s", 0, 0, NULL, 0, &it));
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(x->env, "s", 0, 99, NULL, 0, &it));
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(x->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER,
                                               NULL, 0, &it));
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(x->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER,
                                               "1", 0, &it));
    T_RC(EDDY_EINVAL,
         eddy_stream_get_iterator(x->env, "s", 0, EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER,
                                  "99999999999999999999999999999", 0, &it));
    eddy_stream_get_iterator(x->env, "s", 1, EDDY_STREAM_ITER_LATEST, NULL, 0, &it);
    {
        eddy_stream_shard sh[2] = {[0 ...(2) - 1] = EDDY_STREAM_SHARD_INIT};
        T_OK(eddy_stream_list_shards(x->env, "s", sh, 2, &n));
        memcpy(seq_other_shard, sh[1].starting_seq, sizeof seq_other_shard);
    }
    T_RC(EDDY_EINVAL, eddy_stream_get_iterator(x->env, "s", 0, EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER,
                                               seq_other_shard, 0, &it));
    T_RC(EDDY_ENOTFOUND,
         eddy_stream_get_iterator(x->env, "s", 9, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    T_RC(EDDY_ENOTFOUND,
         eddy_stream_get_iterator(x->env, "q", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));

    T_OK(eddy_stream_get_iterator(x->env, "s", 0, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
    rdo = (eddy_stream_read_options)EDDY_STREAM_READ_OPTIONS_INIT;
    T_RC(EDDY_EINVAL, eddy_stream_get_records(NULL, &it, &rdo, &b));
    assert_null(b);
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, NULL, &rdo, &b));
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, &it, &rdo, NULL));
    rdo.max_records = 10001;
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, &it, &rdo, &b));
    rdo.max_records = UINT32_MAX;
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, &it, &rdo, &b));
    rdo.max_records = 0;
    it.token[5] ^= 1;
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, &it, &rdo, &b));
    memset(&it, 0, sizeof it);
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, &it, &rdo, &b));
    memset(it.token, 'f', sizeof it.token); /* no NUL at all */
    T_RC(EDDY_EINVAL, eddy_stream_get_records(x->env, &it, &rdo, &b));
    assert_null(eddy_stream_batch_record(NULL, 0));
    n = eddy_stream_batch_count(NULL);
    assert_int_equal(n, 0);
    assert_null(eddy_stream_batch_info(NULL));
    eddy_stream_batch_free(NULL);

    T_RC(EDDY_EINVAL, eddy_stream_trim(NULL, "s", 0, &u));
    T_RC(EDDY_EINVAL, eddy_stream_trim(x->env, "s", 100001, &u));
    T_RC(EDDY_ENOTFOUND, eddy_stream_trim(x->env, "q", 0, &u));
    T_RC(EDDY_EINVAL, eddy_stream_train_dict(NULL, "s", 0, 0, &d));
    T_RC(EDDY_EINVAL, eddy_stream_train_dict(x->env, "s", 0, 1023, &d));
    T_RC(EDDY_ENOTFOUND, eddy_stream_train_dict(x->env, "q", 0, 0, &d));
}

static void checkpoint_and_lease_calls(void **state)
{
    fx *x = *state;
    static uint8_t big_state[EDDY_CHECKPOINT_STATE_MAX + 1];
    eddy_checkpoint_write cp = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_checkpoint_write cps[2] = {[0 ...(2) - 1] = EDDY_CHECKPOINT_WRITE_INIT};
    eddy_checkpoint got[4] = {[0 ...(4) - 1] = EDDY_CHECKPOINT_INIT};
    eddy_lease l = EDDY_LEASE_INIT;
    eddy_lease ls[4] = {[0 ...(4) - 1] = EDDY_LEASE_INIT};
    static eddy_stream_put_entry e[501] = {[0 ...(501) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
    static eddy_stream_put_result r[501] = {[0 ...(501) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
    eddy_stream_shard sh[2] = {[0 ...(2) - 1] = EDDY_STREAM_SHARD_INIT};
    size_t n;

    T_OK(eddy_stream_list_shards(x->env, "s", sh, 2, &n));
    cp = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    cp.stream = "s";
    cp.consumer = "c2";
    cp.shard_id = 0;
    cp.seq = sh[0].starting_seq;
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(NULL, &cp));
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, NULL));
    cp.stream = NULL;
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.stream = "q";
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_set(x->env, &cp));
    cp.stream = "s";
    cp.consumer = NULL;
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.consumer = "";
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.consumer = x->long_name;
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.consumer = "c2";
    cp.seq = NULL;
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.seq = "not a number";
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.seq = sh[1].starting_seq; /* another shard's */
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.seq = EDDY_CHECKPOINT_SHARD_END; /* the shard is open */
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.seq = sh[0].starting_seq;
    cp.state.data = big_state;
    cp.state.len = sizeof big_state;
    T_RC(EDDY_EINVAL, eddy_checkpoint_set(x->env, &cp));
    cp.state.len = 0;
    cp.shard_id = 9;
    cp.seq = "00000000000000000000000000009"; /* (n 0, shard 9): a shard that does not exist */
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_set(x->env, &cp));
    cp.shard_id = 0;
    cp.seq = sh[0].starting_seq;
    cp.consumer = "c1";
    cp.worker = "w2"; /* fenced by a worker that holds no lease */
    cp.lease_counter = 1;
    T_RC(EDDY_EEXPIRED, eddy_checkpoint_set(x->env, &cp));
    cp.worker = "w1";
    cp.lease_counter = 999;
    T_RC(EDDY_EEXPIRED, eddy_checkpoint_set(x->env, &cp));
    cp.worker = NULL;
    cp.consumer = "c2";

    for (int i = 0; i < 501; i++) {
        memset(&e[i], 0, sizeof e[i]);
        e[i].size = sizeof e[i];
        e[i].partition_key.data = "k";
        e[i].partition_key.len = 1;
    }
    cps[0] = cp;
    cps[1] = cp;
    cps[1].seq = "bad";
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(NULL, cps, 1, NULL, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, NULL, 0, NULL, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, NULL, 1, NULL, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, cps, 2, NULL, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, cps, 10001, NULL, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, cps, 1, NULL, e, 1, r));
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, cps, 1, "s", e, 1, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_commit(x->env, cps, 1, "q", e, 1, r));
    T_RC(EDDY_ELIMIT, eddy_checkpoint_commit(x->env, cps, 1, "s", e, 501, r));
    /* the first entry is fine, the second fails: nothing is written (checked by the dump) */
    T_RC(EDDY_EINVAL, eddy_checkpoint_commit(x->env, cps, 2, "s", e, 1, r));

    T_RC(EDDY_EINVAL, eddy_checkpoint_get(NULL, "s", "c1", 0, got));
    T_RC(EDDY_EINVAL, eddy_checkpoint_get(x->env, NULL, "c1", 0, got));
    T_RC(EDDY_EINVAL, eddy_checkpoint_get(x->env, "s", NULL, 0, got));
    T_RC(EDDY_EINVAL, eddy_checkpoint_get(x->env, "s", "c1", 0, NULL));
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_get(x->env, "s", "c1", 1, got));
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_get(x->env, "q", "c1", 0, got));
    T_RC(EDDY_EINVAL, eddy_checkpoint_list(NULL, "s", "c1", got, 4, &n));
    T_RC(EDDY_EINVAL, eddy_checkpoint_list(x->env, "s", "c1", got, 4, NULL));
    T_RC(EDDY_EBUFS, eddy_checkpoint_list(x->env, "s", "c1", got, 0, &n));
    T_RC(EDDY_ENOTFOUND, eddy_checkpoint_list(x->env, "q", "c1", got, 4, &n));

    T_RC(EDDY_EINVAL, eddy_lease_take(NULL, "s", "c1", 0, "w2", 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(x->env, NULL, "c1", 0, "w2", 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(x->env, "s", NULL, 0, "w2", 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(x->env, "s", "c1", 0, NULL, 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(x->env, "s", "c1", 0, x->long_name, 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(x->env, "s", "c1", 0, "w2", 0, &l));
    T_RC(EDDY_EINVAL, eddy_lease_take(x->env, "s", "c1", 0, "w2", 86400001, &l));
    T_RC(EDDY_EBUSY, eddy_lease_take(x->env, "s", "c1", 0, "w2", 1000, &l));
    T_RC(EDDY_ENOTFOUND, eddy_lease_take(x->env, "s", "c1", 9, "w2", 1000, &l));
    T_RC(EDDY_ENOTFOUND, eddy_lease_take(x->env, "q", "c1", 0, "w2", 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_renew(NULL, "s", "c1", 0, "w1", 1, 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_renew(x->env, "s", "c1", 0, "w1", 1, 0, &l));
    T_RC(EDDY_EEXPIRED, eddy_lease_renew(x->env, "s", "c1", 0, "w2", 1, 1000, &l));
    T_RC(EDDY_EEXPIRED, eddy_lease_renew(x->env, "s", "c1", 0, "w1", 999, 1000, &l));
    T_RC(EDDY_EINVAL, eddy_lease_release(NULL, "s", "c1", 0, "w1", 1));
    T_RC(EDDY_EINVAL, eddy_lease_release(x->env, "s", "c1", 0, NULL, 1));
    T_RC(EDDY_EEXPIRED, eddy_lease_release(x->env, "s", "c1", 0, "w1", 999));
    T_RC(EDDY_ENOTFOUND, eddy_lease_release(x->env, "q", "c1", 0, "w1", 1));
    T_RC(EDDY_EINVAL, eddy_lease_list(NULL, "s", "c1", ls, 4, &n));
    T_RC(EDDY_EINVAL, eddy_lease_list(x->env, "s", "c1", ls, 4, NULL));
    T_RC(EDDY_EBUFS, eddy_lease_list(x->env, "s", "c1", ls, 0, &n));
    T_RC(EDDY_ENOTFOUND, eddy_lease_list(x->env, "q", "c1", ls, 4, &n));
    T_RC(EDDY_EINVAL, eddy_lease_balance(NULL, "s", "c1", "w1", 1000, ls, 4, &n));
    T_RC(EDDY_EINVAL, eddy_lease_balance(x->env, "s", "c1", NULL, 1000, ls, 4, &n));
    T_RC(EDDY_EINVAL, eddy_lease_balance(x->env, "s", "c1", "w1", 0, ls, 4, &n));
    T_RC(EDDY_ENOTFOUND, eddy_lease_balance(x->env, "q", "c1", "w1", 1000, ls, 4, &n));
}

/* A read-only environment refuses every write with EDDY_EINVAL and still reads. */
static void readonly_env_refuses_writes(void **state)
{
    fx *x = *state;
    char copy[600], *a, *b;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *ro = NULL;
    eddy_queue_batch *qb = NULL;
    eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
    uint64_t u;

    snprintf(copy, sizeof copy, "%s/ro", t_tmpdir());
    T_OK(eddy_env_copy(x->env, copy, 0));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = EDDY_ENV_READONLY;
    ro = t_env_open_opts(copy, &x->clk, &o);
    a = rel_dump(ro, x->clk.now_ms);
    assert_non_null(a);
    T_RC(EDDY_EINVAL, eddy_queue_create(ro, "new", NULL));
    T_RC(EDDY_EINVAL, rel_send(ro, "q", "body"));
    T_RC(EDDY_EINVAL, eddy_queue_receive(ro, "q", NULL, &qb));
    assert_null(qb);
    T_RC(EDDY_EINVAL, eddy_queue_delete_message(ro, "q", x->receipts[0]));
    T_RC(EDDY_EINVAL, eddy_queue_purge(ro, "q", &u));
    T_RC(EDDY_EINVAL, eddy_queue_delete(ro, "q"));
    T_RC(EDDY_EINVAL, eddy_queue_redrive_run(ro, 0, &u));
    T_RC(EDDY_EINVAL, eddy_stream_create(ro, "t", NULL));
    T_RC(EDDY_EINVAL, rel_put(ro, "s", "k", "d", &r));
    T_RC(EDDY_EINVAL, eddy_stream_trim(ro, "s", 0, &u));
    T_RC(EDDY_EINVAL, eddy_stream_update_shard_count(ro, "s", 3));
    T_RC(EDDY_EINVAL, eddy_stream_delete(ro, "s"));
    T_RC(EDDY_EINVAL, eddy_lease_take(ro, "s", "c1", 1, "w1", 1000, NULL));
    t_verify_clean(ro);
    b = rel_dump(ro, x->clk.now_ms);
    rel_assert_same(a, b);
    free(a);
    free(b);
    T_OK(eddy_env_close(ro));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(env_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_admin_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_message_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(stream_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(checkpoint_and_lease_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(readonly_env_refuses_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
