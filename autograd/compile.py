"""Backprop as code: a recorded graph compiled to straight-line Python.

``compile_graph(root, inputs=[x, t])`` walks the graph once and writes a function with one
line per node: the forward pass (each op on the numbers), then the backward pass (the chain
rule, dL/dparent += local * dL/dnode, in the order ``backward`` applies it). Calling it
replays the graph on new input values without building a single ``Value``.

The local derivatives are not written a second time here: each node's rule (``_d_mul``,
``_d_tanh``, ``_d_relu``, ... in ``value.py``) is evaluated on *symbols*, objects whose
arithmetic writes Python expressions instead of computing numbers, so the rule
``(1 - t)(1 + t)`` becomes the text ``((1.0 - t) * (1.0 + t))``. The helpers of ``real`` and
the branches of ``value`` (``step``, ``sign``: relu's and abs's slopes) a rule calls become
calls in the code; a rule that branches on a number itself (sqrt's) is called as it is at
run time. Either way the same float operations run as in ``backward``.

Fusion: micrograd-style graphs are compiled as if they had been built with ``dot`` and
``sum_values``. A chain of binary ``+`` (what ``sum(...)`` builds) whose inner nodes are
used nowhere else becomes one sum, and a ``w * x`` used only by such a sum becomes a
product inside it, so ``b + w0*x0 + w1*x1`` is one line, not four. Per example this is
bit for bit the scalar engine: the sum is written left to right exactly as the chain adds,
and each fused node's gradient (which is the sum's: its local derivative is 1) is passed
to its parents at the same point of the backward order. A node used twice is never fused.

``cg.batch(*columns)`` replays the graph over N rows with numpy. Where sums of products
``w0*x0 + w1*x1 + ... (+ b)`` with parameters w read the same nodes x (the neurons of a
layer), they become one layer: the weights one matrix read live from the parameters'
``.data``, the forward pass one matrix product Z = X W^T + b, an activation one op on the
whole matrix, the backward pass matrix products (dW = dZ^T X / N, db = mean of dZ,
dX = dZ W), and the gradients added to each parameter's ``.grad``. A matrix product adds
in its own order, so an entry may differ from the scalar sum in its last bits; an entry
close enough to 0 for that to matter (within the rounding bound of the sum of |terms|) is
summed term by term instead, so relu and abs take the scalar engine's side of the kink and
later ops raise where it raises. Graphs without that shape get one numpy expression per
node. Values and gradients are within rel 1e-12 of the mean of the per-example results
(the sums over rows and neurons are added in another order; numpy's exp, log and tanh may
differ from math's in the last bit).

Only the structure recorded at ``compile_graph`` time is replayed: a graph whose structure
depends on the data (a Python ``if`` on ``.data`` while building it) cannot be replayed for
other data, as with ``torch.jit.trace`` and ``jax.jit``. relu and abs, whose slope depends on
the input, branch inside the generated code.
"""

from __future__ import annotations

import keyword
import math
import operator
import re
import types
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

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


_SYMBOLIC: dict[Callable[..., Any], Callable[..., Any]] = {}


