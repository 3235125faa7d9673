/* test_env.c: opening, closing, reopening, format version checks, read-only and the process
 * registry (eddy.h: eddy_env_open, eddy_env_close, eddy_env_stat_get). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "bytes.h"
#include "keys.h"
#include "support.h"

static void open_creates_and_reopens(void **state)
{
    const char *dir = t_path("db");
    t_clock clk = {1700000000000ull};
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    eddy_env *env = t_env_open(dir, &clk);

    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.format_version, EDDY_FORMAT_VERSION);
    assert_int_equal(st.created_ms, 1700000000000ull);
    assert_true(st.map_size >= (256u << 20));
    assert_true(strstr(st.lmdb_version, "LMDB") != NULL);
    assert_int_equal(st.queue_count, 0);
    T_OK(eddy_env_close(env));
    clk.now_ms += 5000;
    env = t_env_open(dir, &clk);
    T_OK(eddy_env_stat_get(env, &st));
    assert_int_equal(st.created_ms, 1700000000000ull); /* kept from creation */
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    (void)state;
}

static void bad_arguments(void **state)
{
    eddy_env *env = (eddy_env *)0x1;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;

    T_RC(EDDY_EINVAL, eddy_env_open(NULL, NULL, &env));
    assert_null(env);
    T_RC(EDDY_EINVAL, eddy_env_open("", NULL, &env));
    T_RC(EDDY_EINVAL, eddy_env_open("x", NULL, NULL));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.durability = 7;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("a"), &o, &env));
    assert_true(strstr(eddy_last_error(), "durability") != NULL);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.compression_level = 40;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("a"), &o, &env));
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = 0x80;
    T_RC(EDDY_EINVAL, eddy_env_open(t_path("a"), &o, &env));
    T_RC(EDDY_EINVAL, eddy_env_stat_get(NULL, NULL));
    T_OK(eddy_env_close(NULL));
    T_RC(EDDY_EINVAL, eddy_env_sync(NULL));
    (void)state;
}

static void nocreate_and_readonly(void **state)
{
    const char *dir = t_path("db");
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_env *env = NULL, *ro = NULL;

    o.flags = EDDY_ENV_NOCREATE;
    T_RC(EDDY_ENOTFOUND, eddy_env_open(dir, &o, &env));
    o.flags = EDDY_ENV_READONLY;
    T_RC(EDDY_ENOTFOUND, eddy_env_open(dir, &o, &env));
    env = t_env_open(dir, NULL);
    T_OK(eddy_env_close(env));
    o.flags = EDDY_ENV_READONLY;
    T_OK(eddy_env_open(dir, &o, &ro));
    t_verify_clean(ro);
    T_OK(eddy_env_sync(ro));
    T_OK(eddy_env_close(ro));
    (void)state;
}

static void second_open_in_process_is_busy(void **state)
{
    const char *dir = t_path("db");
    char alias[600];
    eddy_env *a = t_env_open(dir, NULL), *b = NULL;

    T_RC(EDDY_EBUSY, eddy_env_open(dir, NULL, &b));
    snprintf(alias, sizeof alias, "%s/../db", dir); /* the same directory by another name */
    T_RC(EDDY_EBUSY, eddy_env_open(alias, NULL, &b));
    assert_null(b);
    T_OK(eddy_env_close(a));
    T_OK(eddy_env_open(alias, NULL, &b));
    T_OK(eddy_env_close(b));
    (void)state;
}

