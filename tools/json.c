/*
 * json.c: output helpers of the `eddy` tool: JSON lines through jansson, bodies as UTF-8 text
 * or base64, and the text form of bodies in human-readable listings.
 *
 * Knows nothing of the database; every function works on bytes it is given.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_is_utf8(const void *data, size_t len)
{
    const unsigned char *s = data;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        uint32_t cp;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len)
            return false;
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cli_base64_encode(const void *src, size_t len)
{
    const unsigned char *s = src;
    size_t i, o = 0;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (out == NULL)
        return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static int b64_value(char c)
{
    const char *p = c != '\0' ? strchr(b64, c) : NULL;
    return p != NULL ? (int)(p - b64) : -1;
}

bool cli_base64_decode(const char *src, unsigned char **out, size_t *out_len)
{
    size_t len = strlen(src), i, o = 0;
    unsigned char *dst;
    if (len % 4 != 0)
        return false;
    dst = malloc(len / 4 * 3 + 1);
    if (dst == NULL)
        return false;
    for (i = 0; i < len; i += 4) {
        int v[4], k;
        for (k = 0; k < 4; k++) {
            bool pad_ok = i + 4 == len && k >= 2 && src[i + k] == '=';
            if (pad_ok && (k == 3 || src[i + 3] == '=')) {
                v[k] = -2;
                continue;
            }
            v[k] = b64_value(src[i + k]);
            if (v[k] < 0)
                goto fail_free;
        }
        dst[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (v[2] >= 0)
            dst[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (v[3] >= 0)
            dst[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    *out = dst;
    *out_len = o;
    return true;
fail_free:
    free(dst);
    return false;
}

int cli_json_set_body(json_t *obj, const char *key, const char *enc_key, const void *data,
                      size_t len)
{
    if (cli_is_utf8(data, len)) {
        json_object_set_new(obj, key, json_stringn(data, len));
        json_object_set_new(obj, enc_key, json_string("utf8"));
        return 0;
    }
    char *b = cli_base64_encode(data, len);
    if (b == NULL)
        return -1;
    json_object_set_new(obj, key, json_string(b));
    json_object_set_new(obj, enc_key, json_string("base64"));
    free(b);
    return 0;
}

bool cli_json_get_body(json_t *obj, const char *key, const char *enc_key, unsigned char **out,
                       size_t *out_len)
{
    json_t *body = json_object_get(obj, key);
    const char *enc = json_string_value(json_object_get(obj, enc_key));
    if (!json_is_string(body))
        return false;
    if (enc == NULL || strcmp(enc, "utf8") == 0) {
        size_t n = json_string_length(body);
        *out = malloc(n + 1);
        if (*out == NULL)
            return false;
        memcpy(*out, json_string_value(body), n);
        *out_len = n;
        return true;
    }
    if (strcmp(enc, "base64") != 0)
        return false;
    return cli_base64_decode(json_string_value(body), out, out_len);
}

int cli_json_print_line(FILE *f, json_t *obj)
{
    int rc = json_dumpf(obj, f, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 && fputc('\n', f) != EOF
                 ? 0
                 : -1;
    json_decref(obj);
    return rc;
}

void cli_print_body_text(FILE *f, const void *data, size_t len)
{
    const unsigned char *s = data;
    size_t i;
    if (!cli_is_utf8(data, len)) {
        char *b = cli_base64_encode(data, len);
        fprintf(f, "base64:%s", b != NULL ? b : "?");
        free(b);
        return;
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '\n')
            fputs("\\n", f);
        else if (s[i] == '\t')
            fputs("\\t", f);
        else if (s[i] == '\r')
            fputs("\\r", f);
        else if (s[i] == '\\')
            fputs("\\\\", f);
        else if (s[i] < 0x20 || s[i] == 0x7F)
            fprintf(f, "\\x%02x", s[i]);
        else
            fputc(s[i], f);
    }
}

/* ---- export header: a queue's or stream's attributes as JSON and back ---- */

