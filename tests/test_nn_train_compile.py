"""compile_loss and fit(compile=True): the compiled per-example loss replayed over a batch
gives the scalar engine's loss and gradients, reads the parameters live, accumulates, and
turns bad arguments and uncompilable models down with a clear error before anything changes."""

from __future__ import annotations

import math
import re

import pytest

from autograd import Value, custom_op, dot, no_grad
from nn import MLP, CompiledLoss, Module, compile_loss, datasets
from nn.train import LOSSES

pytest.importorskip("numpy")

MOONS = datasets.make_moons(30, noise=0.1, seed=0)
SPIRALS = datasets.make_spirals(30, noise=0.05, seed=0)


def _data(loss: str):
    if loss == "cross_entropy":
        return (*SPIRALS, 3)
    X, y = MOONS
    if loss == "mse":
        y = [0.5 * t - 0.25 for t in y]
    return X, y, 1


def scalar_loss_and_grads(model, X, y, loss: str, l2: float = 0.0):
    """What fit's scalar path computes for one batch: the loss and every gradient."""
    model.zero_grad()
    targets = [int(t) for t in y] if loss == "cross_entropy" else list(y)
    total = LOSSES[loss]([model([float(v) for v in x]) for x in X], targets)
    params = model.parameters()
    if l2:
        total = total + l2 * dot(params, params)
    total.backward()
    return total.data, [p.grad for p in params]


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_compiled_loss_and_gradients_match_the_scalar_engine(loss, l2):
    X, y, nout = _data(loss)
    for activation in ("relu", "tanh"):
        model = MLP(2, [6, 5, nout], activation=activation, seed=3)
        want, want_grads = scalar_loss_and_grads(model, X, y, loss, l2)
        closs = compile_loss(model, loss, l2=l2)
        model.zero_grad()
        got = closs(X, y)
        assert isinstance(got, float)
        assert close(got, want), (got, want)
        for p, g in zip(model.parameters(), want_grads):
            assert close(p.grad, g), (p.label, p.grad, g)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_kinks_and_ties_match_the_scalar_engine(loss):
    """Zero biases and an input of zeros: every relu sits exactly on its kink, and the
    cross_entropy logits tie (the compiled max takes relu(0)'s slope 0, like the scalar's)."""
    _, _, nout = _data(loss)
    model = MLP(2, [4, 4, nout], seed=5)
    X = [[0.0, 0.0], [1.0, -1.0], [0.0, 2.0]]
    y = [0, 1, 2] if loss == "cross_entropy" else [0.0, 1.0, 1.0]
    want, want_grads = scalar_loss_and_grads(model, X, y, loss, 0.01)
    model.zero_grad()
    assert close(compile_loss(model, loss, l2=0.01)(X, y), want)
    for p, g in zip(model.parameters(), want_grads):
        assert close(p.grad, g), (p.label, p.grad, g)


def test_bce_gradient_at_a_logit_of_exactly_zero_is_one_half_minus_t():
    """The compiled bce has no branch on z; its slope at z = 0 is still sigmoid(0) - t."""
    model = MLP(2, [1], seed=0)
    for p in model.parameters():
        p.data = 0.0
    compile_loss(model, "bce")([[1.0, 2.0]], [1.0])
    assert model.layers[0].neurons[0].b.grad == -0.5
    assert model.layers[0].neurons[0].w[1].grad == -1.0


def test_cross_entropy_with_huge_logits_does_not_overflow():
    model = MLP(1, [3], activation="linear", seed=0)
    for j, neuron in enumerate(model.layers[0].neurons):
        neuron.w[0].data, neuron.b.data = 0.0, 1000.0 * j
    value = compile_loss(model, "cross_entropy")([[0.5]], [0])
    assert close(value, 2000.0)


def test_gradients_accumulate_and_parameters_are_read_live():
    X, y, _ = _data("hinge")
    model = MLP(2, [4, 1], seed=0)
    closs = compile_loss(model, "hinge")
    model.zero_grad()
    closs(X, y)
    once = [p.grad for p in model.parameters()]
    closs(X, y)
    assert all(close(p.grad, 2 * g) for p, g in zip(model.parameters(), once))
    for p in model.parameters():  # a change of the parameters is seen by the next call
        p.data *= 0.5
    want, grads = scalar_loss_and_grads(model, X, y, "hinge")
    model.zero_grad()
    assert close(closs(X, y), want)
    assert all(close(p.grad, g) for p, g in zip(model.parameters(), grads))


