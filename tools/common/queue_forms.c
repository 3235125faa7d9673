/*
 * queue_forms.c: a queue, a received message and a scanned message as JSON (the forms queue,
 * stat, dump, export print and import reads back), and a send entry's size by SQS's rule.
 */
#include <string.h>

#include "attrs.h"
#include "json.h"
#include "queue_forms.h"

json_t *cli_queue_info_json(const char *name, const eddy_queue_info *info)
{
    json_t *j = json_object(), *attrs = cli_queue_options_json(info);
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "id", json_integer((json_int_t)info->id));
    json_object_set_new(j, "created_ms", json_integer((json_int_t)info->created_ms));
    json_object_set_new(j, "modified_ms", json_integer((json_int_t)info->modified_ms));
    json_object_set_new(j, "messages", json_integer((json_int_t)info->messages));
    json_object_set_new(j, "in_flight", json_integer((json_int_t)info->in_flight));
    json_object_set_new(j, "visible", json_integer((json_int_t)info->visible));
    json_object_set_new(j, "delayed", json_integer((json_int_t)info->delayed));
    json_object_set_new(j, "oldest_age_ms", json_integer((json_int_t)info->oldest_age_ms));
    json_object_update(j, attrs); /* the export header's keys, after the totals */
    json_decref(attrs);
    return j;
}

size_t cli_queue_entry_size(const eddy_queue_send_entry *e)
{
    size_t n = e->body.len, i;
    for (i = 0; i < e->attr_count; i++)
        n += strlen(e->attrs[i].name) + strlen(e->attrs[i].type) + e->attrs[i].value.len;
    return n;
}

/* The fields a received and a scanned message share: checksum, origin, body, attributes. */
static void message_common_json(json_t *o, uint64_t xxh3, uint64_t origin_qid,
                                uint64_t origin_msg_id, eddy_slice body,
                                const eddy_queue_attr *attrs, size_t n)
{
    json_t *arr = json_array();
    char hex[17];
    size_t i;
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)xxh3);
    json_object_set_new(o, "body_xxh3", json_string(hex));
    if (origin_qid != 0) {
        json_object_set_new(o, "origin_queue_id", json_integer((json_int_t)origin_qid));
        json_object_set_new(o, "origin_msg_id", json_integer((json_int_t)origin_msg_id));
    }
    cli_json_set_body(o, "body", "body_encoding", body.data, body.len);
    for (i = 0; i < n; i++) {
        json_t *a = json_object();
        json_object_set_new(a, "name", json_string(attrs[i].name));
        json_object_set_new(a, "type", json_string(attrs[i].type));
        cli_json_set_body(a, "value", "value_encoding", attrs[i].value.data, attrs[i].value.len);
        json_array_append_new(arr, a);
    }
    json_object_set_new(o, "attrs", arr);
}

json_t *cli_queue_message_json(const char *queue, const eddy_queue_message *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "queue", json_string(queue));
    json_object_set_new(o, "msg_id", json_integer((json_int_t)m->msg_id));
    json_object_set_new(o, "receipt", json_string(m->receipt));
    json_object_set_new(o, "receive_count", json_integer((json_int_t)m->receive_count));
    json_object_set_new(o, "sent_ms", json_integer((json_int_t)m->sent_ms));
    json_object_set_new(o, "first_receive_ms", json_integer((json_int_t)m->first_receive_ms));
    message_common_json(o, m->body_xxh3, m->origin_queue_id, m->origin_msg_id, m->body, m->attrs,
                        m->attr_count);
    return o;
}

const char *cli_queue_msg_state(int state)
{
    return state == EDDY_QUEUE_MSG_IN_FLIGHT ? "in_flight"
           : state == EDDY_QUEUE_MSG_DELAYED ? "delayed"
                                             : "visible";
}

json_t *cli_queue_scan_json(const char *queue, const eddy_queue_scan_message *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "queue", json_string(queue));
    json_object_set_new(o, "msg_id", json_integer((json_int_t)m->msg_id));
    json_object_set_new(o, "state", json_string(cli_queue_msg_state(m->state)));
    json_object_set_new(o, "receive_count", json_integer((json_int_t)m->receive_count));
    json_object_set_new(o, "sent_ms", json_integer((json_int_t)m->sent_ms));
    json_object_set_new(o, "enqueued_ms", json_integer((json_int_t)m->enqueued_ms));
    json_object_set_new(o, "first_receive_ms", json_integer((json_int_t)m->first_receive_ms));
    json_object_set_new(o, "visible_ms", json_integer((json_int_t)m->visible_ms));
    message_common_json(o, m->body_xxh3, m->origin_queue_id, m->origin_msg_id, m->body, m->attrs,
                        m->attr_count);
    return o;
}
