"""``write_demo_pictures``: every picture of a trained model, into one directory.

graph.svg (the graph of one example's loss, one box per neuron), steps.html (the same graph's
forward and backward pass, one neuron a step), network.svg (the weights),
loss.png (the training history) and boundary.png (the decision boundary, that example
ringed). Every file is written atomically, and the model's gradients are left as they were.
``write_backprop_code`` writes backprop.py: the code ``fit(compile=True)`` runs per example.

The example is the one the model gets most wrong (the largest loss), so that gradients flow
through the picture: an example the model already gets right with room to spare has hinge
loss 0, and every gradient in its graph is 0.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from autograd import Value, no_grad
from nn.files import write_atomic
from nn.losses import cross_entropy, hinge_loss, sign_labels

from .graph import draw_graph
from .page import save_steps_html
from .plots import draw_network, plot_decision_boundary, plot_history
from .style import number

PICTURES = ("graph.svg", "steps.html", "network.svg", "loss.png", "boundary.png")
BACKPROP = "backprop.py"


def loss_of(output: Value | list[Value], target: Any) -> Value:
    """One example's loss, as the demo trained it: ``nn.hinge_loss`` for one output (labels
    0/1 or -1/+1), ``nn.cross_entropy`` for several."""
    if isinstance(output, Value):
        return hinge_loss([output], [target])
    return cross_entropy(output, int(target))


def demo_loss(model: Any) -> str:
    """The loss the demo trains with: "hinge" for one output, "cross_entropy" for several."""
    return "hinge" if len(model.layers[-1].neurons) == 1 else "cross_entropy"


def write_backprop_code(model: Any, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``out_dir``/backprop.py: one example's loss compiled to straight-line Python
    (``nn.compile_loss``), the forward pass then the backward pass, one line per node; the
    code ``fit(compile=True)`` replayed over every batch. Returns its path."""
    from nn import compile_loss

    loss = demo_loss(model)
    source = compile_loss(model, loss).source
    header = (
        f"# stepgrad demo --compile: the {loss} loss of one example of {model},\n"
        "# compiled once to straight-line Python and replayed over every batch with numpy.\n"
        "# Inputs: the example (x0, x1, ...) and its target (y, or one-hot y0, y1, ...);\n"
        "# params[k] is the graph's k-th leaf, read live. Backprop is just this code.\n\n"
    )
    path = Path(out_dir) / BACKPROP
    write_atomic(path, (header + source).encode())
    return path


def what_loss(model: Any) -> str:
    """What ``loss_of`` computes, in words, for the page's title."""
    if len(model.layers[-1].neurons) == 1:
        return "max(0, 1 - y * out) (hinge loss; y = -1 or +1 for the class)"
    return "-log softmax(out)[class] (cross-entropy)"


def margin_of(output: Value | list[Value], target: Any) -> float:
    """How far the example is on the right side: y * out for one output (y = -1 or +1), else
    the target's logit minus the largest other one. Negative when it is misclassified."""
    if isinstance(output, Value):
        return sign_labels([target])[0] * output.data
    logits = [v.data for v in output]
    t = int(target)
    return logits[t] - max(v for k, v in enumerate(logits) if k != t)


def example_loss(model: Any, x: Any, target: Any) -> Value:
    """One example's loss with labelled inputs ``x0, x1, ...`` (see ``loss_of``)."""
    inputs = [Value(float(v), label=f"x{k}") for k, v in enumerate(x)]
    loss = loss_of(model(inputs), target)
    loss.label = "loss"
    return loss


@no_grad()
def pick_example(model: Any, X: Any, y: Any) -> int:
    """The index of the example with the largest loss; among equal losses (all 0 once a
    hinge loss is trained away), the smallest margin; among equal ones, the first."""
    best, best_key = 0, (float("-inf"), float("-inf"))
    for k, (x, target) in enumerate(zip(X, y)):
        output = model([float(v) for v in x])
        key = (loss_of(output, target).data, -margin_of(output, target))
        if key > best_key:
            best, best_key = k, key
    return best


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
    k = pick_example(model, X, y)
    try:
        for p in params:
            p.grad = 0.0
        loss = example_loss(model, X[k], y[k])
        loss.backward()
        title = (
            f"one example (#{k}, loss {number(loss.data)}): one box per neuron "
            "(hover over one for its weights)"
        )
        graph = draw_graph(loss, group="module", collapse=True, title=title)
        write_atomic(out / "graph.svg", graph.pipe(format="svg"))
        save_steps_html(  # the same graph, one neuron a step
            loss,
            out / "steps.html",
            title=f"example #{k}: loss = {what_loss(model)} = {number(loss.data)}, "
            "forward and backward, one box per neuron (graph.svg's picture)",
            group="module",
            collapse=True,
        )
        write_atomic(out / "network.svg", _figure_bytes(draw_network(model), "svg"))
    finally:
        for p, g in zip(params, saved):
            p.grad = g
    write_atomic(out / "loss.png", _figure_bytes(plot_history(history), "png"))
    boundary = plot_decision_boundary(model, X, y, highlight=k)  # ringed: graph.svg's example
    write_atomic(out / "boundary.png", _figure_bytes(boundary, "png"))
    return [out / name for name in PICTURES]
