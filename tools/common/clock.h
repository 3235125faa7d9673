/*
 * clock.h: the tool's times: now (the test clock when set), a monotonic clock for rates and
 * waits, and sleeping.
 */
#ifndef EDDY_CLI_CLOCK_H
#define EDDY_CLI_CLOCK_H

#include "cli.h"

/* Now in ms since the epoch: the test clock when set, else the system's real-time clock. */
uint64_t cli_now_ms(const struct cli *cli);

/* Monotonic time in ms (for rates and waits; the database's clock is the env's). */
uint64_t cli_mono_ms(void);

/* Sleep for ms milliseconds. */
void cli_sleep_ms(uint64_t ms);

/*
 * Sleep for ms milliseconds between rounds of a long-running command; the test clock, when set,
 * moves on by ms, so what depends on time passing (an iterator's TTL) is testable.
 */
void cli_wait_ms(struct cli *cli, uint64_t ms);

#endif /* EDDY_CLI_CLOCK_H */
