"""Derivatives of derivatives: gradients(create_graph=True), grad, value_and_grad, hessian,
jvp and custom_op, checked against closed forms, central differences and PyTorch's float64
second and third derivatives (tests/golden/ops.json, written by make_golden.py)."""

from __future__ import annotations

import gc
import math
import weakref

import pytest
from engine_ops import CASES, FUNCTIONS, OPS, Case, Lib
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import build_ours, graphs
from test_golden import GOLDEN_CASES, case_id, decode, key, load, same

from autograd import (
    GradcheckError,
    Value,
    custom_op,
    dot,
    grad,
    gradcheck,
    gradgradcheck,
    gradients,
    hessian,
    jvp,
    sum_values,
    topological_order,
    value_and_grad,
)

LIB = Lib(sum=sum_values, dot=dot)


def ours_higher(case: Case) -> tuple[list[list[float]], float | None]:
    """Our second derivatives (and the third for one input) by differentiating twice."""
    xs = [Value(x) for x in case.inputs]
    out = OPS[case.op].apply(LIB, xs, list(case.consts))
    first = gradients(out, xs, create_graph=True)
    hess = [[h.data for h in gradients(g, xs)] for g in first]
    third = None
    if len(xs) == 1:
        second = gradients(first[0], xs, create_graph=True)[0]
        third = gradients(second, xs)[0].data
    return hess, third


# At these edges the second derivative is a convention, and PyTorch's formulas give nan
# (0 * log 0, inf - inf) or -inf where our first derivative is a constant (0 or an
# infinity), so ours is 0: compared at their smooth points only.
EDGE_CONVENTIONS = {"pow_t", "rpow", "pow_n", "sqrt"}


REL2 = 1e-12  # the bar; every committed case meets it


def close2(ours: float, torch: float) -> bool:
    if same(ours, torch):
        return True
    if not (math.isfinite(ours) and math.isfinite(torch)):
        return False
    # 1e-290 absolute: tanh(1e-300)'' is -2e-300
    return math.isclose(ours, torch, rel_tol=REL2, abs_tol=1e-290)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_second_and_third_derivatives_match_torch(case: Case):
    stored = GOLDEN_CASES.get(key(case.op, case.inputs, case.consts))
    if stored is None or "hessian" not in stored:
        pytest.skip(f"no second derivatives for {case_id(case)} yet: run `make golden`")
    if not case.smooth and case.op in EDGE_CONVENTIONS:
        pytest.skip("an edge where the second derivative is a convention (see EDGE_CONVENTIONS)")
    hess, third = ours_higher(case)
    want = [[decode(h) for h in row] for row in stored["hessian"]]
    if case.op == "pow_t" and case.inputs[1] == 0.0 and case.inputs[0] > 0.0:
        # torch's d/dx x^y is where(y == 0, 0, y x^(y-1)): its d2/dx dy at y = 0 is 0, and its
        # Hessian is not symmetric. Ours is x^(y-1), as central differences and d2/dy dx say.
        x = case.inputs[0]
        assert want[0][1] == 0.0 and want[1][0] == pytest.approx(1 / x, rel=1e-15)
        assert hess[0][1] == hess[1][0] == pytest.approx(1 / x, rel=1e-15)
        want[0][1] = want[1][0]
    for i, (row, want_row) in enumerate(zip(hess, want, strict=True)):
        for j, (h, w) in enumerate(zip(row, want_row, strict=True)):
            assert close2(h, w), f"d2/dx{i}dx{j}: ours {h!r}, torch {w!r}"
    if third is not None:
        assert close2(third, decode(stored["third"])), (third, stored["third"])


def test_golden_file_has_second_derivatives_for_every_case():
    assert all("hessian" in c for c in GOLDEN_CASES.values())
    assert all(("third" in c) == (len(c["inputs"]) == 1) for c in GOLDEN_CASES.values())


@pytest.mark.parametrize("case", [c for c in CASES if c.smooth], ids=case_id)
def test_second_derivatives_match_central_differences_of_the_first(case: Case):
    """d2f/dxi dxj against (g_i(x + h e_j) - g_i(x - h e_j)) / 2h, g_i from gradients()."""

    def first(point: list[float]) -> list[float]:
        xs = [Value(x) for x in point]
        out = OPS[case.op].apply(LIB, xs, list(case.consts))
        return [g.data for g in gradients(out, xs)]

    hess, _ = ours_higher(case)
    point = list(case.inputs)
    for j, x in enumerate(point):
        h = 1e-5 * max(1.0, abs(x))
        up, down = list(point), list(point)
        up[j], down[j] = x + h, x - h
        g_up, g_down = first(up), first(down)
        for i in range(len(point)):
            numeric = (g_up[i] - g_down[i]) / (2 * h)
            assert abs(hess[i][j] - numeric) <= 1e-5 + 1e-5 * abs(numeric), (i, j, hess, numeric)


