"""compile_graph: the compiled graph gives the scalar engine's numbers, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from random_graphs import LEAF_VALUES, build_ours, graphs, is_tame

from autograd import Value, compile_graph, custom_op, dot, sum_values, topological_order


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=150, deadline=None)
@given(spec=graphs(), data=st.data())
def test_random_graphs_match_backward_at_new_inputs(spec, data) -> None:
    """Compiled at one point, called at another: value and every parameter's accumulated
    grad equal a freshly built scalar graph's at the new point (relu/abs branch at run time)."""
    n_in = data.draw(st.integers(0, len(spec.leaves)))
    new = tuple(data.draw(LEAF_VALUES) for _ in range(n_in)) + spec.leaves[n_in:]
    moved = spec._replace(leaves=new)
    assume(is_tame(moved))
    built = build_ours(spec)
    used = {id(n) for n in topological_order(built.output)}
    inputs = [x for x in built.leaves[:n_in] if id(x) in used]
    cg = compile_graph(built.output, inputs=inputs)
    compile(cg.source, "<test>", "exec")
    params = built.leaves[n_in:]
    for p in params:
        p.grad = 0.25  # accumulates onto what is there
    got = cg(*(v for x, v in zip(built.leaves, new) if x in inputs))

    ref = build_ours(moved)
    for p in ref.leaves:
        p.grad = 0.25
    ref.output.backward()
    assert _same(got, ref.output.data)
    for p, q in zip(params, ref.leaves[n_in:]):
        assert _same(p.grad, q.grad), (p.label, p.grad, q.grad, cg.source)


@settings(max_examples=60, deadline=None)
@given(spec=graphs(ops=("abs", "relu", "add", "sub", "mul", "neg")), data=st.data())
def test_kinks_match_backward(spec, data) -> None:
    """At kinks (inputs exactly 0) the compiled slope is the scalar one (0 for relu and abs)."""
    zeros = tuple(data.draw(st.sampled_from([0.0, -0.0, 1.0])) for _ in spec.leaves)
    moved = spec._replace(leaves=zeros)
    assume(is_tame(moved))
    built = build_ours(spec)
    first = built.leaves[0]
    used = any(n is first for n in topological_order(built.output))
    cg = compile_graph(built.output, inputs=[first] if used else [])
    for leaf, v in zip(built.leaves[1:], zeros[1:]):
        leaf.data = v  # parameters are read live
    ref = build_ours(moved)
    ref.output.backward()
    assert _same(cg(zeros[0]) if used else cg(), ref.output.data)
    for p, q in zip(built.leaves[1:], ref.leaves[1:]):
        assert _same(p.grad, q.grad)


def _neuron() -> tuple[Value, Value, Value, Value, Value]:
    x, w, b, t = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b"), Value(1.0, "t")
    out = (w * x + b).tanh()
    out.label = "out"
    loss = (out - t) ** 2
    loss.label = "loss"
    return x, w, b, t, loss


def test_source_is_named_after_labels_and_compiles() -> None:
    x, _, _, t, loss = _neuron()
    cg = compile_graph(loss, inputs=[x, t])
    assert cg.source.startswith("def compiled(x, t):")
    for line in ("w = params[0].data", "out = tanh(", "loss = checked_pow(",
                 "d_loss = 1.0", "d_w = params[0].grad + x * d_"):
        assert any(line_.strip().startswith(line) or line in line_
                   for line_ in cg.source.splitlines()), line
    compile(cg.source, "<test>", "exec")


def test_parameters_are_read_live_and_grads_accumulate() -> None:
    x, w, b, t, loss = _neuron()
    cg = compile_graph(loss, inputs=[x, t])
    w.data = 0.75
    got = cg(2.0, -1.0)
    ref = (Value(0.75) * 2.0 + 0.25).tanh()
    ref_loss = (ref - (-1.0)) ** 2
    assert got == ref_loss.data
    g1 = w.grad
    assert g1 != 0.0
    cg(2.0, -1.0)  # a second call adds the same gradient again
    assert w.grad == g1 + g1
    # the same two calls in the scalar engine: two backward passes accumulate alike
    w2, b2 = Value(0.75), Value(0.25)
    loss2 = ((w2 * 2.0 + b2).tanh() + 1.0) ** 2
    loss2.backward()
    loss2.backward()
    assert (w.grad, b.grad) == (w2.grad, b2.grad)
    assert x.grad == 0.0 and t.grad == 0.0  # inputs get no gradient


