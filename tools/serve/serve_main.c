/*
 * serve_main.c: `eddy serve`, the SQS- and Kinesis-compatible endpoint, as a command of the eddy
 * CLI: options, the database, the HTTP daemon, and a clean stop at SIGINT/SIGTERM (no new
 * connections, parked long polls answered, in-flight requests finished, database closed).
 * Signals are blocked in every thread and taken by sigwait here, so no handler runs inside a
 * library call.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "db.h"
#include "options.h"
#include "serve.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_serve = {
    "serve", "serve an SQS- and Kinesis-compatible HTTP endpoint (AWS SDKs, AWS CLI)",
    "usage: eddy serve [--listen HOST:PORT] [--region R] [--account ID] [--auth FILE]\n"
    "                  [--metrics-open] [--threads N] [--max-body BYTES] [--max-connections N]\n"
    "                  [--idle-timeout S] [--port-file FILE]\n"
    "\n"
    "Serves the database (--db PATH or $EDDY_DB; created when missing) to unchanged AWS\n"
    "clients, in the foreground: SQS over the Query protocol (AWS CLI 2.9, boto3 1.26) and\n"
    "JSON 1.0 (current SDKs), Kinesis over JSON 1.1. Point a client at http://HOST:PORT.\n"
    "Queue URLs are http://HOST:PORT/ACCOUNT/QUEUE; stream ARNs\n"
    "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME. Stops cleanly on SIGINT or SIGTERM.\n"
    "See docs/endpoint.md for every action and every difference from AWS. Then, e.g.:\n"
    "  aws --endpoint-url http://127.0.0.1:4566 sqs create-queue --queue-name jobs\n"
    "\n"
    "  --listen HOST:PORT     IPv4 address and port (default 127.0.0.1:4566; port 0 picks a\n"
    "                         free one, printed on the first line)\n"
    "  --region R             region in ARNs (default us-east-1)\n"
    "  --account ID           account id in URLs and ARNs, 12 digits (default 000000000000)\n"
    "  --auth FILE            verify SigV4 signatures against the keys in FILE, one\n"
    "                         'ACCESS_KEY_ID SECRET_KEY' per line (default: any credentials;\n"
    "                         a malformed Authorization header is refused either way;\n"
    "                         the scope must name --region, the service and the day)\n"
    "  --metrics-open         with --auth, serve GET /metrics without a signature\n"
    "  --threads N            HTTP worker threads, 1..64 (default 8)\n"
    "  --max-body BYTES       largest request body (default 16777216)\n"
    "  --max-connections N    open connections at most (default 4096); more wait in the\n"
    "                         kernel's accept queue\n"
    "  --idle-timeout S       close a connection idle or stalled this long (default 60;\n"
    "                         a parked long poll is not idle)\n"
    "  --port-file FILE       write the port to FILE once listening (for scripts)\n"
    "\n"
    "Example: eddy --db ./eddy-data serve --listen 127.0.0.1:0 --port-file port & sleep 1; kill "
    "$!\n",
    run};

static int load_keys(struct cli *cli, struct srv *s, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];

    if (f == NULL) {
        cli_err(cli, "cannot read --auth file '%s'", path);
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        struct srv_key *k = &s->keys[s->key_count];
        char *save = NULL, *id, *secret;
        bool long_line = strlen(line) == sizeof line - 1 && line[sizeof line - 2] != '\n';
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        id = strtok_r(line, " \t\r\n", &save);
        secret = strtok_r(NULL, " \t\r\n", &save);
        /* A key longer than the table holds is refused, never cut: a cut secret would make
         * every signature of that key fail with no hint why. */
        if (long_line || (secret != NULL &&
                          (strlen(id) >= sizeof k->id || strlen(secret) >= sizeof k->secret))) {
            fclose(f);
            cli_err(cli,
                    "--auth file '%s': an access key id or secret is longer than %zu characters",
                    path, sizeof k->secret - 1);
            return -1;
        }
        if (s->key_count == SRV_KEYS_MAX || secret == NULL ||
            strtok_r(NULL, " \t\r\n", &save) != NULL) {
            fclose(f);
            cli_err(cli, "--auth file '%s': expected 'ACCESS_KEY_ID SECRET' lines (at most %u)",
                    path, SRV_KEYS_MAX);
            return -1;
        }
        memcpy(k->id, id, strlen(id) + 1);
        memcpy(k->secret, secret, strlen(secret) + 1);
        s->key_count++;
    }
    fclose(f);
    if (s->key_count == 0) {
        cli_err(cli, "--auth file '%s' lists no keys", path);
        return -1;
    }
    s->auth_on = true;
    return 0;
}

static bool parse_listen(const char *arg, char *host, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(arg, ':');
    uint64_t p;
    size_t n;
    if (colon == NULL || !cli_parse_u64(colon + 1, 65535, &p))
        return false;
    n = (size_t)(colon - arg);
    if (n == 0 || n >= cap)
        return false;
    memcpy(host, arg, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, cap, "127.0.0.1");
    *port = (uint16_t)p;
    return true;
}

