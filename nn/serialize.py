"""Saving and loading models as JSON (never pickle: loading a file must not run code).

A model file holds a format name and version, the architecture (what ``MLP(...)`` needs)
and every parameter by name:

    {"format": "stepgrad-mlp", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.7412..., ...}}

JSON writes a float as Python's ``repr``, the shortest text that reads back as the same
float, so a save/load round trip is exact. Files are written atomically (a temporary file in
the same directory, then ``os.replace``): a crash never leaves half a model behind. Reading
checks everything before building or changing anything; any problem is a ``ValueError``
naming the file and what is wrong with it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from .files import write_atomic
from .layers import MLP
from .module import Module

FORMAT = "stepgrad-mlp"
VERSION = 1
_KEYS = {"format", "version", "architecture", "parameters"}
_ARCHITECTURE_KEYS = {"type", "nin", "nouts", "activation", "output_activation"}


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` (architecture + parameters) to ``path`` as JSON, atomically."""
    path = Path(path)
    parameters = model.state_dict()
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise ValueError(f"save {path}: parameter {name!r} is {value!r}; not saving")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.architecture(),
        "parameters": parameters,
    }
    write_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")


def load(path: str | os.PathLike[str]) -> MLP:
    """Rebuild the model saved in ``path``."""
    architecture, parameters = read(path)
    try:  # the constructor checks the sizes and activation names
        model = MLP(
            architecture["nin"],
            architecture["nouts"],
            activation=architecture["activation"],
            output_activation=architecture["output_activation"],
        )
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: bad architecture: {exc}") from None
    _load_state(model, parameters, path)
    return model


def load_into(model: Module, path: str | os.PathLike[str]) -> None:
    """Copy the parameters saved in ``path`` into ``model``, which must have the same
    architecture; nothing changes unless the whole file is valid."""
    architecture, parameters = read(path)
    mine = model.architecture() if hasattr(model, "architecture") else None
    if mine != architecture:
        raise ValueError(
            f"{path}: the saved architecture {architecture} does not match the model's {mine}"
        )
    _load_state(model, parameters, path)


def _load_state(model: Module, parameters: dict[str, Any], path: object) -> None:
    try:
        model.load_state_dict(parameters)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a model can hold")


def read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checked (architecture, parameters) of a model file, or a ``ValueError`` saying
    which file and what is wrong (parameter values are checked by ``load_state_dict``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such model file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a stepgrad model file (not UTF-8 text)") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the model file: {exc.strerror}") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        problem = "it is empty" if not text.strip() else f"{exc.msg} at line {exc.lineno}"
        raise ValueError(
            f"{path}: not valid JSON ({problem}); the file is truncated or damaged"
        ) from None
    except ValueError as exc:  # NaN or Infinity
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'{path}: not a stepgrad model file (no "format": "{FORMAT}")')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(
            f"{path}: model file version {version!r} is not supported "
            f"(this stepgrad reads version {VERSION})"
        )
    extra = set(document) - _KEYS
    if extra:
        raise ValueError(f"{path}: unexpected keys {sorted(extra)} in the model file")
    architecture = _check_architecture(document.get("architecture"), path)
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):  # a problem with the file, hence ValueError
        raise ValueError(f'{path}: "parameters" must be an object of name: number')  # noqa: TRY004
    return architecture, parameters


def _check_architecture(architecture: object, path: object) -> dict[str, Any]:
    if not isinstance(architecture, dict) or set(architecture) != _ARCHITECTURE_KEYS:
        raise ValueError(
            f'{path}: "architecture" must be an object with keys {sorted(_ARCHITECTURE_KEYS)}, '
            f"got {architecture!r:.200}"
        )
    if architecture["type"] != "MLP":
        raise ValueError(f"{path}: unknown model type {architecture['type']!r} (expected 'MLP')")
    return architecture