def test_micrograd_style_and_fused_nodes() -> None:
    xs = [Value(0.1 * i, f"x{i}") for i in range(3)]
    ws = [Value(0.3 - 0.2 * i, f"w{i}") for i in range(3)]
    y = sum_values([dot(ws, xs), sum((w * x for w, x in zip(ws, xs)), Value(0.0))]).relu()
    cg = compile_graph(y, inputs=xs)
    got = cg(1.0, -2.0, 0.5)
    ref_ws = [Value(w.data) for w in ws]
    ref_xs = [Value(v) for v in (1.0, -2.0, 0.5)]
    ref = sum_values([dot(ref_ws, ref_xs),
                      sum((w * x for w, x in zip(ref_ws, ref_xs)), Value(0.0))]).relu()
    ref.backward()
    assert got == ref.data
    assert [w.grad for w in ws] == [w.grad for w in ref_ws]


@pytest.mark.parametrize(
    ("build", "arg", "error", "words"),
    [
        (lambda x: 1.0 / x, 0.0, ZeroDivisionError, "division by zero"),
        (lambda x: x.log(), -1.0, ValueError, "log"),
        (lambda x: x.log(), 0.0, ValueError, "log"),
        (lambda x: x.sqrt(), -4.0, ValueError, "sqrt"),
        (lambda x: x.exp(), 1000.0, OverflowError, "exp"),
        (lambda x: x ** -1, 0.0, ZeroDivisionError, "power"),
        (lambda x: x ** 0.5, -1.0, ValueError, "power"),
        (lambda x: x ** 400, 1e10, OverflowError, "power"),
    ],
)
def test_domain_errors_name_the_op_and_change_nothing(build, arg, error, words) -> None:
    x, w = Value(2.0, "x"), Value(3.0, "w")
    cg = compile_graph(build(x) * w, inputs=[x])
    with pytest.raises(error, match=words):
        build(Value(arg))  # the scalar op raises the same
    with pytest.raises(error, match=words):
        cg(arg)
    assert w.grad == 0.0


def test_bad_inputs() -> None:
    x, w, _, t, loss = _neuron()
    with pytest.raises(ValueError, match=r"inputs\[0\].*not a leaf"):
        compile_graph(loss, inputs=[loss.parents[0]])  # a node of the graph, not a leaf
    with pytest.raises(ValueError, match="not a leaf"):
        compile_graph(loss, inputs=[Value(1.0)])
    with pytest.raises(ValueError, match="twice"):
        compile_graph(loss, inputs=[x, x])
    with pytest.raises(TypeError, match="root"):
        compile_graph(1.0, inputs=[])  # type: ignore[arg-type]
    cg = compile_graph(loss, inputs=[x, t])
    with pytest.raises(TypeError, match="2 input values, got 1"):
        cg(1.0)
    with pytest.raises(TypeError, match="input 1"):
        cg(1.0, "a")
    assert w.grad == 0.0


def test_custom_ops_are_refused() -> None:
    @custom_op("myexp", derivative=lambda out, x: (out,))
    def myexp(x: float) -> tuple[float, tuple[float]]:
        e = math.exp(x)
        return e, (e,)

    x = Value(1.0, "x")
    with pytest.raises(ValueError, match="cannot compile op"):
        compile_graph(myexp(x) * 2.0, inputs=[x])


def test_leaf_root() -> None:
    w = Value(2.0, "w")
    cg = compile_graph(w)
    assert cg() == 2.0 and w.grad == 1.0


# ---- batch: the mean over rows, with numpy -----------------------------------------------


def _close(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale)


@settings(max_examples=120, deadline=None)
@given(spec=graphs(), data=st.data())
def test_batch_is_the_mean_of_per_row_calls(spec, data) -> None:
    """cg.batch: the mean of root and the mean gradient of the per-row compiled calls,
    within rel 1e-12 (every op, kinks, shared nodes)."""
    built = build_ours(spec)
    used = {id(n) for n in topological_order(built.output)}
    inputs = [x for x in built.leaves if id(x) in used][: data.draw(st.integers(0, 2))]
    n_rows = data.draw(st.integers(1, 5))
    values = st.one_of(st.sampled_from([0.0, -0.0, 1.0]), LEAF_VALUES)  # kinks at 0
    rows = [tuple(data.draw(values) for _ in inputs) for _ in range(n_rows)]
    for row in rows:
        leaves = list(spec.leaves)
        for x, v in zip(inputs, row):
            leaves[built.leaves.index(x)] = v
        assume(is_tame(spec._replace(leaves=tuple(leaves))))
    cg = compile_graph(built.output, inputs=inputs)
    params = [p for p in built.leaves if p not in inputs]
    per_row_values, per_row_grads = [], []
    for row in rows:
        for p in params:
            p.grad = 0.0
        per_row_values.append(cg(*row))
        per_row_grads.append([p.grad for p in params])
    for p in params:
        p.grad = 0.5
    columns = [np.array([row[i] for row in rows]) for i in range(len(inputs))]
    got = cg.batch(*columns)
    scale = max(1.0, *(abs(v) for v in per_row_values))
    assert _close(got, sum(per_row_values) / n_rows, scale)
    for k, p in enumerate(params):
        grads = [g[k] for g in per_row_grads]
        scale = max(1.0, *(abs(g) for g in grads))
        assert _close(p.grad - 0.5, sum(grads) / n_rows, scale), (p.label, cg.batch_source)


