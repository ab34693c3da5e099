"""Rendering benchmark: one example through MLP(2, [16, 16, 1]), drawn by ``viz.draw_graph``.

Times building the DOT (``draw_graph``) and rendering it to SVG (``.pipe``) separately,
collapsed (one box per neuron) and in full, as medians over a few repeats.
"""

from __future__ import annotations

import statistics
import time
from typing import Any


def run(repeats: int = 5) -> dict[str, Any]:
    try:
        from nn import MLP
        from viz import RendererNotFound, draw_graph
    except ImportError as err:
        return {"skipped": f"nn or viz not importable ({err})"}

    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    results: dict[str, Any] = {}
    for style, kwargs in (("collapsed", {"collapse": True}), ("full", {"max_nodes": None})):
        build, render = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            graph = draw_graph(out, **kwargs)
            middle = time.perf_counter()
            try:
                svg = graph.pipe(format="svg")
            except RendererNotFound as err:
                return {"skipped": str(err).splitlines()[0]}
            end = time.perf_counter()
            build.append(middle - start)
            render.append(end - middle)
        results[style] = {
            "build_s": statistics.median(build),
            "render_s": statistics.median(render),
            "svg_bytes": len(svg),
        }
    return results
