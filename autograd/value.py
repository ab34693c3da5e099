"""``Value``: one scalar in a computation graph, and the operations that build the graph.

Every operation follows the same rhythm: compute the output, state the local derivatives
(d output / d parent, one per parent, in parent order), return a new ``Value`` that records
its parents and a closure giving those local derivatives (made by ``_result``: the same
``Value`` without the constructor's argument checks, which every operation would pay for). ``backward`` then applies the
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
    if is_real(other):  # a constant leaf, made without Value()'s argument checks
        return _result(as_float(other, where), (), "", None)
    raise not_a_number(where, other)


class Value:
    """A scalar that remembers how it was computed.

    ``data`` is the number, ``grad`` is dL/d(this value) after ``L.backward()``, ``parents``
    are the operands it was computed from (in operand order, repeats kept), ``op`` names the
    operation ('' for a leaf) and ``local_grads()`` gives d(this)/d(parent) for each parent.
    ``label`` is a name for pictures and explanations (a ``str``).
    """

    __slots__ = ("__weakref__", "_label", "data", "grad", "local_grads", "op", "parents", "scope")

    # numpy: let `np.float64(2) * Value(3)` fall through to Value.__rmul__ and give a Value.
    __array_ufunc__ = None

    def __init__(
        self,
        data: float,
        label: str = "",
        *more: object,
        parents: tuple[Value, ...] = (),
        op: str = "",
        local_grads: LocalGrads | None = None,
    ) -> None:
        if type(data) is not float:
            data = as_float(data)
        if more or type(label) is not str:
            raise _constructor_error(label, more)
        if parents or op or local_grads is not None:  # an operation made by hand
            _check_node(parents, op, local_grads)
        self.data: float = data
        self.grad: float = 0.0
        self._label: str = label
        self.scope: str = _scope.get()
        if parents and not _no_grad_depth.get():
            self.parents: tuple[Value, ...] = parents
            self.op: str = op
            self.local_grads: LocalGrads | None = local_grads
        else:  # a leaf, or an op under no_grad(): nothing to differentiate through
            self.parents = ()
            self.op = ""
            self.local_grads = None

    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        if type(label) is not str:
            raise _constructor_error(label, ())
        self._label = label

    # micrograd's names fail with a message naming ours (properties that raise: a __getattr__
    # would slow down every attribute read, as Python no longer specialises them)
    _prev = property(lambda self: _micrograd_name("_prev"))
    _op = property(lambda self: _micrograd_name("_op"))
    _backward = property(lambda self: _micrograd_name("_backward"))

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data!r}, grad={self.grad!r})"

    # ---- arithmetic --------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        other = lift(other, "operator '+'")
        # d(x + y)/dx = 1,  d(x + y)/dy = 1
        return _result(self.data + other.data, (self, other), "+", _ones)

    def __sub__(self, other: Operand) -> Value:
        other = lift(other, "operator '-'")
        # d(x - y)/dx = 1,  d(x - y)/dy = -1
        return _result(self.data - other.data, (self, other), "-", _one_minus_one)

    def __mul__(self, other: Operand) -> Value:
        other = lift(other, "operator '*'")
        x, y = self.data, other.data
        # d(x * y)/dx = y,  d(x * y)/dy = x
        return _result(x * y, (self, other), "*", lambda: (y, x))

    def __truediv__(self, other: Operand) -> Value:
        other = lift(other, "operator '/'")
        x, y = self.data, other.data
        if y == 0.0:
            raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
        # d(x / y)/dx = 1/y,  d(x / y)/dy = -x/y^2
        return _result(x / y, (self, other), "/", lambda: (1.0 / y, -(x / y) / y))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        if not is_real(other):
            raise not_a_number("operator '**'", other)
        x, n = self.data, as_float(other)
        out = checked_pow(x, n)
        # d(x^n)/dx = n * x^(n-1)
        return _result(out, (self,), f"**{n:g}", lambda: (power_derivative(x, n),))

    def _pow_value(self, exponent: Value) -> Value:
        """x ** y with y a Value: the gradient flows into the exponent too."""
        x, y = self.data, exponent.data
        out = checked_pow(x, y)
        # d(x^y)/dx = y * x^(y-1),  d(x^y)/dy = x^y * ln x
        return _result(
            out,
            (self, exponent),
            "**",
            lambda: (power_derivative(x, y), exponent_derivative(x, out)),
        )

    def __neg__(self) -> Value:
        # d(-x)/dx = -1
        return _result(-self.data, (self,), "neg", _minus_one)

    def __abs__(self) -> Value:
        x = self.data
        # d|x|/dx = sign(x), and 0 at x = 0 (as PyTorch)
        slope = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return _result(abs(x), (self,), "abs", lambda: (slope,))

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
        return _result(e, (self,), "exp", lambda: (e,))

    def log(self) -> Value:
        x = self.data
        if x <= 0.0:  # (nan passes: log(nan) is nan, as in PyTorch)
            raise ValueError(f"log is only defined for x > 0: log({x!r})")
        # d(ln x)/dx = 1/x
        return _result(math.log(x), (self,), "log", lambda: (1.0 / x,))

    def sqrt(self) -> Value:
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt is only defined for x >= 0: sqrt({x!r})")
        s = math.sqrt(x)
        # d(sqrt x)/dx = 1 / (2 sqrt x), infinite at x = 0
        return _result(s, (self,), "sqrt", lambda: (0.5 / s if s else math.inf,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)  # math.tanh saturates to +-1: no overflow
        # d(tanh x)/dx = 1 - tanh(x)^2, computed as (1 - t)(1 + t): near t = +-1 the
        # subtraction 1 - t*t cancels most digits (PyTorch fuses it into a single rounding)
        return _result(t, (self,), "tanh", lambda: ((1.0 - t) * (1.0 + t),))

    def sigmoid(self) -> Value:
        x = self.data
        try:
            s = 1.0 / (1.0 + math.exp(-x))  # PyTorch's formula
        except OverflowError:  # exp(-x) is beyond the largest float, so s rounds to 0
            s = 0.0
        # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))
        return _result(s, (self,), "sigmoid", lambda: (s * (1.0 - s),))

    def relu(self) -> Value:
        x = self.data
        # d(relu x)/dx = 1 for x > 0, else 0 (0 at the kink, as PyTorch);
        # nan passes through: relu(nan) = nan, with PyTorch's slope 1
        if not x <= 0.0:  # x > 0, or x is nan
            return _result(x, (self,), "relu", _relu_on)
        return _result(0.0, (self,), "relu", _relu_off)

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


def _result(
    data: float, parents: tuple[Value, ...], op: str, local_grads: LocalGrads | None
) -> Value:
    """The Value an operation returns: ``Value(data, parents=..., op=..., local_grads=...)``
    without the argument checks, which the operations need not pay for (they make a Value
    every time). Under ``no_grad`` it is a plain leaf."""
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out._label = ""
    out.scope = _scope.get()
    if _no_grad_depth.get():
        out.parents, out.op, out.local_grads = (), "", None
    else:
        out.parents, out.op, out.local_grads = parents, op, local_grads
    return out


_new_object = object.__new__

# micrograd's attribute names and what they are called here (for error messages; no aliases)
_MICROGRAD_NAMES = {
    "_prev": "parents (a tuple, in operand order)",
    "_op": "op",
    "_backward": "local_grads (it returns d(out)/d(parent) for each parent; "
    "backward() applies the chain rule)",
}


def _micrograd_name(name: str) -> object:
    raise AttributeError(
        f"'Value' object has no attribute {name!r}: micrograd's {name} is stepgrad's "
        f"{_MICROGRAD_NAMES[name]}"
    )


def _constructor_error(label: object, more: tuple[object, ...]) -> TypeError:
    """Value(data, label) got a label that is no str, or more positional arguments:
    most likely micrograd's order, Value(data, _children, _op)."""
    hint = (
        "; micrograd's Value(data, _children, _op) is Value(data, parents=_children, op=_op, "
        "local_grads=...) here: parents, op and local_grads are keyword-only"
    )
    if more:
        return TypeError(
            f"Value takes at most 2 positional arguments (data, label), got {2 + len(more)}"
            + hint
        )
    looks_like_children = isinstance(label, (tuple, list, set)) and all(
        isinstance(x, Value) for x in label
    )
    return TypeError(
        f"Value: label must be a str, got {type(label).__name__}: {label!r:.60}"
        + (hint if looks_like_children else "")
    )


def _check_node(parents: object, op: object, local_grads: object) -> None:
    """The keyword arguments of a hand-made operation: a tuple of Values, a str, a callable."""
    if type(parents) is not tuple:
        raise TypeError(f"Value: parents must be a tuple of Values, got {type(parents).__name__}")
    for parent in parents:
        if not isinstance(parent, Value):
            raise TypeError(
                f"Value: parents must be a tuple of Values, got a {type(parent).__name__} in it"
            )
    if type(op) is not str:
        raise TypeError(f"Value: op must be a str, got {type(op).__name__}: {op!r:.60}")
    if parents and not callable(local_grads):
        raise TypeError(
            "Value: local_grads must be a function returning d(out)/d(parent) for each parent, "
            f"got {type(local_grads).__name__}"
        )
