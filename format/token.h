/*
 * token.h: the one codec of the opaque tokens Eddy hands out (receipt handles, iterator tokens):
 * a few raw bytes whose last 4 are check digits (the low 32 bits of XXH3-64 of the bytes before
 * them), written as lower-case hex. The check digits catch edited or truncated tokens; they are
 * no secret and no signature. Each token's layout stays with its codec (queue_keys.c,
 * stream_keys.c); this file knows only bytes, hex and check digits.
 */
#ifndef EDDY_FORMAT_TOKEN_H
#define EDDY_FORMAT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

/* Write raw's check digits into its last 4 bytes (len >= 4), then raw as 2 * len lower-case hex
 * characters and a NUL into dst (room for 2 * len + 1). */
void eddy__token_encode(char *dst, uint8_t *raw, size_t len);

/* How a token failed to parse. */
enum { EDDY__TOKEN_OK = 0, EDDY__TOKEN_BAD_LEN, EDDY__TOKEN_BAD_HEX };

/*
 * Parse NUL-terminated src (may be NULL) of exactly 2 * len hex characters into raw. Returns
 * EDDY__TOKEN_OK; EDDY__TOKEN_BAD_LEN with *n_chars the characters counted (up to 2 * len + 1);
 * or EDDY__TOKEN_BAD_HEX with *n_chars the offset of the first non-hex character. The caller
 * checks the version and eddy__token_check_ok in the order its messages need.
 */
int eddy__token_decode(const char *src, uint8_t *raw, size_t len, size_t *n_chars);

/* True when raw's last 4 bytes are the check digits of the bytes before them. */
int eddy__token_check_ok(const uint8_t *raw, size_t len);

#endif /* EDDY_FORMAT_TOKEN_H */
