"""Checking gradients against central differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .grad_mode import no_grad
from .real import as_float
from .value import Value


class GradcheckError(AssertionError):
    """Backward's gradient and the numerical estimate disagree."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare the gradients ``backward`` gives for ``f(*inputs)`` with central differences.

    numeric_i = (f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps); each input must
    satisfy |analytic - numeric| <= atol + rtol * |numeric|. Returns True, or raises
    ``GradcheckError`` naming the input index and both values. ``eps`` must be positive,
    ``atol`` and ``rtol`` at least 0, all finite.
    """
    eps = _tolerance("eps", eps, positive=True)
    atol, rtol = _tolerance("atol", atol), _tolerance("rtol", rtol)
    point = [x.data if isinstance(x, Value) else as_float(x, "gradcheck input") for x in inputs]
    values = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()

    def f_at(shifted: list[float]) -> float:
        with no_grad():
            return f(*(Value(x) for x in shifted)).data

    for i, x in enumerate(point):
        up, down = list(point), list(point)
        up[i], down[i] = x + eps, x - eps
        numeric = (f_at(up) - f_at(down)) / (2.0 * eps)
        analytic = values[i].grad
        _agree(f"gradcheck: gradient of input {i} (at {x!r})", analytic, numeric, atol, rtol)
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """The second-order ``gradcheck`` (like torch's gradgradcheck): the second derivatives
    that ``gradients(create_graph=True)`` gives for ``f(*inputs)`` against central
    differences of the first derivatives.

    numeric_ij = (g_i(.., x_j + eps, ..) - g_i(.., x_j - eps, ..)) / (2 eps) with g_i = df/dx_i;
    each pair must satisfy |analytic - numeric| <= atol + rtol * |numeric|. Returns True, or
    raises ``GradcheckError`` naming both input indices and both values.
    """
    from .functional import gradients  # functional builds on value, as this module does

    eps = _tolerance("eps", eps, positive=True)
    atol, rtol = _tolerance("atol", atol), _tolerance("rtol", rtol)
    point = [x.data if isinstance(x, Value) else as_float(x, "gradgradcheck input") for x in inputs]

    def first(at: list[float], create_graph: bool) -> tuple[list[Value], tuple[Value, ...]]:
        values = [Value(x, label=f"x{i}") for i, x in enumerate(at)]
        out = f(*values)
        if not isinstance(out, Value):
            raise TypeError(f"gradgradcheck: f must return a Value, got {type(out).__name__}")
        return values, gradients(out, values, create_graph=create_graph)

    values, grads = first(point, True)
    for i, g in enumerate(grads):
        analytic_row = gradients(g, values)
        for j, x in enumerate(point):
            up, down = list(point), list(point)
            up[j], down[j] = x + eps, x - eps
            numeric = (first(up, False)[1][i].data - first(down, False)[1][i].data) / (2.0 * eps)
            analytic = analytic_row[j].data
            what = f"gradgradcheck: d2f/dx{i}dx{j} (at {point!r:.100})"
            _agree(what, analytic, numeric, atol, rtol)
    return True


def _agree(what: str, analytic: float, numeric: float, atol: float, rtol: float) -> None:
    """|analytic - numeric| <= atol + rtol * |numeric|, else a ``GradcheckError`` saying ``what``."""
    if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
        raise GradcheckError(
            f"{what} is wrong: analytic {analytic!r}, numeric {numeric!r} "
            f"(|difference| {abs(analytic - numeric):.3g} > atol {atol} + rtol {rtol} * |numeric|)"
        )


def _tolerance(name: str, x: object, positive: bool = False) -> float:
    """``x`` as a finite float >= 0 (> 0 when ``positive``); errors name the argument."""
    value = as_float(x, f"gradcheck: {name}")
    if not (math.isfinite(value) and (value > 0.0 if positive else value >= 0.0)):
        rule = "positive" if positive else "at least 0"
        raise ValueError(f"gradcheck: {name} must be finite and {rule}, got {x!r:.60}")
    return value
