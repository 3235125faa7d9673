#!/usr/bin/python3
"""bench_python.py: the Python binding's cost beside the C API, in the same run (issue 18).

Runs each workload of bench/bench_binding.c in C (that program) and in Python (this script,
through `import eddy`), alternately, --reps times, and prints the medians and Python/C:
  W1  queue send_batch of 100          W2  receive of 10 + delete_batch, until empty
  W3  stream put_batch of 500          W4  read every shard from the trim horizon
Relaxed durability by default (--durable for durable mode), 256-byte payloads, a fresh
database per run; the set-up is synced before the clock starts. Binding cost is best seen on
tmpfs, where no fsync noise swamps it. Use a Release build:

  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DEDDY_TESTS=OFF
  cmake --build build-release -j2 --target eddy_shared bench_binding
  /usr/bin/python3 bench/bench_python.py --build build-release --dir /dev/shm [--n 20000]

--rss N instead runs N binding calls (a mix of sends, receives, deletes, puts, reads,
attribute reads, checkpoints and failing calls, in relaxed mode) and prints the process's
anonymous RSS (heap, not the LMDB map) every 10% of them: it must stay flat (no leaks).
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def load_eddy(build):
    """Import eddy, compiling its cffi module against `build`'s libeddy.so if needed."""
    out = os.path.join(build, "bindings", "python")
    if not any(n.startswith("_eddy_cffi") and n.endswith(".so") for n in
               (os.listdir(out) if os.path.isdir(out) else [])):
        env = dict(os.environ, EDDY_BUILD_DIR=build)
        subprocess.run([sys.executable, os.path.join(SRC, "bindings", "python", "eddy_build.py"),
                        out], check=True, env=env)
    sys.path[:0] = [out, os.path.join(SRC, "bindings", "python")]
    import eddy
    return eddy


def py_workload(eddy, path, n, w, durability):
    rnd = random.Random(42).randbytes
    pick = random.Random(7).randrange
    with eddy.open(path, durability=durability) as env:
        if w in ("W1", "W2"):
            q = env.create_queue("q", batch_max=100)
        else:
            s = env.create_stream("s", shard_count=4)

        # The batches are made before the clock starts: the figure is the binding's cost, not
        # Python's random module (C makes its payloads with splitmix64, a few ns each).
        if w in ("W1", "W2"):
            batches = [[rnd(256) for _ in range(100)] for _ in range(0, n, 100)]
        else:
            batches = [[(rnd(256), "c-%04d" % pick(1000)) for _ in range(500)]
                       for _ in range(0, n, 500)]

        def send_all():
            for b in batches:
                q.send_batch(b)

        def put_all():
            for b in batches:
                s.put_batch(b)

        if w == "W2":
            send_all()
        if w == "W4":
            put_all()
        env.sync()
        t0 = time.perf_counter()
        if w == "W1":
            send_all()
            items = n
        elif w == "W2":
            items = 0
            while True:
                msgs = q.receive(10, wait=0)
                if not msgs:
                    break
                q.delete_batch(msgs)
                items += len(msgs)
        elif w == "W3":
            put_all()
            items = n
        else:
            items = sum(len(r.data) == 256 for shard in range(4) for r in s.reader(shard))
        t = time.perf_counter() - t0
    assert items == n, (w, items, n)
    return n / t


def c_workload(exe, path, n, w, durability):
    extra = [] if durability == "durable" else [durability]
    out = subprocess.run([exe, path, str(n), w, *extra], check=True, capture_output=True,
                         text=True)
    name, rate = out.stdout.split()
    assert name == w
    return float(rate)


def bench(eddy, args):
    exe = os.path.join(args.build, "bench", "bench_binding")
    if not os.path.exists(exe):
        sys.exit(f"bench_python: {exe} missing: cmake --build {args.build} --target bench_binding")
    print(f"bench_python: eddy {eddy.LIBRARY_VERSION} from {args.build}, n={args.n}, "
          f"median of {args.reps}, {args.durability}, in {args.dir or tempfile.gettempdir()}, "
          f"Python {sys.version.split()[0]}")
    names = {"W1": "queue send_batch of 100", "W2": "queue receive 10 + delete_batch",
             "W3": "stream put_batch of 500", "W4": "stream read (4 shards)"}
    unit = {"W1": "msg/s", "W2": "msg/s", "W3": "rec/s", "W4": "rec/s"}
    for w in args.workloads:
        cs, ps = [], []
        for rep in range(args.reps):
            for lang in ("c", "py"):
                d = tempfile.mkdtemp(prefix=f"bench-python-{w}-", dir=args.dir)
                path = os.path.join(d, "db")
                try:
                    if lang == "c":
                        cs.append(c_workload(exe, path, args.n, w, args.durability))
                    else:
                        ps.append(py_workload(eddy, path, args.n, w, args.durability))
                finally:
                    shutil.rmtree(d)
        c, p = statistics.median(cs), statistics.median(ps)
        print(f"{w}  {names[w]:<32} C {c:>10.0f} {unit[w]}  Python {p:>10.0f} {unit[w]}  "
              f"Python/C {100 * p / c:5.1f}%", flush=True)


def rss_anon_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def rss(eddy, calls, directory):
    """N binding calls in a loop of ten; prints the anonymous RSS every tenth of them."""
    d = tempfile.mkdtemp(prefix="bench-python-rss-", dir=directory)
    figures = []
    try:
        with eddy.open(os.path.join(d, "db"), durability="relaxed") as env:
            q = env.create_queue("q")
            s = env.create_stream("s", retention=60)
            missing = env.queue("missing")
            r = s.put(b"x" * 100, "k")
            body = b"m" * 200
            done, step = 0, max(calls // 10, 10)
            print(f"rss: {calls} calls, anonymous RSS (KiB) every {step}:", flush=True)
            while done < calls:
                q.send(body)                                   # 1
                q.send_batch([body, "text"])                   # 2
                msgs = q.receive(3)                            # 3
                q.delete_batch(msgs)                           # 4
                q.attributes()                                 # 5
                r = s.put(body, "k")                           # 6
                s.read(s.iterator(r.shard_id), max_records=5)  # 7, 8 (committed ones)
                s.checkpoint("app", r.shard_id, r.seq, state=b"st")       # 9
                try:
                    missing.send(b"x")                         # 10: a failing call
                except eddy.NotFound:
                    pass
                done += 10
                if done % step == 0:
                    figures.append(rss_anon_kib())
                    print(f"rss: {done:>8} calls  {figures[-1]} KiB", flush=True)
                if done % 100000 == 0:
                    s.trim(100000)
    finally:
        shutil.rmtree(d)
    growth = figures[-1] - figures[0]
    print(f"rss: growth after the first tenth: {growth} KiB over {calls - step} calls "
          f"({1024 * growth / max(calls - step, 1):.3f} B/call)")
    return figures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build-release"))
    ap.add_argument("--n", type=int, default=20000, help="items per workload (x500)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where the databases go (default $TMPDIR)")
    ap.add_argument("--durable", dest="durability", action="store_const", const="durable",
                    default="relaxed", help="durable mode (default relaxed: no fsync noise)")
    ap.add_argument("--rss", type=int, default=0, metavar="CALLS")
    ap.add_argument("workloads", nargs="*", default=["W1", "W2", "W3", "W4"])
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.n % 500:
        sys.exit("bench_python: --n must be a multiple of 500")
    eddy = load_eddy(args.build)
    if args.rss:
        rss(eddy, args.rss, args.dir)
    else:
        bench(eddy, args)


if __name__ == "__main__":
    main()