@pytest.mark.parametrize("op", sorted(OPS))
def test_gradgradcheck_accepts_every_op(op: str):
    case = next(c for c in CASES if c.op == op and c.smooth)
    consts = list(case.consts)
    assert gradgradcheck(lambda *xs: OPS[op].apply(LIB, xs, consts), case.inputs)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    """A custom op whose differentiable derivative is wrong (cos instead of -sin for cos'')."""

    @custom_op("bad_sin", derivative=lambda out, x: (x.tanh(),))
    def bad_sin(x):
        return math.sin(x), (math.cos(x),)

    assert gradcheck(bad_sin, [0.4])  # the first order is right
    with pytest.raises(GradcheckError, match="d2f/dx0dx0"):
        gradgradcheck(bad_sin, [0.4])


# ---- closed forms ---------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1.3, -0.2, 0.0, 0.3, 0.9, 2.5])
def test_nested_grad_of_tanh_to_third_order(x: float):
    t = math.tanh(x)
    d1 = 1 - t * t
    d2 = -2 * t * d1
    d3 = -2 * d1 * d1 + 4 * t * t * d1
    f = lambda v: v.tanh()
    assert math.isclose(grad(f)(x), d1, rel_tol=1e-14)
    assert math.isclose(grad(grad(f))(x), d2, rel_tol=1e-13, abs_tol=1e-300)
    assert math.isclose(grad(grad(grad(f)))(x), d3, rel_tol=1e-12)


def test_hessian_of_a_two_dimensional_function():
    """f(x, y) = x^2 y + exp(x y) + y^3 / 3."""
    x, y = 0.7, -1.2
    f = lambda a, b: a * a * b + (a * b).exp() + b**3 / 3
    e = math.exp(x * y)
    want = [
        [2 * y + y * y * e, 2 * x + e + x * y * e],
        [2 * x + e + x * y * e, x * x * e + 2 * y],
    ]
    got = hessian(f)(x, y)
    assert isinstance(got, list) and all(type(h) is float for row in got for h in row)
    for row, want_row in zip(got, want):
        for h, w in zip(row, want_row):
            assert math.isclose(h, w, rel_tol=1e-13)


def test_rosenbrock_hessian_and_newton_converges():
    f = lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2
    assert hessian(f)(1.0, 1.0) == [[802.0, -400.0], [-400.0, 200.0]]
    x, y = -1.2, 1.0
    for _ in range(10):  # Newton: solve H d = -g
        gx, gy = grad(f, argnums=(0, 1))(x, y)
        (a, b), (c, d) = hessian(f)(x, y)
        det = a * d - b * c
        x, y = x - (d * gx - b * gy) / det, y - (a * gy - c * gx) / det
    assert abs(x - 1) < 1e-10 and abs(y - 1) < 1e-10


@pytest.mark.parametrize("x", [-2.0, -0.0, 0.0, 1e-300, 3.0])
def test_kinks_have_zero_second_derivative_at_every_order(x: float):
    """As torch: relu'' = 0 and abs'' = 0, also at 0."""
    for f in (lambda v: v.relu(), lambda v: abs(v), lambda v: v.relu() * 3 + abs(v)):
        assert grad(grad(f))(x) == 0.0
        assert grad(grad(grad(f)))(x) == 0.0


def test_power_with_a_value_exponent_differentiates_in_both_at_second_order():
    x, y = 1.7, 2.3
    h = hessian(lambda a, b: a**b)(x, y)
    p = x**y
    ln = math.log(x)
    want = [
        [y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * ln)],
        [x ** (y - 1) * (1 + y * ln), p * ln * ln],
    ]
    for row, want_row in zip(h, want):
        for a, b in zip(row, want_row):
            assert math.isclose(a, b, rel_tol=1e-13)


# ---- gradients(): torch.autograd.grad's semantics -------------------------------------


def test_gradients_changes_no_grad_and_gives_constant_leaves():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    x.grad, y.grad = 7.0, 8.0
    z = (x * y).tanh() + x.exp()
    nodes = topological_order(z)
    before = [n.grad for n in nodes]
    gx, gy = gradients(z, [x, y])
    assert [n.grad for n in nodes] == before
    assert gx.parents == () and gy.parents == ()
    x.grad = y.grad = 0.0
    z.backward()  # the same numbers backward puts into .grad
    assert (gx.data, gy.data) == (x.grad, y.grad)


