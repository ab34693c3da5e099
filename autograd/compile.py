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
from .value import BRANCHES, CONSTANT_LOCALS, HALVES_RULES, RULES, Value

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
        if obj in BRANCHES or (callable(obj) and getattr(obj, "__module__", "") == real.__name__):
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
    "exponent_derivative": real.exponent_derivative, "step": value.step, "sign": value.sign,
}


def _forward(node: Value, a: list[str], batch: bool = False) -> str:
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
    if op == "abs" and func is value._d_abs:
        return f"abs({a[0]})"
    if op == "relu" and batch and func is value._d_relu:
        return f"_relu({a[0]})"
    if op == "relu" and func is value._d_relu:  # nan passes through, as in Value.relu
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


def _locals(
    node: Value, a: list[str], out: str, rules: dict[str, object], batch: bool = False
) -> list[str]:
    """d(node)/d(parent) for each parent, as expressions (from the node's own rule)."""
    op, lg = node.op, node.local_grads
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
    accumulated into ``.grad`` of every leaf that is not an input; ``cg.source`` the code.
    ``cg.batch(*arrays)`` replays it over N rows at once with numpy (the mean of root, and
    the mean gradient accumulated)."""

    def __init__(self, graph: _Graph) -> None:
        self._graph = graph
        self.source, self._fn = _generate(graph, batch=False)
        self._n = len(graph.inputs)
        self._batch_fn: Callable[..., float] | None = None

    def __call__(self, *input_values: float) -> float:
        if len(input_values) != self._n:
            raise TypeError(
                f"compiled graph takes {self._n} input values, got {len(input_values)}"
            )
        xs = [real.as_float(x, f"compiled graph: input {i}") for i, x in enumerate(input_values)]
        return self._fn(*xs)

    def batch(self, *arrays: object) -> float:
        """The mean of root over N rows (``arrays[i][r]`` is input i in row r); adds the mean
        gradient over the rows to every parameter's ``.grad``. Within rel 1e-12 of the mean
        of per-row calls (numpy's exp, log, tanh may differ from math's in the last bit).
        A domain error names the op and the first row where it happens."""
        import numpy as np  # lazy: `import autograd` stays stdlib-only

        if len(arrays) != self._n:
            raise TypeError(f"batch takes {self._n} arrays, got {len(arrays)}")
        columns = []
        for i, a in enumerate(arrays):
            try:
                col = np.asarray(a, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(
                    f"batch: arrays[{i}] must be an array of real numbers, got "
                    f"{type(a).__name__}: {a!r:.100}"
                ) from None
            if col.ndim != 1 or len(col) == 0:
                raise ValueError(
                    f"batch: arrays[{i}] must be 1-D and non-empty, got shape {col.shape}"
                )
            columns.append(col)
        if len({len(c) for c in columns}) > 1:
            raise ValueError(
                f"batch: the arrays must have one length, got {[len(c) for c in columns]}"
            )
        if self._batch_fn is None:
            self.batch_source, self._batch_fn = _generate(self._graph, batch=True)
        with np.errstate(all="ignore"):
            return self._batch_fn(*columns)

    def __repr__(self) -> str:
        return f"<CompiledGraph: {self._n} inputs, {self.source.count(chr(10))} lines>"


class _Graph:
    """What the code generators need: the nodes in order, their names, inputs, parameters."""

    def __init__(self, root: Value, inputs: list[Value]) -> None:
        self.root = root
        self.order = topological_order(root)
        self.inputs = inputs
        self.index = {id(n): i for i, n in enumerate(self.order)}
        self.names = _names(self.order)
        self.input_ids = {id(x) for x in inputs}
        self.params = [n for n in self.order if not n.parents and id(n) not in self.input_ids]
        # the nodes a parameter's gradient flows through: only their gradients are computed
        self.needs_grad: set[int] = set()
        for n in self.order:
            if (not n.parents and id(n) not in self.input_ids) or any(
                id(p) in self.needs_grad for p in n.parents
            ):
                self.needs_grad.add(id(n))


def compile_graph(root: Value, inputs: Sequence[Value] = ()) -> CompiledGraph:
    """Compile ``root``'s graph to straight-line Python (see the module docstring).

    ``inputs`` are leaves whose values change per call (given to ``cg(...)`` in this order);
    every other leaf is a parameter, read live from its ``.data`` at each call. Only the
    graph's recorded structure is replayed (no ``if`` on ``.data`` while it was built).
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph: root must be a Value, got {type(root).__name__}")
    inputs = list(inputs)
    in_graph = {id(n) for n in topological_order(root) if not n.parents}
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"compile_graph: inputs[{i}] must be a Value, got {type(x).__name__}")
        if id(x) not in in_graph:
            raise ValueError(f"compile_graph: inputs[{i}] ({x!r:.100}) is not a leaf of the graph")
    if len({id(x) for x in inputs}) != len(inputs):
        raise ValueError("compile_graph: an input is listed twice")
    return CompiledGraph(_Graph(root, inputs))


