"""``playground``: watch a network learn, live, in Jupyter, and click any point to step
through its gradient.

>>> pg = playground(data="moons", hidden=(8, 8))   # doctest: +SKIP
>>> pg                      # the widget: press play
>>> pg.step(100)            # or train from code: 100 optimizer steps
>>> pg.history.train_loss[-1], pg.model
>>> pg.add_point(0.5, 0.2, 1); pg.remove_point(0)
>>> pg.pick(3)              # opens example 3's collapsed stepper beside the views

The model behind it is ``viz.playground_state.PlaygroundState`` (data, network, optimizer,
history; no widget); this module adds the controls (ipywidgets) and the views: one canvas
widget (``anywidget``, front-end in ``viz/playground.js``) that draws the network with a heat
map per neuron, the decision boundary with the train and test points, and the loss and
accuracy curves from one *frame* the kernel sends after each burst of training.

Play trains in an asyncio task on the kernel's own event loop: a burst of steps (about
``TRAIN_SHARE`` of a frame), one frame sent, then the task yields, so the kernel keeps
answering (pause, clicks, other cells) between frames. Displayed, the playground's output is
the live widget and, for viewers that cannot run it (GitHub, nbconvert's HTML, an untrusted or
kernel-less notebook, no ipywidgets), a still picture (``viz.plots.plot_playground``) with a
line saying so, and the same in words (see ``viz.display``).
"""

from __future__ import annotations

import base64
import functools
import html
import inspect
import io
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
RESOLUTION = 40  # grid points a side of the decision plane (the output map)
NEURON_RESOLUTION = 20  # grid points a side of each hidden neuron's map
HISTORY_POINTS = 400  # at most this many history entries per curve are sent
FRAME_SECONDS = 1 / 20  # aim: 20 frames a second while playing
TRAIN_SHARE = 0.5  # of each frame spent training (the rest: the frame, and the kernel's turn)
STILL_DPI = 80  # the still picture's pixels per inch (it is big: kept light in a notebook)
STATUS_SECONDS = 0.5  # the status line is rewritten at most this often while playing
WIDGET_KEYWORDS = {"show": "weights", "add_label": 1}  # controls that are not model settings
SHOWS = ("weights", "grads")
DATA_SETTINGS = ("data", "points", "noise", "test_fraction", "classes", "seed")  # new points
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2S = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
BATCH_SIZES = (1, 2, 5, 10, 20, 50)
# a dropdown cannot show None (it means "nothing chosen"): these stand for it in the controls
NONE_AS = {"classes": "default", "loss": "default", "batch_size": "all"}
STILL_NOTE = (
    "A still of the training playground (step {step}): the live widget needs a running "
    "notebook with ipywidgets and anywidget."
)


def _settings_names() -> tuple[str, ...]:
    """The model settings ``PlaygroundState`` takes as keywords (not ``model``)."""
    from .playground_state import PlaygroundState

    parameters = inspect.signature(PlaygroundState.__init__).parameters
    return tuple(n for n in parameters if n not in ("self", "model"))


def _check_keywords(settings: dict[str, Any]) -> None:
    names = _settings_names()
    unknown = sorted(set(settings) - set(names) - set(WIDGET_KEYWORDS))
    if unknown:
        raise TypeError(
            f"playground: unknown setting {unknown[0]!r}; the settings are "
            + ", ".join([*names, *WIDGET_KEYWORDS])
        )


def _check_show(show: object) -> str:
    if not isinstance(show, str) or show not in SHOWS:
        raise ValueError(f"playground: show must be 'weights' or 'grads', got {show!r:.100}")
    return show


def _check_label(label: object, classes: int) -> int:
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < classes:
        raise ValueError(
            f"playground: add_label must be a class from 0 to {classes - 1}, got {label!r:.100}"
        )
    return label


# ---- the frame: what the front-end draws ------------------------------------------------


