/*
 * fuzz_import.c: libFuzzer target for `eddy import` files (tools/cmd_import.c, tools/json.c):
 * JSON lines parsed and stored by cli_import_lines, the function the command runs, against a
 * temporary database opened once per process. The first input byte picks the mode (bit 0: a
 * stream, else a queue; bit 1: --new-ids; bit 2: --create, the target then being absent), the
 * rest is the file. Each input gets a fresh target (deleted, then created unless --create).
 * Invariants: the result is CLI_EXIT_OK with every non-empty line stored, or CLI_EXIT_FAIL with
 * a message on stderr; never a crash, leak or hang; the database verifies clean afterwards (every
 * 64 inputs, and at exit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_import: %s failed at line %d: %s\n", #cond, __LINE__,            \
                    eddy_last_error());                                                            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define T0 1800000000000ull /* 2027: after the seeds' times (restores keep them) */

static struct {
    eddy_env *env;
    char dir[256];
    uint64_t now, rng, inputs;
    FILE *errs; /* stands in for stderr during each import, to see that failures say why */
    struct cli cli;
} g;

static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    return g.now;
}

static uint64_t rng_next(void *ctx)
{
    uint64_t z = (g.rng += 0x9e3779b97f4a7c15ull);
    (void)ctx;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void verify(void)
{
    uint64_t problems = 1;
    REQUIRE(eddy_env_verify(g.env, NULL, NULL, &problems) == 0 && problems == 0);
}

static void cleanup(void)
{
    char cmd[300];
    if (g.env != NULL) {
        verify();
        eddy_env_close(g.env);
    }
    g.env = NULL;
    if (g.errs != NULL)
        fclose(g.errs);
    g.errs = NULL;
    if (getenv("EDDY_KEEP_TMP") == NULL && g.dir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g.dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_import: could not remove %s\n", g.dir);
    }
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    eddy_env_options o;

    snprintf(g.dir, sizeof g.dir, "%s/eddy-fuzz-import-XXXXXX", tmp != NULL ? tmp : "/tmp");
    REQUIRE(mkdtemp(g.dir) != NULL);
    atexit(cleanup);
    REQUIRE((g.errs = tmpfile()) != NULL);
    g.now = T0;
    g.rng = 1;
    memset(&o, 0, sizeof o);
    o.clock.now_ms = clock_now;
    o.rng.next_u64 = rng_next;
    o.test_flags = EDDY_TEST_UNSAFE_NOSYNC; /* a fuzzer, not a durability test: no fsyncs */
    REQUIRE(eddy_env_open(g.dir, &o, &g.env) == 0);
    g.cli.db_path = g.dir;
    g.cli.progress = CLI_PROGRESS_NONE;
    g.cli.cmd = "import";
}

/* A fresh target: the old one deleted, a new one created unless the import is to create it. */
static void fresh_target(const struct cli_import *im)
{
    eddy_stream_options so;
    int rc;

    if (im->stream != NULL) {
        rc = eddy_stream_delete(g.env, im->stream);
        REQUIRE(rc == 0 || rc == EDDY_ENOTFOUND);
        if (im->create)
            return;
        memset(&so, 0, sizeof so);
        so.shard_count = 2;
        REQUIRE(eddy_stream_create(g.env, im->stream, &so) == 0);
    } else {
        rc = eddy_queue_delete(g.env, im->queue);
        REQUIRE(rc == 0 || rc == EDDY_ENOTFOUND);
        if (!im->create)
            REQUIRE(eddy_queue_create(g.env, im->queue, NULL) == 0);
    }
}

static size_t nonempty_lines(const uint8_t *buf, size_t len)
{
    size_t n = 0, pos = 0;
    while (pos < len) {
        const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        n += end > pos;
        pos = end + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cli_import im;
    FILE *saved = stderr;
    size_t done = 99;
    int ex;

    if (g.env == NULL)
        setup();
    if (size < 1)
        return 0;
    memset(&im, 0, sizeof im);
    if (data[0] & 1)
        im.stream = "s";
    else
        im.queue = "q";
    im.new_ids = (data[0] & 2) != 0;
    im.create = (data[0] & 4) != 0;
    fresh_target(&im);
    g.now += 1000; /* restores may not go backwards in time; sends get later times */
    rewind(g.errs);
    stderr = g.errs;
    ex = cli_import_lines(&g.cli, g.env, &im, data + 1, size - 1, NULL, &done);
    fflush(g.errs);
    stderr = saved;
    REQUIRE(ex == CLI_EXIT_OK || ex == CLI_EXIT_FAIL);
    REQUIRE(done <= nonempty_lines(data + 1, size - 1));
    if (ex == CLI_EXIT_OK)
        REQUIRE(done == nonempty_lines(data + 1, size - 1));
    else
        REQUIRE(ftell(g.errs) > 0);
    if (++g.inputs % 64 == 0)
        verify();
    return 0;
}
