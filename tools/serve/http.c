/*
 * http.c: the HTTP/1.1 side of `eddy serve` on libmicrohttpd: a pool of worker threads with
 * epoll, keep-alive, request bodies gathered up to --max-body, connection and idle limits, and
 * dispatch by protocol (X-Amz-Target, else an SQS Query form). Long polls are parked with
 * MHD_suspend_connection (park.c), so a waiting receive holds no thread. Knows nothing of SQS or
 * Kinesis semantics; never calls the eddy_ API itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "serve.h"

/* Requests between their first byte and their completion (on_done): shutdown waits for them. */
static _Atomic int live_requests;
/* The largest body buffer allocated from a declared Content-Length alone. */
#define HTTP_PREALLOC_MAX ((size_t)1 << 20)

uint64_t srv_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void srv_request_id(char out[37])
{
    static _Atomic uint64_t counter;
    uint64_t n = ++counter, t = (uint64_t)time(NULL);
    snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(t & 0xffffffffu),
             (unsigned)((n >> 48) & 0xffffu), (unsigned)((n >> 36) & 0xfffu),
             (unsigned)((n >> 24) & 0xfffu), (unsigned long long)(n & 0xffffffffffffull));
}

void reply_set(struct reply *rp, unsigned status, const char *ctype, char *body, size_t len)
{
    free(rp->body);
    rp->status = status;
    rp->ctype = ctype;
    rp->body = body;
    rp->len = len;
}

void reply_json(struct reply *rp, unsigned status, const char *ctype, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    reply_set(rp, status, ctype, s, s != NULL ? strlen(s) : 0);
    if (s == NULL)
        rp->status = 500;
}

static enum MHD_Result send_reply(struct req *r)
{
    struct MHD_Connection *c = r->conn;
    struct reply *rp = &r->reply;
    struct MHD_Response *resp;
    char rid[37];
    enum MHD_Result ret;

