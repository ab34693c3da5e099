"""viz.draw_network, plot_history, plot_decision_boundary and write_demo_pictures."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib")
nn = pytest.importorskip("nn")

from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import autograd
from nn.datasets import make_blobs, make_moons
from viz import (
    draw_network,
    plot_decision_boundary,
    plot_history,
    write_demo_pictures,
)
from viz.demo import pick_example
from viz.plots import NEGATIVE, POSITIVE, plot_neuron_maps, plot_playground

SVG = "{http://www.w3.org/2000/svg}"


def small_model():
    model = nn.MLP(2, [3, 1], seed=1)
    model.layers[0].neurons[0].w[0].data = 2.0  # the largest weight
    model.layers[0].neurons[0].w[1].data = -1.0
    return model


def weight_lines(ax):
    """[(segment, linewidth, hex colour)] of the network's weights (one LineCollection)."""
    [lines] = [c for c in ax.collections if c.get_label() in ("weights", "grads")]
    segments = lines.get_segments()
    widths = list(lines.get_linewidths())
    colours = [to_hex(c, keep_alpha=False) for c in lines.get_colors()]
    assert len(widths) == len(colours) == len(segments)
    return list(zip(segments, widths, colours))


def test_draw_network_one_line_per_weight_coloured_by_sign():
    model = small_model()
    fig = draw_network(model)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = weight_lines(ax)
    assert len(lines) == 2 * 3 + 3 * 1  # one per weight
    widest = max(lines, key=lambda line: line[1])
    assert widest[1] == pytest.approx(0.25 + 3.5)
    assert widest[2] == POSITIVE
    assert widest[0].tolist() == [[0, 0.5], [1, 1.0]]  # x0 to neuron 0 (the top)
    w01 = [line for line in lines if line[1] == pytest.approx(0.25 + 3.5 * 0.5)]
    assert w01 and w01[0][2] == NEGATIVE
    assert "weights" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "input\n2",
        "layers.0\n3 relu",  # the names draw_graph's pictures use
        "layers.1\n1 linear",
    ]
    # inputs named, neurons numbered 0, 1, 2 from the top (as draw_graph orders them)
    at = {(t.get_text(), t.get_position()[0]): t.get_position()[1] for t in ax.texts}
    assert at[("x0", -0.09)] > at[("x1", -0.09)]
    assert at[("0", 1)] > at[("1", 1)] > at[("2", 1)] and ("0", 2) in at
    assert len(ax.collections) == 1 + 3  # the lines; a column of circles per layer and inputs


def test_draw_network_grads():
    model = small_model()
    out = model([1.0, 1.0])
    out.backward()
    fig = draw_network(model, show="grads")
    assert "gradients" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="show"):
        draw_network(model, show="biases")
    with pytest.raises(TypeError, match="MLP"):
        draw_network(object())


def test_plot_history():
    history = nn.train.History(
        epoch_loss=[1.0, 0.5, 0.25],
        epoch_accuracy=[0.5, 0.75, 1.0],
        step_loss=[1.2, 0.8, 0.6, 0.4, 0.3, 0.2],
    )
    fig = plot_history(history)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    assert "0.25" in loss_ax.get_title()
    assert acc_ax.get_ylabel() == "accuracy (%)" and "100.0%" in acc_ax.get_title()
    mean = next(ln for ln in loss_ax.get_lines() if ln.get_label() == "epoch mean")
    assert list(mean.get_ydata()) == [1.0, 0.5, 0.25]
    steps = next(ln for ln in loss_ax.get_lines() if ln.get_label() == "each step")
    assert list(steps.get_xdata()) == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert len(plot_history({"loss": [3.0, 2.0]}).axes) == 1  # no accuracy: one panel
    with pytest.raises(ValueError, match="no losses"):
        plot_history(nn.train.History())