def test_one_hot_rows_and_class_indices_give_the_same_loss():
    X, y, _ = _data("cross_entropy")
    model = MLP(2, [5, 3], seed=1)
    closs = compile_loss(model, "cross_entropy")
    by_index = closs(X, y)
    one_hot = [[1.0 if j == t else 0.0 for j in range(3)] for t in y]
    assert closs(X, one_hot) == by_index
    import numpy as np

    assert closs(X, np.eye(3)[np.asarray(y, dtype=int)]) == by_index


def test_source_is_the_code_of_one_example():
    closs = compile_loss(MLP(2, [3, 1], seed=0), "hinge")
    assert closs.source.startswith("def compiled(x0, x1, y):")
    compile(closs.source, "<test>", "exec")
    assert isinstance(closs, CompiledLoss)
    assert "hinge" in repr(closs)


class Square(Module):
    """A model without ``nin``: compiled on its first call, from the first row's width."""

    def __init__(self) -> None:
        self.w = Value(0.5, label="w")

    def own_parameters(self):
        return [("w", self.w)]

    def forward(self, x):
        return self.w * x[0] * x[1]


def test_a_model_without_nin_is_compiled_on_the_first_call():
    model = Square()
    closs = compile_loss(model, "mse")
    with pytest.raises(ValueError, match="not compiled yet"):
        _ = closs.source
    assert close(closs([[1.0, 2.0], [3.0, 1.0]], [0.0, 0.0]), (1.0 + 2.25) / 2)
    assert close(model.w.grad, (2 * 1.0 * 2.0 + 2 * 1.5 * 3.0) / 2)


softplus = custom_op("softplus")(lambda x: (math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)))


class CustomOp(Square):
    def forward(self, x):
        return softplus(self.w * x[0])


class ReturnsFloat(Square):
    def forward(self, x):
        return 1.0


class Fails(Square):
    def forward(self, x):
        return Value(1.0) / (x[0] - x[0])


BAD = [
    ({"loss": "nope"}, ValueError, "compile_loss: unknown loss 'nope'"),
    ({"loss": LOSSES["mse"]}, TypeError, "custom loss function .* cannot be compiled"),
    ({"loss": 3}, TypeError, "loss must be one of .* got int: 3"),
    ({"l2": -1.0}, ValueError, "l2 must be a finite number >= 0, got -1.0"),
    ({"l2": math.nan}, ValueError, "l2 must be a finite number >= 0, got nan"),
    ({"l2": True}, TypeError, "l2 must be a finite number >= 0, got bool"),
    ({"l2": "0.1"}, TypeError, "l2 must be a finite number >= 0, got str"),
    ({"model": "MLP"}, TypeError, "model must be a Module .* got str"),
    ({"loss": "cross_entropy"}, ValueError, "needs one output per class"),
    ({"model": MLP(2, [3, 2], seed=0)}, ValueError, "'hinge' needs a model with one output"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD)
def test_bad_arguments_are_named(kwargs, error, message):
    args = {"model": MLP(2, [3, 1], seed=0), "loss": "hinge", **kwargs}
    with pytest.raises(error, match=message):
        compile_loss(**args)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (CustomOp(), "graph cannot be compiled: .*cannot compile op 'softplus'"),
        (ReturnsFloat(), "must return a Value or a list of Values .* got float"),
        (Fails(), "the model failed on an example of 2 inputs .*ZeroDivisionError"),
    ],
)
def test_a_model_that_cannot_be_compiled_is_a_clear_error(model, message):
    closs = compile_loss(model, "mse")
    before = model.w.data
    with pytest.raises(ValueError, match=message):
        closs([[1.0, 2.0]], [0.0])
    assert model.w.data == before and model.w.grad == 0.0


def test_compiling_inside_no_grad_is_refused():
    with no_grad(), pytest.raises(RuntimeError, match=re.escape("inside no_grad()")):
        compile_loss(MLP(2, [1], seed=0))


