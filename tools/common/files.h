/*
 * files.h: reading a command's input file or stdin whole.
 */
#ifndef EDDY_CLI_FILES_H
#define EDDY_CLI_FILES_H

#include "cli.h"

/* Read a whole file ("-" = stdin) into a malloc'ed buffer. False on error (message printed). */
bool cli_read_file(const struct cli *cli, const char *path, unsigned char **out, size_t *len);

#endif /* EDDY_CLI_FILES_H */
