"""The model behind the training playground (viz.playground_state), headless: settings ->
trained state, history, neuron maps against the model, points, bad settings, the stepper,
snapshots."""

from __future__ import annotations

import json
import math

import pytest

np = pytest.importorskip("numpy")
nn = pytest.importorskip("nn")

from autograd import Value
from viz.playground_state import (
    DEFAULTS,
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
    if not hasattr(nn, "compile_loss"):  # until nn.compile_loss has landed
        pytest.skip("nn.compile_loss is not there yet")
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
