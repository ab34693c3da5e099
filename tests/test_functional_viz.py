"""The graphs that custom ops and ``gradients(create_graph=True)`` build are ordinary graphs:
draw_graph draws them, backward_steps explains them and the stepper steps through them."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("graphviz")

from autograd import Value, custom_op, gradients, topological_order
from viz import draw_graph


@custom_op("softplus", derivative=lambda out, x: (x.sigmoid(),))
def softplus(x: float):
    return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)


def test_draw_graph_names_a_custom_op():
    x = Value(0.5, label="x")
    y = softplus(x * 2)
    y.label = "y"
    source = draw_graph(y).source
    assert "softplus" in source
    steps = list(y.backward_steps())
    assert steps[0].node is y and steps[0].explain().startswith("dy/d")
    assert steps[0].edges[0].local == 1.0 / (1.0 + math.exp(-1.0))


def test_the_derivative_graph_is_drawn_and_explained():
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    (dx,) = gradients(y, [x], create_graph=True)
    order = topological_order(dx)
    assert x in order and len(order) > 3
    source = draw_graph(dx).source
    assert "tanh" in source
    steps = list(dx.backward_steps())
    t = math.tanh(0.25)
    # d/dx of 2x (1 - t^2) = 2 (1 - t^2) - 8 x^2 t (1 - t^2)
    assert x.grad == pytest.approx(2 * (1 - t * t) - 8 * 0.25 * t * (1 - t * t), rel=1e-14)
    assert all(isinstance(s.explain(), str) for s in steps)


def test_the_stepper_steps_through_a_derivative_graph():
    pytest.importorskip("ipywidgets")
    from viz import step_through

    x = Value(0.5, label="x")
    (dx,) = gradients(softplus(x * x), [x], create_graph=True)
    before = [n.grad for n in topological_order(dx)]
    s = step_through(dx)
    phases = {f.phase for f in s.frames}
    assert phases == {"forward", "backward"}
    s.slider.value = s.slider.max
    assert s.state.phase == "backward"
    assert [n.grad for n in topological_order(dx)] == before
