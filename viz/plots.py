"""Figures: ``draw_network``, ``plot_history`` and ``plot_decision_boundary``.

Each is a matplotlib ``Figure`` made without pyplot: it needs no GUI backend, saves through
Agg (``fig.savefig("loss.png")``) and shows itself as a PNG picture in Jupyter, with or
without ``%matplotlib inline`` (``new_figure``). matplotlib is imported only inside the
functions that draw.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value, no_grad

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# ---- figures that show themselves in Jupyter ------------------------------------------------
# A plain Figure made without pyplot displays in Jupyter only as the text "<Figure size 550x360
# with 1 Axes>", unless %matplotlib inline (or an import of matplotlib.pyplot) has told IPython
# how to draw figures. InlineFigure adds _repr_png_, IPython's rich display method for PNG:
# the last expression of a cell, or display(fig), then shows the picture with no pyplot state.
# When the inline backend *is* active, its registered formatter takes precedence (IPython asks
# formatters registered for a type first), so the figure is still drawn once.


@functools.cache
def _inline_figure_class() -> type[Figure]:
    from matplotlib.figure import Figure

    class InlineFigure(Figure):
        """A ``Figure`` with ``_repr_png_``: shown as an image when displayed in Jupyter."""

        def _repr_png_(self) -> bytes:
            """The figure as PNG bytes at its own dpi: width = figwidth * dpi pixels,
            whatever ``rcParams["savefig.dpi"]`` says (a kernel's may differ)."""
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=self.dpi)
            return buffer.getvalue()

    return InlineFigure


def new_figure(**kwargs: Any) -> Figure:
    """``matplotlib.figure.Figure(**kwargs)`` that shows itself as a PNG in Jupyter."""
    return _inline_figure_class()(**kwargs)


# ---- draw_network -------------------------------------------------------------------------
# An MLP as circles in columns, one line per weight. Colour = sign (blue positive, red
# negative), width = |weight| (or |grad|) relative to the largest one.

POSITIVE, NEGATIVE = "#2563eb", "#dc2626"


def _layers(model: Any) -> list[Any]:
    """The model's layers (``model.layers``), or a single layer (``.neurons``) as one."""
    if hasattr(model, "layers"):
        return list(model.layers)
    if hasattr(model, "neurons"):
        return [model]
    raise TypeError(
        f"draw_network: expected an MLP (with .layers) or a Layer (with .neurons), "
        f"got {type(model).__name__}"
    )


def _column(n: int) -> list[float]:
    """n heights centred on 0, one unit apart."""
    return [(n - 1) / 2 - k for k in range(n)]


def draw_network(model: Any, show: str = "weights") -> Figure:
    """The network with every weight (``show="weights"``) or its gradient (``"grads"``)."""
    if show not in ("weights", "grads"):
        raise ValueError(f"draw_network: show must be 'weights' or 'grads', got {show!r}")
    layers = _layers(model)
    sizes = [len(layers[0].neurons[0].w), *(len(layer.neurons) for layer in layers)]
    fig = new_figure(
        figsize=(2.2 + 2.0 * len(sizes), 1.5 + 0.32 * max(sizes)), layout="constrained"
    )
    network_on(fig.add_subplot(), model, show)
    return fig


