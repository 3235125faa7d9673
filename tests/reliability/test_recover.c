/*
 * test_recover.c: a torn meta page write, as direct damage, and eddy_env_recover (decision
 * 0016). A database gets one message per commit while the test records, after each send, the
 * transaction it landed in and both meta pages. Then each trial copies the closed file and
 * tears the newest meta page (txn t, the page LMDB writes t to) in one way that matters:
 *   - txn id new, roots old (t - 2's fields under t's id): the silent case, caught by the
 *     stale-roots rule;
 *   - the field case: the free-page root new, the table root old, the id new;
 *   - roots new, txn id old (t's fields under t - 2's id): LMDB opens at t - 1 by itself;
 *   - checksum-less garbage over the written bytes, its txn id the highest;
 *   - garbage over the whole page, header and magic too (LMDB refuses the file).
 * Each must end with a database that opens with EDDY_ENV_CHECK, verifies clean, and holds
 * exactly the messages of the transactions up to the one it opens at, which is t - 1 or t:
 * every message acknowledged before the torn commit. A dry run changes nothing; a damaged
 * previous snapshot too makes recover fail with EDDY_ECORRUPT and change nothing; the
 * EDDY_ENV_RECOVER open flag rolls back on its own. After a compaction both meta pages root the
 * data, and a torn first commit over empty trees is refused and rolled back; a blank previous
 * snapshot is refused; the rolled-back file keeps data.mdb's mode. The test knows LMDB 0.9.24's
 * meta page layout (offsets below, the same as engine/core/pagecheck.c's) and nothing else of the
 * file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rel.h"

enum {
    PSIZE = 4096,
    W_OFF = 32,  /* LMDB 0.9.24 writes a meta page from mm_mapsize ... */
    W_END = 152, /* ... to the end of mm_txnid: 120 bytes */
    FREE_DB = 40,
    MAIN_DB = 88,
    TXNID = 144,
    NMSG = 24,
};

static uint8_t hist[NMSG + 8][PSIZE]; /* meta page contents by txn id - base */
static uint64_t hist_txn[NMSG + 8];
static int nhist;
static uint64_t msg_txn[NMSG]; /* the txn each message was committed in */
static char orig[4096];        /* the database the trials copy */

static void read_page(const char *dir, int page, uint8_t *dst)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, dst, PSIZE, (off_t)page * PSIZE), PSIZE);
    close(fd);
}

static void write_page(const char *dir, int page, const uint8_t *src)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    int fd = open(p, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, src, PSIZE, (off_t)page * PSIZE), PSIZE);
    close(fd);
}

static uint64_t txn_of(const uint8_t *page)
{
    uint64_t t;
    memcpy(&t, page + TXNID, 8);
    return t;
}

/* Record both meta pages; returns the newest txn id. */
static uint64_t snap_metas(const char *dir)
{
    uint8_t m[2][PSIZE];
    uint64_t best = 0;
    for (int p = 0; p < 2; p++) {
        read_page(dir, p, m[p]);
        uint64_t t = txn_of(m[p]);
        best = t > best ? t : best;
        int seen = 0;
        for (int i = 0; i < nhist; i++)
            seen |= hist_txn[i] == t;
        if (!seen && nhist < (int)(sizeof hist_txn / sizeof hist_txn[0])) {
            hist_txn[nhist] = t;
            memcpy(hist[nhist++], m[p], PSIZE);
        }
    }
    return best;
}

static const uint8_t *meta_of(uint64_t txn)
{
    for (int i = 0; i < nhist; i++)
        if (hist_txn[i] == txn)
            return hist[i];
    fail_msg("no recorded meta page of txn %llu", (unsigned long long)txn);
    return NULL;
}

