"""Fixtures shared by the test files.

``cached_fit``: the README's moons training (MLP 2-16-16-1, hinge, 20 epochs of batches of
10) is also what ``stepgrad demo`` runs by default and what test_nn_train checks reaches 95%.
Training is deterministic, so the session trains it once: ``cached_fit`` is ``nn.fit``
(patched in for the test) remembering each result by everything that determines it (the
model's architecture and starting weights, the data, every setting and the optimizer's
settings). A second identical call loads the first call's final weights into the model and
returns a copy of its History. Anything it cannot key (a custom loss, a schedule, a callback,
an optimizer with state) simply trains.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import pytest

import nn
import nn.train
from nn import MLP, SGD


def _rows(data: Any) -> tuple:
    return tuple(tuple(float(v) for v in row) if hasattr(row, "__len__") else row for row in data)


def _fit_key(model: Any, X: Any, y: Any, args: tuple, kwargs: dict) -> tuple | None:
    """Everything that determines fit's result, or None when that cannot be told."""
    if type(model) is not MLP:
        return None
    bound = inspect.signature(nn.train.fit).bind(model, X, y, *args, **kwargs)
    bound.apply_defaults()
    settings = dict(bound.arguments)
    for name in ("model", "X", "y", "progress"):
        settings.pop(name)
    if any(callable(settings[name]) for name in ("loss", "lr_schedule", "callback")):
        return None
    opt = settings.pop("optimizer")
    if opt is None:
        opt_key = (0.1, 0.9, 0.0)  # fit's default optimizer
    elif (
        type(opt) is SGD
        and all(v is None for v in opt.velocity)
        and [id(p) for p in opt.params] == [id(p) for p in model.parameters()]
    ):
        opt_key = (float(opt.lr), float(opt.momentum), float(opt.weight_decay))
    else:
        return None
    return (
        repr(model.architecture()),
        tuple(model.state_dict().items()),
        _rows(X),
        _rows(y),
        opt_key,
        tuple(sorted(settings.items())),
    )


@pytest.fixture(scope="session")
def fit_results() -> dict:
    """The session's trained results: key -> (final weights, History)."""
    return {}


@pytest.fixture
def cached_fit(monkeypatch: pytest.MonkeyPatch, fit_results: dict) -> Any:
    """``nn.fit`` that trains each distinct run once per session (see the module docstring);
    also patched in as ``nn.fit`` for the test, so the README's code and the demo use it."""
    real_fit = nn.train.fit

    def fit(model: Any, X: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        key = _fit_key(model, X, y, args, kwargs)
        if key is None:
            return real_fit(model, X, y, *args, **kwargs)
        if key not in fit_results:
            history = real_fit(model, X, y, *args, **kwargs)
            fit_results[key] = (model.state_dict(), copy.deepcopy(history))
        state, history = fit_results[key]
        model.load_state_dict(state)
        return copy.deepcopy(history)

    monkeypatch.setattr(nn, "fit", fit)
    return fit
