/* ferr.c: formatting of format/'s error messages into caller storage (no globals). */
#include "ferr.h"

#include <stdarg.h>
#include <stdio.h>

int eddy__ferr_set(eddy__ferr *e, int rc, const char *fmt, ...)
{
    if (e != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}
