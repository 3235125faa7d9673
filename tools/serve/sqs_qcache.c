/*
 * sqs_qcache.c: queue name -> (id, receive wait, size limit), cached. Sends and receives need a
 * queue's id for SQS message ids and its default wait for long polls; reading them with
 * eddy_queue_get_attributes costs a count per request. Entries are dropped when this server
 * deletes, creates or changes the queue, and live QCACHE_TTL_MS at most, so another process's
 * attribute change or re-creation is seen within that time (a call on a re-created queue's old
 * name also fails, and drops the entry).
 *
 * Invariant: an entry is inserted only if no drop happened since its attributes were read
 * (generation unchanged); otherwise a read that started before a drop could put the older
 * attributes back after it.
 */
#include <stdio.h>
#include <string.h>

#include "sqs.h"

#define QCACHE_TTL_MS 1000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *cache;  /* name -> [id, wait, body_len_max, expires_ms, fifo] */
static uint64_t drops; /* generation: bumped by every drop, under mu */

int sqs_qcache_get(struct sqs_ctx *c, struct sqs_qinfo *out)
{
    eddy_queue_info info = EDDY_QUEUE_INFO_INIT;
    uint64_t gen, now = srv_mono_ms();
    json_t *e;
    int rc;

    pthread_mutex_lock(&mu);
    if (cache == NULL)
        cache = json_object();
    gen = drops;
    e = json_object_get(cache, c->qname);
    if (e != NULL && (uint64_t)json_integer_value(json_array_get(e, 3)) > now) {
        out->id = (uint64_t)json_integer_value(json_array_get(e, 0));
        out->receive_wait_ms = (uint32_t)json_integer_value(json_array_get(e, 1));
        out->body_len_max = (uint32_t)json_integer_value(json_array_get(e, 2));
        out->fifo = json_integer_value(json_array_get(e, 4)) != 0;
        pthread_mutex_unlock(&mu);
        return 0;
    }
    pthread_mutex_unlock(&mu);
    if ((rc = eddy_queue_get_attributes(c->s->env, c->qname, &info)) != 0)
        return sqs_fail_rc(c, rc);
    out->id = info.id;
    out->receive_wait_ms = info.receive_wait_ms;
    out->body_len_max = info.body_len_max;
    out->fifo = info.fifo != 0;
    pthread_mutex_lock(&mu);
    if (drops == gen)
        json_object_set_new(cache, c->qname,
                            json_pack("[I,I,I,I,I]", (json_int_t)info.id,
                                      (json_int_t)info.receive_wait_ms,
                                      (json_int_t)info.body_len_max,
                                      (json_int_t)(now + QCACHE_TTL_MS), (json_int_t)info.fifo));
    pthread_mutex_unlock(&mu);
    return 0;
}

void sqs_qcache_drop(const char *name)
{
    pthread_mutex_lock(&mu);
    drops++;
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
