"""eddy_build.py: the cffi builder of the binding (API mode), run by setup.py or directly.

The declarations come from include/eddy.h itself, never from a copy: the header is run through
the C preprocessor with the system headers stubbed out (cffi knows stdint/stddef/stdbool
types), which leaves its typedefs, enums and prototypes; its integer macros are listed with
`cc -dM` and declared as `#define NAME ...`, so the C compiler fills in their values. The module
is compiled against the real header, so struct sizes and the EDDY_<TYPE>_INIT sizes are the
compiler's.

Which library (docs/decisions/0015-python-binding.md):
  EDDY_BUILD_DIR=<cmake build dir>  the in-tree build: header from the checkout that build was
                                    configured from, libeddy.so from the build dir (RPATH set);
  otherwise                         pkg-config eddy (an installed Eddy, PKG_CONFIG_PATH honoured).

Run directly (`python3 eddy_build.py OUTDIR`) it writes the module `_eddy_cffi` into OUTDIR
(the in-tree tests and bench do this); through setup.py it is `eddy._eddy_cffi`.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

import cffi

# Helpers compiled into the module: a clock the tests set from Python without taking the GIL on
# every read by Eddy's threads, a stream batch's records copied out as columns in one C call,
# and the filling of batch entries from packed bytes.
HELPERS_CDEF = """
typedef struct eddy_py_clock { uint64_t now_ms; } eddy_py_clock;
uint64_t eddy_py_clock_now(void *ctx);
void eddy_py_clock_set(eddy_py_clock *c, uint64_t now_ms);
uint64_t eddy_py_clock_get(eddy_py_clock *c);
typedef struct eddy_py_cols { size_t n, data_len, pk_len, seq_len; } eddy_py_cols;
void eddy_py_stream_cols_size(const eddy_stream_batch *b, eddy_py_cols *c);
void eddy_py_stream_cols(const eddy_stream_batch *b, char *data, size_t *dlens, char *pks,
                         size_t *plens, char *seqs, uint64_t *arrival, uint32_t *shard);
void eddy_py_fill_ptrs(const char **out, size_t n, const char *buf);
void eddy_py_fill_send(eddy_queue_send_entry *e, size_t n, const char *buf, const size_t *lens);
void eddy_py_fill_put(eddy_stream_put_entry *e, size_t n, const char *data, const size_t *dlens,
                      const char *keys, const size_t *klens);
"""

HELPERS_SRC = """
typedef struct eddy_py_clock { uint64_t now_ms; } eddy_py_clock;
/* Read by Eddy's threads while Python sets it: atomic, no lock, no GIL. */
static uint64_t eddy_py_clock_now(void *ctx)
{
    return __atomic_load_n(&((eddy_py_clock *)ctx)->now_ms, __ATOMIC_ACQUIRE);
}
static void eddy_py_clock_set(eddy_py_clock *c, uint64_t now_ms)
{
    __atomic_store_n(&c->now_ms, now_ms, __ATOMIC_RELEASE);
}
static uint64_t eddy_py_clock_get(eddy_py_clock *c)
{
    return __atomic_load_n(&c->now_ms, __ATOMIC_ACQUIRE);
}
/* A batch's records as columns, so Python makes each column's objects with a few C-level calls
 * instead of several attribute reads per record: data end to end, partition keys end to end
 * (with their lengths), sequence numbers each followed by a space, arrival and shard arrays.
 * eddy_py_stream_cols_size gives the sizes the caller allocates for eddy_py_stream_cols. */
