/*
 * sqs_task.c: message move tasks (StartMessageMoveTask, ListMessageMoveTasks,
 * CancelMessageMoveTask) on Eddy's redrive tasks. A TaskHandle is "<task id>:<source queue>";
 * the tasks advance in the server's background thread (park.c), once a second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs.h"

static int source_of(struct sqs_ctx *c, const char *arn)
{
    if (!sqs_arn_name(arn, c->qname, sizeof c->qname))
        return sqs_fail(c, &SQS_INVALID_PARAM, "Value %.200s for parameter SourceArn is invalid.",
                        arn);
    return 0;
}

int sqs_start_move_task(struct sqs_ctx *c)
{
    const char *src, *dst = p_str(c->in, "DestinationArn");
    char dname[EDDY_QUEUE_NAME_MAX + 1] = "", handle[128];
    int64_t rate = 0;
    uint64_t id = 0;
    int rc;

    if (p_need(c, c->in, "SourceArn", &src) != 0 || source_of(c, src) != 0 ||
        p_int(c, c->in, "MaxNumberOfMessagesPerSecond", 1, 500, &rate) < 0)
        return -1;
    if (dst != NULL && !sqs_arn_name(dst, dname, sizeof dname))
        return sqs_fail(c, &SQS_INVALID_PARAM,
                        "Value %.200s for parameter DestinationArn is invalid.", dst);
    rc = eddy_queue_redrive_start(c->s->env, c->qname, dname, (uint32_t)rate, &id);
    if (rc == EDDY_ENOTFOUND)
        return sqs_fail(c, &SQS_NO_RESOURCE,
                        "The resource that you specified for the "
                        "SourceArn or DestinationArn parameter doesn't "
                        "exist.");
    if (rc == EDDY_EBUSY)
        return sqs_fail(c, &SQS_UNSUPPORTED,
                        "There is already a task running. Only one active "
                        "task is allowed for a source queue arn at a given "
                        "time.");
    if (rc != 0)
        return sqs_fail_rc(c, rc);
    snprintf(handle, sizeof handle, "%llu:%s", (unsigned long long)id, c->qname);
    json_object_set_new(c->out, "TaskHandle", json_string(handle));
    return 0;
}

static const char *status_name(int st)
{
    switch (st) {
    case EDDY_QUEUE_TASK_RUNNING:
        return "RUNNING";
    case EDDY_QUEUE_TASK_COMPLETED:
        return "COMPLETED";
    case EDDY_QUEUE_TASK_CANCELLED:
        return "CANCELLED";
    default:
        return "FAILED";
    }
}

int sqs_list_move_tasks(struct sqs_ctx *c)
{
    eddy_queue_redrive_task tasks[10];
    const char *src;
    int64_t max = 1;
    size_t n = 0, i;
    json_t *list;
    int rc;

    if (p_need(c, c->in, "SourceArn", &src) != 0 || source_of(c, src) != 0 ||
        p_int(c, c->in, "MaxResults", 1, 10, &max) < 0)
        return -1;
    for (i = 0; i < 10; i++)
        tasks[i] = (eddy_queue_redrive_task)EDDY_QUEUE_REDRIVE_TASK_INIT;
    rc = eddy_queue_redrive_list(c->s->env, c->qname, tasks, (size_t)max, &n);
    if (rc == EDDY_ENOTFOUND)
        return sqs_fail(c, &SQS_NO_RESOURCE,
                        "The resource that you specified for the SourceArn "
                        "parameter doesn't exist.");
    if (rc != 0)
        return sqs_fail_rc(c, rc);
    list = json_array();
    for (i = 0; i < n; i++) {
        const eddy_queue_redrive_task *t = &tasks[i];
        json_t *o = json_object();
        char arn[256], handle[128];
        sqs_queue_arn(c->s, t->source, arn, sizeof arn);
        json_object_set_new(o, "SourceArn", json_string(arn));
        if (t->dest[0] != '\0') {
            sqs_queue_arn(c->s, t->dest, arn, sizeof arn);
            json_object_set_new(o, "DestinationArn", json_string(arn));
        }
        if (t->status == EDDY_QUEUE_TASK_RUNNING) {
            snprintf(handle, sizeof handle, "%llu:%s", (unsigned long long)t->task_id, t->source);
            json_object_set_new(o, "TaskHandle", json_string(handle));
        }
        json_object_set_new(o, "Status", json_string(status_name(t->status)));
        if (t->max_per_s != 0)
            json_object_set_new(o, "MaxNumberOfMessagesPerSecond", json_integer(t->max_per_s));
        json_object_set_new(o, "ApproximateNumberOfMessagesMoved",
                            json_integer((json_int_t)t->moved));
        json_object_set_new(o, "ApproximateNumberOfMessagesToMove",
                            json_integer((json_int_t)t->to_move));
        if (t->status == EDDY_QUEUE_TASK_FAILED)
            json_object_set_new(o, "FailureReason", json_string(t->failure));
        json_object_set_new(o, "StartedTimestamp", json_integer((json_int_t)t->started_ms));
        json_array_append_new(list, o);
    }
    json_object_set_new(c->out, "Results", list);
    return 0;
}

int sqs_cancel_move_task(struct sqs_ctx *c)
{
    eddy_queue_redrive_task tasks[10];
    const char *handle, *colon;
    unsigned long long id;
    char *end;
    size_t n = 0, i;
    int rc;

    if (p_need(c, c->in, "TaskHandle", &handle) != 0)
        return -1;
    id = strtoull(handle, &end, 10);
    colon = end;
    if (end == handle || *colon != ':' || strlen(colon + 1) > EDDY_QUEUE_NAME_MAX)
        return sqs_fail(c, &SQS_INVALID_PARAM, "Value %.200s for parameter TaskHandle is invalid.",
                        handle);
    snprintf(c->qname, sizeof c->qname, "%s", colon + 1);
    rc = eddy_queue_redrive_cancel(c->s->env, c->qname, id);
    if (rc == EDDY_ENOTFOUND || rc == EDDY_EINVAL)
        return sqs_fail(c, &SQS_NO_RESOURCE, "The task handle %.200s does not exist.", handle);
    if (rc == EDDY_EEXPIRED)
        return sqs_fail(c, &SQS_UNSUPPORTED, "Only a running task can be cancelled.");
    if (rc != 0)
        return sqs_fail_rc(c, rc);
    for (i = 0; i < 10; i++)
        tasks[i] = (eddy_queue_redrive_task)EDDY_QUEUE_REDRIVE_TASK_INIT;
    if (eddy_queue_redrive_list(c->s->env, c->qname, tasks, 10, &n) == 0)
        for (i = 0; i < n; i++)
            if (tasks[i].task_id == id)
                json_object_set_new(c->out, "ApproximateNumberOfMessagesMoved",
                                    json_integer((json_int_t)tasks[i].moved));
    return 0;
}
