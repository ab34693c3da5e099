"""Numbers and names as they appear in pictures."""

from __future__ import annotations

import html
import math


def number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits, never hiding a small non-zero as 0.

    ``%g`` keeps significant digits (not decimal places) and switches to scientific
    notation below 1e-4, so 1e-10 prints as ``1e-10``, never ``0``; exponents lose
    their padding (``1.5e-07`` -> ``1.5e-7``) and ``-0`` prints as ``0``.
    """
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0.0:
        return "0"
    text = f"{x:.{max(1, precision)}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def html_text(text: str) -> str:
    """Text for a Graphviz HTML-like label: ``& < > "`` become entities and each backslash
    is doubled.

    Graphviz still expands ``\\N``, ``\\G``, ... (node and graph names) inside HTML-like
    labels and reads ``\\\\`` as one backslash, so a doubled backslash is how a label keeps
    its own. ``| { }`` mean nothing there and stay as they are.
    """
    return html.escape(text, quote=True).replace("\\", "\\\\")
