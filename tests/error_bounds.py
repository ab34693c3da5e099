"""How far can two correct float64 implementations disagree? A running error analysis.

Comparing our gradients with PyTorch's (or with central differences) needs a tolerance, and a
fixed relative one is wrong both ways: ``tanh(u) - tanh(v)`` with u close to v has a large
relative error in any float implementation, while most results agree to the last bit. So we
bound the error instead, node by node, to first order in the unit roundoff u = 2^-53:

forward   E(node) >= |computed value - exact value|, e.g. E(x * y) = |x| E(y) + |y| E(x) + u |xy|;
          library functions (exp, log, pow, tanh...) are allowed 2 ulps (``LIBM``).
locals    dl >= |computed local derivative - exact|, from the same E's, e.g. for tanh,
          l = 1 - t^2 so dl = 2 |t| E(t) + a few u |l|.
backward  B(parent) >= |computed grad - exact grad|, summed over the edges into it:
          |l| B(node) + dl |grad(node)| + u |l grad(node)|, plus u * k * sum |l grad| for
          adding k contributions.

Two implementations each within B of the exact answer differ by at most 2B; tests allow
``SAFETY * B`` (first-order bounds drop second-order terms: the factor pays for them).

An op without a rule here: a unary one gets a generous fallback (``_unknown_unary``), so a
new op needs no rule to start with; any other is a ValueError saying where to add one.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from autograd import Value, topological_order

U = 2.0**-53  # unit roundoff of float64
LIBM = 4.0 * U  # a math-library function: within 2 ulps
SAFETY = 4.0


class Bounds(NamedTuple):
    value: dict[Value, float]  # E: error bound of each node's value
    grad: dict[Value, float]  # B: error bound of each node's grad (after root.backward())
    kinks_ambiguous: bool  # an abs/relu input so close to 0 that its side is uncertain


def _number_exponent(node: Value) -> float:
    return float(node.op[2:])  # '**2.5' -> 2.5 (6 significant digits: plenty for a bound)


def _forward(node: Value, E: dict[Value, float]) -> float:
    op, v, ps = node.op, node.data, node.parents
    e = [E[p] for p in ps]
    x = ps[0].data if ps else 0.0
    if op in ("+", "-"):
        return e[0] + e[1] + U * abs(v)
    if op == "*":
        y = ps[1].data
        return abs(x) * e[1] + abs(y) * e[0] + e[0] * e[1] + U * abs(v)
    if op == "/":
        y = ps[1].data
        return e[0] / abs(y) + abs(x) * e[1] / (y * y) + U * abs(v)
    if op in ("neg", "abs"):
        return e[0]
    if op == "relu":
        return e[0] if x > 0 else 0.0
    if op == "sum":
        return sum(e) + len(ps) * U * sum(abs(p.data) for p in ps)
    if op == "dot":
        n = len(ps) // 2
        ws, xs = ps[:n], ps[n:]
        terms = [abs(w.data * z.data) for w, z in zip(ws, xs)]
        prop = sum(abs(w.data) * E[z] + abs(z.data) * E[w] for w, z in zip(ws, xs))
        return prop + 2 * n * U * sum(terms)
    # one library call: the propagated error plus 2 ulps of the result
    (local, *rest) = node.local_grads()
    prop = abs(local) * e[0] + (abs(rest[0]) * e[1] if rest else 0.0)
    return prop + LIBM * abs(v)


def _local_errors(node: Value, E: dict[Value, float]) -> list[float]:
    """dl: an error bound of each local derivative."""
    op, v, ps = node.op, node.data, node.parents
    e = [E[p] for p in ps]
    locals_ = node.local_grads()
    x = ps[0].data if ps else 0.0
    if op in ("+", "-", "neg", "abs", "relu", "sum"):
        return [0.0] * len(ps)
    if op == "*":
        return [e[1], e[0]]
    if op == "dot":
        n = len(ps) // 2
        return [E[p] for p in ps[n:]] + [E[p] for p in ps[:n]]
    if op == "/":
        y = ps[1].data
        return [
            e[1] / (y * y) + U / abs(y),
            e[0] / (y * y) + 2 * abs(x) * e[1] / abs(y) ** 3 + 2 * U * abs(x) / (y * y),
        ]
    (local, *_) = locals_
    if op == "exp":
        return [E[node]]  # the local derivative is the value itself
    if op == "log":
        return [e[0] / (x * x) + U / abs(x)]
    if op == "sqrt":
        return [0.5 * E[node] / (v * v) + U * abs(local)] if v > 0 else [math.inf]
    if op == "tanh":
        return [2 * abs(v) * E[node] + 3 * U * abs(local)]
    if op == "sigmoid":
        return [abs(1 - 2 * v) * E[node] + 3 * U * abs(local)]
    if op == "**":  # x ** y, both Values: l0 = y x^(y-1), l1 = x^y ln x
        y = ps[1].data
        if x <= 0:
            return [math.inf, math.inf]
        ln = math.log(x)
        xy1 = v / x  # x^(y-1)
        cross = abs(xy1 * (1 + y * ln))  # d l0/dy = d l1/dx = x^(y-1) (1 + y ln x)
        return [
            abs(y * (y - 1) * xy1 / x) * e[0] + cross * e[1] + LIBM * abs(locals_[0]),
            cross * e[0] + abs(v * ln * ln) * e[1] + LIBM * abs(locals_[1]),
        ]
    if op.startswith("**"):  # x ** n, n a number: l = n x^(n-1)
        n = _number_exponent(node)
        if n in (0.0, 1.0):
            return [0.0]
        try:
            second = abs(n * (n - 1)) * abs(x) ** (n - 2)
        except ZeroDivisionError:
            second = math.inf
        return [second * e[0] + LIBM * abs(local)]
    if len(ps) == 1:
        return [_unknown_unary(local, x, e[0])]
    raise ValueError(
        f"error_bounds: unknown op {op!r} with {len(ps)} operands: "
        "add its rule to _forward and _local_errors in tests/error_bounds.py"
    )


def _unknown_unary(local: float, x: float, ex: float) -> float:
    """dl for a unary op this table has no rule for (a new op): assume a smooth library
    function whose slope changes on the scale of its input, |f''(x)| <= |f'(x)| max(1, 1/|x|)
    + 1, computed to a few ulps. A heuristic: give the op its own rule if the torch
    cross-check ever finds it too tight."""
    rounding = 4.0 * LIBM * abs(local)
    if ex == 0.0:  # an exact input (a leaf)
        return rounding
    scale = max(1.0, 1.0 / abs(x)) if x else math.inf
    return (abs(local) * scale + 1.0) * ex + rounding


def value_errors(root: Value) -> tuple[dict[Value, float], bool]:
    """E for every node of ``root``'s graph, and whether an abs/relu input is ambiguous."""
    E: dict[Value, float] = {}
    ambiguous = False
    for node in topological_order(root):
        if not node.parents:
            E[node] = 0.0
            continue
        if node.op in ("abs", "relu"):
            x, ex = node.parents[0].data, E[node.parents[0]]
            if ex > 0 and abs(x) <= 2 * SAFETY * ex:
                ambiguous = True
        E[node] = _forward(node, E)
    return E, ambiguous


def error_bounds(root: Value) -> Bounds:
    """E and B for every node of ``root``'s graph; call after ``root.backward()``."""
    E, ambiguous = value_errors(root)
    order = topological_order(root)
    B = dict.fromkeys(order, 0.0)
    added = dict.fromkeys(order, 0.0)  # sum of |contribution| into each node
    count = dict.fromkeys(order, 0)
    for node in reversed(order):
        if not node.parents:
            continue
        B[node] += count[node] * U * added[node]
        g = node.grad
        for parent, local, dl in zip(node.parents, node.local_grads(), _local_errors(node, E)):
            contribution = abs(local * g)
            B[parent] += abs(local) * B[node] + dl * abs(g) + U * contribution
            added[parent] += contribution
            count[parent] += 1
    for node in order:
        if not node.parents:
            B[node] += count[node] * U * added[node]
    return Bounds(E, B, ambiguous)
