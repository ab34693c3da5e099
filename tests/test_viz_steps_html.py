"""viz.save_steps_html: one self-contained file; its per-step patches reproduce every frame;
without JavaScript it is the last step; written atomically."""

import html
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest
from graphs import tanh_neuron

from autograd import Value, dot
from autograd.expression import fmt
from viz import save_steps_html
from viz.frames import Frames, build_frames


def neuron():
    return tanh_neuron()[0]


def script_json(page: str, name: str):
    """The script's data: ``F`` (per step: phase, lines, current element, unit) or ``P`` (per
    step: [id, class, text] with each class looked up in ``C``)."""
    m = re.search(r"const C = (.*?), P = (.*?), F = (.*?), \$ =", page, re.DOTALL)
    assert m, "the script's data"
    if name == "F":
        return json.loads(m.group(3))
    classes = json.loads(m.group(1))
    return [
        [[eid, None if c is None else classes[c], text] for eid, c, text in patch]
        for patch in json.loads(m.group(2))
    ]


@pytest.fixture
def page(tmp_path):
    path = save_steps_html(neuron(), tmp_path / "steps.html")
    return path.read_text(encoding="utf-8")


def test_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 1 and page.count("<script>") == 2
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= namespaces, urls - namespaces  # only XML namespace names, never fetched
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "@import" not in page and "url(" not in page


def test_without_javascript_it_shows_the_last_step(page):
    o = neuron()
    order, frames = build_frames(o)
    last = frames[-1]
    lines = "".join(f"<div>{html.escape(line)}</div>" for line in last.lines)
    assert f'<div id="explain">{lines}</div>' in page
    assert len(last.lines) == 2  # dL/dx2 and dL/dw2: one line per parent
    svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    groups = {g.get("id"): g.get("class") for g in svg.iter("{http://www.w3.org/2000/svg}g")}
    assert "sg-current" in groups[f"v{last.node}"]
    assert "sg-done" in groups[f"v{len(order) - 1}"]  # the root
    assert svg.get("style").startswith("max-width:100%;height:auto;min-width:")
    grads = {
        t.get("id"): t.text for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.get("id")
    }
    o.backward()
    for i, node in enumerate(order):
        assert grads[f"v{i}-grad"] == f"grad {fmt(node.grad, 4)}"
    assert 'value="14"' in page and "step 14 of 14" in page
    assert "<noscript>" in page


def test_patches_replayed_give_every_frame(page):
    """What the page's JavaScript does, in Python: apply patches 0..k, compare with frame k."""
    o = neuron()
    recording = Frames(o)
    frames = recording.frames
    patches, meta = script_json(page, "P"), script_json(page, "F")
    assert len(patches) == len(meta) == len(frames) == 15
    assert [m[1] for m in meta] == [list(f.lines) for f in frames]
    assert [m[0] for m in meta] == [f.phase for f in frames]
    assert [m[2] for m in meta] == [f"v{f.node}" for f in frames]
    shown: dict[str, list] = {}
    for k in range(len(frames)):
        for eid, cls, text in patches[k]:
            entry = shown.setdefault(eid, [None, None])
            if cls is not None:
                entry[0] = cls
            if text is not None:
                entry[1] = text
        st = recording.state(k)
        current = [eid for eid, (cls, _) in shown.items() if cls and "sg-current" in cls]
        assert f"v{st.current}" in current and set(current) <= {f"v{st.current}", f"o{st.current}"}
        for i in range(len(recording.order)):
            data = fmt(st.data[i], 4) if i in st.data else "?"
            grad = fmt(st.grads[i], 4) if i in st.grads else "?"
            assert shown[f"v{i}-data"][1] == f"data {data}" and shown[f"t{i}-data"][1] == data
            assert shown[f"v{i}-grad"][1] == f"grad {grad}" and shown[f"t{i}-grad"][1] == grad
            assert (shown[f"t{i}"][0] == "sg-row-current") == (i == st.current)
        for eid, c in st.contributions.items():
            assert shown[f"{eid}-label"][1] == fmt(c, 4)
    for eid in shown:  # every patched id exists in the page
        assert f'id="{eid}"' in page


def test_patches_only_hold_changes(page):
    patches = script_json(page, "P")
    assert len(patches[0]) > 30  # the first step sets everything
    assert all(len(p) < len(patches[0]) / 2 for p in patches[1:])


def test_a_label_cannot_end_the_script(tmp_path):
    x = Value(1.0, label="</script><script>alert(1)</script>")
    page = save_steps_html(x * 2, tmp_path / "s.html").read_text()
    assert page.count("</script>") == 2  # the two real ones
    assert "&lt;/script&gt;" in page