static void cp_file(const char *from_dir, const char *to_dir)
{
    char cmd[9000];
    t_rm_rf(to_dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s/data.mdb' '%s/data.mdb'", to_dir, from_dir,
             to_dir);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    t_clock clk = {REL_T0};
    (void)state;
    snprintf(orig, sizeof orig, "%s", t_path("orig"));
    eddy_env *env = t_env_open(orig, &clk);
    T_OK(eddy_queue_create(env, "q", NULL));
    for (int i = 0; i < NMSG; i++) {
        char body[32];
        snprintf(body, sizeof body, "m%d", i);
        eddy_queue_send_entry e = EDDY_QUEUE_SEND_ENTRY_INIT;
        e.body = (eddy_slice){body, strlen(body)};
        T_OK(eddy_queue_send(env, "q", &e, NULL));
        msg_txn[i] = snap_metas(orig);
        clk.now_ms += 10;
    }
    T_OK(eddy_env_close(env));
    snap_metas(orig);
    return 0;
}

typedef struct seen {
    int n;
    int has[NMSG];
} seen;

static int on_msg(void *ctx, const eddy_queue_scan_message *m)
{
    seen *s = ctx;
    int i = -1;
    if (m->body.len >= 2 && sscanf((const char *)m->body.data + 1, "%d", &i) == 1 && i >= 0 &&
        i < NMSG)
        s->has[i]++;
    s->n++;
    return 0;
}

/* The database at dir opens checked, verifies clean and holds exactly the messages of the
 * transactions up to `kept`, the one it was rolled back to (or opened at). */
static void check_db(const char *dir, uint64_t kept)
{
    t_clock clk = {REL_T0 + 3600000};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    seen s;

    o.flags = EDDY_ENV_CHECK | EDDY_ENV_NOCREATE;
    eddy_env *env = t_env_open_opts(dir, &clk, &o);
    t_verify_clean(env);
    memset(&s, 0, sizeof s);
    T_OK(eddy_queue_scan(env, "q", 0, 0, on_msg, &s, NULL));
    for (int i = 0; i < NMSG; i++)
        assert_int_equal(s.has[i], msg_txn[i] <= kept ? 1 : 0);
    T_OK(eddy_env_close(env));
}

/* The final state: txn t on page t & 1, t - 1 on the other. */
static uint64_t newest_txn(void)
{
    uint8_t m[2][PSIZE];
    read_page(orig, 0, m[0]);
    read_page(orig, 1, m[1]);
    return txn_of(m[0]) > txn_of(m[1]) ? txn_of(m[0]) : txn_of(m[1]);
}

/* A page built from `base` with bytes [from, to) taken from `over`. */
static void splice_bytes(uint8_t *page, const uint8_t *over, int from, int to)
{
    memcpy(page + from, over + from, (size_t)(to - from));
}

static void set_txn(uint8_t *page, uint64_t t)
{
    memcpy(page + TXNID, &t, 8);
}

/* Recover dir: a dry run first (nothing changes), then for real; expects `action`. */
static void recover_expect(const char *dir, uint32_t action)
{
    eddy_recover_info info = EDDY_RECOVER_INFO_INIT;
    uint8_t before[PSIZE], after[PSIZE];

    read_page(dir, 0, before);
    T_OK(eddy_env_recover(dir, NULL, EDDY_RECOVER_DRY_RUN, &info));
    read_page(dir, 0, after);
    assert_memory_equal(before, after, PSIZE);
    assert_int_equal(info.action, action == EDDY_RECOVER_ROLLED_BACK ? EDDY_RECOVER_WOULD_ROLL_BACK
                                                                     : EDDY_RECOVER_NONE);
    info = (eddy_recover_info)EDDY_RECOVER_INFO_INIT;
    T_OK(eddy_env_recover(dir, NULL, 0, &info));
    assert_int_equal(info.action, action);
    if (action == EDDY_RECOVER_ROLLED_BACK) {
        char kept[4300];
        struct stat st;
        assert_true(info.reason[0] != '\0');
        assert_int_equal(info.lost_txn, info.previous_txn + 1);
        snprintf(kept, sizeof kept, "%s/%s", dir, info.damaged_file);
        assert_int_equal(stat(kept, &st), 0);
        print_message("recover: rolled back to txn %llu: %s\n",
                      (unsigned long long)info.previous_txn, info.reason);
    }
}

