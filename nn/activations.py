"""Activation functions: the non-linearity a neuron applies to its weighted sum z = w . x + b.

Each is one engine operation (its derivative lives in ``autograd.Value``):

    relu(z)    = max(0, z)            relu'(z)    = 1 if z > 0 else 0
    tanh(z)    = (e^z - e^-z) / (e^z + e^-z)   tanh'(z) = 1 - tanh(z)^2
    sigmoid(z) = 1 / (1 + e^-z)       sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
    linear(z)  = z                    (no node at all)
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable

from autograd import Value


def relu(z: Value) -> Value:
    return z.relu()


def tanh(z: Value) -> Value:
    return z.tanh()


def sigmoid(z: Value) -> Value:
    return z.sigmoid()


def linear(z: Value) -> Value:
    return z


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "linear": linear,
}


def check_activation(name: object, what: str = "activation") -> str:
    """``name`` if it names an activation, else ``ValueError`` listing the choices."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        choices = ", ".join(repr(a) for a in ACTIVATIONS)
        # reprlib: a 10 MB string or a deeply nested list read from a file is quoted short
        raise ValueError(f"unknown {what} {reprlib.repr(name)}: choose one of {choices}")
    return name