void cli_queue_options_of(const eddy_queue_info *a, const char *srcs[EDDY_QUEUE_ALLOW_MAX],
                          eddy_queue_options *o)
{
    size_t i;
    *o = (eddy_queue_options)EDDY_QUEUE_OPTIONS_INIT;
    o->visibility_timeout_ms = a->visibility_timeout_ms;
    o->delay_ms = a->delay_ms;
    o->retention_ms = a->retention_ms;
    o->body_len_max = a->body_len_max;
    o->receive_wait_ms = a->receive_wait_ms;
    o->dlq_name = a->dlq_name;
    o->max_receive_count = a->max_receive_count;
    o->redrive_allow = a->redrive_allow;
    for (i = 0; i < a->allow_source_count && i < EDDY_QUEUE_ALLOW_MAX; i++)
        srcs[i] = a->allow_sources[i];
    o->allow_sources = srcs;
    o->allow_source_count = i;
    o->in_flight_max = a->in_flight_max;
    o->batch_max = a->batch_max;
    o->fifo = a->fifo;
    o->content_based_dedup = a->content_based_dedup;
    o->dedup_scope = a->dedup_scope;
    o->throughput_limit = a->throughput_limit;
}

eddy_stream_options cli_stream_options_of(const eddy_stream_info *i)
{
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    o.shard_count = i->shard_count;
    o.retention_ms = i->retention_ms;
    o.hash = i->hash;
    o.record_len_max = i->record_len_max;
    o.batch_max = i->batch_max;
    o.iterator_ttl_ms = i->iterator_ttl_ms;
    return o;
}

json_t *cli_queue_options_json(const eddy_queue_info *o)
{
    json_t *j = json_object(), *allow = json_array();
    size_t i;
    json_object_set_new(j, "visibility_timeout_ms", json_integer(o->visibility_timeout_ms));
    json_object_set_new(j, "delay_ms", json_integer(o->delay_ms));
    json_object_set_new(j, "retention_ms", json_integer((json_int_t)o->retention_ms));
    json_object_set_new(j, "body_len_max", json_integer(o->body_len_max));
    json_object_set_new(j, "receive_wait_ms", json_integer(o->receive_wait_ms));
    json_object_set_new(j, "dlq", json_string(o->dlq_name));
    json_object_set_new(j, "max_receive_count", json_integer(o->max_receive_count));
    json_object_set_new(j, "redrive_allow",
                        json_string(o->redrive_allow == EDDY_QUEUE_ALLOW_ALL        ? "all"
                                    : o->redrive_allow == EDDY_QUEUE_ALLOW_DENY_ALL ? "none"
                                                                                    : "by_queue"));
    for (i = 0; i < o->allow_source_count && i < EDDY_QUEUE_ALLOW_MAX; i++)
        json_array_append_new(allow, json_string(o->allow_sources[i]));
    json_object_set_new(j, "allow_sources", allow);
    json_object_set_new(j, "in_flight_max", json_integer(o->in_flight_max));
    json_object_set_new(j, "batch_max", json_integer(o->batch_max));
    if (o->fifo) { /* SQS's names and values; absent for a standard queue */
        json_object_set_new(j, "fifo", json_true());
        json_object_set_new(j, "content_based_dedup", json_boolean(o->content_based_dedup));
        json_object_set_new(j, "dedup_scope",
                            json_string(o->dedup_scope == EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP
                                            ? "messageGroup"
                                            : "queue"));
        json_object_set_new(
            j, "throughput_limit",
            json_string(o->throughput_limit == EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID
                            ? "perMessageGroupId"
                            : "perQueue"));
    }
    return j;
}