def network_on(ax: Any, model: Any, show: str = "weights") -> None:
    """``draw_network``'s picture drawn into the matplotlib axes ``ax``: one line per weight
    (a ``LineCollection``, the first of ``ax.collections``), a column of circles per layer."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    if show not in ("weights", "grads"):
        raise ValueError(f"draw_network: show must be 'weights' or 'grads', got {show!r}")
    layers = _layers(model)
    nin = len(layers[0].neurons[0].w)
    sizes = [nin, *(len(layer.neurons) for layer in layers)]
    columns = [_column(n) for n in sizes]

    def amount(p: Any) -> float:
        return p.data if show == "weights" else p.grad

    largest = (
        max(
            (abs(amount(w)) for layer in layers for neuron in layer.neurons for w in neuron.w),
            default=0.0,
        )
        or 1.0
    )
    tallest = max(sizes)
    segments, colours, widths = [], [], []
    for c, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                t = abs(amount(w)) / largest
                segments.append([(c, columns[c][k]), (c + 1, columns[c + 1][j])])
                colours.append(to_rgba(POSITIVE if amount(w) >= 0 else NEGATIVE, 0.25 + 0.75 * t))
                widths.append(0.25 + 3.5 * t)
    # one artist for every weight (quicker to draw than a line each), in the order
    # layer, neuron, input; its label says what it is
    ax.add_collection(
        LineCollection(segments, colors=colours, linewidths=widths, capstyle="round", zorder=1,
                       label="weights" if show == "weights" else "grads"),
        autolim=False,
    )
    for c, heights in enumerate(columns):
        ax.scatter(
            [c] * len(heights),
            heights,
            s=160,
            facecolor="white",
            edgecolor="#111827",
            linewidth=1.2,
            zorder=2,
        )
    for k, height in enumerate(columns[0]):  # the inputs' names, as in draw_graph's pictures
        ax.text(-0.09, height, f"x{k}", ha="right", va="center", fontsize="small")
    for c, heights in enumerate(columns[1:], start=1):  # neuron k of a layer, top to bottom
        for k, height in enumerate(heights):
            ax.text(c, height, str(k), ha="center", va="center", fontsize=6, zorder=3)
    labels = [f"input\n{nin}"] + [
        f"{getattr(layer, 'name', '') or f'layer {c + 1}'}\n"
        f"{len(layer.neurons)} {layer.neurons[0].activation}"
        for c, layer in enumerate(layers)
    ]
    ax.set_xticks(range(len(sizes)), labels)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-tallest / 2 - 0.2, tallest / 2 + 0.2)
    what = "weights" if show == "weights" else "gradients dL/dw"
    ax.set_title(
        f"{what}: colour = sign, width = magnitude (largest |{show[:-1]}| = {largest:.3g})"
    )
    ax.set_xlabel("layer")
    ax.legend(
        handles=[
            Line2D([], [], color=POSITIVE, lw=2.5, label="positive"),
            Line2D([], [], color=NEGATIVE, lw=2.5, label="negative"),
        ],
        loc="upper right",
        bbox_to_anchor=(1.0, 1.0),
        fontsize="small",
        frameon=False,
    )


# ---- training history and decision boundary -----------------------------------------------

CLASS_COLOURS = ("#dc2626", "#2563eb", "#16a34a", "#d97706", "#7c3aed", "#0891b2")


def _series(history: Any, *names: str) -> list[float]:
    """The first of ``names`` that ``history`` has (attribute or key), as a list."""
    for name in names:
        value = history.get(name) if isinstance(history, dict) else getattr(history, name, None)
        if value is not None:
            return [float(v) for v in value]
    return []


def _loss_scale(values: Sequence[float]) -> tuple[str, float]:
    """``("linear", 0)`` unless the positive losses span more than 30x; then ``("log", 0)``,
    or, when some losses are 0 (a hinge loss is exactly 0 once every example in the batch
    clears the margin), ``("symlog", threshold)``: log above the threshold, linear below it
    down to 0, so that the zeros sit on the axis instead of vanishing. The threshold is the
    power of ten at or below the smallest positive loss."""
    positive = [v for v in values if v > 0]
    if not positive or max(positive) / min(positive) <= 30:
        return ("linear", 0.0)
    if len(positive) == len(values):
        return ("log", 0.0)
    return ("symlog", 10.0 ** math.floor(math.log10(min(positive))))


def plot_history(history: Any) -> Figure:
    """Loss per epoch (and per step, faintly, when there were several steps an epoch) and,
    when recorded, accuracy per epoch. ``history`` is ``nn.History`` or a dict of lists."""
    from matplotlib.ticker import MaxNLocator

    loss = _series(history, "epoch_loss", "loss")
    if not loss:
        raise ValueError("plot_history: the history has no losses (epoch_loss is empty)")
    steps = _series(history, "step_loss")
    acc = _series(history, "epoch_accuracy", "accuracy")
    fig = new_figure(figsize=(9.5 if acc else 5.5, 3.6), layout="constrained")
    axes = fig.subplots(1, 2 if acc else 1, squeeze=False, sharex=True)[0]
    ax = axes[0]
    epochs = range(1, len(loss) + 1)
    if len(steps) > len(loss):
        per_epoch = len(steps) / len(loss)
        ax.plot(
            [(s + 1) / per_epoch for s in range(len(steps))],
            steps,
            color="#93c5fd",
            linewidth=0.8,
            label="each step",
        )
    ax.plot(epochs, loss, color="#1d4ed8", linewidth=2, label="epoch mean")
    scale, threshold = _loss_scale(loss + steps)
    if scale == "log":
        ax.set_yscale("log")
    elif scale == "symlog":
        ax.set_yscale("symlog", linthresh=threshold)
        if min(loss + steps) == 0.0:
            ax.set_ylim(bottom=0.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # whole epochs
    ax.set_xlabel("epoch")
    ax.set_ylabel(
        {
            "linear": "loss",
            "log": "loss (log scale)",
            "symlog": f"loss (log scale above {threshold:g})",
        }[scale]
    )
    ax.set_title(f"training loss (last {loss[-1]:.4g})")
    ax.grid(alpha=0.3)
    if len(steps) > len(loss):
        ax.legend(loc="lower left", framealpha=0.9)
    if acc:
        ax = axes[1]
        ax.plot(range(1, len(acc) + 1), [100 * a for a in acc], color="#15803d", linewidth=2)
        ax.set_ylim(0, 101)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax.set_title(f"training accuracy (last {100 * acc[-1]:.1f}%)")
        ax.grid(alpha=0.3)
    return fig


def _threshold(model: Any) -> float:
    """Where one output splits two classes: 0.5 after a sigmoid, else 0."""
    return 0.5 if getattr(model, "output_activation", "linear") == "sigmoid" else 0.0


@no_grad()
def _scores(model: Any, points: Sequence[tuple[float, float]]) -> list[float | list[float]]:
    """The model's output at each point, under no_grad (no graph is recorded)."""
    out: list[float | list[float]] = []
    for x0, x1 in points:
        y = model([x0, x1])
        out.append(y.data if isinstance(y, Value) else [v.data for v in y])
    return out


