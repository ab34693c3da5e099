"""Finding a program that turns DOT source into pictures.

Three places, in order:

1. the system Graphviz ``dot`` on ``PATH`` (``apt-get install graphviz``, ``brew install graphviz``);
2. the ``graphviz-pure`` binary from the ``viz`` extra (``pip install 'stepgrad[viz]'``), on
   ``PATH`` or beside ``sys.executable``: a Jupyter kernel or a CI job may run the venv's Python
   without the venv's ``bin/`` on ``PATH``;
3. nothing: ``RendererNotFound`` names both ways to install one.

The ``graphviz`` Python package runs a program called ``dot`` found on ``PATH`` (that is its
documented contract). ``graphviz-pure`` installs under its own name so that it never shadows a
system Graphviz; when it is the only renderer, ``use_renderer_for_graphviz`` puts one private
directory holding a ``dot`` link to it at the *end* of ``PATH``. DOT source never needs a binary.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "Install one of them:\n"
    "  - the system Graphviz:  sudo apt-get install graphviz   (macOS: brew install graphviz)\n"
    "  - or the bundled renderer:  pip install 'stepgrad[viz]'   (installs graphviz-pure)\n"
    "The DOT source needs no renderer: print(graph.source)."
)


class RendererNotFound(RuntimeError):
    """Neither Graphviz ``dot`` nor ``graphviz-pure`` could be found."""


def _script_dirs() -> list[Path]:
    """Where pip puts console scripts for this interpreter (its venv, its user site)."""
    dirs = [Path(sys.executable).parent]
    for scheme in (None, f"{os.name}_user"):
        try:
            path = (
                sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
            )
        except KeyError:  # no user scheme on this platform
            continue
        if path:
            dirs.append(Path(path))
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def find_renderer(
    path: str | None = None, beside: list[Path] | None = None
) -> tuple[str, Path] | None:
    """``("dot", path)`` for a system Graphviz, ``("graphviz-pure", path)``, or None.

    ``path`` is the search path (default: ``$PATH``); ``beside`` the extra directories
    searched for ``graphviz-pure`` (default: the interpreter's script directories).
    """
    search = os.environ.get("PATH", "") if path is None else path
    system = shutil.which("dot", path=search)
    if system and Path(system).parent != _shim_dir_if_made():
        return ("dot", Path(system))
    pure = shutil.which("graphviz-pure", path=search)
    if pure:
        return ("graphviz-pure", Path(pure))
    for directory in _script_dirs() if beside is None else beside:
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            candidate = directory / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return ("graphviz-pure", candidate)
    return None


def not_found_error() -> RendererNotFound:
    looked = ", ".join(str(d) for d in _script_dirs())
    return RendererNotFound(
        "viz: cannot render the graph: neither Graphviz's `dot` (on PATH) nor the "
        f"`graphviz-pure` binary (on PATH or in {looked}) was found.\n" + INSTALL_HINT
    )


def renderer() -> Path:
    """The program to run for ``-Tsvg`` etc.; ``RendererNotFound`` if there is none."""
    found = find_renderer()
    if found is None:
        raise not_found_error()
    return found[1]


def run(source: str, fmt: str = "svg", timeout: float = 120.0) -> bytes:
    """``dot -T<fmt>`` of a DOT source, with whichever renderer was found."""
    exe = renderer()
    proc = subprocess.run(
        [str(exe), "-Kdot", f"-T{fmt}"],
        input=source.encode("utf-8"),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"viz: {exe.name} -T{fmt} failed (exit {proc.returncode}): {message}")
    return proc.stdout


# ---- making the `graphviz` package find graphviz-pure -------------------------------------

_shim: list[Path] = []  # the private directory holding `dot` -> graphviz-pure, once made


def _shim_dir_if_made() -> Path | None:
    return _shim[0] if _shim else None


@functools.cache
def _make_shim(target: Path) -> Path:
    """A fresh directory with one entry, ``dot``, linking (or, failing that, copying) ``target``."""
    directory = Path(tempfile.mkdtemp(prefix="stepgrad-dot-"))
    atexit.register(shutil.rmtree, directory, True)
    link = directory / ("dot.exe" if os.name == "nt" else "dot")
    try:
        link.symlink_to(target)
    except OSError:  # e.g. Windows without the symlink privilege
        shutil.copy2(target, link)
    _shim.append(directory)
    return directory


def use_renderer_for_graphviz() -> bool:
    """Make the ``graphviz`` package's ``dot`` calls work; False when no renderer exists.

    Nothing to do with a system ``dot``. With only ``graphviz-pure``, the shim directory is
    appended to ``PATH`` (appended: it never hides another ``dot``).
    """
    found = find_renderer()
    if found is None:
        return False
    kind, exe = found
    if kind == "dot":
        return True
    directory = str(_make_shim(exe))
    entries = os.environ.get("PATH", "").split(os.pathsep)
    if directory not in entries:
        os.environ["PATH"] = os.pathsep.join([*filter(None, entries), directory])
    return True
