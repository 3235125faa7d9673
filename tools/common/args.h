/*
 * args.h: parsing and formatting values: numbers, durations, times, sizes, rates, hex.
 */
#ifndef EDDY_CLI_ARGS_H
#define EDDY_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal unsigned integer, whole string, no sign; false if malformed or above max. */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A duration: "0", "250ms", "90s", "15m", "2h", "7d" or combinations ("1h30m"); a plain
 * number is seconds. */
bool cli_parse_duration_ms(const char *s, uint64_t *out);

/* An RFC 3339 time ("2026-11-27T01:02:03Z", "...T01:02:03.5+02:00") in ms since the epoch. */
bool cli_parse_time_ms(const char *s, uint64_t *out);

/* A size: bytes, or with a unit B, KiB, MiB, GiB (also K, M, G, KB, MB, GB as binary). */
bool cli_parse_size(const char *s, uint64_t *out);

/* Format ms since the epoch as RFC 3339 UTC with milliseconds into dst (at least 32 bytes). */
void cli_format_time(uint64_t ms, char *dst, size_t dst_cap);

/* Format a duration in ms as "1d2h3m4.5s" style text into dst (at least 32 bytes). */
void cli_format_duration(uint64_t ms, char *dst, size_t dst_cap);

/* Format a byte count as "12.3 MiB" into dst (at least 32 bytes). */
void cli_format_size(uint64_t bytes, char *dst, size_t dst_cap);

/* Format a rate as "12.3 MiB/s" (bytes: binary units) or "1234/s" (items) into dst. */
void cli_format_rate(double per_s, bool bytes, char *dst, size_t dst_cap);

/* Format `len` bytes as lower-case hex into dst (2 * len + 1 bytes). */
void cli_hex(const void *src, size_t len, char *dst);

#endif /* EDDY_CLI_ARGS_H */
