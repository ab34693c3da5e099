"""Live cross-check of nn against PyTorch (float64) on generated inputs: losses, optimizers
over several steps, and an MLP's forward and backward pass.

Marked ``torch``: skipped when torch cannot be imported, unless STEPGRAD_REQUIRE_TORCH=1
(``make crosscheck``), which turns the skip into a failure.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from needs import missing

from autograd import Value
from nn import MLP, SGD, Adam, bce_with_logits, cross_entropy, hinge_loss, mse_loss, softmax

pytestmark = pytest.mark.torch
REL = 1e-12
ABS = 1e-15  # for gradients torch computes as differences of numbers near 1


def import_torch():
    try:
        import torch
    except ImportError:
        missing(
            "STEPGRAD_REQUIRE_TORCH",
            "torch is not installed (the 'ref' extra; make crosscheck installs it)",
        )
    return torch


def close(ours: float, theirs: float, abs_tol: float = 0.0) -> bool:
    return ours == theirs or math.isclose(ours, theirs, rel_tol=REL, abs_tol=abs_tol)


def check(ours: list[float], theirs: list[float], what: str, abs_tol: float = 0.0) -> None:
    bad = [
        (i, a, b)
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
        if not close(a, b, abs_tol)
    ]
    assert not bad, f"{what}: (index, ours, torch) {bad}"


logits = st.floats(-50.0, 50.0, allow_nan=False) | st.sampled_from([-1000.0, 1000.0, 0.0])
moderate = st.floats(-20.0, 20.0, allow_nan=False)


@given(st.lists(st.tuples(moderate, moderate), min_size=1, max_size=8))
def test_mse_matches_torch(pairs):
    torch = import_torch()
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    ours = [Value(p) for p in preds]
    loss = mse_loss(ours, targets)
    loss.backward()
    x = torch.tensor(preds, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.mse_loss(x, torch.tensor(targets, dtype=torch.float64))
    ref.backward()
    check([loss.data], [ref.item()], "mse value", 1e-300)
    check([v.grad for v in ours], x.grad.tolist(), "mse gradient", ABS)


@given(st.lists(st.tuples(moderate, st.sampled_from([-1, 0, 1])), min_size=1, max_size=8))
def test_hinge_matches_torch(pairs):
    torch = import_torch()
    scores, labels = [s for s, _ in pairs], [y for _, y in pairs]
    ours = [Value(s) for s in scores]
    loss = hinge_loss(ours, labels)
    loss.backward()
    x = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0 if t > 0 else -1.0 for t in labels], dtype=torch.float64)
    ref = torch.relu(1.0 - y * x).mean()
    ref.backward()
    check([loss.data], [ref.item()], "hinge value", 1e-300)
    check([v.grad for v in ours], x.grad.tolist(), "hinge gradient")


@given(
    st.lists(
        st.tuples(logits, st.floats(0.0, 1.0) | st.sampled_from([0.0, 1.0])), min_size=1, max_size=8
    )
)
def test_bce_with_logits_matches_torch(pairs):
    torch = import_torch()
    zs, ts = [z for z, _ in pairs], [t for _, t in pairs]
    ours = [Value(z) for z in zs]
    loss = bce_with_logits(ours, ts)
    loss.backward()
    x = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        x, torch.tensor(ts, dtype=torch.float64)
    )
    ref.backward()
    # a sum of terms of mixed sign: allow rounding relative to the largest term
    scale = max(abs(z) for z in zs) + 1.0
    assert abs(loss.data - ref.item()) <= 1e-13 * scale, (loss.data, ref.item())
    check([v.grad for v in ours], x.grad.tolist(), "bce gradient", ABS)


@given(
    st.integers(2, 5).flatmap(
        lambda k: st.tuples(
            st.lists(st.lists(logits, min_size=k, max_size=k), min_size=1, max_size=4),
            st.lists(st.integers(0, k - 1), min_size=4, max_size=4),
        )
    )
)
def test_cross_entropy_and_softmax_match_torch(case):
    torch = import_torch()
    rows, targets = case
    targets = targets[: len(rows)]
    ours = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(ours, targets)
    loss.backward()
    x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(x, torch.tensor(targets))
    ref.backward()
    scale = max(abs(z) for row in rows for z in row) + 1.0
    assert abs(loss.data - ref.item()) <= 1e-13 * scale, (loss.data, ref.item())
    check(
        [v.grad for row in ours for v in row],
        [g for row in x.grad.tolist() for g in row],
        "cross_entropy gradient",
        ABS,
    )
    probs = softmax(rows[0])
    check([p.data for p in probs], torch.softmax(x[0].detach(), dim=0).tolist(), "softmax", 1e-300)


SETTINGS = [
    ("SGD", {"lr": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.7, "weight_decay": 0.02}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.2, "betas": (0.5, 0.9), "eps": 1e-4, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("kind", "settings"), SETTINGS)
def test_optimizers_match_torch_over_many_steps(kind, settings):
    torch = import_torch()
    rng = random.Random(11)
    start = [rng.uniform(-2, 2) for _ in range(6)]
    ours = [Value(x) for x in start]
    opt = (SGD if kind == "SGD" else Adam)(ours, **settings)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    ref = getattr(torch.optim, kind)([p], foreach=False, **settings)
    for step in range(30):
        grads = [rng.gauss(0.0, 1.0) * 10 ** rng.randint(-6, 2) for _ in start]
        lr = settings["lr"] * (1.0 - step / 40)
        opt.lr = lr
        ref.param_groups[0]["lr"] = lr
        for v, g in zip(ours, grads):
            v.grad = g
        p.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
        ref.step()
        # torch fuses p + (-lr) * g into one multiply-add; we round twice: 1 ulp per step
        for a, b in zip([v.data for v in ours], p.detach().tolist()):
            assert math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-15), (step, a, b)


def test_mlp_forward_and_backward_match_torch():
    torch = import_torch()
    model = MLP(3, [5, 4, 2], activation="tanh", seed=2)
    layers = []
    for layer in model.layers:
        w = torch.tensor(
            [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        layers.append((w, b, layer.activation))
    X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.3], [-0.75, 0.8, 0.0]]
    y = [1, 0, 1]
    out = torch.tensor(X, dtype=torch.float64)
    for w, b, activation in layers:
        out = out @ w.T + b
        out = torch.tanh(out) if activation == "tanh" else out
    ref = torch.nn.functional.cross_entropy(out, torch.tensor(y))
    ref.backward()
    loss = cross_entropy([model(x) for x in X], y)
    loss.backward()
    assert close(loss.data, ref.item())
    for layer, (w, b, _) in zip(model.layers, layers):
        check(
            [w.grad for n in layer.neurons for w in n.w], w.grad.flatten().tolist(), layer.name, ABS
        )
        check([n.b.grad for n in layer.neurons], b.grad.tolist(), layer.name, ABS)


def test_golden_file_is_what_this_torch_computes():
    """tests/golden/nn.json is current: regenerating it with this torch changes nothing."""
    import_torch()
    import importlib.util
    import json
    from pathlib import Path

    golden_dir = Path(__file__).parent / "golden"
    spec = importlib.util.spec_from_file_location(
        "make_nn_golden", golden_dir / "make_nn_golden.py"
    )
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    committed = json.loads((golden_dir / "nn.json").read_text(encoding="utf-8"))
    fresh = json.loads(json.dumps(make.document()))
    for key in ("losses", "optimizers", "mlp"):
        assert fresh[key] == committed[key], key
