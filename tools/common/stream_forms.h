/*
 * stream_forms.h: a stream, a shard and a record as JSON or text (the forms that stream, stat,
 * dump and export share), and a stream's shard list.
 */
#ifndef EDDY_CLI_STREAM_FORMS_H
#define EDDY_CLI_STREAM_FORMS_H

#include "cli.h"

/* A record as a JSON object (new reference): stream, shard_id, seq, arrival_ms,
 * partition_key(+_encoding), data(+_encoding). */
json_t *cli_stream_record_json(const char *stream, const eddy_stream_record *r);

/* A record as one text line: "STREAM shard=N seq=S arrival=TIME key=K data=D". */
void cli_stream_record_text(FILE *f, const char *stream, const eddy_stream_record *r);

/* Shards of a stream into a malloc'ed array (*out); free() it. */
int cli_stream_shards(eddy_env *env, const char *name, eddy_stream_shard **out, size_t *n);

/* A stream's attributes and totals, and a shard, as JSON objects (new references). */
json_t *cli_stream_info_json(const char *name, const eddy_stream_info *i);
json_t *cli_shard_json(const eddy_stream_shard *s);

/* "open" or "closed". */
const char *cli_shard_state(int state);

#endif /* EDDY_CLI_STREAM_FORMS_H */
