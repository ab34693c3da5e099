"""Neurons, layers of neurons, and multi-layer perceptrons, all made of scalar ``Value``s.

A neuron computes  act(w . x + b)  with one ``dot`` node for w . x. A layer is a list of
neurons reading the same inputs; an MLP is a list of layers, each reading the last one's
outputs.

Initialisation (seeded, fan-in scaled): each weight is drawn uniformly from [-a, a] with

    a = gain * sqrt(3 / nin),   gain = sqrt(2) for relu, 1 otherwise,

so Var(w) = gain^2 / nin: He (Kaiming) initialisation for relu layers, LeCun for tanh,
sigmoid and linear ones. A unit's weighted sum then keeps roughly the variance of its inputs,
however wide the layer. Biases start at 0. The numbers come from ``random.Random.random()``
only (whose sequence Python guarantees for a seed), so a seed gives the same weights on
every machine. An MLP draws all its weights from one stream: layer by layer, neuron by
neuron, weight by weight.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value, dot, name_scope

from .activations import ACTIVATIONS, check_activation
from .module import Module

if TYPE_CHECKING:
    from os import PathLike

Seed = int | random.Random


def make_rng(seed: Seed) -> random.Random:
    """A ``random.Random`` from an int seed, or the Random passed in (shared, not copied)."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}")
    return random.Random(seed)


def init_bound(nin: int, activation: str) -> float:
    """a = gain * sqrt(3 / nin): weights are drawn from U(-a, a), so Var(w) = gain^2 / nin."""
    gain = math.sqrt(2.0) if activation == "relu" else 1.0
    return gain * math.sqrt(3.0 / nin)


def _positive_int(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def check_inputs(x: object, nin: int, who: str) -> None:
    """``TypeError`` unless ``x`` is a sequence, ``ValueError`` unless it has ``nin`` items."""
    try:
        n = len(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{who}: expected a sequence of {nin} inputs, got {type(x).__name__}"
        ) from None
    if n != nin:
        raise ValueError(f"{who}: expected {nin} inputs, got {n}")


def _prefix(name: str) -> str:
    return f"{name}." if name else ""


class Neuron(Module):
    """out = act(w . x + b), with weights ``w`` (one per input) and bias ``b``."""

    def __init__(self, nin: int, activation: str = "relu", seed: Seed = 0, name: str = "") -> None:
        self.nin = _positive_int(nin, "Neuron: nin")
        self.activation = check_activation(activation)
        self.name = name
        rng = make_rng(seed)
        a = init_bound(nin, activation)
        p = _prefix(name)
        with name_scope(name):  # the parameters belong to this neuron (value.scope == name)
            self.w = [Value(a * (2.0 * rng.random() - 1.0), f"{p}w.{i}") for i in range(nin)]
            self.b = Value(0.0, f"{p}b")

    def forward(self, x: Sequence[Any]) -> Value:
        check_inputs(x, self.nin, self._what())
        return ACTIVATIONS[self.activation](dot(self.w, x) + self.b)

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def _what(self) -> str:
        return f"Neuron {self.name!r}" if self.name else "Neuron"

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        return f"Neuron({self.nin} inputs, {self.activation}; {self.nin + 1} parameters{name})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list of ``nout`` Values
    (a list even when ``nout == 1``, so a one-neuron layer can feed the next layer)."""

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", seed: Seed = 0, name: str = ""
    ) -> None:
        self.nin = _positive_int(nin, "Layer: nin")
        self.nout = _positive_int(nout, "Layer: nout")
        self.activation = check_activation(activation)
        self.name = name
        rng = make_rng(seed)
        p = _prefix(name)
        self.neurons = [Neuron(nin, activation, rng, f"{p}neurons.{i}") for i in range(nout)]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        count = self.nout * (self.nin + 1)
        return f"Layer({self.nin} -> {self.nout}, {self.activation}; {count} parameters{name})"


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    Hidden layers use ``activation``, the last one ``output_activation`` (linear: raw scores).
    ``model(x)`` returns a Value when the last layer has one neuron, else a list of Values.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: Seed = 0,
        name: str = "",
    ) -> None:
        self.nin = _positive_int(nin, "MLP: nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_positive_int(n, "MLP: each layer size") for n in nouts]
        self.activation = check_activation(activation)
        self.output_activation = check_activation(output_activation, "output_activation")
        self.name = name
        rng = make_rng(seed)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        p = _prefix(name)
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                rng,
                f"{p}layers.{i}",
            )
            for i in range(len(self.nouts))
        ]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        check_inputs(x, self.nin, "MLP")
        # lift the inputs to Values once, not once per neuron of the first layer
        out: list[Value] = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        for layer in self.layers:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def architecture(self) -> dict[str, Any]:
        """What it takes to rebuild this model (saved with its parameters)."""
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def save(self, path: str | PathLike[str]) -> None:
        """Write architecture and parameters to ``path`` as JSON, atomically."""
        from .serialize import save

        save(self, path)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> MLP:
        """Rebuild a model saved with ``save``; ``ValueError`` naming the file if it is bad."""
        from .serialize import load

        return load(path)

    def load_parameters(self, path: str | PathLike[str]) -> None:
        """Load a saved model's parameters into this model (same architecture); nothing
        changes unless the whole file is valid."""
        from .serialize import load_into

        load_into(self, path)

    def __repr__(self) -> str:
        sizes = " -> ".join(str(n) for n in [self.nin, *self.nouts])
        name = f", name={self.name!r}" if self.name else ""
        return (
            f"MLP({sizes}, {self.activation}, output {self.output_activation}; "
            f"{self.num_parameters()} parameters{name})"
        )
