"""fit, History and accuracy: training reaches its targets, every batch size lowers the loss,
the bookkeeping adds up, and the knobs (l2, lr_schedule, callback, shuffle, progress) do what
they say."""

from __future__ import annotations

import math
import random
import re
import warnings

import pytest

import nn
from autograd import Value, no_grad, sum_values
from nn import MLP, SGD, Adam, History, accuracy, datasets, fit, hinge_loss, mse_loss
from nn.train import EpochRecord

MOONS = datasets.make_moons(100, noise=0.1, seed=0)
SMALL = datasets.make_moons(40, noise=0.1, seed=1)


def dataset_loss(model: MLP, X, y) -> float:
    with no_grad():
        return hinge_loss([model(list(x)) for x in X], list(y)).data


@pytest.mark.slow
def test_fit_on_moons_reaches_95_percent_training_accuracy(cached_fit):
    """The README's run (also the demo's default): trained once per session (conftest.py)."""
    X, y = MOONS
    model = MLP(2, [16, 16, 1], seed=0)
    history = cached_fit(model, X, y, epochs=20, batch_size=10, seed=0, progress=False)
    assert history.final.accuracy >= 0.95
    assert accuracy(model, X, y) >= 0.95
    assert history.epoch_loss[-1] < 0.1 * history.epoch_loss[0]


@pytest.mark.parametrize(("batch_size", "epochs"), [(None, 15), (8, 4), (1, 2)])
def test_full_batch_mini_batch_and_single_example_all_lower_the_loss(batch_size, epochs):
    X, y = SMALL
    model = MLP(2, [8, 8, 1], seed=2)
    before = dataset_loss(model, X, y)
    opt = SGD(model.parameters(), lr=0.05, momentum=0.5)
    history = fit(
        model, X, y, optimizer=opt, epochs=epochs, batch_size=batch_size, seed=0, progress=False
    )
    after = dataset_loss(model, X, y)
    assert after < 0.75 * before, (before, after)
    assert history.epoch_loss[-1] < history.epoch_loss[0]


@pytest.mark.parametrize(
    ("batch_size", "steps"), [(None, 1), (40, 1), (100, 1), (8, 5), (7, 6), (1, 40)]
)
def test_steps_per_epoch_and_history_bookkeeping(batch_size, steps):
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, epochs=2, batch_size=batch_size, seed=0, progress=False)
    assert len(history.step_loss) == len(history.step_accuracy) == len(history.step_lr) == 2 * steps
    assert len(history.epoch_loss) == len(history.epoch_accuracy) == 2
    # an epoch's loss is the step losses weighted by batch size; same for accuracy
    sizes = [min(len(X) - k, batch_size or len(X)) for k in range(0, len(X), batch_size or len(X))]
    for e in range(2):
        losses = history.step_loss[e * steps : (e + 1) * steps]
        accs = history.step_accuracy[e * steps : (e + 1) * steps]
        assert math.isclose(
            history.epoch_loss[e], sum(l * n for l, n in zip(losses, sizes)) / len(X), rel_tol=1e-12
        )
        assert math.isclose(
            history.epoch_accuracy[e],
            sum(a * n for a, n in zip(accs, sizes)) / len(X),
            rel_tol=1e-12,
        )


def test_history_final_and_best():
    h = History(epoch_loss=[0.5, 0.2, 0.3], epoch_accuracy=[0.6, 0.9, 0.8])
    assert h.final == EpochRecord(2, 0.3, 0.8)
    assert h.best == EpochRecord(1, 0.2, 0.9)
    assert History().final is None and History().best is None
    assert History(epoch_loss=[1.0]).final == EpochRecord(0, 1.0, None)


def test_the_first_step_loss_is_the_loss_of_the_starting_model():
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    start = dataset_loss(model, X, y)
    history = fit(model, X, y, epochs=1, batch_size=None, progress=False)
    assert math.isclose(history.step_loss[0], start, rel_tol=1e-12)


def test_l2_adds_l2_times_the_sum_of_squared_parameters():
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    start = dataset_loss(model, X, y)
    squares = sum(p.data**2 for p in model.parameters())
    history = fit(
        model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, l2=0.01, progress=False
    )
    assert math.isclose(history.step_loss[0], start + 0.01 * squares, rel_tol=1e-12)
    # and its gradient, 2 * l2 * p, is in every parameter's grad
    bias = model.layers[0].neurons[0].b
    bias.data = 3.0
    fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, l2=0.5, progress=False)
    with_l2 = bias.grad
    fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, progress=False)
    assert math.isclose(with_l2 - bias.grad, 2 * 0.5 * 3.0, rel_tol=1e-12)


