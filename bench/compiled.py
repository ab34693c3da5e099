"""Compiled section: micrograd's demo step with the graph compiled once and replayed
(``autograd.compile_graph``), side by side with micrograd, our scalar engine, the
hand-written floor, a hand-vectorised numpy step and PyTorch.

The step is the engine section's: zero the gradients, compute the loss of 100 moons points
through an MLP 2-16-16-1 (ReLU hidden layers, linear output),
L = mean(relu(1 - y*s)) + alpha * sum(p*p), and every parameter's gradient. The compiled
rows record one example's graph with leaves x0, x1, y as inputs and replay it:

    per example   cg(x0, x1, y) for each point (pure Python, no numpy); the recorded root is
                  relu(1 - y*s) / n, so the calls add up to the mean and its gradient; the
                  L2 term is a second compiled graph without inputs, called once
    batch         cg.batch(X0, X1, Y) once (numpy over the 100 rows); the recorded root is
                  relu(1 - y*s) + alpha * sum(p*p), whose mean over the rows is L

Two models are compiled: ours as ``nn`` builds it (one ``dot`` node per neuron) and a
learner's micrograd-style model (``b + w0*x0 + w1*x1 + ...`` as binary ``+`` and ``*``
nodes on our ``Value``, the code micrograd runs), which the compiler fuses.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench import engine_graph, floor
from bench.problem import Problem, flatten
from bench.timing import time_loop

Step = Callable[[], tuple[float, list[float]]]

MICROGRAD = "micrograd 0.1.0"
SCALAR = "ours scalar (nn)"
PER_EXAMPLE = "ours compiled, per example"
BATCH = "ours compiled, batch"
EW_PER_EXAMPLE = "elementwise compiled, per example"
EW_BATCH = "elementwise compiled, batch"
FLOOR = "floor"
NUMPY = "numpy (hand-vectorised)"
TORCH = "torch CPU float64"

WARMUP = 2
BLOCK_BUDGET_S = 0.25  # a fast implementation runs more timed steps per block, up to this long
MAX_STEPS_PER_BLOCK = 200
SUB_ROUNDS = 5  # a fast row's block in a round is split into this many, alternating

SPIRALS = {
    "n": 300,
    "classes": 3,
    "sizes": [32, 32, 3],
    "epochs": 200,
    "batch_size": 30,
    "lr": 0.01,
    "seed": 0,
}


# ---- the models --------------------------------------------------------------------------


def nn_model(problem: Problem) -> Any:
    """``nn.MLP(2, [16, 16, 1])`` with the problem's weights (same parameter order)."""
    from nn import MLP

    sizes = [len(layer) for layer in problem.weights]
    model = MLP(len(problem.weights[0][0][0]), sizes, activation="relu", seed=0)
    for p, w in zip(model.parameters(), flatten(problem.weights), strict=True):
        p.data = w
    return model


def scalar_step(problem: Problem) -> Step:
    """Our engine as ``nn`` users run it: the whole batch's graph built, then backward()."""
    from autograd import sum_values
    from nn import hinge_loss

    model = nn_model(problem)
    params = model.parameters()

    def step() -> tuple[float, list[float]]:
        model.zero_grad()
        scores = [model(x) for x in problem.X]
        loss = hinge_loss(scores, problem.Y) + problem.alpha * sum_values([p * p for p in params])
        loss.backward()
        return loss.data, [p.grad for p in params]

    return step


def example_inputs() -> list[Any]:
    """The leaves that change from example to example: x0, x1 and the label y."""
    from autograd import Value

    return [Value(0.0, label="x0"), Value(0.0, label="x1"), Value(1.0, label="y")]


def nn_scores(model: Any) -> Callable[[list[Any]], Any]:
    return lambda xs: model(xs)


def elementwise_scores(ew: engine_graph.Elementwise) -> Callable[[list[Any]], Any]:
    """One example's score through micrograd's neuron: sum((w*x for ...), b)."""

    def score(xs: list[Any]) -> Any:
        last = len(ew.layers) - 1
        h = xs
        for i, layer in enumerate(ew.layers):
            acts = [sum((wk * hk for wk, hk in zip(w, h)), b) for w, b in layer]
            h = acts if i == last else [a.relu() for a in acts]
        return h[0]

    return score


