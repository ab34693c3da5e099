"""Turning DOT source into pictures: one render path, ``run(source, fmt)``.

The program is found in three places, in order:

1. the system Graphviz ``dot`` on ``PATH`` (``apt-get install graphviz``, ``brew install graphviz``);
2. the ``graphviz-pure`` binary from the ``viz`` extra (``pip install 'stepgrad[viz]'``), on
   ``PATH`` or beside ``sys.executable``: a Jupyter kernel or a CI job may run the venv's Python
   without the venv's ``bin/`` on ``PATH``;
3. nothing: ``RendererNotFound`` names both ways to install one.

``run`` starts that program with ``subprocess`` and returns what it wrote. The ``Digraph`` that
``draw_graph`` returns is a ``graphviz.Digraph`` (``.source``, ``.attr()``, ``.node()``, ...)
whose ``pipe()``, ``render()`` and Jupyter display all call ``run``: nothing edits ``PATH`` and
the ``graphviz`` package never looks for a program itself. DOT source never needs one.

In Jupyter the SVG shrinks to the output's width (``fit_width``); ``pipe()`` and ``render()``
give the renderer's SVG unchanged. Without a renderer Jupyter shows the hint and the source.
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import graphviz

INSTALL_HINT = (
    "Install one of them:\n"
    "  - the system Graphviz:  sudo apt-get install graphviz   (macOS: brew install graphviz)\n"
    "  - or the bundled renderer:  pip install 'stepgrad[viz]'   (installs graphviz-pure)\n"
    "The DOT source needs no renderer: print(graph.source)."
)

SVG_MIME = "image/svg+xml"
MIME_FORMATS = {SVG_MIME: "svg", "image/png": "png", "image/jpeg": "jpeg"}


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
    if system:
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


def run(source: str, fmt: str = "svg", timeout: float = 120.0, engine: str = "dot") -> bytes:
    """``dot -K<engine> -T<fmt>`` of a DOT source, with whichever renderer was found."""
    exe = renderer()
    proc = subprocess.run(
        [str(exe), f"-K{engine}", f"-T{fmt}"],
        input=source.encode("utf-8"),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"viz: {exe.name} -T{fmt} failed (exit {proc.returncode}): {message}")
    return proc.stdout


# ---- SVG that shrinks to fit --------------------------------------------------------------
# Graphviz writes fixed sizes (width="1234pt"); a wide graph then overflows a notebook's
# output area. With this style on the root <svg> a browser scales the picture down to the
# width it has, keeping its aspect ratio (from viewBox), and never scales it up.

FIT_WIDTH = "max-width:100%;height:auto"

# the root element's start tag, after any XML declaration, DOCTYPE and comments
_ROOT = re.compile(r"<!--.*?-->|<svg(?=[\s/>])[^>]*>", re.DOTALL)
_STYLE = re.compile(r"""\sstyle\s*=\s*(["'])(.*?)\1""", re.DOTALL)


def fit_width(svg: str) -> str:
    """``svg`` with ``FIT_WIDTH`` added to its root element's style (kept first, so that a
    style already there still wins); unchanged when it has no ``<svg>`` element."""
    for match in _ROOT.finditer(svg):
        tag = match.group(0)
        if tag.startswith("<!--"):
            continue
        style = _STYLE.search(tag)
        if style:
            merged = f"{FIT_WIDTH};{style.group(2)}"
            new = f"{tag[: style.start(2)]}{merged}{tag[style.end(2) :]}"
        else:
            new = f'<svg style="{FIT_WIDTH}"{tag[4:]}'
        return svg[: match.start()] + new + svg[match.end() :]
    return svg


# ---- the Digraph that draw_graph returns ---------------------------------------------------
# Made on first use (``render.Digraph``, a module __getattr__), so that ``import viz`` does not
# import the graphviz package.


def __getattr__(name: str) -> Any:
    if name == "Digraph":
        return _digraph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _digraph_class() -> type[graphviz.Digraph]:
    import graphviz

    class Digraph(graphviz.Digraph):
        """``graphviz.Digraph`` whose ``pipe``, ``render`` and Jupyter display call ``run``.
        The default output format is SVG, which every renderer writes."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("format", "svg")
            super().__init__(*args, **kwargs)

        def pipe(
            self,
            format: str | None = None,
            *args: Any,
            engine: str | None = None,
            encoding: str | None = None,
            **kwargs: Any,
        ) -> Any:
            """The picture as bytes (as ``str`` when ``encoding`` is given)."""
            data = run(self.source, format or self.format, engine=engine or self.engine)
            return data if encoding is None else data.decode(encoding)

        def render(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,
            *args: Any,
            outfile: str | os.PathLike[str] | None = None,
            engine: str | None = None,
            **kwargs: Any,
        ) -> str:
            """Save the DOT source to ``filename`` and the picture beside it (``g.gv`` ->
            ``g.gv.svg``, or ``outfile``); returns the picture's path."""
            from nn.files import write_atomic

            fmt = format or self.format
            data = run(self.source, fmt, engine=engine or self.engine)  # renders before writing
            source_path = Path(self.save(filename, directory=directory))
            out = Path(outfile) if outfile is not None else Path(f"{source_path}.{fmt}")
            write_atomic(out, data)
            if cleanup:
                source_path.unlink()
            if view:
                graphviz.view(out)
            return str(out)

        def _repr_mimebundle_(
            self, include: Any = None, exclude: Any = None, **kwargs: Any
        ) -> dict[str, Any]:
            """Jupyter's display: SVG that shrinks to fit; without a renderer the hint and the
            DOT source as text."""
            wanted = [
                m
                for m in MIME_FORMATS
                if (m in include if include else m == SVG_MIME) and not (exclude and m in exclude)
            ]
            bundle: dict[str, Any] = {}
            try:
                for mime in wanted:
                    data = run(self.source, MIME_FORMATS[mime])
                    bundle[mime] = fit_width(data.decode("utf-8")) if mime == SVG_MIME else data
            except RendererNotFound as error:
                text = f"{error}\n\n{self.source}"
                return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}
            png_wanted = "image/png" not in bundle and "image/png" not in (exclude or ())
            if SVG_MIME in bundle and png_wanted:
                from .display import png  # JupyterLab shows no SVG in an untrusted notebook

                raster = png(bundle[SVG_MIME])
                if raster is not None:
                    bundle["image/png"] = raster
            return bundle

    Digraph.__qualname__ = "Digraph"  # shown as viz.render.Digraph
    return Digraph
