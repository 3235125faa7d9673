"""The examples of docs/python.md run: each ```python block alone in a fresh directory."""
import os
import re

import pytest

DOCS = os.environ.get("EDDY_DOCS") or os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                   "docs")
PAGE = os.path.join(DOCS, "python.md")


def blocks():
    with open(PAGE, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    assert found, f"no python blocks in {PAGE}"
    return found


@pytest.mark.parametrize("code", blocks(), ids=lambda c: "line-" + re.sub(r"\W+", "-", c)[:30])
def test_doc_example(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, PAGE, "exec"), {"__name__": "__doc_example__"})
