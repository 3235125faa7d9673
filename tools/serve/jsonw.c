/*
 * jsonw.c: JSON written straight into a buffer, for the replies that carry thousands of items
 * (GetRecords, PutRecords): building a jansson tree of 10000 records and dumping it costs more
 * than reading them from the database. Strings are escaped per RFC 8259; bytes that are not
 * UTF-8 become U+FFFD (records put through the C API may have binary partition keys). Pure.
 */
#include <nettle/base64.h>
#include <string.h>

#include "serve.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void buf_json_str(struct buf *b, const void *data, size_t n)
{
    const unsigned char *s = data;
    size_t i = 0, run = 0;
    buf_put(b, "\"", 1);
    while (i < n) {
        unsigned char ch = s[i];
        size_t len = utf8_len(s + i, n - i);
        const char *rep = NULL;
        char esc[8];
        if (len == 0) {
            rep = "\\ufffd";
            len = 1;
        } else if (ch == '"') {
            rep = "\\\"";
        } else if (ch == '\\') {
            rep = "\\\\";
        } else if (ch < 0x20) {
            static const char hexd[] = "0123456789abcdef";
            memcpy(esc, "\\u00", 4);
            esc[4] = hexd[ch >> 4];
            esc[5] = hexd[ch & 15];
            esc[6] = '\0';
            rep = esc;
        }
        if (rep != NULL) {
            buf_put(b, (const char *)s + run, i - run);
            buf_puts(b, rep);
            run = i + len;
        }
        i += len;
    }
    buf_put(b, (const char *)s + run, n - run);
    buf_put(b, "\"", 1);
}

void buf_b64(struct buf *b, const void *data, size_t n)
{
    size_t out = BASE64_ENCODE_RAW_LENGTH(n);
    if (!buf_reserve(b, out))
        return;
    base64_encode_raw(b->p + b->len, n, data);
    b->len += out;
    b->p[b->len] = '\0';
}
