"""nn's losses: the formulas in numbers, label handling, stability at extreme logits,
gradients (central differences), and bad input. (Torch's numbers: test_nn_golden.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value, gradcheck
from nn import bce_with_logits, cross_entropy, hinge_loss, mse_loss, softmax


def test_mse_is_the_mean_of_squared_errors():
    loss = mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0])
    assert loss.data == (1.0 + 4.0) / 2
    assert mse_loss(Value(2.0), 0.5).data == 2.25  # one prediction, one target


def test_hinge_is_mean_relu_of_one_minus_margin():
    scores = [Value(2.0), Value(0.5), Value(-0.5), Value(-3.0)]
    loss = hinge_loss(scores, [1, 1, 1, -1])
    assert loss.data == (0.0 + 0.5 + 1.5 + 0.0) / 4
    loss.backward()
    # d/ds relu(1 - y s) = -y where the margin is violated, else 0; averaged over 4
    assert [s.grad for s in scores] == [0.0, -0.25, -0.25, 0.0]


def test_hinge_maps_zero_one_labels_to_minus_one_plus_one():
    scores = [0.3, -1.2, 0.8, 2.0]
    assert hinge_loss(scores, [1, 0, 0, 1]).data == hinge_loss(scores, [1, -1, -1, 1]).data
    assert (
        hinge_loss(scores, np.array([1, 0, 0, 1])).data == hinge_loss(scores, [1, -1, -1, 1]).data
    )


@pytest.mark.parametrize("labels", [[1, 2], [0.5, 1], [-2, 1]])
def test_hinge_rejects_other_labels(labels):
    with pytest.raises(ValueError, match="labels must be -1/\\+1 or 0/1"):
        hinge_loss([0.1, 0.2], labels)


def test_bce_with_logits_equals_the_textbook_formula_where_that_is_safe():
    for z, t in [(0.3, 1.0), (-1.2, 0.0), (2.0, 0.25), (0.0, 1.0)]:
        p = 1.0 / (1.0 + math.exp(-z))
        expected = -(t * math.log(p) + (1 - t) * math.log(1 - p))
        assert math.isclose(bce_with_logits([z], [t]).data, expected, rel_tol=1e-14)


@pytest.mark.parametrize(
    ("z", "t", "expected"),
    [(1000.0, 1.0, 0.0), (1000.0, 0.0, 1000.0), (-1000.0, 0.0, 0.0), (-1000.0, 1.0, 1000.0)],
)
def test_bce_with_logits_is_stable_at_extreme_logits(z, t, expected):
    logit = Value(z)
    loss = bce_with_logits([logit], [t])
    assert loss.data == expected
    loss.backward()
    assert logit.grad == (1.0 if z > 0 else 0.0) - t  # sigmoid(z) - t


def test_bce_gradient_is_sigmoid_minus_target_including_zero():
    for z in [-3.0, -0.5, 0.0, 0.5, 3.0]:
        logit = Value(z)
        bce_with_logits([logit], [0.25]).backward()
        assert math.isclose(logit.grad, 1.0 / (1.0 + math.exp(-z)) - 0.25, rel_tol=1e-14)


def test_bce_rejects_targets_outside_zero_one():
    with pytest.raises(ValueError, match="targets must be in \\[0, 1\\]"):
        bce_with_logits([0.0], [2.0])


def test_softmax_sums_to_one_and_survives_large_logits():
    probs = softmax([Value(1000.0), Value(1000.0), Value(-1000.0)])
    assert [p.data for p in probs] == [0.5, 0.5, 0.0]
    probs = softmax([1.0, 2.0, 3.0])
    assert math.isclose(sum(p.data for p in probs), 1.0, rel_tol=1e-15)
    e = [math.exp(x) for x in (1.0, 2.0, 3.0)]
    assert all(math.isclose(p.data, x / sum(e), rel_tol=1e-14) for p, x in zip(probs, e))


def test_cross_entropy_is_log_sum_exp_minus_the_target_logit():
    z = [1.0, 2.0, 3.0]
    expected = math.log(sum(math.exp(x) for x in z)) - z[0]
    assert math.isclose(cross_entropy(z, 0).data, expected, rel_tol=1e-14)
    assert cross_entropy([1000.0, 0.0], 0).data == 0.0  # would be exp overflow done naively
    assert cross_entropy([1000.0, 0.0], 1).data == 1000.0


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits = [Value(0.5), Value(-1.0), Value(2.0)]
    cross_entropy(logits, 2).backward()
    probs = [p.data for p in softmax([0.5, -1.0, 2.0])]
    assert all(
        math.isclose(z.grad, p - (i == 2), rel_tol=1e-13)
        for i, (z, p) in enumerate(zip(logits, probs))
    )


def test_cross_entropy_of_a_batch_is_the_mean():
    batch = [[0.1, 0.2, 0.3], [3.0, -1.0, 0.0]]
    mean = (cross_entropy(batch[0], 2).data + cross_entropy(batch[1], 0).data) / 2
    assert math.isclose(cross_entropy(batch, [2, 0]).data, mean, rel_tol=1e-15)
    assert cross_entropy(batch, np.array([2, 0])).data == cross_entropy(batch, [2, 0]).data
    assert cross_entropy(batch[0], np.int64(2)).data == cross_entropy(batch[0], 2).data


@pytest.mark.parametrize(
    ("logits", "target", "message"),
    [
        ([0.1, 0.2], 2, "target 2 is not a class index for 2 logits"),
        ([0.1, 0.2], -1, "not a class index"),
        ([0.1, 0.2], 0.5, "must be a class index"),
        ([0.1, 0.2], True, "must be a class index"),
        ([[0.1, 0.2]], [0, 1], "1 predictions but 2 targets"),
        ([0.1, 0.2], [0, 1], "each example needs a list of logits"),
        ([0.1, 0.2], math.nan, "a target must be a class index \\(int\\), got nan"),
        ([0.1, 0.2], math.inf, "a target must be a class index \\(int\\), got inf"),
        ([0.1, 0.2], -math.inf, "a target must be a class index \\(int\\), got -inf"),
        ([0.1, 0.2], np.float64("nan"), "a target must be a class index"),
        ([[0.1, 0.2], [0.3, 0.4]], [0, math.nan], "a target must be a class index.*got nan"),
        ([0.1, 0.2], 10**400, "target 10{29}\\.\\.\\.0{30} is not a class index for 2 logits"),
    ],
)
def test_cross_entropy_bad_targets(logits, target, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy(logits, target)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mse_loss([1.0, 2.0], [1.0]),
        lambda: hinge_loss([], []),
        lambda: bce_with_logits([0.0, 1.0], [1.0]),
        lambda: softmax([]),
    ],
)
def test_length_mismatch_and_empty_inputs_raise(call):
    with pytest.raises(ValueError):
        call()


def test_every_loss_returns_one_value_with_gradients_that_pass_gradcheck():
    targets = [1.0, 0.0, 1.0]
    losses = [
        lambda a, b, c: mse_loss([a, b, c], [0.5, -1.0, 2.0]),
        lambda a, b, c: hinge_loss([a, b, c], [1, -1, 1]),
        lambda a, b, c: bce_with_logits([a, b, c], targets),
        lambda a, b, c: cross_entropy([a, b, c], 1),
        lambda a, b, c: softmax([a, b, c])[0] * 3.0 - softmax([a, b, c])[2],
    ]
    for f in losses:
        assert isinstance(f(Value(0.1), Value(-0.7), Value(0.35)), Value)
        assert gradcheck(f, [0.1, -0.7, 0.35])


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize(
    "call",
    [
        lambda z: cross_entropy([0.5, z, 1.0], 0),
        lambda z: cross_entropy([[0.5, 1.0], [0.5, z]], [0, 1]),
        lambda z: softmax([0.5, Value(z), 1.0]),
    ],
    ids=["cross_entropy", "cross_entropy-batch", "softmax"],
)
def test_a_non_finite_logit_is_named_not_a_log_of_nan(call, bad):
    with pytest.raises(ValueError, match=rf"logit 1 is {bad!r}; logits must be finite"):
        call(bad)


@pytest.mark.parametrize("bad", [None, "0.5", b"1", object()])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda bad: mse_loss(bad, [1.0]), "mse_loss predictions"),
        (lambda bad: mse_loss([1.0], bad), "mse_loss targets"),
        (lambda bad: hinge_loss([1.0], bad), "hinge_loss labels"),
        (lambda bad: bce_with_logits(bad, [1.0]), "bce_with_logits logits"),
        (lambda bad: cross_entropy(bad, [0]), "cross_entropy logits"),
        (lambda bad: cross_entropy([[0.5, 1.0]], bad), "cross_entropy targets"),
        (lambda bad: softmax(bad), "softmax logits"),
    ],
)
def test_something_that_is_not_a_list_is_a_type_error_naming_the_argument(call, name, bad):
    """(Found by test_nn_fuzz: "'NoneType' object is not iterable", bytes read as numbers.)"""
    with pytest.raises(TypeError, match=f"{name} must be a number or a list of numbers"):
        call(bad)
