/*
 * gen_seeds.c: writes the seed corpus of a fuzz target into a directory: `gen_seeds DIR
 * [record|queue_keys|stream_keys|shard_hash]` (default record: valid records of each codec and
 * shape, and valid keys; the others: one valid encoding of every key and value their target
 * decodes). Run by ctest before the fuzzers, so the seeds always match the current encoders;
 * committed findings live in tests/fuzz/findings/.
 */
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "keys.h"
#include "queue_keys.h"
#include "record.h"
#include "shard_hash.h"
#include "stream_keys.h"

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

static int queue_seeds(const char *dir)
{
    uint8_t b[EDDY__QCFG_MAX_LEN + 64], attrs[64];
    char receipt[EDDY__RECEIPT_LEN + 1];
    eddy__qstate st = {EDDY__QSTATE_INFLIGHT,
                       2,
                       1700000030000,
                       1700000000000,
                       1700000000000,
                       0x1234,
                       1699999990000,
                       1,
                       1};
    eddy__qcounters c = {9, 3, 1, 1, 300, 0, 4, 2, 1700000000000};
    eddy__qcfg cfg;
    eddy__qtask t;
    eddy__qmeta m;
    eddy__qattr a = {(const uint8_t *)"color", 5, (const uint8_t *)"String", 6,
                     (const uint8_t *)"red",   3};
    eddy__receipt r = {7, 42, 3, 0xfeedface};
    eddy__wr w = eddy__wr_init(attrs, sizeof attrs);
    size_t len;
    int bad = 0;

    eddy__qkey_msg(b, 7, 42);
    bad |= write_file(dir, "qkey-msg", b, EDDY__QKEY_MSG_LEN);
    eddy__qkey_state(b, 7, 42);
    bad |= write_file(dir, "qkey-state", b, EDDY__QKEY_STATE_LEN);
    eddy__qkey_counters(b, 7);
    bad |= write_file(dir, "qkey-counters", b, EDDY__QKEY_COUNTERS_LEN);
    eddy__qkey_vis(b, 7, 1700000030000, 42);
    bad |= write_file(dir, "qkey-vis", b, EDDY__QKEY_VIS_LEN);
    eddy__qkey_expiry(b, 7, 1700000000000, 42);
    bad |= write_file(dir, "qkey-expiry", b, EDDY__QKEY_EXPIRY_LEN);
    eddy__qkey_task(b, 7, 1);
    bad |= write_file(dir, "qkey-task", b, EDDY__QKEY_TASK_LEN);
    eddy__qstate_encode(b, &st);
    bad |= write_file(dir, "qstate", b, EDDY__QSTATE_LEN);
    bad |= write_file(dir, "qvis-val", "\1", 1);
    eddy__qcounters_encode(b, &c);
    bad |= write_file(dir, "qcounters", b, EDDY__QCOUNTERS_LEN);
    memset(&cfg, 0, sizeof cfg);
    cfg.visibility_timeout_ms = 30000;
    cfg.retention_ms = 345600000;
    cfg.body_len_max = 1048576;
    cfg.max_receive_count = 10;
    cfg.in_flight_max = 120000;
    cfg.batch_max = 10;
    strcpy(cfg.dlq, "orders-dlq");
    cfg.redrive_allow = 2;
    cfg.n_allow = 1;
    strcpy(cfg.allow[0], "orders");
    if (eddy__qcfg_encode(b, sizeof b, &cfg, &len) == 0)
        bad |= write_file(dir, "qcfg", b, len);
    memset(&t, 0, sizeof t);
    t.status = EDDY__QTASK_FAILED;
    t.moved = 3;
    t.to_move = 5;
    strcpy(t.reason, "origin queue gone");
    if (eddy__qtask_encode(b, sizeof b, &t, &len) == 0)
        bad |= write_file(dir, "qtask", b, len);
    eddy__qattr_put(&w, &a);
    memset(&m, 0, sizeof m);
    m.sent_ms = 1700000000000;
    m.attr_count = 1;
    m.attrs = attrs;
    m.attrs_len = (uint32_t)w.len;
    if (eddy__qmeta_encode(b, sizeof b, &m, &len) == 0)
        bad |= write_file(dir, "qmeta", b, len);
    eddy__receipt_encode(receipt, &r);
    bad |= write_file(dir, "receipt", receipt, EDDY__RECEIPT_LEN);
    return bad;
}