def example_graphs(
    score: Callable[[list[Any]], Any], params: list[Any], alpha: float, n: int, elementwise: bool
) -> dict[str, Any]:
    """The three graphs the compiled rows replay (see the module docstring)."""
    from autograd import dot

    def l2() -> Any:  # alpha * sum(p*p), in the model's own style
        return alpha * (sum(p * p for p in params) if elementwise else dot(params, params))

    xs = example_inputs()
    x0, x1, y = xs
    s = score([x0, x1])
    hinge = (1 + -y * s).relu() if elementwise else (1.0 - y * s).relu()
    return {
        "inputs": xs,
        "per_example": hinge * (1.0 / n),
        "l2": l2(),
        "batch": hinge + l2(),
    }


def compiled_steps(
    problem: Problem, score: Callable[[list[Any]], Any], params: list[Any], elementwise: bool
) -> tuple[Step, Step]:
    """(per-example step, batch step) for one model."""
    import numpy as np

    from autograd import compile_graph

    g = example_graphs(score, params, problem.alpha, len(problem.X), elementwise)
    per_example = compile_graph(g["per_example"], inputs=g["inputs"])
    l2 = compile_graph(g["l2"])
    batch = compile_graph(g["batch"], inputs=g["inputs"])
    rows = [(x0, x1, y) for (x0, x1), y in zip(problem.X, problem.Y)]
    columns = [np.array(c, dtype=np.float64) for c in zip(*rows)]

    def step_per_example() -> tuple[float, list[float]]:
        for p in params:
            p.grad = 0.0
        loss = l2()
        for x0, x1, y in rows:
            loss += per_example(x0, x1, y)
        return loss, [p.grad for p in params]

    def step_batch() -> tuple[float, list[float]]:
        for p in params:
            p.grad = 0.0
        return batch.batch(*columns), [p.grad for p in params]

    return step_per_example, step_batch


def implementations(problem: Problem) -> tuple[dict[str, Step], dict[str, str]]:
    """name -> step, in the table's order; and why rows are left out."""
    from autograd import Value

    steps: dict[str, Step] = {}
    missing: dict[str, str] = {}
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        missing[MICROGRAD] = "micrograd not installed (make bench installs micrograd==0.1.0)"
    else:
        steps[MICROGRAD] = engine_graph.training_step(
            engine_graph.Elementwise(MicrogradValue, problem)
        )
    steps[SCALAR] = scalar_step(problem)
    model = nn_model(problem)
    steps[PER_EXAMPLE], steps[BATCH] = compiled_steps(
        problem, nn_scores(model), model.parameters(), elementwise=False
    )
    ew = engine_graph.Elementwise(Value, problem)
    steps[EW_PER_EXAMPLE], steps[EW_BATCH] = compiled_steps(
        problem, elementwise_scores(ew), ew.params, elementwise=True
    )
    steps[FLOOR] = lambda: floor.loss_and_grads(problem)
    from bench.vectorised import NumpyStep, TorchStep

    steps[NUMPY] = NumpyStep(problem)
    try:
        steps[TORCH] = TorchStep(problem)
    except ImportError:
        missing[TORCH] = "torch not installed (.venv/bin/pip install -e '.[ref]')"
    return steps, missing


# ---- timing ------------------------------------------------------------------------------


def steps_per_block(steps: dict[str, Step], least: int) -> tuple[dict[str, int], set[str]]:
    """Timed steps per block: at least ``least``, more for a fast step (up to about
    BLOCK_BUDGET_S per round), so its median rests on more samples; and the fast steps
    (those that get more), whose blocks are split into SUB_ROUNDS shorter ones."""
    counts, fast = {}, set()
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        once = time.perf_counter() - start
        n = min(MAX_STEPS_PER_BLOCK, int(BLOCK_BUDGET_S / max(once, 1e-9)))
        if n > least:
            fast.add(name)
        counts[name] = max(least, n)
    return counts, fast


