"""Every op and reversed op: its value against plain float math, its gradient against central
differences (``autograd.gradcheck`` and our own five-point check), and the graph it records."""

from __future__ import annotations

import math
import re

import pytest
from engine_ops import CASES, OPS, Case, Lib
from numeric import central_difference, with_ulps

from autograd import GradcheckError, Value, dot, gradcheck, no_grad, sum_values

LIB = Lib(sum=sum_values, dot=dot)
SMOOTH = [c for c in CASES if c.smooth]


def _left_to_right(terms: list[float]) -> float:
    total = 0.0
    for t in terms:
        total += t
    return total


# The value each op should compute, in plain floats, written independently of the engine.
REFERENCE = {
    "add": lambda x, c: x[0] + x[1],
    "sub": lambda x, c: x[0] - x[1],
    "mul": lambda x, c: x[0] * x[1],
    "div": lambda x, c: x[0] / x[1],
    "pow_t": lambda x, c: x[0] ** x[1],
    "add_c": lambda x, c: x[0] + c[0],
    "sub_c": lambda x, c: x[0] - c[0],
    "mul_c": lambda x, c: x[0] * c[0],
    "div_c": lambda x, c: x[0] / c[0],
    "pow_n": lambda x, c: x[0] ** c[0],
    "radd": lambda x, c: c[0] + x[0],
    "rsub": lambda x, c: c[0] - x[0],
    "rmul": lambda x, c: c[0] * x[0],
    "rtruediv": lambda x, c: c[0] / x[0],
    "rpow": lambda x, c: c[0] ** x[0],
    "add_self": lambda x, c: 2.0 * x[0],
    "mul_self": lambda x, c: x[0] ** 2,
    "div_self": lambda x, c: 1.0,
    "neg": lambda x, c: -x[0],
    "abs": lambda x, c: math.fabs(x[0]),
    "exp": lambda x, c: math.exp(x[0]),
    "log": lambda x, c: math.log(x[0]),
    "sqrt": lambda x, c: math.sqrt(x[0]),
    "tanh": lambda x, c: math.tanh(x[0]),
    "sigmoid": lambda x, c: math.exp(min(x[0], 0.0)) / (1.0 + math.exp(-abs(x[0]))),
    "relu": lambda x, c: x[0] if math.isnan(x[0]) else max(x[0], 0.0),  # relu(nan) = nan
    "sum": lambda x, c: _left_to_right(list(x)),  # documented: summed left to right
    "dot": lambda x, c: _left_to_right([w * v for w, v in zip(x[:3], x[3:])]),
}


def case_id(case: Case) -> str:
    return f"{case.op}({','.join(repr(v) for v in case.inputs + case.consts)})"


def evaluate(case: Case, inputs: list[float]) -> float:
    with no_grad():
        return OPS[case.op].apply(LIB, [Value(x) for x in inputs], case.consts).data


def test_reference_covers_every_op():
    assert set(REFERENCE) == set(OPS)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_value(case: Case):
    ours = evaluate(case, list(case.inputs))
    want = REFERENCE[case.op](case.inputs, case.consts)
    # abs_tol: sigmoid(-745) is 5e-324 exactly but 1 / (1 + exp(745)) gives 0 (as PyTorch)
    if math.isnan(want):  # nan propagates through every op
        assert math.isnan(ours), (ours, want)
        return
    assert math.isclose(ours, want, rel_tol=1e-14, abs_tol=1e-300) or ours == want, (ours, want)


@pytest.mark.parametrize("case", SMOOTH, ids=case_id)
def test_gradcheck(case: Case):
    op = OPS[case.op]
    assert gradcheck(lambda *xs: op.apply(LIB, xs, case.consts), list(case.inputs)) is True


@pytest.mark.parametrize("case", SMOOTH, ids=case_id)
def test_five_point_central_difference(case: Case):
    xs = [Value(x) for x in case.inputs]
    OPS[case.op].apply(LIB, xs, case.consts).backward()
    for i, x in enumerate(xs):
        numeric, error = central_difference(with_ulps(lambda p: evaluate(case, p)), case.inputs, i)
        tol = error + 1e-9 * abs(numeric)
        assert abs(x.grad - numeric) <= tol, f"input {i}: backward {x.grad!r}, numeric {numeric!r}"


