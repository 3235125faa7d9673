/*
 * cli_tool.c: the eddy tool's tools/eddy.c (messages, opening the database, common options)
 * for fuzz targets that link the tool's files: its main() is renamed, so libFuzzer's or
 * regress.c's main is the program's. Nothing else changes.
 */
int eddy_cli_main(int argc, char **argv);
#define main eddy_cli_main
#include "eddy.c"
