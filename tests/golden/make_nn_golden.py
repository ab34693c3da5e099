"""Regenerate ``tests/golden/nn.json``: PyTorch's float64 numbers for nn's losses, optimizers
and a small MLP, which ``tests/test_nn_golden.py`` compares ours with.

    /tmp/venv-torch/bin/python tests/golden/make_nn_golden.py      (any env with torch)

Needs torch only (not this repository's code): every number in the file is PyTorch's. The
inputs are written next to the outputs, so the test needs nothing but the JSON. Floats are
written with ``repr`` and read back bit for bit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repository, for nn

from nn.files import write_atomic

OUT = HERE / "nn.json"
SCRIPT = "tests/golden/make_nn_golden.py"
f64 = torch.float64


def leaf(values: list) -> torch.Tensor:
    return torch.tensor(values, dtype=f64, requires_grad=True)


# ---- losses -------------------------------------------------------------------------------


def loss_case(name: str, preds: list, targets: list, compute) -> dict:
    """value and d value / d prediction of a loss, as torch computes them."""
    x = leaf(preds)
    out = compute(x, targets)
    out.backward()
    return {
        "loss": name,
        "preds": preds,
        "targets": targets,
        "value": out.item(),
        "grads": x.grad.tolist(),
    }


def torch_hinge(s: torch.Tensor, labels: list) -> torch.Tensor:
    y = torch.tensor([1.0 if t > 0 else -1.0 for t in labels], dtype=f64)
    return torch.relu(1.0 - y * s).mean()


def torch_softmax_weighted(z: torch.Tensor, weights: list) -> torch.Tensor:
    """sum_i weights_i * softmax(z)_i: a scalar whose gradient exercises softmax's backward."""
    return (torch.softmax(z, dim=0) * torch.tensor(weights, dtype=f64)).sum()


def loss_cases() -> list[dict]:
    bce_logits = [-1000.0, -30.0, -2.5, -0.1, 0.0, 0.7, 3.0, 30.0, 1000.0, 0.0, -4.0]
    bce_targets = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.3]
    cases = [
        loss_case(
            "mse",
            [0.5, -1.25, 3.0, 2.2, 1e-3],
            [1.0, -1.0, 0.0, 2.2, -7.5],
            lambda x, t: F.mse_loss(x, torch.tensor(t, dtype=f64)),
        ),
        loss_case("mse", [0.1], [0.3], lambda x, t: F.mse_loss(x, torch.tensor(t, dtype=f64))),
        loss_case(
            "hinge", [2.0, 0.3, -0.5, -1.7, 1.0, 0.0, -1.0], [1, 1, -1, 1, -1, 1, -1], torch_hinge
        ),
        loss_case("hinge", [2.0, 0.3, -0.5, -1.7, 0.25], [1, 0, 0, 1, 0], torch_hinge),
        loss_case(
            "bce_with_logits",
            bce_logits,
            bce_targets,
            lambda x, t: F.binary_cross_entropy_with_logits(x, torch.tensor(t, dtype=f64)),
        ),
        loss_case(
            "bce_with_logits",
            [0.3, -1.2],
            [1.0, 0.0],
            lambda x, t: F.binary_cross_entropy_with_logits(x, torch.tensor(t, dtype=f64)),
        ),
    ]
    # cross-entropy: a batch (logits as rows), then single examples
    batches = [
        (
            [[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-0.5, 0.25, 0.0], [1000.0, 1000.0, 999.0]],
            [0, 2, 1, 2],
        ),
        ([[0.2, -0.4]], [1]),
        ([[-1000.0, 1000.0, 3.0, 0.5]], [0]),
    ]
    for rows, targets in batches:
        z = leaf(rows)
        out = F.cross_entropy(z, torch.tensor(targets))
        out.backward()
        cases.append(
            {
                "loss": "cross_entropy",
                "preds": rows,
                "targets": targets,
                "value": out.item(),
                "grads": z.grad.tolist(),
            }
        )
    for logits, weights in [
        ([1000.0, 999.0, 0.0], [1.0, -2.0, 0.5]),
        ([0.1, -0.2, 0.3, 0.0], [0.3, 0.1, -1.0, 2.0]),
        ([-1000.0, -1000.0], [1.0, 0.0]),
    ]:
        z = leaf(logits)
        probs = torch.softmax(z, dim=0).tolist()
        out = torch_softmax_weighted(z, weights)
        out.backward()
        cases.append(
            {
                "loss": "softmax",
                "preds": logits,
                "targets": weights,
                "value": out.item(),
                "probs": probs,
                "grads": z.grad.tolist(),
            }
        )
    return cases


