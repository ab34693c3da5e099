"""Every op against PyTorch's float64 numbers, stored in ``tests/golden/ops.json``.

No torch needed: the file is committed (regenerate with ``make golden``). A case of
``engine_ops.CASES`` the file does not hold yet (a new op, a new point) is skipped, not
failed, so adding an op needs no torch; the torch-run test in ``test_crosscheck_torch.py``
fails while the file is stale.
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
from engine_ops import CASES, OPS, Case, Lib

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


def key(op: str, inputs, consts) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A case's identity; repr makes nan equal to nan."""
    return op, tuple(repr(decode(x)) for x in inputs), tuple(repr(decode(c)) for c in consts)


def load() -> dict:
    with open(GOLDEN, encoding="utf-8") as f:
        return json.load(f)


GOLDEN_CASES = {key(c["op"], c["inputs"], c["consts"]): c for c in load()["cases"]}


def case_id(case: Case) -> str:
    return f"{case.op}({','.join(repr(x) for x in case.inputs + case.consts)})"


def golden_of(case: Case) -> dict:
    """Torch's answer for ``case``; skips the test when the file has none yet."""
    stored = GOLDEN_CASES.get(key(case.op, case.inputs, case.consts))
    if stored is None:
        pytest.skip(f"no golden value for {case_id(case)} yet: run `make golden` (needs torch)")
    return stored


def same(ours: float, torch: float) -> bool:
    """Equal as numbers (0.0 == -0.0), and nan matches nan."""
    return ours == torch or (math.isnan(ours) and math.isnan(torch))


def close(ours: float, torch: float, allowance: float = 0.0) -> bool:
    if same(ours, torch):
        return True
    if not (math.isfinite(ours) and math.isfinite(torch)):
        return False
    return math.isclose(ours, torch, rel_tol=REL_TOL) or abs(ours - torch) <= allowance


def run_ours(op: str, inputs, consts) -> tuple[float, list[float]]:
    xs = [Value(x) for x in inputs]
    out = OPS[op].apply(LIB, xs, list(consts))
    out.backward()
    return out.data, [x.grad for x in xs]


def test_exact_ops_are_ops():
    assert EXACT_OPS <= set(OPS)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_value_and_grads_match_torch(case: Case):
    stored = golden_of(case)
    value, grads = run_ours(case.op, case.inputs, case.consts)
    want_value = decode(stored["value"])
    want_grads = [decode(g) for g in stored["grads"]]
    assert len(grads) == len(want_grads)
    if case.op in EXACT_OPS:
        assert same(value, want_value), f"value: ours {value!r}, torch {want_value!r}"
        for i, (g, w) in enumerate(zip(grads, want_grads)):
            assert same(g, w), f"grad of input {i}: ours {g!r}, torch {w!r}"
        return
    assert close(value, want_value), f"value: ours {value!r}, torch {want_value!r}"
    # The gradients of tanh and sigmoid are computed from the value; where a different
    # math library gives a value one ulp away, the gradient may differ by what that explains.
    dvalue = abs(value - want_value) if math.isfinite(value - want_value) else 0.0
    slope = {"tanh": 2 * abs(value), "sigmoid": abs(1 - 2 * value)}.get(case.op, 0.0)
    for i, (g, w) in enumerate(zip(grads, want_grads)):
        assert close(g, w, allowance=2 * slope * dvalue), f"grad of input {i}: ours {g!r}, torch {w!r}"


NAN, INF = math.nan, math.inf
CONVENTIONS = [
    # (op, inputs, consts, value, grads): the points where conventions matter, as we and
    # PyTorch both compute them
    ("relu", (0.0,), (), 0.0, [0.0]),
    ("relu", (NAN,), (), NAN, [1.0]),  # nan passes through relu, with slope 1
    ("abs", (0.0,), (), 0.0, [0.0]),
    ("abs", (NAN,), (), NAN, [0.0]),
    ("sqrt", (0.0,), (), 0.0, [INF]),
    ("log", (NAN,), (), NAN, [NAN]),
    ("pow_n", (0.0,), (0.0,), 1.0, [0.0]),
    ("pow_t", (0.0, 2.0), (), 0.0, [0.0, 0.0]),
    ("pow_t", (0.0, 0.5), (), 0.0, [INF, 0.0]),
    ("pow_t", (-2.0, 3.0), (), -8.0, [12.0, NAN]),
    ("pow_t", (0.0, NAN), (), NAN, [NAN, NAN]),
    ("rpow", (0.0,), (0.0,), 1.0, [0.0]),
    ("tanh", (1000.0,), (), 1.0, [0.0]),
    ("sigmoid", (-1000.0,), (), 0.0, [0.0]),
    ("pow_n", (1e-200,), (-1.0,), 1e200, [-INF]),
]


@pytest.mark.parametrize("op, inputs, consts, value, grads", CONVENTIONS,
                         ids=[f"{c[0]}{c[1] + c[2]}" for c in CONVENTIONS])
def test_conventions_at_the_edges(op, inputs, consts, value, grads):
    """Ours at the edge points is what the README states, and so is PyTorch's stored answer."""
    ours_value, ours_grads = run_ours(op, inputs, consts)
    assert same(ours_value, value) and all(map(same, ours_grads, grads)), (ours_value, ours_grads)
    stored = GOLDEN_CASES[key(op, inputs, consts)]
    assert same(decode(stored["value"]), value)
    assert all(map(same, (decode(g) for g in stored["grads"]), grads)), stored
