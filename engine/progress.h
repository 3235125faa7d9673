/*
 * progress.h: progress reports of long calls (progress.c). Internal to engine/.
 */
#ifndef EDDY_ENGINE_PROGRESS_H
#define EDDY_ENGINE_PROGRESS_H

#include "env_int.h"

/* Count reads of this thread as `step` of about `total` records, until _end (verify). */
void eddy__progress_reads_begin(const eddy_env *env, const char *step, uint64_t total);
void eddy__progress_reads_end(void);
int eddy__progress_active(void);
void eddy__progress_tick_slow(void);

/* One cursor read; cheap when no report is wanted (a thread-local test). */
static inline void eddy__progress_tick(void)
{
    if (eddy__progress_active())
        eddy__progress_tick_slow();
}

/* Report the size of `file` as it is written, from a thread of its own; NULL when not wanted. */
typedef struct eddy__watch eddy__watch;
eddy__watch *eddy__watch_start(eddy_env *env, const char *file, uint64_t total);
void eddy__watch_stop(eddy_env *env, eddy__watch *w);

#endif /* EDDY_ENGINE_PROGRESS_H */
