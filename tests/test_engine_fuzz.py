"""Fuzzing ``Value``'s constructor, operators and methods with hypothesis: random mixes of
Values, Python and numpy numbers, nan and infinities, strings, None, complex numbers, lists
and arrays, on both sides of every operator.

Every call either returns the right Value (its data equal to plain float math, nan for nan;
backward runs and gives float gradients) or raises TypeError, ValueError, ZeroDivisionError
or OverflowError with a message naming the operation (and, for a wrong type, the type). A
failed call leaves its operands as they were, no node alive and the grad mode unchanged.
"""

from __future__ import annotations

import gc
import math
import operator
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd.value as value_module
from autograd import Value, is_grad_enabled, no_grad

ERRORS = (TypeError, ValueError, ZeroDivisionError, OverflowError)
FUZZ = settings(max_examples=400, deadline=None)
# np.float32(1e308) is inf, as it should be: numpy's warning about it is no finding
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, 1e-300, 5e-324, 1e308, -1e308, 700.0,
           710.0, -745.0, math.nan, math.inf, -math.inf]
floats = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))
values = floats.map(Value)
# (ints of more than 4,300 digits too: str() refuses them, so a message must not call it)
python_reals = st.one_of(floats, st.integers(-(10**400), 10**400), st.integers(-5, 5),
                         st.booleans(), st.sampled_from([10**5000, -(10**5000)]))
numpy_reals = st.one_of(floats.map(np.float64), floats.map(np.float32),
                        st.integers(-(2**63), 2**63 - 1).map(np.int64), st.booleans().map(np.bool_))
not_numbers = st.one_of(
    st.text(max_size=3), st.none(), st.complex_numbers(max_magnitude=10.0),
    floats.map(np.array), st.lists(floats, min_size=1, max_size=2).map(np.array),
    st.lists(floats, max_size=2), st.tuples(floats), st.builds(object), values.map(lambda v: [v]),
)
operands = st.one_of(values, python_reals, numpy_reals, not_numbers)

BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow,
}
UNARY = {
    "neg": (operator.neg, lambda x: -x),
    "abs": (abs, math.fabs),
    "exp": (Value.exp, math.exp),
    "log": (Value.log, math.log),
    "sqrt": (Value.sqrt, math.sqrt),
    "tanh": (Value.tanh, math.tanh),
    "sigmoid": (Value.sigmoid, lambda x: math.exp(min(x, 0.0)) / (1.0 + math.exp(-abs(x)))),
    "relu": (Value.relu, lambda x: x if math.isnan(x) else max(x, 0.0)),
}
# words one of which an error message must contain, per operation
WORDS = {"+": ["'+'"], "-": ["'-'"], "*": ["'*'"], "/": ["'/'", "division"],
         "**": ["'**'", "power"], "exp": ["exp"], "log": ["log"], "sqrt": ["sqrt"]}


def is_real(x: object) -> bool:
    return isinstance(x, (int, float, np.floating, np.integer, np.bool_))


def as_float(x: object) -> float:
    return x.data if isinstance(x, Value) else float(x)  # type: ignore[arg-type]


@contextmanager
def values_made() -> Iterator[list[weakref.ref]]:
    """Weak references to every Value made inside: by ``Value(...)`` or by an operation
    (``autograd.value._result``). Cheaper than scanning ``gc.get_objects()`` per example."""
    made: list[weakref.ref] = []
    result, init = getattr(value_module, "_result", None), Value.__init__

    def recording_result(*args: object) -> Value:
        out = result(*args)
        made.append(weakref.ref(out))
        return out

    def recording_init(self: Value, *args: object, **kwargs: object) -> None:
        made.append(weakref.ref(self))
        init(self, *args, **kwargs)

    value_module._result, Value.__init__ = recording_result, recording_init  # type: ignore
    try:
        yield made
    finally:
        value_module._result, Value.__init__ = result, init  # type: ignore


def none_alive(made: list[weakref.ref]) -> bool:
    if any(ref() is not None for ref in made):
        gc.collect()  # a cycle (a traceback) may still hold one for a moment
    return all(ref() is None for ref in made)


