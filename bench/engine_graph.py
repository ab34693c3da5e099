"""Engine benchmark: build the training-sized graph and run backward, four ways.

    ours (elementwise)  autograd.Value, written like micrograd's neuron: b + w0*x0 + w1*x1 + ...
    ours (fused)        autograd.Value with one `dot` node per neuron and `sum_values` for sums
    micrograd 0.1.0     the very same elementwise code, on micrograd.engine.Value
    floor               plain floats and a hand-written backward (bench/floor.py)

Each implementation is a function that zeroes the parameter gradients, builds the loss,
runs backward and returns (loss, gradients): one training step without the update.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bench import floor
from bench.problem import Problem
from bench.timing import interleaved, interleaved_loops, median

Step = Callable[[], tuple[float, list[float]]]

LOSS_TOL = 1e-12
GRAD_TOL = 1e-9


class Elementwise:
    """micrograd's idiom, for any Value class with + * relu backward (duck typing):
    a neuron is sum((w_k * h_k ...), b), i.e. b + w0*h0 + w1*h1 + ... as binary nodes."""

    def __init__(self, value_cls: type, problem: Problem) -> None:
        self.layers = [
            [([value_cls(w) for w in ws], value_cls(b)) for ws, b in layer]
            for layer in problem.weights
        ]
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]
        self.problem = problem

    def loss(self) -> Any:
        """mean(relu(1 - y*s)) + alpha * sum(p*p), written as micrograd's demo writes it."""
        last = len(self.layers) - 1
        scores = []
        for x in self.problem.X:
            h: list[Any] = x
            for i, layer in enumerate(self.layers):
                acts = [sum((wk * hk for wk, hk in zip(w, h)), b) for w, b in layer]
                h = acts if i == last else [a.relu() for a in acts]
            scores.append(h[0])
        losses = [(1 + -y * s).relu() for y, s in zip(self.problem.Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = self.problem.alpha * sum(p * p for p in self.params)
        return data_loss + reg_loss


class Fused:
    """Our engine with its n-ary nodes: a neuron is dot(w, h) + b, sums are one node."""

    def __init__(self, problem: Problem) -> None:
        from autograd import Value

        self.layers = [
            [([Value(w) for w in ws], Value(b)) for ws, b in layer] for layer in problem.weights
        ]
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]
        self.problem = problem

    def loss(self) -> Any:
        """mean(relu(1 - y*s)) + alpha * sum(p*p) with dot and sum_values."""
        from autograd import dot, sum_values

        last = len(self.layers) - 1
        scores = []
        for x in self.problem.X:
            h: list[Any] = x
            for i, layer in enumerate(self.layers):
                acts = [dot(w, h) + b for w, b in layer]
                h = acts if i == last else [a.relu() for a in acts]
            scores.append(h[0])
        losses = [(1 - y * s).relu() for y, s in zip(self.problem.Y, scores)]
        data_loss = sum_values(losses) / len(losses)
        reg_loss = self.problem.alpha * sum_values([p * p for p in self.params])
        return data_loss + reg_loss


def training_step(graph: Elementwise | Fused) -> Step:
    """zero the gradients, build the loss, backward: (loss, gradients)."""

    def step() -> tuple[float, list[float]]:
        for p in graph.params:
            p.grad = 0.0
        loss = graph.loss()
        loss.backward()
        return loss.data, [p.grad for p in graph.params]

    return step


def graphs(problem: Problem) -> dict[str, Elementwise | Fused]:
    """The graph builders: our two styles, and micrograd when it is installed."""
    from autograd import Value

    builders: dict[str, Elementwise | Fused] = {
        "ours (elementwise)": Elementwise(Value, problem),
        "ours (fused)": Fused(problem),
    }
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        pass
    else:
        builders["micrograd 0.1.0"] = Elementwise(MicrogradValue, problem)
    return builders


def implementations(problem: Problem) -> dict[str, Step]:
    """name -> step function, the floor last."""
    steps = {name: training_step(graph) for name, graph in graphs(problem).items()}
    steps["floor"] = lambda: floor.loss_and_grads(problem)
    return steps


def check_agreement(steps: dict[str, Step]) -> dict[str, dict[str, float]]:
    """Run each step once: every loss within LOSS_TOL of the floor's, every gradient within
    GRAD_TOL. Raises AssertionError otherwise. Returns the largest differences seen."""
    ref_loss, ref_grads = steps["floor"]()
    report = {}
    for name, step in steps.items():
        loss, grads = step()
        loss_diff = abs(loss - ref_loss)
        grad_diff = max(abs(g - r) for g, r in zip(grads, ref_grads))
        assert len(grads) == len(ref_grads), (
            f"{name}: {len(grads)} gradients, expected {len(ref_grads)}"
        )
        assert math.isfinite(loss) and loss_diff <= LOSS_TOL, (
            f"{name}: loss {loss!r} differs from the floor's {ref_loss!r} by {loss_diff:.3g}"
        )
        assert grad_diff <= GRAD_TOL, (
            f"{name}: a gradient differs from the floor's by {grad_diff:.3g}"
        )
        report[name] = {"loss": loss, "max_loss_diff": loss_diff, "max_grad_diff": grad_diff}
    return report


def count_nodes(problem: Problem) -> dict[str, int]:
    """Nodes in the loss's graph (interior nodes and leaves) for our two styles."""
    from autograd import topological_order

    return {
        name: len(topological_order(graph.loss()))
        for name, graph in graphs(problem).items()
        if name.startswith("ours")
    }


PROTOCOLS = {
    "loop": "as users run it: per block, 2 untimed warm-up steps then consecutive timed steps, "
    "GC on, nothing collected by hand (each step pays for the garbage earlier steps left); "
    "blocks of the implementations take turns, gc.collect() only between blocks",
    "collected_gc_on": "gc.collect() before every timed step (untimed), GC on during it: "
    "a step never pays for an earlier step's garbage",
    "collected_gc_off": "gc.collect() before every timed step (untimed), GC disabled during it",
}
HEADLINE = "loop"
WARMUP = 2


def ratios(med: dict[str, float]) -> dict[str, float]:
    """micrograd / ours (how many times faster we are) and ours / floor, for both our styles."""
    out: dict[str, float] = {}
    for ours in ("ours (elementwise)", "ours (fused)"):
        if "micrograd 0.1.0" in med:
            out[f"micrograd / {ours}"] = med["micrograd 0.1.0"] / med[ours]
        out[f"{ours} / floor"] = med[ours] / med["floor"]
    return out


def run(problem: Problem, repeats: int) -> dict[str, Any]:
    """Check agreement, then time every implementation under the three protocols.

    loop: min(3, repeats) blocks of ceil(repeats / blocks) timed steps each (after WARMUP
    untimed steps) per implementation; collected: ``repeats`` interleaved single steps,
    GC on, then GC off.
    """
    steps = implementations(problem)
    agreement = check_agreement(steps)  # also warms every implementation up
    blocks = min(3, repeats)
    per_block = -(-repeats // blocks)
    times = {
        "loop": interleaved_loops(steps, blocks, per_block, WARMUP),
        "collected_gc_on": interleaved(steps, repeats, gc_on=True),
        "collected_gc_off": interleaved(steps, repeats, gc_on=False),
    }
    results: dict[str, Any] = {
        "protocols": PROTOCOLS,
        "headline_protocol": HEADLINE,
        "repeats": repeats,
        "loop_blocks": blocks,
        "loop_steps_per_block": per_block,
        "loop_warmup_steps_per_block": WARMUP,
        "nodes": count_nodes(problem),
        "agreement": agreement,
        "implementations": {
            name: {
                "median_s": {protocol: median(t[name]) for protocol, t in times.items()},
                "times_s": {protocol: t[name] for protocol, t in times.items()},
            }
            for name in steps
        },
    }
    results["ratios"] = {
        protocol: ratios(
            {name: r["median_s"][protocol] for name, r in results["implementations"].items()}
        )
        for protocol in times
    }
    return results
