"""Live cross-check against PyTorch (float64): random graphs with shared nodes, built once
with our ``Value`` and once with torch tensors, must give the same values and gradients.

Runs when torch is importable (``make crosscheck`` installs it); skipped otherwise, unless
``STEPGRAD_REQUIRE_TORCH=1``, which turns the skip into a failure (CI sets it).

Tolerance: ``SAFETY`` times a running error bound (``error_bounds.py``) per node, which is
about 1e-16 relative where the numbers are well conditioned and wider only where float64
itself cannot do better (cancellation, saturated tanh).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from engine_ops import CASES, OPS, Lib
from error_bounds import SAFETY, error_bounds
from hypothesis import assume, given, settings
from needs import need_torch
from random_graphs import GraphSpec, build, build_ours, graphs

try:
    import torch
except ImportError:
    torch = None

pytestmark = pytest.mark.torch

TINY = 1e-290  # underflow: the error bounds are relative, subnormal results are not
GOLDEN = Path(__file__).resolve().parent / "golden" / "ops.json"


@pytest.fixture(autouse=True)
def _need_torch() -> None:
    need_torch()


def torch_lib() -> Lib:
    return Lib(
        sum=lambda xs: torch.stack(xs).sum(),
        dot=lambda ws, xs: torch.dot(torch.stack(ws), torch.stack(xs)),
    )


def torch_leaf(i: int, x: float):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def build_torch(spec: GraphSpec):
    built = build(spec, torch_lib(), torch_leaf)
    for t in built.all[len(spec.leaves):]:
        t.retain_grad()  # keep interior grads to compare them too
    built.output.backward()
    return built


def torch_grad(t) -> float:
    return 0.0 if t.grad is None else t.grad.item()


@settings(max_examples=200)
@given(graphs())
def test_random_graphs_match_torch(spec: GraphSpec):
    ours = build_ours(spec)
    ours.output.backward()
    bounds = error_bounds(ours.output)
    assume(not bounds.kinks_ambiguous)  # an abs/relu input within rounding of 0
    theirs = build_torch(spec)
    assert theirs.output.dtype == torch.float64

    # every node's value, the output included
    for k, (v, t) in enumerate(zip(ours.all, theirs.all)):
        tol = SAFETY * bounds.value.get(v, 0.0) + TINY
        assert abs(v.data - t.item()) <= tol, f"node {k}: value {v.data!r}, torch {t.item()!r}"
    out_tol = SAFETY * bounds.value[ours.output] + TINY
    assert abs(ours.output.data - theirs.output.item()) <= out_tol

    # every gradient: leaves and interior nodes (a node outside the output's graph has 0)
    for k, (v, t) in enumerate(zip(ours.all, theirs.all)):
        tol = SAFETY * bounds.grad.get(v, 0.0) + TINY
        assert abs(v.grad - torch_grad(t)) <= tol, (
            f"node {k} ({'leaf' if k < len(spec.leaves) else spec.nodes[k - len(spec.leaves)].op}):"
            f" grad {v.grad!r}, torch {torch_grad(t)!r} (tolerance {tol:.3g})"
        )


@settings(max_examples=50)
@given(graphs(max_nodes=6))
def test_backward_twice_matches_torch_retain_graph(spec: GraphSpec):
    """Leaves accumulate across backward calls, as torch's do with retain_graph=True.

    The sum is spelled with ``+`` here: in torch 2.13, after one backward through
    ``torch.stack(xs).sum()`` the leaves' ``.grad`` tensors share one element of memory
    (views of the expanded output grad, kept as they are), so the second backward adds
    every contribution into all of them (three leaves: 4.0 each instead of 2.0)."""
    ours = build_ours(spec)
    ours.output.backward()
    ours.output.backward()
    bounds = error_bounds(ours.output)
    assume(not bounds.kinks_ambiguous)
    lib = torch_lib()._replace(sum=lambda xs: sum(xs[1:], xs[0]))
    theirs = build(spec, lib, torch_leaf)
    theirs.output.backward(retain_graph=True)
    theirs.output.backward()
    for i, (v, t) in enumerate(zip(ours.leaves, theirs.leaves)):
        tol = 2 * SAFETY * bounds.grad.get(v, 0.0) + TINY
        assert abs(v.grad - torch_grad(t)) <= tol, f"leaf {i}: {v.grad!r} vs {torch_grad(t)!r}"


def test_golden_file_is_what_this_torch_computes():
    """The committed golden values, recomputed live: bit for bit with the same torch."""
    with open(GOLDEN, encoding="utf-8") as f:
        golden = json.load(f)
    same_version = golden["torch"] == torch.__version__

    def decode(x: float | str) -> float:
        return float(x) if isinstance(x, str) else x

    def agree(a: float, b: float) -> bool:
        if a == b or (math.isnan(a) and math.isnan(b)):
            return True
        return not same_version and math.isclose(a, b, rel_tol=1e-12)

    assert len(golden["cases"]) == len(CASES)
    for case, stored in zip(CASES, golden["cases"]):
        xs = [torch_leaf(i, x) for i, x in enumerate(case.inputs)]
        out = OPS[case.op].apply(torch_lib(), xs, case.consts)
        out.backward()
        assert agree(out.item(), decode(stored["value"])), (case, out.item())
        for x, g in zip(xs, stored["grads"]):
            assert agree(torch_grad(x), decode(g)), (case, torch_grad(x), g)
