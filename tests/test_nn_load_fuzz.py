"""Fuzzing ``MLP.load`` and ``MLP.load_parameters`` with mutated model files (issue 9).

A valid saved file is damaged the ways a disk, a network or a hostile user would: keys
deleted or replaced, values of the wrong type, huge numbers, deep nesting, truncation, random
bytes. Every load either returns exactly the model the file describes or raises a
``ValueError`` that names the file (and is short); a failed ``load_parameters`` leaves the
model as it was, and no load changes the file.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn import MLP

SOURCE = MLP(2, [3, 1], activation="tanh", seed=1)
VALID = json.dumps(
    {
        "format": "stepgrad-mlp",
        "version": 1,
        "architecture": {"type": "MLP", **SOURCE.architecture()},
        "parameters": SOURCE.state_dict(),
    },
    indent=1,
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, 1, 2, 3, -1, 10**7, 10**400]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([2.0, 3.0, 1e308, -0.0]),
    st.text(max_size=20),
    st.sampled_from(["MLP", "relu", "tanh", "linear", "sigmoid", "stepgrad-mlp", "x" * 5000]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON tree: (key or index, ...)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths(value, (*prefix, i))
    return found


def container(doc: Any, path: tuple) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    doc = json.loads(VALID)
    for _ in range(draw(st.integers(0, 3))):
        valid_parameters = isinstance(doc.get("parameters"), dict) and doc["parameters"]
        if valid_parameters and draw(st.booleans()):  # a new value: valid if it is finite
            name = draw(st.sampled_from(sorted(doc["parameters"])))
            doc["parameters"][name] = draw(st.floats(allow_nan=False) | st.integers())
            continue
        where = draw(st.sampled_from(paths(doc)[1:]))
        parent, key = container(doc, where), where[-1]
        action = draw(st.sampled_from(["delete", "replace", "add", "rename"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(json_values)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=30))] = draw(json_values)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(max_size=30))] = parent.pop(key)
    text = json.dumps(doc)
    how = draw(st.sampled_from(["json", "truncate", "bytes", "nest", "number", "constant"]))
    if how == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "nest":  # a value replaced by arrays nested 10 to 100,000 deep
        depth = draw(st.sampled_from([10, 900, 5000, 100_000]))
        at = draw(st.sampled_from([i for i, c in enumerate(text) if c == ":"] or [0]))
        text = text[: at + 1] + "[" * depth + "]" * draw(st.sampled_from([0, depth])) + "0"
    elif how == "number":
        number = draw(st.sampled_from(["1e999", "-1e999", "9" * 5000, "1" * 400, "1e-999"]))
        text = text.replace("0.0", number, 1).replace(": 2", ": " + number, 1)
    elif how == "constant":
        text = text.replace("0.0", draw(st.sampled_from(["NaN", "Infinity", "-Infinity"])), 1)
    data = text.encode("utf-8")
    if how == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at + 1 :]
    return data


def described(data: bytes) -> tuple[dict, dict]:
    """The architecture and parameters the file holds (it was loaded, so it is valid)."""
    doc = json.loads(data)
    architecture = dict(doc["architecture"])
    architecture.pop("type")
    return architecture, {k: float(v) for k, v in doc["parameters"].items()}


@given(data=damaged_files())
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_damaged_files_load_correctly_or_raise_a_value_error_naming_the_file(tmp_path, data):
    path = tmp_path / "fuzz.json"
    path.write_bytes(data)
    try:
        model = MLP.load(path)
    except ValueError as exc:
        message = str(exc)
        assert message.startswith(str(path)), message[:300]
        assert len(message) < len(str(path)) + 400, message[:600]
    else:
        architecture, parameters = described(data)
        assert model.architecture() == architecture
        assert model.state_dict() == parameters
        assert all(math.isfinite(v) for v in parameters.values())

    target = MLP(2, [3, 1], activation="tanh", seed=7)
    before = target.state_dict()
    try:
        target.load_parameters(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path))
        assert len(str(exc)) < len(str(path)) + 400
        assert target.state_dict() == before  # a failed load changes nothing
    else:
        architecture, parameters = described(data)
        assert architecture == target.architecture()
        assert target.state_dict() == parameters
    assert path.read_bytes() == data  # loading never writes


def test_the_undamaged_file_loads():
    """The fuzz starts from a file that is valid, so its successes are real models."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "ok.json"
        path.write_text(VALID, encoding="utf-8")
        assert MLP.load(path).state_dict() == SOURCE.state_dict()
