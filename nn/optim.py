"""Optimizers: use each parameter's gradient to nudge its value downhill.

Both do the same arithmetic as ``torch.optim.SGD`` and ``torch.optim.Adam`` (same formulas,
same order of operations), so for the same gradients they give the same numbers, except
that torch's CPU kernels fuse ``p + (-lr) * g`` into one multiply-add with a single rounding,
which Python (before 3.13's ``math.fma``) cannot: a step may differ in the last bit. ``lr``
(and the other settings) may be changed between steps.

A step is all or nothing. It first checks every setting, gradient and parameter value
(a ``TypeError``/``ValueError`` naming the bad one), then computes every new number (an
``OverflowError`` naming the parameter if one would not be finite), and only then writes
them all, with Ctrl-C held back for that moment: a ``KeyboardInterrupt`` arrives before the
step or after it, never in the middle.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from autograd import Value
from autograd.real import is_real


class Optimizer:
    """Holds the parameters (a list of distinct Values) and clears their gradients."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _checked_params(type(self).__name__, params)
        self.lr = lr
        self._settings()

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    # ---- checks: everything before anything changes --------------------------------------

    def _settings(self) -> tuple[float, ...]:
        """Every setting checked, as floats (subclasses add theirs after lr)."""
        return (self._setting("lr", self.lr),)

    def _setting(self, name: str, x: object, low: float = 0.0, open_low: bool = False) -> float:
        """``x`` as a float if it is a finite real number >= low (> low when open_low)."""
        who = type(self).__name__
        if isinstance(x, bool) or type(x).__name__ == "bool_" or not is_real(x):
            raise TypeError(
                f"{who}: {name} must be a real number, got {type(x).__name__}: {x!r:.100}"
            )
        value = float(x)  # type: ignore[arg-type]
        if not math.isfinite(value) or value < low or (open_low and value == low):
            bound = f"> {low:g}" if open_low else f">= {low:g}"
            raise ValueError(f"{who}: {name} must be a finite number {bound}, got {x!r:.100}")
        return value

    def _values_and_gradients(self) -> tuple[list[float], list[float]]:
        """Every parameter's value and gradient as floats, after checking both are finite
        real numbers (a numpy float32 gradient set by hand must not make a float32 step)."""
        values = [p.data for p in self.params]
        grads = [p.grad for p in self.params]
        if _all_finite_floats(values) and _all_finite_floats(grads):
            return values, grads  # the usual case, checked at C speed
        who = type(self).__name__
        for what, xs in (("gradient of parameter", grads), ("parameter", values)):
            for i, x in enumerate(xs):
                p = self.params[i]
                if isinstance(x, bool) or not is_real(x):
                    raise TypeError(
                        f"{who}.step: the {what} {_name(p, i)} is {type(x).__name__}: "
                        f"{x!r:.100}, not a number; no parameter was changed"
                    )
                xs[i] = float(x)  # type: ignore[arg-type]
                if not math.isfinite(xs[i]):
                    raise ValueError(
                        f"{who}.step: the {what} {_name(p, i)} is {xs[i]!r}; "
                        "no parameter was changed"
                    )
        return values, grads

    # ---- the commit: all new numbers at once -----------------------------------------------

    def _commit(self, data: list[float], **state: Any) -> None:
        """Write the new parameter values and optimizer state (lists of floats or None per
        parameter, or a number), after checking every number is finite."""
        for name, values in {"": data, **state}.items():
            if not isinstance(values, list):
                values = [values]
            if _all_finite_floats([x for x in values if x is not None]):
                continue
            for i, x in enumerate(values):
                if x is not None and not math.isfinite(x):
                    what = name or "value"
                    raise OverflowError(
                        f"{type(self).__name__}.step: parameter {_name(self.params[i], i)} "
                        f"would get a non-finite {what} ({x!r}); no parameter was changed "
                        "(a smaller lr may help)"
                    )
        with _ctrl_c_held_back():
            for p, x in zip(self.params, data):
                p.data = x
            for name, values in state.items():
                setattr(self, name, values)


def _all_finite_floats(xs: list[Any]) -> bool:
    """True when every item is a float (not a subclass such as numpy's float64) and finite."""
    return set(map(type, xs)) <= {float} and all(map(math.isfinite, xs))


def _name(p: Value, i: int) -> str:
    return repr(p.label) if p.label else f"#{i}"


