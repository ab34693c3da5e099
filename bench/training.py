"""Training benchmark: micrograd's demo recipe with our nn modules vs micrograd 0.1.0's.

The recipe (micrograd's demo notebook): 100 moons points, MLP 2-16-16-1 with ReLU, loss
mean(relu(1 - y*s)) + 1e-4 * sum(p*p), full-batch SGD for 100 steps with
lr = 1.0 - 0.9 * k / 100 at step k. Both models start from the same weights (ours, copied
into micrograd's parameters, which are in the same order), so their loss trajectories
must agree. Each step (forward, loss, zero_grad, backward, update) is timed with the
garbage collector on, as users run it; nothing is collected by hand between steps.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.problem import ALPHA, make_moons
from bench.timing import median

STEPS = 100
SIZES = [16, 16, 1]
REPO_ROOT = Path(__file__).resolve().parent.parent


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / STEPS


def nn_missing() -> str | None:
    """Why our nn cannot be used yet, or None when it can."""
    try:
        from nn import MLP, SGD, hinge_loss  # noqa: F401
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def moons() -> tuple[list[list[float]], list[float], str]:
    """100 moons points as floats with labels in {-1, +1}, and where they came from."""
    try:
        from nn import datasets

        X, y = datasets.make_moons(100, noise=0.1, seed=0)
    except (ImportError, AttributeError, TypeError):
        X, Y = make_moons(100, noise=0.1, seed=0)
        return X, Y, "bench.problem.make_moons(100, noise=0.1, seed=0)"
    X = [[float(a), float(b)] for a, b in X]
    Y = [1.0 if int(label) == 1 else -1.0 for label in y]
    return X, Y, "nn.datasets.make_moons(100, noise=0.1, seed=0)"


def train_ours(X: list[list[float]], Y: list[float], steps: int) -> dict[str, Any]:
    """Our nn: MLP(2, [16, 16, 1], relu, seed=0), hinge_loss + L2, nn.SGD."""
    from autograd import sum_values
    from nn import MLP, SGD, hinge_loss

    model = MLP(2, SIZES, activation="relu", seed=0)
    params = model.parameters()
    initial = [p.data for p in params]
    optimizer = SGD(params, lr=learning_rate(0))
    losses, times = [], []
    gc.collect()
    start = time.perf_counter()
    for k in range(steps):
        t0 = time.perf_counter()
        scores = [model(x) for x in X]
        loss = hinge_loss(scores, Y) + ALPHA * sum_values([p * p for p in params])
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = learning_rate(k)
        optimizer.step()
        times.append(time.perf_counter() - t0)
        losses.append(loss.data)
    total = time.perf_counter() - start
    return {"losses": losses, "step_times_s": times, "total_s": total, "initial": initial}


def train_micrograd(
    X: list[list[float]], Y: list[float], initial: list[float], steps: int
) -> dict[str, Any]:
    """micrograd 0.1.0's MLP and its demo loop, starting from our weights."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, SIZES)
    params = model.parameters()
    if len(params) != len(initial):
        raise AssertionError(f"micrograd has {len(params)} parameters, ours {len(initial)}")
    for p, w in zip(params, initial):
        p.data = w
    losses, times = [], []
    gc.collect()
    start = time.perf_counter()
    for k in range(steps):
        t0 = time.perf_counter()
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        lr = learning_rate(k)
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        losses.append(loss.data)
    total = time.perf_counter() - start
    del loss, scores, inputs, hinge
    gc.collect()
    return {"losses": losses, "step_times_s": times, "total_s": total}


def demo_command() -> list[str] | None:
    """How to run `stepgrad demo`: the console script beside this Python, else viz.cli."""
    script = Path(sys.executable).parent / "stepgrad"
    if script.exists():
        return [str(script)]
    try:
        import viz.cli  # noqa: F401
    except ImportError:
        return None
    code = "import sys; from viz.cli import main; sys.argv[0] = 'stepgrad'; sys.exit(main())"
    return [sys.executable, "-c", code]


def time_demo() -> dict[str, Any]:
    """Wall time of the default `stepgrad demo` (output written to a temporary folder)."""
    command = demo_command()
    if command is None:
        return {"skipped": "viz.cli not available"}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as out:
        argv = [*command, "demo", "--out", out]
        start = time.perf_counter()
        done = subprocess.run(
            argv, check=False, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        wall = time.perf_counter() - start
    tail = (done.stdout.strip().splitlines() or [""])[-3:]
    result = {
        "command": "stepgrad demo --out <tmpdir>",
        "wall_s": wall,
        "returncode": done.returncode,
        "output_tail": tail,
    }
    if done.returncode != 0:
        result["stderr_tail"] = done.stderr.strip().splitlines()[-5:]
    return result


def run(micrograd_steps: int, demo: bool = True) -> dict[str, Any]:
    """Train both, compare the trajectories over the common steps, time per step."""
    missing = nn_missing()
    if missing is not None:
        return {"skipped": f"nn not available ({missing})"}
    X, Y, source = moons()
    ours = train_ours(X, Y, STEPS)
    results: dict[str, Any] = {
        "data": source,
        "steps": STEPS,
        "ours": {
            "steps_run": STEPS,
            "median_step_s": median(ours["step_times_s"]),
            "total_s": ours["total_s"],
            "losses": ours["losses"],
            "step_times_s": ours["step_times_s"],
        },
    }
    try:
        import micrograd  # noqa: F401
    except ImportError:
        results["micrograd"] = {"skipped": "micrograd not installed (pip install micrograd==0.1.0)"}
    else:
        theirs = train_micrograd(X, Y, ours["initial"], micrograd_steps)
        med = median(theirs["step_times_s"])
        common = len(theirs["losses"])
        diffs = [abs(a - b) for a, b in zip(ours["losses"], theirs["losses"])]
        results["micrograd"] = {
            "steps_run": micrograd_steps,
            "median_step_s": med,
            "total_s": theirs["total_s"],
            "total_100_s_estimate": med * STEPS,
            "extrapolated": micrograd_steps < STEPS,
            "losses": theirs["losses"],
            "step_times_s": theirs["step_times_s"],
        }
        results["trajectory"] = {
            "steps_compared": common,
            "max_abs_diff": max(diffs),
            "first_loss": ours["losses"][0],
            "last_compared_loss": ours["losses"][common - 1],
        }
        results["ratio_micrograd_over_ours_per_step"] = med / results["ours"]["median_step_s"]
        if micrograd_steps >= STEPS:
            results["ratio_micrograd_over_ours_total"] = theirs["total_s"] / ours["total_s"]
    if demo:
        results["demo"] = time_demo()
    return results