/* Rewrite the meta format version with raw LMDB, as a newer Eddy would have. */
static void set_format(const char *dir, uint32_t fmt, int drop_magic)
{
    MDB_env *m;
    MDB_txn *txn;
    MDB_dbi dbi;
    uint8_t b[4];
    MDB_val k = {strlen(EDDY__META_FORMAT), (void *)EDDY__META_FORMAT}, v = {4, b};

    eddy__be32_put(b, fmt);
    assert_int_equal(mdb_env_create(&m), 0);
    mdb_env_set_maxdbs(m, 32);
    mdb_env_set_mapsize(m, 256u << 20);
    assert_int_equal(mdb_env_open(m, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(m, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    if (drop_magic) {
        MDB_val km = {strlen(EDDY__META_MAGIC), (void *)EDDY__META_MAGIC};
        assert_int_equal(mdb_del(txn, dbi, &km, NULL), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(m);
}

static void newer_format_is_refused(void **state)
{
    const char *dir = t_path("db");
    eddy_env *env = t_env_open(dir, NULL);

    T_OK(eddy_env_close(env));
    set_format(dir, EDDY_FORMAT_VERSION + 1, 0);
    env = NULL;
    T_RC(EDDY_EVERSION, eddy_env_open(dir, NULL, &env));
    assert_null(env);
    char want[64];
    snprintf(want, sizeof want, "format version %d", EDDY_FORMAT_VERSION + 1);
    assert_true(strstr(eddy_last_error(), want) != NULL);
    set_format(dir, EDDY_FORMAT_VERSION, 1);
    T_RC(EDDY_EVERSION, eddy_env_open(dir, NULL, &env));
    assert_true(strstr(eddy_last_error(), "not Eddy") != NULL);
    (void)state;
}

/* An LMDB environment of another program at dir: named tables (tables != 0) or plain keys in
 * LMDB's main table. */
static void foreign_lmdb_make(const char *dir, int tables)
{
    MDB_env *m = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val k = {5, "hello"}, v = {5, "world"};

    mkdir(dir, 0755);
    assert_int_equal(mdb_env_create(&m), 0);
    assert_int_equal(mdb_env_set_maxdbs(m, 4), 0);
    assert_int_equal(mdb_env_open(m, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(m, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, tables ? "users" : NULL, MDB_CREATE, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(m);
}

static uint64_t file_sum(const char *dir, off_t *size)
{
    char path[600], buf[4096];
    uint64_t h = 1469598103934665603ull;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "%s/data.mdb", dir);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    *size = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
        *size += n;
    }
    close(fd);
    return h;
}

/* An LMDB database Eddy did not create is refused with EDDY_EVERSION and "not an Eddy database",
 * read-only or read-write, and is left as it was. */
static void foreign_lmdb_is_refused_untouched(void **state)
{
    for (int tables = 0; tables < 2; tables++) {
        const char *dir = t_path(tables ? "named" : "plain");
        eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
        eddy_env *env = NULL;
        off_t size0, size1;
        uint64_t sum0, sum1;

        foreign_lmdb_make(dir, tables);
        sum0 = file_sum(dir, &size0);
        o.flags = EDDY_ENV_READONLY;
        T_RC(EDDY_EVERSION, eddy_env_open(dir, &o, &env));
        assert_null(env);
        print_message("read-only: %s\n", eddy_last_error());
        assert_non_null(strstr(eddy_last_error(), "not an Eddy database"));
        T_RC(EDDY_EVERSION, eddy_env_open(dir, NULL, &env));
        assert_null(env);
        print_message("read-write: %s\n", eddy_last_error());
        assert_non_null(strstr(eddy_last_error(), "not an Eddy database"));
        sum1 = file_sum(dir, &size1);
        assert_int_equal(size1, size0);
        assert_int_equal(sum1, sum0);
    }
    (void)state;
}

static void garbage_file_is_refused(void **state)
{
    const char *dir = t_path("db");
    char data[600];
    eddy_env *env = NULL;
    int fd;

    mkdir(dir, 0755);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    fd = open(data, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(write(fd, "garbage!garbage!garbage!garbage!", 32), 32);
    close(fd);
    int rc = eddy_env_open(dir, NULL, &env);
    assert_true(rc == EDDY_ECORRUPT || rc == EDDY_EVERSION);
    assert_null(env);
    (void)state;
}

/*
 * A data.mdb cut short (a bad copy, a full disk during restore) never faults (SIGBUS): a
 * read-only open refuses it, a read-write open pads it with zeros, which read as corruption.
 */
static void truncated_file_is_refused(void **state)
{
    const char *dir = t_path("db");
    char data[600], big[4096];
    eddy_env *env = NULL;
    eddy_env_options o = EDDY_ENV_OPTIONS_INIT;
    eddy_queue_send_entry m = {.size = sizeof(eddy_queue_send_entry), .body = {big, sizeof big}};
    uint64_t problems = 0;
    struct stat st;
    eddy_env_stat es = EDDY_ENV_STAT_INIT;

    memset(big, 'x', sizeof big);
    T_OK(eddy_env_open(dir, NULL, &env));
    T_OK(eddy_queue_create(env, "q", NULL));
    for (int i = 0; i < 64; i++)
        T_OK(eddy_queue_send(env, "q", &m, NULL));
    T_OK(eddy_env_stat_get(env, &es));
    T_OK(eddy_env_close(env));
    env = NULL;
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    assert_int_equal(stat(data, &st), 0);
    /* Half of the pages in use (the file is longer: the disk reserve follows them). */
    assert_true((uint64_t)st.st_size >= es.pages_used * es.page_size);
    assert_int_equal(truncate(data, (off_t)(es.pages_used * es.page_size / 2)), 0);
    o = (eddy_env_options)EDDY_ENV_OPTIONS_INIT;
    o.flags = EDDY_ENV_READONLY;
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, &o, &env));
    assert_null(env);
    /* The page check at open sees a table's root past the end, or the length check does. */
    assert_true(strstr(eddy_last_error(), "past the end") != NULL ||
                strstr(eddy_last_error(), "shorter than its last commit") != NULL);
    int rc = eddy_env_open(dir, NULL, &env);
    if (rc == 0) {
        rc = eddy_env_verify(env, NULL, NULL, &problems);
        assert_true(rc == EDDY_ECORRUPT || (rc == 0 && problems > 0));
        T_OK(eddy_env_close(env));
    } else {
        assert_int_equal(rc, EDDY_ECORRUPT);
    }
    /* Cut to its two meta pages only. */
    assert_int_equal(truncate(data, 8192), 0);
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, &o, &env));
    T_RC(EDDY_ECORRUPT, eddy_env_open(dir, NULL, &env));
    (void)state;
}

static void not_a_directory(void **state)
{
    const char *path = t_path("file");
    eddy_env *env = NULL;
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    close(fd);
    T_RC(EDDY_EIO, eddy_env_open(path, NULL, &env));
    (void)state;
}

static void error_table(void **state)
{
    assert_string_equal(eddy_errname(EDDY_ENOTFOUND), "EDDY_ENOTFOUND");
    assert_string_equal(eddy_errname(0), "EDDY_OK");
    assert_string_equal(eddy_errname(-999), "EDDY_UNKNOWN");
    assert_string_equal(eddy_strerror(EDDY_EFULL), "storage is full (disk or configured size cap)");
    assert_non_null(eddy_strerror(12345));
    assert_string_equal(eddy_version(), "0.2.0");
    (void)state;
}

typedef struct put_arg {
    int n;
} put_arg;

static void copy_and_compact(void **state)
{
    const char *dir = t_path("db");
    char copy[600];
    eddy_env *env = t_env_open(dir, NULL), *other = NULL;
    uint64_t before = 0, after = 0;

    snprintf(copy, sizeof copy, "%s-copy", dir);
    T_OK(eddy_env_copy(env, copy, EDDY_ENV_COPY_COMPACT));
    T_RC(EDDY_EEXIST, eddy_env_copy(env, copy, 0));
    T_RC(EDDY_EINVAL, eddy_env_copy(env, NULL, 0));
    T_RC(EDDY_EINVAL, eddy_env_copy(env, copy, 0x10));
    /* Open in this process: compaction refuses. */
    T_RC(EDDY_EBUSY, eddy_env_compact(dir, NULL, &before, &after));
    T_OK(eddy_env_close(env));
    T_OK(eddy_env_open(copy, NULL, &other));
    t_verify_clean(other);
    T_OK(eddy_env_close(other));
    T_OK(eddy_env_compact(dir, NULL, &before, &after));
    assert_true(before > 0 && after > 0 && after <= before);
    env = t_env_open(dir, NULL);
    t_verify_clean(env);
    T_OK(eddy_env_close(env));
    T_RC(EDDY_ENOTFOUND, eddy_env_compact(t_path("none"), NULL, NULL, NULL));
    T_RC(EDDY_EINVAL, eddy_env_compact(NULL, NULL, NULL, NULL));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_creates_and_reopens),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(nocreate_and_readonly),
        cmocka_unit_test(second_open_in_process_is_busy),
        cmocka_unit_test(newer_format_is_refused),
        cmocka_unit_test(foreign_lmdb_is_refused_untouched),
        cmocka_unit_test(garbage_file_is_refused),
        cmocka_unit_test(truncated_file_is_refused),
        cmocka_unit_test(not_a_directory),
        cmocka_unit_test(error_table),
        cmocka_unit_test(copy_and_compact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