json_t *cli_stream_options_json(const eddy_stream_options *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "shard_count", json_integer(o->shard_count));
    json_object_set_new(j, "retention_ms", json_integer((json_int_t)o->retention_ms));
    json_object_set_new(j, "hash", json_string(o->hash == EDDY_STREAM_HASH_MD5 ? "md5" : "xxh3"));
    json_object_set_new(j, "record_len_max", json_integer(o->record_len_max));
    json_object_set_new(j, "batch_max", json_integer(o->batch_max));
    json_object_set_new(j, "iterator_ttl_ms", json_integer(o->iterator_ttl_ms));
    return j;
}

/* An integer attribute in 0..max; false (with *why) when absent, negative or too big. */
static bool attr_u64(json_t *j, const char *key, uint64_t max, uint64_t *out, const char **why)
{
    json_t *v = json_object_get(j, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
        *why = key;
        return false;
    }
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool attr_u32(json_t *j, const char *key, uint32_t *out, const char **why)
{
    uint64_t v = 0;
    bool ok = attr_u64(j, key, UINT32_MAX, &v, why);
    *out = (uint32_t)v;
    return ok;
}

/* Copy a string attribute of at most cap - 1 bytes (no NUL inside) into dst. */
static bool attr_str(json_t *v, char *dst, size_t cap)
{
    size_t n = json_string_length(v);
    if (!json_is_string(v) || n >= cap || strlen(json_string_value(v)) != n)
        return false;
    memcpy(dst, json_string_value(v), n + 1);
    return true;
}

/* Every key of j must be one of the NULL-ended names (a newer writer's key is refused). */
static bool only_keys(json_t *j, const char *const *names, const char **why)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], key) != 0)
            i++;
        if (names[i] == NULL) {
            *why = key;
            return false;
        }
    }
    return true;
}

static bool queue_redrive_from_json(json_t *j, eddy_queue_info *o, const char **why)
{
    const char *allow = json_string_value(json_object_get(j, "redrive_allow"));
    json_t *sources = json_object_get(j, "allow_sources"), *v;
    size_t i;
    if (!attr_str(json_object_get(j, "dlq"), o->dlq_name, sizeof o->dlq_name)) {
        *why = "dlq";
        return false;
    }
    if (allow != NULL && strcmp(allow, "all") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_ALL;
    } else if (allow != NULL && strcmp(allow, "none") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_DENY_ALL;
    } else if (allow != NULL && strcmp(allow, "by_queue") == 0) {
        o->redrive_allow = EDDY_QUEUE_ALLOW_BY_QUEUE;
    } else {
        *why = "redrive_allow";
        return false;
    }
    *why = "allow_sources";
    if (!json_is_array(sources) || json_array_size(sources) > EDDY_QUEUE_ALLOW_MAX)
        return false;
    json_array_foreach(sources, i, v)
    {
        if (!attr_str(v, o->allow_sources[i], sizeof o->allow_sources[i]) ||
            o->allow_sources[i][0] == '\0')
            return false;
        o->allow_source_count = i + 1;
    }
    return true;
}

/* The FIFO attributes of an export header (all absent for a standard queue). */
static bool cli_queue_fifo_from_json(json_t *j, eddy_queue_info *o, const char **why)
{
    json_t *f = json_object_get(j, "fifo"), *c = json_object_get(j, "content_based_dedup");
    const char *scope = json_string_value(json_object_get(j, "dedup_scope"));
    const char *limit = json_string_value(json_object_get(j, "throughput_limit"));
    if (f == NULL && c == NULL && scope == NULL && limit == NULL)
        return true;
    *why = "fifo";
    if (!json_is_boolean(f) || (c != NULL && !json_is_boolean(c)))
        return false;
    o->fifo = json_is_true(f);
    o->content_based_dedup = json_is_true(c);
    *why = "dedup_scope";
    if (scope != NULL && strcmp(scope, "messageGroup") == 0)
        o->dedup_scope = EDDY_QUEUE_DEDUP_SCOPE_MESSAGE_GROUP;
    else if (scope != NULL && strcmp(scope, "queue") != 0)
        return false;
    *why = "throughput_limit";
    if (limit != NULL && strcmp(limit, "perMessageGroupId") == 0)
        o->throughput_limit = EDDY_QUEUE_THROUGHPUT_PER_MESSAGE_GROUP_ID;
    else if (limit != NULL && strcmp(limit, "perQueue") != 0)
        return false;
    return true;
}

