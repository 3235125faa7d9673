/* test_record.c: the record header (format/record.c) and codec (format/codec.c): round trips,
 * and strict rejection of every kind of truncation and damage with EDDY_ECORRUPT. */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "codec.h"
#include "record.h"
#include "support.h"

static size_t encode(uint8_t *buf, size_t cap, uint8_t flags, const char *meta, const char *body)
{
    eddy__rec r;
    size_t len;
    memset(&r, 0, sizeof r);
    r.flags = flags;
    r.codec = EDDY__CODEC_NONE;
    r.kind = EDDY__KIND_QMSG;
    r.meta = (const uint8_t *)meta;
    r.meta_len = (uint32_t)strlen(meta);
    r.stored = (const uint8_t *)body;
    r.raw_len = r.stored_len = (uint32_t)strlen(body);
    assert_int_equal(eddy__rec_encode(buf, cap, &r, &len, NULL), 0);
    return len;
}

static void round_trip(void **state)
{
    uint8_t buf[256];
    eddy__rec r;
    size_t len = encode(buf, sizeof buf, 0, "meta!", "hello body");

    assert_int_equal(len, 28 + 5 + 10);
    assert_int_equal(eddy__rec_decode(buf, len, &r, NULL), 0);
    assert_int_equal(r.meta_len, 5);
    assert_memory_equal(r.meta, "meta!", 5);
    assert_int_equal(r.stored_len, 10);
    assert_memory_equal(r.stored, "hello body", 10);
    assert_int_equal(r.kind, EDDY__KIND_QMSG);
    (void)state;
}

static void chunked_checksum_covers_payload(void **state)
{
    uint8_t buf[256];
    eddy__ferr fe;
    eddy__rec r;
    size_t len = encode(buf, sizeof buf, EDDY__REC_CHUNKED, "m", "chunked payload");

    assert_int_equal(len, 28 + 1);
    assert_int_equal(eddy__rec_decode(buf, len, &r, NULL), 0);
    assert_null(r.stored);
    assert_int_equal(eddy__rec_check(&r, "chunked payload", 15, NULL), 0);
    assert_int_equal(eddy__rec_check(&r, "chunked paylaod", 15, &fe), EDDY_ECORRUPT);
    assert_non_null(strstr(fe.msg, "checksum"));
    assert_int_equal(eddy__rec_check(&r, "chunked payload!", 16, &fe), EDDY_ECORRUPT);
    (void)state;
}

static void every_truncation_is_rejected(void **state)
{
    uint8_t buf[256];
    eddy__rec r;
    size_t len = encode(buf, sizeof buf, 0, "meta", "body bytes");

    for (size_t n = 0; n < len; n++)
        assert_int_equal(eddy__rec_decode(buf, n, &r, NULL), EDDY_ECORRUPT);
    assert_int_equal(eddy__rec_decode(NULL, 0, &r, NULL), EDDY_ECORRUPT);
    (void)state;
}

static void every_bit_flip_is_rejected(void **state)
{
    uint8_t buf[256];
    eddy__rec r;
    size_t len = encode(buf, sizeof buf, 0, "meta", "body bytes");

    for (size_t i = 0; i < len; i++) {
        for (int b = 0; b < 8; b++) {
            buf[i] ^= (uint8_t)(1u << b);
            int rc = eddy__rec_decode(buf, len, &r, NULL);
            /* A flipped version byte may read as a newer version. */
            assert_true(rc == EDDY_ECORRUPT || (i == 0 && rc == EDDY_EVERSION));
            buf[i] ^= (uint8_t)(1u << b);
        }
    }
    (void)state;
}

