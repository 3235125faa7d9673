/*
 * test_log.c: eddy_env_options.log and log_level. Eddy never writes to stderr: by default it
 * logs nothing anywhere; with a callback it passes messages at or below log_level (WARN when
 * log_level is 0), and an out-of-range level is refused.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

typedef struct seen {
    int n;
    int level;
    char last[256];
} seen;

static void collect(void *ctx, int level, const char *msg)
{
    seen *s = ctx;
    s->n++;
    s->level = level;
    snprintf(s->last, sizeof s->last, "%s", msg);
}

static void callback_gets_messages_at_its_level(void **state)
{
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    seen s;
    eddy_env *env;

    (void)state;
    memset(&s, 0, sizeof s);
    o.log.fn = collect;
    o.log.ctx = &s;
    o.log_level = EDDY_LOG_INFO;
    env = t_env_open_opts(t_path("a"), NULL, &o);
    assert_true(s.n >= 1);
    assert_int_equal(s.level, EDDY_LOG_INFO);
    assert_non_null(strstr(s.last, "opened"));
    T_OK(eddy_env_close(env));

    /* log_level 0 with a callback means WARN: the INFO message of an open is not passed */
    memset(&s, 0, sizeof s);
    o.log_level = EDDY_LOG_NONE;
    env = t_env_open_opts(t_path("a"), NULL, &o);
    assert_int_equal(s.n, 0);
    T_OK(eddy_env_close(env));

    o.log_level = EDDY_LOG_DEBUG + 1;
    env = NULL;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("a"), &o, &env));
    assert_null(env);
}

static void nothing_reaches_stderr_by_default(void **state)
{
    char path[4096];
    struct stat st;
    int saved, fd;
    eddy_env *env = NULL;

    (void)state;
    snprintf(path, sizeof path, "%s/stderr.txt", t_tmpdir());
    fflush(stderr);
    saved = dup(2);
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    /* calls that fail, and an open with every default */
    (void)eddy_env_open(NULL, NULL, &env);
    (void)eddy_env_open(
        t_path("nothing/x/y"),
        &(eddy_env_options){.size = sizeof(eddy_env_options), .flags = EDDY_ENV_NOCREATE}, &env);
    env = t_env_open(t_path("b"), NULL);
    (void)eddy_queue_create(env, "bad name", NULL);
    T_OK(eddy_env_close(env));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(callback_gets_messages_at_its_level),
        cmocka_unit_test(nothing_reaches_stderr_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
