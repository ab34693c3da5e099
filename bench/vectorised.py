"""The demo step written by hand over whole arrays: numpy (the practical limit of a
CPython program that hands its arithmetic to compiled loops) and PyTorch on the CPU in
float64 (the library learners graduate to). Both solve ``bench/problem.py``'s problem with
its weights and return (loss, gradients in micrograd's parameter order), like every step
of the engine benchmark.

With Z_i = H_(i-1) W_i^T + b_i (one row per point), H_i = relu(Z_i) for hidden layers and
s = Z_last, the loss is L = mean(relu(1 - y s)) + alpha * sum(p^2), and backward is

    dL/ds      = -y / n where 1 - y s > 0, else 0
    dL/dW_i    = dZ_i^T H_(i-1),  dL/db_i = sum over rows of dZ_i,  dL/dH_(i-1) = dZ_i W_i
    dZ_(i-1)   = dL/dH_(i-1) * [Z_(i-1) > 0]

plus 2 alpha p for every parameter.
"""

from __future__ import annotations

from typing import Any

from bench.problem import Problem


class NumpyStep:
    """Forward and backward by hand with numpy: one matrix product per layer and direction."""

    def __init__(self, problem: Problem) -> None:
        import numpy as np

        self.np = np
        self.W = [np.array([w for w, _ in layer], dtype=np.float64) for layer in problem.weights]
        self.b = [np.array([b for _, b in layer], dtype=np.float64) for layer in problem.weights]
        self.X = np.array(problem.X, dtype=np.float64)
        self.Y = np.array(problem.Y, dtype=np.float64)
        self.alpha = problem.alpha

    def __call__(self) -> tuple[float, list[float]]:
        np = self.np
        W, b, Y = self.W, self.b, self.Y
        n, last = len(Y), len(W) - 1
        hs, zs = [self.X], []
        h = self.X
        for i in range(last + 1):
            z = h @ W[i].T + b[i]
            zs.append(z)
            h = z if i == last else np.maximum(z, 0.0)
            hs.append(h)
        margin = 1.0 - Y * h[:, 0]
        active = margin > 0.0
        reg = sum(float(np.dot(w.ravel(), w.ravel())) + float(np.dot(c, c)) for w, c in zip(W, b))
        loss = float(np.sum(margin[active])) / n + self.alpha * reg
        dz = np.where(active, -Y / n, 0.0)[:, None]
        grads: list[Any] = [None] * (last + 1)
        two_alpha = 2.0 * self.alpha
        for i in range(last, -1, -1):
            gw = dz.T @ hs[i] + two_alpha * W[i]
            gb = dz.sum(axis=0) + two_alpha * b[i]
            grads[i] = np.hstack([gw, gb[:, None]]).ravel()  # per neuron: weights, then bias
            if i:
                dz = (dz @ W[i]) * (zs[i - 1] > 0.0)
        return loss, np.concatenate(grads).tolist()


class TorchStep:
    """``torch.nn.Sequential`` of Linear and ReLU in float64, the loss and ``backward()`` as a
    torch user writes them; one thread (the other rows are single-threaded too)."""

    def __init__(self, problem: Problem) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        layers: list[Any] = []
        for i, layer in enumerate(problem.weights):
            if i:
                layers.append(torch.nn.ReLU())
            linear = torch.nn.Linear(len(layer[0][0]), len(layer), dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor([w for w, _ in layer], dtype=torch.float64))
                linear.bias.copy_(torch.tensor([b for _, b in layer], dtype=torch.float64))
            layers.append(linear)
        self.model = torch.nn.Sequential(*layers)
        self.linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        self.params = list(self.model.parameters())
        self.X = torch.tensor(problem.X, dtype=torch.float64)
        self.Y = torch.tensor(problem.Y, dtype=torch.float64)
        self.alpha = problem.alpha

    def __call__(self) -> tuple[float, list[float]]:
        torch = self.torch
        self.model.zero_grad()
        s = self.model(self.X)[:, 0]
        reg = sum((p * p).sum() for p in self.params)
        loss = torch.relu(1.0 - self.Y * s).mean() + self.alpha * reg
        loss.backward()
        grads = [
            torch.cat([m.weight.grad, m.bias.grad[:, None]], dim=1).reshape(-1)
            for m in self.linears
        ]
        return loss.item(), torch.cat(grads).tolist()