def _checked_params(who: str, params: Iterable[Value]) -> list[Value]:
    """A list of distinct Values: a parameter listed twice would be stepped twice."""
    if isinstance(params, Value) or not isinstance(params, Iterable):
        raise TypeError(f"{who}: params must be a list of Values, got {type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError(f"{who}: got an empty list of parameters")
    first: dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: parameter {i} must be a Value, got {type(p).__name__}")
        j = first.setdefault(id(p), i)
        if j != i:
            raise ValueError(
                f"{who}: parameter {_name(p, j)} is listed twice (positions {j} and {i}); "
                "list each parameter once"
            )
    return params


@contextmanager
def _ctrl_c_held_back() -> Iterator[None]:
    """Run the body with SIGINT (Ctrl-C) deferred, then deliver it: the previous handler
    (normally the one raising KeyboardInterrupt) is put back and called afterwards.
    Only the main thread receives signals in Python, so elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # installed outside Python: it cannot be put back, so leave it
        yield
        return
    caught: list[Any] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            if callable(previous):
                previous(signal.SIGINT, caught[0])
            elif previous == signal.SIG_DFL:
                signal.raise_signal(signal.SIGINT)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and L2 weight decay:

        g = grad + weight_decay * p
        v = g                    (first step)     v = momentum * v + g   (later steps)
        p = p - lr * v           (v = g when momentum is 0)

    As ``torch.optim.SGD`` with dampening 0 and no Nesterov momentum.
    """

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.momentum = momentum
        self.weight_decay = weight_decay
        super().__init__(params, lr)
        self.velocity: list[float | None] = [None] * len(self.params)

    def _settings(self) -> tuple[float, ...]:
        return (
            *super()._settings(),
            self._setting("momentum", self.momentum),
            self._setting("weight_decay", self.weight_decay),
        )

    def step(self) -> None:
        lr, momentum, weight_decay = self._settings()
        p, g = self._values_and_gradients()  # one list each, a number per parameter
        if weight_decay != 0.0:
            g = [g_i + weight_decay * p_i for p_i, g_i in zip(p, g)]
        velocity = self.velocity
        if momentum != 0.0:
            velocity = [
                g_i if v_i is None else v_i * momentum + g_i for g_i, v_i in zip(g, velocity)
            ]
            g = velocity
        self._commit([p_i + -lr * g_i for p_i, g_i in zip(p, g)], velocity=velocity)


class Adam(Optimizer):
    """Adam: step along a running mean of the gradient, scaled per parameter by a running
    root-mean-square of the gradient (t counts steps from 1):

        g = grad + weight_decay * p
        m = m + (1 - beta1) (g - m)                  (= beta1 m + (1 - beta1) g)
        v = beta2 v + (1 - beta2) g^2
        p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    eps > 0 keeps the division defined where a gradient has always been 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        super().__init__(params, lr)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _settings(self) -> tuple[float, ...]:
        return (
            *super()._settings(),
            *self._betas(),
            self._setting("eps", self.eps, open_low=True),
            self._setting("weight_decay", self.weight_decay),
        )

    def _betas(self) -> tuple[float, float]:
        betas = self.betas
        if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence):
            raise TypeError(
                f"Adam: betas must be a pair of numbers in [0, 1), got "
                f"{type(betas).__name__}: {betas!r:.100}"
            )
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair of numbers in [0, 1), got {betas!r:.100}")
        pair = tuple(self._setting("betas", beta) for beta in betas)
        if not all(beta < 1.0 for beta in pair):
            raise ValueError(f"Adam: betas must be a pair of numbers in [0, 1), got {betas!r:.100}")
        return pair  # type: ignore[return-value]

    def step(self) -> None:
        lr, beta1, beta2, eps, weight_decay = self._settings()
        values, grads = self._values_and_gradients()  # one list each, a number per parameter
        t = self.t + 1
        # the same arithmetic, in the same order, as torch.optim.Adam (single-tensor path)
        step = float(t)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        p, g = values, grads
        if weight_decay != 0.0:
            g = [g_i + weight_decay * p_i for p_i, g_i in zip(p, g)]
        # m + w (g - m) with w = 1 - beta1, computed as torch.lerp does (from the nearer end)
        w = 1 - beta1
        if abs(w) < 0.5:
            m = [m_i + w * (g_i - m_i) for m_i, g_i in zip(self.m, g)]
        else:
            m = [g_i - (g_i - m_i) * (1 - w) for m_i, g_i in zip(self.m, g)]
        v = [v_i * beta2 + (1 - beta2) * g_i * g_i for v_i, g_i in zip(self.v, g)]
        sqrt = math.sqrt
        data = [
            p_i + -step_size * m_i / (sqrt(v_i) / bias_correction2_sqrt + eps)
            for p_i, m_i, v_i in zip(p, m, v)
        ]
        self._commit(data, m=m, v=v, t=t)
