/*
 * kinesis_fast.c: a scanner for the common shape of a PutRecords body,
 *   {"StreamName":"s","Records":[{"Data":"<base64>","PartitionKey":"k"},...]}
 * (members in any order, whitespace anywhere), that hands back slices of the body without
 * building a JSON tree: jansson's parse and its allocations were half the server's time on
 * PutRecords (decision 0014). It accepts only what it fully understands (no escapes, ASCII
 * strings, no other members); anything else returns false and the request takes the ordinary
 * jansson path, which also produces every error. fuzz_serve_parse checks it against jansson.
 */
#include <string.h>

#include "serve.h"

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A string without escapes or non-ASCII bytes at p; sets its slice, returns the byte after. */
static const char *str(const char *p, const char *end, const char **s, size_t *n)
{
    const char *q;
    if (p >= end || *p != '"')
        return NULL;
    for (q = ++p; q < end && *q != '"'; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '\\' || ch < 0x20 || ch >= 0x80)
            return NULL;
    }
    if (q >= end)
        return NULL;
    *s = p;
    *n = (size_t)(q - p);
    return q + 1;
}

/* `"key"` then ':'; returns the byte after the colon (whitespace skipped). */
static const char *key(const char *p, const char *end, const char **k, size_t *kn)
{
    p = str(ws(p, end), end, k, kn);
    if (p == NULL)
        return NULL;
    p = ws(p, end);
    return p < end && *p == ':' ? ws(p + 1, end) : NULL;
}

static bool is(const char *k, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(k, lit, n) == 0;
}

/* One record object at p. */
static const char *record(const char *p, const char *end, struct kin_fast_rec *r)
{
    bool has_d = false, has_pk = false;
    if (p >= end || *p != '{')
        return NULL;
    p++;
    for (;;) {
        const char *k, *v;
        size_t kn, vn;
        if ((p = key(p, end, &k, &kn)) == NULL || (p = str(p, end, &v, &vn)) == NULL)
            return NULL;
        if (is(k, kn, "Data") && !has_d) {
            r->data = v, r->data_len = vn, has_d = true;
        } else if (is(k, kn, "PartitionKey") && !has_pk) {
            r->pk = v, r->pk_len = vn, has_pk = true;
        } else {
            return NULL;
        }
        p = ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}')
            return has_d && has_pk ? p + 1 : NULL;
        return NULL;
    }
}

static const char *records(const char *p, const char *end, struct kin_fast_put *out)
{
    if (p >= end || *p != '[')
        return NULL;
    p = ws(p + 1, end);
    for (;;) {
        if (out->n == KIN_FAST_MAX)
            return NULL;
        if ((p = record(p, end, &out->rec[out->n])) == NULL)
            return NULL;
        out->n++;
        p = ws(p, end);
        if (p < end && *p == ',') {
            p = ws(p + 1, end);
            continue;
        }
        return p < end && *p == ']' ? p + 1 : NULL;
    }
}

bool kin_put_parse_fast(const char *body, size_t len, struct kin_fast_put *out)
{
    const char *p = body, *end = body + len;
    bool has_name = false, has_recs = false;

    out->n = 0;
    if (body == NULL || (p = ws(p, end)) >= end || *p != '{')
        return false;
    p++;
    for (;;) {
        const char *k, *v;
        size_t kn, vn;
        if ((p = key(p, end, &k, &kn)) == NULL)
            return false;
        if (is(k, kn, "StreamName") && !has_name) {
            if ((p = str(p, end, &v, &vn)) == NULL || vn == 0 || vn > EDDY_STREAM_NAME_MAX)
                return false;
            memcpy(out->stream, v, vn);
            out->stream[vn] = '\0';
            has_name = true;
        } else if (is(k, kn, "Records") && !has_recs) {
            if ((p = records(p, end, out)) == NULL)
                return false;
            has_recs = true;
        } else {
            return false;
        }
        p = ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p >= end || *p != '}')
            return false;
        return has_name && has_recs && ws(p + 1, end) == end;
    }
}
