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
import operator
import random
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value, dot

from .activations import ACTIVATIONS, check_activation
from .module import Module
from .serialize import quote, read_model, write_model

if TYPE_CHECKING:
    from os import PathLike

Seed = int | random.Random

MAX_PARAMETERS = 10_000_000
"""The most parameters an MLP may have. Every parameter is a Python object (about 200 bytes
with its label), so ten million is already gigabytes: more is refused before anything is built."""


def _is_bool(x: object) -> bool:
    kind = type(x)  # bool, or numpy's bool_ (which is not a Python bool)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool"))


def _as_int(x: object) -> int | None:
    """``x`` as a Python int if it is an integer (int or numpy integer, not a bool), else None."""
    if _is_bool(x):
        return None
    try:
        return operator.index(x)  # type: ignore[arg-type]
    except TypeError:
        return None


def make_rng(seed: Seed) -> random.Random:
    """A ``random.Random`` from an int seed, or the Random passed in (shared, not copied)."""
    if isinstance(seed, random.Random):
        return seed
    number = _as_int(seed)
    if number is None:
        raise TypeError(
            f"seed must be an int or a random.Random, got {type(seed).__name__}: {quote(seed)}"
        )
    return random.Random(number)


def init_bound(nin: int, activation: str) -> float:
    """a = gain * sqrt(3 / nin): weights are drawn from U(-a, a), so Var(w) = gain^2 / nin."""
    gain = math.sqrt(2.0) if activation == "relu" else 1.0
    return gain * math.sqrt(3.0 / nin)


def _positive_int(n: object, what: str) -> int:
    number = _as_int(n)
    if number is None or number < 1:
        raise ValueError(f"{what} must be a positive int, got {quote(n)}")
    return number


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


class Neuron(Module):
    """out = act(w . x + b), with weights ``w`` (one per input) and bias ``b``."""

    def __init__(self, nin: int, activation: str = "relu", seed: Seed = 0) -> None:
        self.nin = _positive_int(nin, "Neuron: nin")
        self.activation = check_activation(activation)
        rng = make_rng(seed)
        a = init_bound(self.nin, activation)
        self.w = [Value(a * (2.0 * rng.random() - 1.0)) for _ in range(self.nin)]
        self.b = Value(0.0)
        self.name_modules()  # labels "w.0", ..., "b"; a parent renames them "<path>.w.0"

    @staticmethod
    def parameter_names(nin: int) -> Iterator[str]:
        """The local names of a neuron's parameters: "w.0" ... "w.<nin-1>", then "b"."""
        for i in range(nin):
            yield f"w.{i}"
        yield "b"

    def forward(self, x: Sequence[Any]) -> Value:
        check_inputs(x, self.nin, self._what())
        return ACTIVATIONS[self.activation](dot(self.w, x) + self.b)

    def own_parameters(self) -> list[tuple[str, Value]]:
        return list(zip(self.parameter_names(self.nin), [*self.w, self.b]))

    def _what(self) -> str:
        return f"Neuron {self.name!r}" if self.name else "Neuron"

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        return f"Neuron({self.nin} inputs, {self.activation}; {self.nin + 1} parameters{name})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list of ``nout`` Values
    (a list even when ``nout == 1``, so a one-neuron layer can feed the next layer)."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", seed: Seed = 0) -> None:
        self.nin = _positive_int(nin, "Layer: nin")
        self.nout = _positive_int(nout, "Layer: nout")
        self.activation = check_activation(activation)
        rng = make_rng(seed)
        self.neurons = [Neuron(self.nin, activation, rng) for _ in range(self.nout)]
        self.name_modules()

    def forward(self, x: Sequence[Any]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        count = self.nout * (self.nin + 1)
        return f"Layer({self.nin} -> {self.nout}, {self.activation}; {count} parameters{name})"


def check_architecture(
    nin: object, nouts: object, activation: object = "relu", output_activation: object = "linear"
) -> dict[str, Any]:
    """An MLP's constructor arguments as plain Python values (``nouts`` a list of ints), or a
    ``ValueError`` saying what is wrong: sizes must be positive integers (Python or numpy, not
    bools or floats), activations known names, and the model at most ``MAX_PARAMETERS``
    parameters. The constructor, ``MLP.load`` and ``load_parameters`` all check with this."""
    nin = _positive_int(nin, "MLP: nin")
    if isinstance(nouts, (str, bytes)) or not (
        isinstance(nouts, Sequence) or type(nouts).__name__ == "ndarray"
    ):
        raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {quote(nouts)}")
    sizes, count = [], 0
    for n in nouts:  # stops at the first bad size, or as soon as the model is too big
        fan_in = sizes[-1] if sizes else nin
        sizes.append(_positive_int(n, "MLP: each layer size"))
        count += (fan_in + 1) * sizes[-1]  # a layer of n neurons: n * (fan_in weights + 1 bias)
        if count > MAX_PARAMETERS:
            raise ValueError(
                f"MLP: {quote(nin)} inputs and layers {quote(nouts)} make more than "
                f"{MAX_PARAMETERS:,} parameters; that is too big for scalar Values"
            )
    if not sizes:
        raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {quote(nouts)}")
    return {
        "nin": nin,
        "nouts": sizes,
        "activation": check_activation(activation),
        "output_activation": check_activation(output_activation, "output_activation"),
    }


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
    ) -> None:
        checked = check_architecture(nin, nouts, activation, output_activation)
        self.nin: int = checked["nin"]
        self.nouts: list[int] = checked["nouts"]
        self.activation: str = checked["activation"]
        self.output_activation: str = checked["output_activation"]
        rng = make_rng(seed)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, rng)
            for i in range(len(self.nouts))
        ]
        self.name_modules()

    @staticmethod
    def parameter_names(nin: int, nouts: Sequence[int]) -> Iterator[str]:
        """The names ``named_parameters()`` gives an ``MLP(nin, nouts)``, in order, without
        building it: "layers.<i>.neurons.<j>.w.<k>" and "layers.<i>.neurons.<j>.b"."""
        for i, (fan_in, n) in enumerate(zip([nin, *nouts], nouts)):
            for j in range(n):
                for name in Neuron.parameter_names(fan_in):  # one at a time: a layer may be wide
                    yield f"layers.{i}.neurons.{j}.{name}"

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
        """What it takes to rebuild this model: ``MLP(**model.architecture())``."""
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    # ---- graduating to PyTorch (the conversion lives in ``torch_bridge``) -------------------

    def to_torch(self) -> Any:
        """This model as a float64 ``torch.nn.Sequential`` (Linear + activation modules) with
        copies of its weights; outputs agree to rounding. Needs torch (``stepgrad[ref]``)."""
        from .torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """The MLP with the architecture and weights of a float64 ``torch.nn.Sequential`` of
        Linear layers, each followed by at most one ReLU, Tanh or Sigmoid (as ``to_torch``
        gives); a ``ValueError`` says what does not fit."""
        from .torch_bridge import from_torch

        return from_torch(seq, cls)

    # ---- saving and loading (the file format lives in ``serialize``) -------------------------

    def save(self, path: str | PathLike[str]) -> None:
        """Write architecture and parameters to ``path`` as JSON, atomically."""
        write_model(path, "MLP", self.architecture(), self.state_dict())

    @classmethod
    def load(cls, path: str | PathLike[str]) -> MLP:
        """Rebuild a model saved with ``save``; ``ValueError`` naming the file if it is bad.
        The architecture and every parameter name are checked before anything is built."""
        architecture, parameters = _read_checked(path)
        model = cls(**architecture)
        model.load_state_dict(parameters)
        return model

    def load_parameters(self, path: str | PathLike[str]) -> None:
        """Load a saved model's parameters into this model (same architecture); nothing
        changes unless the whole file is valid."""
        _, parameters = _read_checked(path, expect=self.architecture())
        self.load_state_dict(parameters)

    def __repr__(self) -> str:
        sizes = " -> ".join(str(n) for n in [self.nin, *self.nouts])
        name = f", name={self.name!r}" if self.name else ""
        return (
            f"MLP({sizes}, {self.activation}, output {self.output_activation}; "
            f"{self.num_parameters()} parameters{name})"
        )


