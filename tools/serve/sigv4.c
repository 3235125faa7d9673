/*
 * sigv4.c: the Authorization header. By default any credentials pass (as the emulators do), but
 * a header that is present must be a well-formed AWS4-HMAC-SHA256 header, or the request is
 * refused as AWS refuses it (IncompleteSignature). With --auth FILE the signature is verified:
 * canonical request, string to sign and HMAC-SHA256 key chain (Nettle), against the listed keys,
 * compared in constant time; the credential scope must name --region, the service of the request
 * (sqs, or kinesis for Kinesis_20131202.*) and X-Amz-Date's day. Not checked: the request time's
 * skew from the server clock (AWS allows 15 minutes), so a captured request can be replayed.
 */
#include <ctype.h>
#include <microhttpd.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* Copy the value of "Name=" (up to ',' or end, spaces trimmed) from h into out. */
static bool field(const char *h, const char *name, char *out, size_t cap)
{
    const char *p = h;
    size_t nl = strlen(name);
    while ((p = strstr(p, name)) != NULL) {
        if ((p == h || p[-1] == ' ' || p[-1] == ',') && p[nl] == '=') {
            const char *v = p + nl + 1, *e = strchr(v, ',');
            size_t n = e != NULL ? (size_t)(e - v) : strlen(v);
            while (n > 0 && v[n - 1] == ' ')
                n--;
            if (n == 0 || n >= cap)
                return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        p += nl;
    }
    return false;
}

int sigv4_parse(const char *h, struct sigv4_auth *a, const char **why)
{
    char cred[512], *parts[5], *save = NULL, *tok;
    int n = 0;

    memset(a, 0, sizeof *a);
    if (strncmp(h, "AWS4-HMAC-SHA256 ", 17) != 0) {
        *why = "Authorization header requires the AWS4-HMAC-SHA256 algorithm.";
        return -1;
    }
    h += 17;
    if (!field(h, "Credential", cred, sizeof cred)) {
        *why = "Authorization header requires 'Credential' parameter.";
        return -1;
    }
    if (!field(h, "SignedHeaders", a->signed_headers, sizeof a->signed_headers)) {
        *why = "Authorization header requires 'SignedHeaders' parameter.";
        return -1;
    }
    if (!field(h, "Signature", a->signature, sizeof a->signature) || strlen(a->signature) != 64 ||
        strspn(a->signature, "0123456789abcdef") != 64) {
        *why = "Authorization header requires a 'Signature' parameter of 64 hex digits.";
        return -1;
    }
    for (tok = strtok_r(cred, "/", &save); tok != NULL && n < 5; tok = strtok_r(NULL, "/", &save))
        parts[n++] = tok;
    if (n != 5 || tok != NULL || strcmp(parts[4], "aws4_request") != 0 || strlen(parts[1]) != 8 ||
        strspn(parts[1], "0123456789") != 8 || strlen(parts[0]) >= sizeof a->key_id ||
        strlen(parts[2]) >= sizeof a->region || strlen(parts[3]) >= sizeof a->service) {
        *why = "Credential should be scoped to a valid region, service and aws4_request "
               "(KEY/YYYYMMDD/REGION/SERVICE/aws4_request).";
        return -1;
    }
    snprintf(a->key_id, sizeof a->key_id, "%s", parts[0]);
    snprintf(a->date, sizeof a->date, "%s", parts[1]);
    snprintf(a->region, sizeof a->region, "%s", parts[2]);
    snprintf(a->service, sizeof a->service, "%s", parts[3]);
    return 0;
}

static void sha256_hex(const void *d, size_t n, char out[65])
{
    digest_hex(&nettle_sha256, d, n, out);
}

static void hmac(const uint8_t *key, size_t klen, const char *msg, size_t mlen, uint8_t out[32])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, klen, key);
    hmac_sha256_update(&ctx, mlen, (const uint8_t *)msg);
    hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

/* URI-encode per SigV4 (unreserved kept; '/' kept in paths). */
static void uri_enc(struct buf *b, const char *s, bool path)
{
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || (path && ch == '/'))
            buf_put(b, (const char *)&ch, 1);
        else
            buf_printf(b, "%%%02X", ch);
    }
}

struct qarg {
    char *k, *v;
};

static int qarg_cmp(const void *a, const void *b)
{
    const struct qarg *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c != 0 ? c : strcmp(x->v, y->v);
}

struct qargs {
    struct qarg a[256];
    size_t n;
};

static enum MHD_Result qarg_add(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct qargs *q = cls;
    (void)kind;
    if (q->n < 256 && k != NULL) {
        struct buf bk = {0}, bv = {0};
        uri_enc(&bk, k, false);
        uri_enc(&bv, v != NULL ? v : "", false);
        q->a[q->n].k = bk.p != NULL ? bk.p : strdup("");
        q->a[q->n].v = bv.p != NULL ? bv.p : strdup("");
        q->n++;
    }
    return MHD_YES;
}

