"""Stepper benchmark: ``save_steps_html`` and ``step_through`` on chains of 500, 1,000 and
5,000 values (``y = y * 1.001`` repeated: every multiplication adds a constant and a product).

For the page: total build time, and its parts (recording the frames, the one ``dot`` layout,
the patches, writing the page), the file size and how much of it is SVG. For the widget:
build time, the median time of one move (``show(k)`` over 50 frames spread over all of
them) and the largest payload one move sends (the picture window, the text and the
counter). Medians over the repeats (fewer at 5,000 values: one layout takes a minute).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

SIZES = (500, 1000, 5000)


def chain(values: int) -> Any:
    from autograd import Value

    y = Value(0.5, label="x")
    for _ in range((values - 1) // 2):
        y = y * 1.001
    return y


def run(repeats: int = 3, sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    try:
        from viz import RendererNotFound, step_through
        from viz.page import steps_page
    except ImportError as err:
        return {"skipped": f"viz not importable ({err})"}
    results: dict[str, Any] = {}
    for values in sizes:
        root = chain(values)
        runs = repeats if values < 5000 else 1
        page_parts: dict[str, list[float]] = {}
        widget_build, widget_move, page_bytes, svg_bytes, payload = [], [], 0, 0, 0
        for _ in range(runs):
            spent: dict[str, float] = {}
            start = time.perf_counter()
            try:
                page = steps_page(root, max_nodes=None, timings=spent)
            except RendererNotFound as err:
                return {"skipped": str(err).splitlines()[0]}
            spent["total_s"] = time.perf_counter() - start
            for part, seconds in spent.items():
                page_parts.setdefault(part, []).append(seconds)
            page_bytes = len(page.encode("utf-8"))
            svg_bytes = page.index("</svg>") - page.index("<svg")
            start = time.perf_counter()
            stepper = step_through(root, max_nodes=None)
            widget_build.append(time.perf_counter() - start)
            frames = len(stepper)
            moves = []
            for k in range(0, frames, max(1, frames // 50)):
                start = time.perf_counter()
                stepper.show(k)
                moves.append(time.perf_counter() - start)
                sent = (
                    len(stepper.picture.value)
                    + len(stepper.text.value)
                    + len(stepper.counter.value)
                )
                payload = max(payload, sent)
            widget_move.append(statistics.median(moves))
            stepper.widget.close()
        results[str(values)] = {
            "frames": frames,
            "runs": runs,
            "page": {part: statistics.median(s) for part, s in page_parts.items()},
            "page_bytes": page_bytes,
            "page_svg_bytes": svg_bytes,
            "step_through_build_s": statistics.median(widget_build),
            "step_through_move_s": statistics.median(widget_move),
            "step_through_largest_move_bytes": payload,
        }
    return results
