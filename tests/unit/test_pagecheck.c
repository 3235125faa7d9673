/*
 * test_pagecheck.c: the check of LMDB's pages (engine/core/pagecheck.c, decision 0006). Each case
 * damages one field of one page found by scanning the file (a leaf holding a known body, a
 * branch page) and checks which call catches it and that the message names the page; then
 * that checks made while other threads and another process commit report nothing.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

enum { P_BRANCH = 1, P_LEAF = 2 };

static uint32_t page_size(const char *data)
{
    uint32_t ps = 0;
    int fd = open(data, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &ps, 4, 16 + 24), 4); /* meta: mm_dbs[0].md_pad */
    close(fd);
    return ps;
}

/*
 * The first page after `after` with these flags (and holding `needle`, if not NULL); 0 when
 * none. It may be a free page holding an old copy: the callers try each until one is in use.
 */
static uint64_t find_page(const char *data, uint64_t after, uint16_t flags, const char *needle)
{
    uint32_t ps = page_size(data);
    uint8_t *pg = malloc(ps);
    int fd = open(data, O_RDONLY);
    uint64_t found = 0;

    assert_true(fd >= 0);
    for (uint64_t p = after + 1; found == 0 && pread(fd, pg, ps, (off_t)(p * ps)) == (ssize_t)ps;
         p++) {
        uint16_t f;
        uint64_t self;
        memcpy(&f, pg + 10, 2);
        memcpy(&self, pg, 8);
        if (f == flags && self == p &&
            (needle == NULL || memmem(pg, ps, needle, strlen(needle)) != NULL))
            found = p;
    }
    close(fd);
    free(pg);
    return found;
}

