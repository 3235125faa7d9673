/*
 * bench_serve.c: `eddy serve` against the same run's in-process figures, and kinesalite.
 * Four workloads, each with 8 concurrent clients for -t seconds:
 *   SEND   SendMessageBatch of 10 messages (100-byte bodies)
 *   RECV   ReceiveMessage of up to 10 + DeleteMessageBatch of what came
 *   PUT    PutRecords of 500 records (100 bytes, random partition keys) into 8 shards
 *   GET    GetRecords, one client per shard, from TRIM_HORIZON to the end
 * first in this process through include/eddy.h (8 threads), then through HTTP: `eddy serve`
 * started as a child on its own database, 8 threads each with one keep-alive connection
 * speaking the JSON protocols (SQS JSON 1.0, Kinesis JSON 1.1) with a well-formed SigV4
 * header; and, for PUT and GET, kinesalite (node, from -k DIR/node_modules) the same way. The
 * load generator's own CPU time is printed beside each HTTP figure, to show it is not the
 * bottleneck.
 *
 * usage: bench_serve -e EDDY [-k NPM_DIR] [-d dir] [-t seconds] [SEND RECV PUT GET ...]
 *   -e EDDY     the eddy tool (build/eddy)
 *   -k NPM_DIR  where setup_npm.sh installed kinesalite (build/serve-npm); none: skipped
 *   -d dir      databases go here (default $TMPDIR or /tmp); removed afterwards
 *   -t seconds  per workload (default 3)
 * With no workload named, all run.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eddy.h"

#define BENCH_NAME "bench_serve"
#include "bench_util.h"

#define CLIENTS 8
#define SHARDS  8
#define BODY    100

static double secs = 3.0;
static eddy_env *env;         /* in-process runs */
static int port;              /* HTTP runs */
static volatile int stop_now; /* the current workload's time is up */
static _Atomic int done;      /* threads of the current workload that finished (drained) */
static char payload[BODY + 1];
static int want_mask = 15; /* SEND 1, RECV 2, PUT 4, GET 8 */

/* ---- a minimal keep-alive HTTP/1.1 client (Content-Length replies only) ---- */

struct conn {
    int fd;
    char *buf;
    size_t cap;
};

static void conn_open(struct conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror(BENCH_NAME ": connect");
        exit(1);
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->cap = 1 << 20;
    c->buf = malloc(c->cap);
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    free(c->buf);
}

/* POST body with X-Amz-Target `target`; the reply body is left in c->buf (NUL-ended). */
static int call(struct conn *c, const char *ctype, const char *target, const char *body, size_t len)
{
    char head[1024];
    size_t got = 0, need = 0, hlen = 0;
    int n = snprintf(head, sizeof head,
                     "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: %s\r\n"
                     "X-Amz-Target: %s\r\nX-Amz-Date: 20260101T000000Z\r\n"
                     "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/svc/"
                     "aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000"
                     "000000000000000000000000000000000000000000000\r\nContent-Length: %zu\r\n\r\n",
                     port, ctype, target, len);
    int status = 0;
    if (write(c->fd, head, (size_t)n) != n || write(c->fd, body, len) != (ssize_t)len)
        return -1;
    for (;;) {
        ssize_t r;
        char *eoh;
        if (got + 65536 > c->cap) {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
        }
        r = read(c->fd, c->buf + got, c->cap - got - 1);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        c->buf[got] = '\0';
        if (hlen == 0 && (eoh = strstr(c->buf, "\r\n\r\n")) != NULL) {
            char *cl = strcasestr(c->buf, "content-length:");
            hlen = (size_t)(eoh - c->buf) + 4;
            need = hlen + (cl != NULL ? strtoul(cl + 15, NULL, 10) : 0);
            status = atoi(c->buf + 9);
        }
        if (hlen != 0 && got >= need)
            break;
    }
    memmove(c->buf, c->buf + hlen, got - hlen);
    c->buf[got - hlen] = '\0';
    return status;
}

/* Copy the string value following `"key":"` at or after p into out; returns the end or NULL. */
static const char *jstr(const char *p, const char *key, char *out, size_t cap)
{
    char pat[64];
    const char *s, *e;
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    if ((s = strstr(p, pat)) == NULL)
        return NULL;
    s += strlen(pat);
    if ((e = strchr(s, '"')) == NULL || (size_t)(e - s) >= cap)
        return NULL;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return e;
}

/* ---- workloads: each thread returns the messages or records it moved ---- */

typedef uint64_t (*work_fn)(int id, bool http);