def _symbolic_rule(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``rule`` with the ``real`` helpers and ``value.BRANCHES`` it calls replaced by
    symbolic ones (made once per rule)."""
    if rule in _SYMBOLIC:
        return _SYMBOLIC[rule]
    globs = dict(rule.__globals__)
    for name in rule.__code__.co_names:
        obj = globs.get(name)
        if obj in BRANCHES or (callable(obj) and getattr(obj, "__module__", "") == real.__name__):
            globs[name] = _refuse if name == "value_of" else _symbolic_call(name)
    symbolic = types.FunctionType(rule.__code__, globs, rule.__name__, rule.__defaults__)
    _SYMBOLIC[rule] = symbolic
    return symbolic


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


def _rule_of(node: Value) -> Any:
    lg = node.local_grads
    return lg.func if type(lg) is partial else lg


def _forward(node: Value, a: list[str], batch: bool = False) -> str:
    """The expression computing ``node`` from its parents' variables ``a``."""
    op, lg = node.op, node.local_grads
    func = _rule_of(node)
    if op == "+" and func is value._ones:
        return f"{a[0]} + {a[1]}"
    if op == "-" and func is value._one_minus_one:
        return f"{a[0]} - {a[1]}"
    if op == "*" and func is value._d_mul:
        return f"{a[0]} * {a[1]}"
    if op == "/" and func is value._d_div:
        return f"_div({a[0]}, {a[1]})"
    if op == "**" and func is value._d_pow:
        return f"checked_pow({a[0]}, {a[1]})"
    if op.startswith("**") and func is value._d_pow_n:
        return f"checked_pow({a[0]}, {_lit(lg.args[2])})"  # type: ignore[union-attr]
    if op == "neg" and func is value._minus_one:
        return f"-{a[0]}"
    if op == "abs" and func is value._d_abs:
        return f"abs({a[0]})"
    if op == "relu" and func is value._d_relu:  # nan passes through, as in Value.relu
        return f"_relu({a[0]})" if batch else f"{a[0]} if not {a[0]} <= 0.0 else 0.0"
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
    func = _rule_of(node)
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


# ---- the graph, with micrograd-style chains fused -----------------------------------------

# names the generated code uses for itself (a label like these gets v{i} instead)
_RESERVED = re.compile(
    r"^(v\d+|d_.*|_.*|params|inputs|[ZXWBA]\d+(_\d+)?|d[ZXA]\d+(_\d+)?|g[WB]\d+)$"
)


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


class _Sum:
    """A sum node after fusion: ``0.0 +`` (if ``start0``) then the terms left to right, each
    a node ``(t,)`` or a product of two nodes ``(a, b)``; ``members`` are the graph's nodes
    it stands for (the ``+`` chain, the fused ``*`` and ``dot`` nodes), the head last."""

    __slots__ = ("members", "start0", "terms")

    def __init__(self, start0: bool, terms: list[tuple[Value, ...]], members: list[Value]):
        self.start0, self.terms, self.members = start0, terms, members


class _Graph:
    """What the code generators need: the nodes in order, their names, inputs, parameters,
    and the fused sums (``sums``: head id -> _Sum; ``head``: fused node id -> its head)."""

    def __init__(self, root: Value, inputs: list[Value], order: list[Value]) -> None:
        self.root = root
        self.order = order
        self.inputs = inputs
        self.index = {id(n): i for i, n in enumerate(self.order)}
        self.names = _names(self.order)
        self.input_ids = {id(x) for x in inputs}
        self.params = [n for n in self.order if not n.parents and id(n) not in self.input_ids]
        # the nodes a parameter's gradient flows through: only their gradients are computed
        self.needs_grad: set[int] = set()
        # the nodes that change from row to row (depend on an input)
        self.varies: set[int] = set(self.input_ids)
        needs_grad, varies = self.needs_grad, self.varies
        checked: set[tuple[str, Any]] = set()
        for n in self.order:
            if not n.parents:
                if id(n) not in self.input_ids:
                    needs_grad.add(id(n))
                continue
            ids = [id(p) for p in n.parents]
            if not needs_grad.isdisjoint(ids):
                needs_grad.add(id(n))
            if not varies.isdisjoint(ids):
                varies.add(id(n))
            kind = (n.op, _rule_of(n))
            if kind not in checked:
                _forward(n, ["x"] * len(n.parents))  # refuses ops it cannot compile, now
                checked.add(kind)
        self.sums: dict[int, _Sum] = {}
        self.head: dict[int, Value] = {}
        self._fuse()

    def _fuse(self) -> None:
        uses = Counter(id(p) for n in self.order for p in n.parents)
        root, sums = self.root, self.sums

        def single(n: Value) -> bool:  # an interior node with one use: it may be fused
            return bool(n.parents) and uses[id(n)] == 1 and n is not root

        def term(p: Value, members: list[Value]) -> tuple[Value, ...]:
            if single(p) and p.op == "*" and _rule_of(p) is value._d_mul:
                members.append(p)
                return p.parents
            return (p,)

        for n in self.order:
            func = _rule_of(n) if n.parents else None
            if n.op == "+" and func is value._ones:
                left, right = n.parents
                if single(left) and id(left) in sums:  # the chain goes on: (...) + right
                    s = sums.pop(id(left))
                    s.terms.append(term(right, s.members))
                    s.members.append(n)
                else:
                    members: list[Value] = []
                    terms = [term(left, members), term(right, members)]
                    s = _Sum(False, terms, [*members, n])
                sums[id(n)] = s
            elif n.op == "sum" and func is value._n_ones:
                members = []
                terms = [term(p, members) for p in n.parents]
                sums[id(n)] = _Sum(True, terms, [*members, n])
            elif n.op == "dot" and func is value._d_dot:
                k = len(n.parents) // 2
                pairs = [(n.parents[i], n.parents[k + i]) for i in range(k)]
                sums[id(n)] = _Sum(True, pairs, [n])
        for s in sums.values():
            head = s.members[-1]
            for m in s.members[:-1]:
                self.head[id(m)] = head

    def kept(self, n: Value) -> bool:
        """An interior node with a line of its own (not fused into a sum)."""
        return bool(n.parents) and id(n) not in self.head

    def operands(self, n: Value) -> list[Value]:
        """The nodes a kept node's line reads."""
        s = self.sums.get(id(n))
        return [t for term in s.terms for t in term] if s else list(n.parents)


_TERMS_PER_LINE = 500  # Python's compiler recurses once per + of an expression


def _sum_lines(s: _Sum, var: str, name: Callable[[Value], str]) -> list[str]:
    """``var = t0 + t1 + ...`` left to right, continued as ``var = var + ...`` every
    _TERMS_PER_LINE terms (the same additions in the same order)."""
    parts = ["0.0"] if s.start0 else []
    for t in s.terms:
        parts.append(name(t[0]) if len(t) == 1 else f"{name(t[0])} * {name(t[1])}")
    chunks = [parts[i:i + _TERMS_PER_LINE] for i in range(0, len(parts), _TERMS_PER_LINE)]
    lines = [f"{var} = {' + '.join(chunks[0])}  # {_sum_comment(s)}"]
    lines += [f"{var} = {var} + {' + '.join(chunk)}" for chunk in chunks[1:]]
    return lines


def _sum_comment(s: _Sum) -> str:
    if len(s.members) == 1:
        return s.members[0].op
    count = Counter(m.op for m in s.members)
    return "fused: " + ", ".join(f"{k} {op}" for op, k in count.items())


# ---- layers: sums of products that read the same nodes (batch mode) -----------------------


class _Layer(NamedTuple):
    """K sums of products sharing their inputs ``xs``: one matrix product in batch mode."""

    name: str  # Z{k}: its values, rows x neurons
    members: list[Value]  # the sums' heads, one per neuron
    xs: list[Value]  # the nodes every neuron reads, in term order
    weights: list[Value]  # row by row: neuron j's weight of xs[k] at j * K + k
    biases: list[Value]  # one per neuron, or none
    start0: bool  # 0.0 + ... (sum_values, dot)
    bias_first: bool  # b + w0 x0 + ... (micrograd's sum(..., b)), else ... + b


class _Map(NamedTuple):
    """One unary op applied to every column of a group: one numpy op on the matrix."""

    name: str  # A{k}
    members: list[Value]
    parent: _Layer | _Map
    template: Value  # the first member (its op and constants stand for all)


_PER_ROW = re.compile(r"\b(exp|log|power_derivative|exponent_derivative)\(")


def _layer_shape(
    g: _Graph, s: _Sum
) -> tuple[tuple[Any, ...], list[Value], list[Value], Value | None] | None:
    """(key, weights, xs, bias) if the sum is w0*x0 + w1*x1 + ... (+ a bias parameter first or
    last) with parameters w and row-dependent x; None otherwise."""
    param = g.needs_grad  # a leaf that needs a gradient is a parameter
    xs, ws, bias, bias_first = [], [], None, False
    for i, t in enumerate(s.terms):
        if len(t) == 1:
            (b,) = t
            if bias is not None or b.parents or id(b) not in param or i not in (0, len(s.terms) - 1):
                return None
            bias, bias_first = b, i == 0
            continue
        a, b = t
        if not a.parents and id(a) in param and id(b) in g.varies:
            ws.append(a)
            xs.append(b)
        elif not b.parents and id(b) in param and id(a) in g.varies:
            ws.append(b)
            xs.append(a)
        else:
            return None
    if not xs or (bias is not None and len(s.terms) == 1):
        return None
    key = (s.start0, bias is not None, bias_first, tuple(id(x) for x in xs))
    return key, ws, xs, bias


def _groups(g: _Graph) -> list[_Layer | _Map]:
    """The layers of the graph and the maps over them (batch mode)."""
    found: dict[tuple[Any, ...], list[tuple[Value, list[Value], list[Value], Value | None]]] = {}
    for n in g.order:
        s = g.sums.get(id(n))
        if s is None or id(n) in g.head or id(n) not in g.varies:
            continue
        shape = _layer_shape(g, s)
        if shape is not None:
            found.setdefault(shape[0], []).append((n, *shape[1:]))
    groups: list[_Layer | _Map] = []
    for (start0, has_bias, bias_first, _), neurons in found.items():
        groups.append(_Layer(
            f"Z{len(groups) + 1}", [n for n, _, _, _ in neurons], neurons[0][2],
            [w for _, ws, _, _ in neurons for w in ws],
            [b for _, _, _, b in neurons if b is not None] if has_bias else [],
            start0, bias_first,
        ))
    # maps: the same unary op on every member of a group, in member order
    consumers: dict[int, list[Value]] = {}
    for n in g.order:
        if g.kept(n) and len(n.parents) == 1 and id(n) not in g.sums:
            consumers.setdefault(id(n.parents[0]), []).append(n)
    taken: set[int] = set()
    k = 0
    while k < len(groups):
        group = groups[k]
        k += 1
        first_uses = consumers.get(id(group.members[0]), [])
        for template in first_uses:
            key = _map_key(template)
            members = []
            for m in group.members:
                match = [u for u in consumers.get(id(m), []) if id(u) not in taken
                         and _map_key(u) == key]
                if not match:
                    break
                members.append(match[0])
            if len(members) < len(group.members) or not _mappable(template):
                continue
            taken.update(id(u) for u in members)
            name, n = f"A{group.name[1:].split('_')[0]}", 1  # relu of Z2 is A2
            while any(grp.name == (name if n == 1 else f"{name}_{n}") for grp in groups):
                n += 1
            groups.append(_Map(name if n == 1 else f"{name}_{n}", members, group, template))
    return groups


def _map_key(n: Value) -> tuple[Any, ...]:
    lg = n.local_grads
    consts = lg.args[2:] if type(lg) is partial else ()
    return (n.op, _rule_of(n), consts)


def _mappable(template: Value) -> bool:
    """Whether the op's forward and local derivative work on a whole matrix at once."""
    probe: dict[str, object] = {}
    local = _locals(template, ["P"], "U", probe)[0]
    return not probe and not _PER_ROW.search(local)


# ---- writing the code ----------------------------------------------------------------------


def _wrap(names: list[str], rest: str, width: int = 88) -> list[str]:
    """``(a, b, ...) = rest`` over as many lines as it takes."""
    if len(", ".join(names)) + len(rest) < width - 6:
        return [f"{', '.join(names)} {rest}"]
    lines, line = [], "("
    for name in names:
        if len(line) + len(name) > width - 6 and line != "(":
            lines.append(line.rstrip())
            line = " "
        line += name + ", "
    lines.append(line.rstrip(", ") + ") " + rest)
    return lines


def _term(local: str, g: str) -> str:
    if local == "1.0":
        return g
    return f"-{g}" if local == "-1.0" else f"{local} * {g}"


class _Code:
    """The compiled function's source: per example (pure Python, in ``backward``'s order)
    or batch (numpy, with the layers and maps of ``_groups``)."""

    def __init__(self, g: _Graph, batch: bool) -> None:
        self.g, self.batch = g, batch
        self.lines: list[str] = []
        self.tail: list[str] = []  # batch: adding the layers' gradients, at the very end
        self.rules: dict[str, Any] = {}
        self.started: set[str] = set()
        # per example, a parameter's gradient with one term: (line, the line adding it to .grad)
        self.once: dict[str, tuple[int, str]] = {}
        self.constants: dict[str, object] = {}
        self.groups = _groups(g) if batch else []
        self.member: dict[int, tuple[_Layer | _Map, int]] = {
            id(m): (group, j) for group in self.groups for j, m in enumerate(group.members)
        }
        self.p_index = {id(n): k for k, n in enumerate(g.params)}

    def name(self, n: Value) -> str:
        return self.g.names[self.g.index[id(n)]]

    def val(self, n: Value) -> str:
        """A node's value in the code (a column of its group's matrix in batch mode)."""
        loc = self.member.get(id(n))
        return f"{loc[0].name}[:, {loc[1]}]" if loc else self.name(n)

    def grad_var(self, n: Value) -> str:
        n = self.g.head.get(id(n), n)  # a fused node's gradient is its sum's
        loc = self.member.get(id(n))
        return f"d{loc[0].name}[:, {loc[1]}]" if loc else f"d_{self.name(n)}"

    def add(self, target: Value, term: str) -> None:
        """dL/dtarget += term."""
        loc = self.member.get(id(target))
        if loc:
            d = f"d{loc[0].name}"
            if d not in self.started:
                self.started.add(d)
                self.lines.append(f"{d} = _zeros({loc[0].name})")
            self.lines.append(f"{d}[:, {loc[1]}] += {term}")
            return
        var = self.grad_var(target)
        if var in self.started:  # batch: not +=, numpy would add into an array shared by name
            self.lines.append(f"{var} = {var} + {term}" if self.batch else f"{var} += {term}")
            self.once.pop(var, None)
            return
        self.started.add(var)
        if not target.parents and not self.batch:  # a parameter: onto what its .grad holds
            k = self.p_index[id(target)]
            note = f"  # {var}" if target.label and var == f"d_{target.label}" else ""
            self.once[var] = (len(self.lines), f"params[{k}].grad += {term}{note}")
            self.lines.append(f"{var} = params[{k}].grad + {term}")
        else:
            self.lines.append(f"{var} = {term}")

    def add_matrix(self, group: _Layer | _Map, term: str) -> None:
        """dL/d(group's matrix) += term (a new array)."""
        d = f"d{group.name}"
        if d in self.started:
            self.lines.append(f"{d} += {term}")
        else:
            self.started.add(d)
            self.lines.append(f"{d} = {term}" if not term.isidentifier() else f"{d} = {term}.copy()")

    def edges(self, n: Value, g: str) -> None:
        """The chain rule for one node: dL/dparent += local * g (fused parents skipped: their
        gradient is g already)."""
        needs_grad, fused = self.g.needs_grad, self.g.head
        if n.op in ("+", "sum") and _rule_of(n) in CONSTANT_LOCALS:  # every local is 1.0
            for p in n.parents:
                if id(p) in needs_grad and id(p) not in fused:
                    self.add(p, g)
            return
        a = [self.val(p) for p in n.parents]
        out = self.val(n) if id(n) not in fused else "_fused"
        for p, local in zip(n.parents, _locals(n, a, out, self.rules)):
            if id(p) in needs_grad and id(p) not in fused:
                self.add(p, _term(local, g))

    # -- the function

    def write(self) -> str:
        g, lines = self.g, self.lines
        units = self._units()
        args = [self.name(x) for x in g.inputs]
        lines.append("# forward")
        read = self._params_read(units)
        if len(g.params) > 1 and all(id(p) in read for p in g.params):
            lines.extend(_wrap([self.name(p) for p in g.params], "= [p.data for p in params]"))
        else:
            for k, p in enumerate(g.params):
                if id(p) in read:
                    lines.append(f"{self.name(p)} = params[{k}].data")
        for u in units:
            self._forward(u)
        lines.append("# backward: dL/dparent += d(node)/d(parent) * dL/d(node)")
        root = g.root
        if id(root) in g.needs_grad and id(root) not in g.input_ids:
            self.add(root, "1.0")
        if self.batch:
            for u in reversed(units):
                self._backward(u)
        else:  # node by node in backward's order, fused nodes at their own place: bit for bit
            for n in reversed(g.order):
                if n.parents and id(n) in g.needs_grad:
                    self.edges(n, self.grad_var(n))
        for i, line in self.once.values():  # one term: added to .grad where it is computed
            lines[i] = line
        for k, p in enumerate(g.params):
            d = f"d_{self.name(p)}"
            if d in self.started and d not in self.once:
                lines.append(f"params[{k}].grad += _mean({d})" if self.batch
                             else f"params[{k}].grad = {d}")
        lines.extend(self.tail)
        r = self.val(root)
        lines.append(f"return _mean({r})" if self.batch else f"return {r}")
        fn = "compiled_batch" if self.batch else "compiled"
        return f"def {fn}({', '.join(args)}):\n" + "".join(f"    {line}\n" for line in lines)

    def _units(self) -> list[Any]:
        """What gets a forward line (kept nodes, layers, maps), parents first."""
        g = self.g

        def unit(n: Value) -> Any:
            loc = self.member.get(id(n))
            return loc[0] if loc else (n if g.kept(n) else None)

        def deps(u: Any) -> list[Any]:
            if isinstance(u, _Layer):
                nodes = u.xs
            elif isinstance(u, _Map):
                return [u.parent]
            else:
                nodes = g.operands(u)
            return [d for d in (unit(n) for n in nodes) if d is not None]

        if not self.batch:
            return [n for n in g.order if g.kept(n)]
        start = unit(g.root)
        order: list[Any] = []
        opened: set[int] = set()
        placed: set[int] = set()
        stack = [start] if start is not None else []
        while stack:
            u = stack[-1]
            if id(u) not in opened:
                opened.add(id(u))
                stack.extend(d for d in reversed(deps(u)) if id(d) not in opened)
            else:
                stack.pop()
                if id(u) not in placed:
                    placed.add(id(u))
                    order.append(u)
        return order

    def _params_read(self, units: list[Any]) -> set[int]:
        """The parameters the code reads one by one (not as a layer's weights)."""
        g = self.g
        if not self.batch:
            return {id(p) for p in g.params}
        read = {id(g.root)}
        for u in units:
            if isinstance(u, Value):
                read.update(id(n) for n in g.operands(u))
        return read

    def _forward(self, u: Any) -> None:
        g, lines = self.g, self.lines
        if isinstance(u, _Layer):
            self._forward_layer(u)
        elif isinstance(u, _Map):
            expr = _forward(u.template, [u.parent.name], batch=True)
            lines.append(f"{u.name} = {expr}  # {u.template.op} of each column of {u.parent.name}")
        else:
            s = g.sums.get(id(u))
            if s is not None:
                lines.extend(_sum_lines(s, self.val(u), self.val))
            else:
                expr = _forward(u, [self.val(p) for p in u.parents], self.batch)
                lines.append(f"{self.val(u)} = {expr}  # {u.op}")

    def _forward_layer(self, u: _Layer) -> None:
        k = u.name[1:]
        m, n_in = len(u.members), len(u.xs)
        xs_ids = [id(x) for x in u.xs]
        source = next((grp for grp in self.groups if [id(x) for x in grp.members] == xs_ids), None)
        x = source.name if source is not None else f"X{k}"
        if source is None:
            self.lines.append(f"{x} = _stack({', '.join(self.val(v) for v in u.xs)})")
        self.constants[f"_W{k}"] = (tuple(u.weights), (m, n_in))
        self.lines.append(f"W{k} = _read(_W{k})  # {m} x {n_in} weights, live from their .data")
        start = "0.0" if u.start0 else ""
        bias = ""
        if u.biases:
            self.constants[f"_B{k}"] = (tuple(u.biases), (m,))
            self.lines.append(f"B{k} = _read(_B{k})")
            if u.bias_first:
                start = f"0.0 + B{k}" if start else f"B{k}"
            else:
                bias = f"B{k}"
        args = ", ".join(a for a in (x, f"W{k}", bias, f"start={start}" if start else "") if a)
        formula = " + ".join(a for a in (start, f"{x} @ W{k}.T", bias) if a)
        self.lines.append(f"{u.name} = _affine({args})  # {formula}, as the scalar sums")

    def _backward(self, u: Any) -> None:
        g, lines = self.g, self.lines
        if isinstance(u, _Layer):
            k, d = u.name[1:], f"d{u.name}"
            xs_ids = [id(x) for x in u.xs]
            source = next((grp for grp in self.groups
                           if [id(x) for x in grp.members] == xs_ids), None)
            x = source.name if source is not None else f"X{k}"
            lines.append(f"gW{k} = {d}.T @ {x} / len({x})  # the mean over the rows")
            self.tail.append(f"_add_grads(_W{k}, gW{k})")
            if u.biases:
                lines.append(f"gB{k} = {d}.sum(0) / len({d})")
                self.tail.append(f"_add_grads(_B{k}, gB{k})")
            if source is not None:
                if id(source.members[0]) in g.needs_grad:
                    self.add_matrix(source, f"{d} @ W{k}")
            elif any(id(v) in g.needs_grad for v in u.xs):
                lines.append(f"dX{k} = {d} @ W{k}")
                for j, v in enumerate(u.xs):
                    if id(v) in g.needs_grad:
                        self.add(v, f"dX{k}[:, {j}]")
        elif isinstance(u, _Map):
            if id(u.parent.members[0]) not in g.needs_grad:
                return
            local = _locals(u.template, [u.parent.name], u.name, self.rules)[0]
            self.add_matrix(u.parent, _term(local, f"d{u.name}"))
        elif id(u) in g.needs_grad:
            grad = self.grad_var(u)
            s = g.sums.get(id(u))
            for n in reversed(s.members) if s is not None else (u,):
                self.edges(n, grad)


# ---- compiling ---------------------------------------------------------------------------


class CompiledGraph:
    """A graph compiled to Python: ``cg(*input_values)`` is root's value, with d root/d leaf
    accumulated into ``.grad`` of every leaf that is not an input; ``cg.source`` the code.
    ``cg.batch(*arrays)`` replays it over N rows at once with numpy (the mean of root, and
    the mean gradient accumulated); ``cg.batch_source`` is that code."""

    def __init__(self, graph: _Graph) -> None:
        self._graph = graph
        self.source, self._fn = _generate(graph, batch=False)
        self._n = len(graph.inputs)
        self._batch: tuple[str, Callable[..., float]] | None = None

    def __call__(self, *input_values: float) -> float:
        if len(input_values) != self._n:
            raise TypeError(
                f"compiled graph takes {self._n} input values, got {len(input_values)}"
            )
        xs = [real.as_float(x, f"compiled graph: input {i}") for i, x in enumerate(input_values)]
        return self._fn(*xs)

    @property
    def batch_source(self) -> str:
        """The code ``batch`` runs: numpy, one line per layer op where the graph has layers."""
        if self._batch is None:
            self._batch = _generate(self._graph, batch=True)
        return self._batch[0]

    def batch(self, *arrays: object) -> float:
        """The mean of root over N rows (``arrays[i][r]`` is input i in row r); adds the mean
        gradient over the rows to every parameter's ``.grad``. Within rel 1e-12 of the mean
        of per-row calls (see the module docstring). A domain error names the op and the
        first row where it happens, and changes no ``.grad``."""
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
        if self._batch is None:
            self._batch = _generate(self._graph, batch=True)
        with np.errstate(all="ignore"):
            return self._batch[1](*columns)

    def __repr__(self) -> str:
        return f"<CompiledGraph: {self._n} inputs, {self.source.count(chr(10))} lines>"


def compile_graph(root: Value, inputs: Sequence[Value] = ()) -> CompiledGraph:
    """Compile ``root``'s graph to straight-line Python (see the module docstring).

    ``inputs`` are leaves whose values change per call (given to ``cg(...)`` in this order);
    every other leaf is a parameter, read live from its ``.data`` at each call. Only the
    graph's recorded structure is replayed (no ``if`` on ``.data`` while it was built).
    Per example the numbers are the scalar engine's bit for bit (fused chains included);
    ``cg.batch`` is within rel 1e-12 of the mean of the per-example results.
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
    return CompiledGraph(_Graph(root, inputs, order))


def _generate(graph: _Graph, batch: bool) -> tuple[str, Callable[..., float]]:
    """The source of the compiled function and the function (``batch``: on numpy columns)."""
    code = _Code(graph, batch)
    source = code.write()
    helpers = _batch_helpers(code.rules) if batch else {**_HELPERS, **code.rules}
    namespace: dict[str, Any] = {**helpers, **code.constants, "params": tuple(graph.params)}
    exec(compile(source, "<compiled graph>", "exec"), namespace)  # noqa: S102
    return source, namespace["compiled_batch" if batch else "compiled"]


def _batch_helpers(rules: dict[str, Any]) -> dict[str, object]:
    """The helpers of the generated code on numpy columns, with the scalar ops' errors
    (and the first failing row)."""
    import numpy as np

    def first_error(scalar: Callable[..., float], bad: Any, *cols: Any) -> None:
        if not np.any(bad):
            return
        shape = np.broadcast(*cols).shape
        at: tuple[int, ...] = ()
        if shape:  # the first failing element in row order: its row is the first failing row
            flat = int(np.argmax(np.broadcast_to(bad, shape)))
            at = tuple(int(i) for i in np.unravel_index(flat, shape))
        values = [float(np.broadcast_to(c, shape)[at]) for c in cols]
        try:
            scalar(*values)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(f"row {at[0] if at else 0}: {error}") from None

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

    def term_by_term(x: Any, w: Any, bias: Any, start: Any) -> Any:
        """start + x[:, 0] w[:, 0] + x[:, 1] w[:, 1] + ... + bias (rows x neurons), added
        term by term in the order the scalar sums add: every entry bit for bit."""
        acc = start
        for k, column in enumerate(w.T):
            term = x[:, k, None] * column
            acc = term if acc is None else acc + term
        return acc if bias is None else acc + bias

    def affine(x: Any, w: Any, bias: Any = None, start: Any = None) -> Any:
        """start + x @ w.T + bias. A matrix product adds in its own order, so an entry can
        differ from the scalar sum in the last bits; where that could move it across 0
        (|z| within the rounding bound of the sum of |terms|: cancellation, exact zeros,
        inf or nan), its row is summed term by term. So relu's and abs's side of the kink
        and the domain errors of later ops are the scalar engine's in every row."""
        k_in = w.shape[1]
        if k_in <= 3:  # as quick term by term
            return term_by_term(x, w, bias, start)
        z = x @ w.T
        # a bound on sum_k |x_ik w_jk| for every row: max |x| * sum_k |w_jk| (one number per
        # neuron, quick; a row of large numbers makes it looser for all: more rows re-summed)
        size = np.abs(w).sum(axis=1) * float(np.abs(x).max())
        if start is not None and not (type(start) is float and start == 0.0):  # 0.0 + z = z
            z = start + z  # (but for -0.0, and an entry at 0 is summed term by term below)
            size = size + np.abs(start)
        if bias is not None:
            z += bias
            size = size + np.abs(bias)
        # two orders of k_in + 2 terms differ by at most 2 gamma(k_in + 2) * size; 4 (k_in + 2)
        # units of 2^-53 covers that and the rounding of size; the last term covers underflow
        size = size * (4.0 * (k_in + 2) * 2.0**-53) + (k_in + 2) * 5e-324
        safe = np.abs(z) > size  # False for nan
        if not safe.all():
            rows = np.flatnonzero(~safe.all(axis=1))
            z[rows] = term_by_term(x[rows], w, bias, start)
        return z

    data_of = operator.attrgetter("data")

    def read(spec: tuple[tuple[Value, ...], tuple[int, ...]]) -> Any:
        params, shape = spec
        return np.fromiter(map(data_of, params), np.float64, len(params)).reshape(shape)

    def add_grads(spec: tuple[tuple[Value, ...], tuple[int, ...]], grads: Any) -> None:
        for p, g in zip(spec[0], grads.ravel().tolist()):
            p.grad += g

    helpers: dict[str, object] = {
        "_div": div, "_exp": exp_, "_log": log_, "_sqrt": sqrt_, "_sigmoid": sigmoid,
        "tanh": np.tanh, "checked_pow": power, "inf": math.inf, "nan": math.nan,
        "_relu": lambda x: np.where(x <= 0.0, 0.0, x),
        # value.step and value.sign (relu's and abs's slopes) on numpy arrays
        # (step: True for x > 0 and nan, False for x <= 0; it is always multiplied by a float)
        "step": lambda x: np.logical_not(x <= 0.0),
        "sign": lambda x: np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0)),
        "_mean": lambda a: a if type(a) is float else float(a.sum() / a.size),  # np.mean's sum
        "_stack": lambda *cols: np.array(cols).T,
        "_zeros": np.zeros_like, "_affine": affine, "_read": read, "_add_grads": add_grads,
    }
    for name in ("exp", "log", "power_derivative", "exponent_derivative"):
        helpers[name] = per_row(getattr(real, name))
    for name, rule in rules.items():
        helpers[name] = per_row(rule)
    return helpers
