/*
 * names.h: all queue or stream names of a database, collected into a sorted array.
 */
#ifndef EDDY_CLI_NAMES_H
#define EDDY_CLI_NAMES_H

#include "cli.h"

/* A growing list of names, filled by cli_name_collect (an eddy_*_list callback). */
struct cli_name_list {
    char **names;
    size_t n, cap;
};
int cli_name_collect(void *ctx, const char *name);

/* Collect all queue names (sorted); *names is malloc'ed, each name too. */
int cli_queue_names(eddy_env *env, char ***names, size_t *n);

/* Collect all stream names (sorted); free with cli_free_names. */
int cli_stream_names(eddy_env *env, char ***names, size_t *n);

/* Free what cli_queue_names or cli_stream_names returned. */
void cli_free_names(char **names, size_t n);

#endif /* EDDY_CLI_NAMES_H */
