"""Turning user input into Python floats, and the float arithmetic that needs care.

Only the standard library is used: numpy scalars are recognised without importing numpy.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def is_real(x: object) -> bool:
    """True for int, float, bool and numpy real scalars (not complex, str, arrays...)."""
    if type(x) is float or type(x) is int or isinstance(x, numbers.Real):
        return True
    kind = type(x)  # numpy.bool_ is the one numpy real scalar that is not numbers.Real
    return kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool")


def as_float(x: object, what: str = "Value") -> float:
    """``float(x)`` for a real number; ``TypeError`` naming the type for anything else."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if is_real(x):
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:  # an int beyond the float range, e.g. 10**400
            raise OverflowError(f"{what}: {short_int(x)} is too large for a float") from None
    raise not_a_number(what, x, "a real number")


def short_int(n: int, limit: int = 60) -> str:
    """An int as text cut to about ``limit`` characters; one of more than 4,300 digits (which
    ``str`` refuses to convert) as its number of bits."""
    try:
        text = repr(n)
    except ValueError:  # beyond sys.get_int_max_str_digits()
        return f"{'a negative' if n < 0 else 'an'} integer of {n.bit_length():,} bits"
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-(limit // 2) :]}"


def not_a_number(where: str, x: object, wanted: str = "a Value or a real number") -> TypeError:
    """The TypeError for ``x`` where a real number (or a Value) belongs: names ``where``,
    the type and (at most about 60 characters of) the value; for an array, how to convert."""
    import reprlib  # only on this error path

    kind = type(x).__name__
    if hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        shape = getattr(x, "shape", "?")
        return TypeError(
            f"{where}: arrays are not supported (got {kind} of shape {shape}): for one number "
            f"use float(a) or a.item(); for many numbers make a list of Values"
        )
    short = reprlib.Repr()
    short.maxstring = short.maxother = 60
    shown = short.repr(x)
    return TypeError(
        f"{where}: needs {wanted} (int, float, bool or numpy real scalar), "
        f"got {kind}: {shown}"
    )


def checked_pow(x: float, y: float) -> float:
    """``x ** y`` for real results only, with errors that name the operation and the values."""
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError(f"power: 0.0 cannot be raised to a negative power ({x!r} ** {y!r})")
    if x < 0.0 and math.isfinite(y) and not y.is_integer():
        raise ValueError(
            f"power: a negative base with a non-integer exponent is not real ({x!r} ** {y!r})"
        )
    try:
        return x**y
    except OverflowError:
        raise OverflowError(
            f"power: the result is too large for a float ({x!r} ** {y!r})"
        ) from None


def value_of(x: object) -> float:
    """The number of a float or a Value (``x.data``): for the branches a derivative rule takes
    (``if value_of(x) == 0``), which must not depend on whether it runs on numbers or Values."""
    return x if type(x) is float else x.data  # type: ignore[return-value,attr-defined]


def exp(x: Any) -> Any:
    """e^x of a float (``math.exp``) or of a Value (``x.exp()``): for derivative rules."""
    return math.exp(x) if type(x) is float else x.exp()


def log(x: Any) -> Any:
    """ln x of a float (``math.log``) or of a Value (``x.log()``): for derivative rules."""
    return math.log(x) if type(x) is float else x.log()


def power_derivative(x: Any, n: Any) -> Any:
    """d/dx x**n = n * x**(n-1), with PyTorch's conventions at the edges:
    0 when n == 0 (even at x == 0), and an infinity where x**(n-1) blows up.
    On Values (``gradients(create_graph=True)``) the same formula, built from Value ops."""
    if type(x) is not float or type(n) is not float:  # Values: a differentiable graph
        if value_of(n) == 0.0 and (type(n) is float or value_of(x) == 0.0):
            return 0.0  # a constant exponent 0: the slope is 0 all around
        try:  # (an exponent Value at 0 keeps the formula: d/dn of n x^(n-1) is x^(n-1))
            return n * x ** (n - 1.0)
        except (ZeroDivisionError, OverflowError):  # an infinite slope: a constant here
            return power_derivative(value_of(x), value_of(n))
    if n == 0.0:
        return 0.0
    try:
        return n * x ** (n - 1.0)
    except ZeroDivisionError:  # x == 0 and 0 < n < 1: the slope is vertical
        return math.copysign(math.inf, n)
    except OverflowError:  # |x| tiny and n - 1 very negative
        odd = (n - 1.0).is_integer() and (n - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, n * (x if odd else 1.0))


def exponent_derivative(x: Any, power: Any) -> Any:
    """d/dy x**y = x**y * ln x (``power`` is x**y), with PyTorch's conventions: 0 at x == 0
    (where x**y is 0 or 1 and the product is taken as 0; nan when y is nan), nan for x < 0
    (ln x is not real) and for x nan. On Values the same formula, built from Value ops."""
    base = value_of(x)
    if base > 0.0:
        return power * log(x)
    return power * 0.0 if base == 0.0 else math.nan


def fmt(x: float) -> str:
    """A float for people: 6 significant digits, shown like Python shows floats (1.0, -3.0,
    0.761594, 1e-10)."""
    if not math.isfinite(x):
        return repr(x)
    return repr(float(f"{x:.6g}"))