static int stream_seeds(const char *dir)
{
    uint8_t b[EDDY__SSHARD_LEN + 64], end[16];
    char tok[EDDY__SITER_HEX_LEN + 1];
    eddy__scfg c = {EDDY__HASH_MD5, 2, 86400000, 1048576, 500, 300000, 0, 4};
    eddy__sshard s;
    eddy__sblock_meta m = {2, 1700000000000, 5};
    eddy__ckpt cp = {EDDY__CKPT_SEQ, 12, 1700000000000, 3, (const uint8_t *)"agg", 3};
    eddy__lease l;
    eddy__siter it = {5, 1, 12, 1700000000000};
    size_t len;
    int bad = 0;

    eddy__scfg_encode(b, &c);
    bad |= write_file(dir, "scfg", b, EDDY__SCFG_LEN);
    memset(&s, 0, sizeof s);
    memset(s.end, 0xff, 16);
    s.parent = s.parent2 = s.child = s.child2 = EDDY__SHARD_NONE;
    s.base_n = 1;
    s.last_n = 9;
    eddy__sshard_encode(b, &s);
    bad |= write_file(dir, "sshard", b, EDDY__SSHARD_LEN);
    eddy__sblock_meta_encode(b, &m);
    len = EDDY__SBLOCK_META_LEN;
    len += eddy__sblock_rec_encode(b + len, "k1", 2, "abc", 3);
    len += eddy__sblock_rec_encode(b + len, "k2", 2, "de", 2);
    bad |= write_file(dir, "sblock", b, len);
    len = eddy__ckpt_encode(b, sizeof b, &cp);
    bad |= write_file(dir, "ckpt", b, len);
    memset(&l, 0, sizeof l);
    l.counter = 4;
    strcpy(l.owner, "worker-1");
    l.owner_len = 8;
    len = eddy__lease_encode(b, sizeof b, &l);
    bad |= write_file(dir, "lease", b, len);
    eddy__skey_rec(b, 5, 1, 12);
    bad |= write_file(dir, "skey-rec", b, EDDY__SKEY_REC_LEN);
    memset(end, 0x7f, 16);
    eddy__skey_route(b, 5, end);
    bad |= write_file(dir, "skey-route", b, EDDY__SKEY_ROUTE_LEN);
    len = eddy__skey_named(b, 5, 1, "consumer", 8);
    bad |= write_file(dir, "skey-named", b, len);
    eddy__siter_encode(tok, &it);
    bad |= write_file(dir, "iterator", tok, EDDY__SITER_HEX_LEN);
    return bad;
}

static int hash_seeds(const char *dir)
{
    char seq[EDDY__SEQ_DIGITS + 1];
    int bad = 0;

    eddy__seq_to_dec(12, 3, seq);
    bad |= write_file(dir, "seq", seq, EDDY__SEQ_DIGITS);
    bad |= write_file(dir, "hash-max", "340282366920938463463374607431768211455", 39);
    bad |= write_file(dir, "hash-zero", "0", 1);
    bad |= write_file(dir, "bytes32", "0123456789abcdef0123456789abcdef", 32);
    return bad;
}

int main(int argc, char **argv)
{
    char body[2000];
    uint8_t z[4096], key[EDDY__CHUNK_KEY_MAX];
    size_t zlen, klen;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    int bad = 0;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: gen_seeds DIR [record|queue_keys|stream_keys|shard_hash]\n");
        return 2;
    }
    if (argc == 3 && strcmp(argv[2], "queue_keys") == 0)
        return queue_seeds(argv[1]);
    if (argc == 3 && strcmp(argv[2], "stream_keys") == 0)
        return stream_seeds(argv[1]);
    if (argc == 3 && strcmp(argv[2], "shard_hash") == 0)
        return hash_seeds(argv[1]);
    if (argc == 3 && strcmp(argv[2], "record") != 0) {
        fprintf(stderr, "gen_seeds: unknown target %s\n", argv[2]);
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