def test_gradients_with_create_graph_builds_a_graph_from_the_inputs():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    z = x * x * y
    gx, gy = gradients(z, (x, y), create_graph=True)
    assert (gx.data, gy.data) == (2 * 0.5 * -1.5, 0.25)
    assert x in topological_order(gx) and y in topological_order(gx)
    assert x.grad == 0.0 and y.grad == 0.0
    gxx, gxy = gradients(gx, [x, y])
    assert (gxx.data, gxy.data) == (-3.0, 1.0)


def test_unrelated_input_gets_zero_and_a_single_input_gives_a_tuple():
    x, u = Value(2.0), Value(3.0)
    (g,) = gradients(x * x, x)
    assert g.data == 4.0
    assert [v.data for v in gradients(x * x, [x, u])] == [4.0, 0.0]
    assert [v.data for v in gradients(x * x, [x, u], create_graph=True)] == [4.0, 0.0]


def test_gradients_of_an_interior_node():
    x = Value(0.3)
    h = x * 2
    y = h.tanh()
    (gh,) = gradients(y, [h])
    assert gh.data == pytest.approx(1 - math.tanh(0.6) ** 2, rel=1e-15)


@pytest.mark.parametrize(
    "args, match",
    [((1.0, []), "output must be a Value.*float"),
     ((Value(1.0), [1.0]), r"inputs\[0\] must be a Value.*float"),
     ((Value(1.0), "x"), "inputs must be a Value or a list"),
     ((Value(1.0), [], 1), "create_graph must be True or False")],
)
def test_gradients_rejects_bad_arguments(args, match):
    with pytest.raises(TypeError, match=match):
        gradients(*args)


def test_gradients_create_graph_through_a_hand_made_op_names_it():
    x = Value(0.5)
    y = Value(math.sin(0.5), parents=(x,), op="sin", local_grads=lambda: (math.cos(0.5),))
    assert gradients(y, [x])[0].data == math.cos(0.5)  # first order is fine
    with pytest.raises(TypeError, match="op 'sin'.*floats only"):
        gradients(y, [x], create_graph=True)


# ---- grad / value_and_grad: JAX's semantics -------------------------------------------


def test_grad_of_numbers_returns_floats_and_leaves_nothing_behind():
    made = []

    def f(x, y):
        made.append(weakref.ref(x))
        return x * y + x.sin() if hasattr(x, "sin") else x * y + x.tanh()

    g = grad(f, argnums=(0, 1))(0.5, 2.0)
    assert type(g) is tuple and all(type(v) is float for v in g)
    assert g == (2.0 + 1 - math.tanh(0.5) ** 2, 0.5)
    gc.collect()
    assert made[0]() is None  # the Values grad made are gone
    assert type(grad(f)(0.5, 2.0)) is float


def test_value_and_grad():
    v, g = value_and_grad(lambda x: x * x * x)(2.0)
    assert (v, g) == (8.0, 12.0)
    v, (gx, gy) = value_and_grad(lambda x, y: x / y, argnums=(0, 1))(1.0, 4.0)
    assert (v, gx, gy) == (0.25, 0.25, -1.0 / 16)


def test_grad_with_values_in_gives_connected_values():
    x = Value(0.3, label="x")
    g = grad(lambda v: v.tanh())(x)
    assert isinstance(g, Value) and x in topological_order(g)
    g.backward()
    t = math.tanh(0.3)
    assert x.grad == pytest.approx(-2 * t * (1 - t * t), rel=1e-14)


def test_grad_rejects_f_returning_a_non_value():
    with pytest.raises(TypeError, match="f must return a Value, but it returned float: 1.5"):
        grad(lambda x: 1.5)(2.0)
    with pytest.raises(TypeError, match="returned tuple"):
        value_and_grad(lambda x: (x, x))(2.0)


@pytest.mark.parametrize(
    "argnums, error, match",
    [("0", TypeError, "argnums must be an int or a non-empty tuple"),
     ((), TypeError, "non-empty tuple"),
     ([0], TypeError, "got list"),
     (-1, ValueError, "ints >= 0"),
     ((0, 0), ValueError, "repeats"),
     (True, TypeError, "got bool")],
)
def test_grad_validates_argnums(argnums, error, match):
    with pytest.raises(error, match=match):
        grad(lambda x: x, argnums=argnums)