static uint64_t w_send(int id, bool http)
{
    eddy_queue_send_entry e[10];
    eddy_queue_send_result r[10];
    char body[4096];
    struct conn c;
    uint64_t n = 0;
    int i, len;
    (void)id;
    len = snprintf(body, sizeof body,
                   "{\"QueueUrl\":\"http://127.0.0.1:%d/000000000000/bq\","
                   "\"Entries\":[",
                   port);
    for (i = 0; i < 10; i++)
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "%s{\"Id\":\"m%d\",\"MessageBody\":\"%s\"}", i ? "," : "", i, payload);
    len += snprintf(body + len, sizeof body - (size_t)len, "]}");
    for (i = 0; i < 10; i++) {
        e[i] = (eddy_queue_send_entry)EDDY_QUEUE_SEND_ENTRY_INIT;
        e[i].body.data = payload;
        e[i].body.len = BODY;
        r[i] = (eddy_queue_send_result)EDDY_QUEUE_SEND_RESULT_INIT;
    }
    if (http)
        conn_open(&c);
    while (!stop_now) {
        if (http) {
            if (call(&c, "application/x-amz-json-1.0", "AmazonSQS.SendMessageBatch", body,
                     (size_t)len) != 200)
                die("HTTP SendMessageBatch", EDDY_EIO);
        } else {
            E(eddy_queue_send_batch(env, "bq", e, 10, r));
        }
        n += 10;
    }
    if (http)
        conn_close(&c);
    return n;
}

static uint64_t w_recv(int id, bool http)
{
    eddy_queue_receive_options ro = EDDY_QUEUE_RECEIVE_OPTIONS_INIT;
    char req[512], del[16384], rh[256];
    struct conn c;
    uint64_t n = 0;
    (void)id;
    ro.max_messages = 10;
    ro.wait_ms = EDDY_QUEUE_ZERO_MS;
    snprintf(req, sizeof req,
             "{\"QueueUrl\":\"http://127.0.0.1:%d/000000000000/bq\","
             "\"MaxNumberOfMessages\":10}",
             port);
    if (http)
        conn_open(&c);
    while (!stop_now) {
        if (http) {
            const char *p;
            int k = 0, len;
            if (call(&c, "application/x-amz-json-1.0", "AmazonSQS.ReceiveMessage", req,
                     strlen(req)) != 200)
                die("HTTP ReceiveMessage", EDDY_EIO);
            len = snprintf(del, sizeof del,
                           "{\"QueueUrl\":\"http://127.0.0.1:%d/000000000000/bq\","
                           "\"Entries\":[",
                           port);
            for (p = c.buf; (p = jstr(p, "ReceiptHandle", rh, sizeof rh)) != NULL; k++)
                len += snprintf(del + len, sizeof del - (size_t)len,
                                "%s{\"Id\":\"d%d\",\"ReceiptHandle\":\"%s\"}", k ? "," : "", k, rh);
            len += snprintf(del + len, sizeof del - (size_t)len, "]}");
            if (k == 0)
                break; /* drained */
            if (call(&c, "application/x-amz-json-1.0", "AmazonSQS.DeleteMessageBatch", del,
                     (size_t)len) != 200)
                die("HTTP DeleteMessageBatch", EDDY_EIO);
            n += (uint64_t)k;
        } else {
            eddy_queue_batch *b = NULL;
            const char *rs[10];
            int res[10];
            size_t i, k;
            E(eddy_queue_receive(env, "bq", &ro, &b));
            k = eddy_queue_batch_count(b);
            for (i = 0; i < k; i++)
                rs[i] = eddy_queue_batch_message(b, i)->receipt;
            if (k > 0)
                E(eddy_queue_delete_batch(env, "bq", rs, k, res));
            eddy_queue_batch_free(b);
            if (k == 0)
                break;
            n += k;
        }
    }
    if (http)
        conn_close(&c);
    return n;
}

static const char *stream_name = "bs";

