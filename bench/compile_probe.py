"""A quick side-by-side probe of compile_graph on the bench problem (issue 11), not the
official report (bench/run.py is): one training step without the update, GC on, medians.

    micrograd 0.1.0          micrograd's elementwise graph, rebuilt and backward each step
    torch float64            the same MLP as one torch.nn.Sequential on a (100, 2) tensor
    numpy by hand            a hand-vectorised numpy step (the practical limit)
    floor                    plain floats and a hand-written backward (bench/floor.py)
    compiled batch (nn)      the per-example loss (dot nodes, as nn builds it) compiled once,
                             cg.batch(X0, X1, Y) per step
    compiled batch (micro)   the same, built micrograd-style (sum of w*x, our Value)
    compiled per-ex (nn)     cg(x0, x1, y) for each of the 100 points, pure Python
    compiled per-ex (micro)  the same for the micrograd-style graph

The per-example graph is relu(1 - y*s) + ALPHA * sum(p*p): its mean over the rows is the
bench loss. Per example the L2 term is left out of the graph (it is the same for every
point) and added once per step, as the floor does.

    .venv/bin/python bench/compile_probe.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import floor
from bench.engine_graph import Elementwise, training_step
from bench.problem import Problem, default_problem, flatten


def model(problem: Problem, style: str, l2: bool) -> tuple[Any, list[Any], list[Any]]:
    """(root, inputs [x0, x1, y], params in micrograd's order) of one example's loss."""
    from autograd import Value, dot

    x = [Value(0.0, "x0"), Value(0.0, "x1")]
    y = Value(1.0, "y")
    layers = [[([Value(w) for w in ws], Value(b)) for ws, b in layer] for layer in problem.weights]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    h: list[Any] = x
    for i, layer in enumerate(layers):
        if style == "nn":
            acts = [dot(w, h) + b for w, b in layer]
        else:  # micrograd's neuron
            acts = [sum((wk * hk for wk, hk in zip(w, h)), b) for w, b in layer]
        h = acts if i == len(layers) - 1 else [a.relu() for a in acts]
    loss = (1 + -y * h[0]).relu()
    if l2:
        reg = dot(params, params) if style == "nn" else sum(p * p for p in params)
        loss = loss + problem.alpha * reg
    return loss, [*x, y], params


def compiled_batch(problem: Problem, style: str) -> tuple[Callable[[], Any], float]:
    import numpy as np

    from autograd import compile_graph

    root, inputs, params = model(problem, style, l2=True)
    t0 = time.perf_counter()
    cg = compile_graph(root, inputs)
    seconds = time.perf_counter() - t0
    cols = [np.array([x[0] for x in problem.X]), np.array([x[1] for x in problem.X]),
            np.array(problem.Y)]

    def step() -> tuple[float, list[float]]:
        for p in params:
            p.grad = 0.0
        loss = cg.batch(*cols)
        return loss, [p.grad for p in params]

    cg.batch(*cols)
    return step, seconds


def compiled_per_example(problem: Problem, style: str) -> tuple[Callable[[], Any], float]:
    from autograd import compile_graph

    root, inputs, params = model(problem, style, l2=False)
    t0 = time.perf_counter()
    cg = compile_graph(root * (1.0 / len(problem.X)), inputs)
    seconds = time.perf_counter() - t0
    rows = [(x0, x1, y) for (x0, x1), y in zip(problem.X, problem.Y)]
    alpha = problem.alpha

    def step() -> tuple[float, list[float]]:
        for p in params:
            p.grad = 0.0
        total = 0.0
        for row in rows:
            total += cg(*row)
        data = [p.data for p in params]
        total += alpha * sum([p * p for p in data])
        return total, [p.grad + 2.0 * alpha * d for p, d in zip(params, data)]

    return step, seconds


def torch_step(problem: Problem) -> Callable[[], Any] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    layers = []
    sizes = [len(problem.weights[0][0][0])] + [len(layer) for layer in problem.weights]
    for i, layer in enumerate(problem.weights):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([w for w, _ in layer], dtype=torch.float64))
            lin.bias.copy_(torch.tensor([b for _, b in layer], dtype=torch.float64))
        layers.append(lin)
        if i < len(problem.weights) - 1:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    params = [p for lin in layers if isinstance(lin, torch.nn.Linear)
              for p in (lin.weight, lin.bias)]
    X = torch.tensor(problem.X, dtype=torch.float64)
    Y = torch.tensor(problem.Y, dtype=torch.float64)
    alpha = problem.alpha

    def step() -> tuple[float, list[float]]:
        for p in params:
            p.grad = None
        s = net(X)[:, 0]
        loss = torch.relu(1 - Y * s).mean() + alpha * sum((p * p).sum() for p in params)
        loss.backward()
        grads = []
        for lin in layers:
            if isinstance(lin, torch.nn.Linear):
                for row, b in zip(lin.weight.grad.tolist(), lin.bias.grad.tolist()):
                    grads += [*row, b]
        return loss.item(), grads

    return step


def numpy_step(problem: Problem) -> Callable[[], Any]:
    """The same step vectorised by hand with numpy (the practical limit)."""
    import numpy as np

    Ws = [np.array([w for w, _ in layer]) for layer in problem.weights]
    bs = [np.array([b for _, b in layer]) for layer in problem.weights]
    X, Y, n, alpha = np.array(problem.X), np.array(problem.Y), len(problem.X), problem.alpha

    def step() -> tuple[float, list[float]]:
        hs, zs = [X], []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = hs[-1] @ W.T + b
            zs.append(z)
            hs.append(z if i == len(Ws) - 1 else np.maximum(z, 0.0))
        margin = 1.0 - Y * hs[-1][:, 0]
        loss = np.maximum(margin, 0.0).mean() + alpha * sum((W * W).sum() + (b * b).sum()
                                                            for W, b in zip(Ws, bs))
        dz = (np.where(margin > 0.0, -Y, 0.0) / n)[:, None]
        gW, gb = [None] * len(Ws), [None] * len(Ws)
        for i in range(len(Ws) - 1, -1, -1):
            gW[i] = dz.T @ hs[i] + 2 * alpha * Ws[i]
            gb[i] = dz.sum(0) + 2 * alpha * bs[i]
            if i:
                dz = (dz @ Ws[i]) * (zs[i - 1] > 0.0)
        grads = []
        for W, b in zip(gW, gb):
            grads += np.concatenate([W, b[:, None]], axis=1).ravel().tolist()
        return float(loss), grads

    return step


def timed(steps: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median seconds per step; the steps take turns, GC on, nothing collected by hand
    during a block of consecutive steps."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            gc.collect()
            step()
            step()  # warm up
            block = 3 if name.startswith("micrograd") else 20
            t0 = time.perf_counter()
            for _ in range(block):
                step()
            times[name].append((time.perf_counter() - t0) / block)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    problem = default_problem()
    steps: dict[str, Callable[[], Any]] = {}
    from micrograd.engine import Value as MicrogradValue

    steps["micrograd 0.1.0"] = training_step(Elementwise(MicrogradValue, problem))
    t = torch_step(problem)
    if t is not None:
        steps["torch float64"] = t
    steps["numpy by hand"] = numpy_step(problem)
    steps["floor"] = lambda: floor.loss_and_grads(problem)
    compile_ms = {}
    for style in ("nn", "micro"):
        steps[f"compiled batch ({style})"], _ = compiled_batch(problem, style)
    for style in ("nn", "micro"):
        steps[f"compiled per-ex ({style})"], sec = compiled_per_example(problem, style)
        compile_ms[style] = sec * 1e3
    # agreement with the floor
    ref_loss, ref_grads = floor.loss_and_grads(problem)
    assert len(flatten(problem.weights)) == len(ref_grads)
    for name, step in steps.items():
        loss, grads = step()
        worst = max(abs(g - r) / max(1e-12, abs(r)) for g, r in zip(grads, ref_grads))
        print(f"{name:26s} loss {loss:.15f} (floor {ref_loss:.15f}) worst grad rel {worst:.1e}")
        assert math.isclose(loss, ref_loss, rel_tol=1e-12), name
    med = timed(steps, args.repeats)
    for name, sec in med.items():
        print(f"{name:26s} {sec * 1e3:10.3f} ms")
    mg, fl = med["micrograd 0.1.0"], med["floor"]
    for name in steps:
        if name.startswith("compiled"):
            line = f"{name:26s} {mg / med[name]:8.0f}x micrograd  {med[name] / fl:5.2f}x floor"
            if "torch float64" in med:
                line += f"  {med[name] / med['torch float64']:5.2f}x torch"
            line += f"  {med[name] / med['numpy by hand']:5.2f}x numpy by hand"
            print(line)
    if "torch float64" in med:
        print(f"torch / micrograd: {mg / med['torch float64']:.0f}x")
    for style, ms in compile_ms.items():
        print(f"compile_graph of the per-example graph ({style}): {ms:.1f} ms")


if __name__ == "__main__":
    main()
