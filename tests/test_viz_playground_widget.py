"""The training playground's widget, without a browser: keywords and controls, the frame the
front-end draws, clicks as the front-end sends them, playing in an asyncio loop without
blocking it, and what is shown where no widget can run. (In JupyterLab and Chromium:
tests/test_lab_playground.py.)"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("anywidget")
np = pytest.importorskip("numpy")

from viz import Playground, playground
from viz import playground_widget as pw

ROOT = Path(__file__).resolve().parent.parent


def floats(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype="<f4")


# ---- keywords and controls -------------------------------------------------------------------


def test_every_control_is_a_keyword_and_shows_it():
    pg = playground(
        data="circles", points=60, noise=0.2, test_fraction=0.25, hidden=(4, 3),
        activation="tanh", loss="bce", optimizer="adam", lr=0.03, batch_size=10, l2=0.001,
        seed=3, compile=False, show="grads", add_label=0,
    )  # fmt: skip
    assert isinstance(pg, Playground)
    s = pg.settings
    assert (s["data"], s["points"], s["hidden"], s["optimizer"]) == ("circles", 60, (4, 3), "adam")
    c = pg.controls
    assert c["data"].value == "circles" and c["points"].value == 60
    assert c["noise"].value == pytest.approx(0.2) and c["test_fraction"].value == 0.25
    assert c["hidden"].value == "4, 3" and c["activation"].value == "tanh"
    assert c["loss"].value == "bce" and c["optimizer"].value == "adam"
    assert c["lr"].value == 0.03 and c["batch_size"].value == 10 and c["l2"].value == 0.001
    assert c["seed"].value == 3 and c["compile"].value is False
    assert pg.show_toggle.value == "grads" and pg.label_toggle.value == 0
    assert pg.model.nouts == [4, 3, 1] and pg.model.activation == "tanh"
    assert len(pg.points()) == 60


def test_a_keyword_value_off_the_lists_is_added_to_them():
    pg = playground(lr=0.07, l2=0.005, batch_size=7, points=700, noise=2.5)
    c = pg.controls
    assert c["lr"].value == 0.07 and c["l2"].value == 0.005 and c["batch_size"].value == 7
    assert c["points"].value == 700 and c["noise"].value == 2.5


@pytest.mark.parametrize(
    ("keywords", "error", "words"),
    [
        ({"speed": 3}, TypeError, "unknown setting 'speed'"),
        ({"learning_rate": 0.1}, TypeError, "unknown setting 'learning_rate'"),
        ({"show": "biases"}, ValueError, "show must be 'weights' or 'grads'"),
        ({"add_label": 2}, ValueError, "add_label must be a class from 0 to 1"),
        ({"add_label": True}, ValueError, "add_label"),
        ({"lr": -1}, ValueError, "lr"),
        ({"data": "swiss roll"}, ValueError, "data"),
        ({"hidden": (8, 0)}, ValueError, "hidden[1]"),
    ],
)
def test_bad_keywords_say_which_and_what(keywords, error, words):
    with pytest.raises(error, match="playground") as caught:
        playground(**keywords)
    assert words in str(caught.value)


def test_settings_that_are_none_show_as_words_and_can_be_chosen_again():
    pg = playground(batch_size=10, loss="bce")
    c = pg.controls
    assert c["classes"].label == "default" and c["classes"].disabled  # moons: two classes
    c["batch_size"].value = "all"
    c["loss"].value = "default"
    assert pg.settings["batch_size"] is None and pg.settings["loss"] is None
    assert c["batch_size"].label == "all" and c["loss"].label == "default (hinge)"
    c["data"].value = "blobs"
    c["classes"].value = 4
    assert pg.state.classes == 4 and not c["classes"].disabled
    c["classes"].value = "default"
    assert pg.settings["classes"] is None and pg.state.classes == 3


def test_update_is_checked_first_and_changes_nothing_on_an_error():
    pg = playground()
    pg.step(3)
    before = (pg.settings, pg.steps, pg.view.frame["step"])
    for bad in ({"lr": 0}, {"show": "x"}, {"add_label": 5}, {"nope": 1}):
        with pytest.raises((TypeError, ValueError)):
            pg.update(**bad)
    assert (pg.settings, pg.steps, pg.view.frame["step"]) == before
    pg.update(data="spirals", add_label=2, show="grads")
    assert pg.state.classes == 3 and pg.add_label == 2 and pg.view.frame["show"] == "grads"
    assert [label for label, _ in pg.label_toggle.options] == ["0", "1", "2"]
    pg.update(data="moons")  # two classes again: the chosen class follows
    assert pg.add_label == 1


def test_changing_a_control_changes_the_state():
    pg = playground()
    pg.controls["lr"].value = 0.3
    assert pg.settings["lr"] == 0.3
    pg.controls["hidden"].value = "4, 4, 2"
    assert pg.model.nouts == [4, 4, 2, 1]
    assert pg.view.frame["sizes"] == [2, 4, 4, 2, 1]
    pg.controls["hidden"].value = ""
    assert pg.model.nouts == [1]  # no hidden layer: a linear classifier
    pg.controls["data"].value = "blobs"
    assert pg.state.classes == 3 and pg.view.frame["outputs"] == 3
    assert pg.controls["loss"]._options_labels == (
        "default (cross_entropy)",
        "hinge",
        "bce",
        "mse",
        "cross_entropy",
    )  # what the dropdown shows


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("hidden", "8, eight", "hidden layers must be widths"),
        ("hidden", "8, 99", "hidden[1]"),
        ("loss", "bce", "is for two classes"),  # on blobs (three classes)
    ],
)
def test_a_bad_control_value_is_refused_shown_and_put_back(name, value, words):
    pg = playground(data="blobs") if name == "loss" else playground()
    settings = pg.settings
    pg.controls[name].value = value
    assert pg.settings == settings
    assert words in pg.status.value
    shown = pg.controls[name].value
    assert shown == (", ".join(map(str, settings["hidden"])) if name == "hidden" else "default")


# ---- the frame ---------------------------------------------------------------------------------


def test_the_frame_holds_the_states_numbers():
    pg = playground(hidden=(3, 5), seed=1)
    pg.step(5)
    f = pg.view.frame
    res, nres = pw.RESOLUTION, pw.NEURON_RESOLUTION
    _, _, outs = pg.state.grid(res)
    _, _, small = pg.state.grid(nres)
    assert f["step"] == 5 and f["sizes"] == [2, 3, 5, 1] and f["outputs"] == 1
    output = floats(f["output"])
    assert output.shape == (res * res,)
    np.testing.assert_allclose(output, outs[-1].ravel(), rtol=1e-6, atol=1e-6)
    neurons = floats(f["neurons"])
    assert neurons.shape == ((3 + 5) * nres * nres,)
    # neuron k of layer 1 is the (3 + k)th grid; [i, j] at (x0[j], x1[i])
    second = neurons[(3 + 2) * nres * nres : (3 + 3) * nres * nres].reshape(nres, nres)
    np.testing.assert_allclose(second, small[1][:, :, 2], rtol=1e-6, atol=1e-6)
    (a0, b0), (a1, b1) = pg.state.bounds
    assert f["bounds"] == [a0, b0, a1, b1]
    first = pg.model.layers[0].neurons[1]
    assert f["weights"][0][1] == [first.w[0].data, first.w[1].data, first.b.data]
    assert f["grads"][0][1] == [first.w[0].grad, first.w[1].grad, first.b.grad]
    assert f["points"][0][:3] == list(pg.points()[0][:3])
    assert {p[3] for p in f["points"]} == {0, 1}  # train and test
    h = f["history"]
    np.testing.assert_array_equal(floats(h["steps"]), np.arange(6))
    np.testing.assert_allclose(floats(h["train_loss"]), pg.history.train_loss, rtol=1e-6)
    np.testing.assert_allclose(
        floats(h["test_acc"]), [100 * a for a in pg.history.test_accuracy], rtol=1e-6
    )


def test_a_long_history_is_thinned_keeping_the_first_and_the_last_step():
    pg = playground(points=20)
    pg.step(pw.HISTORY_POINTS + 150)
    steps = floats(pg.view.frame["history"]["steps"])
    assert len(steps) <= pw.HISTORY_POINTS
    assert steps[0] == 0 and steps[-1] == pg.steps
    assert list(steps) == sorted(set(steps))


def test_no_test_points_and_several_outputs():
    pg = playground(data="spirals", test_fraction=0.0, hidden=(6,))
    f = pg.view.frame
    assert f["outputs"] == 3 and len(floats(f["output"])) == pw.RESOLUTION**2 * 3
    assert np.isnan(floats(f["history"]["test_loss"])).all()  # None -> nan
    assert {p[3] for p in f["points"]} == {0}


# ---- scripting and clicks ------------------------------------------------------------------


def test_step_add_remove_and_the_views_follow():
    pg = playground()
    pg.step(4)
    assert pg.steps == 4 and len(pg.history.step) == 5 and pg.view.frame["step"] == 4
    index = pg.add_point(0.25, -0.5, 0)
    assert index == 100 and pg.points()[index] == (0.25, -0.5, 0, "train")
    assert pg.view.frame["points"][index] == [0.25, -0.5, 0, 0]
    pg.remove_point(0)
    assert len(pg.points()) == 100 and pg.points()[99] == (0.25, -0.5, 0, "train")
    with pytest.raises(IndexError, match="no point 100"):
        pg.remove_point(100)


def test_clicks_from_the_front_end():
    pg = playground(add_label=0)
    message = pg._on_message
    message(pg.view, {"kind": "add", "x0": 0.5, "x1": 0.75}, [])
    assert pg.points()[-1] == (0.5, 0.75, 0, "train")
    pg.label_toggle.value = 1
    message(pg.view, {"kind": "add", "x0": -0.5, "x1": 0.25}, [])
    assert pg.points()[-1] == (-0.5, 0.25, 1, "train") and len(pg.points()) == 102
    message(pg.view, {"kind": "remove", "x0": 0.49, "x1": 0.76}, [])  # the nearest goes
    assert len(pg.points()) == 101 and (0.5, 0.75, 0, "train") not in pg.points()
    message(pg.view, {"kind": "pick", "index": 7}, [])
    x0, x1, label, _ = pg.points()[7]
    assert pg.selected == 7 and pg.view.frame["selected"] == 7
    assert pg.side.layout.display == "flex"
    bar, stepper_widget = pg.side.children
    assert stepper_widget is pg.stepper_shown.widget
    assert bar.children[0] is pg.close_side and "example <b>7</b>" in bar.children[1].value
    title = pg.stepper_shown.widget.children[0].value  # the stepper's own title
    assert f"x0 = {x0:.4g}, x1 = {x1:.4g}, class {label}" in title
    # removing an earlier point keeps the ring on the same example
    pg.remove_point(2)
    assert pg.selected == 6 and pg.view.frame["selected"] == 6
    pg.remove_point(6)
    assert pg.selected == -1 and pg.side.layout.display == "none"
    # nonsense from the front-end: a message on the status line, nothing else
    before = pg.points()
    message(pg.view, {"kind": "pick", "index": "seven"}, [])
    message(pg.view, {"kind": "add", "x0": "a", "x1": 0}, [])
    message(pg.view, {"kind": "remove", "x0": None, "x1": 0}, [])
    message(pg.view, "hello", [])
    assert pg.points() == before and "playground:" in pg.status.value


def test_stepper_is_the_examples_collapsed_stepper():
    pg = playground()
    pg.step(2)
    stepper = pg.stepper(3)
    assert "layers.0.neurons.0" in stepper.text.value  # one row (and box) per neuron
    assert len(stepper) < 80  # one step per neuron, not per node
    leaves = {v.label: v.data for v in stepper.order if v.label in ("x0", "x1")}
    assert (leaves["x0"], leaves["x1"]) == pg.points()[3][:2]
    assert pg.selected == -1  # stepper() only builds it; pick() opens it


# ---- playing -----------------------------------------------------------------------------------


def test_play_trains_without_blocking_the_loop_and_pause_stops_it():
    pg = playground()

    async def scenario() -> tuple[int, int, int, int]:
        ticks = 0

        async def other() -> None:  # another cell's work, or a click, on the same loop
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        beside = asyncio.get_running_loop().create_task(other())
        pg.play()
        assert pg.playing and pg.play_button.disabled and not pg.pause_button.disabled
        pg.play()  # a second play does nothing
        await asyncio.sleep(1.0)
        pg.pause()
        steps, frames, ticked = pg.steps, pg.view.frame["step"], ticks
        await asyncio.sleep(0.3)
        beside.cancel()
        return steps, frames, ticked, pg.steps

    steps, shown, ticks, later = asyncio.run(scenario())
    assert steps > 10 and shown > 0 and later == steps  # paused: no more steps
    assert ticks > 20  # the other task ran all along
    assert not pg.playing and not pg.play_button.disabled and pg.pause_button.disabled
    assert pg.updates_per_second > 5  # the browser measures the real rate (>= 10)
    assert "updates/s" in pg.status.value


def test_it_pauses_when_its_last_view_goes():
    pg = playground()

    async def scenario() -> None:
        pg.widget._view_count = 1  # the front-end shows it (JupyterLab sets this)
        pg.play()
        await asyncio.sleep(0.2)
        pg.widget._view_count = 2
        assert pg.playing
        pg.widget._view_count = 0  # its output cleared, or its cell run again
        assert not pg.playing

    asyncio.run(scenario())


def test_play_needs_a_running_loop():
    with pytest.raises(RuntimeError, match="running event loop"):
        playground().play()


def test_a_diverging_step_stops_play_and_says_why(monkeypatch):
    pg = playground()

    def diverge(n: int = 1) -> None:
        raise ValueError("playground: training diverged at step 0: the loss is inf")

    monkeypatch.setattr(pg.state, "step", diverge)

    async def scenario() -> None:
        pg.play()
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert not pg.playing and "training stopped" in pg.status.value
    assert "diverged" in pg.status.value


def test_picking_pauses():
    pg = playground()

    async def scenario() -> None:
        pg.play()
        await asyncio.sleep(0.2)
        pg._on_message(pg.view, {"kind": "pick", "index": 0}, [])
        assert not pg.playing

    asyncio.run(scenario())
    assert pg.selected == 0


# ---- showing ------------------------------------------------------------------------------------


def test_the_output_is_the_widget_then_a_still_then_words():
    pg = playground()
    pg.step(3)
    data, metadata = pg._repr_mimebundle_()
    assert next(iter(data)) == pw.WIDGET_MIME
    assert data[pw.WIDGET_MIME]["model_id"] == pg.widget.model_id
    assert "still of the training playground (step 3)" in data["text/plain"]
    assert data["text/plain"].startswith("Playground(moons, 100 points, 2 -> 8 -> 8 -> 1")
    if "image/png" in data:  # plot_playground has landed
        raw = base64.b64decode(data["image/png"])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        assert metadata["image/png"]["width"] > 300


def test_without_anywidget_a_still_and_a_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "anywidget", None)  # import anywidget -> ImportError
    pg = playground(hidden=(4,))
    assert pg.widget is None and "anywidget is not installed" in pg.missing
    pg.step(5)  # training from code works
    index = pg.add_point(0.0, 0.0, 1)
    pg.remove_point(index)
    assert pg.steps == 5
    data, _ = pg._repr_mimebundle_()
    assert pw.WIDGET_MIME not in data
    assert "anywidget is not installed" in data["text/plain"]
    with pytest.raises(RuntimeError, match="running event loop"):
        pg.play()


def test_the_front_end_is_an_es_module_and_the_package_ships_it():
    view = pw._view_class()
    assert "export default" in view._esm and "sgToPixel" in view._esm
    assert 'viz = ["playground.js"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_import_viz_does_not_import_the_widget_libraries():
    code = (
        "import sys, viz; viz.playground; "
        "print(' '.join(m for m in ('anywidget', 'ipywidgets', 'asyncio', 'numpy') "
        "if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == []
