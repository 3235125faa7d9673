/*
 * error.c: the error table (generated from EDDY_ERRNO_MAP) and the per-thread detail message.
 * The detail message lives in thread-local storage; it is never used to decide success.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[EDDY__MSG_MAX];
static _Thread_local char entry_error[EDDY__MSG_MAX]; /* the first failed batch entry's message */

EDDY_API const char *eddy_errname(int rc)
{
    switch (rc) {
#define EDDY__ERR_NAME(name, value, text)                                                          \
    case (value):                                                                                  \
        return "EDDY_" #name;
        EDDY_ERRNO_MAP(EDDY__ERR_NAME)
#undef EDDY__ERR_NAME
    default:
        return "EDDY_UNKNOWN";
    }
}

EDDY_API const char *eddy_strerror(int rc)
{
    switch (rc) {
#define EDDY__ERR_TEXT(name, value, text)                                                          \
    case (value):                                                                                  \
        return text;
        EDDY_ERRNO_MAP(EDDY__ERR_TEXT)
#undef EDDY__ERR_TEXT
    default:
        return "unknown error code";
    }
}

EDDY_API const char *eddy_last_error(void)
{
    return last_error;
}

void eddy__err_clear(void)
{
    last_error[0] = '\0';
    entry_error[0] = '\0';
}

int eddy__err_entry(int rc)
{
    if (rc != 0 && entry_error[0] == '\0')
        snprintf(entry_error, sizeof entry_error, "%s", last_error);
    return rc;
}

const char *eddy__err_entry_msg(void)
{
    return entry_error;
}

void eddy__err_entry_set(const char *msg)
{
    if (entry_error[0] == '\0')
        snprintf(entry_error, sizeof entry_error, "%s", msg);
    snprintf(last_error, sizeof last_error, "%s", entry_error);
}

static void set_msg(const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

int eddy__err(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(fmt, ap);
    va_end(ap);
    return rc;
}

int eddy__err_at(int rc, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    set_msg(fmt, ap);
    va_end(ap);
#ifndef NDEBUG
    n = strlen(last_error);
    snprintf(last_error + n, sizeof last_error - n, " [%s:%d]", file, line);
#else
    (void)n;
    (void)file;
    (void)line;
#endif
    return rc;
}

int eddy__err_ferr(int rc, const eddy__ferr *fe)
{
    return eddy__err(rc, "%s", fe->msg);
}
