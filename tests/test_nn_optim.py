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


BAD_SETTINGS = [
    # (optimizer, settings, error, the argument named in the message)
    (SGD, {"lr": -0.1}, ValueError, "lr"),
    (SGD, {"lr": math.nan}, ValueError, "lr"),
    (SGD, {"lr": math.inf}, ValueError, "lr"),
    (SGD, {"lr": 0.1, "momentum": -0.5}, ValueError, "momentum"),
    (SGD, {"lr": 0.1, "momentum": math.nan}, ValueError, "momentum"),
    (SGD, {"lr": 0.1, "momentum": math.inf}, ValueError, "momentum"),
    (SGD, {"lr": 0.1, "weight_decay": math.inf}, ValueError, "weight_decay"),
    (SGD, {"lr": 0.1, "weight_decay": -1e-3}, ValueError, "weight_decay"),
    (SGD, {"lr": "0.1"}, TypeError, "lr"),
    (SGD, {"lr": None}, TypeError, "lr"),
    (SGD, {"lr": True}, TypeError, "lr"),
    (SGD, {"lr": 0.1, "momentum": [0.9]}, TypeError, "momentum"),
    (Adam, {"lr": "0.1"}, TypeError, "lr"),
    (Adam, {"lr": -1.0}, ValueError, "lr"),
    (Adam, {"eps": 0.0}, ValueError, "eps"),
    (Adam, {"eps": -1e-8}, ValueError, "eps"),
    (Adam, {"eps": math.inf}, ValueError, "eps"),
    (Adam, {"eps": math.nan}, ValueError, "eps"),
    (Adam, {"weight_decay": -1.0}, ValueError, "weight_decay"),
    (Adam, {"weight_decay": math.nan}, ValueError, "weight_decay"),
    (Adam, {"betas": (0.9, 1.0)}, ValueError, "betas"),
    (Adam, {"betas": (1.5, 0.9)}, ValueError, "betas"),
    (Adam, {"betas": (-0.1, 0.9)}, ValueError, "betas"),
    (Adam, {"betas": (math.nan, 0.9)}, ValueError, "betas"),
    (Adam, {"betas": (0.9,)}, ValueError, "betas"),
    (Adam, {"betas": (0.9, 0.99, 0.999)}, ValueError, "betas"),
    (Adam, {"betas": 0.9}, TypeError, "betas"),
    (Adam, {"betas": ("a", 0.9)}, TypeError, "betas"),
]


@pytest.mark.parametrize(("make", "settings", "error", "name"), BAD_SETTINGS)
def test_bad_settings_are_refused_at_construction_naming_the_setting(make, settings, error, name):
    with pytest.raises(error, match=rf"^{make.__name__}: {name}\b"):
        make([Value(1.0)], **settings)


def test_an_empty_parameter_list_is_refused():
    with pytest.raises(ValueError, match="empty list of parameters"):
        SGD([], lr=0.1)


@pytest.mark.parametrize(("make", "settings", "error", "name"), BAD_SETTINGS)
def test_a_bad_setting_made_after_construction_is_caught_by_step_before_any_change(
    make, settings, error, name
):
    params = with_grads([1.0, 2.0], [0.0, 0.5])  # a zero gradient: Adam's eps = 0 divided by it
    opt = make(params, lr=0.1)
    opt.step()
    before = snapshot(params, opt)
    for key, value in settings.items():
        setattr(opt, key, value)
    with pytest.raises(error, match=rf"{name}\b"):
        opt.step()
    assert snapshot(params, opt) == before


def snapshot(params: list[Value], opt) -> tuple:
    return (
        [p.data for p in params],
        list(getattr(opt, "velocity", [])),
        list(getattr(opt, "m", [])),
        list(getattr(opt, "v", [])),
        getattr(opt, "t", None),
    )


@pytest.mark.parametrize(
    "make", [lambda ps: SGD(ps, lr=1e300, momentum=0.9), lambda ps: Adam(ps, lr=1e300, eps=1e-300)]
)
def test_a_step_that_would_overflow_changes_nothing(make):
    params = with_grads([1.0, -1e300, 2.0], [0.5, 1e300, 0.0])
    opt = make(params)
    before = snapshot(params, opt)
    with pytest.raises(OverflowError, match="parameter 'p1'"):
        opt.step()
    assert snapshot(params, opt) == before


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps)])
def test_a_non_finite_parameter_value_is_refused_before_any_change(make):
    params = with_grads([1.0, math.nan], [0.5, 0.5])
    opt = make(params)
    with pytest.raises(ValueError, match="parameter 'p1' is nan"):
        opt.step()
    assert params[0].data == 1.0


@pytest.mark.parametrize("make", [SGD, Adam])
def test_a_parameter_listed_twice_is_refused_naming_it(make):
    """SGD([a, a]) would step a twice (0.8 instead of 0.9): refused, by identity."""
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    with pytest.raises(ValueError, match="parameter 'a' is listed twice.*positions 0 and 2"):
        make([a, b, a], lr=0.1)
    nameless = Value(1.0)
    with pytest.raises(ValueError, match="parameter #1 is listed twice.*positions 1 and 2"):
        make([b, nameless, nameless], lr=0.1)
    make([Value(1.0), Value(1.0)], lr=0.1)  # equal values are different parameters


def test_a_model_parameter_is_never_listed_twice():
    model = MLP(2, [3, 1])
    SGD(model.parameters(), lr=0.1)  # accepted
    with pytest.raises(ValueError, match="'layers.1.neurons.0.w.0' is listed twice"):
        SGD(model.parameters() + model.layers[1].parameters(), lr=0.1)


def test_numpy_scalars_are_accepted_as_settings():
    np = pytest.importorskip("numpy")
    a = with_grads([1.0], [1.0])
    SGD(a, lr=np.float32(0.5), momentum=np.float64(0.5), weight_decay=np.int64(0)).step()
    assert a[0].data == 1.0 - float(np.float32(0.5))
    b = with_grads([1.0], [1.0])
    c = with_grads([1.0], [1.0])
    Adam(
        b, lr=np.float64(0.1), betas=(np.float32(0.5), np.float64(0.25)), eps=np.float64(1e-8)
    ).step()
    Adam(c, lr=0.1, betas=(float(np.float32(0.5)), 0.25), eps=1e-8).step()
    assert b[0].data == c[0].data
    opt = SGD(with_grads([1.0], [1.0]), lr=0.1)
    opt.lr = np.float16(0.25)  # set between steps
    opt.step()
    assert opt.params[0].data == 0.75


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


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda ps: SGD(ps, lr=0.001), -0.001 * 5.0),
        (lambda ps: Adam(ps, lr=0.001), -(0.001 * 5.0) / (5.0 + 1e-8)),
    ],
)
def test_a_numpy_gradient_set_by_hand_gives_a_float64_step(make, expected):
    """(Found by test_nn_fuzz: a float32 gradient made the step in float32.)"""
    np = pytest.importorskip("numpy")
    (p,) = with_grads([0.0], [0.0])
    p.grad = np.float32(5.0)
    make([p]).step()
    assert type(p.data) is float and math.isclose(p.data, expected, rel_tol=1e-15)


@pytest.mark.parametrize("where", ["grad", "data"])
def test_a_gradient_or_value_that_is_not_a_number_is_a_type_error_naming_the_parameter(where):
    params = with_grads([1.0, 2.0], [0.5, 0.5])
    setattr(params[1], where, "0.5")
    opt = SGD(params, lr=0.1)
    with pytest.raises(TypeError, match="parameter 'p1' is str: '0.5', not a number"):
        opt.step()
    assert params[0].data == 1.0
