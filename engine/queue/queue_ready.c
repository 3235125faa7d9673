/*
 * queue_ready.c: the readiness descriptor of eddy_queue_ready_fd, for event-loop programs (the
 * `eddy serve` endpoint) that park long polls without a thread each. One eventfd per env,
 * created on first request and signalled wherever eddy__q_wake wakes in-process waiters. It
 * says "a queue may have become non-empty", never which one and never a promise: the reader
 * retries its receive. Never calls mdb_*; knows nothing of queues beyond the wake hook.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "error.h"
#include "queue_int.h"

void eddy__q_ready_signal(struct eddy__queue_env *qe)
{
    uint64_t one = 1;
    ssize_t n;

    if (qe->ready_fd == 0)
        return;
    /* Non-blocking: a counter at its maximum already means "ready"; EAGAIN loses nothing. */
    n = write(qe->ready_fd - 1, &one, sizeof one);
    (void)n;
}

void eddy__q_ready_fini(struct eddy__queue_env *qe)
{
    if (qe->ready_fd != 0)
        close(qe->ready_fd - 1);
    qe->ready_fd = 0;
}

EDDY_API int eddy_queue_ready_fd(eddy_env *env, int *fd_out)
{
    struct eddy__queue_env *qe;
    int fd, rc = 0;

    if (fd_out != NULL)
        *fd_out = -1;
    if (env == NULL || fd_out == NULL)
        return eddy__err(EDDY_EINVAL, "eddy_queue_ready_fd: NULL %s",
                         env == NULL ? "env" : "fd_out");
    qe = env->queues;
    pthread_mutex_lock(&qe->mu);
    if (qe->ready_fd == 0) {
        fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
            rc = eddy__err_errno(errno, "eddy_queue_ready_fd: eventfd");
        else
            qe->ready_fd = fd + 1;
    }
    if (rc == 0)
        *fd_out = qe->ready_fd - 1;
    pthread_mutex_unlock(&qe->mu);
    return rc;
}
