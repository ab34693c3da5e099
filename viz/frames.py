"""The frames of a step-through: the forward pass node by node, then the backward pass.

Forward frame k shows the k-th node of the topological order getting its value (its parents
already have theirs). Backward frame k is the k-th ``BackwardStep`` of ``root.backward_steps()``:
the node's gradient dL/dnode is final and each parent receives local * dL/dnode. So there are
exactly len(topological order) + (number of nodes with parents) frames.

A frame records only what changed; ``state(frames, k)`` replays frames 0..k into the whole
picture at frame k (every value shown so far, every running gradient, every contribution).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from autograd import Value, topological_order
from autograd.backprop import name
from autograd.real import fmt

from .style import role

PASSES = ("forward", "backward")


class Frame(NamedTuple):
    """One step: which node, what happened (in words), and what it changed."""

    index: int
    phase: str  # "forward" or "backward"
    node: int  # the node's position in the topological order
    explanation: str
    grads: tuple[tuple[int, float], ...]  # backward: (node, its running grad after this step)
    contributions: tuple[tuple[int, int, float], ...]  # backward: (node, parent slot, local*grad)
    lines: tuple[str, ...]  # the explanation, one line per parent going backward


class State(NamedTuple):
    """Everything visible at one frame."""

    frame: Frame
    data: dict[int, float]  # the values computed so far
    grads: dict[int, float]  # the gradients known so far (running sums while accumulating)
    contributions: dict[tuple[int, int], float]  # (node, parent slot) -> contribution
    done: frozenset[int]  # nodes finished before this frame
    targets: frozenset[int]  # the current node's parents (read forward, written backward)

    @property
    def phase(self) -> str:
        return self.frame.phase

    @property
    def explanation(self) -> str:
        return self.frame.explanation

    @property
    def lines(self) -> tuple[str, ...]:
        return self.frame.lines

    @property
    def current(self) -> int:
        return self.frame.node


def forward_explanation(node: Value, root: Value) -> str:
    """The arithmetic that produced ``node``, e.g. ``n = a * b = 2.0 * -3.0 = -6.0``."""
    result = fmt(node.data)
    if not node.parents:
        kind = role(node, root)
        return f"{node.label} = {result} ({kind})" if node.label else f"constant {result}"
    names = [name(p) for p in node.parents]
    values = [fmt(p.data) for p in node.parents]
    op = node.op
    if op in ("+", "-", "*", "/", "**"):
        symbolic, numeric = f" {op} ".join(names), f" {op} ".join(values)
    elif op.startswith("**"):
        symbolic, numeric = f"{names[0]}{op}", f"{values[0]}{op}"
    elif op == "neg":
        symbolic, numeric = f"-{names[0]}", f"-({values[0]})"
    elif op == "abs":
        symbolic, numeric = f"|{names[0]}|", f"|{values[0]}|"
    elif op == "sum":
        symbolic, numeric = _terms(names, " + "), _terms(values, " + ")
    elif op == "dot":
        half = len(names) // 2
        pairs = list(zip(names[:half], names[half:]))
        symbolic = _terms([f"{w}*{x}" for w, x in pairs], " + ")
        numeric = _terms([f"{w}*{x}" for w, x in zip(values[:half], values[half:])], " + ")
    else:  # tanh, exp, log, sqrt, sigmoid, relu, ...
        symbolic, numeric = f"{op}({', '.join(names)})", f"{op}({', '.join(values)})"
    lhs = f"{node.label} = " if node.label else ""
    return f"{lhs}{symbolic} = {numeric} = {result}"


def _terms(items: Sequence[str], sep: str, limit: int = 4) -> str:
    if len(items) <= limit:
        return sep.join(items)
    return sep.join([*items[: limit - 1], f"... ({len(items) - limit} more)", items[-1]])


def build_frames(root: Value, passes: Sequence[str] = PASSES) -> tuple[list[Value], list[Frame]]:
    """The topological order and the frames for ``passes``.

    The backward frames come from a real ``root.backward_steps()`` run, starting from zero
    gradients; every ``grad`` in the graph is put back as it was afterwards, so stepping
    through changes nothing.
    """
    passes = tuple(passes)
    if not passes or any(p not in PASSES for p in passes) or len(set(passes)) != len(passes):
        raise ValueError(f"step_through: passes must be some of {PASSES} in order, got {passes!r}")
    if list(passes) != [p for p in PASSES if p in passes]:
        raise ValueError(
            f"step_through: the forward pass comes before the backward pass: {passes!r}"
        )
    order = topological_order(root)
    frames: list[Frame] = []
    if "forward" in passes:
        for i, node in enumerate(order):
            text = forward_explanation(node, root)
            frames.append(Frame(len(frames), "forward", i, text, (), (), (text,)))
    if "backward" in passes:
        frames.extend(_backward_frames(root, order, len(frames)))
    if not frames:
        raise ValueError(
            f"step_through: nothing to step through: {name(root)} is a leaf, so its backward "
            "pass has no steps"
        )
    return order, frames


def _backward_frames(root: Value, order: list[Value], start: int) -> list[Frame]:
    position = {node: i for i, node in enumerate(order)}
    saved = [node.grad for node in order]
    frames = []
    try:
        for node in order:
            node.grad = 0.0
        for step in root.backward_steps():
            i = position[step.node]
            grads = [(i, step.grad)]
            contributions = []
            for j, edge in enumerate(step.edges):
                p = position[edge.parent]
                contributions.append((i, j, edge.contribution))
                grads.append((p, edge.parent.grad))  # after the step: the running sum
            frames.append(
                Frame(
                    start + len(frames),
                    "backward",
                    i,
                    step.explain(),
                    tuple(grads),
                    tuple(contributions),
                    # each edge explained alone: exactly the parts explain() joins with "; "
                    tuple(step._replace(edges=(edge,)).explain() for edge in step.edges),
                )
            )
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad
    return frames


def state(order: Sequence[Value], frames: Sequence[Frame], k: int) -> State:
    """Replay frames 0..k: what the picture shows at frame k."""
    if not 0 <= k < len(frames):
        raise IndexError(f"step_through: no frame {k} (there are {len(frames)})")
    frame = frames[k]
    data: dict[int, float] = {}
    grads: dict[int, float] = {}
    contributions: dict[tuple[int, int], float] = {}
    forward = any(f.phase == "forward" for f in frames)
    if not forward or frame.phase == "backward":  # every value is known going backward
        data = {i: node.data for i, node in enumerate(order)}
    for f in frames[: k + 1]:
        if f.phase == "forward":
            data[f.node] = order[f.node].data
        for i, g in f.grads:
            grads[i] = g
        for i, j, c in f.contributions:
            contributions[(i, j)] = c
    node = order[frame.node]
    positions = {n: i for i, n in enumerate(order)} if node.parents else {}
    targets = frozenset(positions[p] for p in node.parents)
    if frame.phase == "forward":
        done = frozenset(f.node for f in frames[:k])
    else:
        done = frozenset(_finished_backward(order, frames, k))
    return State(frame, data, grads, contributions, done, targets)


def _finished_backward(order: Sequence[Value], frames: Sequence[Frame], k: int) -> set[int]:
    """Before backward frame k: the nodes already stepped, and the leaves all of whose
    consumers have been (their gradient is final)."""
    stepped = {f.node for f in frames[:k] if f.phase == "backward"}
    position = {n: i for i, n in enumerate(order)}
    pending_users: dict[int, int] = {}
    for i, node in enumerate(order):
        for p in node.parents:
            if i not in stepped:
                pending_users[position[p]] = pending_users.get(position[p], 0) + 1
    leaves = {i for i, n in enumerate(order) if not n.parents and pending_users.get(i, 0) == 0}
    return stepped | leaves
