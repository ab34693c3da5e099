"""Numerical derivatives for the tests: a five-point central difference with its own error
estimate, independent of ``autograd.gradcheck``.

    f'(x) ~ (-f(x + 2h) + 8 f(x + h) - 8 f(x - h) + f(x - 2h)) / (12 h)     error O(h^4)

Evaluated at h and h/2: their difference bounds the truncation error of the h/2 estimate
(about 16x smaller than the difference), and rounding in f adds |coefficients| * err(f) / h.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

UNIT_ROUNDOFF = 2.0**-53


def _five_point(
    f: Callable[[list[float]], float], point: Sequence[float], i: int, h: float
) -> tuple[float, float]:
    """(derivative estimate, largest |f| on the stencil)."""
    values = []
    for k in (2.0, 1.0, -1.0, -2.0):
        shifted = list(point)
        shifted[i] = point[i] + k * h
        values.append(f(shifted))
    f2, f1, fm1, fm2 = values
    return (-f2 + 8.0 * f1 - 8.0 * fm1 + fm2) / (12.0 * h), max(abs(v) for v in values)


def central_difference(
    f: Callable[[list[float]], float],
    point: Sequence[float],
    i: int,
    rel_step: float = 1e-3,
    f_error: float | None = None,
) -> tuple[float, float]:
    """d f / d point[i] by central differences: ``(estimate, error bound)``.

    ``f_error`` bounds the absolute rounding error of one evaluation of ``f`` (default: a few
    ulps of the largest value seen). The step is ``rel_step * max(|x_i|, 1e-3)``.
    """
    h = rel_step * max(abs(point[i]), 1e-3)
    coarse, fmax1 = _five_point(f, point, i, h)
    fine, fmax2 = _five_point(f, point, i, h / 2.0)
    if f_error is None:
        f_error = 4.0 * UNIT_ROUNDOFF * max(fmax1, fmax2)
    rounding = (18.0 / 12.0) * f_error / (h / 2.0)
    return fine, abs(coarse - fine) + 2.0 * rounding
