/*
 * import_stream.c: `eddy import --stream`: records (the form `eddy export --stream` writes)
 * restored with their sequence numbers (eddy_stream_restore_batch), or put anew with --new-ids.
 * The header's shard lineage is replayed (splits and merges in shard-id order, each just before
 * the first record that needs it: a parent's records must be stored while it is open), and the
 * consumers' checkpoints are set after the records.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrays.h"
#include "attrs.h"
#include "json.h"
#include "stream_forms.h"
#include "import_lines.h"

/* A stream's attributes that eddy_stream_set_attributes can change (not its hash, nor its
 * shards at creation). */
static bool stream_changeable(const char *key)
{
    return strcmp(key, "retention_ms") == 0 || strcmp(key, "record_len_max") == 0 ||
           strcmp(key, "batch_max") == 0 || strcmp(key, "iterator_ttl_ms") == 0;
}

/* A shard of the header's lineage. */
struct lineage {
    uint32_t id;
    uint32_t parent;   /* EDDY_STREAM_NO_SHARD for an original shard */
    uint32_t adjacent; /* the other parent of a merge, else EDDY_STREAM_NO_SHARD */
    char start[EDDY_STREAM_HASH_KEY_LEN + 1];
    char end[EDDY_STREAM_HASH_KEY_LEN + 1];
};

/* A checkpoint of the header, restored after the records. */
struct saved_checkpoint {
    char consumer[EDDY_CONSUMER_NAME_MAX + 1];
    uint32_t shard_id;
    char seq[EDDY_STREAM_SEQ_LEN + 1];
    unsigned char *state; /* malloc'ed */
    size_t state_len;
};

struct stream_import {
    struct import_common c;
    eddy_stream_options want; /* the header's attributes (c.header_line != 0) */
    struct lineage *lin;      /* the header's shards, increasing ids */
    size_t n_lin, next;       /* lin[next..] may still be missing from the target */
    bool replay;              /* restoring: rebuild lin's splits and merges as records need */
    bool *present;            /* [EDDY_STREAM_SHARDS_MAX]: the target has this shard id */
    char (*starts)[EDDY_STREAM_HASH_KEY_LEN + 1]; /* [SHARDS_MAX]: a present shard's start */
    struct saved_checkpoint *cps;
    size_t n_cps;
    eddy_stream_put_entry *puts;
    eddy_stream_restore_entry *restores;
    char (*seqs)[EDDY_STREAM_SEQ_LEN + 1];
    eddy_stream_put_result *res;
    char (*newest)[EDDY_STREAM_SEQ_LEN + 1]; /* --skip-existing: [SHARDS_MAX] shard's last_seq */
};

static void record_release(void *ctx, size_t i)
{
    eddy_stream_put_entry *e = &((struct stream_import *)ctx)->puts[i];
    free((void *)(uintptr_t)e->partition_key.data);
    free((void *)(uintptr_t)e->data.data);
    memset(e, 0, sizeof *e);
    e->size = sizeof *e;
}

static bool record_parse(void *ctx, json_t *o, size_t i, const char **why)
{
    struct stream_import *x = ctx;
    eddy_stream_put_entry *e = &x->puts[i];
    eddy_stream_restore_entry *r = &x->restores[i];
    unsigned char *pk = NULL, *data = NULL;
    size_t pk_len = 0, data_len = 0;
    const char *seq = json_string_value(json_object_get(o, "seq"));
    bool ok = cli_json_get_body(o, "partition_key", "partition_key_encoding", &pk, &pk_len);
    ok = ok && cli_json_get_body(o, "data", "data_encoding", &data, &data_len);
    memset(e, 0, sizeof *e);
    e->size = sizeof *e;
    e->partition_key.data = pk;
    e->partition_key.len = pk_len;
    e->data.data = data;
    e->data.len = data_len;
    if (!ok) {
        *why = "no usable \"partition_key\" or \"data\"";
        return false;
    }
    if (x->c.im->new_ids)
        return true;
    memset(r, 0, sizeof *r);
    r->size = sizeof *r;
    r->partition_key = e->partition_key;
    r->data = e->data;
    r->arrival_ms = cli_import_json_u64(o, "arrival_ms", NULL);
    if (seq == NULL || strlen(seq) != EDDY_STREAM_SEQ_LEN || r->arrival_ms == 0) {
        *why = "no \"seq\" or \"arrival_ms\" to keep (pass --new-ids to put it as a new record)";
        return false;
    }
    memcpy(x->seqs[i], seq, EDDY_STREAM_SEQ_LEN + 1);
    r->seq = x->seqs[i];
    return true;
}