@functools.cache
def _sign_cmap() -> Any:
    """Red (class 0, negative) .. white .. blue (class 1, positive): ``CLASS_COLOURS[0]``
    and ``[1]``, which are ``NEGATIVE`` and ``POSITIVE``."""
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("stepgrad_sign", [NEGATIVE, "#ffffff", POSITIVE])
    return cmap.with_extremes(bad=(1.0, 1.0, 1.0, 0.0))  # nan: nothing drawn


def centred_norm(values: Any, centre: float = 0.0) -> Any:
    """A colour scale with white exactly at ``centre`` (a threshold), so that the colour's
    side says on which side of it a value is: ``TwoSlopeNorm(centre, min, max)`` when the
    values lie on both sides (each side saturates at its own extreme), else the range
    mirrored about the centre, centre +- max |value - centre| (nan ignored)."""
    import numpy as np
    from matplotlib.colors import Normalize, TwoSlopeNorm

    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    low = float(finite.min()) if finite.size else centre
    high = float(finite.max()) if finite.size else centre
    if low < centre < high:
        return TwoSlopeNorm(vcenter=centre, vmin=low, vmax=high)
    span = max(abs(low - centre), abs(high - centre)) or 1.0
    return Normalize(vmin=centre - span, vmax=centre + span)


def _class_image(scores: Any) -> Any:
    """RGBA pixels of a (rows, columns, classes) score grid: the colour of the class with the
    highest score (the first of equal ones, as ``predictions``), from faint (the softmax
    of the winner is 1/classes) to stronger (it is 1); nothing where a score is nan."""
    import numpy as np
    from matplotlib.colors import to_rgb

    k = scores.shape[2]
    bad = np.isnan(scores).any(axis=2)
    safe = np.where(np.isnan(scores), -np.inf, scores)
    best = np.argmax(safe, axis=2)
    with np.errstate(all="ignore"):
        shifted = safe - safe.max(axis=2, keepdims=True)
        winner = 1.0 / np.exp(shifted).sum(axis=2)  # softmax of the highest score
    confidence = np.clip(np.nan_to_num((winner - 1 / k) / (1 - 1 / k)), 0.0, 1.0)
    palette = np.array([to_rgb(CLASS_COLOURS[c % len(CLASS_COLOURS)]) for c in range(k)])
    rgba = np.ones((*best.shape, 4))
    rgba[..., :3] = palette[best]
    rgba[..., 3] = np.where(bad, 0.0, 0.2 + 0.35 * confidence)
    return rgba


def scores_on(ax: Any, xs: Any, ys: Any, scores: Any, threshold: float = 0.0) -> Any:
    """The model's outputs over a grid drawn into ``ax`` as an image: ``scores[i, j, o]`` is
    output o at (xs[j], ys[i]). One output: coloured by its side of ``threshold`` (red: at or
    below, class 0; blue: above, class 1; white on it; see ``centred_norm``) with the
    boundary where it crosses; returns the image, for a colour bar. Several outputs: each
    point in the colour of the class whose output is the highest, and the borders between
    the classes; returns None."""
    import numpy as np

    extent = (xs[0], xs[-1], ys[0], ys[-1])
    if scores.shape[2] > 1:  # one score per class: the highest wins
        ax.imshow(_class_image(scores), origin="lower", extent=extent, aspect="auto",
                  interpolation="nearest")
        flat = scores.reshape(-1, scores.shape[2])
        for c in range(flat.shape[1]):
            # margin of class c over the best other class: > 0 where c wins, 0 on its border
            others = np.delete(flat, c, axis=1).max(axis=1)
            margin = (flat[:, c] - others).reshape(scores.shape[:2])
            if np.nanmax(margin, initial=-np.inf) > 0 and np.nanmin(margin, initial=0.0) < 0:
                ax.contour(xs, ys, margin, levels=[0], colors="#111827", linewidths=1.2)
        return None
    zz = scores[:, :, 0]
    image = ax.imshow(
        zz, origin="lower", extent=extent, aspect="auto", cmap=_sign_cmap(),
        norm=centred_norm(zz, threshold), alpha=0.6, interpolation="bilinear",
        interpolation_stage="data",
    )
    if np.nanmin(zz, initial=np.inf) <= threshold < np.nanmax(zz, initial=-np.inf):
        ax.contour(xs, ys, zz, levels=[threshold], colors="#111827", linewidths=1.8)
    return image


