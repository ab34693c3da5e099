"""The model behind the training playground (viz.playground_state), headless: settings ->
trained state, history, neuron maps against the model, points, bad settings, the stepper,
snapshots."""

from __future__ import annotations

import json
import math

import pytest

np = pytest.importorskip("numpy")
nn = pytest.importorskip("nn")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value
from viz.playground_state import (
    ACTIVATIONS,
    DATASETS,
    DEFAULTS,
    LOSSES,
    OPTIMIZERS,
    PlaygroundState,
    example_losses,
    predictions,
)
from viz.plots import layer_outputs


def state_of(pg: PlaygroundState) -> str:
    """Everything observable, as one JSON text (to compare before and after)."""
    return json.dumps(
        {
            "snapshot": pg.snapshot(resolution=5),
            "steps": pg.steps,
            "model": pg.model.state_dict(),
            "id": id(pg.model),
            "optimizer": type(pg.optimizer).__name__,
            "lr": pg.optimizer.lr,
        },
        sort_keys=True,
    )


def test_defaults_train_on_moons_and_the_loss_falls():
    pg = PlaygroundState()
    assert pg.settings == {**DEFAULTS, "hidden": (8, 8)}
    assert pg.model.nin == 2 and pg.model.nouts == [8, 8, 1] and pg.loss == "hinge"
    assert len(pg.points()) == 100
    assert sum(p[3] == "test" for p in pg.points()) == 30
    pg.step(60)
    h = pg.history
    assert pg.steps == 60 and len(h) == 61 and h.step == list(range(61))
    for name in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "batch_loss"):
        assert len(getattr(h, name)) == 61
    assert h.batch_loss[0] is None
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.train_accuracy[-1] > 0.85 and h.test_accuracy[-1] > 0.8


@pytest.mark.parametrize("compile_", [True, False])
def test_history_matches_nn_losses_and_accuracy(compile_):
    pg = PlaygroundState(compile=compile_, hidden=(4,), points=30)
    pg.step(3)
    train = [(x0, x1, label) for x0, x1, label, split in pg.points() if split == "train"]
    outputs = [pg.model([x0, x1]) for x0, x1, _ in train]
    labels = [label for *_, label in train]
    assert pg.history.train_loss[-1] == pytest.approx(
        nn.hinge_loss(outputs, labels).data, rel=1e-12
    )
    X = [[x0, x1] for x0, x1, _ in train]
    assert pg.history.train_accuracy[-1] == nn.accuracy(pg.model, X, labels)


def test_compiled_and_scalar_training_agree():
    a = PlaygroundState(compile=True, batch_size=16, optimizer="adam", l2=0.01, lr=0.05)
    b = PlaygroundState(compile=False, batch_size=16, optimizer="adam", l2=0.01, lr=0.05)
    assert a.compiled and not b.compiled
    a.step(5)
    b.step(5)
    for (name, p), (_, q) in zip(a.model.named_parameters(), b.model.named_parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-9, abs=1e-12), name
    assert a.history.batch_loss[1:] == pytest.approx(b.history.batch_loss[1:], rel=1e-12)


def test_snapshot_is_json_and_its_maps_are_the_models_outputs():
    pg = PlaygroundState(hidden=(3, 2), activation="tanh")
    pg.step(2)
    snap = pg.snapshot(resolution=7)
    json.dumps(snap, allow_nan=False)
    assert snap["step"] == 2 and snap["resolution"] == 7
    assert len(snap["neurons"]) == 2 and [len(layer) for layer in snap["neurons"]] == [3, 2]
    assert len(snap["output"]) == 1 and len(snap["output"][0]) == 7
    for i, j in [(0, 0), (3, 5), (6, 6), (2, 1)]:
        x = [snap["x0"][j], snap["x1"][i]]
        with_values = [Value(v) for v in x]
        h = with_values
        for layer, maps in zip(pg.model.layers[:-1], snap["neurons"]):
            h = layer(h)
            for k, v in enumerate(h):
                assert maps[k][i][j] == pytest.approx(v.data, rel=1e-12, abs=1e-12)
        assert snap["output"][0][i][j] == pytest.approx(pg.model(x).data, rel=1e-12, abs=1e-12)
    assert snap["layers"][0]["weights"][1] == [w.data for w in pg.model.layers[0].neurons[1].w]
    assert snap["layers"][2]["bias_grads"] == [pg.model.layers[2].neurons[0].b.grad]
    assert snap["history"]["train_loss"] == pg.history.train_loss
    assert snap["points"][0] == list(pg.points()[0])


