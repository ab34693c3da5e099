"""viz.step_through: the ipywidgets stepper, driven without a browser."""

import html
import re
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("ipywidgets")

from graphs import tanh_neuron

from autograd import Value
from viz import render as backend
from viz import step_through

SVG = "{http://www.w3.org/2000/svg}"


def explanation_lines(text_html: str) -> list[str]:
    """The lines of the explanation box in the widget's HTML, unescaped."""
    box = re.search(r'<div class="sg-explain"[^>]*>((?:<div>[^<]*</div>)*)</div>', text_html)
    assert box, "the explanation box"
    return [html.unescape(t) for t in re.findall(r"<div>([^<]*)</div>", box.group(1))]


def neuron():
    return tanh_neuron()


def classes(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)
    return {g.get("id"): g.get("class", "") for g in root.iter(f"{SVG}g") if g.get("id")}


def texts(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)
    return {t.get("id"): t.text or "" for t in root.iter(f"{SVG}text") if t.get("id")}


def shapes(svg: str) -> dict[str, list[str]]:
    """Every node's and edge's geometry (polygon points, ellipse centres, path data)."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id", "")
        if re.fullmatch(r"[voer]\d+(_\d+)?", gid):
            out[gid] = [
                el.get("points") or el.get("d") or f"{el.get('cx')},{el.get('cy')}"
                for el in g.iter()
                if el.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")
            ]
    return out


def test_slider_covers_every_frame_and_starts_at_the_first():
    o, _ = neuron()
    s = step_through(o)
    assert len(s.frames) == 15
    assert (s.slider.min, s.slider.max, s.slider.value) == (0, 14, 0)
    assert (s.play.min, s.play.max) == (0, 14)
    assert s.state.phase == "forward" and s.state.current == 0


def test_state_after_setting_the_slider():
    o, v = neuron()
    s = step_through(o)
    pos = {node: i for i, node in enumerate(s.order)}

    def backward_frame(x, w):  # the step of the product x * w
        [i] = [i for i, n in enumerate(s.order) if set(n.parents) == {v[x], v[w]}]
        [k] = [f.index for f in s.frames if f.phase == "backward" and f.node == i]
        return k

    k, other = backward_frame("x1", "w1"), backward_frame("x2", "w2")
    s.slider.value = k  # backward: the x1 * w1 node passes 0.5 * w1 and 0.5 * x1 back
    st = s.state
    assert st.phase == "backward"
    assert s.order[st.current].op == "*"
    assert set(s.order[st.current].parents) == {v["x1"], v["w1"]}
    assert st.grads[pos[v["x1"]]] == pytest.approx(-1.5)
    assert st.grads[pos[v["w1"]]] == pytest.approx(1.0)
    x2_reached = other < k  # the engine's order decides which product is stepped first
    assert (pos[v["x2"]] in st.grads) == x2_reached
    assert "do/dx1 += " in s.explanation and "= -1.5" in s.explanation
    # shown one line per parent (x1 and w1), each line its own element, text selectable
    assert explanation_lines(s.text.value) == [
        "do/dx1 += do/d(x1 * w1) * d(x1 * w1)/dx1 = 0.5 * -3.0 = -1.5",
        "do/dw1 += do/d(x1 * w1) * d(x1 * w1)/dw1 = 0.5 * 2.0 = 1.0",
    ]
    assert "user-select:text" in s.text.value
    # the picture: current node and its parents highlighted, numbers filled in
    cls = classes(s.svg)
    assert "sg-current" in cls[f"v{st.current}"]
    assert "sg-target" in cls[f"v{pos[v['x1']]}"] and "sg-target" in cls[f"v{pos[v['w1']]}"]
    assert ("sg-done" if x2_reached else "sg-pending") in cls[f"v{pos[v['x2']]}"]
    assert "sg-done" in cls[f"v{pos[v['o']]}"]
    assert f"e{st.current}_0" in cls and "sg-active" in cls[f"e{st.current}_0"]
    t = texts(s.svg)
    assert t[f"v{pos[v['x1']]}-grad"] == "grad -1.5"
    assert t[f"v{pos[v['x2']]}-grad"] == ("grad 0.5" if x2_reached else "grad ?")
    assert t[f"e{st.current}_0-label"] == "-1.5"  # the contribution on the edge
    # the table under the picture
    assert 'id="t{}-grad">-1.5<'.format(pos[v["x1"]]) in s.text.value
    assert "sg-row-current" in s.text.value
    assert f"{k} of 14" in s.counter.value and "backward" in s.counter.value


def test_forward_frame_hides_what_is_not_computed_yet():
    o, v = neuron()
    s = step_through(o)
    k = s.order.index(v["n"])
    s.slider.value = k
    t = texts(s.svg)
    assert t[f"v{k}-data"] == "data 0.8814"
    assert t[f"v{s.order.index(v['o'])}-data"] == "data ?"
    assert all(val == "grad ?" for key, val in t.items() if key.endswith("-grad"))
    assert s.explanation == "n = x1 * w1 + x2 * w2 + b = -6.0 + 6.881 = 0.8814"


def test_buttons_move_one_step_and_stop_at_the_ends():
    o, _ = neuron()
    s = step_through(o)
    s.previous.click()
    assert s.slider.value == 0
    s.next.click()
    s.next.click()
    assert s.slider.value == 2 and s.state.current == 2
    s.show(99)
    assert s.slider.value == 14
    s.next.click()
    assert s.slider.value == 14


def test_the_controls_wrap_in_a_narrow_container_and_keep_their_width():
    """Beside the playground the stepper gets ~400 px: the row of controls wraps (the
    buttons keep their width and words) and the slider shrinks down to 200 px; full width,
    the slider stays at most 420 px as before."""
    o, _ = neuron()
    s = step_through(o)
    [row] = [c for c in s.widget.children if s.slider in getattr(c, "children", ())]
    assert list(row.children) == [s.play, s.previous, s.next, s.slider, s.counter]
    assert row.layout.flex_flow == "row wrap"
    for button in (s.play, s.previous, s.next):
        assert button.layout.flex == "0 0 auto"  # never squeezed
    assert s.previous.layout.width == "110px" and s.next.layout.width == "90px"
    layout = s.slider.layout
    assert layout.max_width == "420px" and layout.min_width == "200px"
    assert layout.flex.startswith("1 1 ") and layout.width == "auto"


def test_nodes_never_move_between_frames():
    o, _ = neuron()
    s = step_through(o)
    pictures = []
    for k in (0, 5, 10, 14):
        s.slider.value = k
        pictures.append(s.svg)
    geometry = [shapes(p) for p in pictures]
    assert len(geometry[0]) == 10 + 5 + 9 + 5  # values, ops, parent edges, result edges
    assert all(g == geometry[0] for g in geometry)
    assert len({p for p in pictures}) == 4  # ... while the classes and numbers change
    assert s.layout is not None and s.layout.source.count("->") == 14  # laid out once


def test_constants_are_quiet_in_the_stepper_too():
    """The 0.5 in E = 0.5 * e**2 is a constant: its box has class 'constant', small grey
    type, and is narrower than the other boxes; its numbers still change frame by frame."""
    e = Value(3.0, label="e")
    loss = 0.5 * e**2
    s = step_through(loss)
    k = next(i for i, n in enumerate(s.order) if not n.parents and not n.label)
    assert s.order[k].data == 0.5
    assert f"v{k}" in classes(s.svg) and "value constant" in classes(s.svg)[f"v{k}"]
    assert s.frames[k].explanation == "constant 0.5"
    root = ET.fromstring(s.svg)

    def width(i):
        group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == f"v{i}")
        xs = [float(p.split(",")[0]) for p in group.find(f".//{SVG}polygon").get("points").split()]
        return max(xs) - min(xs)

    text = next(t for t in root.iter(f"{SVG}text") if t.get("id") == f"v{k}-data")
    assert text.get("font-size") == "9.00" and text.get("fill") == "#6b7280"
    e_box = s.order.index(e)
    assert width(k) < width(e_box) * 0.9
    assert texts(s.svg)[f"v{k}-data"] == "data 0.5"  # backward frames: every value known
    s.show(k)  # forward frame k computes node k: the constant
    assert texts(s.svg)[f"v{k}-data"] == "data 0.5" and "sg-current" in classes(s.svg)[f"v{k}"]
    s.show(k + 1 if k == 0 else k - 1)
    assert texts(s.svg)[f"v{k}-data"] == ("data 0.5" if k == 0 else "data ?")


def test_frames_shrink_only_while_text_stays_readable():
    """The picture may shrink to the width it is shown in, but never so far that its smallest
    text (9 pt = 12 px, a constant or an edge label) gets below 11 CSS px."""
    o, _ = neuron()
    s = step_through(o)
    for k in (0, 14):
        s.slider.value = k
        root = ET.fromstring(s.svg)
        style = dict(part.split(":") for part in root.get("style").split(";"))
        assert style["max-width"] == "100%" and style["height"] == "auto"
        width_px = float(root.get("width").removesuffix("pt")) * 4 / 3
        smallest = min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) * 4 / 3
        floor = float(style["min-width"].removesuffix("px"))
        assert smallest * floor / width_px >= 10.99
        assert s.svg in s.picture.value and "overflow:auto;contain:inline-size" in s.picture.value


def test_grads_untouched_and_widget_displayable():
    o, v = neuron()
    v["w1"].grad = 42.0
    s = step_through(o)
    s.slider.value = 14
    assert v["w1"].grad == 42.0 and o.grad == 0.0
    data, _metadata = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data


WIDGET = "application/vnd.jupyter.widget-view+json"


def test_static_viewers_get_the_current_frame_and_words_live_jupyter_the_widget():
    """The bundle: the widget view first (live Jupyter renders it in preference to anything
    else), then the current frame as SVG and a summary as text for GitHub / nbconvert."""
    formatters = pytest.importorskip("IPython.core.formatters")
    o, _ = neuron()
    s = step_through(o)
    s.slider.value = 12
    data, _ = formatters.DisplayFormatter().format(s)  # what a cell's last expression shows
    assert list(data) == [WIDGET, "image/svg+xml", "image/png", "text/plain"]  # viz.display
    assert data[WIDGET]["model_id"] == s.widget.model_id
    assert data["image/svg+xml"] == s.svg  # frame 12, with its classes and numbers
    assert ET.fromstring(data["image/svg+xml"]).tag == f"{SVG}svg"
    plain = data["text/plain"]
    assert "VBox" not in plain and "HBox" not in plain
    assert (
        plain.splitlines()[0]
        == "Stepper(o: 15 steps, 10 forward + 5 backward; at step 12, backward)"
    )
    assert plain.splitlines()[1:-1] == [f"   {line}" for line in s.frames[12].lines]
    assert "run the notebook" in plain.splitlines()[-1]
    s.show(3)
    moved, _ = s._repr_mimebundle_()
    assert (
        moved["image/svg+xml"] != data["image/svg+xml"]
        and "at step 3, forward" in moved["text/plain"]
    )
    s.widget.close()  # a closed widget has no view: the picture and the words remain
    assert list(s._repr_mimebundle_()[0]) == ["image/svg+xml", "image/png", "text/plain"]


def test_without_a_renderer_the_bundle_has_the_widget_and_words(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(backend, "_script_dirs", lambda: [tmp_path])
    o, _ = neuron()
    bundle, _metadata = step_through(o)._repr_mimebundle_()
    assert list(bundle) == [WIDGET, "text/plain"]
    assert bundle["text/plain"].startswith("Stepper(o: 15 steps")


def test_without_a_renderer_it_still_steps_in_words(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(backend, "_script_dirs", lambda: [tmp_path])
    o, _ = neuron()
    s = step_through(o)
    assert s.layout is None and s.svg == ""
    assert "pip install 'stepgrad[viz]'" in html.unescape(s.picture.value)
    s.slider.value = 12
    steps = list(tanh_neuron()[0].backward_steps())  # the engine's own words, made apart
    assert explanation_lines(s.text.value) == steps[12 - 10].lines(digits=4)


def test_backward_only():
    o, v = neuron()
    s = step_through(o, passes=("backward",))
    assert len(s) == 5 and s.state.phase == "backward"
    s.slider.value = 4
    pos = {node: i for i, node in enumerate(s.order)}
    assert s.state.grads[pos[v["o"]]] == 1.0 and s.state.grads[pos[v["n"]]] == pytest.approx(0.5)
    assert len(s.state.data) == 10  # every value is known going backward


def test_root_must_be_a_value():
    with pytest.raises(TypeError, match="Value"):
        step_through(3.0)


# ---- snapshots, stills, scale, arguments (issue 8) ------------------------------------------


def test_a_stepper_shows_the_numbers_of_the_moment_it_was_made():
    """Changing the graph after making the stepper (a training step, say) changes nothing
    it shows: the w beside w * x is the w that product was computed with."""
    o, v = neuron()
    s = step_through(o)
    pos = {node: i for i, node in enumerate(s.order)}
    w1 = pos[v["w1"]]
    v["w1"].data = 1.695  # later cells update the parameters...
    v["w1"].grad = 9.0
    v["x1"].grad = -9.0
    s.show(len(s) - 1)
    t = texts(s.svg)
    assert t[f"v{w1}-data"] == "data -3.0" and t[f"v{pos[v['x1']]}-grad"] == "grad -1.5"
    assert f'id="t{w1}-data">-3.0<' in s.text.value
    s.show(pos[v["n"]])  # the forward frame of n
    assert texts(s.svg)[f"v{w1}-data"] == "data -3.0"
    assert texts(s.still(w1))[f"v{w1}-data"] == "data -3.0"


def test_still_gives_any_frame_and_leaves_the_stepper_where_it_is():
    o, _ = neuron()
    s = step_through(o)
    assert len(s) == 15 and s.slider.value == 0  # a new stepper shows frame 0
    first = s.svg
    last = s.still(14)
    assert s.slider.value == 0 and s.svg == first  # the displayed frame is unchanged
    assert "Press" not in last and classes(last)[f"v{s.frames[14].node}"].endswith("sg-current")
    assert texts(last) != texts(first)
    s.show(14)
    assert s.slider.value == 14 and texts(s.svg) == texts(last)
    assert s.still(0) == first and s.slider.value == 14
    with pytest.raises(IndexError, match="no frame 15"):
        s.still(15)
    with pytest.raises(TypeError, match="k must be an int"):
        s.still("3")


def mlp_loss(examples=4):
    from nn import MLP, mse_loss

    model = MLP(3, [4, 4, 1], seed=0)
    xs = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-1.0, 0.0, 1.0], [2.0, 1.0, -2.0]][:examples]
    return mse_loss([model(x) for x in xs], [1.0, -1.0, 1.0, -1.0][:examples])


def test_collapsed_a_neuron_is_one_box_and_one_step():
    loss = mlp_loss()
    s = step_through(loss, collapse=True)
    boxes = [u for u in s.recording.units if u.id.startswith("m")]
    assert len(boxes) == 4 * 9  # one box per neuron per example
    backward = [f for f in s.frames if f.phase == "backward"]
    assert sum(s.recording.units[f.node].id.startswith("m") for f in backward) == 36
    k = next(f.index for f in backward if s.recording.units[f.node].id.startswith("m"))
    s.show(k)
    unit = s.recording.units[s.frames[k].node]
    assert classes(s.svg)[unit.id] == "node box sg-current"
    assert s.lines[0].startswith(f"dL/d({unit.name}) = ")
    assert any(line.startswith("weights and bias: b += ") for line in s.lines)
    assert any(line.startswith("inputs: ") for line in s.lines)
    with pytest.raises(ValueError, match="max_nodes=100; pass collapse=True"):
        step_through(loss, max_nodes=100)
    with pytest.raises(ValueError, match="max_nodes=20; draw the graph of a single"):
        step_through(loss, collapse=True, max_nodes=20)


def test_a_big_graph_is_shown_around_the_current_node_at_readable_size():
    """The widget sends the part of the picture in view, never the whole graph, and never
    shrinks its text below 11 px."""
    x = Value(0.5, label="x")
    y = x
    for k in range(150):
        y = y * 1.01 + 0.001
    s = step_through(y, max_nodes=None)
    whole = s.still(0)
    for k in (0, 200, len(s) - 1):
        s.show(k)
        view = ET.fromstring(s.svg)
        assert len(s.svg) < len(whole) / 4  # what is in view, not everything
        unit = s.recording.units[s.frames[k].node]
        assert unit.id in classes(s.svg)  # the current node is in the window
        style = dict(part.split(":") for part in view.get("style").split(";"))
        width_px = float(view.get("width").removesuffix("pt")) * 4 / 3
        smallest = min(float(t.get("font-size")) for t in view.iter(f"{SVG}text")) * 4 / 3
        assert smallest * float(style["min-width"].removesuffix("px")) / width_px >= 10.99
        assert width_px <= 1180 and float(view.get("height").removesuffix("pt")) * 4 / 3 <= 440


BAD_ARGUMENTS = [
    ({"root": 3.0}, TypeError, "root must be a Value"),
    ({"title": 5}, TypeError, "title must be a str"),
    ({"precision": "4"}, TypeError, "precision must be an int"),
    ({"precision": 0}, ValueError, "precision must be an int >= 1, got 0"),
    ({"rankdir": "XX"}, ValueError, "rankdir must be one of"),
    ({"group": "layers"}, ValueError, "group must be None or 'module'"),
    ({"max_nodes": 0}, ValueError, "max_nodes must be"),
    ({"passes": "forward"}, TypeError, "passes must be a sequence"),
]


@pytest.mark.parametrize(("bad", "error", "words"), BAD_ARGUMENTS, ids=lambda a: str(a)[:20])
def test_arguments_are_checked(bad, error, words, tmp_path):
    from viz import save_steps_html

    o, _ = neuron()
    kwargs = {"root": o, **bad}
    with pytest.raises(error, match=f"step_through: {words}"):
        step_through(**kwargs)
    path = tmp_path / "steps.html"
    with pytest.raises(error, match=f"save_steps_html: {words}"):
        save_steps_html(path=path, **kwargs)
    assert not path.exists()


def test_one_name_and_one_precision_in_the_text_and_the_table():
    from autograd import dot

    ws = [Value(0.1234567, label="weight0"), Value(-0.7654321, label="weight1")]
    xs = [Value(1.5, label="input0"), Value(2.5, label="input1")]
    out = (dot(ws, xs) + dot(xs, ws)).tanh()
    s = step_through(out)
    [k] = [f.index for f in s.frames if f.phase == "backward" and s.order[f.node].op == "+"]
    s.show(k)
    names = re.findall(r'<tr id="t\d+" class="[^"]*"><td>([^<]*)</td>', html.unescape(s.text.value))
    assert "[dot 1]" in names and "[dot 2]" in names  # not "dot output"
    assert any("dL/d[dot 1] += " in line for line in s.lines)
    grads = re.findall(r'<td id="t\d+-grad">([^<]*)</td>', s.text.value)
    for line in s.lines:  # the number each parent received, as the table shows it
        assert line.rsplit(" = ", 1)[1] in grads


def test_several_examples_collapsed_stand_in_ordered_columns():
    """A 4-example MLP(3, [4, 4, 1]) collapsed: each layer's boxes, every example's, stand in
    one column (LR: one x), top to bottom by example and then neuron, as draw_graph orders a
    layer of one example; each example's inputs stand level with its own first layer."""
    s = step_through(mlp_loss(), collapse=True)
    centre = {}
    for g in ET.fromstring(s.still(0)).iter(f"{SVG}g"):
        polygon = next(g.iter(f"{SVG}polygon"), None)
        if re.fullmatch(r"[mv]\d+", g.get("id", "")) and polygon is not None:
            xy = [tuple(map(float, p.split(","))) for p in polygon.get("points").split()]
            xs, ys = [x for x, _ in xy], [y for _, y in xy]
            centre[g.get("id")] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    units = s.recording.units
    boxes = [u for u in units if u.id.startswith("m")]

    def place(name):  # "layers.1.neurons.3 [2]" -> (2, 3)
        return int(name.rsplit("[", 1)[1].rstrip("]")), int(name.split(".")[3].split()[0])

    for layer in range(3):
        column = [u for u in boxes if u.name.startswith(f"layers.{layer}.")]
        assert len(column) == 4 * (1 if layer == 2 else 4)
        assert len({round(centre[u.id][0]) for u in column}) == 1, f"layers.{layer}: one column"
        top_to_bottom = [u.name for u in sorted(column, key=lambda u: centre[u.id][1])]
        assert top_to_bottom == sorted(top_to_bottom, key=place)
    for box in boxes:
        if box.name.startswith("layers.0."):
            for _, source in box.inputs:
                if units[source].id.startswith("v"):  # an input of this example
                    fed = [
                        centre[b.id][1]
                        for b in boxes
                        if b.name.startswith("layers.0.") and source in {s for _, s in b.inputs}
                    ]
                    assert min(fed) - 60 <= centre[units[source].id][1] <= max(fed) + 60


def test_a_module_applied_to_its_own_output_gets_a_column_per_use():
    """Uses that feed each other cannot share a column: each use's neurons stand in their
    own column (one rank, in neuron order)."""
    from nn import MLP

    model = MLP(3, [3, 3], seed=0)
    h = [0.5, -1.0, 2.0]
    for _ in range(3):
        h = model(h)
    s = step_through(sum(h), collapse=True)
    ranks = [
        re.findall(r"^\s*(m\d+) \[", body, re.MULTILINE)
        for body in re.findall(r"\{\s*rank=same(.*?)\}", s.layout.source, re.DOTALL)
    ]
    for use in (1, 2, 3):
        for layer in (0, 1):
            column = [
                u.id
                for u in s.recording.units
                if u.name.startswith(f"layers.{layer}.") and u.name.endswith(f"[{use}]")
            ]
            assert len(column) == 3 and column in ranks, (layer, use, ranks)
