"""Every op against PyTorch's float64 numbers, stored in ``tests/golden/ops.json``.

No torch needed: the file is committed (regenerate with ``tests/golden/make_golden.py``).
Ops computed with the same correctly rounded IEEE operations as PyTorch (+ - * /, negation,
comparisons) must match bit for bit; the others go through a math library (exp, log, pow,
tanh, sqrt, BLAS dot), whose last bit may differ between libraries and platforms, and must
agree to ``rel_tol=1e-12``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from engine_ops import CASES, OPS, Lib

from autograd import Value, dot, sum_values

GOLDEN = Path(__file__).resolve().parent / "golden" / "ops.json"
LIB = Lib(sum=sum_values, dot=dot)

# Same formula as PyTorch, made of IEEE-exact steps: equal to the last bit.
EXACT_OPS = {
    "add", "sub", "mul", "div",
    "add_c", "sub_c", "mul_c", "div_c",
    "radd", "rsub", "rmul", "rtruediv",
    "add_self", "mul_self", "div_self",
    "neg", "abs", "relu",
    "sum",  # three numbers, added left to right by both
}
REL_TOL = 1e-12


def decode(x: float | str) -> float:
    return float(x) if isinstance(x, str) else x  # "inf", "-inf", "nan"


def load() -> dict:
    with open(GOLDEN, encoding="utf-8") as f:
        return json.load(f)


GOLDEN_DATA = load()


def case_id(case: dict) -> str:
    args = ",".join(repr(decode(x)) for x in case["inputs"] + case["consts"])
    return f"{case['op']}({args})"


def same(ours: float, torch: float) -> bool:
    """Equal as numbers (0.0 == -0.0), and nan matches nan."""
    return ours == torch or (math.isnan(ours) and math.isnan(torch))


def close(ours: float, torch: float, allowance: float = 0.0) -> bool:
    if same(ours, torch):
        return True
    if not (math.isfinite(ours) and math.isfinite(torch)):
        return False
    return math.isclose(ours, torch, rel_tol=REL_TOL) or abs(ours - torch) <= allowance


def run_ours(case: dict) -> tuple[float, list[float]]:
    xs = [Value(decode(x)) for x in case["inputs"]]
    out = OPS[case["op"]].apply(LIB, xs, [decode(c) for c in case["consts"]])
    out.backward()
    return out.data, [x.grad for x in xs]


def test_header_names_torch_and_script():
    assert GOLDEN_DATA["generator"] == "tests/golden/make_golden.py"
    assert GOLDEN_DATA["torch"].startswith("2.13.0")
    assert GOLDEN_DATA["dtype"] == "float64"


def test_golden_file_matches_the_case_table():
    """Editing CASES in engine_ops.py without regenerating the golden file fails here."""
    stored = [
        (c["op"], tuple(decode(x) for x in c["inputs"]), tuple(decode(x) for x in c["consts"]))
        for c in GOLDEN_DATA["cases"]
    ]
    wanted = [(c.op, c.inputs, c.consts) for c in CASES]
    assert stored == wanted, "regenerate: python tests/golden/make_golden.py (needs torch)"


def test_every_op_has_golden_values():
    assert {c["op"] for c in GOLDEN_DATA["cases"]} == set(OPS)
    assert EXACT_OPS <= set(OPS)


@pytest.mark.parametrize("case", GOLDEN_DATA["cases"], ids=case_id)
def test_value_and_grads_match_torch(case: dict):
    value, grads = run_ours(case)
    want_value = decode(case["value"])
    want_grads = [decode(g) for g in case["grads"]]
    assert len(grads) == len(want_grads)
    if case["op"] in EXACT_OPS:
        assert same(value, want_value), f"value: ours {value!r}, torch {want_value!r}"
        for i, (g, w) in enumerate(zip(grads, want_grads)):
            assert same(g, w), f"grad of input {i}: ours {g!r}, torch {w!r}"
        return
    assert close(value, want_value), f"value: ours {value!r}, torch {want_value!r}"
    # The gradients of tanh and sigmoid are computed from the value; where a different
    # math library gives a value one ulp away, the gradient may differ by what that explains.
    dvalue = abs(value - want_value) if math.isfinite(value - want_value) else 0.0
    slope = {"tanh": 2 * abs(value), "sigmoid": abs(1 - 2 * value)}.get(case["op"], 0.0)
    for i, (g, w) in enumerate(zip(grads, want_grads)):
        assert close(g, w, allowance=2 * slope * dvalue), f"grad of input {i}: ours {g!r}, torch {w!r}"


def test_the_edge_cases_are_there():
    """The points where conventions matter are in the file with PyTorch's answers."""

    def golden(op: str, *inputs: float, consts: tuple[float, ...] = ()) -> dict:
        for c in GOLDEN_DATA["cases"]:
            if c["op"] == op and [decode(x) for x in c["inputs"]] == list(inputs) and [
                decode(x) for x in c["consts"]
            ] == list(consts):
                return c
        raise AssertionError(f"no golden case {op}{inputs}{consts}")

    assert golden("relu", 0.0)["grads"] == [0.0]
    assert golden("abs", 0.0)["grads"] == [0.0]
    assert golden("sqrt", 0.0)["grads"] == ["inf"]
    assert golden("pow_n", 0.0, consts=(0.0,))["grads"] == [0.0]
    assert golden("pow_n", 0.0, consts=(0.0,))["value"] == 1.0
    assert golden("pow_t", 0.0, 2.0)["grads"] == [0.0, 0.0]
    assert golden("pow_t", 0.0, 0.5)["grads"] == ["inf", 0.0]
    assert golden("pow_t", -2.0, 3.0)["grads"] == [12.0, "nan"]
    assert golden("rpow", 0.0, consts=(0.0,))["grads"] == [0.0]
    assert golden("tanh", 1000.0)["value"] == 1.0
    assert golden("sigmoid", -1000.0)["value"] == 0.0
    assert golden("pow_n", 1e-200, consts=(-1.0,))["grads"] == ["-inf"]
