/*
 * fuzz_import.c: libFuzzer target for `eddy import` files (tools/transfer/, tools/common/json.c):
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

#include "import.h"
#include "fuzz_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1800000000000ull /* 2027: after the seeds' times (restores keep them) */

static struct {
    uint64_t inputs;
    FILE *errs; /* stands in for stderr during each import, to see that failures say why */
    struct cli cli;
} g;

static void verify(void)
{
    uint64_t problems = 1;
    REQUIRE(eddy_env_verify(fdb.env, NULL, NULL, &problems) == 0 && problems == 0);
}

static void at_exit(void)
{
    verify();
    if (g.errs != NULL)
        fclose(g.errs);
    g.errs = NULL;
}

static void setup(void)
{
    fuzz_db_open("import", T0);
    fdb.before_close = at_exit;
    REQUIRE((g.errs = tmpfile()) != NULL);
    g.cli.db_path = fdb.dir;
    g.cli.progress = CLI_PROGRESS_NONE;
    g.cli.cmd = "import";
}

/* A fresh target: the old one deleted, a new one created unless the import is to create it. */
static void fresh_target(const struct cli_import *im)
{
    eddy_stream_options so = EDDY_STREAM_OPTIONS_INIT;
    int rc;

    if (im->stream != NULL) {
        rc = eddy_stream_delete(fdb.env, im->stream);
        REQUIRE(rc == 0 || rc == EDDY_ENOTFOUND);
        if (im->create)
            return;
        so = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
        so.shard_count = 2;
        REQUIRE(eddy_stream_create(fdb.env, im->stream, &so) == 0);
    } else {
        rc = eddy_queue_delete(fdb.env, im->queue);
        REQUIRE(rc == 0 || rc == EDDY_ENOTFOUND);
        if (!im->create)
            REQUIRE(eddy_queue_create(fdb.env, im->queue, NULL) == 0);
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

    if (fdb.env == NULL)
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
    fdb.now += 1000; /* restores may not go backwards in time; sends get later times */
    rewind(g.errs);
    stderr = g.errs;
    ex = cli_import_lines(&g.cli, fdb.env, &im, data + 1, size - 1, NULL, &done);
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
