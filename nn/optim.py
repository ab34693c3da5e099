"""Optimizers: use each parameter's gradient to nudge its value downhill.

Both do the same arithmetic as ``torch.optim.SGD`` and ``torch.optim.Adam`` (same formulas,
same order of operations), so for the same gradients they give the same numbers, except
that torch's CPU kernels fuse ``p + (-lr) * g`` into one multiply-add with a single rounding,
which Python (before 3.13's ``math.fma``) cannot: a step may differ in the last bit. ``lr``
(and the other settings) may be changed between steps. A gradient that is nan or infinite
makes ``step()`` raise a ``ValueError`` naming the parameter, before anything is changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value


class Optimizer:
    """Holds the parameters (a list of Values) and clears their gradients."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameter {i} must be a Value, got {type(p).__name__}"
                )
        self.lr = lr
        self._check_settings()

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _check_settings(self) -> None:
        _non_negative(self, "lr", self.lr)

    def _check_before_step(self) -> None:
        """Every setting valid and every gradient finite, or raise before touching anything."""
        self._check_settings()
        for i, p in enumerate(self.params):
            if not math.isfinite(p.grad):
                name = repr(p.label) if p.label else f"#{i}"
                raise ValueError(
                    f"{type(self).__name__}.step: the gradient of parameter {name} is {p.grad!r}; "
                    "no parameter was changed"
                )


def _non_negative(opt: Optimizer, what: str, x: object) -> None:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.0 <= x < math.inf:
        raise ValueError(f"{type(opt).__name__}: {what} must be a finite number >= 0, got {x!r}")


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

    def _check_settings(self) -> None:
        super()._check_settings()
        _non_negative(self, "momentum", self.momentum)
        _non_negative(self, "weight_decay", self.weight_decay)

    def step(self) -> None:
        self._check_before_step()
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        velocity = self.velocity
        for i, p in enumerate(self.params):
            g = p.grad
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            if momentum != 0.0:
                v = velocity[i]
                g = g if v is None else v * momentum + g
                velocity[i] = g
            p.data = p.data + -lr * g


class Adam(Optimizer):
    """Adam: step along a running mean of the gradient, scaled per parameter by a running
    root-mean-square of the gradient (t counts steps from 1):

        g = grad + weight_decay * p
        m = m + (1 - beta1) (g - m)                  (= beta1 m + (1 - beta1) g)
        v = beta2 v + (1 - beta2) g^2
        p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
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

    def _check_settings(self) -> None:
        super()._check_settings()
        _non_negative(self, "eps", self.eps)
        _non_negative(self, "weight_decay", self.weight_decay)
        betas = self.betas
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair of numbers in [0, 1), got {betas!r}")
        for beta in betas:
            _non_negative(self, "each beta", beta)
            if not beta < 1.0:
                raise ValueError(f"Adam: betas must be a pair of numbers in [0, 1), got {betas!r}")

    def step(self) -> None:
        self._check_before_step()
        self.t += 1
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        # the same arithmetic, in the same order, as torch.optim.Adam (single-tensor path)
        step = float(self.t)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            m[i] = _lerp(m[i], g, 1 - beta1)
            v[i] = v[i] * beta2 + (1 - beta2) * g * g
            denom = math.sqrt(v[i]) / bias_correction2_sqrt + eps
            p.data = p.data + -step_size * m[i] / denom


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight (end - start), computed as torch.lerp does (from the nearer end)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)
