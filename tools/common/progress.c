/*
 * progress.c: progress of long operations (verify, compact, trim, redrive, export, import) on
 * stderr: a bar with rate and ETA on a terminal, JSON lines with --progress=json, nothing when
 * stderr is not a terminal (auto) or with --progress=none.
 *
 * Never writes to stdout, so the data a command prints stays clean.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "json.h"
#include "progress.h"

struct cli_progress {
    int mode; /* CLI_PROGRESS_BAR or CLI_PROGRESS_JSON */
    const char *label;
    uint64_t total;
    uint64_t start_ms;
    uint64_t last_ms;
    bool drawn;
};

double cli_progress_percent(uint64_t done, uint64_t total, bool final)
{
    if (total == 0)
        return 0.0;
    if (done > total) /* the total was an estimate that done passed: not there until final */
        return final ? 100.0 : 99.0;
    return (double)done * 100.0 / (double)total;
}

struct cli_progress *cli_progress_start(const struct cli *cli, const char *label, uint64_t total)
{
    struct cli_progress *p;
    int mode = cli->progress;
    if (mode == CLI_PROGRESS_AUTO)
        mode = isatty(STDERR_FILENO) ? CLI_PROGRESS_BAR : CLI_PROGRESS_NONE;
    if (mode == CLI_PROGRESS_NONE)
        return NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->mode = mode;
    p->label = label;
    p->total = total;
    p->start_ms = cli_mono_ms();
    return p;
}

/* What `done` counts: bytes for the library's "copy" step, else items (records, pages, lines). */
static bool counts_bytes(const struct cli_progress *p)
{
    return strcmp(p->label, "copy") == 0;
}

/* One --progress=json line: always the same keys (docs/cli.md "Progress"), null when unknown. */
static void draw_json(const struct cli_progress *p, uint64_t done, bool final, double rate,
                      double eta, uint64_t elapsed)
{
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(p->label));
    json_object_set_new(o, "unit", json_string(counts_bytes(p) ? "bytes" : "count"));
    json_object_set_new(o, "done", json_integer((json_int_t)done));
    json_object_set_new(o, "total",
                        p->total != 0 ? json_integer((json_int_t)p->total) : json_null());
    json_object_set_new(o, "percent",
                        p->total != 0 ? json_real(cli_progress_percent(done, p->total, final))
                                      : json_null());
    json_object_set_new(o, "rate_per_s", json_real(rate));
    json_object_set_new(o, "elapsed_s", json_real((double)elapsed / 1000.0));
    json_object_set_new(o, "eta_s", eta >= 0.0 && !final ? json_real(eta) : json_null());
    json_object_set_new(o, "final", json_boolean(final));
    cli_json_print_line(stderr, o);
}

static void draw(struct cli_progress *p, uint64_t done, bool final)
{
    uint64_t now = cli_mono_ms(), elapsed = now - p->start_ms;
    double rate = elapsed > 0 ? (double)done * 1000.0 / (double)elapsed : 0.0;
    double eta = -1.0;
    char rs[32], ds[32], ts[32];
    p->drawn = true;
    if (p->total > done && rate > 0.0)
        eta = (double)(p->total - done) / rate;
    if (p->mode == CLI_PROGRESS_JSON) {
        draw_json(p, done, final, rate, eta, elapsed);
        return;
    }
    cli_format_rate(rate, counts_bytes(p), rs, sizeof rs);
    if (p->total != 0) {
        double pct = cli_progress_percent(done, p->total, final);
        int width = 30, fill = (int)(pct * width / 100.0);
        int i;
        fprintf(stderr, "\r%s [", p->label);
        for (i = 0; i < width; i++)
            fputc(i < fill ? '#' : ' ', stderr);
        /* "~": the total was an estimate that the work passed. */
        fprintf(stderr, "] %s%3d%% ", done > p->total && !final ? "~" : "", (int)pct);
        if (counts_bytes(p)) {
            cli_format_size(done, ds, sizeof ds);
            cli_format_size(p->total, ts, sizeof ts);
            fprintf(stderr, "%s/%s %s", ds, ts, rs);
        } else {
            fprintf(stderr, "%llu/%llu %s", (unsigned long long)done, (unsigned long long)p->total,
                    rs);
        }
    } else {
        fprintf(stderr, "\r%s %llu %s", p->label, (unsigned long long)done, rs);
    }
    if (eta >= 0.0 && !final)
        fprintf(stderr, " ETA %d:%02d", (int)eta / 60, (int)eta % 60);
    else
        fprintf(stderr, " %.1fs", (double)elapsed / 1000.0);
    fputs("\033[K", stderr);
    if (final)
        fputc('\n', stderr);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
    uint64_t now;
    if (p == NULL)
        return;
    now = cli_mono_ms();
    if (p->drawn && now - p->last_ms < 200)
        return;
    p->last_ms = now;
    draw(p, done, false);
}

void cli_progress_end(struct cli_progress *p, uint64_t done)
{
    if (p == NULL)
        return;
    draw(p, done, true);
    free(p);
}

/* eddy_progress.fn: one bar per step; a new step closes the previous bar. */
static void lib_report(void *ctx, const char *step, uint64_t done, uint64_t total)
{
    struct cli *cli = ctx;
    if (cli->lib_step == NULL || strcmp(cli->lib_step, step) != 0) {
        cli_progress_end(cli->lib_bar, cli->lib_done);
        cli->lib_bar = cli_progress_start(cli, step, total);
        cli->lib_step = step;
    }
    if (cli->lib_bar != NULL)
        cli->lib_bar->total = total;
    cli->lib_done = done;
    cli_progress_update(cli->lib_bar, done);
}

void cli_lib_progress(struct cli *cli, bool on)
{
    if (!on) {
        cli_progress_end(cli->lib_bar, cli->lib_done);
        cli->lib_bar = NULL;
        cli->lib_step = NULL;
    }
    cli->lib_progress = on;
}

void cli_lib_progress_options(struct cli *cli, eddy_env_options *opt)
{
    if (cli->lib_progress) {
        opt->progress.fn = lib_report;
        opt->progress.ctx = cli;
    }
}
