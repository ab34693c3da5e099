"""The ``graphviz.Digraph`` that ``draw_graph`` returns: one that finds its renderer.

It is a plain ``graphviz.Digraph`` (``.source``, ``.pipe()``, ``.render()``, inline display in
Jupyter) with three differences: rendering first makes sure the ``graphviz`` package can run
a ``dot`` (the system one, or graphviz-pure, see ``backend``); without any renderer it raises
``RendererNotFound`` naming both ways to install one; and in Jupyter such a graph shows that
hint and its DOT source instead of an exception. The default output format is SVG, which
every renderer writes; the SVG shown in Jupyter shrinks to the output's width
(``viz.responsive``), while ``.pipe()`` and ``.render()`` give Graphviz's SVG unchanged.
"""

from __future__ import annotations

import html
from typing import Any

import graphviz

from .backend import RendererNotFound, not_found_error, use_renderer_for_graphviz
from .responsive import fit_width

SVG_MIME = "image/svg+xml"


def _require_renderer() -> None:
    if not use_renderer_for_graphviz():
        raise not_found_error()


class Digraph(graphviz.Digraph):
    """``graphviz.Digraph`` that renders with whichever renderer ``viz`` finds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        _require_renderer()
        return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        _require_renderer()
        return super().render(*args, **kwargs)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            bundle = super()._repr_mimebundle_(include, exclude, **kwargs)
        except RendererNotFound as error:
            text = f"{error}\n\n{self.source}"
            return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}
        if SVG_MIME in bundle:
            bundle[SVG_MIME] = fit_width(bundle[SVG_MIME])
        return bundle
