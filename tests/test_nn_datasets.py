"""nn.datasets: shapes, types, labels, determinism, geometry, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from nn import datasets

MAKERS = [
    (datasets.make_moons, 2),
    (datasets.make_circles, 2),
    (datasets.make_xor, 2),
    (datasets.make_spirals, 3),
    (datasets.make_blobs, 3),
]


@pytest.mark.parametrize(("make", "classes"), MAKERS)
def test_shapes_types_labels(make, classes):
    X, y = make(101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype.kind == "i"
    assert sorted(set(y.tolist())) == list(range(classes))
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced classes
    assert np.isfinite(X).all()


@pytest.mark.parametrize(("make", "classes"), MAKERS)
def test_same_seed_same_data_other_seed_other_data(make, classes):
    X1, y1 = make(60, seed=7)
    X2, y2 = make(60, seed=7)
    X3, _ = make(60, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize(("make", "classes"), MAKERS)
def test_examples_are_shuffled(make, classes):
    _, y = make(100, seed=0)
    assert len(set(y[:20].tolist())) > 1  # not all of class 0 first


def test_noise_zero_gives_the_exact_shapes():
    X, y = datasets.make_moons(50, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()
    X, y = datasets.make_circles(40, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)
    X, y = datasets.make_xor(40, noise=0.0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_noise_is_the_standard_deviation():
    X0, _ = datasets.make_blobs(4000, noise=0.0, seed=1)
    X1, _ = datasets.make_blobs(4000, noise=0.5, seed=1)
    # same centres (same classes in the same shuffled order), plus N(0, 0.5^2) noise
    assert abs(np.std(X1 - X0) - 0.5) < 0.02


def test_spirals_has_the_asked_number_of_classes():
    _, y = datasets.make_spirals(40, classes=4)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.make_moons(0),
        lambda: datasets.make_moons(1),
        lambda: datasets.make_moons(10, noise=-0.1),
        lambda: datasets.make_moons(10, noise=float("nan")),
        lambda: datasets.make_circles(10, factor=1.5),
        lambda: datasets.make_spirals(10, classes=1),
        lambda: datasets.make_spirals(2, classes=3),
        lambda: datasets.make_blobs(10, centers=1),
        lambda: datasets.make_xor(3),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_numpy_scalars_are_accepted_wherever_numbers_are():
    X1, y1 = datasets.make_moons(np.int64(50), noise=np.float32(0.1), seed=np.int64(3))
    X2, y2 = datasets.make_moons(50, noise=float(np.float32(0.1)), seed=3)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    _, y = datasets.make_spirals(np.int32(30), classes=np.int64(3), noise=np.float64(0.0))
    assert sorted(set(y.tolist())) == [0, 1, 2]
    _, y = datasets.make_blobs(np.uint16(40), centers=np.int8(4), seed=np.uint32(1))
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]
    X, _ = datasets.make_circles(20, noise=0, factor=np.float32(0.5))
    assert np.allclose(sorted(set(np.round(np.hypot(X[:, 0], X[:, 1]), 9))), [0.5, 1.0])


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: datasets.make_moons(10, seed=-1), ValueError, "seed"),
        (lambda: datasets.make_moons(10, seed=1.5), TypeError, "seed"),
        (lambda: datasets.make_moons(10, seed="a"), TypeError, "seed"),
        (lambda: datasets.make_xor(10, seed=True), TypeError, "seed"),
        (lambda: datasets.make_moons("10"), TypeError, "n"),
        (lambda: datasets.make_moons(10, noise="x"), TypeError, "noise"),
        (lambda: datasets.make_moons(10, noise=None), TypeError, "noise"),
        (lambda: datasets.make_circles(10, factor="x"), TypeError, "factor"),
        (lambda: datasets.make_circles(10, factor=float("nan")), ValueError, "factor"),
        (lambda: datasets.make_spirals(10, classes=3.0), TypeError, "classes"),
        (lambda: datasets.make_moons(10.5), TypeError, "n"),
        (lambda: datasets.make_blobs(10, centers="3"), TypeError, "centers"),
    ],
)
def test_bad_arguments_name_the_argument(call, error, name):
    with pytest.raises(error, match=rf"^make_\w+: {name} must be"):
        call()