def plot_decision_boundary(
    model: Any, X: Any, y: Any, resolution: int = 60, highlight: int | None = None
) -> Figure:
    """The model's output over a ``resolution`` x ``resolution`` grid around the data, the
    decision boundary, and the points coloured by class. One output: the boundary is where
    it crosses the threshold (0, or 0.5 after a sigmoid); several outputs: the highest wins.
    ``highlight`` rings one example (e.g. the one whose graph is drawn)."""
    import numpy as np

    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"plot_decision_boundary: X must have shape (n, 2) and y n labels, got X {X.shape}, "
            f"y {y.shape}"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(
            f"plot_decision_boundary: resolution must be an int >= 2, got {resolution!r}"
        )
    if highlight is not None and (
        isinstance(highlight, bool) or not isinstance(highlight, int) or not 0 <= highlight < len(X)
    ):
        raise ValueError(
            f"plot_decision_boundary: highlight must be an example index in 0..{len(X) - 1}, "
            f"got {highlight!r}"
        )
    pad = 0.1 * max(np.ptp(X[:, 0]), np.ptp(X[:, 1]), 1e-9) + 0.25
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = _scores(model, list(zip(gx.ravel().tolist(), gy.ravel().tolist())))
    point_scores = _scores(model, [(float(a), float(b)) for a, b in X])
    classes = sorted(set(y.tolist()))
    fig = new_figure(figsize=(6.2, 5.0), layout="constrained")
    ax = fig.add_subplot()
    threshold = _threshold(model)
    scores = np.array(grid, dtype=float).reshape(*gx.shape, -1)  # (rows, columns, outputs)
    image = scores_on(ax, xs, ys, scores, threshold)
    if image is not None:
        fig.colorbar(image, ax=ax, label=f"model output (class 1 above {threshold:g})")
    if isinstance(grid[0], list):  # one score per class: the highest wins
        predicted = [int(np.argmax(s)) for s in point_scores]
        correct = np.mean([p == t for p, t in zip(predicted, y.tolist())])
    else:
        predicted = [s > threshold for s in point_scores]
        correct = np.mean([p == (t > 0) for p, t in zip(predicted, y.tolist())])
    for c in classes:
        mask = y == c
        colour = CLASS_COLOURS[(classes.index(c) if len(classes) <= 2 else int(c)) % 6]
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=22,
            color=colour,
            edgecolor="white",
            linewidth=0.6,
            label=f"class {c}",
            zorder=3,
        )
    if highlight is not None:
        ax.scatter(
            [X[highlight, 0]],
            [X[highlight, 1]],
            s=160,
            facecolor="none",
            edgecolor="#111827",
            linewidth=1.8,
            label=f"example #{highlight}",
            zorder=4,
        )
    ax.set_xlabel("x0")  # the names the other pictures use
    ax.set_ylabel("x1")
    ax.set_title(f"decision boundary (training accuracy {100 * correct:.1f}%)")
    ax.legend(loc="best", fontsize="small", framealpha=0.8)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    return fig


# ---- a network's outputs over the input plane, with numpy ----------------------------------
# The neuron maps and the playground's boundary evaluate the network at thousands of points;
# one Value per number would take seconds. These read the weights' numbers and run the same
# arithmetic on numpy arrays: z = 0.0 + w_0 x_0 + w_1 x_1 + ... (left to right, as the
# engine's dot node) + b, then the activation.


def _activate(name: str, z: Any) -> Any:
    """relu, tanh, sigmoid or linear of an array, as the engine computes them on a number:
    relu(z) = z if not z <= 0 else 0 (nan passes), sigmoid(z) = 1 / (1 + e^-z)."""
    import numpy as np

    if name == "relu":
        return np.where(z <= 0.0, 0.0, z)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        with np.errstate(over="ignore"):  # e^-z = inf gives 0, as the engine's sigmoid
            return 1.0 / (1.0 + np.exp(-z))
    if name == "linear":
        return z
    raise ValueError(f"unknown activation {name!r}")


def layer_weights(model: Any) -> list[tuple[Any, Any, str]]:
    """Each layer's (W, b, activation) as numpy arrays: W[j, k] is neuron j's weight on
    input k, b[j] its bias."""
    import numpy as np

    return [
        (
            np.array([[w.data for w in n.w] for n in layer.neurons], dtype=np.float64),
            np.array([n.b.data for n in layer.neurons], dtype=np.float64),
            layer.neurons[0].activation,
        )
        for layer in _layers(model)
    ]