_ARCHITECTURE_KEYS = ("nin", "nouts", "activation", "output_activation")


def _read_checked(
    path: str | PathLike[str], expect: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, float]]:
    """The checked architecture and parameters of an MLP file, before any model is built or
    changed; ``expect``: the architecture the file must have. ``ValueError`` naming the file."""
    kind, architecture, parameters = read_model(path)
    if kind != "MLP":
        raise ValueError(f"{path}: unknown model type {quote(kind)} (expected 'MLP')")
    if sorted(architecture) != sorted(_ARCHITECTURE_KEYS):
        raise ValueError(
            f'{path}: "architecture" must have the keys "type", {", ".join(_ARCHITECTURE_KEYS)}; '
            f"got {quote(architecture)}"
        )
    try:
        checked = check_architecture(**architecture)
    except ValueError as exc:
        raise ValueError(f"{path}: bad architecture: {exc}") from None
    if expect is not None and checked != expect:
        raise ValueError(
            f"{path}: the saved architecture {quote(checked)} does not match the model's "
            f"{quote(expect)}"
        )
    problem = _name_problem(checked["nin"], checked["nouts"], parameters)
    if problem:
        raise ValueError(f"{path}: {problem}")
    return checked, parameters


def _name_problem(nin: int, nouts: list[int], parameters: dict[str, float]) -> str:
    """What is wrong with the parameter names of a file for ``MLP(nin, nouts)`` ("" if
    nothing). The work is at most proportional to the file: a tiny file claiming a huge model
    is turned down after a handful of names."""
    count = sum((fan_in + 1) * n for fan_in, n in zip([nin, *nouts], nouts))
    missing = []
    for name in MLP.parameter_names(nin, nouts):
        if name not in parameters:
            missing.append(name)
            if len(missing) > 3 or len(parameters) < count:
                break  # enough to say what is wrong
    if not missing and len(parameters) == count:
        return ""
    unexpected = []
    if len(parameters) >= count:  # then a set of the expected names is no bigger than the file
        expected = set(MLP.parameter_names(nin, nouts))
        unexpected = [name for name in parameters if name not in expected]
    sizes = " -> ".join(str(n) for n in [nin, *nouts[:8]]) + (" -> ..." if len(nouts) > 8 else "")
    return (
        f"the parameter names do not match the architecture {sizes} "
        f"({count:,} parameters; the file has {len(parameters):,})"
        + (f"; missing {_few(missing)}" if missing else "")
        + (f"; unexpected {_few(unexpected)}" if unexpected else "")
    )


def _few(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(quote(n, 40) for n in names[:limit])
    return shown + (" and more" if len(names) > limit else "")
