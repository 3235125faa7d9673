/*
 * serve.h: the internals `eddy serve` shares between its files: the server (struct srv), one
 * HTTP request (struct req) with its reply, and the entry points of each protocol module
 * (SQS Query and JSON 1.0, Kinesis JSON 1.1, SigV4). Uses include/eddy.h only, never engine/
 * headers. Every action handler takes a parsed JSON input and fills a JSON output or an error;
 * the wire encodings (form + XML, JSON) live at the edges (sqs_wire.c, form.c, xml.c).
 */
#ifndef EDDY_SERVE_H
#define EDDY_SERVE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy.h"

struct cli;

/* Limits (docs/endpoint.md "Limits"). */
#define SRV_BODY_MAX_DEFAULT (16u * 1024u * 1024u) /* a request body, bytes (--max-body) */
#define SRV_CONN_MAX_DEFAULT 4096u                 /* open connections (--max-connections) */
#define SRV_THREADS_DEFAULT  8u                    /* HTTP worker threads (--threads) */
#define SRV_IDLE_TIMEOUT_S   60u                   /* idle or slow connection, seconds */
#define SRV_RECHECK_MS       250u /* parked long polls retry this often (other processes) */
#define SRV_KEYS_MAX         64u  /* --auth FILE entries */

/* One access key of --auth FILE. */
struct srv_key {
    char id[129];
    char secret[129];
};

struct srv_tags; /* tags.c */
struct srv_park; /* park.c: parked long polls */

/* The server: options, the database, the HTTP daemon and the long-poll parking lot. */
struct srv {
    eddy_env *env;
    struct cli *cli; /* the command's context: clock and messages, for /metrics */
    char region[32];
    char account[16];
    char base_url[160]; /* "http://HOST:PORT", for queue URLs */
    uint32_t body_max;
    uint32_t conn_max;
    uint32_t threads;
    uint32_t idle_timeout_s;
    bool auth_on;      /* --auth FILE: verify SigV4 against keys */
    bool metrics_open; /* --metrics-open: GET /metrics needs no signature even with --auth */
    struct srv_key keys[SRV_KEYS_MAX];
    size_t key_count;
    struct srv_tags *tags;
    struct srv_park *park;
    _Atomic int stopping; /* set at SIGINT/SIGTERM: parked polls answer at once */
    void *daemon;         /* struct MHD_Daemon */
    uint16_t port;
};

/* A reply: status, content type, body (malloc'ed, owned) and one optional extra header. */
struct reply {
    unsigned status;
    const char *ctype;
    char *body;
    size_t len;
    char hdr_name[40];
    char hdr_value[160];
};

/* Protocols a request may speak. */
enum proto { PROTO_NONE, PROTO_SQS_QUERY, PROTO_SQS_JSON, PROTO_KINESIS };

/* One HTTP request, from its first byte to its reply; lives in MHD's connection slot. */
struct req {
    struct srv *srv;
    void *conn; /* struct MHD_Connection */
    char *body;
    size_t len, cap;
    bool too_big;
    /* Long poll: parked until `deadline_ms` (monotonic); `in` is the parsed input kept. */
    bool parked;
    uint64_t deadline_ms;
    json_t *in;
    enum proto proto;
    char action[64];
    char path[256];
    char method[8];
    struct req *park_next;
    char park_queue[EDDY_QUEUE_NAME_MAX + 1]; /* the queue a parked poll waits on */
    struct reply reply;
};

/* ---- http.c */
int srv_http_start(struct srv *s, const char *host, uint16_t port);
void srv_http_stop(struct srv *s);
/* Monotonic milliseconds. */
uint64_t srv_mono_ms(void);
/* The client of r closed or reset its connection (checked without reading: a parked request
 * has nothing more to read but a possible pipelined next request). */
bool srv_conn_gone(struct req *r);

/* ---- metrics.c: GET /metrics, the Prometheus text of `eddy stat --format prometheus`. */
void srv_metrics(struct req *r);

/* ---- park.c: long polls that wait without a thread. */
int srv_park_init(struct srv *s);
void srv_park_fini(struct srv *s);
/* Suspend r's connection until a write noted for `queue` wakes it, a recheck tick, or
 * r->deadline_ms; the handler then runs again with r->parked set. */
void srv_park(struct req *r, const char *queue);
/* Note that this server is about to write queue `queue` in a way that may let a parked receive
 * get a message (send, delete, visibility change). Call before the engine call: its readiness
 * signal must find the note. The engine's signal does not say which queue; see park.c. */
