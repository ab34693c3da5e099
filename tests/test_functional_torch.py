"""Live cross-check against PyTorch at second order: random graphs (hypothesis) with shared
nodes, differentiated twice by ``gradients(create_graph=True)`` and by
``torch.autograd.grad(create_graph=True)``. Skipped without torch, unless
``STEPGRAD_REQUIRE_TORCH=1`` (as ``test_crosscheck_torch.py``)."""

from __future__ import annotations

import math

import pytest
from error_bounds import error_bounds
from hypothesis import assume, given, settings
from needs import need_torch
from random_graphs import GraphSpec, build, build_ours, graphs

from autograd import gradients

try:
    import torch
except ImportError:
    torch = None

pytestmark = pytest.mark.torch


@pytest.fixture(autouse=True)
def _need_torch() -> None:
    need_torch()


def torch_hessian(spec: GraphSpec) -> list[list[float]]:
    from engine_ops import Lib

    lib = Lib(
        sum=lambda xs: torch.stack(xs).sum(),
        dot=lambda ws, xs: torch.dot(torch.stack(ws), torch.stack(xs)),
    )
    built = build(spec, lib, lambda i, x: torch.tensor(x, dtype=torch.float64, requires_grad=True))
    zero = torch.zeros((), dtype=torch.float64)

    def grads(out, create_graph):
        if not out.requires_grad:
            return [zero for _ in built.leaves]
        found = torch.autograd.grad(
            out, built.leaves, create_graph=create_graph, retain_graph=True, allow_unused=True
        )
        return [zero if g is None else g for g in found]

    return [[h.item() for h in grads(g, False)] for g in grads(built.output, True)]


@settings(max_examples=100, deadline=None)
@given(graphs(max_leaves=3, max_nodes=10))
def test_random_graphs_second_derivatives_match_torch(spec: GraphSpec):
    ours = build_ours(spec)
    assume(not error_bounds(ours.output).kinks_ambiguous)  # an abs/relu input near 0
    first = gradients(ours.output, ours.leaves, create_graph=True)
    mine = [[h.data for h in gradients(g, ours.leaves)] for g in first]
    theirs = torch_hessian(spec)
    scale = 1.0 + max(abs(h) for row in theirs for h in row)
    for i, (row, their_row) in enumerate(zip(mine, theirs)):
        for j, (a, b) in enumerate(zip(row, their_row)):
            assert math.isfinite(a) == math.isfinite(b)
            assert abs(a - b) <= 1e-9 * scale, (i, j, a, b)