@pytest.mark.parametrize(
    ("loss", "X", "y", "message"),
    [
        ("hinge", [[0.0, 1.0]], [2], "labels must be -1/\\+1 or 0/1"),
        ("hinge", [[0.0, math.inf]], [1], r"compile_loss: X\[0\]\[1\] is inf"),
        ("hinge", [[0.0, 1.0, 2.0]], [1], r"X\[0\] has 3 numbers; the model takes 2"),
        ("hinge", [[0.0, 1.0]], [1, 0], "1 examples but 2 labels"),
        ("hinge", [], [], "0 examples but 0 labels"),
        ("bce", [[0.0, 1.0]], [1.5], r"y\[0\] = 1.5.*\[0, 1\]"),
        ("mse", [[0.0, 1.0]], [math.nan], r"y\[0\] = nan"),
        ("cross_entropy", [[0.0, 1.0]], [3], r"y\[0\] = 3 is not a class index for .* 3 outputs"),
        ("cross_entropy", [[0.0, 1.0]], [[0, 1]], r"y\[0\] is a one-hot row of 2 numbers"),
        ("cross_entropy", [[0.0, 1.0]], [[0, 1, 1]], r"y\[0\] = \[0, 1, 1\] is not a one-hot row"),
        ("cross_entropy", [[0.0, 1.0]], [0.5], r"y\[0\] = 0.5 is not a class index"),
    ],
)
def test_bad_data_is_named_and_changes_nothing(loss, X, y, message):
    model = MLP(2, [3, 3 if loss == "cross_entropy" else 1], seed=0)
    closs = compile_loss(model, loss)
    model.zero_grad()
    with pytest.raises((TypeError, ValueError), match=message):
        closs(X, y)
    assert all(p.grad == 0.0 for p in model.parameters())


# ---- fit(compile=True) ---------------------------------------------------------------------


def max_difference(scalar, compiled):
    """The largest difference between two runs' parameters and step losses."""
    (m1, h1), (m2, h2) = scalar, compiled
    assert len(h1.step_loss) == len(h2.step_loss)
    params = max(abs(p.data - q.data) for p, q in zip(m1.parameters(), m2.parameters()))
    losses = max(
        abs(a - b) for a, b in zip(h1.step_loss + h1.epoch_loss, h2.step_loss + h2.epoch_loss)
    )
    return max(params, losses)


def both(make_model, X, y, make_optimizer=None, fit_=None, **settings):
    from nn import fit

    runs = []
    for compiled in (False, True):
        model = make_model()
        opt = None if make_optimizer is None else make_optimizer(model.parameters())
        history = (fit_ or fit)(
            model, X, y, optimizer=opt, progress=False, compile=compiled, **settings
        )
        runs.append((model, history))
    return runs


def test_the_demo_trains_the_same_compiled(cached_fit):
    """``stepgrad demo``'s run (moons, 2-16-16-1, hinge, SGD 0.1 momentum 0.9, 20 epochs of
    batches of 10): the compiled run follows the scalar one within 1e-9 (measured: ~2e-15)."""
    from nn import SGD

    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    runs = both(
        lambda: MLP(2, [16, 16, 1], seed=0),
        X,
        y,
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        fit_=cached_fit,
        epochs=20,
        batch_size=10,
        seed=0,
    )
    assert max_difference(*runs) < 1e-9
    (_, h1), (_, h2) = runs
    assert h1.step_accuracy == h2.step_accuracy and h1.epoch_accuracy == h2.epoch_accuracy
    assert h2.step_lr == h1.step_lr and h2.final.accuracy >= 0.95


@pytest.mark.parametrize(
    ("loss", "settings"),
    [
        ("cross_entropy", {"batch_size": 7, "l2": 1e-3}),
        ("cross_entropy", {"batch_size": None, "lr_schedule": lambda step: 0.1 / (1 + step)}),
        ("hinge", {"batch_size": 4, "l2": 1e-2}),
        ("bce", {"batch_size": 5}),
        ("mse", {"batch_size": 1}),
    ],
)
def test_every_loss_trains_the_same_compiled(loss, settings):
    from nn import SGD, Adam

    X, y, nout = _data(loss)
    for opt in (lambda ps: SGD(ps, lr=0.02, momentum=0.9), lambda ps: Adam(ps, lr=0.01)):
        runs = both(
            lambda: MLP(2, [6, 6, nout], activation="tanh", seed=2),
            X,
            y,
            opt,
            loss=loss,
            epochs=4,
            seed=1,
            **settings,
        )
        assert max_difference(*runs) < 1e-9
        (_, h1), (_, h2) = runs
        assert h1.step_accuracy == h2.step_accuracy and h1.step_lr == h2.step_lr


