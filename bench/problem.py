"""The shared problem every implementation solves: same data, same weights, same loss.

    scores  s_i = MLP(x_i)            (2-16-16-1, ReLU hidden layers, linear output)
    loss    L   = mean_i relu(1 - y_i * s_i) + ALPHA * sum_p p^2

Everything here is plain Python floats (standard library only), so each implementation
starts from exactly the same numbers.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

SIZES: tuple[int, ...] = (2, 16, 16, 1)
N_POINTS = 100
ALPHA = 1e-4
SEED = 0

# one neuron's parameters: (weights, bias); a layer is a list of neurons
Neuron = tuple[list[float], float]
Weights = list[list[Neuron]]


@dataclass(frozen=True)
class Problem:
    """100 points with labels in {-1, +1} and the MLP's starting weights."""

    X: list[list[float]]
    Y: list[float]
    weights: Weights
    alpha: float = ALPHA


def make_moons(n: int = N_POINTS, noise: float = 0.1, seed: int = SEED) -> tuple[list, list]:
    """Two interleaving half circles: (X as n [x0, x1] lists, y in {-1.0, +1.0}).

    Outer moon (label -1): (cos t, sin t); inner moon (label +1): (1 - cos t, 0.5 - sin t),
    t evenly spaced in [0, pi], plus Gaussian noise of standard deviation ``noise``.
    """
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X: list[list[float]] = []
    Y: list[float] = []
    for count, label in ((n_outer, -1.0), (n_inner, 1.0)):
        for i in range(count):
            t = math.pi * i / (count - 1) if count > 1 else 0.0
            if label < 0:
                x0, x1 = math.cos(t), math.sin(t)
            else:
                x0, x1 = 1.0 - math.cos(t), 0.5 - math.sin(t)
            X.append([x0 + rng.gauss(0.0, noise), x1 + rng.gauss(0.0, noise)])
            Y.append(label)
    return X, Y


def init_weights(sizes: tuple[int, ...] = SIZES, seed: int = SEED) -> Weights:
    """Weights uniform in [-1, 1] / sqrt(fan-in), biases uniform in [-0.1, 0.1] (seeded)."""
    rng = random.Random(seed)
    layers: Weights = []
    for nin, nout in itertools.pairwise(sizes):
        scale = 1.0 / math.sqrt(nin)
        layer = [
            ([rng.uniform(-1.0, 1.0) * scale for _ in range(nin)], rng.uniform(-0.1, 0.1))
            for _ in range(nout)
        ]
        layers.append(layer)
    return layers


def flatten(weights: Weights) -> list[float]:
    """The parameters in micrograd's order: layer by layer, neuron by neuron, weights then bias."""
    return [p for layer in weights for w, b in layer for p in (*w, b)]


def unflatten(flat: list[float], sizes: tuple[int, ...] = SIZES) -> Weights:
    """``flatten``'s inverse for an MLP of the given sizes."""
    it = iter(flat)
    layers: Weights = []
    for nin, nout in itertools.pairwise(sizes):
        layers.append([([next(it) for _ in range(nin)], next(it)) for _ in range(nout)])
    return layers


def default_problem() -> Problem:
    """The benchmark's problem: 100 moons points (seed 0), weights from seed 0."""
    X, Y = make_moons()
    return Problem(X, Y, init_weights())