def interleaved_blocks(
    steps: dict[str, Step], blocks: int, counts: dict[str, int], fast: set[str]
) -> dict[str, list[float]]:
    """``blocks`` rounds. In each, every slow implementation runs one loop (WARMUP untimed
    steps, then counts[name] timed ones, GC on, nothing collected by hand) and every fast
    one SUB_ROUNDS shorter loops (counts[name] / SUB_ROUNDS timed steps each); the loops
    take turns (a b c, b c a, ...), so a drift in the machine's load spreads over all rows
    and the fast rows, whose ratios to each other are small, alternate often."""
    names = list(steps)
    slow_names = [n for n in names if n not in fast]
    fast_names = [n for n in names if n in fast]
    times: dict[str, list[float]] = {name: [] for name in names}

    def loop(name: str, n: int) -> None:
        gc.collect()
        times[name].extend(time_loop(steps[name], n, WARMUP))

    turn = 0
    for _ in range(blocks):
        for group, sub in ((slow_names, 1), (fast_names, SUB_ROUNDS)):
            for _ in range(sub):
                if group:
                    k = turn % len(group)
                    for name in group[k:] + group[:k]:
                        loop(name, max(1, -(-counts[name] // sub)))
                turn += 1
    gc.collect()
    return times


def compile_times(problem: Problem, repeats: int) -> dict[str, Any]:
    """Seconds to compile the per-example graph (medians; the graph is built untimed), and
    to generate the batch code (the first ``cg.batch`` call, minus a later call)."""
    import numpy as np

    from autograd import Value, compile_graph, topological_order

    out: dict[str, Any] = {}
    models = {
        "nn (dot per neuron)": (lambda: nn_model(problem), False),
        "elementwise (micrograd-style)": (
            lambda: engine_graph.Elementwise(Value, problem),
            True,
        ),
    }
    one_row = [np.array([v]) for v in (*problem.X[0], problem.Y[0])]
    for name, (make, elementwise) in models.items():
        compile_s, compile_cpu_s, batch_s, nodes, lines = [], [], [], 0, 0
        for _ in range(repeats):
            m = make()
            score = elementwise_scores(m) if elementwise else nn_scores(m)
            params = m.params if elementwise else m.parameters()
            g = example_graphs(score, params, problem.alpha, len(problem.X), elementwise)
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            cg = compile_graph(g["per_example"], inputs=g["inputs"])
            compile_s.append(time.perf_counter() - start)
            compile_cpu_s.append(time.process_time() - cpu)
            nodes = len(topological_order(g["per_example"]))
            lines = cg.source.count("\n")
            cb = compile_graph(g["batch"], inputs=g["inputs"])
            start = time.perf_counter()
            cb.batch(*one_row)
            first = time.perf_counter() - start
            start = time.perf_counter()
            cb.batch(*one_row)
            batch_s.append(first - (time.perf_counter() - start))
        out[name] = {
            "graph_nodes": nodes,
            "source_lines": lines,
            "compile_s": compile_s,
            "median_compile_s": statistics.median(compile_s),
            "compile_cpu_s": compile_cpu_s,
            "median_compile_cpu_s": statistics.median(compile_cpu_s),
            "batch_codegen_s": batch_s,
            "median_batch_codegen_s": statistics.median(batch_s),
        }
    return out


# ---- spirals -----------------------------------------------------------------------------


def spirals_data() -> tuple[list[list[float]], list[int]]:
    from nn import datasets

    X, y = datasets.make_spirals(SPIRALS["n"], classes=SPIRALS["classes"], seed=SPIRALS["seed"])
    return [[float(a), float(b)] for a, b in X], [int(t) for t in y]


def spirals_fit(epochs: int, compile: bool) -> dict[str, Any]:
    """``fit`` on the spirals (Adam, mini-batches), compiled or scalar: wall time, loss, acc."""
    from nn import MLP, Adam, accuracy, fit

    X, y = spirals_data()
    model = MLP(2, SPIRALS["sizes"], seed=SPIRALS["seed"])
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=SPIRALS["lr"]),
        epochs=epochs,
        batch_size=SPIRALS["batch_size"],
        seed=SPIRALS["seed"],
        progress=False,
        compile=compile,
    )
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "epochs": epochs,
        "wall_s": wall,
        "cpu_s": cpu,
        "epoch_losses": history.epoch_loss,
        "final_loss": history.epoch_loss[-1],
        "accuracy": accuracy(model, X, y),
    }


