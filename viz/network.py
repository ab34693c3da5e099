"""``draw_network``: an MLP as circles in columns, one line per weight.

Colour = sign (blue positive, red negative), width = |weight| (or |grad|) relative to the
largest one. The figure is a ``matplotlib.figure.Figure`` made without pyplot (no GUI backend
is needed: it saves through Agg), and shows itself as a PNG in Jupyter (``viz.figure``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
    from matplotlib.lines import Line2D

    from .figure import InlineFigure

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
    fig = InlineFigure(figsize=(2.2 + 2.0 * len(sizes), 1.5 + 0.32 * tallest), layout="constrained")
    ax = fig.add_subplot()
    for c, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                t = abs(amount(w)) / largest
                ax.plot(
                    [c, c + 1],
                    [columns[c][k], columns[c + 1][j]],
                    color=POSITIVE if amount(w) >= 0 else NEGATIVE,
                    linewidth=0.25 + 3.5 * t,
                    alpha=0.25 + 0.75 * t,
                    solid_capstyle="round",
                    zorder=1,
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
    return fig
