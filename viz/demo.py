"""``write_demo_pictures``: every picture of a trained model, into one directory.

graph.svg (the graph of one example's loss, one box per neuron), steps.html (the first
neuron's forward and backward pass, step by step), network.svg (the weights), loss.png (the
training history) and boundary.png (the decision boundary). Every file is written atomically,
and the model's gradients are left as they were.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from autograd import Value

from .files import write_atomic
from .graph import draw_graph
from .network import draw_network
from .plots import plot_decision_boundary, plot_history
from .steps_html import save_steps_html

PICTURES = ("graph.svg", "steps.html", "network.svg", "loss.png", "boundary.png")


def example_loss(model: Any, x: Any, target: Any) -> Value:
    """One example's loss with labelled inputs ``x0, x1, ...``: the hinge loss
    relu(1 - y * out) for one output (labels 0/1 or -1/+1), cross-entropy for several."""
    inputs = [Value(float(v), label=f"x{k}") for k, v in enumerate(x)]
    output = model(inputs)
    if isinstance(output, Value):
        sign = 1.0 if float(target) > 0 else -1.0
        loss = (1.0 - sign * output).relu()
    else:
        from nn import cross_entropy

        loss = cross_entropy(output, int(target))
    loss.label = "loss"
    return loss


def _figure_bytes(fig: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


def write_demo_pictures(
    model: Any, X: Any, y: Any, history: Any, out_dir: str | os.PathLike[str]
) -> list[Path]:
    """Write the five pictures into ``out_dir`` (created if needed); returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        for p in params:
            p.grad = 0.0
        loss = example_loss(model, X[0], y[0])
        loss.backward()
        graph = draw_graph(loss, group="module", collapse=True)
        write_atomic(out / "graph.svg", graph.pipe(format="svg"))
        neuron = model.layers[0].neurons[0]
        inputs = [Value(float(v), label=f"x{k}") for k, v in enumerate(X[0])]
        out_value = neuron(inputs)
        out_value.label = "out"
        save_steps_html(out_value, out / "steps.html")
        write_atomic(out / "network.svg", _figure_bytes(draw_network(model), "svg"))
    finally:
        for p, g in zip(params, saved):
            p.grad = g
    write_atomic(out / "loss.png", _figure_bytes(plot_history(history), "png"))
    write_atomic(out / "boundary.png", _figure_bytes(plot_decision_boundary(model, X, y), "png"))
    return [out / name for name in PICTURES]
