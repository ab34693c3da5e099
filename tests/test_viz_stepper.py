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
from viz.frames import state

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
    assert s.explanation == s.frames[k].explanation
    assert "dL/dx1 += " in s.explanation and "= -1.5" in s.explanation
    # shown one line per parent (x1 and w1), each line its own element, text selectable
    assert explanation_lines(s.text.value) == [
        "dL/dx1 += dL/d(x1 * w1) * d(x1 * w1)/dx1 = 0.5 * -3.0 = -1.5",
        "dL/dw1 += dL/d(x1 * w1) * d(x1 * w1)/dw1 = 0.5 * 2.0 = 1.0",
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
    assert s.explanation == "n = ((x1 * w1) + (x2 * w2)) + b = -6.0 + 6.88137 = 0.881374"


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


def test_frames_shrink_to_the_width_they_are_shown_in():
    o, _ = neuron()
    s = step_through(o)
    for k in (0, 14):
        s.slider.value = k
        root = ET.fromstring(s.svg)
        assert root.tag == f"{SVG}svg" and root.get("style") == "max-width:100%;height:auto"
        assert s.picture.value == s.svg


def test_grads_untouched_and_widget_displayable():
    o, v = neuron()
    v["w1"].grad = 42.0
    s = step_through(o)
    s.slider.value = 14
    assert v["w1"].grad == 42.0 and o.grad == 0.0
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


WIDGET = "application/vnd.jupyter.widget-view+json"


def test_static_viewers_get_the_current_frame_and_words_live_jupyter_the_widget():
    """The bundle: the widget view first (live Jupyter renders it in preference to anything
    else), then the current frame as SVG and a summary as text for GitHub / nbconvert."""
    formatters = pytest.importorskip("IPython.core.formatters")
    o, _ = neuron()
    s = step_through(o)
    s.slider.value = 12
    data, _ = formatters.DisplayFormatter().format(s)  # what a cell's last expression shows
    assert list(data) == [WIDGET, "image/svg+xml", "text/plain"]
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
    moved = s._repr_mimebundle_()
    assert (
        moved["image/svg+xml"] != data["image/svg+xml"]
        and "at step 3, forward" in moved["text/plain"]
    )
    s.widget.close()  # a closed widget has no view: the picture and the words remain
    assert list(s._repr_mimebundle_()) == ["image/svg+xml", "text/plain"]


def test_without_a_renderer_the_bundle_has_the_widget_and_words(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(backend, "_script_dirs", lambda: [tmp_path])
    o, _ = neuron()
    bundle = step_through(o)._repr_mimebundle_()
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
    assert s.explanation == s.frames[12].explanation
    assert explanation_lines(s.text.value) == list(s.lines)
    assert "; ".join(s.lines) == s.explanation


def test_states_match_the_frames_module():
    o, _ = neuron()
    s = step_through(o, passes=("backward",))
    assert len(s.frames) == 5
    s.slider.value = 3
    assert s.state == state(s.order, s.frames, 3)


def test_root_must_be_a_value():
    with pytest.raises(TypeError, match="Value"):
        step_through(3.0)
