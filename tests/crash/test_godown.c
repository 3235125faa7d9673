/*
 * test_godown.c: power cut on a real file system. ext4 on a loop device; the crash workload runs
 * on it (a fresh database per trial, so creation and its directory fsyncs are inside the crash
 * window) and acknowledges to a file outside it; after a seeded number of acknowledgements the
 * file system is shut down with FS_IOC_SHUTDOWN and NOLOGFLUSH ("godown", as xfstests): nothing
 * not yet in the journal or on disk survives. The workload is killed, the file system remounted
 * (journal replay), and the checker runs on what is there.
 *
 * Unlike the record/replay test this loses directory entries the way ext4 does, so it is the one
 * that shows a missing directory fsync; unlike it, it cannot show reordered or torn writes (the
 * loop device writes through, and the page cache rarely writes back within a trial).
 *
 * Needs root, losetup, mkfs.ext4 and mount; exits 77 (skipped) when any of them is refused.
 * Usage: crash_godown --workload PATH [--trials N] [--nosync --expect-fail]; EDDY_SEED=<n>
 * replays the seeded choices. --nosync --expect-fail is the positive control (MDB_NOSYNC).
 */
#include "crash.h"
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* FS_IOC_SHUTDOWN (XFS_IOC_GOINGDOWN) and its "do not flush the log" flag; not in every
 * distribution's uapi headers, so spelled out as the kernel defines them. */
#define GODOWN_IOC        _IOR('X', 125, uint32_t)
#define GODOWN_NOLOGFLUSH 2u
#define SKIP              77

static char img[600], mnt[600], loopdev[64];

/* Run argv; returns its exit status (or -1). Output is discarded unless EDDY_VERBOSE. */
static int run(const char *const *argv, char *out, size_t out_cap)
{
    int p[2], st = 0;
    pid_t pid;

    if (pipe(p) != 0)
        return -1;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        if (getenv("EDDY_VERBOSE") == NULL)
            dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execvp(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(p[1]);
    size_t len = 0;
    ssize_t r;
    char sink[256];
    while ((r = read(p[0], out && len + 1 < out_cap ? out + len : sink,
                     out && len + 1 < out_cap ? out_cap - len - 1 : sizeof sink)) > 0)
        if (out && len + 1 < out_cap)
            len += (size_t)r;
    if (out)
        out[len] = '\0';
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int do_mount(void)
{
    return mount(loopdev, mnt, "ext4", 0, "") == 0 ? 0 : -1;
}

static void teardown(void)
{
    if (mnt[0] != '\0')
        umount2(mnt, MNT_DETACH);
    if (loopdev[0] != '\0') {
        const char *argv[] = {"losetup", "-d", loopdev, NULL};
        run(argv, NULL, 0);
    }
}

static int setup(const char *root)
{
    const char *mkfs[] = {"mkfs.ext4", "-q", "-F", img, NULL};
    const char *los[] = {"losetup", "-f", "--show", img, NULL};
    int fd;

    if (geteuid() != 0)
        return SKIP;
    snprintf(img, sizeof img, "%s/ext4.img", root);
    snprintf(mnt, sizeof mnt, "%s/mnt", root);
    fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, 256 << 20) != 0)
        return SKIP;
    close(fd);
    if (mkdir(mnt, 0755) != 0 || run(mkfs, NULL, 0) != 0 || run(los, loopdev, sizeof loopdev))
        return SKIP;
    loopdev[strcspn(loopdev, "\n")] = '\0';
    if (strncmp(loopdev, "/dev/", 5) != 0) {
        loopdev[0] = '\0';
        return SKIP;
    }
    if (do_mount() != 0) {
        mnt[0] = '\0';
        return SKIP;
    }
    return 0;
}

static size_t file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (size_t)st.st_size : 0;
}

/* Apply the acks in `path` to m; FAIL records after byte `fail_cut` are expected (the workload
 * sees EIO once the file system is shut down) and ignored. */
static void load_acks(const char *path, size_t fail_cut, crash_model *m)
{
    FILE *f = fopen(path, "rb");
    crash_ack a;
    size_t off = 0;

    while (f != NULL && fread(&a, sizeof a, 1, f) == 1) {
        if (!(a.kind == CRASH_ACK_FAIL && off >= fail_cut))
            crash_model_add(m, &a);
        off += sizeof a;
    }
    if (f != NULL)
        fclose(f);
}

