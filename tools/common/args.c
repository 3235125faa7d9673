/*
 * args.c: parsing and formatting of the values the `eddy` tool takes and prints: integers,
 * durations (90s, 15m, 7d), RFC 3339 times, sizes (KiB, MiB), hex.
 *
 * Pure functions of their arguments: no I/O, no database, no clock.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "args.h"

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (s == NULL || s[0] == '\0')
        return false;
    for (i = 0; s[i] != '\0'; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return false;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* Reads the digits at *p (with an optional fraction) as a number of thousandths. */
static bool read_milli(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t whole = 0, frac = 0, scale = 100;
    bool any = false;
    while (*s >= '0' && *s <= '9') {
        /* whole * 1000 + 999 must fit in 64 bits. */
        if (whole > (UINT64_MAX / 1000 - 1 - (uint64_t)(*s - '0')) / 10)
            return false;
        whole = whole * 10 + (uint64_t)(*s++ - '0');
        any = true;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            frac += (uint64_t)(*s++ - '0') * scale;
            scale /= 10;
            any = true;
        }
    }
    if (!any)
        return false;
    *out = whole * 1000 + frac;
    *p = s;
    return true;
}

bool cli_parse_duration_ms(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
                 {"h", 3600000}, {"d", 86400000}, {"w", 604800000}};
    const char *p = s;
    uint64_t total = 0;
    if (s == NULL || *s == '\0')
        return false;
    while (*p != '\0') {
        uint64_t milli, mul = 1000;
        size_t i, best = 0;
        const char *seg = p;
        if (!read_milli(&p, &milli))
            return false;
        for (i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, n) == 0 && n > best) {
                best = n;
                mul = units[i].ms;
            }
        }
        if (best == 0 && *p != '\0')
            return false; /* unknown unit */
        if (best == 0 && seg != s)
            return false; /* a unitless number is allowed only alone ("90" = 90s) */
        p += best;
        if (milli != 0 && mul > UINT64_MAX / milli)
            return false;
        if (total > UINT64_MAX - milli * mul / 1000)
            return false; /* the sum of the segments overflows */
        total += milli * mul / 1000;
    }
    *out = total;
    return true;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0, i;
    for (i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, const char *set)
{
    if (**p == '\0' || strchr(set, **p) == NULL)
        return false;
    (*p)++;
    return true;
}

/* Days in month mo (1..12) of year y (Gregorian). */
static int month_days(int y, int mo)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo == 2 && leap ? 29 : days[mo - 1];
}

bool cli_parse_time_ms(const char *s, uint64_t *out)
{
    struct tm tm;
    const char *p = s;
    int y, mo, d, h, mi, sec, off_h = 0, off_m = 0, sign = 0;
    uint64_t frac_ms = 0;
    time_t t;
    if (s == NULL)
        return false;
    if (!digits(&p, 4, &y) || !expect(&p, "-") || !digits(&p, 2, &mo) || !expect(&p, "-") ||
        !digits(&p, 2, &d) || !expect(&p, "Tt ") || !digits(&p, 2, &h) || !expect(&p, ":") ||
        !digits(&p, 2, &mi) || !expect(&p, ":") || !digits(&p, 2, &sec))
        return false;
    if (*p == '.') {
        uint64_t scale = 100;
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9') {
            frac_ms += (uint64_t)(*p++ - '0') * scale;
            scale /= 10;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '+' ? 1 : -1;
        if (!digits(&p, 2, &off_h) || !expect(&p, ":") || !digits(&p, 2, &off_m))
            return false;
    } else {
        return false;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        off_h > 23 || off_m > 59 || y < 1970)
        return false;
    if (d > month_days(y, mo))
        return false; /* 2026-02-31 is no date (timegm would make it March 3) */
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    t -= (time_t)sign * (off_h * 3600 + off_m * 60);
    if (t < 0)
        return false;
    *out = (uint64_t)t * 1000 + frac_ms;
    return true;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},
                 {"B", 1},
                 {"K", 1024},
                 {"KB", 1024},
                 {"KiB", 1024},
                 {"M", 1024 * 1024},
                 {"MB", 1024 * 1024},
                 {"MiB", 1024 * 1024},
                 {"G", 1024ull * 1024 * 1024},
                 {"GB", 1024ull * 1024 * 1024},
                 {"GiB", 1024ull * 1024 * 1024}};
    const char *p = s;
    uint64_t milli;
    size_t i;
    if (s == NULL || !read_milli(&p, &milli))
        return false;
    while (*p == ' ')
        p++;
    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].unit) == 0) {
            if (milli != 0 && units[i].mul > UINT64_MAX / milli)
                return false;
            *out = milli * units[i].mul / 1000;
            return true;
        }
    }
    return false;
}

void cli_format_time(uint64_t ms, char *dst, size_t dst_cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(dst, dst_cap, "%s.%03uZ", buf, (unsigned)(ms % 1000));
}

void cli_format_duration(uint64_t ms, char *dst, size_t dst_cap)
{
    uint64_t d = ms / 86400000, h = ms / 3600000 % 24, m = ms / 60000 % 60;
    uint64_t s = ms / 1000 % 60, frac = ms % 1000;
    size_t n = 0;
    dst[0] = '\0';
    if (d != 0)
        n += (size_t)snprintf(dst + n, dst_cap - n, "%llud", (unsigned long long)d);
    if (h != 0 && n < dst_cap)
        n += (size_t)snprintf(dst + n, dst_cap - n, "%lluh", (unsigned long long)h);
    if (m != 0 && n < dst_cap)
        n += (size_t)snprintf(dst + n, dst_cap - n, "%llum", (unsigned long long)m);
    if ((s != 0 || frac != 0 || n == 0) && n < dst_cap) {
        if (frac != 0)
            snprintf(dst + n, dst_cap - n, "%llu.%03llus", (unsigned long long)s,
                     (unsigned long long)frac);
        else
            snprintf(dst + n, dst_cap - n, "%llus", (unsigned long long)s);
    }
}

void cli_format_size(uint64_t bytes, char *dst, size_t dst_cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = -1;
    if (bytes < 1024) {
        snprintf(dst, dst_cap, "%llu B", (unsigned long long)bytes);
        return;
    }
    while (v >= 1024.0 && u < 3) {
        v /= 1024.0;
        u++;
    }
    snprintf(dst, dst_cap, "%.1f %s", v, units[u]);
}

void cli_format_rate(double per_s, bool bytes, char *dst, size_t dst_cap)
{
    static const char *const units[] = {"KiB/s", "MiB/s", "GiB/s", "TiB/s"};
    int u = -1;
    if (!bytes) {
        snprintf(dst, dst_cap, "%.0f/s", per_s);
        return;
    }
    if (per_s < 1024.0) {
        snprintf(dst, dst_cap, "%.0f B/s", per_s);
        return;
    }
    while (per_s >= 1024.0 && u < 3) {
        per_s /= 1024.0;
        u++;
    }
    snprintf(dst, dst_cap, "%.1f %s", per_s, units[u]);
}

void cli_hex(const void *src, size_t len, char *dst)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *b = src;
    size_t i;
    for (i = 0; i < len; i++) {
        dst[2 * i] = hexd[b[i] >> 4];
        dst[2 * i + 1] = hexd[b[i] & 15];
    }
    dst[2 * len] = '\0';
}
