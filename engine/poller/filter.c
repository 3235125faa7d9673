/*
 * filter.c: filter patterns of pollers (Lambda FilterCriteria, EventBridge syntax), parsed and
 * matched with jansson, never by hand. A pattern is a JSON object; its keys name fields of the
 * item's event (a queue message or stream record laid out as Lambda shows it), nested objects
 * descend, and an array lists rules of which one must match: a literal (string, number, null,
 * boolean: equal), or {"prefix"}, {"suffix"}, {"equals-ignore-case"}, {"anything-but"},
 * {"numeric": [op, n, ...]}, {"exists": bool}. Every named field must match (AND); an item
 * passes when any pattern matches (OR). Patterns are immutable once compiled, so any thread may
 * match against them. Knows nothing of LMDB or the poller's state.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "error.h"
#include "poller_int.h"

struct eddy__filter {
    size_t n;
    json_t *pats[EDDY_POLLER_FILTERS_MAX];
};

/* ---- checking patterns ---- */

static int bad(size_t i, const char *why, const char *key)
{
    return eddy__err(EDDY_EINVAL, "filter pattern %zu: %s%s%s", i, why, key ? " at " : "",
                     key ? key : "");
}

static bool is_literal(json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_null(v) || json_is_boolean(v);
}

static int check_rule(size_t i, const char *key, json_t *r)
{
    const char *op;
    json_t *v;

    if (is_literal(r))
        return 0;
    if (!json_is_object(r) || json_object_size(r) != 1)
        return bad(i, "a rule must be a literal or an object with one operator", key);
    json_object_foreach(r, op, v)
    {
        if (!strcmp(op, "prefix") || !strcmp(op, "suffix") || !strcmp(op, "equals-ignore-case")) {
            if (!json_is_string(v))
                return bad(i, "prefix/suffix/equals-ignore-case take a string", key);
        } else if (!strcmp(op, "exists")) {
            if (!json_is_boolean(v))
                return bad(i, "exists takes true or false", key);
        } else if (!strcmp(op, "anything-but")) {
            size_t j;
            json_t *e;
            if (json_is_object(v)) {
                json_t *pre = json_object_get(v, "prefix");
                if (json_object_size(v) != 1 || !json_is_string(pre))
                    return bad(i, "anything-but takes literals or {\"prefix\": string}", key);
            } else if (json_is_array(v)) {
                json_array_foreach(v, j, e) if (!is_literal(e)) return bad(
                    i, "anything-but takes literals", key);
            } else if (!is_literal(v)) {
                return bad(i, "anything-but takes literals", key);
            }
        } else if (!strcmp(op, "numeric")) {
            size_t n = json_array_size(v);
            if (!json_is_array(v) || n == 0 || n % 2 != 0 || n > 4)
                return bad(i, "numeric takes [op, number] or [op, number, op, number]", key);
            for (size_t j = 0; j < n; j += 2) {
                const char *o = json_string_value(json_array_get(v, j));
                if (o == NULL || !json_is_number(json_array_get(v, j + 1)) ||
                    (strcmp(o, "=") && strcmp(o, "<") && strcmp(o, "<=") && strcmp(o, ">") &&
                     strcmp(o, ">=")))
                    return bad(i, "numeric operators are =, <, <=, >, >= followed by a number",
                               key);
            }
        } else {
            return bad(i, "unknown operator", op);
        }
    }
    return 0;
}

static int check_obj(size_t i, json_t *o, int depth)
{
    const char *key;
    json_t *v;
    int rc;

    if (depth > 32)
        return bad(i, "nested too deeply", NULL);
    if (json_object_size(o) == 0)
        return bad(i, "an empty object matches nothing", NULL);
    json_object_foreach(o, key, v)
    {
        if (json_is_object(v)) {
            if ((rc = check_obj(i, v, depth + 1)) != 0)
                return rc;
        } else if (json_is_array(v)) {
            size_t j;
            json_t *r;
            if (json_array_size(v) == 0)
                return bad(i, "an empty rule list matches nothing", key);
            json_array_foreach(v, j, r) if ((rc = check_rule(i, key, r)) != 0) return rc;
        } else {
            return bad(i, "a field's value must be an object or an array of rules", key);
        }
    }
    return 0;
}

int eddy__filter_compile(eddy_env *env, const char *const *patterns, size_t n, eddy__filter **out)
{
    eddy__filter *f;
    json_error_t je;
    int rc = 0;

    *out = NULL;
    if (n > EDDY_POLLER_FILTERS_MAX)
        return eddy__err(EDDY_EINVAL, "%zu filter patterns (at most %d)", n,
                         EDDY_POLLER_FILTERS_MAX);
    if ((f = eddy__calloc(env, 1, sizeof *f)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for filters");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (patterns[i] == NULL || strlen(patterns[i]) > EDDY_POLLER_FILTER_LEN_MAX) {
            rc = bad(i, "NULL or longer than 4096 bytes", NULL);
            break;
        }
        f->pats[i] = json_loads(patterns[i], 0, &je);
        f->n = i + 1;
        if (f->pats[i] == NULL)
            rc = eddy__err(EDDY_EINVAL, "filter pattern %zu is not JSON: %s (column %d)", i,
                           je.text, je.column);
        else if (!json_is_object(f->pats[i]))
            rc = bad(i, "a pattern must be a JSON object", NULL);
        else
            rc = check_obj(i, f->pats[i], 0);
    }
    if (rc != 0) {
        eddy__filter_free(env, f);
        return rc;
    }
    *out = f;
    return 0;
}

void eddy__filter_free(eddy_env *env, eddy__filter *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++)
        json_decref(f->pats[i]);
    eddy__free(env, f);
}

/* ---- matching ---- */

