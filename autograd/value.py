"""``Value``: one scalar in a computation graph, and the operations that build the graph.

Every operation follows the same rhythm: compute the output, state the local derivatives
(d output / d parent, one per parent, in parent order), return a new ``Value`` that records
its parents and a closure giving those local derivatives. ``backward`` then applies the
chain rule, dL/dparent += local derivative * dL/dnode, walking the graph from the end.

The closures capture floats and parents, never the node they belong to, so a graph holds no
reference cycles: it is freed by reference counting alone the moment it is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Union

from .backprop import backward, backward_steps
from .grad_mode import _no_grad_depth
from .real import (
    as_float,
    checked_pow,
    exponent_derivative,
    is_real,
    not_a_number,
    power_derivative,
)
from .scope import _scope

if TYPE_CHECKING:
    from .backprop import BackwardStep

LocalGrads = Callable[[], tuple[float, ...]]
Operand = Union["Value", float, int]


def _ones() -> tuple[float, float]:
    return (1.0, 1.0)


def _one_minus_one() -> tuple[float, float]:
    return (1.0, -1.0)


def _minus_one() -> tuple[float]:
    return (-1.0,)


def lift(other: object, where: str) -> Value:
    """``other`` as a Value (numbers become constant leaves); a TypeError naming ``where``
    (the operator or function) for anything else."""
    if isinstance(other, Value):
        return other
    if is_real(other):
        return Value(other)
    raise not_a_number(where, other)


class Value:
    """A scalar that remembers how it was computed.

    ``data`` is the number, ``grad`` is dL/d(this value) after ``L.backward()``, ``parents``
    are the operands it was computed from (in operand order, repeats kept), ``op`` names the
    operation ('' for a leaf) and ``local_grads()`` gives d(this)/d(parent) for each parent.
    """

    __slots__ = ("__weakref__", "data", "grad", "label", "local_grads", "op", "parents", "scope")

    # numpy: let `np.float64(2) * Value(3)` fall through to Value.__rmul__ and give a Value.
    __array_ufunc__ = None

    def __init__(
        self,
        data: float,
        label: str = "",
        parents: tuple[Value, ...] = (),
        op: str = "",
        local_grads: LocalGrads | None = None,
    ) -> None:
        if type(data) is not float:
            data = as_float(data)
        self.data: float = data
        self.grad: float = 0.0
        self.label: str = label
        self.scope: str = _scope.get()
        if parents and not _no_grad_depth.get():
            self.parents: tuple[Value, ...] = parents
            self.op: str = op
            self.local_grads: LocalGrads | None = local_grads
        else:  # a leaf, or an op under no_grad(): nothing to differentiate through
            self.parents = ()
            self.op = ""
            self.local_grads = None

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data!r}, grad={self.grad!r})"

    # ---- arithmetic --------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        other = lift(other, "operator '+'")
        # d(x + y)/dx = 1,  d(x + y)/dy = 1
        return Value(self.data + other.data, "", (self, other), "+", _ones)

    def __sub__(self, other: Operand) -> Value:
        other = lift(other, "operator '-'")
        # d(x - y)/dx = 1,  d(x - y)/dy = -1
        return Value(self.data - other.data, "", (self, other), "-", _one_minus_one)

    def __mul__(self, other: Operand) -> Value:
        other = lift(other, "operator '*'")
        x, y = self.data, other.data
        # d(x * y)/dx = y,  d(x * y)/dy = x
        return Value(x * y, "", (self, other), "*", lambda: (y, x))

    def __truediv__(self, other: Operand) -> Value:
        other = lift(other, "operator '/'")
        x, y = self.data, other.data
        if y == 0.0:
            raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
        # d(x / y)/dx = 1/y,  d(x / y)/dy = -x/y^2
        return Value(x / y, "", (self, other), "/", lambda: (1.0 / y, -(x / y) / y))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        if not is_real(other):
            raise not_a_number("operator '**'", other)
        x, n = self.data, as_float(other)
        out = checked_pow(x, n)
        # d(x^n)/dx = n * x^(n-1)
        return Value(out, "", (self,), f"**{n:g}", lambda: (power_derivative(x, n),))

    def _pow_value(self, exponent: Value) -> Value:
        """x ** y with y a Value: the gradient flows into the exponent too."""
        x, y = self.data, exponent.data
        out = checked_pow(x, y)
        # d(x^y)/dx = y * x^(y-1),  d(x^y)/dy = x^y * ln x
        return Value(
            out,
            "",
            (self, exponent),
            "**",
            lambda: (power_derivative(x, y), exponent_derivative(x, out)),
        )

    def __neg__(self) -> Value:
        # d(-x)/dx = -1
        return Value(-self.data, "", (self,), "neg", _minus_one)

    def __abs__(self) -> Value:
        x = self.data
        # d|x|/dx = sign(x), and 0 at x = 0 (as PyTorch)
        slope = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return Value(abs(x), "", (self,), "abs", lambda: (slope,))

    # reflected operators: `2 + x`, `2 * x`, `np.float64(2) * x`, ...
    def __radd__(self, other: Operand) -> Value:
        return lift(other, "operator '+'") + self

    def __rsub__(self, other: Operand) -> Value:
        return lift(other, "operator '-'") - self

    def __rmul__(self, other: Operand) -> Value:
        return lift(other, "operator '*'") * self

    def __rtruediv__(self, other: Operand) -> Value:
        return lift(other, "operator '/'") / self

    def __rpow__(self, other: Operand) -> Value:
        return lift(other, "operator '**'")._pow_value(self)

    # ---- functions ---------------------------------------------------------------------

    def exp(self) -> Value:
        x = self.data
        try:
            e = math.exp(x)
        except OverflowError:
            raise OverflowError(f"exp overflows a float: exp({x!r})") from None
        # d(e^x)/dx = e^x
        return Value(e, "", (self,), "exp", lambda: (e,))

    def log(self) -> Value:
        x = self.data
        if x <= 0.0:  # (nan passes: log(nan) is nan, as in PyTorch)
            raise ValueError(f"log is only defined for x > 0: log({x!r})")
        # d(ln x)/dx = 1/x
        return Value(math.log(x), "", (self,), "log", lambda: (1.0 / x,))

    def sqrt(self) -> Value:
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt is only defined for x >= 0: sqrt({x!r})")
        s = math.sqrt(x)
        # d(sqrt x)/dx = 1 / (2 sqrt x), infinite at x = 0
        return Value(s, "", (self,), "sqrt", lambda: (0.5 / s if s else math.inf,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)  # math.tanh saturates to +-1: no overflow
        # d(tanh x)/dx = 1 - tanh(x)^2, computed as (1 - t)(1 + t): near t = +-1 the
        # subtraction 1 - t*t cancels most digits (PyTorch fuses it into a single rounding)
        return Value(t, "", (self,), "tanh", lambda: ((1.0 - t) * (1.0 + t),))

    def sigmoid(self) -> Value:
        x = self.data
        try:
            s = 1.0 / (1.0 + math.exp(-x))  # PyTorch's formula
        except OverflowError:  # exp(-x) is beyond the largest float, so s rounds to 0
            s = 0.0
        # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))
        return Value(s, "", (self,), "sigmoid", lambda: (s * (1.0 - s),))

    def relu(self) -> Value:
        x = self.data
        # d(relu x)/dx = 1 for x > 0, else 0 (0 at the kink, as PyTorch);
        # nan passes through: relu(nan) = nan, with PyTorch's slope 1
        if not x <= 0.0:  # x > 0, or x is nan
            return Value(x, "", (self,), "relu", _relu_on)
        return Value(0.0, "", (self,), "relu", _relu_off)

    # ---- backpropagation ---------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``grad`` of every node in this value's graph with d(this)/d(node)."""
        backward(self)

    def backward_steps(self) -> Iterator[BackwardStep]:
        """``backward`` one node at a time: yields a ``BackwardStep`` after each node."""
        return backward_steps(self)


def _relu_on() -> tuple[float]:
    return (1.0,)


def _relu_off() -> tuple[float]:
    return (0.0,)
