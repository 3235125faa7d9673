/*
 * pagecheck.c: LMDB's file structure, checked through pread before LMDB is trusted with it.
 *
 * LMDB 0.9.24 reads pages through its map and trusts them: a damaged node offset, size or page
 * number makes it read outside the page or past the file (SIGSEGV, SIGBUS, heap overruns in
 * mdb_put, assertion aborts). This file reads the same pages into its own buffers and checks
 * every bound LMDB relies on when it reads or changes a page, so no byte of the file can make
 * this code misbehave, and a file it passes cannot make LMDB read outside its pages.
 *
 * It knows LMDB's on-disk layout (mdb.c of 0.9.24: MDB_page, MDB_node, MDB_db, MDB_meta, for
 * 64-bit little-endian builds, where MDB_DEVEL is 0) and Eddy's use of it: named tables with
 * default flags (no DUPSORT, no integer keys), so only branch, leaf and overflow pages occur.
 * It knows nothing of Eddy's records; verify.c checks those after this passes.
 */
#include "pagecheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "progress.h"

_Static_assert(sizeof(size_t) == 8 && sizeof(void *) == 8, "pagecheck knows 64-bit LMDB only");
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pagecheck knows little-endian LMDB files only"
#endif

/* LMDB's layout (mdb.c). Offsets are into a page. */
enum {
    PAGEHDR = 16, /* mp_pgno 8, mp_pad 2, mp_flags 2, mp_lower 2, mp_upper 2 */
    NODEHDR = 8,  /* mn_lo 2, mn_hi 2, mn_flags 2, mn_ksize 2 */
    P_BRANCH = 0x01,
    P_LEAF = 0x02,
    P_OVERFLOW = 0x04,
    P_META = 0x08,
    F_BIGDATA = 0x01,
    F_SUBDATA = 0x02,
    DB_INTEGERKEY = 0x08, /* the free-page list's flags */
    MAXKEY = 511,         /* MDB_MAXKEYSIZE */
    MAXDEPTH = 32,        /* CURSOR_STACK: LMDB cannot descend deeper */
    DBSIZE = 48,          /* sizeof(MDB_db) */
    DB_ENTRIES = 32,      /* offset of md_entries in an MDB_db */
    /* MDB_meta, after the page header */
    M_MAGIC = 16,
    M_VERSION = 20,
    M_ADDRESS = 24,
    M_FREE_DB = 40,
    M_MAIN_DB = 88,
    M_LAST_PG = 136,
    M_TXNID = 144,
    META_END = 152,
    MAX_TABLES = 64,
    QUICK_PAGES = 256, /* a quick check reads whole trees up to this many pages in all */
};
#define LMDB_MAGIC 0xBEEFC0DEu
#define P_INVALID  UINT64_MAX
/* A check races writers of other processes that reuse pages while it reads: the quick check
 * tries this often for a pass during which the newest meta did not change, and the pinned check
 * this often for a snapshot no writer invalidated. */
#define EDDY__PC_QUICK_TRIES 8
#define EDDY__PC_PIN_TRIES   100

typedef struct pc_db {
    uint16_t flags, depth;
    uint64_t branch, leaf, overflow, entries, root;
} pc_db;

enum { TREE_FREE, TREE_MAIN, TREE_TABLE };

typedef struct pc_tree {
    char name[72];
    int kind;
    int deep; /* every page is read; else the root page only */
    pc_db db;
    uint64_t branch, leaf, overflow, entries; /* counted while walking */
} pc_tree;

typedef struct span {
    uint16_t off, size;
} span;

typedef struct pc {
    eddy_env *env;
    int fd;
    int full;
    uint32_t psize;
    uint64_t npages;     /* last_pg + 1 of the meta checked: the pages LMDB may touch */
    uint64_t file_pages; /* whole pages in the file */
    uint64_t mapped;     /* pages the bitmaps cover: min(npages, file_pages) */
    uint64_t txnid;
    uint64_t dir_entries;  /* md_entries of the table directory in the meta checked */
    uint8_t *used, *freed; /* pages reached by a tree, pages on the free list */
    uint8_t *buf[MAXDEPTH + 2];
    span *spans; /* a page's nodes, sorted by offset */
    uint8_t *ov; /* an overflow run's bytes (free-page lists) */
    size_t ov_cap;
    eddy__pc_report report;
    void *ctx;
    uint64_t problems;
    int stop;                 /* a problem ended a quick check, or report asked to stop */
    int progress;             /* pages read are counted for eddy_progress ("check") */
    const atomic_int *cancel; /* set: stop at the next page (the env is closing) */
    int rc;                   /* an I/O or memory error ended the check */
    pc_tree tables[MAX_TABLES];
    int ntables;
    uint64_t main_entries; /* entries met in LMDB's main table (the table directory) */
    int eddy_names;        /* how many of them bear the name of one of Eddy's tables */
    int force_page;        /* 1 or 2: check the snapshot of meta page 0 or 1 (recover.c) */
    uint64_t free_max;     /* the largest transaction id with a free-page record */
} pc;