def _generate(graph: _Graph, batch: bool) -> tuple[str, Callable[..., float]]:
    """The source of the compiled function and the function (``batch``: on numpy columns)."""
    order, names, index, input_ids = graph.order, graph.names, graph.index, graph.input_ids
    params = graph.params
    p_index = {id(n): k for k, n in enumerate(params)}
    args = [names[index[id(x)]] for x in graph.inputs]
    rules: dict[str, Any] = {}
    root = graph.root

    body = ["# forward"]
    for i, node in enumerate(order):
        if id(node) in input_ids:
            continue
        if not node.parents:
            body.append(f"{names[i]} = params[{p_index[id(node)]}].data")
            continue
        a = [names[index[id(p)]] for p in node.parents]
        body.append(f"{names[i]} = {_forward(node, a, batch)}  # {node.op}")
    r = names[-1]

    body.append("# backward: dL/dparent += d(node)/d(parent) * dL/d(node)")
    for k, leaf in enumerate(params):
        start = "0.0" if batch else f"params[{k}].grad"
        body.append(f"d_{names[index[id(leaf)]]} = {start}")
    if root.parents and id(root) in graph.needs_grad:
        body.append(f"d_{r} = 1.0")
    elif not root.parents and id(root) not in input_ids:
        body.append(f"d_{r} += 1.0")
    started: set[int] = set()
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if not node.parents or id(node) not in graph.needs_grad:
            continue
        a = [names[index[id(p)]] for p in node.parents]
        g = f"d_{names[i]}"
        for p, local in zip(node.parents, _locals(node, a, names[i], rules, batch)):
            if id(p) not in graph.needs_grad:  # an input, or computed from inputs only
                continue
            term = g if local == "1.0" else (f"-{g}" if local == "-1.0" else f"{local} * {g}")
            target = f"d_{names[index[id(p)]]}"
            if p.parents and id(p) not in started:
                started.add(id(p))
                body.append(f"{target} = {term}")
            elif batch:  # not +=: numpy would add in place into an array shared by name
                body.append(f"{target} = {target} + {term}")
            else:
                body.append(f"{target} += {term}")
    for k, leaf in enumerate(params):
        d = f"d_{names[index[id(leaf)]]}"
        body.append(f"params[{k}].grad += _mean({d})" if batch else f"params[{k}].grad = {d}")
    body.append(f"return _mean({r})" if batch else f"return {r}")

    source = f"def compiled({', '.join(args)}):\n" + "".join(f"    {line}\n" for line in body)
    helpers = _batch_helpers(rules) if batch else {**_HELPERS, **rules}
    namespace: dict[str, Any] = {**helpers, "params": tuple(params)}
    exec(compile(source, "<compiled graph>", "exec"), namespace)  # noqa: S102
    return source, namespace["compiled"]


def _batch_helpers(rules: dict[str, Any]) -> dict[str, object]:
    """The helpers of the generated code on numpy columns, with the scalar ops' errors
    (and the first failing row)."""
    import numpy as np

    def first_error(scalar: Callable[..., float], bad: Any, *cols: Any) -> None:
        if not np.any(bad):
            return
        shape = np.broadcast(*cols).shape
        row = int(np.argmax(np.broadcast_to(bad, shape))) if shape else 0
        values = [float(np.broadcast_to(c, shape)[row]) if shape else float(c) for c in cols]
        try:
            scalar(*values)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(f"row {row}: {error}") from None

    def div(x: Any, y: Any) -> Any:
        first_error(_div, y == 0.0, x, y)
        return x / y

    def exp_(x: Any) -> Any:
        out = np.exp(x)
        first_error(_exp, np.isinf(out) & np.isfinite(x), x)
        return out

    def log_(x: Any) -> Any:
        first_error(_log, x <= 0.0, x)
        return np.log(x)

    def sqrt_(x: Any) -> Any:
        first_error(_sqrt, x < 0.0, x)
        return np.sqrt(x)

    def sigmoid(x: Any) -> Any:
        return 1.0 / (1.0 + np.exp(-x))  # exp(-x) = inf gives 0.0, as the scalar op

    def power(x: Any, y: Any) -> Any:
        out = np.power(x, y)
        frac = np.isfinite(y) & (np.floor(y) != y)
        bad = ((x == 0.0) & (y < 0.0)) | ((x < 0.0) & frac)
        bad = bad | (np.isinf(out) & np.isfinite(x) & np.isfinite(y))
        first_error(checked_pow, bad, x, y)
        return out

    def per_row(func: Callable[..., Any]) -> Callable[..., Any]:
        """A scalar helper or rule applied row by row (those that branch on the number)."""

        def rows(*cols: Any) -> Any:
            shape = np.broadcast(*cols).shape
            if not shape:
                return func(*(float(c) for c in cols))
            full = [np.broadcast_to(c, shape) for c in cols]
            results = [func(*(float(c[i]) for c in full)) for i in range(shape[0])]
            if isinstance(results[0], tuple):  # a rule: one column per parent
                return tuple(np.array(col) for col in zip(*results))
            return np.array(results)

        return rows

    helpers: dict[str, object] = {
        "_div": div, "_exp": exp_, "_log": log_, "_sqrt": sqrt_, "_sigmoid": sigmoid,
        "tanh": np.tanh, "checked_pow": power, "inf": math.inf, "nan": math.nan,
        "_relu": lambda x: np.where(x <= 0.0, 0.0, x),
        # value.step and value.sign (relu's and abs's slopes) on numpy arrays
        "step": lambda x: np.where(x <= 0.0, 0.0, 1.0),
        "sign": lambda x: np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0)),
        "_mean": lambda a: float(np.mean(a)),
    }
    for name in ("exp", "log", "power_derivative", "exponent_derivative"):
        helpers[name] = per_row(getattr(real, name))
    for name, rule in rules.items():
        helpers[name] = per_row(rule)
    return helpers
