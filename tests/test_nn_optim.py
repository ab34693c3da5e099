"""nn's optimizers: the update rules in small numbers, changing lr, zero_grad, and the
refusals (non-finite gradients, bad settings). (Torch's numbers: test_nn_golden.py.)"""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn import MLP, SGD, Adam


def with_grads(values: list[float], grads: list[float]) -> list[Value]:
    params = [Value(v, label=f"p{i}") for i, v in enumerate(values)]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def test_sgd_step_is_p_minus_lr_grad():
    params = with_grads([1.0, -2.0], [0.5, -4.0])
    SGD(params, lr=0.25).step()
    assert [p.data for p in params] == [1.0 - 0.125, -2.0 + 1.0]


def test_sgd_momentum_accumulates_velocity():
    (p,) = with_grads([0.0], [1.0])
    opt = SGD([p], lr=0.5, momentum=0.5)
    opt.step()  # v = 1
    opt.step()  # v = 0.5 * 1 + 1 = 1.5
    assert p.data == -0.5 - 0.75
    assert opt.velocity == [1.5]


def test_sgd_weight_decay_adds_decay_times_p_to_the_gradient():
    (p,) = with_grads([2.0], [0.0])
    SGD([p], lr=0.5, weight_decay=0.25).step()
    assert p.data == 2.0 - 0.5 * 0.5


def test_adam_first_step_moves_each_parameter_by_about_lr():
    """With bias correction, step 1 is lr * g / (|g| + eps'): about lr, whatever |g|."""
    params = with_grads([0.0, 0.0, 0.0], [1e-3, -5.0, 200.0])
    Adam(params, lr=0.01).step()
    assert [round(p.data, 6) for p in params] == [-0.01, 0.01, -0.01]


def test_lr_can_change_between_steps():
    (p,) = with_grads([1.0], [1.0])
    opt = SGD([p], lr=0.5)
    opt.step()
    opt.lr = 0.25
    opt.step()
    assert p.data == 1.0 - 0.5 - 0.25


def test_zero_grad_clears_the_optimizers_parameters():
    params = with_grads([1.0, 2.0], [3.0, 4.0])
    Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_sgd_lowers_a_quadratic():
    x = Value(3.0)
    opt = SGD([x], lr=0.1, momentum=0.5)
    for _ in range(100):
        opt.zero_grad()
        ((x - 1.0) ** 2).backward()
        opt.step()
    assert abs(x.data - 1.0) < 1e-9


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps)])
def test_non_finite_gradient_raises_before_touching_anything(make, bad):
    params = with_grads([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
    opt = make(params)
    opt.step()  # state (velocity, moments, step count) now exists
    state = (
        [p.data for p in params],
        list(getattr(opt, "velocity", [])),
        list(getattr(opt, "m", [])),
        list(getattr(opt, "v", [])),
        getattr(opt, "t", None),
    )
    params[2].grad = bad
    with pytest.raises(ValueError, match=f"gradient of parameter 'p2' is {bad!r}"):
        opt.step()
    after = (
        [p.data for p in params],
        list(getattr(opt, "velocity", [])),
        list(getattr(opt, "m", [])),
        list(getattr(opt, "v", [])),
        getattr(opt, "t", None),
    )
    assert after == state


def test_a_nameless_parameter_is_named_by_index():
    params = [Value(1.0), Value(2.0)]
    params[1].grad = math.nan
    with pytest.raises(ValueError, match="parameter #1 is nan"):
        SGD(params, lr=0.1).step()


def test_a_model_parameter_is_named_by_its_full_name():
    model = MLP(2, [2, 1])
    model.layers[1].neurons[0].w[1].grad = math.inf
    with pytest.raises(ValueError, match="'layers.1.neurons.0.w.1' is inf"):
        SGD(model.parameters(), lr=0.1).step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=-0.1),
        lambda ps: SGD(ps, lr=math.nan),
        lambda ps: SGD(ps, lr=0.1, momentum=-0.5),
        lambda ps: SGD(ps, lr=0.1, weight_decay=math.inf),
        lambda ps: Adam(ps, lr="0.1"),
        lambda ps: Adam(ps, betas=(0.9, 1.0)),
        lambda ps: Adam(ps, betas=(0.9,)),
        lambda ps: Adam(ps, eps=-1e-8),
        lambda ps: SGD([], lr=0.1),
    ],
)
def test_bad_settings_raise_value_error(make):
    with pytest.raises(ValueError):
        make([Value(1.0)])


def test_a_bad_lr_set_later_is_caught_at_step_before_any_change():
    (p,) = with_grads([1.0], [1.0])
    opt = SGD([p], lr=0.1)
    opt.lr = -1.0
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        opt.step()
    assert p.data == 1.0


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="parameter 1 must be a Value, got float"):
        SGD([Value(1.0), 2.0], lr=0.1)
