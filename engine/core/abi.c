/*
 * abi.c: the growth rule of the public structs (abi.h, eddy.h CONVENTIONS "Growth"). A caller
 * compiled against an older or newer eddy.h passes structs of another size than ours: we read
 * and write only the bytes both sides know, and refuse a newer caller's fields that we cannot
 * honour rather than ignore them. Never logs, never keeps a pointer to caller memory.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "env_int.h"
#include "error.h"

static uint32_t size_of(const void *p)
{
    uint32_t size;
    memcpy(&size, p, sizeof size);
    return size;
}

/* The initialiser macro of `type`: "eddy_queue_options" -> "EDDY_QUEUE_OPTIONS_INIT". */
static void init_name(const char *type, char *dst, size_t cap)
{
    size_t i;

    for (i = 0; type[i] != '\0' && i + 6 < cap; i++)
        dst[i] = (char)toupper((unsigned char)type[i]);
    snprintf(dst + i, cap - i, "_INIT");
}

/* Check a caller's size field against min_size; `what` names the struct (and element). */
static int size_check(uint32_t size, size_t min_size, const char *type, const char *what)
{
    char init[64];

    init_name(type, init, sizeof init);
    if (size == 0)
        return eddy__err(EDDY_EINVAL,
                         "%s%s has size 0: initialise it with %s (not with {0} or memset)", type,
                         what, init);
    /* No public struct grows past EDDY_STRUCT_SIZE_MAX: a larger size is garbage (a struct
     * left uninitialised), and honouring it would read or write far past the caller's memory. */
    if (size > EDDY_STRUCT_SIZE_MAX)
        return eddy__err(EDDY_EINVAL,
                         "%s%s has size %u, above the largest a struct may have (%u): "
                         "initialise it with %s",
                         type, what, size, (unsigned)EDDY_STRUCT_SIZE_MAX, init);
    if (size < min_size)
        return eddy__err(EDDY_EINVAL,
                         "%s%s has size %u, below its first version's %zu: initialise it with %s",
                         type, what, size, min_size, init);
    return 0;
}

/* Bytes [known, size) of p must be zero: fields a newer caller set that we do not know. */
static int unknown_check(const void *p, uint32_t size, size_t known, const char *type,
                         const char *what)
{
    const unsigned char *b = p;
    size_t i;

    for (i = known; i < size; i++) {
        if (b[i] != 0)
            return eddy__err(EDDY_EINVAL,
                             "unknown option set in %s%s: the struct is %u bytes, this library "
                             "knows %zu, and byte %zu is not zero (a field of a newer eddy.h)",
                             type, what, size, known, i);
    }
    return 0;
}

int eddy__struct_in(void *dst, size_t dst_size, const void *src, size_t min_size, const char *type)
{
    uint32_t size, one;
    int rc;

    EDDY_ASSERT(dst != NULL && src != NULL && dst_size >= sizeof(uint32_t));
    size = size_of(src);
    if ((rc = size_check(size, min_size, type, "")) != 0)
        return rc;
    if ((rc = unknown_check(src, size, dst_size, type, "")) != 0)
        return rc;
    memset(dst, 0, dst_size);
    memcpy(dst, src, size < dst_size ? size : dst_size);
    one = (uint32_t)dst_size;
    memcpy(dst, &one, sizeof one);
    return 0;
}

int eddy__struct_out_check(const void *dst, size_t min_size, const char *type)
{
    EDDY_ASSERT(dst != NULL);
    return size_check(size_of(dst), min_size, type, "");
}

void eddy__struct_out(void *dst, const void *full, size_t full_size)
{
    uint32_t size = size_of(dst);
    uint32_t n = size < full_size ? size : (uint32_t)full_size;

    memcpy(dst, full, n);
    memcpy(dst, &n, sizeof n);
}

