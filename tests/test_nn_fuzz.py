"""Hypothesis fuzzing of nn's losses, optimizers and fit with good and bad input: every call
returns a correct result or raises TypeError/ValueError/ZeroDivisionError/OverflowError with a
message naming what was wrong, and a failed call changes nothing (parameters, gradients,
optimizer state, grad mode). Bounded: a few seconds in all."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from autograd import Value, is_grad_enabled
from nn import (
    MLP,
    SGD,
    Adam,
    TrainingDiverged,
    bce_with_logits,
    cross_entropy,
    fit,
    hinge_loss,
    mse_loss,
    softmax,
)

ALLOWED = (TypeError, ValueError, ZeroDivisionError, OverflowError)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPECIAL = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-300, 1e300])
SMALL_FLOATS = st.floats(-1e3, 1e3, allow_nan=False)
NUMPY = st.one_of(
    st.builds(np.float64, SMALL_FLOATS),
    st.builds(np.float32, st.floats(-10, 10, width=32)),
    st.builds(np.int64, st.integers(-3, 3)),
)
JUNK = st.sampled_from(["0.1", "", None, True, False, [0.1], (0.9,), {"lr": 1}, b"1"])
NUMBER = st.one_of(SMALL_FLOATS, st.integers(-3, 3), SPECIAL, NUMPY)
ANYTHING = st.one_of(NUMBER, NUMBER, NUMBER, JUNK)


def mostly(good, bad, weight: int = 4):
    """Draws from ``good`` about weight / (weight + 1) of the time."""
    return st.sampled_from([True] * weight + [False]).flatmap(lambda ok: good if ok else bad)


def close(ours: float, expected: float, scale: float = 0.0) -> bool:
    if math.isnan(expected):
        return math.isnan(ours)
    return ours == expected or math.isclose(ours, expected, rel_tol=1e-9, abs_tol=1e-12 * scale)


def params_state(params: list[Value]) -> list[tuple[float, float]]:
    return [(p.data, p.grad) for p in params]


def opt_state(opt) -> dict:
    return copy.deepcopy({k: v for k, v in vars(opt).items() if k != "params"})


def same(a, b) -> bool:
    """Equal, with nan equal to nan (repr compares floats exactly, nan included)."""
    return repr(a) == repr(b)


# ---- optimizers ----------------------------------------------------------------------------

SETTINGS = {
    SGD: ["lr", "momentum", "weight_decay"],
    Adam: ["lr", "betas", "eps", "weight_decay"],
}


@FUZZ
@given(data=st.data())
def test_optimizers(data):
    cls = data.draw(st.sampled_from([SGD, Adam]))
    n = data.draw(st.integers(1, 4))
    params = [Value(data.draw(st.one_of(SMALL_FLOATS, SPECIAL)), label=f"p{i}") for i in range(n)]
    for p in params:
        p.grad = data.draw(st.one_of(SMALL_FLOATS, SPECIAL))
    if data.draw(st.integers(0, 4)):  # mostly each parameter once, in some order
        listed = data.draw(st.permutations(params))
    else:  # sometimes empty or with repeats
        listed = [params[i] for i in data.draw(st.lists(st.integers(0, n - 1), max_size=5))]
    good = {
        "lr": st.one_of(st.floats(0, 10), NUMPY.map(abs)),
        "momentum": st.floats(0, 0.99),
        "weight_decay": st.sampled_from([0.0, 1e-4, 0.1]),
        "eps": st.sampled_from([1e-8, 1e-3, np.float64(1e-6)]),
        "betas": st.tuples(st.floats(0, 0.999), st.floats(0, 0.9999)),
    }
    kwargs = {}
    for name in data.draw(st.sets(st.sampled_from(SETTINGS[cls]))):
        bad = st.one_of(st.tuples(ANYTHING, ANYTHING), ANYTHING) if name == "betas" else ANYTHING
        kwargs[name] = data.draw(mostly(good[name], bad))
    if cls is SGD and "lr" not in kwargs:
        kwargs["lr"] = 0.1
    before = params_state(params)
    try:
        opt = cls(listed, **kwargs)
    except ALLOWED as exc:
        message = str(exc)
        assert any(name in message for name in [*kwargs, "parameter"]), message
        assert same(params_state(params), before)
        event(f"optimizer: refused at construction ({type(exc).__name__})")
        return
    # accepted: the settings were valid numbers, the parameters distinct
    assert len({id(p) for p in listed}) == len(listed) > 0
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.booleans()):  # change a gradient or a setting between steps
            params[data.draw(st.integers(0, n - 1))].grad = data.draw(NUMBER)
        if data.draw(st.booleans()):
            setattr(opt, data.draw(st.sampled_from(SETTINGS[cls])), data.draw(ANYTHING))
        before, state = params_state(params), opt_state(opt)
        first = getattr(opt, "t", None) == 0 or all(
            v is None for v in getattr(opt, "velocity", [1])
        )
        grad_mode = is_grad_enabled()
        try:
            opt.step()
        except ALLOWED as exc:
            message = str(exc)
            assert any(name in message for name in [*SETTINGS[cls], "parameter"]), message
            assert same(params_state(params), before), message
            assert same(opt_state(opt), state), message
            assert is_grad_enabled() == grad_mode
            continue
        assert all(math.isfinite(p.data) for p in listed)
        event("optimizer: stepped")
        if first:
            check_first_step(opt, before, params, listed)


def check_first_step(opt, before, params, listed) -> None:
    """The first step against the textbook formulas (written differently from optim.py)."""
    old = dict(zip((id(p) for p in params), before))
    lr, wd = float(opt.lr), float(opt.weight_decay)
    for p in listed:
        x, g = (float(v) for v in old[id(p)])
        g_total = g + wd * x
        if isinstance(opt, SGD):
            expected = x - lr * g_total  # momentum's first velocity is the gradient itself
            scale = abs(x) + abs(lr * g_total)
        else:
            if g_total != 0.0 and not 1e-100 < abs(g_total) < 1e100:
                continue  # (1 - beta2) g^2 under- or overflows: not the textbook number
            # bias-corrected m and v are g and g^2 after one step: the step is lr g / (|g| + eps)
            step = lr * g_total / (abs(g_total) + float(opt.eps))
            expected, scale = x - step, abs(x) + abs(step)
        assert close(p.data, expected, scale), (p.label, x, g, p.data, expected)


# ---- losses --------------------------------------------------------------------------------

PRED = st.one_of(SMALL_FLOATS, SMALL_FLOATS, SPECIAL, NUMPY, SMALL_FLOATS.map(Value), JUNK)
TARGET = st.one_of(
    st.sampled_from([0, 1, -1, 2, 0.5, 1.0, 0.0, True, np.int64(1), np.float64(0.25)]),
    SPECIAL,
    SMALL_FLOATS,
    JUNK,
)
LOSSES = {
    "mse_loss": mse_loss,
    "hinge_loss": hinge_loss,
    "bce_with_logits": bce_with_logits,
    "cross_entropy": cross_entropy,
    "softmax": softmax,
}


def listed(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def as_number(x) -> float:
    return x.data if isinstance(x, Value) else float(x)


def reference(name: str, preds, targets) -> float | list[float]:
    """The loss from floats (math module), for inputs the loss accepted."""
    if name == "softmax":
        zs = [as_number(z) for z in listed(preds)]
        m = max(zs)
        exps = [math.exp(z - m) for z in zs]
        return [e / sum(exps) for e in exps]
    if name == "cross_entropy":
        if not isinstance(targets, (list, tuple)):
            preds, targets = [preds], [targets]
        total = 0.0
        for row, t in zip(preds, targets):
            zs = [as_number(z) for z in listed(row)]
            m = max(zs)
            total += math.log(sum(math.exp(z - m) for z in zs)) - (zs[int(t)] - m)
        return total / len(targets)
    ps = [as_number(p) for p in listed(preds)]
    ts = [float(t) for t in listed(targets)]
    if name == "mse_loss":
        terms = [(p - t) ** 2 for p, t in zip(ps, ts)]
    elif name == "hinge_loss":
        terms = [max(0.0, 1.0 - (1.0 if t > 0 else -1.0) * p) for p, t in zip(ps, ts)]
    else:  # bce_with_logits, the stable form
        terms = [max(p, 0.0) - p * t + math.log1p(math.exp(-abs(p))) for p, t in zip(ps, ts)]
    return sum(terms) / len(terms)


@FUZZ
@given(data=st.data())
def test_losses(data):
    name = data.draw(st.sampled_from(list(LOSSES)))
    if name == "cross_entropy":
        k = data.draw(st.integers(0, 3))
        row = st.lists(PRED, min_size=0, max_size=3)
        preds = data.draw(st.one_of(st.lists(row, max_size=3), row, PRED))
        targets = data.draw(st.one_of(st.lists(TARGET, max_size=3), TARGET, st.integers(-1, k)))
    else:
        preds = data.draw(st.one_of(st.lists(PRED, max_size=4), PRED))
        targets = data.draw(st.one_of(st.lists(TARGET, max_size=4), TARGET))
    values = [v for v in _flatten(preds) if isinstance(v, Value)]
    before = params_state(values)
    grad_mode = is_grad_enabled()
    try:
        out = LOSSES[name](preds, targets) if name != "softmax" else softmax(preds)
    except ALLOWED as exc:
        message = str(exc)
        event(f"loss: {type(exc).__name__}")
        assert name in message or "power" in message or "exp" in message, message
        assert same(params_state(values), before)
        assert is_grad_enabled() == grad_mode
        return
    assert is_grad_enabled() == grad_mode
    event("loss: returned")
    numbers = [as_number(v) for v in _flatten(preds)] + [
        float(t) for t in _flatten(targets) if name != "softmax"
    ]
    if not all(math.isfinite(x) for x in numbers):
        return  # nan and infinities: no error is promised, nor a particular number
    expected = reference(name, preds, targets)
    if name == "softmax":
        assert all(close(p.data, e, 1.0) for p, e in zip(out, expected, strict=True))
    else:
        assert isinstance(out, Value)
        assert close(out.data, expected, 1.0 + abs(expected)), (out.data, expected)


def _flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flatten(item)]
    return [x]


# ---- fit -----------------------------------------------------------------------------------

ELEMENT = st.one_of(SPECIAL, JUNK)
GOOD_LABELS = {
    "hinge": st.sampled_from([0, 1, -1, True, np.int64(1), 1.0]),
    "bce": st.one_of(st.floats(0, 1), st.sampled_from([0, 1, np.float64(0.5)])),
    "mse": st.one_of(st.floats(-3, 3), NUMPY),
    "cross_entropy": st.sampled_from([0, 1, 2, np.int64(1), 2.0]),
}
LABEL = st.one_of(st.sampled_from([2, 3, -1, 0.5, True]), SPECIAL, JUNK)


def spoil(data, rows: list, bad) -> None:
    """Sometimes replace one item of one row (or one row) with something bad."""
    if rows and data.draw(st.integers(0, 3)) == 0:
        i = data.draw(st.integers(0, len(rows) - 1))
        if isinstance(rows[i], list) and rows[i] and data.draw(st.booleans()):
            rows[i][data.draw(st.integers(0, len(rows[i]) - 1))] = data.draw(bad)
        else:
            rows[i] = data.draw(bad)


@FUZZ
@given(data=st.data())
@pytest.mark.filterwarnings("ignore::nn.train.DeadLayerWarning")
def test_fit(data):
    loss = data.draw(mostly(st.sampled_from(list(GOOD_LABELS)), st.sampled_from(["l1", None, 3])))
    nout = 3 if loss == "cross_entropy" else 1
    model = MLP(2, [3, data.draw(mostly(st.just(nout), st.sampled_from([1, 2, 3])))], seed=0)
    n = data.draw(st.integers(1, 5))
    X = [[data.draw(st.floats(-2, 2)) for _ in range(2)] for _ in range(n)]
    spoil(data, X, st.one_of(ELEMENT, st.lists(st.floats(-2, 2), max_size=3)))
    y = [data.draw(GOOD_LABELS.get(loss, st.just(0))) for _ in range(n)]
    spoil(data, y, LABEL)
    if data.draw(st.integers(0, 9)) == 0:
        y = y[:-1] if data.draw(st.booleans()) else y + [0]
    kwargs = {
        "epochs": data.draw(mostly(st.sampled_from([0, 1, 2, np.int64(2)]),
                                   st.sampled_from([-1, 2.0, True, None, "1"]))),
        "batch_size": data.draw(mostly(st.sampled_from([None, 1, 2, np.int64(3)]),
                                       st.sampled_from([0, "2", 1.5, -1]))),
        "l2": data.draw(mostly(st.sampled_from([0.0, 0.01, np.float64(0.1)]),
                               st.sampled_from([-1.0, math.nan, math.inf, "x", None]))),
        "seed": data.draw(mostly(st.sampled_from([None, 0, 7, np.int64(3)]),
                                 st.sampled_from(["a", 1.5, [1]]))),
    }  # fmt: skip
    choice = data.draw(st.sampled_from(["default", "sgd", "adam", "default", "junk"]))
    if choice == "sgd":
        kwargs["optimizer"] = SGD(model.parameters(), lr=data.draw(st.sampled_from([0.1, 1e3])))
    elif choice == "adam":
        kwargs["optimizer"] = Adam(model.parameters(), lr=0.05)
    elif choice == "junk":
        kwargs["optimizer"] = "sgd"
    before = model.state_dict()
    optimizer_before = opt_state(kwargs["optimizer"]) if choice in ("sgd", "adam") else None
    grad_mode = is_grad_enabled()
    try:
        history = fit(model, X, y, loss=loss, progress=False, **kwargs)
    except TrainingDiverged as exc:  # mid-training by design: the steps before it stand
        event("fit: diverged")
        assert str(exc).startswith("fit: training diverged")
        assert is_grad_enabled() == grad_mode
        return
    except ALLOWED as exc:
        message = str(exc)
        event(f"fit: {type(exc).__name__}")
        assert message.startswith("fit") or "fit:" in message, message
        assert model.state_dict() == before or same(model.state_dict(), before), message
        if optimizer_before is not None:
            assert same(opt_state(kwargs["optimizer"]), optimizer_before), message
        assert is_grad_enabled() == grad_mode
        return
    assert is_grad_enabled() == grad_mode
    event("fit: trained")
    assert len(history.epoch_loss) == int(kwargs["epochs"])
    assert all(math.isfinite(v) for v in history.epoch_loss + history.step_loss)
    assert all(math.isfinite(v) for v in model.state_dict().values())
