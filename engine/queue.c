/* queue.c: placeholder until the queue module lands (issue 3). */
#include "env_int.h"
#include "verify.h"

int eddy__queue_env_init(eddy_env *env)
{
    (void)env;
    return 0;
}

void eddy__queue_env_fini(eddy_env *env)
{
    (void)env;
}

int eddy__queue_verify(eddy__vctx *v)
{
    (void)v;
    return 0;
}
