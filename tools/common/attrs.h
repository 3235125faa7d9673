/*
 * attrs.h: a queue's or stream's attributes as options for a create or set call, and as the
 * export header's "attributes" object and back (export writes them, import reads them).
 */
#ifndef EDDY_CLI_ATTRS_H
#define EDDY_CLI_ATTRS_H

#include <stdbool.h>

#include <jansson.h>

#include "eddy.h"

/*
 * The export header (docs/cli.md "export"): the first line of an `eddy export` file,
 * {"eddy_export":CLI_EXPORT_VERSION,"queue"|"stream":NAME,"attributes":{...},...}. Files without
 * it (older exports, `queue receive` output) still import. A reader refuses a newer version.
 */
#define CLI_EXPORT_VERSION 1

/*
 * The CLI holds a queue's attributes in an eddy_queue_info (its attribute fields have fixed
 * arrays for the names, where eddy_queue_options only points): cli_queue_options_of makes the
 * options for a create or set call from it; o's names point into `a` and into srcs.
 */
void cli_queue_options_of(const eddy_queue_info *a, const char *srcs[EDDY_QUEUE_ALLOW_MAX],
                          eddy_queue_options *o);
/* A stream's attributes as options (from its info). */
eddy_stream_options cli_stream_options_of(const eddy_stream_info *i);

/* A queue's or stream's attributes as the header's "attributes" object (new reference). */
json_t *cli_queue_options_json(const eddy_queue_info *o);
json_t *cli_stream_options_json(const eddy_stream_options *o);

/* Read them back into *o (zeroed first): false with the offending key in *why when a key is
 * missing, unknown, of the wrong type or out of the field's range. Values are not checked
 * against the library's limits (create or compare does that). */
bool cli_queue_options_from_json(json_t *j, eddy_queue_info *o, const char **why);
bool cli_stream_options_from_json(json_t *j, eddy_stream_options *o, const char **why);

#endif /* EDDY_CLI_ATTRS_H */
