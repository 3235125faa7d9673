/*
 * gen_seeds.c: writes the seed corpus of fuzz_record (valid records of each codec and shape,
 * and valid keys) into a directory. Run by ctest before the fuzzer, so the seeds always match
 * the current encoder; committed findings live in tests/fuzz/findings/.
 */
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "keys.h"
#include "record.h"

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        return 1;
    }
    fclose(f);
    return 0;
}

static int rec_seed(const char *dir, const char *name, uint8_t flags, uint8_t codec,
                    const char *meta, const void *stored, size_t stored_len, size_t raw_len)
{
    uint8_t buf[8192];
    eddy__rec r;
    size_t len;
    memset(&r, 0, sizeof r);
    r.flags = flags;
    r.codec = codec;
    r.kind = EDDY__KIND_QMSG;
    r.meta = (const uint8_t *)meta;
    r.meta_len = (uint32_t)strlen(meta);
    r.stored = stored;
    r.stored_len = (uint32_t)stored_len;
    r.raw_len = (uint32_t)raw_len;
    if (eddy__rec_encode(buf, sizeof buf, &r, &len, NULL) != 0)
        return 1;
    return write_file(dir, name, buf, len);
}

int main(int argc, char **argv)
{
    char body[2000];
    uint8_t z[4096], key[EDDY__CHUNK_KEY_MAX];
    size_t zlen, klen;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    int bad = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds DIR\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = "{\"order_id\":1234,\"sku\":\"glazed\"}"[i % 32];
    eddy__codec_compress(c, 3, NULL, body, sizeof body, z, sizeof z, &zlen, NULL);
    ZSTD_freeCCtx(c);
    bad |= rec_seed(argv[1], "plain", 0, EDDY__CODEC_NONE, "meta", "hello", 5, 5);
    bad |= rec_seed(argv[1], "empty", 0, EDDY__CODEC_NONE, "", "", 0, 0);
    bad |= rec_seed(argv[1], "zstd", 0, EDDY__CODEC_ZSTD, "m", z, zlen, sizeof body);
    bad |= rec_seed(argv[1], "chunked", EDDY__REC_CHUNKED, EDDY__CODEC_NONE, "mm", body, 100, 100);
    eddy__key_chunk(key, sizeof key, 4, "owner-key", 9, 3, &klen);
    bad |= write_file(argv[1], "chunk-key", key, klen);
    eddy__key_catalog(key, sizeof key, EDDY__OBJ_QUEUE, "orders", 6, &klen);
    bad |= write_file(argv[1], "catalog-key", key, klen);
    return bad;
}