int eddy__array_in(eddy_env *env, const void *src, size_t n, size_t elem_size, size_t min_size,
                   const char *type, const void **out, void **tmp)
{
    const unsigned char *s = src;
    unsigned char *copy;
    uint32_t stride, one = (uint32_t)elem_size;
    char what[48];
    size_t i;
    int rc;

    *out = NULL;
    *tmp = NULL;
    if (n == 0 || src == NULL || n > EDDY__ARRAY_CHECK_MAX) {
        *out = src; /* the callee refuses such a count before it reads an element */
        return 0;
    }
    stride = size_of(s);
    if ((rc = size_check(stride, min_size, type, "[0]")) != 0)
        return rc;
    for (i = 0; i < n; i++) {
        snprintf(what, sizeof what, "[%zu]", i);
        if (size_of(s + i * stride) != stride)
            return eddy__err(EDDY_EINVAL,
                             "%s%s has size %u, element 0 has %u: every element of an array "
                             "must be initialised with the same EDDY_<TYPE>_INIT",
                             type, what, size_of(s + i * stride), stride);
        if ((rc = unknown_check(s + i * stride, stride, elem_size, type, what)) != 0)
            return rc;
    }
    if (stride == elem_size) {
        *out = src;
        return 0;
    }
    if ((copy = eddy__calloc(env, n, elem_size)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory copying %zu %s entries", n, type);
    for (i = 0; i < n; i++) {
        memcpy(copy + i * elem_size, s + i * stride, stride < elem_size ? stride : elem_size);
        memcpy(copy + i * elem_size, &one, sizeof one);
    }
    *out = copy;
    *tmp = copy;
    return 0;
}

int eddy__array_out_begin(eddy_env *env, void *dst, size_t n, size_t elem_size, size_t min_size,
                          const char *type, void **work, void **tmp)
{
    uint32_t stride;
    int rc;

    *work = NULL;
    *tmp = NULL;
    if (n == 0 || dst == NULL) {
        *work = dst;
        return 0;
    }
    /* Element 0 is checked whatever n is (reading it is safe for n >= 1). Past the check bound
     * the array is used in place, so it must have our stride: a callee that refuses such a count
     * writes nothing, and one that fills results or a large list writes at the caller's. */
    stride = size_of(dst);
    if ((rc = size_check(stride, min_size, type, "[0]")) != 0)
        return rc;
    if (n > EDDY__ARRAY_CHECK_MAX && stride != elem_size)
        return eddy__err(EDDY_EINVAL,
                         "%s array of %zu elements of %u bytes: past %d elements an output array "
                         "must have this library's element size (%zu)",
                         type, n, stride, EDDY__ARRAY_CHECK_MAX, elem_size);
    if (stride == elem_size) {
        *work = dst;
        return 0;
    }
    if ((*tmp = eddy__calloc(env, n, elem_size)) == NULL)
        return eddy__err(EDDY_ENOMEM, "out of memory for %zu %s results", n, type);
    *work = *tmp;
    return 0;
}

void eddy__array_out_end(void *dst, const void *work, size_t n_filled, size_t elem_size)
{
    unsigned char *d = dst;
    const unsigned char *w = work;
    uint32_t stride, n, one = (uint32_t)elem_size;
    size_t i;

    if (n_filled == 0 || dst == NULL || n_filled > EDDY__ARRAY_CHECK_MAX)
        return; /* past the bound: written in place at our stride, by array_out_begin's rule */
    stride = size_of(d);
    if (work == dst) {
        for (i = 0; i < n_filled; i++)
            memcpy(d + i * elem_size, &one, sizeof one);
        return;
    }
    n = stride < elem_size ? stride : (uint32_t)elem_size;
    for (i = 0; i < n_filled; i++) {
        memcpy(d + i * stride, w + i * elem_size, n);
        memcpy(d + i * stride, &n, sizeof n);
    }
}

int eddy__array_out_call(eddy_env *env, void *out, size_t cap, size_t elem_size, size_t min_size,
                         const char *type, eddy__array_fill_fn fill, void *ctx, size_t *n_out)
{
    size_t n = 0;
    void *work = NULL, *tmp = NULL;
    int rc;

    if ((rc = eddy__env_enter(env)) != 0)
        return rc;
    if ((rc = eddy__array_out_begin(env, out, cap, elem_size, min_size, type, &work, &tmp)) != 0)
        return rc;
    rc = fill(ctx, work, cap, n_out != NULL ? &n : NULL);
    if (rc == 0)
        eddy__array_out_end(out, work, n < cap ? n : cap, elem_size);
    if (n_out != NULL)
        *n_out = n;
    eddy__free(env, tmp);
    return rc;
}
