/* test_keys.c: foundation key codecs (format/keys.c): memcmp order equals logical order,
 * strict decoding, and the name rule. */
#include <string.h>

#include "bytes.h"
#include "keys.h"
#include "support.h"

static void big_endian_orders_like_numbers(void **state)
{
    uint64_t seed = t_seed();
    for (int i = 0; i < 10000; i++) {
        uint64_t a = t_rand(&seed), b = t_rand(&seed) >> (i % 64);
        uint8_t ka[8], kb[8];
        eddy__be64_put(ka, a);
        eddy__be64_put(kb, b);
        int c = memcmp(ka, kb, 8);
        assert_true((a < b && c < 0) || (a > b && c > 0) || (a == b && c == 0));
        assert_true(eddy__be64_get(ka) == a);
    }
    (void)state;
}

static void chunk_keys(void **state)
{
    uint8_t k[EDDY__CHUNK_KEY_MAX], k2[EDDY__CHUNK_KEY_MAX], tag;
    const uint8_t *owner;
    size_t len, len2, olen;
    uint32_t no;

    assert_int_equal(eddy__key_chunk(k, sizeof k, 4, "owner", 5, 1, &len), 0);
    assert_int_equal(eddy__key_chunk(k2, sizeof k2, 4, "owner", 5, 256, &len2), 0);
    assert_true(memcmp(k, k2, len) < 0); /* chunks of one owner in order */
    assert_int_equal(eddy__key_chunk_decode(k2, len2, &tag, &owner, &olen, &no, NULL), 0);
    assert_int_equal(tag, 4);
    assert_int_equal(olen, 5);
    assert_int_equal(no, 256);
    for (size_t n = 0; n < len2; n++)
        assert_int_equal(eddy__key_chunk_decode(k2, n, &tag, &owner, &olen, &no, NULL),
                         EDDY_ECORRUPT);
    k2[1] = 200;
    assert_int_equal(eddy__key_chunk_decode(k2, len2, &tag, &owner, &olen, &no, NULL),
                     EDDY_ECORRUPT);
    assert_int_equal(eddy__key_chunk(k, sizeof k, 4, "x", 0, 1, &len), EDDY_EINVAL);
    (void)state;
}

static void catalog_keys(void **state)
{
    uint8_t k[EDDY__CATALOG_KEY_MAX], kind;
    const char *name;
    size_t len, nlen;

    assert_int_equal(eddy__key_catalog(k, sizeof k, EDDY__OBJ_QUEUE, "orders", 6, &len), 0);
    assert_int_equal(eddy__key_catalog_decode(k, len, &kind, &name, &nlen, NULL), 0);
    assert_int_equal(kind, 'q');
    assert_int_equal(nlen, 6);
    assert_memory_equal(name, "orders", 6);
    k[0] = 'z';
    assert_int_equal(eddy__key_catalog_decode(k, len, &kind, &name, &nlen, NULL), EDDY_ECORRUPT);
    assert_int_equal(eddy__key_catalog_decode(k, 1, &kind, &name, &nlen, NULL), EDDY_ECORRUPT);
    (void)state;
}

static void names(void **state)
{
    eddy__ferr fe;
    size_t n;
    char long_name[200];

    assert_int_equal(eddy__name_check("queue", "orders-1_A", 80, 0, &n, &fe), 0);
    assert_int_equal(n, 10);
    assert_int_equal(eddy__name_check("queue", "a.b", 80, 0, &n, &fe), EDDY_EINVAL);
    assert_non_null(strstr(fe.msg, "offset 1"));
    assert_int_equal(eddy__name_check("stream", "a.b", 128, 1, &n, &fe), 0);
    assert_int_equal(eddy__name_check("queue", "", 80, 0, &n, &fe), EDDY_EINVAL);
    assert_int_equal(eddy__name_check("queue", NULL, 80, 0, &n, &fe), EDDY_EINVAL);
    assert_int_equal(eddy__name_check("queue", "a b", 80, 0, &n, &fe), EDDY_EINVAL);
    assert_int_equal(eddy__name_check("queue", "caf\xc3\xa9", 80, 0, &n, &fe), EDDY_EINVAL);
    memset(long_name, 'a', sizeof long_name);
    long_name[81] = '\0';
    assert_int_equal(eddy__name_check("queue", long_name, 80, 0, &n, &fe), EDDY_EINVAL);
    long_name[80] = '\0';
    assert_int_equal(eddy__name_check("queue", long_name, 80, 0, &n, &fe), 0);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(big_endian_orders_like_numbers),
        cmocka_unit_test(chunk_keys),
        cmocka_unit_test(catalog_keys),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