static void torn_txn_new_roots_old(void **state)
{
    uint64_t t = newest_txn();
    uint8_t page[PSIZE];
    const char *dir = t_path("a");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    (void)state;
    cp_file(orig, dir);
    memcpy(page, meta_of(t - 2), PSIZE);
    set_txn(page, t);
    write_page(dir, (int)(t & 1), page);
    /* Every page of t - 2's trees is intact: only the stale-roots rule keeps LMDB from opening
     * two commits back, silently without the acknowledged t - 1. */
    o.flags = EDDY_ENV_NOCREATE;
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, &o, &env));
    assert_non_null(strstr(eddy_last_error(), "eddy recover"));
    recover_expect(dir, EDDY_RECOVER_ROLLED_BACK);
    check_db(dir, t - 1);
}

/* A copy of the database whose newest meta page (txn t) is `page`, rolled back to t - 1. */
static void tear_and_recover(const char *name, const uint8_t *page, uint64_t t)
{
    const char *dir = t_path(name);
    cp_file(orig, dir);
    write_page(dir, (int)(t & 1), page);
    recover_expect(dir, EDDY_RECOVER_ROLLED_BACK);
    check_db(dir, t - 1);
}

static void torn_free_new_main_old(void **state)
{
    uint64_t t = newest_txn();
    uint8_t page[PSIZE];
    (void)state;
    memcpy(page, meta_of(t), PSIZE);
    splice_bytes(page, meta_of(t - 2), MAIN_DB, TXNID); /* the table root and last page old */
    tear_and_recover("b", page, t);
}

static void torn_roots_new_txn_old(void **state)
{
    uint64_t t = newest_txn();
    uint8_t page[PSIZE];
    const char *dir = t_path("c");
    eddy_env *env;
    t_clock clk = {REL_T0 + 3600000};
    (void)state;
    cp_file(orig, dir);
    memcpy(page, meta_of(t), PSIZE);
    set_txn(page, t - 2);
    write_page(dir, (int)(t & 1), page);
    /* LMDB opens at t - 1 by itself: nothing to recover. */
    env = t_env_open(dir, &clk);
    T_OK(eddy_env_close(env));
    recover_expect(dir, EDDY_RECOVER_NONE);
    check_db(dir, t - 1);
}

static void garbage(uint8_t *page, int from, int to, uint64_t *rng)
{
    for (int i = from; i < to; i++)
        page[i] = (uint8_t)t_rand(rng);
}

static void torn_garbage(void **state)
{
    uint64_t rng = t_seed(), t = newest_txn();
    (void)state;
    for (int trial = 0; trial < 8; trial++) {
        uint8_t page[PSIZE];
        memcpy(page, meta_of(t), PSIZE);
        garbage(page, W_OFF, W_END, &rng);
        set_txn(page, t + 1 + (t_rand(&rng) >> 8)); /* LMDB picks it */
        tear_and_recover("d", page, t);
    }
}

static void whole_page_garbage(void **state)
{
    uint64_t rng = t_seed() ^ 0x5a5a, t = newest_txn();
    uint8_t page[PSIZE];
    const char *dir = t_path("e");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    (void)state;
    cp_file(orig, dir);
    garbage(page, 0, PSIZE, &rng);
    write_page(dir, (int)(t & 1), page);
    o.flags = EDDY_ENV_NOCREATE;
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, &o, &env));
    recover_expect(dir, EDDY_RECOVER_ROLLED_BACK);
    check_db(dir, t - 1);
}

