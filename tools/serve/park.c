/*
 * park.c: long polls that wait without a thread. A ReceiveMessage that finds nothing and may
 * wait suspends its connection (MHD_suspend_connection) and joins a list; one thread watches
 * eddy_queue_ready_fd (writes in this process) and a SRV_RECHECK_MS tick (other processes'
 * writes, visibility timeouts running out, deadlines). The engine's signal does not say which
 * queue, so the handlers note the queues they write (srv_park_note, before the write): a signal
 * resumes only the polls of noted queues, or every poll when nothing was noted (a write the
 * server did not note, e.g. a redrive task) or too much was; the tick resumes every poll. A
 * resumed handler retries its receive and answers or parks again. The same thread advances redrive
 * tasks (StartMessageMoveTask) once a second. Never answers a request itself.
 */
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

#define PARK_NOTED_MAX 32

struct srv_park {
    pthread_mutex_t mu;
    struct req *head;
    pthread_t thread;
    int ready_fd;
    int stop_pipe[2];
    bool running;
    /* Queues written since the last resume (under mu); noted_all when more than fit. */
    char noted[PARK_NOTED_MAX][EDDY_QUEUE_NAME_MAX + 1];
    size_t noted_n;
    bool noted_all;
};

/* Resume every parked request; called with p->mu held. */
static void resume_all(struct srv_park *p)
{
    struct req *r = p->head;
    p->head = NULL;
    while (r != NULL) {
        struct req *next = r->park_next;
        r->park_next = NULL;
        MHD_resume_connection(r->conn);
        r = next;
    }
    p->noted_n = 0;
    p->noted_all = false;
}

/* Resume the polls of the noted queues (every poll when nothing or too much was noted); called
 * with p->mu held. */
static void resume_noted(struct srv_park *p)
{
    struct req **pp = &p->head;

    if (p->noted_all || p->noted_n == 0) {
        resume_all(p);
        return;
    }
    while (*pp != NULL) {
        struct req *r = *pp;
        bool hit = false;
        for (size_t i = 0; i < p->noted_n && !hit; i++)
            hit = strcmp(p->noted[i], r->park_queue) == 0;
        if (hit) {
            *pp = r->park_next;
            r->park_next = NULL;
            MHD_resume_connection(r->conn);
        } else {
            pp = &r->park_next;
        }
    }
    p->noted_n = 0;
}

void srv_park_note(struct srv *s, const char *queue)
{
    struct srv_park *p = s->park;
    size_t i;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    for (i = 0; i < p->noted_n && strcmp(p->noted[i], queue) != 0; i++)
        ;
    if (i == p->noted_n) {
        if (p->noted_n == PARK_NOTED_MAX || strlen(queue) > EDDY_QUEUE_NAME_MAX)
            p->noted_all = true;
        else
            memcpy(p->noted[p->noted_n++], queue, strlen(queue) + 1);
    }
    pthread_mutex_unlock(&p->mu);
}

static void *park_main(void *arg)
{
    struct srv *s = arg;
    struct srv_park *p = s->park;
    uint64_t last_redrive = srv_mono_ms(), last_all = last_redrive;

    for (;;) {
        struct pollfd fds[2] = {{.fd = p->ready_fd, .events = POLLIN},
                                {.fd = p->stop_pipe[0], .events = POLLIN}};
        uint64_t v, now = srv_mono_ms();
        /* The tick is kept by time: a busy eventfd must not starve deadlines. */
        int wait = now - last_all >= SRV_RECHECK_MS ? 0 : (int)(SRV_RECHECK_MS - (now - last_all));
        int n = poll(fds, 2, wait);
        ssize_t rd = 0;

        if (n > 0 && (fds[1].revents & POLLIN) != 0)
            break;
        if (n > 0 && (fds[0].revents & POLLIN) != 0)
            rd = read(p->ready_fd, &v, sizeof v); /* drain; EAGAIN is fine */
        (void)rd;
        now = srv_mono_ms();
        pthread_mutex_lock(&p->mu);
        if (now - last_all >= SRV_RECHECK_MS) {
            last_all = now;
            resume_all(p);
        } else {
            resume_noted(p);
        }
        pthread_mutex_unlock(&p->mu);
        if (now - last_redrive >= 1000) {
            last_redrive = now;
            (void)eddy_queue_redrive_run(s->env, 0, NULL);
        }
    }
    return NULL;
}

int srv_park_init(struct srv *s)
{
    struct srv_park *p = calloc(1, sizeof *p);
    int rc;

    if (p == NULL)
        return EDDY_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    if ((rc = eddy_queue_ready_fd(s->env, &p->ready_fd)) != 0)
        goto fail;
    if (pipe(p->stop_pipe) != 0) {
        rc = EDDY_EIO;
        goto fail;
    }
    s->park = p;
    if (pthread_create(&p->thread, NULL, park_main, s) != 0) {
        rc = EDDY_ENOMEM;
        goto fail_pipe;
    }
    p->running = true;
    return 0;

fail_pipe:
    close(p->stop_pipe[0]);
    close(p->stop_pipe[1]);
    s->park = NULL;
fail:
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}

void srv_park_stop(struct srv *s)
{
    struct srv_park *p = s->park;
    ssize_t n;

    if (p == NULL)
        return;
    if (p->running) {
        n = write(p->stop_pipe[1], "x", 1);
        (void)n;
        pthread_join(p->thread, NULL);
    }
    pthread_mutex_lock(&p->mu);
    p->running = false;
    resume_all(p);
    pthread_mutex_unlock(&p->mu);
}

void srv_park_fini(struct srv *s)
{
    struct srv_park *p = s->park;

    if (p == NULL)
        return;
    srv_park_stop(s);
    close(p->stop_pipe[0]);
    close(p->stop_pipe[1]);
    pthread_mutex_destroy(&p->mu);
    free(p);
    s->park = NULL;
}

void srv_park(struct req *r, const char *queue)
{
    struct srv_park *p = r->srv->park;

    r->parked = true;
    snprintf(r->park_queue, sizeof r->park_queue, "%s", queue);
    MHD_suspend_connection(r->conn);
    pthread_mutex_lock(&p->mu);
    if (!p->running) { /* stopped: nobody would resume it; run the handler again at once */
        pthread_mutex_unlock(&p->mu);
        MHD_resume_connection(r->conn);
        return;
    }
    r->park_next = p->head;
    p->head = r;
    pthread_mutex_unlock(&p->mu);
}

void srv_park_wake_all(struct srv *s)
{
    struct srv_park *p = s->park;
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    resume_all(p);
    pthread_mutex_unlock(&p->mu);
}
