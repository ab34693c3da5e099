"""stepgrad's neural networks: modules, losses, optimizers and a training loop, every number
a scalar ``autograd.Value``.

>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> model
MLP(2 -> 16 -> 16 -> 1, relu, output linear; 337 parameters)
"""

from .activations import ACTIVATIONS
from .layers import MLP, Layer, Neuron
from .losses import bce_with_logits, cross_entropy, hinge_loss, mse_loss, softmax
from .module import Module
from .optim import SGD, Adam, Optimizer
from .train import (
    CompiledLoss,
    DeadLayerWarning,
    History,
    TrainingDiverged,
    accuracy,
    compile_loss,
    fit,
)


def __getattr__(name: str) -> object:
    """``nn.datasets`` on first use: it needs numpy, which ``import nn`` does not load."""
    if name == "datasets":
        import importlib

        return importlib.import_module(".datasets", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Adam",
    "CompiledLoss",
    "DeadLayerWarning",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "TrainingDiverged",
    "accuracy",
    "bce_with_logits",
    "compile_loss",
    "cross_entropy",
    "datasets",
    "fit",
    "hinge_loss",
    "mse_loss",
    "softmax",
]