# ---- the graph each op records -----------------------------------------------------------


def test_binary_ops_record_operands_in_order():
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    for out, op in [(x + y, "+"), (x - y, "-"), (x * y, "*"), (x / y, "/"), (x ** y, "**")]:
        assert out.op == op
        assert out.parents == (x, y)
        assert len(out.local_grads()) == 2


def test_reflected_ops_lift_the_number_to_a_constant_leaf():
    y = Value(4.0, label="y")
    for out, op, value in [
        (3 + y, "+", 7.0), (3 - y, "-", -1.0), (3 * y, "*", 12.0), (3 / y, "/", 0.75),
        (3 ** y, "**", 81.0),
    ]:
        constant, operand = out.parents
        assert (out.op, out.data) == (op, value)
        assert operand is y
        assert constant.data == 3.0 and constant.op == "" and constant.parents == ()
        assert type(constant.data) is float


def test_number_exponent_is_part_of_the_op_name():
    x = Value(2.0)
    assert (x**2).op == "**2"
    assert (x**0.5).op == "**0.5"
    assert (x**-1).op == "**-1"
    assert (x**2).parents == (x,)


def test_unary_op_names():
    x = Value(0.5)
    names = {
        "neg": -x, "abs": abs(x), "exp": x.exp(), "log": x.log(), "sqrt": x.sqrt(),
        "tanh": x.tanh(), "sigmoid": x.sigmoid(), "relu": x.relu(),
    }
    for op, out in names.items():
        assert out.op == op
        assert out.parents == (x,)


def test_sum_and_dot_are_single_nodes():
    a, b, c, d = (Value(v) for v in (1.0, 2.0, 3.0, 4.0))
    s = sum_values([a, b, c])
    assert (s.op, s.parents, s.data) == ("sum", (a, b, c), 6.0)
    p = dot([a, b], [c, d])
    assert (p.op, p.parents, p.data) == ("dot", (a, b, c, d), 11.0)
    p.backward()
    assert (a.grad, b.grad, c.grad, d.grad) == (3.0, 4.0, 1.0, 2.0)
    q = dot([a, 2], [3, d])  # numbers become constant leaves
    assert q.data == 11.0 and q.parents[0] is a and q.parents[3] is d
    assert q.parents[1].data == 2.0 and q.parents[1].op == ""


def test_sum_and_dot_reject_bad_lengths():
    with pytest.raises(ValueError, match="sum_values"):
        sum_values([])
    with pytest.raises(ValueError, match="dot"):
        dot([Value(1.0)], [Value(1.0), Value(2.0)])
    with pytest.raises(TypeError, match="str"):
        sum_values([Value(1.0), "2"])


# ---- gradcheck itself -----------------------------------------------------------------------


def wrong_square(x: Value) -> Value:
    """x^2 with a wrong local derivative: x instead of 2x."""
    return Value(x.data * x.data, parents=(x,), op="**2", local_grads=lambda: (x.data,))


def test_gradcheck_catches_a_wrong_local_derivative():
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square, [3.0])
    message = str(info.value)
    assert "input 0" in message
    analytic = float(re.search(r"analytic (\S+?),", message).group(1))
    numeric = float(re.search(r"numeric (\S+?) ", message).group(1))
    assert analytic == 3.0
    assert math.isclose(numeric, 6.0, rel_tol=1e-6)


def test_gradcheck_names_the_wrong_input():
    def f(x: Value, y: Value) -> Value:
        return x * 2.0 + wrong_square(y)

    with pytest.raises(GradcheckError, match=r"input 1 \(at -1\.5\)"):
        gradcheck(f, [0.5, -1.5])
    assert gradcheck(lambda x, y: x * 2.0 + y * y, [0.5, -1.5]) is True


def test_gradcheck_rejects_a_non_value_result():
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda x: 2.0, [1.0])