/* Both snapshots damaged: nothing to roll back to; nothing changes. */
static void both_damaged(void **state)
{
    uint64_t rng = t_seed() ^ 0xa5a5, t = newest_txn();
    uint8_t page[PSIZE], before[2][PSIZE], after[PSIZE];
    const char *dir = t_path("f");
    eddy_recover_info info = EDDY_RECOVER_INFO_INIT;
    (void)state;
    cp_file(orig, dir);
    for (int p = 0; p < 2; p++) {
        read_page(dir, p, page);
        garbage(page, FREE_DB, TXNID, &rng);
        write_page(dir, p, page);
        memcpy(before[p], page, PSIZE);
    }
    T_RC(EDDY_ECORRUPT, eddy_env_recover(dir, NULL, 0, &info));
    assert_non_null(strstr(eddy_last_error(), "both snapshots are damaged"));
    for (int p = 0; p < 2; p++) {
        read_page(dir, p, after);
        assert_memory_equal(before[p], after, PSIZE);
    }
    (void)t;
}

/* A sound database: nothing to do, nothing written; bad arguments are refused. */
static void sound_and_misuse(void **state)
{
    eddy_recover_info info = EDDY_RECOVER_INFO_INIT;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    const char *dir = t_path("g");
    (void)state;
    cp_file(orig, dir);
    recover_expect(dir, EDDY_RECOVER_NONE);
    T_OK(eddy_env_recover(dir, NULL, 0, NULL));
    T_RC(EDDY_EINVAL, eddy_env_recover(NULL, NULL, 0, &info));
    T_RC(EDDY_EINVAL, eddy_env_recover(dir, NULL, 0x80, &info));
    o.flags = EDDY_ENV_READONLY;
    T_RC(EDDY_EINVAL, eddy_env_recover(dir, &o, 0, &info));
    T_RC(EDDY_ENOTFOUND, eddy_env_recover(t_path("none"), NULL, 0, &info));
    info.size = 0;
    T_RC(EDDY_EINVAL, eddy_env_recover(dir, NULL, 0, &info));
    /* Open here: recover needs the database to itself. */
    t_clock clk = {REL_T0 + 3600000};
    eddy_env *env = t_env_open(dir, &clk);
    T_RC(EDDY_EBUSY, eddy_env_recover(dir, NULL, 0, NULL));
    T_OK(eddy_env_close(env));
    check_db(dir, newest_txn());
}

/* EDDY_ENV_RECOVER: the open rolls back by itself. */
static void open_flag(void **state)
{
    uint64_t t = newest_txn();
    uint8_t page[PSIZE];
    const char *dir = t_path("h");
    t_clock clk = {REL_T0 + 3600000};
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env;
    (void)state;
    cp_file(orig, dir);
    memcpy(page, meta_of(t - 2), PSIZE);
    set_txn(page, t);
    write_page(dir, (int)(t & 1), page);
    o.flags = EDDY_ENV_RECOVER | EDDY_ENV_NOCREATE;
    env = t_env_open_opts(dir, &clk, &o);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    check_db(dir, t - 1);
}

/* Empty trees in the meta page `page`, as LMDB's blank page 0 has them (flags kept). */
static void empty_trees(uint8_t *page)
{
    const uint64_t none = UINT64_MAX;
    for (int db = FREE_DB; db <= MAIN_DB; db += MAIN_DB - FREE_DB) {
        memset(page + db + 6, 0, 48 - 6); /* md_depth, page counts, md_entries */
        memcpy(page + db + 40, &none, 8); /* md_root: P_INVALID */
    }
}

static uint64_t dir_entries(const uint8_t *page)
{
    uint64_t n;
    memcpy(&n, page + MAIN_DB + 32, 8);
    return n;
}

/*
 * The compacting copy's first commit torn (review finding): before the fix, page 0 was blank
 * (txn 0) beside the data on page 1 (txn 1), and a tear of txn 2's write left txn 2 over empty
 * trees, which opened as an empty database and was initialized over the data. Now compaction
 * commits once itself, so both pages root the data; and the torn page is refused and recovered.
 */
