/*
 * progress.h: progress of long operations on stderr (a bar, JSON lines, or nothing), and the
 * bars of long library calls reported through eddy_progress.
 */
#ifndef EDDY_CLI_PROGRESS_H
#define EDDY_CLI_PROGRESS_H

#include "cli.h"

struct cli_progress;

/* Start reporting `label` with `total` units (0 when unknown). NULL when reporting is off. */
struct cli_progress *cli_progress_start(const struct cli *cli, const char *label, uint64_t total);

/*
 * Percentage for `done` of `total` (an estimate that done may pass): never above 100; once done
 * has passed total, 99 until the final report. 0 when total is 0 (unknown).
 */
double cli_progress_percent(uint64_t done, uint64_t total, bool final);

/* Report that `done` units are finished (throttled to at most five updates per second). */
void cli_progress_update(struct cli_progress *p, uint64_t done);

/* Final update, newline, free. Accepts NULL. */
void cli_progress_end(struct cli_progress *p, uint64_t done);

/*
 * Long library calls (copy, compact, verify) report through eddy_progress: call with `on` true
 * before cli_open / cli_env_options so the options carry it (a bar per step, "verify: copy"...),
 * and with `on` false after the call to close the last bar.
 */
void cli_lib_progress(struct cli *cli, bool on);
/* Called by cli_env_options: sets opt->progress when cli_lib_progress is on. */
void cli_lib_progress_options(struct cli *cli, eddy_env_options *opt);

#endif /* EDDY_CLI_PROGRESS_H */
