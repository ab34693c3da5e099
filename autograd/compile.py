"""Backprop as code: a recorded graph compiled to straight-line Python.

``compile_graph(root, inputs=[x, t])`` walks the graph once and writes a function with one
line per node: the forward pass (each op on the numbers), then the backward pass (the chain
rule, dL/dparent += local * dL/dnode, in the order ``backward`` applies it). Calling it
replays the graph on new input values without building a single ``Value``.

The local derivatives are not written a second time here: each node's rule (``_d_mul``,
``_d_tanh``, ... in ``value.py``) is evaluated on *symbols*, objects whose arithmetic writes
Python expressions instead of computing numbers, so the rule ``(1 - t)(1 + t)`` becomes the
text ``((1.0 - t) * (1.0 + t))``. The helpers of ``real`` a rule calls (``power_derivative``,
``log``, ...) become calls in the code; a rule that branches on a number (sqrt's) is called
as it is at run time. Either way the same float operations run as in ``backward``.

Only the structure recorded at ``compile_graph`` time is replayed: a graph whose structure
depends on the data (a Python ``if`` on ``.data`` while building it) cannot be replayed for
other data, as with ``torch.jit.trace`` and ``jax.jit``. relu and abs, whose slope depends on
the input, branch inside the generated code.
"""

from __future__ import annotations

import keyword
import math
import re
import types
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from . import real, value
from .graph import topological_order
from .real import checked_pow
from .value import CONSTANT_LOCALS, HALVES_RULES, RULES, Value

__all__ = ["CompiledGraph", "compile_graph"]


# ---- symbols: what a derivative rule computes with while it is being compiled -----------


class _Untraceable(Exception):
    """A rule asked for a number (a comparison, ``value_of``): call it at run time instead."""


def _lit(x: float) -> str:
    """A float as Python source that evaluates to the same float."""
    if math.isfinite(x):
        return repr(float(x))
    if math.isnan(x):
        return "nan"
    return "inf" if x > 0 else "(-inf)"


class _Sym:
    """A number not known yet: arithmetic on it gives the expression as text."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    @staticmethod
    def _of(x: object) -> str:
        if isinstance(x, _Sym):
            return x.code
        if isinstance(x, (int, float)):
            return _lit(float(x))
        raise _Untraceable

    def _bin(self, op: str, other: object, reflected: bool = False) -> _Sym:
        a, b = self.code, self._of(other)
        return _Sym(f"({b} {op} {a})" if reflected else f"({a} {op} {b})")

    def __add__(self, o: object) -> _Sym:
        return self._bin("+", o)

    def __radd__(self, o: object) -> _Sym:
        return self._bin("+", o, True)

    def __sub__(self, o: object) -> _Sym:
        return self._bin("-", o)

    def __rsub__(self, o: object) -> _Sym:
        return self._bin("-", o, True)

    def __mul__(self, o: object) -> _Sym:
        return self._bin("*", o)

    def __rmul__(self, o: object) -> _Sym:
        return self._bin("*", o, True)

    def __truediv__(self, o: object) -> _Sym:
        return self._bin("/", o)

    def __rtruediv__(self, o: object) -> _Sym:
        return self._bin("/", o, True)

    def __pow__(self, o: object) -> _Sym:
        return self._bin("**", o)

    def __rpow__(self, o: object) -> _Sym:
        return self._bin("**", o, True)

    def __neg__(self) -> _Sym:
        return _Sym(f"(-{self.code})")

    def __bool__(self) -> bool:
        raise _Untraceable

    __lt__ = __le__ = __gt__ = __ge__ = __float__ = __bool__  # type: ignore[assignment]

    def __eq__(self, o: object) -> bool:  # type: ignore[override]
        raise _Untraceable

    __ne__ = __eq__  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]

    @property
    def data(self) -> float:
        raise _Untraceable


def _symbolic_call(name: str) -> Callable[..., _Sym]:
    """A stand-in for the helper ``real.<name>``: writes the call instead of making it."""

    def call(*args: object) -> _Sym:
        return _Sym(f"{name}({', '.join(_Sym._of(a) for a in args)})")

    return call


def _refuse(*args: object) -> object:
    raise _Untraceable


def _symbolic_rule(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``rule`` with the ``real`` helpers it calls replaced by symbolic ones."""
    globs = dict(rule.__globals__)
    for name in rule.__code__.co_names:
        obj = globs.get(name)
        if callable(obj) and getattr(obj, "__module__", "") == real.__name__:
            globs[name] = _refuse if name == "value_of" else _symbolic_call(name)
    return types.FunctionType(rule.__code__, globs, rule.__name__, rule.__defaults__)


