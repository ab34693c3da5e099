"""nn's modules: Neuron, Layer, MLP: shapes, parameter counts and order, names and scopes
(the contract viz relies on), seeded initialisation, inputs, errors, state dicts."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from autograd import Value, gradcheck, no_grad, topological_order
from nn import MLP, Layer, Module, Neuron, cross_entropy

# ---- shapes and parameter counts --------------------------------------------------------


def test_mlp_parameter_count_and_output_shapes():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337 == model.num_parameters()  # 48 + 272 + 17
    assert isinstance(model([0.5, -1.0]), Value)
    wide = MLP(3, [4, 5])
    out = wide([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 5 and all(isinstance(o, Value) for o in out)
    assert wide.num_parameters() == 4 * 4 + 5 * 5


def test_layer_and_neuron_counts_and_outputs():
    layer = Layer(3, 4)
    assert len(layer.neurons) == 4 and len(layer.parameters()) == 16
    assert len(layer([1.0, 2.0, 3.0])) == 4
    neuron = Neuron(3)
    assert len(neuron.w) == 3 and isinstance(neuron.b, Value) and len(neuron.parameters()) == 4


def test_one_neuron_layers_work_where_wide_ones_do():
    one = Layer(2, 1)
    out = one([0.5, 1.0])
    assert isinstance(out, list) and len(out) == 1  # a layer always returns a list
    bottleneck = MLP(3, [4, 1, 3])  # a one-neuron hidden layer feeds the next layer
    assert len(bottleneck([1.0, -1.0, 0.5])) == 3
    assert bottleneck.num_parameters() == 16 + 5 + 6
    single = MLP(2, [1])
    assert isinstance(single([1.0, 2.0]), Value) and single.num_parameters() == 3


def test_parameter_order_is_layer_neuron_weights_then_bias():
    model = MLP(2, [3, 1])
    expected = []
    for layer in model.layers:
        for neuron in layer.neurons:
            expected += [*neuron.w, neuron.b]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    assert [id(p) for _, p in model.named_parameters()] == [id(p) for p in expected]


def test_named_parameters_are_unique_full_names_equal_to_labels():
    model = MLP(2, [16, 16, 1])
    named = model.named_parameters()
    names = [n for n, _ in named]
    assert len(set(names)) == 337
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.0.neurons.3.w.1" in names and names[-1] == "layers.2.neurons.0.b"
    assert all(p.label == n for n, p in named)


def test_module_names_and_parameter_scopes():
    model = MLP(2, [3, 2])
    assert model.name == ""
    assert [layer.name for layer in model.layers] == ["layers.0", "layers.1"]
    neuron = model.layers[1].neurons[1]
    assert neuron.name == "layers.1.neurons.1"
    assert neuron.activation == "linear" and model.layers[0].neurons[0].activation == "relu"
    assert {p.scope for p in neuron.parameters()} == {"layers.1.neurons.1"}


def test_nested_names_are_full_paths_and_named_parameters_relative():
    model = MLP(2, [2]).name_modules("encoder")
    assert model.layers[0].name == "encoder.layers.0"
    assert model.layers[0].neurons[1].b.label == "encoder.layers.0.neurons.1.b"
    assert model.named_parameters()[0][0] == "layers.0.neurons.0.w.0"  # relative, like torch
    layer = Layer(2, 2)
    assert [n for n, _ in layer.named_parameters()][:1] == ["neurons.0.w.0"]
    assert layer.neurons[0].w[0].label == "neurons.0.w.0"


def test_forward_records_the_scope_of_the_module_that_created_each_node():
    model = MLP(2, [2, 1])
    out = model([0.5, -1.0])
    nodes = [n for n in topological_order(out) if n.parents]
    scopes = {n.scope for n in nodes}
    assert scopes == {"layers.0.neurons.0", "layers.0.neurons.1", "layers.1.neurons.0"}
    assert out.scope == "layers.1.neurons.0" and out.op == "+"  # linear output: dot + b
    hidden = model.layers[0].neurons[0]([1.0, 2.0])
    assert hidden.op == "relu" and hidden.parents[0].parents[0].op == "dot"
    inputs = [n for n in topological_order(out) if not n.parents and not n.label]
    assert {n.scope for n in inputs} == {""}  # the inputs belong to the caller


def test_neuron_computes_act_of_w_dot_x_plus_b():
    x = [0.5, -2.0, 3.0]
    for activation, f in [
        ("relu", lambda z: max(0.0, z)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
        ("linear", lambda z: z),
    ]:
        n = Neuron(3, activation=activation, seed=5)
        n.b.data = 0.25
        z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25
        assert math.isclose(n(x).data, f(z), rel_tol=1e-15, abs_tol=1e-300), activation


def test_mlp_gradients_pass_gradcheck():
    model = MLP(2, [3, 3], activation="tanh", seed=3)
    params = model.parameters()

    def loss(*values):
        for p, v in zip(params, values):
            p.data = v.data
        # rebuild the computation from the values, so gradcheck sees them as inputs
        k = 0
        out = [Value(0.4), Value(-1.2)]
        for layer in model.layers:
            nxt = []
            for neuron in layer.neurons:
                ws = values[k : k + neuron.nin]
                b = values[k + neuron.nin]
                k += neuron.nin + 1
                z = sum((w * x for w, x in zip(ws, out)), b)
                nxt.append(z.tanh() if neuron.activation == "tanh" else z)
            out = nxt
        return cross_entropy(out, 2)

    assert gradcheck(loss, [p.data for p in params])
    # and the module's own graph gives the same gradients as the hand-built one
    reference = [Value(p.data) for p in params]
    loss(*reference).backward()
    for p, v in zip(params, reference):
        p.data = v.data
    cross_entropy(model([0.4, -1.2]), 2).backward()
    for p, r in zip(params, reference):
        assert math.isclose(p.grad, r.grad, rel_tol=1e-12, abs_tol=1e-15), p.label


# ---- initialisation ----------------------------------------------------------------------


def test_same_seed_same_weights_and_different_seed_different():
    a, b, c = MLP(2, [8, 1], seed=1), MLP(2, [8, 1], seed=1), MLP(2, [8, 1], seed=2)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_init_is_machine_independent_golden_numbers():
    """Only random.Random.random() (a sequence Python guarantees) and IEEE arithmetic."""
    n = Neuron(2, activation="relu", seed=0)
    rng = random.Random(0)
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 2)
    assert [w.data for w in n.w] == [bound * (2.0 * rng.random() - 1.0) for _ in range(2)]
    assert n.w[0].data == 1.193112292156655 and n.b.data == 0.0


def test_a_random_instance_is_used_as_the_stream():
    rng = random.Random(9)
    first = MLP(2, [3], seed=rng)
    second = MLP(2, [3], seed=rng)  # continues the stream: different weights
    assert [p.data for p in first.parameters()] != [p.data for p in second.parameters()]
    again = MLP(2, [3], seed=random.Random(9))
    assert [p.data for p in first.parameters()] == [p.data for p in again.parameters()]


@pytest.mark.parametrize(("activation", "gain"), [("relu", math.sqrt(2.0)), ("tanh", 1.0)])
def test_init_is_uniform_scaled_by_fan_in(activation, gain):
    nin = 50
    layer = Layer(nin, 40, activation=activation, seed=0)
    ws = [w.data for n in layer.neurons for w in n.w]
    bound = gain * math.sqrt(3.0 / nin)
    assert max(abs(w) for w in ws) <= bound
    assert max(abs(w) for w in ws) > 0.95 * bound  # the whole range is used
    variance = sum(w * w for w in ws) / len(ws)
    assert math.isclose(variance, gain**2 / nin, rel_tol=0.1)  # He / LeCun variance
    assert all(n.b.data == 0.0 for n in layer.neurons)


# ---- inputs and errors ------------------------------------------------------------------


def test_inputs_may_be_numbers_numpy_scalars_or_values():
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    ref = model([0.5, 2]).data
    assert model([np.float64(0.5), np.int64(2)]).data == ref
    assert model(np.array([0.5, 2.0])).data == ref
    x = [Value(0.5), Value(2.0)]
    out = model(x)
    assert out.data == ref
    out.backward()
    assert all(xi.grad != 0.0 for xi in x)  # gradients reach Value inputs
    assert Neuron(2, seed=4)([np.float32(0.5), 2]).data == Neuron(2, seed=4)([0.5, 2.0]).data


def test_wrong_input_length_says_expected_and_got():
    with pytest.raises(ValueError, match="MLP: expected 2 inputs, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Neuron 'layers.0.neurons.1': expected 3 inputs, got 2"):
        MLP(3, [3]).layers[0].neurons[1]([1.0, 2.0])
    with pytest.raises(TypeError, match="expected a sequence of 2 inputs, got float"):
        MLP(2, [1])(1.0)
    with pytest.raises(TypeError, match="str"):
        MLP(2, [1])(["a", 1.0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(0, [1]),
        lambda: MLP(2, []),
        lambda: MLP(2, [3, 0]),
        lambda: MLP(2, [2.5]),
        lambda: MLP(2, "16"),
        lambda: MLP(2, [1], activation="softplus"),
        lambda: MLP(2, [1], output_activation="Relu"),
        lambda: Layer(2, 0),
        lambda: Neuron(True),
    ],
)
def test_bad_construction_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_bad_seed_type():
    with pytest.raises(TypeError, match="seed must be an int or a random.Random"):
        MLP(2, [1], seed=1.5)


# ---- zero_grad, state dicts, repr ---------------------------------------------------------


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1])
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_into_another_model():
    a, b = MLP(2, [3, 2], seed=1), MLP(2, [3, 2], seed=2)
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    assert all(type(v) is float for v in state.values())
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, 0.7])[1].data == a([0.3, 0.7])[1].data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), "missing 'layers.1.neurons.0.b'"),
        (lambda s: s.update({"layers.9.neurons.0.b": 1.0}), "unexpected 'layers.9.neurons.0.b'"),
        (lambda s: s.update({"layers.0.neurons.2.w.1": "0.5"}), "must be a finite number"),
        (lambda s: s.update({"layers.0.neurons.2.w.1": math.nan}), "must be a finite number"),
        (lambda s: s.update({"layers.1.neurons.1.b": math.inf}), "must be a finite number"),
        (lambda s: s.update({"layers.1.neurons.1.b": True}), "must be a finite number"),
        (lambda s: s.update({"layers.1.neurons.1.b": 10**400}), "must be a finite number"),
    ],
)
def test_load_state_dict_checks_everything_before_changing_anything(edit, message):
    model = MLP(2, [3, 2], seed=1)
    before = model.state_dict()
    state = {name: value + 1.0 for name, value in before.items()}
    edit(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_needs_a_dict():
    with pytest.raises(TypeError, match="expected a dict, got list"):
        MLP(2, [1]).load_state_dict([1.0, 2.0, 3.0])


def test_repr_shows_architecture_and_parameter_count():
    assert (
        repr(MLP(2, [16, 16, 1])) == "MLP(2 -> 16 -> 16 -> 1, relu, output linear; 337 parameters)"
    )
    assert repr(MLP(2, [16, 16, 1]).layers[1]) == (
        "Layer(16 -> 16, relu; 272 parameters, name='layers.1')"
    )
    assert repr(Neuron(2, activation="tanh")) == "Neuron(2 inputs, tanh; 3 parameters)"


def test_a_custom_module_gets_everything_from_the_base_class():
    class Affine(Module):
        def __init__(self) -> None:
            self.scale, self.shift = Value(2.0), Value(1.0)
            self.inner = MLP(1, [1])
            self.name_modules("affine")  # names, labels and scopes, in one pass

        def own_parameters(self):
            return [("scale", self.scale), ("shift", self.shift)]

        def children(self):
            return [("inner", self.inner)]

        def forward(self, x):
            return self.inner([x * self.scale + self.shift])

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == [
        "scale",
        "shift",
        "inner.layers.0.neurons.0.w.0",
        "inner.layers.0.neurons.0.b",
    ]
    out = m(Value(3.0))
    assert out.parents[0].parents[-1].scope == "affine"  # x * scale + shift, in its scope
    with no_grad():
        assert m(1.0).parents == ()


def test_a_module_names_its_children_in_one_pass_after_construction():
    class Pair(Module):
        def __init__(self) -> None:
            self.left, self.right = Layer(2, 1, seed=1), MLP(1, [1])
            self.name_modules()

        def children(self):
            return [("left", self.left), ("right", self.right)]

        def forward(self, x):
            return self.right(self.left(x))

    m = Pair()
    assert [name for name, _ in m.named_modules()] == [
        "",
        "left",
        "left.neurons.0",
        "right",
        "right.layers.0",
        "right.layers.0.neurons.0",
    ]
    assert m.left.neurons[0].w[1].label == "left.neurons.0.w.1"
    assert m.right.layers[0].name == "right.layers.0"
    assert {p.scope for p in m.left.neurons[0].parameters()} == {"left.neurons.0"}
    assert [n for n, _ in m.named_parameters()] == [p.label for p in m.parameters()]
    out = m([1.0, 2.0])
    assert out.scope == "right.layers.0.neurons.0"


def test_constructors_do_not_thread_names():
    with pytest.raises(TypeError):
        MLP(2, [1], name="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Neuron(2, name="x")  # type: ignore[call-arg]
    neuron = Neuron(2)
    assert [p.label for p in neuron.parameters()] == ["w.0", "w.1", "b"]
    assert {p.scope for p in neuron.parameters()} == {""}


# ---- numpy numbers where Python numbers go (issue 9 item 14) -------------------------------


def test_numpy_integers_are_sizes_and_seeds():
    model = MLP(np.int64(2), [np.int64(3), np.int32(1)], seed=np.int64(5))
    plain = MLP(2, [3, 1], seed=5)
    assert model.state_dict() == plain.state_dict()
    assert model.architecture() == plain.architecture()
    assert all(type(n) is int for n in [model.nin, *model.nouts])  # JSON-ready, not numpy
    assert MLP(2, np.array([3, 1])).nouts == [3, 1]
    assert Layer(np.int16(2), np.uint8(3)).num_parameters() == 9
    assert Neuron(np.int64(2), seed=np.int8(1)).nin == 2


def test_numpy_reals_are_parameter_values():
    model = MLP(2, [1])
    state = {name: np.float32(0.5) for name in model.state_dict()}
    model.load_state_dict(state)
    assert model.state_dict() == dict.fromkeys(state, 0.5)


@pytest.mark.parametrize("size", [np.float64(3.0), np.bool_(True), True, 2.0])
def test_numpy_floats_and_bools_are_not_sizes(size):
    with pytest.raises(ValueError, match="layer size must be a positive int"):
        MLP(2, [size])