def test_lr_schedule_gets_the_global_step_and_sets_the_lr():
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    seen = []

    def schedule(step: int) -> float:
        seen.append(step)
        return 1.0 - 0.9 * step / 100

    opt = SGD(model.parameters(), lr=123.0)
    history = fit(
        model, X, y, optimizer=opt, epochs=3, batch_size=20, lr_schedule=schedule, progress=False
    )
    assert seen == [0, 1, 2, 3, 4, 5]
    assert history.step_lr == [1.0 - 0.9 * k / 100 for k in range(6)]
    assert opt.lr == history.step_lr[-1]


def test_callback_runs_after_each_epoch_and_can_stop_training():
    X, y = SMALL
    calls = []

    def callback(epoch: int, history: History):
        calls.append((epoch, len(history.epoch_loss)))
        return epoch == 2  # stop after the third epoch

    history = fit(MLP(2, [4, 1]), X, y, epochs=10, callback=callback, progress=False)
    assert calls == [(0, 1), (1, 2), (2, 3)]
    assert len(history.epoch_loss) == 3


def test_shuffling_is_repeatable_with_a_seed():
    X, y = SMALL

    def run(seed, shuffle=True):
        model = MLP(2, [4, 1], seed=0)
        return fit(
            model, X, y, epochs=2, batch_size=5, seed=seed, shuffle=shuffle, progress=False
        ).step_loss

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert run(1, shuffle=False) == run(2, shuffle=False)


@pytest.mark.slow
def test_bce_training_with_zero_one_labels():
    X, y = MOONS
    model = MLP(2, [16, 16, 1], seed=1)
    history = fit(model, X, y, loss="bce", epochs=15, batch_size=10, seed=0, progress=False)
    assert history.final.accuracy >= 0.9 and accuracy(model, X, y) >= 0.9


def test_sigmoid_output_is_thresholded_at_one_half():
    model = MLP(1, [1], output_activation="sigmoid")
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.b.data = 1.0, 0.0
    # sigmoid(x) > 0.5 exactly when x > 0
    assert accuracy(model, [[-2.0], [-0.1], [0.1], [3.0]], [0, 0, 1, 1]) == 1.0


def test_cross_entropy_training_on_three_blobs():
    X, y = datasets.make_blobs(60, noise=0.4, seed=0)
    model = MLP(2, [8, 3], seed=0)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=10,
        batch_size=10,
        seed=0,
        progress=False,
    )
    assert history.final.accuracy >= 0.9
    assert accuracy(model, X, y) >= 0.9


def test_mse_regression_records_no_accuracy():
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1)] for _ in range(30)]
    y = [2.0 * x[0] - 0.5 for x in X]
    model = MLP(1, [1])
    history = fit(model, X, y, loss="mse", epochs=30, batch_size=5, seed=0, progress=False)
    assert history.epoch_accuracy == [] and history.step_accuracy == []
    assert history.final.accuracy is None
    assert history.final.loss < 1e-3
    w, b = model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data
    assert abs(w - 2.0) < 0.05 and abs(b + 0.5) < 0.05


def test_a_custom_loss_function():
    X, y = SMALL
    seen = {}

    def loss(outputs, targets):
        seen["n"] = len(outputs)
        return mse_loss(outputs, [1.0 if t else -1.0 for t in targets])

    history = fit(MLP(2, [4, 1]), X, y, loss=loss, epochs=2, batch_size=16, progress=False)
    assert seen["n"] == 40 - 32  # the last batch
    assert history.epoch_accuracy == [] and len(history.epoch_loss) == 2


def test_accuracy_counts_binary_and_multiclass_predictions():
    class Fixed:
        def __init__(self, outputs):
            self.outputs = outputs

        def __call__(self, x):
            return self.outputs[int(x[0])]

    binary = Fixed([Value(0.3), Value(-0.2), Value(1.5), Value(0.0)])
    X = [[0], [1], [2], [3]]
    assert accuracy(binary, X, [1, 0, 1, 0]) == 1.0
    assert accuracy(binary, X, [1, -1, -1, 1]) == 0.5
    multi = Fixed([[Value(0.1), Value(2.0)], [Value(3.0), Value(-1.0)]])
    assert accuracy(multi, [[0], [1]], [1, 1]) == 0.5