static uint16_t u16at(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static uint32_t u32at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t u64at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static int problem(pc *c, const pc_tree *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One problem: reported, or (no report function) the check's error. Returns c->stop. */
static int problem(pc *c, const pc_tree *t, const char *fmt, ...)
{
    char what[400];
    const char *tree = t != NULL ? t->name : "meta";
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    c->problems++;
    if (c->report == NULL) {
        eddy__err_at(EDDY_ECORRUPT, __FILE__, __LINE__, "data.mdb is damaged: %s: %s", tree, what);
        c->stop = 1;
    } else if (c->report(c->ctx, tree, what) != 0) {
        c->stop = 1;
    }
    return c->stop;
}

static int bit_get(const uint8_t *b, uint64_t i)
{
    return (b[i >> 3] >> (i & 7)) & 1;
}

static void bit_set(uint8_t *b, uint64_t i)
{
    b[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Read n bytes at off; 0, 1 when the file ends first, or -1 with c->rc set. */
static int read_at(pc *c, void *dst, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(c->fd, (uint8_t *)dst + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            c->rc = eddy__err_errno(errno, "reading data.mdb for its page check");
            return -1;
        }
        if (r == 0)
            return 1;
        got += (size_t)r;
    }
    return 0;
}

/*
 * A run of pages [pgno, pgno + n) that a tree reaches: inside the pages LMDB may use and the
 * file, and (full mode) reached once only. Marks it used. Returns 1 when it may be read.
 */
static int claim(pc *c, const pc_tree *t, uint64_t pgno, uint64_t n, uint64_t from)
{
    char src[40] = "its root";

    if (from != 0)
        snprintf(src, sizeof src, "page %llu", (unsigned long long)from);
    if (pgno < 2 || pgno >= c->npages || n > c->npages - pgno) {
        problem(c, t, "%s points to page %llu (+%llu), outside pages 2..%llu", src,
                (unsigned long long)pgno, (unsigned long long)n - 1,
                (unsigned long long)c->npages - 1);
        return 0;
    }
    if (pgno + n > c->file_pages) {
        problem(c, t, "%s points to page %llu, past the end of the file (%llu pages)", src,
                (unsigned long long)pgno + n - 1, (unsigned long long)c->file_pages);
        return 0;
    }
    for (uint64_t i = pgno; i < pgno + n; i++)
        if (bit_get(c->used, i)) {
            problem(c, t, "page %llu is reached twice (again from %s)", (unsigned long long)i, src);
            return 0;
        }
    for (uint64_t i = pgno; i < pgno + n; i++)
        bit_set(c->used, i);
    return 1;
}

/* LMDB's key orders: unsigned 64-bit integers for the free-page list, else memcmp then
 * length (mdb_cmp_long, mdb_cmp_memn). */
static int key_cmp(const pc_tree *t, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    if (t->kind == TREE_FREE && al == 8 && bl == 8) {
        uint64_t x = u64at(a), y = u64at(b);
        return x < y ? -1 : x > y;
    }
    int r = memcmp(a, b, al < bl ? al : bl);
    return r != 0 ? r : (al < bl ? -1 : al > bl);
}

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

typedef struct bound {
    const uint8_t *key;
    size_t len;
    int set;
} bound;

/* A branch or leaf page's header and node layout: every node inside the page, packed between
 * mp_upper and the page end without gaps or overlaps. Returns the number of keys, or -1. */
static int page_layout(pc *c, const pc_tree *t, uint64_t pgno, const uint8_t *pg, int *leaf)
{
    span *sp = c->spans;
    uint16_t flags = u16at(pg + 10), lower = u16at(pg + 12), upper = u16at(pg + 14);
    unsigned n, end;

    if (u64at(pg) != pgno)
        return problem(c, t, "page %llu: its header says it is page %llu", (unsigned long long)pgno,
                       (unsigned long long)u64at(pg)),
               -1;
    if (flags != P_BRANCH && flags != P_LEAF)
        return problem(c, t, "page %llu: flags 0x%x, not a branch or leaf page",
                       (unsigned long long)pgno, flags),
               -1;
    *leaf = flags == P_LEAF;
    if (lower < PAGEHDR || (lower & 1) || lower > upper || upper > c->psize)
        return problem(c, t, "page %llu: free space bounds %u..%u impossible in a %u-byte page",
                       (unsigned long long)pgno, lower, upper, c->psize),
               -1;
    n = (lower - PAGEHDR) / 2u;
    if (n < (*leaf ? 1u : t->kind == TREE_FREE ? 1u : 2u))
        return problem(c, t, "page %llu: %s page with %u keys", (unsigned long long)pgno,
                       *leaf ? "leaf" : "branch", n),
               -1;
    for (unsigned i = 0; i < n; i++) {
        unsigned off = u16at(pg + PAGEHDR + 2 * i), ks, ds = 0, fl;
        if (off < upper || (off & 1) || off + NODEHDR > c->psize)
            return problem(c, t, "page %llu: node %u at offset %u is outside %u..%u",
                           (unsigned long long)pgno, i, off, upper, c->psize),
                   -1;
        ks = u16at(pg + off + 6);
        fl = u16at(pg + off + 4);
        if (*leaf)
            ds = (fl & F_BIGDATA) ? 8u : (u16at(pg + off) | (unsigned)u16at(pg + off + 2) << 16);
        if (ks > MAXKEY || (*leaf && ds > c->psize) || off + NODEHDR + ks + ds > (unsigned)c->psize)
            return problem(c, t,
                           "page %llu: node %u at offset %u (key %u bytes, data %u bytes) "
                           "runs past the page end",
                           (unsigned long long)pgno, i, off, ks, ds),
                   -1;
        sp[i].off = (uint16_t)off;
        sp[i].size = (uint16_t)((NODEHDR + ks + ds + 1u) & ~1u);
    }
    qsort(sp, n, sizeof sp[0], span_cmp);
    end = upper;
    for (unsigned i = 0; i < n; i++) {
        if (sp[i].off != end)
            return problem(c, t, "page %llu: nodes %s at offset %u", (unsigned long long)pgno,
                           sp[i].off < end ? "overlap" : "leave a gap", sp[i].off),
                   -1;
        end = sp[i].off + sp[i].size;
    }
    if (end != c->psize)
        return problem(c, t, "page %llu: nodes end at offset %u, not at the page end",
                       (unsigned long long)pgno, end),
               -1;
    return (int)n;
}

static int ov_reserve(pc *c, size_t n)
{
    if (n <= c->ov_cap)
        return 0;
    uint8_t *p = eddy__malloc(c->env, n);
    if (p == NULL) {
        c->rc = eddy__err(EDDY_ENOMEM, "page check: %zu bytes for an overflow run", n);
        return -1;
    }
    eddy__free(c->env, c->ov);
    c->ov = p;
    c->ov_cap = n;
    return 0;
}

/* A value on overflow pages: a run of pages with an overflow header big enough for `size`.
 * With `content` (free-page lists) the value's bytes are read into c->ov. */
static int overflow(pc *c, pc_tree *t, uint64_t from, uint64_t pgno, uint32_t size, int content)
{
    uint8_t hdr[PAGEHDR];
    uint64_t pages;

    if (pgno < 2 || pgno >= c->npages || pgno >= c->file_pages)
        return problem(c, t, "page %llu: overflow page %llu is outside the file",
                       (unsigned long long)from, (unsigned long long)pgno),
               -1;
    if (read_at(c, hdr, sizeof hdr, pgno * c->psize) != 0)
        return c->rc != 0
                   ? -1
                   : (problem(c, t, "overflow page %llu is past the end", (unsigned long long)pgno),
                      -1);
    pages = u32at(hdr + 12);
    if (u64at(hdr) != pgno || u16at(hdr + 10) != P_OVERFLOW || pages == 0)
        return problem(c, t,
                       "page %llu: page %llu is not the overflow run it names (header page "
                       "%llu, flags 0x%x)",
                       (unsigned long long)from, (unsigned long long)pgno,
                       (unsigned long long)u64at(hdr), u16at(hdr + 10)),
               -1;
    if ((uint64_t)size + PAGEHDR > pages * c->psize)
        return problem(c, t, "page %llu: a %u-byte value does not fit its %llu overflow pages",
                       (unsigned long long)from, size, (unsigned long long)pages),
               -1;
    if (!claim(c, t, pgno, pages, from))
        return -1;
    t->overflow += pages;
    if (content) {
        if (ov_reserve(c, size) != 0)
            return -1;
        if (read_at(c, c->ov, size, pgno * c->psize + PAGEHDR) != 0)
            return c->rc != 0 ? -1
                              : (problem(c, t, "overflow run at page %llu is cut short",
                                         (unsigned long long)pgno),
                                 -1);
    }
    return 0;
}

static int db_decode(pc *c, pc_tree *t, const uint8_t *p, uint16_t want_flags, pc_db *db,
                     const char *what)
{
    db->flags = u16at(p + 4);
    db->depth = u16at(p + 6);
    db->branch = u64at(p + 8);
    db->leaf = u64at(p + 16);
    db->overflow = u64at(p + 24);
    db->entries = u64at(p + 32);
    db->root = u64at(p + 40);
    if (db->flags != want_flags)
        return problem(c, t, "%s: flags 0x%x, expected 0x%x", what, db->flags, want_flags), -1;
    if (db->root == P_INVALID) {
        if (db->depth != 0 || db->entries != 0 || db->branch + db->leaf + db->overflow != 0)
            return problem(c, t, "%s: no root page but depth %u and %llu entries", what, db->depth,
                           (unsigned long long)db->entries),
                   -1;
        return 0;
    }
    if (db->depth == 0 || db->depth > MAXDEPTH || db->root < 2 || db->root >= c->npages)
        return problem(c, t, "%s: root page %llu or depth %u out of range", what,
                       (unsigned long long)db->root, db->depth),
               -1;
    return 0;
}

/* A free-page list entry: txn id -> [count, pgno...], descending, inside the file's pages. */
static void free_entry(pc *c, pc_tree *t, uint64_t pgno, const uint8_t *k, unsigned ks,
                       const uint8_t *d, size_t ds)
{
    uint64_t n, prev = UINT64_MAX, txn;

    if (ks != 8 || (txn = u64at(k)) == 0 || txn > c->txnid) {
        problem(c, t, "page %llu: key is not a committed transaction id", (unsigned long long)pgno);
        return;
    }
    if (txn > c->free_max)
        c->free_max = txn;
    if (ds < 8 || ds % 8 != 0 || (n = u64at(d)) != ds / 8 - 1) {
        problem(c, t, "page %llu: free list of txn %llu has %zu bytes, not 8 x (count + 1)",
                (unsigned long long)pgno, (unsigned long long)txn, ds);
        return;
    }
    for (uint64_t i = 1; i <= n; i++) {
        uint64_t f = u64at(d + 8 * i);
        if (f < 2 || f >= c->npages || f >= prev) {
            problem(c, t,
                    "page %llu: free list of txn %llu lists page %llu (outside 2..%llu or "
                    "out of order)",
                    (unsigned long long)pgno, (unsigned long long)txn, (unsigned long long)f,
                    (unsigned long long)c->npages - 1);
            return;
        }
        prev = f;
        if (f >= c->mapped)
            continue; /* a free page past the file's end: legal, LMDB writes it when reused */
        if (bit_get(c->freed, f)) {
            problem(c, t, "page %llu is on the free list twice", (unsigned long long)f);
            return;
        }
        bit_set(c->freed, f);
    }
}

/* A leaf node's value, by tree kind. */
static void leaf_value(pc *c, pc_tree *t, uint64_t pgno, const uint8_t *pg, unsigned off)
{
    unsigned fl = u16at(pg + off + 4), ks = u16at(pg + off + 6);
    uint32_t ds = (uint32_t)u16at(pg + off) | (uint32_t)u16at(pg + off + 2) << 16;
    const uint8_t *k = pg + off + NODEHDR, *d = k + ks;

    if (t->kind == TREE_MAIN) {
        pc_tree *sub;
        c->main_entries++;
        for (int i = 0; i < EDDY__T_COUNT; i++)
            if (ks == strlen(eddy__table_names[i]) && memcmp(k, eddy__table_names[i], ks) == 0)
                c->eddy_names++;
        if (fl != F_SUBDATA || ds != DBSIZE || ks == 0 || ks >= sizeof sub->name) {
            problem(c, t, "page %llu: entry '%.*s' is not a table record", (unsigned long long)pgno,
                    (int)(ks < 64 ? ks : 64), (const char *)k);
            return;
        }
        if (c->ntables == MAX_TABLES) {
            problem(c, t, "more than %d tables", MAX_TABLES);
            return;
        }
        sub = &c->tables[c->ntables];
        memset(sub, 0, sizeof *sub);
        for (unsigned i = 0; i < ks; i++)
            sub->name[i] = (k[i] >= 0x20 && k[i] < 0x7f) ? (char)k[i] : '?';
        sub->kind = TREE_TABLE;
        if (db_decode(c, sub, d, 0, &sub->db, "table record") == 0)
            c->ntables++;
        return;
    }
    if (fl & ~(unsigned)F_BIGDATA) {
        problem(c, t, "page %llu: node flags 0x%x (Eddy's tables hold plain values)",
                (unsigned long long)pgno, fl);
        return;
    }
    if (fl & F_BIGDATA) {
        if (!t->deep)
            return;
        if (overflow(c, t, pgno, u64at(d), ds, t->kind == TREE_FREE) == 0 && t->kind == TREE_FREE)
            free_entry(c, t, pgno, k, ks, c->ov, ds);
        return;
    }
    if (t->kind == TREE_FREE)
        free_entry(c, t, pgno, k, ks, d, ds);
}

/* Walk the subtree at pgno (depth 1 = root); its keys must lie in [lo, hi). */
static void walk(pc *c, pc_tree *t, uint64_t pgno, unsigned depth, uint64_t from, bound lo,
                 bound hi)
{
    uint8_t *pg = c->buf[depth];
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    int leaf = 0, n, r;

    if (c->stop || c->rc != 0)
        return;
    if (c->cancel != NULL && atomic_load(c->cancel)) {
        c->rc = eddy__err(EDDY_ECLOSED, "page check: the environment is closing");
        return;
    }
    if (depth > t->db.depth) {
        problem(c, t, "page %llu: a branch deeper than the tree's depth %u",
                (unsigned long long)from, t->db.depth);
        return;
    }
    if (!claim(c, t, pgno, 1, from))
        return;
    if ((r = read_at(c, pg, c->psize, pgno * c->psize)) != 0) {
        if (r > 0)
            problem(c, t, "page %llu is past the end of the file", (unsigned long long)pgno);
        return;
    }
    eddy__progress_tick();
    if ((n = page_layout(c, t, pgno, pg, &leaf)) < 0)
        return;
    if (leaf && depth != t->db.depth) {
        problem(c, t, "page %llu: a leaf at depth %u in a tree of depth %u",
                (unsigned long long)pgno, depth, t->db.depth);
        return;
    }
    leaf ? t->leaf++ : t->branch++;
    if (leaf)
        t->entries += (uint64_t)n;
    for (int i = 0; i < n && !c->stop && c->rc == 0; i++) {
        unsigned off = u16at(pg + PAGEHDR + 2 * i);
        const uint8_t *k = pg + off + NODEHDR;
        size_t ks = u16at(pg + off + 6);
        if (leaf || i > 0) { /* a branch's first key is not used */
            if ((prev != NULL && key_cmp(t, prev, prev_len, k, ks) >= 0) ||
                (prev == NULL && lo.set && key_cmp(t, lo.key, lo.len, k, ks) > 0) ||
                (hi.set && key_cmp(t, k, ks, hi.key, hi.len) >= 0)) {
                problem(c, t, "page %llu: key %d is out of order", (unsigned long long)pgno, i);
                return;
            }
            prev = k;
            prev_len = ks;
        }
        if (leaf) {
            leaf_value(c, t, pgno, pg, off);
        } else {
            uint64_t child = (uint64_t)u16at(pg + off) | (uint64_t)u16at(pg + off + 2) << 16 |
                             (uint64_t)u16at(pg + off + 4) << 32;
            bound clo = i > 0 ? (bound){k, ks, 1} : lo, chi = hi;
            if (i + 1 < n) {
                unsigned noff = u16at(pg + PAGEHDR + 2 * (i + 1));
                chi = (bound){pg + noff + NODEHDR, u16at(pg + noff + 6), 1};
            }
            if (!t->deep) {
                if (child < 2 || child >= c->npages || child >= c->file_pages)
                    problem(c, t, "page %llu: child page %llu is outside the file",
                            (unsigned long long)pgno, (unsigned long long)child);
                continue;
            }
            walk(c, t, child, depth + 1, pgno, clo, chi);
        }
    }
}

static void tree_check(pc *c, pc_tree *t)
{
    bound none = {NULL, 0, 0};
    uint64_t before = c->problems;

    if (t->db.root == P_INVALID || c->stop || c->rc != 0)
        return;
    walk(c, t, t->db.root, 1, 0, none, none);
    /* The counts of a tree with a damaged page differ anyway: one report is enough. */
    if (!t->deep || c->problems > before)
        return;
    if (!c->stop && c->rc == 0 &&
        (t->entries != t->db.entries || t->branch != t->db.branch || t->leaf != t->db.leaf ||
         t->overflow != t->db.overflow))
        problem(c, t,
                "its record counts %llu entries in %llu branch, %llu leaf and %llu overflow "
                "pages; its pages hold %llu entries in %llu, %llu and %llu",
                (unsigned long long)t->db.entries, (unsigned long long)t->db.branch,
                (unsigned long long)t->db.leaf, (unsigned long long)t->db.overflow,
                (unsigned long long)t->entries, (unsigned long long)t->branch,
                (unsigned long long)t->leaf, (unsigned long long)t->overflow);
}

/*
 * Which trees a check reads whole: all of them in full mode. A quick check reads whole the
 * tables an open reads (the meta record and the catalog of queues and streams: their size
 * follows the number of objects, not of messages), then every other tree whose recorded size
 * fits in what is left of QUICK_PAGES, so a small database is checked whole at every open; the
 * rest get their root page checked.
 */
static void quick_plan(pc *c, pc_tree *free_t)
{
    static const char *const always[] = {"meta", "catalog", "objects"};
    uint64_t left = QUICK_PAGES;
    pc_tree *all[MAX_TABLES + 1];
    int n = 0;

    for (int i = 0; i < c->ntables; i++) {
        pc_tree *t = &c->tables[i];
        t->deep = c->full;
        for (size_t a = 0; a < sizeof always / sizeof always[0]; a++)
            t->deep |= strcmp(t->name, always[a]) == 0;
        if (!t->deep)
            all[n++] = t;
    }
    free_t->deep = c->full;
    if (!c->full)
        all[n++] = free_t;
    for (int i = 0; i < n; i++) {
        pc_db *d = &all[i]->db;
        uint64_t pages = d->branch + d->leaf + d->overflow;
        if (d->branch <= left && d->leaf <= left && d->overflow <= left && pages <= left) {
            all[i]->deep = 1;
            left -= pages;
        }
    }
}

/* One meta page's header, magic and version. */
static int meta_ok(const uint8_t *m, int i)
{
    return u64at(m) == (uint64_t)i && (u16at(m + 10) & P_META) &&
           u32at(m + M_MAGIC) == LMDB_MAGIC && u32at(m + M_VERSION) == 1;
}

static int psize_ok(uint32_t psize)
{
    return psize >= 512 && psize <= 32768 && (psize & (psize - 1)) == 0;
}

/*
 * Both meta pages: header, magic, version, page size. When c->force_page names one page, only
 * that one must be sound (recover.c checks the previous snapshot beside a damaged meta page); a
 * damaged page 0 then gives no page size, and the system's (LMDB's choice at creation) is used.
 */
static int metas_read(pc *c, uint8_t m[2][META_END])
{
    uint32_t psize = 0;
    int r = read_at(c, m[0], META_END, 0);

    if (r < 0)
        return -1;
    if (r > 0)
        return problem(c, NULL, "the file is too short for its meta pages"), -1;
    if (meta_ok(m[0], 0) && psize_ok(u32at(m[0] + M_FREE_DB)))
        psize = u32at(m[0] + M_FREE_DB);
    else if (c->force_page == 2)
        psize = (uint32_t)sysconf(_SC_PAGESIZE);
    else if (!meta_ok(m[0], 0))
        return problem(c, NULL, "meta page 0 has a wrong header, magic or version"), -1;
    else
        return problem(c, NULL, "meta page 0 gives a page size of %u", u32at(m[0] + M_FREE_DB)), -1;
    if ((r = read_at(c, m[1], META_END, psize)) < 0)
        return -1;
    if (r > 0)
        return problem(c, NULL, "the file is too short for its meta pages"), -1;
    for (int i = 0; i < 2; i++) {
        if (c->force_page != 0 && c->force_page != i + 1)
            continue;
        if (!meta_ok(m[i], i))
            return problem(c, NULL, "meta page %d has a wrong header, magic or version", i), -1;
        if (u32at(m[i] + M_FREE_DB) != psize)
            return problem(c, NULL, "meta pages give page sizes %u and %u", psize,
                           u32at(m[i] + M_FREE_DB)),
                   -1;
    }
    c->psize = psize;
    return 0;
}

/*
 * The largest key of the free-page list rooted at meta `m` into *key (0: empty), by the
 * rightmost path alone: depth pages, each checked for its number, type and last node's bounds.
 * -1 when that path is unreadable (the whole check reports why).
 */
static int free_last_key(pc *c, const uint8_t *m, uint8_t *pg, uint64_t *key)
{
    uint64_t pgno = u64at(m + M_FREE_DB + 40);
    unsigned depth = u16at(m + M_FREE_DB + 6);

    *key = 0;
    if (pgno == P_INVALID)
        return 0;
    for (unsigned d = 1; d <= depth && d <= MAXDEPTH; d++) {
        uint16_t flags, lower, upper, off;
        if (pgno < 2 || pgno >= c->file_pages || read_at(c, pg, c->psize, pgno * c->psize) != 0)
            return -1;
        flags = u16at(pg + 10);
        lower = u16at(pg + 12);
        upper = u16at(pg + 14);
        if (u64at(pg) != pgno || lower <= PAGEHDR || lower > upper || upper > c->psize)
            return -1;
        off = u16at(pg + lower - 2);
        if (off < upper || off + NODEHDR + 8u > c->psize)
            return -1;
        if (flags == P_LEAF && d == depth && u16at(pg + off + 6) == 8) {
            *key = u64at(pg + off + NODEHDR);
            return 0;
        }
        if (flags != P_BRANCH)
            return -1;
        pgno = (uint64_t)u16at(pg + off) | (uint64_t)u16at(pg + off + 2) << 16 |
               (uint64_t)u16at(pg + off + 4) << 32;
    }
    return -1;
}

/*
 * A meta page torn with its transaction id new and its roots old names txn t over t - 2's
 * trees, which may pass every other check: LMDB would open two commits back, dropping the
 * acknowledged t - 1 without a word. A fact of LMDB 0.9.24 catches it against t - 1's meta:
 * txn t cannot reclaim t - 1's free-page record (mdb_find_oldest is at most txnid - 1), so
 * snapshot t holds it whenever t - 1 wrote one. (The last page number is no witness: a tear
 * can leave t's roots with t - 2's last page, a snapshot that is whole, and
 * crash/powerloss_torn_meta found such states.)
 * `newer`, `older`: the two meta pages. Reports the problem; recover.c rolls back to t - 1.
 */
static void stale_check(pc *c, int pick, const uint8_t *newer, const uint8_t *older)
{
    uint64_t t = u64at(newer + M_TXNID), p = u64at(older + M_TXNID), nk, ok;

    /* Eddy never drops its last table, so a newer snapshot with an empty table directory over
     * an older one with tables is a torn meta page (LMDB's compacting copy writes page 0 blank:
     * a tear of the first commit after it leaves txn 2 over those empty trees). */
    if (u64at(newer + M_MAIN_DB + DB_ENTRIES) == 0 && u64at(older + M_MAIN_DB + DB_ENTRIES) != 0)
        problem(c, NULL,
                "meta page %d (txn %llu) has an empty table directory where txn %llu has "
                "tables: a new transaction id over empty roots (eddy recover rolls back to "
                "txn %llu)",
                pick, (unsigned long long)t, (unsigned long long)p, (unsigned long long)p);
    if (p + 1 != t || c->buf[0] == NULL)
        return;
    if (free_last_key(c, older, c->buf[0], &ok) != 0 || ok != p ||
        free_last_key(c, newer, c->buf[0], &nk) != 0)
        return;
    if (nk < p)
        problem(c, NULL,
                "meta page %d (txn %llu) lacks txn %llu's free-page record: a new transaction "
                "id over older roots (eddy recover rolls back to txn %llu)",
                pick, (unsigned long long)t, (unsigned long long)p, (unsigned long long)p);
}

/* Check the meta of txn `want` (0: the newest, LMDB's choice) and the trees it roots. */
static int run(pc *c, uint64_t want)
{
    uint8_t m[2][META_END];
    const uint8_t *meta;
    pc_tree free_t, main_t;
    struct stat st;
    int pick;

    if (metas_read(c, m) != 0)
        return 0;
    pick = u64at(m[1] + M_TXNID) > u64at(m[0] + M_TXNID); /* mdb_env_pick_meta */
    if (want != 0) {
        if (u64at(m[want & 1] + M_TXNID) != want)
            return EDDY__PC_AGAIN;
        pick = (int)(want & 1);
    }
    if (c->force_page != 0)
        pick = c->force_page - 1;
    meta = m[pick];
    c->txnid = u64at(meta + M_TXNID);
    c->npages = u64at(meta + M_LAST_PG) + 1;
    if (fstat(c->fd, &st) != 0) {
        c->rc = eddy__err_errno(errno, "reading data.mdb's size");
        return 0;
    }
    c->file_pages = (uint64_t)st.st_size / c->psize;
    if (c->npages < 3 || c->npages > (UINT64_MAX >> 16) / c->psize || c->txnid == 0 ||
        u64at(meta + M_ADDRESS) != 0)
        return problem(c, NULL, "meta page %d: last page %llu, txn %llu or address impossible",
                       pick, (unsigned long long)c->npages - 1, (unsigned long long)c->txnid),
               0;
    memset(&free_t, 0, sizeof free_t);
    memset(&main_t, 0, sizeof main_t);
    snprintf(free_t.name, sizeof free_t.name, "free pages");
    snprintf(main_t.name, sizeof main_t.name, "tables");
    free_t.kind = TREE_FREE;
    main_t.kind = TREE_MAIN;
    if (db_decode(c, &free_t, meta + M_FREE_DB, DB_INTEGERKEY, &free_t.db, "meta's record") != 0 ||
        db_decode(c, &main_t, meta + M_MAIN_DB, 0, &main_t.db, "meta's record") != 0)
        return 0;
    c->dir_entries = main_t.db.entries;
    /* Pages past the file's end are never read, so the bitmaps stop there (a damaged last
     * page number must not size an allocation). calloc maps large zeroed blocks lazily. */
    c->mapped = c->npages < c->file_pages ? c->npages : c->file_pages;
    c->used = eddy__calloc(c->env, 2, (size_t)(c->mapped + 7) / 8);
    c->spans = eddy__malloc(c->env, sizeof(span) * (c->psize / 2));
    for (int i = 0; i <= MAXDEPTH + 1; i++)
        c->buf[i] = eddy__malloc(c->env, c->psize);
    int no_mem = c->used == NULL || c->spans == NULL;
    for (int i = 0; i <= MAXDEPTH + 1; i++)
        no_mem |= c->buf[i] == NULL;
    if (no_mem) {
        c->rc = eddy__err(EDDY_ENOMEM, "page check: buffers for %llu pages",
                          (unsigned long long)c->mapped);
        return 0;
    }
    c->freed = c->used + (c->mapped + 7) / 8;
    if (want == 0 && c->force_page == 0)
        stale_check(c, pick, meta, m[1 - pick]);
    if (c->stop)
        return 0;
    if (c->full && c->env->opt.progress.fn != NULL) {
        eddy__progress_reads_begin(c->env, "check", c->mapped);
        c->progress = 1;
    }
    bit_set(c->used, 0);
    bit_set(c->used, 1);
    main_t.deep = 1;
    tree_check(c, &main_t);
    quick_plan(c, &free_t);
    tree_check(c, &free_t);
    for (int i = 0; i < c->ntables; i++)
        tree_check(c, &c->tables[i]);
    if (free_t.deep && !c->stop && c->rc == 0)
        for (uint64_t p = 2; p < c->mapped && !c->stop; p++)
            if (bit_get(c->used, p) && bit_get(c->freed, p))
                problem(c, &free_t, "page %llu is in use and on the free list",
                        (unsigned long long)p);
    /* At a commit LMDB records every page it frees, so each page is in use or free. */
    if (c->full && !c->stop && c->rc == 0 && c->problems == 0) {
        uint64_t leaked = 0, first = 0;
        for (uint64_t p = 2; p < c->mapped; p++)
            if (!bit_get(c->used, p) && !bit_get(c->freed, p) && leaked++ == 0)
                first = p;
        if (leaked)
            problem(c, &free_t,
                    "%llu pages are neither in use nor on the free list (the first is page "
                    "%llu)",
                    (unsigned long long)leaked, (unsigned long long)first);
    }
    return 0;
}

static void pc_free(pc *c)
{
    if (c->progress)
        eddy__progress_reads_end();
    for (int i = 0; i <= MAXDEPTH + 1; i++)
        eddy__free(c->env, c->buf[i]);
    eddy__free(c->env, c->used);
    eddy__free(c->env, c->spans);
    eddy__free(c->env, c->ov);
}

int eddy__pagecheck_quick(eddy_env *env, const char *path)
{
    int rc = 0, foreign = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? 0 : eddy__err_errno(errno, "opening data.mdb for its check");
    /* A writer in another process may reuse pages while we read; a problem counts only if the
     * newest meta did not change during the check. */
    for (int attempt = 0; attempt < EDDY__PC_QUICK_TRIES; attempt++) {
        pc c;
        uint8_t m[2][META_END];
        memset(&c, 0, sizeof c);
        c.env = env;
        c.fd = fd;
        run(&c, 0);
        pc_free(&c);
        /* A directory with entries of which none is Eddy's: another program's LMDB database,
         * refused before LMDB reads it and before anything could write to it. */
        foreign = c.rc == 0 && c.main_entries > 0 && c.eddy_names == 0;
        rc = c.rc != 0 ? c.rc : (c.problems > 0 || foreign) ? EDDY_ECORRUPT : 0;
        if (rc != EDDY_ECORRUPT)
            break;
        c.report = NULL;
        c.problems = 0;
        if (metas_read(&c, m) != 0 || c.problems > 0)
            break;
        uint64_t now = u64at(m[0] + M_TXNID) > u64at(m[1] + M_TXNID) ? u64at(m[0] + M_TXNID)
                                                                     : u64at(m[1] + M_TXNID);
        if (now == c.txnid)
            break;
    }
    close(fd);
    if (rc == EDDY_ECORRUPT && foreign)
        rc = eddy__err(EDDY_EVERSION,
                       "not an Eddy database: '%s' is an LMDB database of another program "
                       "(none of its tables is Eddy's); it was left unchanged",
                       path);
    return rc;
}

/* The full check of the snapshot of txn `want` (0: the newest) in the file open as fd. */
static int check_full_fd(eddy_env *env, int fd, uint64_t want, eddy__pc_report report, void *ctx,
                         uint64_t *problems)
{
    pc c;
    int rc;

    memset(&c, 0, sizeof c);
    c.env = env;
    c.fd = fd;
    c.full = 1;
    c.report = report;
    c.ctx = ctx;
    c.cancel = &env->scrub_stop;
    rc = run(&c, want);
    pc_free(&c);
    if (problems != NULL)
        *problems = c.problems;
    if (rc != 0)
        return rc;
    if (c.rc != 0)
        return c.rc;
    if (report == NULL && c.problems > 0)
        return EDDY_ECORRUPT;
    return c.stop ? EDDY_EUSER : 0;
}

int eddy__pagecheck_txn(eddy_env *env, MDB_txn *txn, eddy__pc_report report, void *ctx,
                        uint64_t *problems)
{
    int fd, rc;

    if (problems != NULL)
        *problems = 0;
    if ((rc = mdb_env_get_fd(env->mdb, &fd)) != 0)
        return eddy__err_mdb(rc, "getting data.mdb's descriptor");
    return check_full_fd(env, fd, mdb_txn_id(txn), report, ctx, problems);
}

int eddy__pagecheck_path(eddy_env *env, const char *path, eddy__pc_report report, void *ctx,
                         uint64_t *problems)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    if (problems != NULL)
        *problems = 0;
    if (fd < 0)
        return eddy__err_errno(errno, "opening a file for its page check");
    rc = check_full_fd(env, fd, 0, report, ctx, problems);
    close(fd);
    return rc;
}

int eddy__pagecheck_pinned(eddy_env *env, eddy__pc_report report, void *ctx, uint64_t *problems,
                           MDB_txn **keep)
{
    if (keep != NULL)
        *keep = NULL;
    for (int attempt = 0; attempt < EDDY__PC_PIN_TRIES; attempt++) {
        MDB_txn *txn;
        int rc = eddy__rtxn_begin(env, &txn);
        if (rc != 0)
            return rc;
        rc = eddy__pagecheck_txn(env, txn, report, ctx, problems);
        if (rc != EDDY__PC_AGAIN && keep != NULL) {
            *keep = txn;
            return rc;
        }
        eddy__rtxn_end(env, txn);
        if (rc != EDDY__PC_AGAIN)
            return rc;
    }
    return eddy__err(EDDY_EBUSY,
                     "page check: other processes committed twice during each of %d attempts to "
                     "pin a snapshot",
                     EDDY__PC_PIN_TRIES);
}

int eddy__pagecheck_full(eddy_env *env)
{
    return eddy__pagecheck_pinned(env, NULL, NULL, NULL, NULL);
}

int eddy__pagecheck_snapshot(eddy_env *env, int fd, int page, eddy__pc_snap *out)
{
    pc c;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    c.env = env;
    c.fd = fd;
    c.full = 1;
    c.force_page = page + 1;
    rc = run(&c, 0);
    pc_free(&c);
    out->problems = c.problems;
    out->free_max = c.free_max;
    out->txnid = c.txnid;
    out->last_pg = c.npages > 0 ? c.npages - 1 : 0;
    out->tables = c.dir_entries;
    out->psize = c.psize;
    return rc != 0 ? rc : c.rc;
}
