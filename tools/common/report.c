/*
 * report.c: the tool's messages on stderr: "eddy CMD: ..." for errors, failed library calls
 * (with the error's name and detail) and usage errors (with a hint to `eddy help CMD`).
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

/* "eddy CMD: " and the formatted message, without a newline. */
static void vmessage(const struct cli *cli, const char *fmt, va_list ap)
{
    if (cli != NULL && cli->cmd != NULL)
        fprintf(stderr, "eddy %s: ", cli->cmd);
    else
        fputs("eddy: ", stderr);
    vfprintf(stderr, fmt, ap);
}

void cli_err(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(cli, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(const struct cli *cli, int rc, const char *fmt, ...)
{
    /* Copy the detail first: the stderr writes below make no eddy_ call, but be safe. */
    char detail[1024];
    va_list ap;
    snprintf(detail, sizeof detail, "%s", eddy_last_error());
    va_start(ap, fmt);
    vmessage(cli, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s", eddy_errname(rc));
    if (detail[0] != '\0')
        fprintf(stderr, ": %s", detail);
    else
        fprintf(stderr, ": %s", eddy_strerror(rc));
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

int cli_usage(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    const char *name = cli != NULL && cli->cmd != NULL ? cli->cmd : NULL;
    va_start(ap, fmt);
    vmessage(cli, fmt, ap);
    va_end(ap);
    /* The hint names the top-level command ("queue" for "queue create"). */
    fprintf(stderr, "\ntry 'eddy help%s%.*s'\n", name != NULL ? " " : "",
            name != NULL ? (int)strcspn(name, " ") : 0, name != NULL ? name : "");
    return CLI_EXIT_USAGE;
}
