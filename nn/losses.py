"""Loss functions: how wrong a batch of predictions is, as one ``Value`` to call backward on.

Every loss is the mean over the examples of a per-example loss, so its gradient is the
average of the examples' "desired nudges". Predictions may be Values or plain numbers;
targets are plain numbers.

    mse_loss         mean((p - t)^2)
    hinge_loss       mean(relu(1 - y s))                       y in {-1, +1} (0/1 mapped)
    bce_with_logits  mean(log(1 + e^z) - t z)                  t in [0, 1], computed stably
    cross_entropy    mean(log(sum_j e^(z_j)) - z_target)       via log-sum-exp
    softmax          e^(z_i) / sum_j e^(z_j)                   (one example's probabilities)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd import Value, sum_values
from autograd.real import as_float, is_real, short_int


def _items(xs: Any, what: str) -> list[Any]:
    """One number (or Value) as a list of one, a list, tuple or array as a list."""
    if isinstance(xs, Value) or is_real(xs):
        return [xs]
    if not isinstance(xs, (str, bytes)):
        try:
            return list(xs)
        except TypeError:
            pass
    raise TypeError(
        f"{what}s must be a number or a list of numbers, got {type(xs).__name__}: {xs!r:.100}"
    )


def _values(xs: Any, what: str) -> list[Value]:
    """A prediction or a list of predictions, as a list of Values."""
    return [x if isinstance(x, Value) else Value(as_float(x, what)) for x in _items(xs, what)]


def _numbers(ts: Any, what: str) -> list[float]:
    return [as_float(t, what) for t in _items(ts, what)]


def _check_lengths(name: str, preds: list[Any], targets: list[Any]) -> None:
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{name}: needs at least one example")


def mean(terms: list[Value]) -> Value:
    """(x_0 + x_1 + ... + x_(n-1)) / n, with one 'sum' node."""
    return sum_values(terms) / len(terms)


def mse_loss(preds: Any, targets: Any) -> Value:
    """mean((p - t)^2): the mean squared error (``torch.nn.functional.mse_loss``)."""
    ps, ts = _values(preds, "mse_loss prediction"), _numbers(targets, "mse_loss target")
    _check_lengths("mse_loss", ps, ts)
    return mean([(p - t) ** 2 for p, t in zip(ps, ts)])


def sign_labels(labels: Any, name: str = "hinge_loss") -> list[float]:
    """Binary labels as -1.0 / +1.0: accepts {-1, +1} and {0, 1} (0 becomes -1)."""
    signs = []
    for label in _numbers(labels, f"{name} label"):
        if label not in (-1.0, 0.0, 1.0):
            raise ValueError(f"{name}: labels must be -1/+1 or 0/1, got {label!r}")
        signs.append(1.0 if label > 0.0 else -1.0)
    return signs


def hinge_loss(scores: Any, labels: Any) -> Value:
    """mean(relu(1 - y s)): zero once an example is on the right side with margin 1."""
    ss, ys = _values(scores, "hinge_loss score"), sign_labels(labels)
    _check_lengths("hinge_loss", ss, ys)
    return mean([(1.0 - y * s).relu() for s, y in zip(ss, ys)])


def _bce_one(z: Value, t: float) -> Value:
    """log(1 + e^z) - t z, never exponentiating a positive number:
    for z > 0, log(1 + e^z) = z + log(1 + e^-z), so the loss is (1 - t) z + log(1 + e^-z)."""
    if z.data > 0.0:
        return (1.0 - t) * z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log() - t * z


def bce_with_logits(logits: Any, targets: Any) -> Value:
    """Binary cross-entropy of sigmoid(z) against t, from the logit z (stable for any z):
    -[t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))] = log(1 + e^z) - t z."""
    zs, ts = _values(logits, "bce_with_logits logit"), _numbers(targets, "bce_with_logits target")
    _check_lengths("bce_with_logits", zs, ts)
    for t in ts:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"bce_with_logits: targets must be in [0, 1], got {t!r}")
    return mean([_bce_one(z, t) for z, t in zip(zs, ts)])


def _logits(logits: Any, name: str) -> list[Value]:
    """One example's logits as Values, each finite (an infinite one would make z - max z
    nan: inf - inf)."""
    zs = _values(logits, f"{name} logit")
    for j, z in enumerate(zs):
        if not math.isfinite(z.data):
            raise ValueError(f"{name}: logit {j} is {z.data!r}; logits must be finite")
    return zs


def softmax(logits: Sequence[Any]) -> list[Value]:
    """p_i = e^(z_i - m) / sum_j e^(z_j - m) with m = max z (the shift changes nothing but
    keeps every exponent <= 0, so logits of 1000 are fine)."""
    zs = _logits(logits, "softmax")
    if not zs:
        raise ValueError("softmax: needs at least one logit")
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    total = sum_values(exps)
    return [e / total for e in exps]


def _class_index(target: object) -> int:
    """``target`` as an int, if it is a whole number (not a bool, nan or an infinity)."""
    whole = not isinstance(target, bool) and is_real(target)
    if whole and not isinstance(target, int):
        value = float(target)  # type: ignore[arg-type]
        whole = math.isfinite(value) and value.is_integer()
    if not whole:
        raise ValueError(
            f"cross_entropy: a target must be a class index (int), got {target!r:.100}"
        )
    return int(target)  # type: ignore[call-overload]


def _cross_entropy_one(logits: Sequence[Any], target: object) -> Value:
    """-log softmax(z)[target] = log(sum_j e^(z_j - m)) - (z_target - m), m = max z."""
    zs = _logits(logits, "cross_entropy")
    k = _class_index(target)
    if not 0 <= k < len(zs):
        raise ValueError(
            f"cross_entropy: target {short_int(k)} is not a class index for {len(zs)} logits"
        )
    m = max(z.data for z in zs)
    shifted = [z - m for z in zs]
    return sum_values([s.exp() for s in shifted]).log() - shifted[k]


def cross_entropy(logits: Any, targets: Any) -> Value:
    """Softmax cross-entropy from logits, via log-sum-exp.

    One example: ``cross_entropy([z_0, .., z_(k-1)], target_index)``. A batch: a list of such
    logit lists and a list of target indices; the result is the mean over the examples.
    """
    if is_real(targets):  # one example
        return _cross_entropy_one(logits, targets)
    batch, ts = _items(logits, "cross_entropy logit"), _items(targets, "cross_entropy target")
    _check_lengths("cross_entropy", batch, ts)
    for z in batch:
        if isinstance(z, Value) or is_real(z):
            raise ValueError(
                "cross_entropy: each example needs a list of logits (one per class), got a "
                "single number; use an output layer with one neuron per class"
            )
    return mean([_cross_entropy_one(z, t) for z, t in zip(batch, ts)])
