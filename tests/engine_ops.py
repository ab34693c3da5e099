"""The engine's operations as one table, shared by the golden-value script (run with torch),
the golden test and the central-difference tests (run with our ``Value``).

Each op is a function ``apply(lib, xs, cs)``: ``xs`` are the differentiable inputs (our
``Value``s or torch float64 tensors), ``cs`` are plain-number constants. Operators and the
methods ``exp log sqrt tanh sigmoid relu`` are spelled the same way on both sides; only the
n-ary ops need ``lib`` (``sum_values``/``dot`` for us, ``torch.sum``/``torch.dot`` for torch).

No import of ``autograd`` or ``torch`` here: the golden script runs where only torch is
installed, the tests run where only ``autograd`` is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple


class Lib(NamedTuple):
    """The n-ary reductions, which are spelled differently by each library."""

    sum: Callable[[list[Any]], Any]
    dot: Callable[[list[Any], list[Any]], Any]


class Op(NamedTuple):
    name: str
    arity: int  # differentiable inputs
    n_consts: int  # plain numbers
    apply: Callable[[Lib, Sequence[Any], Sequence[float]], Any]


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        # Value (op) Value
        Op("add", 2, 0, lambda lib, x, c: x[0] + x[1]),
        Op("sub", 2, 0, lambda lib, x, c: x[0] - x[1]),
        Op("mul", 2, 0, lambda lib, x, c: x[0] * x[1]),
        Op("div", 2, 0, lambda lib, x, c: x[0] / x[1]),
        Op("pow_t", 2, 0, lambda lib, x, c: x[0] ** x[1]),  # tensor (Value) exponent
        # Value (op) number
        Op("add_c", 1, 1, lambda lib, x, c: x[0] + c[0]),
        Op("sub_c", 1, 1, lambda lib, x, c: x[0] - c[0]),
        Op("mul_c", 1, 1, lambda lib, x, c: x[0] * c[0]),
        Op("div_c", 1, 1, lambda lib, x, c: x[0] / c[0]),
        Op("pow_n", 1, 1, lambda lib, x, c: x[0] ** c[0]),  # number exponent
        # number (op) Value: the reflected operators
        Op("radd", 1, 1, lambda lib, x, c: c[0] + x[0]),
        Op("rsub", 1, 1, lambda lib, x, c: c[0] - x[0]),
        Op("rmul", 1, 1, lambda lib, x, c: c[0] * x[0]),
        Op("rtruediv", 1, 1, lambda lib, x, c: c[0] / x[0]),
        Op("rpow", 1, 1, lambda lib, x, c: c[0] ** x[0]),
        # one operand used twice: gradients from both uses must add up
        Op("add_self", 1, 0, lambda lib, x, c: x[0] + x[0]),
        Op("mul_self", 1, 0, lambda lib, x, c: x[0] * x[0]),
        Op("div_self", 1, 0, lambda lib, x, c: x[0] / x[0]),
        # unary
        Op("neg", 1, 0, lambda lib, x, c: -x[0]),
        Op("abs", 1, 0, lambda lib, x, c: abs(x[0])),
        Op("exp", 1, 0, lambda lib, x, c: x[0].exp()),
        Op("log", 1, 0, lambda lib, x, c: x[0].log()),
        Op("sqrt", 1, 0, lambda lib, x, c: x[0].sqrt()),
        Op("tanh", 1, 0, lambda lib, x, c: x[0].tanh()),
        Op("sigmoid", 1, 0, lambda lib, x, c: x[0].sigmoid()),
        Op("relu", 1, 0, lambda lib, x, c: x[0].relu()),
        # n-ary: sum_values(x0, x1, x2) and dot((w0, w1, w2), (x0, x1, x2))
        Op("sum", 3, 0, lambda lib, x, c: lib.sum(list(x))),
        Op("dot", 6, 0, lambda lib, x, c: lib.dot(list(x[:3]), list(x[3:]))),
    ]
}


class Case(NamedTuple):
    """One op at one point. ``smooth``: the op is differentiable in a neighbourhood of the
    point, so central differences can check it (kinks, sqrt(0), overflow... are not)."""

    op: str
    inputs: tuple[float, ...]
    consts: tuple[float, ...] = ()
    smooth: bool = True


def _cases() -> list[Case]:
    C = Case
    edge = {"smooth": False}
    tiny, huge = 1e-300, 1e300
    sub = 5e-324  # the smallest subnormal
    nan, inf = math.nan, math.inf
    return [
        # ---- Value (op) Value
        C("add", (2.0, -3.0)), C("add", (0.1, 0.2)), C("add", (-0.0, 0.0)),
        C("add", (tiny, huge), **edge), C("add", (1e308, 1e308), **edge),  # overflow -> inf
        C("sub", (2.0, -3.0)), C("sub", (0.3, 0.1)), C("sub", (5.0, 5.0)),
        C("sub", (tiny, -tiny), **edge),
        C("mul", (2.0, -3.0)), C("mul", (-0.5, 0.1)), C("mul", (0.0, 5.0)),
        C("mul", (1e-200, 1e-200), **edge), C("mul", (1e200, 1e200), **edge),
        C("div", (1.0, 3.0)), C("div", (-6.0, 4.0)), C("div", (0.0, 7.0)),
        C("div", (0.1, -0.3)), C("div", (1e-200, 1e-200), **edge), C("div", (1.0, tiny), **edge),
        C("div", (huge, 1e-10), **edge),
        C("pow_t", (2.0, 3.0)), C("pow_t", (2.0, 0.5)), C("pow_t", (0.5, -2.0)),
        C("pow_t", (3.0, 0.0)), C("pow_t", (1.0, 5.0)), C("pow_t", (2.5, 1.7)),
        C("pow_t", (0.0, 2.0), **edge), C("pow_t", (0.0, 0.5), **edge),  # 0**y: d/dy = 0
        C("pow_t", (0.0, 0.0), **edge), C("pow_t", (0.0, 1.0), **edge),
        C("pow_t", (-2.0, 3.0), **edge), C("pow_t", (-2.0, -1.0), **edge),  # d/dy = nan
        C("pow_t", (-2.0, 0.0), **edge), C("pow_t", (1e-200, 0.5), **edge),
        C("pow_t", (10.0, 300.0), **edge),
        # ---- Value (op) number
        C("add_c", (2.0,), (0.5,)), C("add_c", (-1.5,), (-2.0,)),
        C("sub_c", (2.0,), (0.5,)), C("sub_c", (0.3,), (0.1,)),
        C("mul_c", (2.0,), (-3.0,)), C("mul_c", (0.1,), (3.0,)), C("mul_c", (4.0,), (0.0,)),
        C("div_c", (3.0,), (7.0,)), C("div_c", (1.0,), (tiny,), **edge),
        C("pow_n", (3.0,), (2.0,)), C("pow_n", (-2.0,), (3.0,)), C("pow_n", (-2.0,), (-1.0,)),
        C("pow_n", (-2.0,), (-2.0,)), C("pow_n", (2.0,), (0.5,)), C("pow_n", (4.0,), (-0.5,)),
        C("pow_n", (2.5,), (1.7,)), C("pow_n", (5.0,), (1.0,)), C("pow_n", (-1.5,), (0.0,)),
        C("pow_n", (0.7,), (3.0,)), C("pow_n", (1.3,), (-2.0,)),
        C("pow_n", (0.0,), (0.0,), **edge),  # x**0 at 0: value 1, gradient 0
        C("pow_n", (0.0,), (2.0,), **edge), C("pow_n", (0.0,), (3.0,), **edge),
        C("pow_n", (0.0,), (1.0,), **edge), C("pow_n", (0.0,), (1.5,), **edge),
        C("pow_n", (0.0,), (0.5,), **edge),  # vertical slope: gradient inf
        C("pow_n", (1e-200,), (2.0,), **edge),  # value underflows to 0, gradient does not
        C("pow_n", (1e-200,), (-1.0,), **edge),  # gradient overflows: -inf
        C("pow_n", (1e-110,), (-2.0,), **edge),  # gradient overflows: -inf
        C("pow_n", (-1e-110,), (-2.0,), **edge),  # gradient overflows: +inf
        # ---- number (op) Value
        C("radd", (2.0,), (0.5,)), C("radd", (-0.1,), (0.3,)),
        C("rsub", (2.0,), (0.5,)), C("rsub", (0.1,), (0.3,)),
        C("rmul", (2.0,), (-3.0,)), C("rmul", (0.1,), (3.0,)),
        C("rtruediv", (3.0,), (1.0,)), C("rtruediv", (0.5,), (-2.0,)), C("rtruediv", (4.0,), (0.0,)),
        C("rtruediv", (0.3,), (0.1,)), C("rtruediv", (tiny,), (1.0,), **edge),
        C("rpow", (3.0,), (2.0,)), C("rpow", (-0.5,), (2.0,)), C("rpow", (1.5,), (math.e,)),
        C("rpow", (10.0,), (0.5,)), C("rpow", (7.0,), (1.0,)),
        C("rpow", (2.0,), (0.0,), **edge), C("rpow", (0.0,), (0.0,), **edge),  # d/dy = 0
        C("rpow", (3.0,), (-2.0,), **edge),  # negative base: d/dy = nan
        # ---- one operand used twice
        C("add_self", (1.5,)), C("add_self", (-0.1,)),
        C("mul_self", (3.0,)), C("mul_self", (-0.1,)), C("mul_self", (0.0,)),
        C("div_self", (3.0,)), C("div_self", (-0.1,)),
        # ---- unary
        C("neg", (2.0,)), C("neg", (0.0,)), C("neg", (-tiny,)),
        C("abs", (-2.0,)), C("abs", (3.0,)), C("abs", (0.0,), **edge), C("abs", (-0.0,), **edge),
        C("exp", (0.0,)), C("exp", (1.0,)), C("exp", (-1.0,)), C("exp", (0.1,)), C("exp", (tiny,)),
        C("exp", (709.0,), **edge), C("exp", (-745.0,), **edge), C("exp", (-1000.0,), **edge),
        C("log", (1.0,)), C("log", (2.0,)), C("log", (0.5,)), C("log", (10.0,)),
        C("log", (tiny,), **edge), C("log", (sub,), **edge), C("log", (huge,), **edge),
        C("sqrt", (4.0,)), C("sqrt", (2.0,)), C("sqrt", (0.1,)),
        C("sqrt", (0.0,), **edge), C("sqrt", (tiny,), **edge), C("sqrt", (huge,), **edge),
        C("sqrt", (sub,), **edge),
        C("tanh", (0.0,)), C("tanh", (0.5,)), C("tanh", (-2.0,)), C("tanh", (3.0,)),
        C("tanh", (-7.0,)), C("tanh", (10.0,)), C("tanh", (15.0,)),  # 1 - t^2 without cancellation
        C("tanh", (tiny,), **edge), C("tanh", (20.0,), **edge),
        C("tanh", (1000.0,), **edge), C("tanh", (-1000.0,), **edge),
        C("sigmoid", (0.0,)), C("sigmoid", (0.5,)), C("sigmoid", (-2.0,)), C("sigmoid", (4.0,)),
        C("sigmoid", (tiny,), **edge), C("sigmoid", (40.0,), **edge),
        C("sigmoid", (-40.0,), **edge), C("sigmoid", (-745.0,), **edge),
        C("sigmoid", (1000.0,), **edge), C("sigmoid", (-1000.0,), **edge),
        C("relu", (2.0,)), C("relu", (-2.0,)), C("relu", (0.0,), **edge), C("relu", (-0.0,), **edge),
        C("relu", (tiny,), **edge),
        # ---- nan propagates through every op (as in PyTorch); infinities where they are legal
        C("add", (nan, 1.0), **edge), C("sub", (1.0, nan), **edge), C("mul", (nan, 0.0), **edge),
        C("div", (nan, 2.0), **edge), C("div", (2.0, nan), **edge), C("div", (1.0, inf), **edge),
        C("pow_t", (nan, 2.0), **edge), C("pow_t", (2.0, nan), **edge),
        C("pow_t", (nan, 0.0), **edge), C("pow_t", (1.0, nan), **edge),
        C("pow_t", (0.0, nan), **edge), C("pow_t", (-2.0, nan), **edge),
        C("pow_n", (nan,), (2.0,), **edge), C("pow_n", (nan,), (0.0,), **edge),
        C("pow_n", (nan,), (-1.0,), **edge), C("rpow", (nan,), (2.0,), **edge),
        C("neg", (nan,), **edge), C("abs", (nan,), **edge), C("abs", (-inf,), **edge),
        C("exp", (nan,), **edge), C("exp", (inf,), **edge), C("exp", (-inf,), **edge),
        C("log", (nan,), **edge), C("log", (inf,), **edge),
        C("sqrt", (nan,), **edge), C("sqrt", (inf,), **edge),
        C("tanh", (nan,), **edge), C("tanh", (inf,), **edge), C("tanh", (-inf,), **edge),
        C("sigmoid", (nan,), **edge), C("sigmoid", (inf,), **edge), C("sigmoid", (-inf,), **edge),
        C("relu", (nan,), **edge), C("relu", (inf,), **edge), C("relu", (-inf,), **edge),
        C("sum", (1.0, nan, 2.0), **edge), C("dot", (1.0, 2.0, 3.0, nan, 0.0, 1.0), **edge),
        # ---- n-ary
        C("sum", (1.0, 2.0, 3.0)), C("sum", (0.1, 0.2, 0.3)), C("sum", (1e16, 1.0, -1e16), **edge),
        C("dot", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)), C("dot", (0.1, 0.2, 0.3, 0.3, 0.2, 0.1)),
        C("dot", (-1.5, 0.0, 2.0, 0.25, 7.0, -0.5)),
    ]


CASES: list[Case] = _cases()


class Function(NamedTuple):
    """A function of several inputs for hessian and jvp, spelled the same way for our Values
    and torch tensors (operators and methods only), with a point and a tangent direction."""

    name: str
    apply: Callable[..., Any]
    point: tuple[float, ...]
    tangent: tuple[float, ...]


FUNCTIONS: list[Function] = [
    Function("rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
             (-1.2, 1.0), (0.5, -2.0)),
    Function("neuron", lambda w, x, b: (w * x + b).tanh(), (0.7, -1.3, 0.2), (1.0, 0.5, -0.25)),
    Function("mixed", lambda x, y: x**y + (x * y).exp() / (1 + y * y) - (x * x + 1).log().sqrt(),
             (1.3, 0.4), (-0.75, 1.5)),
    Function("logistic", lambda a, b, c: (a * b - c).sigmoid() * abs(a) + (b - c).relu() * c,
             (0.9, 1.7, -0.6), (0.3, 0.3, 1.0)),
]
