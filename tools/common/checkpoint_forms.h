/*
 * checkpoint_forms.h: a consumer's checkpoint with its lag as JSON (checkpoint, stat, dump).
 */
#ifndef EDDY_CLI_CHECKPOINT_FORMS_H
#define EDDY_CLI_CHECKPOINT_FORMS_H

#include "cli.h"

/* A checkpoint with its lag as JSON (new reference). */
json_t *cli_checkpoint_json(const struct cli *cli, eddy_env *env, const char *stream,
                            const char *consumer, const eddy_checkpoint *cp);

#endif /* EDDY_CLI_CHECKPOINT_FORMS_H */