static void compact_then_torn_first_commit(void **state)
{
    uint8_t m[2][PSIZE];
    const char *dir = t_path("i");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    (void)state;
    cp_file(orig, dir);
    T_OK(eddy_env_compact(dir, NULL, NULL, NULL));
    read_page(dir, 0, m[0]);
    read_page(dir, 1, m[1]);
    assert_int_equal(txn_of(m[1]), 1);
    assert_int_equal(txn_of(m[0]), 2);
    assert_true(dir_entries(m[0]) > 0 && dir_entries(m[1]) > 0);
    /* the reviewer's torn state: txn 2's id over the blank page's empty trees */
    empty_trees(m[0]);
    write_page(dir, 0, m[0]);
    o.flags = EDDY_ENV_NOCREATE;
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, &o, &env));
    assert_non_null(strstr(eddy_last_error(), "eddy recover"));
    recover_expect(dir, EDDY_RECOVER_ROLLED_BACK);
    check_db(dir, UINT64_MAX);
}

/* An existing file whose table directory is empty in both snapshots is not initialized anew. */
static void existing_empty_refused(void **state)
{
    uint64_t t = newest_txn();
    uint8_t page[PSIZE], before[PSIZE], after[PSIZE];
    const char *dir = t_path("j");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL;
    (void)state;
    cp_file(orig, dir);
    for (int p = 0; p < 2; p++) {
        read_page(dir, p, page);
        empty_trees(page);
        write_page(dir, p, page);
    }
    read_page(dir, (int)(t & 1), before);
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, &o, &env));
    assert_non_null(strstr(eddy_last_error(), "eddy recover"));
    read_page(dir, (int)(t & 1), after);
    assert_memory_equal(before, after, PSIZE);
}

/* The previous snapshot is txn 0 or has no tables: recover refuses, writing nothing. */
static void previous_blank_refused(void **state)
{
    uint64_t rng = t_seed() ^ 0x3c3c, t = newest_txn();
    uint8_t page[PSIZE], after[PSIZE];
    const char *dir = t_path("k");
    eddy_recover_info info = EDDY_RECOVER_INFO_INIT;
    (void)state;
    for (int blank = 0; blank < 2; blank++) {
        cp_file(orig, dir);
        read_page(dir, (int)((t - 1) & 1), page);
        if (blank)
            empty_trees(page);
        else
            set_txn(page, 0);
        write_page(dir, (int)((t - 1) & 1), page);
        read_page(dir, (int)(t & 1), page);
        garbage(page, MAIN_DB, TXNID - 8, &rng); /* the table root: txn t stays the newest */
        write_page(dir, (int)(t & 1), page);
        T_RC(EDDY_ECORRUPT, eddy_env_recover(dir, NULL, 0, &info));
        print_message("refused: %s\n", eddy_last_error());
        /* The full check already fails both (txn 0 is impossible; empty trees leave the file's
         * pages unaccounted), so recover.c's own guard against them is not reached here. */
        assert_non_null(strstr(eddy_last_error(), blank ? "neither in use" : "txn 0"));
        read_page(dir, (int)(t & 1), after);
        assert_memory_equal(page, after, PSIZE);
    }
}

/* The rolled-back file keeps the original's mode (and owner, when recover runs as root). */
static void mode_kept(void **state)
{
    uint64_t t = newest_txn();
    uint8_t page[PSIZE];
    const char *dir = t_path("l");
    char data[4200];
    struct stat st;
    (void)state;
    cp_file(orig, dir);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    assert_int_equal(chmod(data, 0600), 0);
    memcpy(page, meta_of(t - 2), PSIZE);
    set_txn(page, t);
    write_page(dir, (int)(t & 1), page);
    recover_expect(dir, EDDY_RECOVER_ROLLED_BACK);
    assert_int_equal(stat(data, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, getuid());
    check_db(dir, t - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torn_txn_new_roots_old),
        cmocka_unit_test(torn_free_new_main_old),
        cmocka_unit_test(torn_roots_new_txn_old),
        cmocka_unit_test(torn_garbage),
        cmocka_unit_test(whole_page_garbage),
        cmocka_unit_test(both_damaged),
        cmocka_unit_test(sound_and_misuse),
        cmocka_unit_test(open_flag),
        cmocka_unit_test(compact_then_torn_first_commit),
        cmocka_unit_test(existing_empty_refused),
        cmocka_unit_test(previous_blank_refused),
        cmocka_unit_test(mode_kept),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