def spirals(scalar_epochs: int) -> dict[str, Any]:
    """The 3-class spirals trained for SPIRALS['epochs'] epochs, compiled (timed in full), and
    the scalar ``fit`` timed for ``scalar_epochs`` epochs and extrapolated."""
    results: dict[str, Any] = {"setup": dict(SPIRALS), "how": "fit(..., compile=True)"}
    results["compiled"] = spirals_fit(SPIRALS["epochs"], compile=True)
    if scalar_epochs:
        scalar = spirals_fit(scalar_epochs, compile=False)
        scalar["total_s_estimate"] = scalar["wall_s"] * SPIRALS["epochs"] / scalar_epochs
        results["scalar"] = scalar
        results["ratio_scalar_over_compiled"] = (
            scalar["total_s_estimate"] / results["compiled"]["wall_s"]
        )
        pairs = zip(scalar["epoch_losses"], results["compiled"]["epoch_losses"])
        results["max_epoch_loss_diff"] = max(abs(a - b) for a, b in pairs)  # the same training
    return results


# ---- the section -------------------------------------------------------------------------


def ratios(med: dict[str, float]) -> dict[str, dict[str, float]]:
    """For every row: micrograd / row (times faster than micrograd) and row / floor, row /
    numpy, row / torch (times slower than those), where those rows exist."""
    out: dict[str, dict[str, float]] = {}
    for name, t in med.items():
        r: dict[str, float] = {}
        if MICROGRAD in med:
            r["micrograd_over_this"] = med[MICROGRAD] / t
        for ref, key in (
            (FLOOR, "this_over_floor"),
            (NUMPY, "this_over_numpy"),
            (TORCH, "this_over_torch"),
        ):
            if ref in med:
                r[key] = t / med[ref]
        out[name] = r
    return out


def run(problem: Problem, repeats: int, scalar_spiral_epochs: int = 2) -> dict[str, Any]:
    """Check agreement, time every implementation in interleaved loops, compile times,
    spirals."""
    steps, missing = implementations(problem)
    agreement = engine_graph.check_agreement(steps)  # asserts; also warms every step up
    blocks = min(3, repeats)
    least = -(-repeats // blocks)
    counts, fast = steps_per_block(steps, least)
    times = interleaved_blocks(steps, blocks, counts, fast)
    med = {name: statistics.median(t) for name, t in times.items()}
    results: dict[str, Any] = {
        "protocol": "loop, GC on: per block WARMUP untimed steps then consecutive timed steps, "
        "nothing collected by hand; blocks of the implementations take turns, a fast row's "
        "block split into SUB_ROUNDS shorter ones",
        "sub_rounds_of_fast_rows": SUB_ROUNDS,
        "fast_rows": sorted(fast),
        "blocks": blocks,
        "timed_steps_per_block": counts,
        "warmup_steps_per_block": WARMUP,
        "left_out": missing,
        "agreement": agreement,
        "implementations": {
            name: {"median_s": med[name], "times_s": times[name]} for name in steps
        },
        "ratios": ratios(med),
    }
    results["compile"] = compile_times(problem, repeats=max(3, min(repeats, 7)))
    results["spirals"] = spirals(scalar_spiral_epochs)
    results["targets"] = targets(results)
    return results


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 11's performance targets, each with its measured number and whether it is met."""
    r = results["ratios"]
    out: list[dict[str, Any]] = []

    def add(what: str, value: float | None, goal: str, ok: bool | None) -> None:
        out.append({"target": what, "measured": value, "goal": goal, "met": ok})

    def ratio(name: str, key: str) -> float | None:
        return r.get(name, {}).get(key)

    v = ratio(BATCH, "micrograd_over_this")
    add("micrograd / compiled batch", v, ">= 1000x", None if v is None else v >= 1000.0)
    v = ratio(BATCH, "this_over_torch")
    add("compiled batch / torch", v, "<= 1.0x", None if v is None else v <= 1.0)
    v = ratio(PER_EXAMPLE, "this_over_floor")
    add("compiled per example / floor", v, "<= 1.5x", v <= 1.5)
    for name in (EW_PER_EXAMPLE, EW_BATCH):
        v = ratio(name, "micrograd_over_this")
        add(f"micrograd / {name}", v, ">= 100x", None if v is None else v >= 100.0)
    v = results["compile"]["nn (dot per neuron)"]["median_compile_s"]
    add("compile_graph, 2-16-16-1 per-example graph (s)", v, "< 0.05 s", v < 0.05)
    v = results["spirals"]["compiled"]["wall_s"]
    add("spirals, 200 epochs compiled (s)", v, "< 30 s", v < 30.0)
    return [t for t in out if t["measured"] is None or math.isfinite(t["measured"])]
