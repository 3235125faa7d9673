/*
 * test_poller_kill.c: pollers under process crashes. A forked child runs a stream poller and a
 * queue poller (Eddy's threads) whose callbacks report every item they processed through a pipe
 * before returning; the parent SIGKILLs the child at a seeded point of the stream of reports,
 * then checks the database: no checkpoint is past a record that no callback reported, and no
 * queue message is gone that no callback reported (nothing committed ahead of processing). The
 * next child resumes from there; at the end a MANUAL poller drains the rest, and every record
 * and message must have been reported at least once (at-least-once, nothing lost).
 *
 * Usage: crash_poller_kill [--kills N]; EDDY_SEED=<n> replays the seeded kill points.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eddy.h"

#define N_REC  3000
#define N_MSG  1000
#define SHARDS 2
#define VIS_MS 300

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #x,              \
                    eddy_last_error());                                                            \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
#define OK(x) CHECK((x) == 0)

static unsigned char rec_seen[N_REC], msg_seen[N_MSG];
static int report_fd = -1;

static int report(const char *kind, const eddy_poller_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        char line[64];
        int len = snprintf(line, sizeof line, "%s %.*s\n", kind,
                           (int)eddy_poller_batch_item(b, i)->body.len,
                           (const char *)eddy_poller_batch_item(b, i)->body.data);
        if (write(report_fd, line, (size_t)len) != len)
            _exit(3);
    }
    return 0;
}

static int stream_cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    (void)ctx;
    (void)r;
    return report("S", b);
}

static int queue_cb(void *ctx, const eddy_poller_batch *b, eddy_poller_result *r)
{
    (void)ctx;
    (void)r;
    return report("Q", b);
}

static void options(eddy_poller_options *so, eddy_poller_options *qo, uint32_t flags)
{
    *so = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    so->source = EDDY_POLLER_SOURCE_STREAM;
    so->name = "s";
    so->consumer = "app";
    so->batch_size = 37;
    so->flags = flags;
    *qo = (eddy_poller_options)EDDY_POLLER_OPTIONS_INIT;
    qo->source = EDDY_POLLER_SOURCE_QUEUE;
    qo->name = "q";
    qo->batch_size = 7;
    qo->visibility_timeout_ms = VIS_MS;
    qo->flags = flags;
}

static void child_run(const char *dir, int fd)
{
    eddy_poller_options so = EDDY_POLLER_OPTIONS_INIT, qo = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *sp = NULL, *qp = NULL;
    eddy_env *env = NULL;

    report_fd = fd;
    OK(eddy_env_open(dir, NULL, &env));
    options(&so, &qo, 0);
    OK(eddy_poller_create(env, &so, stream_cb, NULL, &sp));
    OK(eddy_poller_create(env, &qo, queue_cb, NULL, &qp));
    OK(eddy_poller_start(sp));
    OK(eddy_poller_start(qp));
    for (;;)
        pause(); /* until SIGKILL */
}

/* Parse "S r01234" / "Q m00042" lines. */
static void absorb(char *buf, size_t *len)
{
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', (size_t)(buf + *len - start))) != NULL) {
        *nl = '\0';
        int i = atoi(start + 3);
        if (start[0] == 'S' && i >= 0 && i < N_REC)
            rec_seen[i] = 1;
        else if (start[0] == 'Q' && i >= 0 && i < N_MSG)
            msg_seen[i] = 1;
        else
            CHECK(!"malformed report");
        start = nl + 1;
    }
    *len = (size_t)(buf + *len - start);
    memmove(buf, start, *len);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run a child; kill it after `lines` reports (or after 500 ms without one). */
