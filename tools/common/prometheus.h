/*
 * prometheus.h: a live snapshot in the Prometheus text exposition format (version 0.0.4), for
 * `eddy stat --format prometheus` and `eddy serve`'s /metrics: every family with # HELP and
 * # TYPE, base units (seconds, bytes), label values escaped (decision 0017).
 */
#ifndef EDDY_CLI_PROMETHEUS_H
#define EDDY_CLI_PROMETHEUS_H

#include "live_stats.h"

/* The content type a server sends with this text. */
#define CLI_PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Write snapshot s to f (a FILE, or open_memstream for a buffer). Returns 0, or -1 when a write
 * to f failed (errno set).
 */
int cli_prometheus_write(FILE *f, const struct cli_live *s);

#endif /* EDDY_CLI_PROMETHEUS_H */