@pytest.mark.parametrize("label", ["<!--<script>", "a & b > c", "</script><!--"])
def test_data_in_the_script_has_no_angle_brackets_or_ampersands(tmp_path, label):
    x = Value(1.0, label=label)
    page = save_steps_html(x * 2, tmp_path / "s.html").read_text()
    script = page[page.rindex("<script>") + 8 : page.rindex("</script>")]
    data = script[: script.index(", $ =")]
    assert not re.search(r"[<>&]", data)
    assert "\\u003c!--\\u003cscript\\u003e" in data or label != "<!--<script>"
    assert label in json.dumps(script_json(page, "F"), ensure_ascii=False)


def test_written_atomically(tmp_path):
    path = tmp_path / "steps.html"
    path.write_text("old")
    with pytest.raises(ValueError):
        save_steps_html(neuron(), path, passes=("sideways",))
    assert path.read_text() == "old"  # a failed call changes nothing
    save_steps_html(neuron(), path)
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.html"]  # no temp file left
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_dot_node_is_explained_one_line_per_parent(tmp_path):
    """A neuron's dot node has 2n parents: its backward step is 2n lines, not one long one."""
    ws = [Value(0.5 * k, label=f"w{k}") for k in range(4)]
    xs = [Value(1.0 + k, label=f"x{k}") for k in range(4)]
    out = dot(ws, xs).relu()
    out.label = "out"
    order, frames = build_frames(out)
    [step] = [f for f in frames if f.phase == "backward" and order[f.node].op == "dot"]
    assert len(step.lines) == 8
    assert step.lines[0] == "dout/dw0 += dout/d[dot 1] * d[dot 1]/dw0 = 1.0 * 1.0 = 1.0"
    assert "; ".join(step.lines) == step.explanation
    page = save_steps_html(out, tmp_path / "s.html", title="a <dot> neuron").read_text()
    meta = script_json(page, "F")
    assert meta[step.index][1] == list(step.lines)
    assert "<h1>stepgrad: a &lt;dot&gt; neuron</h1>" in page


def test_a_label_with_a_semicolon_stays_on_its_line():
    a, b = Value(2.0, label="a; b"), Value(3.0, label="c")
    _order, frames = build_frames(a * b)
    assert frames[-1].lines == (
        "dL/d(a; b) += dL/d((a; b) * c) * d((a; b) * c)/d(a; b) = 1.0 * 3.0 = 3.0",
        "dL/dc += dL/d((a; b) * c) * d((a; b) * c)/dc = 1.0 * 2.0 = 2.0",
    )


def test_the_page_says_what_the_root_is(tmp_path):
    o = neuron()
    page = save_steps_html(o, tmp_path / "s.html").read_text()
    assert "do/d(node) is how much o changes per unit change of that node." in page
    o.label = ""
    page = save_steps_html(o, tmp_path / "s.html").read_text()
    assert "L = tanh(n), the value stepped through; dL/d(node) is how much L changes" in page


def test_a_collapsed_page_steps_one_neuron_at_a_time(tmp_path):
    from nn import MLP, mse_loss

    model = MLP(3, [4, 4, 1], seed=0)
    xs = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]
    loss = mse_loss([model(x) for x in xs], [1.0, -1.0])
    page = save_steps_html(loss, tmp_path / "s.html", collapse=True, group="module").read_text()
    meta = script_json(page, "F")
    boxes = [m for m in meta if m[2].startswith("m")]
    assert len(boxes) == 2 * 2 * 9  # every neuron of both examples, forward and backward
    assert page.count('class="node box') == 18
    with pytest.raises(ValueError, match="save_steps_html: the graph has .* max_nodes=50"):
        save_steps_html(loss, tmp_path / "t.html", max_nodes=50)
    assert not (tmp_path / "t.html").exists()


def test_patches_take_work_linear_in_the_graph(monkeypatch):
    """Each frame recomputes only the units it touches (the page used to rebuild the whole
    picture for every frame: quadratic, 547 s for 5,000 values)."""
    from viz import layout

    calls = []
    real = layout.unit_states
    monkeypatch.setattr(layout, "unit_states", lambda *a: calls.append(1) or real(*a))

    def work(links: int) -> int:
        y = Value(0.5, label="x")
        for _ in range(links):
            y = y * 1.001
        calls.clear()
        layout.Patches(Frames(y))
        return len(calls)

    small, big = work(100), work(400)
    assert big <= 4.2 * small  # four times the graph, four times the work
    assert small < 20 * 201  # a few units per frame, not every unit every frame