static void one_kill(const char *dir, uint64_t lines)
{
    static char buf[1 << 16];
    size_t len = 0;
    uint64_t got = 0, last = mono_ms();
    int p[2];
    pid_t pid;

    CHECK(pipe(p) == 0);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child_run(dir, p[1]);
        _exit(0);
    }
    close(p[1]);
    for (;;) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (got >= lines || mono_ms() - last > 500)
            break;
        if (poll(&pf, 1, 50) <= 0)
            continue;
        ssize_t r = read(p[0], buf + len, sizeof buf - len);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++)
            got += buf[len + (size_t)i] == '\n';
        len += (size_t)r;
        absorb(buf, &len);
        last = mono_ms();
    }
    kill(pid, SIGKILL);
    for (;;) { /* what the child wrote before it died */
        ssize_t r = read(p[0], buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        absorb(buf, &len);
    }
    close(p[0]);
    CHECK(waitpid(pid, NULL, 0) == pid);
    printf("kill after %" PRIu64 " reports (wanted %" PRIu64 ")\n", got, lines);
}

static int scan_fn(void *ctx, const eddy_queue_scan_message *m)
{
    unsigned char *stored = ctx;
    int i = atoi((const char *)m->body.data + 1);
    CHECK(i >= 0 && i < N_MSG);
    stored[i] = 1;
    return 0;
}

/* No checkpoint past an unreported record; no message gone unreported. */
static void check(const char *dir)
{
    static unsigned char stored[N_MSG];
    eddy_env *env = NULL;
    uint64_t problems = 1;

    OK(eddy_env_open(dir, NULL, &env));
    OK(eddy_env_verify(env, NULL, NULL, &problems));
    CHECK(problems == 0);
    for (uint32_t sh = 0; sh < SHARDS; sh++) {
        eddy_checkpoint cp = EDDY_CHECKPOINT_INIT;
        eddy_stream_iterator it;
        int rc = eddy_checkpoint_get(env, "s", "app", sh, &cp);
        if (rc == EDDY_ENOTFOUND)
            continue;
        OK(rc);
        OK(eddy_stream_get_iterator(env, "s", sh, EDDY_STREAM_ITER_TRIM_HORIZON, NULL, 0, &it));
        for (bool more = true; more;) {
            eddy_stream_batch *b = NULL;
            size_t n = 0;
            OK(eddy_stream_get_records(env, &it, NULL, &b));
            n = eddy_stream_batch_count(b);
            more = n > 0;
            for (size_t i = 0; i < n && more; i++) {
                if (strcmp(eddy_stream_batch_record(b, i)->seq, cp.seq) > 0) {
                    more = false;
                    break;
                }
                int k = atoi((const char *)eddy_stream_batch_record(b, i)->data.data + 1);
                if (!rec_seen[k])
                    fprintf(stderr, "shard %u: checkpoint %s passes unreported record %d\n", sh,
                            cp.seq, k);
                CHECK(rec_seen[k]);
            }
            it = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
        }
    }
    memset(stored, 0, sizeof stored);
    OK(eddy_queue_scan(env, "q", 0, 0, scan_fn, stored, NULL));
    for (int i = 0; i < N_MSG; i++) {
        if (!stored[i] && !msg_seen[i])
            fprintf(stderr, "message %d was deleted but never reported\n", i);
        CHECK(stored[i] || msg_seen[i]);
    }
    OK(eddy_env_close(env));
}

static uint64_t clock_now;
static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return clock_now;
}

