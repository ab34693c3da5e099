"""Small 2-D classification datasets (numpy, no scikit-learn), for training and plotting.

Each ``make_*`` returns ``(X, y)``: ``X`` a float array of shape (n, 2), ``y`` an int array
of n class labels (0, 1, ...), shuffled. The same ``seed`` gives the same arrays (numpy's
``default_rng``); ``noise`` is the standard deviation of Gaussian noise added to each point.
"""

from __future__ import annotations

import math

import numpy as np

Dataset = tuple[np.ndarray, np.ndarray]


def _int(what: str, name: str, x: object, least: int) -> int:
    """``x`` as an int >= least (Python or numpy integer; a bool is not a count)."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(
            f"{what}: {name} must be an int >= {least}, got {type(x).__name__}: {x!r:.100}"
        )
    if x < least:
        raise ValueError(f"{what}: {name} must be an int >= {least}, got {x!r}")
    return int(x)


def _real(what: str, name: str, x: object) -> float:
    """``x`` as a float (Python or numpy real number, not a bool)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what}: {name} must be a number, got {type(x).__name__}: {x!r:.100}")
    return float(x)


def _check(n: object, noise: object, seed: object, what: str, least: int = 1) -> tuple:
    """(n, noise, a numpy Generator from seed), each checked."""
    n = _int(what, "n", n, least)
    noise = _real(what, "noise", noise)
    if not 0 <= noise < math.inf:
        raise ValueError(f"{what}: noise must be a finite number >= 0, got {noise!r}")
    return n, noise, np.random.default_rng(_int(what, "seed", seed, 0))


def _split(n: int, classes: int) -> list[int]:
    """n points shared out among the classes as evenly as possible (first classes get more)."""
    return [n // classes + (1 if k < n % classes else 0) for k in range(classes)]


def _finish(points: list[np.ndarray], rng: np.random.Generator, noise: float) -> Dataset:
    """Stack the classes' points, label them 0, 1, ..., add noise, shuffle."""
    X = np.concatenate(points).astype(np.float64)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(points)])
    X = X + rng.normal(0.0, 1.0, size=X.shape) * noise
    order = rng.permutation(len(X))
    return X[order], y[order]


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles: class 0 is the upper arc (cos t, sin t), class 1 the
    lower arc (1 - cos t, 1/2 - sin t), t in [0, pi]."""
    n, noise, rng = _check(n, noise, seed, "make_moons", least=2)
    n0, n1 = _split(n, 2)
    t0, t1 = np.linspace(0.0, math.pi, n0), np.linspace(0.0, math.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    return _finish([upper, lower], rng, noise)


def make_circles(n: int = 100, noise: float = 0.05, seed: int = 0, factor: float = 0.5) -> Dataset:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor``."""
    n, noise, rng = _check(n, noise, seed, "make_circles", least=2)
    factor = _real("make_circles", "factor", factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor must be between 0 and 1, got {factor!r}")
    points = []
    for radius, count in zip((1.0, factor), _split(n, 2)):
        t = np.linspace(0.0, 2.0 * math.pi, count, endpoint=False)
        points.append(radius * np.stack([np.cos(t), np.sin(t)], axis=1))
    return _finish(points, rng, noise)


def make_xor(n: int = 100, noise: float = 0.25, seed: int = 0) -> Dataset:
    """Four clusters at (+-1, +-1): class 1 where the coordinates' signs differ (x0 XOR x1),
    class 0 where they agree. No line separates the classes."""
    n, noise, rng = _check(n, noise, seed, "make_xor", least=4)
    corners = [((1.0, 1.0), (-1.0, -1.0)), ((1.0, -1.0), (-1.0, 1.0))]  # class 0, class 1
    points = []
    for (a, b), count in zip(corners, _split(n, 2)):
        na, nb = _split(count, 2)
        points.append(np.array([a] * na + [b] * nb, dtype=np.float64))
    return _finish(points, rng, noise)


def make_spirals(n: int = 150, classes: int = 3, noise: float = 0.05, seed: int = 0) -> Dataset:
    """``classes`` arms of a spiral around the origin: arm k has points at radius r in [0, 1]
    and angle 2 pi k / classes + 4 r (radians), so each arm winds about two thirds of a turn."""
    classes = _int("make_spirals", "classes", classes, 2)
    n, noise, rng = _check(n, noise, seed, "make_spirals", least=classes)
    points = []
    for k, count in enumerate(_split(n, classes)):
        r = np.linspace(0.05, 1.0, count)
        angle = 2.0 * math.pi * k / classes + 4.0 * r
        points.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
    return _finish(points, rng, noise)


def make_blobs(n: int = 100, noise: float = 0.5, seed: int = 0, centers: int = 3) -> Dataset:
    """``centers`` Gaussian blobs whose centres sit evenly on a circle of radius 2;
    ``noise`` is each blob's standard deviation."""
    centers = _int("make_blobs", "centers", centers, 2)
    n, noise, rng = _check(n, noise, seed, "make_blobs", least=centers)
    points = []
    for k, count in enumerate(_split(n, centers)):
        angle = math.pi / 2.0 + 2.0 * math.pi * k / centers
        centre = (2.0 * math.cos(angle), 2.0 * math.sin(angle))
        points.append(np.array([centre] * count, dtype=np.float64))
    return _finish(points, rng, noise)
