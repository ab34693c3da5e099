"""The engine's contract (issue 2): data, reuse, diamonds, the repeated-backward rule,
topological order, the step-through and repr."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from autograd import BackwardStep, Edge, Value, topological_order

# ---- data ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, want",
    [(2, 2.0), (2.5, 2.5), (True, 1.0), (False, 0.0), (Fraction(1, 4), 0.25),
     (np.float64(0.1), 0.1), (np.float32(0.5), 0.5), (np.int64(-3), -3.0), (np.bool_(True), 1.0),
     (np.uint8(200), 200.0), (np.float16(1.5), 1.5)],
    ids=repr,
)
def test_real_numbers_become_python_floats(data, want):
    x = Value(data)
    assert type(x.data) is float and x.data == want
    assert type(x.grad) is float and x.grad == 0.0
    assert (x.label, x.op, x.parents) == ("", "", ())


def test_leaf_attributes_and_repr():
    x = Value(2.0, label="x")
    assert (x.data, x.grad, x.label, x.op, x.parents) == (2.0, 0.0, "x", "", ())
    assert repr(x) == "Value(x, data=2.0, grad=0.0)"
    assert repr(Value(-0.5)) == "Value(data=-0.5, grad=0.0)"
    y = x * 3
    y.backward()
    assert repr(x) == "Value(x, data=2.0, grad=3.0)"


# ---- reuse and diamonds -----------------------------------------------------------------------


def test_a_plus_a():
    a = Value(3.0)
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_a_times_a_keeps_duplicate_parents():
    a = Value(3.0)
    b = a * a
    assert b.parents == (a, a)
    assert b.local_grads() == (3.0, 3.0)
    b.backward()
    assert a.grad == 6.0


def test_diamond():
    a = Value(3.0, label="a")
    b = a * 2  # 6
    c = a + 1  # 4
    d = b * c  # d = 2a(a + 1): dd/da = 4a + 2 = 14
    d.backward()
    assert (d.data, a.grad) == (24.0, 14.0)
    assert (b.grad, c.grad) == (4.0, 6.0)


def test_many_paths_are_walked_once_each_node():
    """2^60 paths from x to the root; the walk visits each of the 61 nodes once."""
    x = Value(1.0)
    y = x
    for _ in range(60):
        y = y + y
    assert len(topological_order(y)) == 61
    y.backward()
    assert x.grad == 2.0**60
    assert y.data == 2.0**60


# ---- the repeated-backward rule ----------------------------------------------------------------


def issue_graph() -> tuple[Value, ...]:
    a, b, d = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="d")
    c = a + b
    e = c * d
    return a, b, c, d, e


def test_backward_twice_accumulates_into_leaves_only():
    a, b, c, d, e = issue_graph()
    e.backward()
    assert (a.grad, b.grad, c.grad, d.grad, e.grad) == (10.0, 10.0, 10.0, -1.0, 1.0)
    e.backward()
    assert a.grad == 20.0  # micrograd gives a larger, wrong value
    assert (b.grad, d.grad) == (20.0, -2.0)
    assert (c.grad, e.grad) == (10.0, 1.0)  # interior grads are recomputed, not doubled


def test_backward_of_a_leaf():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0
    x.backward()
    assert x.grad == 2.0  # leaves accumulate, the root seed included


def test_backward_from_an_interior_node_touches_only_its_graph():
    x = Value(2.0)
    y = x * 3
    z = y * 5
    y.backward()
    assert (x.grad, y.grad, z.grad) == (3.0, 1.0, 0.0)


def test_zeroing_leaf_grads_gives_a_fresh_backward():
    a, b, _c, d, e = issue_graph()
    e.backward()
    first = (a.grad, b.grad, d.grad)
    for leaf in (a, b, d):
        leaf.grad = 0.0
    e.backward()
    assert (a.grad, b.grad, d.grad) == first


# ---- topological order ------------------------------------------------------------------------


def check_topological(order: list[Value], root: Value) -> None:
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    assert order[-1] is root
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)], "a parent comes after its child"


def test_topological_order_small_graph():
    a, b, c, d, e = issue_graph()
    unrelated = a * 100
    order = topological_order(e)
    check_topological(order, e)
    assert {id(n) for n in order} == {id(n) for n in (a, b, c, d, e)}
    assert id(unrelated) not in {id(n) for n in order}
    assert topological_order(a) == [a]


def test_topological_order_with_shared_nodes():
    x = Value(0.5)
    y = x * x
    z = y.tanh() + y.exp() + x
    order = topological_order(z)
    check_topological(order, z)
    assert sum(node is x for node in order) == 1
    assert sum(node is y for node in order) == 1


# ---- step-through -----------------------------------------------------------------------------


def test_explain_the_issue_example():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    steps = list(e.backward_steps())
    assert len(steps) == 1
    step = steps[0]
    assert isinstance(step, BackwardStep)
    assert (step.index, step.node, step.grad) == (0, e, 1.0)
    assert step.edges == (Edge(a, -3.0, -3.0), Edge(b, 2.0, 2.0))
    assert step.edges[0].parent is a and step.edges[1].parent is b
    assert step.explain().split("; ") == [  # the root e names the derivative
        "de/da += de/de * de/da = 1.0 * -3.0 = -3.0",
        "de/db += de/de * de/db = 1.0 * 2.0 = 2.0",
    ]
    assert (a.grad, b.grad) == (-3.0, 2.0)


def test_steps_walk_interior_nodes_in_reverse_topological_order():
    a, _b, c, d, e = issue_graph()
    steps = e.backward_steps()
    first = next(steps)
    assert first.node is e and first.grad == 1.0
    assert [edge.parent for edge in first.edges] == [c, d]
    assert (c.grad, d.grad, a.grad) == (10.0, -1.0, 0.0)  # a not reached yet
    second = next(steps)
    assert second.node is c and second.grad == 10.0
    assert [(edge.local, edge.contribution) for edge in second.edges] == [(1.0, 10.0)] * 2
    assert a.grad == 10.0
    assert list(steps) == []


def test_steps_give_backwards_grads_and_consistent_edges():
    def build() -> Value:
        x, y = Value(0.7, label="x"), Value(-1.3, label="y")
        h = (x * y).tanh()
        return (h * x + y.sigmoid() / (h * h + 1)).relu() + (x**2).exp() + 2**y

    out1 = build()
    out1.backward()
    want = [n.grad for n in topological_order(out1)]

    out2 = build()
    seen = []
    for i, step in enumerate(out2.backward_steps()):
        assert step.index == i
        assert step.grad == step.node.grad
        assert tuple(e.parent for e in step.edges) == step.node.parents
        assert tuple(e.local for e in step.edges) == step.node.local_grads()
        for edge in step.edges:
            assert edge.contribution == edge.local * step.grad
        seen.append(step.node)
    assert [n.grad for n in topological_order(out2)] == want  # bit for bit
    interior = [n for n in topological_order(out2) if n.parents]
    assert seen == interior[::-1]


def test_steps_of_a_leaf_seed_it_and_yield_nothing():
    x = Value(1.0)
    assert list(x.backward_steps()) == []
    assert x.grad == 1.0


# ---- nan ----------------------------------------------------------------------------------


def test_nan_propagates_through_a_relu_neuron_and_a_hinge():
    """A nan input never turns into a finite loss (relu used to give 0.0 for nan)."""
    import math

    x, w, b = Value(math.nan), Value(0.5), Value(-1.0)
    hidden = (w * x + b).relu()
    loss = (1 - 1.0 * hidden).relu() + (w * w).log()
    assert math.isnan(hidden.data) and math.isnan(loss.data)
    loss.backward()
    assert math.isnan(w.grad)  # dL/dw carries x = nan
    assert b.grad == -1.0  # relu'(nan) = 1 twice, as in PyTorch: the slopes stay finite


# ---- threads --------------------------------------------------------------------------------


def test_backward_from_two_threads_at_once_adds_up_like_one_after_the_other():
    """Thread A's backward pauses inside a node's local_grads until thread B's backward of the
    same graph has started (or 0.2 s have passed). Without a lock, B re-zeroes the interior
    nodes under A and A then counts B's contribution again: x.grad 18 instead of 12."""
    import threading

    a_inside, b_started = threading.Event(), threading.Event()
    calls: list[str] = []

    def pausing_local_grads() -> tuple[float]:
        if not calls:  # the first walk (A's) waits for the second
            calls.append("A")
            a_inside.set()
            b_started.wait(timeout=0.2)
        else:
            calls.append("B")
            b_started.set()
        return (1.0,)

    x = Value(1.0, label="x")
    u = x * 2
    y = Value(u.data, parents=(u,), op="pause", local_grads=pausing_local_grads)
    z = y * 3

    def thread_b() -> None:
        a_inside.wait(timeout=20)
        z.backward()

    b = threading.Thread(target=thread_b)
    b.start()
    z.backward()  # thread A
    b.join(timeout=20)
    assert calls == ["A", "B"]
    assert x.grad == 12.0  # 2 * 3 from each of the two calls
