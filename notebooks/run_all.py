"""Execute the notebooks in place (kernel ``python3``), so they are committed with outputs.

Usage: python notebooks/run_all.py [NOTEBOOK ...]   (default: notebooks/[0-9]*.ipynb)

Each notebook runs top to bottom in a fresh kernel started in ``notebooks/``, with the
repository root first on ``PYTHONPATH`` (so ``import autograd`` is this repository's engine even
without an install); the first error stops it and this script exits with status 1 (the
notebook is then left unchanged).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT = 300  # seconds per cell


def run(path: Path) -> float:
    """Execute ``path`` in place; returns the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=TIMEOUT,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        # No widget state in the committed notebooks: each stepper's output then falls back to
        # its picture everywhere a kernel is missing (nbconvert's HTML shows the SVG instead of
        # loading widget code from the internet; GitHub and an untrusted JupyterLab show the
        # picture too). A notebook saved from JupyterLab keeps its widgets' state (Lab's
        # saveState, set by notebooks/lab-settings/stepgrad.json).
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    return seconds


def main(argv: list[str]) -> int:
    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), path]))
    paths = [Path(a) for a in argv] or sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        try:
            seconds = run(path)
        except CellExecutionError as error:
            print(f"FAILED {path}:\n{error}", file=sys.stderr)
            return 1
        print(f"executed {path.name} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
