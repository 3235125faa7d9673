/*
 * task_forms.c: a redrive task as JSON or one text line.
 */
#include "task_forms.h"

static const char *task_status(int s)
{
    switch (s) {
    case EDDY_QUEUE_TASK_RUNNING:
        return "running";
    case EDDY_QUEUE_TASK_COMPLETED:
        return "completed";
    case EDDY_QUEUE_TASK_CANCELLED:
        return "cancelled";
    case EDDY_QUEUE_TASK_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}

json_t *cli_task_json(const eddy_queue_redrive_task *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "source", json_string(t->source));
    json_object_set_new(o, "task_id", json_integer((json_int_t)t->task_id));
    json_object_set_new(o, "status", json_string(task_status(t->status)));
    json_object_set_new(o, "dest", json_string(t->dest));
    json_object_set_new(o, "max_per_s", json_integer(t->max_per_s));
    json_object_set_new(o, "moved", json_integer((json_int_t)t->moved));
    json_object_set_new(o, "to_move", json_integer((json_int_t)t->to_move));
    json_object_set_new(o, "started_ms", json_integer((json_int_t)t->started_ms));
    json_object_set_new(o, "updated_ms", json_integer((json_int_t)t->updated_ms));
    if (t->status == EDDY_QUEUE_TASK_FAILED)
        json_object_set_new(o, "failure", json_string(t->failure));
    return o;
}

void cli_task_text(const eddy_queue_redrive_task *t)
{
    printf("redrive %s#%llu %s moved %llu of %llu to %s", t->source, (unsigned long long)t->task_id,
           task_status(t->status), (unsigned long long)t->moved, (unsigned long long)t->to_move,
           t->dest[0] != '\0' ? t->dest : "(origin queues)");
    if (t->max_per_s != 0)
        printf(" at %u/s", t->max_per_s);
    if (t->status == EDDY_QUEUE_TASK_FAILED)
        printf(": %s", t->failure);
    printf("\n");
}