def test_a_model_of_its_own_trains_the_same_compiled():
    X = [[1.0, 2.0], [0.5, -1.0], [2.0, 0.25]]
    runs = both(Square, X, [1.0, -0.5, 0.25], loss="mse", epochs=5)
    assert max_difference(*runs) < 1e-12


def test_callback_stops_compiled_training_too():
    from nn import fit

    X, y, _ = _data("hinge")
    seen = []
    history = fit(
        MLP(2, [3, 1], seed=0),
        X,
        y,
        epochs=10,
        progress=False,
        compile=True,
        callback=lambda epoch, h: seen.append((epoch, h.final)) or epoch == 2,
    )
    assert [e for e, _ in seen] == [0, 1, 2] and len(history.epoch_loss) == 3


def test_compile_with_a_custom_loss_or_a_bad_flag_is_refused_before_anything_changes():
    from nn import fit

    X, y, _ = _data("mse")
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(TypeError, match=r"compile=True needs one of the built-in losses.*mse_loss"):
        fit(model, X, y, loss=LOSSES["mse"], epochs=1, progress=False, compile=True)
    with pytest.raises(TypeError, match="compile must be True or False, got str"):
        fit(model, X, y, epochs=1, progress=False, compile="yes")
    with pytest.raises(ValueError, match="graph cannot be compiled"):
        fit(CustomOp(), X, y, loss="mse", epochs=1, progress=False, compile=True)
    assert model.state_dict() == before


def test_compiled_divergence_is_reported_at_the_same_step():
    from nn import SGD, TrainingDiverged, fit

    X, y, _ = _data("mse")
    errors = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], seed=0)
        with pytest.raises(TrainingDiverged) as info:
            fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=50.0),
                epochs=50, batch_size=8, seed=0, progress=False, compile=compiled)  # fmt: skip
        errors.append((info.value.epoch, info.value.step, model.state_dict()))
    (epoch, step, before), (epoch2, step2, after) = errors
    assert (epoch, step) == (epoch2, step2) and step > 0
    assert all(math.isclose(before[k], after[k], rel_tol=1e-9) for k in before)


def test_an_infinite_output_is_divergence_compiled_too():
    from nn import TrainingDiverged, fit

    X, y = datasets.make_blobs(12, seed=0)
    model = MLP(2, [3], seed=0)
    model.layers[0].neurons[1].b.data = 1e308
    model.layers[0].neurons[1].w[0].data = 1e308
    before = model.state_dict()
    with pytest.raises(TrainingDiverged, match=r"the model's output for X\[\d+\] is inf"):
        fit(model, abs(X) + 1.0, y, loss="cross_entropy", epochs=1, progress=False, compile=True)
    assert model.state_dict() == before


def test_an_overflow_in_the_compiled_loss_names_the_example():
    from nn.train import _example_of_row

    assert _example_of_row("row 2: exp overflows a float: exp(800.0)", [7, 3, 9]) == (
        "X[9]: exp overflows a float: exp(800.0)"
    )
    assert _example_of_row("something else", [1]) == "something else"


def test_a_dead_layer_is_warned_about_compiled_too():
    from nn import SGD, DeadLayerWarning, fit

    X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    model = MLP(3, [4, 4, 1])
    for n in model.layers[1].neurons:
        n.b.data = -100.0
    with pytest.warns(DeadLayerWarning, match="hidden layer 2"):
        fit(model, X, [1.0, -1.0, -1.0, 1.0], loss="mse",
            optimizer=SGD(model.parameters(), lr=0.05), epochs=2, progress=False, compile=True)  # fmt: skip


def test_the_outputs_fit_checks_and_scores_are_the_models_own_bit_for_bit():
    """fit(compile=True) computes an MLP's outputs with numpy in the scalar engine's order of
    operations, so accuracy and the divergence checks see the very same numbers."""
    import numpy as np

    from nn.train import _CompiledStep

    X, y = datasets.make_spirals(60, noise=0.05, seed=0)
    for activation in ("relu", "sigmoid", "linear"):
        model = MLP(2, [8, 7, 3], activation=activation, seed=4)
        for k, p in enumerate(model.parameters()):
            p.data += 0.01 * math.sin(k)
        rows = [[float(v) for v in row] for row in X]
        step = _CompiledStep(model, compile_loss(model, "cross_entropy"), rows, list(y))
        batch = list(range(59, -1, -3))
        want = np.array([[v.data for v in model(rows[i])] for i in batch])
        assert np.array_equal(step.outputs(batch), want)