static int record_flush(void *ctx, size_t n, int *rcs)
{
    struct stream_import *x = ctx;
    size_t i;
    int rc = x->c.im->new_ids
                 ? eddy_stream_put_batch(x->c.env, x->c.name, x->puts, n, x->res, NULL)
                 : eddy_stream_restore_batch(x->c.env, x->c.name, x->restores, n, x->res);
    /* A failed put batch marks every entry with the call's code: report it once. */
    for (i = 0; i < n; i++)
        rcs[i] = rc != 0 && x->c.im->new_ids ? 0 : x->res[i].rc;
    return rc;
}

/* The highest "shard_id" of the input's lines (0 when none), for --create. */
static uint32_t max_shard_id(const unsigned char *buf, size_t len)
{
    size_t pos = 0;
    uint64_t max = 0;
    while (pos < len) {
        const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        json_error_t err;
        json_t *o = end > pos ? json_loadb((const char *)buf + pos, end - pos, 0, &err) : NULL;
        uint64_t id = cli_import_json_u64(o, "shard_id", NULL);
        max = id > max && id < EDDY_STREAM_SHARDS_MAX ? id : max;
        json_decref(o);
        pos = end + 1;
    }
    return (uint32_t)max;
}

/* A decimal hash key: 1..EDDY_STREAM_HASH_KEY_LEN digits. */
static bool hash_key_ok(json_t *v, char *dst)
{
    const char *k = json_string_value(v);
    size_t n = k != NULL ? strlen(k) : 0;
    if (n == 0 || n > EDDY_STREAM_HASH_KEY_LEN || strspn(k, "0123456789") != n)
        return false;
    memcpy(dst, k, n + 1);
    return true;
}

/* A shard id field: absent or null is NO_SHARD when null_ok; else an integer below max. */
static bool shard_field(json_t *o, const char *key, bool null_ok, uint32_t max, uint32_t *out)
{
    json_t *v = json_object_get(o, key);
    *out = EDDY_STREAM_NO_SHARD;
    if (v == NULL || json_is_null(v))
        return null_ok;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= max)
        return false;
    *out = (uint32_t)json_integer_value(v);
    return true;
}

/* The header's "shards": increasing ids, parents below their children. */
static const char *parse_lineage(struct stream_import *x, json_t *arr)
{
    json_t *o;
    size_t i;
    if (arr == NULL)
        return NULL;
    if (!json_is_array(arr) || json_array_size(arr) > EDDY_STREAM_SHARDS_MAX)
        return "\"shards\" is not an array of at most 4096 shards";
    x->lin = calloc(json_array_size(arr) + 1, sizeof *x->lin);
    if (x->lin == NULL)
        return "out of memory";
    json_array_foreach(arr, i, o)
    {
        struct lineage *l = &x->lin[i];
        if (!json_is_object(o) ||
            !shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &l->id))
            return "a shard has no valid \"shard_id\"";
        if (i > 0 && l->id <= x->lin[i - 1].id)
            return "the shards are not in increasing shard_id order";
        if (!shard_field(o, "parent_id", true, l->id, &l->parent) ||
            !shard_field(o, "adjacent_parent_id", true, l->id, &l->adjacent) ||
            (l->parent == EDDY_STREAM_NO_SHARD && l->adjacent != EDDY_STREAM_NO_SHARD))
            return "a shard's parent_id or adjacent_parent_id is not an older shard";
        if (!hash_key_ok(json_object_get(o, "starting_hash_key"), l->start) ||
            !hash_key_ok(json_object_get(o, "ending_hash_key"), l->end))
            return "a shard's starting_hash_key or ending_hash_key is not a decimal hash key";
        x->n_lin++;
    }
    return NULL;
}

