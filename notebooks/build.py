"""Build the teaching notebooks from their sources: ``notebooks/src/NN_name.py`` ->
``notebooks/NN_name.ipynb`` (without outputs; ``run_all.py`` executes them in place).

A source is a Python file in the "percent" format that editors understand:

    # %% [markdown]
    # # A title
    # Some *markdown*, each line behind "# ".

    # %%
    x = 1 + 1          # a code cell

    # %% checks
    answer("dC/db", 2 * (a - y) * a * (1 - a), "how to get it, in one line")

The ``checks`` block becomes one code cell, shown collapsed in JupyterLab: the "check
yourself" helpers of ``src/checks.py`` followed by this notebook's answers. The block's
``answer(name, expected, how)`` calls run here, at build time (plain Python, ``math``
available), and the notebook receives only their results, base64-encoded so that a reader
does not see the answers by accident.

In code cells a commented magic, ``# %matplotlib inline``, becomes the magic (as in jupytext).

Usage: python notebooks/build.py [NAME ...]   (default: every source)
"""

from __future__ import annotations

import base64
import json
import math
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
MARKER = re.compile(r"^# %%(?P<rest>.*)$")
MAGIC = re.compile(r"^# (?P<magic>%(?:matplotlib|config|time|timeit)\b.*)$")


def split_cells(text: str) -> list[tuple[str, str]]:
    """[(header, body)] for each ``# %%`` block; the header is what follows the marker."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        match = MARKER.match(line)
        if match:
            cells.append((match["rest"].strip(), []))
        elif cells:
            cells[-1][1].append(line)
    return [(header, "\n".join(body).strip("\n")) for header, body in cells]


def markdown(body: str) -> str:
    """The markdown behind the comment signs: ``# text`` -> ``text``, ``#`` -> ''."""
    lines = []
    for line in body.splitlines():
        if line == "#":
            lines.append("")
        elif line.startswith("# "):
            lines.append(line[2:])
        else:
            raise ValueError(f"a markdown line must start with '# ': {line!r}")
    return "\n".join(lines)


def code(body: str) -> str:
    """A code cell's source: commented magics uncommented."""
    return "\n".join(
        MAGIC.sub(r"\g<magic>", line) if not line.startswith("# %%") else line
        for line in body.splitlines()
    )


def checks_cell(body: str) -> str:
    """The helpers of src/checks.py, then ``ANSWERS = unpack(...)`` with the answers that the
    ``answer(...)`` calls in ``body`` register."""
    answers: dict[str, list[object]] = {}

    def answer(name: str, expected: float, how: str) -> None:
        if not math.isfinite(expected):
            raise ValueError(f"answer {name!r}: expected value {expected!r} is not finite")
        answers[name] = [float(expected), how]

    # the notebook source's own answer(...) calls, run at build time (this repository's code)
    exec(body, {"answer": answer, "math": math})  # noqa: S102
    encoded = base64.b64encode(json.dumps(answers).encode("utf-8")).decode("ascii")
    chunks = [f'    "{encoded[i : i + 88]}"' for i in range(0, len(encoded), 88)]
    helpers = (SOURCES / "checks.py").read_text(encoding="utf-8").strip("\n")
    return helpers + "\n\n\nANSWERS = unpack(\n" + "\n".join(chunks) + "\n)"


def notebook(source: Path) -> nbformat.NotebookNode:
    """The notebook (without outputs) that ``source`` describes."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for k, (header, body) in enumerate(split_cells(source.read_text(encoding="utf-8"))):
        cell_id = f"{source.stem[:2]}-{k:03d}"
        if header == "[markdown]":
            cell = new_markdown_cell(markdown(body), id=cell_id)
        elif header == "":
            cell = new_code_cell(code(body), id=cell_id)
        elif header == "checks":
            cell = new_code_cell(checks_cell(body), id=cell_id)
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["tags"] = ["helpers"]
        else:
            raise ValueError(f"{source.name}: unknown cell header {header!r}")
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def build(source: Path) -> Path:
    """Write ``source``'s notebook next to this script, atomically; returns its path."""
    nb = notebook(source)
    target = HERE / f"{source.stem}.ipynb"
    tmp = target.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(target)
    return target


def main(argv: list[str]) -> int:
    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if argv:
        sources = [s for s in sources if s.stem in argv or s.stem[:2] in argv]
    for source in sources:
        print(f"built {build(source).relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
