"""MLP.to_torch / MLP.from_torch: the same function in float64 (to 1e-12), an exact round
trip, copies not shared weights, a Sequential that does not fit an MLP turned down with a clear
error, and without torch an ImportError that says how to install it.

The torch-marked tests (``make crosscheck``) skip when torch cannot be imported, unless
STEPGRAD_REQUIRE_TORCH=1; the missing-torch test runs everywhere (it hides torch).
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest
from needs import need_torch

from nn import MLP

ARCHITECTURES = [
    (2, [16, 16, 1], "relu", "linear"),
    (3, [5, 4, 3], "tanh", "sigmoid"),
    (1, [2], "relu", "tanh"),
    (4, [3, 3, 3, 2], "sigmoid", "relu"),
    (2, [4, 2], "linear", "linear"),
]


@pytest.fixture
def torch():
    need_torch()
    import torch

    return torch


def outputs(model: MLP, rows: list[list[float]]) -> list[list[float]]:
    result = []
    for row in rows:
        out = model(row)
        result.append([out.data] if not isinstance(out, list) else [v.data for v in out])
    return result


@pytest.mark.torch
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=str)
def test_to_torch_computes_the_same_function_in_float64(torch, architecture):
    nin, nouts, act, out_act = architecture
    model = MLP(nin, nouts, activation=act, output_activation=out_act, seed=7)
    for p in model.parameters():  # non-zero biases too
        p.data += 0.1 * math.sin(len(p.label) + p.data)
    seq = model.to_torch()
    assert isinstance(seq, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == list(zip([nin, *nouts], nouts))
    rng = random.Random(0)
    rows = [[rng.uniform(-3, 3) for _ in range(nin)] for _ in range(20)]
    theirs = seq(torch.tensor(rows, dtype=torch.float64)).tolist()
    for ours_row, their_row in zip(outputs(model, rows), theirs):
        for a, b in zip(ours_row, their_row, strict=True):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (a, b)


@pytest.mark.torch
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=str)
def test_the_round_trip_is_exact(torch, architecture):
    nin, nouts, act, out_act = architecture
    model = MLP(nin, nouts, activation=act, output_activation=out_act, seed=3)
    back = MLP.from_torch(model.to_torch())
    assert type(back) is MLP and back.state_dict() == model.state_dict()
    if len(nouts) > 1:  # without a hidden layer the hidden activation is not stored
        assert back.architecture() == model.architecture()
    seq = model.to_torch()
    again = MLP.from_torch(seq).to_torch()
    for a, b in zip(seq.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.torch
def test_to_torch_copies_the_weights_and_leaves_torch_random_state_alone(torch):
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    state = torch.get_rng_state()
    seq = model.to_torch()
    assert torch.equal(state, torch.get_rng_state())  # no random initialisation drawn
    # trained in torch, as a learner would: the MLP is unchanged, from_torch gets the result
    opt = torch.optim.SGD(seq.parameters(), lr=0.1)
    x = torch.tensor([[0.5, -1.0], [1.0, 2.0]], dtype=torch.float64)
    for _ in range(3):
        opt.zero_grad()
        seq(x).pow(2).mean().backward()
        opt.step()
    assert model.state_dict() == before
    trained = MLP.from_torch(seq)
    assert trained.state_dict() != before
    theirs = seq(x).detach().flatten().tolist()
    ours = [trained(row).data for row in x.tolist()]
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(ours, theirs))
    trained.layers[0].neurons[0].b.data = 42.0  # and the other way round
    assert seq[0].bias[0].item() != 42.0


def bad_sequentials(torch):
    nn_ = torch.nn

    def lin(i, o, **kw):
        return nn_.Linear(i, o, dtype=torch.float64, **kw)

    inf_layer = lin(2, 1)
    with torch.no_grad():
        inf_layer.weight[0, 1] = math.inf
    return [
        (
            [nn_.Linear(2, 3), nn_.ReLU(), nn_.Linear(3, 1)],
            "layer 0's weight is torch.float32.*seq.double()",
        ),
        ([lin(2, 3), nn_.Dropout(0.5), lin(3, 1)], r"module 1 \(Dropout\) is not a Linear layer"),
        ([nn_.ReLU(), lin(2, 1)], r"module 0 \(ReLU\) comes before any Linear layer"),
        ([lin(2, 3), nn_.ReLU(), nn_.Tanh(), lin(3, 1)], r"module 2 \(Tanh\) follows another"),
        ([lin(2, 3), nn_.ReLU(), lin(3, 3), nn_.Tanh(), lin(3, 1)], "different activations"),
        ([lin(2, 3), nn_.ReLU(), lin(4, 1)], "Linear layer 1 takes 4 inputs but layer 0 gives 3"),
        ([lin(2, 3, bias=False)], "Linear layer 0 has no bias"),
        ([inf_layer], r"not finite: 'layers\.0\.neurons\.0\.w\.1'"),
        ([], "has no Linear layer"),
    ]


@pytest.mark.torch
def test_from_torch_turns_down_what_is_not_an_mlp(torch):
    for modules, message in bad_sequentials(torch):
        with pytest.raises(ValueError, match=message):
            MLP.from_torch(torch.nn.Sequential(*modules))
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential, got Linear"):
        MLP.from_torch(torch.nn.Linear(2, 1, dtype=torch.float64))


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    model = MLP(2, [3, 1], seed=0)
    for convert, who in (
        (model.to_torch, "MLP.to_torch"),
        (lambda: MLP.from_torch(None), "MLP.from_torch"),
    ):
        with pytest.raises(ImportError) as info:
            convert()
        message = str(info.value)
        assert message.startswith(f"{who} needs PyTorch, which is not installed")
        assert "pip install 'stepgrad[ref]'" in message


def test_import_nn_does_not_import_torch():
    import subprocess

    code = "import nn, sys; nn.MLP(2, [1]); assert 'torch' not in sys.modules"
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=root)
