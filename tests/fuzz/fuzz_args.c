/*
 * fuzz_args.c: libFuzzer target for the eddy tool's value parsing and formatting
 * (tools/common/args.c). The input, as a string, goes to cli_parse_u64, cli_parse_duration_ms,
 * cli_parse_size and cli_parse_time_ms; its first 8 bytes, as a number, to the cli_format_*
 * functions. Invariants:
 * - an accepted integer, duration or size has exactly the value of the text (checked against a
 *   reference evaluation in 128-bit arithmetic, so a wrapped sum or product is caught), and a
 *   refused one is malformed or too large for its intermediate products;
 * - an accepted time formats back (cli_format_time) to the same instant, and a "Z" time without
 *   a leap second to the same calendar fields (so 2026-02-31 is not silently March 3);
 * - parse(format(x)) == x for times up to 9999-12-31 and durations up to UINT64_MAX / 1000 ms;
 *   sizes below 1 TiB come back within the 0.05-unit rounding of "%.1f" (cli_format_size is for
 *   people; it may print "TiB", which cli_parse_size does not take).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_args: %s failed at line %d\n", #cond, __LINE__);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef unsigned __int128 u128;

#define BIG ((u128)1 << 80) /* saturation: anything above is "too large" */

/* Reference: [digits][.digits] with at least one digit, as thousandths (fraction cut to 3). */
static bool ref_milli(const char **p, u128 *out)
{
    const char *s = *p;
    u128 whole = 0, frac = 0, scale = 100;
    bool any = false;
    for (; *s >= '0' && *s <= '9'; s++, any = true)
        whole = whole >= BIG ? BIG : whole * 10 + (u128)(*s - '0');
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
            frac += (u128)(*s - '0') * scale;
            scale /= 10;
        }
    }
    if (!any)
        return false;
    *out = whole * 1000 + frac;
    *p = s;
    return true;
}

/* Reference duration: exact value in *out; *peak = largest intermediate (milli * unit). */
static bool ref_duration(const char *s, u128 *out, u128 *peak)
{
    static const char *const unit[] = {"ms", "s", "m", "h", "d", "w"};
    static const uint64_t mul[] = {1, 1000, 60000, 3600000, 86400000, 604800000};
    const char *p = s;
    u128 total = 0;
    *peak = 0;
    if (*s == '\0')
        return false;
    while (*p != '\0') {
        const char *seg = p;
        u128 milli, m = 1000;
        size_t best = 0;
        if (!ref_milli(&p, &milli))
            return false;
        for (size_t i = 0; i < 6; i++) {
            size_t n = strlen(unit[i]);
            if (strncmp(p, unit[i], n) == 0 && n > best) {
                best = n;
                m = mul[i];
            }
        }
        if (best == 0 && (*p != '\0' || seg != s))
            return false;
        p += best;
        *peak = milli * m > *peak ? milli * m : *peak;
        total += milli * m / 1000;
        if (total > BIG)
            total = BIG;
    }
    *peak = total > *peak ? total : *peak;
    *out = total;
    return true;
}

static bool ref_size(const char *s, u128 *out, u128 *peak)
{
    static const char *const unit[] = {"",   "B",   "K", "KB", "KiB", "M",
                                       "MB", "MiB", "G", "GB", "GiB"};
    static const int shift[] = {0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30};
    const char *p = s;
    u128 milli;
    if (!ref_milli(&p, &milli))
        return false;
    while (*p == ' ')
        p++;
    for (size_t i = 0; i < sizeof shift / sizeof shift[0]; i++) {
        if (strcmp(p, unit[i]) == 0) {
            *peak = milli << shift[i];
            *out = *peak / 1000;
            return true;
        }
    }
    return false;
}

static void check_u64(const char *s, uint64_t max)
{
    uint64_t v = 0;
    char again[32];
    const char *t = s;
    if (!cli_parse_u64(s, max, &v))
        return;
    REQUIRE(v <= max);
    snprintf(again, sizeof again, "%llu", (unsigned long long)v);
    while (t[0] == '0' && t[1] != '\0')
        t++; /* leading zeros are accepted */
    REQUIRE(strcmp(again, t) == 0);
}

static void check_duration(const char *s)
{
    uint64_t v = 0, back = 0;
    u128 exact, peak;
    bool ok = cli_parse_duration_ms(s, &v), ref = ref_duration(s, &exact, &peak);
    char buf[64];
    if (ok) {
        REQUIRE(ref && exact == v);
        cli_format_duration(v, buf, sizeof buf);
        REQUIRE(!cli_parse_duration_ms(buf, &back) || back == v);
    } else {
        REQUIRE(!ref || peak > UINT64_MAX / 2);
    }
}

static void check_size(const char *s)
{
    uint64_t v = 0;
    u128 exact, peak;
    bool ok = cli_parse_size(s, &v), ref = ref_size(s, &exact, &peak);
    if (ok)
        REQUIRE(ref && exact == v);
    else
        REQUIRE(!ref || peak > UINT64_MAX / 2);
}

static void check_time(const char *s)
{
    uint64_t v = 0, back = 0;
    char buf[64];
    size_t n = strlen(s);
    if (!cli_parse_time_ms(s, &v))
        return;
    REQUIRE(v / 1000 <= 253402387200ull); /* 9999-12-31T23:59:60-23:59 at the latest */
    cli_format_time(v, buf, sizeof buf);
    REQUIRE(cli_parse_time_ms(buf, &back) && back == v);
    /* "YYYY-MM-DDTHH:MM:SS[.f]Z" without a leap second: the same fields come back. */
    if ((s[n - 1] == 'Z' || s[n - 1] == 'z') && memcmp(s + 17, "60", 2) != 0) {
        REQUIRE(memcmp(buf, s, 10) == 0 && memcmp(buf + 11, s + 11, 8) == 0);
    }
}

static void check_formats(uint64_t x)
{
    char buf[64];
    uint64_t back = 0;

    if (x <= 253402300799999ull) { /* 9999-12-31T23:59:59.999Z */
        cli_format_time(x, buf, sizeof buf);
        REQUIRE(strlen(buf) == 24 && cli_parse_time_ms(buf, &back) && back == x);
    }
    cli_format_duration(x, buf, sizeof buf);
    if (cli_parse_duration_ms(buf, &back))
        REQUIRE(back == x);
    else
        REQUIRE(x > UINT64_MAX / 1000);
    cli_format_size(x, buf, sizeof buf);
    if (x < 1024) {
        REQUIRE(cli_parse_size(buf, &back) && back == x);
    } else if (x < (1ull << 40)) {
        uint64_t unit = x < (1u << 20) ? 1024 : x < (1u << 30) ? 1u << 20 : 1u << 30;
        uint64_t d;
        REQUIRE(cli_parse_size(buf, &back));
        d = back > x ? back - x : x - back;
        REQUIRE(d <= unit / 20 + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char hex[2 * 16 + 1];
    uint64_t x = 0, v;

    REQUIRE(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    for (size_t i = 0; i < 8 && i < size; i++)
        x = x << 8 | data[i];
    check_u64(s, UINT64_MAX);
    check_u64(s, x);
    check_duration(s);
    check_size(s);
    check_time(s);
    check_formats(x);
    if (cli_parse_u64(s, UINT64_MAX, &v))
        check_formats(v);
    if (cli_parse_duration_ms(s, &v))
        check_formats(v);
    cli_hex(data, size < 16 ? size : 16, hex);
    REQUIRE(strlen(hex) == 2 * (size < 16 ? size : 16) &&
            strspn(hex, "0123456789abcdef") == strlen(hex));
    free(s);
    return 0;
}
