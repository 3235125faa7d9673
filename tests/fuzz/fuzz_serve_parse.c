/*
 * fuzz_serve_parse.c: libFuzzer target for the parsers of `eddy serve` (tools/serve/): the
 * first byte picks one, the rest is its input.
 *   0  an SQS Query form (form_decode, then sqs_query_to_json and the XML writer on the result)
 *   1  an Authorization header (sigv4_parse)
 *   2  a JSON body (jansson, then the XML writer, as a reply would be written)
 *   3  base64 (b64_decode; and decode(encode(x)) == x)
 *   4  a PutRecords body (kin_put_parse_fast, checked against jansson)
 * Invariants: no crash or leak; a decoded form has only string leaves; an accepted SigV4 header
 * has a 64-hex-digit signature, an 8-digit date and non-empty scope fields; the XML writer
 * never copies a '<' or '&' from the data unescaped; base64 round-trips; what the PutRecords
 * scanner accepts, jansson parses to the same stream name and records, in order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_serve_parse: %s failed at line %d\n", #cond, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The XML text between tags holds no raw '<' or '&' beyond the writer's own markup: count the
 * '<' of the markup (2 per element) against the total. */
static void xml_check(json_t *j)
{
    struct buf b = {0};
    size_t i, lt = 0;
    sqs_xml_response(&b, "ListQueues", j, "rid");
    for (i = 0; i < b.len; i++) {
        if (b.p[i] == '&')
            REQUIRE(strncmp(b.p + i, "&lt;", 4) == 0 || strncmp(b.p + i, "&gt;", 4) == 0 ||
                    strncmp(b.p + i, "&amp;", 5) == 0 || strncmp(b.p + i, "&quot;", 6) == 0 ||
                    strncmp(b.p + i, "&#x", 3) == 0);
        if (b.p[i] == '<')
            lt++;
    }
    REQUIRE(b.oom || lt % 2 == 1); /* "<?xml ...?>" plus open/close pairs */
    free(b.p);
}

static void leaves_are_strings(json_t *j, int depth)
{
    const char *k;
    json_t *v;
    size_t i;
    REQUIRE(depth < 16);
    if (json_is_object(j))
        json_object_foreach(j, k, v) leaves_are_strings(v, depth + 1);
    else if (json_is_array(j))
        json_array_foreach(j, i, v) leaves_are_strings(v, depth + 1);
    else
        REQUIRE(json_is_string(j));
}

/* What the PutRecords scanner accepts must be the same document to jansson. */
static void fast_vs_jansson(const char *s, size_t n)
{
    static struct kin_fast_put fp;
    json_t *j, *recs;
    size_t i;
    if (!kin_put_parse_fast(s, n, &fp))
        return;
    j = json_loadb(s, n, 0, NULL);
    REQUIRE(j != NULL);
    REQUIRE(strcmp(json_string_value(json_object_get(j, "StreamName")), fp.stream) == 0);
    recs = json_object_get(j, "Records");
    REQUIRE(json_array_size(recs) == fp.n && fp.n >= 1);
    for (i = 0; i < fp.n; i++) {
        json_t *r = json_array_get(recs, i);
        const char *d = json_string_value(json_object_get(r, "Data"));
        const char *pk = json_string_value(json_object_get(r, "PartitionKey"));
        REQUIRE(json_object_size(r) == 2 && d != NULL && pk != NULL);
        REQUIRE(strlen(d) == fp.rec[i].data_len && memcmp(d, fp.rec[i].data, strlen(d)) == 0);
        REQUIRE(strlen(pk) == fp.rec[i].pk_len && memcmp(pk, fp.rec[i].pk, strlen(pk)) == 0);
    }
    REQUIRE(json_object_size(j) == 2);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    if (size == 0)
        return 0;
    s = malloc(size);
    if (s == NULL)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 5) {
    case 0: {
        json_t *flat = form_decode(s, size - 1), *in;
        if (flat != NULL) {
            in = sqs_query_to_json("SendMessageBatch", flat);
            REQUIRE(in != NULL);
            leaves_are_strings(in, 0);
            xml_check(in);
            json_decref(in);
            json_decref(flat);
        }
        break;
    }
    case 1: {
        struct sigv4_auth a;
        const char *why = NULL;
        if (sigv4_parse(s, &a, &why) == 0) {
            REQUIRE(strlen(a.signature) == 64 && strspn(a.signature, "0123456789abcdef") == 64);
            REQUIRE(strlen(a.date) == 8 && a.key_id[0] != '\0' && a.region[0] != '\0');
            REQUIRE(a.service[0] != '\0' && a.signed_headers[0] != '\0');
        } else {
            REQUIRE(why != NULL);
        }
        break;
    }
    case 2: {
        json_t *j = json_loadb(s, size - 1, 0, NULL);
        if (j != NULL)
            xml_check(j);
        json_decref(j);
        break;
    }
    case 4:
        fast_vs_jansson(s, size - 1);
        break;
    default: {
        unsigned char *out = NULL, *back = NULL;
        size_t n = 0, m = 0, elen = 0;
        char *enc;
        if (b64_decode(s, size - 1, &out, &n))
            free(out);
        enc = b64_encode(data + 1, size - 1, &elen);
        if (enc != NULL) {
            REQUIRE(b64_decode(enc, elen, &back, &m));
            REQUIRE(m == size - 1 && memcmp(back, data + 1, m) == 0);
            free(back);
            free(enc);
        }
    }
    }
    free(s);
    return 0;
}