def _float32(values: Any) -> bytes:
    """Numbers (None: nan) as little-endian float32 bytes, the front-end's Float32Array."""
    import numpy as np

    array = np.asarray(values, dtype=object if isinstance(values, list) else None)
    if array.dtype == object:
        array = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return array.astype("<f4").tobytes()


def _sample(n: int, most: int) -> list[int]:
    """At most ``most`` indexes spread evenly over range(n), the first and the last in."""
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


def frame(state: Any, show: str = "weights", add_label: int = 1, selected: int = -1) -> dict:
    """Everything ``playground.js`` draws, from the state's numbers: grids as float32 bytes
    (``output``: [i, j, o] at (x0[j], x1[i]), row 0 the bottom; ``neurons``: each hidden
    neuron's grid in turn, layer by layer), the rest as plain JSON."""
    import numpy as np

    from .plots import layer_weights

    _, _, outs = state.grid(RESOLUTION)
    _, _, small = state.grid(NEURON_RESOLUTION)
    hidden = [h.transpose(2, 0, 1).ravel() for h in small[:-1]]
    neurons = np.concatenate(hidden) if hidden else np.zeros(0)
    weights, grads = [], []
    for layer, (W, b, _) in zip(state.model.layers, layer_weights(state.model)):
        weights.append(np.column_stack([W, b]).tolist())
        grads.append([[*(w.grad for w in n.w), n.b.grad] for n in layer.neurons])
    h = state.history
    keep = _sample(len(h.step), HISTORY_POINTS)

    def series(values: list[Any], scale: float = 1.0) -> bytes:
        return _float32([None if values[k] is None else scale * values[k] for k in keep])

    (a0, b0), (a1, b1) = state.bounds
    return {
        "step": state.steps,
        "bounds": [a0, b0, a1, b1],
        "sizes": [2, *state.model.nouts],
        "outputs": int(state.model.nouts[-1]),
        "classes": state.classes,
        "threshold": state.threshold,
        "res": RESOLUTION,
        "nres": NEURON_RESOLUTION,
        "output": outs[-1].astype("<f4").tobytes(),
        "neurons": neurons.astype("<f4").tobytes(),
        "weights": weights,
        "grads": grads,
        "points": [
            [x0, x1, label, int(split == "test")] for x0, x1, label, split in state.points()
        ],
        "history": {
            "steps": _float32([h.step[k] for k in keep]),
            "train_loss": series(h.train_loss),
            "test_loss": series(h.test_loss),
            "train_acc": series(h.train_accuracy, 100.0),
            "test_acc": series(h.test_accuracy, 100.0),
            "has_accuracy": True,
        },
        "selected": selected,
        "add_label": add_label,
        "show": show,
    }


@functools.cache
def _view_class() -> type:
    """The canvas widget (an ``anywidget.AnyWidget``), defined on first use: ``import viz``
    does not import anywidget."""
    import anywidget
    import traitlets

    class PlaygroundView(anywidget.AnyWidget):
        """The playground's views on canvas; ``frame`` is what they draw."""

        _esm = Path(__file__).with_name("playground.js").read_text(encoding="utf-8")
        frame = traitlets.Dict().tag(sync=True)
        show = traitlets.Unicode("weights").tag(sync=True)

    return PlaygroundView


def still_png(
    state: Any, note: str = "", show: str = "weights"
) -> tuple[bytes, tuple[int, int]] | None:
    """``plot_playground(state)`` as PNG bytes and its size in pixels, with ``note`` written
    above it; None when matplotlib (or the plot) is missing."""
    try:
        from .plots import plot_playground
    except ImportError:
        return None
    try:
        fig = plot_playground(state, show=show)
    except ImportError:
        return None
    if note:
        fig.suptitle(note, fontsize="medium", color="#7c2d12")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=STILL_DPI)  # explicit: a kernel's rcParams differ
    width, height = fig.get_size_inches() * STILL_DPI
    return buffer.getvalue(), (round(width), round(height))


# ---- the playground -------------------------------------------------------------------------


