/*
 * cmd_recover.c: `eddy recover`: roll the database back to its previous snapshot when the
 * newest one is damaged (a torn meta page write), through eddy_env_recover. Prints what it
 * found, which transaction was lost, and where the damaged original was kept.
 *
 * Never touches the database files itself: the library checks, copies, verifies and renames.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "db.h"
#include "interrupt.h"
#include "json.h"
#include "options.h"
#include "progress.h"

static int run(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_recover = {
    "recover", "roll back to the previous snapshot when the newest is damaged",
    "usage: eddy recover [--dry-run] [--discard-damaged] [--json]\n"
    "\n"
    "Checks every page of both of LMDB's snapshots (the newest commit and the one before).\n"
    "When the newest is damaged (a meta page write torn by a power cut) and the previous is\n"
    "whole, builds a copy at the previous snapshot in DB/recover.tmp, verifies it, keeps the\n"
    "original as DB/data.mdb.damaged-N (N: the lost transaction) and renames the copy over\n"
    "data.mdb. A power cut leaves the old file or the new one. At most one transaction is\n"
    "lost: the torn one, which was never acknowledged. When both snapshots are damaged, use\n"
    "`eddy export --salvage`. Refused with EDDY_EBUSY while any process has the database open.\n"
    "Exit status: 0 when the newest snapshot is sound or was rolled back; 1 on failure, and\n"
    "with --dry-run when a rollback is needed.\n"
    "\n"
    "  --dry-run          check and report only; write nothing\n"
    "  --discard-damaged  do not keep the damaged original\n"
    "  --json             print {\"action\":\"none\"|\"rolled_back\"|\"would_roll_back\",...}\n"
    "\n"
    "Example: eddy --db ./eddy-data recover --dry-run\n"
    "         eddy --db ./eddy-data recover\n",
    run};

static const char *action_name(uint32_t a)
{
    return a == EDDY_RECOVER_ROLLED_BACK       ? "rolled_back"
           : a == EDDY_RECOVER_WOULD_ROLL_BACK ? "would_roll_back"
                                               : "none";
}

static void print_json(const eddy_recover_info *in)
{
    json_t *o = json_object();
    json_object_set_new(o, "action", json_string(action_name(in->action)));
    json_object_set_new(o, "newest_txn", json_integer((json_int_t)in->newest_txn));
    json_object_set_new(o, "previous_txn", json_integer((json_int_t)in->previous_txn));
    json_object_set_new(o, "lost_txn", json_integer((json_int_t)in->lost_txn));
    json_object_set_new(o, "reason", json_string(in->reason));
    json_object_set_new(o, "damaged_file", json_string(in->damaged_file));
    cli_json_print_line(stdout, o);
}

static void print_text(const struct cli *cli, const eddy_recover_info *in)
{
    if (in->action == EDDY_RECOVER_NONE) {
        printf("newest snapshot (txn %llu) is sound: nothing to recover\n",
               (unsigned long long)in->newest_txn);
        return;
    }
    if (in->newest_txn == 0) /* its meta page's header is unreadable */
        printf("newest snapshot (meta page unreadable) is damaged: %s\n", in->reason);
    else
        printf("newest snapshot (txn %llu) is damaged: %s\n", (unsigned long long)in->newest_txn,
               in->reason);
    if (in->action == EDDY_RECOVER_WOULD_ROLL_BACK) {
        printf("would roll back to txn %llu, losing txn %llu (dry run: nothing written)\n",
               (unsigned long long)in->previous_txn, (unsigned long long)in->lost_txn);
        return;
    }
    printf("rolled back to txn %llu, losing txn %llu\n", (unsigned long long)in->previous_txn,
           (unsigned long long)in->lost_txn);
    if (in->damaged_file[0] != '\0')
        printf("damaged original kept as %s/%s\n", cli->db_path, in->damaged_file);
}

static int run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS{"dry-run", no_argument, NULL, 'n'},
                                             {"discard-damaged", no_argument, NULL, 'D'},
                                             {"json", no_argument, NULL, 'j'},
                                             {NULL, 0, NULL, 0}};
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    eddy_recover_info info = EDDY_RECOVER_INFO_INIT;
    uint32_t flags = 0;
    bool json = false;
    int c, ex, rc;

    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        if (cli_common_option(cli, &cli_cmd_recover, c, optarg, &ex)) {
            if (ex >= 0)
                return ex;
        } else if (c == 'n') {
            flags |= EDDY_RECOVER_DRY_RUN;
        } else if (c == 'D') {
            flags |= EDDY_RECOVER_DISCARD_DAMAGED;
        } else if (c == 'j') {
            json = true;
        }
    }
    if (optind != argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    cli_lib_progress(cli, true);
    cli_env_options(cli, &opt);
    rc = eddy_env_recover(cli->db_path, &opt, flags, &info);
    cli_lib_progress(cli, false);
    if (rc == EDDY_ENOTFOUND) {
        cli_err(cli, "no database at '%s'", cli->db_path);
        return CLI_EXIT_FAIL;
    }
    if (rc != 0)
        return cli_fail(cli, rc, "recovering '%s' failed", cli->db_path);
    if (json)
        print_json(&info);
    else
        print_text(cli, &info);
    return info.action == EDDY_RECOVER_WOULD_ROLL_BACK ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
