"""Memory (slow): 1,000,000 binding calls keep the heap flat. Runs bench/bench_python.py --rss
(the same loop the benchmark reports), on tmpfs when there is one, since fsync speed is not the
point here. Label slow: ctest -L slow, or pytest -m slow."""
import os
import re
import subprocess
import sys

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


@pytest.mark.slow
def test_million_calls_do_not_grow_the_heap(tmp_path):
    import eddy  # noqa: F401  (loads the module)
    mod = sys.modules.get("_eddy_cffi")
    if mod is None:
        pytest.skip("needs the in-tree module (ctest python/slow)")
    # <build>/bindings/python/_eddy_cffi*.so: the bench loads the same module from there
    build = os.path.dirname(os.path.dirname(os.path.dirname(mod.__file__)))
    where = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else str(
        tmp_path)
    out = subprocess.run([sys.executable, os.path.join(SRC, "bench", "bench_python.py"),
                          "--build", build, "--rss", "1000000", "--dir", where],
                         capture_output=True, text=True, timeout=1100)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    figures = [int(x) for x in re.findall(r"calls\s+(\d+) KiB", out.stdout)]
    assert len(figures) == 10
    growth_kib = figures[-1] - figures[0]
    assert growth_kib < 2048, f"heap grew {growth_kib} KiB over 900,000 calls"