/* Drain what is left with MANUAL pollers (fake clock far ahead: every timeout has run out). */
static void drain(const char *dir)
{
    eddy_env_options eo = EDDY_ENV_OPTIONS_INIT;
    eddy_poller_options so = EDDY_POLLER_OPTIONS_INIT, qo = EDDY_POLLER_OPTIONS_INIT;
    eddy_poller *sp = NULL, *qp = NULL;
    eddy_env *env = NULL;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    clock_now = (uint64_t)ts.tv_sec * 1000u + 3600000u;
    eo = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    eo.clock.now_ms = fake_now;
    report_fd = -1;
    int p[2];
    CHECK(pipe(p) == 0);
    report_fd = p[1];
    OK(eddy_env_open(dir, &eo, &env));
    options(&so, &qo, EDDY_POLLER_MANUAL);
    OK(eddy_poller_create(env, &so, stream_cb, NULL, &sp));
    OK(eddy_poller_create(env, &qo, queue_cb, NULL, &qp));
    OK(eddy_poller_start(sp));
    OK(eddy_poller_start(qp));
    static char buf[1 << 16];
    size_t len = 0;
    for (int round = 0; round < 100000; round++) {
        size_t a = 0, b = 0;
        OK(eddy_poller_run_once(sp, &a));
        OK(eddy_poller_run_once(qp, &b));
        for (;;) {
            struct pollfd pf = {p[0], POLLIN, 0};
            if (poll(&pf, 1, 0) <= 0)
                break;
            ssize_t r = read(p[0], buf + len, sizeof buf - len);
            if (r <= 0)
                break;
            len += (size_t)r;
            absorb(buf, &len);
        }
        if (a == 0 && b == 0 && round > 2)
            break;
    }
    eddy_poller_destroy(sp);
    eddy_poller_destroy(qp);
    eddy_queue_stat st = EDDY_QUEUE_STAT_INIT;
    OK(eddy_queue_stat_get(env, "q", &st));
    CHECK(st.messages == 0);
    OK(eddy_env_close(env));
    close(p[0]);
    close(p[1]);
    for (int i = 0; i < N_REC; i++) {
        if (!rec_seen[i])
            fprintf(stderr, "record %d was never delivered\n", i);
        CHECK(rec_seen[i]);
    }
    for (int i = 0; i < N_MSG; i++)
        CHECK(msg_seen[i]);
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/eddy-poller-kill-XXXXXX";
    const char *seed_env = getenv("EDDY_SEED");
    int kills = 6;
    eddy_env *env = NULL;

    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--kills") == 0)
            kills = atoi(argv[++i]);
    rng_state = seed_env != NULL ? strtoull(seed_env, NULL, 10) : (uint64_t)time(NULL);
    printf("seed=%" PRIu64 "\n", rng_state);
    CHECK(mkdtemp(dir) != NULL);
    char db[sizeof dir + 8];
    snprintf(db, sizeof db, "%s/db", dir);

    eddy_stream_options sopt = EDDY_STREAM_OPTIONS_INIT;
    sopt.shard_count = SHARDS;
    OK(eddy_env_open(db, NULL, &env));
    OK(eddy_stream_create(env, "s", &sopt));
    OK(eddy_queue_create(env, "q", NULL));
    for (int i = 0; i < N_REC; i += 100) {
        eddy_stream_put_entry e[100] = {[0 ...(100) - 1] = EDDY_STREAM_PUT_ENTRY_INIT};
        eddy_stream_put_result r[100] = {[0 ...(100) - 1] = EDDY_STREAM_PUT_RESULT_INIT};
        char data[100][16];
        for (int j = 0; j < 100; j++) {
            snprintf(data[j], sizeof data[j], "r%05d", i + j);
            memset(&e[j], 0, sizeof e[j]);
            e[j].size = sizeof e[j];
            e[j].data.data = data[j];
            e[j].data.len = strlen(data[j]);
            e[j].partition_key.data = data[j] + 4; /* 100 keys */
            e[j].partition_key.len = 2;
        }
        OK(eddy_stream_put_batch(env, "s", e, 100, r, NULL));
    }
    for (int i = 0; i < N_MSG; i += 10) {
        eddy_queue_send_entry e[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_ENTRY_INIT};
        eddy_queue_send_result r[10] = {[0 ...(10) - 1] = EDDY_QUEUE_SEND_RESULT_INIT};
        char body[10][16];
        for (int j = 0; j < 10; j++) {
            snprintf(body[j], sizeof body[j], "m%05d", i + j);
            memset(&e[j], 0, sizeof e[j]);
            e[j].size = sizeof e[j];
            e[j].body.data = body[j];
            e[j].body.len = strlen(body[j]);
        }
        OK(eddy_queue_send_batch(env, "q", e, 10, r));
    }
    OK(eddy_env_close(env));

    for (int k = 0; k < kills; k++) {
        one_kill(db, 20 + rnd() % 700);
        check(db);
    }
    drain(db);
    check(db);
    size_t rs = 0, ms = 0;
    for (int i = 0; i < N_REC; i++)
        rs += rec_seen[i];
    for (int i = 0; i < N_MSG; i++)
        ms += msg_seen[i];
    printf("ok: %zu records and %zu messages, each delivered at least once; no checkpoint or "
           "delete ahead of processing\n",
           rs, ms);
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