@pytest.mark.parametrize("label", [1, -1, 0])
def test_accuracy_never_counts_a_nan_output_as_right(label):
    """A nan score is no prediction (issue 9 item 16): not "not above the threshold" (the
    negative class), nor class 0 (the first of equally unordered scores)."""
    nan = math.nan
    assert accuracy(MLP(2, [4, 1], seed=0), [[nan, 0.0]], [label]) == 0.0
    sigmoid = MLP(2, [4, 1], seed=0, output_activation="sigmoid")
    assert accuracy(sigmoid, [[nan, 0.0]], [label]) == 0.0
    three = MLP(2, [4, 3], seed=0)
    for k in range(3):
        assert accuracy(three, [[nan, 0.0]], [k]) == 0.0
    partly = [[Value(nan), Value(1.0)], [Value(1.0), Value(nan)]]
    assert accuracy(lambda x: partly[int(x[0])], [[0], [1]], [1, 0]) == 0.0
    model = MLP(2, [4, 1], seed=0)
    one = accuracy(model, [[1.0, 0.0]], [label])
    assert accuracy(model, [[1.0, 0.0], [nan, 0.0]], [label, label]) == one / 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y": [0, 1]}, ValueError, "40 examples but 2 labels"),
        ({"epochs": -1}, ValueError, "epochs must be an int >= 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be None or an int >= 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be None or an int >= 1"),
        ({"loss": "l1"}, ValueError, "unknown loss 'l1'"),
        ({"y": [2] * 40}, ValueError, "labels must be -1/\\+1 or 0/1"),
        ({"loss": "cross_entropy"}, ValueError, "needs one output per class"),
        ({"X": [["a", 1.0]] * 40}, TypeError, "X must be a list of examples of numbers"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    X, y = SMALL
    args = {"X": X, "y": y, **kwargs}
    with pytest.raises(error, match=message):
        fit(MLP(2, [4, 1]), args.pop("X"), args.pop("y"), progress=False, **args)


@pytest.mark.parametrize("loss", ["hinge", "bce", "mse"])
def test_a_one_output_loss_on_a_multi_output_model(loss):
    X, y = SMALL
    with pytest.raises(ValueError, match=f"loss '{loss}' needs a model with one output, got 3"):
        fit(MLP(2, [3]), X, y, loss=loss, progress=False)


def test_epochs_zero_trains_nothing():
    X, y = SMALL
    model = MLP(2, [4, 1])
    before = model.state_dict()
    history = fit(model, X, y, epochs=0, progress=False)
    assert history.epoch_loss == [] and model.state_dict() == before


def test_progress_bar_in_a_terminal_and_switched_off(capsys, monkeypatch):
    X, y = SMALL
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    fit(MLP(2, [2, 1]), X, y, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "epoch" in err and "loss=" in err and "acc=" in err
    fit(MLP(2, [2, 1]), X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("TQDM_DISABLE", "1")
    fit(MLP(2, [2, 1]), X, y, epochs=2, progress=True)
    assert capsys.readouterr().err == ""


def test_same_loss_trajectory_as_micrograd_from_the_same_weights():
    """micrograd's demo recipe (hinge + 1e-4 L2, full batch, lr = 1 - 0.9 k / 100), a few
    steps on a few points: our modules give the same losses and weights to 1e-9."""
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    X, y = datasets.make_moons(16, noise=0.1, seed=0)
    labels = [2.0 * t - 1.0 for t in y]
    random.seed(0)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1])
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = q.data
    steps = 3
    their_losses = []
    for k in range(steps):
        scores = [theirs([micrograd_engine.Value(float(v)) for v in x]) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in theirs.parameters())
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        their_losses.append(total.data)
    history = fit(
        ours,
        X,
        y,
        loss="hinge",
        optimizer=SGD(ours.parameters(), lr=1.0),
        epochs=steps,
        shuffle=False,
        l2=1e-4,
        lr_schedule=lambda k: 1.0 - 0.9 * k / 100,
        progress=False,
    )
    for a, b in zip(history.step_loss, their_losses, strict=True):
        assert math.isclose(a, b, rel_tol=1e-9)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert math.isclose(p.data, q.data, rel_tol=1e-9, abs_tol=1e-12)


def test_history_repr_is_a_summary_not_a_dump():
    from nn.train import History

    assert repr(History()) == "History(no epochs yet)"
    h = History(epoch_loss=[0.5, 0.25], epoch_accuracy=[0.8, 0.9], step_loss=[0.6, 0.4, 0.3, 0.2])
    assert repr(h) == "History(2 epochs, 4 steps; final loss 0.25, accuracy 0.900)"
    one = History(epoch_loss=[1.5], step_loss=[1.5])  # mse: no accuracy
    assert repr(one) == "History(1 epoch, 1 step; final loss 1.5)"


class RecordingSGD(SGD):
    """SGD that remembers the parameters after each of its steps."""

    def step(self) -> None:
        super().step()
        self.after = [p.data for p in self.params]


def test_a_diverging_run_raises_with_its_history_and_changes_nothing_more():
    X, y = SMALL
    model = MLP(2, [8, 1], seed=0)
    optimizer = RecordingSGD(model.parameters(), lr=50.0)
    with pytest.raises(nn.TrainingDiverged) as info:
        fit(model, X, y, loss="mse", optimizer=optimizer, epochs=50, batch_size=8, progress=False)
    error = info.value
    assert isinstance(error, ValueError)
    history = error.history
    steps = len(history.step_loss)
    assert steps == error.step > 0  # every step before the bad one, none after
    assert error.epoch == steps // 5 and len(history.epoch_loss) == error.epoch  # 5 steps/epoch
    assert all(math.isfinite(v) for v in history.step_loss + history.epoch_loss)
    assert f"in epoch {error.epoch}, step {error.step} (counting from 0)" in str(error)
    assert f"holds the {steps} steps before it" in str(error)
    # what went wrong, in the engine's or fit's words: mse's square overflowed, here
    assert re.search(r"too large for a float|overflow|is (nan|inf|-inf)", str(error))
    assert [
        p.data for p in model.parameters()
    ] == optimizer.after  # the failed step changed nothing


def test_overflow_and_non_finite_gradients_are_divergence_too():
    X, y = SMALL
    model = MLP(2, [1], seed=0)
    model.layers[0].neurons[0].b.data = 1000.0
    exp_loss = lambda outs, ts: sum_values([o.exp() for o in outs])
    before = model.state_dict()
    with pytest.raises(nn.TrainingDiverged, match="epoch 0, step 0.*exp overflows") as info:
        fit(model, X, y, loss=exp_loss, epochs=3, progress=False)
    assert isinstance(info.value.__cause__, OverflowError)
    assert info.value.history.step_loss == [] and "holds the 0 steps" in str(info.value)
    assert model.state_dict() == before
    # an infinite loss (float products overflow to inf without an error)
    model = MLP(2, [1], seed=0)
    inf_loss = lambda outs, ts: sum_values([o * 1e308 * 1e308 + 1.0 for o in outs])
    with pytest.raises(nn.TrainingDiverged, match="epoch 0, step 0.*the loss is (inf|-inf|nan)"):
        fit(model, X, y, loss=inf_loss, epochs=3, progress=False)
    # a finite loss (0) whose gradient is not: d sqrt(u)/du at u = 0 is inf, times 0 is nan
    model = MLP(2, [1], seed=0)
    sqrt_loss = lambda outs, ts: sum_values([(o * 0.0).sqrt() for o in outs])
    before = model.state_dict()
    with pytest.raises(
        nn.TrainingDiverged, match=r"gradient of parameter 'layers\.0\.neurons\.0\.w\.0' is nan"
    ):
        fit(model, X, y, loss=sqrt_loss, epochs=3, progress=False)
    assert model.state_dict() == before


def test_in_jupyter_the_saved_text_of_the_bar_is_its_final_state(monkeypatch):
    """A notebook saves the bar's text/plain beside the widget. fit shows the bar under a
    display id and re-displays it when done, so the text saved last reads 100%, not 0%.
    (tqdm.auto is made to pick its notebook bar; IPython's display is recorded.)"""
    tqdm_auto = pytest.importorskip("tqdm.auto")
    tqdm_notebook = pytest.importorskip("tqdm.notebook")
    pytest.importorskip("ipywidgets")
    display_module = pytest.importorskip("IPython.display")
    from IPython.core.formatters import PlainTextFormatter

    shown = []  # (update?, the text/plain a viewer without widgets would keep)

    class Handle:
        def update(self, obj):
            shown.append((True, PlainTextFormatter()(obj)))

    def display(obj, display_id=None):
        assert display_id is True
        shown.append((False, PlainTextFormatter()(obj)))
        return Handle()

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr(tqdm_auto, "tqdm", tqdm_notebook.tqdm)
    monkeypatch.setattr(display_module, "display", display)
    X, y = SMALL
    fit(MLP(2, [2, 1]), X, y, epochs=3, progress=True)
    assert [update for update, _ in shown] == [False, True]
    first, last = (text for _, text in shown)
    assert "0%" in first and "0/3" in first
    assert "100%" in last and "3/3" in last and "loss=" in last and "acc=" in last
    # training that blows up: the saved text says how far it got
    shown.clear()
    with pytest.raises(nn.TrainingDiverged) as info:
        fit(MLP(2, [8, 1], seed=0), X, y, loss="mse", epochs=50, batch_size=8, seed=0,
            lr_schedule=lambda step: 50.0)  # fmt: skip
    assert shown[-1][0] is True and f" {info.value.epoch}/50 " in shown[-1][1]


# ---- everything checked before the first step (issue 9, items 12-15) ------------------------


def spoiled(rows, index, value):
    rows = [list(r) for r in rows]
    rows[index] = value
    return rows


def bad_data_cases():
    X, y = (list(map(list, SMALL[0])), list(SMALL[1]))
    nan, inf = math.nan, math.inf
    last = len(X) - 1
    three = [int(t) for t in y]
    return [
        # (model, X, y, fit kwargs, error, message) - the bad item is the last example
        ((2, [4, 1]), spoiled(X, last, [0.5]), y, {}, ValueError, rf"X\[{last}\] has 1 number.*2"),
        ((2, [4, 1]), spoiled(X, last, [0.5, 1, 2]), y, {}, ValueError, rf"X\[{last}\] has 3"),
        ((2, [4, 1]), spoiled(X, last, [0.5, nan]), y, {}, ValueError, rf"X\[{last}\]\[1\] is nan"),
        ((2, [4, 1]), spoiled(X, 3, [inf, 0.0]), y, {}, ValueError, r"X\[3\]\[0\] is inf"),
        ((2, [4, 1]), X, y[:-1] + [nan], {}, ValueError, "labels must be -1/\\+1 or 0/1.*nan"),
        ((2, [4, 1]), X, y[:-1] + [1.5], {"loss": "bce"}, ValueError, r"y\[39\] = 1.5.*\[0, 1\]"),
        ((2, [4, 1]), X, y[:-1] + [-0.5], {"loss": "bce"}, ValueError, r"y\[39\] = -0.5"),
        ((2, [4, 1]), X, y[:-1] + [nan], {"loss": "bce"}, ValueError, r"y\[39\] = nan"),
        ((2, [4, 1]), X, y[:-1] + [inf], {"loss": "mse"}, ValueError, r"y\[39\] = inf"),
        (
            (2, [4, 3]),
            X,
            three[:-1] + [3],
            {"loss": "cross_entropy"},
            ValueError,
            r"y\[39\] = 3 is not a class index for a model with 3 outputs",
        ),
        (
            (2, [4, 3]),
            X,
            three[:-1] + [nan],
            {"loss": "cross_entropy"},
            ValueError,
            r"y\[39\] = nan is not a class index",
        ),
        (
            (2, [4, 3]),
            X,
            three[:-1] + [inf],
            {"loss": "cross_entropy"},
            ValueError,
            r"y\[39\] = inf is not a class index",
        ),
        (
            (2, [4, 3]),
            X,
            three[:-1] + [1.5],
            {"loss": "cross_entropy"},
            ValueError,
            r"y\[39\] = 1.5 is not a class index",
        ),
        ((2, [4, 1]), X, y[:-1], {}, ValueError, "40 examples but 39 labels"),
        ((3, [4, 1]), X, y, {}, ValueError, r"X\[0\] has 2 numbers; the model takes 3"),
    ]


@pytest.mark.parametrize(
    ("sizes", "X", "y", "kwargs", "error", "message"),
    bad_data_cases(),
    ids=[f"case{i}" for i in range(len(bad_data_cases()))],
)
def test_bad_data_is_found_before_the_first_step(sizes, X, y, kwargs, error, message):
    model = MLP(*sizes, seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit(model, X, y, epochs=2, batch_size=8, shuffle=False, progress=False, **kwargs)
    assert model.state_dict() == before


def test_ragged_rows_are_found_for_any_model():
    """A model without ``nin``: every row must have the first row's length."""

    class Sum(nn.Module):
        def __init__(self):
            self.b = Value(0.0, label="b")

        def own_parameters(self):
            return [("b", self.b)]

        def forward(self, x):
            return sum_values(list(x)) + self.b

    X = [[1.0, 2.0]] * 10 + [[1.0]]
    with pytest.raises(ValueError, match=r"X\[10\] has 1 number; X\[0\] has 2"):
        fit(Sum(), X, [1] * 11, batch_size=2, shuffle=False, progress=False)


@pytest.mark.parametrize(
    ("l2", "error"),
    [
        (-1.0, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        ("x", TypeError),
        (None, TypeError),
        ([0.1], TypeError),
    ],
)
def test_l2_is_checked_up_front(l2, error):
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=r"fit: l2 must be"):
        fit(model, X, y, epochs=1, l2=l2, progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"loss": None}, TypeError, "fit: loss must be one of .* or a function.*got NoneType"),
        ({"loss": 3}, TypeError, "fit: loss must be .*got int: 3"),
        (
            {"loss": lambda outs, ts: 0.5},
            TypeError,
            "fit: the loss function returned float: 0.5; it must return a Value",
        ),
        ({"loss": lambda outs, ts: [outs[0]]}, TypeError, "loss function returned list"),
        ({"optimizer": "sgd"}, TypeError, "fit: optimizer must be an Optimizer.*got str"),
        ({"lr_schedule": 0.1}, TypeError, "fit: lr_schedule must be a function.*got float"),
        ({"callback": True}, TypeError, "fit: callback must be a function.*got bool"),
        ({"lr_schedule": lambda step: -1.0}, ValueError, r"fit: lr_schedule\(0\) returned -1.0"),
        ({"lr_schedule": lambda step: "big"}, TypeError, r"fit: lr_schedule\(0\) returned str"),
        ({"seed": "abc"}, TypeError, "fit: seed must be None or an int, got str"),
        ({"seed": 1.5}, TypeError, "fit: seed must be None or an int, got float"),
        ({"epochs": 2.0}, TypeError, "fit: epochs must be an int >= 0, got float"),
        ({"epochs": True}, TypeError, "fit: epochs must be an int >= 0, got bool"),
        ({"batch_size": "8"}, TypeError, "fit: batch_size must be None or an int >= 1"),
    ],
)
def test_bad_arguments_name_the_argument_and_change_nothing(kwargs, error, message):
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    kwargs = {"optimizer": optimizer, "epochs": 2, "batch_size": 8, **kwargs}
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit(model, X, y, progress=False, **kwargs)
    assert model.state_dict() == before
    assert optimizer.lr == 0.1


