"""viz.frames: forward frames in topological order, then one frame per backward step, and the
state each frame shows."""

import math

import pytest
from graphs import tanh_neuron
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import build_ours, graphs

from autograd import Value, dot, topological_order
from autograd.expression import Names, fmt, forward_line
from viz.frames import Frames, build_frames
from viz.layout import Patches, Track


def neuron():
    return tanh_neuron()


def state(order, frames, k):
    """Frame k's state, from the root of ``order`` (the frames are rebuilt: deterministic)."""
    return Frames(order[-1]).state(k)


def forward_explanation(node, root):
    from viz.style import role

    return forward_line(node, Names(topological_order(root), root), 6, role(node, root))


def test_frame_count_is_forward_nodes_plus_backward_steps():
    o, _ = neuron()
    order, frames = build_frames(o)
    steps = list(o.backward_steps())
    assert len(order) == 10 and len(steps) == 5
    assert len(frames) == len(order) + len(steps) == 15
    assert [f.phase for f in frames] == ["forward"] * 10 + ["backward"] * 5
    assert [f.index for f in frames] == list(range(15))
    assert [f.node for f in frames[:10]] == list(range(10))  # topological order
    assert [f.explanation for f in frames[10:]] == [s.explain(digits=4) for s in steps]


def test_passes():
    o, _ = neuron()
    assert len(build_frames(o, ("forward",))[1]) == 10
    assert len(build_frames(o, ("backward",))[1]) == 5
    for bad in [(), ("sideways",), ("backward", "forward"), ("forward", "forward")]:
        with pytest.raises(ValueError, match="passes|forward pass"):
            build_frames(o, bad)


def test_a_leaf():
    x = Value(1.5, label="x")
    order, frames = build_frames(x)
    assert order == [x]
    assert len(frames) == 1 and frames[0].explanation == "x = 1.5 (root)"
    with pytest.raises(ValueError, match="leaf"):
        build_frames(x, ("backward",))


def test_grads_are_left_as_they_were():
    o, v = neuron()
    v["w1"].grad = 123.0  # e.g. accumulated from an earlier backward
    v["n"].grad = -7.0
    build_frames(o)
    assert v["w1"].grad == 123.0 and v["n"].grad == -7.0 and v["x2"].grad == 0.0


def test_last_frame_shows_the_gradients_backward_gives():
    o, v = neuron()
    order, frames = build_frames(o)
    last = state(order, frames, len(frames) - 1)
    o.backward()
    for i, node in enumerate(order):
        assert last.grads[i] == pytest.approx(node.grad)
        assert last.data[i] == node.data
    assert last.grads[order.index(v["x1"])] == pytest.approx(-1.5)


def test_forward_states_reveal_values_one_by_one():
    o, _ = neuron()
    order, frames = build_frames(o)
    for k in range(10):
        st = state(order, frames, k)
        assert st.current == k and st.phase == "forward"
        assert set(st.data) == set(range(k + 1))
        assert st.grads == {} and st.contributions == {}
        assert st.done == frozenset(range(k))
        assert st.targets == frozenset(order.index(p) for p in order[k].parents)


def test_backward_states_accumulate_running_grads():
    o, v = neuron()
    order, frames = build_frames(o)
    pos = {node: i for i, node in enumerate(order)}
    first = state(order, frames, 10)  # o's step: dL/do = 1 passes 0.5 to n
    assert first.current == pos[v["o"]]
    assert first.grads == {pos[v["o"]]: 1.0, pos[v["n"]]: pytest.approx(0.5)}
    assert first.contributions == {f"e{pos[v['o']]}_0": pytest.approx(0.5)}
    assert first.targets == {pos[v["n"]]}
    assert len(first.data) == 10  # every value is known going backward
    later = state(order, frames, 12)
    assert pos[v["o"]] in later.done and pos[v["n"]] in later.done
    assert pos[v["x1"]] not in later.done  # its consumer has not been stepped yet
    assert pos[v["x1"]] not in later.grads
    final = state(order, frames, 14)  # the second product's step
    before = order[frames[13].node]  # the product stepped just before it: x1*w1 or x2*w2
    assert before.op == "*" and order[final.current].op == "*"
    leaves = {pos[v[name]] for name in ("x1", "w1", "x2", "w2")}
    # leaves whose consumer was stepped before the last step are done; its own are not yet
    assert final.done & leaves == {pos[p] for p in before.parents}
    assert final.targets == {pos[p] for p in order[final.current].parents}
    with pytest.raises(IndexError):
        state(order, frames, 15)


def test_leaf_used_twice_shows_its_running_sum():
    a = Value(3.0, label="a")
    y = a * a + a  # dy/da = 2a + 1 = 7, arriving in two steps
    order, frames = build_frames(y)
    ia = order.index(a)
    seen = [state(order, frames, k).grads.get(ia) for k in range(len(order), len(frames))]
    assert seen[-1] == pytest.approx(7.0)
    assert any(g is not None and g != pytest.approx(7.0) for g in seen)  # partial sum first


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda a, b: a * b, "a * b = 2.0 * (-3.0) = -6.0"),
        (lambda a, b: a - b, "a - b = 2.0 - (-3.0) = 5.0"),
        (lambda a, b: a**2, "a**2 = 2.0**2 = 4.0"),
        (lambda a, b: -a, "-a = -2.0 = -2.0"),
        (lambda a, b: abs(b), "abs(b) = abs(-3.0) = 3.0"),
        (lambda a, b: a.tanh(), f"tanh(a) = tanh(2.0) = {math.tanh(2.0):.6g}"),
        (lambda a, b: dot([a, b], [1.0, 2.0]), "a*1.0 + b*2.0 = 2.0*1.0 + (-3.0)*2.0 = -4.0"),
    ],
)
def test_forward_explanations(make, expected):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = make(a, b)
    assert forward_explanation(out, out) == expected


