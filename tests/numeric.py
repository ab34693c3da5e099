"""Numerical derivatives for the tests: a five-point central difference with its own error
estimate, independent of ``autograd.gradcheck``.

    f'(x) ~ (-f(x + 2h) + 8 f(x + h) - 8 f(x - h) + f(x - 2h)) / (12 h)     error O(h^4)

Evaluated at h and h/2: their difference bounds the truncation error of the h/2 estimate
(about 16x smaller than the difference); rounding, in f and in the stencil's sum, adds
(sum |coefficient * err(f)| + 48 u max|f|) / 12h.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

UNIT_ROUNDOFF = 2.0**-53


Function = Callable[[list[float]], "tuple[float, float]"]  # point -> (value, error bound)


def _five_point(f: Function, point: Sequence[float], i: int, h: float) -> tuple[float, float]:
    """(derivative estimate, bound on its rounding error)."""
    values, errors = [], []
    for k in (2.0, 1.0, -1.0, -2.0):
        shifted = list(point)
        shifted[i] = point[i] + k * h
        value, error = f(shifted)
        values.append(value)
        errors.append(error)
    f2, f1, fm1, fm2 = values
    estimate = (-f2 + 8.0 * f1 - 8.0 * fm1 + fm2) / (12.0 * h)
    # errors in f weighted by |coefficient| / 12h, plus the stencil's own sum (3 roundings)
    weighted = errors[0] + 8.0 * errors[1] + 8.0 * errors[2] + errors[3]
    rounding = (weighted + 48.0 * UNIT_ROUNDOFF * max(abs(v) for v in values)) / (12.0 * h)
    return estimate, rounding


def central_difference(
    f: Function, point: Sequence[float], i: int, rel_step: float = 1e-3
) -> tuple[float, float]:
    """d f / d point[i] by central differences: ``(estimate, error bound)``.

    ``f(point)`` returns the value and a bound on its rounding error (``with_ulps`` adds a
    few ulps to a plain function). The step is ``rel_step * max(|x_i|, 1e-3)``.
    """
    h = rel_step * max(abs(point[i]), 1e-3)
    coarse, rounding_coarse = _five_point(f, point, i, h)
    fine, rounding_fine = _five_point(f, point, i, h / 2.0)
    return fine, abs(coarse - fine) + rounding_coarse + 2.0 * rounding_fine


def with_ulps(f: Callable[[list[float]], float], ulps: float = 4.0) -> Function:
    """``f`` with an error bound of a few ulps of its value."""

    def f_with_error(point: list[float]) -> tuple[float, float]:
        value = f(point)
        return value, ulps * 2.0 * UNIT_ROUNDOFF * abs(value)

    return f_with_error