# ---- the forward pass of each op, with the scalar op's errors ----------------------------


def _div(x: float, y: float) -> float:
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
    return x / y


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp overflows a float: exp({x!r})") from None


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log is only defined for x > 0: log({x!r})")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt is only defined for x >= 0: sqrt({x!r})")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:
        return 0.0


_HELPERS: dict[str, object] = {
    "_div": _div, "_exp": _exp, "_log": _log, "_sqrt": _sqrt, "_sigmoid": _sigmoid,
    "tanh": math.tanh, "checked_pow": checked_pow, "inf": math.inf, "nan": math.nan,
    "exp": real.exp, "log": real.log, "power_derivative": real.power_derivative,
    "exponent_derivative": real.exponent_derivative,
}


def _forward(node: Value, a: list[str]) -> str:
    """The expression computing ``node`` from its parents' variables ``a``."""
    op, lg = node.op, node.local_grads
    func = lg.func if type(lg) is partial else lg
    if op == "+":
        return f"{a[0]} + {a[1]}"
    if op == "-":
        return f"{a[0]} - {a[1]}"
    if op == "*" and func is value._d_mul:
        return f"{a[0]} * {a[1]}"
    if op == "/" and func is value._d_div:
        return f"_div({a[0]}, {a[1]})"
    if op == "**" and func is value._d_pow:
        return f"checked_pow({a[0]}, {a[1]})"
    if op.startswith("**") and func is value._d_pow_n:
        return f"checked_pow({a[0]}, {_lit(lg.args[2])})"  # type: ignore[union-attr]
    if op == "neg":
        return f"-{a[0]}"
    if op == "abs":
        return f"abs({a[0]})"
    if op == "relu":  # nan passes through, as in Value.relu
        return f"{a[0]} if not {a[0]} <= 0.0 else 0.0"
    if op in ("exp", "log", "sqrt", "sigmoid") and func is getattr(value, f"_d_{op}"):
        return f"_{op}({a[0]})"
    if op == "tanh" and func is value._d_tanh:
        return f"tanh({a[0]})"
    if op == "sum" and func is value._n_ones:
        return "0.0 + " + " + ".join(a)  # summed left to right from 0.0, as sum_values
    if op == "dot" and func is value._d_dot:
        n = len(a) // 2
        return "0.0 + " + " + ".join(f"{a[i]} * {a[n + i]}" for i in range(n))
    raise ValueError(
        f"compile_graph: cannot compile op {op!r} (a custom op or a Value made by hand): "
        "only the engine's own ops can be replayed"
    )


def _locals(node: Value, a: list[str], out: str, rules: dict[str, object]) -> list[str]:
    """d(node)/d(parent) for each parent, as expressions (from the node's own rule)."""
    op, lg = node.op, node.local_grads
    x = a[0] if a else ""
    if op == "relu":
        return [f"(1.0 if not {x} <= 0.0 else 0.0)"]
    if op == "abs":
        return [f"(1.0 if {x} > 0.0 else (-1.0 if {x} < 0.0 else 0.0))"]
    func = lg.func if type(lg) is partial else lg
    if func in CONSTANT_LOCALS:
        return [_lit(c) for c in lg()]  # type: ignore[misc]
    syms = [_Sym(v) for v in a]
    if func in HALVES_RULES:
        n = len(a) // 2
        args: list[object] = [_Sym(out), syms[:n], syms[n:]]
    elif func in RULES:
        args = [_Sym(out), *syms, *lg.args[1 + len(a):]]  # type: ignore[union-attr]
    else:
        raise ValueError(f"compile_graph: cannot compile op {op!r}")
    try:
        result = _symbolic_rule(func)(*args)
        return [_Sym._of(r) for r in result]
    except _Untraceable:  # the rule branches on a number: call it as backward does
        rules[func.__name__] = func
        flat = ", ".join(_Sym._of(s) if not isinstance(s, list) else
                         "[" + ", ".join(t.code for t in s) + "]" for s in args)
        return [f"{func.__name__}({flat})[{k}]" for k in range(len(a))]


# ---- compiling ---------------------------------------------------------------------------

_RESERVED = re.compile(r"^(v\d+|d_.*|_.*|params|inputs)$")


