"""``step_through``: watch the forward pass and then backpropagation, one node per step.

An ipywidgets stepper: a slider with previous / next buttons and a play button over the frames
of ``viz.frames`` (snapshots: the numbers of the moment it was made); the picture (laid out
once by Graphviz, see ``viz.layout``) shades the nodes already done, highlights the current
node and its parents, and labels the edges with the contributions they carried; under it
stand the step's explanation and the rows of the table of gradients around the current node.
It works without a browser too: ``stepper.show(k)``, ``stepper.state``, ``stepper.svg``,
``stepper.still(k)`` and ``stepper.explanation``.

A big graph is never shrunk until its text is unreadable: the widget shows the part of the
picture around the current node (at most ``WINDOW`` pixels, only those elements are sent),
so each move sends what is in view, not the whole graph.

Displayed in Jupyter, its mime bundle holds the live widget first (what Jupyter shows) and,
for viewers that cannot run a widget (GitHub, nbconvert's HTML, a notebook saved without
widget state), the current frame as ``image/svg+xml`` and a summary in words as ``text/plain``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from autograd import Value

from . import render
from .frames import PASSES, Frame, Frames, State
from .graph import check_graph_options
from .layout import Patches, Picture, Track, explanation_html, table_html

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WINDOW = (1180, 440)  # CSS pixels of picture the widget shows around the current node
TABLE_ROWS = 9  # rows of the table of gradients shown around the current node

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
        collapse: bool = False,
        group: str | None = None,
        max_nodes: int | None = 500,
        title: str = "",
    ) -> None:
        check_graph_options(
            "step_through", root, rankdir, precision, group, collapse, max_nodes, title
        )
        import ipywidgets as widgets

        self.root = root
        self.precision = precision
        self.recording = Frames(root, passes, bool(collapse), precision, max_nodes=max_nodes)
        self.order = self.recording.order
        self.frames: list[Frame] = self.recording.frames
        try:
            self.layout: Picture | None = Picture(self.recording, rankdir, group)
            self.missing_renderer = ""
        except render.RendererNotFound as error:  # still step through, in words and numbers
            self.layout = None
            self.missing_renderer = str(error)
        labels = self.layout.labels if self.layout is not None else None
        self.track = Track(Patches(self.recording, labels), self.layout)
        self._svg = ""
        last = len(self.frames) - 1
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=last,
            description="step",
            continuous_update=True,
            # up to 420 px, narrower in a narrow container (down to 200 px), never past it
            layout=widgets.Layout(width="auto", flex="1 1 280px", min_width="200px",
                                  max_width="420px"),
        )
        self.play = widgets.Play(
            value=0, min=0, max=last, interval=900, description="play",
            layout=widgets.Layout(flex="0 0 auto"),
        )
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        # the buttons keep their width (their words stay readable): a row too narrow for
        # everything wraps instead (the stepper beside the playground is ~400 px wide)
        self.previous = widgets.Button(
            description="previous", icon="step-backward",
            layout=widgets.Layout(width="110px", flex="0 0 auto"),
        )
        self.next = widgets.Button(
            description="next", icon="step-forward",
            layout=widgets.Layout(width="90px", flex="0 0 auto"),
        )
        self.previous.on_click(lambda _: self.show(self.slider.value - 1))
        self.next.on_click(lambda _: self.show(self.slider.value + 1))
        self.counter = widgets.HTML(layout=widgets.Layout(flex="0 1 auto"))
        self.picture = widgets.HTML()
        self.text = widgets.HTML()
        self.slider.observe(lambda change: self._draw(change["new"]), names="value")
        heading = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = widgets.VBox(
            [
                *heading,
                widgets.HBox(
                    [self.play, self.previous, self.next, self.slider, self.counter],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.picture,
                self.text,
            ]
        )
        self._draw(0)

    # ---- moving ----------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of frames."""
        return len(self.frames)

    def show(self, k: int) -> None:
        """Go to frame k (clamped to the first and last frame)."""
        self.slider.value = max(0, min(len(self.frames) - 1, k))

    def still(self, k: int) -> str:
        """Frame k's whole picture as SVG ('' without a renderer); the frame on screen stays."""
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError(f"still: k must be an int, got {type(k).__name__} {k!r:.100}")
        if not 0 <= k < len(self.frames):
            raise IndexError(f"still: no frame {k} (there are {len(self.frames)})")
        if self.layout is None:
            return ""
        here = self.track.at
        self.track.goto(k)
        try:
            return self.layout.text()
        finally:
            self.track.goto(here)

    def _draw(self, k: int) -> None:
        frame = self.frames[k]
        self.track.goto(k)
        self.counter.value = f"&nbsp;{k} of {len(self.frames) - 1}: <b>{frame.phase}</b>"
        if self.layout is not None:
            unit = self.recording.units[frame.node]
            self._svg = self.layout.window(unit.id, *WINDOW)
            # a scrolling box as wide as the output area: contain:inline-size keeps the
            # picture's min-width from widening the widget (a flex item) past it
            self.picture.value = (
                f'<div class="sg-view" style="max-height:{WINDOW[1] + 20}px;overflow:auto;'
                'contain:inline-size">'
                f"{self._svg}</div>"
            )
        else:
            self.picture.value = f"<pre>{html.escape(self.missing_renderer)}</pre>"
        units = len(self.recording.units)
        first = max(0, min(units - TABLE_ROWS, frame.node - TABLE_ROWS // 2))
        rows = range(first, min(units, first + TABLE_ROWS))
        self.text.value = (
            TABLE_STYLE
            + '<div class="sg-explain" style="font-family:monospace;background:#fff7ed;'
            + 'border-left:4px solid #ea580c;padding:4px 8px;margin:6px 0;user-select:text">'
            + explanation_html(frame.lines)
            + "</div>"
            + table_html(self.recording, self.track, rows)
            + (
                f"<small>rows {first + 1}-{rows[-1] + 1} of {units}</small>"
                if units > len(rows)
                else ""
            )
        )

    # ---- reading (for tests, and for the curious) ------------------------------------

    def state_at(self, k: int) -> State:
        return self.recording.state(k)

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
        """The picture at the displayed frame, as shown ('' without a renderer)."""
        return self._svg if self.layout is not None else ""

    def __repr__(self) -> str:
        forward = sum(f.phase == "forward" for f in self.frames)
        backward = len(self.frames) - forward
        return (
            f"Stepper({self.recording.names(self.root)}: {len(self.frames)} steps, {forward} "
            f"forward + {backward} backward; at step {self.slider.value}, {self.frame.phase})"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget first, then the displayed frame as SVG and PNG, then in words.

        Each viewer shows the first format it can: JupyterLab with a kernel, or with the
        widget state saved in the notebook, the widget; an untrusted notebook in Lab (just
        cloned) the PNG; GitHub and nbconvert's HTML the SVG (see ``viz.display``)."""
        from .display import bundle as picture_bundle

        show_widget = self.widget._repr_mimebundle_  # None once the widget is closed
        widget = show_widget(**kwargs) if callable(show_widget) else None
        text = "\n".join(
            [
                repr(self),
                *(f"   {line}" for line in self.lines),
                "(an interactive stepper: run the notebook to move through the steps)",
            ]
        )
        data, metadata = picture_bundle(self.svg, text)
        if widget and WIDGET_MIME in widget:
            data = {WIDGET_MIME: widget[WIDGET_MIME], **data}
        return data, metadata


def step_through(
    root: Value,
    passes: Sequence[str] = PASSES,
    precision: int = 4,
    rankdir: str = "LR",
    collapse: bool = False,
    group: str | None = None,
    max_nodes: int | None = 500,
    title: str = "",
) -> Stepper:
    """A stepper over ``root``'s forward pass (node by node, in topological order) and
    backward pass (``root.backward_steps()``); display it in Jupyter. The options are
    ``draw_graph``'s: ``collapse=True`` makes each module (a neuron) one box and one step.
    Gradients in the graph are left exactly as they were; the stepper shows the numbers of
    the moment it was made."""
    return Stepper(root, passes, precision, rankdir, collapse, group, max_nodes, title)
