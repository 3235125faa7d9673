/*
 * task_forms.h: a redrive task as JSON or as one text line (redrive, stat, dump).
 */
#ifndef EDDY_CLI_TASK_FORMS_H
#define EDDY_CLI_TASK_FORMS_H

#include "cli.h"

/* Redrive tasks as JSON (new reference) or one text line on stdout. */
json_t *cli_task_json(const eddy_queue_redrive_task *t);
void cli_task_text(const eddy_queue_redrive_task *t);

#endif /* EDDY_CLI_TASK_FORMS_H */
