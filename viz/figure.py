"""``InlineFigure``: a matplotlib ``Figure`` that shows itself as a picture in Jupyter.

A plain ``matplotlib.figure.Figure`` made without pyplot displays in Jupyter only as the text
``<Figure size 550x360 with 1 Axes>``, unless ``%matplotlib inline`` (or an ``import
matplotlib.pyplot``) has told IPython how to draw figures. This subclass adds ``_repr_png_``,
IPython's rich display method for PNG: the last expression of a cell, or ``display(fig)``,
then shows the picture with no pyplot state at all. When the inline backend *is* active, its
registered figure formatter takes precedence over ``_repr_png_`` (IPython asks formatters
registered for a type first), so the figure is still drawn once.

Everything else is matplotlib's: ``savefig`` (through Agg), axes, ``fig.dpi``. This module
imports matplotlib, so ``viz`` imports it only inside the functions that draw.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class InlineFigure(Figure):
    """A ``Figure`` with ``_repr_png_``: shown as an image when displayed in Jupyter."""

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes at its own dpi (what ``savefig(format="png")`` writes)."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()
