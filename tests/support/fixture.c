/*
 * fixture.c: the fixture most API tests share (support.h t_fx): one env in a fresh temp dir on a
 * fake clock, checked clean by eddy_env_verify when the test is done; and the small builders
 * of entries that several API tests make.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

t_fx *t_fx_open(void)
{
    t_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->clk.now_ms = T_T0;
    f->dir = t_path("db");
    f->env = t_env_open(f->dir, &f->clk);
    return f;
}

void t_fx_close(t_fx *f)
{
    t_verify_clean(f->env);
    T_OK(eddy_env_close(f->env));
    free(f);
}

int t_fx_setup(void **state)
{
    *state = t_fx_open();
    return 0;
}

int t_fx_teardown(void **state)
{
    t_fx_close(*state);
    return 0;
}

eddy_stream_put_entry t_stream_entry(const char *partition_key, const char *data)
{
    eddy_stream_put_entry e = EDDY_STREAM_PUT_ENTRY_INIT;
    e.partition_key.data = partition_key;
    e.partition_key.len = strlen(partition_key);
    e.data.data = data;
    e.data.len = strlen(data);
    return e;
}