def layer_outputs(model: Any, X: Any, weights: list[tuple[Any, Any, str]] | None = None) -> list[Any]:
    """Every layer's outputs at the rows of ``X`` (shape (n, nin)), as arrays of shape
    (n, layer width): the same numbers as ``model(x)`` gives, row by row (tanh and the
    exponential are numpy's, which may differ from math's in the last bit)."""
    import numpy as np

    h = np.asarray(X, dtype=np.float64)
    outs = []
    for W, b, activation in layer_weights(model) if weights is None else weights:
        if h.ndim != 2 or h.shape[1] != W.shape[1]:
            raise ValueError(
                f"layer_outputs: X must have shape (n, {W.shape[1]}), got {h.shape}"
            )
        z = np.zeros((len(h), len(W)))
        for k in range(W.shape[1]):  # 0.0 + w_0 x_0 + w_1 x_1 + ..., in the dot node's order
            z = z + h[:, k : k + 1] * W[:, k]
        h = _activate(activation, z + b)
        outs.append(h)
    return outs


def plane_bounds(X: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x0 low, x0 high), (x1 low, x1 high)): the points' box with a margin of a tenth of
    its larger side plus 0.25 (``plot_decision_boundary``'s plane)."""
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    pad = 0.1 * max(np.ptp(X[:, 0]), np.ptp(X[:, 1]), 1e-9) + 0.25
    return (
        (float(X[:, 0].min() - pad), float(X[:, 0].max() + pad)),
        (float(X[:, 1].min() - pad), float(X[:, 1].max() + pad)),
    )


def grid_outputs(
    model: Any, bounds: Any, resolution: int
) -> tuple[Any, Any, list[Any]]:
    """(xs, ys, outputs): ``resolution`` coordinates along each side of the plane ``bounds``
    ((x0 low, x0 high), (x1 low, x1 high)) and every layer's outputs on that grid, each an
    array of shape (resolution, resolution, width) whose [i, j] is at (xs[j], ys[i])."""
    import numpy as np

    (a0, b0), (a1, b1) = bounds
    xs, ys = np.linspace(a0, b0, resolution), np.linspace(a1, b1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    outs = layer_outputs(model, np.stack([gx.ravel(), gy.ravel()], axis=1))
    return xs, ys, [h.reshape(resolution, resolution, h.shape[1]) for h in outs]


# ---- plot_neuron_maps: what each neuron responds to --------------------------------------


def _check_plane(who: str, model: Any, X: Any, y: Any, bounds: Any, resolution: Any) -> tuple:
    """(layers, X array or None, y array or None, bounds) after checking every argument."""
    import numpy as np

    layers = _layers(model)
    nin = len(layers[0].neurons[0].w)
    if nin != 2:
        raise ValueError(f"{who}: the model must take 2 inputs (a plane), it takes {nin}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 400:
        raise ValueError(f"{who}: resolution must be an int from 2 to 400, got {resolution!r}")
    if X is not None:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0 or not np.isfinite(X).all():
            raise ValueError(f"{who}: X must be finite points of shape (n, 2), got {X.shape}")
        if y is not None:
            y = np.asarray(y)
            if y.shape != (len(X),):
                raise ValueError(f"{who}: y must have one label per point, got {y.shape}")
    elif y is not None:
        raise ValueError(f"{who}: y without X")
    if bounds is None:
        bounds = plane_bounds(X) if X is not None else ((-2.0, 2.0), (-2.0, 2.0))
    try:
        (a0, b0), (a1, b1) = bounds
        ok = all(math.isfinite(v) for v in (a0, b0, a1, b1)) and a0 < b0 and a1 < b1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{who}: bounds must be ((x0 low, x0 high), (x1 low, x1 high)) with low < high, "
            f"got {bounds!r:.100}"
        )
    return layers, X, y, ((float(a0), float(b0)), (float(a1), float(b1)))


def _point_colours(y: Any) -> list[str]:
    return [CLASS_COLOURS[int(c) % len(CLASS_COLOURS)] for c in y.tolist()]


def neuron_maps_on(
    fig: Any, model: Any, xs: Any, ys: Any, outs: list[Any], X: Any = None, y: Any = None,
    threshold: float = 0.0, heading: float = 0.5,
) -> list[list[Any]]:
    """One small heat map per neuron of the layers in ``outs`` (``grid_outputs``' arrays),
    drawn into the figure (or subfigure) ``fig`` as columns, neuron 0 at the top of each
    (as ``draw_network`` draws them). Blue = positive, red = negative, white = 0 (0.5 after
    a sigmoid), each map on its own scale. Returns the axes, by layer; each axes' label is
    the neuron's name."""
    # placed by hand (constrained layout leaves axes made by add_axes alone): a column per
    # layer, a cell per neuron, each map the plane's shape, a shorter column centred
    tallest = max(h.shape[2] for h in outs)
    width, height = fig.bbox.width / fig.dpi, fig.bbox.height / fig.dpi  # inches
    margin = 0.1  # inches; ``heading``: inches above the maps for the titles
    cell_w = (width - 2 * margin) / len(outs)
    cell_h = (height - heading - margin) / tallest
    shape = (ys[-1] - ys[0]) / (xs[-1] - xs[0])  # height / width of the plane
    map_h = max(0.05, min(0.86 * cell_h, 0.86 * cell_w * shape))
    map_w = map_h / shape
    extent = (xs[0], xs[-1], ys[0], ys[-1])
    colours = _point_colours(y) if X is not None and y is not None else None
    layers = _layers(model)
    last = len(layers) - 1
    axes = []
    for c, h in enumerate(outs):
        layer = layers[c]
        activation = layer.neurons[0].activation
        centre = 0.5 if activation == "sigmoid" else 0.0
        first = heading + (tallest - h.shape[2]) * cell_h / 2  # inches below the top
        column = []
        for j in range(h.shape[2]):
            left = margin + cell_w * (c + 0.5) - map_w / 2
            bottom = height - first - cell_h * j - (cell_h + map_h) / 2
            ax = fig.add_axes((left / width, bottom / height, map_w / width, map_h / height))
            values = h[:, :, j]
            span = float(abs(values - centre).max()) if values.size else 0.0
            span = span if math.isfinite(span) and span > 0 else 1.0
            ax.imshow(
                values, origin="lower", extent=extent, cmap=_sign_cmap(), vmin=centre - span,
                vmax=centre + span, aspect="auto", interpolation="nearest",
            )
            if c == last and h.shape[2] == 1 and values.min() < threshold < values.max():
                ax.contour(xs, ys, values, levels=[threshold], colors="#111827", linewidths=1)
            if X is not None:
                ax.scatter(X[:, 0], X[:, 1], s=2, c=colours or "#111827", linewidths=0)
            ax.set_xlim(xs[0], xs[-1])
            ax.set_ylim(ys[0], ys[-1])
            ax.set_xticks([])
            ax.set_yticks([])
            ax.text(0.04, 0.96, str(j), transform=ax.transAxes, ha="left", va="top",
                    fontsize=6, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "lw": 0})
            name = getattr(layer, "name", "") or f"layer {c + 1}"
            ax.set_label(f"{name}.neurons.{j}")
            if j == 0:
                role = "output" if c == last else "hidden"
                ax.set_title(f"{name}\n{activation} ({role})", fontsize="small")
            column.append(ax)
        axes.append(column)
    return axes


def plot_neuron_maps(
    model: Any,
    X: Any = None,
    y: Any = None,
    *,
    bounds: Any = None,
    resolution: int = 30,
    output: bool = True,
) -> Figure:
    """A small heat map per neuron: its output over the input plane (x0 across, x1 up),
    laid out as the network, one column per layer (the output layer too, unless
    ``output=False``). ``X``/``y``: points drawn on every map (and the plane around them);
    ``bounds``: the plane ((x0 low, x0 high), (x1 low, x1 high)) instead. Each map is on its
    own colour scale: blue positive, red negative, white 0 (0.5 after a sigmoid)."""
    layers, X, y, bounds = _check_plane("plot_neuron_maps", model, X, y, bounds, resolution)
    columns = len(layers) if output else len(layers) - 1
    if columns == 0:
        raise ValueError("plot_neuron_maps: the model has no hidden layer (and output=False)")
    xs, ys, outs = grid_outputs(model, bounds, resolution)
    tallest = max(len(layer.neurons) for layer in layers[:columns])
    fig = new_figure(figsize=(0.4 + 1.5 * columns, 0.9 + 1.2 * tallest))
    neuron_maps_on(fig, model, xs, ys, outs[:columns], X, y, _threshold(model), heading=0.8)
    fig.suptitle("each neuron's output over the plane (x0 across, x1 up)", fontsize="medium")
    return fig


# ---- plot_playground: the playground's views as one still picture ------------------------


def _points_on(ax: Any, points: list[tuple[float, float, int, str]]) -> None:
    """Training points filled, test points hollow, coloured by class; a legend of the
    classes and one entry for the hollow test points."""
    import numpy as np
    from matplotlib.lines import Line2D

    if not points:
        return
    X = np.array([(p[0], p[1]) for p in points], dtype=float)
    labels = np.array([p[2] for p in points])
    test = np.array([p[3] == "test" for p in points])
    for c in sorted(set(labels.tolist())):
        colour = CLASS_COLOURS[int(c) % len(CLASS_COLOURS)]
        train_mask, test_mask = (labels == c) & ~test, (labels == c) & test
        if train_mask.any():
            ax.scatter(X[train_mask, 0], X[train_mask, 1], s=22, color=colour,
                       edgecolor="white", linewidth=0.6, label=f"class {c}", zorder=3)
        if test_mask.any():  # in the legend only when the class has no training point
            ax.scatter(X[test_mask, 0], X[test_mask, 1], s=26, color="white", edgecolor=colour,
                       linewidth=1.4, zorder=3,
                       label=f"{'_' * bool(train_mask.any())}class {c} (test)")
    handles, names = ax.get_legend_handles_labels()
    if test.any():
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                              markeredgecolor="#6b7280", markeredgewidth=1.4))
        names.append("hollow: test")
    ax.legend(handles, names, loc="best", fontsize="x-small", framealpha=0.8,
              ncols=2 if len(names) > 5 else 1)