bool cli_queue_options_from_json(json_t *j, eddy_queue_info *o, const char **why)
{
    static const char *const keys[] = {
        "visibility_timeout_ms", "delay_ms",      "retention_ms",      "body_len_max",
        "receive_wait_ms",       "dlq",           "max_receive_count", "redrive_allow",
        "allow_sources",         "in_flight_max", "batch_max",         "fifo",
        "content_based_dedup",   "dedup_scope",   "throughput_limit",  NULL};
    *o = (eddy_queue_info)EDDY_QUEUE_INFO_INIT;
    if (!json_is_object(j)) {
        *why = "attributes";
        return false;
    }
    if (!cli_queue_fifo_from_json(j, o, why))
        return false;
    return only_keys(j, keys, why) &&
           attr_u32(j, "visibility_timeout_ms", &o->visibility_timeout_ms, why) &&
           attr_u32(j, "delay_ms", &o->delay_ms, why) &&
           attr_u64(j, "retention_ms", UINT64_MAX, &o->retention_ms, why) &&
           attr_u32(j, "body_len_max", &o->body_len_max, why) &&
           attr_u32(j, "receive_wait_ms", &o->receive_wait_ms, why) &&
           attr_u32(j, "max_receive_count", &o->max_receive_count, why) &&
           attr_u32(j, "in_flight_max", &o->in_flight_max, why) &&
           attr_u32(j, "batch_max", &o->batch_max, why) && queue_redrive_from_json(j, o, why);
}

bool cli_stream_options_from_json(json_t *j, eddy_stream_options *o, const char **why)
{
    static const char *const keys[] = {"shard_count", "retention_ms",    "hash", "record_len_max",
                                       "batch_max",   "iterator_ttl_ms", NULL};
    const char *hash = json_string_value(json_object_get(j, "hash"));
    *o = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
    if (!json_is_object(j)) {
        *why = "attributes";
        return false;
    }
    if (!only_keys(j, keys, why) || !attr_u32(j, "shard_count", &o->shard_count, why) ||
        !attr_u64(j, "retention_ms", UINT64_MAX, &o->retention_ms, why) ||
        !attr_u32(j, "record_len_max", &o->record_len_max, why) ||
        !attr_u32(j, "batch_max", &o->batch_max, why) ||
        !attr_u32(j, "iterator_ttl_ms", &o->iterator_ttl_ms, why))
        return false;
    if (hash != NULL && strcmp(hash, "md5") == 0) {
        o->hash = EDDY_STREAM_HASH_MD5;
    } else if (hash == NULL || strcmp(hash, "xxh3") != 0) {
        *why = "hash";
        return false;
    }
    return true;
}

char *cli_json_diff(json_t *have, json_t *want, const char *label)
{
    const char *key;
    json_t *w;
    size_t used = 0, cap = 2048;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    json_object_foreach(want, key, w)
    {
        json_t *h = json_object_get(have, key);
        char *hs, *ws;
        int k;
        if (json_equal(h, w))
            continue;
        hs = h != NULL ? json_dumps(h, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        ws = json_dumps(w, JSON_ENCODE_ANY | JSON_COMPACT);
        k = snprintf(out + used, cap - used, "%s%s %s (%s: %s)", used > 0 ? ", " : "", key,
                     hs != NULL ? hs : "?", label, ws != NULL ? ws : "?");
        used = k > 0 && (size_t)k < cap - used ? used + (size_t)k : cap - 1;
        free(hs);
        free(ws);
    }
    if (used == 0) {
        free(out);
        return NULL;
    }
    return out;
}
