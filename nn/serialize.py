"""Model files: reading and writing the JSON document (never pickle: loading a file must not
run code). This module knows the document, not the models: ``MLP.save`` and ``MLP.load``
(in ``layers``) decide what goes in and check what comes out against the architecture.

A model file holds a format name and version, the architecture (the model's type and the
keyword arguments its constructor takes) and every parameter by name:

    {"format": "stepgrad-mlp", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.7412..., ...}}

JSON writes a float as Python's ``repr``, the shortest text that reads back as the same
float, so a save/load round trip is exact. Files are written atomically (``files``): a crash
never leaves half a model behind. ``read_model`` checks the document (format, version, keys,
types, every parameter a finite number); any problem is a ``ValueError`` naming the file and
quoting at most about 100 characters of what it found.
"""

from __future__ import annotations

import json
import math
import os
import reprlib
from pathlib import Path
from typing import Any

from autograd.real import short_int

from .files import write_atomic

FORMAT = "stepgrad-mlp"
VERSION = 1
_KEYS = {"format", "version", "architecture", "parameters"}

_repr = reprlib.Repr()  # bounded: long strings, long lists and deep nesting are cut short
_repr.repr_int = lambda n, level: short_int(n, 40)  # type: ignore[method-assign]
_repr.maxstring = _repr.maxother = 100
_repr.maxlist = _repr.maxtuple = _repr.maxdict = 8
_repr.maxlevel = 3


def quote(value: object, limit: int = 100) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for error messages about untrusted
    input (a 10 MB string or a list nested 1000 deep gives a short, safe message)."""
    text = _repr.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def write_model(
    path: str | os.PathLike[str],
    kind: str,
    architecture: dict[str, Any],
    parameters: dict[str, float],
) -> None:
    """Write a model document to ``path`` atomically: ``kind`` ("MLP") and the constructor's
    keyword arguments as the architecture, and ``{name: value}`` (finite floats)."""
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise ValueError(f"save {path}: parameter {name!r} is {value!r}; not saving")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"type": kind, **architecture},
        "parameters": parameters,
    }
    write_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a model can hold")


def read_model(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any], dict[str, float]]:
    """``(kind, architecture, parameters)`` from a model file: the model type ("MLP"), the
    constructor's keyword arguments as saved (not yet checked: the model class does that),
    and ``{name: float}`` with every value a finite number. ``ValueError`` naming the file
    for anything else."""
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
    except ValueError as exc:  # NaN or Infinity, or an integer with thousands of digits
        raise ValueError(f"{path}: {exc}") from None
    except RecursionError:  # e.g. "[[[[...": json parses nested arrays by recursion
        raise ValueError(
            f"{path}: not a stepgrad model file (its JSON is nested too deeply to read)"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'{path}: not a stepgrad model file (no "format": "{FORMAT}")')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(
            f"{path}: model file version {quote(version)} is not supported "
            f"(this stepgrad reads version {VERSION})"
        )
    extra = set(document) - _KEYS
    if extra:
        raise ValueError(f"{path}: unexpected keys {quote(sorted(extra))} in the model file")
    architecture = document.get("architecture")
    if not isinstance(architecture, dict) or not isinstance(architecture.get("type"), str):
        raise ValueError(  # noqa: TRY004 (a problem with the file, hence ValueError)
            f'{path}: "architecture" must be an object with a "type" and the model\'s '
            f"arguments, got {quote(architecture)}"
        )
    architecture = dict(architecture)
    kind = architecture.pop("type")
    return kind, architecture, _check_parameters(document.get("parameters"), path)


def _check_parameters(parameters: object, path: object) -> dict[str, float]:
    if not isinstance(parameters, dict):
        raise ValueError(f'{path}: "parameters" must be an object of name: number')  # noqa: TRY004
    checked = {}
    for name, value in parameters.items():
        # JSON numbers only: true/false, strings, null, lists and objects are not parameters
        number = math.nan
        if type(value) in (int, float):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond the float range
                pass
        if not math.isfinite(number):
            raise ValueError(
                f"{path}: parameter {quote(name)} must be a finite number, got {quote(value)}"
            )
        checked[name] = number
    return checked