def _curves_on(axes: Any, history: Any) -> None:
    """Train and test loss, and accuracy, per step (a marker on each entry while there are
    few: a single entry, before the first step, is a point, not an empty plot), on whole
    steps from 0."""
    from matplotlib.ticker import MaxNLocator

    steps = list(history.step)
    marker = "o" if len(steps) <= 20 else None
    loss_ax, acc_ax = axes
    for name, colour in (("train", "#1d4ed8"), ("test", "#d97706")):
        loss = getattr(history, f"{name}_loss")
        acc = getattr(history, f"{name}_accuracy")
        if any(v is not None for v in loss):
            loss_ax.plot(steps, [math.nan if v is None else v for v in loss], color=colour,
                         linewidth=1.6, label=name, marker=marker, markersize=4)
            acc_ax.plot(steps, [math.nan if v is None else 100 * v for v in acc], color=colour,
                        linewidth=1.6, label=name, marker=marker, markersize=4)
    known = [v for v in history.train_loss + history.test_loss if v is not None]
    scale, threshold = _loss_scale(known)
    if scale == "log":
        loss_ax.set_yscale("log")
    elif scale == "symlog":
        loss_ax.set_yscale("symlog", linthresh=threshold)
    last = history.train_loss[-1] if history.train_loss else math.nan
    loss_ax.set_title(f"loss (train {last:.4g})")
    loss_ax.set_xlabel("step")
    acc_ax.set_xlabel("step")
    acc_ax.set_ylim(0, 101)
    acc_ax.set_ylabel("accuracy (%)")
    acc = history.train_accuracy[-1] if history.train_accuracy else math.nan
    acc_ax.set_title(f"accuracy (train {100 * acc:.1f}%)")
    first, end = (steps[0], steps[-1]) if steps else (0, 0)
    end = max(end, first + 1)  # at least one step wide: whole-number ticks, not -0.045..0.045
    pad = 0.03 * (end - first)
    for ax in axes:
        ax.set_xlim(first - pad, end + pad)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")


