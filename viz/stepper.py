"""``step_through``: watch the forward pass and then backpropagation, one node per step.

An ipywidgets stepper: a slider with previous / next buttons and a play button over the frames
of ``viz.frames``; the picture (laid out once by Graphviz, see ``viz.layout``) shades the nodes
already done, highlights the current node and its parents, and labels the edges with the
contributions they carried; under it stand the step's explanation and the running table of
gradients. It works without a browser too: set ``stepper.slider.value`` and read
``stepper.state``, ``stepper.svg`` and ``stepper.explanation``.

Displayed in Jupyter, its mime bundle holds the live widget first (what Jupyter shows) and,
for viewers that cannot run a widget (GitHub, nbconvert's HTML, a notebook saved without
widget state), the current frame as ``image/svg+xml`` and a summary in words as ``text/plain``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from autograd import Value
from autograd.backprop import name

from . import render as backend
from .frames import PASSES, Frame, State, build_frames, state
from .layout import Layout
from .steps_html import explanation_html
from .table import grads_table

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

TABLE_STYLE = (
    "<style>.sg-grads{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    ".sg-grads td,.sg-grads th{padding:1px 10px;border-bottom:1px solid #e5e7eb;text-align:left}"
    ".sg-row-current{background:#fed7aa}"
    ".sg-explain div{padding-left:2em;text-indent:-2em}</style>"
)


class Stepper:
    """The frames of ``root``'s forward and backward pass, and widgets to move through them."""

    def __init__(
        self,
        root: Value,
        passes: Sequence[str] = PASSES,
        precision: int = 4,
        rankdir: str = "LR",
    ) -> None:
        import ipywidgets as widgets

        if not isinstance(root, Value):
            raise TypeError(f"step_through: root must be a Value, got {type(root).__name__}")
        self.root = root
        self.precision = precision
        self.order, self.frames = build_frames(root, passes)
        try:
            self.layout: Layout | None = Layout(self.order, root, self.frames, precision, rankdir)
            self.missing_renderer = ""
        except backend.RendererNotFound as error:  # still step through, in words and numbers
            self.layout = None
            self.missing_renderer = str(error)
        last = len(self.frames) - 1
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=last,
            description="step",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.play = widgets.Play(value=0, min=0, max=last, interval=900, description="play")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.previous = widgets.Button(
            description="previous", icon="step-backward", layout=widgets.Layout(width="110px")
        )
        self.next = widgets.Button(
            description="next", icon="step-forward", layout=widgets.Layout(width="90px")
        )
        self.previous.on_click(lambda _: self.show(self.slider.value - 1))
        self.next.on_click(lambda _: self.show(self.slider.value + 1))
        self.counter = widgets.HTML()
        self.picture = widgets.HTML()
        self.text = widgets.HTML()
        self.slider.observe(lambda change: self._draw(change["new"]), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.play, self.previous, self.next, self.slider, self.counter]),
                self.picture,
                self.text,
            ]
        )
        self._draw(0)

    # ---- moving ----------------------------------------------------------------------

    def show(self, k: int) -> None:
        """Go to frame k (clamped to the first and last frame)."""
        self.slider.value = max(0, min(len(self.frames) - 1, k))

    def _draw(self, k: int) -> None:
        st = self.state_at(k)
        self.counter.value = f"&nbsp;{k} of {len(self.frames) - 1}: <b>{st.phase}</b>"
        if self.layout is not None:
            self.picture.value = self.layout.svg_at(k)
        else:
            self.picture.value = f"<pre>{html.escape(self.missing_renderer)}</pre>"
        self.text.value = (
            TABLE_STYLE
            + '<div class="sg-explain" style="font-family:monospace;background:#fff7ed;'
            + 'border-left:4px solid #ea580c;padding:4px 8px;margin:6px 0;user-select:text">'
            + explanation_html(st.lines)
            + "</div>"
            + grads_table(self.order, st, self.precision)
        )

    # ---- reading (for tests, and for the curious) ------------------------------------

    def state_at(self, k: int) -> State:
        return state(self.order, self.frames, k)

    @property
    def frame(self) -> Frame:
        return self.frames[self.slider.value]

    @property
    def state(self) -> State:
        """Everything visible at the current frame (data, running grads, contributions...)."""
        return self.state_at(self.slider.value)

    @property
    def explanation(self) -> str:
        return self.frame.explanation

    @property
    def lines(self) -> tuple[str, ...]:
        """The explanation as shown: one line per parent going backward."""
        return self.frame.lines

    @property
    def svg(self) -> str:
        """The picture at the current frame ('' without a renderer)."""
        return self.picture.value if self.layout is not None else ""

    def __repr__(self) -> str:
        forward = sum(f.phase == "forward" for f in self.frames)
        backward = len(self.frames) - forward
        return (
            f"Stepper({name(self.root)}: {len(self.frames)} steps, {forward} forward + "
            f"{backward} backward; at step {self.slider.value}, {self.frame.phase})"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget (live Jupyter), then the current frame's picture and, in words, where
        the stepper stands (for static viewers: they show the richest type they can)."""
        show_widget = self.widget._repr_mimebundle_  # None once the widget is closed
        widget = show_widget(**kwargs) if callable(show_widget) else None
        bundle: dict[str, Any] = {}
        if widget and WIDGET_MIME in widget:
            bundle[WIDGET_MIME] = widget[WIDGET_MIME]
        if self.layout is not None:
            bundle["image/svg+xml"] = self.svg
        bundle["text/plain"] = "\n".join(
            [
                repr(self),
                *(f"   {line}" for line in self.lines),
                "(an interactive stepper: run the notebook to move through the steps)",
            ]
        )
        return bundle


def step_through(
    root: Value, passes: Sequence[str] = PASSES, precision: int = 4, rankdir: str = "LR"
) -> Stepper:
    """A stepper over ``root``'s forward pass (node by node, in topological order) and
    backward pass (``root.backward_steps()``); display it in Jupyter. Gradients in the graph
    are left exactly as they were."""
    return Stepper(root, passes, precision, rankdir)
