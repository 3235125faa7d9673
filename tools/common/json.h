/*
 * json.h: JSON output and body encoding: JSON lines through jansson, bodies as UTF-8 text or
 * base64, the text form of bodies in listings, and a diff of two objects. Knows nothing of the
 * database.
 */
#ifndef EDDY_CLI_JSON_H
#define EDDY_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* True when the bytes are valid UTF-8 without NUL bytes (printable as JSON text). */
bool cli_is_utf8(const void *data, size_t len);

/* Base64 (RFC 4648, padded) of src; a malloc'ed NUL-ended string, NULL on OOM. */
char *cli_base64_encode(const void *src, size_t len);

/* Decode base64; *out is malloc'ed. False when malformed or OOM. */
bool cli_base64_decode(const char *src, unsigned char **out, size_t *out_len);

/* Set obj["body"] and obj["body_encoding"] ("utf8" or "base64") for the bytes. */
int cli_json_set_body(json_t *obj, const char *key, const char *enc_key, const void *data,
                      size_t len);

/* Decode a body written by cli_json_set_body; *out is malloc'ed. False when malformed. */
bool cli_json_get_body(json_t *obj, const char *key, const char *enc_key, unsigned char **out,
                       size_t *out_len);

/* Print obj as one compact line (keys in insertion order) and release it; 0 or -1. */
int cli_json_print_line(FILE *f, json_t *obj);

/* Print a slice as text: UTF-8 as is (newlines and tabs escaped), else "base64:<...>". */
void cli_print_body_text(FILE *f, const void *data, size_t len);

/*
 * The keys of `want` whose value in `have` differs, as a malloc'ed "key HAVE (LABEL: WANT), ..."
 * (values as compact JSON); NULL when none differs (or out of memory).
 */
char *cli_json_diff(json_t *have, json_t *want, const char *label);

#endif /* EDDY_CLI_JSON_H */
