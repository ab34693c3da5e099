"""Integers far beyond the float range (issue 9 items 5 and 15, Checks): every error names
the argument and quotes at most about 100 characters of it. Python refuses to turn an int
of more than 4,300 digits into text, so a message that formats such an int raised its own
"Exceeds the limit (4300 digits)" ValueError, naming nothing."""

from __future__ import annotations

import pytest

from autograd import Value, dot, sum_values
from nn import MLP, accuracy, cross_entropy, fit

# 400 digits (repr works, a long message) and 5,000 digits (repr raises ValueError)
HUGE = [10**400, -(10**400), 10**5000, -(10**5000)]


def _id(n: float) -> str:
    if isinstance(n, float):
        return f"{n:.0e}"
    return f"{'-' * (n < 0)}int of {n.bit_length()} bits"


def _message(call) -> str:
    with pytest.raises((TypeError, ValueError, OverflowError)) as info:
        call()
    message = str(info.value)
    assert "Exceeds the limit" not in message
    assert len(message) < 250, message[:1000]
    return message


@pytest.mark.parametrize("n", HUGE, ids=_id)
def test_value_names_a_huge_int(n):
    assert _message(lambda: Value(n)).startswith("Value: ")
    assert _message(lambda: Value(1.0) + n).startswith("operator '+': ")


@pytest.mark.parametrize("n", HUGE, ids=_id)
def test_sum_values_and_dot_name_a_huge_int(n):
    assert _message(lambda: sum_values(n)).startswith("sum_values: ")
    assert _message(lambda: sum_values([1.0, n])).startswith("sum_values")
    assert _message(lambda: dot(n, [1.0])).startswith("dot: ")
    assert _message(lambda: dot([1.0], [n])).startswith("dot")


@pytest.mark.parametrize("n", HUGE, ids=_id)
def test_mlp_sizes_name_a_huge_int(n):
    assert _message(lambda: MLP(n, [1])).startswith("MLP: ")
    assert _message(lambda: MLP(2, [n])).startswith("MLP: ")
    assert _message(lambda: MLP(2, [3, n])).startswith("MLP: ")


@pytest.mark.parametrize("n", [*HUGE, 1e300, float(2**70)], ids=_id)
def test_cross_entropy_names_a_huge_target(n):
    assert _message(lambda: cross_entropy([0.1, 0.2], n)).startswith("cross_entropy: ")


@pytest.mark.parametrize("n", [*HUGE, 1e300], ids=_id)
def test_fit_names_a_huge_class_index(n):
    model = MLP(2, [2], seed=0)
    before = model.state_dict()
    message = _message(
        lambda: fit(model, [[0.0, 1.0]], [n], loss="cross_entropy", epochs=1, progress=False)
    )
    assert message.startswith("fit: y[0]")
    assert model.state_dict() == before


@pytest.mark.parametrize("digits", [400, 4000, 5000])
@pytest.mark.parametrize("key", ["nin", "nouts"])
def test_a_model_file_with_a_huge_size_is_a_short_error_naming_the_file(tmp_path, key, digits):
    path = tmp_path / "m.json"
    model = MLP(2, [2, 1], seed=0)
    model.save(path)
    text = path.read_text(encoding="utf-8")
    big = "9" * digits
    if key == "nin":
        text = text.replace('"nin": 2', f'"nin": {big}')
    else:
        text = text.replace('"nouts": [\n   2,', f'"nouts": [\n   {big},')
    assert big in text
    path.write_text(text, encoding="utf-8")
    before = model.state_dict()
    for load in (MLP.load, model.load_parameters):
        with pytest.raises(ValueError) as info:
            load(path)
        message = str(info.value)
        assert message.startswith(str(path))
        assert len(message) < len(str(path)) + 250, message[:1000]
    assert model.state_dict() == before


@pytest.mark.parametrize("n", HUGE, ids=_id)
def test_fit_and_accuracy_name_a_huge_input(n):
    model = MLP(2, [1], seed=0)
    before = model.state_dict()
    X = [[0.0, 1.0], [2.0, n]]
    message = _message(lambda: fit(model, X, [1, -1], epochs=1, progress=False))
    assert message.startswith("fit: X[1][1]: ")
    assert _message(lambda: accuracy(model, X, [1, -1])).startswith("accuracy: X[1][1]: ")
    assert model.state_dict() == before
