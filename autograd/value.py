"""``Value``: one scalar in a computation graph, and the operations that build the graph.

Every operation follows the same rhythm: compute the output, state the local derivatives
(d output / d parent, one per parent, in parent order), return a new ``Value`` that records
its parents and a function giving those local derivatives (made by ``_result``: the same
``Value`` without the constructor's argument checks, which every operation would pay for).
``backward`` then applies the chain rule, dL/dparent += local derivative * dL/dnode, walking
the graph from the end.

Each op states its local derivatives once, as a *rule* ``rule(out, *parents, *constants)``
written with arithmetic only (``_d_mul``, ``_d_tanh``, ... below), so it works on floats and
on Values alike. ``node.local_grads`` is ``partial(rule, out, *parent numbers, *constants)``:
``backward`` calls it and gets floats; ``gradients(create_graph=True)`` calls the same rule
on the Values themselves (``rule(node, *node.parents, *constants)``) and gets Values, a graph
that can be differentiated again. Local derivatives that are constants (``+``, ``-``, sum)
are shared functions with no arguments: their derivative is 0. relu's and abs's slopes
depend on which side of 0 the input is: their rules branch on the number with ``step`` and
``sign`` (a float either way, so their own derivative is 0).

The rules hold floats, never the node they belong to, so a graph holds no reference cycles:
it is freed by reference counting alone the moment it is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import partial
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
    value_of,
)
from .scope import _scope

if TYPE_CHECKING:
    from .backprop import BackwardStep

LocalGrads = Callable[[], tuple[float, ...]]
Operand = Union["Value", float, int]
R = Union[float, "Value"]  # what a derivative rule computes with: numbers, or Values



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
    # (setting them too: micrograd defines an op with out._backward = _backward)
    _prev = property(lambda self: _micrograd_name("_prev"), lambda s, v: _micrograd_name("_prev"))
    _op = property(lambda self: _micrograd_name("_op"), lambda s, v: _micrograd_name("_op"))
    _backward = property(
        lambda self: _micrograd_name("_backward"), lambda s, v: _micrograd_name("_backward")
    )

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
        out = x * y
        # d(x * y)/dx = y,  d(x * y)/dy = x
        return _result(out, (self, other), "*", partial(_d_mul, out, x, y))

    def __truediv__(self, other: Operand) -> Value:
        other = lift(other, "operator '/'")
        x, y = self.data, other.data
        if y == 0.0:
            raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
        out = x / y
        # d(x / y)/dx = 1/y,  d(x / y)/dy = -x/y^2 = -(x/y)/y
        return _result(out, (self, other), "/", partial(_d_div, out, x, y))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        if not is_real(other):
            raise not_a_number("operator '**'", other)
        x, n = self.data, as_float(other)
        out = checked_pow(x, n)
        # d(x^n)/dx = n * x^(n-1)
        return _result(out, (self,), f"**{n:g}", partial(_d_pow_n, out, x, n))

    def _pow_value(self, exponent: Value) -> Value:
        """x ** y with y a Value: the gradient flows into the exponent too."""
        x, y = self.data, exponent.data
        out = checked_pow(x, y)
        # d(x^y)/dx = y * x^(y-1),  d(x^y)/dy = x^y * ln x
        return _result(out, (self, exponent), "**", partial(_d_pow, out, x, y))

    def __neg__(self) -> Value:
        # d(-x)/dx = -1
        return _result(-self.data, (self,), "neg", _minus_one)

    def __abs__(self) -> Value:
        x = self.data
        out = abs(x)
        # d|x|/dx = sign(x), and 0 at x = 0 (as PyTorch); piecewise constant, so d2|x|/dx2 = 0
        return _result(out, (self,), "abs", partial(_d_abs, out, x))

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
        return _result(e, (self,), "exp", partial(_d_exp, e, x))

    def log(self) -> Value:
        x = self.data
        if x <= 0.0:  # (nan passes: log(nan) is nan, as in PyTorch)
            raise ValueError(f"log is only defined for x > 0: log({x!r})")
        out = math.log(x)
        # d(ln x)/dx = 1/x
        return _result(out, (self,), "log", partial(_d_log, out, x))

    def sqrt(self) -> Value:
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt is only defined for x >= 0: sqrt({x!r})")
        s = math.sqrt(x)
        # d(sqrt x)/dx = 1 / (2 sqrt x), infinite at x = 0
        return _result(s, (self,), "sqrt", partial(_d_sqrt, s, x))

    def tanh(self) -> Value:
        x = self.data
        t = math.tanh(x)  # math.tanh saturates to +-1: no overflow
        # d(tanh x)/dx = 1 - tanh(x)^2 = (1 - t)(1 + t)
        return _result(t, (self,), "tanh", partial(_d_tanh, t, x))

    def sigmoid(self) -> Value:
        x = self.data
        try:
            s = 1.0 / (1.0 + math.exp(-x))  # PyTorch's formula
        except OverflowError:  # exp(-x) is beyond the largest float, so s rounds to 0
            s = 0.0
        # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))
        return _result(s, (self,), "sigmoid", partial(_d_sigmoid, s, x))

    def relu(self) -> Value:
        x = self.data
        out = x if not x <= 0.0 else 0.0  # nan passes through: relu(nan) = nan, as PyTorch
        # d(relu x)/dx = 1 for x > 0, else 0 (0 at the kink, as PyTorch; 1 at nan);
        # piecewise constant, so d2(relu x)/dx2 = 0
        return _result(out, (self,), "relu", partial(_d_relu, out, x))

    # ---- backpropagation ---------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``grad`` of every node in this value's graph with d(this)/d(node)."""
        backward(self)

    def backward_steps(self) -> Iterator[BackwardStep]:
        """``backward`` one node at a time: yields a ``BackwardStep`` after each node."""
        return backward_steps(self)


