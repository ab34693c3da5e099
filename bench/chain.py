"""Chain benchmark: is build + backward linear in the graph's length?

    x_0 = 1,   x_{i+1} = x_i * 1.0000001   (i even)
               x_{i+1} = x_i + 0.5         (i odd)

N operations give N interior nodes in a single line (plus N constant leaves for the
numbers 1.0000001 and 0.5, lifted to Values). We time building the chain, backward from
its end and freeing it, at several lengths; linear means the time per operation stays the same.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.timing import median


def build(n: int) -> tuple[Any, Any]:
    """(x_0, x_n) for a chain of n alternating * and + operations."""
    from autograd import Value

    x0 = Value(1.0)
    x = x0
    for i in range(n):
        x = x * 1.0000001 if i % 2 == 0 else x + 0.5
    return x0, x


def expected_grad(n: int) -> float:
    """dx_n/dx_0 = 1.0000001 ** (number of multiplications)."""
    return 1.0000001 ** ((n + 1) // 2)


def rss_mb() -> float | None:
    """This process's resident memory in MB (Linux /proc), else None."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
    except OSError:
        return None
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float | None:
    """The largest resident memory this process has had so far, in MB (Unix), else None."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KB


def time_chain(n: int, gc_on: bool) -> dict[str, float]:
    """One build + backward + free of a length-n chain; seconds for each, and memory."""
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        before = rss_mb()
        t0 = time.perf_counter()
        x0, x = build(n)
        t1 = time.perf_counter()
        x.backward()
        t2 = time.perf_counter()
        after = rss_mb()
        grad = x0.grad
        del x  # reference counting frees the whole chain here (the engine has no cycles)
        t3 = time.perf_counter()
    finally:
        gc.enable()
    expected = expected_grad(n)
    assert abs(grad - expected) <= 1e-9 * expected, (
        f"chain {n}: dx_n/dx_0 = {grad}, expected {expected}"
    )
    return {
        "build_s": t1 - t0,
        "backward_s": t2 - t1,
        "free_s": t3 - t2,
        "graph_mb": (after - before) if before is not None and after is not None else float("nan"),
    }


def run(sizes: tuple[int, ...], per_round: dict[int, int], rounds: int) -> dict[str, Any]:
    """Median build/backward/free times per size, GC on and off, and the per-op times.

    Sizes and GC modes take turns: each of the ``rounds`` runs every size ``per_round[n]``
    times in both modes, so a busy moment of the machine does not land on one size only.
    """
    modes = (("gc_on", True), ("gc_off", False))
    runs: dict[tuple[int, str], list[dict[str, float]]] = {
        (n, mode): [] for n in sizes for mode, _ in modes
    }
    for _ in range(rounds):
        for n in sizes:
            for mode, gc_on in modes:
                for _ in range(per_round[n]):
                    runs[n, mode].append(time_chain(n, gc_on))
    results: dict[str, Any] = {"rounds": rounds, "sizes": {}}
    for n in sizes:
        row: dict[str, Any] = {"repeats": rounds * per_round[n]}
        for mode, _ in modes:
            these = runs[n, mode]
            med = {key: median([r[key] for r in these]) for key in these[0]}
            med["per_op_build_s"] = median([r["build_s"] / n for r in these])
            med["per_op_backward_s"] = median([r["backward_s"] / n for r in these])
            med["per_op_build_backward_s"] = median(
                [(r["build_s"] + r["backward_s"]) / n for r in these]
            )
            med["runs"] = these
            row[mode] = med
        results["sizes"][str(n)] = row
    large = str(max(sizes))
    for small in (str(n) for n in sizes if n != max(sizes)):
        for mode in ("gc_on", "gc_off"):
            for part in ("build", "backward", "build_backward"):
                key = f"per_op_{part}_s"
                suffix = "" if part == "build_backward" else f"_{part}"
                results[f"per_op_ratio_{large}_over_{small}_{mode}{suffix}"] = (
                    results["sizes"][large][mode][key] / results["sizes"][small][mode][key]
                )
    results["peak_rss_mb"] = peak_rss_mb()
    return results