/* The expected signature of r with `secret`, per the SigV4 specification. */
static void expected(struct req *r, const struct sigv4_auth *a, const char *secret, char out[65])
{
    struct MHD_Connection *c = r->conn;
    struct buf cr = {0}, sts = {0};
    struct qargs q = {.n = 0};
    const char *amz_date = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Date");
    char hs[65], names[1024], *save = NULL, *h,
                              kstr[4 + sizeof((struct srv_key *)0)->secret]; /* "AWS4" + secret */
    uint8_t k1[32], k2[32], k3[32], k4[32], sig[32];
    size_t i;

    buf_puts(&cr, r->method);
    buf_puts(&cr, "\n");
    uri_enc(&cr, r->path, true);
    buf_puts(&cr, "\n");
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, qarg_add, &q);
    qsort(q.a, q.n, sizeof q.a[0], qarg_cmp);
    for (i = 0; i < q.n; i++) {
        buf_printf(&cr, "%s%s=%s", i > 0 ? "&" : "", q.a[i].k, q.a[i].v);
        free(q.a[i].k);
        free(q.a[i].v);
    }
    buf_puts(&cr, "\n");
    snprintf(names, sizeof names, "%s", a->signed_headers);
    for (h = strtok_r(names, ";", &save); h != NULL; h = strtok_r(NULL, ";", &save)) {
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, h);
        const char *s = v != NULL ? v : "", *e = s + strlen(s);
        while (*s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        buf_printf(&cr, "%s:", h);
        buf_put(&cr, s, (size_t)(e - s));
        buf_puts(&cr, "\n");
    }
    buf_printf(&cr, "\n%s\n", a->signed_headers);
    sha256_hex(r->body != NULL ? r->body : "", r->len, hs);
    buf_puts(&cr, hs);
    sha256_hex(cr.p, cr.len, hs);
    buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
               amz_date != NULL ? amz_date : "", a->date, a->region, a->service, hs);
    snprintf(kstr, sizeof kstr, "AWS4%s", secret);
    hmac((const uint8_t *)kstr, strlen(kstr), a->date, strlen(a->date), k1);
    hmac(k1, 32, a->region, strlen(a->region), k2);
    hmac(k2, 32, a->service, strlen(a->service), k3);
    hmac(k3, 32, "aws4_request", 12, k4);
    hmac(k4, 32, sts.p != NULL ? sts.p : "", sts.len, sig);
    hex_encode(sig, 32, out);
    free(cr.p);
    free(sts.p);
}

/* Refuse r: Kinesis and SQS-JSON speak JSON errors, the Query protocol XML. */
static int refuse(struct req *r, unsigned status, const char *kin_type, const char *sqs_code,
                  const char *msg)
{
    const char *target = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Amz-Target");
    if (target != NULL) {
        bool kin = strncmp(target, "Kinesis", 7) == 0;
        json_t *j = json_pack("{s:s,s:s}", "__type", kin ? kin_type : sqs_code, "message", msg);
        reply_json(&r->reply, kin ? 400 : status,
                   kin ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0", j);
        json_decref(j);
        if (!kin) {
            snprintf(r->reply.hdr_name, sizeof r->reply.hdr_name, "x-amzn-query-error");
            snprintf(r->reply.hdr_value, sizeof r->reply.hdr_value, "%s;Sender", sqs_code);
        }
    } else {
        struct buf b = {0};
        char rid[37];
        srv_request_id(rid);
        buf_printf(&b,
                   "<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Sender</Type><Code>%s"
                   "</Code><Message>",
                   sqs_code);
        buf_xml(&b, msg, strlen(msg));
        buf_printf(&b, "</Message><Detail/></Error><RequestId>%s</RequestId></ErrorResponse>", rid);
        reply_set(&r->reply, status, "text/xml", b.p, b.len);
    }
    return -1;
}

/* The credential scope must name this server's region, the service of the request and the
 * date of X-Amz-Date (as AWS requires); NULL when it does, else the reason. */
static const char *scope_check(struct req *r, const struct sigv4_auth *a)
{
    static _Thread_local char why[200];
    const char *target = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Amz-Target");
    const char *amz_date = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Amz-Date");
    const char *service =
        target != NULL && strncmp(target, "Kinesis_20131202.", 17) == 0 ? "kinesis" : "sqs";

    if (strcmp(a->region, r->srv->region) != 0) {
        snprintf(why, sizeof why, "Credential should be scoped to a valid region, not '%.40s'.",
                 a->region);
        return why;
    }
    if (strcmp(a->service, service) != 0) {
        snprintf(why, sizeof why, "Credential should be scoped to correct service: '%s'.", service);
        return why;
    }
    if (amz_date == NULL || strncmp(amz_date, a->date, 8) != 0) {
        snprintf(why, sizeof why,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                 "date from HTTP: '%s' != '%.8s', from '%.40s'.",
                 a->date, amz_date != NULL ? amz_date : "", amz_date != NULL ? amz_date : "");
        return why;
    }
    return NULL;
}

int sigv4_check(struct req *r)
{
    struct srv *s = r->srv;
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    struct sigv4_auth a;
    const char *why = NULL;
    char want[65];
    size_t i;

    if (h == NULL)
        return s->auth_on
                   ? refuse(r, 403, "MissingAuthenticationTokenException",
                            "MissingAuthenticationToken", "Request is missing Authentication Token")
                   : 0;
    if (sigv4_parse(h, &a, &why) != 0)
        return refuse(r, 400, "IncompleteSignatureException", "IncompleteSignature", why);
    if (!s->auth_on)
        return 0;
    for (i = 0; i < s->key_count; i++)
        if (strcmp(s->keys[i].id, a.key_id) == 0)
            break;
    if (i == s->key_count)
        return refuse(r, 403, "UnrecognizedClientException", "InvalidClientTokenId",
                      "The security token included in the request is invalid.");
    if ((why = scope_check(r, &a)) != NULL)
        return refuse(r, 403, "InvalidSignatureException", "SignatureDoesNotMatch", why);
    expected(r, &a, s->keys[i].secret, want);
    /* Constant time: a byte-by-byte early exit would time how much of a guess is right.
     * sigv4_parse checked that the signature is 64 hex digits. */
    if (!memeql_sec(want, a.signature, 64))
        return refuse(r, 403, "InvalidSignatureException", "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method.");
    return 0;
}
