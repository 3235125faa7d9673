/*
 * files.c: a command's input read whole from a file or stdin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

bool cli_read_file(const struct cli *cli, const char *path, unsigned char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        cli_err(cli, "cannot open '%s': %s", path, strerror(errno));
        return false;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap != 0 ? cap * 2 : 65536;
            unsigned char *p = realloc(buf, ncap + 1);
            if (p == NULL) {
                cli_err(cli, "out of memory reading '%s'", path);
                goto fail;
            }
            buf = p;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        cli_err(cli, "cannot read '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (f != stdin)
        fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return true;
fail:
    if (f != stdin)
        fclose(f);
    free(buf);
    return false;
}