static void header_field_rules(void **state)
{
    uint8_t buf[256];
    eddy__ferr fe;
    eddy__rec r;
    size_t len = encode(buf, sizeof buf, 0, "", "x");

    buf[0] = 2;
    assert_int_equal(eddy__rec_decode(buf, len, &r, &fe), EDDY_EVERSION);
    buf[0] = 0;
    assert_int_equal(eddy__rec_decode(buf, len, &r, &fe), EDDY_ECORRUPT);
    buf[0] = 1;
    eddy__be32_put(buf + 8, 0xffffffffu); /* meta_len beyond the value */
    assert_int_equal(eddy__rec_decode(buf, len, &r, &fe), EDDY_ECORRUPT);
    assert_non_null(strstr(fe.msg, "meta"));
    (void)state;
}

static void encode_rejects_bad_fields(void **state)
{
    uint8_t buf[64];
    eddy__rec r;
    size_t len;

    memset(&r, 0, sizeof r);
    r.kind = 0;
    assert_int_equal(eddy__rec_encode(buf, sizeof buf, &r, &len, NULL), EDDY_EINVAL);
    r.kind = EDDY__KIND_SREC;
    r.codec = EDDY__CODEC_ZSTD_DICT; /* without a dictionary id */
    assert_int_equal(eddy__rec_encode(buf, sizeof buf, &r, &len, NULL), EDDY_EINVAL);
    r.codec = EDDY__CODEC_NONE;
    r.raw_len = r.stored_len = 100;
    r.stored = (const uint8_t *)"x";
    assert_int_equal(eddy__rec_encode(buf, sizeof buf, &r, &len, NULL), EDDY_EBUFS);
    assert_int_equal(len, 128);
    (void)state;
}

static void codec_round_trip_and_damage(void **state)
{
    char src[4096], out[4096];
    uint8_t z[8192];
    size_t zlen;
    eddy__ferr fe;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_DCtx *d = ZSTD_createDCtx();

    for (size_t i = 0; i < sizeof src; i++)
        src[i] = "abcabcabd"[i % 9];
    assert_int_equal(eddy__codec_compress(c, 3, NULL, src, sizeof src, z, sizeof z, &zlen, &fe), 0);
    assert_true(zlen < 200);
    assert_int_equal(eddy__codec_decompress(d, EDDY__CODEC_ZSTD, 0, NULL, z, zlen, out, sizeof out,
                                            sizeof src, &fe),
                     0);
    assert_memory_equal(out, src, sizeof src);
    /* Declared size disagrees with the record. */
    assert_int_equal(eddy__codec_decompress(d, EDDY__CODEC_ZSTD, 0, NULL, z, zlen, out, sizeof out,
                                            sizeof src - 1, &fe),
                     EDDY_ECORRUPT);
    /* Truncated frame. */
    assert_int_equal(eddy__codec_decompress(d, EDDY__CODEC_ZSTD, 0, NULL, z, zlen / 2, out,
                                            sizeof out, sizeof src, &fe),
                     EDDY_ECORRUPT);
    /* Garbage. */
    memset(z, 0x5a, 32);
    assert_int_equal(eddy__codec_decompress(d, EDDY__CODEC_ZSTD, 0, NULL, z, 32, out, sizeof out,
                                            sizeof src, &fe),
                     EDDY_ECORRUPT);
    /* Dictionary codec without a dictionary, unknown codec, small buffer. */
    assert_int_equal(
        eddy__codec_decompress(d, EDDY__CODEC_ZSTD_DICT, 7, NULL, z, 32, out, sizeof out, 10, &fe),
        EDDY_EINVAL);
    assert_int_equal(eddy__codec_decompress(d, 9, 0, NULL, z, 32, out, sizeof out, 10, &fe),
                     EDDY_EINVAL);
    assert_int_equal(eddy__codec_decompress(d, EDDY__CODEC_NONE, 0, NULL, src, 10, out, 5, 10, &fe),
                     EDDY_EBUFS);
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(chunked_checksum_covers_payload),
        cmocka_unit_test(every_truncation_is_rejected),
        cmocka_unit_test(every_bit_flip_is_rejected),
        cmocka_unit_test(header_field_rules),
        cmocka_unit_test(encode_rejects_bad_fields),
        cmocka_unit_test(codec_round_trip_and_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