/* The header's "checkpoints": consumer, shard_id, seq, state (+ state_encoding). */
static const char *parse_checkpoints(struct stream_import *x, json_t *arr)
{
    json_t *o;
    size_t i;
    if (arr == NULL)
        return NULL;
    if (!json_is_array(arr))
        return "\"checkpoints\" is not an array";
    x->cps = calloc(json_array_size(arr) + 1, sizeof *x->cps);
    if (x->cps == NULL)
        return "out of memory";
    json_array_foreach(arr, i, o)
    {
        struct saved_checkpoint *cp = &x->cps[i];
        const char *consumer = json_string_value(json_object_get(o, "consumer"));
        const char *seq = json_string_value(json_object_get(o, "seq"));
        if (consumer == NULL || strlen(consumer) == 0 || strlen(consumer) > EDDY_CONSUMER_NAME_MAX)
            return "a checkpoint has no valid \"consumer\"";
        if (seq == NULL || strlen(seq) == 0 || strlen(seq) > EDDY_STREAM_SEQ_LEN)
            return "a checkpoint has no valid \"seq\"";
        if (!shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &cp->shard_id))
            return "a checkpoint has no valid \"shard_id\"";
        strcpy(cp->consumer, consumer);
        strcpy(cp->seq, seq);
        x->n_cps++;
        if (json_object_get(o, "state") != NULL &&
            !cli_json_get_body(o, "state", "state_encoding", &cp->state, &cp->state_len))
            return "a checkpoint's \"state\" is not valid";
    }
    return NULL;
}

