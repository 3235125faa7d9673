/*
 * clock.c: the tool's clocks: now (the test clock when set, else real time), a monotonic clock
 * for rates and waits, and sleeping.
 */
#include <time.h>

#include "clock.h"

uint64_t cli_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t cli_now_ms(const struct cli *cli)
{
    struct timespec ts;
    if (cli->fixed_clock)
        return cli->fixed_now_ms;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void cli_sleep_ms(uint64_t ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

void cli_wait_ms(struct cli *cli, uint64_t ms)
{
    cli_sleep_ms(ms);
    if (cli->fixed_clock)
        cli->fixed_now_ms += ms;
}
