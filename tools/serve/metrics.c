/*
 * metrics.c: GET /metrics, the endpoint's Prometheus scrape. It serves exactly what
 * `eddy stat --format prometheus` prints (tools/common/live_stats.c takes the snapshot,
 * tools/common/prometheus.c writes it; decision 0017), so the two never disagree. A scrape
 * needs no SigV4 signature, as Prometheus sends none; it reads only, and holds no transaction
 * after the reply is built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_stats.h"
#include "prometheus.h"
#include "serve.h"

static void metrics_error(struct req *r, const char *text)
{
    char *body = strdup(text);
    reply_set(&r->reply, 500, "text/plain; charset=utf-8", body, body != NULL ? strlen(text) : 0);
}

void srv_metrics(struct req *r)
{
    struct cli_live snap;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    int rc;

    if (cli_live_collect(r->srv->cli, r->srv->env, &snap) != 0) {
        metrics_error(r, "metrics: the database could not be read (see the server's log)\n");
        return;
    }
    if ((f = open_memstream(&buf, &len)) == NULL) {
        cli_live_free(&snap);
        metrics_error(r, "metrics: out of memory\n");
        return;
    }
    rc = cli_prometheus_write(f, &snap);
    cli_live_free(&snap);
    if (fclose(f) != 0 || rc != 0) {
        free(buf);
        metrics_error(r, "metrics: the text could not be written\n");
        return;
    }
    reply_set(&r->reply, 200, CLI_PROMETHEUS_CONTENT_TYPE, buf, len);
}