def test_forward_explanation_of_leaves_and_long_sums():
    x = Value(2.0, label="x")
    assert forward_explanation(x, x * 2) == "x = 2.0 (input)"
    assert forward_explanation(Value(0.5, label="w"), x) == "w = 0.5 (parameter)"
    assert forward_explanation(Value(4.0), x) == "constant 4.0"
    ws = [Value(float(i), label=f"w{i}") for i in range(10)]
    text = forward_explanation(dot(ws, [1.0] * 10), x)
    assert "(6 more)" in text and text.endswith("= 45.0")
    assert len(topological_order(dot(ws, [1.0] * 10))) == 21


def test_frames_are_snapshots():
    """Numbers are recorded when the frames are made: changing the graph later shows nowhere."""
    o, v = neuron()
    recording = Frames(o)
    before = [recording.state(k) for k in range(len(recording))]
    words = [f.lines for f in recording.frames]
    v["w1"].data = 99.0
    v["x1"].grad = -42.0
    v["n"].label = "renamed"
    after = [recording.state(k) for k in range(len(recording))]
    assert [(s.data, s.grads, s.contributions) for s in after] == [
        (s.data, s.grads, s.contributions) for s in before
    ]
    assert recording.state(3).data[recording.position[v["w1"]]] == -3.0
    assert [f.lines for f in recording.frames] == words


def test_collapsed_a_neuron_is_one_unit_and_one_step():
    from nn import MLP

    model = MLP(3, [4, 4, 1], seed=0)
    out = model([1.0, 2.0, 3.0])
    recording = Frames(out, collapse=True)
    boxes = [u for u in recording.units if u.id.startswith("m")]
    assert len(boxes) == 9 and len(recording.units) == 9 + 3  # 9 neurons, 3 inputs
    forward = [f for f in recording.frames if f.phase == "forward"]
    backward = [f for f in recording.frames if f.phase == "backward"]
    assert len(forward) == 12 and len(backward) == 9  # one step per neuron
    first = backward[0]  # the output neuron: its upstream gradient, bias, weights, inputs
    assert recording.units[first.node].name == "layers.2.neurons.0"
    assert first.lines[0].startswith("dL/dlayers.2.neurons.0 = 1.0")
    assert any(line.startswith("weights and bias: ") and "w.3 += " in line for line in first.lines)
    assert any(line.startswith("inputs: layers.1.neurons.0 += ") for line in first.lines)
    last = recording.state(len(recording) - 1)
    out.backward()
    for u, unit in enumerate(recording.units):
        assert last.grads[u] == pytest.approx(recording.order[unit.node].grad)


def test_several_examples_give_one_step_per_neuron_per_example():
    from nn import MLP, mse_loss

    model = MLP(3, [4, 4, 1], seed=0)
    xs = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-1.0, 0.0, 1.0], [2.0, 1.0, -2.0]]
    loss = mse_loss([model(x) for x in xs], [1.0, -1.0, 1.0, -1.0])
    recording = Frames(loss, collapse=True)
    boxes = {u for u, unit in enumerate(recording.units) if unit.id.startswith("m")}
    stepped = [f.node for f in recording.frames if f.phase == "backward" and f.node in boxes]
    assert len(stepped) == len(set(stepped)) == len(boxes) >= 4 * 9


# ---- property: moving between frames is path independent --------------------------------------


@settings(max_examples=40, deadline=None)
@given(spec=graphs(max_nodes=8), moves=st.lists(st.integers(0, 10**6), min_size=1, max_size=6))
def test_any_path_through_the_frames_shows_each_frame_the_same(spec, moves):
    """Patches forward and their undos backward, in any order of moves, give at every frame
    what that frame's state says (the widget and the page step this way)."""
    root = build_ours(spec).output
    recording = Frames(root)
    track = Track(Patches(recording), None)
    for move in moves:
        k = move % len(recording)
        track.goto(k)
        st_k = recording.state(k)
        for u, unit in enumerate(recording.units):
            data = fmt(st_k.data[u], 4) if u in st_k.data else "?"
            grad = fmt(st_k.grads[u], 4) if u in st_k.grads else "?"
            assert track.text(f"{unit.id}-data") == f"data {data}"
            assert track.text(f"t{u}-grad") == grad
            current = track.shown[unit.id][0]
            assert current.endswith("sg-current") == (u == st_k.current)
            assert current.endswith("sg-done") == (
                u in st_k.done and u != st_k.current and u not in st_k.targets
            )


def test_a_box_used_by_several_examples_computes_its_output_last():
    """Collapsed, several examples: a neuron's forward lines go in the order computed
    (dot, + b, activation), the last one naming the box once and giving its output."""
    from nn import MLP, mse_loss

    model = MLP(3, [4, 4, 1], seed=0)
    xs = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-1.0, 0.0, 1.0], [2.0, 1.0, -2.0]]
    loss = mse_loss([model(x) for x in xs], [1.0, -1.0, 1.0, -1.0])
    recording = Frames(loss, collapse=True)
    boxes = 0
    for frame in recording.frames:
        unit = recording.units[frame.node]
        if frame.phase == "forward" and unit.id.startswith("m"):
            boxes += 1
            assert list(unit.members) == sorted(unit.members)
            *inner, last = frame.lines
            assert last.startswith(f"{unit.name} = ") and last.count(f"{unit.name} = ") == 1
            out = recording.order[unit.node]
            assert last.endswith(f" = {fmt(out.data, 4)}") and out.op in last
            assert all(unit.name not in line.split(" = ")[0] for line in inner)
    assert boxes == 4 * 9
