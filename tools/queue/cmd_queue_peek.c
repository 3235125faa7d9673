/*
 * cmd_queue_peek.c: `eddy queue peek`: show a queue's stored messages without receiving them
 * (eddy_queue_scan: no visibility change, no receive count, no receipt), and with --follow the
 * messages sent afterwards, until interrupted.
 *
 * Message ids only grow, so following is a scan resumed after the last id shown: each round is
 * a few short read transactions and nothing is held while waiting (decision 0017).
 */
#include <getopt.h>
#include <string.h>

#include "args.h"
#include "clock.h"
#include "cmd_queue.h"
#include "db.h"
#include "interrupt.h"
#include "json.h"
#include "options.h"
#include "queue_forms.h"

enum { OPT_FOLLOW = 0x5b0, OPT_LIMIT, OPT_INTERVAL };

struct peek {
    const char *queue;
    uint64_t limit, shown; /* --limit (0 = none), messages printed */
};

static int print_message(void *ctx, const eddy_queue_scan_message *m)
{
    struct peek *p = ctx;
    p->shown++;
    return cli_json_print_line(stdout, cli_queue_scan_json(p->queue, m));
}

int cli_queue_peek(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"follow", no_argument, NULL, OPT_FOLLOW},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {NULL, 0, NULL, 0}};
    struct peek p = {NULL, 0, 0};
    uint64_t interval_ms = 200, after = 0;
    bool follow = false;
    eddy_env *env;
    int c, ex, rc = 0;
    while ((c = getopt_long(argc, argv, "hf", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_queue, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == OPT_FOLLOW || c == 'f') {
            follow = true;
        } else if (c == OPT_LIMIT) {
            if (!cli_parse_u64(optarg, UINT64_MAX, &p.limit) || p.limit == 0)
                return cli_usage(cli, "bad --limit '%s'", optarg);
        } else if (c == OPT_INTERVAL) {
            if (!cli_parse_duration_ms(optarg, &interval_ms) || interval_ms == 0 ||
                interval_ms > 60000)
                return cli_usage(cli, "bad --interval '%s' (1ms..60s)", optarg);
        } else {
            return cli_usage(cli, "unknown option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage(cli, "expected one queue NAME");
    p.queue = argv[optind];
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    cli_interrupt_install();
    for (;;) {
        rc = eddy_queue_scan(env, p.queue, after, p.limit != 0 ? p.limit - p.shown : 0,
                             print_message, &p, &after);
        fflush(stdout);
        if (rc != 0) {
            cli_fail(cli, rc, "cannot read queue '%s'", p.queue);
            break;
        }
        /* Interruption is how a follow normally ends: exit 0. */
        if (!follow || cli_interrupted != 0 || (p.limit != 0 && p.shown >= p.limit))
            break;
        cli_sleep_ms(interval_ms);
        if (cli_interrupted != 0)
            break;
    }
    return cli_close(cli, env, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
