/*
 * test_progress_fmt.c: the progress bar of tools/common/progress.c (docs/cli.md "Progress"): the
 * percentage never passes 100 even when `done` passes an estimated total (verify counts reads,
 * which may exceed the records stored), and byte rates are human-readable (KiB/s, MiB/s).
 * Links the tool's own progress.c, args.c, json.c and clock.c; draws to a temporary stderr.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "progress.h"

static int fails;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stdout, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static bool matches(const char *text, const char *pattern)
{
    regex_t re;
    bool m;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    m = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

/* Draw with `mode` a step `label` of `total` that reaches `done`; what it printed. */
static char *draw(int mode, const char *label, uint64_t total, uint64_t done, char *buf, size_t cap)
{
    struct cli cli;
    struct cli_progress *p;
    FILE *f = tmpfile();
    size_t n;
    int saved = dup(2);
    memset(&cli, 0, sizeof cli);
    cli.progress = mode;
    fflush(stderr);
    dup2(fileno(f), 2);
    p = cli_progress_start(&cli, label, total);
    cli_sleep_ms(20); /* a rate above zero */
    cli_progress_update(p, done);
    cli_progress_end(p, done);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

int main(void)
{
    char buf[4096], s[64];

    /* The percentage of an estimate that done passed: ~99% until the end, then 100%. */
    CHECK(cli_progress_percent(197, 100, false) <= 99.0);
    CHECK(cli_progress_percent(197, 100, true) == 100.0);
    CHECK(cli_progress_percent(50, 100, false) == 50.0);
    CHECK(cli_progress_percent(0, 0, false) == 0.0);
    draw(CLI_PROGRESS_BAR, "verify", 1000, 1970, buf, sizeof buf);
    CHECK(!matches(buf, "(10[1-9]|1[1-9][0-9]|[2-9][0-9][0-9])%"));
    CHECK(matches(buf, "~ ?99%"));
    CHECK(matches(buf, "100%"));
    draw(CLI_PROGRESS_JSON, "verify", 1000, 1970, buf, sizeof buf);
    CHECK(!matches(buf, "\"percent\":(10[1-9]|1[1-9][0-9]|[2-9][0-9][0-9])"));
    CHECK(matches(buf, "\"percent\":99"));

    /* Byte rates in binary units. */
    cli_format_rate(512.0, true, s, sizeof s);
    CHECK(strcmp(s, "512 B/s") == 0);
    cli_format_rate(1536.0, true, s, sizeof s);
    CHECK(strcmp(s, "1.5 KiB/s") == 0);
    cli_format_rate(3185777.0, true, s, sizeof s);
    CHECK(strcmp(s, "3.0 MiB/s") == 0);
    cli_format_rate(5.0 * 1024 * 1024 * 1024, true, s, sizeof s);
    CHECK(strcmp(s, "5.0 GiB/s") == 0);
    cli_format_rate(1234.4, false, s, sizeof s);
    CHECK(strcmp(s, "1234/s") == 0);
    draw(CLI_PROGRESS_BAR, "copy", 64u << 20, 32u << 20, buf, sizeof buf);
    CHECK(matches(buf, "[0-9.]+ (KiB|MiB|GiB)/s"));
    CHECK(matches(buf, "32.0 MiB/64.0 MiB"));

    if (fails != 0) {
        printf("%d failure(s)\n", fails);
        return 1;
    }
    printf("ok\n");
    return 0;
}
