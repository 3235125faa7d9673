/*
 * workload_main.c: the crash workload as a program, for methods that cannot fork it: the
 * power-loss test runs it under the LD_PRELOAD recorder, the ext4 trial on a loop mount.
 * Acknowledgements go to a file (written with write(2), never buffered), which the recorder
 * turns into ACK markers in its log.
 *
 * Usage: crash_workload DIR ACKFILE SEED RUN OPS THREADS [nosync|sync [COMPACT_AT]]
 *   OPS 0 runs until killed; THREADS 0 only creates the queues (and streams) and exits;
 *   "nosync" sets EDDY_TEST_UNSAFE_NOSYNC (the positive control); COMPACT_AT > 0 compacts the
 *   database in place after that many operations per thread.
 */
#include "crash.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    crash_workload_cfg cfg;
    int fd;

    if (argc < 7) {
        fprintf(stderr, "usage: %s DIR ACKFILE SEED RUN OPS THREADS [nosync|sync [COMPACT_AT]]\n",
                argv[0]);
        return 2;
    }
    fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(argv[2]);
        return 2;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.dir = argv[1];
    cfg.ack_fd = fd;
    cfg.seed = strtoull(argv[3], NULL, 0);
    cfg.run = (uint32_t)strtoul(argv[4], NULL, 0);
    cfg.ops = strtoull(argv[5], NULL, 0);
    cfg.threads = (uint32_t)strtoul(argv[6], NULL, 0);
    if (argc > 7 && strcmp(argv[7], "nosync") == 0)
        cfg.test_flags = EDDY_TEST_UNSAFE_NOSYNC;
    if (argc > 8)
        cfg.compact_at = strtoull(argv[8], NULL, 0);
    return crash_workload_run(&cfg);
}
