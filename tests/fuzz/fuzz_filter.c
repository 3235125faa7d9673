/*
 * fuzz_filter.c: libFuzzer target for poller filter patterns (engine/poller/filter.c): compiling
 * them (eddy__filter_compile) and matching them against queue messages and stream records
 * (eddy__filter_match). The input is "PATTERNS\0BODY": PATTERNS holds up to
 * EDDY_POLLER_FILTERS_MAX + 1 pattern texts separated by 0x1e bytes, BODY is the message body and
 * record data (and, cut to 32 bytes, the record's partition key). Invariants:
 * - compile returns 0 with a filter, or EDDY_EINVAL with no filter and a non-empty
 *   eddy_last_error(); it succeeds exactly when each pattern alone compiles and there are at
 *   most EDDY_POLLER_FILTERS_MAX of them;
 * - matching returns 0 and is deterministic; a list matches exactly when one of its patterns
 *   matches alone (OR), and a pattern re-serialised by jansson matches as the original does;
 * - free releases everything (libFuzzer's leak check).
 * Internal API: one env is opened per process, only for its allocator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "eddy.h"
#include "fuzz_db.h"
#include "poller_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATS_MAX (EDDY_POLLER_FILTERS_MAX + 1)

/* Compile; check the documented outcome. Returns the filter or NULL. */
static eddy__filter *compile(const char *const *pats, size_t n)
{
    eddy__filter *f = (eddy__filter *)(uintptr_t)1;
    int rc = eddy__filter_compile(fdb.env, pats, n, &f);
    REQUIRE(rc == 0 || rc == EDDY_EINVAL);
    REQUIRE((rc == 0) == (f != NULL));
    if (rc != 0)
        REQUIRE(eddy_last_error()[0] != '\0');
    return f;
}

/* Matches of f against the two items: bit 0 the queue message, bit 1 the stream record. */
static unsigned match(const eddy__filter *f, const eddy_poller_item items[2])
{
    unsigned bits = 0;
    for (int k = 0; k < 2; k++) {
        bool m = false;
        REQUIRE(eddy__filter_match(f, k == 0 ? EDDY_POLLER_SOURCE_QUEUE : EDDY_POLLER_SOURCE_STREAM,
                                   &items[k], &m) == 0);
        bits |= m ? 1u << k : 0;
    }
    return bits;
}

static void make_items(eddy_poller_item items[2], const uint8_t *body, size_t body_len,
                       const eddy_queue_attr *attrs)
{
    memset(items, 0, 2 * sizeof items[0]);
    items[0].msg_id = 42;
    items[0].body.data = body;
    items[0].body.len = body_len;
    items[0].attrs = attrs;
    items[0].attr_count = 2;
    items[0].receive_count = 1;
    items[0].sent_ms = 1700000000000ull;
    items[0].first_receive_ms = 1700000000500ull;
    items[1].body = items[0].body;
    items[1].partition_key.data = body;
    items[1].partition_key.len = body_len < 32 ? body_len : 32;
    items[1].shard_id = 1;
    items[1].sent_ms = 1700000000000ull;
    items[1].receive_count = 1;
    memset(items[1].seq, '0', EDDY_STREAM_SEQ_LEN);
    items[1].seq[EDDY_STREAM_SEQ_LEN - 1] = '7';
}

/* The pattern as jansson writes it back; matched like the original. */
static void check_reserialised(const char *pat, unsigned want, const eddy_poller_item items[2])
{
    json_t *j = json_loads(pat, 0, NULL);
    char *again;
    const char *one[1];
    eddy__filter *f;

    REQUIRE(j != NULL);
    again = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    REQUIRE(again != NULL);
    if (strlen(again) <= EDDY_POLLER_FILTER_LEN_MAX) {
        one[0] = again;
        f = compile(one, 1);
        REQUIRE(f != NULL);
        REQUIRE(match(f, items) == want);
        eddy__filter_free(fdb.env, f);
    }
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t blob[3] = {0xff, 0x00, 0x01};
    const eddy_queue_attr attrs[2] = {{"color", "String", {"red", 3}},
                                      {"blob", "Binary", {blob, sizeof blob}}};
    const uint8_t *zero = memchr(data, 0, size);
    size_t pat_len = zero != NULL ? (size_t)(zero - data) : size;
    const uint8_t *body = zero != NULL ? zero + 1 : data + size;
    size_t body_len = size - pat_len - (zero != NULL);
    char *text = malloc(pat_len + 1);
    const char *pats[PATS_MAX];
    eddy_poller_item items[2];
    eddy__filter *all, *one;
    unsigned all_bits, any_bits = 0;
    size_t n = 0;
    bool each_ok = true;

    if (fdb.env == NULL)
        fuzz_db_open("filter", 1);
    REQUIRE(text != NULL);
    memcpy(text, data, pat_len);
    text[pat_len] = '\0';
    pats[n++] = text;
    for (char *p = text; n < PATS_MAX && (p = strchr(p, '\x1e')) != NULL; p++) {
        *p = '\0';
        pats[n++] = p + 1;
    }
    make_items(items, body, body_len, attrs);

    all = compile(pats, n);
    for (size_t i = 0; i < n; i++) {
        unsigned bits;
        if ((one = compile(&pats[i], 1)) == NULL) {
            each_ok = false;
            continue;
        }
        bits = match(one, items);
        REQUIRE(match(one, items) == bits);
        any_bits |= bits;
        check_reserialised(pats[i], bits, items);
        eddy__filter_free(fdb.env, one);
    }
    REQUIRE((all != NULL) == (each_ok && n <= EDDY_POLLER_FILTERS_MAX));
    if (all != NULL) {
        all_bits = match(all, items);
        REQUIRE(all_bits == any_bits);
    }
    /* No filter (none compiled, or an empty list) lets everything through. */
    REQUIRE(match(NULL, items) == 3);
    eddy__filter_free(fdb.env, all);
    free(text);
    return 0;
}