class Playground:
    """The training playground: a ``PlaygroundState`` (``pg.state``) with controls and live
    views (``pg.widget``); see the module docstring. Without ipywidgets or anywidget it still
    trains from code and shows a still picture (``pg.missing`` says what is missing)."""

    def __init__(self, model: Any = None, data: str = "moons", **settings: Any) -> None:
        from .playground_state import PlaygroundState

        _check_keywords(settings)
        show = _check_show(settings.pop("show", WIDGET_KEYWORDS["show"]))
        add_label = settings.pop("add_label", WIDGET_KEYWORDS["add_label"])
        self.state = PlaygroundState(model, data, **settings)
        self.add_label = _check_label(add_label, self.state.classes)
        self.show = show
        self.selected = -1  # the example whose stepper is open (-1: none)
        self.stepper_shown: Any = None
        self._task: asyncio.Task | None = None
        self._frames = 0  # frames sent since play
        self._played = 0.0  # seconds played (while playing: since play)
        self._started = 0.0
        self._status_at = 0.0
        self._message = ""
        self._syncing = False
        self.widget: Any = None
        self.missing = ""
        try:
            import anywidget  # noqa: F401
            import ipywidgets  # noqa: F401
        except ImportError as error:
            self.missing = (
                f"{error.name} is not installed: pip install 'stepgrad[viz]' for the live "
                "playground (training from code works without it)"
            )
        else:
            self._build()
            self._sync_controls()
            self._push()

    # ---- reading -------------------------------------------------------------------------

    @property
    def model(self) -> Any:
        """The network being trained (an ``nn.MLP``)."""
        return self.state.model

    @property
    def history(self) -> Any:
        """Per step: train and test loss and accuracy (``PlaygroundHistory``)."""
        return self.state.history

    @property
    def steps(self) -> int:
        return self.state.steps

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.state.settings)

    def points(self) -> list[tuple[float, float, int, str]]:
        """Every point as (x0, x1, label, "train" or "test"); its position is its index."""
        return self.state.points()

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def updates_per_second(self) -> float:
        """Frames sent per second while playing (the last play, or this one)."""
        seconds = self._played + (time.perf_counter() - self._started if self.playing else 0)
        return self._frames / seconds if seconds > 0 else 0.0

    # ---- scripting -----------------------------------------------------------------------

    def step(self, n: int = 1) -> None:
        """Train ``n`` optimizer steps now (the views show the result)."""
        try:
            self.state.step(n)
        finally:
            self._push()

    def update(self, **settings: Any) -> None:
        """Change settings, as the controls do (checked first: nothing changes on an error)."""
        from .playground_state import TWO_CLASS

        _check_keywords(settings)
        show = _check_show(settings.pop("show", self.show))
        now = self.state.settings
        data, classes = settings.get("data", now["data"]), settings.get("classes", now["classes"])
        k = 2 if data in TWO_CLASS else 3 if classes is None else classes
        if "add_label" in settings:
            label = settings.pop("add_label")
            if isinstance(k, int):
                _check_label(label, k)
        else:
            label = min(self.add_label, k - 1) if isinstance(k, int) else self.add_label
        if settings:
            self.state.update(**settings)
        self.show = show
        self.add_label = _check_label(label, self.state.classes)
        self._close_stepper()
        self._sync_controls()
        self._push()

    def reset(self) -> None:
        """Fresh weights (the seed's), history cleared, step 0; the same data."""
        self.state.reset()
        self._close_stepper()
        self._push()

    def add_point(self, x0: float, x1: float, label: int) -> int:
        """Add a training point of class ``label``; returns its index."""
        index = self.state.add_point(x0, x1, label)
        self._push()
        return index

    def remove_point(self, index: int) -> None:
        """Remove point ``index`` (later points move down by one)."""
        self.state.remove_point(index)
        if self.selected == index:
            self._close_stepper()
        elif self.selected > index:
            self.selected -= 1
        self._push()

    def stepper(self, index: int) -> Any:
        """The collapsed stepper of example ``index``'s loss at the current weights."""
        return self.state.stepper(index)

    def pick(self, index: int) -> Any:
        """Pause, and open example ``index``'s stepper beside the views (what clicking the
        point does); returns the stepper."""
        stepper = self.state.stepper(index)  # checks the index before anything changes
        self.pause()
        self.selected = index
        self.stepper_shown = stepper
        if self.widget is not None:
            import ipywidgets as widgets

            split = self.state.points()[index][3]
            self.example.value = index
            note = widgets.HTML(
                f'<div class="sg-pg-picked">example <b>{index}</b> ({split}, ringed in '
                "orange); training paused: <b>next</b> steps through its loss</div>"
            )
            self.side.children = [
                widgets.HBox([self.close_side, note], layout=widgets.Layout(align_items="center")),
                stepper.widget,
            ]
            self.side.layout.display = "flex"
        self._push()
        return stepper

    def still(self) -> Any:
        """The views as one matplotlib Figure (``viz.plots.plot_playground``)."""
        from .plots import plot_playground

        fig = plot_playground(self.state, show=self.show)
        fig.set_dpi(STILL_DPI)
        return fig

    # ---- playing -------------------------------------------------------------------------

    def play(self) -> None:
        """Train in the background (on the running event loop: Jupyter's) until ``pause()``."""
        import asyncio

        if self.playing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "playground: play needs a running event loop (a Jupyter kernel); train "
                "from code with pg.step(n)"
            ) from None
        self._frames, self._played, self._started = 0, 0.0, time.perf_counter()
        self._task = loop.create_task(self._run())
        self._buttons()

    def pause(self) -> None:
        """Stop training after the current burst (at once, seen from other cells)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            self._played += time.perf_counter() - self._started
        self._task = None
        self._buttons()
        self._status(force=True)

    async def _run(self) -> None:
        import asyncio

        try:
            while True:
                start = time.perf_counter()
                while True:  # a burst: at least one step, up to the frame's share
                    self.state.step(1)
                    if time.perf_counter() - start >= TRAIN_SHARE * FRAME_SECONDS:
                        break
                self._push()
                self._frames += 1
                self._status()
                rest = FRAME_SECONDS - (time.perf_counter() - start)
                await asyncio.sleep(max(0.002, rest))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 (shown to the learner, training stops)
            self._played += time.perf_counter() - self._started
            self._task = None
            self._message = f"training stopped: {error}"
            self._push()
            self._buttons()
            self._status(force=True)

    # ---- the widgets ---------------------------------------------------------------------

    def _build(self) -> None:
        import ipywidgets as widgets

        from .playground_state import ACTIVATIONS, DATASETS, LOSSES, OPTIMIZERS

        def box(children: list[Any]) -> Any:
            return widgets.HBox(
                children, layout=widgets.Layout(flex_flow="row wrap", align_items="center")
            )

        def wide(width: str) -> dict[str, Any]:
            return {
                "layout": widgets.Layout(width=width),
                "style": {"description_width": "initial"},
            }

        def button(text: str, icon: str, width: str) -> Any:
            return widgets.Button(description=text, icon=icon, layout=widgets.Layout(width=width))

        self.play_button = button("play", "play", "90px")
        self.pause_button = button("pause", "pause", "95px")
        self.step_button = button("step", "step-forward", "85px")
        self.reset_button = button("reset", "undo", "85px")
        self.play_button.on_click(lambda _: self._safely(self.play))
        self.pause_button.on_click(lambda _: self._safely(self.pause))
        self.step_button.on_click(lambda _: self._safely(self.step, 1))
        self.reset_button.on_click(lambda _: self._safely(self.reset))
        self.example = widgets.BoundedIntText(
            value=0, min=0, max=10**6, description="example", **wide("140px")
        )
        self.open_button = button("step through", "search", "135px")
        self.open_button.on_click(lambda _: self._safely(self.pick, self.example.value))
        self.show_toggle = widgets.ToggleButtons(
            options=[("weights", "weights"), ("gradients", "grads")],
            description="lines:",
            style={"button_width": "88px", "description_width": "initial"},
        )
        self.label_toggle = widgets.ToggleButtons(
            description="a click adds class",
            style={"button_width": "38px", "description_width": "initial"},
        )
        self.controls: dict[str, Any] = {
            "data": widgets.Dropdown(options=DATASETS, description="data", **wide("150px")),
            "classes": widgets.Dropdown(description="classes", **wide("130px")),
            "points": widgets.IntSlider(
                min=10,
                max=500,
                step=10,
                description="points",
                continuous_update=False,
                **wide("230px"),
            ),
            "noise": widgets.FloatSlider(
                min=0.0,
                max=1.0,
                step=0.01,
                description="noise",
                continuous_update=False,
                **wide("220px"),
            ),
            "test_fraction": widgets.FloatSlider(
                min=0.0,
                max=0.9,
                step=0.05,
                description="test share",
                continuous_update=False,
                **wide("250px"),
            ),
            "seed": widgets.BoundedIntText(
                min=0, max=2**32 - 1, description="seed", **wide("120px")
            ),
            "hidden": widgets.Text(
                description="hidden layers",
                placeholder="8, 8",
                continuous_update=False,
                **wide("200px"),
            ),
            "activation": widgets.Dropdown(
                options=ACTIVATIONS, description="activation", **wide("160px")
            ),
            "loss": widgets.Dropdown(description="loss", **wide("225px")),
            "optimizer": widgets.Dropdown(
                options=OPTIMIZERS, description="optimizer", **wide("170px")
            ),
            "lr": widgets.Dropdown(description="learning rate", **wide("190px")),
            "batch_size": widgets.Dropdown(description="batch size", **wide("150px")),
            "l2": widgets.Dropdown(description="L2", **wide("120px")),
            "compile": widgets.Checkbox(
                description="compiled (numpy)", indent=False, **wide("150px")
            ),
        }
        self._loss_names = LOSSES
        for name, control in self.controls.items():
            control.observe(functools.partial(self._changed, name), names="value")
        self.label_toggle.add_class("sg-pg-label")
        self.show_toggle.observe(self._show_changed, names="value")
        self.label_toggle.observe(self._label_changed, names="value")
        self.status = widgets.HTML()
        self.view = _view_class()()
        self.view.on_msg(self._on_message)
        self.close_side = button("close", "times", "90px")
        self.close_side.on_click(lambda _: self._safely(self._close_stepper))
        self.side = widgets.VBox(
            [],
            layout=widgets.Layout(
                display="none", flex="1 1 380px", min_width="360px", overflow="hidden"
            ),
        )
        c = self.controls
        self.widget = widgets.VBox(
            [
                box([
                    self.play_button, self.pause_button, self.step_button, self.reset_button,
                    self.show_toggle, self.label_toggle, self.example, self.open_button,
                ]),
                box([c["data"], c["classes"], c["points"], c["noise"], c["test_fraction"],
                     c["seed"]]),
                box([c["hidden"], c["activation"], c["loss"], c["optimizer"], c["lr"],
                     c["batch_size"], c["l2"], c["compile"]]),
                self.status,
                widgets.Box(
                    [self.view, self.side],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
                ),
            ],
            layout=widgets.Layout(width="100%"),
        )  # fmt: skip
        self.widget.add_class("sg-playground")
        # the front-end counts the widget's views: when the last one goes (its output cleared,
        # its cell run again) nobody can see it train any more, so it pauses
        self.widget._view_count = 0
        self.widget.observe(self._views_changed, names="_view_count")
        self._buttons()

    def _sync_controls(self) -> None:
        """Every control shows the state's setting (options widened to hold it)."""
        if self.widget is None:
            return
        s = self.state.settings
        self._syncing = True
        try:
            c = self.controls
            c["data"].value = s["data"]
            c["classes"].options = [("default", "default"), *[(str(k), k) for k in range(2, 7)]]
            c["classes"].value = NONE_AS["classes"] if s["classes"] is None else s["classes"]
            c["classes"].disabled = s["data"] in ("moons", "circles", "xor")
            for name in ("points", "noise"):
                slider = c[name]
                slider.min, slider.max = min(slider.min, s[name]), max(slider.max, s[name])
                slider.value = s[name]
            c["test_fraction"].max = max(c["test_fraction"].max, s["test_fraction"])
            c["test_fraction"].value = s["test_fraction"]
            c["seed"].value = s["seed"]
            c["hidden"].value = ", ".join(str(w) for w in s["hidden"])
            c["activation"].value = s["activation"]
            c["loss"].options = [
                (f"default ({self.state.loss})", "default"),
                *[(name, name) for name in self._loss_names],
            ]
            c["loss"].value = NONE_AS["loss"] if s["loss"] is None else s["loss"]
            c["optimizer"].value = s["optimizer"]
            c["lr"].options = [(f"{v:g}", v) for v in sorted({*LEARNING_RATES, s["lr"]})]
            c["lr"].value = s["lr"]
            sizes = sorted({*BATCH_SIZES, *([s["batch_size"]] if s["batch_size"] else [])})
            c["batch_size"].options = [("all", "all"), *[(str(v), v) for v in sizes]]
            c["batch_size"].value = s["batch_size"] or NONE_AS["batch_size"]
            c["l2"].options = [(f"{v:g}", v) for v in sorted({*L2S, s["l2"]})]
            c["l2"].value = s["l2"]
            c["compile"].value = s["compile"]
            self.show_toggle.value = self.show
            labels = [(str(k), k) for k in range(self.state.classes)]
            if list(self.label_toggle.options) != labels:
                self.label_toggle.options = labels
            self.label_toggle.value = self.add_label
            self.example.max = max(0, len(self.state.points()) - 1)
        finally:
            self._syncing = False

    def _changed(self, name: str, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        value = change["new"]
        if name in NONE_AS and value == NONE_AS[name]:
            value = None
        if name == "hidden":
            try:
                value = tuple(int(w) for w in value.replace(",", " ").split())
            except ValueError:
                self._error(
                    f"playground: hidden layers must be widths separated by commas, like "
                    f"8, 8 (empty: no hidden layer), got {change['new']!r:.100}"
                )
                self._sync_controls()
                return
        try:
            self.state.update(**{name: value})
        except (TypeError, ValueError) as error:
            self._error(str(error))
        else:
            self._message = ""
            if self.selected >= len(self.state.points()) or name in DATA_SETTINGS:
                self._close_stepper()
            if not 0 <= self.add_label < self.state.classes:
                self.add_label = min(self.add_label, self.state.classes - 1)
        self._sync_controls()
        self._push()
        self._status(force=True)

    def _show_changed(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.show = change["new"]
            self._push()

    def _label_changed(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None:
            self.add_label = change["new"]
            self._push()

    def _views_changed(self, change: dict[str, Any]) -> None:
        if change["old"] and not change["new"]:
            self.pause()

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A click on the plane (playground.js): pick, add or remove a point."""
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        if kind == "pick":
            self._safely(self.pick, content.get("index"))
        elif kind == "add":
            self._safely(self.add_point, content.get("x0"), content.get("x1"), self.add_label)
        elif kind == "remove":
            self._safely(self._remove_nearest, content.get("x0"), content.get("x1"))

    def _remove_nearest(self, x0: float, x1: float) -> None:
        index = self.state.nearest_point(x0, x1)
        if index is not None:
            self.remove_point(index)

    def _safely(self, action: Any, *args: Any) -> None:
        """Run what a button or a click asked for; an error goes to the status line."""
        try:
            action(*args)
        except Exception as error:  # noqa: BLE001 (shown to the learner)
            self._error(str(error))
        else:
            if self._message.startswith(("playground:", "training stopped")):
                self._message = ""
            self._status(force=True)

    def _close_stepper(self) -> None:
        self.selected = -1
        self.stepper_shown = None
        if self.widget is not None:
            self.side.children = []
            self.side.layout.display = "none"
            self._push()

    def _buttons(self) -> None:
        if self.widget is None:
            return
        playing = self.playing
        self.play_button.disabled = playing
        self.pause_button.disabled = not playing
        self.step_button.disabled = playing

    def _error(self, message: str) -> None:
        self._message = message
        self._status(force=True)

    def _status(self, force: bool = False) -> None:
        if self.widget is None:
            return
        now = time.perf_counter()
        if not force and now - self._status_at < STATUS_SECONDS:
            return
        self._status_at = now
        s = self.state
        engine = "compiled (numpy)" if s.compiled else "scalar engine"
        parts = [f"step {s.steps}", f"{s.loss} loss", engine]
        if self.playing or self._frames:
            parts.append(f"{self.updates_per_second:.1f} updates/s")
        text = html.escape(" · ".join(parts))
        if self._message:
            colour = "#b91c1c" if not self._message.startswith("note") else "#374151"
            text += f'<br><span style="color:{colour}">{html.escape(self._message)}</span>'
        self.status.value = f'<div class="sg-pg-status">{text}</div>'

    def _push(self) -> None:
        """Send the state's current frame to the views (nothing without widgets)."""
        if self.widget is None:
            return
        self.view.show = self.show
        self.view.frame = frame(self.state, self.show, self.add_label, self.selected)
        self.example.max = max(0, len(self.state.points()) - 1)

    def close(self) -> None:
        """Stop playing and close the widgets."""
        self.pause()
        if self.widget is not None:
            for child in [self.view, *self.controls.values(), self.widget]:
                child.close()

    # ---- showing -------------------------------------------------------------------------

    def __repr__(self) -> str:
        s = self.state
        sizes = " -> ".join(str(n) for n in [2, *s.model.nouts])
        h = s.history
        test = h.test_loss[-1]
        return (
            f"Playground({s.settings['data']}, {len(s.points())} points, {sizes} "
            f"{s.settings['activation']}, {s.loss} loss, {s.settings['optimizer']} lr "
            f"{s.settings['lr']:g}; step {s.steps}: train loss {h.train_loss[-1]:.4g}"
            + (f", test loss {test:.4g}" if test is not None else "")
            + ")"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget first, then a still picture of the views (PNG, with a line saying
        it is a still), then in words. Each viewer shows the first it can (see viz.display)."""
        data: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        if self.widget is not None:
            show_widget = self.widget._repr_mimebundle_  # None once the widget is closed
            widget = show_widget(**kwargs) if callable(show_widget) else None
            if widget and WIDGET_MIME in widget:
                data[WIDGET_MIME] = widget[WIDGET_MIME]
        note = STILL_NOTE.format(step=self.state.steps)
        if self.missing:
            note += f" ({self.missing.split(':')[0]})"
        still = still_png(self.state, note, self.show)
        if still is not None:
            raster, (width, height) = still
            data["image/png"] = base64.b64encode(raster).decode("ascii")
            metadata["image/png"] = {"width": width, "height": height}
        words = [repr(self), note]
        if self.missing:
            words.append(self.missing)
        data["text/plain"] = "\n".join(words)
        return data, metadata


def playground(model: Any = None, data: str = "moons", **settings: Any) -> Playground:
    """The training playground (see ``viz.playground_widget``): display it in Jupyter and
    press play. Every control is also a keyword: ``data`` ("moons", "circles", "xor",
    "spirals", "blobs"), ``points``, ``noise``, ``test_fraction``, ``classes``, ``hidden``
    (layer widths), ``activation``, ``loss``, ``optimizer`` ("sgd", "momentum", "adam"),
    ``lr``, ``batch_size`` (None: all), ``l2`` (adds l2 * sum w^2 to the loss), ``seed``,
    ``compile`` (train with numpy, ``nn.compile_loss``), ``show`` ("weights" or "grads":
    what the network's lines show) and ``add_label`` (the class a click on the plane adds).
    ``model``: your own ``nn.MLP`` (2 inputs) to train instead of a new one."""
    return Playground(model, data, **settings)
