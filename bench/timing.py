"""Timing helpers: interleaved repeats, the garbage collector on or off, medians.

Two protocols:

    collected   gc.collect() (untimed) before every timed call; the call runs with GC on or off
    loop        as users run it: K consecutive calls with GC on and nothing collected by hand,
                so each call pays for the cyclic garbage the previous ones left behind
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def time_once(fn: Callable[[], object], gc_on: bool) -> float:
    """Seconds for one call of ``fn``, starting from a collected heap (protocol "collected").

    The collection before the call is not timed; the call runs with the cyclic garbage
    collector enabled (``gc_on``, as users run Python) or disabled. Whatever ``fn`` leaves
    for the cyclic collector afterwards is collected before the next call, untimed.
    """
    gc.collect()
    if gc_on:
        gc.enable()
    else:
        gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def interleaved(
    fns: dict[str, Callable[[], object]], repeats: int, gc_on: bool
) -> dict[str, list[float]]:
    """Time every function ``repeats`` times, taking turns (a, b, c, b, c, a, ...).

    The starting function rotates each round, so slow drifts of the machine (other
    processes, CPU frequency) spread over all of them instead of favouring one.
    """
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(time_once(fns[name], gc_on))
    return times


def time_loop(fn: Callable[[], object], steps: int, warmup: int) -> list[float]:
    """Seconds for each of ``steps`` consecutive calls of ``fn``, after ``warmup`` untimed ones.

    The garbage collector stays on and nothing is collected by hand: whatever a call leaves
    behind (a graph held together by reference cycles) is the collector's job during the
    calls that follow, and those calls are timed. The warm-up calls fill the heap with such
    garbage first, so the timed calls see the steady state of a training loop.
    """
    gc.enable()
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def interleaved_loops(
    fns: dict[str, Callable[[], object]], blocks: int, steps: int, warmup: int
) -> dict[str, list[float]]:
    """``blocks`` loops of ``steps`` timed calls per function, taking turns by block.

    Block order rotates (a b c, b c a, c a b, ...); one untimed gc.collect() before each
    block, so a block starts from a clean heap and pays only for its own garbage.
    """
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(blocks):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()
            times[name].extend(time_loop(fns[name], steps, warmup))
    gc.collect()
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_time(seconds: float) -> str:
    """A duration with a sensible unit: 812 ns, 3.4 us, 15.2 ms, 1.93 s."""
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.3g} us"
    return f"{seconds * 1e9:.3g} ns"
