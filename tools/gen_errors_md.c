/* gen_errors_md.c: prints docs/ERRORS.md from the error table in include/eddy.h, so the
 * document cannot drift from the code (tests/CMakeLists.txt compares the two). */
#include <stdio.h>

#include "eddy.h"

int main(void)
{
    printf("# Eddy error codes\n\n"
           "Generated from `EDDY_ERRNO_MAP` in include/eddy.h by tools/gen_errors_md.c; a test\n"
           "fails when this file is stale (regenerate: `build/eddy-gen-errors > docs/ERRORS.md`).\n"
           "Codes are stable: new ones are appended, none is renumbered. Every function's header\n"
           "comment lists the codes it returns and why.\n\n"
           "| code | name | meaning |\n| ---: | --- | --- |\n");
#define EDDY__ROW(name, value, text) printf("| %d | `EDDY_%s` | %s |\n", (value), #name, text);
    EDDY_ERRNO_MAP(EDDY__ROW)
#undef EDDY__ROW
    return 0;
}