def same(ours: float, want: float, tolerant: bool = False) -> bool:
    if math.isnan(want):
        return math.isnan(ours)
    if tolerant:
        return math.isclose(ours, want, rel_tol=1e-12, abs_tol=1e-300)
    return ours == want


def reference(op: str, x: float, y: float) -> float | type[BaseException]:
    """Plain float math, or the error the README's rules give: 0 to any negative power
    (-inf too) is a ZeroDivisionError, a negative base (-inf too) with a finite fractional
    exponent a ValueError (Python gives inf and a complex number); else Python's errors."""
    if op == "**" and x == 0.0 and y < 0.0:
        return ZeroDivisionError
    if op == "**" and x < 0.0 and math.isfinite(y) and not y.is_integer():
        return ValueError
    try:
        result = BINARY[op](x, y)
    except (ZeroDivisionError, OverflowError) as err:
        return type(err)
    if isinstance(result, complex):
        return ValueError
    return result


def snapshot(xs: tuple[object, ...]) -> list[tuple]:
    return [(x.data, x.grad, x.parents, x.op) for x in xs if isinstance(x, Value)]


def check_failure(err: BaseException, words: list[str], bad: list[object]) -> None:
    message = str(err)
    assert isinstance(err, ERRORS), f"{type(err).__name__}: {message}"
    assert any(word in message for word in words), f"{words} not in {message!r}"
    for x in bad:  # a wrong type is named
        assert type(x).__name__ in message or "array" in message, message
    assert len(message) < 400, message


@settings(FUZZ, max_examples=1000)
@given(operands, operands, st.sampled_from(sorted(BINARY)), st.booleans(), st.booleans())
def test_binary_operators(a, b, op, value_on_left, grad_off):
    if not isinstance(a, Value) and not isinstance(b, Value):  # one side is always a Value
        a = Value(float(a)) if isinstance(a, (float, np.floating)) else Value(1.5)
    x, y = (a, b) if value_on_left else (b, a)
    before, mode = snapshot((x, y)), is_grad_enabled()
    bad = [z for z in (x, y) if not isinstance(z, Value) and not is_real(z)]
    huge = [z for z in (x, y) if isinstance(z, int) and abs(z) > 2**1023]
    want: float | type[BaseException] | None = None
    if not bad and not huge:
        want = reference(op, as_float(x), as_float(y))
    failed = False
    with values_made() as made:
        try:
            if grad_off:
                with no_grad():
                    out = BINARY[op](x, y)
            else:
                out = BINARY[op](x, y)
        except ERRORS as err:
            failed = True
            assert is_grad_enabled() == mode
            if bad:
                check_failure(err, WORDS[op], bad)
            elif huge:
                assert isinstance(err, OverflowError) and "too large" in str(err), err
            else:
                assert want is type(err), f"{op}({x!r}, {y!r}): raised {err!r}, expected {want!r}"
                check_failure(err, WORDS[op], [])
            del err
    assert is_grad_enabled() == mode
    if failed:
        assert snapshot((x, y)) == before
        assert none_alive(made), "a failed operation left a Value alive"
        return
    assert not bad and not huge, f"{op} accepted {bad or huge}"
    assert isinstance(want, float), f"{op}({x!r}, {y!r}) gave {out!r}, expected {want!r}"
    assert type(out) is Value and type(out.data) is float
    assert same(out.data, want), f"{op}({x!r}, {y!r}): {out.data!r} != {want!r}"
    if grad_off:
        assert out.parents == ()
        return
    operands = (x,) if op == "**" and not isinstance(y, Value) else (x, y)  # x ** number
    assert len(out.parents) == len(operands)
    for operand, parent in zip(operands, out.parents):
        assert parent is operand if isinstance(operand, Value) else parent.op == ""
    out.backward()
    assert all(type(p.grad) is float for p in out.parents)