static bool nosync;
static uint64_t total_acks, total_sends;

/* One trial; returns its verdict (or -1 when the trial itself could not run). */
static int trial(const char *workload, const char *root, int t, uint64_t seed, uint64_t *rng)
{
    char db[700], acks[700], seedstr[32];
    uint64_t want = 1 + crash_rand(rng) % 400;
    crash_model m;
    crash_result r;
    pid_t pid;
    size_t cut;
    int st, fd;
    uint32_t how = GODOWN_NOLOGFLUSH;

    snprintf(db, sizeof db, "%s/db-%d", mnt, t);
    snprintf(acks, sizeof acks, "%s/acks-%d", root, t);
    snprintf(seedstr, sizeof seedstr, "%" PRIu64, seed + (uint64_t)t);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* After the shutdown every write fails with EIO: the workload's complaints are noise. */
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0 && getenv("EDDY_VERBOSE") == NULL)
            dup2(devnull, 2);
        execl(workload, workload, db, acks, seedstr, "1", "0", "2", nosync ? "nosync" : "sync",
              (char *)NULL);
        _exit(127);
    }
    /* Kill timing only: poll the ack file until `want` records arrived (or 20 s passed). */
    for (int i = 0; i < 20000 && file_size(acks) < want * sizeof(crash_ack); i++) {
        struct timespec ts = {0, 1000000};
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "FAIL: trial %d: workload exited early (0x%x)\n", t, st);
            return -1;
        }
        nanosleep(&ts, NULL);
    }
    fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cut = file_size(acks);
    if (fd < 0 || ioctl(fd, GODOWN_IOC, &how) != 0) {
        fprintf(stderr, "FAIL: FS_IOC_SHUTDOWN: %s\n", strerror(errno));
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    close(fd);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (umount(mnt) != 0 || do_mount() != 0) {
        fprintf(stderr, "FAIL: remount after shutdown: %s\n", strerror(errno));
        return -1;
    }
    crash_model_init(&m);
    load_acks(acks, cut, &m);
    crash_check_isolated(db, &m, CRASH_T0 + 2 * CRASH_RUN_SPAN_MS + 3600000, &r);
    total_acks += m.acks;
    total_sends += m.sent.n;
    if (r.verdict != CRASH_OK)
        printf("%s trial %d (%" PRIu64 " acks, %zu sends acked): %s\n",
               crash_verdict_name(r.verdict), t, m.acks, m.sent.n, r.why);
    crash_model_free(&m);
    return r.verdict;
}

int main(int argc, char **argv)
{
    const char *workload = NULL;
    int trials = 20, rc, bad = 0;
    bool expect_fail = false;
    uint64_t seed = t_seed(), rng = seed;
    const char *root = t_tmpdir();
    double t0 = crash_now_ms();

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
            workload = argv[++i];
        else if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (strcmp(argv[i], "--nosync") == 0)
            nosync = true;
        else if (strcmp(argv[i], "--expect-fail") == 0)
            expect_fail = true;
    }
    if (workload == NULL) {
        fprintf(stderr, "usage: %s --workload PATH [--trials N]\n", argv[0]);
        return 2;
    }
    if ((rc = setup(root)) != 0) {
        printf("godown: skipped: needs root, losetup, mkfs.ext4 and mount of a loop device\n");
        teardown();
        return rc;
    }
    for (int t = 0; t < trials; t++) {
        rc = trial(workload, root, t, seed, &rng);
        if (rc < 0) {
            teardown();
            return 1;
        }
        bad += rc != CRASH_OK;
    }
    teardown();
    printf("godown%s: %d ext4 shutdowns (NOLOGFLUSH), %" PRIu64 " acks, %" PRIu64
           " sends acknowledged, %d not OK, in %.1f s\n",
           nosync ? " (MDB_NOSYNC control)" : "", trials, total_acks, total_sends, bad,
           (crash_now_ms() - t0) / 1000);
    if (expect_fail) {
        printf(bad ? "positive control caught, as it must be\n"
                   : "FAIL: the positive control was not caught\n");
        return bad ? 0 : 1;
    }
    return bad ? 1 : 0;
}