static bool numeric(json_t *spec, double x)
{
    for (size_t j = 0; j + 1 < json_array_size(spec); j += 2) {
        const char *o = json_string_value(json_array_get(spec, j));
        double v = json_number_value(json_array_get(spec, j + 1));
        bool ok = !strcmp(o, "=")    ? x == v
                  : !strcmp(o, "<")  ? x < v
                  : !strcmp(o, "<=") ? x <= v
                  : !strcmp(o, ">")  ? x > v
                                     : x >= v;
        if (!ok)
            return false;
    }
    return true;
}

static bool starts(const char *s, const char *pre)
{
    return strncmp(s, pre, strlen(pre)) == 0;
}

static bool ends(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* One rule against one value (not an array; not absent). */
static bool rule_one(json_t *r, json_t *v)
{
    const char *op, *s = json_string_value(v);
    json_t *a;

    if (is_literal(r))
        return json_equal(r, v);
    json_object_foreach(r, op, a)
    {
        if (!strcmp(op, "prefix"))
            return s != NULL && starts(s, json_string_value(a));
        if (!strcmp(op, "suffix"))
            return s != NULL && ends(s, json_string_value(a));
        if (!strcmp(op, "equals-ignore-case"))
            return s != NULL && strcasecmp(s, json_string_value(a)) == 0;
        if (!strcmp(op, "numeric"))
            return json_is_number(v) && numeric(a, json_number_value(v));
        if (!strcmp(op, "anything-but")) {
            size_t j;
            json_t *e;
            if (json_is_object(a))
                return s != NULL && !starts(s, json_string_value(json_object_get(a, "prefix")));
            if (!json_is_array(a))
                return !json_equal(a, v);
            json_array_foreach(a, j, e) if (json_equal(e, v)) return false;
            return true;
        }
    }
    return false;
}

/* Any rule of the list against the value (absent = NULL; an array matches by any element). */
static bool rules(json_t *list, json_t *v)
{
    size_t i, j;
    json_t *r, *e;

    json_array_foreach(list, i, r)
    {
        json_t *ex = json_is_object(r) ? json_object_get(r, "exists") : NULL;
        if (ex != NULL) {
            if (json_is_true(ex) == (v != NULL))
                return true;
            continue;
        }
        if (v == NULL)
            continue;
        if (!json_is_array(v)) {
            if (rule_one(r, v))
                return true;
            continue;
        }
        json_array_foreach(v, j, e) if (rule_one(r, e)) return true;
    }
    return false;
}

static bool match_obj(json_t *pat, json_t *ev)
{
    const char *key;
    json_t *pv;

    json_object_foreach(pat, key, pv)
    {
        json_t *v = json_is_object(ev) ? json_object_get(ev, key) : NULL;
        if (json_is_object(pv) ? !match_obj(pv, v) : !rules(pv, v))
            return false;
    }
    return true;
}

/* A body as the pattern sees it: a JSON object or array when it parses as one, else text. */
static json_t *body_json(eddy_slice b, bool text_ok)
{
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    if (j != NULL || !text_ok)
        return j;
    return json_stringn(b.data != NULL ? b.data : "", b.len);
}

static json_t *event_of(int source, const eddy_poller_item *it)
{
    json_t *ev = json_object(), *x;
    char num[32];

    if (ev == NULL)
        return NULL;
    if (source == EDDY_POLLER_SOURCE_QUEUE) {
        json_t *attrs = json_object(), *mattrs = json_object();
        if ((x = body_json(it->body, true)) != NULL)
            json_object_set_new(ev, "body", x);
        snprintf(num, sizeof num, "%llu", (unsigned long long)it->msg_id);
        json_object_set_new(ev, "messageId", json_string(num));
        snprintf(num, sizeof num, "%u", it->receive_count);
        json_object_set_new(attrs, "ApproximateReceiveCount", json_string(num));
        snprintf(num, sizeof num, "%llu", (unsigned long long)it->sent_ms);
        json_object_set_new(attrs, "SentTimestamp", json_string(num));
        snprintf(num, sizeof num, "%llu", (unsigned long long)it->first_receive_ms);
        json_object_set_new(attrs, "ApproximateFirstReceiveTimestamp", json_string(num));
        json_object_set_new(ev, "attributes", attrs);
        for (size_t i = 0; i < it->attr_count; i++) {
            const eddy_queue_attr *a = &it->attrs[i];
            json_t *o = json_object();
            json_object_set_new(o, "dataType", json_string(a->type));
            if (strncmp(a->type, "Binary", 6) != 0)
                json_object_set_new(o, "stringValue", json_stringn(a->value.data, a->value.len));
            json_object_set_new(mattrs, a->name, o);
        }
        json_object_set_new(ev, "messageAttributes", mattrs);
    } else {
        if ((x = body_json(it->body, false)) != NULL)
            json_object_set_new(ev, "data", x); /* not JSON: absent, so data patterns drop it */
        json_object_set_new(
            ev, "partitionKey",
            json_stringn(it->partition_key.data != NULL ? it->partition_key.data : "",
                         it->partition_key.len));
        json_object_set_new(ev, "sequenceNumber", json_string(it->seq));
        snprintf(num, sizeof num, "%u", it->shard_id);
        json_object_set_new(ev, "shardId", json_string(num));
    }
    return ev;
}

int eddy__filter_match(const eddy__filter *f, int source, const eddy_poller_item *it, bool *match)
{
    json_t *ev;

    *match = true;
    if (f == NULL || f->n == 0)
        return 0;
    if ((ev = event_of(source, it)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory matching a filter");
    *match = false;
    for (size_t i = 0; i < f->n && !*match; i++)
        *match = match_obj(f->pats[i], ev);
    json_decref(ev);
    return 0;
}
