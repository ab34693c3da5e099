"""Deep graphs and memory: a chain a million nodes deep (no recursion anywhere), and graphs
that are freed by reference counting alone (no reference cycles)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import pytest

from autograd import Value, dot, no_grad, sum_values, topological_order

REPO = Path(__file__).resolve().parents[1]
DEPTH = 1_000_000


@pytest.mark.slow
def test_million_deep_chain_backward_and_topological_order():
    x = Value(0.5, label="x")
    y = x
    for _ in range(DEPTH):
        y = -y  # one parent per node, the cheapest chain to build
    order = topological_order(y)
    assert len(order) == DEPTH + 1
    assert order[0] is x and order[-1] is y
    del order
    y.backward()
    assert x.grad == 1.0  # an even number of negations
    y.backward()
    assert x.grad == 2.0
    assert y.data == 0.5
    del y  # freeing a million nested nodes must not overflow the C stack


@pytest.mark.slow
def test_deleting_deep_chains_does_not_crash():
    """In a fresh interpreter (a crash there cannot take the test run down): chains of every
    kind of link, a million deep, dropped at once."""
    code = textwrap.dedent(
        f"""
        from autograd import Value
        x = Value(0.5)
        y = x
        for i in range({DEPTH}):
            k = i % 4
            if k == 0:
                y = y + 1.0        # two parents, one a constant
            elif k == 1:
                y = y * x          # shared leaf
            elif k == 2:
                y = 1.0 ** y       # the exponent's closure holds y too
            else:
                y = y.tanh()
        del y
        print("freed")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "freed"


def build_everything(x: Value, y: Value) -> Value:
    """Every op and reflected op, with shared nodes."""
    a = x * y + x - y / (y * y + 1)
    b = (abs(-a) ** 2 + a**y.sigmoid() + 2**x + 3 - x + 2 * y + 1 / (x * x + 1)).sqrt()
    c = b.log() + b.exp().tanh() + (a.relu() + y.relu())
    return sum_values([a, b, c, dot([a, b], [c, 0.5])])


def test_a_dropped_graph_is_freed_without_the_garbage_collector():
    gc.collect()
    gc.disable()
    try:
        x, y = Value(0.7, label="x"), Value(1.3, label="y")
        out = build_everything(x, y)
        out.backward()
        assert sum(1 for _ in out.backward_steps()) > 20  # (a loop variable would keep a step)
        half_done = out.backward_steps()
        next(half_done)  # a step-through abandoned half way
        refs = [weakref.ref(node) for node in topological_order(out)]
        assert len(refs) > 40
        del out, half_done, x, y
        alive = [r() for r in refs if r() is not None]
        assert alive == [], f"{len(alive)} nodes kept alive by reference cycles"
    finally:
        gc.enable()


def test_values_built_under_no_grad_hold_nothing():
    gc.disable()
    try:
        x = Value(2.0)
        with no_grad():
            y = (x * 3).exp()
        ref = weakref.ref(x)
        assert y.parents == ()
        del x
        assert ref() is None
    finally:
        gc.enable()
