/*
 * interrupt.c: SIGINT and SIGTERM in long commands (import, compact, export). The handler only
 * sets a flag that the command's loop checks between library calls, so every batch is stored
 * whole or not at all and the command stops with a message and exit status 128 + the signal. A
 * command blocked in one long library call (compact's copy) instead registers the files that
 * call is writing: the handler removes them (unlink and rmdir are async-signal-safe) and exits.
 *
 * Never touches a file that was not registered, and never calls Eddy from the handler.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"

volatile sig_atomic_t cli_interrupted;

#define CLEANUP_MAX 4

/* Registered before the signals can arrive and never changed while they can. */
static char cleanup_files[CLEANUP_MAX][4200];
static int n_cleanup_files;
static volatile sig_atomic_t armed; /* 0 once the work is done: nothing to remove */
static char cleanup_dir[4200];
static char cleanup_msg[2][512]; /* [0] for SIGINT, [1] for SIGTERM */

static void on_signal(int sig)
{
    const char *msg = cleanup_msg[sig == SIGTERM];
    int i;
    cli_interrupted = sig;
    if (!armed || (n_cleanup_files == 0 && cleanup_dir[0] == '\0'))
        return;
    for (i = 0; i < n_cleanup_files; i++)
        unlink(cleanup_files[i]);
    if (cleanup_dir[0] != '\0')
        rmdir(cleanup_dir);
    if (write(STDERR_FILENO, msg, strlen(msg)) < 0)
        _exit(128 + sig);
    _exit(128 + sig);
}

void cli_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* the library's system calls go on; loops check the flag */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_interrupt_cleanup(const struct cli *cli, const char *const *files, size_t n_files,
                           const char *dir, const char *what)
{
    size_t i;
    for (i = 0; i < n_files && i < CLEANUP_MAX; i++)
        snprintf(cleanup_files[i], sizeof cleanup_files[i], "%s", files[i]);
    n_cleanup_files = (int)i;
    snprintf(cleanup_dir, sizeof cleanup_dir, "%s", dir != NULL ? dir : "");
    snprintf(cleanup_msg[0], sizeof cleanup_msg[0], "eddy %s: interrupted by SIGINT; %s\n",
             cli->cmd, what);
    snprintf(cleanup_msg[1], sizeof cleanup_msg[1], "eddy %s: interrupted by SIGTERM; %s\n",
             cli->cmd, what);
    armed = 1;
}

void cli_interrupt_disarm(void)
{
    armed = 0;
}

const char *cli_signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "a signal";
}
