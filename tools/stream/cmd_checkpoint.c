/*
 * cmd_checkpoint.c: `eddy checkpoint get|set|leases`: a consumer's checkpoints on a stream
 * (with how far behind each is), writing one, and the consumer's shard leases.
 *
 * The lag is measured with one 1-record read after the checkpoint (millis_behind_latest); no
 * snapshot is held between calls.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrays.h"
#include "args.h"
#include "checkpoint_forms.h"
#include "db.h"
#include "files.h"
#include "json.h"
#include "options.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_checkpoint = {
    "checkpoint", "read and write consumer checkpoints; list leases",
    "usage: eddy checkpoint get STREAM CONSUMER [--shard ID]\n"
    "       eddy checkpoint set STREAM CONSUMER SHARD SEQ [--state TEXT | --state-file F]\n"
    "       eddy checkpoint leases STREAM CONSUMER\n"
    "\n"
    "get prints one JSON line per checkpoint of CONSUMER on STREAM (or only shard ID):\n"
    "stream, consumer, shard_id, seq, shard_end, updated_ms, lease_counter, state (+encoding),\n"
    "next_arrival_ms (arrival of the first record after the checkpoint, 0 when none) and\n"
    "millis_behind_latest (its age now; 0 when caught up or the shard was read to its end).\n"
    "set writes a checkpoint (unfenced): SEQ is a sequence number of the shard, or SHARD_END\n"
    "for a closed shard read to its end; --state stores up to 1024 bytes with it.\n"
    "leases prints the consumer's shard leases as JSON lines.\n"
    "\n"
    "Examples:\n"
    "  seq=$(eddy stream get clicks --shard 0 --limit 1 | jq -r .seq)\n"
    "  eddy checkpoint set clicks billing 0 \"$seq\" --state 'sum=3'\n"
    "  eddy checkpoint get clicks billing\n",
    run};

static int args_exact(struct cli *cli, int argc, char **argv, int want, const char **out)
{
    int i;
    if (argc - optind != want)
        return cli_usage(cli, argc - optind < want ? "missing arguments" : "too many arguments");
    for (i = 0; i < want; i++)
        out[i] = argv[optind + i];
    return -1;
}

static int c_get(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"shard", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    const char *a[2] = {NULL, NULL};
    uint64_t shard = UINT64_MAX;
    eddy_checkpoint *cps = NULL;
    size_t n = 0, i;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_checkpoint, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 's' && !cli_parse_u64(optarg, UINT32_MAX - 1, &shard)) {
            return cli_usage(cli, "bad --shard '%s'", optarg);
        }
    }
    if ((ex = args_exact(cli, argc, argv, 2, a)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    CLI_ARRAY_NEW(cps, EDDY_STREAM_SHARDS_MAX);
    if (cps == NULL) {
        rc = EDDY_ENOMEM;
    } else if (shard != UINT64_MAX) {
        rc = eddy_checkpoint_get(env, a[0], a[1], (uint32_t)shard, cps);
        n = 1;
    } else {
        rc = eddy_checkpoint_list(env, a[0], a[1], cps, EDDY_STREAM_SHARDS_MAX, &n);
    }
    for (i = 0; rc == 0 && i < n; i++)
        cli_json_print_line(stdout, cli_checkpoint_json(cli, env, a[0], a[1], &cps[i]));
    free(cps);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot read checkpoints of '%s' on stream '%s'", a[1], a[0]);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int c_set(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"state", required_argument, NULL, 's'},
        {"state-file", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0}};
    const char *a[4] = {NULL, NULL, NULL, NULL}, *state = NULL, *state_file = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    uint64_t shard;
    eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
    eddy_env *env;
    int c, ex, rc;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_checkpoint, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 's') {
            state = optarg;
        } else if (c == 'f') {
            state_file = optarg;
        }
    }
    if ((ex = args_exact(cli, argc, argv, 4, a)) >= 0)
        return ex;
    if (!cli_parse_u64(a[2], UINT32_MAX - 1, &shard))
        return cli_usage(cli, "SHARD must be a number, not '%s'", a[2]);
    if (state != NULL && state_file != NULL)
        return cli_usage(cli, "give --state or --state-file, not both");
    if (state_file != NULL && !cli_read_file(cli, state_file, &buf, &len))
        return CLI_EXIT_FAIL;
    w = (eddy_checkpoint_write)EDDY_CHECKPOINT_WRITE_INIT;
    w.stream = a[0];
    w.consumer = a[1];
    w.shard_id = (uint32_t)shard;
    w.seq = a[3];
    w.state.data = state != NULL ? (const void *)state : buf;
    w.state.len = state != NULL ? strlen(state) : len;
    if ((ex = cli_open(cli, CLI_OPEN_WRITE, &env)) != 0)
        goto done;
    if ((rc = eddy_checkpoint_set(env, &w)) != 0) {
        cli_fail(cli, rc, "cannot set the checkpoint of '%s' on stream '%s' shard %s", a[1], a[0],
                 a[2]);
        ex = cli_close(cli, env, CLI_EXIT_FAIL);
        goto done;
    }
    ex = cli_close(cli, env, CLI_EXIT_OK);
done:
    free(buf);
    return ex;
}

static int c_leases(struct cli *cli, int argc, char **argv)
{
    const char *a[2] = {NULL, NULL};
    eddy_lease *ls;
    size_t n = 0, i;
    eddy_env *env;
    int ex, rc;
    if ((ex = cli_no_options(cli, &cli_cmd_checkpoint, argc, argv)) >= 0)
        return ex;
    if ((ex = args_exact(cli, argc, argv, 2, a)) >= 0)
        return ex;
    if ((ex = cli_open(cli, CLI_OPEN_READ, &env)) != 0)
        return ex;
    CLI_ARRAY_NEW(ls, EDDY_STREAM_SHARDS_MAX);
    rc =
        ls == NULL ? EDDY_ENOMEM : eddy_lease_list(env, a[0], a[1], ls, EDDY_STREAM_SHARDS_MAX, &n);
    for (i = 0; rc == 0 && i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "shard_id", json_integer(ls[i].shard_id));
        json_object_set_new(o, "owner", json_string(ls[i].owner));
        json_object_set_new(o, "counter", json_integer((json_int_t)ls[i].counter));
        json_object_set_new(o, "expires_ms", json_integer((json_int_t)ls[i].expires_ms));
        json_object_set_new(o, "held", json_boolean(ls[i].held));
        cli_json_print_line(stdout, o);
    }
    free(ls);
    if (rc != 0) {
        cli_fail(cli, rc, "cannot list the leases of '%s' on stream '%s'", a[1], a[0]);
        return cli_close(cli, env, CLI_EXIT_FAIL);
    }
    return cli_close(cli, env, CLI_EXIT_OK);
}

static int run(struct cli *cli, int argc, char **argv)
{
    const char *sub;
    int ex = cli_subcommand(cli, &cli_cmd_checkpoint, &argc, &argv, &sub);

    if (ex >= 0)
        return ex;
    if (strcmp(sub, "get") == 0)
        return c_get(cli, argc, argv);
    if (strcmp(sub, "set") == 0)
        return c_set(cli, argc, argv);
    if (strcmp(sub, "leases") == 0)
        return c_leases(cli, argc, argv);
    return cli_usage(cli, "unknown subcommand '%s'", sub);
}