@FUZZ
@given(floats, st.sampled_from(sorted(UNARY)), st.booleans())
def test_unary_methods(x0, name, grad_off):
    method, plain = UNARY[name]
    x = Value(x0)
    try:
        want: float | type[BaseException] = plain(x0)
    except (ValueError, OverflowError) as err:
        want = type(err)
    mode = is_grad_enabled()
    try:
        if grad_off:
            with no_grad():
                out = method(x)
        else:
            out = method(x)
    except ERRORS as err:
        assert want is type(err), f"{name}({x0!r}): raised {err!r}, expected {want!r}"
        check_failure(err, WORDS[name], [])
        assert repr(x0) in str(err) or name == "exp"  # the value is named
        del err
        assert (x.grad, x.parents) == (0.0, ())
    else:
        assert isinstance(want, float), f"{name}({x0!r}) gave {out!r}, expected {want!r}"
        assert type(out.data) is float
        assert same(out.data, want, tolerant=name == "sigmoid"), (name, x0, out.data, want)
        if not grad_off:
            assert out.parents == (x,) and out.op == name
            out.backward()
            assert type(x.grad) is float
    assert is_grad_enabled() == mode


labels = st.one_of(st.text(max_size=5), st.none(), st.integers(), st.tuples(values, values))


@FUZZ
@given(operands, labels)
def test_constructor(data, label):
    failed = False
    with values_made() as made:
        try:
            v = Value(data, label=label)
        except ERRORS as err:
            failed = True
            message = str(err)
            if not is_real(data):
                assert isinstance(err, TypeError) and "Value" in message, message
                assert type(data).__name__ in message or "array" in message, message
            elif isinstance(data, int) and abs(data) > 2**1023:
                assert isinstance(err, OverflowError) and "too large" in message, message
            else:
                assert isinstance(err, TypeError) and "label" in message, message
                assert type(label).__name__ in message, message
            del err
    if failed:
        assert none_alive(made)
        return
    assert is_real(data) and isinstance(label, str)
    assert type(v.data) is float and same(v.data, float(data))
    assert (v.label, v.grad, v.parents, v.op) == (label, 0.0, (), "")


items = st.one_of(st.lists(st.one_of(values, python_reals, numpy_reals, not_numbers), max_size=4),
                  not_numbers, python_reals)


def item_list(group: object) -> list | None:
    """What sum_values/dot see: the items of any iterable; None if it is not iterable."""
    try:
        return list(group)  # type: ignore[call-overload]
    except TypeError:
        return None


def good_item(z: object) -> bool:
    return isinstance(z, Value) or (is_real(z) and not (isinstance(z, int) and abs(z) > 2**1023))


@FUZZ
@given(items, items, st.booleans())
def test_sum_values_and_dot(xs, ws, use_dot):
    from autograd import dot, sum_values

    groups = (ws, xs) if use_dot else (xs,)
    lists = [item_list(g) for g in groups]
    with values_made() as made:
        try:
            out = dot(ws, xs) if use_dot else sum_values(xs)
        except ERRORS as err:
            message = str(err)
            assert ("dot" if use_dot else "sum_values") in message, message
            # the argument that is no iterable, or an item that is no number, named by type
            names = {type(g).__name__ for g, li in zip(groups, lists) if li is None}
            names |= {
                type(z).__name__ for li in lists if li for z in li
                if not isinstance(z, Value) and not is_real(z)
            }
            huge = any(isinstance(z, int) and abs(z) > 2**1023 for li in lists if li for z in li)
            if names or huge:  # whichever comes first is named
                assert (any(n in message for n in names) or "array" in message
                        or (huge and "too large" in message)), (names, message)
            else:  # every item fine: only the lengths can be wrong
                assert isinstance(err, ValueError) and "needs" in message, message
            del err
            failed = True
        else:
            failed = False
    if failed:
        assert none_alive(made), "a failed call left a Value alive"
        return
    assert all(li is not None and all(map(good_item, li)) for li in lists)
    if use_dot:
        terms = [as_float(w) * as_float(x) for w, x in zip(*lists)]
    else:
        terms = [as_float(x) for x in lists[0]]
    want = 0.0
    for t in terms:
        want += t
    assert same(out.data, want), (out.data, want)
    out.backward()
    assert all(type(p.grad) is float for p in out.parents)
