/*
 * test_queue_ready.c: eddy_queue_ready_fd, the readiness descriptor for event loops: the same
 * descriptor every time, not readable before anything happened, readable after a send in this
 * process, drained by read(), and its refusals (NULL arguments).
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static int readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

static void test_ready_fd_signals_send(void **state)
{
    t_clock clock = {.now_ms = 1700000000000ull};
    eddy_env *env = t_env_open(t_tmpdir(), &clock);
    eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
    uint64_t n = 0;
    int fd = -1, fd2 = -1;

    (void)state;
    T_OK(eddy_queue_create(env, "q", NULL));
    T_OK(eddy_queue_ready_fd(env, &fd));
    assert_true(fd >= 0);
    T_OK(eddy_queue_ready_fd(env, &fd2));
    assert_int_equal(fd, fd2);
    assert_false(readable(fd));
    e.body.data = "x";
    e.body.len = 1;
    T_OK(eddy_queue_send(env, "q", &e, NULL));
    assert_true(readable(fd));
    assert_int_equal(read(fd, &n, sizeof n), (ssize_t)sizeof n);
    assert_true(n >= 1);
    assert_false(readable(fd));
    T_OK(eddy_env_close(env));
}

static void test_ready_fd_refusals(void **state)
{
    int fd = 7;
    (void)state;
    assert_int_equal(eddy_queue_ready_fd(NULL, &fd), EDDY_EINVAL);
    assert_int_equal(fd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_fd_signals_send),
        cmocka_unit_test(test_ready_fd_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
