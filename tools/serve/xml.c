/*
 * xml.c: SQS Query replies. A growing buffer with XML escaping, and the one generic writer that
 * turns an action's JSON output into SQS's XML: lists are flattened (each member repeated under
 * its own element name), maps become <Attribute><Name/><Value/></Attribute>-style pairs. Pure:
 * no I/O and no eddy_ calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

bool buf_reserve(struct buf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 1024;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        if ((p = realloc(b->p, cap)) == NULL) {
            b->oom = true;
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    return true;
}

void buf_put(struct buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* XML 1.0 cannot carry most control characters even escaped; SQS refuses them in bodies
 * (InvalidMessageContents), so they are written as character references only when legal. */
void buf_xml(struct buf *b, const char *s, size_t n)
{
    size_t i, run = 0;
    for (i = 0; i < n; i++) {
        const char *rep = NULL;
        char num[16];
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\r':
            rep = "&#xD;";
            break;
        default:
            if (ch < 0x20 && ch != '\t' && ch != '\n') {
                snprintf(num, sizeof num, "&#x%X;", ch);
                rep = num;
            }
        }
        if (rep == NULL)
            continue;
        buf_put(b, s + run, i - run);
        buf_puts(b, rep);
        run = i + 1;
    }
    buf_put(b, s + run, n - run);
}

/* The element name of each member of list `key` in `action`'s result. */
static const char *member_name(const char *action, const char *key)
{
    if (strcmp(key, "QueueUrls") == 0 || strcmp(key, "queueUrls") == 0)
        return "QueueUrl";
    if (strcmp(key, "Messages") == 0)
        return "Message";
    if (strcmp(key, "Failed") == 0)
        return "BatchResultErrorEntry";
    if (strcmp(key, "Results") == 0)
        return "ListMessageMoveTasksResultEntry";
    if (strcmp(key, "Successful") == 0) {
        if (strcmp(action, "SendMessageBatch") == 0)
            return "SendMessageBatchResultEntry";
        if (strcmp(action, "DeleteMessageBatch") == 0)
            return "DeleteMessageBatchResultEntry";
        return "ChangeMessageVisibilityBatchResultEntry";
    }
    return key;
}

static void write_value(struct buf *b, const char *action, json_t *v, int depth);

static void write_member(struct buf *b, const char *action, const char *key, json_t *v, int depth)
{
    size_t i;
    json_t *e;
    const char *kv_key = "Name", *el = NULL;

    /* Element names come from the replies' own member names; anything else (never produced by
     * an action) is dropped rather than written as markup. */
    if (key[0] == '\0' || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789_") != strlen(key))
        return;
    if (strcmp(key, "Attributes") == 0)
        el = "Attribute";
    else if (strcmp(key, "MessageAttributes") == 0)
        el = "MessageAttribute";
    else if (strcmp(key, "Tags") == 0)
        el = "Tag", kv_key = "Key";
    if (el != NULL && json_is_object(v)) {
        const char *k;
        json_object_foreach(v, k, e)
        {
            buf_printf(b, "<%s><%s>", el, kv_key);
            buf_xml(b, k, strlen(k));
            buf_printf(b, "</%s><Value>", kv_key);
            write_value(b, action, e, depth + 1);
            buf_printf(b, "</Value></%s>", el);
        }
        return;
    }
    if (json_is_array(v)) {
        const char *m = member_name(action, key);
        json_array_foreach(v, i, e)
        {
            buf_printf(b, "<%s>", m);
            write_value(b, action, e, depth + 1);
            buf_printf(b, "</%s>", m);
        }
        return;
    }
    buf_printf(b, "<%s>", key);
    write_value(b, action, v, depth + 1);
    buf_printf(b, "</%s>", key);
}

static void write_value(struct buf *b, const char *action, json_t *v, int depth)
{
    const char *k;
    json_t *e;

    if (depth > 16)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        json_object_foreach(v, k, e) write_member(b, action, k, e, depth);
        break;
    case JSON_STRING:
        buf_xml(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        buf_printf(b, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        buf_printf(b, "%.3f", json_real_value(v));
        break;
    case JSON_TRUE:
        buf_puts(b, "true");
        break;
    case JSON_FALSE:
        buf_puts(b, "false");
        break;
    default:
        break;
    }
}

void sqs_xml_response(struct buf *b, const char *action, json_t *out, const char *request_id)
{
    buf_printf(b,
               "<?xml version=\"1.0\"?><%sResponse "
               "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><%sResult>",
               action, action);
    write_value(b, action, out, 0);
    buf_printf(b,
               "</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></"
               "%sResponse>",
               action, request_id, action);
}