@pytest.mark.parametrize(
    ("build", "column", "error", "words"),
    [
        (lambda x: x.log(), [1.0, 2.0, -1.0, -2.0], ValueError, r"row 2: log .*-1\.0"),
        (lambda x: 1.0 / x, [1.0, 0.0], ZeroDivisionError, "row 1: division by zero"),
        (lambda x: x.sqrt(), [-4.0], ValueError, "row 0: sqrt"),
        (lambda x: x.exp(), [1.0, 2.0, 1000.0], OverflowError, "row 2: exp"),
        (lambda x: x ** 0.5, [1.0, -1.0], ValueError, "row 1: power"),
        (lambda x: x ** -1, [1.0, 0.0], ZeroDivisionError, "row 1: power"),
    ],
)
def test_batch_domain_errors_name_the_op_and_row(build, column, error, words) -> None:
    x, w = Value(2.0, "x"), Value(3.0, "w")
    cg = compile_graph(build(x) * w, inputs=[x])
    with pytest.raises(error, match=words):
        cg.batch(np.array(column))
    assert w.grad == 0.0


def test_batch_bad_arguments() -> None:
    x, w, _, t, loss = _neuron()
    cg = compile_graph(loss, inputs=[x, t])
    with pytest.raises(TypeError, match="2 arrays, got 1"):
        cg.batch(np.zeros(3))
    with pytest.raises(ValueError, match="one length"):
        cg.batch(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"arrays\[0\] must be 1-D"):
        cg.batch(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(TypeError, match=r"arrays\[1\]"):
        cg.batch(np.zeros(3), ["a", "b", "c"])
    assert w.grad == 0.0


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_batch_kinks_take_the_scalar_slope(op) -> None:
    """At the kink (x - w == 0 in row 1) the slope is 0, as in the scalar engine."""
    x, w = Value(0.0, "x"), Value(0.5, "w")
    y = (x - w).relu() if op == "relu" else abs(x - w)
    cg = compile_graph(y * 3.0, inputs=[x])
    column = [2.0, 0.5, -1.0]
    per_row = []
    for v in column:
        w.grad = 0.0
        cg(v)
        per_row.append(w.grad)
    assert per_row[1] == 0.0
    w.grad = 0.0
    cg.batch(np.array(column))
    assert math.isclose(w.grad, sum(per_row) / 3, rel_tol=1e-12)


def test_no_gradient_code_for_nodes_of_inputs_only() -> None:
    """x**2 depends on the input alone: no parameter's gradient flows through it."""
    x, t, w = Value(1.0, "x"), Value(2.0, "t"), Value(3.0, "w")
    sq = x**2
    sq.label = "sq"
    cg = compile_graph(sq * w + t, inputs=[x, t])
    assert "sq = checked_pow(x, 2.0)" in cg.source
    assert "d_sq" not in cg.source and "d_x" not in cg.source
    assert cg(3.0, 1.0) == 28.0 and w.grad == 9.0
    assert compile_graph(x * t, inputs=[x, t])(2.0, 3.0) == 6.0  # nothing to differentiate


def test_batch_gradients_shared_by_name_are_not_added_in_place() -> None:
    """d_a = d_s and d_b = d_s name one numpy array: a later d_a += ... must not change d_b.
    (Found by hypothesis: numpy's += adds in place.)"""
    x, w1, w2 = Value(0.3, "x"), Value(0.5, "w1"), Value(-0.2, "w2")
    a, b = x + w1, -w2
    root = (a + b) + (a + b).tanh()  # d_a = d_b = tanh' * 1, then d_a += 1
    cg = compile_graph(root, inputs=[x])
    column = [0.3, -1.0, 2.0]
    per_row = []
    for v in column:
        w1.grad = w2.grad = 0.0
        cg(v)
        per_row.append((w1.grad, w2.grad))
    w1.grad = w2.grad = 0.0
    cg.batch(np.array(column))
    assert math.isclose(w1.grad, sum(g[0] for g in per_row) / 3, rel_tol=1e-12)
    assert math.isclose(w2.grad, sum(g[1] for g in per_row) / 3, rel_tol=1e-12)
