"""The README's examples run, and print what their comments say they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def promised_outputs(code: str) -> list[str]:
    """The comment after each `print(...)`, without a trailing '; ...' or '...'."""
    promised = []
    for line in code.splitlines():
        if "print(" in line and "#" in line:
            comment = line.split("#", 1)[1].strip()
            promised.append(re.sub(r"(;\s*)?\.\.\.$", "", comment).strip())
    return promised


@pytest.mark.parametrize("index", [0, 1], ids=["engine", "nn"])
def test_readme_example_prints_what_it_promises(index, tmp_path, monkeypatch):
    code = python_blocks()[index]
    promised = promised_outputs(code)
    assert promised, "the example promises no output"
    monkeypatch.chdir(tmp_path)  # the nn example saves a model file
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md block {index}", "exec"), {})  # noqa: S102 (our own README)
    printed = out.getvalue().splitlines()
    for expected in promised:
        assert any(line.startswith(expected) for line in printed), (expected, printed)