def _maps_on(ax: Any, model: Any, xs: Any, ys: Any, outs: list[Any], threshold: float) -> None:
    """Every neuron's map (its output over the plane, ``grid_outputs``' arrays ``outs``) in
    the one axes ``ax``, laid out as the network: a column per layer, neuron 0 at the top, a
    shorter column centred. Each map is an image labelled with the neuron's name
    ("layers.0.neurons.3"), on its own scale: blue positive, red negative, white 0 (0.5
    after a sigmoid); the one output's map has the decision boundary drawn."""
    import numpy as np
    from matplotlib.collections import PatchCollection

    layers = _layers(model)
    last = len(layers) - 1
    tallest = max(h.shape[2] for h in outs)
    shape = (ys[-1] - ys[0]) / (xs[-1] - xs[0])  # height / width of the plane
    # the axes' units are inches: the maps keep the plane's shape whatever the axes' size
    bbox = ax.get_position()
    fig = ax.get_figure()
    width = bbox.width * fig.get_figwidth()
    height = bbox.height * fig.get_figheight()
    heading = 0.45  # inches above the maps for the layers' titles
    cell_w, cell_h = width / len(outs), (height - heading) / tallest
    map_h = max(0.05, min(0.86 * cell_h, 0.8 * cell_w * shape))
    map_w = map_h / shape
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    frames = []
    for c, h in enumerate(outs):
        layer = layers[c]
        activation = layer.neurons[0].activation
        centre = 0.5 if activation == "sigmoid" else 0.0
        name = getattr(layer, "name", "") or f"layer {c + 1}"
        left = cell_w * (c + 0.5) - map_w / 2
        first = heading + (tallest - h.shape[2]) * cell_h / 2  # inches below the top
        role = "output" if c == last else "hidden"
        ax.text(cell_w * (c + 0.5), height - heading + 0.05, f"{name}\n{activation} ({role})",
                ha="center", va="bottom", fontsize="small")
        for j in range(h.shape[2]):
            top = height - first - cell_h * j - (cell_h - map_h) / 2
            extent = (left, left + map_w, top - map_h, top)
            values = h[:, :, j]
            span = float(np.nanmax(np.abs(values - centre), initial=0.0))
            span = span if math.isfinite(span) and span > 0 else 1.0
            ax.imshow(values, origin="lower", extent=extent, cmap=_sign_cmap(),
                      vmin=centre - span, vmax=centre + span, aspect="auto",
                      interpolation="nearest", label=f"{name}.neurons.{j}")
            frames.append(_frame(extent))
            if c == last and h.shape[2] == 1 and (
                np.nanmin(values, initial=np.inf) <= threshold < np.nanmax(values, initial=-np.inf)
            ):
                ax.contour(np.linspace(extent[0], extent[1], len(xs)),
                           np.linspace(extent[2], extent[3], len(ys)), values,
                           levels=[threshold], colors="#111827", linewidths=1)
            ax.text(left - 0.04, top, str(j), ha="right", va="top", fontsize=6)
    ax.add_collection(PatchCollection(frames, match_original=True))
    ax.set_xlim(0, width)  # the images and contours widen the limits: back to inches
    ax.set_ylim(0, height)


