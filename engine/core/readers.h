/*
 * readers.h: who holds a database (readers.c): LMDB's reader table (eddy_env_readers) and the
 * processes that have it open (eddy.lock). Internal to engine/.
 */
#ifndef EDDY_ENGINE_READERS_H
#define EDDY_ENGINE_READERS_H

#include <stddef.h>

/*
 * Write "pid 123, pid 456" (the processes holding a lock on `lock_file`, from /proc/locks) into
 * dst; "" when none is known (no /proc, or the lock went meanwhile). Never fails.
 */
void eddy__lock_holders(const char *lock_file, char *dst, size_t dst_cap);

/* EDDY_EBUSY: "database '<dir>' is open elsewhere (...: held by pid 123); close it before
 * <doing>", naming the processes that hold dir/eddy.lock where the system tells. */
int eddy__lock_busy(const char *dir, const char *doing);

#endif /* EDDY_ENGINE_READERS_H */
