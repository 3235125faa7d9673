/*
 * stream_forms.c: a stream, a shard and a record as JSON or text (the forms stream, stat, dump
 * and export print), and a stream's shard list.
 */
#include <stdlib.h>

#include "arrays.h"
#include "args.h"
#include "attrs.h"
#include "json.h"
#include "stream_forms.h"

const char *cli_shard_state(int state)
{
    return state == EDDY_STREAM_SHARD_OPEN ? "open" : "closed";
}

int cli_stream_shards(eddy_env *env, const char *name, eddy_stream_shard **out, size_t *n)
{
    size_t need = 0;
    eddy_stream_shard *s;
    int rc = eddy_stream_list_shards(env, name, NULL, 0, &need), tries;
    if (rc != 0 && rc != EDDY_EBUFS)
        return rc;
    /*
     * Shards may be added between two calls (a reshard beside a tail): leave room, and on
     * EDDY_EBUFS retry with the count it reported, a few times before giving up.
     */
    for (tries = 0; tries < 8; tries++) {
        need += 8 + need / 4;
        CLI_ARRAY_NEW(s, need);
        if (s == NULL)
            return EDDY_ENOMEM;
        rc = eddy_stream_list_shards(env, name, s, need, n);
        if (rc == 0) {
            *out = s;
            return 0;
        }
        free(s);
        if (rc != EDDY_EBUFS)
            return rc;
        need = *n;
    }
    return rc;
}

json_t *cli_stream_record_json(const char *stream, const eddy_stream_record *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "stream", json_string(stream));
    json_object_set_new(o, "shard_id", json_integer(r->shard_id));
    json_object_set_new(o, "seq", json_string(r->seq));
    json_object_set_new(o, "arrival_ms", json_integer((json_int_t)r->arrival_ms));
    cli_json_set_body(o, "partition_key", "partition_key_encoding", r->partition_key.data,
                      r->partition_key.len);
    cli_json_set_body(o, "data", "data_encoding", r->data.data, r->data.len);
    return o;
}

void cli_stream_record_text(FILE *f, const char *stream, const eddy_stream_record *r)
{
    char t[40];
    cli_format_time(r->arrival_ms, t, sizeof t);
    fprintf(f, "%s shard=%u seq=%s arrival=%s key=", stream, r->shard_id, r->seq, t);
    cli_print_body_text(f, r->partition_key.data, r->partition_key.len);
    fputs(" data=", f);
    cli_print_body_text(f, r->data.data, r->data.len);
    fputc('\n', f);
}

json_t *cli_stream_info_json(const char *name, const eddy_stream_info *i)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "id", json_integer((json_int_t)i->id));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)i->created_ms));
    json_object_set_new(o, "modified_ms", json_integer((json_int_t)i->modified_ms));
    eddy_stream_options opts = cli_stream_options_of(i);
    json_t *attrs = cli_stream_options_json(&opts); /* the export header's keys */
    json_object_update(o, attrs);
    json_decref(attrs);
    json_object_set_new(o, "open_shards", json_integer(i->open_shards));
    json_object_set_new(o, "shards", json_integer(i->shards));
    json_object_set_new(o, "records", json_integer((json_int_t)i->records));
    json_object_set_new(o, "bytes", json_integer((json_int_t)i->bytes));
    json_object_set_new(o, "dict_id", json_integer(i->dict_id));
    return o;
}

json_t *cli_shard_json(const eddy_stream_shard *s)
{
    json_t *o = json_object(), *ch = json_array();
    json_object_set_new(o, "shard_id", json_integer(s->shard_id));
    json_object_set_new(o, "state", json_string(cli_shard_state(s->state)));
    json_object_set_new(o, "parent_id",
                        s->parent_id != EDDY_STREAM_NO_SHARD ? json_integer(s->parent_id)
                                                             : json_null());
    json_object_set_new(o, "adjacent_parent_id",
                        s->adjacent_parent_id != EDDY_STREAM_NO_SHARD
                            ? json_integer(s->adjacent_parent_id)
                            : json_null());
    if (s->child_ids[0] != EDDY_STREAM_NO_SHARD)
        json_array_append_new(ch, json_integer(s->child_ids[0]));
    if (s->child_ids[1] != EDDY_STREAM_NO_SHARD)
        json_array_append_new(ch, json_integer(s->child_ids[1]));
    json_object_set_new(o, "child_ids", ch);
    json_object_set_new(o, "starting_hash_key", json_string(s->starting_hash_key));
    json_object_set_new(o, "ending_hash_key", json_string(s->ending_hash_key));
    json_object_set_new(o, "starting_seq", json_string(s->starting_seq));
    json_object_set_new(o, "ending_seq", json_string(s->ending_seq));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)s->created_ms));
    json_object_set_new(o, "closed_ms", json_integer((json_int_t)s->closed_ms));
    json_object_set_new(o, "records", json_integer((json_int_t)s->records));
    json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
    json_object_set_new(o, "last_arrival_ms", json_integer((json_int_t)s->last_arrival_ms));
    json_object_set_new(o, "first_seq", json_string(s->first_seq));
    json_object_set_new(o, "last_seq", json_string(s->last_seq));
    return o;
}