def test_numpy_integers_are_accepted_for_epochs_batch_size_and_seed():
    np = pytest.importorskip("numpy")
    X, y = SMALL

    def run(**kwargs):
        model = MLP(2, [4, 1], seed=0)
        return fit(model, X, y, progress=False, **kwargs).step_loss, model.state_dict()

    plain = run(epochs=2, batch_size=8, seed=3, l2=0.01)
    assert plain[0] != []
    assert (
        run(epochs=np.int64(2), batch_size=np.int32(8), seed=np.int64(3), l2=np.float64(0.01))
        == plain
    )
    assert run(epochs=np.uint8(2), batch_size=np.int16(8), seed=np.int8(3), l2=0.01) == plain


def test_a_step_that_would_overflow_is_divergence_with_nothing_changed():
    X, y = SMALL
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(nn.TrainingDiverged, match="step 0.*would get a non-finite") as info:
        fit(model, X * 1e5, y, optimizer=SGD(model.parameters(), lr=1e305), progress=False)
    assert isinstance(info.value.__cause__, OverflowError)
    assert model.state_dict() == before


def test_an_infinite_model_output_is_divergence_not_a_loss_error():
    X, y = datasets.make_blobs(12, seed=0)
    model = MLP(2, [3], seed=0)
    model.layers[0].neurons[1].b.data = 1e308
    model.layers[0].neurons[1].w[0].data = 1e308
    before = model.state_dict()
    with pytest.raises(nn.TrainingDiverged, match=r"the model's output .* is (inf|-inf|nan)"):
        fit(model, abs(X) + 1.0, y, loss="cross_entropy", epochs=1, progress=False)
    assert model.state_dict() == before


# ---- a dead hidden layer (issue 9, item 23) ----------------------------------------------

VIDEO_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
VIDEO_YS = [1.0, -1.0, -1.0, 1.0]


def sum_of_squared_errors(outputs, targets):
    return sum_values([(o - t) ** 2 for o, t in zip(outputs, targets)])


def video_loop(**mlp_settings):
    """micrograd's video: MLP(3, [4, 4, 1]) on four examples, the sum of squared errors,
    full-batch gradient descent at lr 0.05."""
    model = MLP(3, [4, 4, 1], **mlp_settings)
    history = fit(
        model,
        VIDEO_XS,
        VIDEO_YS,
        loss=sum_of_squared_errors,
        optimizer=SGD(model.parameters(), lr=0.05),
        epochs=20,
        progress=False,
    )
    return history


def test_the_video_loop_with_relu_defaults_warns_once_that_a_hidden_layer_died():
    with pytest.warns(nn.DeadLayerWarning) as caught:
        history = video_loop()
    assert len(caught) == 1
    message = str(caught[0].message)
    assert re.search(r"hidden layer \d \(layers\.\d, relu\)", message), message
    assert "smaller learning rate" in message and 'activation="tanh"' in message
    assert "seed" in message
    assert caught[0].filename == __file__  # points at the fit call
    assert abs(history.epoch_loss[-1] - 4.0) < 1e-6  # stuck: the output is a constant


def test_the_video_loop_with_tanh_trains_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", nn.DeadLayerWarning)
        history = video_loop(activation="tanh")
    assert history.epoch_loss[-1] < 1e-3 < history.epoch_loss[0]


def test_healthy_relu_training_gives_no_dead_layer_warning():
    X, y = SMALL
    with warnings.catch_warnings():
        warnings.simplefilter("error", nn.DeadLayerWarning)
        fit(MLP(2, [8, 8, 1], seed=0), X, y, epochs=3, batch_size=8, seed=0, progress=False)


def test_cached_fit_trains_once_and_replays_what_fit_gives(cached_fit, fit_results):
    X, y = SMALL
    plain_model = MLP(2, [4, 1], seed=5)
    plain = nn.train.fit(plain_model, X, y, epochs=2, batch_size=8, seed=1, progress=False)
    before = len(fit_results)
    runs = []
    for _ in range(2):
        model = MLP(2, [4, 1], seed=5)
        runs.append(
            (
                cached_fit(model, X, y, epochs=2, batch_size=8, seed=1, progress=False),
                model.state_dict(),
            )
        )
        assert len(fit_results) == before + 1  # trained by the first call only
    for history, state in runs:
        assert history == plain and state == plain_model.state_dict()
    other = cached_fit(MLP(2, [4, 1], seed=5), X, y, epochs=2, batch_size=8, seed=2, progress=False)
    assert len(fit_results) == before + 2 and other != plain  # another seed: trained again


@pytest.mark.parametrize("flag", ["shuffle", "progress"])
@pytest.mark.parametrize("value", ["no", 0, None])
def test_flags_must_be_bools_and_nothing_changes(flag, value):
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(TypeError, match=f"fit: {flag} must be True or False"):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1], epochs=1, **{flag: value})
    assert [p.data for p in model.parameters()] == before


def test_an_optimizer_over_another_models_parameters_is_refused():
    model, other = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
    before = [p.data for p in model.parameters() + other.parameters()]
    with pytest.raises(ValueError, match="none of the model's parameters"):
        fit(model, [[0.0, 1.0]], [1], epochs=1, optimizer=SGD(other.parameters(), lr=0.1), progress=False)
    assert [p.data for p in model.parameters() + other.parameters()] == before