def _names(order: list[Value]) -> list[str]:
    """A variable per node: its label where that is a fresh identifier, else v{i}."""
    used = set(_HELPERS) | {"abs", "math"}
    names = []
    for i, node in enumerate(order):
        label = node.label
        ok = (label.isidentifier() and not keyword.iskeyword(label)
              and not _RESERVED.match(label) and label not in used)
        name = label if ok else f"v{i}"
        used.add(name)
        names.append(name)
    return names


class CompiledGraph:
    """A graph compiled to Python: ``cg(*input_values)`` is root's value, with d root/d leaf
    accumulated into ``.grad`` of every leaf that is not an input; ``cg.source`` the code."""

    def __init__(self, source: str, fn: Callable[..., float], n_inputs: int) -> None:
        self.source = source
        self._fn = fn
        self._n = n_inputs

    def __call__(self, *input_values: float) -> float:
        if len(input_values) != self._n:
            raise TypeError(
                f"compiled graph takes {self._n} input values, got {len(input_values)}"
            )
        xs = [real.as_float(x, f"compiled graph: input {i}") for i, x in enumerate(input_values)]
        return self._fn(*xs)

    def __repr__(self) -> str:
        return f"<CompiledGraph: {self._n} inputs, {self.source.count(chr(10))} lines>"


def compile_graph(root: Value, inputs: Sequence[Value] = ()) -> CompiledGraph:
    """Compile ``root``'s graph to straight-line Python (see the module docstring).

    ``inputs`` are leaves whose values change per call (given to ``cg(...)`` in this order);
    every other leaf is a parameter, read live from its ``.data`` at each call. Only the
    graph's recorded structure is replayed (no ``if`` on ``.data`` while it was built).
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph: root must be a Value, got {type(root).__name__}")
    inputs = list(inputs)
    order = topological_order(root)
    in_graph = {id(n) for n in order if not n.parents}
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"compile_graph: inputs[{i}] must be a Value, got {type(x).__name__}")
        if id(x) not in in_graph:
            raise ValueError(f"compile_graph: inputs[{i}] ({x!r:.100}) is not a leaf of the graph")
    if len({id(x) for x in inputs}) != len(inputs):
        raise ValueError("compile_graph: an input is listed twice")
    index = {id(n): i for i, n in enumerate(order)}
    names = _names(order)
    input_ids = {id(x) for x in inputs}
    params = [n for n in order if not n.parents and id(n) not in input_ids]
    p_index = {id(n): k for k, n in enumerate(params)}
    args = [names[index[id(x)]] for x in inputs]
    rules: dict[str, object] = {}

    body = ["# forward"]
    for i, node in enumerate(order):
        if id(node) in input_ids:
            continue
        if not node.parents:
            body.append(f"{names[i]} = params[{p_index[id(node)]}].data")
            continue
        a = [names[index[id(p)]] for p in node.parents]
        body.append(f"{names[i]} = {_forward(node, a)}  # {node.op}")
    r = names[-1]

    body.append("# backward: dL/dparent += d(node)/d(parent) * dL/d(node)")
    for k, leaf in enumerate(params):
        body.append(f"d_{names[index[id(leaf)]]} = params[{k}].grad")
    if root.parents:
        body.append(f"d_{r} = 1.0")
    elif id(root) not in input_ids:
        body.append(f"d_{r} += 1.0")
    started: set[int] = set()
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if not node.parents:
            continue
        a = [names[index[id(p)]] for p in node.parents]
        g = f"d_{names[i]}"
        for p, local in zip(node.parents, _locals(node, a, names[i], rules)):
            if id(p) in input_ids:
                continue
            term = g if local == "1.0" else (f"-{g}" if local == "-1.0" else f"{local} * {g}")
            target = f"d_{names[index[id(p)]]}"
            if p.parents and id(p) not in started:
                started.add(id(p))
                body.append(f"{target} = {term}")
            else:
                body.append(f"{target} += {term}")
    for k, leaf in enumerate(params):
        body.append(f"params[{k}].grad = d_{names[index[id(leaf)]]}")
    body.append(f"return {r}")

    source = f"def compiled({', '.join(args)}):\n" + "".join(f"    {line}\n" for line in body)
    namespace: dict[str, Any] = {**_HELPERS, **rules, "params": tuple(params)}
    exec(compile(source, "<compiled graph>", "exec"), namespace)  # noqa: S102
    return CompiledGraph(source, namespace["compiled"], len(inputs))
