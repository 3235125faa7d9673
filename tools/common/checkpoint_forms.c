/*
 * checkpoint_forms.c: a consumer's checkpoint with its lag (the next record's arrival time
 * against now) as JSON.
 */
#include "checkpoint_forms.h"
#include "clock.h"
#include "json.h"

/* The arrival time of the first record after a checkpoint; 0 when there is none. */
static int next_arrival(eddy_env *env, const char *stream, const eddy_checkpoint *cp, uint64_t *out)
{
    eddy_stream_iterator it;
    eddy_stream_read_options ro = {.size = sizeof ro, .max_records = 1, .max_bytes = 0};
    eddy_stream_batch *b = NULL;
    int rc;
    *out = 0;
    if (cp->shard_end)
        return 0;
    rc = eddy_stream_get_iterator(env, stream, cp->shard_id, EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER,
                                  cp->seq, 0, &it);
    if (rc == 0)
        rc = eddy_stream_get_records(env, &it, &ro, &b);
    if (rc == 0 && eddy_stream_batch_count(b) != 0)
        *out = eddy_stream_batch_record(b, 0)->arrival_ms;
    eddy_stream_batch_free(b);
    return rc;
}

json_t *cli_checkpoint_json(const struct cli *cli, eddy_env *env, const char *stream,
                            const char *consumer, const eddy_checkpoint *cp)
{
    json_t *o = json_object();
    uint64_t next = 0, now = cli_now_ms(cli);
    json_object_set_new(o, "stream", json_string(stream));
    json_object_set_new(o, "consumer", json_string(consumer));
    json_object_set_new(o, "shard_id", json_integer(cp->shard_id));
    json_object_set_new(o, "seq", json_string(cp->seq));
    json_object_set_new(o, "shard_end", json_boolean(cp->shard_end));
    json_object_set_new(o, "updated_ms", json_integer((json_int_t)cp->updated_ms));
    json_object_set_new(o, "lease_counter", json_integer((json_int_t)cp->lease_counter));
    cli_json_set_body(o, "state", "state_encoding", cp->state, cp->state_len);
    if (next_arrival(env, stream, cp, &next) == 0) {
        uint64_t lag = next != 0 && now > next ? now - next : 0;
        json_object_set_new(o, "next_arrival_ms", json_integer((json_int_t)next));
        json_object_set_new(o, "millis_behind_latest", json_integer((json_int_t)lag));
    }
    return o;
}
