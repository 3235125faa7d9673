/*
 * attrs.c: a queue's or stream's attributes as create/set options, and as the export header's
 * "attributes" object and back. Reading checks each key's type and range and refuses unknown
 * keys; the library's own limits are left to the create or compare call.
 */
#include <string.h>

#include "cli.h"
#include "attrs.h"

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

bool cli_queue_options_from_json(json_t *j, eddy_queue_info *o, const char **why)
{
    static const char *const keys[] = {"visibility_timeout_ms", "delay_ms",        "retention_ms",
                                       "body_len_max",          "receive_wait_ms", "dlq",
                                       "max_receive_count",     "redrive_allow",   "allow_sources",
                                       "in_flight_max",         "batch_max",       NULL};
    *o = (eddy_queue_info)EDDY_QUEUE_INFO_INIT;
    if (!json_is_object(j)) {
        *why = "attributes";
        return false;
    }
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