static int stream_header(struct cli *cli, void *ctx, json_t *h)
{
    struct stream_import *x = ctx;
    const char *why = "attributes";
    if (!cli_stream_options_from_json(json_object_get(h, "attributes"), &x->want, &why)) {
        cli_err(cli, "line %zu: bad export header: attribute \"%s\" is missing or not valid",
                x->c.header_line, why);
        return CLI_EXIT_FAIL;
    }
    if ((why = parse_lineage(x, json_object_get(h, "shards"))) != NULL ||
        (why = parse_checkpoints(x, json_object_get(h, "checkpoints"))) != NULL) {
        cli_err(cli, "line %zu: bad export header: %s", x->c.header_line, why);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static void stream_drop(void *ctx)
{
    struct stream_import *x = ctx;
    size_t i;
    for (i = 0; i < x->n_cps; i++)
        free(x->cps[i].state);
    free(x->cps);
    free(x->lin);
    free(x->present);
    free(x->starts);
    free(x->newest);
}

/* The header's lineage entry for shard id, or NULL. */
static const struct lineage *lineage_of(const struct stream_import *x, uint32_t id)
{
    size_t lo = 0, hi = x->n_lin;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->lin[mid].id == id)
            return &x->lin[mid];
        if (x->lin[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/*
 * Before restoring: every shard the target has must be the export's (same range and parents),
 * or one of its original shards that the export no longer lists (expired in the source; a
 * replayed split or merge closes it again). Marks them present.
 */
static int lineage_check(struct cli *cli, struct stream_import *x, uint32_t original)
{
    eddy_stream_shard *sh = NULL;
    size_t n = 0, i;
    int ex = CLI_EXIT_OK, rc = cli_stream_shards(x->c.env, x->c.name, &sh, &n);
    x->present = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *x->present);
    x->starts = calloc(EDDY_STREAM_SHARDS_MAX, sizeof *x->starts);
    if (rc == 0 && (x->present == NULL || x->starts == NULL))
        rc = EDDY_ENOMEM;
    if (rc != 0) {
        free(sh);
        return cli_fail(cli, rc, "cannot list the shards of stream '%s'", x->c.name);
    }
    for (i = 0; i < n && ex == 0; i++) {
        const eddy_stream_shard *t = &sh[i];
        const struct lineage *l = lineage_of(x, t->shard_id);
        bool same =
            l != NULL && l->parent == t->parent_id && l->adjacent == t->adjacent_parent_id &&
            strcmp(l->start, t->starting_hash_key) == 0 && strcmp(l->end, t->ending_hash_key) == 0;
        if (!same && (l != NULL || t->shard_id >= original)) {
            cli_err(cli,
                    "line %zu: shard %u of stream '%s' is not the export's shard %u (other hash "
                    "range or parents): import with --new-ids, or into a new stream",
                    x->c.header_line, t->shard_id, x->c.name, t->shard_id);
            ex = CLI_EXIT_FAIL;
        }
        x->present[t->shard_id] = true;
        strcpy(x->starts[t->shard_id], t->starting_hash_key);
    }
    free(sh);
    x->replay = ex == 0;
    return ex;
}

/* key + 1 in decimal into dst (EDDY_STREAM_HASH_KEY_LEN + 2 bytes). */
static void hash_key_inc(const char *key, char *dst)
{
    size_t n = strlen(key), i = n;
    memcpy(dst + 1, key, n + 1);
    dst[0] = '0';
    while (i > 0 && dst[i] == '9')
        dst[i--] = '0';
    dst[i]++;
    if (dst[0] == '0')
        memmove(dst, dst + 1, n + 1);
}

/* Rebuild shard l by the split or merge that made it in the source. */
static int replay_one(struct cli *cli, struct stream_import *x, const struct lineage *l,
                      size_t line)
{
    const struct lineage *sib = lineage_of(x, l->id + 1);
    uint32_t kids[2] = {EDDY_STREAM_NO_SHARD, EDDY_STREAM_NO_SHARD}, want = 0;
    char key[EDDY_STREAM_HASH_KEY_LEN + 2];
    int rc;
    if (l->parent == EDDY_STREAM_NO_SHARD || !x->present[l->parent]) {
        cli_err(cli,
                "line %zu: cannot rebuild shard %u of stream '%s': its parent is not in the "
                "target (it expired in the source?)",
                line, l->id, x->c.name);
        return CLI_EXIT_FAIL;
    }
    if (l->adjacent != EDDY_STREAM_NO_SHARD) {
        rc = eddy_stream_merge_shards(x->c.env, x->c.name, l->parent, l->adjacent, &kids[0]);
    } else {
        if (sib != NULL && sib->parent == l->parent && sib->adjacent == EDDY_STREAM_NO_SHARD) {
            strcpy(key, sib->start); /* l is the lower child, its sibling the upper */
        } else if (strcmp(l->start, x->starts[l->parent]) == 0) {
            hash_key_inc(l->end, key); /* the lower child; its sibling expired */
        } else {
            strcpy(key, l->start); /* the upper child */
            want = 1;
        }
        rc = eddy_stream_split_shard(x->c.env, x->c.name, l->parent, key, kids);
    }
    if (rc != 0)
        return cli_fail(cli, rc, "line %zu: cannot rebuild shard %u of stream '%s'", line, l->id,
                        x->c.name);
    if (kids[0] >= EDDY_STREAM_SHARDS_MAX ||
        (kids[1] != EDDY_STREAM_NO_SHARD && kids[1] >= EDDY_STREAM_SHARDS_MAX)) {
        cli_err(cli, "line %zu: the library returned shard ids beyond EDDY_STREAM_SHARDS_MAX",
                line);
        return CLI_EXIT_FAIL;
    }
    /* A child starts where its (lower) parent did; a split's upper child at the key. */
    memmove(x->starts[kids[0]], x->starts[l->parent], sizeof x->starts[0]);
    x->present[kids[0]] = true;
    if (kids[1] != EDDY_STREAM_NO_SHARD) {
        strcpy(x->starts[kids[1]], key);
        x->present[kids[1]] = true;
    }
    if (kids[want] != l->id) {
        cli_err(cli,
                "line %zu: rebuilding shard %u of stream '%s' made shard %u: the export's "
                "lineage cannot be replayed here",
                line, l->id, x->c.name, kids[want]);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* Rebuild every missing shard of the lineage with an id up to `limit`, in id order. */
static int replay_upto(struct cli *cli, struct stream_import *x, uint32_t limit, size_t line)
{
    int ex = CLI_EXIT_OK;
    while (ex == 0 && x->next < x->n_lin && x->lin[x->next].id <= limit) {
        if (!x->present[x->lin[x->next].id])
            ex = replay_one(cli, x, &x->lin[x->next], line);
        x->next++;
    }
    return ex;
}

/* A record needs its shard (and every older one of the lineage) rebuilt first. */
static bool record_needs(void *ctx, json_t *o)
{
    struct stream_import *x = ctx;
    uint32_t id;
    if (!x->replay || !shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &id))
        return false;
    while (x->next < x->n_lin && x->present[x->lin[x->next].id])
        x->next++;
    return x->next < x->n_lin && x->lin[x->next].id <= id;
}

static int record_prepare(struct cli *cli, void *ctx, json_t *o, size_t line)
{
    uint32_t id = 0;
    shard_field(o, "shard_id", false, EDDY_STREAM_SHARDS_MAX, &id);
    return replay_upto(cli, ctx, id, line);
}

/* After the records: the rest of the lineage, then the checkpoints. */
static int stream_finish(struct cli *cli, void *ctx)
{
    struct stream_import *x = ctx;
    size_t i, n = 0;
    int ex = x->replay ? replay_upto(cli, x, UINT32_MAX, x->c.header_line) : CLI_EXIT_OK;
    if (ex == 0 && x->c.im->new_ids && x->n_cps > 0)
        cli_err(cli,
                "note: %zu checkpoints not restored: --new-ids gives the records new "
                "sequence numbers",
                x->n_cps);
    for (i = 0; ex == 0 && !x->c.im->new_ids && i < x->n_cps; i++) {
        const struct saved_checkpoint *cp = &x->cps[i];
        eddy_checkpoint_write w = EDDY_CHECKPOINT_WRITE_INIT;
        int rc;
        w.stream = x->c.name;
        w.consumer = cp->consumer;
        w.shard_id = cp->shard_id;
        w.seq = cp->seq;
        w.state.data = cp->state;
        w.state.len = cp->state_len;
        if ((rc = eddy_checkpoint_set(x->c.env, &w)) != 0) {
            cli_err(cli,
                    "line %zu: cannot restore consumer '%s''s checkpoint on shard %u at %s (is "
                    "that record in the target?): %s: %s",
                    x->c.header_line, cp->consumer, cp->shard_id, cp->seq, eddy_errname(rc),
                    eddy_last_error());
            ex = CLI_EXIT_FAIL;
        }
        n++;
    }
    if (ex == 0 && n > 0 && x->c.summary != NULL)
        fprintf(x->c.summary, "restored %zu checkpoint%s of stream '%s'\n", n, n == 1 ? "" : "s",
                x->c.name);
    return ex;
}

/* An existing stream against the header: equal, kept (--keep-attributes) or changed (all but
 * the hash and the shards at creation can change). */
static int stream_reconcile(struct cli *cli, struct stream_import *x, const eddy_stream_info *info)
{
    eddy_stream_options io = cli_stream_options_of(info);
    json_t *have = cli_stream_options_json(&io);
    json_t *want = cli_stream_options_json(&x->want);
    bool changeable;
    char *diff = cli_import_attr_diff(have, want, stream_changeable, &changeable);
    int ex = CLI_EXIT_OK, rc;
    json_decref(have);
    json_decref(want);
    if (diff == NULL || x->c.im->keep_attributes) {
        free(diff);
        return CLI_EXIT_OK;
    }
    if (!x->c.im->apply_attributes) {
        ex = cli_import_attr_mismatch(cli, x, diff);
    } else if (!changeable) {
        cli_err(cli,
                "line %zu: stream '%s' differs from the export in attributes that cannot "
                "change (its hash or its shards at creation): %s; pass --keep-attributes to "
                "keep them",
                x->c.header_line, x->c.name, diff);
        ex = CLI_EXIT_FAIL;
    } else if ((rc = eddy_stream_set_attributes(x->c.env, x->c.name, &x->want,
                                                EDDY_STREAM_SET_ALL)) != 0) {
        ex = cli_fail(cli, rc, "line %zu: cannot give stream '%s' the export's attributes",
                      x->c.header_line, x->c.name);
    }
    free(diff);
    return ex;
}

/* --skip-existing: each shard's newest sequence number, into x->newest. */
static int stream_newest(struct stream_import *x)
{
    eddy_stream_shard *shards = NULL;
    size_t n = 0, i;
    int rc = cli_stream_shards(x->c.env, x->c.name, &shards, &n);
    x->newest = rc == 0 ? calloc(EDDY_STREAM_SHARDS_MAX, sizeof *x->newest) : NULL;
    if (rc == 0 && x->newest == NULL)
        rc = EDDY_ENOMEM;
    for (i = 0; rc == 0 && i < n; i++)
        if (shards[i].shard_id < EDDY_STREAM_SHARDS_MAX)
            memcpy(x->newest[shards[i].shard_id], shards[i].last_seq, sizeof x->newest[0]);
    free(shards);
    return rc;
}

/* --skip-existing: a record whose seq is at or below its shard's newest is stored already. */
static bool record_exists(void *ctx, json_t *o)
{
    const struct stream_import *x = ctx;
    json_t *id = json_object_get(o, "shard_id");
    const char *seq = json_string_value(json_object_get(o, "seq"));
    json_int_t shard = json_is_integer(id) ? json_integer_value(id) : -1;
    if (seq == NULL || shard < 0 || shard >= EDDY_STREAM_SHARDS_MAX || x->newest == NULL)
        return false;
    if (x->newest[shard][0] == '\0' || strlen(seq) != EDDY_STREAM_SEQ_LEN)
        return false;
    return strcmp(seq, x->newest[shard]) <= 0;
}

static int stream_target(struct cli *cli, void *ctx, const unsigned char *buf, size_t len,
                         uint32_t *batch_max)
{
    struct stream_import *x = ctx;
    bool header = x->c.header_line != 0;
    eddy_stream_options o = EDDY_STREAM_OPTIONS_INIT;
    eddy_stream_info info = EDDY_STREAM_INFO_INIT;
    int ex = CLI_EXIT_OK, rc = eddy_stream_get_attributes(x->c.env, x->c.name, &info);
    if (rc == EDDY_ENOTFOUND && x->c.im->create) {
        o = (eddy_stream_options)EDDY_STREAM_OPTIONS_INIT;
        o.shard_count = x->c.im->new_ids ? 1 : max_shard_id(buf, len) + 1;
        rc = eddy_stream_create(x->c.env, x->c.name, header ? &x->want : &o);
        if (rc != 0 && header)
            return cli_fail(cli, rc,
                            "line %zu: cannot create stream '%s' with the export's attributes",
                            x->c.header_line, x->c.name);
    } else if (rc == 0 && header) {
        ex = stream_reconcile(cli, x, &info);
    }
    if (rc == 0 && ex == 0)
        rc = eddy_stream_get_attributes(x->c.env, x->c.name, &info);
    if (rc != 0)
        return cli_fail(cli, rc, "cannot import into stream '%s'", x->c.name);
    if (ex == 0 && header && !x->c.im->new_ids && x->n_lin > 0)
        ex = lineage_check(cli, x, info.shard_count);
    if (ex == 0 && x->c.im->skip_existing && (rc = stream_newest(x)) != 0)
        return cli_fail(cli, rc, "cannot read the shards of stream '%s'", x->c.name);
    *batch_max = info.batch_max;
    return ex;
}

static bool stream_alloc(void *ctx, uint32_t batch_max)
{
    struct stream_import *x = ctx;
    CLI_ARRAY_NEW(x->puts, batch_max);
    CLI_ARRAY_NEW(x->restores, batch_max);
    x->seqs = calloc(batch_max, sizeof *x->seqs);
    CLI_ARRAY_NEW(x->res, batch_max);
    return x->puts != NULL && x->restores != NULL && x->seqs != NULL && x->res != NULL;
}

static void stream_free(void *ctx)
{
    struct stream_import *x = ctx;
    free(x->puts);
    free(x->restores);
    free(x->seqs);
    free(x->res);
}

static const struct import_ops stream_ops = {
    "stream",       "record",       stream_header, stream_target, stream_alloc,  stream_free,
    record_needs,   record_prepare, record_parse,  NULL,          record_exists, record_flush,
    record_release, stream_finish,  stream_drop,   NULL};

int cli_import_stream(struct cli *cli, eddy_env *env, const struct cli_import *im,
                      const unsigned char *buf, size_t len, FILE *summary, size_t *done_out)
{
    struct stream_import x;
    memset(&x, 0, sizeof x);
    x.c.env = env;
    x.c.name = im->stream;
    x.c.im = im;
    x.c.summary = summary;
    return cli_import_into(cli, &stream_ops, &x, buf, len, summary, done_out);
}
