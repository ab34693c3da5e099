"""Saving and loading models: exact round trips, atomic writes, and every broken file giving
a ValueError that names the file and the problem while changing nothing."""

from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import MLP


def trained_like(seed: int = 3) -> MLP:
    """A model whose parameters have many digits (and a bias that is not 0)."""
    model = MLP(2, [4, 3, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    for i, p in enumerate(model.parameters()):
        p.data = p.data * 1.2345678901234567 + i * 1e-17 - 1e-300
    return model


def test_round_trip_is_exact(tmp_path):
    model = trained_like()
    path = tmp_path / "model.json"
    model.save(path)
    loaded = MLP.load(path)
    assert loaded.architecture() == model.architecture()
    assert loaded.state_dict() == model.state_dict()  # every float bit for bit
    assert loaded([0.3, -0.2]).data == model([0.3, -0.2]).data
    assert repr(loaded) == repr(model)


def test_file_is_readable_json_with_version_and_architecture(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [16, 16, 1]).save(str(path))  # str paths too
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "stepgrad-mlp" and doc["version"] == 1
    assert doc["architecture"] == {
        "type": "MLP",
        "nin": 2,
        "nouts": [16, 16, 1],
        "activation": "relu",
        "output_activation": "linear",
    }
    assert len(doc["parameters"]) == 337
    assert "layers.0.neurons.3.w.1" in doc["parameters"]


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = MLP(2, [2], seed=1)
    old.save(path)
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)  # fail at the very last moment
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [2], seed=2).save(path)
    assert path.read_bytes() == before  # the old model is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_save_refuses_non_finite_parameters_and_writes_nothing(tmp_path):
    model = MLP(2, [1])
    model.layers[0].neurons[0].b.data = math.nan
    with pytest.raises(ValueError, match="'layers.0.neurons.0.b' is nan"):
        model.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def valid_document() -> dict:
    model = MLP(2, [2, 1], seed=5)
    return {
        "format": "stepgrad-mlp",
        "version": 1,
        "architecture": {"type": "MLP", **model.architecture()},
        "parameters": model.state_dict(),
    }


def edit(doc: dict, change) -> str:
    change(doc)
    return json.dumps(doc)


