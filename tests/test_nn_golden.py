"""nn's losses, optimizers and an MLP against PyTorch's float64 numbers in
``tests/golden/nn.json`` (regenerate with ``tests/golden/make_nn_golden.py``; no torch needed
here). Everything must agree to a relative 1e-12; gradients may also differ by 1e-15
absolute: where torch computes a gradient as a difference of numbers near 1 (bce's
sigmoid(z) - t at z = 30, t = 1), its own rounding is ~1e-16, while ours keeps every digit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, bce_with_logits, cross_entropy, hinge_loss, mse_loss, softmax

GOLDEN = json.loads((Path(__file__).parent / "golden" / "nn.json").read_text(encoding="utf-8"))
REL = 1e-12


GRAD_ABS = 1e-15


def close(ours: float, theirs: float, abs_tol: float = 0.0) -> bool:
    return ours == theirs or math.isclose(ours, theirs, rel_tol=REL, abs_tol=abs_tol)


def assert_all_close(
    ours: list[float], theirs: list[float], what: str, abs_tol: float = 0.0
) -> None:
    assert len(ours) == len(theirs), what
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs)) if not close(a, b, abs_tol)]
    assert not bad, f"{what}: (index, ours, torch) {bad}"


LOSSES = {
    "mse": mse_loss,
    "hinge": hinge_loss,
    "bce_with_logits": bce_with_logits,
    "cross_entropy": cross_entropy,
}


def loss_id(case: dict) -> str:
    return f"{case['loss']}-{len(case['preds'])}-{case['preds'][0]}"


@pytest.mark.parametrize("case", GOLDEN["losses"], ids=loss_id)
def test_loss_value_and_gradient(case):
    if case["loss"] == "softmax":
        zs = [Value(z) for z in case["preds"]]
        probs = softmax(zs)
        assert_all_close([p.data for p in probs], case["probs"], "softmax probabilities")
        out = sum(w * p for w, p in zip(case["targets"], probs))
        out.backward()
        flat = zs
    elif case["loss"] == "cross_entropy":
        rows = [[Value(z) for z in row] for row in case["preds"]]
        out = cross_entropy(rows, case["targets"])
        out.backward()
        flat = [z for row in rows for z in row]
        case = {**case, "grads": [g for row in case["grads"] for g in row]}
    else:
        flat = [Value(x) for x in case["preds"]]
        out = LOSSES[case["loss"]](flat, case["targets"])
        out.backward()
    assert close(out.data, case["value"]), (out.data, case["value"])
    assert_all_close([z.grad for z in flat], case["grads"], f"{case['loss']} gradients", GRAD_ABS)


def test_bce_gradient_keeps_digits_torch_rounds_away():
    """d/dz bce(z, t=1) = sigmoid(z) - 1 = -1 / (1 + e^z): at z = 30 ours is exact to 1e-12
    relative (torch rounds sigmoid(30) to a float near 1 first, keeping 3 digits)."""
    z = Value(30.0)
    bce_with_logits([z], [1.0]).backward()
    assert math.isclose(z.grad, -1.0 / (1.0 + math.exp(30.0)), rel_tol=1e-12)


def test_single_example_cross_entropy_matches_the_batch_of_one():
    case = next(
        c for c in GOLDEN["losses"] if c["loss"] == "cross_entropy" and len(c["preds"]) == 1
    )
    out = cross_entropy([Value(z) for z in case["preds"][0]], case["targets"][0])
    assert close(out.data, case["value"])


def optimizer_id(case: dict) -> str:
    settings = ",".join(f"{k}={v}" for k, v in case["settings"].items())
    return f"{case['optimizer']}({settings}){'-scheduled' if case['schedule'] else ''}"


@pytest.mark.parametrize("case", GOLDEN["optimizers"], ids=optimizer_id)
def test_optimizer_steps_match_torch(case):
    params = [Value(x) for x in case["start"]]
    settings = dict(case["settings"])
    if "betas" in settings:
        settings["betas"] = tuple(settings["betas"])
    opt = (SGD if case["optimizer"] == "SGD" else Adam)(params, **settings)
    for k, (grads, expected) in enumerate(zip(case["grads"], case["params_after_each_step"])):
        if case["schedule"]:
            opt.lr = case["schedule"][k]
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        assert_all_close([p.data for p in params], expected, f"after step {k + 1}")


def test_mlp_forward_and_backward_match_torch():
    case = GOLDEN["mlp"]
    model = MLP(2, [3, 2], activation="relu", seed=0)
    weights = case["weights"]
    state = {}
    for layer, (w, b) in enumerate([("w1", "b1"), ("w2", "b2")]):
        for j, row in enumerate(weights[w]):
            for i, x in enumerate(row):
                state[f"layers.{layer}.neurons.{j}.w.{i}"] = x
            state[f"layers.{layer}.neurons.{j}.b"] = weights[b][j]
    model.load_state_dict(state)
    logits = [model(x) for x in case["X"]]
    assert_all_close(
        [z.data for row in logits for z in row],
        [z for row in case["logits"] for z in row],
        "logits",
    )
    loss = cross_entropy(logits, case["y"])
    loss.backward()
    assert close(loss.data, case["loss"])
    named = dict(model.named_parameters())
    for layer, (w, b) in enumerate([("w1", "b1"), ("w2", "b2")]):
        for j, row in enumerate(case["grads"][w]):
            neuron = f"layers.{layer}.neurons.{j}"
            ours = [named[f"{neuron}.w.{i}"].grad for i in range(len(row))]
            assert_all_close(ours, row, f"{neuron} weight gradients", GRAD_ABS)
            assert close(named[f"{neuron}.b"].grad, case["grads"][b][j], GRAD_ABS), neuron
