"""Properties of backward on random graphs with shared nodes (hypothesis): gradients equal
central differences, the step-through equals backward bit for bit, topological order is
right, and a second backward doubles exactly the leaf gradients."""

from __future__ import annotations

import math
import struct

from error_bounds import SAFETY, error_bounds, value_errors
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numeric import central_difference
from random_graphs import GraphSpec, build_ours, graphs, kink_inputs

from autograd import Value, topological_order

TINY = 1e-290  # underflow: the error bounds are relative, subnormal results are not


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


def value_and_error(spec: GraphSpec, leaves: list[float]) -> tuple[float, float]:
    out = build_ours(spec._replace(leaves=tuple(leaves))).output
    errors, _ = value_errors(out)
    return out.data, errors[out]


@settings(max_examples=150)
@given(graphs())
def test_backward_matches_central_differences(spec: GraphSpec):
    built = build_ours(spec)
    built.output.backward()
    bounds = error_bounds(built.output)
    kinks = [sign(k) for k in kink_inputs(spec, spec.leaves)]

    def f(point: list[float]) -> tuple[float, float]:
        # the function must stay on one side of every kink (abs, relu) on the stencil
        assume([sign(k) for k in kink_inputs(spec, point)] == kinks)
        return value_and_error(spec, point)

    for i, leaf in enumerate(built.leaves):
        try:
            numeric, error = central_difference(f, spec.leaves, i, rel_step=1e-3)
        except (ArithmeticError, ValueError):  # a stencil point left the safe domain
            assume(False)
        assume(error <= 1e-5 * (1.0 + abs(numeric)))  # too steep to tell: not evidence
        tol = error + SAFETY * bounds.grad.get(leaf, 0.0) + 1e-9 * abs(numeric) + TINY
        assert abs(leaf.grad - numeric) <= tol, (
            f"leaf {i}: backward {leaf.grad!r}, central difference {numeric!r} (+- {tol:.3g})"
        )


@settings(max_examples=150)
@given(graphs())
def test_steps_give_exactly_backwards_grads(spec: GraphSpec):
    reference = build_ours(spec)
    reference.output.backward()
    want = [bits(n.grad) for n in topological_order(reference.output)]

    stepped = build_ours(spec)
    order = topological_order(stepped.output)
    interior = [n for n in order if n.parents]
    visited = []
    for index, step in enumerate(stepped.output.backward_steps()):
        node = step.node
        assert step.index == index
        assert bits(step.grad) == bits(node.grad)
        assert tuple(e.parent for e in step.edges) == node.parents
        assert tuple(e.local for e in step.edges) == node.local_grads()
        for edge in step.edges:
            assert bits(edge.contribution) == bits(edge.local * step.grad)
        visited.append(node)
    assert visited == interior[::-1]  # each interior node once, children before parents
    assert [bits(n.grad) for n in order] == want


def reachable(root: Value) -> set[int]:
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if id(node) not in seen:
            seen.add(id(node))
            todo.extend(node.parents)
    return seen


@settings(max_examples=150)
@given(graphs())
def test_topological_order_invariants(spec: GraphSpec):
    built = build_ours(spec)
    order = topological_order(built.output)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert set(position) == reachable(built.output)  # exactly the graph
    assert order[-1] is built.output  # root last
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)
    used = {a for node in spec.nodes for a in node.args}
    for i, leaf in enumerate(built.leaves):
        assert (id(leaf) in position) == (i in used)


@settings(max_examples=100)
@given(graphs())
def test_second_backward_restarts_interior_nodes_and_accumulates_into_leaves(spec: GraphSpec):
    twice = build_ours(spec)
    twice.output.backward()
    order = topological_order(twice.output)
    first = [n.grad for n in order]
    twice.output.backward()

    # the same as one backward on a fresh graph whose leaves already hold the first grads
    fresh = build_ours(spec)
    fresh_order = topological_order(fresh.output)
    for node, g in zip(fresh_order, first):
        if not node.parents:
            node.grad = g
    fresh.output.backward()
    assert [bits(n.grad) for n in order] == [bits(n.grad) for n in fresh_order]

    uses = {}
    for node in order:
        for parent in node.parents:
            uses[parent] = uses.get(parent, 0) + 1
    for node, g in zip(order, first):
        if node.parents:
            assert bits(node.grad) == bits(g)  # recomputed, not doubled
        elif uses.get(node) == 1:
            assert node.grad == 2 * g  # one contribution: g + g exactly


@settings(max_examples=50)
@given(graphs(), st.integers(0, 3))
def test_unused_leaves_keep_a_zero_grad(spec: GraphSpec, extra: int):
    built = build_ours(spec._replace(leaves=spec.leaves + (1.0,) * extra))
    built.output.backward()
    used = {a for node in spec.nodes for a in node.args}
    for i, leaf in enumerate(built.leaves):
        if i not in used:
            assert leaf.grad == 0.0
    assert all(math.isfinite(leaf.grad) for leaf in built.leaves)


# ---- error bounds for an op the table does not know (a new op needs no rule to start with) ----


def _hand_made_sin(x: Value) -> Value:
    s, c = math.sin(x.data), math.cos(x.data)
    return Value(s, parents=(x,), op="sin", local_grads=lambda: (c,))


@settings(max_examples=50)
@given(st.floats(-10.0, 10.0).filter(lambda v: abs(v) > 1e-3))
def test_error_bounds_fall_back_for_an_unknown_unary_op(x0: float):
    x = Value(x0)
    out = _hand_made_sin(x * 1.5).tanh() * 2.0
    out.backward()
    bounds = error_bounds(out)
    assert all(math.isfinite(b) and b >= 0.0 for b in bounds.grad.values())
    assert bounds.grad[x] > 0.0  # the unknown op's derivative is not taken as exact
    assert bounds.value[out] > 0.0


def test_error_bounds_name_an_unknown_binary_op():
    x, y = Value(1.0), Value(2.0)
    out = Value(3.0, parents=(x, y), op="hypot", local_grads=lambda: (0.5, 0.5))
    out.backward()
    try:
        error_bounds(out)
    except ValueError as err:
        assert "hypot" in str(err) and "error_bounds.py" in str(err)
    else:
        raise AssertionError("an unknown binary op has no fallback")