def test_plot_history_zero_losses_on_a_symlog_axis_and_whole_epochs():
    # a hinge loss: some steps are exactly 0, the others span 0.004 .. 1
    steps = [1.0, 0.5, 0.0, 0.2, 0.1, 0.0, 0.03, 0.0, 0.004, 0.0, 0.01, 0.0]
    loss = [0.75, 0.1, 0.015, 0.002, 0.005, 0.005]
    fig = plot_history({"epoch_loss": loss, "step_loss": steps, "epoch_accuracy": [0.5] * 6})
    ax = fig.axes[0]
    assert ax.get_yscale() == "symlog"
    assert ax.yaxis.get_transform().linthresh == pytest.approx(0.001)  # below the least loss
    assert ax.get_ylim()[0] == 0.0  # the zero steps sit on the axis
    assert ax.get_ylabel() == "loss (log scale above 0.001)"
    for axis in fig.axes:
        ticks = [t for t in axis.get_xticks() if 0 <= t <= 6]
        assert len(ticks) >= 3 and all(t == int(t) for t in ticks), ticks  # whole epochs
    # all positive and spanning more than 30x: a plain log scale; a narrow range: linear
    wide = plot_history({"loss": [1.0, 0.1, 0.01]}).axes[0]
    assert wide.get_yscale() == "log" and wide.get_ylabel() == "loss (log scale)"
    narrow = plot_history({"loss": [1.0, 0.5, 0.0]}).axes[0]
    assert narrow.get_yscale() == "linear" and narrow.get_ylabel() == "loss"


def test_plot_decision_boundary_uses_no_grad_and_labels_axes(monkeypatch):
    X, y = make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    recorded = []
    real_init = autograd.Value.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        recorded.append(bool(self.parents))

    monkeypatch.setattr(autograd.Value, "__init__", spy)
    fig = plot_decision_boundary(model, X, y)
    monkeypatch.undo()
    assert recorded and not any(recorded)  # under no_grad: no node recorded a parent
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x0" and ax.get_ylabel() == "x1"
    assert ax.get_title().startswith("decision boundary (training accuracy")
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"class 0", "class 1"}
    assert len(fig.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match="shape"):
        plot_decision_boundary(model, X[:, :1], y)