def test_points_added_and_removed():
    pg = PlaygroundState(points=20)
    i = pg.add_point(0.25, -0.5, 1)
    assert i == 20 and pg.points()[i] == (0.25, -0.5, 1, "train")
    assert pg.nearest_point(0.26, -0.49) == i
    pg.step(1)
    assert len(pg.history) == 2
    pg.remove_point(3)
    assert len(pg.points()) == 20 and pg.points()[19] == (0.25, -0.5, 1, "train")
    with pytest.raises(IndexError, match="no point 20"):
        pg.remove_point(20)
    with pytest.raises(ValueError, match="label"):
        pg.add_point(0.0, 0.0, 2)


def test_stepper_shows_the_points_inputs():
    pytest.importorskip("ipywidgets")
    pg = PlaygroundState(hidden=(3,), points=20)
    pg.step(2)
    x0, x1, _, _ = pg.points()[5]
    grads = [p.grad for p in pg.model.parameters()]
    stepper = pg.stepper(5)
    values = {node.label: node.data for node in stepper.order if node.label in ("x0", "x1")}
    assert values == {"x0": x0, "x1": x1}
    assert [p.grad for p in pg.model.parameters()] == grads


def test_example_losses_match_nn():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(12, 1)) * 3
    labels = rng.integers(0, 2, size=12)
    signs = [1.0 if t else -1.0 for t in labels]
    for loss, fn, targets in [
        ("hinge", nn.hinge_loss, labels.tolist()),
        ("bce", nn.bce_with_logits, labels.tolist()),
        ("mse", nn.mse_loss, signs),
    ]:
        got = example_losses(loss, scores, labels)
        for s, t, g in zip(scores[:, 0].tolist(), targets, got.tolist()):
            assert g == pytest.approx(fn([s], [t]).data, rel=1e-12, abs=1e-15), loss
    logits = rng.normal(size=(12, 3)) * 5
    classes = rng.integers(0, 3, size=12)
    got = example_losses("cross_entropy", logits, classes)
    for z, t, g in zip(logits.tolist(), classes.tolist(), got.tolist()):
        assert g == pytest.approx(nn.cross_entropy(z, t).data, rel=1e-12, abs=1e-15)
    assert predictions(np.array([[0.5], [-1.0], [math.nan]]), 0.0).tolist() == [1, 0, -1]


def test_layer_outputs_equal_the_model():
    model = nn.MLP(2, [5, 4, 3], activation="sigmoid", seed=3)
    X = np.random.default_rng(1).normal(size=(9, 2)) * 2
    outs = layer_outputs(model, X)
    for row, out in zip(X.tolist(), outs[-1].tolist()):
        assert out == pytest.approx([v.data for v in model(row)], rel=1e-12, abs=1e-12)


# ---- settings --------------------------------------------------------------------------------

nan = st.just(math.nan)
junk = st.one_of(st.none(), st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=2))


def not_in(choices):
    return st.one_of(st.text(max_size=12).filter(lambda t: t not in choices), st.integers(), st.none())


BAD = {
    "data": not_in(DATASETS),
    "points": st.one_of(st.integers(max_value=3), st.integers(min_value=1001), st.floats(), junk),
    "noise": st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=10.001), nan, junk),
    "test_fraction": st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0), nan, junk),
    "classes": st.one_of(st.integers(max_value=1), st.integers(min_value=7), st.floats(), st.text(max_size=3), st.booleans()),
    "hidden": st.one_of(
        st.integers(),
        st.text(max_size=4),
        st.none(),
        st.lists(st.integers(1, 32), min_size=7, max_size=9),
        st.lists(st.one_of(st.integers(max_value=0), st.integers(min_value=33)), min_size=1, max_size=3),
        st.lists(st.one_of(st.floats(), st.booleans(), st.text(max_size=2)), min_size=1, max_size=2),
    ),
    "activation": not_in(ACTIVATIONS),
    "loss": st.one_of(st.text(max_size=12).filter(lambda t: t not in LOSSES), st.integers()),
    "optimizer": not_in(OPTIMIZERS),
    "lr": st.one_of(st.floats(max_value=0.0), st.floats(min_value=100.001), nan, junk),
    "batch_size": st.one_of(st.integers(max_value=0), st.floats(), st.booleans(), st.text(max_size=3)),
    "l2": st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=100.001), nan, junk),
    "seed": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32), st.floats(), junk),
    "compile": st.one_of(st.integers(), st.floats(), st.none(), st.text(max_size=3)),
}
GOOD = {"lr": 0.05, "hidden": (3,), "data": "circles", "optimizer": "adam", "batch_size": 5,
        "l2": 0.001, "compile": False, "points": 30}

_shared: list[PlaygroundState] = []


def shared_state() -> PlaygroundState:
    if not _shared:
        pg = PlaygroundState(points=40, hidden=(4, 3), batch_size=8, seed=2)
        pg.step(3)
        _shared.append(pg)
    return _shared[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_bad_settings_are_refused_naming_them_and_change_nothing(data):
    key = data.draw(st.sampled_from(sorted(BAD)))
    bad = data.draw(BAD[key])
    pg = shared_state()
    before = state_of(pg)
    good = data.draw(st.sampled_from(sorted(set(GOOD) - {key})))
    with pytest.raises((TypeError, ValueError)) as info:
        pg.update(**{good: GOOD[good], key: bad})  # the good one is not applied either
    assert key in str(info.value)
    assert state_of(pg) == before
    with pytest.raises((TypeError, ValueError)) as info:
        PlaygroundState(**{key: bad})
    assert key in str(info.value)


def test_bad_combinations_and_unknown_settings_change_nothing():
    pg = PlaygroundState(points=30, loss="hinge")
    before = state_of(pg)
    cases = [
        (ValueError, {"data": "spirals"}, "loss='hinge' is for two classes"),
        (ValueError, {"points": 4, "test_fraction": 0.9}, "leaves no training points"),
        (TypeError, {"learning_rate": 0.1}, "unknown setting 'learning_rate'"),
        (ValueError, {"hidden": [8] * 7}, "hidden must be a list of at most 6"),
        (ValueError, {"loss": "bce", "data": "blobs", "classes": 4}, "has 4"),
    ]
    for kind, settings_, message in cases:
        with pytest.raises(kind, match=message):
            pg.update(**settings_)
        assert state_of(pg) == before, settings_
    for bad in (-1, 1.0, True, "1"):
        with pytest.raises((TypeError, ValueError), match="n must be"):
            pg.step(bad)
    assert state_of(pg) == before


def test_what_an_update_rebuilds():
    pg = PlaygroundState(points=40, seed=1)
    pg.step(5)
    weights = pg.model.state_dict()
    model = pg.model
    pg.update(lr=0.05)  # training goes on: same weights, history, optimizer state
    assert pg.model is model and pg.model.state_dict() == weights and pg.steps == 5
    assert pg.optimizer.lr == 0.05
    pg.update(optimizer="adam", l2=0.01, batch_size=4, compile=False)
    assert isinstance(pg.optimizer, nn.Adam) and pg.model.state_dict() == weights
    assert not pg.compiled and len(pg.history) == 6
    pg.step(2)
    assert pg.steps == 7
    pg.update(data="circles")  # new data: fresh weights, history cleared
    assert pg.steps == 0 and len(pg.history) == 1 and pg.model is model
    assert pg.model.state_dict() == nn.MLP(2, [8, 8, 1], seed=1).state_dict()
    pg.update(hidden=[5])  # a new network
    assert pg.model.nouts == [5, 1] and pg.settings["hidden"] == (5,)
    pg.update(data="spirals")  # three classes: cross_entropy, one output per class
    assert pg.loss == "cross_entropy" and pg.model.nouts == [5, 3] and pg.classes == 3
    pg.update(data="blobs", classes=5)
    assert pg.classes == 5 and pg.model.nouts == [5, 5]
    assert sorted({p[2] for p in pg.points()}) == [0, 1, 2, 3, 4]
    pg.update(data="moons")
    assert pg.loss == "hinge" and pg.model.nouts == [5, 1]
    pg.update(loss="cross_entropy")
    assert pg.model.nouts == [5, 2]
    pg.update(loss=None)
    assert pg.loss == "hinge" and pg.model.nouts == [5, 1]


def test_reset_gives_fresh_weights_and_the_same_data():
    pg = PlaygroundState(points=30, batch_size=5, optimizer="momentum")
    points = pg.points()
    start = pg.model.state_dict()
    pg.step(4)
    i = pg.add_point(0.1, 0.2, 0)
    pg.reset()
    assert pg.model.state_dict() == start and pg.steps == 0 and len(pg.history) == 1
    assert pg.points() == [*points, pg.points()[i]]
    assert all(p.grad == 0.0 for p in pg.model.parameters())


def test_the_same_settings_train_the_same_and_only_on_training_points():
    a = PlaygroundState(points=50, batch_size=7, seed=3)
    b = PlaygroundState(points=50, batch_size=7, seed=3)
    seen = []
    real = a._batch_loss
    a._batch_loss = lambda batch: (seen.extend(batch.tolist()), real(batch))[1]
    a.step(12)
    b.step(12)
    assert a.model.state_dict() == b.model.state_dict()
    assert a.history.to_dict() == b.history.to_dict()
    train = [i for i, p in enumerate(a.points()) if p[3] == "train"]
    assert len(train) == 35
    assert sorted(seen[:35]) == train  # an epoch: every training point once (5 batches of 7)
    assert set(seen) == set(train)


def test_a_users_model():
    model = nn.MLP(2, [4, 2], activation="tanh", seed=9)
    pg = PlaygroundState(model, points=30)
    assert pg.model is model and pg.loss == "cross_entropy" and pg.settings["loss"] == "cross_entropy"
    assert pg.settings["hidden"] == (4,) and pg.settings["activation"] == "tanh"
    pg.step(3)
    pg.update(lr=0.2)
    assert pg.model is model
    for bad, message in [
        (nn.MLP(3, [2, 1]), "3 inputs"),
        (nn.MLP(2, [2, 3]), "3 outputs"),
    ]:
        with pytest.raises(ValueError, match=message):
            PlaygroundState(bad)
    with pytest.raises(ValueError, match="needs 1"):
        PlaygroundState(nn.MLP(2, [2, 2]), loss="hinge")
    with pytest.raises(TypeError, match="nn.MLP"):
        PlaygroundState(lambda x: x)


@pytest.mark.parametrize(
    ("loss", "data"), [("hinge", "xor"), ("bce", "moons"), ("mse", "circles"), ("cross_entropy", "spirals")]
)
def test_every_loss_trains_compiled_as_on_the_scalar_engine(loss, data):
    kw = {"loss": loss, "data": data, "points": 40, "hidden": (6,), "batch_size": 10, "l2": 0.001}
    a, b = PlaygroundState(**kw), PlaygroundState(**kw, compile=False)
    a.step(6)
    b.step(6)
    assert a.history.train_loss == pytest.approx(b.history.train_loss, rel=1e-9)
    assert a.history.train_loss[-1] < a.history.train_loss[0]


def test_divergence_stops_before_a_weight_changes():
    pg = PlaygroundState(points=30, lr=100.0, activation="linear", hidden=(8, 8, 8, 8, 8, 8),
                         loss="mse")
    with pytest.raises(nn.TrainingDiverged, match="diverged") as info:
        pg.step(200)
    steps, weights = pg.steps, pg.model.state_dict()
    assert info.value.step == steps
    assert all(math.isfinite(v) for v in weights.values())
    assert len(pg.history) == steps + 1


def test_no_test_points_and_a_point_on_its_own():
    pg = PlaygroundState(points=20, test_fraction=0.0)
    pg.step(2)
    snap = pg.snapshot(resolution=3)
    json.dumps(snap, allow_nan=False)
    assert snap["history"]["test_loss"] == [None] * 3 and snap["metrics"]["test_accuracy"] is None
    assert all(p[3] == "train" for p in pg.points())
    for i in range(19):
        pg.remove_point(0)
    before = state_of(pg)
    with pytest.raises(ValueError, match="last training point"):
        pg.remove_point(0)
    assert state_of(pg) == before
    pg.step(1)  # one point is a batch


def test_snapshot_history_from_and_metrics():
    pg = PlaygroundState(points=20)
    pg.step(4)
    snap = pg.snapshot(resolution=2, history_from=3)
    assert snap["history"]["step"] == [3, 4]
    assert snap["metrics"]["train_loss"] == pg.history.train_loss[-1]
    assert snap["bounds"] == [list(b) for b in pg.bounds]
    assert snap["x0"][0] == pg.bounds[0][0] and snap["x1"][-1] == pg.bounds[1][1]
    for bad in (1, 401, 2.0, True):
        with pytest.raises((TypeError, ValueError), match="resolution"):
            pg.snapshot(resolution=bad)
    with pytest.raises((TypeError, ValueError), match="history_from"):
        pg.snapshot(history_from=-1)


def test_points_checks():
    pg = PlaygroundState(points=20)
    before = state_of(pg)
    for args, kind in [
        ((math.nan, 0.0, 0), ValueError),
        ((0.0, "1", 0), TypeError),
        ((0.0, 0.0, 2), ValueError),
        ((0.0, 0.0, True), TypeError),
        ((0.0, 0.0, 0.0), TypeError),
    ]:
        with pytest.raises(kind):
            pg.add_point(*args)
    for index, kind in [(20, IndexError), (-1, IndexError), (1.0, TypeError), (None, TypeError)]:
        with pytest.raises(kind):
            pg.remove_point(index)
        with pytest.raises(kind):
            pg.stepper(index)
    assert state_of(pg) == before
    x0, x1, *_ = pg.points()[7]
    assert pg.nearest_point(x0, x1) == 7
    with pytest.raises(TypeError):
        pg.nearest_point("a", 0.0)
    # an added point is trained on
    i = pg.add_point(5.0, 5.0, 1)
    seen = []
    real = pg._batch_loss
    pg._batch_loss = lambda batch: (seen.extend(batch.tolist()), real(batch))[1]
    pg.step(1)
    assert i in seen


def test_stepper_of_a_test_point_at_the_current_weights():
    pytest.importorskip("ipywidgets")
    pg = PlaygroundState(data="blobs", points=12, hidden=(2,))
    pg.step(3)
    i = next(k for k, p in enumerate(pg.points()) if p[3] == "test")
    x0, x1, label, _ = pg.points()[i]
    stepper = pg.stepper(i)
    assert f"point #{i} (test)" in repr(stepper.widget.children[0].value)
    loss = pg.example_loss(i)
    assert stepper.root.data == loss.data == pytest.approx(
        nn.cross_entropy(pg.model([x0, x1]), label).data
    )


def test_training_uses_nn_compile_loss_built_once_per_model_loss_and_l2(monkeypatch):
    made, calls = [], []
    real = nn.compile_loss

    def spy(model, loss, l2):
        made.append((model, loss, l2))
        compiled = real(model, loss, l2)
        run = compiled.run
        compiled.run = lambda X, T: (calls.append(len(X)), run(X, T))[1]
        return compiled

    monkeypatch.setattr(nn, "compile_loss", spy)
    pg = PlaygroundState(points=30, batch_size=4)
    assert made == [(pg.model, "hinge", 0.0)] and pg.compiled
    pg.step(3)
    assert calls == [4, 4, 4]
    pg.update(lr=0.3, batch_size=None, optimizer="adam")
    assert len(made) == 1
    pg.update(l2=0.5)
    assert made[-1] == (pg.model, "hinge", 0.5)
    pg.reset()
    pg.update(data="xor")  # the same model and loss: the compiled loss stays
    assert len(made) == 2
    pg.update(loss="bce")
    assert made[-1] == (pg.model, "bce", 0.5)
    pg.update(compile=False)
    pg.step(1)
    assert calls == [4, 4, 4] and not pg.compiled


def test_snapshot_neuron_resolution_and_decimals():
    pg = PlaygroundState(points=20, hidden=(3,))
    pg.step(2)
    full = pg.snapshot(resolution=6)
    assert full["neuron_x0"] == full["x0"] and len(full["neurons"][0][2]) == 6
    small = pg.snapshot(resolution=6, neuron_resolution=3, decimals=3)
    assert len(small["neurons"]) == 1 and len(small["neurons"][0]) == 3
    assert [len(row) for row in small["neurons"][0][1]] == [3, 3, 3]
    assert small["neuron_x0"] == pytest.approx([pg.bounds[0][0], sum(pg.bounds[0]) / 2, pg.bounds[0][1]])
    assert small["output"][0][5][5] == round(full["output"][0][5][5], 3)
    corner = layer_outputs(pg.model, [[pg.bounds[0][1], pg.bounds[1][1]]])[0][0, 1]
    assert small["neurons"][0][1][2][2] == round(corner, 3)
    for bad in (-1, 18, 1.5):
        with pytest.raises((TypeError, ValueError), match="decimals"):
            pg.snapshot(decimals=bad)
    with pytest.raises(ValueError, match="resolution"):
        pg.snapshot(neuron_resolution=1)


def test_the_default_playground_updates_at_least_ten_times_a_second():
    """One update: a training step and a snapshot of every view (the widget's frame). The
    medians of several on a shared machine; typically 50-100 a second compiled."""
    import statistics
    import time

    pg = PlaygroundState()
    assert pg.compiled
    pg.step(1)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        pg.step(1)
        pg.snapshot(40)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.1, times


@st.composite
def valid_settings(draw):
    data = draw(st.sampled_from(DATASETS))
    classes = draw(st.none() | st.integers(2, 5)) if data in ("spirals", "blobs") else None
    k = 2 if data in ("moons", "circles", "xor") else classes or 3
    losses = [None, "cross_entropy"] + (["hinge", "bce", "mse"] if k == 2 else [])
    return {
        "data": data,
        "classes": classes,
        "points": draw(st.integers(max(4, k), 40)),
        "noise": draw(st.floats(0.0, 1.0)),
        "test_fraction": draw(st.sampled_from([0.0, 0.2, 0.5])),
        "hidden": draw(st.lists(st.integers(1, 5), max_size=3)),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "loss": draw(st.sampled_from(losses)),
        "optimizer": draw(st.sampled_from(OPTIMIZERS)),
        "lr": draw(st.sampled_from([0.001, 0.03, 0.3])),
        "batch_size": draw(st.none() | st.integers(1, 12)),
        "l2": draw(st.sampled_from([0.0, 0.01])),
        "seed": draw(st.integers(0, 5)),
        "compile": draw(st.booleans()),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kw=valid_settings(), steps=st.integers(0, 3), resolution=st.integers(2, 5))
def test_any_valid_settings_train_and_snapshot_as_json_matching_the_model(kw, steps, resolution):
    pg = PlaygroundState(**kw)
    try:
        pg.step(steps)
    except nn.TrainingDiverged:
        pass
    assert len(pg.history) == pg.steps + 1
    snap = pg.snapshot(resolution)
    json.dumps(snap, allow_nan=False)
    assert len(snap["output"]) == pg.model.nouts[-1] == (1 if pg.loss in ("hinge", "bce", "mse") else pg.classes)
    assert [len(layer) for layer in snap["neurons"]] == list(pg.settings["hidden"])
    i, j = resolution - 1, 0
    x = [snap["x0"][j], snap["x1"][i]]
    out = pg.model(x)
    outs = [out] if isinstance(out, Value) else out
    for o, v in enumerate(outs):
        assert snap["output"][o][i][j] == pytest.approx(v.data, rel=1e-12, abs=1e-12)
    n_test = sum(p[3] == "test" for p in pg.points())
    assert n_test == round(kw["points"] * kw["test_fraction"])
    assert (snap["metrics"]["test_loss"] is None) == (n_test == 0)
