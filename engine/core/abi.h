/*
 * abi.h: the growth rule of every public struct (eddy.h CONVENTIONS "Growth", decision 0008) in
 * one place. Each public entry point that takes a caller's struct passes it through these
 * helpers first, so the rest of the engine only ever sees structs of this library's own size.
 * Knows nothing of LMDB; never keeps a pointer to caller memory.
 */
#ifndef EDDY_ENGINE_ABI_H
#define EDDY_ENGINE_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "eddy.h"

/*
 * The size of each struct's first published version (0.2.0): a caller's size below it is
 * refused. Today every struct is at its first version, so it is the whole sizeof; when a struct
 * grows, its V1 stays at the old value (write it as a number then, not as sizeof).
 */
#define EDDY__SIZE_V1(type) sizeof(type)

/*
 * Copy the caller's input struct `src` (its first field is uint32_t size) into dst, a struct of
 * this library's dst_size: min(size, dst_size) bytes, the rest zero, and dst->size = dst_size.
 * EDDY_EINVAL (nothing copied) when size is 0 or below min_size, or when bytes past dst_size
 * are not all zero (fields this library does not know). `type` names the struct in messages.
 */
int eddy__struct_in(void *dst, size_t dst_size, const void *src, size_t min_size, const char *type);

/* Check that the caller's output struct `dst` was initialised (size 0 or below min_size is
 * EDDY_EINVAL), before any work is done. */
int eddy__struct_out_check(const void *dst, size_t min_size, const char *type);

/* Copy the library's filled `full` (full_size bytes) into the caller's checked `dst`: at most
 * dst->size bytes; then dst->size = the bytes copied. */
void eddy__struct_out(void *dst, const void *full, size_t full_size);

/*
 * Input arrays longer than this are passed through unchecked: every call that takes one refuses
 * such a count (EDDY_ELIMIT or EDDY_EINVAL) before it reads an element, and checking first would
 * read past the end of a caller's short array given a wrong count. An output array's element 0
 * is always checked; past the bound it must have the library's stride, and is used in place.
 */
#define EDDY__ARRAY_CHECK_MAX 10000

/*
 * Input arrays: n elements with the stride of src[0].size, all of that size. On success *out
 * points at n elements of elem_size each: src itself when the stride is elem_size, else a copy
 * in *tmp (free it with eddy__free; NULL when no copy was made). EDDY_EINVAL names the first
 * element whose size differs or that sets unknown fields; EDDY_ENOMEM.
 */
int eddy__array_in(eddy_env *env, const void *src, size_t n, size_t elem_size, size_t min_size,
                   const char *type, const void **out, void **tmp);

/*
 * Output arrays: dst has room for n elements with the stride of dst[0].size (checked here:
 * EDDY_EINVAL when below min_size). On success *work points at n zeroed-or-caller elements of
 * elem_size the engine fills: dst itself when the stride is elem_size, else an allocated
 * zeroed copy in *tmp. eddy__array_out_end copies the first n_filled elements back (when
 * *work is a copy) and sets every filled element's size; it frees nothing.
 */
int eddy__array_out_begin(eddy_env *env, void *dst, size_t n, size_t elem_size, size_t min_size,
                          const char *type, void **work, void **tmp);
void eddy__array_out_end(void *dst, const void *work, size_t n_filled, size_t elem_size);

/*
 * A whole listing call with an output array under the growth rule: enter env, begin the array
 * (eddy__array_out_begin), run fill(ctx, work, cap, &n) on elements of elem_size, copy the
 * filled ones back (eddy__array_out_end), set *n_out (when not NULL) to fill's count even when
 * it failed with EDDY_EBUFS, free the copy. Returns fill's result or an entry/array error.
 */
typedef int (*eddy__array_fill_fn)(void *ctx, void *work, size_t cap, size_t *n);
int eddy__array_out_call(eddy_env *env, void *out, size_t cap, size_t elem_size, size_t min_size,
                         const char *type, eddy__array_fill_fn fill, void *ctx, size_t *n_out);

#endif