def test_plot_decision_boundary_rings_one_example():
    X, y = make_moons(20, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    ax = plot_decision_boundary(model, X, y, resolution=10, highlight=7).axes[0]
    [ring] = [c for c in ax.collections if c.get_label() == "example #7"]
    assert ring.get_offsets().tolist() == [[X[7, 0], X[7, 1]]]
    assert "example #7" in {t.get_text() for t in ax.get_legend().get_texts()}
    for bad in (20, -1, True, 1.5):
        with pytest.raises(ValueError, match="highlight"):
            plot_decision_boundary(model, X, y, resolution=10, highlight=bad)


def test_plot_decision_boundary_several_classes():
    X, y = make_blobs(30, seed=0)
    k = int(max(y)) + 1
    model = nn.MLP(2, [4, k], seed=0)
    fig = plot_decision_boundary(model, X, y, resolution=20)
    assert len(fig.axes) == 1 and "accuracy" in fig.axes[0].get_title()


def test_write_demo_pictures(tmp_path):
    X, y = make_moons(30, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    history = nn.fit(model, X, y, epochs=2, progress=False, seed=0)
    grads = [p.grad for p in model.parameters()]
    paths = write_demo_pictures(model, X, y, history, tmp_path / "out")
    assert [p.name for p in paths] == [
        "graph.svg",
        "steps.html",
        "network.svg",
        "loss.png",
        "boundary.png",
    ]
    for p in paths:
        assert p.stat().st_size > 1000, p
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    graph = (tmp_path / "out" / "graph.svg").read_text()
    assert graph.count("(relu)</text>") == 32 and ">loss</text>" in graph
    # the example drawn is the one with the largest loss, and the title says which
    losses = [
        max(0.0, 1.0 - (1 if t else -1) * model([float(v) for v in x]).data) for x, t in zip(X, y)
    ]
    k = losses.index(max(losses))
    assert max(losses) > 0.1
    assert f"one example (#{k}, loss {max(losses):.4g})" in graph
    texts = ["".join(t.itertext()) for t in ET.fromstring(graph).iter(f"{SVG}text")]
    shown = [float(t.removeprefix("grad ")) for t in texts if t.startswith("grad ")]
    assert len(shown) > 32 and sum(g != 0.0 for g in shown) > len(shown) / 2  # gradients flow
    steps = (tmp_path / "out" / "steps.html").read_text()
    assert "forward" in steps and "backward" in steps
    # the same example's loss, collapsed as in graph.svg, and the title says what the loss is
    assert f"example #{k}: loss = max(0, 1 - y * out) (hinge loss; y = -1 or +1" in steps
    assert f"= {max(losses):.4g}, forward and backward, one box per neuron" in steps
    assert 'id="m0"' in steps and "layers.1.neurons.15" in steps
    assert "layers.0.neurons.0.w.0</" not in steps  # no weight drawn as its own node
    final = re.findall(r'id="t\d+-grad">([^<]*)<', steps)  # the table at the last step
    assert final and all(g not in ("0", "?") for g in final)  # a gradient reached every node
    assert (tmp_path / "out" / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "out" / "network.svg").read_text()
    assert [p.grad for p in model.parameters()] == grads  # left as they were


def test_pick_example_largest_loss_then_smallest_margin():
    model = nn.MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, 0.0  # out = x0
    # hinge losses relu(1 - y * x0): 0, 0.5, 2.5, 0.5 (labels 0/1 mean y = -1/+1)
    X, y = [[2.0, 0.0], [0.5, 0.0], [1.5, 0.0], [-0.5, 0.0]], [1, 1, 0, 0]
    assert pick_example(model, X, y) == 2
    # every loss 0: the example nearest the boundary (smallest margin y * x0 = 5)
    X, y = [[10.0, 0.0], [5.0, 0.0], [-7.0, 0.0], [5.0, 1.0]], [1, 1, 0, 1]
    assert pick_example(model, X, y) == 1  # the first of the two with margin 5
    # several outputs: the largest cross-entropy
    Xb, yb = make_blobs(12, seed=0)
    model = nn.MLP(2, [4, 3], seed=0)
    losses = [nn.cross_entropy(model(list(map(float, x))), int(t)).data for x, t in zip(Xb, yb)]
    assert pick_example(model, Xb, yb) == losses.index(max(losses))


def test_the_demo_uses_nn_losses_not_a_copy():
    """One example's loss in the pictures is the loss the demo trained with (nn's own
    hinge_loss / cross_entropy), not a copy of the formula."""
    from viz import demo

    assert demo.hinge_loss is nn.hinge_loss and demo.cross_entropy is nn.cross_entropy
    model = nn.MLP(2, [3, 1], seed=2)
    X, y = make_moons(6, noise=0.1, seed=1)
    for x, t in zip(X, y):
        loss = demo.example_loss(model, x, t)
        assert loss.data == nn.hinge_loss([model(list(map(float, x)))], [t]).data
        assert loss.label == "loss"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def three_figures():
    model = small_model()
    X, y = make_moons(12, noise=0.1, seed=0)
    return {
        "draw_network": draw_network(model),
        "plot_history": plot_history({"loss": [1.0, 0.5]}),
        "plot_decision_boundary": plot_decision_boundary(model, X, y, resolution=8),
        "plot_neuron_maps": plot_neuron_maps(model, X, y, resolution=6),
    }


def test_figures_display_as_png_without_pyplot(tmp_path):
    """IPython's display formatter (what a cell's last expression goes through) turns each
    figure into a PNG of the figure's size, with no pyplot or %matplotlib inline: the
    figures are not even known to pyplot. savefig still works."""
    formatters = pytest.importorskip("IPython.core.formatters")
    import matplotlib.pyplot as plt

    for name, fig in three_figures().items():
        assert fig not in [plt.figure(n) for n in plt.get_fignums()], name
        data, _metadata = formatters.DisplayFormatter().format(fig)
        assert set(data) == {"text/plain", "image/png"}, name  # one picture, no SVG copy
        assert data["text/plain"].startswith("<InlineFigure size")
        width, height = png_size(data["image/png"])
        assert (width, height) == (
            round(fig.get_figwidth() * fig.dpi),
            round(fig.get_figheight() * fig.dpi),
        ), name
        fig.savefig(tmp_path / f"{name}.png")
        assert png_size((tmp_path / f"{name}.png").read_bytes()) == (width, height)
    plt.close("all")


def test_a_registered_figure_formatter_wins_so_the_figure_shows_once():
    """With %matplotlib inline, IPython has a PNG printer registered for Figure; it is used
    instead of _repr_png_ (not as well): still one image/png."""
    formatters = pytest.importorskip("IPython.core.formatters")
    display = formatters.DisplayFormatter()
    display.formatters["image/png"].for_type(Figure, lambda fig: b"\x89PNG inline")
    data, _ = display.format(plot_history({"loss": [1.0, 0.5]}))
    assert data["image/png"] == b"\x89PNG inline"


def maps_by_name(fig):
    return {ax.get_label(): ax for ax in fig.axes if ".neurons." in ax.get_label()}


def images_by_name(fig):
    return {im.get_label(): im for ax in fig.axes for im in ax.images
            if ".neurons." in im.get_label()}


def test_plot_neuron_maps_one_map_per_neuron_showing_its_output():
    model = nn.MLP(2, [3, 2, 1], activation="tanh", seed=4)
    bounds = ((-1.0, 2.0), (-2.0, 1.0))
    fig = plot_neuron_maps(model, bounds=bounds, resolution=5)
    assert isinstance(fig, Figure)
    maps = maps_by_name(fig)
    assert sorted(maps) == sorted(
        [f"layers.0.neurons.{j}" for j in range(3)]
        + [f"layers.1.neurons.{j}" for j in range(2)]
        + ["layers.2.neurons.0"]
    )
    xs = [-1.0 + 0.75 * k for k in range(5)]
    ys = [-2.0 + 0.75 * k for k in range(5)]
    for i, j in [(0, 0), (4, 4), (1, 3), (3, 0)]:
        h = [autograd.Value(xs[j]), autograd.Value(ys[i])]
        for c, layer in enumerate(model.layers):
            h = layer(h)
            for k, v in enumerate(h):
                image = maps[f"layers.{c}.neurons.{k}"].images[0]
                assert image.get_array()[i, j] == pytest.approx(v.data, rel=1e-12, abs=1e-12)
    # neuron 0 at the top of its column, the columns left to right by layer
    top = {name: ax.get_position().y1 for name, ax in maps.items()}
    assert top["layers.0.neurons.0"] > top["layers.0.neurons.1"] > top["layers.0.neurons.2"]
    left = {name: ax.get_position().x0 for name, ax in maps.items()}
    assert left["layers.0.neurons.0"] < left["layers.1.neurons.0"] < left["layers.2.neurons.0"]
    assert maps["layers.0.neurons.0"].get_title() == "layers.0\ntanh (hidden)"
    assert maps["layers.2.neurons.0"].get_title() == "layers.2\nlinear (output)"
    assert len(maps_by_name(plot_neuron_maps(model, output=False, resolution=3))) == 5
    layer = nn.Layer(2, 4, activation="sigmoid", seed=1)  # one layer on its own
    maps = maps_by_name(plot_neuron_maps(layer, resolution=3))
    assert sorted(maps) == [f"layer 1.neurons.{j}" for j in range(4)]


def test_plot_neuron_maps_draws_the_points_on_each_map_and_checks_its_arguments():
    X, y = make_moons(15, noise=0.1, seed=0)
    model = nn.MLP(2, [2, 1], seed=0)
    maps = maps_by_name(plot_neuron_maps(model, X, y, resolution=4))
    for ax in maps.values():
        [points] = ax.collections[-1:]
        assert points.get_offsets().tolist() == X.tolist()
        x0, x1 = ax.get_xlim()
        assert x0 < X[:, 0].min() and x1 > X[:, 0].max()
    with pytest.raises(ValueError, match="2 inputs"):
        plot_neuron_maps(nn.MLP(3, [2, 1]))
    with pytest.raises(ValueError, match="resolution"):
        plot_neuron_maps(model, resolution=1)
    with pytest.raises(ValueError, match="bounds"):
        plot_neuron_maps(model, bounds=((1.0, 0.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match="shape"):
        plot_neuron_maps(model, X[:, :1])
    with pytest.raises(ValueError, match="no hidden layer"):
        plot_neuron_maps(nn.MLP(2, [1]), output=False)
    with pytest.raises(TypeError, match="MLP"):
        plot_neuron_maps(object())


def test_plot_playground_has_every_view():
    from viz.playground_state import PlaygroundState

    pg = PlaygroundState(points=40, hidden=(3, 2), seed=1)
    pg.step(4)
    fig = plot_playground(pg, resolution=12)
    axes = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    [boundary] = [ax for title, ax in axes.items() if title.startswith("step 4: decision")]
    labels = {t.get_text() for t in boundary.get_legend().get_texts()}
    assert labels == {"class 0", "class 1", "hollow: test"}
    shown = sum(len(c.get_offsets()) for c in boundary.collections if "class" in c.get_label())
    assert shown == 40
    [loss] = [ax for title, ax in axes.items() if title.startswith("loss")]
    lines = {ln.get_label(): ln for ln in loss.get_lines()}
    assert list(lines["train"].get_ydata()) == pg.history.train_loss
    assert list(lines["test"].get_ydata()) == pg.history.test_loss
    assert list(lines["train"].get_xdata()) == [0, 1, 2, 3, 4]
    [accuracy] = [ax for title, ax in axes.items() if title.startswith("accuracy")]
    assert len(accuracy.get_lines()) == 2
    maps = images_by_name(fig)
    assert sorted(maps) == sorted(
        [f"layers.0.neurons.{j}" for j in range(3)]
        + [f"layers.1.neurons.{j}" for j in range(2)]
        + ["layers.2.neurons.0"]
    )
    _, _, outs = pg.grid(24)  # each map is its neuron's output over the plane
    for c, h in enumerate(outs):
        for j in range(h.shape[2]):
            assert maps[f"layers.{c}.neurons.{j}"].get_array().tolist() == h[:, :, j].tolist()
    top = {name: im.get_extent()[3] for name, im in maps.items()}
    assert top["layers.0.neurons.0"] > top["layers.0.neurons.1"] > top["layers.0.neurons.2"]
    left = {name: im.get_extent()[0] for name, im in maps.items()}
    assert left["layers.0.neurons.0"] < left["layers.1.neurons.0"] < left["layers.2.neurons.0"]
    [network] = [ax for title, ax in axes.items() if title.startswith("weights")]
    assert len(weight_lines(network)) == 2 * 3 + 3 * 2 + 2
    grads = plot_playground(pg, resolution=4, show="grads")
    assert any(ax.get_title().startswith("gradients") for ax in grads.axes)
    with pytest.raises(ValueError, match="show"):
        plot_playground(pg, show="biases")
    with pytest.raises(TypeError, match="PlaygroundState"):
        plot_playground(nn.MLP(2, [1]))


# ---- the colours say the predicted class; the still is quick; step 0 shows a point -------


def line_model(bias, output_activation=None):
    """output = x0 + bias (through a sigmoid if asked): the boundary is x0 = -bias."""
    kw = {} if output_activation is None else {"output_activation": output_activation}
    model = nn.MLP(2, [1], seed=0, **kw)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, bias
    return model


def image_sides(ax, threshold):
    """For each pixel of the boundary's image: (is its colour the class-1 side's (bluer than
    red), is it the class-0 side's (redder than blue), the output there)."""
    [image] = ax.images
    values = image.get_array()
    rgba = image.to_rgba(values)
    return rgba[..., 2] > rgba[..., 0], rgba[..., 0] > rgba[..., 2], values


@pytest.mark.parametrize("bias", [0.5, 5.0, -9.0, 3.5])
def test_the_boundary_colour_is_the_predicted_class_on_a_scale_centred_on_the_threshold(bias):
    """Red (class 0's colour) exactly where the output is at or below the threshold, blue
    (class 1's) where it is above, white on it: also when every output is on one side
    (before: a scale from the lowest to the highest output coloured the lowest red even
    when all of them predicted class 1)."""
    X = [[-1.0, 0.0], [3.0, 1.0], [0.5, -1.0]]
    fig = plot_decision_boundary(line_model(bias), X, [0, 1, 1], resolution=30)
    ax = fig.axes[0]
    blue, red, values = image_sides(ax, 0.0)
    assert (blue == (values > 0)).all() and (red == (values < 0)).all()
    if bias > 1.25 or bias < -3.25:  # every output on one side: one colour
        assert blue.all() or red.all()
    [image] = ax.images
    assert image.norm(0.0) == pytest.approx(0.5)  # white at the threshold
    assert to_hex(image.cmap(0.0)) == NEGATIVE == "#dc2626"  # the points' class colours
    assert to_hex(image.cmap(1.0)) == POSITIVE == "#2563eb"
    colours = {c.get_label(): to_hex(c.get_facecolor()[0]) for c in ax.collections
               if c.get_label().startswith("class")}
    assert colours == {"class 0": NEGATIVE, "class 1": POSITIVE}


def test_after_a_sigmoid_the_colours_turn_at_one_half():
    X = [[-1.0, 0.0], [3.0, 1.0]]
    for bias in (0.3, 4.0):
        ax = plot_decision_boundary(line_model(bias, "sigmoid"), X, [0, 1], resolution=20).axes[0]
        blue, red, values = image_sides(ax, 0.5)
        assert (blue == (values > 0.5)).all() and (red == (values < 0.5)).all()
        assert ax.images[0].norm(0.5) == pytest.approx(0.5)


def test_several_classes_each_pixel_in_the_colour_of_the_highest_output():
    from matplotlib.colors import to_rgb

    X, y = make_blobs(30, seed=0)
    model = nn.MLP(2, [4, 3], seed=2)
    ax = plot_decision_boundary(model, X, y, resolution=15).axes[0]
    [image] = ax.images
    rgb = image.get_array()[..., :3]
    xs, ys = np.linspace(*ax.get_xlim(), 15), np.linspace(*ax.get_ylim(), 15)
    from viz.plots import layer_outputs

    grid = np.array([[x0, x1] for x1 in ys for x0 in xs])
    best = layer_outputs(model, grid)[-1].argmax(axis=1).reshape(15, 15)
    palette = np.array([to_rgb(c) for c in ("#dc2626", "#2563eb", "#16a34a")])
    assert np.allclose(rgb, palette[best])
    assert len(set(best.ravel().tolist())) >= 2  # more than one class is shown


def test_plot_playground_at_step_0_one_colour_a_point_on_each_curve_and_whole_steps():
    from viz.playground_state import PlaygroundState

    pg = PlaygroundState()  # the default playground: at step 0 every output is > 0
    fig = plot_playground(pg, resolution=20)
    axes = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    [boundary] = [ax for title, ax in axes.items() if title.startswith("step 0: decision")]
    blue, red, values = image_sides(boundary, 0.0)
    assert (values > 0).all() and blue.all() and not red.any()
    for title in ("loss", "accuracy"):
        [ax] = [ax for t, ax in axes.items() if t.startswith(title)]
        [train] = [ln for ln in ax.get_lines() if ln.get_label() == "train"]
        assert list(train.get_xdata()) == [0] and train.get_marker() == "o"
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert 0 in ticks and all(float(t).is_integer() for t in ticks), ticks
        assert low < 0 < high and high - low >= 1


def test_plot_playground_is_laid_out_by_hand_in_few_axes():
    """Quick to draw (it is drawn each time the playground is displayed): no layout engine
    (constrained layout measured every text twice), one axes for all the neuron maps
    (before: one per neuron, 22 axes for the default); well under a second."""
    import io
    import time

    from viz.playground_state import PlaygroundState

    pg = PlaygroundState()
    pg.step(3)
    start = time.perf_counter()
    fig = plot_playground(pg)
    fig.savefig(io.BytesIO(), format="png", dpi=80)
    seconds = time.perf_counter() - start
    assert fig.get_layout_engine() is None
    assert len(fig.axes) <= 6  # boundary, colour bar, loss, accuracy, maps, network
    assert seconds < 3.0  # about 0.5 s alone; generous for a shared machine


def test_repr_png_uses_the_figures_dpi_whatever_savefig_dpi_says():
    """Inside a kernel rcParams["savefig.dpi"] may differ from the figure's dpi; the PNG
    Jupyter shows must be figwidth * dpi pixels (before: pg.still() came out 1550 px wide
    at dpi 80, 465 KB)."""
    import matplotlib

    fig = plot_history({"loss": [1.0, 0.5]})
    fig.set_dpi(40)
    with matplotlib.rc_context({"savefig.dpi": 100}):
        width, height = png_size(fig._repr_png_())
    assert (width, height) == (round(fig.get_figwidth() * 40), round(fig.get_figheight() * 40))
