/*
 * form.c: the SQS Query protocol's input. form_decode reads an
 * application/x-www-form-urlencoded body into flat string fields; sqs_query_to_json rebuilds
 * the nested input the JSON protocol carries (flattened lists "X.1", "X.1.Name"/"X.1.Value"
 * maps, batch entries), so one action function serves both protocols. Pure: no I/O, no eddy_
 * calls; fuzzed by tests/fuzz/fuzz_serve_parse.c.
 */
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define FORM_FIELDS_MAX 4096

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decode s[0..n) in place into dst (at most n bytes); false on a bad escape or a NUL byte. */
static bool pct_decode(const char *s, size_t n, char *dst, size_t *len_out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return false;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        if (ch == '\0')
            return false;
        dst[o++] = ch;
    }
    dst[o] = '\0';
    *len_out = o;
    return true;
}

json_t *form_decode(const char *body, size_t len)
{
    json_t *out = json_object();
    char *k = NULL, *v = NULL;
    size_t pos = 0, fields = 0;

    if (out == NULL)
        return NULL;
    if (body == NULL)
        return out;
    k = malloc(len + 1);
    v = malloc(len + 1);
    if (k == NULL || v == NULL)
        goto fail;
    while (pos < len) {
        const char *f = body + pos, *amp = memchr(f, '&', len - pos), *eq;
        size_t flen = amp != NULL ? (size_t)(amp - f) : len - pos, klen, vlen;
        pos += flen + 1;
        if (flen == 0)
            continue;
        if (++fields > FORM_FIELDS_MAX)
            goto fail;
        eq = memchr(f, '=', flen);
        if (!pct_decode(f, eq != NULL ? (size_t)(eq - f) : flen, k, &klen) || klen == 0)
            goto fail;
        vlen = 0;
        v[0] = '\0';
        if (eq != NULL && !pct_decode(eq + 1, flen - (size_t)(eq - f) - 1, v, &vlen))
            goto fail;
        if (json_object_set_new(out, k, json_stringn(v, vlen)) != 0)
            goto fail; /* invalid UTF-8 */
    }
    free(k);
    free(v);
    return out;
fail:
    free(k);
    free(v);
    json_decref(out);
    return NULL;
}

/* Insert value at the dotted path into tree (objects keyed by every segment). SQS's deepest
 * parameter has 5 segments (SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue
 * has 6); deeper paths are dropped, so the recursion in listify stays shallow. */
#define FORM_DEPTH_MAX 8
static void tree_put(json_t *tree, const char *path, json_t *value)
{
    char seg[256];
    json_t *node = tree;
    const char *p = path;
    int depth = 0;

    for (;;) {
        if (++depth > FORM_DEPTH_MAX)
            return;
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        json_t *child;
        if (n == 0 || n >= sizeof seg)
            return;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (dot == NULL) {
            if (json_is_object(node))
                json_object_set(node, seg, value);
            return;
        }
        child = json_object_get(node, seg);
        if (child == NULL) {
            child = json_object();
            json_object_set_new(node, seg, child);
        }
        if (!json_is_object(child))
            return;
        node = child;
        p = dot + 1;
    }
}

static bool all_digits(const char *s)
{
    return s[0] != '\0' && s[0] != '0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 6;
}

struct idx_val {
    long idx;
    json_t *v;
};

static int idx_cmp(const void *a, const void *b)
{
    long x = ((const struct idx_val *)a)->idx, y = ((const struct idx_val *)b)->idx;
    return x < y ? -1 : x > y;
}

