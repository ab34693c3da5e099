"""Operations on many values at once: one node instead of a long chain of ``+`` nodes.

``sum_values(xs)`` is ``xs[0] + xs[1] + ...`` and ``dot(ws, xs)`` is ``w0*x0 + w1*x1 + ...``
as single nodes: the same numbers (summed left to right), a graph a neuron can be read from,
and far fewer nodes to build and walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from .real import is_real, not_a_number, short_int
from .value import Operand, Value, _d_dot, _n_ones, _result, lift


def _shown(x: object) -> str:
    """``repr(x)`` cut to about 60 characters (an int of any size too)."""
    return short_int(x) if isinstance(x, int) else f"{x!r:.60}"


def _values(items: Iterable[Operand], where: str) -> list[Value]:
    """The items as a list of Values (numbers become constant leaves); ``where`` names the
    function and argument in errors ("dot: weights")."""
    try:
        values = list(items)
    except TypeError:
        try:
            iter(items)  # type: ignore[call-overload]
        except TypeError:  # not a list at all
            raise TypeError(
                f"{where} must be a list (or other iterable) of Values or real numbers, "
                f"got {type(items).__name__}: {_shown(items)}"
            ) from None
        raise  # a TypeError from inside the iteration (a generator's own)
    for i, item in enumerate(values):
        if type(item) is not Value:  # the common case, Values, costs one check each
            if not (is_real(item) or isinstance(item, Value)):
                raise not_a_number(f"{where}[{i}]", item)
            values[i] = lift(item, where)
    return values


def sum_values(items: Iterable[Operand]) -> Value:
    """x0 + x1 + ... + x(n-1) as one node;  d(sum)/dx_i = 1."""
    xs = _values(items, "sum_values: items")
    if not xs:
        raise ValueError("sum_values: needs at least one value")
    total = 0.0
    for x in xs:
        total += x.data
    # d(sum)/dx_i = 1 for every i
    return _result(total, tuple(xs), "sum", partial(_n_ones, len(xs)))


def dot(weights: Sequence[Operand], inputs: Sequence[Operand]) -> Value:
    """w . x = w0*x0 + w1*x1 + ... as one node, parents (w0, .., w(n-1), x0, .., x(n-1));
    d(w . x)/dw_i = x_i,  d(w . x)/dx_i = w_i."""
    ws, xs = _values(weights, "dot: weights"), _values(inputs, "dot: inputs")
    if len(ws) != len(xs) or not ws:
        raise ValueError(
            f"dot: needs two equally long, non-empty lists, got {len(ws)} and {len(xs)}"
        )
    w_data = [w.data for w in ws]
    x_data = [x.data for x in xs]
    total = 0.0
    for w, x in zip(w_data, x_data):
        total += w * x
    # d(w . x)/dw_i = x_i,  d(w . x)/dx_i = w_i
    return _result(total, (*ws, *xs), "dot", partial(_d_dot, total, w_data, x_data))