# ---- local derivatives: one formula per op ---------------------------------------------
#
# A rule takes (out, *parents, *constants) and returns d(out)/d(parent) for each parent
# (dot's rule takes (out, ws, xs), the two halves of its parents as sequences).
# It is written with arithmetic (and the helpers of ``real``, which dispatch on float and
# Value), so ``backward`` evaluates it on the numbers and ``gradients(create_graph=True)``
# on the Values: the same formula either way.


def _ones() -> tuple[float, float]:
    return (1.0, 1.0)


def _one_minus_one() -> tuple[float, float]:
    return (1.0, -1.0)


def _minus_one() -> tuple[float]:
    return (-1.0,)


def _n_ones(n: int) -> tuple[float, ...]:
    return (1.0,) * n


def _d_mul(out: R, x: R, y: R) -> tuple[R, R]:
    return (y, x)


def _d_div(out: R, x: R, y: R) -> tuple[R, R]:
    return (1.0 / y, -out / y)


def _d_pow_n(out: R, x: R, n: float) -> tuple[R]:
    return (power_derivative(x, n),)


def _d_pow(out: R, x: R, y: R) -> tuple[R, R]:
    return (power_derivative(x, y), exponent_derivative(x, out))


def _d_exp(out: R, x: R) -> tuple[R]:
    return (out,)


def _d_log(out: R, x: R) -> tuple[R]:
    return (1.0 / x,)


def _d_sqrt(out: R, x: R) -> tuple[R]:
    return (0.5 / out if value_of(out) != 0.0 else math.inf,)


def _d_tanh(out: R, x: R) -> tuple[R]:
    # (1 - t)(1 + t), not 1 - t*t: near t = +-1 the subtraction would cancel most digits
    return ((1.0 - out) * (1.0 + out),)


def _d_sigmoid(out: R, x: R) -> tuple[R]:
    return (out * (1.0 - out),)


def _d_dot(out: R, ws: Sequence[R], xs: Sequence[R]) -> tuple[R, ...]:
    return (*xs, *ws)  # d/dw_i = x_i, d/dx_i = w_i


def step(x: R) -> float:
    """1.0 where x > 0 (and where x is nan, as PyTorch's relu), 0.0 where x <= 0: relu's
    slope. A branch on the number (of a float or a Value): a constant, whose derivative is 0."""
    v = x if type(x) is float else x.data  # type: ignore[union-attr]
    return 0.0 if v <= 0.0 else 1.0


def sign(x: R) -> float:
    """1.0 for x > 0, -1.0 for x < 0, 0.0 at 0 (and at nan): abs's slope, as PyTorch's at 0.
    A branch on the number (of a float or a Value): a constant, whose derivative is 0."""
    v = x if type(x) is float else x.data  # type: ignore[union-attr]
    return 1.0 if v > 0.0 else (-1.0 if v < 0.0 else 0.0)


def _d_relu(out: R, x: R) -> tuple[float]:
    return (step(x),)


def _d_abs(out: R, x: R) -> tuple[float]:
    return (sign(x),)


# local_grads that are the same at every point (their own derivative is 0)
CONSTANT_LOCALS: set[Callable[..., tuple[float, ...]]] = {
    _ones, _one_minus_one, _minus_one, _n_ones,
}
# rules written so that they work on Values too (custom_op adds its own)
RULES: set[Callable[..., tuple[object, ...]]] = {
    _d_mul, _d_div, _d_pow_n, _d_pow, _d_exp, _d_log, _d_sqrt, _d_tanh, _d_sigmoid,
    _d_relu, _d_abs,
}
# the branches on a number rules may take (compile_graph writes them as calls)
BRANCHES: set[Callable[[R], float]] = {step, sign}
# rules that take two equally long halves of the parents: rule(out, ws, xs)
HALVES_RULES: set[Callable[..., tuple[object, ...]]] = {_d_dot}


def local_derivatives(node: Value) -> tuple[Value | float, ...]:
    """d(node)/d(parent) for each parent as Values built from the graph (floats where they
    are constants): the node's rule evaluated on ``node`` and its parents, so the result
    can be differentiated again. A TypeError naming the op for a node made by hand with a
    ``local_grads`` that only gives floats."""
    local_grads = node.local_grads
    func = local_grads.func if type(local_grads) is partial else local_grads
    if func in CONSTANT_LOCALS:
        return local_grads()  # type: ignore[misc]
    if func in HALVES_RULES:
        n = len(node.parents) // 2
        return func(node, node.parents[:n], node.parents[n:])
    if func in RULES:
        constants = local_grads.args[1 + len(node.parents):]  # type: ignore[union-attr]
        return func(node, *node.parents, *constants)
    raise TypeError(
        f"op {node.op!r}: its local_grads gives floats only, so it cannot be differentiated "
        "twice (create_graph=True); make it with autograd.custom_op(..., derivative=...)"
    )


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
