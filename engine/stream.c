/* stream.c: placeholder until the stream module lands (issue 4). */
#include "env_int.h"
#include "verify.h"

int eddy__stream_env_init(eddy_env *env)
{
    (void)env;
    return 0;
}

void eddy__stream_env_fini(eddy_env *env)
{
    (void)env;
}

int eddy__stream_verify(eddy__vctx *v)
{
    (void)v;
    return 0;
}
