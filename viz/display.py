"""How a picture is offered to Jupyter, so that every viewer shows a picture.

A notebook output holds one picture in several formats (a *mime bundle*); each viewer shows
the richest one it is allowed to:

- JupyterLab shows ``image/svg+xml`` only in a *trusted* notebook (one you ran, or saved
  yourself). A notebook you just downloaded or cloned is untrusted: Lab refuses the SVG (it could
  carry script) and shows the next safe format, so we add ``image/png`` (drawn from the same
  SVG by ``resvg``); without it Lab would print ``<IPython.core.display.SVG object>``.
- GitHub and ``jupyter nbconvert --to html`` show the SVG.
- ``text/plain`` says in words what the picture is, for a terminal.

``Picture(svg)`` is such a bundle for any SVG (``Picture(stepper.still(k))``); the stepper's own
output adds the same formats after the live widget (see ``Stepper._repr_mimebundle_``).
"""

from __future__ import annotations

import base64
import re
from typing import Any

PNG_SCALE = 1.0  # PNG pixels per CSS pixel (the PNG is a fallback: kept small)
MAX_PNG_PIXELS = 40_000_000  # beyond this (e.g. a 5,000-value graph) no PNG: SVG and text only
_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"')


def css_size(svg: str) -> tuple[float, float] | None:
    """The picture's width and height in CSS pixels (Graphviz writes points: 1 pt = 4/3 px)."""
    match = _SIZE.search(svg)
    if match is None:
        return None
    per = {"pt": 4 / 3, "px": 1.0, None: 1.0}
    return float(match[1]) * per[match[2]], float(match[3]) * per[match[4]]


def png(svg: str, scale: float | None = None) -> bytes | None:
    """The SVG drawn as PNG at ``scale`` pixels per CSS pixel on white, or None when that is
    not possible (``resvg-py`` missing, the picture too big or unreadable for it)."""
    scale = PNG_SCALE if scale is None else scale
    size = css_size(svg)
    if not svg or size is None or size[0] * size[1] * scale * scale > MAX_PNG_PIXELS:
        return None
    try:
        import resvg_py
    except ImportError:
        return None
    # resvg sizes the root from width/height; a CSS style on it (height:auto...) confuses it
    root = re.sub(r'(<svg\b[^>]*?)\sstyle="[^"]*"', r"\1", svg, count=1)
    try:
        return bytes(
            resvg_py.svg_to_bytes(svg_string=root, background="#ffffff", dpi=72.0 * scale * 4 / 3)
        )
    except (ValueError, RuntimeError, OSError):
        return None


def bundle(svg: str, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)``: the SVG, its PNG (shown at the SVG's size) and ``text``; both
    pictures shown at their natural size in JupyterLab."""
    data: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if svg:
        # "unconfined": JupyterLab shows it at its own size (scrolling sideways if it must)
        # instead of shrinking a wide graph until its text is unreadable
        data["image/svg+xml"] = svg
        metadata["image/svg+xml"] = {"unconfined": True}
        raster = png(svg)
        size = css_size(svg)
        if raster is not None and size is not None:
            data["image/png"] = base64.b64encode(raster).decode("ascii")
            metadata["image/png"] = {
                "width": round(size[0]),
                "height": round(size[1]),
                "unconfined": True,
            }
    data["text/plain"] = text
    return data, metadata


class Picture:
    """An SVG picture for a notebook: SVG where the viewer allows it, else PNG, else words.

    >>> Picture(stepper.still(12))          # doctest: +SKIP
    """

    def __init__(self, svg: str, text: str = "") -> None:
        if not isinstance(svg, str):
            raise TypeError(f"Picture: svg must be a str, got {type(svg).__name__}")
        if not isinstance(text, str):
            raise TypeError(f"Picture: text must be a str, got {type(text).__name__}")
        self.svg = svg
        self.text = text or ("a picture (SVG)" if svg else "no picture")

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return bundle(self.svg, self.text)

    def __repr__(self) -> str:
        return f"Picture({self.text})"
