/*
 * ferr.h: how format/ reports a failure. format/ has no thread-local state and no globals, so a
 * decoder writes its precise message into a caller-provided eddy__ferr (which may be NULL) and
 * returns an EDDY_E* code; the engine copies the message into the caller's detail message.
 */
#ifndef EDDY_FORMAT_FERR_H
#define EDDY_FORMAT_FERR_H

#include "eddy.h"

typedef struct eddy__ferr {
    char msg[224];
} eddy__ferr;

/* Store a printf-style message in `e` (if not NULL) and return `rc`. */
int eddy__ferr_set(eddy__ferr *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* EDDY_FORMAT_FERR_H */