typedef struct eddy_py_cols { size_t n, data_len, pk_len, seq_len; } eddy_py_cols;
static void eddy_py_stream_cols_size(const eddy_stream_batch *b, eddy_py_cols *c)
{
    c->n = eddy_stream_batch_count(b);
    c->data_len = c->pk_len = c->seq_len = 0;
    for (size_t i = 0; i < c->n; i++) {
        const eddy_stream_record *r = eddy_stream_batch_record(b, i);
        c->data_len += r->data.len;
        c->pk_len += r->partition_key.len;
        c->seq_len += strlen(r->seq) + 1;
    }
}
static void eddy_py_stream_cols(const eddy_stream_batch *b, char *data, size_t *dlens, char *pks,
                                size_t *plens, char *seqs, uint64_t *arrival, uint32_t *shard)
{
    size_t n = eddy_stream_batch_count(b);
    for (size_t i = 0; i < n; i++) {
        const eddy_stream_record *r = eddy_stream_batch_record(b, i);
        size_t sl = strlen(r->seq);
        if (r->data.len)
            memcpy(data, r->data.data, r->data.len);
        data += dlens[i] = r->data.len;
        if (r->partition_key.len)
            memcpy(pks, r->partition_key.data, r->partition_key.len);
        pks += plens[i] = r->partition_key.len;
        memcpy(seqs, r->seq, sl);
        seqs[sl] = ' ';
        seqs += sl + 1;
        arrival[i] = r->arrival_ms;
        shard[i] = r->shard_id;
    }
}
/* Pointers to n NUL-terminated strings packed end to end (a delete batch's receipts): one
 * buffer per batch instead of a char[] per receipt. */
static void eddy_py_fill_ptrs(const char **out, size_t n, const char *buf)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = buf;
        buf += strlen(buf) + 1;
    }
}
/* Batch entries from bodies packed end to end (the common case: plain bodies, no options), so
 * Python makes two objects per batch instead of several per entry. */
static void eddy_py_fill_send(eddy_queue_send_entry *e, size_t n, const char *buf,
                              const size_t *lens)
{
    for (size_t i = 0; i < n; buf += lens[i], i++) {
        e[i].size = sizeof(e[i]);
        e[i].body.data = buf;
        e[i].body.len = lens[i];
    }
}
static void eddy_py_fill_put(eddy_stream_put_entry *e, size_t n, const char *data,
                             const size_t *dlens, const char *keys, const size_t *klens)
{
    for (size_t i = 0; i < n; data += dlens[i], keys += klens[i], i++) {
        e[i].size = sizeof(e[i]);
        e[i].data.data = data;
        e[i].data.len = dlens[i];
        e[i].partition_key.data = keys;
        e[i].partition_key.len = klens[i];
    }
}
"""

# Python callbacks (cffi def_extern: each takes the GIL on entry, from any thread).
CALLBACKS_CDEF = """
extern "Python" int eddy_py_list_cb(void *ctx, const char *name);
extern "Python" int eddy_py_poller_cb(void *ctx, const eddy_poller_batch *batch,
                                      eddy_poller_result *result);
extern "Python" int eddy_py_verify_cb(void *ctx, const char *table, eddy_slice key,
                                      const char *what);
extern "Python" uint64_t eddy_py_clock_cb(void *ctx);
extern "Python" void eddy_py_log_cb(void *ctx, int level, const char *msg);
"""


def _cc():
    return shlex.split(os.environ.get("CC", "cc"))


def _pkg_config(*args):
    out = subprocess.run(["pkg-config", *args, "eddy"], check=True, capture_output=True, text=True)
    return shlex.split(out.stdout)


def locate():
    """(include_dirs, library_dirs, libraries, runtime_dirs) of the Eddy to build against."""
    build_dir = os.environ.get("EDDY_BUILD_DIR")
    if build_dir:
        build_dir = os.path.abspath(build_dir)
        cache = os.path.join(build_dir, "CMakeCache.txt")
        try:
            with open(cache, encoding="utf-8") as f:
                m = re.search(r"^eddy_SOURCE_DIR:STATIC=(.*)$", f.read(), re.M)
        except OSError as e:
            sys.exit(f"eddy_build: EDDY_BUILD_DIR={build_dir} is not a CMake build dir: {e}")
        if not m:
            sys.exit(f"eddy_build: {cache} does not name eddy_SOURCE_DIR: not an Eddy build")
        if not any(n.startswith("libeddy.so") for n in os.listdir(build_dir)):
            sys.exit(f"eddy_build: no libeddy.so in {build_dir}: build the eddy_shared target")
        return [os.path.join(m.group(1), "include")], [build_dir], ["eddy"], [build_dir]
    try:
        cflags = _pkg_config("--cflags")
        libs = _pkg_config("--libs")
        libdir = _pkg_config("--variable=libdir")
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("eddy_build: no Eddy found: set EDDY_BUILD_DIR to a CMake build dir, or install "
                 f"Eddy so that `pkg-config eddy` works (PKG_CONFIG_PATH) ({e})")
    incs = [f[2:] for f in cflags if f.startswith("-I")]
    if not incs:
        incdir = _pkg_config("--variable=includedir")
        incs = incdir
    lib_dirs = [f[2:] for f in libs if f.startswith("-L")]
    names = [f[2:] for f in libs if f.startswith("-l")]
    system = {"/usr/lib", "/usr/lib64", "/lib", "/usr/lib/x86_64-linux-gnu"}
    rt = [d for d in libdir if d not in system]
    return incs, lib_dirs, names, rt


def find_header(include_dirs):
    for d in include_dirs:
        p = os.path.join(d, "eddy.h")
        if os.path.exists(p):
            return p
    sys.exit(f"eddy_build: eddy.h not found in {include_dirs}")


def derive_cdef(header):
    """The cdef text: eddy.h preprocessed against empty system headers, plus its integer macros."""
    with tempfile.TemporaryDirectory() as stub:
        for h in ("stdbool.h", "stddef.h", "stdint.h"):
            open(os.path.join(stub, h), "w").close()
        base = [*_cc(), "-E", "-nostdinc", "-I", stub, header]
        decls = subprocess.run([*base[:2], "-P", *base[2:]], check=True, capture_output=True,
                               text=True).stdout
        macros = subprocess.run([*base[:2], "-dM", *base[2:]], check=True, capture_output=True,
                                text=True).stdout
    if "eddy_env_open" not in decls:
        sys.exit(f"eddy_build: preprocessing {header} gave no eddy_env_open")
    # C++ and attribute leftovers cffi's parser refuses (none today; kept for header growth).
    decls = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", decls)
    consts = []
    for line in macros.splitlines():
        m = re.match(r"#define (EDDY_[A-Z0-9_]+) (.+)$", line)
        # object-like, public (EDDY__ is internal), an integer expression: no INIT values,
        # strings, or macro calls
        if not m or m.group(1).startswith("EDDY__") or m.group(1).endswith("_INIT"):
            continue
        value = m.group(2).strip()
        if value.startswith('"'):
            consts.append(f"static const char *const {m.group(1)};")
        elif re.fullmatch(r"[0-9A-Za-z_()+\-*<> ]+", value):
            consts.append(f"#define {m.group(1)} ...")
    return decls + "\n" + "\n".join(consts) + "\n"


def make_ffi(module_name="eddy._eddy_cffi"):
    include_dirs, library_dirs, libraries, runtime_dirs = locate()
    header = find_header(include_dirs)
    ffi = cffi.FFI()
    ffi.cdef(derive_cdef(header) + HELPERS_CDEF + CALLBACKS_CDEF)
    ffi.set_source(
        module_name,
        "#include <string.h>\n#include <eddy.h>\n" + HELPERS_SRC,
        include_dirs=include_dirs,
        library_dirs=library_dirs,
        libraries=libraries,
        runtime_library_dirs=runtime_dirs,
        extra_compile_args=["-O2", "-Wno-unused-parameter"],
    )
    return ffi


# setup.py's cffi_modules entry point.
ffibuilder = make_ffi() if __name__ != "__main__" else None

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    make_ffi("_eddy_cffi").compile(tmpdir=out, verbose=False)
