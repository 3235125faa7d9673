/*
 * arrays.h: arrays of the library's growable structs (eddy.h CONVENTIONS: each element's
 * `size` says which version of the struct the caller has).
 */
#ifndef EDDY_CLI_ARRAYS_H
#define EDDY_CLI_ARRAYS_H

#include <stdlib.h>

#include "eddy.h"

/* p = n zeroed elements with their `size` set (EDDY_ARRAY_INIT); NULL when out of memory. */
#define CLI_ARRAY_NEW(p, n)                                                                        \
    do {                                                                                           \
        (p) = calloc((n), sizeof *(p));                                                            \
        if ((p) != NULL)                                                                           \
            EDDY_ARRAY_INIT((p), (n));                                                             \
    } while (0)

#endif /* EDDY_CLI_ARRAYS_H */
