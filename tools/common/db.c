/*
 * db.c: opening and closing the database (--db, $EDDY_DB, --check), with the test build's
 * fixed clock and seeded rng (struct cli's test hooks) in the env options.
 */
#include "db.h"
#include "progress.h"

static uint64_t fixed_now(void *ctx)
{
    const struct cli *cli = ctx;
    return cli->fixed_now_ms;
}

static uint64_t seeded_next(void *ctx)
{
    /* splitmix64: good enough for receipt nonces in tests. */
    struct cli *cli = ctx;
    uint64_t z = (cli->rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void cli_env_options(struct cli *cli, eddy_env_options *opt)
{
    *opt = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    if (cli->fixed_clock) {
        opt->clock.now_ms = fixed_now;
        opt->clock.ctx = cli;
    }
    if (cli->seeded) {
        opt->rng.next_u64 = seeded_next;
        opt->rng.ctx = cli;
    }
    cli_lib_progress_options(cli, opt);
}

int cli_open(struct cli *cli, int mode, eddy_env **out)
{
    eddy_env_options opt = EDDY_ENV_OPTIONS_INIT;
    int rc;
    cli_env_options(cli, &opt);
    if (mode == CLI_OPEN_READ)
        opt.flags = EDDY_ENV_READONLY | EDDY_ENV_NOCREATE;
    else if (mode == CLI_OPEN_WRITE)
        opt.flags = EDDY_ENV_NOCREATE;
    if (cli->check)
        opt.flags |= EDDY_ENV_CHECK;
    rc = eddy_env_open(cli->db_path, &opt, out);
    if (rc == EDDY_ENOTFOUND) {
        cli_err(cli, "no database at '%s' (use --db PATH or $EDDY_DB)", cli->db_path);
        return CLI_EXIT_FAIL;
    }
    if (rc != 0)
        return cli_fail(cli, rc, "cannot open database '%s'", cli->db_path);
    return CLI_EXIT_OK;
}

int cli_close(struct cli *cli, eddy_env *env, int exit_code)
{
    int rc = eddy_env_close(env);
    if (rc != 0) {
        cli_fail(cli, rc, "closing database '%s'", cli->db_path);
        return CLI_EXIT_FAIL;
    }
    return exit_code;
}
