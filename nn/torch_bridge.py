"""Graduating to PyTorch: an ``MLP`` as a ``torch.nn.Sequential`` and back.

``MLP.to_torch()`` gives ``Sequential(Linear, act, Linear, act, ..., Linear[, act])`` in
float64 with the same weights: ``Linear(nin, nout).weight[j, k]`` is neuron j's weight for
input k (``layers.i.neurons.j.w.k``), ``bias[j]`` its bias; a linear activation is no module.
So ``seq(x)`` computes act(x W^T + b) layer by layer, as the MLP does one neuron at a time,
and agrees with it to rounding. ``MLP.from_torch(seq)`` reads such a Sequential back.

torch comes with the ``ref`` extra and is imported only here, when a conversion is asked for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .module import _few

if TYPE_CHECKING:
    from .layers import MLP

# stepgrad activation -> torch.nn module name ("linear" has none)
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def import_torch(who: str) -> Any:
    """``torch``, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            f"{who} needs PyTorch, which is not installed ({exc}): "
            "pip install 'stepgrad[ref]' (the pinned torch of the ref extra)"
        ) from None
    return torch


def to_torch(model: MLP) -> Any:
    """``model`` as a float64 ``torch.nn.Sequential`` of Linear layers and activation
    modules, holding copies of its weights (training one does not change the other)."""
    torch = import_torch("MLP.to_torch")
    modules = []
    for layer in model.layers:
        # skip_init: no random initialisation (the global torch RNG is left alone)
        linear = torch.nn.utils.skip_init(
            torch.nn.Linear, layer.nin, layer.nout, dtype=torch.float64
        )
        weights = [[w.data for w in n.w] for n in layer.neurons]
        biases = [n.b.data for n in layer.neurons]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def _activation_of(torch: Any, module: Any) -> str | None:
    """The stepgrad name of a torch activation module, or None."""
    for name, cls in TORCH_ACTIVATIONS.items():
        if type(module) is getattr(torch.nn, cls):
            return name
    return None


def from_torch(seq: Any, cls: type[MLP]) -> MLP:
    """An ``MLP`` (``cls``) with the architecture and weights of ``seq``: a Sequential of
    float64 ``Linear`` layers (with bias), each optionally followed by ReLU, Tanh or Sigmoid;
    the hidden layers all with the same activation (relu when there is no hidden layer).
    Everything is checked first; a ``ValueError`` (or ``TypeError``) says what does not fit."""
    torch = import_torch("MLP.from_torch")
    who = "MLP.from_torch"
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"{who}: expected a torch.nn.Sequential, got {type(seq).__name__}")
    layers: list[tuple[Any, str]] = []  # (Linear, activation)
    for i, module in enumerate(seq):
        act = _activation_of(torch, module)
        if type(module) is torch.nn.Linear:
            layers.append((module, "linear"))
            continue
        if act is None:
            problem = "is not a Linear layer or one of " + ", ".join(TORCH_ACTIVATIONS.values())
        elif not layers:
            problem = "comes before any Linear layer"
        elif layers[-1][1] != "linear":
            problem = "follows another activation"
        else:
            layers[-1] = (layers[-1][0], act)
            continue
        raise ValueError(
            f"{who}: module {i} ({type(module).__name__}) {problem}; an MLP is Linear layers, "
            "each followed by at most one activation"
        )
    if not layers:
        raise ValueError(f"{who}: the Sequential has no Linear layer")
    hidden = {act for _, act in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"{who}: the hidden layers use different activations ({', '.join(sorted(hidden))}); "
            "an MLP has one activation for every hidden layer"
        )
    for k, (linear, _) in enumerate(layers):
        if linear.bias is None:
            raise ValueError(f"{who}: Linear layer {k} has no bias; every MLP neuron has one")
        for name, tensor in (("weight", linear.weight), ("bias", linear.bias)):
            if tensor.dtype != torch.float64:
                raise ValueError(
                    f"{who}: Linear layer {k}'s {name} is {tensor.dtype}, not torch.float64; "
                    "convert the model with seq.double() first (so nothing is rounded)"
                )
        if k and linear.in_features != layers[k - 1][0].out_features:
            raise ValueError(
                f"{who}: Linear layer {k} takes {linear.in_features} inputs but layer {k - 1} "
                f"gives {layers[k - 1][0].out_features}"
            )
    nin = layers[0][0].in_features
    nouts = [linear.out_features for linear, _ in layers]
    activation = hidden.pop() if hidden else "relu"
    state: dict[str, float] = {}
    for i, (linear, _) in enumerate(layers):
        weights = linear.weight.detach().cpu().tolist()
        biases = linear.bias.detach().cpu().tolist()
        for j, (row, b) in enumerate(zip(weights, biases)):
            for k, w in enumerate(row):
                state[f"layers.{i}.neurons.{j}.w.{k}"] = w
            state[f"layers.{i}.neurons.{j}.b"] = b
    bad = [name for name, v in state.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{who}: weights that are not finite: {_few(bad)}")
    model = cls(nin, nouts, activation=activation, output_activation=layers[-1][1])
    model.load_state_dict(state)
    return model
