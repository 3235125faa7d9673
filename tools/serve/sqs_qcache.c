/*
 * sqs_qcache.c: queue name -> (id, receive wait, size limit), cached. Sends and receives need a
 * queue's id for SQS message ids and its default wait for long polls; reading them with
 * eddy_queue_get_attributes costs a count per request. Entries are dropped when this server
 * deletes, creates or changes the queue; a queue re-created by another process is noticed when
 * a call on the old name fails (the entry is then dropped and read again).
 */
#include <stdio.h>
#include <string.h>

#include "sqs.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *cache; /* name -> [id, wait, body_len_max] */

int sqs_qcache_get(struct sqs_ctx *c, struct sqs_qinfo *out)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    json_t *e;
    int rc;

    pthread_mutex_lock(&mu);
    if (cache == NULL)
        cache = json_object();
    e = json_object_get(cache, c->qname);
    if (e != NULL) {
        out->id = (uint64_t)json_integer_value(json_array_get(e, 0));
        out->receive_wait_ms = (uint32_t)json_integer_value(json_array_get(e, 1));
        out->body_len_max = (uint32_t)json_integer_value(json_array_get(e, 2));
    }
    pthread_mutex_unlock(&mu);
    if (e != NULL)
        return 0;
    if ((rc = eddy_queue_get_attributes(c->s->env, c->qname, &info)) != 0)
        return sqs_fail_rc(c, rc);
    out->id = info.id;
    out->receive_wait_ms = info.receive_wait_ms;
    out->body_len_max = info.body_len_max;
    pthread_mutex_lock(&mu);
    json_object_set_new(cache, c->qname,
                        json_pack("[I,I,I]", (json_int_t)info.id, (json_int_t)info.receive_wait_ms,
                                  (json_int_t)info.body_len_max));
    pthread_mutex_unlock(&mu);
    return 0;
}

void sqs_qcache_drop(const char *name)
{
    pthread_mutex_lock(&mu);
    if (cache != NULL)
        json_object_del(cache, name);
    pthread_mutex_unlock(&mu);
}

void sqs_message_id(uint64_t qid, uint64_t msg_id, char out[37])
{
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(qid >> 32),
             (unsigned)((qid >> 16) & 0xffffu), (unsigned)(qid & 0xffffu),
             (unsigned)((msg_id >> 48) & 0xffffu),
             (unsigned long long)(msg_id & 0xffffffffffffull));
}