void srv_park_note(struct srv *s, const char *queue);
/* Wake every parked request (shutdown). */
void srv_park_wake_all(struct srv *s);
/* Stop the park thread and resume what is parked; later srv_park calls resume at once. Call
 * before MHD_stop_daemon, which frees the connections a resume would touch. */
void srv_park_stop(struct srv *s);

/* ---- form.c: application/x-www-form-urlencoded bodies. */
/* Decode the form into a JSON object of string values ("A.1.B" keys kept flat). NULL on a
 * malformed body (bad %-escape, too many fields). */
json_t *form_decode(const char *body, size_t len);
/* Turn SQS Query parameters (flat "Attribute.1.Name" keys) into the JSON protocol's input
 * shape for `action`. Consumes nothing; returns a new object. */
json_t *sqs_query_to_json(const char *action, json_t *flat);

/* ---- xml.c */
/* Append the XML text of `s` (escaped) to a growing buffer. */
struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};
/* Room for n more bytes (and a NUL); false (b->oom set) when out of memory. */
bool buf_reserve(struct buf *b, size_t n);
void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_xml(struct buf *b, const char *s, size_t n);
/* jsonw.c: a JSON string (escaped; invalid UTF-8 as U+FFFD) and base64 text, appended. */
void buf_json_str(struct buf *b, const void *data, size_t n);
void buf_b64(struct buf *b, const void *data, size_t n);
/* SQS Query response for `action` from the JSON output `out`. */
void sqs_xml_response(struct buf *b, const char *action, json_t *out, const char *request_id);

/* ---- sqs_wire.c: SQS request entry (both protocols), errors. */
void sqs_handle(struct req *r);

/* ---- kinesis_fast.c: the common PutRecords body, scanned without a JSON tree. */
#define KIN_FAST_MAX 500
struct kin_fast_rec {
    const char *data, *pk; /* slices of the body: base64 text, partition key */
    size_t data_len, pk_len;
};
struct kin_fast_put {
    char stream[EDDY_STREAM_NAME_MAX + 1];
    size_t n;
    struct kin_fast_rec rec[KIN_FAST_MAX];
};
/* True when body[0..len) is exactly {"StreamName":..,"Records":[{"Data":..,"PartitionKey":..}]}
 * with plain ASCII strings (any member order, whitespace); false means "use jansson". */
bool kin_put_parse_fast(const char *body, size_t len, struct kin_fast_put *out);

/* ---- kinesis.c */
void kinesis_handle(struct req *r);

/* ---- sigv4.c: the Authorization header. Returns 0, or fills r->reply with the error. */
int sigv4_check(struct req *r);
/* Parse only (fuzzed): 0 when `h` is a well-formed AWS4-HMAC-SHA256 header; fields out. */
struct sigv4_auth {
    char key_id[129];
    char date[9];
    char region[33];
    char service[33];
    char signed_headers[1024];
    char signature[65];
};
int sigv4_parse(const char *h, struct sigv4_auth *out, const char **why);

/* ---- codec.c (Nettle): lower-case hex of n bytes into out (2n + 1 bytes). */
void hex_encode(const uint8_t *d, size_t n, char *out);
/* The hex digest of data with Nettle's hash h (nettle_md5, nettle_sha256) into out. */
struct nettle_hash;
void digest_hex(const struct nettle_hash *h, const void *data, size_t len, char *out);
void md5_hex(const void *data, size_t len, char out[33]);
void md5_attrs_hex(const eddy_queue_attr *attrs, size_t n, char out[33]);

/* ---- tags.c: queue and stream tags, kept in memory by object id (docs/endpoint.md). */
int tags_init(struct srv *s);
void tags_fini(struct srv *s);
/* A copy of the tags of (kind, id) as a JSON object (never NULL). */
json_t *tags_get(struct srv *s, char kind, uint64_t id);
void tags_set(struct srv *s, char kind, uint64_t id, json_t *add);
void tags_remove(struct srv *s, char kind, uint64_t id, json_t *keys);

/* ---- reply helpers (http.c) */
void reply_set(struct reply *rp, unsigned status, const char *ctype, char *body, size_t len);
void reply_json(struct reply *rp, unsigned status, const char *ctype, json_t *j);
/* A fresh request id (UUID-like). */
void srv_request_id(char out[37]);
/* Base64 (RFC 4648) helpers. Decoding returns false on bad input. */
char *b64_encode(const void *data, size_t len, size_t *len_out);
bool b64_decode(const char *s, size_t n, unsigned char **out, size_t *len_out);

#endif
