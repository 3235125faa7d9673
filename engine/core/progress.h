/*
 * progress.h: progress reports of long calls (progress.c). Internal to engine/.
 */
#ifndef EDDY_ENGINE_PROGRESS_H
#define EDDY_ENGINE_PROGRESS_H

#include "env_int.h"

/* Count reads of this thread as `step` of about `total` records, until _end (verify). */
void eddy__progress_reads_begin(const eddy_env *env, const char *step, uint64_t total);
void eddy__progress_reads_end(void);
void eddy__progress_tick_slow(void);
extern _Thread_local int eddy__progress_on; /* this thread counts reads for a report */

/* One cursor read (on every read path): a thread-local test when no report is wanted. */
static inline void eddy__progress_tick(void)
{
    if (eddy__progress_on)
        eddy__progress_tick_slow();
}

/* Report the size of `file` as it is written, from a thread of its own; NULL when not wanted. */
typedef struct eddy__watch eddy__watch;
eddy__watch *eddy__watch_start(eddy_env *env, const char *file, uint64_t total);
void eddy__watch_stop(eddy_env *env, eddy__watch *w);

#endif /* EDDY_ENGINE_PROGRESS_H */
