"""viz.draw_graph: DOT content, roles, contributions, escaping (with a dot -Tsvg round trip),
numbers, module clusters, collapsed neurons, the node limit, and MLP-size speed."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("graphviz")

from graphs import tanh_neuron

from autograd import Value, dot, name_scope, topological_order
from viz import render
from viz.graph import draw_graph
from viz.scopes import module_path
from viz.style import COLOURS, edge_style, is_parameter, role

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    return tanh_neuron()


def node_line(source, node_id):
    [line] = [ln for ln in source.splitlines() if ln.strip().startswith(f"{node_id} [")]
    return line


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_values_ops_and_edges_in_the_dot_source():
    o, _v = neuron()
    src = draw_graph(o).source
    # 10 values, 5 operations (2 *, 2 +, tanh)
    assert len(re.findall(r"^\s*v\d+ \[", src, re.MULTILINE)) == 10
    ops = re.findall(r"^\s*o\d+ \[label=\"?([^\" ]+)\"?", src, re.MULTILINE)
    assert sorted(ops) == sorted(["*", "*", "+", "+", "tanh"])
    # each value shows label, data and grad; each op has an edge to its result
    assert "<B>n</B>" in src and "data 0.8814" in src and "grad 0" in src
    assert len(re.findall(r"o\d+ -> v\d+", src)) == 5
    assert len(re.findall(r"v\d+ -> o\d+", src)) == 9  # one per parent: 2+2+2+2+1


def test_roles_and_their_colours():
    o, v = neuron()
    assert role(o, o) == "root"
    assert role(v["n"], o) == "intermediate"
    assert [role(v[k], o) for k in ("w1", "w2", "b")] == ["parameter"] * 3
    assert [role(v[k], o) for k in ("x1", "x2")] == ["input"] * 2
    src = draw_graph(o).source
    for line in src.splitlines():
        for name, kind in (
            ("o", "root"),
            ("n", "intermediate"),
            ("b", "parameter"),
            ("x1", "input"),
        ):
            if f"<B>{name}</B>" in line:
                assert f'BGCOLOR="{COLOURS[kind]}"' in line and f'class="value {kind}"' in line


def test_unlabelled_leaves_are_quiet_constants():
    """cross_entropy's shift m = max z is lifted to unlabelled leaves: 'constant', drawn with
    small grey type, a light border and thin grey edges, and listed in the key; the inputs
    stay blue and the widest edge is still the largest contribution into a non-constant."""
    from nn import cross_entropy

    z = [Value(1.0, label="z0"), Value(2.0, label="z1")]
    loss = cross_entropy(z, 1)
    loss.backward()
    order = topological_order(loss)
    constants = [n for n in order if not n.parents and not n.label]
    assert len(constants) == 2 and all(c.data == 2.0 for c in constants)  # m = max z
    assert [role(c, loss) for c in constants] == ["constant", "constant"]
    assert [role(v, loss) for v in z] == ["input", "input"]
    three = Value(3.0)
    assert role(three, three) == "root"  # the root first, whatever its label
    with name_scope("layers.0.neurons.3"):
        assert role(Value(2.0), loss) == "constant"  # lifted inside a module: not a parameter
    src = draw_graph(loss).source
    for k, node in enumerate(order):
        line = node_line(src, f"v{k}")
        if node in constants:
            assert 'class="value constant"' in line and f'BGCOLOR="{COLOURS["constant"]}"' in line
            assert '<FONT POINT-SIZE="9" COLOR="#6b7280">data 2</FONT>' in line
            assert 'COLOR="#d1d5db"' in line and 'tooltip="2 (constant)"' in line
        else:
            assert "constant" not in line and "POINT-SIZE" not in line
    edges = dict(re.findall(r'id=(e\d+_\d+)[^\]]*penwidth="?([\d.]+)', src))
    quiet = {
        f"e{i}_{j}"
        for i, node in enumerate(order)
        for j, p in enumerate(node.parents)
        if p in constants
    }
    assert quiet and all(edges[e] == "1" for e in quiet)
    assert max(float(w) for e, w in edges.items() if e not in quiet) == 5.0
    assert re.search(r'COLOR="#d1d5db"><FONT COLOR="#6b7280">constant</FONT>', src)  # the key
    o, _v = neuron()
    assert "constant" not in draw_graph(o).source  # no constant, no key entry
    texts = svg_texts(draw_graph(loss).pipe(format="svg"))
    assert "constant" in texts and texts.count("data 2") == 3  # z1 and two constants


def test_parameters_are_labelled_leaves_of_a_module_or_named_like_parameters():
    with name_scope("layers.0.neurons.3"):
        w = Value(0.5, label="layers.0.neurons.3.w.1")
        lifted = Value(2.0)  # a number lifted to a constant inside the module
    assert is_parameter(w) and not is_parameter(lifted)
    for label in ("w", "b", "w1", "b_2", "weight", "bias", "enc.w.0", "layer.b.12", "w_1_2"):
        assert is_parameter(Value(1.0, label=label)), label
    for label in ("x", "x1", "wx", "bx", "out", "y", "", "W1", "w1x", "bias_term"):
        assert not is_parameter(Value(1.0, label=label)), label
    assert not is_parameter(Value(1.0, label="w") * 2)  # not a leaf


def test_edges_show_contributions_after_backward_only():
    o, _v = neuron()
    before = draw_graph(o).source
    assert "penwidth" not in before
    o.backward()
    src = draw_graph(o).source
    widths = [float(w) for w in re.findall(r'penwidth="?([\d.]+)', src)]
    assert widths and max(widths) == pytest.approx(5.0)  # the largest |contribution|
    # x1 -> * carries local w1 * grad = -3 * 0.5 = -1.5, the largest: full width, hot colour
    lines = [ln for ln in src.splitlines() if "x1: local -3 x grad 0.5 = -1.5" in ln]
    assert len(lines) == 1 and "penwidth=5.00" in lines[0] and "#c2410c" in lines[0]
    # w2 -> * carries x2 * grad = 0: dashed
    [zero] = [ln for ln in src.splitlines() if "w2: local 0 x grad 0.5 = 0" in ln]
    assert "dashed" in zero


def test_edge_style_scale():
    assert edge_style(0.0, 1.0)["style"] == "dashed"
    assert float(edge_style(1.0, 1.0)["penwidth"]) == 5.0
    assert float(edge_style(-0.25, 1.0)["penwidth"]) == pytest.approx(3.0)  # sqrt scale
    assert edge_style(-1.0, 1.0)["color"] == edge_style(1.0, 1.0)["color"]


def test_crowded_edge_style_thin_and_faint_unless_strong():
    """Collapsed MLPs: the strongest edge wide and opaque, weak ones thin and see-through."""
    strong, weak = edge_style(2.0, 2.0, crowded=True), edge_style(0.02, 2.0, crowded=True)
    assert float(strong["penwidth"]) == 4.0 and strong["color"].endswith("ff")
    assert float(weak["penwidth"]) < 0.6
    assert len(weak["color"]) == 9 and int(weak["color"][-2:], 16) < 0x40  # #rrggbbaa
    none = edge_style(0.0, 2.0, crowded=True)
    assert none["style"] == "dashed" and float(none["penwidth"]) < 1


def test_the_legend_explains_edges_after_backward_only():
    o, _v = neuron()
    assert "edge width" not in draw_graph(o).source  # no gradients yet: plain edges
    o.backward()
    src = draw_graph(o).source
    assert "edge width and colour: the gradient it carried back" in src
    assert "dashed: nothing flowed back" in src
    assert "pale: from a constant" not in src  # no constant in this graph
    loss = (1.0 - o) * 2  # two constants
    loss.backward()
    texts = svg_texts(draw_graph(loss).pipe(format="svg"))
    assert any("pale: from a constant" in t for t in texts)


def box_extent(svg: bytes) -> dict[str, tuple[float, float]]:
    """Collapsed box id -> (left x, right x) of its outline in the SVG."""
    found = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if (group.get("id") or "").startswith("m"):
            xs = [
                float(point.split(",")[0])
                for polygon in group.iter(f"{SVG}polygon")
                for point in polygon.get("points").split()
            ]
            found[group.get("id")] = (min(xs), max(xs))
    return found


def test_a_collapsed_mlp_has_room_between_its_layers():
    """16 boxes feeding 16 boxes: 256 edges get a gap of at least 1.5 inches (108 pt) to fan
    out in; a small graph keeps the usual spacing."""
    loss = mlp_example()
    g = draw_graph(loss, collapse=True)
    assert g.graph_attr["ranksep"] == "1.50"
    extent = box_extent(g.pipe(format="svg"))
    names = {
        m: line for m, line in re.findall(r"^\s*(m\d+) \[.*?<B>([^<]*)</B>", g.source, re.MULTILINE)
    }
    layer0 = [extent[m] for m, name in names.items() if name.startswith("layers.0.")]
    layer1 = [extent[m] for m, name in names.items() if name.startswith("layers.1.")]
    assert len(layer0) == len(layer1) == 16
    gap = min(left for left, _ in layer1) - max(right for _, right in layer0)
    assert gap >= 100
    o, _v = neuron()
    o.backward()
    assert draw_graph(o, collapse=True).graph_attr["ranksep"] == "0.35"


NASTY = 'a<b>|{c}"d"\\e & \\N'


def test_escaping_round_trip_through_dot():
    """Labels with < > | { } " \\ & survive into the SVG exactly, in HTML-like labels (value
    boxes), escStrings (tooltips) and cluster labels."""
    with name_scope(NASTY):
        x = Value(1.5, label=NASTY)
        y = x * 2
    y.label = "}{|<>"
    g = draw_graph(y, group="module")
    svg = render.run(g.source, "svg")  # dot -Tsvg accepts it ...
    texts = svg_texts(svg)
    assert NASTY in texts  # ... and shows the label, the cluster name, exactly
    assert texts.count(NASTY) == 2  # the value box and the cluster label
    assert "}{|<>" in texts
    titles = [
        a.get("{http://www.w3.org/1999/xlink}title") for a in ET.fromstring(svg).iter(f"{SVG}a")
    ]
    assert f"{NASTY} (parameter, {NASTY})" in titles  # the tooltip too, \N not expanded


def test_escaping_round_trip_collapsed():
    with name_scope("m<1>"):
        w = Value(0.5, label='m<1>.w."0"')
        out = w * Value(3.0, label="x|{y}")
    out.backward()
    svg = render.run(draw_graph(out, collapse=True).source, "svg")
    assert "m<1>" in svg_texts(svg)
    titles = [
        a.get("{http://www.w3.org/1999/xlink}title") for a in ET.fromstring(svg).iter(f"{SVG}a")
    ]
    assert any('w."0" = 0.5' in (t or "") for t in titles)


CONTROL = "a\x00b\x01c\x1bd\te\x7ff"  # NUL, SOH, ESC, TAB, DEL
SHOWN = "a\u2400b\u2401c\u241bd\u2409e\u2421f"  # as control pictures


@pytest.mark.parametrize("collapse", [False, True])
def test_control_characters_are_shown_not_fed_to_dot(collapse):
    """Labels, tooltips, cluster names, op names and the title with control characters (or a
    lone surrogate) render; each control character shows as its control picture (U+2400 +
    code, DEL as U+2421), a lone surrogate as U+FFFD."""
    with name_scope(f"layers.0.{CONTROL}"):
        x = Value(1.5, label=CONTROL)
        y = x * Value(2.0, label="w\ud800")
    z = y.tanh()
    z.label = "\x1b[31mred"
    z.backward()
    g = draw_graph(z, group="module", collapse=collapse, title=f"title {CONTROL}")
    for code in range(32):
        assert chr(code) not in g.source.replace("\n", "").replace("\t", "")
    svg = render.run(g.source, "svg")
    texts = svg_texts(svg)
    assert f"title {SHOWN}" in texts
    assert "\u241b[31mred" in texts
    if collapse:
        assert f"layers.0.{SHOWN}" in texts  # the box's title
    else:
        assert SHOWN in texts and "w\ufffd" in texts
        assert texts.count(f"layers.0.{SHOWN}") == 1  # the cluster label
    titles = [
        a.get("{http://www.w3.org/1999/xlink}title") for a in ET.fromstring(svg).iter(f"{SVG}a")
    ]
    assert any(SHOWN in (t or "") for t in titles)  # tooltips too


def test_visible_text():
    from viz.style import visible

    assert visible(CONTROL) == SHOWN
    assert visible("line\nbreak") == "line\u240abreak"
    assert visible("\x85\x9f\ud800") == "\ufffd\ufffd\ufffd"
    assert visible("plain \u00e9 \u2603 \\") == "plain \u00e9 \u2603 \\"


def test_precision_and_tiny_gradients():
    x = Value(1.23456789, label="x")
    y = x * 1e-12
    y.backward()
    src = draw_graph(y, precision=3).source
    assert "data 1.23<" in src
    assert "grad 1e-12" in src  # never shown as 0
    assert "data 1.23e-12" in src
    assert "data 1.235<" in draw_graph(y).source


def test_group_module_draws_nested_clusters():
    with name_scope("layers.1.neurons.3"):
        w = Value(0.5, label="layers.1.neurons.3.w.0")
        h = (w * 2.0).relu()
    with name_scope("layers.1.neurons.4"):
        h2 = h * 3.0
    loss = h2 + 1.0
    src = draw_graph(loss, group="module").source
    assert src.count("subgraph cluster_") == 3  # layers.1 around neurons.3 and neurons.4
    assert 'label="layers.1"' in src and 'label="layers.1.neurons.3"' in src
    layer_at = src.index('label="layers.1"')
    assert layer_at < src.index('label="layers.1.neurons.3"')
    assert "subgraph" not in draw_graph(loss).source


def test_module_path():
    assert module_path("") == []
    assert module_path("layers.1.neurons.3") == ["layers.1", "layers.1.neurons.3"]
    assert module_path("encoder") == ["encoder"]


def test_collapse_draws_one_box_per_neuron():
    xs = [Value(1.0, label="x0"), Value(-2.0, label="x1")]
    outs = []
    for k in range(3):
        scope = f"layers.0.neurons.{k}"
        with name_scope(scope):
            ws = [Value(0.1 * (k + 1), label=f"{scope}.w.{i}") for i in range(2)]
            b = Value(0.5, label=f"{scope}.b")
            outs.append((ws[0] * xs[0] + ws[1] * xs[1] + b).tanh())
    loss = outs[0] + outs[1] + outs[2]
    loss.backward()
    src = draw_graph(loss, collapse=True).source
    boxes = re.findall(r"^\s*(m\d+) \[", src, re.MULTILINE)
    assert len(boxes) == 3
    assert "layers.0.neurons.1  (tanh)" in src
    # box m1 shows neuron 1's output: tanh(0.2 * 1 + 0.2 * -2 + 0.5) = tanh(0.3) = 0.29131...
    (m1,) = re.findall(r"^\s*m1 \[(.*)$", src, re.MULTILINE)
    assert "layers.0.neurons.1  (tanh)" in m1 and "data 0.2913<" in m1
    # inputs stay separate nodes with one edge into each box
    assert len(re.findall(r"v\d+ -> m\d+", src)) == 6
    # weights are in the box's tooltip
    assert "w.0 = 0.2" in src and "w.1 = 0.2" in src
    # no parameter is drawn as its own node
    assert "<B>layers.0.neurons.0.w.0</B>" not in src


def mlp_example():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    loss = (1.0 - model(xs)).relu()
    loss.backward()
    return loss


def test_max_nodes_suggests_collapse_or_one_example():
    loss = mlp_example()
    with pytest.raises(ValueError, match=r"more than max_nodes=500.*collapse=True.*single example"):
        draw_graph(loss)
    with pytest.raises(ValueError, match="max_nodes=10"):
        draw_graph(loss, collapse=True, max_nodes=10)
    assert draw_graph(loss, max_nodes=None).source


def test_one_mlp_example_renders_collapsed():
    loss = mlp_example()
    svg = draw_graph(loss, group="module", collapse=True).pipe(format="svg")
    texts = svg_texts(svg)
    boxes = [t for t in texts if t.startswith("layers.") and "neurons." in t]
    assert len([t for t in boxes if "(relu)" in t]) == 32  # 16 + 16 hidden neurons
    assert "layers.2.neurons.0" in texts  # linear output neuron: no activation shown


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rankdir": "XY"}, "rankdir"),
        ({"precision": 0}, "precision"),
        ({"group": "layer"}, "group"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_graph(Value(1.0), **kwargs)


def test_root_must_be_a_value():
    with pytest.raises(TypeError, match="Value"):
        draw_graph(1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"root": 1.5}, TypeError, ["root must be a Value", "float 1.5"]),
        ({"title": 5}, TypeError, ["title must be a str", "int 5"]),
        ({"precision": "4"}, TypeError, ["precision", "str '4'"]),
        ({"precision": 0}, ValueError, ["precision", "got 0"]),
        ({"precision": True}, TypeError, ["precision", "bool True"]),
        ({"rankdir": "XX"}, ValueError, ["rankdir", "'XX'"]),
        ({"rankdir": None}, TypeError, ["rankdir", "NoneType None"]),
        ({"group": 3}, TypeError, ["group", "int 3"]),
        ({"collapse": "yes"}, TypeError, ["collapse", "str 'yes'"]),
        ({"max_nodes": 2.5}, TypeError, ["max_nodes", "float 2.5"]),
        ({"max_nodes": -1}, ValueError, ["max_nodes", "-1"]),
        ({"title": "x" * 10_000}, None, []),
        ({"rankdir": "Y" * 10_000}, ValueError, ["rankdir", "..."]),
    ],
)
def test_check_graph_options_names_caller_argument_and_value(kwargs, error, words):
    """The one check draw_graph, step_through and save_steps_html share."""
    from viz.graph import check_graph_options

    args = {"root": Value(1.0), **kwargs}
    if error is None:
        check_graph_options("step_through", **args)
        return
    with pytest.raises(error) as info:
        check_graph_options("step_through", **args)
    message = str(info.value)
    assert message.startswith("step_through: ")
    assert len(message) < 300  # the value is quoted cut short
    for word in words:
        assert word in message
    with pytest.raises(error, match="^draw_graph: "):
        draw_graph(**args)


def box_positions(svg: bytes) -> dict[str, tuple[float, float]]:
    """Collapsed box title -> (x, y) of its title text in the SVG."""
    found = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        texts = list(group.iter(f"{SVG}text"))
        if "node" in group.get("class", "") and texts:
            title = "".join(texts[0].itertext()).split()[0]
            found[title] = (float(texts[0].get("x")), float(texts[0].get("y")))
    return found


def test_collapsed_layers_keep_their_neurons_in_index_order():
    loss = mlp_example()
    src = draw_graph(loss, group="module", collapse=True).source
    # each layer is one rank, headed by its name, its boxes chained in index order
    columns = re.findall(r"\{\s*rank=same\s*(.*?)\}", src, re.DOTALL)
    headed = {}
    for column in columns:
        heading = re.search(r'(c\d+) \[label="([^"]+)"', column)
        boxes = re.findall(r"<B>(layers\.\d+\.neurons\.\d+)", column)
        chain = re.findall(r"(\w+) -> (\w+) \[style=invis\]", column)
        names = re.findall(r"^\s*(\w+) \[", column, re.MULTILINE)
        assert chain == list(itertools.pairwise(names))  # top to bottom, as listed
        if heading:
            headed[heading.group(2)] = boxes
    assert headed == {
        f"layers.{k}": [f"layers.{k}.neurons.{n}" for n in range(size)]
        for k, size in enumerate([16, 16, 1])
    }
    assert "subgraph cluster_" not in src  # the columns replace the layers' clusters
    # and Graphviz draws them so: neurons 0..15 top to bottom (rankdir LR), x0 above x1
    at = box_positions(draw_graph(loss, group="module", collapse=True).pipe(format="svg"))
    for k in (0, 1):
        ys = [at[f"layers.{k}.neurons.{n}"][1] for n in range(16)]
        assert ys == sorted(ys) and len(set(ys)) == 16, ys
        xs = {at[f"layers.{k}.neurons.{n}"][0] for n in range(16)}
        assert max(xs) - min(xs) < 10  # one column
    assert at["x0"][1] < at["x1"][1]
    # left to right with rankdir TB, also without the headings
    at = box_positions(draw_graph(loss, collapse=True, rankdir="TB").pipe(format="svg"))
    xs = [at[f"layers.1.neurons.{n}"][0] for n in range(16)]
    assert xs == sorted(xs) and len(set(xs)) == 16, xs


def test_siblings_that_feed_each_other_are_not_forced_into_one_column():
    x = Value(1.0, label="x")
    with name_scope("blocks.0.a"):
        h = (x * 2.0).relu()
    with name_scope("blocks.0.b"):
        out = (h * 3.0).tanh()  # b reads a: they cannot share a rank
    with name_scope("heads.0.c"):
        c = (x * 4.0).relu()
    with name_scope("heads.0.d"):
        d = (x * 5.0).relu()
    loss = out + c + d
    src = draw_graph(loss, group="module", collapse=True).source
    assert 'label="blocks.0" style="rounded,dashed"' in src  # still a cluster
    [column] = re.findall(r"\{\s*rank=same\s*(.*?)\}", src, re.DOTALL)
    assert 'label="heads.0"' in column and "<B>heads.0.c" in column and "<B>heads.0.d" in column
    assert "<B>blocks.0" not in column


def test_title_goes_above_with_the_colour_key():
    o, _v = neuron()
    src = draw_graph(o, title="one example (#3, loss 0.5 < 1)").source
    assert "one example (#3, loss 0.5 &lt; 1)" in src
    assert "labelloc=t" in src
    texts = svg_texts(draw_graph(o, title="my title").pipe(format="svg"))
    assert "my title" in texts and "input" in texts
    assert "labelloc=b" in draw_graph(o).source  # no title: the key goes below
    with pytest.raises(TypeError, match="title"):
        draw_graph(o, title=3)


def test_parents_stand_in_their_order():
    """The inputs of an operation are drawn in parent order: w0, w1, x0, x1 into a dot, top
    to bottom with rankdir LR (left to right with TB)."""
    ws = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
    xs = [Value(2.0, label="x0"), Value(3.0, label="x1")]
    out = dot(ws, xs)
    src = draw_graph(out).source
    assert re.search(r"o4 \[[^\]]*ordering=in", src)
    for rankdir, axis in (("LR", 1), ("TB", 0)):
        at = box_positions(draw_graph(out, rankdir=rankdir).pipe(format="svg"))
        along = [at[name][axis] for name in ("w0", "w1", "x0", "x1")]
        assert along == sorted(along) and len(set(along)) == 4, (rankdir, along)
