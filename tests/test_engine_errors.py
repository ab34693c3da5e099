"""Bad input: a clear error naming the operation and the value, and nothing changed.
Numpy scalars: welcome on either side of every operator."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from errors import error_of, live_values

from autograd import Value, dot, gradcheck, sum_values

# ---- data that is not a real number ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    ["2.0", None, 1 + 2j, [1.0], (1.0,), np.array([1.0, 2.0]), np.array(1.0), Value(1.0),
     np.complex128(1.0), {"x": 1.0}],
    ids=lambda d: type(d).__name__,
)
def test_non_real_data_is_a_type_error_naming_the_type(data):
    message = error_of(TypeError, lambda: Value(data))
    assert type(data).__name__ in message


SYMBOLS = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
           operator.pow: "**"}


@pytest.mark.parametrize("other", ["2", None, 1j, [1.0], np.array([1.0, 2.0])], ids=repr)
@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.pow], ids=lambda f: f.__name__)
def test_operators_reject_non_real_operands(op, other):
    x = Value(2.0)
    message = error_of(TypeError, lambda: op(x, other))
    assert type(other).__name__ in message and SYMBOLS[op] in message, message
    message = error_of(TypeError, lambda: op(other, x))  # reflected: ours too, not numpy's
    assert type(other).__name__ in message and SYMBOLS[op] in message, message
    assert (x.data, x.grad, x.parents) == (2.0, 0.0, ())


# ---- domain and range errors ------------------------------------------------------------------

DOMAIN_ERRORS = [
    # (call, error, words the message must contain)
    ("x/0", lambda: Value(1.0) / 0, ZeroDivisionError, ["division", "1.0", "0.0"]),
    ("x/Value(0)", lambda: Value(-2.5) / Value(0.0), ZeroDivisionError, ["division", "-2.5", "0.0"]),
    ("number/Value(0)", lambda: 3 / Value(0.0), ZeroDivisionError, ["division", "3.0", "0.0"]),
    ("Value(0)**-1", lambda: Value(0.0) ** -1, ZeroDivisionError, ["power", "0.0", "-1.0"]),
    ("0**Value(-1)", lambda: 0 ** Value(-1.0), ZeroDivisionError, ["power", "0.0", "-1.0"]),
    ("Value(0)**Value(-2)", lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError,
     ["power", "-2.0"]),
    ("log(0)", lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
    ("log(-1)", lambda: Value(-1.0).log(), ValueError, ["log", "-1.0"]),
    ("sqrt(-1)", lambda: Value(-1.0).sqrt(), ValueError, ["sqrt", "-1.0"]),
    ("(-8)**(1/3)", lambda: Value(-8.0) ** (1 / 3), ValueError, ["power", "-8.0", "0.333"]),
    ("(-8)**Value(0.5)", lambda: Value(-8.0) ** Value(0.5), ValueError, ["power", "-8.0", "0.5"]),
    ("exp(1000)", lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000.0"]),
    ("10**400", lambda: Value(10.0) ** 400, OverflowError, ["power", "10.0", "400"]),
    ("10**Value(400)", lambda: 10 ** Value(400.0), OverflowError, ["power", "400"]),
]


@pytest.mark.parametrize("name, call, error, words", DOMAIN_ERRORS,
                         ids=[d[0] for d in DOMAIN_ERRORS])
def test_domain_errors_name_the_operation_and_the_value(name, call, error, words):
    message = error_of(error, call)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


FAILING_OPS = [
    # (name, op(x, y), (x.data, y.data), error); x is a leaf, y an interior node
    ("div", lambda x, y: x / y, (1.0, 0.0), ZeroDivisionError),
    ("rtruediv", lambda x, y: 2 / y, (1.0, 0.0), ZeroDivisionError),
    ("pow_value", lambda x, y: x**y, (0.0, -1.0), ZeroDivisionError),
    ("pow_negative_base", lambda x, y: y**x, (0.5, -8.0), ValueError),
    ("pow_number", lambda x, y: y ** (1 / 3), (1.0, -8.0), ValueError),
    ("log", lambda x, y: y.log(), (1.0, -1.0), ValueError),
    ("sqrt", lambda x, y: y.sqrt(), (1.0, -1.0), ValueError),
    ("exp", lambda x, y: x.exp(), (1000.0, 1.0), OverflowError),
]


@pytest.mark.parametrize("name, op, point, error", FAILING_OPS, ids=[f[0] for f in FAILING_OPS])
def test_a_failed_op_changes_nothing_and_leaves_no_graph(name, op, point, error):
    a = Value(0.5, label="a")
    x = Value(point[0], label="x")
    y = a + (point[1] - 0.5)
    y.backward()
    x.grad = 7.0

    def snapshot() -> list[tuple]:
        return [(v.data, v.grad, v.parents, v.op, v.label) for v in (a, x, y)]

    before = snapshot()
    assert y.data == point[1] and y.parents
    count = live_values()
    error_of(error, lambda: op(x, y))
    assert snapshot() == before
    assert live_values() == count, "the failed op left Values behind"


# ---- numpy scalars on both sides --------------------------------------------------------------

NUMPY_SCALARS = [np.float64(2.0), np.int64(2), np.float32(2.0), np.bool_(True), np.int32(-3)]
OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("op", OPERATORS, ids=lambda f: f.__name__)
def test_numpy_scalar_on_the_left_gives_a_value(scalar, op):
    y = Value(3.0)
    out = op(scalar, y)
    assert type(out) is Value
    assert type(out.data) is float
    assert out.data == op(float(scalar), 3.0)
    assert out.parents[1] is y and type(out.parents[0].data) is float
    out.backward()
    assert type(y.grad) is float


@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("op", OPERATORS, ids=lambda f: f.__name__)
def test_numpy_scalar_on_the_right_gives_a_value(scalar, op):
    x = Value(3.0)
    out = op(x, scalar)
    assert type(out) is Value
    assert type(out.data) is float
    assert out.data == op(3.0, float(scalar))
    assert out.parents[0] is x


def test_numpy_scalar_gradients():
    y = Value(3.0)
    (np.float64(2.0) * y).backward()
    assert y.grad == 2.0
    y = Value(3.0)
    (np.float64(2.0) ** y).backward()
    assert y.grad == 8.0 * math.log(2.0)
    y = Value(3.0)
    (np.float32(1.0) / y).backward()
    assert y.grad == -(1.0 / 3.0) / 3.0
    y = Value(3.0)
    (np.int64(5) - y).backward()
    assert y.grad == -1.0


# ---- tanh and sigmoid never overflow -----------------------------------------------------------


@pytest.mark.parametrize("x", [1000.0, -1000.0, 710.0, -710.0, 1e300, -1e300])
def test_tanh_and_sigmoid_are_finite_far_out(x):
    sign = math.copysign(1.0, x)
    v = Value(x)
    t, s = v.tanh(), v.sigmoid()
    assert t.data == sign
    assert s.data == (1.0 if x > 0 else 0.0)
    (t + s).backward()
    assert v.grad == 0.0
    assert t.local_grads() == (0.0,) and s.local_grads() == (0.0,)


def test_sigmoid_just_inside_the_range():
    v = Value(-700.0)
    s = v.sigmoid()
    s.backward()
    assert 0.0 < s.data < 1e-300
    assert math.isclose(v.grad, s.data, rel_tol=1e-12)  # s(1 - s) ~ s


# ---- arrays, non-iterables, gradcheck's tolerances ---------------------------------------------


@pytest.mark.parametrize("array", [np.array(2.0), np.array([1.0, 2.0]), np.float64([3.0])],
                         ids=["0-d", "1-d", "1-element"])
@pytest.mark.parametrize("op", OPERATORS, ids=lambda f: f.__name__)
def test_arrays_are_refused_with_how_to_convert(op, array):
    x = Value(2.0)
    count = live_values()
    for call in (lambda: op(x, array), lambda: op(array, x)):
        message = error_of(TypeError, call)
        for word in ("array", "not supported", "float(a)", "a.item()", "list of Values",
                     SYMBOLS[op]):
            assert word in message, f"{word!r} not in {message!r}"
    assert (x.data, x.grad, x.parents) == (2.0, 0.0, ())
    assert live_values() == count


def test_value_of_an_array_says_how_to_convert():
    message = error_of(TypeError, lambda: Value(np.array(2.0)))
    assert "ndarray" in message and "float(a)" in message and "a.item()" in message


@pytest.mark.parametrize(
    "call, words",
    [(lambda: sum_values(5), ["sum_values", "items", "iterable", "int"]),
     (lambda: sum_values(None), ["sum_values", "items", "NoneType"]),
     (lambda: dot(5, [1.0]), ["dot", "weights", "int"]),
     (lambda: dot([1.0], 2.5), ["dot", "inputs", "float"]),
     (lambda: sum_values([Value(1.0), np.array(2.0)]), ["sum_values", "array", "a.item()"])],
    ids=["sum_values(5)", "sum_values(None)", "dot(5,..)", "dot(..,2.5)", "sum_values(array)"],
)
def test_reductions_name_the_argument_that_is_not_a_list(call, words):
    message = error_of(TypeError, call)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.parametrize("eps", [0.0, -1e-6, math.nan, math.inf, -math.inf])
def test_gradcheck_refuses_an_eps_that_is_not_positive_and_finite(eps):
    called = []

    def f(x: Value) -> Value:
        called.append(x)
        return x * x

    message = error_of(ValueError, lambda: gradcheck(f, [1.0], eps=eps))
    assert "eps" in message and repr(eps) in message
    assert called == []  # checked before f runs


@pytest.mark.parametrize("name", ["eps", "atol", "rtol"])
def test_gradcheck_tolerances_must_be_numbers(name):
    message = error_of(TypeError, lambda: gradcheck(lambda x: x, [1.0], **{name: "1e-6"}))
    assert name in message and "str" in message


@pytest.mark.parametrize("name, bad", [("atol", -1.0), ("rtol", math.nan), ("atol", math.inf)])
def test_gradcheck_tolerances_must_be_finite_and_not_negative(name, bad):
    message = error_of(ValueError, lambda: gradcheck(lambda x: x, [1.0], **{name: bad}))
    assert name in message and repr(bad) in message
