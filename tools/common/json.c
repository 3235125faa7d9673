/*
 * json.c: output helpers of the `eddy` tool: JSON lines through jansson, bodies as UTF-8 text
 * or base64, and the text form of bodies in human-readable listings.
 *
 * Knows nothing of the database; every function works on bytes it is given.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

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

/* ---- comparing two JSON objects (import's header against the target's attributes) ---- */

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