    static char empty[1];
    resp = MHD_create_response_from_buffer(rp->len, rp->body != NULL ? rp->body : empty,
                                           rp->body != NULL ? MHD_RESPMEM_MUST_FREE
                                                            : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    rp->body = NULL; /* MHD owns it now */
    srv_request_id(rid);
    MHD_add_response_header(resp, "Content-Type", rp->ctype != NULL ? rp->ctype : "text/plain");
    MHD_add_response_header(resp, "x-amzn-RequestId", rid);
    if (rp->hdr_name[0] != '\0')
        MHD_add_response_header(resp, rp->hdr_name, rp->hdr_value);
    ret = MHD_queue_response(c, rp->status != 0 ? rp->status : 500, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned status, const char *text)
{
    /* MUST_COPY: MHD takes a non-const pointer even for persistent text. */
    char copy[128];
    struct MHD_Response *resp;
    snprintf(copy, sizeof copy, "%s", text);
    resp = MHD_create_response_from_buffer(strlen(copy), copy, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain");
    MHD_add_response_header(resp, "Connection", "close");
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* GET /?Action=...: the URL's arguments become the form (what the Query protocol allows). */
static enum MHD_Result arg_add(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    if (key != NULL)
        json_object_set_new((json_t *)cls, key, json_string(value != NULL ? value : ""));
    return MHD_YES;
}

bool srv_conn_gone(struct req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char b;
    ssize_t n;

    if (ci == NULL)
        return false;
    /* A request is complete before it parks, so a readable socket holds at most a pipelined
     * next request (left unread by MSG_PEEK); only EOF or a reset means the client left. */
    n = recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN));
}

static void dispatch(struct req *r)
{
    struct MHD_Connection *c = r->conn;
    const char *target = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Target");

    if (strcmp(r->method, "GET") == 0 && strcmp(r->path, "/metrics") == 0) {
        /* With --auth a scrape is signed like any request (it reads every queue and stream),
         * unless --metrics-open leaves it to the network to restrict. */
        if (r->srv->auth_on && !r->srv->metrics_open && sigv4_check(r) != 0)
            return;
        srv_metrics(r);
        return;
    }
    if (!r->parked && sigv4_check(r) != 0)
        return;
    if (target != NULL && strncmp(target, "Kinesis_20131202.", 17) == 0) {
        r->proto = PROTO_KINESIS;
        snprintf(r->action, sizeof r->action, "%s", target + 17);
        kinesis_handle(r);
        return;
    }
    if (target != NULL && strncmp(target, "AmazonSQS.", 10) == 0) {
        r->proto = PROTO_SQS_JSON;
        snprintf(r->action, sizeof r->action, "%s", target + 10);
    } else {
        r->proto = PROTO_SQS_QUERY;
        if (!r->parked && r->len == 0 && r->in == NULL) {
            json_t *flat = json_object();
            MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_add, flat);
            r->in = flat;
        }
    }
    sqs_handle(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **slot)
{
    struct srv *s = cls;
    struct req *r = *slot;

    (void)version;
    if (r == NULL) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > s->body_max)
            return plain(c, 413, "request body exceeds the server's limit (--max-body)\n");
        if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0)
            return plain(c, 405, "only POST and GET are served\n");
        if ((r = calloc(1, sizeof *r)) == NULL)
            return MHD_NO;
        live_requests++;
        r->srv = s;
        r->conn = c;
        /* One allocation of the declared size, up to HTTP_PREALLOC_MAX: no doubling and
         * copying of ordinary bodies, and a client that declares a large body and sends none
         * holds no more than that (doubling takes over past it). */
        if (cl != NULL && (r->cap = (size_t)strtoull(cl, NULL, 10) + 1) > 1 &&
            (r->cap = r->cap < HTTP_PREALLOC_MAX ? r->cap : HTTP_PREALLOC_MAX) > 0 &&
            (r->body = malloc(r->cap)) == NULL)
            r->cap = 0;
        if (r->body == NULL)
            r->cap = 0;
        snprintf(r->path, sizeof r->path, "%s", url != NULL ? url : "/");
        snprintf(r->method, sizeof r->method, "%s", method);
        *slot = r;
        return MHD_YES;
    }
    if (*upload_len != 0) {
        size_t n = *upload_len;
        *upload_len = 0;
        if (r->too_big || r->len + n > s->body_max) {
            r->too_big = true;
            return MHD_YES; /* discard; answered once the body ended */
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap != 0 ? r->cap : 4096;
            char *p;
            while (cap < r->len + n + 1)
                cap *= 2;
            if ((p = realloc(r->body, cap)) == NULL)
                return MHD_NO;
            r->body = p;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload, n);
        r->len += n;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    if (r->too_big)
        return plain(c, 413, "request body exceeds the server's limit (--max-body)\n");
    dispatch(r);
    if (r->parked && r->reply.status == 0)
        return MHD_YES; /* suspended by srv_park; the handler runs again when resumed */
    return send_reply(r);
}

static void on_done(void *cls, struct MHD_Connection *c, void **slot,
                    enum MHD_RequestTerminationCode why)
{
    struct req *r = *slot;
    (void)cls;
    (void)c;
    (void)why;
    if (r == NULL)
        return;
    free(r->body);
    free(r->reply.body);
    json_decref(r->in);
    free(r);
    *slot = NULL;
    live_requests--;
}

int srv_http_start(struct srv *s, const char *host, uint16_t port)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;
    struct MHD_Daemon *d;

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                             MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                         port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->threads,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->conn_max,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->idle_timeout_s,
                         MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_END);
    if (d == NULL)
        return -1;
    s->daemon = d;
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : port;
    return 0;
}

void srv_http_stop(struct srv *s)
{
    if (s->daemon == NULL)
        return;
    MHD_quiesce_daemon(s->daemon);
    /* Answer what is in flight before the workers stop: parked polls are resumed (they answer
     * at once, s->stopping being set) and every started request gets up to 5 s to complete;
     * MHD_stop_daemon would otherwise close connections whose reply was not sent yet. */
    for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        srv_park_wake_all(s);
        if (live_requests == 0)
            break;
        nanosleep(&ts, NULL);
    }
    /* No resume may run once MHD_stop_daemon frees the connections: stop the park thread and
     * resume whatever is still parked while the daemon still owns them. */
    srv_park_stop(s);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}