def test_grad_argnums_out_of_range_and_bad_arguments():
    with pytest.raises(ValueError, match="argnums 1 is out of range"):
        grad(lambda x: x, argnums=1)(2.0)
    with pytest.raises(TypeError, match="argument 0"):
        grad(lambda x: x)("2.0")
    with pytest.raises(TypeError, match="must be callable"):
        grad(3)


# ---- hypothesis: random graphs at second order ----------------------------------------


@settings(max_examples=40, deadline=None)
@given(spec=graphs(max_leaves=3, max_nodes=8), data=st.data())
def test_random_graphs_second_order_matches_differences_of_gradients(spec, data):
    """Every d2 out/dxi dxj from create_graph against central differences of gradients()."""
    built = build_ours(spec)
    first = gradients(built.output, built.leaves, create_graph=True)
    i = data.draw(st.integers(0, len(built.leaves) - 1))
    analytic = [h.data for h in gradients(first[i], built.leaves)]

    def g_i(point: list[float]) -> float:
        b = build_ours(spec._replace(leaves=tuple(point)))
        return gradients(b.output, b.leaves)[i].data

    for j, x in enumerate(spec.leaves):
        h = 1e-6 * max(1.0, abs(x))
        up, down = list(spec.leaves), list(spec.leaves)
        up[j], down[j] = x + h, x - h
        try:
            numeric = (g_i(up) - g_i(down)) / (2 * h)
        except (ArithmeticError, ValueError):
            continue
        if not math.isfinite(numeric):
            continue
        # kinks (relu, abs) make the first derivative jump: skip where that happens nearby
        if abs(analytic[j] - numeric) > 1e-4 + 1e-4 * abs(numeric):
            from random_graphs import kink_inputs

            near_kink = any(
                abs(k) < 1e-3 for p in (up, down, list(spec.leaves)) for k in kink_inputs(spec, p)
            )
            assert near_kink, (i, j, analytic[j], numeric)


# ---- memory ---------------------------------------------------------------------------


def test_create_graph_graphs_are_freed_by_reference_counting():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.4)
        out = (x * x).tanh().exp() + x.sigmoid() / (x + 2) + (x ** x) + dot([x], [x])
        g1 = gradients(out, [x], create_graph=True)[0]
        g2 = gradients(g1, [x], create_graph=True)[0]
        refs = [weakref.ref(n) for n in topological_order(g2)]
        del out, g1, g2, x
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_rules_hold_numbers_not_nodes():
    x, y = Value(0.5), Value(2.0)
    for out in (x * y, x / y, x**y, x**3, x.exp(), x.log(), x.sqrt(), x.tanh(), x.sigmoid(),
                dot([x], [y])):
        held = out.local_grads.args
        flat = [a for h in held for a in (h if type(h) in (tuple, list) else (h,))]
        assert all(type(a) is float for a in flat), (out.op, held)
        assert type(out.local_grads()) is tuple and all(type(v) is float for v in out.local_grads())


# ---- jvp: forward mode ----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(spec=graphs(max_leaves=4, max_nodes=10), data=st.data())
def test_jvp_matches_gradients_dotted_with_the_tangent(spec, data):
    tangents = [data.draw(st.floats(-2, 2)) for _ in spec.leaves]
    built = build_ours(spec)
    grads = [g.data for g in gradients(built.output, built.leaves)]
    want = sum(g * t for g, t in zip(grads, tangents))

    def f(*xs):
        return build_ours(spec._replace(leaves=tuple(x.data for x in xs))).output

    # f rebuilds from numbers, so jvp sees a graph without the leaves: use a direct f instead
    value, tangent = jvp(lambda *xs: _rebuild(spec, xs), spec.leaves, tangents)
    assert value == built.output.data
    assert tangent == pytest.approx(want, rel=1e-12, abs=1e-12)


def _rebuild(spec, leaves):
    from random_graphs import DAG_OPS

    values = list(leaves)
    for node in spec.nodes:
        values.append(DAG_OPS[node.op].apply(LIB, [values[a] for a in node.args], node.const))
    sinks = spec.sinks()
    out = values[sinks[0]]
    for s in sinks[1:]:
        out = out + values[s]
    return out


def test_jvp_basics_and_errors():
    assert jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0)) == (6.0, 3.0)
    assert jvp(lambda x, y: x * y, [2.0, 3.0], [0.0, 1.0]) == (6.0, 2.0)
    assert jvp(lambda x: x.tanh(), [0.0], [2.0]) == (0.0, 2.0)
    with pytest.raises(ValueError, match="equally long"):
        jvp(lambda x: x, [1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="primals must be a list"):
        jvp(lambda x: x, 1.0, [1.0])
    with pytest.raises(TypeError, match=r"tangents\[0\]"):
        jvp(lambda x: x, [1.0], ["a"])


# ---- custom ops -----------------------------------------------------------------------


@custom_op("softplus", derivative=lambda out, x: (x.sigmoid(),))
def softplus(x: float):
    """log(1 + e^x);  d/dx = sigmoid(x)."""
    return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)


