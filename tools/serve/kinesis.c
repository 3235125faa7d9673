#include "serve.h"
void kinesis_handle(struct req *r)
{
    json_t *j = json_pack("{s:s,s:s}", "__type", "UnknownOperationException", "message", "todo");
    reply_json(&r->reply, 400, "application/x-amz-json-1.1", j);
    json_decref(j);
}