static int serve(struct cli *cli, struct srv *s, const char *host, uint16_t port,
                 const char *port_file)
{
    sigset_t set;
    int sig = 0, rc;

    if ((rc = tags_init(s)) != 0 || (rc = srv_park_init(s)) != 0)
        return cli_fail(cli, rc, "starting the server");
    if (srv_http_start(s, host, port) != 0) {
        cli_err(cli, "cannot listen on %s:%u (address in use, or not an IPv4 address?)", host,
                port);
        return CLI_EXIT_FAIL;
    }
    snprintf(s->base_url, sizeof s->base_url, "http://%s:%u", host, s->port);
    printf("eddy serve: listening on http://%s:%u (database %s)\n", host, s->port, cli->db_path);
    fflush(stdout);
    if (port_file != NULL) {
        FILE *f = fopen(port_file, "w");
        if (f != NULL) {
            fprintf(f, "%u\n", s->port);
            fclose(f);
        }
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigwait(&set, &sig);
    fprintf(stderr, "eddy serve: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    s->stopping = 1;
    srv_http_stop(s);
    return sig == SIGINT ? 130 : 143;
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"listen", required_argument, NULL, 'l'},
        {"region", required_argument, NULL, 'r'},
        {"account", required_argument, NULL, 'a'},
        {"auth", required_argument, NULL, 'A'},
        {"threads", required_argument, NULL, 't'},
        {"max-body", required_argument, NULL, 'b'},
        {"max-connections", required_argument, NULL, 'c'},
        {"port-file", required_argument, NULL, 'p'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"metrics-open", no_argument, NULL, 'M'},
        {NULL, 0, NULL, 0}};
    static struct srv s; /* large (keys); one server per process */
    const char *listen = "127.0.0.1:4566", *port_file = NULL;
    char host[64];
    uint16_t port = 0;
    uint64_t v;
    sigset_t set;
    int c, ex, result;

    memset(&s, 0, sizeof s);
    s.cli = cli;
    snprintf(s.region, sizeof s.region, "us-east-1");
    snprintf(s.account, sizeof s.account, "000000000000");
    s.body_max = SRV_BODY_MAX_DEFAULT;
    s.conn_max = SRV_CONN_MAX_DEFAULT;
    s.threads = SRV_THREADS_DEFAULT;
    s.idle_timeout_s = SRV_IDLE_TIMEOUT_S;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_serve, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'l') {
            listen = optarg;
        } else if (c == 'r') {
            if (strlen(optarg) == 0 || strlen(optarg) >= sizeof s.region ||
                strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(optarg))
                return cli_usage(cli, "--region: expected a region name such as us-east-1");
            snprintf(s.region, sizeof s.region, "%s", optarg);
        } else if (c == 'a') {
            if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12)
                return cli_usage(cli, "--account: expected 12 digits");
            snprintf(s.account, sizeof s.account, "%s", optarg);
        } else if (c == 'A') {
            if (load_keys(cli, &s, optarg) != 0)
                return CLI_EXIT_USAGE;
        } else if (c == 'M') {
            s.metrics_open = true;
        } else if (c == 't') {
            if (!cli_parse_u64(optarg, 64, &v) || v == 0)
                return cli_usage(cli, "--threads: expected 1..64");
            s.threads = (uint32_t)v;
        } else if (c == 'b') {
            if (!cli_parse_u64(optarg, 1u << 30, &v) || v < 1024)
                return cli_usage(cli, "--max-body: expected 1024..1073741824 bytes");
            s.body_max = (uint32_t)v;
        } else if (c == 'c') {
            if (!cli_parse_u64(optarg, 1000000, &v) || v == 0)
                return cli_usage(cli, "--max-connections: expected 1..1000000");
            s.conn_max = (uint32_t)v;
        } else if (c == 'i') {
            if (!cli_parse_u64(optarg, 3600, &v) || v == 0)
                return cli_usage(cli, "--idle-timeout: expected 1..3600 seconds");
            s.idle_timeout_s = (uint32_t)v;
        } else if (c == 'p') {
            port_file = optarg;
        } else {
            return cli_usage(cli, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!parse_listen(listen, host, sizeof host, &port))
        return cli_usage(cli, "--listen: expected HOST:PORT, e.g. 127.0.0.1:4566");
    /* Block the stop signals before any thread starts: the threads inherit the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((result = cli_open(cli, CLI_OPEN_CREATE, &s.env)) != CLI_EXIT_OK)
        return result;
    result = serve(cli, &s, host, port, port_file);
    srv_http_stop(&s);
    srv_park_fini(&s);
    tags_fini(&s);
    result = cli_close(cli, s.env, result == 130 || result == 143 ? CLI_EXIT_OK : result);
    if (result == CLI_EXIT_OK)
        fprintf(stderr, "eddy serve: stopped; database closed\n");
    return result;
}