# ---- optimizers ---------------------------------------------------------------------------

START = [0.5, -1.5, 2.0, 0.0, -0.25]
GRADS = [  # one list per step
    [0.1, -0.2, 0.3, 0.0, 1.5],
    [-0.4, 0.25, 0.3, 2.0, -1.5],
    [1e-3, -3.0, 0.0, 0.5, 0.7],
    [0.2, 0.2, -0.1, -0.5, 1e-9],
    [0.05, -0.6, 0.9, 0.0, 0.3],
]
LRS = [0.1, 0.1, 0.05, 0.2, 0.01]  # changed between steps, as a schedule does

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.5)}),  # 1 - beta1 >= 0.5: lerp's other branch
]


def optimizer_case(kind: str, settings: dict, schedule: bool) -> dict:
    """The parameters after each step, for the given gradients (and lr per step if schedule)."""
    p = torch.tensor(START, dtype=f64, requires_grad=True)
    cls = torch.optim.SGD if kind == "SGD" else torch.optim.Adam
    opt = cls([p], foreach=False, **settings)
    after = []
    for k, grad in enumerate(GRADS):
        if schedule:
            opt.param_groups[0]["lr"] = LRS[k]
        p.grad = torch.tensor(grad, dtype=f64)
        opt.step()
        after.append(p.detach().tolist())
    return {
        "optimizer": kind,
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
        "schedule": LRS if schedule else None,
        "start": START,
        "grads": GRADS,
        "params_after_each_step": after,
    }


# ---- an MLP: forward and backward of a small network ---------------------------------------


def mlp_case() -> dict:
    """MLP 2 -> 3 (relu) -> 2 (linear), cross-entropy over 4 examples: loss and every
    parameter's gradient. Weights are rows (one per neuron); nn names them
    layers.L.neurons.J.w.I and layers.L.neurons.J.b."""
    g = torch.Generator().manual_seed(7)
    w1 = (torch.rand(3, 2, generator=g, dtype=f64) * 2 - 1).requires_grad_()
    b1 = (torch.rand(3, generator=g, dtype=f64) * 0.2 - 0.1).requires_grad_()
    w2 = (torch.rand(2, 3, generator=g, dtype=f64) * 2 - 1).requires_grad_()
    b2 = (torch.rand(2, generator=g, dtype=f64) * 0.2 - 0.1).requires_grad_()
    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.0, 0.0]]
    y = [1, 0, 1, 0]
    hidden = torch.relu(torch.tensor(X, dtype=f64) @ w1.T + b1)
    logits = hidden @ w2.T + b2
    loss = F.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    return {
        "X": X,
        "y": y,
        "loss": loss.item(),
        "logits": logits.tolist(),
        "weights": {"w1": w1.tolist(), "b1": b1.tolist(), "w2": w2.tolist(), "b2": b2.tolist()},
        "grads": {
            "w1": w1.grad.tolist(),
            "b1": b1.grad.tolist(),
            "w2": w2.grad.tolist(),
            "b2": b2.grad.tolist(),
        },
    }


def document() -> dict:
    """Everything the JSON file holds."""
    return {
        "generator": SCRIPT,
        "regenerate": f"python {SCRIPT}  (in an environment with torch)",
        "torch": torch.__version__,
        "dtype": "float64",
        "losses": loss_cases(),
        "optimizers": [
            optimizer_case(kind, settings, schedule)
            for kind, settings in OPTIMIZERS
            for schedule in (False, True)
        ],
        "mlp": mlp_case(),
    }


def main() -> None:
    text = json.dumps(document(), indent=1, allow_nan=False) + "\n"
    json.loads(text)  # well-formed before it replaces anything
    write_atomic(OUT, text)
    print(f"wrote {OUT} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
