/*
 * cmd_stream.h: what cmd_stream.c (stream commands and dispatch) and cmd_stream_tail.c share.
 * The family header of tools/stream/; the stream forms other commands print are in
 * common/stream_forms.h.
 */
#ifndef EDDY_CMD_STREAM_H
#define EDDY_CMD_STREAM_H

#include "cli.h"

/* `eddy stream tail`; argv[0] is the subcommand. */
int cli_stream_tail(struct cli *cli, int argc, char **argv);

#endif /* EDDY_CMD_STREAM_H */
