/*
 * vreport.c: how a checker reports one problem (verify.h), in core so that every subsystem's
 * checker can report without seeing env/verify.c, which runs them all.
 */
#include <stdarg.h>
#include <stdio.h>

#include "verify.h"

int eddy__vreport(eddy__vctx *v, int table, const void *key, size_t key_len, const char *fmt, ...)
{
    char what[EDDY__MSG_MAX];
    va_list ap;
    eddy_slice k = {key, key_len};

    v->problems++;
    if (v->cb == NULL)
        return 0;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (v->cb(v->cb_ctx, eddy__table_names[table], k, what) != 0) {
        v->stopped = 1;
        return EDDY_EUSER;
    }
    return 0;
}
