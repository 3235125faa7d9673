/*
 * error.h: raising errors inside the engine. Every failure path sets this thread's detail
 * message (eddy_last_error) through eddy__err and returns the code, so a caller always learns
 * why. Foreign codes (LMDB MDB_*, errno, zstd) are translated only in errmap.c.
 */
#ifndef EDDY_ENGINE_ERROR_H
#define EDDY_ENGINE_ERROR_H

#include "eddy.h"
#include "ferr.h"

/* The size of a detail message (eddy_last_error): every buffer that holds or prepares one. */
#define EDDY__MSG_MAX 512

/* Set the detail message and return rc (a negative EDDY_E* code). */
int eddy__err(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Take format/'s message as the detail message; returns rc. */
int eddy__err_ferr(int rc, const eddy__ferr *fe);

/* Clear the detail message (and the entry message) at the start of a public call. */
void eddy__err_clear(void);

/*
 * Batch entries fail one by one while their call succeeds. eddy__err_entry(rc) records this
 * thread's current detail message as the call's entry message when it is the first entry to
 * fail, and returns rc; eddy__err_entry_msg() gives it ("" when no entry failed). The writer
 * thread hands an operation's entry message back to its caller (commit.c), where it becomes the
 * call's detail message.
 */
int eddy__err_entry(int rc);
const char *eddy__err_entry_msg(void);
/* Make msg the detail message, and the entry message unless an earlier entry set one. */
void eddy__err_entry_set(const char *msg);

/* Corruption: records the detecting line too, so one breakpoint catches every case. */
#define EDDY__CORRUPT(...) eddy__err_at(EDDY_ECORRUPT, __FILE__, __LINE__, __VA_ARGS__)
int eddy__err_at(int rc, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* errmap.c: translate LMDB and errno codes (with what was being done) into EDDY_E*. */
int eddy__err_mdb(int mdb_rc, const char *what);
int eddy__err_errno(int errnum, const char *what);

/* Assertions for programmer errors only; EDDY_NEVER(x) asserts !x in debug builds and still
 * lets release builds take the safe branch. */
#include <assert.h>
#define EDDY_ASSERT(x) assert(x)
#ifdef NDEBUG
#define EDDY_ALWAYS(x) (x)
#define EDDY_NEVER(x)  (x)
#else
#define EDDY_ALWAYS(x) ((x) ? 1 : (assert(0 && #x), 0))
#define EDDY_NEVER(x)  ((x) ? (assert(0 && #x), 1) : 0)
#endif

#endif /* EDDY_ENGINE_ERROR_H */
