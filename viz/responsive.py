"""SVG that shrinks to fit: ``style="max-width:100%;height:auto"`` on the root ``<svg>``.

Graphviz writes fixed sizes (``width="1234pt"``); a wide graph then overflows a notebook's
output area. With this style a browser scales the picture down to the width it has, keeping
its aspect ratio (from ``viewBox``), and never scales it up. Only the pictures shown in
Jupyter and in the stepper get it: ``.pipe()`` and ``.render()`` write Graphviz's SVG as is.
"""

from __future__ import annotations

import re

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