def _frame(extent: tuple[float, float, float, float]) -> Any:
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = extent
    return Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#374151", lw=0.8)


def plot_playground(state: Any, resolution: int = 40, show: str = "weights") -> Figure:
    """The training playground as one still picture (what shows where widgets cannot): the
    decision boundary with the training (filled) and test (hollow) points, the loss and
    accuracy curves, each neuron's map laid out as the network, and the network diagram
    (``show``: "weights" or "grads"). ``state``: a ``viz.playground_state.PlaygroundState``
    (or the widget, through its ``.state``). Laid out by hand (no layout engine: it must be
    quick, it is drawn each time the playground is displayed)."""
    state = getattr(state, "state", state)
    for needed in ("model", "history", "points", "bounds", "steps", "threshold", "settings"):
        if not hasattr(state, needed):
            raise TypeError(
                f"plot_playground: expected a PlaygroundState, got {type(state).__name__}"
            )
    if show not in ("weights", "grads"):
        raise ValueError(f"plot_playground: show must be 'weights' or 'grads', got {show!r}")
    model = state.model
    _check_plane("plot_playground", model, None, None, state.bounds, resolution)
    xs, ys, outs = grid_outputs(model, state.bounds, resolution)
    points = state.points()
    h = state.history
    tallest = max(len(layer.neurons) for layer in model.layers)
    below = max(5.0, 1.5 + 0.45 * tallest)  # the maps and the diagram: room for each neuron
    W, H = 15.5, 5.0 + below
    fig = new_figure(figsize=(W, H))

    def place(left: float, bottom: float, width: float, height: float) -> Any:
        """Axes at a rectangle given in inches from the figure's bottom left corner."""
        return fig.add_axes((left / W, bottom / H, width / W, height / H))

    top = below + 0.55  # the upper row: the boundary, its colour bar, the curves
    row = 5.0 - 0.55 - 0.85
    ax = place(0.65, top, 4.55, row)
    image = scores_on(ax, xs, ys, outs[-1], state.threshold)
    if image is not None:
        fig.colorbar(image, cax=place(5.3, top, 0.16, row),
                     label=f"model output (class 1 above {state.threshold:g})")
    _points_on(ax, points)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x0")
    ax.set_ylabel("x1", labelpad=1)
    test_acc = h.test_accuracy[-1] if h.test_accuracy else None
    ax.set_title(
        f"step {state.steps}: decision boundary (train {100 * h.train_accuracy[-1]:.1f}%"
        + (f", test {100 * test_acc:.1f}%)" if test_acc is not None else ")"),
        fontsize="medium",
    )
    _curves_on([place(6.75, top, 3.9, row), place(11.4, top, 3.9, row)], h)
    small = grid_outputs(model, state.bounds, 24)
    maps = place(0.15, 0.2, 6.6, below - 0.7)
    _maps_on(maps, model, *small, threshold=state.threshold)
    maps.set_title("each neuron's output over the plane", fontsize="medium")
    network_on(place(7.6, 0.75, 7.7, below - 1.25), model, show)
    s = state.settings
    sizes = " -> ".join(str(n) for n in [model.nin, *model.nouts])
    fig.suptitle(
        f"playground: {s['data']}, {len(points)} points, {sizes} {model.activation}, "
        f"{getattr(state, 'loss', '')} loss, {s['optimizer']} lr {s['lr']:g}, step {state.steps}",
        y=1 - 0.3 / H,
    )
    return fig
