/*
 * cmd_import.c: `eddy import`: messages from JSON lines (the form `eddy export --queue` writes;
 * `eddy queue receive`'s form too) into a queue, or records (the form `eddy export --stream`
 * writes) into a stream, in batches of batch_max, with progress.
 *
 * By default ids, sequence numbers and timestamps are kept (eddy_queue_restore_batch,
 * eddy_stream_restore_batch: each batch is all or nothing, and the library refuses ids that
 * collide or go backwards). --new-ids sends or puts instead: new ids and times.
 *
 * A first line that is an export header (attrs.h CLI_EXPORT_VERSION) describes the target: with
 * --create it is created with those attributes, else they must match (or --keep-attributes /
 * --apply-attributes says what to do). For a stream, the splits and merges of its lineage are
 * replayed in shard-id order just before the first record that needs them (a parent's records
 * must be stored while it is open), and the consumers' checkpoints are set after the records.
 *
 * The command only reads the file and opens the database; cli_import_lines (import.h) parses and
 * stores the lines (import_lines.c, with import_queue.c and import_stream.c per kind), and
 * tests/fuzz/fuzz_import.c calls it directly.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "files.h"
#include "interrupt.h"
#include "options.h"
#include "import.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_import = {
    "import", "load messages or records from JSON lines, keeping their ids",
    "usage: eddy import --queue NAME [--new-ids | --skip-existing] [--file F] [--create]\n"
    "                   [ATTRIBUTE POLICY]\n"
    "       eddy import --stream NAME [--new-ids | --skip-existing] [--file F] [--create]\n"
    "                   [ATTRIBUTE POLICY]\n"
    "\n"
    "Reads JSON lines from F (default stdin). For a queue, each is an object with \"body\"\n"
    "(text, or base64 when \"body_encoding\" is \"base64\"), optionally \"attrs\"\n"
    "([{\"name\",\"type\",\"value\",\"value_encoding\"}]), and to keep its identity \"msg_id\",\n"
    "\"sent_ms\" and optionally \"enqueued_ms\", \"receive_count\", \"first_receive_ms\",\n"
    "\"visible_ms\", \"origin_queue_id\", \"origin_msg_id\": the form `eddy export --queue`\n"
    "writes. For a stream, each has \"partition_key\" and \"data\" (with *_encoding), and to\n"
    "keep them \"seq\" and \"arrival_ms\": the form `eddy export --stream` writes.\n"
    "\n"
    "By default the ids, sequence numbers and timestamps are kept: each imported id (sequence\n"
    "number) must be above every one the target queue (shard) has handed out, and each batch\n"
    "(at most batch_max lines, and for a queue max-size bytes) is stored all or nothing. A\n"
    "message that was in flight comes back receivable at its visible_ms, without a receipt.\n"
    "Prints \"imported N messages into queue 'Q'\" (or records, stream), and for a stream with\n"
    "a header \"restored N checkpoints of stream 'S'\".\n"
    "\n"
    "A first line {\"eddy_export\":1,...} (what `eddy export` writes) carries the attributes\n"
    "(and for a stream its shard lineage and consumers' checkpoints): --create creates the\n"
    "target with them, an existing target must have them, splits and merges are replayed\n"
    "before the records that need them, and checkpoints are set after the records.\n"
    "\n"
    "  --new-ids  send or put instead: messages get new ids and send times, records new\n"
    "             sequence numbers and arrival times (each key's records keep their order;\n"
    "             no lineage replay, no checkpoints); --new-seqs is the same\n"
    "  --create   create the queue or stream when it does not exist: with the header's\n"
    "             attributes (and a missing dead-letter queue with default ones), else with\n"
    "             defaults, a stream keeping its sequence numbers getting as many shards as\n"
    "             the highest shard id in the input plus one\n"
    "  --keep-attributes   an existing target whose attributes differ from the header's\n"
    "             keeps its own (default: fail and name the differences)\n"
    "  --apply-attributes  change them to the header's instead (a stream: retention,\n"
    "             record_len_max, batch_max and iterator_ttl_ms; not its hash or shards)\n"
    "  --skip-existing  skip what an earlier run stored, to resume an interrupted import:\n"
    "             a message whose msg_id is at or below the highest id the queue stores, a\n"
    "             record whose seq is at or below its shard's newest (not with --new-ids)\n"
    "  --file F   read from F instead of stdin\n"
    "\n"
    "SIGINT or SIGTERM stops the import after the batch being stored (exit 130 or 143),\n"
    "naming the last line stored; rerun it with --skip-existing to resume.\n"
    "\n"
    "Examples: eddy --db old export --queue orders | eddy --db new import --queue orders --create\n"
    "          eddy --db old export --stream clicks --output clicks.jsonl\n"
    "          eddy --db new import --stream clicks --create --file clicks.jsonl\n"
    "          eddy --db new import --stream clicks --skip-existing --file clicks.jsonl\n"
    "          eddy --db new import --stream clicks --new-ids --file clicks.jsonl\n",
    run};

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS{"queue", required_argument, NULL, 'q'},
        {"stream", required_argument, NULL, 's'},
        {"file", required_argument, NULL, 'f'},
        {"new-ids", no_argument, NULL, 'n'},
        {"new-seqs", no_argument, NULL, 'n'},
        {"create", no_argument, NULL, 'c'},
        {"keep-attributes", no_argument, NULL, 'k'},
        {"apply-attributes", no_argument, NULL, 'a'},
        {"skip-existing", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    const char *queue = NULL, *stream = NULL, *file = "-";
    bool new_ids = false, create = false, keep = false, apply = false, skip = false;
    unsigned char *buf = NULL;
    eddy_env *env = NULL;
    size_t len = 0, done = 0;
    int c, ex;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_import, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'q') {
            queue = optarg;
        } else if (c == 's') {
            stream = optarg;
        } else if (c == 'f') {
            file = optarg;
        } else if (c == 'n') {
            new_ids = true;
        } else if (c == 'c') {
            create = true;
        } else if (c == 'k') {
            keep = true;
        } else if (c == 'a') {
            apply = true;
        } else if (c == 'S') {
            skip = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if ((queue == NULL) == (stream == NULL))
        return cli_usage(cli, "give one of --queue NAME or --stream NAME");
    if (keep && apply)
        return cli_usage(cli, "give at most one of --keep-attributes and --apply-attributes");
    if (skip && new_ids)
        return cli_usage(cli, "--skip-existing keeps ids; it cannot go with --new-ids");
    if (!cli_read_file(cli, file, &buf, &len))
        return CLI_EXIT_FAIL;
    if ((ex = cli_open(cli, create ? CLI_OPEN_CREATE : CLI_OPEN_WRITE, &env)) == 0) {
        struct cli_import im = {queue, stream, new_ids, create, keep, apply, skip};
        cli_interrupt_install();
        ex = cli_close(cli, env, cli_import_lines(cli, env, &im, buf, len, stdout, &done));
    }
    free(buf);
    return ex;
}