/* Objects whose keys are all list indexes become arrays ordered by index (gaps closed). */
static json_t *listify(json_t *node)
{
    const char *key;
    json_t *v;
    bool digits = true;
    size_t n = 0;

    if (!json_is_object(node))
        return json_incref(node);
    json_object_foreach(node, key, v)
    {
        n++;
        if (!all_digits(key))
            digits = false;
    }
    if (digits && n > 0) {
        /* Sort the members by index: the cost follows the fields sent, not the indexes named
         * (a sparse "X.99999" must not cost 99999 steps). */
        struct idx_val *iv = malloc(n * sizeof *iv);
        json_t *arr = json_array();
        size_t i = 0;
        if (iv == NULL || arr == NULL) {
            free(iv);
            json_decref(arr);
            return NULL;
        }
        json_object_foreach(node, key, v)
        {
            iv[i].idx = atol(key);
            iv[i++].v = v;
        }
        qsort(iv, n, sizeof *iv, idx_cmp);
        for (i = 0; i < n; i++)
            json_array_append_new(arr, listify(iv[i].v));
        free(iv);
        return arr;
    }
    {
        json_t *obj = json_object();
        json_object_foreach(node, key, v) json_object_set_new(obj, key, listify(v));
        return obj;
    }
}

/* A flattened map: [{K: k, V: v}, ...] -> {k: v}. */
static json_t *to_map(json_t *list, const char *kname, const char *vname)
{
    json_t *map = json_object(), *e;
    size_t i;
    json_array_foreach(list, i, e)
    {
        const char *k = json_string_value(json_object_get(e, kname));
        json_t *v = json_object_get(e, vname);
        if (k != NULL && v != NULL)
            json_object_set(map, k, v);
    }
    return map;
}

static const struct {
    const char *query;
    const char *json;
    const char *key; /* a map: its key and value member names */
    const char *value;
} renames[] = {
    {"Attribute", "Attributes", "Name", "Value"},
    {"MessageAttribute", "MessageAttributes", "Name", "Value"},
    {"MessageSystemAttribute", "MessageSystemAttributes", "Name", "Value"},
    {"Tag", "Tags", "Key", "Value"},
    {"AttributeName", "AttributeNames", NULL, NULL},
    {"MessageAttributeName", "MessageAttributeNames", NULL, NULL},
    {"MessageSystemAttributeName", "MessageSystemAttributeNames", NULL, NULL},
    {"TagKey", "TagKeys", NULL, NULL},
    {"AWSAccountId", "AWSAccountIds", NULL, NULL},
    {"ActionName", "Actions", NULL, NULL},
    {"SendMessageBatchRequestEntry", "Entries", NULL, NULL},
    {"DeleteMessageBatchRequestEntry", "Entries", NULL, NULL},
    {"ChangeMessageVisibilityBatchRequestEntry", "Entries", NULL, NULL},
};

/* Rename the Query members of obj to their JSON names, one level, then into batch entries. */
static void rename_members(json_t *obj, int depth)
{
    size_t i;
    for (i = 0; i < sizeof renames / sizeof renames[0]; i++) {
        json_t *v = json_object_get(obj, renames[i].query), *nv;
        if (v == NULL)
            continue;
        json_incref(v);
        json_object_del(obj, renames[i].query);
        if (renames[i].key != NULL && json_is_array(v))
            nv = to_map(v, renames[i].key, renames[i].value);
        else if (json_is_array(v))
            nv = json_incref(v);
        else
            nv = json_array(); /* "X=..." without an index: an empty, invalid list */
        if (strcmp(renames[i].json, "Entries") == 0 && depth == 0) {
            size_t j;
            json_t *e;
            json_array_foreach(nv, j, e) if (json_is_object(e)) rename_members(e, 1);
        }
        json_object_set_new(obj, renames[i].json, nv);
        json_decref(v);
    }
}

json_t *sqs_query_to_json(const char *action, json_t *flat)
{
    json_t *tree = json_object(), *out;
    const char *key;
    json_t *v;

    (void)action;
    if (tree == NULL)
        return NULL;
    json_object_foreach(flat, key, v) tree_put(tree, key, v);
    out = listify(tree);
    json_decref(tree);
    if (out != NULL)
        rename_members(out, 0);
    return out;
}