static uint64_t w_put(int id, bool http)
{
    static _Thread_local eddy_stream_put_entry e[500];
    static _Thread_local eddy_stream_put_result r[500];
    static _Thread_local char keys[500][24];
    char *body = malloc(500 * 256 + 256), b64[200];
    uint64_t seed = (uint64_t)id * 7919 + 1, n = 0;
    struct conn c;
    size_t len;
    int i;

    /* base64 of the payload, the same for every record */
    {
        static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *s = (const unsigned char *)payload;
        int o = 0;
        for (i = 0; i + 2 < BODY; i += 3) {
            b64[o++] = t[s[i] >> 2];
            b64[o++] = t[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
            b64[o++] = t[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
            b64[o++] = t[s[i + 2] & 63];
        }
        b64[o++] = t[s[i] >> 2]; /* BODY % 3 == 1 */
        b64[o++] = t[(s[i] & 3) << 4];
        b64[o++] = '=';
        b64[o++] = '=';
        b64[o] = '\0';
    }
    for (i = 0; i < 500; i++) {
        snprintf(keys[i], sizeof keys[i], "%016llx", (unsigned long long)splitmix(&seed));
        e[i] = (eddy_stream_put_entry)EDDY_STREAM_PUT_ENTRY_INIT;
        e[i].data.data = payload;
        e[i].data.len = BODY;
        e[i].partition_key.data = keys[i];
        e[i].partition_key.len = 16;
        r[i] = (eddy_stream_put_result)EDDY_STREAM_PUT_RESULT_INIT;
    }
    len = (size_t)sprintf(body, "{\"StreamName\":\"%s\",\"Records\":[", stream_name);
    for (i = 0; i < 500; i++)
        len += (size_t)sprintf(body + len, "%s{\"Data\":\"%s\",\"PartitionKey\":\"%s\"}",
                               i ? "," : "", b64, keys[i]);
    len += (size_t)sprintf(body + len, "]}");
    if (http)
        conn_open(&c);
    while (!stop_now) {
        if (http) {
            if (call(&c, "application/x-amz-json-1.1", "Kinesis_20131202.PutRecords", body, len) !=
                200)
                die("HTTP PutRecords", EDDY_EIO);
            if (strstr(c.buf, "\"FailedRecordCount\":0") == NULL)
                die("HTTP PutRecords failed records", EDDY_EIO);
        } else {
            size_t failed = 0;
            E(eddy_stream_put_batch(env, stream_name, e, 500, r, &failed));
        }
        n += 500;
    }
    if (http)
        conn_close(&c);
    free(body);
    return n;
}

static uint64_t w_get(int id, bool http)
{
    char req[1200], it[1024];
    struct conn c;
    uint64_t n = 0;
    if (http) {
        const char *p;
        conn_open(&c);
        snprintf(req, sizeof req,
                 "{\"StreamName\":\"%s\",\"ShardId\":\"shardId-%012d\","
                 "\"ShardIteratorType\":\"TRIM_HORIZON\"}",
                 stream_name, id);
        if (call(&c, "application/x-amz-json-1.1", "Kinesis_20131202.GetShardIterator", req,
                 strlen(req)) != 200 ||
            jstr(c.buf, "ShardIterator", it, sizeof it) == NULL)
            die("HTTP GetShardIterator", EDDY_EIO);
        while (!stop_now) {
            size_t k = 0;
            snprintf(req, sizeof req, "{\"ShardIterator\":\"%s\",\"Limit\":10000}", it);
            if (call(&c, "application/x-amz-json-1.1", "Kinesis_20131202.GetRecords", req,
                     strlen(req)) != 200)
                die("HTTP GetRecords", EDDY_EIO);
            for (p = c.buf; (p = strstr(p, "\"SequenceNumber\"")) != NULL; p++)
                k++;
            if (k == 0 || jstr(c.buf, "NextShardIterator", it, sizeof it) == NULL)
                break;
            n += k;
        }
        conn_close(&c);
    } else {
        eddy_stream_iterator iter;
        E(eddy_stream_get_iterator(env, stream_name, (uint32_t)id, EDDY_STREAM_ITER_TRIM_HORIZON,
                                   NULL, 0, &iter));
        while (!stop_now) {
            eddy_stream_batch *b = NULL;
            size_t k;
            E(eddy_stream_get_records(env, &iter, NULL, &b));
            k = eddy_stream_batch_count(b);
            iter = eddy_stream_batch_info(b)->next;
            eddy_stream_batch_free(b);
            if (k == 0)
                break;
            n += k;
        }
    }
    return n;
}

struct th {
    work_fn fn;
    int id;
    bool http;
    uint64_t n;
};

static void *th_main(void *arg)
{
    struct th *t = arg;
    t->n = t->fn(t->id, t->http);
    done++;
    return NULL;
}

static double cpu_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds used so far by process pid (utime + stime from /proc). */
static double cpu_of(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    fclose(f);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Run fn on `threads` threads for `secs` (or until each drains); print and return the rate. */
static double run(const char *label, const char *unit, work_fn fn, int threads, bool http,
                  pid_t server)
{
    pthread_t tid[CLIENTS];
    struct th t[CLIENTS];
    int bit = fn == w_send ? 1 : fn == w_recv ? 2 : fn == w_put ? 4 : 8;
    double t0, t1, c0 = cpu_self(), s0 = server > 0 ? cpu_of(server) : 0, rate;
    uint64_t total = 0;
    int i;
    if ((want_mask & bit) == 0)
        return 1.0; /* not asked for */
    stop_now = 0;
    done = 0;
    t0 = now_s();
    for (i = 0; i < threads; i++) {
        t[i] = (struct th){fn, i, http, 0};
        pthread_create(&tid[i], NULL, th_main, &t[i]);
    }
    while (now_s() - t0 < secs && done < threads) { /* a drained queue or shard ends early */
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    stop_now = 1;
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        total += t[i].n;
    }
    t1 = now_s();
    rate = (double)total / (t1 - t0);
    printf("%-44s %10.0f %s/s", label, rate, unit);
    if (http)
        printf("   load generator %3.0f%% of a core, server %3.0f%%",
               100.0 * (cpu_self() - c0) / (t1 - t0),
               server > 0 ? 100.0 * (cpu_of(server) - s0) / (t1 - t0) : 0.0);
    printf("\n");
    fflush(stdout);
    return rate;
}

static pid_t spawn(char **argv, const char *port_file)
{
    pid_t pid = fork();
    int i;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    for (i = 0; i < 400; i++) { /* up to 20 s for the port */
        FILE *f = fopen(port_file, "r");
        struct timespec ts = {0, 50000000};
        if (f != NULL && fscanf(f, "%d", &port) == 1 && port > 0) {
            fclose(f);
            return pid;
        }
        if (f != NULL)
            fclose(f);
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, BENCH_NAME ": %s did not start\n", argv[0]);
    kill(pid, SIGKILL);
    exit(1);
}

static void stop(pid_t pid)
{
    int st;
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
}

/* A free loopback port (for kinesalite, which takes a port, not a port file). */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), p;
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    p = ntohs(sa.sin_port);
    close(fd);
    return p;
}

static void http_setup_stream(void)
{
    struct conn c;
    char body[256];
    int i;
    conn_open(&c);
    snprintf(body, sizeof body, "{\"StreamName\":\"%s\",\"ShardCount\":%d}", stream_name, SHARDS);
    if (call(&c, "application/x-amz-json-1.1", "Kinesis_20131202.CreateStream", body,
             strlen(body)) != 200)
        die("HTTP CreateStream", EDDY_EIO);
    snprintf(body, sizeof body, "{\"StreamName\":\"%s\"}", stream_name);
    for (i = 0; i < 200; i++) { /* kinesalite creates streams asynchronously */
        struct timespec ts = {0, 50000000};
        if (call(&c, "application/x-amz-json-1.1", "Kinesis_20131202.DescribeStreamSummary", body,
                 strlen(body)) == 200 &&
            strstr(c.buf, "ACTIVE") != NULL)
            break;
        nanosleep(&ts, NULL);
    }
    conn_close(&c);
}

int main(int argc, char **argv)
{
    char *eddy = NULL;
    const char *npm = NULL, *tmp = getenv("TMPDIR");
    char dir[512], db1[600], db2[600], pf[600], cmd[1200], portbuf[16], node_cli[700];
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    double in[4], ht[4], kl[2] = {0, 0};
    pid_t srv;
    int c;

    while ((c = getopt(argc, argv, "e:k:d:t:")) != -1) {
        if (c == 'e')
            eddy = optarg;
        else if (c == 'k')
            npm = optarg;
        else if (c == 'd')
            tmp = optarg;
        else if (c == 't')
            secs = atof(optarg);
        else
            return 2;
    }
    if (optind < argc) {
        want_mask = 0;
        for (c = optind; c < argc; c++) {
            const char *w = argv[c];
            want_mask |= strcmp(w, "SEND") == 0   ? 1
                         : strcmp(w, "RECV") == 0 ? 2 | 1
                         : strcmp(w, "PUT") == 0  ? 4
                         : strcmp(w, "GET") == 0  ? 8 | 4
                                                  : 0;
        }
    }
    if (eddy == NULL || secs <= 0 || want_mask == 0) {
        fprintf(stderr, "usage: bench_serve -e EDDY [-k NPM_DIR] [-d dir] [-t seconds] "
                        "[SEND RECV PUT GET ...]\n");
        return 2;
    }
    memset(payload, 'x', BODY);
    snprintf(dir, sizeof dir, "%s/bench_serve.XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(db1, sizeof db1, "%s/inproc", dir);
    snprintf(db2, sizeof db2, "%s/served", dir);
    snprintf(pf, sizeof pf, "%s/port", dir);
    signal(SIGPIPE, SIG_IGN);
    printf("bench_serve: %d clients, %.1f s per workload, %d-byte messages and records\n", CLIENTS,
           secs, BODY);

    E(eddy_env_open(db1, NULL, &env));
    E(eddy_queue_create(env, "bq", NULL));
    so.shard_count = SHARDS;
    so.hash = EDDY_STREAM_HASH_MD5;
    E(eddy_stream_create(env, stream_name, &so));
    in[0] = run("in-process  SendMessageBatch(10)", "msgs", w_send, CLIENTS, false, 0);
    in[1] = run("in-process  Receive(10)+DeleteBatch", "msgs", w_recv, CLIENTS, false, 0);
    in[2] = run("in-process  PutRecords(500)", "recs", w_put, CLIENTS, false, 0);
    in[3] = run("in-process  GetRecords", "recs", w_get, SHARDS, false, 0);
    E(eddy_env_close(env));
    env = NULL;

    {
        char a1[] = "--db", a2[] = "serve", a3[] = "--listen", a4[] = "127.0.0.1:0",
             a5[] = "--port-file";
        char *av[] = {eddy, a1, db2, a2, a3, a4, a5, pf, NULL};
        srv = spawn(av, pf);
    }
    {
        struct conn cq;
        const char *b = "{\"QueueName\":\"bq\"}";
        conn_open(&cq);
        if (call(&cq, "application/x-amz-json-1.0", "AmazonSQS.CreateQueue", b, strlen(b)) != 200)
            die("HTTP CreateQueue", EDDY_EIO);
        conn_close(&cq);
    }
    http_setup_stream();
    ht[0] = run("eddy serve  SendMessageBatch(10)", "msgs", w_send, CLIENTS, true, srv);
    ht[1] = run("eddy serve  Receive(10)+DeleteBatch", "msgs", w_recv, CLIENTS, true, srv);
    ht[2] = run("eddy serve  PutRecords(500)", "recs", w_put, CLIENTS, true, srv);
    ht[3] = run("eddy serve  GetRecords", "recs", w_get, SHARDS, true, srv);
    stop(srv);

    if (npm != NULL) {
        snprintf(node_cli, sizeof node_cli, "%s/node_modules/kinesalite/cli.js", npm);
        if (access(node_cli, R_OK) == 0) {
            int kp = free_port();
            FILE *f;
            snprintf(portbuf, sizeof portbuf, "%d", kp);
            f = fopen(pf, "w"); /* kinesalite takes a port: write it for spawn() */
            fprintf(f, "%d\n", kp);
            fclose(f);
            {
                char n0[] = "node", n1[] = "--port", n2[] = "--createStreamMs", z0[] = "0",
                     n3[] = "--deleteStreamMs", z1[] = "0", n4[] = "--updateStreamMs", z2[] = "0";
                char *av[] = {n0, node_cli, n1, portbuf, n2, z0, n3, z1, n4, z2, NULL};
                srv = spawn(av, pf);
            }
            /* wait until it accepts connections */
            for (c = 0; c < 100; c++) {
                struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)kp)};
                int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
                struct timespec ts = {0, 100000000};
                inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
                ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
                close(fd);
                if (ok)
                    break;
                nanosleep(&ts, NULL);
            }
            http_setup_stream();
            kl[0] = run("kinesalite  PutRecords(500)", "recs", w_put, CLIENTS, true, srv);
            kl[1] = run("kinesalite  GetRecords", "recs", w_get, SHARDS, true, srv);
            stop(srv);
        } else {
            printf("kinesalite not installed in %s: skipped\n", npm);
        }
    }
    printf("\nendpoint / in-process (target >= 50%%):");
    for (c = 0; c < 4; c++)
        if (want_mask & (1 << c))
            printf(" %s %.0f%%", (const char *[]){"SEND", "RECV", "PUT", "GET"}[c],
                   100 * ht[c] / in[c]);
    printf("\n");
    if (kl[0] > 0)
        printf("endpoint / kinesalite (target >= 5x): PUT %.1fx, GET %.1fx\n", ht[2] / kl[0],
               ht[3] / kl[1]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, BENCH_NAME ": could not remove %s\n", dir);
    return 0;
}