BROKEN = {
    "empty": ("", "not valid JSON \\(it is empty\\)"),
    "truncated": (json.dumps(valid_document())[:-40], "not valid JSON .*truncated"),
    "not an object": ("[1, 2]", "not a stepgrad model file"),
    "other format": (edit(valid_document(), lambda d: d.update(format="keras")), "not a stepgrad"),
    "future version": (
        edit(valid_document(), lambda d: d.update(version=2)),
        "version 2 is not supported",
    ),
    "version as text": (edit(valid_document(), lambda d: d.update(version="1")), "version '1'"),
    "version true": (edit(valid_document(), lambda d: d.update(version=True)), "version True"),
    "no version": (edit(valid_document(), lambda d: d.pop("version")), "version None"),
    "extra key": (edit(valid_document(), lambda d: d.update(optimizer={})), "unexpected keys"),
    "no architecture": (edit(valid_document(), lambda d: d.pop("architecture")), "architecture"),
    "other model type": (
        edit(valid_document(), lambda d: d["architecture"].update(type="CNN")),
        "unknown model type 'CNN'",
    ),
    "bad layer size": (
        edit(valid_document(), lambda d: d["architecture"].update(nouts=[2, 0])),
        "bad architecture: .*layer size must be a positive int",
    ),
    "bad activation": (
        edit(valid_document(), lambda d: d["architecture"].update(activation="gelu")),
        "bad architecture: unknown activation 'gelu'",
    ),
    "parameters not an object": (
        edit(valid_document(), lambda d: d.update(parameters=[1.0])),
        '"parameters" must be an object',
    ),
    "missing parameter": (
        edit(valid_document(), lambda d: d["parameters"].pop("layers.1.neurons.0.b")),
        "missing 'layers.1.neurons.0.b'",
    ),
    "renamed parameter": (
        edit(
            valid_document(),
            lambda d: d["parameters"].update(
                {"layers.0.neurons.0.w.2": d["parameters"].pop("layers.0.neurons.0.w.1")}
            ),
        ),
        "missing 'layers.0.neurons.0.w.1'; unexpected 'layers.0.neurons.0.w.2'",
    ),
    "text value": (
        edit(valid_document(), lambda d: d["parameters"].update({"layers.0.neurons.1.b": "0.5"})),
        "'layers.0.neurons.1.b' must be a finite number, got '0.5'",
    ),
    "null value": (
        edit(valid_document(), lambda d: d["parameters"].update({"layers.0.neurons.1.b": None})),
        "must be a finite number, got None",
    ),
    "NaN": (
        json.dumps(valid_document()).replace(
            '"layers.0.neurons.1.b": 0.0', '"layers.0.neurons.1.b": NaN'
        ),
        "NaN is not a number a model can hold",
    ),
    "Infinity": (
        json.dumps(valid_document()).replace(
            '"layers.0.neurons.1.b": 0.0', '"layers.0.neurons.1.b": -Infinity'
        ),
        "-Infinity is not a number",
    ),
    "huge number": (
        json.dumps(valid_document()).replace(
            '"layers.0.neurons.1.b": 0.0', '"layers.0.neurons.1.b": 1e999'
        ),
        "must be a finite number, got inf",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_give_a_value_error_naming_file_and_problem(tmp_path, case):
    text, message = BROKEN[case]
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        MLP.load(path)
    assert str(info.value).startswith(str(path))
    # loading into an existing model changes nothing
    model = MLP(2, [2, 1], seed=9)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load_parameters(path)
    assert str(info.value).startswith(str(path))
    assert model.state_dict() == before


def test_missing_file_directory_and_binary_file(tmp_path):
    with pytest.raises(ValueError, match="no such model file") as info:
        MLP.load(tmp_path / "nope.json")
    assert "nope.json" in str(info.value)
    with pytest.raises(ValueError, match="cannot read the model file"):
        MLP.load(tmp_path)
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x80\x04\x95pickle\xff")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        MLP.load(binary)


def test_load_parameters_into_a_model_of_the_same_architecture(tmp_path):
    path = tmp_path / "m.json"
    source = trained_like(seed=1)
    source.save(path)
    target = trained_like(seed=2)
    target.load_parameters(path)
    assert target.state_dict() == source.state_dict()


def test_load_parameters_into_a_different_architecture_changes_nothing(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [2, 1]).save(path)
    other = MLP(2, [3, 1])
    before = other.state_dict()
    with pytest.raises(ValueError, match="does not match the model's"):
        other.load_parameters(path)
    assert other.state_dict() == before


def test_load_builds_the_class_it_is_called_on(tmp_path):
    class Wide(MLP):
        pass

    path = tmp_path / "wide.json"
    source = Wide(2, [3, 1], activation="tanh", seed=4)
    source.save(path)
    loaded = Wide.load(path)
    assert type(loaded) is Wide
    assert loaded.state_dict() == source.state_dict()


def test_serialize_reads_and_writes_documents_only(tmp_path):
    from nn.serialize import read_model, write_model

    path = tmp_path / "doc.json"
    architecture = {"nin": 1, "nouts": [1], "activation": "relu", "output_activation": "linear"}
    parameters = {"layers.0.neurons.0.w.0": 0.5, "layers.0.neurons.0.b": -0.25}
    write_model(path, "MLP", architecture, parameters)
    assert read_model(path) == ("MLP", architecture, parameters)
    assert json.loads(path.read_text(encoding="utf-8"))["architecture"]["type"] == "MLP"


# ---- hostile files (issue 9) ---------------------------------------------------------------


def write_document(path, architecture: dict, parameters) -> None:
    document = {
        "format": "stepgrad-mlp",
        "version": 1,
        "architecture": {"type": "MLP", **architecture},
        "parameters": parameters,
    }
    path.write_text(json.dumps(document), encoding="utf-8")


def forbid_building(monkeypatch) -> None:
    """From here on, creating any Value (hence any neuron, layer or model) fails the test."""

    def never(self, *args, **kwargs):
        raise AssertionError("a Value was created while checking a file")

    monkeypatch.setattr(Value, "__init__", never)


@pytest.mark.parametrize(
    ("nin", "nouts", "message"),
    [
        (3000, [3000, 1], "9,006,001 parameters; the file has 0"),
        (1000, [1000], "1,001,000 parameters; the file has 0"),
        (4000, [4000, 4000], "more than 10,000,000 parameters"),
        (1, [3000] * 100_000, "more than 10,000,000 parameters"),
    ],
)
def test_a_small_file_claiming_a_huge_model_is_refused_before_anything_is_built(
    tmp_path, monkeypatch, nin, nouts, message
):
    path = tmp_path / "huge.json"
    arch = {"nin": nin, "nouts": nouts, "activation": "relu", "output_activation": "linear"}
    write_document(path, arch, {})
    model = MLP(2, [2, 1], seed=9)
    before = model.state_dict()
    forbid_building(monkeypatch)
    with pytest.raises(ValueError, match=message) as info:
        MLP.load(path)
    assert str(info.value).startswith(str(path)) and len(str(info.value)) < 400
    with pytest.raises(ValueError) as info:
        model.load_parameters(path)
    assert str(info.value).startswith(str(path))
    assert model.state_dict() == before


def test_the_177_byte_file_of_the_report_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text(
        '{"format": "stepgrad-mlp", "version": 1, "architecture": {"type": "MLP", "nin": 3000,'
        ' "nouts": [3000, 1], "activation": "relu", "output_activation": "linear"},'
        ' "parameters": {}}',
        encoding="utf-8",
    )
    assert path.stat().st_size <= 177
    forbid_building(monkeypatch)
    with pytest.raises(ValueError, match="do not match the architecture 3000 -> 3000 -> 1"):
        MLP.load(path)


@pytest.mark.parametrize(("nin", "nouts"), [(2_000_000, [1]), (1, [2_000_000]), (3000, [3000, 1])])
def test_checking_a_small_file_uses_memory_in_proportion_to_the_file(tmp_path, nin, nouts):
    """Not a timing: the names of a wide layer are not listed before the first is checked."""
    import tracemalloc

    path = tmp_path / "wide.json"
    arch = {"nin": nin, "nouts": nouts, "activation": "relu", "output_activation": "linear"}
    write_document(path, arch, {"layers.0.neurons.0.w.0": 0.5})
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="the file has 1"):
            MLP.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_parameter_names_are_checked_before_building(tmp_path, monkeypatch):
    path = tmp_path / "renamed.json"
    model = MLP(2, [2, 1], seed=5)
    state = model.state_dict()
    state["layers.0.neurons.9.w.0"] = state.pop("layers.0.neurons.1.w.0")
    write_document(path, model.architecture(), state)
    forbid_building(monkeypatch)
    with pytest.raises(ValueError, match="missing 'layers.0.neurons.1.w.0'; unexpected 'layers.0"):
        MLP.load(path)


def test_the_constructor_refuses_absurd_sizes_before_building(monkeypatch):
    forbid_building(monkeypatch)
    with pytest.raises(ValueError, match="more than 10,000,000 parameters"):
        MLP(4000, [4000, 4000])


@given(
    nin=st.integers(1, 6),
    nouts=st.lists(st.integers(1, 5), min_size=1, max_size=4),
)
@settings(max_examples=40, deadline=None)
def test_parameter_names_without_building_are_the_built_models_names(nin, nouts):
    names = [name for name, _ in MLP(nin, nouts).named_parameters()]
    assert list(MLP.parameter_names(nin, nouts)) == names


def test_a_model_built_from_numpy_sizes_saves_and_loads(tmp_path):
    import numpy as np

    path = tmp_path / "np.json"
    model = MLP(np.int64(2), [np.int64(3), 1])
    model.save(path)
    assert MLP.load(path).state_dict() == model.state_dict()


@pytest.mark.parametrize(
    "change",
    [
        {"nin": 2.0},
        {"nouts": [2.0, 1]},
        {"nouts": [2, True]},
        {"nin": 2.0, "nouts": [2.0, True]},
        {"nouts": (2, 1), "extra": 1},
    ],
)
def test_load_and_load_parameters_check_the_architecture_the_same_way(tmp_path, change):
    path = tmp_path / "m.json"
    model = MLP(2, [2, 1], seed=5)
    architecture = {**model.architecture(), **change}
    write_document(path, architecture, model.state_dict())
    with pytest.raises(ValueError) as from_load:
        MLP.load(path)
    other = MLP(2, [2, 1], seed=6)
    before = other.state_dict()
    with pytest.raises(ValueError) as from_load_parameters:
        other.load_parameters(path)
    assert str(from_load_parameters.value) == str(from_load.value)
    assert other.state_dict() == before


def _huge(doc_change) -> str:
    doc = valid_document()
    doc_change(doc)
    return json.dumps(doc)


BIG = "x" * 1_000_000
LONG_MESSAGES = {
    "activation": lambda d: d["architecture"].update(activation=BIG),
    "output activation": lambda d: d["architecture"].update(output_activation=BIG),
    "type": lambda d: d["architecture"].update(type=BIG),
    "nouts text": lambda d: d["architecture"].update(nouts=BIG),
    "nouts list": lambda d: d["architecture"].update(nouts=[2] * 100_000 + [BIG]),
    "nouts item": lambda d: d["architecture"].update(nouts=[2, BIG]),
    "nouts valid but long": lambda d: d["architecture"].update(nouts=[3] * 100_000),
    "nin": lambda d: d["architecture"].update(nin=BIG),
    "architecture": lambda d: d.update(architecture=BIG),
    "architecture key": lambda d: d["architecture"].update({BIG: 1}),
    "version": lambda d: d.update(version=BIG),
    "extra key": lambda d: d.update({BIG: 1}),
    "parameter name": lambda d: d["parameters"].update({BIG: 1.0}),
    "parameter value": lambda d: d["parameters"].update({"layers.0.neurons.0.b": BIG}),
    "parameter names": lambda d: d.update(parameters={BIG + str(i): 1.0 for i in range(9)}),
}


@pytest.mark.parametrize("case", list(LONG_MESSAGES))
def test_load_errors_quote_at_most_about_100_characters(tmp_path, case):
    path = tmp_path / "long.json"
    path.write_text(_huge(LONG_MESSAGES[case]), encoding="utf-8")
    for load in (MLP.load, MLP(2, [2, 1]).load_parameters):
        with pytest.raises(ValueError) as info:
            load(path)
        message = str(info.value)
        assert message.startswith(str(path))
        assert len(message) < len(str(path)) + 400, message[:1000]


def test_load_state_dict_errors_quote_names_and_values_short():
    model = MLP(2, [1])
    for state in [{BIG: 1.0}, {**model.state_dict(), "layers.0.neurons.0.b": BIG}]:
        with pytest.raises(ValueError) as info:
            model.load_state_dict(state)
        assert len(str(info.value)) < 400


NESTED = {
    "document": "[" * 100_000,
    "object": '{"a":' * 100_000,
    "closed": "[" * 100_000 + "]" * 100_000,
    "in architecture": json.dumps(valid_document()).replace(
        '"nouts": [2, 1]', '"nouts": ' + "[" * 100_000 + "]" * 100_000
    ),
    "in parameters": json.dumps(valid_document()).replace(
        '"layers.0.neurons.1.b": 0.0', '"layers.0.neurons.1.b": ' + "[" * 100_000 + "]" * 100_000
    ),
    "nested 500 deep in nouts": json.dumps(valid_document()).replace(
        '"nouts": [2, 1]', '"nouts": ' + "[" * 500 + "]" * 500
    ),
    "nested 500 deep in type": json.dumps(valid_document()).replace(
        '"type": "MLP"', '"type": ' + "[" * 500 + "]" * 500
    ),
}


@pytest.mark.parametrize("case", list(NESTED))
def test_deeply_nested_files_give_a_value_error_naming_the_file(tmp_path, case):
    path = tmp_path / "deep.json"
    path.write_text(NESTED[case], encoding="utf-8")
    model = MLP(2, [2, 1], seed=9)
    before = model.state_dict()
    for load in (MLP.load, model.load_parameters):
        with pytest.raises(ValueError) as info:
            load(path)
        assert str(info.value).startswith(str(path))
        assert len(str(info.value)) < len(str(path)) + 400
    assert model.state_dict() == before