static void patch(const char *data, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(data, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

/* A queue "q" and a stream "s" with n messages and records whose bodies hold "NEEDLE-<i>". */
static void build(const char *dir, int n)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    eddy_queue_send_entry e[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result res[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    char bodies[10][220];

    o.durability = EDDY_ENV_DURABILITY_RELAXED;
    env = t_env_open_opts(dir, NULL, &o);
    T_OK(eddy_queue_create(env, "q", NULL));
    T_OK(eddy_stream_create(env, "s", NULL));
    memset(e, 0, sizeof e);
    EDDY_ARRAY_INIT(e, sizeof e / sizeof e[0]);
    for (int i = 0; i < n; i += 10) {
        eddy_stream_put_result r = EDDY_STREAM_PUT_RESULT_INIT;
        for (int j = 0; j < 10; j++) {
            snprintf(bodies[j], sizeof bodies[j], "NEEDLE-%06d %0190d", i + j, i + j);
            e[j].body.data = bodies[j];
            e[j].body.len = strlen(bodies[j]);
        }
        T_OK(eddy_queue_send_batch(env, "q", e, 10, res));
        for (int j = 0; j < 10; j++) {
            eddy_stream_put_entry pe = EDDY_STREAM_PUT_ENTRY_INIT;
            pe.data = e[j].body;
            pe.partition_key.data = bodies[j];
            pe.partition_key.len = 13; /* "NEEDLE-<i>" */
            T_OK(eddy_stream_put(env, "s", &pe, &r));
        }
    }
    T_OK(eddy_env_close(env));
}

static int open_flags(const char *dir, uint32_t flags, eddy_env **env)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    o.flags = EDDY_ENV_NOCREATE | flags;
    *env = NULL;
    return eddy_env_open(dir, &o, env);
}

typedef struct seen {
    int n;
    char tree[64];
    char what[400];
} seen;

static int on_problem(void *ctx, const char *table, eddy_slice key, const char *what)
{
    seen *s = ctx;
    (void)key;
    if (s->n++ == 0) {
        snprintf(s->tree, sizeof s->tree, "%s", table);
        snprintf(s->what, sizeof s->what, "%s", what);
    }
    return 0;
}

/* A small file is checked whole at every open: any damaged page fails the open. */
static void small_file_damage_fails_open(void **state)
{
    const char *dir = t_path("small");
    char data[700], want[64];
    eddy_env *env;
    uint64_t p, bad_self;
    uint16_t bad_ptr = 4094;

    build(dir, 40);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    /* 1. the page's own number (trying each page that holds the body: old copies are free) */
    for (p = find_page(data, 1, P_LEAF, "NEEDLE-000017"); p != 0;
         p = find_page(data, p, P_LEAF, "NEEDLE-000017")) {
        bad_self = p + 1000;
        patch(data, p * page_size(data), &bad_self, 8);
        if (open_flags(dir, 0, &env) == EDDY_ECORRUPT)
            break;
        T_OK(eddy_env_close(env));
        patch(data, p * page_size(data), &p, 8);
    }
    assert_true(p >= 2);
    assert_null(env);
    snprintf(want, sizeof want, "page %llu: its header says", (unsigned long long)p);
    assert_non_null(strstr(eddy_last_error(), want));
    assert_non_null(strstr(eddy_last_error(), "data.mdb is damaged"));
    patch(data, p * page_size(data), &p, 8);
    /* 2. a node offset outside the page: repaired, then damaged again */
    env = NULL;
    T_OK(open_flags(dir, 0, &env));
    T_OK(eddy_env_close(env));
    patch(data, p * page_size(data) + 16, &bad_ptr, 2);
    T_RC(EDDY_ECORRUPT, open_flags(dir, EDDY_ENV_READONLY, &env));
    snprintf(want, sizeof want, "page %llu: node", (unsigned long long)p);
    assert_non_null(strstr(eddy_last_error(), want));
    (void)state;
}

/*
 * A large file: a plain open reads the root pages of its big trees only, so damage deeper down
 * passes it; eddy_env_verify and EDDY_ENV_CHECK find it, name the table and the page, and
 * verify reads no record of the damaged file.
 */
static void deep_damage_found_by_verify_and_check(void **state)
{
    const char *dir = t_path("large");
    char data[700], want[64];
    eddy_env *env;
    seen s;
    uint64_t p, problems = 0;
    uint16_t lower_upper[2] = {17, 16}; /* odd lower bound above the upper one */

    build(dir, 6000); /* each big tree over the quick check's 256 pages */
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    for (p = find_page(data, 1, P_LEAF, "NEEDLE-002500"); p != 0;
         p = find_page(data, p, P_LEAF, "NEEDLE-002500")) {
        uint16_t saved[2];
        int fd = open(data, O_RDONLY);
        assert_int_equal(pread(fd, saved, 4, (off_t)(p * page_size(data) + 12)), 4);
        close(fd);
        patch(data, p * page_size(data) + 12, lower_upper, 4);
        T_OK(open_flags(dir, 0, &env)); /* not read by the quick check */
        memset(&s, 0, sizeof s);
        if (eddy_env_verify(env, on_problem, &s, &problems) == EDDY_ECORRUPT)
            break;
        T_OK(eddy_env_close(env)); /* a free page: nothing reads it */
        patch(data, p * page_size(data) + 12, saved, 4);
    }
    assert_true(p >= 2);
    assert_int_equal(problems, 1);
    assert_int_equal(s.n, 1);
    assert_true(strcmp(s.tree, "q_msg") == 0 || strcmp(s.tree, "s_rec") == 0);
    snprintf(want, sizeof want, "page %llu: free space bounds", (unsigned long long)p);
    assert_non_null(strstr(s.what, want));
    assert_non_null(strstr(eddy_last_error(), "records were not read"));
    /* The handle is fenced: no call reads the damaged pages; verify and close still work. */
    {
        eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        eddy_queue_batch *b = NULL;
        eddy_stream_info si = EDDY_STREAM_INFO_INIT;
        ro.wait_ms = EDDY_QUEUE_ZERO_MS;
        T_RC(EDDY_ECORRUPT, eddy_queue_receive(env, "q", &ro, &b));
        assert_null(b);
        assert_non_null(strstr(eddy_last_error(), "damaged LMDB pages"));
        assert_non_null(strstr(eddy_last_error(), want));
        T_RC(EDDY_ECORRUPT, eddy_stream_get_attributes(env, "s", &si));
        T_RC(EDDY_ECORRUPT,
             eddy_queue_send(
                 env, "q",
                 &(eddy_queue_send_entry){.size = sizeof(eddy_queue_send_entry), .body = {"x", 1}},
                 NULL));
        T_RC(EDDY_ECORRUPT, eddy_env_verify(env, NULL, NULL, &problems));
        assert_int_equal(problems, 1);
    }
    T_OK(eddy_env_close(env));
    T_RC(EDDY_ECORRUPT, open_flags(dir, EDDY_ENV_CHECK, &env));
    assert_non_null(strstr(eddy_last_error(), want));
    (void)state;
}

/* A branch page's child pointer past the file: caught by the full check with the page named. */
static void branch_child_out_of_range(void **state)
{
    const char *dir = t_path("branch");
    char data[700], want[64];
    eddy_env *env;
    uint64_t p;
    uint16_t off, far[2] = {0xffff, 0x0fff};

    build(dir, 3000);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    for (p = find_page(data, 1, P_BRANCH, NULL); p != 0; p = find_page(data, p, P_BRANCH, NULL)) {
        uint16_t saved[2];
        int fd = open(data, O_RDONLY);
        assert_int_equal(pread(fd, &off, 2, (off_t)(p * page_size(data) + 16 + 2)), 2);
        assert_int_equal(pread(fd, saved, 4, (off_t)(p * page_size(data) + off)), 4);
        close(fd);
        patch(data, p * page_size(data) + off, far, 4); /* node 1's child page number */
        if (open_flags(dir, EDDY_ENV_CHECK | EDDY_ENV_READONLY, &env) == EDDY_ECORRUPT)
            break;
        T_OK(eddy_env_close(env)); /* a free page */
        patch(data, p * page_size(data) + off, saved, 4);
    }
    assert_true(p >= 2);
    snprintf(want, sizeof want, "page %llu", (unsigned long long)p);
    assert_non_null(strstr(eddy_last_error(), want));
    assert_true(strstr(eddy_last_error(), "outside") != NULL ||
                strstr(eddy_last_error(), "past the end") != NULL);
    /* The CLI-style copy refuses too, before LMDB walks the trees. */
    T_RC(EDDY_ECORRUPT, eddy_env_compact(dir, NULL, NULL, NULL));
    (void)state;
}

/* Wait (bounded) until the handle completed `n` background checks or was fenced. */
static int wait_scrubs(eddy_env *env, uint64_t n)
{
    for (int i = 0; i < 1000; i++) {
        eddy_env_stat st = EDDY_ENV_STAT_INIT;
        int rc = eddy_env_stat_get(env, &st);
        if (rc != 0 || st.scrubs >= n)
            return rc;
        usleep(10000); /* the check runs on its own thread: wait for it, not for time */
    }
    fail_msg("no background page check in 10 s");
    return -1;
}

/*
 * The background page check (scrub_interval_ms, by the env's clock): damage written into a live
 * page while the database is open is found at the next check and fences the handle; until then
 * and on an undamaged file it reports nothing.
 */
static void background_check_fences_damage_found_while_open(void **state)
{
    const char *dir = t_path("scrub");
    char data[700];
    t_clock clk = {1800000000000ull};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    uint64_t p, n = 1;
    uint16_t bad[2] = {17, 16}, saved[2];
    int rc = 0;

    build(dir, 6000);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.scrub_interval_ms = 60000;
    env = t_env_open_opts(dir, &clk, &o);
    T_OK(wait_scrubs(env, n)); /* the first check runs right after the open */
    for (p = find_page(data, 1, P_LEAF, "NEEDLE-004000"); p != 0;
         p = find_page(data, p, P_LEAF, "NEEDLE-004000")) {
        int fd = open(data, O_RDWR);
        assert_int_equal(pread(fd, saved, 4, (off_t)(p * page_size(data) + 12)), 4);
        assert_int_equal(pwrite(fd, bad, 4, (off_t)(p * page_size(data) + 12)), 4);
        close(fd);
        clk.now_ms += 60000;
        if ((rc = wait_scrubs(env, ++n)) != 0)
            break;               /* fenced */
        fd = open(data, O_RDWR); /* a free page nobody reads: put it back, try the next */
        assert_int_equal(pwrite(fd, saved, 4, (off_t)(p * page_size(data) + 12)), 4);
        close(fd);
    }
    assert_true(p >= 2);
    assert_int_equal(rc, EDDY_ECORRUPT);
    assert_non_null(strstr(eddy_last_error(), "background page check"));
    T_RC(EDDY_ECORRUPT, eddy_env_stat_get(env, &st));
    T_RC(EDDY_ECORRUPT, eddy_env_verify(env, NULL, NULL, NULL));
    T_OK(eddy_env_close(env));
    (void)state;
}

/* ---- no false alarms while others commit ---- */

typedef struct writer {
    eddy_env *env;
    int batches;
} writer;

/* Under the sanitizers (EDDY_TEST_QUICK=1, set by tests/CMakeLists.txt) the concurrent cases run a
 * fifth of their rounds: they check memory safety there, the plain builds check the races. */
static int rounds(int n)
{
    const char *q = getenv("EDDY_TEST_QUICK");
    return q != NULL && q[0] == '1' ? (n + 4) / 5 : n;
}

static void *write_loop(void *arg)
{
    writer *w = arg;
    eddy_queue_send_entry e[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
    eddy_queue_send_result res[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
    char body[300];
    memset(body, 'w', sizeof body);
    for (int j = 0; j < 10; j++) {
        memset(&e[j], 0, sizeof e[j]);
        e[j].size = sizeof e[j];
        e[j].body.data = body;
        e[j].body.len = sizeof body;
    }
    for (int i = 0; i < w->batches; i++) {
        eddy_queue_batch *b = NULL;
        eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        size_t n = 0;
        T_OK(eddy_queue_send_batch(w->env, "q", e, 10, res));
        ro = (eddy_queue_receive_options)EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
        ro.max_messages = 5;
        ro.wait_ms = EDDY_QUEUE_ZERO_MS;
        T_OK(eddy_queue_receive(w->env, "q", &ro, &b));
        n = eddy_queue_batch_count(b);
        for (size_t k = 0; k < n; k++)
            T_OK(eddy_queue_delete_message(w->env, "q", eddy_queue_batch_message(b, k)->receipt));
        eddy_queue_batch_free(b);
    }
    return NULL;
}

static void verify_while_writing_is_clean(void **state)
{
    const char *dir = t_path("busy");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    pthread_t th;
    writer w;
    int runs = 0;

    build(dir, 500);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.durability = EDDY_ENV_DURABILITY_RELAXED;
    o.scrub_interval_ms = 1; /* the background check runs all along too */
    env = t_env_open_opts(dir, NULL, &o);
    w.env = env;
    w.batches = rounds(400);
    assert_int_equal(pthread_create(&th, NULL, write_loop, &w), 0);
    for (; runs < rounds(15); runs++) {
        uint64_t problems = 1;
        T_OK(eddy_env_verify(env, NULL, NULL, &problems));
        assert_int_equal(problems, 0);
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    {
        eddy_env_stat st = EDDY_ENV_STAT_INIT;
        T_OK(eddy_env_stat_get(env, &st)); /* not fenced: no false alarm */
        print_message("%llu background checks during the writes\n", (unsigned long long)st.scrubs);
    }
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

/* Another process commits while this one opens (quick check, unpinned) and checks in full. */
static void open_while_another_process_writes(void **state)
{
    const char *dir = t_path("twoproc");
    pid_t pid;
    int status = 0, opens = 0;

    build(dir, 2000);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
        eddy_env *env = NULL;
        writer w;
        o.durability = EDDY_ENV_DURABILITY_RELAXED;
        if (eddy_env_open(dir, &o, &env) != 0)
            _exit(2);
        w.env = env;
        w.batches = rounds(3000);
        write_loop(&w);
        _exit(eddy_env_close(env) == 0 ? 0 : 3);
    }
    for (; waitpid(pid, &status, WNOHANG) == 0; opens++) {
        eddy_env *env = NULL;
        T_OK(open_flags(dir, opens % 4 == 0 ? EDDY_ENV_CHECK : 0, &env));
        T_OK(eddy_env_close(env));
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    print_message("%d opens during the other process's writes\n", opens);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_file_damage_fails_open),
        cmocka_unit_test(deep_damage_found_by_verify_and_check),
        cmocka_unit_test(branch_child_out_of_range),
        cmocka_unit_test(background_check_fences_damage_found_while_open),
        cmocka_unit_test(verify_while_writing_is_clean),
        cmocka_unit_test(open_while_another_process_writes),
    };
    t_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