@custom_op("hyp")
def hyp(x: float, y: float):
    """sqrt(x^2 + y^2), first order only."""
    r = math.hypot(x, y)
    return r, (x / r, y / r)


def test_custom_op_is_a_node_like_a_built_in():
    x = Value(0.5, label="x")
    y = softplus(x)
    assert y.op == "softplus" and y.parents == (x,)
    assert y.data == math.log1p(math.exp(0.5))
    steps = list((y * 2).backward_steps())
    assert x.grad == 2 / (1 + math.exp(-0.5))
    assert [s.node.op for s in steps] == ["*", "softplus"]
    assert "softplus" in steps[1].explain() or "x" in steps[1].explain()
    assert gradcheck(lambda v: softplus(v * v), [0.7])
    assert gradcheck(hyp, [3.0, -4.0])
    assert hyp(3.0, 4.0).data == 5.0  # numbers are lifted


def test_custom_op_second_order_with_a_differentiable_derivative():
    s = 1 / (1 + math.exp(-0.3))
    assert grad(grad(softplus))(0.3) == pytest.approx(s * (1 - s), rel=1e-14)
    assert gradgradcheck(lambda v: softplus(v * v), [0.7])


def test_custom_op_without_derivative_names_the_op_at_second_order():
    x, y = Value(3.0), Value(4.0)
    assert [g.data for g in gradients(hyp(x, y), [x, y])] == [0.6, 0.8]
    with pytest.raises(TypeError, match="custom op 'hyp'.*derivative="):
        gradients(hyp(x, y), [x, y], create_graph=True)
    with pytest.raises(TypeError, match="'hyp'"):
        grad(grad(hyp))(3.0, 4.0)


@pytest.mark.parametrize(
    "returned, match",
    [(1.0, "must return \\(value"),
     ((1.0, 2.0), "needs a tuple of 1 local"),
     (("a", (1.0,)), "value must be a real number"),
     ((1.0, (1.0, 2.0)), "needs a tuple of 1 local")],
)
def test_custom_op_checks_what_the_function_returns(returned, match):
    op = custom_op("odd")(lambda x: returned)
    with pytest.raises(TypeError, match=match):
        op(Value(1.0))


def test_custom_op_checks_its_arguments():
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        custom_op("")
    with pytest.raises(TypeError, match="derivative must be a function"):
        custom_op("x", derivative=3)
    with pytest.raises(TypeError, match="argument 0"):
        softplus("1")


# ---- hessian and jvp against torch's (golden) --------------------------------------------

GOLDEN_FUNCTIONS = {f["function"]: f for f in load()["functions"]} if "functions" in load() else {}


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.name)
def test_hessian_and_jvp_match_torch(fn):
    stored = GOLDEN_FUNCTIONS.get(fn.name)
    if stored is None:
        pytest.skip(f"no golden values for {fn.name} yet: run `make golden`")
    got = hessian(fn.apply)(*fn.point)
    for i, (row, want_row) in enumerate(zip(got, stored["hessian"], strict=True)):
        for j, (h, w) in enumerate(zip(row, want_row, strict=True)):
            assert math.isclose(h, decode(w), rel_tol=1e-12, abs_tol=1e-15), (i, j, h, w)
    value, tangent = jvp(fn.apply, fn.point, fn.tangent)
    assert math.isclose(value, decode(stored["value"]), rel_tol=1e-14)
    assert math.isclose(tangent, decode(stored["jvp"]), rel_tol=1e-12)
    # and jvp is the gradient dotted with the tangent
    grads = grad(fn.apply, argnums=tuple(range(len(fn.point))))(*fn.point)
    assert tangent == pytest.approx(sum(g * t for g, t in zip(grads, fn.tangent)), rel=1e-13)


def test_readme_derivatives_example_prints_what_it_promises():
    import contextlib
    import io

    from test_readme import README, promised_outputs, python_blocks

    [code] = [b for b in python_blocks() if "hessian(" in b]
    assert "## Derivatives of derivatives" in README.read_text(encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md derivatives block", "exec"), {})  # noqa: S102
    printed = out.getvalue().splitlines()
    promised = promised_outputs(code)
    assert len(promised) == 6
    for expected in promised:
        assert any(line.startswith(expected) for line in printed), (expected, printed)
